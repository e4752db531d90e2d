/* The playout builder: modes, orders, filler, fixed starts, DST, anchors,
 * bad content, on-demand — and property tests over random schedules and
 * ranges (seeded with g_test_rand_int: rerun with --seed to reproduce). */
#include "config.h"

#include "exs-fs.h"
#include "exs-playout-builder.h"
#include "exs-playout-guide.h"
#include "exs-playout-plan.h"
#include "exs-schedule-store.h"
#include "exs-test-library.h"

#include <string.h>

#define US G_GINT64_CONSTANT (1000000)
#define MIN_US (60 * US)
#define HOUR_US (3600 * US)
#define DAY_US (24 * HOUR_US)

/* 2026-11-02 00:00:00 UTC, a Monday */
#define T0 (G_GINT64_CONSTANT (1793577600) * US)

static GTimeZone *
tz_new (const char *id)
{
  GTimeZone *tz = g_time_zone_new_identifier (id);

  g_assert_nonnull (tz);
  return tz;
}

static ExsPlayoutBuilder *
builder_new (ExsTestLibrary *lib, const char *tz_id, gint64 horizon_us)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GTimeZone) tz = tz_new (tz_id);
  ExsPlayoutBuilder *b = exs_playout_builder_new (lib->db, tz, horizon_us, &error);

  g_assert_no_error (error);
  return b;
}

static void
build (ExsPlayoutBuilder *b, const char *number, ExsPlayoutBuildKind kind, gint64 now)
{
  g_autoptr (GError) error = NULL;

  exs_playout_builder_build (b, number, kind, now, &error);
  g_assert_no_error (error);
}

static GPtrArray *
list (ExsPlayoutBuilder *b, const char *number, gint64 from, gint64 to)
{
  g_autoptr (GError) error = NULL;
  GPtrArray *items = exs_playout_source_list (EXS_PLAYOUT_SOURCE (b), number, from, to, &error);

  g_assert_no_error (error);
  return items;
}

/* No gap, no overlap, every stop the next start, covering [from, to). */
static void
assert_contiguous (GPtrArray *items, gint64 from, gint64 to)
{
  g_assert_cmpuint (items->len, >, 0);
  g_assert_cmpint (((ExsPlayoutItem *) items->pdata[0])->start_us, <=, from);
  g_assert_cmpint (((ExsPlayoutItem *) items->pdata[items->len - 1])->stop_us, >=, to);
  for (guint i = 0; i < items->len; i++)
    {
      ExsPlayoutItem *it = items->pdata[i];
      g_assert_cmpint (it->stop_us, >, it->start_us);
      if (i > 0)
        g_assert_cmpint (it->start_us, ==, ((ExsPlayoutItem *) items->pdata[i - 1])->stop_us);
      g_assert_nonnull (it->title);
      if (it->kind == EXS_PLAYOUT_ITEM_OFFLINE)
        g_assert_null (it->uri);
      else
        {
          g_assert_nonnull (it->uri);
          g_assert_cmpint (it->in_point_us, >=, 0);
        }
    }
}

static guint
count_kind (GPtrArray *items, ExsPlayoutItemKind kind)
{
  guint n = 0;

  for (guint i = 0; i < items->len; i++)
    n += ((ExsPlayoutItem *) items->pdata[i])->kind == kind;
  return n;
}

static char *
json_printf (const char *format, ...) G_GNUC_PRINTF (1, 2);

static char *
json_printf (const char *format, ...)
{
  va_list args;
  char *s;

  va_start (args, format);
  s = g_strdup_vprintf (format, args);
  va_end (args);
  return s;
}

/* ---- time zones ---- */

static gint64
utc (int y, int mo, int d, int h, int mi)
{
  g_autoptr (GDateTime) dt = g_date_time_new_utc (y, mo, d, h, mi, 0);

  return g_date_time_to_unix (dt) * US;
}

static void
test_dst_local_times (void)
{
  g_autoptr (GTimeZone) london = tz_new ("Europe/London");
  g_autoptr (GTimeZone) ny = tz_new ("America/New_York");

  /* London spring forward 2026-03-29: 01:00 GMT → 02:00 BST, 01:30 never
   * happens: it is moved to the end of the gap, 02:00 BST = 01:00 UTC. */
  g_assert_cmpint (exs_schedule_local_time (london, 2026, 3, 29, 5400), ==, utc (2026, 3, 29, 1, 0));
  /* the day before and after: ordinary */
  g_assert_cmpint (exs_schedule_local_time (london, 2026, 3, 28, 5400), ==, utc (2026, 3, 28, 1, 30));
  g_assert_cmpint (exs_schedule_local_time (london, 2026, 3, 30, 5400), ==, utc (2026, 3, 30, 0, 30));
  /* London fall back 2026-10-25: 01:30 happens twice; the first (BST) counts */
  g_assert_cmpint (exs_schedule_local_time (london, 2026, 10, 25, 5400), ==, utc (2026, 10, 25, 0, 30));
  /* and only once: the next 01:30 after the first is the next day's */
  g_assert_cmpint (exs_schedule_next_fixed_start (london, 5400, utc (2026, 10, 25, 0, 30), FALSE), ==,
                   utc (2026, 10, 26, 1, 30));
  /* New York spring forward 2026-03-08 at 02:00: 01:30 exists (EST), 02:30 does not */
  g_assert_cmpint (exs_schedule_local_time (ny, 2026, 3, 8, 5400), ==, utc (2026, 3, 8, 6, 30));
  g_assert_cmpint (exs_schedule_local_time (ny, 2026, 3, 8, 9000), ==, utc (2026, 3, 8, 7, 0));
  /* New York fall back 2026-11-01: 01:30 twice; first is EDT 05:30 UTC */
  g_assert_cmpint (exs_schedule_local_time (ny, 2026, 11, 1, 5400), ==, utc (2026, 11, 1, 5, 30));
  g_assert_cmpint (exs_schedule_next_fixed_start (ny, 5400, utc (2026, 11, 1, 5, 31), TRUE), ==,
                   utc (2026, 11, 2, 6, 30));
  /* pad-to-clock boundaries in local time, across the change */
  g_assert_cmpint (exs_schedule_next_boundary (london, utc (2026, 3, 29, 0, 50), 30), ==, utc (2026, 3, 29, 1, 0));
  g_assert_cmpint (exs_schedule_next_boundary (ny, utc (2026, 11, 1, 5, 40), 30), ==, utc (2026, 11, 1, 6, 0));
  g_assert_cmpint (exs_schedule_next_boundary (ny, utc (2026, 11, 1, 6, 0), 30), ==, utc (2026, 11, 1, 6, 0));
}

/* A daily 01:30 programme through both changes in both zones: one per local
 * day, never two, never none, at the documented instant. */
static void
test_dst_daily_fixed_start (void)
{
  const char *zones[] = { "Europe/London", "America/New_York" };
  const gint64 starts[] = { utc (2026, 3, 26, 0, 0), utc (2026, 10, 22, 0, 0), utc (2026, 3, 5, 0, 0),
                            utc (2026, 10, 29, 0, 0) };

  for (guint z = 0; z < 4; z++)
    {
      g_autoptr (ExsTestLibrary) lib = exs_test_library_new ();
      g_autoptr (GTimeZone) tz = tz_new (zones[z / 2]);
      g_autoptr (ExsPlayoutBuilder) b = NULL;
      g_autoptr (GPtrArray) items = NULL;
      gint64 show = exs_test_library_add_show (lib, "Night Owls");
      g_autofree char *doc = NULL;
      guint runs = 0;

      for (int e = 1; e <= 3; e++)
        exs_test_library_add_item (lib, show, 1, e, "Owl", 45 * 60 * 1000);
      exs_test_library_add_channel (lib, "7", "Seven");
      doc = json_printf ("{\"name\": \"owls\", \"items\": [{\"content\": {\"show\": %" G_GINT64_FORMAT "},"
                         " \"mode\": \"one\", \"start_time\": \"01:30\"}]}",
                         show);
      exs_test_library_add_schedule (lib, doc, "7", "continuous", 5);
      b = builder_new (lib, zones[z / 2], 6 * DAY_US);
      build (b, "7", EXS_PLAYOUT_BUILD_RESET, starts[z]);
      items = list (b, "7", starts[z], starts[z] + 6 * DAY_US);
      assert_contiguous (items, starts[z], starts[z] + 6 * DAY_US);
      for (guint i = 0; i < items->len; i++)
        {
          ExsPlayoutItem *it = items->pdata[i];
          g_autoptr (GDateTime) dt = NULL;
          g_autoptr (GDateTime) local = NULL;
          if (it->kind != EXS_PLAYOUT_ITEM_PROGRAMME)
            continue;
          runs++;
          g_assert_cmpint (it->stop_us - it->start_us, ==, 45 * MIN_US);
          dt = g_date_time_new_from_unix_utc (it->start_us / US);
          local = g_date_time_to_timezone (dt, tz);
          /* 01:30 local, or 02:00 (London) / 03:00 (New York) on the spring day */
          if (!(g_date_time_get_hour (local) == 1 && g_date_time_get_minute (local) == 30))
            {
              g_assert_cmpint (g_date_time_get_month (local), ==, 3);
              g_assert_cmpint (g_date_time_get_minute (local), ==, 0);
              g_assert_cmpint (g_date_time_get_hour (local), ==, 2);
            }
          /* the fall-back day plays it at the first 01:30 (summer time) */
          if (g_date_time_get_month (local) >= 10 && g_date_time_get_day_of_month (local) == (z == 1 ? 25 : 1))
            g_assert_true (g_date_time_is_daylight_savings (local));
        }
      g_assert_cmpuint (runs, ==, 6);
    }
}

