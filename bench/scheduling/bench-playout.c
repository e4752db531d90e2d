/* bench-playout: the playout builder's speed targets (issue 4).
 *
 *   build 7 days for 100 channels   goal ≤ 1 s   (schedule → items, stored in SQLite)
 *   the now-lookup                  goal ≤ 10 µs (ExsPlayoutSource lookup)
 *
 * Run by hand: build/bench/scheduling/bench-playout [channels] [days]
 * It makes a library of 20 shows × 20 episodes and 30 filler clips in a
 * temporary SQLite file, gives every channel its own schedule (fixed starts,
 * flood, multiple with pre-rolls and pad-to-clock, blocks with tail filler,
 * shuffles) and prints a table with the ratio to each goal.
 */
#include "config.h"

#include "exs-playout-builder.h"
#include "exs-playout-plan.h"
#include "exs-schedule-store.h"
#include "exs-test-library.h"

#include <stdlib.h>

#define US G_GINT64_CONSTANT (1000000)
#define T0 (G_GINT64_CONSTANT (1793577600) * US)

static void
row (const char *what, double measured, const char *unit, double goal)
{
  g_print ("| %-44s | %12.3f %-2s | %8.3f %-2s | %6.2f |\n", what, measured, unit, goal, unit, measured / goal);
}

