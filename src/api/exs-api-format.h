/* exs-api-format.h: how the API writes instants, optional ids and programmes */
#pragma once

#include <json-glib/json-glib.h>

#include "exs-playout-source.h"

G_BEGIN_DECLS

char *exs_api_format_time (gint64 unix_seconds);
char *exs_api_format_time_us (gint64 us);
void exs_api_set_id_or_null (JsonObject *o,
                             const char *field,
                             gint64      id);
JsonObject *exs_api_programme_to_json (const ExsPlayoutItem *item,
                                       const char           *fallback_title);

G_END_DECLS
