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

#include "exs-background.h"

#include "exs-ai-agent.h"
#include "exs-ai-tools.h"
#include "exs-api-context.h"
#include "exs-backup-manager.h"
#include "exs-channel-manager.h"
#include "exs-channel-supervisor.h"
#include "exs-cli.h"
#include "exs-config.h"
#include "exs-database.h"
#include "exs-demo.h"
#include "exs-elements.h"
#include "exs-memory.h"
#include "exs-hdhr-device-id.h"
#include "exs-hdhr-device.h"
#include "exs-hdhr-discovery.h"
#include "exs-http-server.h"
#include "exs-iptv-service.h"
#include "exs-item-resolver.h"
#include "exs-library-scanner.h"
#include "exs-library-store.h"
#include "exs-log-ring.h"
#include "exs-media-server-src.h"
#include "exs-media-server-sync.h"
#include "exs-paths.h"
#include "exs-ssdp.h"
#include "exs-playout-builder.h"
#include "exs-schedule-demo.h"

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
  char *config_path; /* the configuration file (it may not exist) */

  ExsConfig *config;
  char *data_dir;
  int lock_fd;
  ExsDatabase *database;
  ExsLibraryScanner *library_scanner;
  ExsMediaServerSync *media_server_sync; /* Plex, Jellyfin and Emby libraries */
  ExsHttpServer *http;
  ExsPlayoutBuilder *playout;
  ExsChannelManager *channels;
  ExsChannelSupervisor *supervisor; /* the resilience layer on the engine */
  /* what the routes borrow; the resilience objects in it (metrics, pool,
   * restart_guard, sessions, backups, health, long_run, resolver) are owned
   * here, once, and released in dispose */
  ExsApiContext api;
  /* client protocols; they stream from self->channels (ExsStreamProvider) */
  ExsIptvService *iptv;
  ExsHdhrDevice *hdhr;
  ExsHdhrDiscovery *hdhr_discovery;
  ExsSsdp *ssdp;
  ExsAiToolRegistry *ai_tools; /* the AI agent's tools, shared with the resolver; the agent is api.ai_agent */
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

  g_clear_object (&self->supervisor);
  g_clear_object (&self->api.ai_agent);
  g_clear_object (&self->ai_tools);
  g_clear_object (&self->channels);
  g_clear_object (&self->ssdp);
  g_clear_object (&self->hdhr_discovery);
  g_clear_object (&self->hdhr);
  g_clear_object (&self->iptv);
  g_clear_object (&self->api.upstream_guide);
  g_clear_object (&self->http);
  g_clear_object (&self->api.resolver);
  g_clear_object (&self->api.long_run);
  g_clear_object (&self->api.health);
  g_clear_object (&self->api.backups);
  g_clear_object (&self->api.sessions);
  g_clear_object (&self->api.restart_guard);
  g_clear_object (&self->api.pool);
  g_clear_object (&self->api.metrics);
  g_clear_object (&self->library_scanner);
  g_clear_object (&self->media_server_sync);
  g_clear_object (&self->playout);
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
  g_free (self->config_path);
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
  char *path = self->opt_config ? g_strdup (self->opt_config) : exs_paths_default_config_file ();
  g_autofree char *port = NULL;
  GPtrArray *warnings;

  self->config = exs_config_new ();
  /* kept: the web UI's settings page writes changes back to it */
  g_free (self->config_path);
  self->config_path = path;
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
    g_printerr (_("exstreamtv: warning: %s\n"), (char *) warnings->pdata[i]);
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
  ExsApplication *self = user_data;
  g_autoptr (GError) error = NULL;

  /* The demo library's rows (durations, show, collections) were entered by
   * exs_schedule_demo_install() from the clip table, so the demo plays as
   * soon as the clips exist; the scanner is not pointed at the demo folder
   * (it would re-derive show and episode from the file names). */
  if (!exs_demo_ensure_clips_finish (result, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("demo clips: %s", error->message);
    }
  else
    g_message ("demo clips ready");
  exs_memory_give_back (); /* what the encoders used */
  g_object_unref (self);
}

