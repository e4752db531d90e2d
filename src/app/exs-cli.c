/* exs-cli.c: the command-line client.
 *
 * Talks to the running server's HTTP API with the token from the data dir, so
 * everything it does is also possible (and validated the same way) over HTTP.
 * Prints tables for people; errors say what the server said and exit 1;
 * wrong usage exits 2. Blocking I/O is fine here: there is no main loop.
 */
#include "config.h"

#include "exs-cli.h"
#include "exs-json-depth.h"
#include "exs-cli-private.h"

#include "exs-application.h"
#include "exs-backup-manager.h"
#include "exs-paths.h"

#include <gio/gunixinputstream.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <stdio.h>
#include <string.h>

typedef ExsCliClient Client;

static void
client_clear (Client *c)
{
  g_clear_object (&c->session);
  g_clear_pointer (&c->base_url, g_free);
  g_clear_pointer (&c->token, g_free);
}

const char *
exs_cli_usage (void)
{
  static char *usage;

  if (usage == NULL)
    usage = g_strconcat (_("Commands (they talk to the running server):\n"
         "  channel list                         List channels\n"
         "  channel show NUMBER                  Show one channel\n"
         "  channel add NUMBER NAME [--group G] [--logo URL] [--always-on] [--disabled]\n"
         "                                       Add a channel\n"
         "                                       [--upstream URL]: relay an HLS or MPEG-TS stream\n"
         "  channel import-m3u FILE [--guide URL|FILE] [--first-number N]\n"
         "                                       Add upstream live channels from an M3U playlist\n"
         "  channel remove NUMBER                Remove a channel\n"
         "  channel set NUMBER FIELD=VALUE…      Change fields (VALUE is JSON or plain text:\n"
         "                                       scaling=crop 'watermark={\"image\":\"/srv/logo.png\"}')\n"
         "  backup list                          List the database backups\n"
         "  backup create                        Back up the database now (the server may be running)\n"
         "  backup restore FILE                  Replace the database with a backup (server stopped)\n"
         "  schedule list                        List schedules and the channels that play them\n"
         "  schedule export [FILE]               Write channels and schedules as one JSON document\n"
         "  schedule import FILE                 Create or update channels and schedules from one (- is stdin)\n"
         "  login-url [--next PATH]              Print a one-time link that logs a browser in to the web UI\n"),
                         _(EXS_CLI_LIBRARY_USAGE), _(EXS_CLI_PROFILES_USAGE), _(EXS_CLI_AI_USAGE), NULL);
  return usage;
}

static int
usage_error (const char *message)
{
  g_printerr ("exstreamtv: %s\n\n%s", message, exs_cli_usage ());
  return EXS_EXIT_USAGE;
}

/* Sends a request; returns the parsed JSON (or NULL for no body) and the status. */
static gboolean
call (Client *c, const char *method, const char *path, JsonNode *body, guint *status, JsonNode **reply)
{
  g_autofree char *url = g_strconcat (c->base_url, path, NULL);
  g_autoptr (SoupMessage) msg = soup_message_new (method, url);
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *auth = g_strconcat ("Bearer ", c->token, NULL);

  if (msg == NULL)
    {
      g_printerr (_("exstreamtv: “%s” is not a valid server URL\n"), c->base_url);
      return FALSE;
    }
  soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
  if (body)
    {
      g_autofree char *text = json_to_string (body, FALSE);
      g_autoptr (GBytes) b = g_bytes_new (text, strlen (text));
      soup_message_set_request_body_from_bytes (msg, "application/json", b);
    }
  bytes = soup_session_send_and_read (c->session, msg, NULL, &error);
  if (bytes == NULL)
    {
      g_printerr (_("exstreamtv: cannot reach the server at %s: %s\n"
                  "Is it running? Start it with `exstreamtv`, or point to it with --url.\n"),
                  c->base_url, error->message);
      return FALSE;
    }
  *status = soup_message_get_status (msg);
  *reply = NULL;
  if (g_bytes_get_size (bytes) > 0)
    {
      g_autoptr (JsonParser) parser = json_parser_new ();
      gsize len;
      const char *data = g_bytes_get_data (bytes, &len);
      if (exs_json_check_depth (data, (gssize) len, EXS_JSON_MAX_DEPTH, NULL)
          && json_parser_load_from_data (parser, data, (gssize) len, NULL) && json_parser_get_root (parser))
        *reply = json_node_copy (json_parser_get_root (parser));
    }
  return TRUE;
}

