/* bench-library-scan: how fast the library scanner is.
 *
 *   build/bench/library/bench-library-scan [--cold 500] [--unchanged 10000] [--workers 2]
 *
 * Makes one 1 s clip with GStreamer, then (1) a library of --cold distinct
 * files (copies) and times its first scan — every file probed with
 * GstDiscoverer — and (2) a library of --unchanged hard links to the clip,
 * scanned once, then times a rescan with nothing changed (walk, stat, NFO
 * check, compare; no probe). Prints a table with the ratio to each goal:
 * the cold goal is gstreamer-notes.md §7's 25 ms per file per worker; the
 * rescan goal is the 2 s for 10 000 unchanged files.
 */
#include "config.h"

#include "exs-demo.h"
#include "exs-library-scanner.h"
#include "exs-library-store.h"

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <locale.h>
#include <stdlib.h>
#include <unistd.h>

static const ExsDemoClip clip = { "c.mp4", "T", "mp4", 320, 240, 25, 48000, 2, 1, "smpte", "sine", 440 };

static gboolean done;

static void
on_finished_cb (ExsLibraryScanner *scanner, gint64 id, const char *error, gpointer user_data)
{
  if (error)
    g_printerr ("scan error: %s\n", error);
  done = TRUE;
}

static double
timed_scan (ExsLibraryScanner *scanner, gint64 id)
{
  gint64 start = g_get_monotonic_time ();

  done = FALSE;
  exs_library_scanner_scan (scanner, id, FALSE);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  return (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
}

static gint64
add_library (ExsDatabase *db, const char *name, const char *dir)
{
  g_autoptr (ExsLibraryRecord) r = exs_library_record_new ();
  g_autoptr (GError) error = NULL;

  r->name = g_strdup (name);
  r->kind = g_strdup ("movies");
  exs_library_record_add_path (r, dir);
  if (!exs_library_store_insert (db, r, &error))
    g_error ("%s", error->message);
  return r->id;
}

/* n files in folders of 100: copies when @link is FALSE, hard links otherwise */
static void
fill (const char *dir, const char *source, guint n, gboolean link_them)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  if (!link_them && !g_file_get_contents (source, &data, &len, NULL))
    g_error ("cannot read %s", source);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *sub = g_strdup_printf ("%s/Folder %03u", dir, i / 100);
      g_autofree char *path = g_strdup_printf ("%s/Film %05u (2000).mp4", sub, i);

      g_mkdir_with_parents (sub, 0755);
      if (link_them ? link (source, path) != 0 : !g_file_set_contents (path, data, (gssize) len, NULL))
        g_error ("cannot make %s", path);
    }
}

int
main (int argc, char **argv)
{
  int cold = 500, unchanged = 10000, workers = 2;
  const GOptionEntry entries[] = {
    { "cold", 0, 0, G_OPTION_ARG_INT, &cold, "Files in the cold-scan library (default 500)", "N" },
    { "unchanged", 0, 0, G_OPTION_ARG_INT, &unchanged, "Files in the unchanged-rescan library (default 10000)", "N" },
    { "workers", 0, 0, G_OPTION_ARG_INT, &workers, "GstDiscoverer workers (default 2)", "N" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("— time library scans");
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *source = NULL;
  g_autofree char *cold_dir = NULL;
  g_autofree char *big_dir = NULL;
  g_autofree char *db_path = NULL;
  g_autoptr (ExsDatabase) db = NULL;
  g_autoptr (ExsLibraryScanner) scanner = NULL;
  g_autoptr (ExsLibraryRecord) after = NULL;
  double cold_s, first_big_s, rescan_s, cold_rate, cold_goal, rescan_goal;
  g_autofree char *cmd = NULL;

  setlocale (LC_ALL, "");
  gst_init (&argc, &argv);
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  tmp = g_dir_make_tmp ("exs-bench-library-XXXXXX", &error);
  source = g_build_filename (tmp, "clip.mp4", NULL);
  cold_dir = g_build_filename (tmp, "cold", NULL);
  big_dir = g_build_filename (tmp, "big", NULL);
  db_path = g_build_filename (tmp, "bench.db", NULL);
  if (!exs_demo_make_clip (&clip, source, NULL, &error))
    g_error ("%s", error->message);
  g_print ("making %d copies and %d hard links of a 1 s clip in %s …\n", cold, unchanged, tmp);
  fill (cold_dir, source, (guint) cold, FALSE);
  fill (big_dir, source, (guint) unchanged, TRUE);

  db = exs_database_open (db_path, &error);
  if (db == NULL)
    g_error ("%s", error->message);
  scanner = exs_library_scanner_new (db, (guint) workers, 8);
  exs_library_scanner_set_watching (scanner, FALSE, 1000);
  g_signal_connect (scanner, "scan-finished", G_CALLBACK (on_finished_cb), NULL);

  cold_s = timed_scan (scanner, add_library (db, "cold", cold_dir));
  g_print ("first scan of %d hard links (probes every one) …\n", unchanged);
  {
    gint64 big = add_library (db, "big", big_dir);
    first_big_s = timed_scan (scanner, big);
    rescan_s = timed_scan (scanner, big);
    after = exs_library_store_get (db, big, NULL);
  }

  cold_rate = cold / cold_s;
  cold_goal = workers * 40.0; /* 25 ms per file per worker */
  rescan_goal = 2.0 * unchanged / 10000.0;
  g_print ("\n| measure | result | goal | ratio to goal |\n|---|---|---|---|\n");
  g_print ("| cold scan, %d files, %d workers | %.1f files/s (%.2f s) | %.0f files/s | %.2f× |\n", cold, workers,
           cold_rate, cold_s, cold_goal, cold_rate / cold_goal);
  g_print ("| first scan, %d files | %.1f files/s (%.2f s) | %.0f files/s | %.2f× |\n", unchanged,
           unchanged / first_big_s, first_big_s, cold_goal, unchanged / first_big_s / cold_goal);
  g_print ("| rescan, %d unchanged files | %.3f s (%u probed, %u unchanged) | < %.1f s | %.2f× the budget |\n",
           unchanged, rescan_s, after->last_probed, after->last_unchanged, rescan_goal, rescan_s / rescan_goal);

  exs_library_scanner_stop (scanner);
  exs_database_close (db);
  cmd = g_strdup_printf ("rm -rf '%s'", tmp);
  if (system (cmd) != 0)
    g_printerr ("could not remove %s\n", tmp);
  return 0;
}
