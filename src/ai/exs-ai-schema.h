/* exs-ai-schema.h: the small JSON-schema subset tool arguments are checked against */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

gboolean exs_ai_schema_validate (JsonObject  *schema,
                                 JsonNode    *value,
                                 const char  *data_dir,
                                 char       **why);
gboolean exs_ai_schema_path_in_dir (const char *path,
                                    const char *dir);

G_END_DECLS
