/* exs-cli-library.c: `exstreamtv library …` — libraries from a terminal.
 *
 * list, show, add, paths, scan (optionally waiting, with progress) and
 * remove, all through /api/libraries, so the server validates exactly as it
 * does for any other client. add-server and remote add a Plex, Jellyfin or
 * Emby library and list a server's libraries (/api/media-servers); the
 * token is read from a file, never from the command line (which other
 * users can see) and never printed. Errors print what the server said and exit 1;
 * wrong usage exits 2.
 */
#include "config.h"

#include "exs-cli-private.h"

#include "exs-application.h"

#include <string.h>

static char *
library_path (const char *id, const char *suffix)
{
  g_autofree char *esc = g_uri_escape_string (id, NULL, FALSE);
  return g_strconcat ("/api/libraries/", esc, suffix, NULL);
}

static JsonNode *
paths_body (const char *name, const char *kind, const char *source, char **folders, int n_folders, gboolean scan)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();

  json_builder_begin_object (b);
  if (source)
    {
      json_builder_set_member_name (b, "source");
      json_builder_add_string_value (b, source);
    }
  if (name)
    {
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, name);
    }
  if (kind)
    {
      json_builder_set_member_name (b, "kind");
      json_builder_add_string_value (b, kind);
    }
  json_builder_set_member_name (b, "paths");
  json_builder_begin_array (b);
  for (int i = 0; i < n_folders; i++)
    {
      /* relative folders are the user's current directory's; URL-library
       * entries (http:, https:, archive:, ytdl:) go as they are */
      g_autofree char *abs = g_uri_peek_scheme (folders[i]) ? g_strdup (folders[i])
                                                            : g_canonicalize_filename (folders[i], NULL);
      json_builder_add_string_value (b, abs);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "scan");
  json_builder_add_boolean_value (b, scan);
  json_builder_end_object (b);
  return json_builder_get_root (b);
}

static const char *
scan_summary (JsonObject *lib, char *buf, gsize len)
{
  JsonObject *scan = json_object_get_object_member (lib, "scan");

  g_snprintf (buf, len, "%s: %" G_GINT64_FORMAT " found, %" G_GINT64_FORMAT " probed, %" G_GINT64_FORMAT
              " unchanged, %" G_GINT64_FORMAT " failed, %" G_GINT64_FORMAT " missing",
              json_object_get_string_member (scan, "state"), json_object_get_int_member (scan, "found"),
              json_object_get_int_member (scan, "probed"), json_object_get_int_member (scan, "unchanged"),
              json_object_get_int_member (scan, "failed"), json_object_get_int_member (scan, "missing"));
  return buf;
}

static void
print_library_row (JsonObject *lib)
{
  JsonArray *paths = json_object_get_array_member (lib, "paths");
  g_autoptr (GString) folders = g_string_new (NULL);

  for (guint k = 0; k < json_array_get_length (paths); k++)
    {
      JsonObject *p = json_array_get_object_element (paths, k);
      const char *err = json_object_get_null_member (p, "error") ? NULL : json_object_get_string_member (p, "error");
      g_string_append_printf (folders, "%s%s%s%s%s", k ? ", " : "", json_object_get_string_member (p, "path"),
                              err ? " (" : "", err ? err : "", err ? ")" : "");
    }
  g_print ("%-4" G_GINT64_FORMAT "  %-24s  %-12s  %6" G_GINT64_FORMAT "  %-9s  %s\n",
           json_object_get_int_member (lib, "id"), json_object_get_string_member (lib, "name"),
           json_object_get_string_member (lib, "kind"), json_object_get_int_member (lib, "items"),
           json_object_get_string_member (json_object_get_object_member (lib, "scan"), "state"), folders->str);
}