/* ---- modes ---- */

typedef struct
{
  ExsTestLibrary *lib;
  gint64 show_a, show_b, filler_col, movie_10h, short_1s;
  gint64 a_items[8];
} Lib;

static void
lib_set_up (Lib *l, gconstpointer data)
{
  l->lib = exs_test_library_new ();
  l->show_a = exs_test_library_add_show (l->lib, "Alpha");
  l->show_b = exs_test_library_add_show (l->lib, "Bravo");
  for (int e = 0; e < 8; e++)
    {
      g_autofree char *t = g_strdup_printf ("Alpha %d", e + 1);
      l->a_items[e] = exs_test_library_add_item (l->lib, l->show_a, 1, e + 1, t, 20 * 60 * 1000);
    }
  for (int e = 1; e <= 4; e++)
    {
      g_autofree char *t = g_strdup_printf ("Bravo %d", e);
      exs_test_library_add_item (l->lib, l->show_b, 1, e, t, 25 * 60 * 1000);
    }
  l->filler_col = exs_test_library_add_collection (l->lib, "bumpers");
  for (int i = 1; i <= 3; i++)
    {
      g_autofree char *t = g_strdup_printf ("Bumper %d", i);
      exs_test_library_add_member (l->lib, l->filler_col, exs_test_library_add_item (l->lib, 0, 0, 0, t, i * 15000), 0);
    }
  l->movie_10h = exs_test_library_add_item (l->lib, 0, 0, 0, "Long Movie", 10 * 3600 * 1000);
  l->short_1s = exs_test_library_add_item (l->lib, 0, 0, 0, "Blink", 1000);
  exs_test_library_add_channel (l->lib, "5", "Five");
}

static void
lib_tear_down (Lib *l, gconstpointer data)
{
  exs_test_library_free (l->lib);
}

static GPtrArray *
build_doc (Lib *l, const char *doc, gint64 hours)
{
  g_autoptr (ExsPlayoutBuilder) b = NULL;
  GPtrArray *items;

  exs_test_library_add_schedule (l->lib, doc, "5", "continuous", 42);
  b = builder_new (l->lib, "UTC", hours * HOUR_US);
  build (b, "5", EXS_PLAYOUT_BUILD_RESET, T0);
  items = list (b, "5", T0, T0 + hours * HOUR_US);
  assert_contiguous (items, T0, T0 + hours * HOUR_US);
  return items;
}

static void
test_flood_fills_to_next_fixed_start (Lib *l, gconstpointer data)
{
  g_autofree char *doc = json_printf (
      "{\"name\": \"f\", \"fallback_filler\": \"bumpers\","
      " \"fillers\": [{\"name\": \"bumpers\", \"items\": [{\"collection\": %" G_GINT64_FORMAT "}]}],"
      " \"items\": [{\"content\": {\"show\": %" G_GINT64_FORMAT "}, \"order\": \"season_episode\", \"mode\": \"flood\","
      "   \"start_time\": \"06:10\"},"
      "  {\"content\": {\"show\": %" G_GINT64_FORMAT "}, \"mode\": \"one\", \"start_time\": \"08:00\"}]}",
      l->filler_col, l->show_a, l->show_b);
  g_autoptr (GPtrArray) items = build_doc (l, doc, 48);
  gboolean saw_bravo = FALSE;

  /* 00:00–06:10 is before the first fixed start: fallback filler */
  g_assert_cmpint (((ExsPlayoutItem *) items->pdata[0])->kind, ==, EXS_PLAYOUT_ITEM_FILLER);
  for (guint i = 0; i < items->len; i++)
    {
      ExsPlayoutItem *it = items->pdata[i];
      gint64 tod = (it->start_us - T0) % DAY_US;
      if (it->kind != EXS_PLAYOUT_ITEM_PROGRAMME)
        continue;
      if (g_str_equal (it->title, "Bravo"))
        {
          g_assert_cmpint (tod, ==, 8 * HOUR_US);
          saw_bravo = TRUE;
        }
      else
        {
          /* Alpha floods 06:10–08:00: 5 × 20 min fit, ends by 07:50 */
          g_assert_cmpint (tod, >=, 6 * HOUR_US + 10 * MIN_US);
          g_assert_cmpint (tod + 20 * MIN_US, <=, 8 * HOUR_US);
        }
    }
  g_assert_true (saw_bravo);
  /* Alpha in season-episode order, continuing across days */
  {
    int expect = 1;
    for (guint i = 0; i < items->len; i++)
      {
        ExsPlayoutItem *it = items->pdata[i];
        if (it->kind == EXS_PLAYOUT_ITEM_PROGRAMME && g_str_equal (it->title, "Alpha"))
          {
            g_assert_cmpint (it->episode_number, ==, expect);
            expect = expect % 8 + 1;
          }
      }
  }
}

static void
test_multiple_and_duration (Lib *l, gconstpointer data)
{
  g_autofree char *doc = json_printf (
      "{\"name\": \"m\", \"items\": ["
      "  {\"content\": {\"show\": %" G_GINT64_FORMAT "}, \"order\": \"season_episode\", \"mode\": \"multiple\", \"count\": 3},"
      "  {\"content\": {\"show\": %" G_GINT64_FORMAT "}, \"mode\": \"duration\", \"duration_seconds\": 3600, \"tail\": \"offline\"}]}",
      l->show_a, l->show_b);
  g_autoptr (GPtrArray) items = build_doc (l, doc, 24);

  /* 3 × Alpha (60 min), then Bravo 2 × 25 min + 10 min offline, repeating every 2 h */
  for (guint i = 0; i < items->len; i++)
    {
      ExsPlayoutItem *it = items->pdata[i];
      gint64 in_cycle = (it->start_us - T0) % (2 * HOUR_US);
      if (in_cycle < HOUR_US)
        g_assert_cmpstr (it->title, ==, "Alpha");
      else if (in_cycle < HOUR_US + 50 * MIN_US)
        g_assert_cmpstr (it->title, ==, "Bravo");
      else
        {
          g_assert_cmpint (it->kind, ==, EXS_PLAYOUT_ITEM_OFFLINE);
          g_assert_cmpint (in_cycle, ==, HOUR_US + 50 * MIN_US);
          g_assert_cmpint (it->stop_us - it->start_us, ==, 10 * MIN_US);
        }
    }
  g_assert_cmpuint (items->len, ==, 12 * 6);
}

static void
test_pad_and_tail_filler (Lib *l, gconstpointer data)
{
  g_autofree char *doc = json_printf (
      "{\"name\": \"p\", \"fillers\": [{\"name\": \"b\", \"items\": [{\"collection\": %" G_GINT64_FORMAT "}], \"hide_in_guide\": true}],"
      " \"items\": [{\"content\": {\"show\": %" G_GINT64_FORMAT "}, \"mode\": \"one\", \"pad_to_minutes\": 30,"
      "   \"tail_filler\": \"b\"}]}",
      l->filler_col, l->show_b);
  g_autoptr (GPtrArray) items = build_doc (l, doc, 12);

  /* every Bravo (25 min) starts on a :00 or :30 boundary; the 5 minutes are
   * whole bumpers, then the fallback (none: offline) */
  for (guint i = 0; i < items->len; i++)
    {
      ExsPlayoutItem *it = items->pdata[i];
      if (it->kind == EXS_PLAYOUT_ITEM_PROGRAMME)
        g_assert_cmpint ((it->start_us - T0) % (30 * MIN_US), ==, 0);
      if (it->kind == EXS_PLAYOUT_ITEM_FILLER)
        g_assert_true (it->hide_in_guide);
    }
  g_assert_cmpuint (count_kind (items, EXS_PLAYOUT_ITEM_PROGRAMME), ==, 24);
  g_assert_cmpuint (count_kind (items, EXS_PLAYOUT_ITEM_FILLER), >, 24);
}

