/* The steps of a library scan called one by one, without ExsLibraryScanner:
 * the walk over real folders made in a temporary directory (media files and
 * NFOs, hidden and non-media files, a symlink loop, a missing and a non-folder
 * root, cancellation), the choice of what to look at again, and the write
 * step into a real SQLite file (shows from tvshow.nfo, items and their stream
 * facts, a broken file, a file already in another library, missing files,
 * folder errors, issues and counters). The probe step runs without a
 * GstDiscoverer here; tests/library/test-library-scan.c drives it for real. */
#include "config.h"

#include "exs-fs.h"
#include "exs-library-scan-probe.h"
#include "exs-library-scan-walk.h"
#include "exs-library-scan-write.h"
#include "exs-library-store.h"
#include "exs-media-store-write.h"
#include "exs-test-server.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

static char *tmp;

static void
write_file (const char *dir, const char *name, const char *text)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_autoptr (GError) error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static ExsLibraryRecord *
library_of (const char *kind, const char *path, const char *path2)
{
  ExsLibraryRecord *r = exs_library_record_new ();

  r->name = g_strdup (kind);
  r->kind = g_strdup (kind);
  exs_library_record_add_path (r, path);
  if (path2)
    exs_library_record_add_path (r, path2);
  return r;
}

static ExsScanFile *
find_file (GPtrArray *files, const char *rel)
{
  for (guint i = 0; i < files->len; i++)
    if (g_str_equal (((ExsScanFile *) files->pdata[i])->rel, rel))
      return files->pdata[i];
  return NULL;
}

static gboolean
has_issue (GPtrArray *issues, const char *reason_part)
{
  for (guint i = 0; i < issues->len; i++)
    if (strstr (((ExsLibraryIssue *) issues->pdata[i])->reason, reason_part))
      return TRUE;
  return FALSE;
}

/* ---- walk ------------------------------------------------------------------ */

static void
test_walk_finds_media (void)
{
  g_autofree char *root = g_build_filename (tmp, "walk-films", NULL);
  g_autoptr (ExsLibraryRecord) lib = NULL;
  g_autoptr (ExsScanWalk) walk = NULL;
  ExsScanFile *f;

  write_file (root, "Alien (1979).mkv", "x");
  write_file (root, "Alien (1979).nfo", "<movie/>");
  write_file (root, "notes.txt", "not media");
  write_file (root, ".hidden.mp4", "hidden");
  write_file (root, "Extras/Heat.MP4", "y");
  write_file (root, "Extras/movie.nfo", "<movie/>");
  lib = library_of ("movies", root, NULL);

  walk = exs_library_scan_walk (lib, NULL);
  g_assert_true (walk->complete);
  g_assert_cmpuint (walk->files->len, ==, 2);
  g_assert_cmpuint (walk->issues->len, ==, 0);
  g_assert_cmpuint (walk->dirs->len, ==, 2);
  g_assert_cmpuint (g_hash_table_size (walk->root_errors), ==, 0);

  f = find_file (walk->files, "Alien (1979).mkv");
  g_assert_nonnull (f);
  g_assert_true (g_str_has_suffix (f->nfo_path, "Alien (1979).nfo"));
  g_assert_cmpint (f->size, ==, 1);
  g_assert_cmpint (f->mtime, >, 0);
  g_assert_cmpint (f->nfo_mtime, >, 0);
  g_assert_cmpstr (f->root, ==, root);
  g_assert_true (g_str_has_prefix (f->uri, "file:///"));
  /* movie.nfo speaks for every film in its folder */
  f = find_file (walk->files, "Extras/Heat.MP4");
  g_assert_nonnull (f);
  g_assert_true (g_str_has_suffix (f->nfo_path, "movie.nfo"));
  g_assert_false (exs_library_scan_is_media_name ("notes.txt"));
  g_assert_false (exs_library_scan_is_media_name (".x.mkv"));
  g_assert_true (exs_library_scan_is_media_name ("a.M2TS"));
}

