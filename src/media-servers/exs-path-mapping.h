/* exs-path-mapping.h: a media server's path prefixes and where the same
 * files are mounted here, so a channel reads the local file instead */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define EXS_PATH_MAPPINGS_MAX 32

typedef struct _ExsPathMappings ExsPathMappings;

ExsPathMappings *exs_path_mappings_new (void);
ExsPathMappings *exs_path_mappings_copy (const ExsPathMappings *mappings);
void exs_path_mappings_free (ExsPathMappings *mappings);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExsPathMappings, exs_path_mappings_free)

guint exs_path_mappings_get_n (const ExsPathMappings *mappings);
gboolean exs_path_mappings_add (ExsPathMappings  *mappings,
                                const char       *server_path,
                                const char       *local_path,
                                GError          **error);
ExsPathMappings *exs_path_mappings_from_json (JsonArray  *array,
                                              GError    **error);
JsonArray *exs_path_mappings_to_json (const ExsPathMappings *mappings);
char *exs_path_mappings_map (const ExsPathMappings *mappings,
                             const char            *server_path);
char *exs_path_mappings_find_local (const ExsPathMappings *mappings,
                                    const char            *server_path);

G_END_DECLS
