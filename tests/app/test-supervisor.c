/* The resilience layer on the real engine (src/app/exs-channel-supervisor.c),
 * through the real exstreamtv binary and real clients (curl, ffprobe):
 * pool admission and 503 + 805, sessions with growing bytes, channel health,
 * the prewarm of always-on channels, error screens counted by the restart
 * guard and recovery, and SIGTERM with a stream. */
#include "config.h"

#include "exs-demo.h"
#include "../scheduling/exs-test-library.h"
#include "exs-test-server.h"

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <math.h>
#include <string.h>

/* The value of one /metrics series ("name" or "name{label=\"v\"}"); NAN if absent. */
static double
metric (ExsTestServer *s, const char *series)
{
  g_autoptr (ExsTestReply) r = exs_test_server_request (s, "GET", "/metrics", NULL, FALSE);
  g_auto (GStrv) lines = NULL;

  g_assert_cmpuint (r->status, ==, 200);
  lines = g_strsplit (r->body, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix (lines[i], series) && lines[i][strlen (series)] == ' ')
      return g_ascii_strtod (lines[i] + strlen (series) + 1, NULL);
  return NAN;
}

static gboolean
wait_metric (ExsTestServer *s, const char *series, double want, double seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (g_get_monotonic_time () < deadline)
    {
      if (metric (s, series) == want)
        return TRUE;
      g_usleep (G_USEC_PER_SEC / 5);
    }
  return FALSE;
}

static void
add_channel (ExsTestServer *s, const char *number, gboolean always_on)
{
  g_autofree char *body = g_strdup_printf ("{\"number\": \"%s\", \"name\": \"Ch %s\", \"profile\": \"480p\", "
                                           "\"always_on\": %s}",
                                           number, number, always_on ? "true" : "false");
  g_autoptr (ExsTestReply) r = exs_test_server_request (s, "POST", "/api/channels", body, TRUE);

  g_assert_cmpuint (r->status, ==, 201);
}

static GSubprocess *
start_viewer (ExsTestServer *s, const char *path, int seconds)
{
  g_autofree char *url = g_strconcat (s->base_url, path, NULL);
  g_autofree char *max = g_strdup_printf ("%d", seconds);
  const char *argv[] = { "curl", "-s", "-o", "/dev/null", "--max-time", max, url, NULL };
  g_autoptr (GError) error = NULL;
  GSubprocess *p = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_NONE, &error);

  g_assert_no_error (error);
  return p;
}

/* The live session of @number, or NULL. */
static JsonObject *
live_session (ExsTestServer *s, const char *number, ExsTestReply **keep)
{
  ExsTestReply *r = exs_test_server_request (s, "GET", "/api/sessions", NULL, TRUE);
  JsonArray *a;

  g_assert_cmpuint (r->status, ==, 200);
  *keep = r;
  a = json_object_get_array_member (exs_test_reply_object (r), "sessions");
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonObject *o = json_array_get_object_element (a, i);
      if (g_str_equal (json_object_get_string_member (o, "channel_number"), number)
          && !g_str_equal (json_object_get_string_member (o, "state"), "disconnected"))
        return o;
    }
  return NULL;
}

/* Waits until @number's live session has sent more than @than bytes;
 * fails the test if it has not after @seconds. Returns the count. */
static gint64
wait_session_bytes (ExsTestServer *s, const char *number, gint64 than, double seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);
  gint64 bytes = -1;

  while (g_get_monotonic_time () < deadline)
    {
      ExsTestReply *keep = NULL;
      JsonObject *session = live_session (s, number, &keep);

      bytes = session ? json_object_get_int_member (session, "bytes_sent") : -1;
      exs_test_reply_free (keep);
      if (bytes > than)
        return bytes;
      g_usleep (G_USEC_PER_SEC / 5);
    }
  g_error ("channel %s: the session's bytes stayed at %" G_GINT64_FORMAT " (want > %" G_GINT64_FORMAT ")", number,
           bytes, than);
}

