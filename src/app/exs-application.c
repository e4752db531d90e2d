/* exs-application.c: ExsApplication, one exstreamtv process.
 *
 * Parses the command line, builds the configuration (defaults < file <
 * environment < options), then either hands over to the command-line client
 * (`exstreamtv channel ...`) or runs the server: take the data dir's instance
 * lock, make the admin token on first start, open and migrate the database,
 * register the HTTP routes, listen, and run the main loop until SIGINT/SIGTERM.
 * Shutdown goes in reverse — stop accepting, stop channels and viewers, close
 * the database, drop the lock — and takes well under the 2 s budget.
 */
#include "config.h"

#include "exs-application.h"

#include "exs-api-context.h"
#include "exs-channel-manager.h"
#include "exs-cli.h"
#include "exs-config.h"
#include "exs-database.h"
#include "exs-demo.h"
#include "exs-file-list-source.h"
#include "exs-http-server.h"
#include "exs-paths.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <locale.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

struct _ExsApplication
{
  GObject parent_instance;

  /* options */
  char *opt_config;
  char *opt_data_dir;
  char *opt_bind;
  int opt_port;
  gboolean opt_demo;
  gboolean opt_version;
  gboolean opt_show_token;
  gboolean opt_print_config;
  char *opt_url;

  ExsConfig *config;
  char *data_dir;
  int lock_fd;
  ExsDatabase *database;
  ExsHttpServer *http;
  ExsPlayoutSource *playout;
  ExsChannelManager *channels;
  ExsApiContext api;
  GCancellable *cancellable;
  GMainLoop *loop;
  guint sigint_id;
  guint sigterm_id;
  gboolean shutting_down;
  int exit_status;
};

G_DEFINE_TYPE (ExsApplication, exs_application, G_TYPE_OBJECT)

static void
exs_application_dispose (GObject *object)
{
  ExsApplication *self = EXS_APPLICATION (object);

  g_clear_object (&self->channels);
  g_clear_object (&self->playout);
  g_clear_object (&self->http);
  if (self->database)
    exs_database_close (self->database);
  g_clear_object (&self->database);
  g_clear_object (&self->config);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->loop, g_main_loop_unref);
  G_OBJECT_CLASS (exs_application_parent_class)->dispose (object);
}

static void
exs_application_finalize (GObject *object)
{
  ExsApplication *self = EXS_APPLICATION (object);

  if (self->lock_fd >= 0)
    close (self->lock_fd);
  g_free (self->opt_config);
  g_free (self->opt_data_dir);
  g_free (self->opt_bind);
  g_free (self->opt_url);
  g_free (self->data_dir);
  G_OBJECT_CLASS (exs_application_parent_class)->finalize (object);
}

static void
exs_application_class_init (ExsApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = exs_application_dispose;
  object_class->finalize = exs_application_finalize;
}

static void
exs_application_init (ExsApplication *self)
{
  self->lock_fd = -1;
  self->opt_port = -1;
  self->cancellable = g_cancellable_new ();
}

ExsApplication *
exs_application_new (void)
{
  return g_object_new (EXS_TYPE_APPLICATION, NULL);
}

static void
say_error (const char *format, ...) G_GNUC_PRINTF (1, 2);

static void
say_error (const char *format, ...)
{
  g_autofree char *msg = NULL;
  va_list args;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_printerr ("exstreamtv: %s\n", msg);
}

/* defaults < file < environment < command line */
static gboolean
load_config (ExsApplication *self, GError **error)
{
  g_autofree char *path = self->opt_config ? g_strdup (self->opt_config) : exs_paths_default_config_file ();
  g_autofree char *port = NULL;
  GPtrArray *warnings;

  self->config = exs_config_new ();
  if (!exs_config_load_file (self->config, path, self->opt_config != NULL, error)
      || !exs_config_load_environment (self->config, NULL, error))
    return FALSE;
  if (self->opt_port >= 0)
    port = g_strdup_printf ("%d", self->opt_port);
  if ((port && !exs_config_set (self->config, "server", "port", port, "option --port", error))
      || (self->opt_bind && !exs_config_set (self->config, "server", "host", self->opt_bind, "option --bind", error))
      || (self->opt_data_dir
          && !exs_config_set (self->config, "server", "data_dir", self->opt_data_dir, "option --data-dir", error)))
    return FALSE;

  warnings = exs_config_get_warnings (self->config);
  for (guint i = 0; i < warnings->len; i++)
    g_printerr ("exstreamtv: warning: %s\n", (char *) warnings->pdata[i]);
  self->data_dir = exs_paths_data_dir (self->config);
  return TRUE;
}

