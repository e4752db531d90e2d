/* exs-test-library.c: library rows written straight into a real SQLite file,
 * the way the library scanner leaves them. */
#include "config.h"

#include "exs-test-library.h"

#include "exs-fs.h"
#include "exs-schedule-store.h"

#include <glib/gstdio.h>

static ExsTestLibrary *
library_open (char *dir, const char *file, gboolean own_dir)
{
  ExsTestLibrary *lib = g_new0 (ExsTestLibrary, 1);
  g_autoptr (GError) error = NULL;

  lib->dir = dir;
  lib->own_dir = own_dir;
  lib->path = g_build_filename (lib->dir, file, NULL);
  lib->db = exs_database_open (lib->path, &error);
  g_assert_no_error (error);
  exs_test_library_exec (lib, "INSERT INTO libraries (id, name, kind, created_at, updated_at)"
                              " VALUES (1, 'Test', 'shows', 0, 0)");
  return lib;
}

ExsTestLibrary *
exs_test_library_new (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("exs-sched-XXXXXX", &error);

  g_assert_no_error (error);
  return library_open (dir, "test.db", TRUE);
}

/* The library inside a server's data directory (its exstreamtv.db), written
 * before the server starts; close it before starting the server. */
ExsTestLibrary *
exs_test_library_new_in (const char *data_dir)
{
  return library_open (g_strdup (data_dir), "exstreamtv.db", FALSE);
}

void
exs_test_library_close (ExsTestLibrary *lib)
{
  if (lib->db)
    {
      exs_database_close (lib->db);
      g_clear_object (&lib->db);
    }
}

void
exs_test_library_free (ExsTestLibrary *lib)
{
  g_autofree char *wal = NULL;
  g_autofree char *shm = NULL;

  if (lib == NULL)
    return;
  exs_test_library_close (lib);
  if (!lib->own_dir)
    {
      g_free (lib->path);
      g_free (lib->dir);
      g_free (lib);
      return;
    }
  wal = g_strconcat (lib->path, "-wal", NULL);
  shm = g_strconcat (lib->path, "-shm", NULL);
  g_unlink (lib->path);
  g_unlink (wal);
  g_unlink (shm);
  g_rmdir (lib->dir);
  g_free (lib->path);
  g_free (lib->dir);
  g_free (lib);
}

void
exs_test_library_exec (ExsTestLibrary *lib, const char *sql)
{
  g_autoptr (GError) error = NULL;

  exs_database_exec (lib->db, sql, &error);
  g_assert_no_error (error);
}

static gint64
insert (ExsTestLibrary *lib, sqlite3_stmt *s)
{
  g_assert_cmpint (sqlite3_step (s), ==, SQLITE_DONE);
  return sqlite3_last_insert_rowid (exs_database_get_handle (lib->db));
}

gint64
exs_test_library_add_show (ExsTestLibrary *lib, const char *title)
{
  g_autoptr (sqlite3_stmt) s
      = exs_database_prepare (lib->db, "INSERT INTO shows (library_id, title) VALUES (1, ?)", NULL);

  sqlite3_bind_text (s, 1, title, -1, SQLITE_TRANSIENT);
  return insert (lib, s);
}

gint64
exs_test_library_add_item (ExsTestLibrary *lib, gint64 show_id, int season, int episode, const char *title,
                           gint64 duration_ms)
{
  static guint counter;
  g_autoptr (sqlite3_stmt) s = exs_database_prepare (
      lib->db,
      "INSERT INTO media_items (library_id, kind, uri, path, title, show_id, season_number, episode_number,"
      " duration_ms, added_at, updated_at) VALUES (1, ?, ?, ?, ?, NULLIF(?, 0), ?, ?, ?, 0, 0)",
      NULL);
  g_autofree char *path = g_strdup_printf ("/media/test/%u-%s.mkv", ++counter, title);
  g_autofree char *uri = g_filename_to_uri (path, NULL, NULL);

  sqlite3_bind_text (s, 1, show_id ? "episode" : "movie", -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 2, uri, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (s, 3, path, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (s, 4, title, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (s, 5, show_id);
  if (show_id)
    {
      sqlite3_bind_int (s, 6, season);
      sqlite3_bind_int (s, 7, episode);
    }
  sqlite3_bind_int64 (s, 8, duration_ms);
  return insert (lib, s);
}

gint64
exs_test_library_add_collection (ExsTestLibrary *lib, const char *name)
{
  g_autoptr (sqlite3_stmt) s = exs_database_prepare (
      lib->db, "INSERT INTO collections (name, kind, created_at, updated_at) VALUES (?, 'manual', 0, 0)", NULL);

  sqlite3_bind_text (s, 1, name, -1, SQLITE_TRANSIENT);
  return insert (lib, s);
}

void
exs_test_library_add_member (ExsTestLibrary *lib, gint64 collection_id, gint64 media_item_id, gint64 show_id)
{
  g_autoptr (sqlite3_stmt) s = exs_database_prepare (
      lib->db,
      "INSERT INTO collection_members (collection_id, position, media_item_id, show_id)"
      " VALUES (?1, (SELECT COUNT(*) FROM collection_members WHERE collection_id = ?1), NULLIF(?2, 0), NULLIF(?3, 0))",
      NULL);

  sqlite3_bind_int64 (s, 1, collection_id);
  sqlite3_bind_int64 (s, 2, media_item_id);
  sqlite3_bind_int64 (s, 3, show_id);
  insert (lib, s);
}

void
exs_test_library_add_chapter (ExsTestLibrary *lib, gint64 media_item_id, int idx, gint64 start_ms)
{
  g_autoptr (sqlite3_stmt) s = exs_database_prepare (
      lib->db, "INSERT INTO media_chapters (media_item_id, idx, start_ms) VALUES (?, ?, ?)", NULL);

  sqlite3_bind_int64 (s, 1, media_item_id);
  sqlite3_bind_int (s, 2, idx);
  sqlite3_bind_int64 (s, 3, start_ms);
  insert (lib, s);
}

void
exs_test_library_add_channel (ExsTestLibrary *lib, const char *number, const char *name)
{
  g_autoptr (sqlite3_stmt) s = exs_database_prepare (
      lib->db,
      "INSERT INTO channels (number, number_major, number_minor, name, created_at, updated_at)"
      " VALUES (?1, CAST(?1 AS INTEGER), NULL, ?2, 0, 0)",
      NULL);

  sqlite3_bind_text (s, 1, number, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (s, 2, name, -1, SQLITE_TRANSIENT);
  insert (lib, s);
}

/* Validates, stores and assigns a schedule; returns its id. */
gint64
exs_test_library_add_schedule (ExsTestLibrary *lib, const char *json, const char *channel_number, const char *mode,
                               gint64 seed)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ExsSchedule) s = exs_schedule_new_from_data (json, &error);
  gint64 id = 0;

  g_assert_no_error (error);
  exs_schedule_store_insert (lib->db, s, &id, &error);
  g_assert_no_error (error);
  if (channel_number)
    {
      exs_schedule_store_assign (lib->db, channel_number, id, mode, seed, &error);
      g_assert_no_error (error);
    }
  return id;
}