static int
report_failure (guint status, JsonNode *reply)
{
  const char *message = NULL;

  if (reply && JSON_NODE_HOLDS_OBJECT (reply))
    {
      JsonObject *err = json_object_get_object_member (json_node_get_object (reply), "error");
      if (err && json_object_has_member (err, "message"))
        message = json_object_get_string_member (err, "message");
    }
  g_printerr (_("exstreamtv: the server said %u: %s\n"), status, message ? message : soup_status_get_phrase (status));
  return EXS_EXIT_FAILURE;
}

/**
 * exs_cli_request:
 * @expected: the status that means it worked (200, 201, 202, 204)
 * @reply: (out) (transfer full) (nullable): the reply's JSON; an object
 *   unless @expected is 204
 *
 * Sends a request and checks the server did what was asked; when it did
 * not, or could not be reached, says why on stderr.
 *
 * Returns: %TRUE when the server answered @expected (with a JSON object,
 * unless it is 204)
 */
gboolean
exs_cli_request (ExsCliClient *c, const char *method, const char *path, JsonNode *body, guint expected,
                 JsonNode **reply)
{
  guint status;

  if (!call (c, method, path, body, &status, reply))
    return FALSE;
  if (status == expected && (expected == 204 || (*reply != NULL && JSON_NODE_HOLDS_OBJECT (*reply))))
    return TRUE;
  report_failure (status, *reply);
  return FALSE;
}

/* GET @path and print the JSON it answers, indented. */
int
exs_cli_show (ExsCliClient *c, const char *path)
{
  g_autoptr (JsonNode) reply = NULL;
  g_autofree char *text = NULL;

  if (!exs_cli_request (c, "GET", path, NULL, 200, &reply))
    return EXS_EXIT_FAILURE;
  text = json_to_string (reply, TRUE);
  g_print ("%s\n", text);
  return EXIT_SUCCESS;
}

/**
 * exs_cli_list:
 * @member: the reply's array of records ("channels")
 * @header: the heading line, printed before the rows
 * @print_row: prints one record as a line under @header
 * @empty: printed under @header when there is no record (a hint on adding one)
 *
 * GET @path and print the records of its @member array, one a line.
 */
int
exs_cli_list (ExsCliClient *c, const char *path, const char *member, const char *header, ExsCliPrintRow print_row,
              const char *empty)
{
  g_autoptr (JsonNode) reply = NULL;
  JsonArray *arr;

  if (!exs_cli_request (c, "GET", path, NULL, 200, &reply))
    return EXS_EXIT_FAILURE;
  arr = json_object_get_array_member (json_node_get_object (reply), member);
  g_print ("%s", header);
  for (guint i = 0; i < json_array_get_length (arr); i++)
    print_row (json_array_get_object_element (arr, i));
  if (json_array_get_length (arr) == 0)
    g_print ("%s", empty);
  return EXIT_SUCCESS;
}

/* DELETE @path; prints @done (a whole line) once the server has. */
int
exs_cli_remove (ExsCliClient *c, const char *path, const char *done)
{
  g_autoptr (JsonNode) reply = NULL;

  if (!exs_cli_request (c, "DELETE", path, NULL, 204, &reply))
    return EXS_EXIT_FAILURE;
  g_print ("%s", done);
  return EXIT_SUCCESS;
}

/**
 * exs_cli_parse_options:
 * @parameters: (nullable): what follows the options in --help ("NUMBER")
 * @argc: (inout): the command's own arguments, options removed on return
 *
 * Parses @entries out of a command's arguments; on an unknown option or a
 * bad value, says so with the usage.
 *
 * Returns: %FALSE when the command line is wrong (exit EXS_EXIT_USAGE)
 */
gboolean
exs_cli_parse_options (const GOptionEntry *entries, const char *parameters, int *argc, char ***argv)
{
  g_autoptr (GOptionContext) ctx = g_option_context_new (parameters);
  g_autoptr (GError) error = NULL;

  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  if (g_option_context_parse (ctx, argc, argv, &error))
    return TRUE;
  usage_error (error->message);
  return FALSE;
}

static void
print_channel_row (JsonObject *ch)
{
  g_print ("%-8s  %-30s  %-16s  %s%s\n", json_object_get_string_member (ch, "number"),
           json_object_get_string_member (ch, "name"), json_object_get_string_member (ch, "group"),
           json_object_get_boolean_member (ch, "enabled") ? "enabled" : "disabled",
           json_object_get_boolean_member (ch, "always_on") ? ", always on" : "");
}

static int
channel_list (Client *c)
{
  g_autofree char *header = g_strdup_printf ("%-8s  %-30s  %-16s  %s\n", "NUMBER", "NAME", "GROUP", "STATE");

  return exs_cli_list (c, "/api/channels", "channels", header, print_channel_row,
                       _("(no channels yet: add one with `exstreamtv channel add NUMBER NAME`)\n"));
}

