/* fuzz-json-body.c: the API's JSON body reader and its field checks.
 *
 * Every POST/PUT/PATCH body under /api goes through
 * exs_http_json_parse_object (depth check, UTF-8, json-glib) and then the
 * member checks the handlers use.
 */
#include "config.h"

#include "exs-fuzz.h"
#include "exs-http-json.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (JsonObject) object = exs_http_json_parse_object ((const char *) data, size, NULL);
  g_autofree char *name = NULL;
  g_autofree char *group = NULL;
  gboolean enabled = FALSE;

  if (object == NULL)
    return 0;
  if (exs_http_json_check_text (object, "name", 200, TRUE, &name, NULL))
    g_assert (name != NULL && !exs_http_json_has_control_chars (name));
  exs_http_json_check_text (object, "group", 100, FALSE, &group, NULL);
  exs_http_json_check_bool (object, "enabled", &enabled, NULL);
  return 0;
}
