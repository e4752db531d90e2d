/* exs-restart-guard.c: ExsRestartGuard, the restart policy of the server.
 *
 * EXStreamTV 2.6 learnt that unbounded restarts turn one bad source into a
 * storm that takes every channel down. So every restart — asked for by the
 * health monitor, the auto-resolver, the engine's watchdog or a person — goes
 * through exs_restart_guard_request_restart() (the seeds'
 * request_channel_restart and _can_trigger_restart), which refuses it when:
 *   1. the channel's circuit breaker is open (5 failures in 300 s → 120 s),
 *   2. the channel restarted less than cooldown_seconds (30) ago,
 *   3. max_restarts (10) restarts happened in the last window_seconds (60),
 *   4. this run of the channel has already restarted max_restarts_per_stream (5)
 *      times (reset by exs_restart_guard_stream_started()).
 * An allowed restart is counted and announced with the "restart" signal, which
 * the channel manager connects to and performs. Created by ExsApplication; the
 * engine feeds it failures and successes. Main thread only.
 */
#include "config.h"

#include "exs-restart-guard.h"

#include <stdlib.h>

typedef struct
{
  ExsCircuitBreaker *breaker;
  gint64 last_restart; /* G_MININT64 before the first */
  guint stream_restarts;
  guint64 total_restarts;
} ChannelRecord;

struct _ExsRestartGuard
{
  GObject parent_instance;

  guint max_restarts;
  gint64 window_us;
  gint64 cooldown_us;
  guint max_per_stream;
  guint breaker_threshold;
  guint breaker_window_s;
  guint breaker_open_s;

  ExsClock clock;
  ExsMetrics *metrics;     /* nullable */
  GArray *recent;          /* gint64 times of allowed restarts, oldest first */
  GHashTable *channels;    /* number → ChannelRecord */
};

