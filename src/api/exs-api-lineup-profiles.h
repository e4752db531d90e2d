/* exs-api-lineup-profiles.h: the user profiles in the lineup document
 * (GET /api/export, POST /api/import) */
#pragma once

#include "exs-database.h"
#include "exs-profile.h"

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

JsonArray *exs_api_lineup_export_profiles (ExsDatabase  *db,
                                           GPtrArray    *channels,
                                           GError      **error);
gboolean exs_api_lineup_read_profiles (JsonObject  *document,
                                       GPtrArray   *profiles,
                                       char       **field,
                                       GError     **error);
gboolean exs_api_lineup_names_profile (GPtrArray  *profiles,
                                       JsonObject *channel);
gboolean exs_api_lineup_save_profiles (ExsDatabase  *db,
                                       GPtrArray    *profiles,
                                       GError      **error);

G_END_DECLS