static int
library_list (ExsCliClient *c)
{
  g_autofree char *header =
      g_strdup_printf ("%-4s  %-24s  %-12s  %6s  %-9s  %s\n", "ID", "NAME", "KIND", "ITEMS", "SCAN", "FOLDERS");

  return exs_cli_list (c, "/api/libraries", "libraries", header, print_library_row,
                       _("(no libraries yet: add one with `exstreamtv library add NAME KIND FOLDER`)\n"));
}

static int
library_show (ExsCliClient *c, const char *id)
{
  g_autofree char *path = library_path (id, "");

  return exs_cli_show (c, path);
}

static int
library_add (ExsCliClient *c, int argc, char **argv)
{
  gboolean no_scan = FALSE, url = FALSE;
  const GOptionEntry entries[] = {
    { "no-scan", 0, 0, G_OPTION_ARG_NONE, &no_scan, N_("Do not scan it now"), NULL },
    { "url", 0, 0, G_OPTION_ARG_NONE, &url,
      N_("A URL library: its entries are http(s) media or M3U URLs, archive:IDENTIFIER or ytdl:PAGE-URL"), NULL },
    { NULL }
  };
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (JsonNode) reply = NULL;
  JsonObject *lib;

  if (!exs_cli_parse_options (entries, _("NAME KIND FOLDER…"), &argc, &argv))
    return EXS_EXIT_USAGE;
  if (argc < 4)
    return exs_cli_usage_error (_("library add needs a NAME, a KIND (movies, shows, music_videos, other_videos, music) "
                                "and "
                                "at least one FOLDER"));
  body = paths_body (argv[1], argv[2], url ? "url" : NULL, argv + 3, argc - 3, !no_scan);
  if (!exs_cli_request (c, "POST", "/api/libraries", body, 201, &reply))
    return EXS_EXIT_FAILURE;
  lib = json_node_get_object (reply);
  g_print ("added library %" G_GINT64_FORMAT " (%s)%s\n", json_object_get_int_member (lib, "id"),
           json_object_get_string_member (lib, "name"), no_scan ? "" : "; scanning");
  return EXIT_SUCCESS;
}

static int
library_paths (ExsCliClient *c, int argc, char **argv)
{
  g_autofree char *path = NULL;
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (JsonNode) reply = NULL;

  if (argc < 3)
    return exs_cli_usage_error (_("library paths needs an ID and at least one FOLDER"));
  path = library_path (argv[1], "");
  body = paths_body (NULL, NULL, NULL, argv + 2, argc - 2, TRUE);
  if (!exs_cli_request (c, "PATCH", path, body, 200, &reply))
    return EXS_EXIT_FAILURE;
  g_print (g_dngettext (GETTEXT_PACKAGE, "library %s now has %d folder; rescanning\n",
                       "library %s now has %d folders; rescanning\n", (gulong) (argc - 2)), argv[1], argc - 2);
  return EXIT_SUCCESS;
}

static int
library_scan (ExsCliClient *c, int argc, char **argv)
{
  gboolean full = FALSE, wait = FALSE;
  const GOptionEntry entries[] = {
    { "full", 0, 0, G_OPTION_ARG_NONE, &full, N_("Probe every file again, not only new and changed ones"), NULL },
    { "wait", 'w', 0, G_OPTION_ARG_NONE, &wait, N_("Wait for the scan to finish, showing progress"), NULL },
    { NULL }
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) reply = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) body = NULL;
  g_autofree char *path = NULL;
  g_autofree char *scan_path = NULL;
  char line[256];

  if (!exs_cli_parse_options (entries, _("ID"), &argc, &argv))
    return EXS_EXIT_USAGE;
  if (argc != 2)
    return exs_cli_usage_error (_("library scan needs one library ID"));
  path = library_path (argv[1], "");
  scan_path = library_path (argv[1], "/scan");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "full");
  json_builder_add_boolean_value (b, full);
  json_builder_end_object (b);
  body = json_builder_get_root (b);
  if (!exs_cli_request (c, "POST", scan_path, body, 202, &reply))
    return EXS_EXIT_FAILURE;
  if (!wait)
    {
      g_print (_("scan of library %s started (see `exstreamtv library show %s`)\n"), argv[1], argv[1]);
      return EXIT_SUCCESS;
    }
  while (TRUE)
    {
      JsonObject *lib;

      g_clear_pointer (&reply, json_node_unref);
      g_usleep (200 * 1000);
      if (!exs_cli_request (c, "GET", path, NULL, 200, &reply))
        return EXS_EXIT_FAILURE;
      lib = json_node_get_object (reply);
      g_printerr ("\r%s   ", scan_summary (lib, line, sizeof line));
      if (g_str_equal (json_object_get_string_member (json_object_get_object_member (lib, "scan"), "state"), "idle"))
        {
          JsonObject *scan = json_object_get_object_member (lib, "scan");
          g_printerr ("\n");
          if (!json_object_get_null_member (scan, "error"))
            {
              g_printerr (_("exstreamtv: the scan stopped: %s\n"), json_object_get_string_member (scan, "error"));
              return EXS_EXIT_FAILURE;
            }
          g_print ("%s\n", scan_summary (lib, line, sizeof line));
          return EXIT_SUCCESS;
        }
    }
}