static char *
channel_path (const char *number)
{
  g_autofree char *esc = g_uri_escape_string (number, NULL, FALSE);
  return g_strconcat ("/api/channels/", esc, NULL);
}

static int
channel_show (Client *c, const char *number)
{
  g_autofree char *path = channel_path (number);

  return exs_cli_show (c, path);
}

static int
channel_add (Client *c, int argc, char **argv)
{
  g_autofree char *group = NULL;
  g_autofree char *logo = NULL;
  g_autofree char *upstream = NULL;
  gboolean always_on = FALSE, disabled = FALSE;
  const GOptionEntry entries[] = {
    { "group", 'g', 0, G_OPTION_ARG_STRING, &group, N_("Group shown by IPTV players"), N_("GROUP") },
    { "logo", 'l', 0, G_OPTION_ARG_STRING, &logo, N_("Logo URL"), N_("URL") },
    { "always-on", 0, 0, G_OPTION_ARG_NONE, &always_on, N_("Keep the channel running without viewers"), NULL },
    { "disabled", 0, 0, G_OPTION_ARG_NONE, &disabled, N_("Add it disabled"), NULL },
    { "upstream", 'u', 0, G_OPTION_ARG_STRING, &upstream, N_("Relay this HLS or MPEG-TS URL"), N_("URL") },
    { NULL }
  };
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (JsonNode) reply = NULL;

  if (!exs_cli_parse_options (entries, _("NUMBER NAME"), &argc, &argv))
    return EXS_EXIT_USAGE;
  if (argc != 3)
    return usage_error (_("channel add needs a NUMBER and a NAME (quote a name with spaces)"));

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "number");
  json_builder_add_string_value (b, argv[1]);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, argv[2]);
  if (group)
    {
      json_builder_set_member_name (b, "group");
      json_builder_add_string_value (b, group);
    }
  if (logo)
    {
      json_builder_set_member_name (b, "logo");
      json_builder_add_string_value (b, logo);
    }
  if (upstream)
    {
      json_builder_set_member_name (b, "upstream_url");
      json_builder_add_string_value (b, upstream);
    }
  json_builder_set_member_name (b, "always_on");
  json_builder_add_boolean_value (b, always_on);
  json_builder_set_member_name (b, "enabled");
  json_builder_add_boolean_value (b, !disabled);
  json_builder_end_object (b);
  body = json_builder_get_root (b);

  if (!exs_cli_request (c, "POST", "/api/channels", body, 201, &reply))
    return EXS_EXIT_FAILURE;
  g_print (_("added channel %s\n"), json_object_get_string_member (json_node_get_object (reply), "number"));
  return EXIT_SUCCESS;
}

static int
channel_remove (Client *c, const char *number)
{
  g_autofree char *path = channel_path (number);
  g_autofree char *done = g_strdup_printf (_("removed channel %s\n"), number);

  return exs_cli_remove (c, path, done);
}

/* FIELD=VALUE: VALUE as JSON when it reads as JSON (numbers, true, null,
 * objects), else as a string, so `scaling=crop` needs no quotes. */
static gboolean
add_assignment (JsonObject *body, const char *arg)
{
  const char *eq = strchr (arg, '=');
  g_autofree char *field = NULL;
  JsonNode *value;

  if (eq == NULL || eq == arg)
    return FALSE;
  field = g_strndup (arg, eq - arg);
  value = json_from_string (eq + 1, NULL);
  if (value == NULL)
    {
      value = json_node_new (JSON_NODE_VALUE);
      json_node_set_string (value, eq + 1);
    }
  json_object_set_member (body, field, value);
  return TRUE;
}

static int
channel_set (Client *c, int argc, char **argv)
{
  g_autofree char *path = channel_path (argv[2]);
  g_autoptr (JsonObject) fields = json_object_new ();
  g_autoptr (JsonNode) body = json_node_new (JSON_NODE_OBJECT);
  g_autoptr (JsonNode) reply = NULL;

  for (int i = 3; i < argc; i++)
    if (!add_assignment (fields, argv[i]))
      {
        g_autofree char *message = g_strdup_printf (_("“%s” is not FIELD=VALUE"), argv[i]);
        return usage_error (message);
      }
  json_node_set_object (body, fields);
  if (!exs_cli_request (c, "PATCH", path, body, 200, &reply))
    return EXS_EXIT_FAILURE;
  g_print (_("changed channel %s\n"), json_object_get_string_member (json_node_get_object (reply), "number"));
  return EXIT_SUCCESS;
}

