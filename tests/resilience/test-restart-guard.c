/* ExsCircuitBreaker and ExsRestartGuard with an injected clock: exact counts
 * of the seeds' limits (5 failures in 300 s → open 120 s → half-open; 10
 * restarts in 60 s; 30 s cooldown; 5 per stream), in milliseconds of test. */
#include "config.h"

#include "exs-restart-guard.h"

#include <string.h>

static gint64 now_us;

static gint64
test_clock (gpointer data)
{
  return now_us;
}

static void
advance (double seconds)
{
  now_us += (gint64) (seconds * G_USEC_PER_SEC);
}

static void
test_breaker_counts_and_recovers (void)
{
  g_autoptr (ExsCircuitBreaker) b = exs_circuit_breaker_new ("5", 5, 300, 120);

  now_us = (gint64) 1000 * G_USEC_PER_SEC;
  exs_circuit_breaker_set_clock (b, test_clock, NULL);

  /* 4 failures, then the first falls out of the 300 s window. */
  for (int i = 0; i < 4; i++)
    {
      exs_circuit_breaker_record_failure (b);
      advance (10);
    }
  g_assert_cmpint (exs_circuit_breaker_get_state (b), ==, EXS_CIRCUIT_CLOSED);
  g_assert_cmpuint (exs_circuit_breaker_get_failure_count (b), ==, 4);
  advance (300 - 40 + 1); /* the first failure is now 301 s old */
  g_assert_cmpuint (exs_circuit_breaker_get_failure_count (b), ==, 3);
  exs_circuit_breaker_record_failure (b);
  g_assert_cmpint (exs_circuit_breaker_get_state (b), ==, EXS_CIRCUIT_CLOSED);
  exs_circuit_breaker_record_failure (b); /* 5 within 300 s */
  g_assert_cmpint (exs_circuit_breaker_get_state (b), ==, EXS_CIRCUIT_OPEN);
  g_assert_false (exs_circuit_breaker_allows (b));

  advance (119.999);
  g_assert_cmpint (exs_circuit_breaker_get_state (b), ==, EXS_CIRCUIT_OPEN);
  exs_circuit_breaker_record_success (b); /* a late success does not close an open breaker */
  g_assert_cmpint (exs_circuit_breaker_get_state (b), ==, EXS_CIRCUIT_OPEN);
  advance (0.001);
  g_assert_cmpint (exs_circuit_breaker_get_state (b), ==, EXS_CIRCUIT_HALF_OPEN);
  g_assert_true (exs_circuit_breaker_allows (b));

  /* Half-open: one failure re-opens it for another 120 s. */
  exs_circuit_breaker_record_failure (b);
  g_assert_cmpint (exs_circuit_breaker_get_state (b), ==, EXS_CIRCUIT_OPEN);
  advance (120);
  g_assert_cmpint (exs_circuit_breaker_get_state (b), ==, EXS_CIRCUIT_HALF_OPEN);
  /* Half-open: a success closes it and forgets the failures. */
  exs_circuit_breaker_record_success (b);
  g_assert_cmpint (exs_circuit_breaker_get_state (b), ==, EXS_CIRCUIT_CLOSED);
  g_assert_cmpuint (exs_circuit_breaker_get_failure_count (b), ==, 0);
}

static guint restarts_emitted;

static void
on_restart_cb (ExsRestartGuard *guard, const char *number, const char *reason, gpointer data)
{
  restarts_emitted++;
}

static ExsRestartGuard *
new_guard (ExsMetrics *metrics)
{
  ExsRestartGuard *g = exs_restart_guard_new (10, 60, 30, 5, 5, 300, 120);

  now_us = (gint64) 5000 * G_USEC_PER_SEC;
  restarts_emitted = 0;
  exs_restart_guard_set_clock (g, test_clock, NULL);
  exs_restart_guard_set_metrics (g, metrics);
  g_signal_connect (g, "restart", G_CALLBACK (on_restart_cb), NULL);
  return g;
}

