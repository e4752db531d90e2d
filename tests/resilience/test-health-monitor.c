/* ExsHealthMonitor on real GStreamer pipelines: fps, speed and bit rate of a
 * live pipeline; a stalled output → unhealthy → a restart through the guard
 * that really restarts it → healthy again; a refused restart → failed; QoS
 * drops → degraded. */
#include "config.h"

#include "exs-health-monitor.h"

#include <gst/gst.h>

static GstElement *
make_pipeline (const char *desc)
{
  g_autoptr (GError) error = NULL;
  GstElement *p = gst_parse_launch_full (desc, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &error);

  g_assert_no_error (error);
  return p;
}

static void
run_for (guint ms)
{
  gint64 until = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < until)
    {
      g_main_context_iteration (NULL, FALSE);
      g_usleep (5000);
    }
}

static guint restarts;

static void
on_restart_cb (ExsRestartGuard *guard, const char *number, const char *reason, gpointer pipeline)
{
  restarts++;
  g_assert_true (g_str_has_prefix (reason, "no output for"));
  /* What the engine does: rebuild; here, play the same pipeline again. */
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=, GST_STATE_CHANGE_FAILURE);
}

static void
test_live_pipeline_stall_and_restart (void)
{
  g_autoptr (ExsRestartGuard) guard = exs_restart_guard_new (10, 60, 30, 5, 5, 300, 120);
  g_autoptr (ExsSessionManager) sessions = exs_session_manager_new (50, 300, 0);
  g_autoptr (ExsMetrics) metrics = exs_metrics_new ();
  g_autoptr (ExsHealthMonitor) monitor = exs_health_monitor_new (guard, 0, 1.0);
  GstElement *pipeline = make_pipeline (
      "videotestsrc is-live=true pattern=ball ! video/x-raw,width=64,height=48,framerate=30/1 ! identity name=v "
      "! queue ! fakesink name=out sync=true");
  GstElement *v = gst_bin_get_by_name (GST_BIN (pipeline), "v");
  GstElement *out = gst_bin_get_by_name (GST_BIN (pipeline), "out");
  GstPad *video_pad = gst_element_get_static_pad (v, "src");
  GstPad *output_pad = gst_element_get_static_pad (out, "sink");
  g_autoptr (JsonObject) health = NULL;

  exs_health_monitor_set_session_manager (monitor, sessions);
  exs_health_monitor_set_metrics (monitor, metrics);
  exs_session_manager_open (sessions, "12", "a", NULL);
  g_signal_connect (guard, "restart", G_CALLBACK (on_restart_cb), pipeline);
  exs_health_monitor_watch_pipeline (monitor, "12", pipeline, output_pad);
  exs_health_monitor_watch_video_pad (monitor, "12", video_pad);
  g_assert_cmpint (gst_element_set_state (pipeline, GST_STATE_PLAYING), !=, GST_STATE_CHANGE_FAILURE);

  run_for (300);
  exs_health_monitor_check (monitor); /* starts the measuring interval */
  run_for (1000);
  g_assert_cmpuint (exs_health_monitor_check (monitor), ==, 0);
  health = exs_health_monitor_dup_channel_json (monitor, "12");
  g_assert_cmpstr (json_object_get_string_member (health, "channel_id"), ==, "12");
  g_assert_cmpstr (json_object_get_string_member (health, "status"), ==, "healthy");
  g_assert_cmpfloat (json_object_get_double_member (health, "current_fps"), >, 24);
  g_assert_cmpfloat (json_object_get_double_member (health, "current_fps"), <, 36);
  g_assert_cmpfloat (json_object_get_double_member (health, "current_speed"), >, 0.8);
  g_assert_cmpfloat (json_object_get_double_member (health, "current_speed"), <, 1.2);
  g_assert_cmpfloat (json_object_get_double_member (health, "current_bitrate_kbps"), >, 0);
  g_assert_cmpint (json_object_get_int_member (health, "sessions_active"), ==, 1);
  g_clear_pointer (&health, json_object_unref);

  /* The output stalls (a live source paused produces nothing). */
  gst_element_set_state (pipeline, GST_STATE_PAUSED);
  run_for (1200);
  g_assert_cmpuint (exs_health_monitor_check (monitor), ==, 1);
  g_assert_cmpint (exs_health_monitor_get_status (monitor, "12"), ==, EXS_CHANNEL_UNHEALTHY);
  g_assert_cmpuint (restarts, ==, 1);
  g_assert_cmpfloat (exs_metrics_get_value (metrics, "exstreamtv_channel_restarts_total", "channel", "12"), ==, 0);
  g_assert_cmpfloat (exs_metrics_get_value (metrics, "exstreamtv_channel_health", "channel", "12"), ==, 2);

  /* The restart put it back on its feet. */
  run_for (800);
  g_assert_cmpuint (exs_health_monitor_check (monitor), ==, 0);
  g_assert_cmpint (exs_health_monitor_get_status (monitor, "12"), ==, EXS_CHANNEL_HEALTHY);

  /* Stalls again within the 30 s cooldown: the guard refuses → failed. */
  gst_element_set_state (pipeline, GST_STATE_PAUSED);
  run_for (1200);
  exs_health_monitor_check (monitor);
  g_assert_cmpint (exs_health_monitor_get_status (monitor, "12"), ==, EXS_CHANNEL_FAILED);
  g_assert_cmpuint (restarts, ==, 1);
  health = exs_health_monitor_dup_channel_json (monitor, "12");
  g_assert_nonnull (strstr (json_object_get_string_member (health, "detail"), "cooldown"));

  exs_health_monitor_unwatch (monitor, "12");
  g_assert_null (exs_health_monitor_dup_channel_json (monitor, "12"));
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (video_pad);
  gst_object_unref (output_pad);
  gst_object_unref (v);
  gst_object_unref (out);
  g_assert_cmpint (GST_OBJECT_REFCOUNT_VALUE (pipeline), ==, 1); /* the monitor let go */
  gst_object_unref (pipeline);
}

static void
test_qos_drops_degrade (void)
{
  g_autoptr (ExsHealthMonitor) monitor = exs_health_monitor_new (NULL, 0, 30);
  /* identity sleeps 60 ms per 33 ms frame: the sink sees late frames and drops them. */
  GstElement *pipeline = make_pipeline (
      "videotestsrc is-live=true ! video/x-raw,width=64,height=48,framerate=30/1 ! identity sleep-time=60000 "
      "! fakesink name=out sync=true qos=true max-lateness=5000000");
  GstElement *out = gst_bin_get_by_name (GST_BIN (pipeline), "out");
  GstPad *output_pad = gst_element_get_static_pad (out, "sink");
  g_autoptr (JsonObject) health = NULL;

  exs_health_monitor_watch_pipeline (monitor, "13", pipeline, output_pad);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  run_for (1500);
  exs_health_monitor_check (monitor);
  health = exs_health_monitor_dup_channel_json (monitor, "13");
  g_assert_cmpint (json_object_get_int_member (health, "dropped_frames"), >, 0);
  g_assert_cmpstr (json_object_get_string_member (health, "status"), ==, "degraded");
  exs_health_monitor_unwatch (monitor, "13");
  gst_element_set_state (pipeline, GST_STATE_NULL);
  gst_object_unref (output_pad);
  gst_object_unref (out);
  gst_object_unref (pipeline);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL);
  g_test_add_func ("/resilience/health/live-pipeline-stall-and-restart", test_live_pipeline_stall_and_restart);
  g_test_add_func ("/resilience/health/qos-drops-degrade", test_qos_drops_degrade);
  return g_test_run ();
}
