/* ExsPipelinePool: the cap, the wait then 503, the token bucket, the memory
 * and FD guards, containment, pressure metrics, and no leaked slots — a real
 * main loop, real /proc, a real HTTP server and client. Waits and the token
 * bucket run on a test clock that the test moves (no sleeps, no wall-clock
 * windows): at each step the test asserts what must and must not be done. */
#include "config.h"

#include "exs-http-server.h"
#include "exs-metrics.h"
#include "exs-pipeline-pool.h"
#include "exs-system-stats.h"

#include <sys/resource.h>

typedef struct
{
  ExsPipelineSlot *slot;
  GError *error;
  gboolean done;
  gint64 done_us; /* on the test clock */
} Result;

static gint64 fake_now_us;

static gint64
test_clock (gpointer data)
{
  return fake_now_us;
}

/* A pool on the test clock, which starts at 1000 s. */
static ExsPipelinePool *
pool_new (guint max, double spawns_per_second, double memory_guard, guint fd_reserve, double slot_wait_seconds)
{
  ExsPipelinePool *pool = exs_pipeline_pool_new (max, spawns_per_second, memory_guard, fd_reserve, 0.8,
                                                 slot_wait_seconds);

  fake_now_us = 1000 * G_USEC_PER_SEC;
  exs_pipeline_pool_set_clock (pool, test_clock, NULL);
  return pool;
}

static void
on_acquired_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Result *r = user_data;

  r->slot = exs_pipeline_pool_acquire_finish (EXS_PIPELINE_POOL (source), res, &r->error);
  r->done = TRUE;
  r->done_us = fake_now_us;
}

static void
result_clear (Result *r)
{
  g_clear_object (&r->slot);
  g_clear_error (&r->error);
  r->done = FALSE;
}

static gboolean
on_give_up_cb (gpointer data)
{
  g_error ("timed out waiting");
  return G_SOURCE_REMOVE;
}

static void
wait_for (gboolean *flag)
{
  guint id = g_timeout_add_seconds (10, on_give_up_cb, NULL);

  while (!*flag)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (id);
}

/* Runs whatever the main loop has ready (task returns go through idles),
 * without blocking. */
static void
settle (void)
{
  for (guint i = 0; i < 20; i++)
    g_main_context_iteration (NULL, FALSE);
}

/* Moves the test clock to @ms after its start and lets the pool look. */
static void
advance_to_ms (ExsPipelinePool *pool, gint64 ms)
{
  fake_now_us = 1000 * G_USEC_PER_SEC + ms * 1000;
  exs_pipeline_pool_poll (pool);
  settle ();
}

static void
acquire (ExsPipelinePool *pool, const char *number, gboolean prewarm, Result *r)
{
  exs_pipeline_pool_acquire_async (pool, number, prewarm, NULL, on_acquired_cb, r);
  wait_for (&r->done);
}

