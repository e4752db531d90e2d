/* exs-clock.c: the clock every resilience object reads, g_get_monotonic_time()
 * unless a test sets its own (see exs-clock.h). */
#include "config.h"

#include "exs-clock.h"

/**
 * exs_clock_set:
 * @func: (nullable): %NULL restores g_get_monotonic_time()
 */
void
exs_clock_set (ExsClock *clock, ExsClockFunc func, gpointer data)
{
  clock->func = func;
  clock->data = data;
}

gint64
exs_clock_now (const ExsClock *clock)
{
  return clock->func ? clock->func (clock->data) : g_get_monotonic_time ();
}

/**
 * exs_clock_forget_until:
 * @times: (element-type gint64): times on one clock, oldest first
 * @until: the last time to forget
 *
 * Drops the times at or before @until: what a sliding window (failures of
 * a breaker, restarts of a guard) does before it counts.
 *
 * Returns: how many times remain
 */
guint
exs_clock_forget_until (GArray *times, gint64 until)
{
  guint drop = 0;

  while (drop < times->len && g_array_index (times, gint64, drop) <= until)
    drop++;
  g_array_remove_range (times, 0, drop);
  return times->len;
}