enum
{
  SIGNAL_RESTART,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_TYPE (ExsRestartGuard, exs_restart_guard, G_TYPE_OBJECT)

static void
channel_record_free (ChannelRecord *r)
{
  g_signal_handlers_disconnect_matched (r->breaker, G_SIGNAL_MATCH_DATA, 0, 0, NULL, NULL, r);
  g_object_unref (r->breaker);
  g_free (r);
}

static void collect_metrics (ExsMetrics *metrics, gpointer user_data);

static void
exs_restart_guard_dispose (GObject *object)
{
  ExsRestartGuard *self = EXS_RESTART_GUARD (object);

  g_hash_table_remove_all (self->channels);
  if (self->metrics)
    exs_metrics_remove_collector (self->metrics, collect_metrics, self);
  g_clear_object (&self->metrics);
  G_OBJECT_CLASS (exs_restart_guard_parent_class)->dispose (object);
}

static void
exs_restart_guard_finalize (GObject *object)
{
  ExsRestartGuard *self = EXS_RESTART_GUARD (object);

  g_hash_table_unref (self->channels);
  g_array_unref (self->recent);
  G_OBJECT_CLASS (exs_restart_guard_parent_class)->finalize (object);
}

static void
exs_restart_guard_class_init (ExsRestartGuardClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = exs_restart_guard_dispose;
  object_class->finalize = exs_restart_guard_finalize;

  /**
   * ExsRestartGuard::restart:
   * @channel_number: the channel to rebuild
   * @reason: why, for the log
   *
   * A restart was allowed: the channel manager rebuilds the channel.
   */
  signals[SIGNAL_RESTART] = g_signal_new ("restart", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                          NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
exs_restart_guard_init (ExsRestartGuard *self)
{
  self->recent = g_array_new (FALSE, FALSE, sizeof (gint64));
  self->channels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) channel_record_free);
}

/**
 * exs_restart_guard_new:
 *
 * Returns: (transfer full): a guard with these limits (see the config's
 *   [restart_guard] and [circuit_breaker] sections)
 */
ExsRestartGuard *
exs_restart_guard_new (guint max_restarts,
                       guint window_seconds,
                       guint cooldown_seconds,
                       guint max_restarts_per_stream,
                       guint breaker_failure_threshold,
                       guint breaker_window_seconds,
                       guint breaker_open_seconds)
{
  ExsRestartGuard *self = g_object_new (EXS_TYPE_RESTART_GUARD, NULL);

  self->max_restarts = MAX (max_restarts, 1);
  self->window_us = (gint64) window_seconds * G_USEC_PER_SEC;
  self->cooldown_us = (gint64) cooldown_seconds * G_USEC_PER_SEC;
  self->max_per_stream = MAX (max_restarts_per_stream, 1);
  self->breaker_threshold = breaker_failure_threshold;
  self->breaker_window_s = breaker_window_seconds;
  self->breaker_open_s = breaker_open_seconds;
  return self;
}

/**
 * exs_restart_guard_new_from_config:
 *
 * Returns: (transfer full): a guard with [restart_guard] and [circuit_breaker]
 */
ExsRestartGuard *
exs_restart_guard_new_from_config (ExsConfig *config)
{
  return exs_restart_guard_new ((guint) exs_config_get_int (config, "restart_guard", "max_restarts"),
                                (guint) exs_config_get_int (config, "restart_guard", "window_seconds"),
                                (guint) exs_config_get_int (config, "restart_guard", "cooldown_seconds"),
                                (guint) exs_config_get_int (config, "restart_guard", "max_restarts_per_stream"),
                                (guint) exs_config_get_int (config, "circuit_breaker", "failure_threshold"),
                                (guint) exs_config_get_int (config, "circuit_breaker", "window_seconds"),
                                (guint) exs_config_get_int (config, "circuit_breaker", "open_seconds"));
}

static void
declare_metrics (ExsMetrics *m)
{
  exs_metrics_declare (m, "exstreamtv_channel_restarts_total", EXS_METRIC_COUNTER,
                       "Channel restarts allowed by the restart guard.");
  exs_metrics_declare (m, "exstreamtv_channel_restarts_refused_total", EXS_METRIC_COUNTER,
                       "Channel restarts refused, by reason (breaker_open, cooldown, storm, stream_limit).");
  exs_metrics_declare (m, "exstreamtv_circuit_breaker_state", EXS_METRIC_GAUGE,
                       "Circuit breaker per channel: 0 closed, 1 half-open, 2 open.");
  exs_metrics_declare (m, "exstreamtv_channel_failures_total", EXS_METRIC_COUNTER,
                       "Channel failures fed to the circuit breakers.");
}

/**
 * exs_restart_guard_set_clock:
 * @clock: (nullable): %NULL restores g_get_monotonic_time(); applies to the
 *   breakers too
 */
void
exs_restart_guard_set_clock (ExsRestartGuard *self, ExsClockFunc clock, gpointer clock_data)
{
  GHashTableIter iter;
  ChannelRecord *r;

  g_return_if_fail (EXS_IS_RESTART_GUARD (self));
  exs_clock_set (&self->clock, clock, clock_data);
  g_hash_table_iter_init (&iter, self->channels);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &r))
    exs_circuit_breaker_set_clock (r->breaker, clock, clock_data);
}

static int
breaker_gauge (ExsCircuitState state)
{
  return state == EXS_CIRCUIT_OPEN ? 2 : state == EXS_CIRCUIT_HALF_OPEN ? 1 : 0;
}

/* Just before /metrics is written: each breaker's state read the way the
 * API reads it (an open breaker whose time is up is half-open), so both
 * say the same. */
static void
collect_metrics (ExsMetrics *metrics, gpointer user_data)
{
  ExsRestartGuard *self = user_data;
  GHashTableIter iter;
  const char *number;
  ChannelRecord *r;

  g_hash_table_iter_init (&iter, self->channels);
  while (g_hash_table_iter_next (&iter, (gpointer *) &number, (gpointer *) &r))
    exs_metrics_gauge_set (metrics, "exstreamtv_circuit_breaker_state", "channel", number,
                           breaker_gauge (exs_circuit_breaker_get_state (r->breaker)));
}

void
exs_restart_guard_set_metrics (ExsRestartGuard *self, ExsMetrics *metrics)
{
  g_return_if_fail (EXS_IS_RESTART_GUARD (self));
  if (self->metrics)
    exs_metrics_remove_collector (self->metrics, collect_metrics, self);
  g_set_object (&self->metrics, metrics);
  if (metrics)
    {
      declare_metrics (metrics);
      exs_metrics_add_collector (metrics, collect_metrics, self);
    }
}