static void
test_walk_bad_folders (void)
{
  g_autofree char *root = g_build_filename (tmp, "walk-bad", NULL);
  g_autofree char *missing = g_build_filename (tmp, "walk-nowhere", NULL);
  g_autofree char *file_root = g_build_filename (tmp, "walk-bad", "a.mkv", NULL);
  g_autofree char *loop = g_build_filename (root, "Show", "loop", NULL);
  g_autofree char *broken = g_build_filename (root, "dangling.mkv", NULL);
  g_autoptr (ExsLibraryRecord) lib = NULL;
  g_autoptr (ExsScanWalk) walk = NULL;

  write_file (root, "a.mkv", "x");
  write_file (root, "Show/Show - S01E01.mkv", "x");
  g_assert_cmpint (symlink ("..", loop), ==, 0);
  g_assert_cmpint (symlink ("nothing-here.mkv", broken), ==, 0);
  lib = library_of ("shows", root, missing);
  exs_library_record_add_path (lib, file_root);

  walk = exs_library_scan_walk (lib, NULL);
  g_assert_true (walk->complete);
  /* the loop is walked once, not forever */
  g_assert_cmpuint (walk->files->len, ==, 2);
  g_assert_true (has_issue (walk->issues, "already scanned through another path"));
  g_assert_true (has_issue (walk->issues, "broken symlink"));
  g_assert_cmpstr (g_hash_table_lookup (walk->root_errors, missing), ==, "folder not found");
  g_assert_cmpstr (g_hash_table_lookup (walk->root_errors, file_root), ==, "not a folder");
  g_assert_null (g_hash_table_lookup (walk->root_errors, root));
}

static void
test_walk_cancelled (void)
{
  g_autofree char *root = g_build_filename (tmp, "walk-films", NULL);
  g_autoptr (ExsLibraryRecord) lib = library_of ("movies", root, NULL);
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (ExsScanWalk) walk = NULL;

  g_cancellable_cancel (cancellable);
  walk = exs_library_scan_walk (lib, cancellable);
  g_assert_false (walk->complete);
  g_assert_cmpuint (walk->files->len, ==, 0);
}

static ExsMediaFileState *
state_of (const ExsScanFile *f, gint64 id)
{
  ExsMediaFileState *e = g_new0 (ExsMediaFileState, 1);

  e->id = id;
  e->size = f->size;
  e->mtime = f->mtime;
  e->nfo_mtime = f->nfo_mtime;
  return e;
}

static void
test_select_changed (void)
{
  g_autofree char *root = g_build_filename (tmp, "select", NULL);
  g_autoptr (ExsLibraryRecord) lib = NULL;
  g_autoptr (ExsScanWalk) walk = NULL;
  g_autoptr (GHashTable) stored = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (GPtrArray) work = NULL;
  ExsMediaFileState *gone, *nfo, *size;
  guint unchanged = 0;

  write_file (root, "same.mkv", "x");
  write_file (root, "bigger.mkv", "x");
  write_file (root, "nfo.mkv", "x");
  write_file (root, "nfo.nfo", "<movie/>");
  write_file (root, "new.mkv", "x");
  lib = library_of ("movies", root, NULL);
  walk = exs_library_scan_walk (lib, NULL);
  g_assert_cmpuint (walk->files->len, ==, 4);

  {
    ExsScanFile *f = find_file (walk->files, "same.mkv");
    g_hash_table_insert (stored, g_strdup (f->uri), state_of (f, 1));
    f = find_file (walk->files, "bigger.mkv");
    size = state_of (f, 2);
    size->size = 12345;
    g_hash_table_insert (stored, g_strdup (f->uri), size);
    f = find_file (walk->files, "nfo.mkv");
    nfo = state_of (f, 3);
    nfo->nfo_mtime = 1;
    g_hash_table_insert (stored, g_strdup (f->uri), nfo);
    gone = g_new0 (ExsMediaFileState, 1);
    gone->id = 4;
    g_hash_table_insert (stored, g_strdup ("file:///gone.mkv"), gone);
  }

  work = exs_library_scan_select (walk, stored, FALSE, &unchanged);
  g_assert_cmpuint (unchanged, ==, 1);
  g_assert_cmpuint (walk->files->len, ==, 1);
  g_assert_cmpuint (work->len, ==, 3);
  g_assert_true (find_file (work, "bigger.mkv")->probe);
  g_assert_false (find_file (work, "nfo.mkv")->probe); /* metadata only */
  g_assert_true (find_file (work, "new.mkv")->probe);
  g_assert_true (size->seen && nfo->seen);
  g_assert_false (gone->seen);
  g_clear_pointer (&work, g_ptr_array_unref);

  /* a full scan looks at everything again */
  g_clear_pointer (&walk, exs_scan_walk_free);
  walk = exs_library_scan_walk (lib, NULL);
  work = exs_library_scan_select (walk, stored, TRUE, &unchanged);
  g_assert_cmpuint (unchanged, ==, 0);
  g_assert_cmpuint (work->len, ==, 4);
}

