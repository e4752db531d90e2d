/* ExsSessionManager: per-channel limit, states, idle expiry and cleanup with
 * an injected clock, and the seeds' /api/ai/sessions summary. */
#include "config.h"

#include "exs-session-manager.h"

static gint64 now_us;

static gint64
test_clock (gpointer data)
{
  return now_us;
}

static guint expired;

static void
on_expired_cb (ExsSessionManager *m, guint64 id, const char *number, const char *reason, gpointer data)
{
  expired++;
  g_assert_cmpstr (reason, ==, data);
}

static void
test_limit_and_states (void)
{
  g_autoptr (ExsMetrics) metrics = exs_metrics_new ();
  g_autoptr (ExsSessionManager) m = exs_session_manager_new (2, 300, 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) summary = NULL;
  guint64 a, b, c, d;

  now_us = 100 * G_USEC_PER_SEC;
  exs_session_manager_set_clock (m, test_clock, NULL);
  exs_session_manager_set_metrics (m, metrics);
  a = exs_session_manager_open (m, "1", "10.0.0.2", &error);
  g_assert_no_error (error);
  b = exs_session_manager_open (m, "1", "10.0.0.3", &error);
  g_assert_no_error (error);
  c = exs_session_manager_open (m, "1", "10.0.0.4", &error);
  g_assert_cmpuint (c, ==, 0);
  g_assert_error (error, EXS_SESSION_ERROR, EXS_SESSION_ERROR_CHANNEL_FULL);
  g_clear_error (&error);
  d = exs_session_manager_open (m, "2", NULL, &error); /* other channels are not affected */
  g_assert_cmpuint (d, !=, 0);
  g_assert_cmpint (exs_session_manager_get_state (m, a), ==, EXS_SESSION_STATE_CREATED);

  exs_session_manager_add_bytes (m, a, 188 * 7);
  g_assert_cmpint (exs_session_manager_get_state (m, a), ==, EXS_SESSION_STATE_ACTIVE);
  exs_session_manager_record_error (m, a, "write failed");
  g_assert_cmpint (exs_session_manager_get_state (m, a), ==, EXS_SESSION_STATE_ERROR);
  exs_session_manager_add_bytes (m, a, 188); /* recovered */
  g_assert_cmpint (exs_session_manager_get_state (m, a), ==, EXS_SESSION_STATE_ACTIVE);

  now_us += 60 * G_USEC_PER_SEC;
  summary = exs_session_manager_dup_summary_json (m, NULL);
  g_assert_cmpint (json_object_get_int_member (summary, "total_sessions"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (summary, "sessions_by_channel"), "1"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (summary, "sessions_by_channel"), "2"), ==, 1);
  g_assert_cmpfloat (json_object_get_double_member (summary, "average_duration_seconds"), ==, 60);
  g_assert_cmpint (json_object_get_int_member (summary, "total_bytes_sent"), ==, 188 * 8);
  g_assert_cmpfloat (exs_metrics_get_value (metrics, "exstreamtv_viewer_sessions", "channel", "1"), ==, 2);

  /* A viewer leaves: room for the next. */
  exs_session_manager_close (m, b, "viewer left");
  g_assert_cmpuint (exs_session_manager_count_channel (m, "1"), ==, 1);
  c = exs_session_manager_open (m, "1", "10.0.0.4", &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (exs_metrics_get_value (metrics, "exstreamtv_bytes_sent_total", NULL, NULL), ==, 188 * 8);
  g_assert_cmpfloat (exs_metrics_get_value (metrics, "exstreamtv_viewer_sessions_refused_total", NULL, NULL), ==, 1);

  /* Three errors end a session. */
  expired = 0;
  g_signal_connect (m, "session-expired", G_CALLBACK (on_expired_cb), (gpointer) "errors");
  for (int i = 0; i < 3; i++)
    exs_session_manager_record_error (m, d, "write failed");
  g_assert_cmpint (exs_session_manager_get_state (m, d), ==, EXS_SESSION_STATE_DISCONNECTED);
  g_assert_cmpuint (expired, ==, 1);
}

static void
test_idle_cleanup (void)
{
  g_autoptr (ExsSessionManager) m = exs_session_manager_new (50, 300, 0);
  g_autoptr (JsonObject) list = NULL;
  guint64 quiet, busy;

  now_us = 100 * G_USEC_PER_SEC;
  exs_session_manager_set_clock (m, test_clock, NULL);
  expired = 0;
  g_signal_connect (m, "session-expired", G_CALLBACK (on_expired_cb), (gpointer) "idle");
  quiet = exs_session_manager_open (m, "3", "a", NULL);
  busy = exs_session_manager_open (m, "3", "b", NULL);
  exs_session_manager_add_bytes (m, quiet, 1000);

  for (int t = 0; t < 10; t++) /* 10 × 30 s, busy gets bytes each time */
    {
      now_us += 30 * G_USEC_PER_SEC;
      exs_session_manager_add_bytes (m, busy, 1000);
      exs_session_manager_cleanup (m);
      if (t == 0)
        g_assert_cmpint (exs_session_manager_get_state (m, quiet), ==, EXS_SESSION_STATE_IDLE);
      if (t < 9)
        g_assert_cmpuint (expired, ==, 0);
    }
  /* quiet has had no bytes for 300 s: ended, then forgotten on the next cleanup. */
  g_assert_cmpuint (expired, ==, 1);
  g_assert_cmpint (exs_session_manager_get_state (m, quiet), ==, EXS_SESSION_STATE_DISCONNECTED);
  g_assert_cmpint (exs_session_manager_get_state (m, busy), ==, EXS_SESSION_STATE_ACTIVE);
  list = exs_session_manager_dup_sessions_json (m, "3");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (list, "sessions")), ==, 2);
  g_assert_cmpuint (exs_session_manager_cleanup (m), ==, 1);
  g_clear_pointer (&list, json_object_unref);
  list = exs_session_manager_dup_sessions_json (m, NULL);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (list, "sessions")), ==, 1);
  g_assert_cmpint (json_object_get_int_member (list, "total_bytes_sent"), ==, 11000);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/resilience/sessions/limit-and-states", test_limit_and_states);
  g_test_add_func ("/resilience/sessions/idle-cleanup", test_idle_cleanup);
  return g_test_run ();
}
