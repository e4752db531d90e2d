/* exs-playout-plan.c: the playout builder's core.
 *
 * ExsPlayoutBuilder loads a schedule's content into an ExsPlayoutPlan and asks
 * it for items from a cursor up to a horizon. The plan is a small state
 * machine over the schedule's items (enter → play → end); each step is one
 * commit: its items are emitted together and the last one carries the cursor
 * after it (the anchor), so a rebuild or a restart continues from any commit.
 *
 * All arithmetic is in integer microseconds; times of day are resolved in the
 * configured time zone with GTimeZone (rules for the DST days are in
 * docs/design/scheduling.md). Every item's stop is the next item's start by
 * construction: time only advances by emitting an item that covers it.
 *
 * Just over 1,000 lines: one state machine whose steps share the cursor and
 * the fill/pad rules; split, each file would need the whole of it.
 */
#include "config.h"

#include "exs-playout-plan.h"

#include <string.h>

#define US G_GINT64_CONSTANT (1000000)
#define NONE EXS_PLAYOUT_NO_TIME
#define FIT_SCAN_LIMIT 256

enum
{
  PHASE_ENTER,
  PHASE_PLAY,
  PHASE_END,
};

struct _ExsPlayoutPlan
{
  const ExsSchedule *schedule;
  GTimeZone *tz;
  guint64 seed;
  char *channel_name;
  ExsLeafContent ***item_leaves;   /* [item][member] */
  guint *item_base;                /* first state slot of each item */
  ExsLeafContent ***filler_leaves; /* [preset][member] */
  guint *filler_base;
  guint n_states;
  gboolean has_fixed;
  GPtrArray *problems;
};

/* ---- time of day, in the configured zone ---- */

static gint64
days_from_epoch (GDate *d)
{
  static const guint32 epoch_julian = 719163; /* g_date_get_julian (1970-01-01) */

  return (gint64) g_date_get_julian (d) - epoch_julian;
}

/**
 * exs_schedule_local_time:
 *
 * The instant (UTC µs) a local wall-clock time happens on a date. A time the
 * clocks skip (spring forward) is moved to the end of the gap; a time that
 * happens twice (fall back) is its first occurrence.
 */
gint64
exs_schedule_local_time (GTimeZone *tz, int year, int month, int day, int seconds_of_day)
{
  g_autoptr (GDate) d = g_date_new_dmy ((GDateDay) day, (GDateMonth) month, (GDateYear) year);
  gint64 local = days_from_epoch (d) * 86400 + seconds_of_day;
  gint64 adjusted = local;
  int interval = g_time_zone_adjust_time (tz, G_TIME_TYPE_DAYLIGHT, &adjusted);

  return (adjusted - g_time_zone_get_offset (tz, interval)) * US;
}

static void
local_date (GTimeZone *tz, gint64 at_us, GDate *out)
{
  gint64 s = at_us >= 0 ? at_us / US : -((-at_us + US - 1) / US);
  int interval = g_time_zone_find_interval (tz, G_TIME_TYPE_UNIVERSAL, s);
  gint64 local = s + g_time_zone_get_offset (tz, interval);
  gint64 days = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);

  g_date_clear (out, 1);
  g_date_set_dmy (out, 1, 1, 1970);
  if (days >= 0)
    g_date_add_days (out, (guint) days);
  else
    g_date_subtract_days (out, (guint) -days);
}

/**
 * exs_schedule_next_fixed_start:
 *
 * Returns: the first instant at or after (@inclusive) or strictly after
 *   @after_us whose local time is @seconds_of_day; one per local date
 */
gint64
exs_schedule_next_fixed_start (GTimeZone *tz, int seconds_of_day, gint64 after_us, gboolean inclusive)
{
  GDate d;

  local_date (tz, after_us, &d);
  g_date_subtract_days (&d, 1);
  for (int i = 0; i < 4; i++, g_date_add_days (&d, 1))
    {
      gint64 t = exs_schedule_local_time (tz, g_date_get_year (&d), g_date_get_month (&d), g_date_get_day (&d),
                                          seconds_of_day);
      if (inclusive ? t >= after_us : t > after_us)
        return t;
    }
  g_assert_not_reached ();
}

/**
 * exs_schedule_next_boundary:
 *
 * Returns: the first local :00/:30/… boundary (every @minutes) at or after @at_us
 */
static gint64
offset_at (GTimeZone *tz, gint64 at_us)
{
  gint64 s = at_us >= 0 ? at_us / US : -((-at_us + US - 1) / US);

  return g_time_zone_get_offset (tz, g_time_zone_find_interval (tz, G_TIME_TYPE_UNIVERSAL, s)) * US;
}