static void
test_full_waits_then_fails (void)
{
  g_autoptr (ExsMetrics) metrics = exs_metrics_new ();
  g_autoptr (ExsPipelinePool) pool = pool_new (2, 1000, 1.0, 0, 0.3);
  Result a = { 0 }, b = { 0 }, c = { 0 }, d = { 0 };
  ExsPipelineSlot *weak_a, *weak_d;

  exs_pipeline_pool_set_metrics (pool, metrics);
  acquire (pool, "1", FALSE, &a);
  g_assert_no_error (a.error);
  g_assert_cmpstr (exs_pipeline_slot_get_channel_number (a.slot), ==, "1");
  g_assert_cmpfloat (exs_metrics_get_value (metrics, "exstreamtv_ffmpeg_pool_pressure_events_total", NULL, NULL), ==, 0);
  acquire (pool, "2", FALSE, &b);
  g_assert_no_error (b.error);
  g_assert_cmpuint (exs_pipeline_pool_get_in_use (pool), ==, 2);
  /* 2 of 2 is above 80 %: one pressure event, under both names. */
  g_assert_cmpfloat (exs_metrics_get_value (metrics, "exstreamtv_ffmpeg_pool_pressure_events_total", NULL, NULL), ==, 1);
  g_assert_cmpfloat (exs_metrics_get_value (metrics, "exstreamtv_pipeline_pool_pressure_events_total", NULL, NULL), ==, 1);

  /* Full: the third waits its 0.3 s, then fails — never hangs. */
  exs_pipeline_pool_acquire_async (pool, "3", FALSE, NULL, on_acquired_cb, &c);
  g_assert_cmpuint (exs_pipeline_pool_get_waiting (pool), ==, 1);
  advance_to_ms (pool, 299);
  g_assert_false (c.done);
  advance_to_ms (pool, 300);
  g_assert_true (c.done);
  g_assert_error (c.error, EXS_PIPELINE_POOL_ERROR, EXS_PIPELINE_POOL_ERROR_FULL);
  g_assert_null (c.slot);
  g_assert_cmpuint (exs_pipeline_pool_get_waiting (pool), ==, 0);
  g_assert_cmpfloat (exs_metrics_get_value (metrics, "exstreamtv_pipeline_starts_refused_total", "reason", "full"), ==, 1);

  /* A release makes room at once. */
  weak_a = a.slot;
  g_object_add_weak_pointer (G_OBJECT (weak_a), (gpointer *) &weak_a);
  exs_pipeline_slot_release (a.slot);
  exs_pipeline_slot_release (a.slot); /* twice is harmless */
  g_assert_cmpuint (exs_pipeline_pool_get_in_use (pool), ==, 1);
  g_clear_object (&a.slot);
  g_assert_null (weak_a);
  acquire (pool, "4", FALSE, &d);
  g_assert_no_error (d.error);

  /* Dropping the last reference releases too; nothing is left behind. */
  weak_d = d.slot;
  g_object_add_weak_pointer (G_OBJECT (weak_d), (gpointer *) &weak_d);
  result_clear (&d);
  g_assert_null (weak_d);
  result_clear (&b);
  result_clear (&c);
  g_assert_cmpuint (exs_pipeline_pool_get_in_use (pool), ==, 0);
  g_assert_cmpuint (exs_pipeline_pool_get_waiting (pool), ==, 0);

  {
    g_autofree char *text = exs_metrics_render_prometheus (metrics);
    g_assert_nonnull (strstr (text, "exstreamtv_ffmpeg_pool_pressure_events_total 2\n"));
    g_assert_nonnull (strstr (text, "exstreamtv_pipeline_pool_in_use 0\n"));
  }
}

static void
test_waiter_gets_released_slot (void)
{
  g_autoptr (ExsPipelinePool) pool = pool_new (1, 1000, 1.0, 0, 5);
  Result a = { 0 }, b = { 0 };

  acquire (pool, "1", FALSE, &a);
  g_assert_no_error (a.error);
  exs_pipeline_pool_acquire_async (pool, "2", FALSE, NULL, on_acquired_cb, &b);
  advance_to_ms (pool, 150);
  g_assert_false (b.done); /* still waiting for a slot */
  exs_pipeline_slot_release (a.slot);
  wait_for (&b.done);
  g_assert_no_error (b.error);
  g_assert_cmpint (b.done_us, ==, fake_now_us); /* at the release, not at the deadline */
  result_clear (&a);
  result_clear (&b);
  g_assert_cmpuint (exs_pipeline_pool_get_in_use (pool), ==, 0);
}

