/* exs-database.c: ExsDatabase, the one SQLite file of a server.
 *
 * Opening checks the schema version *before* anything writes to the file: a
 * database from a newer exstreamtv is refused and left byte-for-byte as it was.
 * Then WAL and foreign keys are switched on and pending migrations run, each in
 * its own transaction together with the version bump, so a crash mid-upgrade
 * leaves the previous version intact. The handle is opened in serialized mode;
 * short statements run on the main loop, anything slow belongs in a GTask.
 */
#include "config.h"

#include "exs-database.h"

#include "exs-fs.h"

#include <string.h>

#define BUSY_TIMEOUT_MS 5000 /* the main connection; workers wait longer */

struct _ExsDatabase
{
  GObject parent_instance;

  char *path;
  sqlite3 *db;
  int schema_version;
};

G_DEFINE_TYPE (ExsDatabase, exs_database, G_TYPE_OBJECT)

G_DEFINE_QUARK (exs-database-error-quark, exs_database_error)

static void
exs_database_finalize (GObject *object)
{
  ExsDatabase *self = EXS_DATABASE (object);

  exs_database_close (self);
  g_free (self->path);
  G_OBJECT_CLASS (exs_database_parent_class)->finalize (object);
}

static void
exs_database_class_init (ExsDatabaseClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = exs_database_finalize;
}

static void
exs_database_init (ExsDatabase *self)
{
}

static void
set_sqlite_error (ExsDatabase *self, GError **error, int code, const char *what)
{
  int rc = sqlite3_extended_errcode (self->db);
  ExsDatabaseError kind = (rc & 0xff) == SQLITE_CONSTRAINT ? EXS_DATABASE_ERROR_CONSTRAINT : code;

  g_set_error (error, EXS_DATABASE_ERROR, kind, "%s: %s (database %s)", what, sqlite3_errmsg (self->db),
               self->path);
}

static int
read_user_version (sqlite3 *db)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  if (sqlite3_prepare_v2 (db, "PRAGMA user_version", -1, &stmt, NULL) != SQLITE_OK)
    return -1;
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return -1;
  return sqlite3_column_int (stmt, 0);
}

static gboolean
apply_migration (ExsDatabase *self, const ExsMigration *m, GError **error)
{
  g_autofree char *bump = g_strdup_printf ("PRAGMA user_version = %d", m->version);
  g_autoptr (GError) local = NULL;

  if (!exs_database_begin (self, error))
    return FALSE;
  if (!exs_database_exec (self, m->sql, &local) || !exs_database_exec (self, bump, &local))
    {
      exs_database_rollback (self);
      g_set_error (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_MIGRATION,
                   "migration %d (%s) failed, database left at version %d: %s", m->version, m->name,
                   self->schema_version, local->message);
      return FALSE;
    }
  if (!exs_database_commit (self, error))
    {
      exs_database_rollback (self);
      return FALSE;
    }
  g_debug ("applied migration %d: %s", m->version, m->name);
  self->schema_version = m->version;
  return TRUE;
}

/**
 * exs_database_open_with_migrations:
 * @migrations: (array length=n_migrations): steps in ascending version order
 *
 * Opens (creating if needed) the database at @path and brings it up to the last
 * of @migrations. Tests use this to build "old" databases.
 *
 * Returns: (transfer full) (nullable): the database, or %NULL with @error set;
 *   %EXS_DATABASE_ERROR_TOO_NEW if the file has a newer schema than @migrations
 */