static void
test_guard_cooldown_and_stream_limit (void)
{
  g_autoptr (ExsMetrics) metrics = exs_metrics_new ();
  g_autoptr (ExsRestartGuard) g = new_guard (metrics);
  g_autofree char *why = NULL;

  g_assert_cmpint (exs_restart_guard_request_restart (g, "7", "stalled", NULL), ==, EXS_RESTART_ALLOWED);
  advance (29.9);
  g_assert_cmpint (exs_restart_guard_request_restart (g, "7", "stalled", &why), ==, EXS_RESTART_REFUSED_COOLDOWN);
  g_assert_nonnull (strstr (why, "cooldown is 30 s"));
  advance (0.1);
  g_assert_cmpint (exs_restart_guard_request_restart (g, "7", "stalled", NULL), ==, EXS_RESTART_ALLOWED);
  for (int i = 0; i < 3; i++)
    {
      advance (30);
      g_assert_cmpint (exs_restart_guard_request_restart (g, "7", "stalled", NULL), ==, EXS_RESTART_ALLOWED);
    }
  g_assert_cmpuint (exs_restart_guard_get_stream_restarts (g, "7"), ==, 5);
  advance (30);
  g_assert_cmpint (exs_restart_guard_request_restart (g, "7", "stalled", NULL), ==, EXS_RESTART_REFUSED_STREAM_LIMIT);
  /* A new run of the channel starts counting again. */
  exs_restart_guard_stream_started (g, "7");
  g_assert_cmpint (exs_restart_guard_request_restart (g, "7", "stalled", NULL), ==, EXS_RESTART_ALLOWED);
  g_assert_cmpuint (restarts_emitted, ==, 6);
  g_assert_cmpfloat (exs_metrics_get_value (metrics, "exstreamtv_channel_restarts_total", "channel", "7"), ==, 6);
  g_assert_cmpfloat (exs_metrics_get_value (metrics, "exstreamtv_channel_restarts_refused_total", "reason", "cooldown"),
                     ==, 1);
  g_assert_cmpfloat (
      exs_metrics_get_value (metrics, "exstreamtv_channel_restarts_refused_total", "reason", "stream_limit"), ==, 1);
}

static void
test_guard_storm (void)
{
  g_autoptr (ExsRestartGuard) g = new_guard (NULL);
  g_autofree char *why = NULL;

  /* 10 different channels in 9 s are allowed; the 11th is a storm. */
  for (int i = 0; i < 10; i++)
    {
      g_autofree char *n = g_strdup_printf ("%d", 100 + i);
      g_assert_cmpint (exs_restart_guard_request_restart (g, n, "source failed", NULL), ==, EXS_RESTART_ALLOWED);
      advance (1);
    }
  g_assert_cmpint (exs_restart_guard_request_restart (g, "200", "source failed", &why), ==, EXS_RESTART_REFUSED_STORM);
  g_assert_nonnull (strstr (why, "10 restarts in the last 60 s"));
  /* The first restart (at 0 s) leaves the 60 s window at 60 s. */
  advance (60 - 10 - 0.000001);
  g_assert_cmpint (exs_restart_guard_request_restart (g, "200", "source failed", NULL), ==, EXS_RESTART_REFUSED_STORM);
  advance (0.000001);
  g_assert_cmpint (exs_restart_guard_request_restart (g, "200", "source failed", NULL), ==, EXS_RESTART_ALLOWED);
  g_assert_cmpuint (restarts_emitted, ==, 11);
}