static void
test_block_and_mid_roll (Lib *l, gconstpointer data)
{
  g_autofree char *doc = NULL;
  g_autoptr (GPtrArray) items = NULL;
  guint parts = 0;

  exs_test_library_add_chapter (l->lib, l->a_items[0], 0, 0);
  exs_test_library_add_chapter (l->lib, l->a_items[0], 1, 7 * 60 * 1000);
  exs_test_library_add_chapter (l->lib, l->a_items[0], 2, 14 * 60 * 1000);
  doc = json_printf ("{\"name\": \"b\", \"fillers\": [{\"name\": \"ads\", \"items\": [{\"collection\": %" G_GINT64_FORMAT "}]}],"
                     " \"items\": [{\"content\": {\"media_item\": %" G_GINT64_FORMAT "}, \"mode\": \"block\","
                     "  \"duration_seconds\": 1800, \"mid_roll\": \"ads\", \"tail_filler\": \"ads\"}]}",
                     l->filler_col, l->a_items[0]);
  items = build_doc (l, doc, 2);
  for (guint i = 0; i < items->len; i++)
    {
      ExsPlayoutItem *it = items->pdata[i];
      if (it->kind == EXS_PLAYOUT_ITEM_PROGRAMME && it->start_us < T0 + 30 * MIN_US)
        {
          /* the episode in three parts at its chapter marks, ads between */
          g_assert_cmpint (it->in_point_us, ==, parts * 7 * MIN_US);
          g_assert_cmpint (((ExsPlayoutItem *) items->pdata[i + 1])->kind, ==, parts < 2 ? EXS_PLAYOUT_ITEM_FILLER : EXS_PLAYOUT_ITEM_FILLER);
          parts++;
        }
      if (it->kind == EXS_PLAYOUT_ITEM_PROGRAMME)
        g_assert_cmpint ((it->start_us - T0) % (30 * MIN_US) == 0 || it->in_point_us > 0, ==, TRUE);
    }
  g_assert_cmpuint (parts, ==, 3);
}

static void
test_guide_groups_hidden_filler (Lib *l, gconstpointer data)
{
  g_autofree char *doc = NULL;
  g_autoptr (GPtrArray) items = NULL;
  g_autoptr (GPtrArray) guide = NULL;
  g_autoptr (GPtrArray) all = NULL;

  exs_test_library_add_chapter (l->lib, l->a_items[0], 1, 5 * 60 * 1000);
  doc = json_printf ("{\"name\": \"g\", \"fallback_filler\": \"b\", \"fillers\": [{\"name\": \"b\","
                     " \"items\": [{\"collection\": %" G_GINT64_FORMAT "}], \"hide_in_guide\": true}],"
                     " \"items\": [{\"content\": {\"media_item\": %" G_GINT64_FORMAT "}, \"mode\": \"one\","
                     "  \"start_time\": \"00:10\", \"mid_roll\": \"b\", \"pre_roll\": \"b\", \"pad_to_minutes\": 30}]}",
                     l->filler_col, l->a_items[0]);
  items = build_doc (l, doc, 24);
  guide = exs_playout_items_for_guide (items, FALSE);
  all = exs_playout_items_for_guide (items, TRUE);
  assert_contiguous (guide, T0, T0 + 24 * HOUR_US);
  g_assert_cmpuint (all->len, ==, items->len);
  /* hidden filler first in the range is absorbed by the programme after it */
  g_assert_cmpint (((ExsPlayoutItem *) guide->pdata[0])->start_us, ==, ((ExsPlayoutItem *) items->pdata[0])->start_us);
  /* one entry a day: the episode, its two parts joined, the filler around it grouped in */
  g_assert_cmpuint (guide->len, ==, 1);
  g_assert_cmpstr (((ExsPlayoutItem *) guide->pdata[0])->sub_title, ==, "Alpha 1");
  g_assert_cmpuint (count_kind (items, EXS_PLAYOUT_ITEM_PROGRAMME), ==, 2);
}

static void
test_one_item_of_1s_and_10h (Lib *l, gconstpointer data)
{
  g_autofree char *doc = json_printf (
      "{\"name\": \"x\", \"items\": [{\"content\": {\"media_item\": %" G_GINT64_FORMAT "}, \"mode\": \"multiple\", \"count\": 3600},"
      " {\"content\": {\"media_item\": %" G_GINT64_FORMAT "}, \"mode\": \"one\"}]}",
      l->short_1s, l->movie_10h);
  g_autoptr (GPtrArray) items = build_doc (l, doc, 33);

  g_assert_cmpuint (items->len, ==, 3600 * 3 + 3);
  g_assert_cmpint (((ExsPlayoutItem *) items->pdata[3600])->start_us, ==, T0 + HOUR_US);
  g_assert_cmpint (((ExsPlayoutItem *) items->pdata[3600])->stop_us, ==, T0 + 11 * HOUR_US);
  g_assert_cmpstr (((ExsPlayoutItem *) items->pdata[3600])->title, ==, "Long Movie");
}

static void
test_shuffle_no_repeat_and_balance (Lib *l, gconstpointer data)
{
  g_autofree char *doc = json_printf (
      "{\"name\": \"s\", \"items\": [{\"content\": {\"show\": %" G_GINT64_FORMAT "}, \"order\": \"shuffle\", \"mode\": \"flood\"}]}",
      l->show_a);
  g_autoptr (GPtrArray) items = build_doc (l, doc, 24);
  g_autofree char *doc2 = NULL;
  g_autoptr (GPtrArray) bal = NULL;
  guint a = 0, bravo = 0;

  /* each pass of 8 plays every episode once */
  for (guint pass = 0; pass + 8 <= items->len; pass += 8)
    {
      guint seen = 0;
      for (guint i = pass; i < pass + 8; i++)
        seen |= 1u << ((ExsPlayoutItem *) items->pdata[i])->episode_number;
      g_assert_cmpuint (seen, ==, 0x1fe);
    }
  doc2 = json_printf ("{\"name\": \"bal\", \"items\": [{\"content\": {\"balance\": ["
                      "{\"show\": %" G_GINT64_FORMAT ", \"weight\": 3}, {\"show\": %" G_GINT64_FORMAT ", \"weight\": 1}]},"
                      " \"order\": \"season_episode\", \"mode\": \"flood\"}]}",
                      l->show_a, l->show_b);
  exs_test_library_exec (l->lib, "DELETE FROM channel_playouts");
  bal = build_doc (l, doc2, 24);
  for (guint i = 0; i < bal->len; i++)
    {
      const char *t = ((ExsPlayoutItem *) bal->pdata[i])->title;
      a += g_str_equal (t, "Alpha");
      bravo += g_str_equal (t, "Bravo");
    }
  /* 3 : 1 exactly, give or take the last draw */
  g_assert_cmpint (ABS ((int) a - 3 * (int) bravo), <=, 3);
}

static void
test_multi_part_together (Lib *l, gconstpointer data)
{
  gint64 show = exs_test_library_add_show (l->lib, "Saga");
  g_autofree char *doc = NULL;
  g_autoptr (GPtrArray) items = NULL;

  for (int e = 1; e <= 6; e++)
    {
      g_autofree char *t = e == 3 ? g_strdup ("The Storm (1)") : e == 4 ? g_strdup ("The Storm (2)") : g_strdup_printf ("Calm %d", e);
      exs_test_library_add_item (l->lib, show, 1, e, t, 10 * 60 * 1000);
    }
  doc = json_printf ("{\"name\": \"saga\", \"items\": [{\"content\": {\"show\": %" G_GINT64_FORMAT "}, \"order\": \"shuffle\","
                     " \"mode\": \"flood\"}]}", show);
  items = build_doc (l, doc, 48);
  for (guint i = 0; i + 1 < items->len; i++)
    if (g_str_equal (((ExsPlayoutItem *) items->pdata[i])->sub_title, "The Storm (1)"))
      g_assert_cmpstr (((ExsPlayoutItem *) items->pdata[i + 1])->sub_title, ==, "The Storm (2)");
    else if (g_str_equal (((ExsPlayoutItem *) items->pdata[i + 1])->sub_title, "The Storm (2)"))
      g_assert_not_reached ();
}

static void
test_filler_cooldown (Lib *l, gconstpointer data)
{
  g_autofree char *doc = json_printf (
      "{\"name\": \"c\", \"fallback_filler\": \"fb\", \"fillers\": [{\"name\": \"fb\", \"items\": ["
      "{\"media_item\": %" G_GINT64_FORMAT ", \"weight\": 5, \"cooldown_minutes\": 10},"
      "{\"collection\": %" G_GINT64_FORMAT ", \"weight\": 1}]}],"
      " \"items\": [{\"content\": {\"show\": %" G_GINT64_FORMAT "}, \"mode\": \"one\", \"start_time\": \"00:00\"}]}",
      l->short_1s, l->filler_col, l->show_b);
  g_autoptr (GPtrArray) items = build_doc (l, doc, 24);
  gint64 last_blink = -1;
  guint blinks = 0;

  for (guint i = 0; i < items->len; i++)
    {
      ExsPlayoutItem *it = items->pdata[i];
      if (it->kind == EXS_PLAYOUT_ITEM_FILLER && g_str_equal (it->title, "Blink"))
        {
          if (last_blink >= 0)
            g_assert_cmpint (it->start_us - last_blink, >=, 10 * MIN_US);
          last_blink = it->start_us;
          blinks++;
        }
    }
  g_assert_cmpuint (blinks, >, 50);
}