ExsDatabase *
exs_database_open_with_migrations (const char         *path,
                                   const ExsMigration *migrations,
                                   guint               n_migrations,
                                   GError            **error)
{
  g_autoptr (ExsDatabase) self = g_object_new (EXS_TYPE_DATABASE, NULL);
  int latest = n_migrations > 0 ? migrations[n_migrations - 1].version : 0;
  int rc;

  self->path = g_strdup (path);
  rc = sqlite3_open_v2 (path, &self->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      g_set_error (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_OPEN, "cannot open database %s: %s", path,
                   self->db ? sqlite3_errmsg (self->db) : sqlite3_errstr (rc));
      return NULL;
    }
  /* A writer that finds the file locked waits (SQLite retries) instead of
   * failing at the first SQLITE_BUSY. Other writers hold the lock for short
   * transactions only (the playout builder: one channel's rows, tens of ms),
   * so 5 s is a wide margin even on a slow machine. */
  sqlite3_busy_timeout (self->db, BUSY_TIMEOUT_MS);
  sqlite3_extended_result_codes (self->db, 1);

  /* Read-only look first: never touch a file we do not understand. */
  self->schema_version = read_user_version (self->db);
  if (self->schema_version < 0)
    {
      g_set_error (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_OPEN,
                   "%s is not an EXStreamTV database (or is damaged): %s", path, sqlite3_errmsg (self->db));
      return NULL;
    }
  if (self->schema_version > latest)
    {
      g_set_error (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_TOO_NEW,
                   "database %s has schema version %d but this exstreamtv (%s) knows only up to %d; "
                   "it was written by a newer release and is left untouched — run that release, or "
                   "restore a backup made for this one",
                   path, self->schema_version, PACKAGE_VERSION, latest);
      return NULL;
    }

  if (!exs_database_exec (self, "PRAGMA journal_mode = WAL", error)
      || !exs_database_exec (self, "PRAGMA synchronous = NORMAL", error)
      || !exs_database_exec (self, "PRAGMA foreign_keys = ON", error))
    return NULL;

  for (guint i = 0; i < n_migrations; i++)
    if (migrations[i].version > self->schema_version && !apply_migration (self, &migrations[i], error))
      return NULL;

  return g_steal_pointer (&self);
}

/**
 * exs_database_open:
 *
 * Opens @path with the program's own migrations.
 *
 * Returns: (transfer full) (nullable): the database
 */
ExsDatabase *
exs_database_open (const char *path, GError **error)
{
  guint n;
  const ExsMigration *m = exs_database_get_migrations (&n);

  return exs_database_open_with_migrations (path, m, n, error);
}

/**
 * exs_database_open_worker:
 *
 * Opens another connection to @path for a worker thread (scans, playout
 * builds). It waits up to 30 s for another writer, where the main loop's own
 * connection gives up after 5 s: a worker may wait, the main loop may not.
 *
 * Returns: (transfer full) (nullable): the connection
 */
ExsDatabase *
exs_database_open_worker (const char *path, GError **error)
{
  ExsDatabase *db = exs_database_open (path, error);

  if (db != NULL)
    sqlite3_busy_timeout (db->db, 30000);
  return db;
}

/**
 * exs_database_close:
 *
 * Checkpoints and closes the file; further queries fail. Safe to call twice.
 */
void
exs_database_close (ExsDatabase *self)
{
  g_return_if_fail (EXS_IS_DATABASE (self));

  if (self->db == NULL)
    return;
  sqlite3_wal_checkpoint_v2 (self->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
  sqlite3_close_v2 (self->db);
  self->db = NULL;
}

int
exs_database_get_schema_version (ExsDatabase *self)
{
  return self->schema_version;
}

const char *
exs_database_get_path (ExsDatabase *self)
{
  return self->path;
}

/**
 * exs_database_get_handle:
 *
 * Returns: (transfer none) (nullable): the sqlite3 handle, %NULL once closed
 */
sqlite3 *
exs_database_get_handle (ExsDatabase *self)
{
  return self->db;
}

/**
 * exs_database_is_ok:
 *
 * Returns: whether the database answers a trivial query (for /api/health)
 */
gboolean
exs_database_is_ok (ExsDatabase *self)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  if (self->db == NULL)
    return FALSE;
  if (sqlite3_prepare_v2 (self->db, "SELECT count(*) FROM sqlite_schema", -1, &stmt, NULL) != SQLITE_OK)
    return FALSE;
  return sqlite3_step (stmt) == SQLITE_ROW;
}

gboolean
exs_database_exec (ExsDatabase *self, const char *sql, GError **error)
{
  char *msg = NULL;

  if (self->db == NULL)
    {
      g_set_error (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_QUERY, "database %s is closed", self->path);
      return FALSE;
    }
  if (sqlite3_exec (self->db, sql, NULL, NULL, &msg) != SQLITE_OK)
    {
      int rc = sqlite3_extended_errcode (self->db);
      g_set_error (error, EXS_DATABASE_ERROR,
                   (rc & 0xff) == SQLITE_CONSTRAINT ? EXS_DATABASE_ERROR_CONSTRAINT : EXS_DATABASE_ERROR_QUERY,
                   "%s (database %s)", msg ? msg : "error", self->path);
      sqlite3_free (msg);
      return FALSE;
    }
  return TRUE;
}