static void
test_pool_full_then_free (void)
{
  const char *const env[] = { "EXSTREAMTV_PIPELINE_POOL_MAX_PIPELINES=1", "EXSTREAMTV_PIPELINE_POOL_SLOT_WAIT_SECONDS=2",
                              "EXSTREAMTV_CHANNELS_LINGER_SECONDS=0", "EXSTREAMTV_HEALTH_CHECK_INTERVAL_SECONDS=1",
                              "EXSTREAMTV_SESSION_MANAGER_MAX_SESSIONS_PER_CHANNEL=1", NULL };
  g_autoptr (ExsTestServer) s = exs_test_server_start (NULL, NULL, env);
  g_autoptr (GSubprocess) viewer = NULL;
  g_autofree char *probe_url = NULL;
  g_autofree char *out = NULL;
  ExsTestReply *keep = NULL;
  JsonObject *session;
  gint64 bytes1, bytes2, t0;
  double seconds, fds_idle;

  add_channel (s, "7", FALSE);
  add_channel (s, "8", FALSE);
  fds_idle = metric (s, "exstreamtv_process_open_fds");
  viewer = start_viewer (s, "/iptv/channel/7.ts", 300);
  g_assert_true (wait_metric (s, "exstreamtv_pipeline_pool_in_use", 1, 60));

  /* the viewer has a session whose bytes grow */
  bytes1 = wait_session_bytes (s, "7", 0, 60);
  bytes2 = wait_session_bytes (s, "7", bytes1, 60);
  session = live_session (s, "7", &keep);
  g_assert_nonnull (session);
  g_assert_cmpstr (json_object_get_string_member (session, "client_address"), ==, "127.0.0.1");
  exs_test_reply_free (keep);
  g_test_message ("session bytes %" G_GINT64_FORMAT " → %" G_GINT64_FORMAT, bytes1, bytes2);
  g_assert_cmpint (bytes1, >, 0);
  g_assert_cmpint (bytes2, >, bytes1);

  /* the channel's health: healthy, at about its 30 fps (480p) */
  {
    gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
    double fps = 0;
    const char *status = NULL;

    while (g_get_monotonic_time () < deadline)
      {
        g_autoptr (ExsTestReply) r = exs_test_server_request (s, "GET", "/api/channels/7/health", NULL, TRUE);
        JsonObject *o;

        g_assert_cmpuint (r->status, ==, 200);
        o = exs_test_reply_object (r);
        fps = json_object_get_double_member (o, "current_fps");
        status = g_intern_string (json_object_get_string_member (o, "status"));
        /* a busy machine can hold the encoder back for a moment: wait for
         * the rate to settle at real time rather than read one sample */
        if (fps > 24 && fps < 36)
          break;
        g_usleep (G_USEC_PER_SEC / 2);
      }
    g_test_message ("channel 7: %s at %.1f fps", status, fps);
    g_assert_cmpstr (status, ==, "healthy");
    g_assert_cmpfloat (fps, >, 24);
    g_assert_cmpfloat (fps, <, 36);
  }

  /* a second viewer of channel 7 is over max_sessions_per_channel */
  {
    g_autoptr (ExsTestReply) r = exs_test_server_request (s, "GET", "/auto/v7", NULL, FALSE);

    g_assert_cmpuint (r->status, ==, 503);
    g_assert_cmpstr (soup_message_headers_get_one (r->headers, "X-HDHomeRun-Error"), ==, "805 All Tuners In Use");
    g_assert_nonnull (strstr (r->body, "max_sessions_per_channel"));
    g_assert_null (strstr (r->body, "could not be started"));
  }

  /* a second channel cannot get a pipeline: the tune waits, then 503 + 805 */
  t0 = g_get_monotonic_time ();
  {
    g_autoptr (ExsTestReply) r = exs_test_server_request (s, "GET", "/auto/v8", NULL, FALSE);

    seconds = (g_get_monotonic_time () - t0) / 1e6;
    g_test_message ("/auto/v8 answered %u after %.2f s", r->status, seconds);
    g_assert_cmpuint (r->status, ==, 503);
    g_assert_cmpstr (soup_message_headers_get_one (r->headers, "X-HDHomeRun-Error"), ==, "805 All Tuners In Use");
    g_assert_cmpfloat (seconds, >=, 1.5); /* it waited the slot wait (2 s) */
    g_assert_cmpfloat (seconds, <, 60);
  }
  g_assert_cmpfloat (metric (s, "exstreamtv_pipeline_pool_pressure"), ==, 1);
  g_assert_cmpfloat (metric (s, "exstreamtv_pipeline_pool_pressure_events_total"), >=, 1);
  g_assert_cmpfloat (metric (s, "exstreamtv_streams_failed_total{channel=\"8\"}"), >=, 1);
  g_assert_cmpfloat (metric (s, "exstreamtv_streams_succeeded_total{channel=\"7\"}"), ==, 1);

  /* the viewer leaves: its session ends, channel 7 stops, its slot is free */
  g_subprocess_force_exit (viewer);
  g_subprocess_wait (viewer, NULL, NULL);
  g_assert_true (wait_metric (s, "exstreamtv_pipeline_pool_in_use", 0, 60));
  g_assert_null (live_session (s, "7", &keep));
  exs_test_reply_free (keep);

  /* now channel 8 tunes */
  probe_url = g_strdup_printf ("%s/auto/v8", s->base_url);
  {
    const char *probe[] = { "ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height", "-of",
                            "csv=p=0", probe_url, NULL };
    g_assert_cmpint (exs_test_run_command (probe, NULL, &out), ==, 0);
  }
  g_test_message ("ffprobe /auto/v8: %s", out);
  g_assert_nonnull (strstr (out, "h264,854,480"));
  g_assert_true (wait_metric (s, "exstreamtv_pipeline_pool_in_use", 0, 60));
  g_assert_null (live_session (s, "8", &keep));
  exs_test_reply_free (keep);

  /* two pipelines, a refused tune, three viewers later: no descriptor is
   * left open (that every element of a stopped pipeline is freed is
   * tests/streaming/test-engine-hooks.c's stop-frees-everything) */
  for (gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
       metric (s, "exstreamtv_process_open_fds") > fds_idle + 1 && g_get_monotonic_time () < deadline;)
    g_usleep (G_USEC_PER_SEC / 5); /* a socket the server is still closing */
  g_test_message ("open FDs idle: %g, after: %g", fds_idle, metric (s, "exstreamtv_process_open_fds"));
  g_assert_cmpfloat (metric (s, "exstreamtv_process_open_fds"), <=, fds_idle + 1);

  /* SIGTERM with a channel streaming and a viewer connected */
  g_clear_object (&viewer);
  viewer = start_viewer (s, "/iptv/channel/8.ts", 300);
  g_assert_true (wait_metric (s, "exstreamtv_pipeline_pool_in_use", 1, 60));
  wait_session_bytes (s, "8", 0, 60); /* the viewer is being sent the stream */
  g_assert_cmpint (exs_test_server_stop (s, &seconds), ==, 0);
  g_test_message ("stopped in %.3f s with a viewer connected", seconds);
  g_assert_cmpfloat (seconds, <, 15.0); /* not killed after 20 s (the speed is bench/'s) */
  g_assert_true (g_subprocess_wait (viewer, NULL, NULL));
}

