/* ExsDatabase: pragmas, migrations (upgrade, gaps, rollback, newer refused and
 * untouched) and the channel and settings stores. */
#include "config.h"

#include "exs-channel-store.h"
#include "exs-database.h"
#include "exs-fs.h"

#include <glib/gstdio.h>
#include <string.h>

typedef struct
{
  char *dir;
  char *path;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->dir = g_dir_make_tmp ("exs-db-XXXXXX", NULL);
  f->path = g_build_filename (f->dir, "test.db", NULL);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);
  g_autofree char *shm = g_strconcat (f->path, "-shm", NULL);

  g_unlink (f->path);
  g_unlink (wal);
  g_unlink (shm);
  g_rmdir (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static char *
query_text (ExsDatabase *db, const char *sql)
{
  g_autoptr (sqlite3_stmt) stmt = exs_database_prepare (db, sql, NULL);

  g_assert_nonnull (stmt);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  return g_strdup ((const char *) sqlite3_column_text (stmt, 0));
}

static void
test_fresh (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ExsDatabase) db = exs_database_open (f->path, &error);
  guint n;
  const ExsMigration *m = exs_database_get_migrations (&n);
  g_autofree char *journal = NULL;
  g_autofree char *fk = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (exs_database_get_schema_version (db), ==, m[n - 1].version);
  journal = query_text (db, "PRAGMA journal_mode");
  fk = query_text (db, "PRAGMA foreign_keys");
  g_assert_cmpstr (journal, ==, "wal");
  g_assert_cmpstr (fk, ==, "1");
  g_assert_true (exs_database_is_ok (db));
  exs_database_close (db);
  g_assert_false (exs_database_is_ok (db));
}

static const ExsMigration old_steps[] = {
  { 1, "one", "CREATE TABLE a (x INTEGER); INSERT INTO a VALUES (42);" },
};
static const ExsMigration new_steps[] = {
  { 1, "one", "CREATE TABLE a (x INTEGER); INSERT INTO a VALUES (42);" },
  { 5, "five (a gap is fine)", "ALTER TABLE a ADD COLUMN y TEXT DEFAULT 'five';" },
  { 100, "hundred", "CREATE TABLE b (z INTEGER REFERENCES a (x));" },
};
static const ExsMigration broken_steps[] = {
  { 1, "one", "CREATE TABLE a (x INTEGER); INSERT INTO a VALUES (42);" },
  { 2, "broken", "CREATE TABLE half (q INTEGER); INSERT INTO no_such_table VALUES (1);" },
};

static void
test_upgrade (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ExsDatabase) old = exs_database_open_with_migrations (f->path, old_steps, 1, &error);
  g_autoptr (ExsDatabase) db = NULL;
  g_autofree char *y = NULL;
  g_autofree char *x = NULL;

  g_assert_no_error (error);
  g_assert_cmpint (exs_database_get_schema_version (old), ==, 1);
  exs_database_close (old);

  db = exs_database_open_with_migrations (f->path, new_steps, 3, &error);
  g_assert_no_error (error);
  g_assert_cmpint (exs_database_get_schema_version (db), ==, 100);
  x = query_text (db, "SELECT x FROM a");
  y = query_text (db, "SELECT y FROM a");
  g_assert_cmpstr (x, ==, "42"); /* data kept */
  g_assert_cmpstr (y, ==, "five");
}

/* Step 600 (the AI agent's sessions): a data dir whose table the agent's
 * store made itself, before the step, upgrades keeping its sessions; a
 * fresh one gets the table. */
static void
test_ai_sessions_step (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  guint n, before = 0;
  const ExsMigration *all = exs_database_get_migrations (&n);
  g_autoptr (ExsDatabase) old = NULL;
  g_autoptr (ExsDatabase) db = NULL;
  g_autofree char *kept = NULL;
  g_autofree char *indexed = NULL;

  while (before < n && all[before].version < 600)
    before++;
  g_assert_cmpuint (before, <, n);
  old = exs_database_open_with_migrations (f->path, all, before, &error);
  g_assert_no_error (error);
  g_assert_true (exs_database_exec (old,
                                    "CREATE TABLE IF NOT EXISTS ai_sessions (id INTEGER PRIMARY KEY, channel TEXT,"
                                    " trigger TEXT NOT NULL, state TEXT NOT NULL, verified INTEGER NOT NULL DEFAULT 0,"
                                    " tokens INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL, record TEXT NOT NULL);"
                                    "INSERT INTO ai_sessions VALUES (7, '100', 'api', 'waiting_approval', 0, 12,"
                                    " '2026-01-01T00:00:00Z', '{\"id\": 7}');",
                                    &error));
  g_assert_no_error (error);
  exs_database_close (old);

  db = exs_database_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (exs_database_get_schema_version (db), >=, 600);
  kept = query_text (db, "SELECT state || ' ' || record FROM ai_sessions WHERE id = 7");
  g_assert_cmpstr (kept, ==, "waiting_approval {\"id\": 7}");
  indexed = query_text (db, "SELECT count(*) FROM sqlite_master WHERE name = 'ai_sessions_by_channel'");
  g_assert_cmpstr (indexed, ==, "1");
}