/**
 * exs_database_prepare:
 *
 * Returns: (transfer full) (nullable): a statement; free with sqlite3_finalize()
 *   or g_autoptr (sqlite3_stmt)
 */
sqlite3_stmt *
exs_database_prepare (ExsDatabase *self, const char *sql, GError **error)
{
  sqlite3_stmt *stmt = NULL;

  if (self->db == NULL)
    {
      g_set_error (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_QUERY, "database %s is closed", self->path);
      return NULL;
    }
  if (sqlite3_prepare_v2 (self->db, sql, -1, &stmt, NULL) != SQLITE_OK)
    {
      set_sqlite_error (self, error, EXS_DATABASE_ERROR_QUERY, "cannot prepare query");
      return NULL;
    }
  return stmt;
}

/* Steps a statement that returns no rows. */
gboolean
exs_database_step_done (ExsDatabase *self, sqlite3_stmt *stmt, GError **error)
{
  if (sqlite3_step (stmt) != SQLITE_DONE)
    {
      set_sqlite_error (self, error, EXS_DATABASE_ERROR_QUERY, "query failed");
      return FALSE;
    }
  return TRUE;
}

gboolean
exs_database_begin (ExsDatabase *self, GError **error)
{
  return exs_database_exec (self, "BEGIN IMMEDIATE", error);
}

gboolean
exs_database_commit (ExsDatabase *self, GError **error)
{
  return exs_database_exec (self, "COMMIT", error);
}

void
exs_database_rollback (ExsDatabase *self)
{
  if (self->db != NULL && !sqlite3_get_autocommit (self->db))
    sqlite3_exec (self->db, "ROLLBACK", NULL, NULL, NULL);
}

/**
 * exs_database_finish:
 * @written: whether every write of the transaction succeeded
 *
 * Ends the transaction exs_database_begin() opened: commits it when
 * @written, rolls it back when not (@error is then already set) or when the
 * commit fails.
 *
 * Returns: whether the transaction was committed
 */
gboolean
exs_database_finish (ExsDatabase *self, gboolean written, GError **error)
{
  if (written && exs_database_commit (self, error))
    return TRUE;
  exs_database_rollback (self);
  return FALSE;
}

/* Savepoints: one item of a batch that can be undone without the batch. */
gboolean
exs_database_savepoint (ExsDatabase *self, const char *name, GError **error)
{
  g_autofree char *sql = g_strdup_printf ("SAVEPOINT \"%s\"", name);

  return exs_database_exec (self, sql, error);
}

void
exs_database_rollback_to (ExsDatabase *self, const char *name)
{
  g_autofree char *sql = g_strdup_printf ("ROLLBACK TO \"%s\"", name);

  exs_database_exec (self, sql, NULL);
}

gboolean
exs_database_release (ExsDatabase *self, const char *name, GError **error)
{
  g_autofree char *sql = g_strdup_printf ("RELEASE \"%s\"", name);

  return exs_database_exec (self, sql, error);
}

/**
 * exs_database_dup_column:
 *
 * The one rule for reading text out of a row: SQL NULL is %NULL, any text
 * (the empty string included) is copied as it is. Callers that want "" for
 * a missing value say so where they read it.
 *
 * Returns: (transfer full) (nullable): the text of @column
 */
char *
exs_database_dup_column (sqlite3_stmt *stmt, int column)
{
  return g_strdup ((const char *) sqlite3_column_text (stmt, column));
}

/* Binds @text, or SQL NULL when @text is %NULL or empty. */
void
exs_database_bind_text (sqlite3_stmt *stmt, int index, const char *text)
{
  if (text && text[0])
    sqlite3_bind_text (stmt, index, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, index);
}

/* Binds @value when @present, SQL NULL otherwise. */
void
exs_database_bind_int64 (sqlite3_stmt *stmt, int index, gint64 value, gboolean present)
{
  if (present)
    sqlite3_bind_int64 (stmt, index, value);
  else
    sqlite3_bind_null (stmt, index);
}