/* Content that cannot play: the playout is built anyway, the problems named. */
static void
test_bad_content (Lib *l, gconstpointer data)
{
  gint64 empty = exs_test_library_add_collection (l->lib, "empty");
  gint64 zero = exs_test_library_add_item (l->lib, 0, 0, 0, "Zero", 0);
  gint64 gone = exs_test_library_add_item (l->lib, 0, 0, 0, "Gone", 60000);
  g_autofree char *doc = NULL;
  g_autoptr (GPtrArray) items = NULL;
  g_autoptr (ExsPlayoutBuilder) b = NULL;
  g_auto (GStrv) problems = NULL;
  g_autofree char *joined = NULL;

  doc = json_printf ("{\"name\": \"bad\", \"items\": ["
                     "{\"content\": {\"collection\": %" G_GINT64_FORMAT "}, \"mode\": \"flood\"},"
                     "{\"content\": {\"playlist\": [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "]}, \"mode\": \"one\"},"
                     "{\"content\": {\"media_item\": %" G_GINT64_FORMAT "}, \"mode\": \"one\", \"start_time\": \"03:00\"},"
                     "{\"content\": {\"show\": 9999}, \"mode\": \"duration\", \"duration_seconds\": 600}]}",
                     empty, zero, gone, l->movie_10h);
  exs_test_library_add_schedule (l->lib, doc, "5", "continuous", 1);
  {
    g_autofree char *sql = g_strdup_printf ("DELETE FROM media_items WHERE id = %" G_GINT64_FORMAT, gone);
    exs_test_library_exec (l->lib, sql);
  }
  b = builder_new (l->lib, "UTC", 48 * HOUR_US);
  build (b, "5", EXS_PLAYOUT_BUILD_RESET, T0);
  items = list (b, "5", T0, T0 + 48 * HOUR_US);
  assert_contiguous (items, T0, T0 + 48 * HOUR_US);
  problems = exs_playout_builder_dup_problems (b, "5");
  joined = g_strjoinv ("\n", problems);
  g_test_message ("%s", joined);
  g_assert_nonnull (strstr (joined, "nothing to play"));
  g_assert_nonnull (strstr (joined, "has no duration"));
  g_assert_nonnull (strstr (joined, "does not exist"));
  g_assert_nonnull (strstr (joined, "show 9999"));
  /* the 10 h movie at 03:00 is the only programme */
  g_assert_cmpuint (count_kind (items, EXS_PLAYOUT_ITEM_PROGRAMME), ==, 2);
}

/* A smart collection plays its query's items (issue 15, item 1): a
 * schedule of "title:Bravo" floods the day with Bravo's four episodes,
 * nothing offline, and names no problem. */
static void
test_smart_collection (Lib *l, gconstpointer data)
{
  g_autofree char *doc = NULL;
  g_autoptr (GPtrArray) items = NULL;
  g_autoptr (ExsPlayoutBuilder) b = NULL;
  g_auto (GStrv) problems = NULL;
  g_autoptr (sqlite3_stmt) s = exs_database_prepare (
      l->lib->db, "INSERT INTO collections (name, kind, query, created_at, updated_at)"
                  " VALUES ('bravo', 'smart', 'title:Bravo', 0, 0)", NULL);
  gint64 smart;

  g_assert_cmpint (sqlite3_step (s), ==, SQLITE_DONE);
  smart = sqlite3_last_insert_rowid (exs_database_get_handle (l->lib->db));
  doc = json_printf ("{\"name\": \"smart\", \"items\": ["
                     "{\"content\": {\"collection\": %" G_GINT64_FORMAT "}, \"mode\": \"flood\"}]}",
                     smart);
  exs_test_library_add_schedule (l->lib, doc, "5", "continuous", 1);
  b = builder_new (l->lib, "UTC", 24 * HOUR_US);
  build (b, "5", EXS_PLAYOUT_BUILD_RESET, T0);
  items = list (b, "5", T0, T0 + 24 * HOUR_US);
  assert_contiguous (items, T0, T0 + 24 * HOUR_US);
  problems = exs_playout_builder_dup_problems (b, "5");
  g_assert_cmpuint (problems ? g_strv_length (problems) : 0, ==, 0);
  g_assert_cmpuint (count_kind (items, EXS_PLAYOUT_ITEM_OFFLINE), ==, 0);
  for (guint i = 0; i < items->len; i++)
    {
      ExsPlayoutItem *it = items->pdata[i];
      if (it->kind == EXS_PLAYOUT_ITEM_PROGRAMME)
        g_assert_true (g_str_has_prefix (it->title, "Bravo"));
    }
  g_assert_cmpuint (count_kind (items, EXS_PLAYOUT_ITEM_PROGRAMME), >=, 24 * 60 / 25);
}

/* The offline screen on air ends at the next rebuild (issue 15, item 2): a
 * channel whose collection was empty shows offline; episodes are added and
 * the playout rebuilt: from that instant it plays them, what was before stays. */
static void
test_rebuild_ends_offline (Lib *l, gconstpointer data)
{
  gint64 col = exs_test_library_add_collection (l->lib, "later");
  gint64 at = T0 + 3 * HOUR_US + 17 * MIN_US + 250000;
  g_autofree char *doc = json_printf ("{\"name\": \"later\", \"items\": [{\"content\": {\"collection\": %" G_GINT64_FORMAT "},"
                                      " \"mode\": \"flood\"}]}", col);
  g_autoptr (ExsPlayoutBuilder) b = NULL;
  g_autoptr (ExsPlayoutItem) before = NULL;
  g_autoptr (ExsPlayoutItem) now = NULL;
  g_autoptr (GPtrArray) items = NULL;
  g_autoptr (GError) error = NULL;

  exs_test_library_add_schedule (l->lib, doc, "5", "continuous", 1);
  b = builder_new (l->lib, "UTC", 24 * HOUR_US);
  build (b, "5", EXS_PLAYOUT_BUILD_RESET, T0);
  before = exs_playout_source_lookup (EXS_PLAYOUT_SOURCE (b), "5", at, &error);
  g_assert_no_error (error);
  g_assert_cmpint (before->kind, ==, EXS_PLAYOUT_ITEM_OFFLINE);

  exs_test_library_add_member (l->lib, col, 0, l->show_b);
  build (b, "5", EXS_PLAYOUT_BUILD_REBUILD, at);
  now = exs_playout_source_lookup (EXS_PLAYOUT_SOURCE (b), "5", at, &error);
  g_assert_no_error (error);
  g_assert_cmpint (now->kind, ==, EXS_PLAYOUT_ITEM_PROGRAMME);
  g_assert_cmpstr (now->title, ==, "Bravo");
  g_assert_cmpint (now->start_us, <=, at);
  items = list (b, "5", T0, at + 24 * HOUR_US);
  assert_contiguous (items, T0, at + 24 * HOUR_US);
  /* the offline hours before the rebuild are history, kept as they were */
  g_assert_cmpint (((ExsPlayoutItem *) items->pdata[0])->kind, ==, EXS_PLAYOUT_ITEM_OFFLINE);
  g_assert_cmpint (((ExsPlayoutItem *) items->pdata[0])->stop_us, ==, at - at % US);
  g_assert_cmpuint (count_kind (items, EXS_PLAYOUT_ITEM_OFFLINE), ==, 1);
  /* and a fresh builder (a restart) reads the same from the database */
  {
    g_autoptr (ExsPlayoutBuilder) again = builder_new (l->lib, "UTC", 24 * HOUR_US);
    g_autoptr (ExsPlayoutItem) stored = NULL;
    exs_playout_builder_load (again, &error);
    g_assert_no_error (error);
    build (again, "5", EXS_PLAYOUT_BUILD_EXTEND, at + MIN_US);
    stored = exs_playout_source_lookup (EXS_PLAYOUT_SOURCE (again), "5", at + MIN_US, &error);
    g_assert_no_error (error);
    g_assert_cmpint (stored->kind, ==, EXS_PLAYOUT_ITEM_PROGRAMME);
  }
}

