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
  sqlite3_busy_timeout (self->db, 5000);
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