/* Sets @error from the connection's last error after a step went wrong; returns FALSE. */
gboolean
exs_database_step_failed (ExsDatabase *self, GError **error, const char *what)
{
  set_sqlite_error (self, error, EXS_DATABASE_ERROR_QUERY, what);
  return FALSE;
}

/**
 * exs_database_rows_done:
 * @rc: what the last sqlite3_step() of a row loop returned
 * @what: what was being read, for the message
 *
 * Returns: whether the loop read every row (@rc is SQLITE_DONE); otherwise
 *   %FALSE with @error set from the connection's last error
 */
gboolean
exs_database_rows_done (ExsDatabase *self, int rc, GError **error, const char *what)
{
  return rc == SQLITE_DONE || exs_database_step_failed (self, error, what);
}

static void G_GNUC_PRINTF (2, 0)
set_not_found_va (GError **error, const char *format, va_list args)
{
  g_autofree char *message = g_strdup_vprintf (format, args);

  g_set_error_literal (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_NOT_FOUND, message);
}

static gboolean G_GNUC_PRINTF (4, 0)
step_one_va (ExsDatabase *self, sqlite3_stmt *stmt, GError **error, const char *not_found, va_list args)
{
  int rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW)
    return TRUE;
  if (rc != SQLITE_DONE)
    return exs_database_step_failed (self, error, "cannot read the row");
  set_not_found_va (error, not_found, args);
  return FALSE;
}

/* Runs @stmt; an insert sets *@id, an update or delete must touch a row. */
static gboolean G_GNUC_PRINTF (6, 0)
step_written_va (ExsDatabase *self, sqlite3_stmt *stmt, gboolean insert, gint64 *id, GError **error,
                 const char *not_found, va_list args)
{
  if (!exs_database_step_done (self, stmt, error))
    return FALSE;
  if (insert)
    *id = sqlite3_last_insert_rowid (self->db);
  if (insert || sqlite3_changes (self->db) > 0)
    return TRUE;
  set_not_found_va (error, not_found, args);
  return FALSE;
}

/**
 * exs_database_step_changed:
 * @stmt: an UPDATE or DELETE of one row, its parameters bound
 * @not_found: printf format of the message when no row matched
 *
 * Runs @stmt to completion and checks that it touched a row.
 *
 * Returns: %TRUE when a row changed; otherwise %FALSE with @error set
 *   (%EXS_DATABASE_ERROR_NOT_FOUND when no row matched)
 */
gboolean
exs_database_step_changed (ExsDatabase *self, sqlite3_stmt *stmt, GError **error, const char *not_found, ...)
{
  va_list args;
  gboolean changed;

  va_start (args, not_found);
  changed = step_written_va (self, stmt, FALSE, NULL, error, not_found, args);
  va_end (args);
  return changed;
}

/**
 * exs_database_step_written:
 * @stmt: the INSERT (when @insert) or the UPDATE of one record's row, its
 *   parameters bound
 * @id: (inout): the record's id; set to the new row's on insert
 * @not_found: printf format of the message when an update matched no row
 *
 * Runs a store's "insert or update" statement: the write shared by the
 * stores whose records are written from one function.
 *
 * Returns: whether the row was written; otherwise %FALSE with @error set
 *   (%EXS_DATABASE_ERROR_NOT_FOUND when an update matched no row)
 */
gboolean
exs_database_step_written (ExsDatabase *self, sqlite3_stmt *stmt, gboolean insert, gint64 *id, GError **error,
                           const char *not_found, ...)
{
  va_list args;
  gboolean written;

  va_start (args, not_found);
  written = step_written_va (self, stmt, insert, id, error, not_found, args);
  va_end (args);
  return written;
}

/**
 * exs_database_exec_int64s:
 * @sql: one statement whose parameters 1 and 2 are integers
 *
 * Prepares @sql, binds @first and @second and runs it to completion.
 *
 * Returns: whether it ran; otherwise %FALSE with @error set
 */
gboolean
exs_database_exec_int64s (ExsDatabase *self, const char *sql, gint64 first, gint64 second, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = exs_database_prepare (self, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, first);
  sqlite3_bind_int64 (stmt, 2, second);
  return exs_database_step_done (self, stmt, error);
}