static void
test_invalid_documents (void)
{
  const struct { const char *doc; const char *field; } cases[] = {
    { "{\"items\": []}", "name" },
    { "{\"name\": \"x\"}", "items" },
    { "{\"name\": \"x\", \"items\": [{\"content\": {\"show\": 1}, \"mode\": \"multiple\"}]}", "items[0].count" },
    { "{\"name\": \"x\", \"items\": [{\"content\": {\"show\": 1}, \"mode\": \"sometimes\"}]}", "items[0].mode" },
    { "{\"name\": \"x\", \"items\": [{\"content\": {\"show\": 1}, \"start_time\": \"25:00\"}]}", "items[0].start_time" },
    { "{\"name\": \"x\", \"items\": [{\"content\": {\"show\": 1, \"media_item\": 2}}]}", "items[0].content" },
    { "{\"name\": \"x\", \"items\": [{\"content\": {\"show\": 1}, \"pre_roll\": \"nope\"}]}", "items[0].pre_roll" },
    { "{\"name\": \"x\", \"items\": [{\"content\": {\"show\": 1}, \"mode\": \"duration\"}]}", "items[0].duration_seconds" },
    { "{\"name\": \"x\", \"items\": [{\"content\": {\"balance\": []}}]}", "items[0].content.balance" },
    { "{\"name\": \"x\", \"items\": [], \"colour\": 1}", "colour" },
    { "{\"name\": \"x\", \"items\": [{\"content\": {\"show\": 1}, \"pad_to_minutes\": 7}]}", "items[0].pad_to_minutes" },
    { "{\"name\": \"x\", \"items\": [{\"content\": {\"show\": 1}}, 3]}", "items[1]" },
    { "{\"name\": \"x\", \"items\": [], \"fillers\": [[]]}", "fillers[0]" },
    { "{\"name\": \"x\", \"items\": [], \"fillers\": [{\"name\": \"b\", \"items\": [{\"collection\": 1}]},"
      " {\"name\": \"b\", \"items\": [{\"collection\": 2}]}]}", "fillers[1].name" },
    { "{\"name\": \"x\", \"items\": [{\"content\": {\"show\": 1}, \"media\": {\"subtitle_mode\": \"loud\"}}]}",
      "items[0].media.subtitle_mode" },
    { "{\"name\": \"x\", \"items\": [{\"content\": {\"show\": 1}, \"media\": {\"scaling\": \"crop\"}}]}",
      "items[0].media.scaling" },
    { "{\"name\": \"x\", \"items\": [{\"content\": {\"show\": 1}, \"media\": {\"watermark\": {\"image\": \"/w.png\"}}}]}",
      "items[0].media.watermark" },
    { "{\"name\": \"x\", \"items\": [{\"content\": {\"show\": 1}, \"media\": \"jpn\"}]}", "items[0].media" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (ExsSchedule) s = exs_schedule_new_from_data (cases[i].doc, &error);
      g_autofree char *prefix = g_strconcat (cases[i].field, ": ", NULL);
      g_assert_null (s);
      g_assert_error (error, EXS_SCHEDULE_ERROR, EXS_SCHEDULE_ERROR_INVALID);
      if (!g_str_has_prefix (error->message, prefix))
        g_error ("case %u: “%s” does not name %s", i, error->message, cases[i].field);
    }
}

static void
test_canonical_round_trip (void)
{
  const char *doc = "{\"name\": \"rt\", \"max_lateness_seconds\": 120, \"fallback_filler\": \"f\","
                    " \"fillers\": [{\"name\": \"f\", \"items\": [{\"collection\": 2, \"weight\": 3, \"cooldown_minutes\": 5}],"
                    " \"every_minutes\": 8}],"
                    " \"items\": [{\"title\": \"Movie Night\", \"content\": {\"weighted\": [{\"show\": 1, \"season\": 2},"
                    " {\"playlist\": [4, 5, 4]}]}, \"order\": \"shuffle_in_order\", \"mode\": \"block\","
                    " \"duration_seconds\": 5400, \"start_time\": \"20:00\", \"pad_to_minutes\": 15, \"mid_roll\": \"f\","
                    " \"media\": {\"watermark\": null, \"subtitle_mode\": \"forced\", \"audio_languages\": \"jpn\"}}]}";
  g_autoptr (GError) error = NULL;
  g_autoptr (ExsSchedule) a = exs_schedule_new_from_data (doc, &error);
  g_autofree char *text_a = NULL;
  g_autoptr (ExsSchedule) b = NULL;
  g_autofree char *text_b = NULL;

  g_assert_no_error (error);
  text_a = exs_schedule_to_data (a);
  b = exs_schedule_new_from_data (text_a, &error);
  g_assert_no_error (error);
  text_b = exs_schedule_to_data (b);
  g_assert_cmpstr (text_a, ==, text_b);
  g_assert_nonnull (strstr (text_a, "\"start_time\":\"20:00:00\""));
  g_assert_nonnull (strstr (text_a, "\"tail\":\"filler\""));
  /* the media override, its members in their canonical order */
  g_assert_nonnull (strstr (text_a, "\"media\":{\"audio_languages\":\"jpn\",\"subtitle_mode\":\"forced\","
                                    "\"watermark\":null}"));
}

/* A schedule item's media override goes with each programme it plays, and
 * survives the playout's storage; the other item's programmes have none. */
static void
test_item_media_override (Lib *l, gconstpointer data)
{
  g_autofree char *doc = json_printf (
      "{\"name\": \"o\", \"items\": ["
      "  {\"content\": {\"show\": %" G_GINT64_FORMAT "}, \"mode\": \"one\","
      "   \"media\": {\"audio_languages\": \"jpn\", \"subtitle_mode\": \"always\", \"watermark\": null}},"
      "  {\"content\": {\"show\": %" G_GINT64_FORMAT "}, \"mode\": \"one\"}]}",
      l->show_a, l->show_b);
  g_autoptr (GPtrArray) items = build_doc (l, doc, 6);
  guint with = 0, without = 0;

  for (guint i = 0; i < items->len; i++)
    {
      ExsPlayoutItem *it = items->pdata[i];
      if (it->kind != EXS_PLAYOUT_ITEM_PROGRAMME)
        continue;
      if (g_str_equal (it->title, "Alpha"))
        {
          g_assert_cmpstr (it->media, ==,
                           "{\"audio_languages\":\"jpn\",\"subtitle_mode\":\"always\",\"watermark\":null}");
          with++;
        }
      else
        {
          g_assert_null (it->media);
          without++;
        }
    }
  g_assert_cmpuint (with, >, 0);
  g_assert_cmpuint (without, >, 0);
}

/* ---- anchors: rebuild, restart, extension ---- */

static void
assert_same_items (GPtrArray *a, GPtrArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    {
      ExsPlayoutItem *x = a->pdata[i], *y = b->pdata[i];
      g_assert_cmpint (x->start_us, ==, y->start_us);
      g_assert_cmpint (x->stop_us, ==, y->stop_us);
      g_assert_cmpint (x->kind, ==, y->kind);
      g_assert_cmpint (x->in_point_us, ==, y->in_point_us);
      g_assert_cmpstr (x->uri, ==, y->uri);
      g_assert_cmpstr (x->title, ==, y->title);
    }
}

/* Merges adjacent OFFLINE items (builds in several steps may split one). */
static GPtrArray *
normalise (GPtrArray *items)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) exs_playout_item_free);

  for (guint i = 0; i < items->len; i++)
    {
      ExsPlayoutItem *it = items->pdata[i];
      ExsPlayoutItem *last = out->len ? out->pdata[out->len - 1] : NULL;
      if (last && last->kind == EXS_PLAYOUT_ITEM_OFFLINE && it->kind == EXS_PLAYOUT_ITEM_OFFLINE)
        last->stop_us = it->stop_us;
      else
        g_ptr_array_add (out, exs_playout_item_copy (it));
    }
  return out;
}

/* ---- property tests ---- */

typedef struct
{
  ExsTestLibrary *lib;
  gint64 shows[3];
  gint64 fixed_shows[3];
  gint64 movies[2];
  gint64 filler_col, mix_col, empty_col;
} RandomLib;

static gint64
random_duration_ms (void)
{
  switch (g_test_rand_int_range (0, 6))
    {
    case 0: return 1000;                                           /* 1 s */
    case 1: return 10 * 3600 * 1000;                               /* 10 h */
    case 2: return g_test_rand_int_range (1, 120) * 1000;          /* seconds */
    default: return g_test_rand_int_range (60, 3 * 3600) * 1000 + g_test_rand_int_range (0, 1000);
    }
}

static void
random_lib (RandomLib *r)
{
  r->lib = exs_test_library_new ();
  for (guint s = 0; s < 3; s++)
    {
      g_autofree char *name = g_strdup_printf ("Show %u", s);
      g_autofree char *fname = g_strdup_printf ("Fixed %u", s);
      int n = g_test_rand_int_range (1, 9);
      r->shows[s] = exs_test_library_add_show (r->lib, name);
      r->fixed_shows[s] = exs_test_library_add_show (r->lib, fname);
      for (int e = 1; e <= n; e++)
        {
          g_autofree char *t = e == 2 && s == 0 ? g_strdup ("Two Parter (1)")
                               : e == 3 && s == 0 ? g_strdup ("Two Parter (2)")
                                                  : g_strdup_printf ("Episode %d", e);
          exs_test_library_add_item (r->lib, r->shows[s], 1 + e / 4, e, t, random_duration_ms ());
        }
      for (int e = 1; e <= 3; e++)
        exs_test_library_add_item (r->lib, r->fixed_shows[s], 1, e, "Fixed",
                                   g_test_rand_int_range (1, 100) == 1 ? 10 * 3600 * 1000
                                                                       : g_test_rand_int_range (1, 5400) * 1000);
    }
  r->movies[0] = exs_test_library_add_item (r->lib, 0, 0, 0, "Ten Hours", 10 * 3600 * 1000);
  r->movies[1] = exs_test_library_add_item (r->lib, 0, 0, 0, "One Second", 1000);
  r->filler_col = exs_test_library_add_collection (r->lib, "filler");
  for (int i = 0; i < 4; i++)
    exs_test_library_add_member (r->lib, r->filler_col,
                                 exs_test_library_add_item (r->lib, 0, 0, 0, "Filler", g_test_rand_int_range (1, 90) * 1000), 0);
  r->mix_col = exs_test_library_add_collection (r->lib, "mix");
  exs_test_library_add_member (r->lib, r->mix_col, 0, r->shows[1]);
  exs_test_library_add_member (r->lib, r->mix_col, r->movies[1], 0);
  r->empty_col = exs_test_library_add_collection (r->lib, "empty");
  exs_test_library_add_channel (r->lib, "9", "Nine");
}