static int
run_channel (Client *c, int argc, char **argv)
{
  if (argc < 2)
    return usage_error (_("channel needs a subcommand: list, show, add, set, import-m3u or remove"));
  if (g_str_equal (argv[1], "list") && argc == 2)
    return channel_list (c);
  if (g_str_equal (argv[1], "show") && argc == 3)
    return channel_show (c, argv[2]);
  if (g_str_equal (argv[1], "add"))
    return channel_add (c, argc - 1, argv + 1);
  if (g_str_equal (argv[1], "import-m3u"))
    return exs_cli_upstream_import (c, argc - 1, argv + 1);
  if (g_str_equal (argv[1], "remove") && argc == 3)
    return channel_remove (c, argv[2]);
  if (g_str_equal (argv[1], "set") && argc >= 4)
    return channel_set (c, argc, argv);
  return usage_error (_("unknown or incomplete channel command"));
}

static void
print_schedule_row (JsonObject *s)
{
  JsonArray *chs = json_object_get_array_member (s, "channels");
  g_autoptr (GString) list = g_string_new (NULL);

  for (guint j = 0; j < json_array_get_length (chs); j++)
    g_string_append_printf (list, "%s%s", j ? ", " : "", json_array_get_string_element (chs, j));
  g_print ("%-5" G_GINT64_FORMAT "  %-30s  %-6u  %s\n", json_object_get_int_member (s, "id"),
           json_object_get_string_member (s, "name"), json_array_get_length (json_object_get_array_member (s, "items")),
           list->len ? list->str : "-");
  if (json_array_get_length (json_object_get_array_member (s, "problems")) > 0)
    g_print (_("       problems: %s\n"),
             json_array_get_string_element (json_object_get_array_member (s, "problems"), 0));
}

static int
schedule_list (Client *c)
{
  g_autofree char *header = g_strdup_printf ("%-5s  %-30s  %-6s  %s\n", "ID", "NAME", "ITEMS", "CHANNELS");

  return exs_cli_list (c, "/api/schedules", "schedules", header, print_schedule_row,
                       _("(no schedules yet: see docs/api/scheduling.md)\n"));
}

static int
schedule_export (Client *c, const char *file)
{
  g_autoptr (JsonNode) reply = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;

  if (!exs_cli_request (c, "GET", "/api/export", NULL, 200, &reply))
    return EXS_EXIT_FAILURE;
  text = json_to_string (reply, TRUE);
  if (file == NULL || g_str_equal (file, "-"))
    {
      g_print ("%s\n", text);
      return EXIT_SUCCESS;
    }
  {
    g_autofree char *with_nl = g_strconcat (text, "\n", NULL);
    if (!g_file_set_contents (file, with_nl, -1, &error))
      {
        g_printerr (_("exstreamtv: cannot write %s: %s\n"), file, error->message);
        return EXS_EXIT_FAILURE;
      }
  }
  g_print (_("exported to %s\n"), file);
  return EXIT_SUCCESS;
}

static int
schedule_import (Client *c, const char *file)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (JsonNode) reply = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  gsize len = 0;

  if (g_str_equal (file, "-"))
    {
      g_autoptr (GInputStream) in = g_unix_input_stream_new (0, FALSE);
      g_autoptr (GOutputStream) mem = g_memory_output_stream_new_resizable ();
      if (g_output_stream_splice (mem, in, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, &error) < 0)
        {
          g_printerr (_("exstreamtv: cannot read standard input: %s\n"), error->message);
          return EXS_EXIT_FAILURE;
        }
      len = g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (mem));
      text = g_strndup (g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (mem)), len);
    }
  else if (!g_file_get_contents (file, &text, &len, &error))
    {
      g_printerr (_("exstreamtv: cannot read %s: %s\n"), file, error->message);
      return EXS_EXIT_FAILURE;
    }
  if (!exs_json_check_depth (text, (gssize) len, EXS_JSON_MAX_DEPTH, &error)
      || !json_parser_load_from_data (parser, text, (gssize) len, &error) || json_parser_get_root (parser) == NULL)
    {
      g_printerr (_("exstreamtv: %s is not a JSON document: %s\n"), file, error ? error->message : "empty");
      return EXS_EXIT_FAILURE;
    }
  if (!exs_cli_request (c, "POST", "/api/import", json_parser_get_root (parser), 200, &reply))
    return EXS_EXIT_FAILURE;
  g_print ("imported %" G_GINT64_FORMAT " schedules and %" G_GINT64_FORMAT " channels\n",
           json_object_get_int_member (json_node_get_object (reply), "schedules"),
           json_object_get_int_member (json_node_get_object (reply), "channels"));
  return EXIT_SUCCESS;
}