/* Always-on channels start at server start, staggered, never more than
 * prewarm_max_concurrent at once, each admitted as a prewarm. */
static void
test_prewarm_staggered (void)
{
  g_autofree char *dir = exs_test_make_temp_dir ();
  const char *const env[] = { "EXSTREAMTV_PIPELINE_POOL_PREWARM_MAX_CONCURRENT=2",
                              "EXSTREAMTV_PIPELINE_POOL_PREWARM_STAGGER_SECONDS=0",
                              "EXSTREAMTV_PIPELINE_POOL_SPAWNS_PER_SECOND=4", NULL };
  g_autofree char *log = NULL;
  g_auto (GStrv) lines = NULL;
  guint starting = 0, max_in_flight = 0;

  {
    g_autoptr (ExsTestServer) setup = exs_test_server_start (dir, NULL, NULL);
    for (guint i = 0; i < 8; i++)
      {
        g_autofree char *n = g_strdup_printf ("%u", 50 + i);
        add_channel (setup, n, TRUE);
      }
    g_assert_cmpint (exs_test_server_stop (setup, NULL), ==, 0);
  }
  {
    g_autoptr (ExsTestServer) s = exs_test_server_start (dir, NULL, env);

    g_assert_true (wait_metric (s, "exstreamtv_pipeline_pool_in_use", 8, 120));
    g_assert_cmpfloat (metric (s, "exstreamtv_prewarm_max_in_flight"), <=, 2);
    g_assert_cmpfloat (metric (s, "exstreamtv_prewarm_max_in_flight"), >=, 1);
    g_assert_cmpint (exs_test_server_stop (s, NULL), ==, 0);
    log = exs_test_server_read_log (s);
  }
  /* the log tells the order: "prewarm: channel N starting (k in flight)" */
  lines = g_strsplit (log, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      const char *p = strstr (lines[i], "prewarm: channel ");
      const char *k = p ? strstr (p, "starting (") : NULL;

      if (k == NULL)
        continue;
      starting++;
      max_in_flight = MAX (max_in_flight, (guint) g_ascii_strtoull (k + strlen ("starting ("), NULL, 10));
    }
  g_test_message ("%u prewarm starts, at most %u in flight", starting, max_in_flight);
  g_assert_cmpuint (starting, ==, 8);
  g_assert_cmpuint (max_in_flight, <=, 2);
  g_assert_nonnull (strstr (log, "prewarm done: 8 always-on channels started, 0 failed"));
  exs_test_remove_tree (dir);
}