gint64
exs_schedule_next_boundary (GTimeZone *tz, gint64 at_us, guint minutes)
{
  gint64 period = (gint64) minutes * 60 * US;
  gint64 off = offset_at (tz, at_us);
  gint64 local = at_us + off;
  gint64 b = local - (((local % period) + period) % period) + (local % period == 0 ? 0 : period) - off;
  gint64 lo = at_us, hi = b;

  if (offset_at (tz, b) == off)
    return b;
  /* the clocks change before that boundary: find the change (to the second)
   * and take the first boundary of the new local time from there */
  while (hi - lo > US)
    {
      gint64 mid = lo + (hi - lo) / 2;
      if (offset_at (tz, mid) == off)
        lo = mid;
      else
        hi = mid;
    }
  hi -= hi % US;
  return exs_schedule_next_boundary (tz, hi, minutes);
}

/* ---- cursor ---- */

static ExsPlayoutCursor *
cursor_new (ExsPlayoutPlan *plan, gint64 start_us)
{
  ExsPlayoutCursor *c = g_new0 (ExsPlayoutCursor, 1);

  c->time_us = start_us;
  c->deadline_us = NONE;
  c->block_end_us = NONE;
  c->remaining = -1;
  c->phase = PHASE_ENTER;
  c->n_states = plan->n_states;
  c->states = g_new0 (gint64, MAX (c->n_states, 1));
  return c;
}

ExsPlayoutCursor *
exs_playout_cursor_new_start (ExsPlayoutPlan *plan, gint64 start_us)
{
  return cursor_new (plan, start_us);
}

ExsPlayoutCursor *
exs_playout_cursor_copy (const ExsPlayoutCursor *c)
{
  ExsPlayoutCursor *n = g_new (ExsPlayoutCursor, 1);

  *n = *c;
  n->states = g_memdup2 (c->states, sizeof (gint64) * MAX (c->n_states, 1));
  return n;
}

static void
cursor_assign (ExsPlayoutCursor *to, const ExsPlayoutCursor *from)
{
  g_assert (to->n_states == from->n_states);
  memcpy (to->states, from->states, sizeof (gint64) * to->n_states);
  {
    gint64 *keep = to->states;
    *to = *from;
    to->states = keep;
  }
}

void
exs_playout_cursor_free (ExsPlayoutCursor *c)
{
  if (c == NULL)
    return;
  g_free (c->states);
  g_free (c);
}

/**
 * exs_playout_cursor_to_string:
 *
 * Returns: (transfer full): the cursor as text ("1 time deadline …")
 */
char *
exs_playout_cursor_to_string (const ExsPlayoutCursor *c)
{
  GString *s = g_string_sized_new (64 + c->n_states * 8);

  g_string_append_printf (s, "1 %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT " %" G_GINT64_FORMAT
                             " %" G_GINT64_FORMAT " %u %u %u",
                          c->time_us, c->deadline_us, c->block_end_us, c->remaining, c->played, c->index, c->phase,
                          c->n_states);
  for (guint i = 0; i < c->n_states; i++)
    g_string_append_printf (s, " %" G_GINT64_FORMAT, c->states[i]);
  return g_string_free (s, FALSE);
}

/**
 * exs_playout_cursor_new_from_string:
 *
 * Reads an anchor. When the schedule changed shape since (another number of
 * items or members), the time is kept and the orders start over.
 *
 * Returns: (transfer full) (nullable): the cursor, or %NULL if @text is not one
 */
ExsPlayoutCursor *
exs_playout_cursor_new_from_string (ExsPlayoutPlan *plan, const char *text)
{
  g_auto (GStrv) parts = text ? g_strsplit (text, " ", -1) : NULL;
  guint n = parts ? g_strv_length (parts) : 0;
  g_autoptr (ExsPlayoutCursor) c = NULL;
  gint64 v[8];
  guint n_items = plan->schedule->items->len;

  if (n < 9 || !g_str_equal (parts[0], "1"))
    return NULL;
  for (guint i = 0; i < 8; i++)
    if (!g_ascii_string_to_signed (parts[i + 1], 10, G_MININT64, G_MAXINT64, &v[i], NULL))
      return NULL;
  c = cursor_new (plan, v[0]);
  if (v[7] == plan->n_states && n == 9 + (guint) v[7] && v[5] >= 0 && v[5] < MAX (n_items, 1) && v[6] >= 0
      && v[6] <= PHASE_END)
    {
      c->deadline_us = v[1];
      c->block_end_us = v[2];
      c->remaining = v[3];
      c->played = v[4];
      c->index = (guint) v[5];
      c->phase = (guint) v[6];
      for (guint i = 0; i < c->n_states; i++)
        if (!g_ascii_string_to_signed (parts[9 + i], 10, G_MININT64, G_MAXINT64, &c->states[i], NULL))
          return NULL;
    }
  else
    g_ptr_array_add (plan->problems, g_strdup ("the schedule changed shape since the last build: "
                                               "its items start over from the first, at the same time"));
  return g_steal_pointer (&c);
}

/* ---- the plan ---- */

static void
leaves_free (ExsLeafContent **leaves, guint n)
{
  for (guint i = 0; i < n; i++)
    exs_leaf_content_free (leaves[i]);
  g_free (leaves);
}

