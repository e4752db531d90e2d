/* The long-run monitor (real RSS: containment when this process grows, the
 * pool refusing new non-prewarm starts until it clears) and the auto-resolver
 * (rules, risk, bounds, restarts through the guard, the decision log). */
#include "config.h"

#include "exs-auto-resolver.h"
#include "exs-long-run-monitor.h"
#include "exs-system-stats.h"

#include <malloc.h>
#include <sys/mman.h>
#include <string.h>

typedef struct
{
  ExsPipelineSlot *slot;
  GError *error;
  gboolean done;
} Result;

static void
on_acquired_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Result *r = user_data;

  r->slot = exs_pipeline_pool_acquire_finish (EXS_PIPELINE_POOL (source), res, &r->error);
  r->done = TRUE;
}

static void
acquire (ExsPipelinePool *pool, gboolean prewarm, Result *r)
{
  memset (r, 0, sizeof *r);
  exs_pipeline_pool_acquire_async (pool, "1", prewarm, NULL, on_acquired_cb, r);
  while (!r->done)
    g_main_context_iteration (NULL, TRUE);
}

static void
test_containment_on_rss_growth (void)
{
  g_autoptr (ExsPipelinePool) pool = exs_pipeline_pool_new (10, 100, 1.0, 0, 0.8, 1);
  g_autoptr (ExsMetrics) metrics = exs_metrics_new ();
  g_autoptr (ExsLongRunMonitor) monitor = exs_long_run_monitor_new (0, 3, 48 * 1024 * 1024);
  g_autoptr (JsonObject) status = NULL;
  g_autofree char *text = NULL;
  gsize size = 96 * 1024 * 1024;
  char *leak;
  Result r;

  exs_long_run_monitor_set_pool (monitor, pool);
  exs_long_run_monitor_set_metrics (monitor, metrics);
  /* the first window is start-up and the second must fill before judging */
  for (guint i = 0; i < 5; i++)
    {
      exs_long_run_monitor_sample (monitor);
      g_assert_false (exs_long_run_monitor_get_containment (monitor));
    }

  /* A real 96 MB of growth, touched so it is resident. */
  leak = g_malloc (size);
  memset (leak, 0x5a, size);
  exs_long_run_monitor_sample (monitor);
  g_assert_true (exs_long_run_monitor_get_containment (monitor));
  g_assert_true (exs_pipeline_pool_get_containment (pool));
  acquire (pool, FALSE, &r);
  g_assert_error (r.error, EXS_PIPELINE_POOL_ERROR, EXS_PIPELINE_POOL_ERROR_CONTAINMENT);
  g_clear_error (&r.error);
  acquire (pool, TRUE, &r); /* always-on channels still start */
  g_assert_no_error (r.error);
  g_clear_object (&r.slot);
  text = exs_metrics_render_prometheus (metrics);
  g_assert_nonnull (strstr (text, "exstreamtv_containment_mode 1\n"));
  g_assert_nonnull (strstr (text, "exstreamtv_process_resident_memory_bytes "));
  status = exs_long_run_monitor_dup_json (monitor);
  g_assert_true (json_object_get_boolean_member (status, "containment_mode"));
  g_assert_cmpint (json_object_get_int_member (status, "rss_growth_bytes"), >, 48 * 1024 * 1024);

  /* The memory comes back: the window's newest sample is near its lowest. */
  g_free (leak);
  malloc_trim (0);
  for (int i = 0; i < 20; i++) /* the high samples leave the window */
    exs_long_run_monitor_sample (monitor);
  g_assert_false (exs_long_run_monitor_get_containment (monitor));
  acquire (pool, FALSE, &r);
  g_assert_no_error (r.error);
  g_clear_object (&r.slot);
}

/* With the seeds' window (20 samples) a minute-long swing of the heap is not
 * a leak; growth that stays for the newest fifth of the window (4 samples)
 * is. */