static int
run_schedule (Client *c, int argc, char **argv)
{
  if (argc < 2)
    return usage_error (_("schedule needs a subcommand: list, export or import"));
  if (g_str_equal (argv[1], "list") && argc == 2)
    return schedule_list (c);
  if (g_str_equal (argv[1], "export") && argc <= 3)
    return schedule_export (c, argc == 3 ? argv[2] : NULL);
  if (g_str_equal (argv[1], "import") && argc == 3)
    return schedule_import (c, argv[2]);
  return usage_error (_("unknown or incomplete schedule command"));
}

/**
 * exs_cli_run:
 * @url: (nullable): the server's base URL; %NULL derives it from the config
 * @argv: the command words, argv[0] being the command
 */
/* login-url [--next PATH]: asks the server for a one-time web UI login link */
static int
run_login_url (Client *c, int argc, char **argv)
{
  g_autofree char *next = NULL;
  const GOptionEntry entries[] = {
    { "next", 0, 0, G_OPTION_ARG_STRING, &next, "Page the link lands on (default /web/)", "PATH" },
    { NULL }
  };
  g_autoptr (JsonObject) body = json_object_new ();
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr (JsonNode) reply = NULL;

  if (!exs_cli_parse_options (entries, NULL, &argc, &argv))
    return EXS_EXIT_USAGE;
  if (argc != 1)
    return usage_error ("login-url takes no arguments besides --next PATH");
  if (next)
    json_object_set_string_member (body, "next", next);
  json_node_set_object (node, body);
  if (!exs_cli_request (c, "POST", "/api/auth/login-links", node, 201, &reply))
    return EXS_EXIT_FAILURE;
  /* the URL alone on stdout, for scripts; it is valid once, for a few minutes */
  g_print ("%s\n", json_object_get_string_member (json_node_get_object (reply), "url"));
  return EXIT_SUCCESS;
}

int
exs_cli_run (ExsConfig *config, const char *data_dir, const char *url, int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  Client c = { 0 };
  int status;
  const char *env_token = g_getenv ("EXSTREAMTV_TOKEN");

  /* Backups work on the data dir itself: restore needs the server stopped. */
  if (g_str_equal (argv[0], "backup"))
    return exs_backup_cli_run (config, data_dir, argc, argv);
  if (!g_str_equal (argv[0], "channel") && !g_str_equal (argv[0], "library")
      && !g_str_equal (argv[0], "schedule") && !g_str_equal (argv[0], "login-url")
      && !g_str_equal (argv[0], "diagnose") && !g_str_equal (argv[0], "profiles"))
    {
      g_autofree char *msg = g_strdup_printf ("unknown command “%s”", argv[0]);
      return usage_error (msg);
    }

  c.token = env_token ? g_strdup (env_token) : exs_paths_read_token (data_dir, &error);
  if (c.token == NULL)
    {
      g_printerr (_("exstreamtv: no admin token found (%s). Has the server been started with this data "
                  "directory (%s)? Set EXSTREAMTV_TOKEN or --data-dir.\n"),
                  error->message, data_dir);
      return EXS_EXIT_FAILURE;
    }
  if (url)
    c.base_url = g_strdup (url);
  else
    c.base_url = exs_paths_server_url (config);
  while (g_str_has_suffix (c.base_url, "/"))
    c.base_url[strlen (c.base_url) - 1] = '\0';
  c.session = soup_session_new_with_options ("timeout", 30, NULL);

  if (g_str_equal (argv[0], "library"))
    status = exs_cli_library_run (&c, argc, argv);
  else if (g_str_equal (argv[0], "schedule"))
    status = run_schedule (&c, argc, argv);
  else if (g_str_equal (argv[0], "login-url"))
    status = run_login_url (&c, argc, argv);
  else if (g_str_equal (argv[0], "diagnose"))
    status = exs_cli_ai_run (&c, argc, argv);
  else if (g_str_equal (argv[0], "profiles"))
    status = exs_cli_profiles_run (&c, argc, argv);
  else
    status = run_channel (&c, argc, argv);
  client_clear (&c);
  return status;
}

/* For the other command families (exs-cli-private.h). */
gboolean
exs_cli_call (ExsCliClient *c, const char *method, const char *path, JsonNode *body, guint *status, JsonNode **reply)
{
  return call (c, method, path, body, status, reply);
}

int
exs_cli_report_failure (guint status, JsonNode *reply)
{
  return report_failure (status, reply);
}

int
exs_cli_usage_error (const char *message)
{
  return usage_error (message);
}
