/* exs-library-store.c: typed queries over libraries and library_paths.
 *
 * Used by the /api/libraries routes on the main loop (single short
 * statements or one small transaction) and by the scanner, on its own
 * connection, to read a library's folders.
 */
#include "config.h"

#include "exs-library-store.h"

#include "exs-fs.h"

const char *const exs_library_kinds[] = { "movies", "shows", "music_videos", "other_videos", "music", NULL };

/**
 * exs_library_issue_new:
 * @path: a file name (file system encoding), shown in its display form
 * @reason: (transfer full): why
 *
 * Returns: (transfer full): a new issue, not stored yet
 */
ExsLibraryIssue *
exs_library_issue_new (const char *path, char *reason)
{
  ExsLibraryIssue *i = g_new0 (ExsLibraryIssue, 1);

  i->path = g_filename_display_name (path);
  i->reason = reason;
  return i;
}

void
exs_library_issue_free (ExsLibraryIssue *i)
{
  if (i == NULL)
    return;
  g_free (i->path);
  g_free (i->reason);
  g_free (i);
}

static void
library_path_free (ExsLibraryPath *p)
{
  g_free (p->path);
  g_free (p->error);
  g_free (p);
}

ExsLibraryRecord *
exs_library_record_new (void)
{
  ExsLibraryRecord *r = g_new0 (ExsLibraryRecord, 1);

  r->source = g_strdup ("local");
  r->paths = g_ptr_array_new_with_free_func ((GDestroyNotify) library_path_free);
  return r;
}

void
exs_library_record_free (ExsLibraryRecord *r)
{
  if (r == NULL)
    return;
  g_free (r->name);
  g_free (r->kind);
  g_free (r->source);
  g_free (r->last_scan_error);
  g_ptr_array_unref (r->paths);
  g_free (r);
}

void
exs_library_record_add_path (ExsLibraryRecord *r, const char *path)
{
  ExsLibraryPath *p = g_new0 (ExsLibraryPath, 1);

  p->path = g_strdup (path);
  g_ptr_array_add (r->paths, p);
}

/* What the items of a library of @library_kind are. */
const char *
exs_library_item_kind (const char *library_kind)
{
  if (g_str_equal (library_kind, "movies"))
    return "movie";
  if (g_str_equal (library_kind, "shows"))
    return "episode";
  if (g_str_equal (library_kind, "music_videos"))
    return "music_video";
  if (g_str_equal (library_kind, "music"))
    return "song";
  return "other_video";
}

#define SELECT_LIBRARY                                                                                            \
  "SELECT l.id, l.name, l.kind, l.source, l.created_at, l.updated_at, l.last_scan_started_at, "                   \
  "l.last_scan_finished_at, l.last_scan_error, l.last_scan_found, l.last_scan_probed, l.last_scan_unchanged, "    \
  "l.last_scan_failed, l.last_scan_missing, l.last_scan_restored, l.last_scan_issues, "                           \
  "(SELECT count(*) FROM media_items m WHERE m.library_id = l.id AND m.missing = 0), "                            \
  "(SELECT count(*) FROM media_items m WHERE m.library_id = l.id AND m.missing = 1) "                             \
  "FROM libraries l "

static ExsLibraryRecord *
record_from_row (sqlite3_stmt *stmt)
{
  ExsLibraryRecord *r = exs_library_record_new ();

  r->id = sqlite3_column_int64 (stmt, 0);
  r->name = exs_database_dup_column (stmt, 1);
  r->kind = exs_database_dup_column (stmt, 2);
  g_free (r->source);
  r->source = exs_database_dup_column (stmt, 3);
  r->created_at = sqlite3_column_int64 (stmt, 4);
  r->updated_at = sqlite3_column_int64 (stmt, 5);
  r->last_scan_started_at = sqlite3_column_int64 (stmt, 6);
  r->last_scan_finished_at = sqlite3_column_int64 (stmt, 7);
  r->last_scan_error = exs_database_dup_column (stmt, 8);
  r->last_found = (guint) sqlite3_column_int (stmt, 9);
  r->last_probed = (guint) sqlite3_column_int (stmt, 10);
  r->last_unchanged = (guint) sqlite3_column_int (stmt, 11);
  r->last_failed = (guint) sqlite3_column_int (stmt, 12);
  r->last_missing = (guint) sqlite3_column_int (stmt, 13);
  r->last_restored = (guint) sqlite3_column_int (stmt, 14);
  r->last_issues = (guint) sqlite3_column_int (stmt, 15);
  r->item_count = sqlite3_column_int64 (stmt, 16);
  r->missing_count = sqlite3_column_int64 (stmt, 17);
  return r;
}

