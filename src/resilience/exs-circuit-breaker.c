/* exs-circuit-breaker.c: ExsCircuitBreaker, one channel's failure memory.
 *
 * The restart guard keeps one per channel and the engine feeds it: every
 * source failure, refused start or stalled output is a failure, a channel
 * that plays again is a success. failure_threshold failures (5) within
 * window_seconds (300) open the breaker: restarts of that channel are refused
 * for open_seconds (120). Then it is half-open: one attempt is let through; a
 * success closes it, a failure opens it again for another open_seconds.
 * States are computed from the clock when asked, so no timers are needed.
 * Emits "state-changed" (main thread, from whoever fed it).
 */
#include "config.h"

#include "exs-circuit-breaker.h"

struct _ExsCircuitBreaker
{
  GObject parent_instance;

  char *channel_number;
  guint failure_threshold;
  gint64 window_us;
  gint64 open_us;
  ExsClock clock;

  GArray *failures; /* gint64 times within the window, oldest first */
  ExsCircuitState state; /* as last stored; OPEN may have timed out to HALF_OPEN */
  gint64 opened_at;
};

enum
{
  SIGNAL_STATE_CHANGED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_TYPE (ExsCircuitBreaker, exs_circuit_breaker, G_TYPE_OBJECT)

static void
exs_circuit_breaker_finalize (GObject *object)
{
  ExsCircuitBreaker *self = EXS_CIRCUIT_BREAKER (object);

  g_free (self->channel_number);
  g_array_unref (self->failures);
  G_OBJECT_CLASS (exs_circuit_breaker_parent_class)->finalize (object);
}

static void
exs_circuit_breaker_class_init (ExsCircuitBreakerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = exs_circuit_breaker_finalize;

  /**
   * ExsCircuitBreaker::state-changed:
   * @old_state: an #ExsCircuitState
   * @new_state: an #ExsCircuitState
   */
  signals[SIGNAL_STATE_CHANGED] = g_signal_new ("state-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                                NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_INT);
}

static void
exs_circuit_breaker_init (ExsCircuitBreaker *self)
{
  self->failures = g_array_new (FALSE, FALSE, sizeof (gint64));
}

/**
 * exs_circuit_breaker_new:
 *
 * Returns: (transfer full): a closed breaker for @channel_number
 */
ExsCircuitBreaker *
exs_circuit_breaker_new (const char *channel_number, guint failure_threshold, guint window_seconds, guint open_seconds)
{
  ExsCircuitBreaker *self = g_object_new (EXS_TYPE_CIRCUIT_BREAKER, NULL);

  self->channel_number = g_strdup (channel_number);
  self->failure_threshold = MAX (failure_threshold, 1);
  self->window_us = (gint64) window_seconds * G_USEC_PER_SEC;
  self->open_us = (gint64) open_seconds * G_USEC_PER_SEC;
  return self;
}

/**
 * exs_circuit_breaker_set_clock:
 * @clock: (nullable): %NULL restores g_get_monotonic_time()
 */
void
exs_circuit_breaker_set_clock (ExsCircuitBreaker *self, ExsClockFunc clock, gpointer clock_data)
{
  g_return_if_fail (EXS_IS_CIRCUIT_BREAKER (self));
  exs_clock_set (&self->clock, clock, clock_data);
}

const char *
exs_circuit_breaker_get_channel_number (ExsCircuitBreaker *self)
{
  return self->channel_number;
}

const char *
exs_circuit_state_to_string (ExsCircuitState state)
{
  switch (state)
    {
    case EXS_CIRCUIT_OPEN:
      return "open";
    case EXS_CIRCUIT_HALF_OPEN:
      return "half_open";
    case EXS_CIRCUIT_CLOSED:
    default:
      return "closed";
    }
}

static void
set_state (ExsCircuitBreaker *self, ExsCircuitState state)
{
  ExsCircuitState old = self->state;

  if (old == state)
    return;
  self->state = state;
  if (state == EXS_CIRCUIT_OPEN)
    g_warning ("channel %s: circuit breaker open — %u failures within %" G_GINT64_FORMAT " s; "
               "restarts refused for %" G_GINT64_FORMAT " s",
               self->channel_number, self->failures->len, self->window_us / G_USEC_PER_SEC,
               self->open_us / G_USEC_PER_SEC);
  else
    g_message ("channel %s: circuit breaker %s", self->channel_number, exs_circuit_state_to_string (state));
  g_signal_emit (self, signals[SIGNAL_STATE_CHANGED], 0, (int) old, (int) state);
}

/* Moves OPEN to HALF_OPEN once open_seconds have passed. */
static void
update (ExsCircuitBreaker *self, gint64 now)
{
  exs_clock_forget_until (self->failures, now - self->window_us);
  if (self->state == EXS_CIRCUIT_OPEN && now - self->opened_at >= self->open_us)
    set_state (self, EXS_CIRCUIT_HALF_OPEN);
}

ExsCircuitState
exs_circuit_breaker_get_state (ExsCircuitBreaker *self)
{
  g_return_val_if_fail (EXS_IS_CIRCUIT_BREAKER (self), EXS_CIRCUIT_CLOSED);
  update (self, exs_clock_now (&self->clock));
  return self->state;
}

/* Whether a restart or start of this channel may be tried now. */
gboolean
exs_circuit_breaker_allows (ExsCircuitBreaker *self)
{
  return exs_circuit_breaker_get_state (self) != EXS_CIRCUIT_OPEN;
}

void
exs_circuit_breaker_record_failure (ExsCircuitBreaker *self)
{
  gint64 now;

  g_return_if_fail (EXS_IS_CIRCUIT_BREAKER (self));

  now = exs_clock_now (&self->clock);
  update (self, now);
  g_array_append_val (self->failures, now);
  if (self->state == EXS_CIRCUIT_HALF_OPEN
      || (self->state == EXS_CIRCUIT_CLOSED && self->failures->len >= self->failure_threshold))
    {
      self->opened_at = now;
      set_state (self, EXS_CIRCUIT_OPEN);
    }
}

void
exs_circuit_breaker_record_success (ExsCircuitBreaker *self)
{
  g_return_if_fail (EXS_IS_CIRCUIT_BREAKER (self));

  update (self, exs_clock_now (&self->clock));
  if (self->state == EXS_CIRCUIT_OPEN)
    return; /* a late success from before it opened changes nothing */
  if (self->state == EXS_CIRCUIT_HALF_OPEN)
    g_array_set_size (self->failures, 0);
  set_state (self, EXS_CIRCUIT_CLOSED);
}

/**
 * exs_circuit_breaker_reset:
 *
 * An administrator's reset: forgets the failures and closes the breaker
 * (POST /api/channels/{number}/breaker/reset).
 */
void
exs_circuit_breaker_reset (ExsCircuitBreaker *self)
{
  g_return_if_fail (EXS_IS_CIRCUIT_BREAKER (self));

  g_array_set_size (self->failures, 0);
  set_state (self, EXS_CIRCUIT_CLOSED);
}

/* Failures counted in the current window. */
guint
exs_circuit_breaker_get_failure_count (ExsCircuitBreaker *self)
{
  update (self, exs_clock_now (&self->clock));
  return self->failures->len;
}

/* Microseconds until an open breaker turns half-open; 0 if not open. */
gint64
exs_circuit_breaker_get_open_remaining_us (ExsCircuitBreaker *self)
{
  gint64 now = exs_clock_now (&self->clock);

  update (self, now);
  return self->state == EXS_CIRCUIT_OPEN ? self->opened_at + self->open_us - now : 0;
}