static gboolean
wait_metric_at_least (ExsTestServer *s, const char *series, double want, double seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (g_get_monotonic_time () < deadline)
    {
      if (metric (s, series) >= want)
        return TRUE;
      g_usleep (G_USEC_PER_SEC / 5);
    }
  return FALSE;
}

/* Waits until GET @path's body does (or does not) contain @needle. */
static gboolean
wait_body (ExsTestServer *s, const char *path, const char *needle, gboolean present, double seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  do
    {
      g_autoptr (ExsTestReply) r = exs_test_server_request (s, "GET", path, NULL, TRUE);
      if ((strstr (r->body, needle) != NULL) == present)
        {
          g_test_message ("%s: %s", path, r->body);
          return TRUE;
        }
      g_usleep (G_USEC_PER_SEC / 5);
    }
  while (g_get_monotonic_time () < deadline);
  return FALSE;
}

static gint64
failures_in_window (ExsTestServer *s, const char *number)
{
  g_autofree char *path = g_strdup_printf ("/api/channels/%s/health", number);
  g_autoptr (ExsTestReply) r = exs_test_server_request (s, "GET", path, NULL, TRUE);

  g_assert_cmpuint (r->status, ==, 200);
  return json_object_get_int_member (json_object_get_object_member (exs_test_reply_object (r), "restarts"),
                                     "failures_in_window");
}

static gboolean
wait_failures (ExsTestServer *s, const char *number, gint64 want, double seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (g_get_monotonic_time () < deadline)
    {
      if (failures_in_window (s, number) >= want)
        return TRUE;
      g_usleep (G_USEC_PER_SEC / 5);
    }
  return FALSE;
}

/* A channel looping two 3 s clips: both deleted while it plays, then a
 * corrupt file in their place — error screens, counted by the restart guard's
 * breaker; the files come back — the programme comes back. */