static void
test_containment_needs_sustained_growth (void)
{
  g_autoptr (ExsLongRunMonitor) monitor = exs_long_run_monitor_new (0, 20, 48 * 1024 * 1024);
  gsize size = 96 * 1024 * 1024;
  char *spike, *leak;

  for (guint i = 0; i < 40; i++) /* start-up, then a whole window */
    exs_long_run_monitor_sample (monitor);
  g_assert_false (exs_long_run_monitor_get_containment (monitor));

  /* high for three samples, then back (mapped directly: unmapping returns
   * it at once, whatever allocator the build uses) */
  spike = mmap (NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  g_assert_true (spike != MAP_FAILED);
  memset (spike, 0x5a, size);
  for (guint i = 0; i < 3; i++)
    {
      exs_long_run_monitor_sample (monitor);
      g_assert_false (exs_long_run_monitor_get_containment (monitor));
    }
  munmap (spike, size);
  exs_long_run_monitor_sample (monitor);
  g_assert_false (exs_long_run_monitor_get_containment (monitor));

  /* high and staying: the fourth sample decides */
  leak = g_malloc (size);
  memset (leak, 0x5a, size);
  for (guint i = 0; i < 3; i++)
    {
      exs_long_run_monitor_sample (monitor);
      g_assert_false (exs_long_run_monitor_get_containment (monitor));
    }
  exs_long_run_monitor_sample (monitor);
  g_assert_true (exs_long_run_monitor_get_containment (monitor));
  g_free (leak);
}

/* Memory that was freed but that the C library keeps (small blocks in the
 * middle of its heap stay resident) is given back before anything is
 * judged: it is not a leak, and containment would never clear. */
static void
test_free_heap_is_not_a_leak (void)
{
  g_autoptr (ExsLongRunMonitor) monitor = exs_long_run_monitor_new (0, 3, 48 * 1024 * 1024);
  const guint n = 96 * 256; /* 96 MB of 4 KB blocks */
  g_autofree char **blocks = g_new0 (char *, n);

#if defined(__SANITIZE_ADDRESS__)
  /* AddressSanitizer replaces glibc's allocator (freed blocks wait in its
   * quarantine): there is no glibc heap to give back in this build */
  g_test_skip ("needs glibc's allocator, not AddressSanitizer's");
  return;
#endif
  for (guint i = 0; i < 6; i++)
    exs_long_run_monitor_sample (monitor);
  for (guint i = 0; i < n; i++)
    {
      blocks[i] = g_malloc (4096);
      memset (blocks[i], 0x5a, 4096);
    }
  /* all but the last: it pins the top of the heap, so free() cannot shrink it */
  for (guint i = 0; i + 1 < n; i++)
    g_free (blocks[i]);
  exs_long_run_monitor_sample (monitor);
  g_assert_false (exs_long_run_monitor_get_containment (monitor));
  g_free (blocks[n - 1]);
}

static gint64 now_us;

/* Growth that comes with more running pipelines (a channel start costs its
 * encoder's memory) and growth during start-up are not leaks. */
static void
test_no_containment_for_new_pipelines (void)
{
  g_autoptr (ExsPipelinePool) pool = exs_pipeline_pool_new (10, 100, 1.0, 0, 0.8, 1);
  g_autoptr (ExsLongRunMonitor) monitor = exs_long_run_monitor_new (0, 3, 48 * 1024 * 1024);
  gsize size = 96 * 1024 * 1024;
  char *startup, *channel;
  Result r;

  exs_long_run_monitor_set_pool (monitor, pool);
  exs_long_run_monitor_sample (monitor);
  startup = g_malloc (size);
  memset (startup, 0x5a, size);
  for (guint i = 0; i < 5; i++)
    exs_long_run_monitor_sample (monitor);
  g_assert_false (exs_long_run_monitor_get_containment (monitor));

  acquire (pool, FALSE, &r);
  g_assert_no_error (r.error);
  channel = g_malloc (size);
  memset (channel, 0x5a, size);
  exs_long_run_monitor_sample (monitor);
  g_assert_false (exs_long_run_monitor_get_containment (monitor));
  g_clear_object (&r.slot);
  g_free (channel);
  g_free (startup);
}

static gint64
test_clock (gpointer data)
{
  return now_us;
}

static GPtrArray *actions;

static void
on_action_cb (ExsAutoResolver *resolver, const char *action, const char *number, const char *detail, gpointer data)
{
  g_ptr_array_add (actions, g_strdup_printf ("%s:%s", action, number ? number : "-"));
}

static const char *
last_outcome (ExsAutoResolver *resolver)
{
  static char buf[64];
  g_autoptr (JsonObject) o = exs_auto_resolver_dup_json (resolver);
  JsonArray *d = json_object_get_array_member (o, "decisions");

  g_strlcpy (buf, json_object_get_string_member (json_array_get_object_element (d, 0), "outcome"), sizeof buf);
  return buf;
}

static void
test_resolver_rules (void)
{
  g_autoptr (ExsRestartGuard) guard = exs_restart_guard_new (10, 60, 30, 5, 5, 300, 120);
  g_autoptr (ExsAutoResolver) resolver = exs_auto_resolver_new (guard, TRUE, EXS_RISK_MEDIUM, 3);
  g_autoptr (ExsPipelinePool) pool = exs_pipeline_pool_new (1, 100, 1.0, 0, 0.8, 1);
  g_autoptr (JsonObject) listing = NULL;
  Result r;

  now_us = (gint64) 10000 * G_USEC_PER_SEC;
  actions = g_ptr_array_new_with_free_func (g_free);
  exs_restart_guard_set_clock (guard, test_clock, NULL);
  exs_auto_resolver_set_clock (resolver, test_clock, NULL);
  g_signal_connect (resolver, "action", G_CALLBACK (on_action_cb), NULL);
  exs_auto_resolver_watch_pool (resolver, pool);

  /* Two source failures are not a pattern; the third is. */
  exs_auto_resolver_report (resolver, EXS_RESOLVER_SOURCE_FAILED, "4", "file:///gone.mkv: not found");
  exs_auto_resolver_report (resolver, EXS_RESOLVER_SOURCE_FAILED, "4", "file:///gone.mkv: not found");
  g_assert_cmpuint (exs_auto_resolver_get_n_decisions (resolver), ==, 0);
  exs_auto_resolver_report (resolver, EXS_RESOLVER_SOURCE_FAILED, "4", "file:///gone.mkv: not found");
  g_assert_cmpuint (actions->len, ==, 1);
  g_assert_cmpstr (actions->pdata[0], ==, "skip_item:4");

  exs_auto_resolver_report (resolver, EXS_RESOLVER_ENCODER_FAILED, "4", "nvh264enc: device lost");
  g_assert_cmpstr (actions->pdata[1], ==, "switch_to_software_encoder:4");
  exs_auto_resolver_report (resolver, EXS_RESOLVER_SOURCE_STALLED, "5", "http://host/live: no data for 10 s");
  g_assert_cmpstr (actions->pdata[2], ==, "reconnect_source:5");

  /* Output stalls: a restart through the guard; again within 30 s: refused. */
  exs_auto_resolver_report (resolver, EXS_RESOLVER_OUTPUT_STALLED, "5", "no output for 180 s");
  g_assert_cmpstr (actions->pdata[3], ==, "restart_channel:5");
  g_assert_cmpuint (exs_restart_guard_get_stream_restarts (guard, "5"), ==, 1);
  now_us += 10 * G_USEC_PER_SEC;
  exs_auto_resolver_report (resolver, EXS_RESOLVER_OUTPUT_STALLED, "5", "no output for 180 s");
  g_assert_cmpstr (last_outcome (resolver), ==, "refused_by_guard");
  g_assert_cmpuint (actions->len, ==, 4);

  /* Channel 4 has had 2 actions this hour; the limit is 3. */
  exs_auto_resolver_report (resolver, EXS_RESOLVER_SOURCE_STALLED, "4", "stalled");
  g_assert_cmpstr (last_outcome (resolver), ==, "taken");
  exs_auto_resolver_report (resolver, EXS_RESOLVER_SOURCE_STALLED, "4", "stalled");
  g_assert_cmpstr (last_outcome (resolver), ==, "rate_limited");
  now_us += 3601 * (gint64) G_USEC_PER_SEC;
  exs_auto_resolver_report (resolver, EXS_RESOLVER_SOURCE_STALLED, "4", "stalled");
  g_assert_cmpstr (last_outcome (resolver), ==, "taken");

  /* The pool's pressure signal is a pattern too (server-wide). */
  acquire (pool, FALSE, &r);
  g_assert_no_error (r.error);
  g_assert_cmpstr (actions->pdata[actions->len - 1], ==, "refuse_new_prewarm:-");
  g_clear_object (&r.slot);

  listing = exs_auto_resolver_dup_json (resolver);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (listing, "rules")), ==, 5);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (listing, "decisions")), ==, 9);
  g_clear_pointer (&actions, g_ptr_array_unref);
}

