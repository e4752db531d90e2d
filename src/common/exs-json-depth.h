/* exs-json-depth.h: refuse deeply nested JSON before json-glib parses it */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Every document we accept (API bodies, schedules, imports, exports) nests
 * far less; json-glib's parser recurses once per level. */
#define EXS_JSON_MAX_DEPTH 32

#define EXS_JSON_ERROR (exs_json_error_quark ())

typedef enum
{
  EXS_JSON_ERROR_TOO_DEEP, /* nested deeper than the limit */
} ExsJsonError;

GQuark exs_json_error_quark (void);

gboolean exs_json_check_depth (const char *data,
                               gssize      length,
                               guint       max_depth,
                               GError    **error);

G_END_DECLS