/* Plex, Jellyfin and Emby libraries: their sync, and the exs-media:// source
 * that plays their items with each library's server, token and mappings. */
static void
start_media_servers (ExsApplication *self)
{
  g_autoptr (GError) error = NULL;

  if (!exs_media_server_src_register ())
    g_warning ("cannot register the media-server source: Plex, Jellyfin and Emby items will not play");
  self->media_server_sync = exs_media_server_sync_new (self->database);
  if (!exs_media_server_sync_load_sources (self->media_server_sync, &error))
    g_warning ("cannot read the media-server libraries: %s", error->message);
}

static gboolean
set_up_demo (ExsApplication *self, GError **error)
{
  g_autofree char *demo_dir = g_build_filename (self->data_dir, "demo", NULL);
  guint added = exs_demo_create_channels (self->database, error);

  if (added == G_MAXUINT)
    return FALSE;
  if (added > 0)
    g_print (_("exstreamtv: added %u demo channels\n"), added);
  if (!exs_schedule_demo_install (self->database, demo_dir, error))
    return FALSE;
  exs_demo_ensure_clips_async (demo_dir, self->cancellable, on_demo_clips_ready_cb, g_object_ref (self));
  return TRUE;
}

/* The resilience layer: what needs no channel engine to be useful. The engine
 * borrows pool, restart_guard and sessions from here (docs/architecture/resilience.md). */
static void
start_operations (ExsApplication *self)
{
  self->api.metrics = exs_metrics_new ();
  /* Counted by the channel engine; declared here so scrapers see them from the start. */
  exs_metrics_declare (self->api.metrics, "exstreamtv_streams_started_total", EXS_METRIC_COUNTER,
                       "Channel streams started (tunes that reached a pipeline), per channel.");
  exs_metrics_declare (self->api.metrics, "exstreamtv_streams_succeeded_total", EXS_METRIC_COUNTER,
                       "Tunes that delivered their first valid MPEG-TS bytes, per channel.");
  exs_metrics_declare (self->api.metrics, "exstreamtv_streams_failed_total", EXS_METRIC_COUNTER,
                       "Tunes that failed before or while streaming, per channel.");
  exs_metrics_declare (self->api.metrics, "exstreamtv_error_screens_total", EXS_METRIC_COUNTER,
                       "Times a channel switched to its error screen, per channel.");
  self->api.pool = exs_pipeline_pool_new_from_config (self->config);
  exs_pipeline_pool_set_metrics (self->api.pool, self->api.metrics);
  self->api.restart_guard = exs_restart_guard_new_from_config (self->config);
  exs_restart_guard_set_metrics (self->api.restart_guard, self->api.metrics);
  self->api.sessions = exs_session_manager_new_from_config (self->config);
  exs_session_manager_set_metrics (self->api.sessions, self->api.metrics);
  self->api.backups = exs_backup_manager_new_from_config (self->config, self->data_dir);
  if (exs_config_get_boolean (self->config, "database_backup", "enabled"))
    exs_backup_manager_start_schedule (self->api.backups,
                                       (guint) exs_config_get_int (self->config, "database_backup", "interval_hours"));
  self->api.health = exs_health_monitor_new_from_config (self->config, self->api.restart_guard);
  exs_health_monitor_set_metrics (self->api.health, self->api.metrics);
  exs_health_monitor_set_session_manager (self->api.health, self->api.sessions);
  exs_health_monitor_start (self->api.health);
  self->api.long_run = exs_long_run_monitor_new_from_config (self->config);
  exs_long_run_monitor_set_pool (self->api.long_run, self->api.pool);
  exs_long_run_monitor_set_metrics (self->api.long_run, self->api.metrics);
  exs_long_run_monitor_start (self->api.long_run);
  self->api.resolver = exs_auto_resolver_new_from_config (self->config, self->api.restart_guard);
  exs_auto_resolver_set_metrics (self->api.resolver, self->api.metrics);
  exs_auto_resolver_watch_pool (self->api.resolver, self->api.pool);
}

