/* exs-paths.c: the files a server and its command-line client agree on.
 *
 * The data dir holds the database, the instance lock and the admin token
 * (mode 0600, made at first start). The CLI finds the token the same way the
 * server does, so `exstreamtv channel list` needs no setup.
 */
#include "config.h"

#include "exs-paths.h"

#include "exs-fs.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

char *
exs_paths_default_config_file (void)
{
  return g_build_filename (g_get_user_config_dir (), "exstreamtv", "exstreamtv.conf", NULL);
}

/**
 * exs_paths_data_dir:
 *
 * Returns: (transfer full): [server] data_dir, or $XDG_DATA_HOME/exstreamtv
 */
char *
exs_paths_data_dir (ExsConfig *config)
{
  const char *dir = exs_config_get_string (config, "server", "data_dir");

  if (dir[0] != '\0')
    return g_canonicalize_filename (dir, NULL);
  return g_build_filename (g_get_user_data_dir (), "exstreamtv", NULL);
}

/**
 * exs_paths_server_url:
 *
 * The base URL a client on this machine reaches the configured server at:
 * [server] host (loopback when it listens on every interface) and port. Used
 * by the command-line client and the preferences app.
 *
 * Returns: (transfer full): e.g. `http://127.0.0.1:8411`, no trailing slash
 */
char *
exs_paths_server_url (ExsConfig *config)
{
  const char *host = exs_config_get_string (config, "server", "host");
  gboolean any = g_str_equal (host, "0.0.0.0") || g_str_equal (host, "::");
  gboolean v6 = strchr (host, ':') != NULL;

  return g_strdup_printf ("http://%s%s%s:%" G_GINT64_FORMAT, v6 && !any ? "[" : "", any ? "127.0.0.1" : host,
                          v6 && !any ? "]" : "", exs_config_get_int (config, "server", "port"));
}

char *
exs_paths_token_file (const char *data_dir)
{
  return g_build_filename (data_dir, "api-token", NULL);
}

/**
 * exs_paths_read_token:
 *
 * Returns: (transfer full) (nullable): the stored token, or %NULL with @error
 */
char *
exs_paths_read_token (const char *data_dir, GError **error)
{
  g_autofree char *path = exs_paths_token_file (data_dir);
  g_autofree char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, error))
    return NULL;
  g_strstrip (contents);
  if (contents[0] == '\0')
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "the token file %s is empty", path);
      return NULL;
    }
  return g_steal_pointer (&contents);
}

/**
 * exs_paths_ensure_token:
 * @created: (out): whether a new token was made now
 *
 * Returns: (transfer full) (nullable): the admin token, made (256 random bits,
 *   mode 0600) if the data dir has none yet
 */
char *
exs_paths_ensure_token (const char *data_dir, gboolean *created, GError **error)
{
  g_autofree char *path = exs_paths_token_file (data_dir);
  g_autofree char *token = NULL;
  g_autofree char *line = NULL;

  *created = FALSE;
  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return exs_paths_read_token (data_dir, error);
  if (g_mkdir_with_parents (data_dir, 0700) != 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (errno), "cannot create data directory %s: %s",
                   data_dir, g_strerror (errno));
      return NULL;
    }
  token = exs_fs_random_hex (32);
  line = g_strconcat (token, "\n", NULL);
  if (!exs_fs_write_private_file (path, line, error))
    return NULL;
  *created = TRUE;
  return g_steal_pointer (&token);
}
