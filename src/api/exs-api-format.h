/* exs-api-format.h: how the API writes instants and optional strings */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

char *exs_api_format_time (gint64 unix_seconds);
char *exs_api_format_time_us (gint64 us);
void exs_api_set_string_or_null (JsonObject *o,
                                 const char *field,
                                 const char *value);

G_END_DECLS
