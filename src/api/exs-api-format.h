/* exs-api-format.h: how the API writes instants, optional ids and programmes,
 * and reads the ids in its paths */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "exs-playout-source.h"

G_BEGIN_DECLS

char *exs_api_format_time (gint64 unix_seconds);
char *exs_api_format_time_us (gint64 us);
void exs_api_set_id_or_null (JsonObject *o,
                             const char *field,
                             gint64      id);
gboolean exs_api_parse_id (const char *text,
                           gint64     *id);
gboolean exs_api_path_id (SoupServerMessage *msg,
                          GHashTable        *params,
                          const char        *what,
                          gint64            *id);
JsonObject *exs_api_programme_to_json (const ExsPlayoutItem *item,
                                       const char           *fallback_title);

G_END_DECLS