/* One server per data dir: an flock held for the process's life. */
static gboolean
take_instance_lock (ExsApplication *self, GError **error)
{
  g_autofree char *path = g_build_filename (self->data_dir, "exstreamtv.lock", NULL);
  g_autofree char *pid = NULL;
  int fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

  if (fd < 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot open %s: %s", path,
                   g_strerror (errno));
      return FALSE;
    }
  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      char buf[32] = { 0 };
      ssize_t n = pread (fd, buf, sizeof buf - 1, 0);
      g_strstrip (buf);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_BUSY,
                   "another exstreamtv%s%s%s is already running with the data directory %s; "
                   "stop it first, or give this one its own --data-dir",
                   n > 0 ? " (pid " : "", n > 0 ? buf : "", n > 0 ? ")" : "", self->data_dir);
      close (fd);
      return FALSE;
    }
  pid = g_strdup_printf ("%d\n", (int) getpid ());
  if (ftruncate (fd, 0) != 0 || pwrite (fd, pid, strlen (pid), 0) < 0)
    g_debug ("cannot write pid to %s", path);
  self->lock_fd = fd;
  return TRUE;
}

static void
on_demo_clips_ready_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ExsApplication) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!exs_demo_ensure_clips_finish (result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("demo clips: %s", error->message);
      return;
    }
  g_message ("demo clips ready");
  /* until the real playout lands, the demo channels loop over the clips */
  if (EXS_IS_FILE_LIST_SOURCE (self->playout))
    {
      g_autofree char *demo_dir = g_build_filename (self->data_dir, "demo", NULL);
      exs_file_list_source_add_demo_channels (EXS_FILE_LIST_SOURCE (self->playout), demo_dir);
    }
}

static gboolean
set_up_demo (ExsApplication *self, GError **error)
{
  g_autofree char *demo_dir = g_build_filename (self->data_dir, "demo", NULL);
  guint added = exs_demo_create_channels (self->database, error);

  if (added == G_MAXUINT)
    return FALSE;
  if (added > 0)
    g_print ("exstreamtv: added %u demo channels\n", added);
  exs_demo_ensure_clips_async (demo_dir, self->cancellable, on_demo_clips_ready_cb, g_object_ref (self));
  return TRUE;
}

static void
begin_shutdown (ExsApplication *self)
{
  if (self->shutting_down)
    return;
  self->shutting_down = TRUE;
  g_message ("shutting down");

  /* 1. stop accepting; 2. stop background work (and later: channels and
   *    their viewers); 3. close the database. */
  exs_http_server_stop (self->http);
  if (self->channels)
    exs_channel_manager_stop_all (self->channels);
  g_cancellable_cancel (self->cancellable);
  exs_database_close (self->database);
  g_main_loop_quit (self->loop);
}

static gboolean
on_signal_cb (gpointer user_data)
{
  ExsApplication *self = user_data;

  if (self->shutting_down)
    {
      /* A second signal: the user insists. */
      _exit (EXS_EXIT_FAILURE);
    }
  begin_shutdown (self);
  return G_SOURCE_CONTINUE;
}

