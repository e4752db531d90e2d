/* exs-guide-text.c: cleans titles, names and descriptions for M3U and XMLTV.
 *
 * Library text comes from file names and NFO files and may hold anything.
 * What we write must parse everywhere and pass tv_validate_file, whose
 * encoding check rejects U+FFFD, C1 controls and broken sequences. So: bytes
 * that are not UTF-8 are dropped (not replaced by U+FFFD), C0/C1 controls
 * become spaces or disappear, runs of spaces collapse and the ends are
 * trimmed. Used by exs-m3u.c and exs-xmltv.c.
 */
#include "config.h"

#include "exs-guide-text.h"

#include <string.h>

/**
 * exs_guide_text_clean:
 * @text: (nullable): any bytes
 *
 * Returns: (transfer full): valid UTF-8 without control characters (except
 * newlines with %EXS_GUIDE_TEXT_KEEP_NEWLINES); "" for %NULL
 */
char *
exs_guide_text_clean (const char *text, ExsGuideTextFlags flags)
{
  GString *out;
  const char *p, *end;
  gboolean pending_space = FALSE;

  if (text == NULL)
    return g_strdup ("");
  out = g_string_sized_new (strlen (text));
  p = text;
  end = text + strlen (text);
  while (p < end)
    {
      gunichar c;

      /* printable ASCII, most of any guide: copied as it is */
      if ((guchar) *p > 0x20 && (guchar) *p < 0x7f)
        {
          if (pending_space && out->str[out->len - 1] != '\n')
            g_string_append_c (out, ' ');
          pending_space = FALSE;
          g_string_append_c (out, *p++);
          continue;
        }
      c = g_utf8_get_char_validated (p, end - p);

      if (c == (gunichar)-1 || c == (gunichar)-2)
        {
          p++; /* not UTF-8: drop the byte */
          continue;
        }
      p = g_utf8_next_char (p);
      if (c == '\n' && (flags & EXS_GUIDE_TEXT_KEEP_NEWLINES))
        {
          while (out->len > 0 && out->str[out->len - 1] == ' ')
            g_string_truncate (out, out->len - 1);
          g_string_append_c (out, '\n');
          pending_space = FALSE;
          continue;
        }
      if (c < 0x20 || c == 0x7f || g_unichar_isspace (c))
        {
          pending_space = out->len > 0;
          continue;
        }
      if ((c >= 0x80 && c <= 0x9f) || c == 0xfffd || c == 0xfffe || c == 0xffff
          || (c >= 0xfdd0 && c <= 0xfdef))
        continue;
      if (pending_space && out->str[out->len - 1] != '\n')
        g_string_append_c (out, ' ');
      pending_space = FALSE;
      g_string_append_unichar (out, c);
    }
  while (out->len > 0 && (out->str[out->len - 1] == ' ' || out->str[out->len - 1] == '\n'))
    g_string_truncate (out, out->len - 1);
  return g_string_free (out, FALSE);
}