#define MAX_TOKEN_FILE 4096

/* The token in @file, without surrounding white space; NULL after saying why. */
static char *
read_token_file (const char *file)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *data = NULL;
  gsize len;

  if (!g_file_get_contents (file, &data, &len, &error))
    {
      g_printerr (_("exstreamtv: cannot read the token file: %s\n"), error->message);
      return NULL;
    }
  if (len > MAX_TOKEN_FILE || strlen (data) != len || g_strstrip (data)[0] == '\0')
    {
      g_printerr (_("exstreamtv: %s: the token file must hold the token (one line of text, at most %d bytes)\n"),
                  file, MAX_TOKEN_FILE);
      return NULL;
    }
  return g_strdup (g_strstrip (data));
}

static int
library_add_server (ExsCliClient *c, int argc, char **argv)
{
  g_autofree char *source = NULL, *url = NULL, *token_file = NULL;
  g_auto (GStrv) remote = NULL;
  g_auto (GStrv) maps = NULL;
  gboolean no_sync = FALSE;
  const GOptionEntry entries[] = {
    { "source", 0, 0, G_OPTION_ARG_STRING, &source, N_("plex, jellyfin or emby"), N_("KIND") },
    { "url", 0, 0, G_OPTION_ARG_STRING, &url, N_("The server's address, e.g. http://nas:32400"), N_("URL") },
    { "token-file", 0, 0, G_OPTION_ARG_FILENAME, &token_file, N_("A file holding the token or API key"),
      N_("FILE") },
    { "remote-library", 0, 0, G_OPTION_ARG_STRING_ARRAY, &remote,
      N_("A server library to sync (see `library remote`); default: all of KIND"), N_("ID") },
    { "map", 0, 0, G_OPTION_ARG_STRING_ARRAY, &maps, N_("Read SERVER_PATH's files from LOCAL_PATH here"),
      N_("SERVER_PATH=LOCAL_PATH") },
    { "no-sync", 0, 0, G_OPTION_ARG_NONE, &no_sync, N_("Do not sync it now"), NULL },
    { NULL }
  };
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (JsonNode) reply = NULL;
  g_autofree char *token = NULL;

  if (!exs_cli_parse_options (entries, _("NAME KIND"), &argc, &argv))
    return EXS_EXIT_USAGE;
  if (argc != 3 || source == NULL || url == NULL || token_file == NULL)
    return exs_cli_usage_error (_("library add-server needs a NAME, a KIND (movies or shows), --source, --url and "
                                "--token-file"));
  token = read_token_file (token_file);
  if (token == NULL)
    return EXS_EXIT_FAILURE;
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, argv[1]);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, argv[2]);
  json_builder_set_member_name (b, "source");
  json_builder_add_string_value (b, source);
  json_builder_set_member_name (b, "url");
  json_builder_add_string_value (b, url);
  json_builder_set_member_name (b, "token");
  json_builder_add_string_value (b, token);
  json_builder_set_member_name (b, "sync");
  json_builder_add_boolean_value (b, !no_sync);
  if (remote)
    {
      json_builder_set_member_name (b, "remote_libraries");
      json_builder_begin_array (b);
      for (guint i = 0; remote[i]; i++)
        json_builder_add_string_value (b, remote[i]);
      json_builder_end_array (b);
    }
  json_builder_set_member_name (b, "path_mappings");
  json_builder_begin_array (b);
  for (guint i = 0; maps && maps[i]; i++)
    {
      const char *eq = strchr (maps[i], '=');
      g_autofree char *from = eq ? g_strndup (maps[i], (gsize) (eq - maps[i])) : NULL;

      if (eq == NULL)
        return exs_cli_usage_error (_("--map takes SERVER_PATH=LOCAL_PATH"));
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "server_path");
      json_builder_add_string_value (b, from);
      json_builder_set_member_name (b, "local_path");
      json_builder_add_string_value (b, eq + 1);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
  body = json_builder_get_root (b);
  if (!exs_cli_request (c, "POST", "/api/media-servers/libraries", body, 201, &reply))
    return EXS_EXIT_FAILURE;
  g_print ("added library %" G_GINT64_FORMAT " (%s) from %s%s\n",
           json_object_get_int_member (json_node_get_object (reply), "id"), argv[1], url,
           no_sync ? "" : "; syncing");
  return EXIT_SUCCESS;
}