/* Step 710 (URL libraries): a populated database from before it upgrades
 * with every library, folder and item kept (ids too), foreign keys still
 * cascading, the name still unique, and 'url' allowed where 'ftp' is not. */
static void
test_url_source_step (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  guint n, before = 0;
  const ExsMigration *all = exs_database_get_migrations (&n);
  g_autoptr (ExsDatabase) old = NULL;
  g_autoptr (ExsDatabase) db = NULL;
  g_autofree char *kept = NULL, *items = NULL, *fk = NULL, *after_delete = NULL, *issues = NULL;

  while (before < n && all[before].version < 710)
    before++;
  g_assert_cmpuint (before, <, n);
  old = exs_database_open_with_migrations (f->path, all, before, &error);
  g_assert_no_error (error);
  g_assert_true (exs_database_exec (old,
                                    "INSERT INTO libraries (id, name, kind, source, created_at, updated_at, last_scan_found)"
                                    " VALUES (4, 'Films', 'movies', 'local', 1, 2, 7), (9, 'Plex', 'shows', 'plex', 3, 4, 0);"
                                    "INSERT INTO library_paths (library_id, path) VALUES (4, '/srv/films'), (9, '/x');"
                                    "INSERT INTO media_items (library_id, kind, uri, title, added_at, updated_at)"
                                    " VALUES (4, 'movie', 'file:///srv/films/a.mp4', 'A', 1, 1),"
                                    "        (4, 'movie', 'file:///srv/films/b.mp4', 'B', 1, 1),"
                                    "        (9, 'episode', 'file:///x/e.mp4', 'E', 1, 1);"
                                    "INSERT INTO library_scan_issues (library_id, path, reason, created_at) VALUES (4, '/p', 'r', 1);",
                                    &error));
  g_assert_no_error (error);
  exs_database_close (old);

  db = exs_database_open (f->path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (exs_database_get_schema_version (db), >=, 710);
  kept = query_text (db, "SELECT group_concat (id || ' ' || name || ' ' || source || ' ' || last_scan_found, ', ')"
                         " FROM (SELECT * FROM libraries ORDER BY id)");
  g_assert_cmpstr (kept, ==, "4 Films local 7, 9 Plex plex 0");
  items = query_text (db, "SELECT count(*) FROM media_items");
  g_assert_cmpstr (items, ==, "3");
  fk = query_text (db, "SELECT count(*) FROM pragma_foreign_key_check");
  g_assert_cmpstr (fk, ==, "0");
  g_assert_true (exs_database_exec (db, "INSERT INTO libraries (name, kind, source, created_at, updated_at)"
                                        " VALUES ('Web', 'movies', 'url', 5, 5)", &error));
  g_assert_no_error (error);
  g_assert_false (exs_database_exec (db, "INSERT INTO libraries (name, kind, source, created_at, updated_at)"
                                         " VALUES ('Bad', 'movies', 'ftp', 5, 5)", &error));
  g_clear_error (&error);
  g_assert_false (exs_database_exec (db, "INSERT INTO libraries (name, kind, created_at, updated_at)"
                                         " VALUES ('Films', 'movies', 5, 5)", &error));
  g_clear_error (&error);
  /* the children still point at the rebuilt table: deleting cascades */
  g_assert_true (exs_database_exec (db, "DELETE FROM libraries WHERE id = 4", &error));
  g_assert_no_error (error);
  after_delete = query_text (db, "SELECT count(*) FROM media_items");
  g_assert_cmpstr (after_delete, ==, "1");
  issues = query_text (db, "SELECT count(*) FROM library_scan_issues");
  g_assert_cmpstr (issues, ==, "0");
}

/* Step 820 (music): a populated database from before it upgrades with its
 * libraries and items kept (ids, kinds, the title search, the index on
 * kind), 'music' and 'song' allowed where other kinds are not, and a
 * song's row going with its item. */
static void
test_music_kind_step (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  guint n, before = 0;
  const ExsMigration *all = exs_database_get_migrations (&n);
  g_autoptr (ExsDatabase) old = NULL;
  g_autoptr (ExsDatabase) db = NULL;
  g_autofree char *kept = NULL, *found = NULL, *indexed = NULL, *fk = NULL, *songs = NULL, *playable = NULL;

  while (before < n && all[before].version < 820)
    before++;
  g_assert_cmpuint (before, <, n);
  old = exs_database_open_with_migrations (f->path, all, before, &error);
  g_assert_no_error (error);
  g_assert_true (exs_database_exec (old,
                                    "INSERT INTO libraries (id, name, kind, created_at, updated_at)"
                                    " VALUES (4, 'Films', 'movies', 1, 2), (9, 'Clips', 'music_videos', 3, 4);"
                                    "INSERT INTO media_items (id, library_id, kind, uri, title, duration_ms, added_at,"
                                    " updated_at) VALUES (11, 4, 'movie', 'file:///a.mp4', 'Alpha', 5, 1, 1),"
                                    " (12, 9, 'music_video', 'file:///b.mp4', 'Bravo', 5, 1, 1);",
                                    &error));
  g_assert_no_error (error);
  exs_database_close (old);

  db = exs_database_open (f->path, &error);
  g_assert_no_error (error);
  kept = query_text (db, "SELECT group_concat (id || ' ' || kind || ' ' || library_id, ', ')"
                         " FROM (SELECT * FROM media_items ORDER BY id)");
  g_assert_cmpstr (kept, ==, "11 movie 4, 12 music_video 9");
  found = query_text (db, "SELECT rowid FROM media_items_fts WHERE media_items_fts MATCH 'bravo'");
  g_assert_cmpstr (found, ==, "12");
  indexed = query_text (db, "SELECT count(*) FROM sqlite_master WHERE name = 'media_items_by_library'");
  g_assert_cmpstr (indexed, ==, "1");
  playable = query_text (db, "SELECT count(*) FROM playable_media_items WHERE kind = 'movie'");
  g_assert_cmpstr (playable, ==, "1");
  g_assert_true (exs_database_exec (db,
                                    "INSERT INTO libraries (id, name, kind, created_at, updated_at)"
                                    " VALUES (5, 'Tunes', 'music', 5, 5);"
                                    "INSERT INTO media_items (id, library_id, kind, uri, title, added_at, updated_at)"
                                    " VALUES (13, 5, 'song', 'file:///c.flac', 'Charlie', 1, 1);"
                                    "INSERT INTO songs (media_item_id, artist) VALUES (13, 'Delta');",
                                    &error));
  g_assert_no_error (error);
  g_assert_false (exs_database_exec (db, "INSERT INTO libraries (name, kind, created_at, updated_at)"
                                         " VALUES ('Bad', 'podcasts', 5, 5)", &error));
  g_clear_error (&error);
  g_assert_false (exs_database_exec (db, "INSERT INTO media_items (library_id, kind, uri, title, added_at, updated_at)"
                                         " VALUES (5, 'podcast', 'file:///d', 'D', 1, 1)", &error));
  g_clear_error (&error);
  fk = query_text (db, "SELECT count(*) FROM pragma_foreign_key_check");
  g_assert_cmpstr (fk, ==, "0");
  g_assert_true (exs_database_exec (db, "DELETE FROM libraries WHERE id = 5", &error));
  g_assert_no_error (error);
  songs = query_text (db, "SELECT count(*) FROM songs");
  g_assert_cmpstr (songs, ==, "0");
}

static void
test_failed_migration_rolls_back (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ExsDatabase) db = exs_database_open_with_migrations (f->path, broken_steps, 2, &error);
  g_autoptr (ExsDatabase) again = NULL;
  g_autofree char *count = NULL;

  g_assert_null (db);
  g_assert_error (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_MIGRATION);
  g_assert_nonnull (strstr (error->message, "migration 2"));
  g_clear_error (&error);

  again = exs_database_open_with_migrations (f->path, old_steps, 1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (exs_database_get_schema_version (again), ==, 1);
  count = query_text (again, "SELECT count(*) FROM sqlite_schema WHERE name = 'half'");
  g_assert_cmpstr (count, ==, "0");
}

static void
test_newer_refused_untouched (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ExsDatabase) db = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  g_autofree char *wal = g_strconcat (f->path, "-wal", NULL);
  gsize len_before, len_after;
  sqlite3 *raw;

  /* a database "from the future", in rollback-journal mode */
  g_assert_cmpint (sqlite3_open (f->path, &raw), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (raw, "CREATE TABLE future (x); PRAGMA user_version = 9999;", NULL, NULL, NULL), ==,
                   SQLITE_OK);
  sqlite3_close (raw);
  g_file_get_contents (f->path, &before, &len_before, NULL);

  db = exs_database_open (f->path, &error);
  g_assert_null (db);
  g_assert_error (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_TOO_NEW);
  g_assert_nonnull (strstr (error->message, "9999"));
  g_assert_nonnull (strstr (error->message, "newer"));

  g_file_get_contents (f->path, &after, &len_after, NULL);
  g_assert_cmpmem (before, len_before, after, len_after);
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
}