/**
 * exs_database_step_one:
 * @stmt: a query for one row, its parameters bound
 * @not_found: printf format of the message when there is no row
 *
 * Steps @stmt to its row: the lookup shared by the stores' get functions.
 *
 * Returns: %TRUE with @stmt on its row; otherwise %FALSE with @error set
 *   (%EXS_DATABASE_ERROR_NOT_FOUND when there is no row)
 */
gboolean
exs_database_step_one (ExsDatabase *self, sqlite3_stmt *stmt, GError **error, const char *not_found, ...)
{
  va_list args;
  gboolean found;

  va_start (args, not_found);
  found = step_one_va (self, stmt, error, not_found, args);
  va_end (args);
  return found;
}

/**
 * exs_database_each_row:
 * @sql: a query whose first parameter is bound to @id
 * @func: (scope call): called with the statement on each row
 * @what: what is being read, for the message
 *
 * Prepares @sql, binds @id and hands every row to @func: the one
 * prepare/bind/step loop of the stores' child-row readers.
 *
 * Returns: whether every row was read; otherwise %FALSE with @error set
 */
gboolean
exs_database_each_row (ExsDatabase *self, const char *sql, gint64 id, ExsDatabaseRowFunc func, gpointer user_data,
                       const char *what, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = exs_database_prepare (self, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    func (stmt, user_data);
  return exs_database_rows_done (self, rc, error, what);
}

/**
 * exs_database_replace_rows:
 * @delete_sql: (nullable): a statement whose one parameter is bound to @id,
 *   run first to drop the old rows; %NULL when they are already gone
 * @insert_sql: an INSERT whose first parameter is bound to @id
 * @n_rows: how many rows to insert
 * @bind: (scope call): binds parameters 2 and on for each row
 *
 * Writes a record's child rows: the one delete/prepare/bind/step loop of
 * the stores' child-row writers, the counterpart of exs_database_each_row().
 *
 * Returns: whether every row was written; otherwise %FALSE with @error set
 */
gboolean
exs_database_replace_rows (ExsDatabase *self, const char *delete_sql, const char *insert_sql, gint64 id,
                           guint n_rows, ExsDatabaseRowBinder bind, gpointer user_data, GError **error)
{
  g_autoptr (sqlite3_stmt) ins = NULL;

  if (delete_sql != NULL)
    {
      g_autoptr (sqlite3_stmt) del = exs_database_prepare (self, delete_sql, error);

      if (del == NULL)
        return FALSE;
      sqlite3_bind_int64 (del, 1, id);
      if (!exs_database_step_done (self, del, error))
        return FALSE;
    }
  if (n_rows == 0)
    return TRUE;
  ins = exs_database_prepare (self, insert_sql, error);
  if (ins == NULL)
    return FALSE;
  for (guint i = 0; i < n_rows; i++)
    {
      sqlite3_reset (ins);
      sqlite3_bind_int64 (ins, 1, id);
      bind (ins, i, user_data);
      if (!exs_database_step_done (self, ins, error))
        return FALSE;
    }
  return TRUE;
}

/**
 * exs_database_collect_rows:
 * @stmt: (transfer none): a prepared statement, its parameters bound
 * @read: makes one record of the current row
 * @free_func: frees a record
 * @what: what is being read, for the message
 *
 * Returns: (transfer full) (nullable): @read's record of every row, in order;
 *   %NULL with @error set when a step fails
 */
GPtrArray *
exs_database_collect_rows (ExsDatabase *self, sqlite3_stmt *stmt, ExsDatabaseRowReader read,
                           GDestroyNotify free_func, const char *what, GError **error)
{
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func (free_func);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (out, read (stmt));
  if (!exs_database_rows_done (self, rc, error, what))
    return NULL;
  return g_steal_pointer (&out);
}

/**
 * exs_database_dup_strv:
 * @stmt: (transfer none): a prepared query of one text column, its
 *   parameters bound
 * @what: what is being read, for the message
 *
 * Returns: (transfer full) (nullable): the column of every row, in order
 *   (SQL NULL as an empty string);
 *   %NULL with @error set when a step fails
 */
GStrv
exs_database_dup_strv (ExsDatabase *self, sqlite3_stmt *stmt, const char *what, GError **error)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      const char *text = (const char *) sqlite3_column_text (stmt, 0);
      g_strv_builder_add (b, text ? text : "");
    }
  if (!exs_database_rows_done (self, rc, error, what))
    return NULL;
  return g_strv_builder_end (b);
}

