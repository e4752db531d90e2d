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
