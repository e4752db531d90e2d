/* The operations endpoints on the real server: /metrics (no token, promtool
 * accepts it), /metrics/performance, /api/sessions and the seeds'
 * /api/ai/sessions, /api/pool, /api/resolver, /api/system/resources, channel
 * health; bad input; settings; and SIGTERM still under 2 s. */
#include "config.h"

#include "exs-test-server.h"

#include <glib/gstdio.h>
#include <string.h>

static ExsTestServer *server;

static ExsTestReply *
get (const char *path, gboolean token)
{
  return exs_test_server_request (server, "GET", path, NULL, token);
}

static void
expect (ExsTestReply *r, guint status)
{
  if (r->status != status)
    g_error ("expected %u, got %u: %s", status, r->status, r->body);
}

static void
test_metrics_public_and_valid (void)
{
  g_autoptr (ExsTestReply) r = get ("/metrics", FALSE);
  g_autofree char *dir = exs_test_make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "scrape.txt", NULL);
  g_autofree char *cmd = g_strdup_printf ("promtool check metrics < '%s'", path);
  const char *argv[] = { "sh", "-c", cmd, NULL };
  g_autofree char *out = NULL;

  expect (r, 200);
  g_assert_true (g_str_has_prefix (soup_message_headers_get_content_type (r->headers, NULL), "text/plain"));
  g_assert_nonnull (strstr (r->body, "# TYPE exstreamtv_ffmpeg_pool_pressure_events_total counter\n"));
  g_assert_nonnull (strstr (r->body, "exstreamtv_pipeline_pool_in_use 0\n"));
  /* every unlabelled counter has its sample before its first event (issue 15, item 8) */
  g_assert_nonnull (strstr (r->body, "\nexstreamtv_ffmpeg_pool_pressure_events_total 0\n"));
  g_assert_nonnull (strstr (r->body, "\nexstreamtv_pipeline_pool_pressure_events_total 0\n"));
  g_assert_nonnull (strstr (r->body, "\nexstreamtv_viewer_sessions_refused_total 0\n"));
  g_assert_nonnull (strstr (r->body, "\nexstreamtv_viewer_sessions_opened_total "));
  g_assert_nonnull (strstr (r->body, "\nexstreamtv_bytes_sent_total "));
  g_assert_nonnull (strstr (r->body, "\nexstreamtv_pipeline_starts_admitted_total "));
  g_assert_nonnull (strstr (r->body, "exstreamtv_containment_mode 0\n"));
  g_assert_nonnull (strstr (r->body, "exstreamtv_process_resident_memory_bytes "));
  g_assert_nonnull (strstr (r->body, "exstreamtv_process_open_fds "));
  g_assert_true (g_file_set_contents (path, r->body, -1, NULL));
  if (exs_test_run_command (argv, NULL, &out) != 0)
    g_error ("promtool rejected /metrics: %s\n%s", out, r->body);
  exs_test_remove_tree (dir);
}

static void
test_performance (void)
{
  g_autoptr (ExsTestReply) all = get ("/metrics/performance", FALSE);
  g_autoptr (ExsTestReply) one = get ("/metrics/performance?operation=tune&window=60", FALSE);
  g_autoptr (ExsTestReply) bad = get ("/metrics/performance?window=soon", FALSE);

  expect (all, 200);
  g_assert_true (json_object_has_member (exs_test_reply_object (all), "operations"));
  expect (one, 200);
  g_assert_cmpstr (json_object_get_string_member (exs_test_reply_object (one), "operation"), ==, "tune");
  g_assert_cmpfloat (json_object_get_double_member (exs_test_reply_object (one), "window_seconds"), ==, 60);
  expect (bad, 400);
  g_assert_nonnull (strstr (bad->body, "window"));
}

static void
test_sessions (void)
{
  g_autoptr (ExsTestReply) no_token = get ("/api/sessions", FALSE);
  g_autoptr (ExsTestReply) list = get ("/api/sessions", TRUE);
  g_autoptr (ExsTestReply) ai = get ("/api/ai/sessions?channel_id=1", TRUE);
  g_autoptr (ExsTestReply) bad = get ("/api/ai/sessions?channel_id=one", TRUE);
  JsonObject *o;

  expect (no_token, 401);
  expect (list, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (exs_test_reply_object (list), "sessions")), ==, 0);
  expect (ai, 200);
  o = exs_test_reply_object (ai);
  g_assert_cmpint (json_object_get_int_member (o, "total_sessions"), ==, 0);
  g_assert_true (json_object_has_member (o, "sessions_by_channel"));
  g_assert_true (json_object_has_member (o, "average_duration_seconds"));
  g_assert_true (json_object_has_member (o, "total_bytes_sent"));
  expect (bad, 400);
  g_assert_cmpstr (exs_test_reply_error_code (bad), !=, NULL);
}

