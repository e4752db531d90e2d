/* exs-json-depth.c: a nesting-depth check that runs before json-glib.
 *
 * json-glib's parser recurses once per array or object level, so 120 000
 * '[' in a 240 KB body overflow the stack (issue 14). Every reader of JSON a
 * client or a file can supply (exs-http-json.c, exs-schedule.c, the CLI)
 * calls this first. It counts brackets outside strings in one pass; it does
 * not validate anything else, json-glib does that.
 */
#include "config.h"

#include "exs-json-depth.h"

#include <string.h>

G_DEFINE_QUARK (exs-json-error-quark, exs_json_error)

/**
 * exs_json_check_depth:
 * @length: bytes in @data, or -1 if NUL-terminated
 *
 * Returns: %FALSE (with %EXS_JSON_ERROR_TOO_DEEP naming the limit) if
 * arrays and objects nest deeper than @max_depth
 */
gboolean
exs_json_check_depth (const char *data, gssize length, guint max_depth, GError **error)
{
  gsize n = length < 0 ? strlen (data) : (gsize) length;
  gboolean in_string = FALSE;
  guint depth = 0;

  for (gsize i = 0; i < n; i++)
    {
      char c = data[i];

      if (in_string)
        {
          if (c == '\\')
            i++;
          else if (c == '"')
            in_string = FALSE;
          continue;
        }
      switch (c)
        {
        case '"':
          in_string = TRUE;
          break;
        case '[':
        case '{':
          if (++depth > max_depth)
            {
              g_set_error (error, EXS_JSON_ERROR, EXS_JSON_ERROR_TOO_DEEP,
                           "arrays and objects nest deeper than %u levels (at byte %" G_GSIZE_FORMAT ")", max_depth, i);
              return FALSE;
            }
          break;
        case ']':
        case '}':
          if (depth > 0)
            depth--;
          break;
        default:
          break;
        }
    }
  return TRUE;
}