static void
test_resolver_risk_and_disabled (void)
{
  g_autoptr (ExsAutoResolver) low = exs_auto_resolver_new (NULL, TRUE, EXS_RISK_LOW, 10);
  g_autoptr (ExsAutoResolver) off = exs_auto_resolver_new (NULL, FALSE, EXS_RISK_HIGH, 10);

  actions = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (low, "action", G_CALLBACK (on_action_cb), NULL);
  g_signal_connect (off, "action", G_CALLBACK (on_action_cb), NULL);
  exs_auto_resolver_report (low, EXS_RESOLVER_ENCODER_FAILED, "8", "vah264enc failed");
  g_assert_cmpstr (last_outcome (low), ==, "needs_approval");
  exs_auto_resolver_report (off, EXS_RESOLVER_SOURCE_STALLED, "8", "stalled");
  g_assert_cmpstr (last_outcome (off), ==, "disabled");
  g_assert_cmpuint (actions->len, ==, 0);
  g_clear_pointer (&actions, g_ptr_array_unref);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL);
  g_test_add_func ("/resilience/long-run/containment-on-rss-growth", test_containment_on_rss_growth);
  g_test_add_func ("/resilience/long-run/containment-needs-sustained-growth", test_containment_needs_sustained_growth);
  g_test_add_func ("/resilience/long-run/free-heap-is-not-a-leak", test_free_heap_is_not_a_leak);
  g_test_add_func ("/resilience/long-run/start-up-and-new-pipelines-are-not-leaks",
                   test_no_containment_for_new_pipelines);
  g_test_add_func ("/resilience/resolver/rules", test_resolver_rules);
  g_test_add_func ("/resilience/resolver/risk-and-disabled", test_resolver_risk_and_disabled);
  return g_test_run ();
}
