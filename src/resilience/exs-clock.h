/* exs-clock.h: the injectable clock of the resilience objects */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * ExsClockFunc:
 *
 * Returns a monotonic time in microseconds, like g_get_monotonic_time(),
 * which is what every object uses unless a test sets its own clock to make
 * windows and cooldowns exact and instant. May be called from streaming
 * threads (the health monitor's probes), so a test clock must be atomic.
 */
typedef gint64 (*ExsClockFunc) (gpointer user_data);

/**
 * ExsClock:
 * @func: (nullable): the test's clock; %NULL for g_get_monotonic_time()
 * @data: what @func is called with
 *
 * The clock an object reads, held in the object. All zeros (as in a new
 * GObject instance) is g_get_monotonic_time().
 */
typedef struct
{
  ExsClockFunc func;
  gpointer data;
} ExsClock;

void exs_clock_set (ExsClock     *clock,
                    ExsClockFunc  func,
                    gpointer      data);
gint64 exs_clock_now (const ExsClock *clock);
guint exs_clock_forget_until (GArray *times,
                              gint64  until);

G_END_DECLS