static void
test_token_bucket (void)
{
  /* 5 starts per second, a one-second burst: the first 5 at once, then one
   * every 200 ms, in the order asked; the 11th at 1.2 s. */
  g_autoptr (ExsPipelinePool) pool = pool_new (100, 5, 1.0, 0, 10);
  Result r[11] = { { 0 } };

  for (guint i = 0; i < G_N_ELEMENTS (r); i++)
    {
      g_autofree char *n = g_strdup_printf ("%u", i + 1);
      exs_pipeline_pool_acquire_async (pool, n, FALSE, NULL, on_acquired_cb, &r[i]);
    }
  settle ();
  for (guint i = 0; i < 5; i++)
    {
      g_assert_true (r[i].done);
      g_assert_cmpint (r[i].done_us, ==, 1000 * G_USEC_PER_SEC);
    }
  for (guint i = 5; i < G_N_ELEMENTS (r); i++)
    {
      gint64 due_ms = (i - 4) * 200;

      advance_to_ms (pool, due_ms - 1);
      g_assert_false (r[i].done);
      advance_to_ms (pool, due_ms);
      g_assert_true (r[i].done);
      if (i + 1 < G_N_ELEMENTS (r))
        g_assert_false (r[i + 1].done); /* FIFO, one token each */
    }
  for (guint i = 0; i < G_N_ELEMENTS (r); i++)
    g_assert_no_error (r[i].error);
  for (guint i = 0; i < G_N_ELEMENTS (r); i++)
    result_clear (&r[i]);
}

static void
test_memory_guard (void)
{
  /* Any running system uses more than 1 % of its memory. */
  g_autoptr (ExsPipelinePool) pool = pool_new (10, 100, 0.01, 0, 5);
  Result r = { 0 };

  g_assert_cmpfloat (exs_system_memory_used_fraction (), >, 0.01);
  acquire (pool, "7", FALSE, &r);
  g_assert_error (r.error, EXS_PIPELINE_POOL_ERROR, EXS_PIPELINE_POOL_ERROR_MEMORY);
  g_assert_cmpint (r.done_us, ==, 1000 * G_USEC_PER_SEC); /* refused at once: the clock never moved */
  g_assert_nonnull (strstr (r.error->message, "memory_guard_threshold"));
  result_clear (&r);
}

static void
test_fd_guard (void)
{
  struct rlimit saved, low;
  g_autoptr (ExsPipelinePool) pool = exs_pipeline_pool_new (10, 100, 1.0, 100, 0.8, 5);
  Result r = { 0 };

  g_assert_cmpint (getrlimit (RLIMIT_NOFILE, &saved), ==, 0);
  low = saved;
  low.rlim_cur = exs_system_count_open_fds () + 50; /* less than the reserve of 100 */
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &low), ==, 0);
  g_assert_cmpuint (exs_pipeline_pool_get_capacity (pool), ==, 0);
  acquire (pool, "8", FALSE, &r);
  g_assert_cmpint (setrlimit (RLIMIT_NOFILE, &saved), ==, 0);
  g_assert_error (r.error, EXS_PIPELINE_POOL_ERROR, EXS_PIPELINE_POOL_ERROR_FDS);
  result_clear (&r);

  /* With the limit back, the same pool admits. */
  acquire (pool, "8", FALSE, &r);
  g_assert_no_error (r.error);
  result_clear (&r);
}

static void
test_containment (void)
{
  g_autoptr (ExsPipelinePool) pool = exs_pipeline_pool_new (10, 100, 1.0, 0, 0.8, 5);
  Result r = { 0 };

  exs_pipeline_pool_set_containment (pool, TRUE, "RSS grew by 120 MB in 10 min");
  acquire (pool, "9", FALSE, &r);
  g_assert_error (r.error, EXS_PIPELINE_POOL_ERROR, EXS_PIPELINE_POOL_ERROR_CONTAINMENT);
  g_assert_nonnull (strstr (r.error->message, "RSS grew"));
  result_clear (&r);
  acquire (pool, "9", TRUE, &r); /* prewarm still passes */
  g_assert_no_error (r.error);
  result_clear (&r);
  exs_pipeline_pool_set_containment (pool, FALSE, NULL);
  acquire (pool, "10", FALSE, &r);
  g_assert_no_error (r.error);
  result_clear (&r);
}