static const char *const orders[] = { "chronological", "season_episode", "shuffle", "shuffle_in_order", "random" };
static const char *const modes[] = { "flood", "one", "multiple", "duration", "block" };

static void
append_content (GString *s, RandomLib *r)
{
  switch (g_test_rand_int_range (0, 9))
    {
    case 0: g_string_append_printf (s, "{\"show\": %" G_GINT64_FORMAT "}", r->shows[0]); break;
    case 1: g_string_append_printf (s, "{\"show\": %" G_GINT64_FORMAT ", \"season\": 1}", r->shows[1]); break;
    case 2: g_string_append_printf (s, "{\"collection\": %" G_GINT64_FORMAT "}", r->mix_col); break;
    case 3: g_string_append_printf (s, "{\"media_item\": %" G_GINT64_FORMAT "}", r->movies[g_test_rand_int_range (0, 2)]); break;
    case 4:
      g_string_append_printf (s, "{\"playlist\": [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", 99999]}", r->movies[1],
                              r->movies[0]);
      break;
    case 5:
      g_string_append_printf (s, "{\"balance\": [{\"show\": %" G_GINT64_FORMAT ", \"weight\": %d}, {\"show\": %" G_GINT64_FORMAT "}]}",
                              r->shows[0], g_test_rand_int_range (1, 5), r->shows[2]);
      break;
    case 6:
      g_string_append_printf (s, "{\"weighted\": [{\"show\": %" G_GINT64_FORMAT ", \"weight\": %d}, {\"collection\": %" G_GINT64_FORMAT "}]}",
                              r->shows[2], g_test_rand_int_range (1, 5), r->mix_col);
      break;
    case 7: g_string_append_printf (s, "{\"collection\": %" G_GINT64_FORMAT "}", r->empty_col); break;
    default: g_string_append_printf (s, "{\"show\": %" G_GINT64_FORMAT "}", r->shows[2]); break;
    }
}

static const char *
random_filler_ref (void)
{
  return g_test_rand_int_range (0, 3) == 0 ? "\"f\"" : "null";
}

/* A random valid schedule; fixed items play their own show without rolls, so
 * the first item of each of their runs can be checked against its time. */
static char *
random_schedule (RandomLib *r, int *fixed_s, gint64 *lateness_s)
{
  GString *s = g_string_new (NULL);
  int n = g_test_rand_int_range (1, 6);
  guint fixed_used = 0;

  *lateness_s = g_test_rand_int_range (0, 3) == 0 ? 0 : g_test_rand_int_range (0, 900);
  g_string_append_printf (s, "{\"name\": \"random\", \"max_lateness_seconds\": %" G_GINT64_FORMAT ","
                          " \"keep_multi_part_episodes\": %s, \"fallback_filler\": %s,"
                          " \"fillers\": [{\"name\": \"f\", \"items\": [{\"collection\": %" G_GINT64_FORMAT ", \"cooldown_minutes\": %d},"
                          " {\"media_item\": %" G_GINT64_FORMAT ", \"weight\": 2}], \"every_minutes\": %d, \"count\": %d}],"
                          " \"items\": [",
                          *lateness_s, g_test_rand_bit () ? "true" : "false", g_test_rand_bit () ? "\"f\"" : "null",
                          r->filler_col, g_test_rand_int_range (0, 3), r->movies[1], g_test_rand_int_range (0, 30),
                          g_test_rand_int_range (1, 3));
  for (int i = 0; i < n; i++)
    {
      const char *mode = modes[g_test_rand_int_range (0, G_N_ELEMENTS (modes))];
      gboolean fixed = fixed_used < 3 && g_test_rand_int_range (0, 3) == 0;
      if (i > 0)
        g_string_append (s, ", ");
      g_string_append (s, "{\"content\": ");
      if (fixed)
        {
          const int choices[] = { 5400, 9000, 0, 20 * 3600, 6 * 3600 + 17 * 60 + 3 };
          fixed_s[fixed_used] = g_test_rand_bit () ? choices[g_test_rand_int_range (0, G_N_ELEMENTS (choices))]
                                                   : g_test_rand_int_range (0, 86400);
          g_string_append_printf (s, "{\"show\": %" G_GINT64_FORMAT "}, \"start_time\": \"%02d:%02d:%02d\"",
                                  r->fixed_shows[fixed_used], fixed_s[fixed_used] / 3600, fixed_s[fixed_used] / 60 % 60,
                                  fixed_s[fixed_used] % 60);
          fixed_used++;
        }
      else
        {
          append_content (s, r);
          g_string_append_printf (s, ", \"pre_roll\": %s, \"mid_roll\": %s, \"post_roll\": %s", random_filler_ref (),
                                  random_filler_ref (), random_filler_ref ());
        }
      g_string_append_printf (s, ", \"order\": \"%s\", \"mode\": \"%s\", \"count\": %d, \"duration_seconds\": %d,"
                              " \"tail\": \"%s\", \"pad_to_minutes\": %d, \"tail_filler\": %s}",
                              orders[g_test_rand_int_range (0, G_N_ELEMENTS (orders))], mode,
                              g_test_rand_int_range (1, 5), g_test_rand_int_range (1, 4 * 3600),
                              g_test_rand_bit () ? "offline" : g_test_rand_bit () ? "filler" : "none",
                              g_test_rand_bit () ? 0 : g_test_rand_bit () ? 30 : 60, random_filler_ref ());
    }
  g_string_append (s, "]}");
  for (guint k = fixed_used; k < 3; k++)
    fixed_s[k] = -1;
  return g_string_free (s, FALSE);
}

static void
check_fixed_starts (GPtrArray *items, GTimeZone *tz, const int *fixed_s, gint64 lateness_s)
{
  for (guint i = 0; i < items->len; i++)
    {
      ExsPlayoutItem *it = items->pdata[i], *prev = i > 0 ? items->pdata[i - 1] : NULL;
      guint k;
      gint64 t;
      if (it->kind != EXS_PLAYOUT_ITEM_PROGRAMME || !g_str_has_prefix (it->title, "Fixed "))
        continue;
      if (prev == NULL || (prev->kind == EXS_PLAYOUT_ITEM_PROGRAMME && g_str_equal (prev->title, it->title)))
        continue;
      k = (guint) (it->title[6] - '0');
      g_assert_cmpint (fixed_s[k], >=, 0);
      t = exs_schedule_next_fixed_start (tz, fixed_s[k], it->start_us - lateness_s * US, TRUE);
      if (t > it->start_us)
        g_error ("%s starts at %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT " s after its fixed time (lateness %" G_GINT64_FORMAT " s)",
                 it->title, it->start_us, (it->start_us - (t - DAY_US)) / US, lateness_s);
    }
}