const char *
exs_restart_decision_to_string (ExsRestartDecision decision)
{
  switch (decision)
    {
    case EXS_RESTART_ALLOWED:
      return "allowed";
    case EXS_RESTART_REFUSED_BREAKER_OPEN:
      return "breaker_open";
    case EXS_RESTART_REFUSED_COOLDOWN:
      return "cooldown";
    case EXS_RESTART_REFUSED_STORM:
      return "storm";
    case EXS_RESTART_REFUSED_STREAM_LIMIT:
    default:
      return "stream_limit";
    }
}

static void
on_breaker_state_changed_cb (ExsCircuitBreaker *breaker, int old_state, int new_state, gpointer user_data)
{
  ExsRestartGuard *self = g_object_get_data (G_OBJECT (breaker), "exs-restart-guard");

  if (self && self->metrics)
    exs_metrics_gauge_set (self->metrics, "exstreamtv_circuit_breaker_state", "channel",
                           exs_circuit_breaker_get_channel_number (breaker), breaker_gauge (new_state));
}

static ChannelRecord *
lookup_channel (ExsRestartGuard *self, const char *number)
{
  ChannelRecord *r = g_hash_table_lookup (self->channels, number);

  if (r == NULL)
    {
      r = g_new0 (ChannelRecord, 1);
      r->breaker = exs_circuit_breaker_new (number, self->breaker_threshold, self->breaker_window_s,
                                            self->breaker_open_s);
      exs_circuit_breaker_set_clock (r->breaker, self->clock.func, self->clock.data);
      g_object_set_data (G_OBJECT (r->breaker), "exs-restart-guard", self);
      g_signal_connect (r->breaker, "state-changed", G_CALLBACK (on_breaker_state_changed_cb), r);
      r->last_restart = G_MININT64;
      g_hash_table_insert (self->channels, g_strdup (number), r);
      if (self->metrics)
        exs_metrics_gauge_set (self->metrics, "exstreamtv_circuit_breaker_state", "channel", number, 0);
    }
  return r;
}

/**
 * exs_restart_guard_get_breaker:
 *
 * Returns: (transfer none): the channel's breaker, made on first use
 */
ExsCircuitBreaker *
exs_restart_guard_get_breaker (ExsRestartGuard *self, const char *channel_number)
{
  g_return_val_if_fail (EXS_IS_RESTART_GUARD (self), NULL);
  return lookup_channel (self, channel_number)->breaker;
}

/* The checks of the seeds' _can_trigger_restart, in their order. */
static ExsRestartDecision
decide (ExsRestartGuard *self, ChannelRecord *r, gint64 now, char **why_not)
{
  ExsRestartDecision d = EXS_RESTART_ALLOWED;
  char *why = NULL;

  exs_clock_forget_until (self->recent, now - self->window_us);
  if (!exs_circuit_breaker_allows (r->breaker))
    {
      d = EXS_RESTART_REFUSED_BREAKER_OPEN;
      why = g_strdup_printf ("the circuit breaker is open after %u failures; it half-opens in %" G_GINT64_FORMAT " s",
                             exs_circuit_breaker_get_failure_count (r->breaker),
                             (exs_circuit_breaker_get_open_remaining_us (r->breaker) + G_USEC_PER_SEC - 1)
                                 / G_USEC_PER_SEC);
    }
  else if (r->last_restart != G_MININT64 && now - r->last_restart < self->cooldown_us)
    {
      d = EXS_RESTART_REFUSED_COOLDOWN;
      why = g_strdup_printf ("restarted %" G_GINT64_FORMAT " s ago; the cooldown is %" G_GINT64_FORMAT " s",
                             (now - r->last_restart) / G_USEC_PER_SEC, self->cooldown_us / G_USEC_PER_SEC);
    }
  else if (self->recent->len >= self->max_restarts)
    {
      d = EXS_RESTART_REFUSED_STORM;
      why = g_strdup_printf ("%u restarts in the last %" G_GINT64_FORMAT " s (the limit, all channels together)",
                             self->recent->len, self->window_us / G_USEC_PER_SEC);
    }
  else if (r->stream_restarts >= self->max_per_stream)
    {
      d = EXS_RESTART_REFUSED_STREAM_LIMIT;
      why = g_strdup_printf ("this run of the channel has restarted %u times (the limit)", r->stream_restarts);
    }
  if (why_not)
    *why_not = why;
  else
    g_free (why);
  return d;
}