static void
test_failed_sources_counted_then_recovered (void)
{
  g_autofree char *dir = exs_test_make_temp_dir ();
  g_autofree char *media = g_build_filename (dir, "media", NULL);
  g_autofree char *saved = g_build_filename (dir, "saved", NULL);
  const char *names[] = { "a.mkv", "b.mkv" };
  g_autoptr (GSubprocess) viewer = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (media, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (saved, 0700), ==, 0);
  {
    g_autoptr (ExsTestLibrary) lib = exs_test_library_new_in (dir);
    gint64 show = exs_test_library_add_show (lib, "Loop");
    g_autofree char *doc = NULL;

    for (guint i = 0; i < G_N_ELEMENTS (names); i++)
      {
        ExsDemoClip clip = { names[i], names[i], "mkv", 320, 240, 30, 48000, 2, 3, i ? "ball" : "smpte", "sine", 440 };
        g_autofree char *path = g_build_filename (media, names[i], NULL);
        g_autofree char *uri = g_filename_to_uri (path, NULL, NULL);
        gint64 id = exs_test_library_add_item (lib, show, 1, (int) i + 1, names[i], 3000);
        g_autofree char *sql = g_strdup_printf ("UPDATE media_items SET uri = '%s', path = '%s' WHERE id = %" G_GINT64_FORMAT,
                                                uri, path, id);

        g_assert_true (exs_demo_make_clip (&clip, path, NULL, &error));
        g_assert_no_error (error);
        exs_test_library_exec (lib, sql);
      }
    exs_test_library_add_channel (lib, "5", "Loop");
    doc = g_strdup_printf ("{\"name\": \"loop\", \"items\": [{\"content\": {\"show\": %" G_GINT64_FORMAT "},"
                           " \"mode\": \"flood\"}]}",
                           show);
    exs_test_library_add_schedule (lib, doc, "5", "continuous", 1);
    exs_test_library_close (lib);
  }
  {
    /* the library rows were written here, not scanned: no start-up scan or
     * folder watch may touch them */
    const char *const env[] = { "EXSTREAMTV_LIBRARY_SCAN_ON_START=false", "EXSTREAMTV_LIBRARY_WATCH_FOLDERS=false",
                                NULL };
    g_autoptr (ExsTestServer) s = exs_test_server_start (dir, NULL, env);
    g_autofree char *log = NULL;
    gint64 bytes;
    gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
    gboolean scheduled = FALSE;

    /* the server's own start-up build schedules the clips, first time:
     * no rebuild asked for, and no "database is locked" on the way */
    while (!scheduled && g_get_monotonic_time () < deadline)
      {
        g_autoptr (ExsTestReply) r = exs_test_server_request (s, "GET", "/api/channels/5/playout", NULL, TRUE);

        scheduled = r->status == 200 && strstr (r->body, "a.mkv") != NULL;
        if (!scheduled)
          g_usleep (G_USEC_PER_SEC / 5);
      }
    g_assert_true (scheduled);
    log = exs_test_server_read_log (s);
    g_assert_null (strstr (log, "cannot build the playout"));
    g_assert_null (strstr (log, "extending the playouts failed"));
    viewer = start_viewer (s, "/iptv/channel/5.ts", 300);
    g_assert_true (wait_metric (s, "exstreamtv_streams_succeeded_total{channel=\"5\"}", 1, 60));
    g_assert_cmpint (failures_in_window (s, "5"), ==, 0);

    /* deleted before their turn */
    for (guint i = 0; i < G_N_ELEMENTS (names); i++)
      {
        g_autofree char *from = g_build_filename (media, names[i], NULL);
        g_autofree char *to = g_build_filename (saved, names[i], NULL);
        g_assert_cmpint (g_rename (from, to), ==, 0);
      }
    g_assert_true (wait_metric_at_least (s, "exstreamtv_error_screens_total{channel=\"5\"}", 1, 60));
    g_assert_cmpint (failures_in_window (s, "5"), >=, 1);
    /* during the outage the channel and the server say degraded, and why
     * (issue 15, item 6) */
    g_assert_true (wait_body (s, "/api/channels/5/health", "\"status\" : \"degraded\"", TRUE, 60));
    g_assert_true (wait_body (s, "/api/channels/5/health", "error screen is on air", TRUE, 30));
    g_assert_true (wait_body (s, "/api/health", "\"status\" : \"degraded\"", TRUE, 30));
    g_assert_true (wait_body (s, "/api/health", "\"channel\" : \"5\"", TRUE, 30));

    /* a corrupt file where one was */
    {
      g_autofree char *path = g_build_filename (media, names[0], NULL);
      g_assert_true (g_file_set_contents (path, "this is not a video", -1, NULL));
    }
    g_assert_true (wait_failures (s, "5", 2, 60));
    g_test_message ("after the deletion and the corrupt file: %" G_GINT64_FORMAT " failures in the window, %g error screens",
                    failures_in_window (s, "5"), metric (s, "exstreamtv_error_screens_total{channel=\"5\"}"));
    /* still connected, and still being sent the stream: its bytes grow */
    g_assert_true (g_subprocess_get_identifier (viewer) != NULL);
    bytes = wait_session_bytes (s, "5", 0, 60);
    wait_session_bytes (s, "5", bytes, 60);

    /* the sources return: the programme comes back */
    for (guint i = 0; i < G_N_ELEMENTS (names); i++)
      {
        g_autofree char *from = g_build_filename (saved, names[i], NULL);
        g_autofree char *to = g_build_filename (media, names[i], NULL);
        g_assert_cmpint (g_rename (from, to), ==, 0);
      }
    g_assert_true (wait_metric_at_least (s, "exstreamtv_source_recoveries_total{channel=\"5\"}", 1, 60));
    /* and the outage is over */
    g_assert_true (wait_body (s, "/api/health", "error screen is on air", FALSE, 60));
    g_assert_cmpint (exs_test_server_stop (s, NULL), ==, 0);
  }
  g_subprocess_wait (viewer, NULL, NULL);
  exs_test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv); /* test clips are made here */
  g_test_add_func ("/supervisor/pool-full-503-sessions-health-sigterm", test_pool_full_then_free);
  g_test_add_func ("/supervisor/prewarm-staggered", test_prewarm_staggered);
  g_test_add_func ("/supervisor/failed-sources-counted-then-recovered", test_failed_sources_counted_then_recovered);
  return g_test_run ();
}