static void
test_guard_breaker (void)
{
  g_autoptr (ExsMetrics) metrics = exs_metrics_new ();
  g_autoptr (ExsRestartGuard) g = new_guard (metrics);
  g_autofree char *why = NULL;
  g_autoptr (JsonObject) status = NULL;

  for (int i = 0; i < 5; i++)
    {
      exs_restart_guard_record_failure (g, "9", "source failed");
      advance (1);
    }
  g_assert_cmpint (exs_restart_guard_request_restart (g, "9", "source failed", &why), ==,
                   EXS_RESTART_REFUSED_BREAKER_OPEN);
  g_assert_nonnull (strstr (why, "half-opens in 119 s"));
  g_assert_cmpfloat (exs_metrics_get_value (metrics, "exstreamtv_circuit_breaker_state", "channel", "9"), ==, 2);
  status = exs_restart_guard_dup_channel_json (g, "9");
  g_assert_cmpstr (json_object_get_string_member (status, "circuit_breaker"), ==, "open");
  g_assert_false (json_object_get_boolean_member (status, "can_restart"));

  /* the open time is up: /metrics and the API say half-open alike, before
   * anything asked the breaker (issue 15, item 7) */
  advance (119);
  {
    g_autofree char *text = exs_metrics_render_prometheus (metrics);
    g_autoptr (JsonObject) now = exs_restart_guard_dup_channel_json (g, "9");
    g_assert_nonnull (strstr (text, "exstreamtv_circuit_breaker_state{channel=\"9\"} 1\n"));
    g_assert_cmpstr (json_object_get_string_member (now, "circuit_breaker"), ==, "half_open");
  }
  g_assert_cmpint (exs_restart_guard_request_restart (g, "9", "trial", NULL), ==, EXS_RESTART_ALLOWED);
  g_assert_cmpfloat (exs_metrics_get_value (metrics, "exstreamtv_circuit_breaker_state", "channel", "9"), ==, 1);
  exs_restart_guard_record_success (g, "9");
  g_assert_cmpfloat (exs_metrics_get_value (metrics, "exstreamtv_circuit_breaker_state", "channel", "9"), ==, 0);
  g_assert_cmpint (exs_circuit_breaker_get_state (exs_restart_guard_get_breaker (g, "9")), ==, EXS_CIRCUIT_CLOSED);
  /* Other channels were never affected. */
  g_assert_true (exs_restart_guard_can_restart (g, "10", NULL));
}

/* The administrator's view (GET /api/guards) and reset: countdowns in whole
 * seconds, a reset closes an open breaker at once and forgets its failures. */
static void
test_guard_json_and_reset (void)
{
  g_autoptr (ExsMetrics) metrics = exs_metrics_new ();
  g_autoptr (ExsRestartGuard) g = new_guard (metrics);
  g_autoptr (JsonObject) all = NULL;
  g_autoptr (JsonObject) after = NULL;
  JsonArray *channels;
  JsonObject *seven;

  g_assert_cmpint (exs_restart_guard_request_restart (g, "7", "test", NULL), ==, EXS_RESTART_ALLOWED);
  advance (10);
  for (int i = 0; i < 5; i++)
    exs_restart_guard_record_failure (g, "12", "source failed");
  advance (0.5);
  all = exs_restart_guard_dup_json (g);
  g_assert_cmpint (json_object_get_int_member (all, "restarts_in_window"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (all, "max_restarts"), ==, 10);
  channels = json_object_get_array_member (all, "channels");
  g_assert_cmpuint (json_array_get_length (channels), ==, 2);
  /* sorted by number */
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (channels, 0), "number"), ==, "12");
  seven = json_array_get_object_element (channels, 1);
  g_assert_cmpstr (json_object_get_string_member (seven, "number"), ==, "7");
  g_assert_cmpint (json_object_get_int_member (seven, "cooldown_left_seconds"), ==, 20);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (channels, 0), "half_open_in_seconds"), ==,
                   120);

  exs_restart_guard_reset_breaker (g, "12");
  after = exs_restart_guard_dup_channel_json (g, "12");
  g_assert_cmpstr (json_object_get_string_member (after, "circuit_breaker"), ==, "closed");
  g_assert_cmpint (json_object_get_int_member (after, "failures_in_window"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (after, "half_open_in_seconds"), ==, 0);
  g_assert_cmpfloat (exs_metrics_get_value (metrics, "exstreamtv_circuit_breaker_state", "channel", "12"), ==, 0);
  g_assert_true (exs_restart_guard_can_restart (g, "12", NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL);
  g_test_add_func ("/resilience/breaker/counts-and-recovers", test_breaker_counts_and_recovers);
  g_test_add_func ("/resilience/guard/cooldown-and-stream-limit", test_guard_cooldown_and_stream_limit);
  g_test_add_func ("/resilience/guard/storm", test_guard_storm);
  g_test_add_func ("/resilience/guard/breaker", test_guard_breaker);
  g_test_add_func ("/resilience/guard/json-and-reset", test_guard_json_and_reset);
  return g_test_run ();
}