/* ---- write ----------------------------------------------------------------- */

static ExsMediaFacts *
facts_new (void)
{
  ExsMediaFacts *facts = exs_media_facts_new ();
  ExsStreamFacts *v = g_new0 (ExsStreamFacts, 1);
  ExsStreamFacts *a = g_new0 (ExsStreamFacts, 1);
  ExsChapterFacts *c = g_new0 (ExsChapterFacts, 1);

  facts->duration_ms = 1500;
  facts->container = g_strdup ("matroska");
  v->kind = g_strdup ("video");
  v->codec = g_strdup ("h264");
  v->width = 320;
  v->height = 240;
  a->kind = g_strdup ("audio");
  a->codec = g_strdup ("aac");
  a->channels = 2;
  a->sample_rate = 48000;
  a->language = g_strdup ("en");
  g_ptr_array_add (facts->streams, v);
  g_ptr_array_add (facts->streams, a);
  c->end_ms = -1;
  g_ptr_array_add (facts->chapters, c);
  return facts;
}

static gint64
query_int (ExsDatabase *db, const char *sql, const char *arg)
{
  g_autoptr (sqlite3_stmt) stmt = exs_database_prepare (db, sql, NULL);

  g_assert_nonnull (stmt);
  if (arg)
    sqlite3_bind_text (stmt, 1, arg, -1, SQLITE_TRANSIENT);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  return sqlite3_column_int64 (stmt, 0);
}

static char *
query_text (ExsDatabase *db, const char *sql, const char *arg)
{
  g_autoptr (sqlite3_stmt) stmt = exs_database_prepare (db, sql, NULL);

  g_assert_nonnull (stmt);
  if (arg)
    sqlite3_bind_text (stmt, 1, arg, -1, SQLITE_TRANSIENT);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  return exs_database_dup_column (stmt, 0);
}

/* What the probe step would find, without a GstDiscoverer: names, NFOs and
 * artwork for real, stream facts made up; empty files fail as they would. */
static void
look_at_all (GPtrArray *work, const char *kind)
{
  for (guint i = 0; i < work->len; i++)
    {
      ExsScanFile *f = work->pdata[i];

      if (f->size == 0)
        {
          exs_library_scan_probe_file (NULL, kind, f);
          g_assert_cmpstr (f->probe_error, ==, "empty file (0 bytes)");
          continue;
        }
      f->probe = FALSE;
      exs_library_scan_probe_file (NULL, kind, f);
      f->probe = TRUE;
      f->facts = facts_new ();
    }
}

static gint64
insert_library (ExsDatabase *db, ExsLibraryRecord *lib)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (exs_library_store_insert (db, lib, &error));
  g_assert_no_error (error);
  return lib->id;
}