static void
test_not_a_database (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ExsDatabase) db = NULL;

  g_file_set_contents (f->path, "this is not sqlite, just text that is long enough to have a header ..........",
                       -1, NULL);
  db = exs_database_open (f->path, &error);
  g_assert_null (db);
  g_assert_error (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_OPEN);
}

static ExsChannelRecord *
make_channel (const char *number, const char *name)
{
  ExsChannelRecord *r = exs_channel_record_new ();

  r->number = g_strdup (number);
  g_free (r->name);
  r->name = g_strdup (name);
  return r;
}

static void
test_channels (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ExsDatabase) db = exs_database_open (f->path, &error);
  const char *numbers[] = { "1984.1", "102", "2", "10", "1984", "121", "1984.10", "1984.2" };
  const char *sorted[] = { "2", "10", "102", "121", "1984", "1984.1", "1984.2", "1984.10" };
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (ExsChannelRecord) dup = make_channel (" 0102", "Duplicate");
  g_autoptr (ExsChannelRecord) got = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (numbers); i++)
    {
      g_autoptr (ExsChannelRecord) r = make_channel (numbers[i], "Channel");
      g_assert_true (exs_channel_store_insert (db, r, &error));
      g_assert_no_error (error);
      g_assert_cmpint (r->id, >, 0);
    }
  g_assert_false (exs_channel_store_insert (db, dup, &error));
  g_assert_error (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_CONSTRAINT);
  g_clear_error (&error);

  list = exs_channel_store_list (db, &error);
  g_assert_cmpuint (list->len, ==, G_N_ELEMENTS (sorted));
  for (guint i = 0; i < list->len; i++)
    g_assert_cmpstr (((ExsChannelRecord *) list->pdata[i])->number, ==, sorted[i]);

  got = exs_channel_store_get (db, " 121 ", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (got->number, ==, "121");
  g_free (got->number);
  got->number = g_strdup ("122");
  g_assert_true (exs_channel_store_update (db, "121", got, &error));
  g_assert_null (exs_channel_store_get (db, "121", &error));
  g_assert_error (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  g_assert_true (exs_channel_store_delete (db, "122", &error));
  g_assert_false (exs_channel_store_delete (db, "122", &error));
  g_assert_error (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_NOT_FOUND);
  g_assert_cmpint (exs_channel_store_count (db), ==, G_N_ELEMENTS (numbers) - 1);
}

static void
test_settings (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ExsDatabase) db = exs_database_open (f->path, &error);
  g_autofree char *a = NULL;
  g_autofree char *b = NULL;

  g_assert_null (exs_database_dup_setting (db, "k"));
  g_assert_true (exs_database_set_setting (db, "k", "one", &error));
  g_assert_true (exs_database_set_setting (db, "k", "two", &error));
  a = exs_database_dup_setting (db, "k");
  g_assert_cmpstr (a, ==, "two");
  exs_database_close (db);
  g_clear_object (&db);
  db = exs_database_open (f->path, &error);
  b = exs_database_dup_setting (db, "k");
  g_assert_cmpstr (b, ==, "two");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("/db/database/fresh-is-wal-with-foreign-keys", test_fresh);
  ADD ("/db/migrations/old-database-upgrades-keeping-data", test_upgrade);
  ADD ("/db/migrations/ai-sessions-step-keeps-old-table", test_ai_sessions_step);
  ADD ("/db/migrations/url-source-step-keeps-libraries", test_url_source_step);
  ADD ("/db/migrations/music-kind-step-keeps-rows", test_music_kind_step);
  ADD ("/db/migrations/failed-step-rolls-back", test_failed_migration_rolls_back);
  ADD ("/db/migrations/newer-database-refused-untouched", test_newer_refused_untouched);
  ADD ("/db/database/not-a-database-refused", test_not_a_database);
  ADD ("/db/channels/crud-duplicates-and-order", test_channels);
  ADD ("/db/settings/stored-and-kept", test_settings);
#undef ADD
  return g_test_run ();
}