int
main (int argc, char **argv)
{
  int channels = argc > 1 ? atoi (argv[1]) : 100;
  int days = argc > 2 ? atoi (argv[2]) : 7;
  g_autoptr (ExsTestLibrary) lib = exs_test_library_new ();
  g_autoptr (GTimeZone) tz = g_time_zone_new_identifier ("Europe/London");
  g_autoptr (ExsPlayoutBuilder) b = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GRand) rand = g_rand_new_with_seed (1984);
  gint64 shows[20], filler, t, total_items = 0, horizon = (gint64) days * 24 * 3600 * US;
  double build_s, core_s, lookup_us, list_ms;
  const int lookups = 1000000;
  volatile gint64 sink = 0;

  exs_test_library_exec (lib, "BEGIN");
  for (int s = 0; s < 20; s++)
    {
      g_autofree char *name = g_strdup_printf ("Show %d", s);
      shows[s] = exs_test_library_add_show (lib, name);
      for (int e = 1; e <= 20; e++)
        {
          g_autofree char *title = g_strdup_printf ("Episode %d", e);
          exs_test_library_add_item (lib, shows[s], 1 + e / 10, e, title, g_rand_int_range (rand, 22, 45) * 60000 + g_rand_int_range (rand, 0, 60000));
        }
    }
  filler = exs_test_library_add_collection (lib, "filler");
  for (int i = 0; i < 30; i++)
    exs_test_library_add_member (lib, filler, exs_test_library_add_item (lib, 0, 0, 0, "Bumper", g_rand_int_range (rand, 15, 60) * 1000), 0);
  for (int c = 0; c < channels; c++)
    {
      g_autofree char *number = g_strdup_printf ("%d", 100 + c);
      g_autofree char *name = g_strdup_printf ("Channel %d", 100 + c);
      g_autofree char *doc = g_strdup_printf (
          "{\"name\": \"bench %d\", \"fallback_filler\": \"f\", \"max_lateness_seconds\": 120,"
          " \"fillers\": [{\"name\": \"f\", \"items\": [{\"collection\": %" G_GINT64_FORMAT ", \"cooldown_minutes\": 1}], \"hide_in_guide\": true}],"
          " \"items\": ["
          "  {\"content\": {\"show\": %" G_GINT64_FORMAT "}, \"order\": \"shuffle\", \"mode\": \"flood\", \"start_time\": \"06:00\"},"
          "  {\"content\": {\"balance\": [{\"show\": %" G_GINT64_FORMAT ", \"weight\": 2}, {\"show\": %" G_GINT64_FORMAT "}]},"
          "   \"order\": \"season_episode\", \"mode\": \"multiple\", \"count\": 3, \"start_time\": \"18:00\","
          "   \"pre_roll\": \"f\", \"pad_to_minutes\": 30, \"tail_filler\": \"f\"},"
          "  {\"content\": {\"show\": %" G_GINT64_FORMAT "}, \"order\": \"random\", \"mode\": \"block\", \"duration_seconds\": 7200,"
          "   \"tail_filler\": \"f\"},"
          "  {\"content\": {\"show\": %" G_GINT64_FORMAT "}, \"order\": \"shuffle_in_order\", \"mode\": \"flood\", \"start_time\": \"23:00\"}]}",
          c, filler, shows[c % 20], shows[(c + 1) % 20], shows[(c + 2) % 20], shows[(c + 3) % 20], shows[(c + 4) % 20]);
      exs_test_library_add_channel (lib, number, name);
      exs_test_library_add_schedule (lib, doc, number, "continuous", c + 1);
    }
  exs_test_library_exec (lib, "COMMIT");

  b = exs_playout_builder_new (lib->db, tz, horizon, &error);
  g_assert_no_error (error);
  t = g_get_monotonic_time ();
  for (int c = 0; c < channels; c++)
    {
      g_autofree char *number = g_strdup_printf ("%d", 100 + c);
      if (!exs_playout_builder_build (b, number, EXS_PLAYOUT_BUILD_RESET, T0, &error))
        g_error ("%s", error->message);
    }
  build_s = (double) (g_get_monotonic_time () - t) / 1e6;

  /* the core alone: schedule → items in memory, no SQLite writes */
  t = g_get_monotonic_time ();
  {
    g_autoptr (ExsMediaCache) cache = exs_media_cache_new (lib->db);
    for (int c = 0; c < channels; c++)
      {
        g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) exs_playout_item_free);
        g_autoptr (GPtrArray) anchors = g_ptr_array_new_with_free_func (g_free);
        g_autofree char *number = g_strdup_printf ("%d", 100 + c);
        g_autoptr (ExsPlayoutAssignment) a = exs_schedule_store_get_assignment (lib->db, number, NULL);
        g_autoptr (ExsScheduleRecord) rec = exs_schedule_store_get (lib->db, a->schedule_id, NULL);
        g_autoptr (ExsSchedule) s = exs_schedule_new_from_data (rec->document, NULL);
        g_autoptr (ExsPlayoutPlan) plan = exs_playout_plan_new (s, cache, tz, (guint64) a->seed, a->name, NULL);
        g_autoptr (ExsPlayoutCursor) cur = exs_playout_plan_begin (plan, T0, items, anchors);
        exs_playout_plan_build (plan, cur, T0 + horizon, items, anchors);
        total_items += items->len;
      }
  }
  core_s = (double) (g_get_monotonic_time () - t) / 1e6;

  /* the now-lookup, at random instants on random channels */
  {
    g_autofree char **numbers = g_new0 (char *, channels + 1);
    for (int c = 0; c < channels; c++)
      numbers[c] = g_strdup_printf ("%d", 100 + c);
    t = g_get_monotonic_time ();
    for (int i = 0; i < lookups; i++)
      {
        gint64 at = T0 + (gint64) (g_rand_double (rand) * (double) horizon);
        ExsPlayoutItem *it = exs_playout_source_lookup (EXS_PLAYOUT_SOURCE (b), numbers[i % channels], at, NULL);
        sink += it->start_us;
        exs_playout_item_free (it);
      }
    lookup_us = (double) (g_get_monotonic_time () - t) / lookups;
    t = g_get_monotonic_time ();
    for (int c = 0; c < channels; c++)
      {
        GPtrArray *day = exs_playout_source_list (EXS_PLAYOUT_SOURCE (b), numbers[c], T0, T0 + 24 * 3600 * US, NULL);
        sink += day->len;
        g_ptr_array_unref (day);
      }
    list_ms = (double) (g_get_monotonic_time () - t) / 1000.0 / channels;
    for (int c = 0; c < channels; c++)
      g_free (numbers[c]);
  }
  (void) sink;

  g_print ("playout builder: %d channels x %d days, %" G_GINT64_FORMAT " items (%.0f per channel)\n\n", channels,
           days, total_items, (double) total_items / channels);
  g_print ("| %-44s | %15s | %11s | %6s |\n", "measure", "measured", "goal", "ratio");
  g_print ("|----------------------------------------------|-----------------|-------------|--------|\n");
  row ("build + store, all channels", build_s, "s", 1.0);
  row ("build in memory (core), all channels", core_s, "s", 1.0);
  row ("now-lookup (ExsPlayoutSource), mean", lookup_us, "us", 10.0);
  row ("guide list, one channel x 24 h (no set goal)", list_ms, "ms", 10.0);
  g_print ("\nratio = measured / goal; below 1 meets the goal.\n");
  return 0;
}
