/* exs-playout-plan.h: the playout builder's core — a schedule and its content,
 * turned into playout items from a cursor, deterministically.
 *
 * Pure computation: no database, no clock, no threads. Given the same schedule,
 * content, time zone, seed and cursor it always produces the same items, which
 * is what the property tests and the anchors rely on.
 */
#pragma once

#include "exs-playout-source.h"
#include "exs-schedule-content.h"

G_BEGIN_DECLS

#define EXS_PLAYOUT_NO_TIME G_MAXINT64

/* Where a playout stands: the anchor kept in the database. */
typedef struct
{
  gint64 time_us;       /* the next item starts here */
  gint64 deadline_us;   /* the next fixed start, or EXS_PLAYOUT_NO_TIME */
  gint64 block_end_us;  /* end of the current duration/block item, or EXS_PLAYOUT_NO_TIME */
  gint64 remaining;     /* items left in the current one/multiple item; -1 unlimited */
  gint64 played;        /* units played in the current item */
  guint index;          /* current schedule item */
  guint phase;          /* 0 enter, 1 play, 2 end */
  guint n_states;
  gint64 *states;       /* per leaf: position, pass, last played (µs, 0 never) */
} ExsPlayoutCursor;

typedef struct _ExsPlayoutPlan ExsPlayoutPlan;

ExsPlayoutPlan *exs_playout_plan_new (const ExsSchedule  *schedule,
                                      ExsMediaCache      *cache,
                                      GTimeZone          *tz,
                                      guint64             seed,
                                      const char         *channel_name,
                                      GError            **error);
void exs_playout_plan_free (ExsPlayoutPlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExsPlayoutPlan, exs_playout_plan_free)

GPtrArray *exs_playout_plan_get_problems (ExsPlayoutPlan *plan);

ExsPlayoutCursor *exs_playout_cursor_new_start (ExsPlayoutPlan *plan,
                                                gint64          start_us);
ExsPlayoutCursor *exs_playout_cursor_new_from_string (ExsPlayoutPlan *plan,
                                                      const char     *text);
ExsPlayoutCursor *exs_playout_cursor_copy (const ExsPlayoutCursor *cursor);
char *exs_playout_cursor_to_string (const ExsPlayoutCursor *cursor);
void exs_playout_cursor_free (ExsPlayoutCursor *cursor);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExsPlayoutCursor, exs_playout_cursor_free)

ExsPlayoutCursor *exs_playout_plan_begin (ExsPlayoutPlan *plan,
                                          gint64          start_us,
                                          GPtrArray      *items,
                                          GPtrArray      *anchors);
void exs_playout_plan_build (ExsPlayoutPlan   *plan,
                             ExsPlayoutCursor *cursor,
                             gint64            until_us,
                             GPtrArray        *items,
                             GPtrArray        *anchors);

gint64 exs_schedule_local_time (GTimeZone *tz,
                                int        year,
                                int        month,
                                int        day,
                                int        seconds_of_day);
gint64 exs_schedule_next_fixed_start (GTimeZone *tz,
                                      int        seconds_of_day,
                                      gint64     after_us,
                                      gboolean   inclusive);
gint64 exs_schedule_next_boundary (GTimeZone *tz,
                                   gint64     at_us,
                                   guint      minutes);

G_END_DECLS
