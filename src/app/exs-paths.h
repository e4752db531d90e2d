/* exs-paths.h: where the config file, the data dir and the token live */
#pragma once

#include "exs-config.h"

G_BEGIN_DECLS

char *exs_paths_default_config_file (void);
char *exs_paths_data_dir (ExsConfig *config);
char *exs_paths_token_file (const char *data_dir);
char *exs_paths_read_token (const char  *data_dir,
                            GError     **error);
char *exs_paths_server_url (ExsConfig *config);
char *exs_paths_ensure_token (const char  *data_dir,
                              gboolean    *created,
                              GError     **error);

G_END_DECLS