static void
test_pool_resolver_resources (void)
{
  g_autoptr (ExsTestReply) pool = get ("/api/pool", TRUE);
  g_autoptr (ExsTestReply) resolver = get ("/api/resolver", TRUE);
  g_autoptr (ExsTestReply) res = get ("/api/system/resources", TRUE);

  expect (pool, 200);
  g_assert_cmpint (json_object_get_int_member (exs_test_reply_object (pool), "max_pipelines"), ==, 150);
  g_assert_cmpint (json_object_get_int_member (exs_test_reply_object (pool), "in_use"), ==, 0);
  expect (resolver, 200);
  g_assert_true (json_object_get_boolean_member (exs_test_reply_object (resolver), "enabled"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (exs_test_reply_object (resolver), "rules")), ==, 5);
  expect (res, 200);
  g_assert_false (json_object_get_boolean_member (exs_test_reply_object (res), "containment_mode"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (exs_test_reply_object (res), "samples")), >=, 1);
}

static void
test_channel_health (void)
{
  g_autoptr (ExsTestReply) created =
      exs_test_server_request (server, "POST", "/api/channels", "{\"number\": \"77\", \"name\": \"Health\"}", TRUE);
  g_autoptr (ExsTestReply) h = get ("/api/channels/77/health", TRUE);
  g_autoptr (ExsTestReply) ai = get ("/api/ai/channels/077/health", TRUE);
  g_autoptr (ExsTestReply) missing = get ("/api/channels/78/health", TRUE);
  g_autoptr (ExsTestReply) bad = get ("/api/channels/x/health", TRUE);
  JsonObject *o;

  expect (created, 201);
  expect (h, 200);
  o = exs_test_reply_object (h);
  g_assert_cmpstr (json_object_get_string_member (o, "channel_id"), ==, "77");
  g_assert_cmpstr (json_object_get_string_member (o, "status"), ==, "stopped");
  g_assert_true (json_object_has_member (o, "current_fps"));
  g_assert_true (json_object_has_member (o, "current_speed"));
  g_assert_true (json_object_has_member (o, "current_bitrate_kbps"));
  g_assert_true (json_object_has_member (o, "dropped_frames"));
  g_assert_true (json_object_has_member (o, "sessions_active"));
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (o, "restarts"), "circuit_breaker"), ==,
                   "closed");
  g_assert_true (json_object_get_null_member (o, "pipeline")); /* not running */
  expect (ai, 200);
  expect (missing, 404);
  expect (bad, 400);

  /* a viewer starts it; while it lingers the health says which pipeline runs
   * and why: "auto" with nothing scheduled (offline) encodes */
  {
    g_autofree char *url = g_strdup_printf ("%s/iptv/channel/77.ts", server->base_url);
    const char *argv[] = { "curl", "-s", "--max-time", "2", "-o", "/dev/null", url, NULL };
    g_autoptr (ExsTestReply) running = NULL;

    g_assert_cmpint (exs_test_run_command (argv, NULL, NULL), ==, 28);
    running = get ("/api/channels/77/health", TRUE);
    expect (running, 200);
    o = exs_test_reply_object (running);
    g_assert_cmpstr (json_object_get_string_member (o, "pipeline"), ==, "encoding");
    g_assert_nonnull (strstr (json_object_get_string_member (o, "pipeline_reason"), "offline"));
  }
}

static void
test_resolver_disabled_by_setting (void)
{
  const char *env[] = { "EXSTREAMTV_AUTO_RESOLVER_ENABLED=false", NULL };
  g_autoptr (ExsTestServer) other = exs_test_server_start (NULL, NULL, env);
  g_autoptr (ExsTestReply) r = exs_test_server_request (other, "GET", "/api/resolver", NULL, TRUE);
  double seconds = 0;

  expect (r, 200);
  g_assert_false (json_object_get_boolean_member (exs_test_reply_object (r), "enabled"));
  g_assert_cmpint (exs_test_server_stop (other, &seconds), ==, 0);
  g_assert_cmpfloat (seconds, <, 15.0); /* on its own, not killed at 20 s; how fast is bench/'s */ /* SIGTERM with every timer of the layer running */
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  server = exs_test_server_start (NULL, NULL, NULL);
  g_test_add_func ("/resilience/api/metrics-public-and-valid", test_metrics_public_and_valid);
  g_test_add_func ("/resilience/api/performance", test_performance);
  g_test_add_func ("/resilience/api/sessions", test_sessions);
  g_test_add_func ("/resilience/api/pool-resolver-resources", test_pool_resolver_resources);
  g_test_add_func ("/resilience/api/channel-health", test_channel_health);
  g_test_add_func ("/resilience/api/resolver-disabled-by-setting", test_resolver_disabled_by_setting);
  status = g_test_run ();
  exs_test_server_stop (server, NULL);
  exs_test_server_free (server);
  return status;
}