/**
 * exs_restart_guard_can_restart:
 * @why_not: (out) (optional) (transfer full): why not, for logs and the API
 *
 * Asks without restarting or counting anything.
 */
gboolean
exs_restart_guard_can_restart (ExsRestartGuard *self, const char *channel_number, char **why_not)
{
  g_return_val_if_fail (EXS_IS_RESTART_GUARD (self), FALSE);
  return decide (self, lookup_channel (self, channel_number), exs_clock_now (&self->clock), why_not)
         == EXS_RESTART_ALLOWED;
}

/**
 * exs_restart_guard_request_restart:
 * @reason: why the caller wants it (logged, passed to the "restart" signal)
 * @why_not: (out) (optional) (transfer full): set when refused
 *
 * The one function every restart goes through. When it returns
 * %EXS_RESTART_ALLOWED the restart has been counted and "restart" emitted.
 */
ExsRestartDecision
exs_restart_guard_request_restart (ExsRestartGuard *self,
                                   const char      *channel_number,
                                   const char      *reason,
                                   char           **why_not)
{
  g_autofree char *why = NULL;
  ChannelRecord *r;
  gint64 now;
  ExsRestartDecision d;

  g_return_val_if_fail (EXS_IS_RESTART_GUARD (self), EXS_RESTART_REFUSED_STORM);
  g_return_val_if_fail (channel_number != NULL, EXS_RESTART_REFUSED_STORM);

  r = lookup_channel (self, channel_number);
  now = exs_clock_now (&self->clock);
  d = decide (self, r, now, &why);
  if (d != EXS_RESTART_ALLOWED)
    {
      g_message ("channel %s: restart (%s) refused: %s", channel_number, reason ? reason : "no reason given", why);
      if (self->metrics)
        exs_metrics_counter_inc (self->metrics, "exstreamtv_channel_restarts_refused_total", "reason",
                                 exs_restart_decision_to_string (d));
      if (why_not)
        *why_not = g_steal_pointer (&why);
      return d;
    }

  g_array_append_val (self->recent, now);
  r->last_restart = now;
  r->stream_restarts++;
  r->total_restarts++;
  g_message ("channel %s: restart %u of this run (%s)", channel_number, r->stream_restarts,
             reason ? reason : "no reason given");
  if (self->metrics)
    exs_metrics_counter_inc (self->metrics, "exstreamtv_channel_restarts_total", "channel", channel_number);
  g_signal_emit (self, signals[SIGNAL_RESTART], 0, channel_number, reason ? reason : "");
  return EXS_RESTART_ALLOWED;
}

/**
 * exs_restart_guard_record_failure:
 * @what: (nullable): what failed, for the log
 *
 * Feeds the channel's breaker (source failed, start refused, output stalled).
 */
void
exs_restart_guard_record_failure (ExsRestartGuard *self, const char *channel_number, const char *what)
{
  g_return_if_fail (EXS_IS_RESTART_GUARD (self));
  g_debug ("channel %s: failure (%s)", channel_number, what ? what : "unspecified");
  if (self->metrics)
    exs_metrics_counter_inc (self->metrics, "exstreamtv_channel_failures_total", "channel", channel_number);
  exs_circuit_breaker_record_failure (lookup_channel (self, channel_number)->breaker);
}

void
exs_restart_guard_record_success (ExsRestartGuard *self, const char *channel_number)
{
  g_return_if_fail (EXS_IS_RESTART_GUARD (self));
  exs_circuit_breaker_record_success (lookup_channel (self, channel_number)->breaker);
}

/* A new run of the channel (first viewer, prewarm): its restart count restarts. */
void
exs_restart_guard_stream_started (ExsRestartGuard *self, const char *channel_number)
{
  g_return_if_fail (EXS_IS_RESTART_GUARD (self));
  lookup_channel (self, channel_number)->stream_restarts = 0;
}

