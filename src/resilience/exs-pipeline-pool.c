/* exs-pipeline-pool.c: ExsPipelinePool, admission control for pipelines.
 *
 * EXStreamTV 2.6's ProcessPoolManager, for GStreamer pipelines. Made by
 * ExsApplication; the channel manager asks it before every channel start
 * (tune or prewarm) and keeps the ExsPipelineSlot it gets while the channel
 * runs. It enforces, in this order, for the request at the head of a FIFO:
 *   - containment (set by the long-run monitor): only prewarm starts pass;
 *   - the memory guard: memory in use (/proc/meminfo) above 85 % → refused;
 *   - the FD guard: open FDs + a pipeline's share + 100 reserve > RLIMIT_NOFILE
 *     → refused;
 *   - the cap: max_pipelines (150), lowered to what the FD limit allows;
 *     when full the request waits up to slot_wait_seconds (10) for a release,
 *     then fails with EXS_PIPELINE_POOL_ERROR_FULL — the caller answers 503
 *     (exs_pipeline_pool_reply_unavailable), never hangs;
 *   - a token bucket of spawns_per_second (5) with a one-second burst.
 * Admitting a start at or above pool_pressure_threshold (80 %) of capacity
 * counts a pressure event (exstreamtv_ffmpeg_pool_pressure_events_total, the
 * seeds' name, and exstreamtv_pipeline_pool_pressure_events_total), logs a
 * warning when pressure begins and emits "pressure". Everything runs on the
 * main loop with timeouts; there are no threads. Every decision (tokens,
 * deadlines) reads the pool's ExsClockFunc; the timeouts only wake the pool
 * up to look again, so a test with its own clock moves it and calls
 * exs_pipeline_pool_poll() instead of sleeping.
 */
#include "config.h"

#include "exs-pipeline-pool.h"

#include "exs-http-json.h"
#include "exs-system-stats.h"

/* A channel pipeline holds a handful of descriptors (wakeup pipes, the clock,
 * sources) plus one socket per viewer; this is the share the FD guard keeps
 * free for it. */
#define FDS_PER_PIPELINE 16

typedef struct
{
  GTask *task;
  char *channel_number;
  gboolean prewarm;
  guint deadline_id;
  gulong cancel_id;
  gint64 queued_us;
  gint64 deadline_us; /* on the pool's clock */
} Waiter;

struct _ExsPipelinePool
{
  GObject parent_instance;

  ExsClock clock;
  guint max_pipelines;
  double spawns_per_second;
  double memory_guard_threshold;
  guint fd_guard_reserve;
  double pressure_threshold;
  double slot_wait_seconds;

  ExsMetrics *metrics; /* nullable */
  GQueue waiters;      /* Waiter, oldest first */
  GHashTable *slots;   /* ExsPipelineSlot (borrowed) → itself */
  guint in_use;
  double tokens;
  gint64 tokens_at_us;
  guint pump_id;
  gboolean in_pressure;
  gboolean containment;
  char *containment_reason;
  gboolean shut_down;
  guint64 pressure_events;
  guint64 admitted;
  guint64 refused;
};