void
exs_playout_plan_free (ExsPlayoutPlan *plan)
{
  if (plan == NULL)
    return;
  for (guint i = 0; i < plan->schedule->items->len; i++)
    leaves_free (plan->item_leaves[i], ((ExsScheduleItem *) plan->schedule->items->pdata[i])->n_contents);
  for (guint i = 0; i < plan->schedule->fillers->len; i++)
    leaves_free (plan->filler_leaves[i], ((ExsFillerPreset *) plan->schedule->fillers->pdata[i])->n_members);
  g_free (plan->item_leaves);
  g_free (plan->filler_leaves);
  g_free (plan->item_base);
  g_free (plan->filler_base);
  g_free (plan->channel_name);
  g_time_zone_unref (plan->tz);
  g_ptr_array_unref (plan->problems);
  g_free (plan);
}

GPtrArray *
exs_playout_plan_get_problems (ExsPlayoutPlan *plan)
{
  return plan->problems;
}

static void
problem (ExsPlayoutPlan *plan, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
problem (ExsPlayoutPlan *plan, const char *format, ...)
{
  char *msg;
  va_list args;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  for (guint i = 0; i < plan->problems->len; i++)
    if (g_str_equal (plan->problems->pdata[i], msg))
      {
        g_free (msg);
        return;
      }
  g_ptr_array_add (plan->problems, msg);
}

/**
 * exs_playout_plan_new:
 *
 * Loads the content of every item and filler preset of @schedule (borrowed; it
 * must outlive the plan). Content problems are not errors: they are listed in
 * the plan's problems. An error means the database could not be read.
 *
 * Returns: (transfer full) (nullable): the plan
 */
ExsPlayoutPlan *
exs_playout_plan_new (const ExsSchedule *schedule, ExsMediaCache *cache, GTimeZone *tz, guint64 seed,
                      const char *channel_name, GError **error)
{
  g_autoptr (ExsPlayoutPlan) plan = g_new0 (ExsPlayoutPlan, 1);
  guint n_items = schedule->items->len, n_fillers = schedule->fillers->len;

  plan->schedule = schedule;
  plan->tz = g_time_zone_ref (tz);
  plan->seed = seed;
  plan->channel_name = g_strdup (channel_name);
  plan->problems = g_ptr_array_new_with_free_func (g_free);
  plan->item_leaves = g_new0 (ExsLeafContent **, MAX (n_items, 1));
  plan->item_base = g_new0 (guint, MAX (n_items, 1));
  plan->filler_leaves = g_new0 (ExsLeafContent **, MAX (n_fillers, 1));
  plan->filler_base = g_new0 (guint, MAX (n_fillers, 1));
  plan->has_fixed = exs_schedule_has_fixed_starts (schedule);
  g_ptr_array_set_size (cache->problems, 0);

  for (guint i = 0; i < n_items; i++)
    {
      const ExsScheduleItem *it = schedule->items->pdata[i];
      plan->item_base[i] = plan->n_states;
      plan->item_leaves[i] = g_new0 (ExsLeafContent *, it->n_contents);
      for (guint m = 0; m < it->n_contents; m++)
        {
          g_autofree char *where = it->n_contents > 1 ? g_strdup_printf ("items[%u].content[%u]", i, m)
                                                      : g_strdup_printf ("items[%u]", i);
          plan->item_leaves[i][m] = exs_leaf_content_load (cache, &it->contents[m], it->order, schedule->keep_multi_part,
                                                           ((guint64) i << 16) | m, where, error);
          if (plan->item_leaves[i][m] == NULL)
            return NULL;
          plan->n_states += 3;
        }
    }
  for (guint i = 0; i < n_fillers; i++)
    {
      const ExsFillerPreset *f = schedule->fillers->pdata[i];
      plan->filler_base[i] = plan->n_states;
      plan->filler_leaves[i] = g_new0 (ExsLeafContent *, f->n_members);
      for (guint m = 0; m < f->n_members; m++)
        {
          g_autofree char *where = g_strdup_printf ("fillers[%u] (%s).items[%u]", i, f->name, m);
          plan->filler_leaves[i][m] = exs_leaf_content_load (cache, &f->members[m], EXS_ORDER_SHUFFLE,
                                                             schedule->keep_multi_part,
                                                             G_GUINT64_CONSTANT (1) << 40 | ((guint64) i << 16) | m,
                                                             where, error);
          if (plan->filler_leaves[i][m] == NULL)
            return NULL;
          plan->n_states += 3;
        }
    }
  for (guint i = 0; i < cache->problems->len; i++)
    g_ptr_array_add (plan->problems, g_strdup (cache->problems->pdata[i]));
  if (n_items == 0)
    problem (plan, "items: the schedule has no items; the channel is offline");
  for (guint i = 0; i < n_items; i++)
    {
      const ExsScheduleItem *it = schedule->items->pdata[i];
      if (it->mode == EXS_MODE_FLOOD && !plan->has_fixed && i + 1 < n_items)
        problem (plan, "items[%u]: floods forever (no item has a fixed start), so the items after it never play", i);
    }
  return g_steal_pointer (&plan);
}

/* ---- emitting ---- */

typedef struct
{
  ExsPlayoutPlan *plan;
  ExsPlayoutCursor *c;
  GPtrArray *out; /* ExsPlayoutItem* emitted by this step */
} Step;

static char *
basename_of (const char *path_or_uri)
{
  const char *slash;

  if (path_or_uri == NULL || path_or_uri[0] == '\0')
    return NULL;
  slash = strrchr (path_or_uri, '/');
  if (slash && slash[1] == '\0')
    return NULL;
  return g_uri_unescape_string (slash ? slash + 1 : path_or_uri, NULL);
}

static void
emit (Step *s, ExsPlayoutItem *item)
{
  item->start_us = s->c->time_us;
  g_assert (item->stop_us > item->start_us);
  s->c->time_us = item->stop_us;
  g_ptr_array_add (s->out, item);
}

static void
emit_offline (Step *s, gint64 until_us)
{
  ExsPlayoutItem *item;

  if (until_us <= s->c->time_us)
    return;
  if (s->out->len > 0)
    {
      ExsPlayoutItem *last = s->out->pdata[s->out->len - 1];
      if (last->kind == EXS_PLAYOUT_ITEM_OFFLINE)
        {
          last->stop_us = until_us;
          s->c->time_us = until_us;
          return;
        }
    }
  item = exs_playout_item_new ();
  item->stop_us = until_us;
  item->title = g_strdup (s->plan->channel_name);
  item->description = g_strdup ("Nothing is scheduled now.");
  emit (s, item);
}

/* One media item (or a part of it) as a playout item, with its guide data. */
static void
emit_media (Step *s, const ExsMediaFacts *f, gint64 in_point_us, gint64 length_us, ExsPlayoutItemKind kind,
            const char *custom_title, gboolean hide)
{
  ExsPlayoutItem *item = exs_playout_item_new ();

  item->kind = kind;
  item->stop_us = s->c->time_us + length_us;
  item->uri = g_strdup (f->uri);
  item->in_point_us = in_point_us;
  item->media_item_id = f->id;
  /* the seeds' layers: custom title, media (show) title, file name, URL basename, channel name */
  if (custom_title)
    item->title = g_strdup (custom_title);
  else if (f->show_title)
    item->title = g_strdup (f->show_title);
  else if (f->title)
    item->title = g_strdup (f->title);
  else if ((item->title = basename_of (f->path)) == NULL && (item->title = basename_of (f->uri)) == NULL)
    item->title = g_strdup (s->plan->channel_name);
  if (f->show_title && f->title)
    item->sub_title = g_strdup (f->title);
  else if (custom_title && f->title)
    item->sub_title = g_strdup (f->title);
  item->description = g_strdup (f->plot);
  item->categories = g_strdupv (f->genres);
  item->season_number = f->season;
  item->episode_number = f->episode;
  item->artwork_url = g_strdup (f->artwork);
  item->hide_in_guide = hide;
  emit (s, item);
}

static gint64 *
leaf_state (ExsPlayoutCursor *c, guint base, guint member)
{
  return &c->states[base + member * 3];
}

static gboolean
cooled_down (const ExsContentRef *ref, const gint64 *state, gint64 at_us)
{
  return state[2] == 0 || state[2] + (gint64) ref->cooldown_minutes * 60 * US <= at_us;
}

/* Picks a filler member: weighted, seeded, skipping empty ones and those cooling down. */
static int
pick_filler_member (Step *s, guint preset)
{
  const ExsFillerPreset *f = s->plan->schedule->fillers->pdata[preset];
  ExsLeafContent **leaves = s->plan->filler_leaves[preset];
  guint base = s->plan->filler_base[preset];
  guint64 total = 0, draws = 0, r;

  for (guint m = 0; m < f->n_members; m++)
    {
      gint64 *st = leaf_state (s->c, base, m);
      draws += (guint64) exs_leaf_content_draws (leaves[m], st[0], st[1]);
      if (leaves[m]->n_units > 0 && cooled_down (&f->members[m], st, s->c->time_us))
        total += f->members[m].weight;
    }
  if (total == 0)
    return -1;
  r = exs_hash64 (s->plan->seed, G_GUINT64_CONSTANT (2) << 40 | preset, draws) % total;
  for (guint m = 0; m < f->n_members; m++)
    {
      gint64 *st = leaf_state (s->c, base, m);
      if (leaves[m]->n_units == 0 || !cooled_down (&f->members[m], st, s->c->time_us))
        continue;
      if (r < f->members[m].weight)
        return (int) m;
      r -= f->members[m].weight;
    }
  g_assert_not_reached ();
}

static void
emit_unit (Step *s, ExsLeafContent *leaf, guint unit, ExsPlayoutItemKind kind, const char *title, gboolean hide,
           gint64 max_length_us)
{
  for (guint i = leaf->unit_start[unit]; i < leaf->unit_start[unit + 1] && max_length_us > 0; i++)
    {
      const ExsMediaFacts *f = leaf->media->pdata[i];
      gint64 len = MIN (f->duration_us, max_length_us);
      emit_media (s, f, 0, len, kind, title, hide);
      max_length_us -= len;
    }
}

/* @count whole filler items from @preset_name (pre-, mid- and post-rolls). */
static void
play_filler_count (Step *s, const char *preset_name, guint count_override)
{
  const ExsSchedule *sched = s->plan->schedule;

  for (guint p = 0; preset_name && p < sched->fillers->len; p++)
    {
      const ExsFillerPreset *f = sched->fillers->pdata[p];
      if (!g_str_equal (f->name, preset_name))
        continue;
      for (guint n = 0; n < (count_override ? count_override : f->count); n++)
        {
          int m = pick_filler_member (s, p);
          gint64 *st;
          guint unit;
          if (m < 0)
            return;
          st = leaf_state (s->c, s->plan->filler_base[p], (guint) m);
          unit = exs_leaf_content_peek (s->plan->filler_leaves[p][m], s->plan->seed, st[0], st[1]);
          st[2] = s->c->time_us;
          emit_unit (s, s->plan->filler_leaves[p][m], unit, EXS_PLAYOUT_ITEM_FILLER, NULL, f->hide_in_guide, G_MAXINT64);
          exs_leaf_content_advance (s->plan->filler_leaves[p][m], &st[0], &st[1]);
        }
      return;
    }
}

static int
preset_index (const ExsPlayoutPlan *plan, const char *name)
{
  for (guint p = 0; name && p < plan->schedule->fillers->len; p++)
    if (g_str_equal (((ExsFillerPreset *) plan->schedule->fillers->pdata[p])->name, name))
      return (int) p;
  return -1;
}

/* Tail filler: whole items that fit before @end_us, as many as fit. */
static void
fill_whole (Step *s, const char *preset_name, gint64 end_us)
{
  int p = preset_index (s->plan, preset_name);
  const ExsFillerPreset *f;

  if (p < 0)
    return;
  f = s->plan->schedule->fillers->pdata[p];
  while (s->c->time_us < end_us)
    {
      gint64 room = end_us - s->c->time_us;
      int m = pick_filler_member (s, (guint) p);
      gboolean played = FALSE;
      if (m < 0)
        return;
      /* the picked member first, then the others: the next unit in order that fits */
      for (guint k = 0; k < f->n_members && !played; k++)
        {
          guint mm = ((guint) m + k) % f->n_members;
          ExsLeafContent *leaf = s->plan->filler_leaves[p][mm];
          gint64 *st = leaf_state (s->c, s->plan->filler_base[p], mm);
          if (leaf->n_units == 0 || !cooled_down (&f->members[mm], st, s->c->time_us))
            continue;
          for (guint j = 0; j < MIN (leaf->n_units, FIT_SCAN_LIMIT); j++)
            {
              gint64 pos = st[0] + j, pass = st[1];
              guint unit;
              if (leaf->order != EXS_ORDER_RANDOM && pos >= leaf->n_units)
                {
                  pos -= leaf->n_units;
                  pass++;
                }
              unit = exs_leaf_content_peek (leaf, s->plan->seed, pos, pass);
              if (leaf->unit_duration_us[unit] <= room)
                {
                  st[2] = s->c->time_us;
                  emit_unit (s, leaf, unit, EXS_PLAYOUT_ITEM_FILLER, NULL, f->hide_in_guide, G_MAXINT64);
                  if (j == 0)
                    exs_leaf_content_advance (leaf, &st[0], &st[1]);
                  played = TRUE;
                  break;
                }
            }
        }
      if (!played)
        return;
    }
}

/* Fallback: loops the schedule's fallback filler, the last item cut at
 * @end_us; offline where there is none (or all of it is cooling down). */
static void
fill_gap (Step *s, gint64 end_us)
{
  int p = preset_index (s->plan, s->plan->schedule->fallback);

  while (s->c->time_us < end_us)
    {
      const ExsFillerPreset *f;
      gint64 *st;
      guint unit;
      int m = p < 0 ? -1 : pick_filler_member (s, (guint) p);
      if (m < 0)
        {
          /* offline until the end, or until a member's cooldown is over */
          gint64 until = end_us;
          if (p >= 0)
            {
              f = s->plan->schedule->fillers->pdata[p];
              for (guint mm = 0; mm < f->n_members; mm++)
                {
                  gint64 *sm = leaf_state (s->c, s->plan->filler_base[p], mm);
                  if (s->plan->filler_leaves[p][mm]->n_units > 0 && sm[2] != 0)
                    until = MIN (until, MAX (sm[2] + (gint64) f->members[mm].cooldown_minutes * 60 * US,
                                             s->c->time_us + US));
                }
            }
          emit_offline (s, until);
          continue;
        }
      f = s->plan->schedule->fillers->pdata[p];
      st = leaf_state (s->c, s->plan->filler_base[p], (guint) m);
      unit = exs_leaf_content_peek (s->plan->filler_leaves[p][m], s->plan->seed, st[0], st[1]);
      st[2] = s->c->time_us;
      emit_unit (s, s->plan->filler_leaves[p][m], unit, EXS_PLAYOUT_ITEM_FILLER, NULL, f->hide_in_guide,
                 end_us - s->c->time_us);
      exs_leaf_content_advance (s->plan->filler_leaves[p][m], &st[0], &st[1]);
    }
}

/* The tail filler, then the fallback, then offline, up to @end_us. */
static void
fill_to (Step *s, const char *tail_filler, gint64 end_us)
{
  fill_whole (s, tail_filler, end_us);
  fill_gap (s, end_us);
}

/* Chooses which member of the item plays next; -1 when none has anything. */
static int
pick_member (Step *s, guint index)
{
  const ExsScheduleItem *it = s->plan->schedule->items->pdata[index];
  ExsLeafContent **leaves = s->plan->item_leaves[index];
  guint base = s->plan->item_base[index];
  int best = -1;
  guint64 total = 0, draws = 0, r;

  if (it->pick == EXS_PICK_BALANCE)
    {
      gint64 best_d = 0;
      for (guint m = 0; m < it->n_contents; m++)
        {
          gint64 *st = leaf_state (s->c, base, m);
          gint64 d = exs_leaf_content_draws (leaves[m], st[0], st[1]) + 1;
          if (leaves[m]->n_units == 0)
            continue;
          /* furthest below its share: smallest (draws + 1) / weight */
          if (best < 0 || d * it->contents[best].weight < best_d * it->contents[m].weight)
            {
              best = (int) m;
              best_d = d;
            }
        }
      return best;
    }
  for (guint m = 0; m < it->n_contents; m++)
    {
      gint64 *st = leaf_state (s->c, base, m);
      draws += (guint64) exs_leaf_content_draws (leaves[m], st[0], st[1]);
      if (leaves[m]->n_units > 0)
        total += it->contents[m].weight;
    }
  if (total == 0)
    return -1;
  if (it->pick == EXS_PICK_SINGLE)
    return 0;
  r = exs_hash64 (s->plan->seed, G_GUINT64_CONSTANT (3) << 40 | index, draws) % total;
  for (guint m = 0; m < it->n_contents; m++)
    {
      if (leaves[m]->n_units == 0)
        continue;
      if (r < it->contents[m].weight)
        return (int) m;
      r -= it->contents[m].weight;
    }
  g_assert_not_reached ();
}

/* Emits one unit of the item with its pre-, mid- and post-rolls. */
static void
play_unit (Step *s, guint index, int member)
{
  const ExsScheduleItem *it = s->plan->schedule->items->pdata[index];
  ExsLeafContent *leaf = s->plan->item_leaves[index][member];
  gint64 *st = leaf_state (s->c, s->plan->item_base[index], (guint) member);
  guint unit = exs_leaf_content_peek (leaf, s->plan->seed, st[0], st[1]);
  int mid = preset_index (s->plan, it->mid_roll);

  play_filler_count (s, it->pre_roll, 0);
  for (guint i = leaf->unit_start[unit]; i < leaf->unit_start[unit + 1]; i++)
    {
      const ExsMediaFacts *f = leaf->media->pdata[i];
      g_autoptr (GArray) cuts = g_array_new (FALSE, FALSE, sizeof (gint64));
      gint64 at = 0;
      if (mid >= 0)
        {
          const ExsFillerPreset *mf = s->plan->schedule->fillers->pdata[mid];
          if (mf->every_minutes > 0)
            for (gint64 t = (gint64) mf->every_minutes * 60 * US; t < f->duration_us; t += (gint64) mf->every_minutes * 60 * US)
              g_array_append_val (cuts, t);
          else
            g_array_append_vals (cuts, f->chapters_us, f->n_chapters);
        }
      for (guint k = 0; k <= cuts->len; k++)
        {
          gint64 end = k < cuts->len ? g_array_index (cuts, gint64, k) : f->duration_us;
          if (end <= at)
            continue;
          if (at > 0)
            play_filler_count (s, it->mid_roll, 0);
          emit_media (s, f, at, end - at, EXS_PLAYOUT_ITEM_PROGRAMME, it->title, FALSE);
          /* the item's media override goes with each programme it plays */
          ((ExsPlayoutItem *) s->out->pdata[s->out->len - 1])->media = g_strdup (it->media);
          at = end;
        }
    }
  play_filler_count (s, it->post_roll, 0);
  exs_leaf_content_advance (leaf, &st[0], &st[1]);
}

static guint
next_fixed_index (const ExsPlayoutPlan *plan, guint from)
{
  guint n = plan->schedule->items->len;

  for (guint k = 1; k <= n; k++)
    {
      guint j = (from + k) % n;
      if (((ExsScheduleItem *) plan->schedule->items->pdata[j])->start_time_s >= 0)
        return j;
    }
  g_assert_not_reached ();
}

static void
step_enter (Step *s)
{
  ExsPlayoutCursor *c = s->c;
  const ExsScheduleItem *it = s->plan->schedule->items->pdata[c->index];

  if (it->start_time_s >= 0)
    {
      gint64 target = c->deadline_us;
      /* the deadline is this item's start, unless the schedule was edited
       * since the anchor was written: then its next occurrence */
      if (target == NONE || exs_schedule_next_fixed_start (s->plan->tz, it->start_time_s, target, TRUE) != target
          || target + s->plan->schedule->max_lateness_ms * 1000 < c->time_us)
        target = exs_schedule_next_fixed_start (s->plan->tz, it->start_time_s, c->time_us, TRUE);
      fill_gap (s, target);
      c->deadline_us = exs_schedule_next_fixed_start (
          s->plan->tz, ((ExsScheduleItem *) s->plan->schedule->items->pdata[next_fixed_index (s->plan, c->index)])->start_time_s,
          target, FALSE);
    }
  else if (c->deadline_us == NONE && s->plan->has_fixed)
    c->deadline_us = exs_schedule_next_fixed_start (
        s->plan->tz, ((ExsScheduleItem *) s->plan->schedule->items->pdata[next_fixed_index (s->plan, c->index)])->start_time_s,
        c->time_us, TRUE);
  c->remaining = it->mode == EXS_MODE_ONE ? 1 : it->mode == EXS_MODE_MULTIPLE ? (gint64) it->count : -1;
  c->block_end_us = (it->mode == EXS_MODE_DURATION || it->mode == EXS_MODE_BLOCK) ? c->time_us + it->duration_ms * 1000
                                                                                   : NONE;
  c->played = 0;
  c->phase = PHASE_PLAY;
}

/* Where the current item must end: its block's end, and the next fixed start
 * (plus the lateness allowed, except for a flood, which fills up to the slot
 * and never pushes it late). */
static gint64
play_limit (Step *s)
{
  const ExsScheduleItem *it = s->plan->schedule->items->pdata[s->c->index];
  gint64 limit = s->c->block_end_us;

  if (s->c->deadline_us != NONE)
    limit = MIN (limit, s->c->deadline_us + (it->mode == EXS_MODE_FLOOD ? 0 : s->plan->schedule->max_lateness_ms * 1000));
  return limit;
}

static void
step_play (Step *s)
{
  ExsPlayoutCursor *c = s->c;
  guint index = c->index;
  const ExsScheduleItem *it = s->plan->schedule->items->pdata[index];
  int member;
  g_autoptr (ExsPlayoutCursor) trial = NULL;
  g_autoptr (GPtrArray) trial_out = NULL;
  Step t;

  if (c->remaining == 0)
    {
      c->phase = PHASE_END;
      return;
    }
  member = pick_member (s, index);
  if (member < 0)
    {
      c->phase = PHASE_END;
      return;
    }
  /* try the unit with its rolls on a copy; keep it only if it fits */
  trial = exs_playout_cursor_copy (c);
  trial_out = g_ptr_array_new_with_free_func ((GDestroyNotify) exs_playout_item_free);
  t = (Step){ s->plan, trial, trial_out };
  play_unit (&t, index, member);
  if (trial->time_us > play_limit (s))
    {
      if (c->remaining > 0 && c->deadline_us != NONE)
        problem (s->plan, "items[%u]%s%s: an item does not fit before the fixed start that follows; "
                 "filler or offline plays instead",
                 index, it->title ? " " : "", it->title ? it->title : "");
      c->phase = PHASE_END;
      return;
    }
  cursor_assign (c, trial);
  for (guint i = 0; i < trial_out->len; i++)
    g_ptr_array_add (s->out, g_steal_pointer (&trial_out->pdata[i]));
  g_ptr_array_set_free_func (trial_out, NULL);
  c->played++;
  if (c->remaining > 0)
    c->remaining--;
  if (c->remaining == 0)
    c->phase = PHASE_END;
}

static void
step_end (Step *s)
{
  ExsPlayoutCursor *c = s->c;
  const ExsScheduleItem *it = s->plan->schedule->items->pdata[c->index];
  gint64 cap = c->deadline_us == NONE ? NONE : MAX (c->deadline_us, c->time_us);

  if (c->played == 0)
    problem (s->plan, "items[%u]%s%s: played nothing (empty content, or nothing fits)", c->index,
             it->title ? " " : "", it->title ? it->title : "");
  if (c->block_end_us != NONE && c->time_us < c->block_end_us)
    {
      gint64 end = MIN (c->block_end_us, cap);
      if (it->tail == EXS_TAIL_OFFLINE)
        emit_offline (s, end);
      else if (it->tail == EXS_TAIL_FILLER)
        fill_to (s, it->tail_filler, end);
    }
  if (it->pad_to_minutes > 0)
    fill_to (s, it->tail_filler, MIN (exs_schedule_next_boundary (s->plan->tz, c->time_us, it->pad_to_minutes), cap));
  c->index = (c->index + 1) % s->plan->schedule->items->len;
  c->phase = PHASE_ENTER;
  c->block_end_us = NONE;
}

/**
 * exs_playout_plan_build:
 * @items: (element-type ExsPlayoutItem): receives the items
 * @anchors: (element-type utf8): receives, per item, the cursor after it
 *   (text) when a commit ends there, else %NULL
 *
 * Emits items from @cursor until it reaches @until_us (the last item may end
 * later) and leaves @cursor after the last one.
 */
void
exs_playout_plan_build (ExsPlayoutPlan *plan, ExsPlayoutCursor *cursor, gint64 until_us, GPtrArray *items,
                        GPtrArray *anchors)
{
  guint first = items->len;
  guint idle_steps = 0;
  guint n_items = plan->schedule->items->len;

  g_return_if_fail (cursor->n_states == plan->n_states);
  while (cursor->time_us < until_us)
    {
      g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) exs_playout_item_free);
      Step s = { plan, cursor, out };
      gint64 before = cursor->time_us;

      if (n_items == 0)
        emit_offline (&s, until_us);
      else if (idle_steps > 3 * n_items + 3)
        {
          /* every item is empty or floods nothing: the fallback (or offline) up
           * to the next fixed start, or for an hour */
          gint64 end = cursor->deadline_us != NONE && cursor->deadline_us > cursor->time_us ? cursor->deadline_us
                                                                                             : cursor->time_us + 3600 * US;
          fill_gap (&s, end);
        }
      else
        switch (cursor->phase)
          {
          case PHASE_ENTER: step_enter (&s); break;
          case PHASE_PLAY: step_play (&s); break;
          default: step_end (&s); break;
          }
      idle_steps = cursor->time_us == before ? idle_steps + 1 : 0;

      for (guint i = 0; i < out->len; i++)
        {
          ExsPlayoutItem *item = out->pdata[i];
          ExsPlayoutItem *last = items->len > first ? items->pdata[items->len - 1] : NULL;
          if (last && last->kind == EXS_PLAYOUT_ITEM_OFFLINE && item->kind == EXS_PLAYOUT_ITEM_OFFLINE)
            {
              last->stop_us = item->stop_us;
              g_clear_pointer (&anchors->pdata[anchors->len - 1], g_free);
              continue;
            }
          g_ptr_array_add (items, g_steal_pointer (&out->pdata[i]));
          g_ptr_array_add (anchors, NULL);
        }
      if (out->len > 0)
        {
          g_free (anchors->pdata[anchors->len - 1]);
          anchors->pdata[anchors->len - 1] = exs_playout_cursor_to_string (cursor);
        }
    }
}