static int
library_remote (ExsCliClient *c, const char *id)
{
  g_autofree char *path = library_path (id, "/remote-libraries");
  g_autoptr (JsonNode) reply = NULL;
  JsonArray *list;

  if (!exs_cli_request (c, "GET", path, NULL, 200, &reply))
    return EXS_EXIT_FAILURE;
  list = json_object_get_array_member (json_node_get_object (reply), "remote_libraries");
  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *o = json_array_get_object_element (list, i);
      g_print ("%s %-12s %-8s %s\n", json_object_get_boolean_member (o, "selected") ? "*" : " ",
               json_object_get_string_member (o, "id"),
               json_object_get_null_member (o, "kind") ? "-" : json_object_get_string_member (o, "kind"),
               json_object_get_string_member (o, "title"));
    }
  return EXIT_SUCCESS;
}

static int
library_remove (ExsCliClient *c, const char *id)
{
  g_autofree char *path = library_path (id, "");
  g_autofree char *done = g_strdup_printf (_("removed library %s\n"), id);

  return exs_cli_remove (c, path, done);
}

/**
 * exs_cli_library_run:
 * @argv: the command words, argv[0] being "library"
 */
int
exs_cli_library_run (ExsCliClient *c, int argc, char **argv)
{
  if (argc < 2)
    return exs_cli_usage_error (
        _("library needs a subcommand: list, show, add, add-server, remote, paths, scan or remove"));
  if (g_str_equal (argv[1], "list") && argc == 2)
    return library_list (c);
  if (g_str_equal (argv[1], "show") && argc == 3)
    return library_show (c, argv[2]);
  if (g_str_equal (argv[1], "add"))
    return library_add (c, argc - 1, argv + 1);
  if (g_str_equal (argv[1], "add-server"))
    return library_add_server (c, argc - 1, argv + 1);
  if (g_str_equal (argv[1], "remote") && argc == 3)
    return library_remote (c, argv[2]);
  if (g_str_equal (argv[1], "paths"))
    return library_paths (c, argc - 1, argv + 1);
  if (g_str_equal (argv[1], "scan"))
    return library_scan (c, argc - 1, argv + 1);
  if (g_str_equal (argv[1], "remove") && argc == 3)
    return library_remove (c, argv[2]);
  return exs_cli_usage_error (_("unknown or incomplete library command"));
}