/**
 * exs_database_list_records:
 * @sql: a query without parameters
 *
 * The stores' "list them all": prepares @sql, makes a record of every row
 * and then reads each record's child rows.
 *
 * Returns: (transfer full) (nullable): the records, or %NULL with @error set
 */
GPtrArray *
exs_database_list_records (ExsDatabase *self, const char *sql, const ExsDatabaseRecordType *type, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = exs_database_prepare (self, sql, error);
  g_autofree char *what = g_strconcat ("cannot list ", type->plural, NULL);
  g_autoptr (GPtrArray) out = NULL;

  if (stmt == NULL)
    return NULL;
  out = exs_database_collect_rows (self, stmt, type->read, type->free_func, what, error);
  for (guint i = 0; out && type->load && i < out->len; i++)
    if (!type->load (self, out->pdata[i], error))
      return NULL;
  return g_steal_pointer (&out);
}

/* Makes @type's record of @stmt's row and reads its child rows. */
static gpointer
read_record (ExsDatabase *self, sqlite3_stmt *stmt, const ExsDatabaseRecordType *type, GError **error)
{
  gpointer record = type->read (stmt);

  if (type->load && !type->load (self, record, error))
    {
      type->free_func (record);
      return NULL;
    }
  return record;
}

/**
 * exs_database_get_record:
 * @sql: a query whose one parameter is bound to @id
 *
 * The stores' "get one by id", with its child rows.
 *
 * Returns: (transfer full) (nullable): the record, or %NULL with @error set
 *   (%EXS_DATABASE_ERROR_NOT_FOUND when there is no such row)
 */
gpointer
exs_database_get_record (ExsDatabase *self, const char *sql, gint64 id, const ExsDatabaseRecordType *type,
                         GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = exs_database_prepare (self, sql, error);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  if (!exs_database_step_one (self, stmt, error, "no %s with id %" G_GINT64_FORMAT, type->noun, id))
    return NULL;
  return read_record (self, stmt, type, error);
}

/**
 * exs_database_get_record_by_key:
 * @sql: a query whose one parameter is bound to @key
 * @key: the record's name or number
 * @not_found: the message when no row matches, a printf() format
 *
 * The stores' "get one by name", with its child rows.
 *
 * Returns: (transfer full) (nullable): the record, or %NULL with @error set
 *   (%EXS_DATABASE_ERROR_NOT_FOUND, with @not_found, when there is no such row)
 */
gpointer
exs_database_get_record_by_key (ExsDatabase *self, const char *sql, const char *key, const ExsDatabaseRecordType *type,
                                GError **error, const char *not_found, ...)
{
  g_autoptr (sqlite3_stmt) stmt = exs_database_prepare (self, sql, error);
  va_list args;
  gboolean found;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  va_start (args, not_found);
  found = step_one_va (self, stmt, error, not_found, args);
  va_end (args);
  return found ? read_record (self, stmt, type, error) : NULL;
}

/**
 * exs_database_delete_record:
 * @sql: a DELETE whose one parameter is bound to @id
 * @noun: what the row is, for "no library with id 3"
 *
 * Returns: whether a row went; otherwise %FALSE with @error set
 *   (%EXS_DATABASE_ERROR_NOT_FOUND when there was no such row)
 */