static void
add_path_row (sqlite3_stmt *stmt, gpointer user_data)
{
  ExsLibraryRecord *r = user_data;
  ExsLibraryPath *p = g_new0 (ExsLibraryPath, 1);

  p->path = exs_database_dup_column (stmt, 0);
  p->error = exs_database_dup_column (stmt, 1);
  g_ptr_array_add (r->paths, p);
}

static gboolean
load_paths (ExsDatabase *db, ExsLibraryRecord *r, GError **error)
{
  return exs_database_each_row (db, "SELECT path, error FROM library_paths WHERE library_id = ? ORDER BY id", r->id,
                                add_path_row, r, "cannot read library folders", error);
}

static const ExsDatabaseRecordType library_type = {
  (ExsDatabaseRowReader) record_from_row, (GDestroyNotify) exs_library_record_free,
  (ExsDatabaseRecordLoader) load_paths, "library", "libraries",
};

/**
 * exs_library_store_list:
 *
 * Returns: (transfer full) (element-type ExsLibraryRecord) (nullable): every library, by name
 */
GPtrArray *
exs_library_store_list (ExsDatabase *db, GError **error)
{
  return exs_database_list_records (db, SELECT_LIBRARY "ORDER BY l.name COLLATE NOCASE", &library_type, error);
}

/**
 * exs_library_store_get:
 *
 * Returns: (transfer full) (nullable): the library, or %NULL with
 *   %EXS_DATABASE_ERROR_NOT_FOUND
 */
ExsLibraryRecord *
exs_library_store_get (ExsDatabase *db, gint64 id, GError **error)
{
  return exs_database_get_record (db, SELECT_LIBRARY "WHERE l.id = ?", id, &library_type, error);
}

/* The first column of @stmt's one row as an id: 0 (and no error) when there is no row. */
static gint64
step_id (ExsDatabase *db, sqlite3_stmt *stmt, GError **error)
{
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW)
    return sqlite3_column_int64 (stmt, 0);
  exs_database_rows_done (db, rc, error, "cannot look the library up");
  return 0;
}

/**
 * exs_library_store_exists:
 *
 * Returns: whether the library is there; %FALSE with @error set when the
 *   database cannot answer, %FALSE alone when there is no such library
 */