/* ---- the AI agent (src/ai, docs/ai.md) ---- */

static JsonArray *
ai_log_lines (const char *channel, guint limit, gpointer user_data)
{
  return exs_log_ring_query (exs_log_ring_get_default (), G_LOG_LEVEL_INFO, channel, limit);
}

/* Its tools are the engine's, resilience's, scheduling's and the library's. */
static void
start_ai (ExsApplication *self)
{
  const ExsAiToolParts parts = {
    .database = self->database, .channels = self->channels, .guard = self->api.restart_guard, .pool = self->api.pool,
    .health = self->api.health, .long_run = self->api.long_run, .playout = self->playout,
    .scanner = self->library_scanner, .log_lines = ai_log_lines,
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (ExsAiStore) store = exs_ai_store_new (self->database, &error);

  if (store == NULL)
    g_warning ("AI sessions will not be kept: %s", error->message);
  self->ai_tools = exs_ai_tool_registry_new (self->data_dir);
  exs_ai_tools_register (self->ai_tools, &parts);
  self->api.ai_agent = exs_ai_agent_new_from_config (self->config, self->ai_tools, store);
  exs_ai_agent_set_pool (self->api.ai_agent, self->api.pool);
  exs_ai_agent_watch_resolver (self->api.ai_agent, self->api.resolver);
}

/* Timers off, waiters answered; nothing here waits. */
static void
stop_operations (ExsApplication *self)
{
  if (self->api.pool)
    exs_pipeline_pool_shutdown (self->api.pool);
  if (self->api.sessions)
    exs_session_manager_stop (self->api.sessions);
  if (self->api.backups)
    exs_backup_manager_stop (self->api.backups);
  if (self->api.health)
    exs_health_monitor_stop (self->api.health);
  if (self->api.long_run)
    exs_long_run_monitor_stop (self->api.long_run);
}

/* The playout builder: after the database (and the demo's schedules), before
 * the routes. It loads the stored playouts now and extends them in the
 * background; the channel engine asks it through ExsPlayoutSource. */
static gboolean
start_playout_builder (ExsApplication *self, GError **error)
{
  const char *zone = exs_config_get_string (self->config, "server", "time_zone");
  g_autoptr (GTimeZone) tz = zone[0] ? g_time_zone_new_identifier (zone) : g_time_zone_new_local ();
  gint64 horizon = exs_config_get_int (self->config, "scheduling", "horizon_hours") * 3600 * G_USEC_PER_SEC;

  if (tz == NULL)
    tz = g_time_zone_new_local ();
  self->playout = exs_playout_builder_new (self->database, tz, horizon, error);
  if (self->playout == NULL || !exs_playout_builder_load (self->playout, error))
    return FALSE;
  exs_playout_builder_start (self->playout,
                             (guint) exs_config_get_int (self->config, "scheduling", "extend_check_seconds"));
  return TRUE;
}

/**
 * exs_application_get_playout_source:
 *
 * Returns: (transfer none) (nullable): what plays on each channel when; %NULL
 *   before the server runs
 */
ExsPlayoutSource *
exs_application_get_playout_source (ExsApplication *self)
{
  return self->playout ? EXS_PLAYOUT_SOURCE (self->playout) : NULL;
}

static void
begin_shutdown (ExsApplication *self)
{
  if (self->shutting_down)
    return;
  self->shutting_down = TRUE;
  g_message ("shutting down");

  /* 1. stop accepting; 2. end every channel and its viewers; 3. stop
   *    background work and wait for its threads; 4. close the database. */
  if (self->ssdp)
    exs_ssdp_stop (self->ssdp);
  if (self->hdhr_discovery)
    exs_hdhr_discovery_stop (self->hdhr_discovery);
  if (self->iptv)
    exs_iptv_service_stop (self->iptv);
  if (self->api.upstream_guide)
    exs_upstream_guide_stop (self->api.upstream_guide);
  exs_http_server_stop (self->http);
  if (self->supervisor)
    exs_channel_supervisor_stop (self->supervisor);
  if (self->channels)
    exs_channel_manager_stop_all (self->channels);
  g_cancellable_cancel (self->cancellable);
  if (self->library_scanner)
    exs_library_scanner_stop (self->library_scanner);
  if (self->media_server_sync)
    exs_media_server_sync_stop (self->media_server_sync);
  stop_operations (self);
  if (self->api.ai_agent)
    exs_ai_agent_shutdown (self->api.ai_agent);
  if (self->playout)
    exs_playout_builder_stop (self->playout);
  /* the workers still running (a guide build, an encoder probe, a playout
   * build, cancelled or not) end before the database closes and before
   * main() returns (exs-background.c says why) */
  if (!exs_background_wait (10 * G_USEC_PER_SEC))
    g_warning ("background work did not end within 10 s; stopping all the same");
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

/* The playlist, guide and HDHomeRun routes: before listening. */
static gboolean
set_up_client_routes (ExsApplication *self, GError **error)
{
  self->iptv = exs_iptv_service_new (self->config, self->database, EXS_STREAM_PROVIDER (self->channels));
  /* the guide comes from the same playout the channels play, and for
   * upstream live channels from their upstream's XMLTV */
  self->api.upstream_guide = exs_upstream_guide_new (self->config, self->database,
                                                     self->playout ? EXS_PLAYOUT_SOURCE (self->playout) : NULL);
  exs_iptv_service_set_playout_source (self->iptv, EXS_PLAYOUT_SOURCE (self->api.upstream_guide));
  exs_upstream_guide_start (self->api.upstream_guide);
  exs_iptv_service_register (self->iptv, self->http);
  if (!exs_config_get_boolean (self->config, "hdhomerun", "enabled"))
    return TRUE;
  self->hdhr = exs_hdhr_device_new (self->config, self->database, EXS_STREAM_PROVIDER (self->channels), error);
  if (self->hdhr == NULL)
    return FALSE;
  exs_hdhr_device_register (self->hdhr, self->http);
  return TRUE;
}

/* Discovery (UDP/TCP 65001) and SSDP: once the HTTP port is known. Neither
 * is fatal: another tuner emulator may hold 65001, a host may lack multicast. */
static void
start_client_discovery (ExsApplication *self, const char *bind, guint port)
{
  g_autoptr (GError) error = NULL;

  if (self->hdhr == NULL)
    return;
  exs_hdhr_device_set_http_port (self->hdhr, port);
  if (exs_config_get_boolean (self->config, "hdhomerun", "discovery_enabled"))
    {
      guint discovery_port = (guint) exs_config_get_int (self->config, "hdhomerun", "discovery_port");

      self->hdhr_discovery =
        exs_hdhr_discovery_new (self->hdhr, exs_config_get_string (self->config, "server", "public_base_url"));
      exs_hdhr_discovery_set_replies_per_second (
        self->hdhr_discovery, (guint) exs_config_get_int (self->config, "hdhomerun", "discovery_replies_per_second"));
      if (exs_hdhr_discovery_start (self->hdhr_discovery, bind, discovery_port, &error))
        g_print (_("exstreamtv: HDHomeRun %s answering discovery on UDP/TCP port %u\n"),
                 exs_hdhr_device_get_id_string (self->hdhr), exs_hdhr_discovery_get_port (self->hdhr_discovery));
      else
        {
          g_warning ("HDHomeRun discovery is off: cannot use port %u (%s); clients can still add the tuner "
                     "by address",
                     discovery_port, error->message);
          g_clear_object (&self->hdhr_discovery);
          g_clear_error (&error);
        }
    }
  if (exs_config_get_boolean (self->config, "hdhomerun", "ssdp_enabled"))
    {
      self->ssdp = exs_ssdp_new (self->hdhr);
      if (exs_ssdp_start (self->ssdp, bind, &error) == 0)
        {
          g_warning ("SSDP announcements are off: %s", error->message);
          g_clear_object (&self->ssdp);
        }
    }
}

/* A missing required element stops the server with one line naming the
 * package; a missing optional one is a warning (and shows in /api/health). */
static gboolean
check_elements (GError **error)
{
  g_autoptr (GPtrArray) warnings = NULL;

  if (!exs_elements_check (&warnings, error))
    return FALSE;
  for (guint i = 0; i < warnings->len; i++)
    g_printerr ("exstreamtv: warning: %s\n", (char *) warnings->pdata[i]);
  return TRUE;
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

  /* keep the recent log lines for GET /api/logs and the web UI */
  exs_log_ring_install (exs_log_ring_get_default ());
  if (!check_elements (&error))
    {
      say_error ("%s", error->message);
      return EXS_EXIT_FAILURE;
    }
  if (g_mkdir_with_parents (self->data_dir, 0700) != 0)
    {
      say_error (_("cannot create data directory %s: %s"), self->data_dir, g_strerror (errno));
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
  self->library_scanner =
      exs_library_scanner_new (self->database, (guint) exs_config_get_int (self->config, "library", "scan_workers"),
                               (guint) exs_config_get_int (self->config, "library", "probe_timeout_seconds"));
  exs_item_resolver_configure (exs_item_resolver_get_default (),
                               (guint) exs_config_get_int (self->config, "library", "ytdlp_timeout_seconds"),
                               (guint) exs_config_get_int (self->config, "library", "ytdlp_cache_seconds"));
  exs_library_scanner_set_archive_org_url (self->library_scanner,
                                           exs_config_get_string (self->config, "library", "archive_org_url"));
  exs_library_scanner_set_watching (self->library_scanner,
                                    exs_config_get_boolean (self->config, "library", "watch_folders"),
                                    (guint) exs_config_get_int (self->config, "library", "watch_debounce_ms"));
  start_media_servers (self);
  if (self->opt_demo && !set_up_demo (self, &error))
    {
      say_error (_("cannot set up the demo: %s"), error->message);
      return EXS_EXIT_FAILURE;
    }

  /* The HDHomeRun device ID is written on the first start; write it now,
   * before the playout builder's worker starts its first build, whose long
   * write transaction would otherwise make this main-loop write wait past
   * its 5 s busy timeout on a slow machine and stop the server. */
  {
    g_autofree char *device_auth = NULL;
    guint32 device_id;

    if (!exs_hdhr_device_id_ensure (self->config, self->database, &device_id, &device_auth, &error))
      {
        say_error (_("cannot set up the HDHomeRun tuner: %s"), error->message);
        return EXS_EXIT_FAILURE;
      }
  }
  if (!start_playout_builder (self, &error))
    {
      say_error (_("cannot start the playout builder: %s"), error->message);
      return EXS_EXIT_FAILURE;
    }

  self->api.config = self->config;
  self->api.config_path = self->config_path;
  self->api.data_dir = self->data_dir;
  self->api.database = self->database;
  self->api.library_scanner = self->library_scanner;
  self->api.media_server_sync = self->media_server_sync;
  self->api.started_monotonic_us = g_get_monotonic_time ();
  start_operations (self);
  self->api.playout_builder = self->playout;
  self->api.playout_source = EXS_PLAYOUT_SOURCE (self->playout);

  /* The channel engine plays what the playout builder scheduled; the
   * client-protocol routes (/iptv/channel/N.ts, /auto/vN, /tunerX/vN, HLS)
   * own the paths, resolve the channel and hand it to the engine as its
   * ExsStreamProvider (set_up_client_routes). */
  self->channels = exs_channel_manager_new (self->config, self->database, EXS_PLAYOUT_SOURCE (self->playout));
  {
    ExsSupervisedParts parts = {
      .config = self->config,
      .database = self->database,
      .channels = self->channels,
      .metrics = self->api.metrics,
      .pool = self->api.pool,
      .restart_guard = self->api.restart_guard,
      .sessions = self->api.sessions,
      .health = self->api.health,
      .resolver = self->api.resolver,
      .playout = self->playout,
    };
    self->supervisor = exs_channel_supervisor_new (&parts);
  }
  self->http = exs_http_server_new (token, (gsize) exs_config_get_int (self->config, "server", "max_request_body_bytes"));
  {
    const ExsHttpLimits limits = {
      .request_timeout_ms = (guint) exs_config_get_int (self->config, "server", "request_timeout_s") * 1000,
      .max_connections = (guint) exs_config_get_int (self->config, "server", "max_connections"),
      .max_connections_per_client = (guint) exs_config_get_int (self->config, "server", "max_connections_per_client"),
    };
    exs_http_server_set_limits (self->http, &limits);
  }
  self->api.channel_manager = self->channels;
  start_ai (self);
  exs_api_register_all (self->http, &self->api);
  if (!set_up_client_routes (self, &error))
    {
      say_error (_("cannot set up the HDHomeRun tuner: %s"), error->message);
      return EXS_EXIT_FAILURE;
    }
  if (!exs_http_server_listen (self->http, bind, (guint) exs_config_get_int (self->config, "server", "port"), &error))
    {
      say_error ("cannot listen on %s port %" G_GINT64_FORMAT " (%s): %s", bind,
                 exs_config_get_int (self->config, "server", "port"),
                 exs_config_get_origin (self->config, "server", "port"), error->message);
      return EXS_EXIT_FAILURE;
    }
  port = exs_http_server_get_port (self->http);
  start_client_discovery (self, bind, port);
  exs_channel_supervisor_prewarm (self->supervisor);

  /* Before the "listening" line: whoever starts the server (systemd, a
   * test) may stop it as soon as it reads that line. */
  self->loop = g_main_loop_new (NULL, FALSE);
  self->sigint_id = g_unix_signal_add (SIGINT, on_signal_cb, self);
  self->sigterm_id = g_unix_signal_add (SIGTERM, on_signal_cb, self);

  if (token_created)
    /* Never the token itself: stdout ends up in the journal. */
    g_print (_("exstreamtv: created the admin API token; it is kept in %s/api-token (readable by this user "
               "only); show it with: exstreamtv --data-dir %s --show-token\n"),
             self->data_dir, self->data_dir);
  /* not translated: scripts and the test harness read this line */
  g_print ("exstreamtv %s listening on http://%s:%u/ (data in %s)\n", PACKAGE_VERSION,
           g_str_equal (bind, "0.0.0.0") ? "127.0.0.1" : bind, port, self->data_dir);
  fflush (stdout);

  if (exs_config_get_boolean (self->config, "library", "scan_on_start"))
    {
      exs_library_scanner_scan_all (self->library_scanner);
      exs_media_server_sync_start_all (self->media_server_sync);
    }

  g_main_loop_run (self->loop);
  g_source_remove (self->sigint_id);
  g_source_remove (self->sigterm_id);

  g_clear_object (&self->http);
  g_print (_("exstreamtv: stopped\n"));
  return self->exit_status;
}

/* Prints the token the server accepts; never makes one (a token the
 * running server has not read would be refused). */
static int
show_token (ExsApplication *self)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *token = exs_paths_read_token (self->data_dir, &error);

  if (token == NULL && g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      say_error ("there is no admin token in %s yet: the server makes one when it first starts there "
                 "(start exstreamtv with this data dir, then ask again)", self->data_dir);
      return EXS_EXIT_FAILURE;
    }
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
  g_autoptr (GOptionContext) ctx = NULL;
  g_autoptr (GError) error = NULL;

  setlocale (LC_ALL, "");
  /* EXSTREAMTV_LOCALEDIR: the build's po/ (meson devenv, the tests) */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("EXSTREAMTV_LOCALEDIR") ? g_getenv ("EXSTREAMTV_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  ctx = g_option_context_new (_("[COMMAND …] — live TV channels from your media library"));
  g_option_context_add_main_entries (ctx, entries, GETTEXT_PACKAGE);
  g_option_context_add_group (ctx, gst_init_get_option_group ());
  /* Stop at the first command word so that its own options are left to it. */
  g_option_context_set_strict_posix (ctx, TRUE);
  g_option_context_set_description (ctx, exs_cli_usage ());
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      say_error (_("%s (see exstreamtv --help)"), error->message);
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