/* Walks, looks at and writes @lib once, then finishes the scan. */
static ExsLibraryScanCounts
scan_once (ExsDatabase *db, ExsLibraryRecord *lib, gboolean complete)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ExsScanWalk) walk = exs_library_scan_walk (lib, NULL);
  g_autoptr (GHashTable) stored = exs_media_store_load_file_states (db, lib->id, &error);
  g_autoptr (GPtrArray) work = NULL;
  g_autoptr (ExsScanWriter) writer = NULL;
  ExsLibraryScanCounts counts = { 0 };
  guint unchanged;

  g_assert_no_error (error);
  counts.found = walk->files->len;
  work = exs_library_scan_select (walk, stored, FALSE, &unchanged);
  counts.unchanged = unchanged;
  look_at_all (work, lib->kind);
  writer = exs_scan_writer_new (db, lib, walk->issues, &error);
  g_assert_no_error (error);
  counts.probed = work->len;
  g_assert_true (exs_scan_writer_write (writer, work, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (work->len, ==, 0);
  g_assert_true (exs_scan_writer_finish (writer, stored, complete, walk->root_errors, NULL, &counts, &error));
  g_assert_no_error (error);
  return counts;
}

static void
test_write_shows (void)
{
  g_autofree char *root = g_build_filename (tmp, "write-shows", NULL);
  g_autofree char *db_path = g_build_filename (tmp, "write-shows.db", NULL);
  g_autofree char *gone = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (ExsDatabase) db = NULL;
  g_autoptr (ExsLibraryRecord) lib = NULL;
  g_autoptr (ExsLibraryRecord) stored = NULL;
  g_autofree char *title = NULL;
  g_autofree char *poster = NULL;
  g_autofree char *message = NULL;
  g_autofree char *state = NULL;
  ExsLibraryScanCounts counts;

  write_file (root, "Show A (2001)/tvshow.nfo", "<tvshow><title>Show A Proper</title><genre>Drama</genre></tvshow>");
  write_file (root, "Show A (2001)/poster.jpg", "jpeg");
  write_file (root, "Show A (2001)/Season 1/Show A - S01E01 - Pilot.mkv", "one");
  write_file (root, "Show A (2001)/Season 1/Show A - S01E02 - Two.mkv", "two");
  write_file (root, "Broken/Broken - S01E01.mkv", "");
  db = exs_database_open (db_path, &error);
  g_assert_no_error (error);
  lib = library_of ("shows", root, NULL);
  insert_library (db, lib);

  counts = scan_once (db, lib, TRUE);
  g_assert_cmpuint (counts.found, ==, 3);
  g_assert_cmpuint (counts.missing, ==, 0);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM media_items", NULL), ==, 3);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM shows", NULL), ==, 2);
  title = query_text (db, "SELECT title FROM shows WHERE folder LIKE ?", "%/Show A (2001)");
  g_assert_cmpstr (title, ==, "Show A Proper");
  poster = query_text (db, "SELECT poster FROM shows WHERE folder LIKE ?", "%/Show A (2001)");
  g_assert_true (g_str_has_suffix (poster, "/poster.jpg"));
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM media_genres g JOIN shows s ON s.id = g.show_id "
                                  "WHERE g.genre = ?", "Drama"), ==, 1);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM media_items WHERE show_id = (SELECT id FROM shows WHERE "
                                  "folder LIKE ?) AND season_number = 1 AND episode_number IN (1, 2) "
                                  "AND duration_ms = 1500 AND container = 'matroska' AND scan_state = 'ok'",
                             "%/Show A (2001)"), ==, 2);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM media_streams s JOIN media_items m ON m.id = s.media_item_id "
                                  "WHERE m.title = ?", "Pilot"), ==, 2);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM media_chapters c JOIN media_items m "
                                  "ON m.id = c.media_item_id WHERE m.title = ? AND c.end_ms IS NULL", "Pilot"), ==, 1);
  state = query_text (db, "SELECT scan_state FROM media_items WHERE path LIKE ?", "%Broken - S01E01.mkv");
  g_assert_cmpstr (state, ==, "error");
  message = query_text (db, "SELECT scan_message FROM media_items WHERE path LIKE ?", "%Broken - S01E01.mkv");
  g_assert_cmpstr (message, ==, "cannot be played: empty file (0 bytes)");

  stored = exs_library_store_get (db, lib->id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (stored->last_found, ==, 3);
  g_assert_cmpuint (stored->last_probed, ==, 3);
  g_assert_cmpint (stored->last_scan_finished_at, >, 0);
  g_assert_null (stored->last_scan_error);
  g_clear_pointer (&stored, exs_library_record_free);

  /* a file vanishes: an incomplete scan marks nothing missing, a complete one does */
  gone = g_build_filename (root, "Show A (2001)", "Season 1", "Show A - S01E02 - Two.mkv", NULL);
  g_assert_cmpint (g_unlink (gone), ==, 0);
  counts = scan_once (db, lib, FALSE);
  g_assert_cmpuint (counts.unchanged, ==, 2);
  g_assert_cmpuint (counts.missing, ==, 0);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM media_items WHERE missing = 1", NULL), ==, 0);
  counts = scan_once (db, lib, TRUE);
  g_assert_cmpuint (counts.missing, ==, 1);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM media_items WHERE missing = 1 AND title = ?", "Two"), ==, 1);
  stored = exs_library_store_get (db, lib->id, &error);
  g_assert_cmpuint (stored->last_missing, ==, 1);
  g_assert_cmpint (stored->missing_count, ==, 1);

  /* and comes back */
  write_file (root, "Show A (2001)/Season 1/Show A - S01E02 - Two.mkv", "two");
  counts = scan_once (db, lib, TRUE);
  g_assert_cmpuint (counts.restored, ==, 1);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM media_items WHERE missing = 1", NULL), ==, 0);
  exs_database_close (db);
}