guint
exs_restart_guard_get_stream_restarts (ExsRestartGuard *self, const char *channel_number)
{
  g_return_val_if_fail (EXS_IS_RESTART_GUARD (self), 0);
  return lookup_channel (self, channel_number)->stream_restarts;
}

/* whole seconds, rounded up; 0 for anything not in the future */
static gint64
seconds_up (gint64 us)
{
  return us > 0 ? (us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC : 0;
}

static int
compare_numbers (const void *a, const void *b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

/**
 * exs_restart_guard_dup_channel_json:
 *
 * Returns: (transfer full): {"circuit_breaker", "failures_in_window",
 *   "half_open_in_seconds" (0 unless open), "restarts_this_run",
 *   "restarts_total", "cooldown_left_seconds", "can_restart", "why_not"}
 */
JsonObject *
exs_restart_guard_dup_channel_json (ExsRestartGuard *self, const char *channel_number)
{
  ChannelRecord *r = lookup_channel (self, channel_number);
  JsonObject *o = json_object_new ();
  g_autofree char *why = NULL;
  gboolean can = exs_restart_guard_can_restart (self, channel_number, &why);

  json_object_set_string_member (o, "circuit_breaker",
                                 exs_circuit_state_to_string (exs_circuit_breaker_get_state (r->breaker)));
  json_object_set_int_member (o, "failures_in_window", exs_circuit_breaker_get_failure_count (r->breaker));
  json_object_set_int_member (o, "half_open_in_seconds",
                              seconds_up (exs_circuit_breaker_get_open_remaining_us (r->breaker)));
  json_object_set_int_member (o, "restarts_this_run", r->stream_restarts);
  json_object_set_int_member (o, "restarts_total", (gint64) r->total_restarts);
  json_object_set_int_member (o, "cooldown_left_seconds",
                              r->last_restart == G_MININT64
                                  ? 0
                                  : seconds_up (r->last_restart + self->cooldown_us - exs_clock_now (&self->clock)));
  json_object_set_boolean_member (o, "can_restart", can);
  if (why)
    json_object_set_string_member (o, "why_not", why);
  return o;
}

/**
 * exs_restart_guard_dup_json:
 *
 * Returns: (transfer full): the limits, the restarts counted in the window
 *   (all channels together) and, for every channel the guard has seen, its
 *   exs_restart_guard_dup_channel_json() with "number", sorted by number
 */
JsonObject *
exs_restart_guard_dup_json (ExsRestartGuard *self)
{
  JsonObject *o = json_object_new ();
  JsonArray *channels = json_array_new ();
  g_autofree const char **numbers = NULL;
  guint n = 0;

  exs_clock_forget_until (self->recent, exs_clock_now (&self->clock) - self->window_us);
  json_object_set_int_member (o, "max_restarts", self->max_restarts);
  json_object_set_int_member (o, "window_seconds", self->window_us / G_USEC_PER_SEC);
  json_object_set_int_member (o, "restarts_in_window", self->recent->len);
  json_object_set_int_member (o, "cooldown_seconds", self->cooldown_us / G_USEC_PER_SEC);
  json_object_set_int_member (o, "max_restarts_per_stream", self->max_per_stream);
  numbers = (const char **) g_hash_table_get_keys_as_array (self->channels, &n);
  qsort (numbers, n, sizeof *numbers, compare_numbers);
  for (guint i = 0; i < n; i++)
    {
      JsonObject *c = exs_restart_guard_dup_channel_json (self, numbers[i]);

      json_object_set_string_member (c, "number", numbers[i]);
      json_array_add_object_element (channels, c);
    }
  json_object_set_array_member (o, "channels", channels);
  return o;
}

/**
 * exs_restart_guard_reset_breaker:
 *
 * Closes @channel_number's breaker and forgets its failures (an
 * administrator's decision; logged).
 */
void
exs_restart_guard_reset_breaker (ExsRestartGuard *self, const char *channel_number)
{
  g_return_if_fail (EXS_IS_RESTART_GUARD (self));
  g_message ("channel %s: circuit breaker reset by the administrator", channel_number);
  exs_circuit_breaker_reset (lookup_channel (self, channel_number)->breaker);
}