static int
run_server (ExsApplication *self)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *db_path = NULL;
  g_autofree char *token = NULL;
  const char *bind = exs_config_get_string (self->config, "server", "host");
  gboolean token_created = FALSE;
  guint port;

  if (g_mkdir_with_parents (self->data_dir, 0700) != 0)
    {
      say_error ("cannot create data directory %s: %s", self->data_dir, g_strerror (errno));
      return EXS_EXIT_FAILURE;
    }
  if (!take_instance_lock (self, &error))
    {
      say_error ("%s", error->message);
      return EXS_EXIT_FAILURE;
    }
  token = exs_paths_ensure_token (self->data_dir, &token_created, &error);
  if (token == NULL)
    {
      say_error ("%s", error->message);
      return EXS_EXIT_FAILURE;
    }

  db_path = g_build_filename (self->data_dir, "exstreamtv.db", NULL);
  self->database = exs_database_open (db_path, &error);
  if (self->database == NULL)
    {
      say_error ("%s", error->message);
      return EXS_EXIT_FAILURE;
    }
  /* The playout: a file-list source until the scheduling subsystem's lands. */
  self->playout = EXS_PLAYOUT_SOURCE (exs_file_list_source_new ());
  self->channels = exs_channel_manager_new (self->config, self->database, self->playout);
  if (self->opt_demo && !set_up_demo (self, &error))
    {
      say_error ("cannot set up the demo: %s", error->message);
      return EXS_EXIT_FAILURE;
    }

  self->api.config = self->config;
  self->api.database = self->database;
  self->api.started_monotonic_us = g_get_monotonic_time ();
  self->http = exs_http_server_new (token, (gsize) exs_config_get_int (self->config, "server", "max_request_body_bytes"));
  self->api.channel_manager = self->channels;
  exs_api_register_all (self->http, &self->api);
  exs_channel_manager_register_routes (self->channels, self->http);
  if (!exs_http_server_listen (self->http, bind, (guint) exs_config_get_int (self->config, "server", "port"), &error))
    {
      say_error ("cannot listen on %s port %" G_GINT64_FORMAT " (%s): %s", bind,
                 exs_config_get_int (self->config, "server", "port"),
                 exs_config_get_origin (self->config, "server", "port"), error->message);
      return EXS_EXIT_FAILURE;
    }
  port = exs_http_server_get_port (self->http);
  exs_channel_manager_start_always_on (self->channels);

  if (token_created)
    g_print ("exstreamtv: created the admin API token (kept in %s/api-token; show it again with "
             "exstreamtv --show-token):\n  %s\n",
             self->data_dir, token);
  g_print ("exstreamtv %s listening on http://%s:%u/ (data in %s)\n", PACKAGE_VERSION,
           g_str_equal (bind, "0.0.0.0") ? "127.0.0.1" : bind, port, self->data_dir);
  fflush (stdout);

  self->loop = g_main_loop_new (NULL, FALSE);
  self->sigint_id = g_unix_signal_add (SIGINT, on_signal_cb, self);
  self->sigterm_id = g_unix_signal_add (SIGTERM, on_signal_cb, self);
  g_main_loop_run (self->loop);
  g_source_remove (self->sigint_id);
  g_source_remove (self->sigterm_id);

  g_clear_object (&self->http);
  g_print ("exstreamtv: stopped\n");
  return self->exit_status;
}

static int
show_token (ExsApplication *self)
{
  g_autoptr (GError) error = NULL;
  gboolean created = FALSE;
  g_autofree char *token = exs_paths_ensure_token (self->data_dir, &created, &error);

  if (token == NULL)
    {
      say_error ("%s", error->message);
      return EXS_EXIT_FAILURE;
    }
  g_print ("%s\n", token);
  return EXIT_SUCCESS;
}

int
exs_application_run (ExsApplication *self, int argc, char **argv)
{
  const GOptionEntry entries[] = {
    { "port", 'p', 0, G_OPTION_ARG_INT, &self->opt_port, N_("HTTP port (default 8411; 0 picks a free one)"), N_("PORT") },
    { "bind", 'b', 0, G_OPTION_ARG_STRING, &self->opt_bind, N_("Address to listen on (default 0.0.0.0: all interfaces)"), N_("ADDRESS") },
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, &self->opt_data_dir, N_("Data directory (default $XDG_DATA_HOME/exstreamtv)"), N_("DIR") },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, &self->opt_config, N_("Configuration file (default $XDG_CONFIG_HOME/exstreamtv/exstreamtv.conf)"), N_("FILE") },
    { "demo", 0, 0, G_OPTION_ARG_NONE, &self->opt_demo, N_("Add the demo lineup (clips made with GStreamer and channels)"), NULL },
    { "show-token", 0, 0, G_OPTION_ARG_NONE, &self->opt_show_token, N_("Print the admin API token and exit"), NULL },
    { "print-default-config", 0, 0, G_OPTION_ARG_NONE, &self->opt_print_config, N_("Print the commented default configuration and exit"), NULL },
    { "url", 0, 0, G_OPTION_ARG_STRING, &self->opt_url, N_("Server URL for commands (default http://127.0.0.1:PORT)"), N_("URL") },
    { "version", 'V', 0, G_OPTION_ARG_NONE, &self->opt_version, N_("Print the version and exit"), NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new (_("[COMMAND …] — live TV channels from your media library"));
  g_autoptr (GError) error = NULL;

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  /* Stop at the first command word so that its own options are left to it. */
  g_option_context_set_strict_posix (ctx, TRUE);
  g_option_context_set_description (ctx, exs_cli_usage ());
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      say_error ("%s (see exstreamtv --help)", error->message);
      return EXS_EXIT_USAGE;
    }
  if (self->opt_version)
    {
      g_print ("exstreamtv %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }
  if (self->opt_print_config)
    {
      g_autofree char *text = exs_settings_default_config ();
      g_print ("%s", text);
      return EXIT_SUCCESS;
    }
  if (!load_config (self, &error))
    {
      say_error ("%s", error->message);
      return EXS_EXIT_USAGE;
    }
  if (argc > 1)
    return exs_cli_run (self->config, self->data_dir, self->opt_url, argc - 1, argv + 1);
  if (self->opt_show_token)
    return show_token (self);
  return run_server (self);
}