gboolean
exs_database_delete_record (ExsDatabase *self, const char *sql, gint64 id, const char *noun, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = exs_database_prepare (self, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  return exs_database_step_changed (self, stmt, error, "no %s with id %" G_GINT64_FORMAT, noun, id);
}

/* ---- whole files: backups and restores ----------------------------------- */

void
exs_database_file_info_clear (ExsDatabaseFileInfo *info)
{
  g_clear_pointer (&info->quick_check, g_free);
}

/**
 * exs_database_copy_file:
 * @path: a database, possibly in use by a running server
 * @target: where the copy goes (created or overwritten)
 *
 * Copies @path with SQLite's online backup in small steps, so the server's
 * writers are never held up for long, and leaves @target one self-contained
 * file (no WAL). Blocking: call it from a thread or the command line.
 */
gboolean
exs_database_copy_file (const char *path, const char *target, GError **error)
{
  sqlite3 *src = NULL, *dst = NULL;
  sqlite3_backup *backup;
  gboolean ok = FALSE;
  int rc;

  if (sqlite3_open_v2 (path, &src, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK
      || sqlite3_open_v2 (target, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
    {
      g_set_error (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_OPEN, "cannot open the database for backup: %s",
                   sqlite3_errmsg (src && sqlite3_errcode (src) != SQLITE_OK ? src : dst));
      goto out;
    }
  sqlite3_busy_timeout (src, BUSY_TIMEOUT_MS);
  backup = sqlite3_backup_init (dst, "main", src, "main");
  if (backup == NULL)
    {
      g_set_error (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_QUERY, "cannot start the backup: %s",
                   sqlite3_errmsg (dst));
      goto out;
    }
  do
    {
      rc = sqlite3_backup_step (backup, 256);
      if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        sqlite3_sleep (20);
    }
  while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
  sqlite3_backup_finish (backup);
  if (rc != SQLITE_DONE)
    {
      g_set_error (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_QUERY, "the backup failed: %s", sqlite3_errstr (rc));
      goto out;
    }
  sqlite3_exec (dst, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
  ok = TRUE;
out:
  sqlite3_close (dst);
  sqlite3_close (src);
  return ok;
}

/* The first column of the one row @sql returns, as an int; @fallback without a row. */
static int
query_int (sqlite3 *db, const char *sql, int fallback)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK || sqlite3_step (stmt) != SQLITE_ROW)
    return fallback;
  return sqlite3_column_int (stmt, 0);
}

/**
 * exs_database_inspect_file:
 *
 * Opens @path (without running migrations) and fills @info: SQLite's quick
 * check, whether it has a channels table, its schema version. Fails with
 * %EXS_DATABASE_ERROR_OPEN when it is not an SQLite database at all.
 */
gboolean
exs_database_inspect_file (const char *path, ExsDatabaseFileInfo *info, GError **error)
{
  sqlite3 *db = NULL;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  gboolean ok = FALSE;

  memset (info, 0, sizeof *info);
  info->schema_version = -1;
  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK
      || sqlite3_prepare_v2 (db, "PRAGMA quick_check", -1, &stmt, NULL) != SQLITE_OK
      || sqlite3_step (stmt) != SQLITE_ROW)
    {
      g_set_error (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_OPEN, "%s", db ? sqlite3_errmsg (db) : "cannot open");
      goto out;
    }
  info->quick_check = exs_database_dup_column (stmt, 0);
  g_clear_pointer (&stmt, sqlite3_finalize);
  info->has_channels
      = query_int (db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'channels'", 0) == 1;
  info->schema_version = query_int (db, "PRAGMA user_version", -1);
  ok = TRUE;
out:
  g_clear_pointer (&stmt, sqlite3_finalize);
  sqlite3_close (db);
  return ok;
}

/* Merges @path's WAL into the main file so that it can be kept as one file. */
void
exs_database_checkpoint_file (const char *path)
{
  sqlite3 *db = NULL;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return;
  if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK)
    sqlite3_exec (db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
  sqlite3_close (db);
}

/**
 * exs_database_dup_setting:
 *
 * Returns: (transfer full) (nullable): a stored setting, %NULL if unset
 */
char *
exs_database_dup_setting (ExsDatabase *self, const char *key)
{
  g_autoptr (sqlite3_stmt) stmt = exs_database_prepare (self, "SELECT value FROM settings WHERE key = ?", NULL);

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return NULL;
  return g_strdup ((const char *) sqlite3_column_text (stmt, 0));
}

gboolean
exs_database_set_setting (ExsDatabase *self, const char *key, const char *value, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = exs_database_prepare (
      self, "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, value, -1, SQLITE_TRANSIENT);
  return exs_database_step_done (self, stmt, error);
}

/**
 * exs_database_clear_not_found:
 * @error: (inout): where a store lookup left its error
 *
 * For a lookup where "there is none" is an answer: clears @error when it is
 * only %EXS_DATABASE_ERROR_NOT_FOUND.
 *
 * Returns: %TRUE when @error is clear afterwards; %FALSE when the database
 *   failed (@error says how)
 */
gboolean
exs_database_clear_not_found (GError **error)
{
  g_return_val_if_fail (error != NULL, FALSE);

  if (g_error_matches (*error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_NOT_FOUND))
    g_clear_error (error);
  return *error == NULL;
}