static void
test_property_random_schedules (void)
{
  const char *zones[] = { "Europe/London", "America/New_York", "UTC" };
  const gint64 around[] = { utc (2026, 3, 28, 12, 0), utc (2026, 10, 24, 12, 0), utc (2026, 3, 7, 12, 0),
                            utc (2026, 10, 31, 12, 0), T0 };
  guint rounds = g_test_thorough () ? 200 : 20;

  for (guint round = 0; round < rounds; round++)
    {
      RandomLib r;
      const char *zone = zones[g_test_rand_int_range (0, 3)];
      g_autoptr (GTimeZone) tz = tz_new (zone);
      g_autoptr (ExsPlayoutBuilder) b = NULL;
      g_autoptr (GPtrArray) all = NULL;
      gint64 start = around[g_test_rand_int_range (0, G_N_ELEMENTS (around))]
                     + (gint64) g_test_rand_int_range (-20 * 3600, 20 * 3600) * US + g_test_rand_int_range (0, 1000000);
      gint64 horizon = (gint64) g_test_rand_int_range (6, 49) * HOUR_US;
      int fixed_s[3];
      gint64 lateness_s, seed = g_test_rand_int_range (1, 1000000);
      g_autofree char *doc = NULL;

      random_lib (&r);
      doc = random_schedule (&r, fixed_s, &lateness_s);
      g_test_message ("round %u: %s, start %" G_GINT64_FORMAT ", horizon %" G_GINT64_FORMAT " h, seed %" G_GINT64_FORMAT ": %s",
                      round, zone, start, horizon / HOUR_US, seed, doc);
      exs_test_library_add_schedule (r.lib, doc, "9", "continuous", seed);
      b = builder_new (r.lib, zone, horizon);
      build (b, "9", EXS_PLAYOUT_BUILD_RESET, start);
      g_assert_cmpint (exs_playout_builder_get_built_until (b, "9"), >=, start + horizon);

      /* the whole horizon, then random ranges and instants */
      all = list (b, "9", start, start + horizon);
      assert_contiguous (all, start, start + horizon);
      check_fixed_starts (all, tz, fixed_s, lateness_s);
      for (int q = 0; q < 20; q++)
        {
          gint64 from = start + (gint64) (g_test_rand_double () * (double) horizon);
          gint64 to = from + 1 + (gint64) (g_test_rand_double () * (double) (start + horizon - from));
          g_autoptr (GPtrArray) part = list (b, "9", from, to);
          g_autoptr (ExsPlayoutItem) at = exs_playout_source_lookup (EXS_PLAYOUT_SOURCE (b), "9", from, NULL);
          assert_contiguous (part, from, to);
          g_assert_cmpint (at->start_us, <=, from);
          g_assert_cmpint (at->stop_us, >, from);
          g_assert_cmpint (at->start_us, ==, ((ExsPlayoutItem *) part->pdata[0])->start_us);
          g_assert_cmpint (exs_playout_item_offset_at (at, from), ==, at->in_point_us + from - at->start_us);
        }

      /* same seed, fresh database: the same playout */
      {
        RandomLib r2;
        g_autoptr (ExsPlayoutBuilder) b2 = NULL;
        g_autoptr (GPtrArray) again = NULL;
        /* random_lib draws random numbers: rebuild it from the same stream position is not
         * possible, so copy the file instead */
        g_autofree char *copy_dir = g_dir_make_tmp ("exs-sched-copy-XXXXXX", NULL);
        g_autofree char *copy = g_build_filename (copy_dir, "copy.db", NULL);
        g_autofree char *sql = g_strdup_printf ("VACUUM INTO '%s'", copy);
        g_autoptr (GError) error = NULL;
        exs_test_library_exec (r.lib, sql);
        r2.lib = g_new0 (ExsTestLibrary, 1);
        r2.lib->own_dir = TRUE;
        r2.lib->dir = g_steal_pointer (&copy_dir);
        r2.lib->path = g_steal_pointer (&copy);
        r2.lib->db = exs_database_open (r2.lib->path, &error);
        g_assert_no_error (error);
        b2 = builder_new (r2.lib, zone, horizon);
        build (b2, "9", EXS_PLAYOUT_BUILD_RESET, start);
        again = list (b2, "9", start, start + horizon);
        assert_same_items (all, again);
        g_clear_object (&b2);
        exs_test_library_free (r2.lib);
      }

      /* extend half a horizon later: the old part unchanged, no jump at the seam */
      {
        gint64 later = start + horizon / 2;
        g_autoptr (GPtrArray) old_part = list (b, "9", later, start + horizon);
        g_autoptr (GPtrArray) after = NULL;
        g_autoptr (GPtrArray) n1 = NULL;
        g_autoptr (GPtrArray) n2 = NULL;
        build (b, "9", EXS_PLAYOUT_BUILD_EXTEND, later);
        after = list (b, "9", later, later + horizon);
        assert_contiguous (after, later, later + horizon);
        check_fixed_starts (after, tz, fixed_s, lateness_s);
        for (guint i = 0; i + 1 < old_part->len; i++)
          {
            ExsPlayoutItem *x = old_part->pdata[i], *y = after->pdata[i];
            g_assert_cmpint (x->start_us, ==, y->start_us);
            g_assert_cmpint (x->stop_us, ==, y->stop_us);
            g_assert_cmpstr (x->uri, ==, y->uri);
          }
        /* restart: a new builder on the same file sees the same playout */
        {
          g_autoptr (ExsPlayoutBuilder) restarted = builder_new (r.lib, zone, horizon);
          g_autoptr (GError) error = NULL;
          g_autoptr (GPtrArray) reloaded = NULL;
          gboolean ended_offline = FALSE;
          exs_playout_builder_load (restarted, &error);
          g_assert_no_error (error);
          reloaded = list (restarted, "9", later, later + horizon);
          assert_same_items (after, reloaded);
          /* rebuild: what plays now stays, the rest follows without a gap */
          build (restarted, "9", EXS_PLAYOUT_BUILD_REBUILD, later + HOUR_US);
          g_clear_pointer (&reloaded, g_ptr_array_unref);
          reloaded = list (restarted, "9", later + HOUR_US, later + HOUR_US + horizon);
          assert_contiguous (reloaded, later + HOUR_US, later + HOUR_US + horizon);
          {
            g_autoptr (ExsPlayoutItem) was = exs_playout_source_lookup (EXS_PLAYOUT_SOURCE (b), "9", later + HOUR_US, NULL);
            ExsPlayoutItem *is = reloaded->pdata[0];
            if (was->kind == EXS_PLAYOUT_ITEM_OFFLINE && is->kind != EXS_PLAYOUT_ITEM_OFFLINE)
              {
                /* offline on air ends at the rebuild where the schedule,
                 * started over, has something to play then */
                g_assert_cmpint (is->start_us, ==, (later + HOUR_US) - (later + HOUR_US) % US);
                ended_offline = TRUE;
              }
            else
              {
                g_assert_cmpint (was->start_us, ==, is->start_us);
                g_assert_cmpint (was->stop_us, ==, is->stop_us);
                g_assert_cmpstr (was->uri, ==, is->uri);
              }
          }
          /* and an unchanged schedule rebuilds to the very same playout */
          n1 = normalise (after);
          g_clear_pointer (&reloaded, g_ptr_array_unref);
          reloaded = list (restarted, "9", later, later + horizon);
          n2 = normalise (reloaded);
          for (guint i = 0; !ended_offline && i < MIN (n1->len, n2->len) - 1; i++)
            {
              ExsPlayoutItem *x = n1->pdata[i], *y = n2->pdata[i];
              g_assert_cmpint (x->start_us, ==, y->start_us);
              g_assert_cmpint (x->stop_us, ==, y->stop_us);
              g_assert_cmpstr (x->uri, ==, y->uri);
            }
        }
      }
      g_clear_object (&b);
      exs_test_library_free (r.lib);
    }
}

/* Two builds in steps equal one long build. */
static void
test_extension_equals_one_build (Lib *l, gconstpointer data)
{
  g_autofree char *doc = json_printf (
      "{\"name\": \"e\", \"fallback_filler\": \"b\", \"fillers\": [{\"name\": \"b\", \"items\": [{\"collection\": %" G_GINT64_FORMAT "}]}],"
      " \"items\": [{\"content\": {\"show\": %" G_GINT64_FORMAT "}, \"order\": \"shuffle\", \"mode\": \"flood\", \"start_time\": \"05:00\"},"
      " {\"content\": {\"show\": %" G_GINT64_FORMAT "}, \"order\": \"random\", \"mode\": \"multiple\", \"count\": 2,"
      "  \"start_time\": \"19:45\", \"pad_to_minutes\": 15, \"post_roll\": \"b\"}]}",
      l->filler_col, l->show_a, l->show_b);
  g_autoptr (ExsPlayoutBuilder) stepwise = NULL;
  g_autoptr (ExsPlayoutBuilder) once = NULL;
  g_autoptr (GPtrArray) a = NULL;
  g_autoptr (GPtrArray) b = NULL;
  g_autoptr (GPtrArray) na = NULL;
  g_autoptr (GPtrArray) nb = NULL;

  exs_test_library_add_schedule (l->lib, doc, "5", "continuous", 77);
  stepwise = builder_new (l->lib, "Europe/London", 24 * HOUR_US);
  build (stepwise, "5", EXS_PLAYOUT_BUILD_RESET, T0);
  for (int h = 6; h <= 72; h += 6)
    build (stepwise, "5", EXS_PLAYOUT_BUILD_EXTEND, T0 + h * HOUR_US);
  a = list (stepwise, "5", T0 + 72 * HOUR_US, T0 + 96 * HOUR_US);
  g_clear_object (&stepwise);

  exs_test_library_exec (l->lib, "DELETE FROM playout_items; DELETE FROM channel_playouts WHERE 0");
  once = builder_new (l->lib, "Europe/London", 96 * HOUR_US);
  build (once, "5", EXS_PLAYOUT_BUILD_RESET, T0);
  b = list (once, "5", T0 + 72 * HOUR_US, T0 + 96 * HOUR_US);
  na = normalise (a);
  nb = normalise (b);
  assert_same_items (na, nb);
}

/* The schedule is edited (another shape, a moved slot): a rebuild keeps what
 * plays now and follows the new schedule after it, without a gap. */