static void
test_cancel_and_shutdown (void)
{
  g_autoptr (ExsPipelinePool) pool = exs_pipeline_pool_new (1, 100, 1.0, 0, 0.8, 30);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  Result a = { 0 }, b = { 0 }, c = { 0 };

  acquire (pool, "1", FALSE, &a);
  exs_pipeline_pool_acquire_async (pool, "2", FALSE, cancellable, on_acquired_cb, &b);
  g_cancellable_cancel (cancellable); /* the viewer went away */
  wait_for (&b.done);
  g_assert_error (b.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (exs_pipeline_pool_get_waiting (pool), ==, 0);

  exs_pipeline_pool_acquire_async (pool, "3", FALSE, NULL, on_acquired_cb, &c);
  exs_pipeline_pool_shutdown (pool);
  wait_for (&c.done);
  g_assert_error (c.error, EXS_PIPELINE_POOL_ERROR, EXS_PIPELINE_POOL_ERROR_SHUTTING_DOWN);
  result_clear (&a);
  result_clear (&b);
  result_clear (&c);
}

/* A tune handler as the engine will write it: pause, ask the pool, answer. */
typedef struct
{
  SoupServerMessage *msg;
  gboolean hdhomerun;
} Tune;

static GPtrArray *held_slots;

static void
on_tune_acquired_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Tune *t = user_data;
  g_autoptr (GError) error = NULL;
  ExsPipelineSlot *slot = exs_pipeline_pool_acquire_finish (EXS_PIPELINE_POOL (source), res, &error);

  if (slot == NULL)
    exs_pipeline_pool_reply_unavailable (t->msg, error, t->hdhomerun);
  else
    {
      g_ptr_array_add (held_slots, slot);
      soup_server_message_set_status (t->msg, 200, NULL);
      soup_server_message_set_response (t->msg, "video/MP2T", SOUP_MEMORY_STATIC, "ok", 2);
    }
  soup_server_message_unpause (t->msg);
  g_object_unref (t->msg);
  g_free (t);
}

static void
handle_tune (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer user_data)
{
  Tune *t = g_new0 (Tune, 1);

  t->msg = g_object_ref (msg);
  t->hdhomerun = g_str_has_prefix (g_uri_get_path (soup_server_message_get_uri (msg)), "/auto/");
  soup_server_message_pause (msg);
  exs_pipeline_pool_acquire_async (user_data, g_hash_table_lookup (params, "number"), FALSE, NULL,
                                   on_tune_acquired_cb, t);
}

typedef struct
{
  SoupMessage *msg;
  GBytes *body;
  gboolean done;
} Fetch;

static void
on_fetched_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  Fetch *f = user_data;

  f->body = soup_session_send_and_read_finish (SOUP_SESSION (source), res, NULL);
  f->done = TRUE;
}

static void
fetch_start (SoupSession *session, guint port, const char *path, Fetch *f)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u%s", port, path);

  f->msg = soup_message_new ("GET", url);
  soup_session_send_and_read_async (session, f->msg, G_PRIORITY_DEFAULT, NULL, on_fetched_cb, f);
}

/* A tune to a full pool: it waits in the pool until the test clock passes
 * @deadline_ms, then gets its answer. */
static void
fetch_full (ExsPipelinePool *pool, SoupSession *session, guint port, const char *path, gint64 deadline_ms, Fetch *f)
{
  guint id = g_timeout_add_seconds (10, on_give_up_cb, NULL);

  fetch_start (session, port, path, f);
  while (exs_pipeline_pool_get_waiting (pool) == 0)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (id);
  advance_to_ms (pool, deadline_ms - 1);
  g_assert_cmpuint (exs_pipeline_pool_get_waiting (pool), ==, 1);
  g_assert_false (f->done);
  advance_to_ms (pool, deadline_ms);
  g_assert_cmpuint (exs_pipeline_pool_get_waiting (pool), ==, 0);
  wait_for (&f->done);
}

