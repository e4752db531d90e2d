/* ExsMetrics: Prometheus text that promtool accepts, label escaping, and
 * percentiles over a window. */
#include "config.h"

#include "exs-metrics.h"

#include <glib/gstdio.h>
#include <string.h>

static void
test_prometheus_text_passes_promtool (void)
{
  g_autoptr (ExsMetrics) m = exs_metrics_new ();
  g_autofree char *text = NULL;
  g_autofree char *dir = g_dir_make_tmp ("exs-metrics-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "metrics.txt", NULL);
  g_autoptr (GSubprocess) proc = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *promtool_path = g_find_program_in_path ("promtool");
  const char *promtool = promtool_path ? "promtool" : NULL;

  exs_metrics_declare (m, "exstreamtv_streams_started_total", EXS_METRIC_COUNTER, "Channel streams started.");
  exs_metrics_counter_inc (m, "exstreamtv_streams_started_total", "channel", "1984.1");
  exs_metrics_counter_add (m, "exstreamtv_streams_started_total", "channel", "2", 3);
  exs_metrics_counter_inc (m, "exstreamtv_ffmpeg_pool_pressure_events_total", NULL, NULL);
  exs_metrics_gauge_set (m, "exstreamtv_process_resident_memory_bytes", NULL, NULL, 123456789);
  exs_metrics_gauge_set (m, "exstreamtv_weird_label", "channel", "a\"b\\c\nd", 0.25);
  exs_metrics_declare (m, "exstreamtv_declared_only", EXS_METRIC_GAUGE, "Help with a \\ backslash.");
  for (int i = 1; i <= 100; i++)
    exs_metrics_observe (m, "tune", i / 100.0);

  text = exs_metrics_render_prometheus (m);
  g_assert_nonnull (strstr (text, "# TYPE exstreamtv_streams_started_total counter\n"));
  g_assert_nonnull (strstr (text, "exstreamtv_streams_started_total{channel=\"1984.1\"} 1\n"));
  g_assert_nonnull (strstr (text, "exstreamtv_streams_started_total{channel=\"2\"} 3\n"));
  g_assert_nonnull (strstr (text, "exstreamtv_weird_label{channel=\"a\\\"b\\\\c\\nd\"} 0.25\n"));
  g_assert_nonnull (strstr (text, "exstreamtv_operation_duration_seconds{operation=\"tune\",quantile=\"0.95\"} 0.95\n"));
  g_assert_nonnull (strstr (text, "exstreamtv_operation_duration_seconds_count{operation=\"tune\"} 100\n"));
  g_assert_nonnull (strstr (text, "exstreamtv_process_resident_memory_bytes 123456789\n"));

  g_assert_nonnull (promtool); /* Debian package prometheus; see scripts/debian-packages.txt */
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  proc = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE
                               | G_SUBPROCESS_FLAGS_STDIN_PIPE,
                           &error, "sh", "-c", "promtool check metrics < \"$0\"", path, NULL);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (proc, NULL, NULL, &out, NULL, &error));
  g_assert_no_error (error);
  if (g_subprocess_get_exit_status (proc) != 0)
    g_error ("promtool rejected the metrics:\n%s\n---\n%s", out, text);
  g_unlink (path);
  g_rmdir (dir);
}

static void
test_performance_percentiles (void)
{
  g_autoptr (ExsMetrics) m = exs_metrics_new ();
  g_autoptr (JsonObject) all = NULL;
  g_autoptr (JsonObject) one = NULL;
  JsonObject *tune;
  gint64 old_until;

  for (int i = 100; i >= 1; i--)
    exs_metrics_observe (m, "tune", i / 1000.0);
  exs_metrics_observe (m, "guide_build", 2.5);
  all = exs_metrics_dup_performance (m, NULL, 0);
  tune = json_object_get_object_member (json_object_get_object_member (all, "operations"), "tune");
  g_assert_cmpint (json_object_get_int_member (tune, "count"), ==, 100);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (tune, "p50_seconds"), 0.050, 1e-9);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (tune, "p95_seconds"), 0.095, 1e-9);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (tune, "p99_seconds"), 0.099, 1e-9);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (tune, "max_seconds"), 0.100, 1e-9);
  g_assert_true (json_object_has_member (json_object_get_object_member (all, "operations"), "guide_build"));

  /* A window of 1 s, once every sample so far is older than that: only the
   * next sample is in it (unless this thread stalls a whole second). */
  old_until = g_get_monotonic_time ();
  while (g_get_monotonic_time () <= old_until + G_USEC_PER_SEC)
    g_usleep (10 * 1000);
  exs_metrics_observe (m, "tune", 7.0);
  one = exs_metrics_dup_performance (m, "tune", 1.0);
  tune = json_object_get_object_member (json_object_get_object_member (one, "operations"), "tune");
  g_assert_false (json_object_has_member (json_object_get_object_member (one, "operations"), "guide_build"));
  g_assert_cmpint (json_object_get_int_member (tune, "count"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (tune, "total_count"), ==, 101);
  g_assert_cmpfloat (json_object_get_double_member (tune, "p99_seconds"), ==, 7.0);
}

static gpointer
observe_thread (gpointer data)
{
  for (int i = 0; i < 10000; i++)
    exs_metrics_observe (data, "playout_build", 0.001);
  return NULL;
}

static void
test_threads (void)
{
  g_autoptr (ExsMetrics) m = exs_metrics_new ();
  GThread *t[4];
  g_autoptr (JsonObject) perf = NULL;

  for (int i = 0; i < 4; i++)
    t[i] = g_thread_new ("observe", observe_thread, m);
  for (int i = 0; i < 4; i++)
    g_thread_join (t[i]);
  perf = exs_metrics_dup_performance (m, "playout_build", 0);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (json_object_get_object_member (perf, "operations"), "playout_build"), "total_count"), ==, 40000);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/metrics/prometheus-text-passes-promtool", test_prometheus_text_passes_promtool);
  g_test_add_func ("/metrics/performance-percentiles", test_performance_percentiles);
  g_test_add_func ("/metrics/threads", test_threads);
  return g_test_run ();
}