enum
{
  SIGNAL_PRESSURE,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_TYPE (ExsPipelinePool, exs_pipeline_pool, G_TYPE_OBJECT)

G_DEFINE_QUARK (exs-pipeline-pool-error-quark, exs_pipeline_pool_error)

static void pump (ExsPipelinePool *self);
static void collect_metrics (ExsMetrics *metrics, gpointer user_data);

static void
waiter_free (Waiter *w)
{
  g_clear_handle_id (&w->deadline_id, g_source_remove);
  if (w->cancel_id)
    g_cancellable_disconnect (g_task_get_cancellable (w->task), w->cancel_id);
  g_clear_object (&w->task);
  g_free (w->channel_number);
  g_free (w);
}

static void
exs_pipeline_pool_dispose (GObject *object)
{
  ExsPipelinePool *self = EXS_PIPELINE_POOL (object);

  exs_pipeline_pool_shutdown (self);
  if (self->metrics)
    exs_metrics_remove_collector (self->metrics, collect_metrics, self);
  g_clear_object (&self->metrics);
  G_OBJECT_CLASS (exs_pipeline_pool_parent_class)->dispose (object);
}

static void
exs_pipeline_pool_finalize (GObject *object)
{
  ExsPipelinePool *self = EXS_PIPELINE_POOL (object);

  g_hash_table_unref (self->slots);
  g_free (self->containment_reason);
  G_OBJECT_CLASS (exs_pipeline_pool_parent_class)->finalize (object);
}

static void
exs_pipeline_pool_class_init (ExsPipelinePoolClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = exs_pipeline_pool_dispose;
  object_class->finalize = exs_pipeline_pool_finalize;

  /**
   * ExsPipelinePool::pressure:
   * @in_use: pipelines running
   * @capacity: the current cap
   *
   * The pool crossed pool_pressure_threshold (emitted once per episode).
   */
  signals[SIGNAL_PRESSURE] = g_signal_new ("pressure", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                           NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_UINT);
}

static void
exs_pipeline_pool_init (ExsPipelinePool *self)
{
  g_queue_init (&self->waiters);
  self->slots = g_hash_table_new (NULL, NULL);
}

/**
 * exs_pipeline_pool_new:
 *
 * Returns: (transfer full): a pool with these limits ([pipeline_pool])
 */
ExsPipelinePool *
exs_pipeline_pool_new (guint  max_pipelines,
                       double spawns_per_second,
                       double memory_guard_threshold,
                       guint  fd_guard_reserve,
                       double pool_pressure_threshold,
                       double slot_wait_seconds)
{
  ExsPipelinePool *self = g_object_new (EXS_TYPE_PIPELINE_POOL, NULL);

  self->max_pipelines = MAX (max_pipelines, 1);
  self->spawns_per_second = MAX (spawns_per_second, 0.001);
  self->memory_guard_threshold = memory_guard_threshold;
  self->fd_guard_reserve = fd_guard_reserve;
  self->pressure_threshold = pool_pressure_threshold;
  self->slot_wait_seconds = MAX (slot_wait_seconds, 0);
  self->tokens = MAX (1.0, self->spawns_per_second);
  self->tokens_at_us = exs_clock_now (&self->clock);
  return self;
}

/**
 * exs_pipeline_pool_new_from_config:
 *
 * Returns: (transfer full): a pool configured from [pipeline_pool]
 */
ExsPipelinePool *
exs_pipeline_pool_new_from_config (ExsConfig *config)
{
  return exs_pipeline_pool_new ((guint) exs_config_get_int (config, "pipeline_pool", "max_pipelines"),
                                exs_config_get_double (config, "pipeline_pool", "spawns_per_second"),
                                exs_config_get_double (config, "pipeline_pool", "memory_guard_threshold"),
                                (guint) exs_config_get_int (config, "pipeline_pool", "fd_guard_reserve"),
                                exs_config_get_double (config, "pipeline_pool", "pool_pressure_threshold"),
                                exs_config_get_double (config, "pipeline_pool", "slot_wait_seconds"));
}

/**
 * exs_pipeline_pool_set_clock:
 * @clock: (nullable): the clock for tokens and deadlines; %NULL for
 *   g_get_monotonic_time()
 *
 * Set before the first acquire. The token bucket starts full at the new
 * clock's present.
 */
void
exs_pipeline_pool_set_clock (ExsPipelinePool *self, ExsClockFunc clock, gpointer clock_data)
{
  g_return_if_fail (EXS_IS_PIPELINE_POOL (self));

  exs_clock_set (&self->clock, clock, clock_data);
  self->tokens_at_us = exs_clock_now (&self->clock);
}

void
exs_pipeline_pool_set_metrics (ExsPipelinePool *self, ExsMetrics *metrics)
{
  g_return_if_fail (EXS_IS_PIPELINE_POOL (self));

  if (self->metrics)
    exs_metrics_remove_collector (self->metrics, collect_metrics, self);
  g_set_object (&self->metrics, metrics);
  if (metrics == NULL)
    return;
  exs_metrics_declare (metrics, "exstreamtv_ffmpeg_pool_pressure_events_total", EXS_METRIC_COUNTER,
                       "Starts admitted at or above pool_pressure_threshold (EXStreamTV 2.6 name).");
  exs_metrics_declare (metrics, "exstreamtv_pipeline_pool_pressure_events_total", EXS_METRIC_COUNTER,
                       "Starts admitted at or above pool_pressure_threshold of the pipeline pool.");
  exs_metrics_declare (metrics, "exstreamtv_pipeline_pool_in_use", EXS_METRIC_GAUGE, "Channel pipelines running.");
  exs_metrics_declare (metrics, "exstreamtv_pipeline_pool_capacity", EXS_METRIC_GAUGE,
                       "Most pipelines the pool admits now (max_pipelines, lowered by the FD limit).");
  exs_metrics_declare (metrics, "exstreamtv_pipeline_pool_waiting", EXS_METRIC_GAUGE,
                       "Starts waiting for a free slot.");
  exs_metrics_declare (metrics, "exstreamtv_pipeline_pool_pressure", EXS_METRIC_GAUGE,
                       "Fraction of the pool in use (0 to 1).");
  exs_metrics_declare (metrics, "exstreamtv_pipeline_starts_admitted_total", EXS_METRIC_COUNTER,
                       "Channel starts the pool admitted.");
  exs_metrics_declare (metrics, "exstreamtv_pipeline_starts_refused_total", EXS_METRIC_COUNTER,
                       "Channel starts the pool refused, by reason (full, memory, fds, containment).");
  /* unlabelled counters have a sample (0) from the start, so rate() and
   * alerts see them before the first event */
  exs_metrics_counter_add (metrics, "exstreamtv_ffmpeg_pool_pressure_events_total", NULL, NULL, 0);
  exs_metrics_counter_add (metrics, "exstreamtv_pipeline_pool_pressure_events_total", NULL, NULL, 0);
  exs_metrics_counter_add (metrics, "exstreamtv_pipeline_starts_admitted_total", NULL, NULL, 0);
  exs_metrics_add_collector (metrics, collect_metrics, self);
}

/* max_pipelines, lowered to what the descriptors left can carry. */
guint
exs_pipeline_pool_get_capacity (ExsPipelinePool *self)
{
  guint64 limit = exs_system_fd_limit ();
  guint open_fds = exs_system_count_open_fds ();
  guint64 spare = limit > (guint64) open_fds + self->fd_guard_reserve
                      ? limit - open_fds - self->fd_guard_reserve
                      : 0;
  guint64 fd_cap = self->in_use + spare / FDS_PER_PIPELINE;

  return (guint) MIN ((guint64) self->max_pipelines, MAX (fd_cap, (guint64) self->in_use));
}

guint
exs_pipeline_pool_get_in_use (ExsPipelinePool *self)
{
  return self->in_use;
}

guint
exs_pipeline_pool_get_waiting (ExsPipelinePool *self)
{
  return self->waiters.length;
}

static void
collect_metrics (ExsMetrics *metrics, gpointer user_data)
{
  ExsPipelinePool *self = user_data;
  guint cap = exs_pipeline_pool_get_capacity (self);

  exs_metrics_gauge_set (metrics, "exstreamtv_pipeline_pool_in_use", NULL, NULL, self->in_use);
  exs_metrics_gauge_set (metrics, "exstreamtv_pipeline_pool_capacity", NULL, NULL, cap);
  exs_metrics_gauge_set (metrics, "exstreamtv_pipeline_pool_waiting", NULL, NULL, self->waiters.length);
  exs_metrics_gauge_set (metrics, "exstreamtv_pipeline_pool_pressure", NULL, NULL,
                         cap > 0 ? (double) self->in_use / cap : 1.0);
}

static const char *
error_reason (int code)
{
  switch (code)
    {
    case EXS_PIPELINE_POOL_ERROR_FULL:
      return "full";
    case EXS_PIPELINE_POOL_ERROR_MEMORY:
      return "memory";
    case EXS_PIPELINE_POOL_ERROR_FDS:
      return "fds";
    case EXS_PIPELINE_POOL_ERROR_CONTAINMENT:
      return "containment";
    case EXS_PIPELINE_POOL_ERROR_SHUTTING_DOWN:
    default:
      return "shutting_down";
    }
}

/* Takes @w out of the queue and fails its task. */
static void
fail_waiter (ExsPipelinePool *self, Waiter *w, GError *error)
{
  g_queue_remove (&self->waiters, w);
  self->refused++;
  g_message ("channel %s: start refused: %s", w->channel_number, error->message);
  if (self->metrics)
    exs_metrics_counter_inc (self->metrics, "exstreamtv_pipeline_starts_refused_total", "reason",
                             error_reason (error->code));
  g_task_return_error (w->task, error);
  waiter_free (w);
}

static void
on_slot_released (gpointer owner, ExsPipelineSlot *slot)
{
  ExsPipelinePool *self = owner;

  if (!g_hash_table_remove (self->slots, slot))
    return;
  g_assert (self->in_use > 0);
  self->in_use--;
  g_debug ("channel %s: pipeline slot released (%u in use)", exs_pipeline_slot_get_channel_number (slot),
           self->in_use);
  if (self->in_pressure && self->in_use < self->pressure_threshold * exs_pipeline_pool_get_capacity (self))
    {
      self->in_pressure = FALSE;
      g_message ("pipeline pool pressure over: %u in use", self->in_use);
    }
  pump (self);
}

static void
admit (ExsPipelinePool *self, Waiter *w, guint capacity)
{
  ExsPipelineSlot *slot = exs_pipeline_slot_new (G_OBJECT (self), on_slot_released, w->channel_number, w->prewarm);

  g_queue_remove (&self->waiters, w);
  g_hash_table_add (self->slots, slot);
  self->in_use++;
  self->admitted++;
  if (self->metrics)
    exs_metrics_counter_inc (self->metrics, "exstreamtv_pipeline_starts_admitted_total", NULL, NULL);
  if (self->in_use >= self->pressure_threshold * capacity)
    {
      self->pressure_events++;
      if (self->metrics)
        {
          exs_metrics_counter_inc (self->metrics, "exstreamtv_ffmpeg_pool_pressure_events_total", NULL, NULL);
          exs_metrics_counter_inc (self->metrics, "exstreamtv_pipeline_pool_pressure_events_total", NULL, NULL);
        }
      if (!self->in_pressure)
        {
          self->in_pressure = TRUE;
          g_warning ("pipeline pool pressure: %u of %u pipelines in use (threshold %.0f %%)", self->in_use, capacity,
                     self->pressure_threshold * 100);
          g_signal_emit (self, signals[SIGNAL_PRESSURE], 0, self->in_use, capacity);
        }
    }
  g_debug ("channel %s: pipeline slot granted after %.3f s (%u/%u in use)", w->channel_number,
           (exs_clock_now (&self->clock) - w->queued_us) / (double) G_USEC_PER_SEC, self->in_use, capacity);
  g_task_return_pointer (w->task, slot, g_object_unref);
  waiter_free (w);
}

/* The guards that refuse at once rather than wait; NULL if all pass. */
static GError *
check_guards (ExsPipelinePool *self, Waiter *w)
{
  double mem;
  guint open_fds;
  guint64 limit;

  if (self->containment && !w->prewarm)
    return g_error_new (EXS_PIPELINE_POOL_ERROR, EXS_PIPELINE_POOL_ERROR_CONTAINMENT,
                        "the server is in containment mode (%s); new channels are refused until it clears",
                        self->containment_reason ? self->containment_reason : "resource growth");
  mem = exs_system_memory_used_fraction ();
  if (mem > self->memory_guard_threshold)
    return g_error_new (EXS_PIPELINE_POOL_ERROR, EXS_PIPELINE_POOL_ERROR_MEMORY,
                        "memory is %.0f %% used, above the %.0f %% guard (pipeline_pool.memory_guard_threshold)",
                        mem * 100, self->memory_guard_threshold * 100);
  open_fds = exs_system_count_open_fds ();
  limit = exs_system_fd_limit ();
  if ((guint64) open_fds + FDS_PER_PIPELINE + self->fd_guard_reserve > limit)
    return g_error_new (EXS_PIPELINE_POOL_ERROR, EXS_PIPELINE_POOL_ERROR_FDS,
                        "%u of %" G_GUINT64_FORMAT " file descriptors are open; a new channel would eat into the "
                        "reserve of %u (pipeline_pool.fd_guard_reserve)",
                        open_fds, limit, self->fd_guard_reserve);
  return NULL;
}

static gboolean
on_pump_timeout_cb (gpointer user_data)
{
  ExsPipelinePool *self = user_data;

  self->pump_id = 0;
  pump (self);
  return G_SOURCE_REMOVE;
}

static void
refill (ExsPipelinePool *self)
{
  gint64 now = exs_clock_now (&self->clock);
  double burst = MAX (1.0, self->spawns_per_second);

  self->tokens = MIN (burst, self->tokens + (now - self->tokens_at_us) / (double) G_USEC_PER_SEC
                                                * self->spawns_per_second);
  self->tokens_at_us = now;
}

/* Admits waiters from the head while slots and tokens allow. */
static void
pump (ExsPipelinePool *self)
{
  while (self->waiters.length > 0)
    {
      Waiter *w = g_queue_peek_head (&self->waiters);
      GError *error = check_guards (self, w);
      guint capacity;

      if (error)
        {
          fail_waiter (self, w, error);
          continue;
        }
      capacity = exs_pipeline_pool_get_capacity (self);
      if (self->in_use >= capacity)
        return; /* a release will pump again; the deadline bounds the wait */
      refill (self);
      if (self->tokens < 1.0)
        {
          if (self->pump_id == 0)
            {
              guint ms = (guint) ((1.0 - self->tokens) / self->spawns_per_second * 1000.0) + 1;
              self->pump_id = g_timeout_add (ms, on_pump_timeout_cb, self);
            }
          return;
        }
      self->tokens -= 1.0;
      admit (self, w, capacity);
    }
}

static gboolean on_deadline_cb (gpointer user_data);

/* Wakes the pool when @w's deadline should have come on the pool's clock. */
static void
arm_deadline (ExsPipelinePool *self, Waiter *w)
{
  gint64 left_us = w->deadline_us - exs_clock_now (&self->clock);
  guint ms = left_us > 0 ? (guint) MIN ((left_us + 999) / 1000, (gint64) G_MAXUINT) : 0;

  w->deadline_id = g_timeout_add (ms, on_deadline_cb, w);
}

/* Fails @w if its wait is over on the pool's clock; FALSE if not yet. */
static gboolean
expire_waiter (ExsPipelinePool *self, Waiter *w)
{
  if (exs_clock_now (&self->clock) < w->deadline_us)
    return FALSE;
  fail_waiter (self, w,
               g_error_new (EXS_PIPELINE_POOL_ERROR, EXS_PIPELINE_POOL_ERROR_FULL,
                            "all %u channel pipelines are busy and none came free within %g s "
                            "(pipeline_pool.max_pipelines, slot_wait_seconds)",
                            exs_pipeline_pool_get_capacity (self), self->slot_wait_seconds));
  return TRUE;
}

static gboolean
on_deadline_cb (gpointer user_data)
{
  Waiter *w = user_data;
  ExsPipelinePool *self = g_task_get_source_object (w->task);

  w->deadline_id = 0;
  if (!expire_waiter (self, w))
    arm_deadline (self, w); /* another clock than the timeout's: look again later */
  return G_SOURCE_REMOVE;
}

/**
 * exs_pipeline_pool_poll:
 *
 * Looks at the clock now: admits what tokens and slots allow, then fails the
 * waiters whose slot_wait_seconds are over. The pool's own timeouts call
 * this; a test that set its own clock calls it after moving that clock.
 */
void
exs_pipeline_pool_poll (ExsPipelinePool *self)
{
  GList *l;

  g_return_if_fail (EXS_IS_PIPELINE_POOL (self));

  pump (self);
  l = self->waiters.head;
  while (l)
    {
      GList *next = l->next;
      expire_waiter (self, l->data);
      l = next;
    }
}

static gboolean
on_cancelled_idle_cb (gpointer user_data)
{
  GTask *task = user_data;
  ExsPipelinePool *self = g_task_get_source_object (task);

  for (GList *l = self->waiters.head; l; l = l->next)
    {
      Waiter *w = l->data;
      if (w->task == task)
        {
          GError *error = NULL;
          g_cancellable_set_error_if_cancelled (g_task_get_cancellable (task), &error);
          fail_waiter (self, w, error);
          break;
        }
    }
  return G_SOURCE_REMOVE;
}

static void
on_cancelled_cb (GCancellable *cancellable, gpointer user_data)
{
  /* Handled from an idle: the cancellable's lock is held here. */
  g_idle_add_full (G_PRIORITY_DEFAULT, on_cancelled_idle_cb, g_object_ref (user_data), g_object_unref);
}

/**
 * exs_pipeline_pool_acquire_async:
 * @channel_number: the channel that wants to start
 * @prewarm: an always-on start at server start-up (allowed in containment)
 * @cancellable: (nullable): e.g. cancelled when the viewer goes away
 *
 * Asks for a slot. Completes as soon as one is free and a token is available,
 * or fails at once for a guard, or after slot_wait_seconds when full.
 */
void
exs_pipeline_pool_acquire_async (ExsPipelinePool     *self,
                                 const char          *channel_number,
                                 gboolean             prewarm,
                                 GCancellable        *cancellable,
                                 GAsyncReadyCallback  callback,
                                 gpointer             user_data)
{
  Waiter *w;

  g_return_if_fail (EXS_IS_PIPELINE_POOL (self));
  g_return_if_fail (channel_number != NULL);

  w = g_new0 (Waiter, 1);
  w->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (w->task, exs_pipeline_pool_acquire_async);
  w->channel_number = g_strdup (channel_number);
  w->prewarm = prewarm;
  w->queued_us = exs_clock_now (&self->clock);
  w->deadline_us = w->queued_us + (gint64) (self->slot_wait_seconds * G_USEC_PER_SEC);

  if (self->shut_down)
    {
      g_task_return_new_error (w->task, EXS_PIPELINE_POOL_ERROR, EXS_PIPELINE_POOL_ERROR_SHUTTING_DOWN,
                               "the server is shutting down");
      waiter_free (w);
      return;
    }
  if (g_task_return_error_if_cancelled (w->task))
    {
      waiter_free (w);
      return;
    }
  g_queue_push_tail (&self->waiters, w);
  arm_deadline (self, w);
  if (cancellable)
    w->cancel_id = g_cancellable_connect (cancellable, G_CALLBACK (on_cancelled_cb), w->task, NULL);
  pump (self);
}

/**
 * exs_pipeline_pool_acquire_finish:
 *
 * Returns: (transfer full) (nullable): the slot, to keep while the channel
 *   runs; %NULL with @error in %EXS_PIPELINE_POOL_ERROR or G_IO_ERROR_CANCELLED
 */
ExsPipelineSlot *
exs_pipeline_pool_acquire_finish (ExsPipelinePool *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * exs_pipeline_pool_set_containment:
 * @reason: (nullable): shown in refusals
 *
 * In containment only prewarm starts are admitted (set by the long-run
 * monitor when RSS keeps growing).
 */
void
exs_pipeline_pool_set_containment (ExsPipelinePool *self, gboolean containment, const char *reason)
{
  g_return_if_fail (EXS_IS_PIPELINE_POOL (self));

  self->containment = containment;
  g_free (self->containment_reason);
  self->containment_reason = g_strdup (reason);
  if (!containment)
    pump (self);
}

gboolean
exs_pipeline_pool_get_containment (ExsPipelinePool *self)
{
  return self->containment;
}

/* Fails every waiter and refuses new requests; slots still out stay valid. */
void
exs_pipeline_pool_shutdown (ExsPipelinePool *self)
{
  g_return_if_fail (EXS_IS_PIPELINE_POOL (self));

  self->shut_down = TRUE;
  g_clear_handle_id (&self->pump_id, g_source_remove);
  while (self->waiters.length > 0)
    fail_waiter (self, g_queue_peek_head (&self->waiters),
                 g_error_new (EXS_PIPELINE_POOL_ERROR, EXS_PIPELINE_POOL_ERROR_SHUTTING_DOWN,
                              "the server is shutting down"));
}

/**
 * exs_pipeline_pool_dup_status:
 *
 * Returns: (transfer full): the pool's numbers, for /api/pool
 */
JsonObject *
exs_pipeline_pool_dup_status (ExsPipelinePool *self)
{
  JsonObject *o = json_object_new ();
  JsonArray *channels = json_array_new ();
  guint cap = exs_pipeline_pool_get_capacity (self);
  GHashTableIter iter;
  gpointer slot;

  json_object_set_int_member (o, "in_use", self->in_use);
  json_object_set_int_member (o, "capacity", cap);
  json_object_set_int_member (o, "max_pipelines", self->max_pipelines);
  json_object_set_int_member (o, "waiting", self->waiters.length);
  json_object_set_double_member (o, "pressure", cap ? (double) self->in_use / cap : 1.0);
  json_object_set_double_member (o, "pressure_threshold", self->pressure_threshold);
  json_object_set_int_member (o, "pressure_events", (gint64) self->pressure_events);
  json_object_set_int_member (o, "admitted", (gint64) self->admitted);
  json_object_set_int_member (o, "refused", (gint64) self->refused);
  json_object_set_boolean_member (o, "containment", self->containment);
  json_object_set_double_member (o, "memory_used_fraction", exs_system_memory_used_fraction ());
  json_object_set_int_member (o, "open_fds", exs_system_count_open_fds ());
  json_object_set_int_member (o, "fd_limit", (gint64) exs_system_fd_limit ());
  g_hash_table_iter_init (&iter, self->slots);
  while (g_hash_table_iter_next (&iter, &slot, NULL))
    json_array_add_string_element (channels, exs_pipeline_slot_get_channel_number (slot));
  json_object_set_array_member (o, "channels", channels);
  return o;
}

/**
 * exs_pipeline_pool_reply_unavailable:
 * @error: from exs_pipeline_pool_acquire_finish()
 * @hdhomerun_path: the request came in on an HDHomeRun path (/auto/v…)
 *
 * Answers a tune the pool refused: 503 with Retry-After, the JSON error body,
 * and on HDHomeRun paths the header real tuners send when all are busy,
 * which Plex, Jellyfin and Emby understand.
 */
void
exs_pipeline_pool_reply_unavailable (SoupServerMessage *msg, const GError *error, gboolean hdhomerun_path)
{
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);

  soup_message_headers_replace (h, "Retry-After", "10");
  if (hdhomerun_path)
    soup_message_headers_replace (h, "X-HDHomeRun-Error", "805 All Tuners In Use");
  if (error->domain == EXS_PIPELINE_POOL_ERROR)
    exs_http_reply_error (msg, 503, NULL, "%s", error->message);
  else
    exs_http_reply_error (msg, 503, NULL, "the channel could not be started: %s", error->message);
}