static void
test_rebuild_after_edit (Lib *l, gconstpointer data)
{
  g_autofree char *doc = json_printf (
      "{\"name\": \"e\", \"items\": [{\"content\": {\"show\": %" G_GINT64_FORMAT "}, \"mode\": \"flood\", \"start_time\": \"06:00\"},"
      " {\"content\": {\"show\": %" G_GINT64_FORMAT "}, \"mode\": \"one\", \"start_time\": \"12:00\"}]}",
      l->show_a, l->show_b);
  g_autofree char *edited = json_printf (
      "{\"name\": \"e\", \"items\": [{\"content\": {\"show\": %" G_GINT64_FORMAT "}, \"mode\": \"flood\", \"start_time\": \"07:00\"},"
      " {\"content\": {\"show\": %" G_GINT64_FORMAT "}, \"mode\": \"one\", \"start_time\": \"13:00\"},"
      " {\"content\": {\"media_item\": %" G_GINT64_FORMAT "}, \"mode\": \"one\"}]}",
      l->show_a, l->show_b, l->short_1s);
  g_autoptr (ExsPlayoutBuilder) b = NULL;
  g_autoptr (ExsPlayoutItem) before = NULL;
  g_autoptr (GPtrArray) after = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (ExsSchedule) s = NULL;
  gint64 id, at = T0 + 14 * HOUR_US + 7 * MIN_US; /* 09:07 in New York: show A plays */
  gboolean saw_13 = FALSE;

  id = exs_test_library_add_schedule (l->lib, doc, "5", "continuous", 4);
  b = builder_new (l->lib, "America/New_York", 48 * HOUR_US);
  build (b, "5", EXS_PLAYOUT_BUILD_RESET, T0);
  before = exs_playout_source_lookup (EXS_PLAYOUT_SOURCE (b), "5", at, &error);
  g_assert_cmpint (before->kind, ==, EXS_PLAYOUT_ITEM_PROGRAMME);
  s = exs_schedule_new_from_data (edited, &error);
  g_assert_no_error (error);
  exs_schedule_store_update (l->lib->db, id, s, &error);
  g_assert_no_error (error);
  build (b, "5", EXS_PLAYOUT_BUILD_REBUILD, at);
  after = list (b, "5", at, at + 40 * HOUR_US);
  assert_contiguous (after, at, at + 40 * HOUR_US);
  g_assert_cmpint (((ExsPlayoutItem *) after->pdata[0])->start_us, ==, before->start_us);
  g_assert_cmpstr (((ExsPlayoutItem *) after->pdata[0])->uri, ==, before->uri);
  for (guint i = 0; i < after->len; i++)
    {
      ExsPlayoutItem *it = after->pdata[i];
      g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (it->start_us / US);
      g_autoptr (GTimeZone) ny = tz_new ("America/New_York");
      g_autoptr (GDateTime) local = g_date_time_to_timezone (dt, ny);
      if (it->kind == EXS_PLAYOUT_ITEM_PROGRAMME && g_str_equal (it->title, "Bravo"))
        {
          g_assert_cmpint (g_date_time_get_hour (local), ==, 13);
          g_assert_cmpint (g_date_time_get_minute (local), ==, 0);
          saw_13 = TRUE;
        }
    }
  g_assert_true (saw_13);
}

static void
on_built_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  exs_playout_builder_build_finish (EXS_PLAYOUT_BUILDER (source), result, &error);
  g_assert_no_error (error);
  g_main_loop_quit (user_data);
}

/* The background path: a GTask thread finds the channels whose horizon runs
 * short, builds them with the real clock, and forgets deleted channels. */
static void
test_background_extension (Lib *l, gconstpointer data)
{
  g_autofree char *doc = json_printf ("{\"name\": \"bg\", \"items\": [{\"content\": {\"show\": %" G_GINT64_FORMAT "},"
                                      " \"mode\": \"flood\"}]}",
                                      l->show_a);
  g_autoptr (ExsPlayoutBuilder) b = NULL;
  g_autoptr (GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr (ExsPlayoutItem) gone = NULL;
  gint64 now = g_get_real_time ();

  exs_test_library_add_schedule (l->lib, doc, "5", "continuous", 8);
  b = builder_new (l->lib, "UTC", 6 * HOUR_US);
  g_assert_cmpint (exs_playout_builder_get_built_until (b, "5"), ==, 0);
  exs_playout_builder_build_async (b, NULL, EXS_PLAYOUT_BUILD_EXTEND, NULL, on_built_cb, loop);
  g_main_loop_run (loop);
  g_assert_cmpint (exs_playout_builder_get_built_until (b, "5"), >=, now + 6 * HOUR_US);
  {
    g_autoptr (GPtrArray) items = list (b, "5", now, now + 6 * HOUR_US);
    assert_contiguous (items, now, now + 6 * HOUR_US);
    g_assert_cmpint (((ExsPlayoutItem *) items->pdata[0])->kind, ==, EXS_PLAYOUT_ITEM_PROGRAMME);
  }
  exs_test_library_exec (l->lib, "DELETE FROM channels WHERE number = '5'");
  exs_playout_builder_build_async (b, NULL, EXS_PLAYOUT_BUILD_EXTEND, NULL, on_built_cb, loop);
  g_main_loop_run (loop);
  g_assert_cmpint (exs_playout_builder_get_built_until (b, "5"), ==, 0);
  gone = exs_playout_source_lookup (EXS_PLAYOUT_SOURCE (b), "5", now, NULL);
  g_assert_cmpint (gone->kind, ==, EXS_PLAYOUT_ITEM_OFFLINE);
}

static void
test_on_demand_pauses (Lib *l, gconstpointer data)
{
  g_autofree char *doc = json_printf ("{\"name\": \"od\", \"items\": [{\"content\": {\"show\": %" G_GINT64_FORMAT "},"
                                      " \"order\": \"season_episode\", \"mode\": \"flood\"}]}",
                                      l->show_a);
  g_autoptr (ExsPlayoutBuilder) b = NULL;
  g_autoptr (ExsPlayoutItem) first = NULL;
  g_autoptr (ExsPlayoutItem) resumed = NULL;
  g_autoptr (ExsPlayoutItem) later = NULL;
  g_autoptr (GError) error = NULL;

  exs_test_library_add_schedule (l->lib, doc, "5", "on_demand", 3);
  b = builder_new (l->lib, "UTC", 24 * HOUR_US);
  build (b, "5", EXS_PLAYOUT_BUILD_RESET, T0);
  /* nobody watches: whenever someone tunes in, it starts at episode 1, offset 0 */
  first = exs_playout_source_lookup (EXS_PLAYOUT_SOURCE (b), "5", T0 + 5 * HOUR_US, &error);
  g_assert_cmpint (first->episode_number, ==, 1);
  g_assert_cmpint (exs_playout_item_offset_at (first, T0 + 5 * HOUR_US), ==, 0);
  /* watch 30 minutes, leave for a day, come back: 10 minutes into episode 2 */
  exs_playout_builder_set_viewing (b, "5", TRUE, T0 + 5 * HOUR_US, &error);
  g_assert_no_error (error);
  exs_playout_builder_set_viewing (b, "5", FALSE, T0 + 5 * HOUR_US + 30 * MIN_US, &error);
  resumed = exs_playout_source_lookup (EXS_PLAYOUT_SOURCE (b), "5", T0 + 29 * HOUR_US, &error);
  g_assert_cmpint (resumed->episode_number, ==, 2);
  g_assert_cmpint (exs_playout_item_offset_at (resumed, T0 + 29 * HOUR_US), ==, 10 * MIN_US);
  exs_playout_builder_set_viewing (b, "5", TRUE, T0 + 29 * HOUR_US, &error);
  later = exs_playout_source_lookup (EXS_PLAYOUT_SOURCE (b), "5", T0 + 29 * HOUR_US + 15 * MIN_US, &error);
  g_assert_cmpint (later->episode_number, ==, 3);
  g_assert_cmpint (exs_playout_item_offset_at (later, T0 + 29 * HOUR_US + 15 * MIN_US), ==, 5 * MIN_US);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/scheduling/dst/local-times", test_dst_local_times);
  g_test_add_func ("/scheduling/dst/daily-fixed-start", test_dst_daily_fixed_start);
  g_test_add_func ("/scheduling/schedule/invalid-documents-name-the-field", test_invalid_documents);
  g_test_add_func ("/scheduling/schedule/canonical-round-trip", test_canonical_round_trip);
#define LIB_TEST(path, fn) g_test_add (path, Lib, NULL, lib_set_up, fn, lib_tear_down)
  LIB_TEST ("/scheduling/flood/fills-to-next-fixed-start", test_flood_fills_to_next_fixed_start);
  LIB_TEST ("/scheduling/modes/multiple-and-duration-offline-tail", test_multiple_and_duration);
  LIB_TEST ("/scheduling/items/media-override-on-its-programmes", test_item_media_override);
  LIB_TEST ("/scheduling/modes/pad-to-clock-with-tail-filler", test_pad_and_tail_filler);
  LIB_TEST ("/scheduling/modes/block-with-mid-roll-at-chapters", test_block_and_mid_roll);
  LIB_TEST ("/scheduling/modes/items-of-1s-and-10h", test_one_item_of_1s_and_10h);
  LIB_TEST ("/scheduling/guide/groups-hidden-filler-and-parts", test_guide_groups_hidden_filler);
  LIB_TEST ("/scheduling/order/shuffle-no-repeat-and-balance", test_shuffle_no_repeat_and_balance);
  LIB_TEST ("/scheduling/order/multi-part-kept-together", test_multi_part_together);
  LIB_TEST ("/scheduling/filler/cooldown", test_filler_cooldown);
  LIB_TEST ("/scheduling/bad-content/still-built-and-reported", test_bad_content);
  LIB_TEST ("/scheduling/content/smart-collection-plays-its-query", test_smart_collection);
  LIB_TEST ("/scheduling/anchor/extension-equals-one-build", test_extension_equals_one_build);
  LIB_TEST ("/scheduling/anchor/rebuild-after-edit", test_rebuild_after_edit);
  LIB_TEST ("/scheduling/anchor/rebuild-ends-offline-on-air", test_rebuild_ends_offline);
  LIB_TEST ("/scheduling/on-demand/pauses-and-resumes", test_on_demand_pauses);
  LIB_TEST ("/scheduling/builder/background-extension", test_background_extension);
  g_test_add_func ("/scheduling/property/random-schedules", test_property_random_schedules);
  return g_test_run ();
}