/**
 * exs_playout_plan_begin:
 * @items: (element-type ExsPlayoutItem): receives the item playing at
 *   @start_us, if the schedule was already running then
 * @anchors: (element-type utf8): receives its anchor
 *
 * Starts the schedule (a reset). Without fixed starts it starts at its first
 * item, at @start_us. With them it starts at the fixed start that passed most
 * recently, as if it had been running since, and only what plays from
 * @start_us on is kept: a reset at 21:10 joins the 20:00 block where it is
 * instead of playing filler until the next day's first slot.
 *
 * Returns: (transfer full): the cursor after what was emitted
 */
ExsPlayoutCursor *
exs_playout_plan_begin (ExsPlayoutPlan *plan, gint64 start_us, GPtrArray *items, GPtrArray *anchors)
{
  GPtrArray *sitems = plan->schedule->items;
  gint64 best = G_MININT64;
  guint best_k = 0;
  ExsPlayoutCursor *c;
  g_autoptr (GPtrArray) before = NULL;
  g_autoptr (GPtrArray) before_anchors = NULL;

  for (guint k = 0; plan->has_fixed && k < sitems->len; k++)
    {
      const ExsScheduleItem *it = sitems->pdata[k];
      gint64 prev;
      if (it->start_time_s < 0)
        continue;
      /* the latest occurrence at or before start_us */
      prev = exs_schedule_next_fixed_start (plan->tz, it->start_time_s, start_us - 2 * 86400 * US, TRUE);
      for (gint64 next; (next = exs_schedule_next_fixed_start (plan->tz, it->start_time_s, prev, FALSE)) <= start_us;)
        prev = next;
      if (prev > best)
        {
          best = prev;
          best_k = k;
        }
    }
  if (best == G_MININT64)
    return cursor_new (plan, start_us);

  c = cursor_new (plan, best);
  c->index = best_k;
  before = g_ptr_array_new_with_free_func ((GDestroyNotify) exs_playout_item_free);
  before_anchors = g_ptr_array_new_with_free_func (g_free);
  exs_playout_plan_build (plan, c, start_us + 1, before, before_anchors);
  for (guint i = 0; i < before->len; i++)
    {
      ExsPlayoutItem *it = before->pdata[i];
      if (it->stop_us <= start_us)
        continue;
      g_ptr_array_add (items, g_steal_pointer (&before->pdata[i]));
      g_ptr_array_add (anchors, g_steal_pointer (&before_anchors->pdata[i]));
    }
  /* the anchor of the last kept item must be the cursor: it is, since
   * build stops after the commit that crosses start_us */
  return c;
}