static void
test_write_issues (void)
{
  g_autofree char *root = g_build_filename (tmp, "write-issues", NULL);
  g_autofree char *films = g_build_filename (root, "Films", NULL);
  g_autofree char *missing = g_build_filename (root, "nowhere", NULL);
  g_autofree char *db_path = g_build_filename (tmp, "write-issues.db", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (ExsDatabase) db = NULL;
  g_autoptr (ExsLibraryRecord) others = NULL;
  g_autoptr (ExsLibraryRecord) lib = NULL;
  g_autoptr (ExsLibraryRecord) stored = NULL;
  g_autoptr (GPtrArray) issues = NULL;
  ExsLibraryScanCounts counts;
  ExsLibraryPath *p;

  write_file (films, "Heat (1995).mp4", "heat");
  write_file (films, "Alien (1979).mkv", "alien");
  db = exs_database_open (db_path, &error);
  g_assert_no_error (error);
  /* "Other Videos" already holds Heat */
  others = library_of ("other_videos", films, NULL);
  insert_library (db, others);
  scan_once (db, others, TRUE);
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM media_items", NULL), ==, 2);

  lib = library_of ("movies", films, missing);
  g_free (lib->name);
  lib->name = g_strdup ("Films");
  insert_library (db, lib);
  counts = scan_once (db, lib, TRUE);
  g_assert_cmpuint (counts.found, ==, 2);
  /* nothing moves to the second library; both files are issues */
  g_assert_cmpint (query_int (db, "SELECT count(*) FROM media_items WHERE kind = ?", "other_video"), ==, 2);
  g_assert_cmpuint (counts.issues, ==, 3);

  stored = exs_library_store_get (db, lib->id, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (stored->paths->len, ==, 2);
  p = stored->paths->pdata[1];
  g_assert_cmpstr (p->path, ==, missing);
  g_assert_cmpstr (p->error, ==, "folder not found");
  g_assert_null (((ExsLibraryPath *) stored->paths->pdata[0])->error);
  g_assert_cmpuint (stored->last_issues, ==, 3);

  issues = exs_library_store_list_issues (db, lib->id, 1000, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (issues->len, ==, 3);
  g_assert_true (has_issue (issues, "folder not found"));
  g_assert_true (has_issue (issues, "already part of another library; left there"));
  g_assert_cmpint (((ExsLibraryIssue *) issues->pdata[0])->created_at, >, 0);
  g_clear_pointer (&issues, g_ptr_array_unref);
  issues = exs_library_store_list_issues (db, lib->id, 1, &error);
  g_assert_cmpuint (issues->len, ==, 1);
  exs_database_close (db);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  tmp = exs_test_make_temp_dir ();

  g_test_add_func ("/library/scan-steps/walk/finds-media-and-nfos", test_walk_finds_media);
  g_test_add_func ("/library/scan-steps/walk/bad-folders-are-issues", test_walk_bad_folders);
  g_test_add_func ("/library/scan-steps/walk/cancelled", test_walk_cancelled);
  g_test_add_func ("/library/scan-steps/select/only-changed-files", test_select_changed);
  g_test_add_func ("/library/scan-steps/write/shows-items-missing-restored", test_write_shows);
  g_test_add_func ("/library/scan-steps/write/issues-and-folder-errors", test_write_issues);
  status = g_test_run ();

  exs_test_remove_tree (tmp);
  return status;
}