gboolean
exs_library_store_exists (ExsDatabase *db, gint64 id, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = exs_database_prepare (db, "SELECT id FROM libraries WHERE id = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  return step_id (db, stmt, error) > 0;
}

/**
 * exs_library_store_find:
 *
 * Returns: the id of the library called @name; 0 when there is none, or
 *   with @error set when the database cannot answer
 */
gint64
exs_library_store_find (ExsDatabase *db, const char *name, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = exs_database_prepare (db, "SELECT id FROM libraries WHERE name = ?", error);

  if (stmt == NULL)
    return 0;
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
  return step_id (db, stmt, error);
}

static void
bind_path (sqlite3_stmt *stmt, guint index, gpointer user_data)
{
  ExsLibraryRecord *r = user_data;
  ExsLibraryPath *p = r->paths->pdata[index];

  sqlite3_bind_text (stmt, 2, p->path, -1, SQLITE_TRANSIENT);
  exs_database_bind_text (stmt, 3, p->error);
}

static gboolean
write_paths (ExsDatabase *db, ExsLibraryRecord *r, GError **error)
{
  return exs_database_replace_rows (db, "DELETE FROM library_paths WHERE library_id = ?",
                                    "INSERT INTO library_paths (library_id, path, error) VALUES (?, ?, ?)", r->id,
                                    r->paths->len, bind_path, r, error);
}

/* Inserts or updates @r's row, then its folders (the kind never changes on
 * update: items would change meaning). */
static gboolean
write_library_rows (ExsDatabase *db, ExsLibraryRecord *r, gboolean insert, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  stmt = exs_database_prepare (db,
                               insert ? "INSERT INTO libraries (name, updated_at, kind, source, created_at) "
                                        "VALUES (?, ?, ?, ?, ?)"
                                      : "UPDATE libraries SET name = ?, updated_at = ? WHERE id = ?",
                               error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, r->name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, now);
  if (insert)
    {
      sqlite3_bind_text (stmt, 3, r->kind, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 4, r->source, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 5, now);
    }
  else
    sqlite3_bind_int64 (stmt, 3, r->id);
  if (!exs_database_step_written (db, stmt, insert, &r->id, error, "no library with id %" G_GINT64_FORMAT, r->id))
    return FALSE;
  if (insert)
    r->created_at = now;
  r->updated_at = now;
  return write_paths (db, r, error);
}

static gboolean
write_library (ExsDatabase *db, ExsLibraryRecord *r, gboolean insert, GError **error)
{
  return exs_database_begin (db, error) && exs_database_finish (db, write_library_rows (db, r, insert, error), error);
}

/**
 * exs_library_store_insert:
 *
 * Adds @record and its folders in one transaction and sets its id and times.
 * A duplicate name is %EXS_DATABASE_ERROR_CONSTRAINT.
 */
gboolean
exs_library_store_insert (ExsDatabase *db, ExsLibraryRecord *r, GError **error)
{
  return write_library (db, r, TRUE, error);
}

/**
 * exs_library_store_update:
 *
 * Writes @record's name and folders (the kind never changes: items would
 * change meaning). Items under removed folders are marked missing by the next
 * scan, not deleted, so schedules keep their history.
 */
gboolean
exs_library_store_update (ExsDatabase *db, ExsLibraryRecord *r, GError **error)
{
  return write_library (db, r, FALSE, error);
}

/**
 * exs_library_store_delete:
 *
 * Removes the library with its items, shows and folders (foreign keys cascade).
 */
gboolean
exs_library_store_delete (ExsDatabase *db, gint64 id, GError **error)
{
  return exs_database_delete_record (db, "DELETE FROM libraries WHERE id = ?", id, "library", error);
}

/**
 * exs_library_store_ensure:
 *
 * Adds a library called @name over @path unless one with that name exists
 * (the demo library uses this at every start).
 *
 * Returns: the library's id, or 0 with @error set
 */
gint64
exs_library_store_ensure (ExsDatabase *db, const char *name, const char *kind, const char *path, GError **error)
{
  g_autoptr (GError) local = NULL;
  gint64 id = exs_library_store_find (db, name, &local);
  g_autoptr (ExsLibraryRecord) r = NULL;

  if (id > 0)
    return id;
  if (local != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return 0;
    }
  r = exs_library_record_new ();
  r->name = g_strdup (name);
  r->kind = g_strdup (kind);
  exs_library_record_add_path (r, path);
  if (!exs_library_store_insert (db, r, error))
    return 0;
  return r->id;
}

/**
 * exs_library_store_mark_scan_started:
 *
 * Stores when a scan of the library began.
 */
gboolean
exs_library_store_mark_scan_started (ExsDatabase *db, gint64 id, gint64 now, GError **error)
{
  return exs_database_exec_int64s (db, "UPDATE libraries SET last_scan_started_at = ? WHERE id = ?", now, id, error);
}

static gboolean
save_path_errors (ExsDatabase *db, const ExsLibraryRecord *r, GHashTable *path_errors, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt
      = exs_database_prepare (db, "UPDATE library_paths SET error = ? WHERE library_id = ? AND path = ?", error);

  if (stmt == NULL)
    return FALSE;
  for (guint i = 0; i < r->paths->len; i++)
    {
      ExsLibraryPath *lp = r->paths->pdata[i];

      sqlite3_reset (stmt);
      exs_database_bind_text (stmt, 1, g_hash_table_lookup (path_errors, lp->path));
      sqlite3_bind_int64 (stmt, 2, r->id);
      sqlite3_bind_text (stmt, 3, lp->path, -1, SQLITE_TRANSIENT);
      if (!exs_database_step_done (db, stmt, error))
        return FALSE;
    }
  return TRUE;
}

typedef struct
{
  GPtrArray *issues;
  gint64 now;
} IssueRows;

static void
bind_issue (sqlite3_stmt *stmt, guint index, gpointer user_data)
{
  IssueRows *rows = user_data;
  ExsLibraryIssue *is = rows->issues->pdata[index];

  sqlite3_bind_text (stmt, 2, is->path, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, is->reason, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 4, rows->now);
}

static gboolean
replace_issues (ExsDatabase *db, gint64 id, GPtrArray *issues, gint64 now, GError **error)
{
  IssueRows rows = { issues, now };

  return exs_database_replace_rows (db, "DELETE FROM library_scan_issues WHERE library_id = ?",
                                    "INSERT INTO library_scan_issues (library_id, path, reason, created_at) "
                                    "VALUES (?, ?, ?, ?)",
                                    id, issues->len, bind_issue, &rows, error);
}

/**
 * exs_library_store_save_scan:
 * @path_errors: (element-type filename utf8): folder → why the scan could not
 *   read it; every other folder's error is cleared
 * @issues: (element-type ExsLibraryIssue): the scan's issues, replacing the last scan's
 * @scan_error: (nullable): why the scan stopped early
 *
 * Stores the end of a scan on the library: folder errors, issues and
 * counters. Runs inside the caller's transaction.
 */
gboolean
exs_library_store_save_scan (ExsDatabase *db, const ExsLibraryRecord *r, GHashTable *path_errors, GPtrArray *issues,
                             const char *scan_error, const ExsLibraryScanCounts *c, gint64 now, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  if (!save_path_errors (db, r, path_errors, error) || !replace_issues (db, r->id, issues, now, error))
    return FALSE;
  stmt = exs_database_prepare (db,
                               "UPDATE libraries SET last_scan_finished_at = ?, last_scan_error = ?, "
                               "last_scan_found = ?, last_scan_probed = ?, last_scan_unchanged = ?, "
                               "last_scan_failed = ?, last_scan_missing = ?, last_scan_restored = ?, "
                               "last_scan_issues = ? WHERE id = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, now);
  exs_database_bind_text (stmt, 2, scan_error);
  sqlite3_bind_int (stmt, 3, (int) c->found);
  sqlite3_bind_int (stmt, 4, (int) c->probed);
  sqlite3_bind_int (stmt, 5, (int) c->unchanged);
  sqlite3_bind_int (stmt, 6, (int) c->failed);
  sqlite3_bind_int (stmt, 7, (int) c->missing);
  sqlite3_bind_int (stmt, 8, (int) c->restored);
  sqlite3_bind_int (stmt, 9, (int) c->issues);
  sqlite3_bind_int64 (stmt, 10, r->id);
  return exs_database_step_done (db, stmt, error);
}

static ExsLibraryIssue *
issue_from_row (sqlite3_stmt *stmt)
{
  ExsLibraryIssue *is = g_new0 (ExsLibraryIssue, 1);

  is->path = exs_database_dup_column (stmt, 0);
  is->reason = exs_database_dup_column (stmt, 1);
  is->created_at = sqlite3_column_int64 (stmt, 2);
  return is;
}

/**
 * exs_library_store_list_issues:
 * @limit: the most to return
 *
 * Returns: (transfer full) (element-type ExsLibraryIssue) (nullable): the
 *   issues the library's last scan recorded, in the order it met them
 */
GPtrArray *
exs_library_store_list_issues (ExsDatabase *db, gint64 id, guint limit, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = exs_database_prepare (
      db, "SELECT path, reason, created_at FROM library_scan_issues WHERE library_id = ? ORDER BY id LIMIT ?", error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_int64 (stmt, 2, limit);
  return exs_database_collect_rows (db, stmt, (ExsDatabaseRowReader) issue_from_row,
                                    (GDestroyNotify) exs_library_issue_free, "cannot read the library's scan issues",
                                    error);
}

/**
 * exs_library_store_dup_source_config:
 *
 * Returns: (transfer full) (nullable): the library's source_config JSON
 *   (it may hold a media server's token: never log or return it), or %NULL
 *   with EXS_DATABASE_ERROR_NOT_FOUND
 */
char *
exs_library_store_dup_source_config (ExsDatabase *db, gint64 id, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = exs_database_prepare (db, "SELECT source_config FROM libraries WHERE id = ?", error);
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return exs_database_dup_column (stmt, 0);
  if (exs_database_rows_done (db, rc, error, "cannot read the library's source settings"))
    g_set_error (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_NOT_FOUND, "no library with id %" G_GINT64_FORMAT,
                 id);
  return NULL;
}

/**
 * exs_library_store_set_source_config:
 * @json: the library's new source_config
 */
gboolean
exs_library_store_set_source_config (ExsDatabase *db, gint64 id, const char *json, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt
      = exs_database_prepare (db, "UPDATE libraries SET source_config = ?, updated_at = ? WHERE id = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, json, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, g_get_real_time () / G_USEC_PER_SEC);
  sqlite3_bind_int64 (stmt, 3, id);
  return exs_database_step_done (db, stmt, error);
}