static void
test_http_503_when_full (void)
{
  g_autoptr (ExsMetrics) metrics = exs_metrics_new ();
  g_autoptr (ExsPipelinePool) pool = pool_new (1, 100, 1.0, 0, 0.4);
  g_autoptr (ExsHttpServer) http = exs_http_server_new ("token", 1024);
  g_autoptr (SoupSession) session = soup_session_new ();
  g_autoptr (GError) error = NULL;
  Fetch first = { 0 }, second = { 0 }, third = { 0 };
  guint port;

  held_slots = g_ptr_array_new_with_free_func (g_object_unref);
  exs_pipeline_pool_set_metrics (pool, metrics);
  exs_http_server_add_route (http, "GET", "/iptv/channel/{number}.ts", 0, handle_tune, pool);
  exs_http_server_add_route (http, "GET", "/auto/v{number}", 0, handle_tune, pool);
  g_assert_true (exs_http_server_listen (http, "127.0.0.1", 0, &error));
  g_assert_no_error (error);
  port = exs_http_server_get_port (http);

  fetch_start (session, port, "/iptv/channel/1.ts", &first);
  wait_for (&first.done);
  g_assert_cmpuint (soup_message_get_status (first.msg), ==, 200);

  fetch_full (pool, session, port, "/auto/v2", 400, &second);
  g_assert_cmpuint (soup_message_get_status (second.msg), ==, 503);
  g_assert_cmpstr (soup_message_headers_get_one (soup_message_get_response_headers (second.msg), "X-HDHomeRun-Error"),
                   ==, "805 All Tuners In Use");
  g_assert_cmpstr (soup_message_headers_get_one (soup_message_get_response_headers (second.msg), "Retry-After"), ==,
                   "10");
  g_assert_nonnull (strstr (g_bytes_get_data (second.body, NULL), "busy"));

  fetch_full (pool, session, port, "/iptv/channel/3.ts", 800, &third);
  g_assert_cmpuint (soup_message_get_status (third.msg), ==, 503);
  g_assert_null (soup_message_headers_get_one (soup_message_get_response_headers (third.msg), "X-HDHomeRun-Error"));

  g_assert_cmpfloat (exs_metrics_get_value (metrics, "exstreamtv_ffmpeg_pool_pressure_events_total", NULL, NULL), ==, 1);
  g_assert_cmpfloat (exs_metrics_get_value (metrics, "exstreamtv_pipeline_starts_refused_total", "reason", "full"), ==, 2);

  /* The channel stops: its slot comes back and nothing is left. */
  g_ptr_array_set_size (held_slots, 0);
  g_assert_cmpuint (exs_pipeline_pool_get_in_use (pool), ==, 0);
  g_assert_cmpuint (exs_pipeline_pool_get_waiting (pool), ==, 0);
  exs_http_server_stop (http);
  g_clear_pointer (&held_slots, g_ptr_array_unref);
  {
    Fetch *fetched[] = { &first, &second, &third };
    for (guint i = 0; i < G_N_ELEMENTS (fetched); i++)
      {
        g_clear_object (&fetched[i]->msg);
        g_clear_pointer (&fetched[i]->body, g_bytes_unref);
      }
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL);
  g_log_set_fatal_mask ("exs-resilience", G_LOG_LEVEL_CRITICAL);
  g_test_add_func ("/resilience/pool/full-waits-then-fails", test_full_waits_then_fails);
  g_test_add_func ("/resilience/pool/waiter-gets-released-slot", test_waiter_gets_released_slot);
  g_test_add_func ("/resilience/pool/token-bucket", test_token_bucket);
  g_test_add_func ("/resilience/pool/memory-guard", test_memory_guard);
  g_test_add_func ("/resilience/pool/fd-guard", test_fd_guard);
  g_test_add_func ("/resilience/pool/containment", test_containment);
  g_test_add_func ("/resilience/pool/cancel-and-shutdown", test_cancel_and_shutdown);
  g_test_add_func ("/resilience/pool/http-503-when-full", test_http_503_when_full);
  return g_test_run ();
}
