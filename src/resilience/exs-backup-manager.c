/* exs-backup-manager.c: ExsBackupManager, copies of the database that can be
 * trusted, and the way back.
 *
 * Made by ExsApplication (database_backup.enabled). Every interval_hours (24)
 * — and on POST /api/backups or `exstreamtv backup create` — it copies the
 * live database with SQLite's online backup API (a consistent snapshot that
 * includes the WAL, taken while the server keeps writing), gzips it (zlib)
 * and keeps the newest keep_count (7) in <data dir>/backups. The copy runs in
 * a GTask thread on its own connection; the main loop never waits for it.
 *
 * Restore (`exstreamtv backup restore FILE`) works only while no server uses
 * the data dir: it takes the same instance lock the server takes and holds it
 * throughout. It decompresses the backup next to the database, checks that
 * SQLite opens it, that quick_check says ok, that it has our tables and that
 * its schema version is not newer than this program's, keeps the current
 * database as exstreamtv.db.before-restore-<time>, and renames the backup
 * into place — one atomic rename, so a crash leaves the old or the new file,
 * never half of one.
 */
#include "config.h"

#include "exs-backup-manager.h"
#include "exs-background.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>
#include <zlib.h>

#define BACKUP_PREFIX "exstreamtv-"
#define DATABASE_NAME "exstreamtv.db"
#define LOCK_NAME "exstreamtv.lock"

struct _ExsBackupManager
{
  GObject parent_instance;

  char *database_path;
  char *backup_dir;
  guint keep_count;
  gboolean compress;
  guint schedule_id;
  GCancellable *cancellable;
  gboolean running; /* a scheduled backup is in flight */
};

G_DEFINE_TYPE (ExsBackupManager, exs_backup_manager, G_TYPE_OBJECT)

G_DEFINE_QUARK (exs-backup-error-quark, exs_backup_error)

static void
exs_backup_manager_dispose (GObject *object)
{
  ExsBackupManager *self = EXS_BACKUP_MANAGER (object);

  exs_backup_manager_stop (self);
  G_OBJECT_CLASS (exs_backup_manager_parent_class)->dispose (object);
}

static void
exs_backup_manager_finalize (GObject *object)
{
  ExsBackupManager *self = EXS_BACKUP_MANAGER (object);

  g_free (self->database_path);
  g_free (self->backup_dir);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (exs_backup_manager_parent_class)->finalize (object);
}

static void
exs_backup_manager_class_init (ExsBackupManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = exs_backup_manager_dispose;
  object_class->finalize = exs_backup_manager_finalize;
}

static void
exs_backup_manager_init (ExsBackupManager *self)
{
  self->cancellable = g_cancellable_new ();
}

/**
 * exs_backup_manager_new:
 *
 * Returns: (transfer full): a manager backing up @database_path into @backup_dir
 */
ExsBackupManager *
exs_backup_manager_new (const char *database_path, const char *backup_dir, guint keep_count, gboolean compress)
{
  ExsBackupManager *self = g_object_new (EXS_TYPE_BACKUP_MANAGER, NULL);

  self->database_path = g_strdup (database_path);
  self->backup_dir = g_strdup (backup_dir);
  self->keep_count = MAX (keep_count, 1);
  self->compress = compress;
  return self;
}

/**
 * exs_backup_manager_new_from_config:
 *
 * Returns: (transfer full): a manager for <data_dir>/exstreamtv.db, configured
 *   from [database_backup]
 */
ExsBackupManager *
exs_backup_manager_new_from_config (ExsConfig *config, const char *data_dir)
{
  g_autofree char *db = g_build_filename (data_dir, DATABASE_NAME, NULL);
  g_autofree char *dir = g_build_filename (data_dir, "backups", NULL);

  return exs_backup_manager_new (db, dir, (guint) exs_config_get_int (config, "database_backup", "keep_count"),
                                 exs_config_get_boolean (config, "database_backup", "compress"));
}

const char *
exs_backup_manager_get_backup_dir (ExsBackupManager *self)
{
  return self->backup_dir;
}

static gboolean
fsync_path (const char *path)
{
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  gboolean ok;

  if (fd < 0)
    return FALSE;
  ok = fsync (fd) == 0;
  close (fd);
  return ok;
}

static gboolean
gzip_file (const char *from, const char *to, GError **error)
{
  FILE *in = fopen (from, "rbe");
  gzFile out;
  char buf[65536];
  size_t n;
  gboolean ok = TRUE;

  if (in == NULL)
    {
      g_set_error (error, EXS_BACKUP_ERROR, EXS_BACKUP_ERROR_FAILED, "cannot read %s: %s", from, g_strerror (errno));
      return FALSE;
    }
  out = gzopen (to, "wb6");
  if (out == NULL)
    {
      fclose (in);
      g_set_error (error, EXS_BACKUP_ERROR, EXS_BACKUP_ERROR_FAILED, "cannot write %s", to);
      return FALSE;
    }
  while (ok && (n = fread (buf, 1, sizeof buf, in)) > 0)
    ok = gzwrite (out, buf, (unsigned) n) == (int) n;
  ok = ok && !ferror (in);
  fclose (in);
  if (gzclose (out) != Z_OK)
    ok = FALSE;
  if (!ok)
    g_set_error (error, EXS_BACKUP_ERROR, EXS_BACKUP_ERROR_FAILED, "cannot compress into %s (disk full?)", to);
  return ok;
}

/* Names sort by time: exstreamtv-20261121-194300-123456.db[.gz]. */
static gboolean
is_backup_name (const char *name)
{
  return g_str_has_prefix (name, BACKUP_PREFIX) && (g_str_has_suffix (name, ".db") || g_str_has_suffix (name, ".db.gz"));
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/**
 * exs_backup_list:
 *
 * Returns: (transfer full) (element-type utf8): backup file paths in
 *   @backup_dir, oldest first (an empty array if the directory does not exist)
 */
GPtrArray *
exs_backup_list (const char *backup_dir, GError **error)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GError) local = NULL;
  g_autoptr (GDir) dir = g_dir_open (backup_dir, 0, &local);
  const char *name;

  if (dir == NULL)
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return g_steal_pointer (&names);
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  while ((name = g_dir_read_name (dir)) != NULL)
    if (is_backup_name (name))
      g_ptr_array_add (names, g_build_filename (backup_dir, name, NULL));
  g_ptr_array_sort (names, compare_names);
  return g_steal_pointer (&names);
}

static void
prune (const char *backup_dir, guint keep_count)
{
  g_autoptr (GPtrArray) all = exs_backup_list (backup_dir, NULL);

  for (guint i = 0; all && all->len > keep_count && i < all->len - keep_count; i++)
    {
      if (g_unlink (all->pdata[i]) == 0)
        g_message ("removed old backup %s (database_backup.keep_count is %u)", (char *) all->pdata[i], keep_count);
    }
}

static char *
new_backup_path (const char *backup_dir, gboolean compress)
{
  /* Microseconds keep names unique and in time order, even after rotation. */
  for (;;)
    {
      g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
      g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S-%f");
      g_autofree char *name = g_strdup_printf (BACKUP_PREFIX "%s.db%s", stamp, compress ? ".gz" : "");
      char *path = g_build_filename (backup_dir, name, NULL);
      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        return path;
      g_free (path);
    }
}

/**
 * exs_backup_create:
 *
 * Copies @database_path (which may be in use by a running server) into a new
 * file in @backup_dir, then deletes the oldest beyond @keep_count. Blocking:
 * call it from a thread or the command line.
 *
 * Returns: (transfer full): the new backup's path, or %NULL with @error
 */
char *
exs_backup_create (const char *database_path, const char *backup_dir, gboolean compress, guint keep_count,
                   GError **error)
{
  g_autofree char *final_path = NULL;
  g_autofree char *raw_tmp = NULL;
  g_autofree char *gz_tmp = NULL;
  g_autoptr (GError) local = NULL;
  gboolean ok = FALSE;

  if (!g_file_test (database_path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, EXS_BACKUP_ERROR, EXS_BACKUP_ERROR_NOT_FOUND, "there is no database at %s", database_path);
      return NULL;
    }
  if (g_mkdir_with_parents (backup_dir, 0700) != 0)
    {
      g_set_error (error, EXS_BACKUP_ERROR, EXS_BACKUP_ERROR_FAILED, "cannot create %s: %s", backup_dir,
                   g_strerror (errno));
      return NULL;
    }
  final_path = new_backup_path (backup_dir, compress);
  raw_tmp = g_strconcat (final_path, ".partial", NULL);
  gz_tmp = g_strconcat (final_path, ".partial.gz", NULL);

  if (!exs_database_copy_file (database_path, raw_tmp, &local))
    {
      g_set_error (error, EXS_BACKUP_ERROR, EXS_BACKUP_ERROR_FAILED, "%s", local->message);
      goto out;
    }

  if (compress)
    {
      if (!gzip_file (raw_tmp, gz_tmp, error) || !fsync_path (gz_tmp))
        goto out;
      if (g_rename (gz_tmp, final_path) != 0)
        goto rename_failed;
    }
  else
    {
      if (!fsync_path (raw_tmp))
        goto out;
      if (g_rename (raw_tmp, final_path) != 0)
        goto rename_failed;
    }
  fsync_path (backup_dir);
  ok = TRUE;
  g_message ("database backed up to %s", final_path);
  prune (backup_dir, keep_count);
  goto out;

rename_failed:
  g_set_error (error, EXS_BACKUP_ERROR, EXS_BACKUP_ERROR_FAILED, "cannot write %s: %s", final_path, g_strerror (errno));
out:
  g_unlink (raw_tmp);
  g_unlink (gz_tmp);
  return ok ? g_steal_pointer (&final_path) : NULL;
}

static void
create_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ExsBackupManager *self = source;
  GError *error = NULL;
  char *path = exs_backup_create (self->database_path, self->backup_dir, self->compress, self->keep_count, &error);

  if (path)
    g_task_return_pointer (task, path, g_free);
  else
    g_task_return_error (task, error);
}

/**
 * exs_backup_manager_create_async:
 *
 * Makes a backup in a worker thread.
 */
void
exs_backup_manager_create_async (ExsBackupManager   *self,
                                 GCancellable       *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, exs_backup_manager_create_async);
  exs_task_run_in_thread (task, create_thread);
}

/**
 * exs_backup_manager_create_finish:
 *
 * Returns: (transfer full): the new backup's path, or %NULL with @error
 */
char *
exs_backup_manager_create_finish (ExsBackupManager *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_scheduled_backup_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ExsBackupManager *self = EXS_BACKUP_MANAGER (source);
  g_autoptr (GError) error = NULL;
  g_autofree char *path = exs_backup_manager_create_finish (self, result, &error);

  self->running = FALSE;
  if (path == NULL)
    g_warning ("scheduled database backup failed: %s", error->message);
}

static gboolean
on_schedule_cb (gpointer user_data)
{
  ExsBackupManager *self = user_data;

  if (!self->running)
    {
      self->running = TRUE;
      exs_backup_manager_create_async (self, self->cancellable, on_scheduled_backup_done_cb, NULL);
    }
  return G_SOURCE_CONTINUE;
}

/* Backs up every @interval_hours; the first one after one interval. */
void
exs_backup_manager_start_schedule (ExsBackupManager *self, guint interval_hours)
{
  g_return_if_fail (EXS_IS_BACKUP_MANAGER (self));
  g_clear_handle_id (&self->schedule_id, g_source_remove);
  self->schedule_id = g_timeout_add_seconds (MAX (interval_hours, 1) * 3600, on_schedule_cb, self);
}

void
exs_backup_manager_stop (ExsBackupManager *self)
{
  g_clear_handle_id (&self->schedule_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
}

/**
 * exs_backup_describe:
 *
 * Returns: (transfer full): {"name", "path", "size_bytes", "created_at"}
 */
JsonObject *
exs_backup_describe (const char *path)
{
  JsonObject *o = json_object_new ();
  g_autofree char *name = g_path_get_basename (path);
  GStatBuf st;

  json_object_set_string_member (o, "name", name);
  json_object_set_string_member (o, "path", path);
  if (g_stat (path, &st) == 0)
    {
      g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (st.st_mtime);
      g_autofree char *when = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ");
      json_object_set_int_member (o, "size_bytes", st.st_size);
      json_object_set_string_member (o, "created_at", when);
    }
  json_object_set_boolean_member (o, "compressed", g_str_has_suffix (path, ".gz"));
  return o;
}

/**
 * exs_backup_manager_dup_list_json:
 *
 * Returns: (transfer full): {"directory", "keep_count", "backups": [newest first]}
 */
JsonObject *
exs_backup_manager_dup_list_json (ExsBackupManager *self)
{
  JsonObject *root = json_object_new ();
  JsonArray *arr = json_array_new ();
  g_autoptr (GPtrArray) all = exs_backup_list (self->backup_dir, NULL);

  for (guint i = all ? all->len : 0; i > 0; i--)
    json_array_add_object_element (arr, exs_backup_describe (all->pdata[i - 1]));
  json_object_set_string_member (root, "directory", self->backup_dir);
  json_object_set_int_member (root, "keep_count", self->keep_count);
  json_object_set_array_member (root, "backups", arr);
  return root;
}

/* ---- restore ---- */

static gboolean
gunzip_file (const char *from, const char *to, GError **error)
{
  gzFile in = gzopen (from, "rb");
  FILE *out;
  char buf[65536];
  int n;
  gboolean ok = TRUE;

  if (in == NULL)
    {
      g_set_error (error, EXS_BACKUP_ERROR, EXS_BACKUP_ERROR_NOT_FOUND, "cannot read %s: %s", from, g_strerror (errno));
      return FALSE;
    }
  out = fopen (to, "wbe");
  if (out == NULL)
    {
      gzclose (in);
      g_set_error (error, EXS_BACKUP_ERROR, EXS_BACKUP_ERROR_FAILED, "cannot write %s: %s", to, g_strerror (errno));
      return FALSE;
    }
  while (ok && (n = gzread (in, buf, sizeof buf)) > 0)
    ok = fwrite (buf, 1, (size_t) n, out) == (size_t) n;
  if (n < 0)
    {
      int errnum;
      const char *msg = gzerror (in, &errnum);
      g_set_error (error, EXS_BACKUP_ERROR, EXS_BACKUP_ERROR_INVALID,
                   "%s is not a valid backup: its compressed data is damaged (%s)", from, msg);
      ok = FALSE;
    }
  else if (!ok)
    g_set_error (error, EXS_BACKUP_ERROR, EXS_BACKUP_ERROR_FAILED, "cannot write %s (disk full?)", to);
  gzclose (in);
  if (fflush (out) != 0 || fsync (fileno (out)) != 0)
    {
      if (ok)
        g_set_error (error, EXS_BACKUP_ERROR, EXS_BACKUP_ERROR_FAILED, "cannot write %s: %s", to, g_strerror (errno));
      ok = FALSE;
    }
  fclose (out);
  return ok;
}

static int
latest_schema_version (void)
{
  guint n;
  const ExsMigration *m = exs_database_get_migrations (&n);

  return n > 0 ? m[n - 1].version : 0;
}

/* Opens the candidate and checks it is a sound EXStreamTV database we can use. */
static gboolean
verify_candidate (const char *candidate, const char *shown_name, GError **error)
{
  g_auto (ExsDatabaseFileInfo) info = { 0 };
  g_autoptr (GError) local = NULL;

  if (!exs_database_inspect_file (candidate, &info, &local))
    {
      g_set_error (error, EXS_BACKUP_ERROR, EXS_BACKUP_ERROR_INVALID,
                   "%s is not a valid backup (SQLite says: %s); nothing was changed", shown_name, local->message);
      return FALSE;
    }
  if (g_strcmp0 (info.quick_check, "ok") != 0)
    {
      g_set_error (error, EXS_BACKUP_ERROR, EXS_BACKUP_ERROR_INVALID,
                   "%s is damaged (SQLite's check says: %s); nothing was changed", shown_name, info.quick_check);
      return FALSE;
    }
  if (!info.has_channels || info.schema_version <= 0)
    {
      g_set_error (error, EXS_BACKUP_ERROR, EXS_BACKUP_ERROR_INVALID,
                   "%s is an SQLite file but not an EXStreamTV database; nothing was changed", shown_name);
      return FALSE;
    }
  if (info.schema_version > latest_schema_version ())
    {
      g_set_error (error, EXS_BACKUP_ERROR, EXS_BACKUP_ERROR_TOO_NEW,
                   "%s has schema version %d, newer than this exstreamtv (%s) knows (%d): it was made by a newer "
                   "release; restore it with that release. Nothing was changed",
                   shown_name, info.schema_version, PACKAGE_VERSION, latest_schema_version ());
      return FALSE;
    }
  return TRUE;
}

static int
take_lock (const char *data_dir, GError **error)
{
  g_autofree char *path = g_build_filename (data_dir, LOCK_NAME, NULL);
  int fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

  if (fd < 0)
    {
      g_set_error (error, EXS_BACKUP_ERROR, EXS_BACKUP_ERROR_FAILED, "cannot open %s: %s", path, g_strerror (errno));
      return -1;
    }
  if (flock (fd, LOCK_EX | LOCK_NB) != 0)
    {
      char buf[32] = { 0 };
      if (pread (fd, buf, sizeof buf - 1, 0) < 0)
        buf[0] = '\0';
      g_strstrip (buf);
      g_set_error (error, EXS_BACKUP_ERROR, EXS_BACKUP_ERROR_SERVER_RUNNING,
                   "an exstreamtv server%s%s%s is running with the data directory %s; stop it before restoring "
                   "(nothing was changed)",
                   buf[0] ? " (pid " : "", buf, buf[0] ? ")" : "", data_dir);
      close (fd);
      return -1;
    }
  return fd;
}

static gboolean
copy_file (const char *from, const char *to, GError **error)
{
  g_autoptr (GFile) src = g_file_new_for_path (from);
  g_autoptr (GFile) dst = g_file_new_for_path (to);

  return g_file_copy (src, dst, G_FILE_COPY_NONE, NULL, NULL, NULL, error);
}

/**
 * exs_backup_restore:
 * @saved_previous: (out) (optional) (transfer full): where the replaced
 *   database was kept, if there was one
 *
 * Replaces <data_dir>/exstreamtv.db with @backup_path (gzipped or not) after
 * checking it. Refuses while a server holds the data dir's lock.
 */
gboolean
exs_backup_restore (const char *data_dir, const char *backup_path, char **saved_previous, GError **error)
{
  g_autofree char *db_path = g_build_filename (data_dir, DATABASE_NAME, NULL);
  g_autofree char *candidate = g_build_filename (data_dir, ".exstreamtv.db.restoring", NULL);
  g_autofree char *shown = g_path_get_basename (backup_path);
  g_autofree char *previous = NULL;
  g_autoptr (GError) local = NULL;
  gboolean ok = FALSE;
  int lock_fd;
  char magic[2] = { 0 };
  FILE *f;

  if (!g_file_test (backup_path, G_FILE_TEST_IS_REGULAR))
    {
      g_set_error (error, EXS_BACKUP_ERROR, EXS_BACKUP_ERROR_NOT_FOUND, "there is no backup file %s", backup_path);
      return FALSE;
    }
  if (g_mkdir_with_parents (data_dir, 0700) != 0)
    {
      g_set_error (error, EXS_BACKUP_ERROR, EXS_BACKUP_ERROR_FAILED, "cannot create %s: %s", data_dir,
                   g_strerror (errno));
      return FALSE;
    }
  lock_fd = take_lock (data_dir, error);
  if (lock_fd < 0)
    return FALSE;

  f = fopen (backup_path, "rbe");
  if (f == NULL || fread (magic, 1, 2, f) != 2)
    magic[0] = 0;
  if (f)
    fclose (f);
  if ((guchar) magic[0] == 0x1f && (guchar) magic[1] == 0x8b)
    ok = gunzip_file (backup_path, candidate, error);
  else
    ok = copy_file (backup_path, candidate, error) && fsync_path (candidate);
  if (!ok || !verify_candidate (candidate, shown, error))
    {
      ok = FALSE;
      goto out;
    }

  exs_database_checkpoint_file (db_path);
  if (g_file_test (db_path, G_FILE_TEST_EXISTS))
    {
      g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
      g_autofree char *stamp = g_date_time_format (now, "%Y%m%d-%H%M%S");
      previous = g_strdup_printf ("%s.before-restore-%s", db_path, stamp);
      if (!copy_file (db_path, previous, &local))
        {
          g_set_error (error, EXS_BACKUP_ERROR, EXS_BACKUP_ERROR_FAILED,
                       "cannot keep a copy of the current database (%s); nothing was changed", local->message);
          ok = FALSE;
          goto out;
        }
    }
  /* Stale WAL and shared-memory files must not be replayed onto the new file. */
  {
    g_autofree char *wal = g_strconcat (db_path, "-wal", NULL);
    g_autofree char *shm = g_strconcat (db_path, "-shm", NULL);
    g_unlink (wal);
    g_unlink (shm);
  }
  if (g_rename (candidate, db_path) != 0)
    {
      g_set_error (error, EXS_BACKUP_ERROR, EXS_BACKUP_ERROR_FAILED, "cannot put the backup in place: %s",
                   g_strerror (errno));
      ok = FALSE;
      goto out;
    }
  fsync_path (data_dir);
  if (saved_previous)
    *saved_previous = g_steal_pointer (&previous);

out:
  g_unlink (candidate);
  close (lock_fd);
  return ok;
}

/* ---- `exstreamtv backup …` ---- */

static int
cli_usage (const char *message)
{
  g_printerr ("exstreamtv: %s\n\n"
              "  backup list                          List the database backups\n"
              "  backup create                        Back up the database now (the server may be running)\n"
              "  backup restore FILE                  Replace the database with a backup (server stopped)\n",
              message);
  return 2;
}

/**
 * exs_backup_cli_run:
 * @argv: "backup", then the subcommand and its arguments
 *
 * Works on the data dir directly, so it needs no running server (restore
 * needs none to be running).
 */
int
exs_backup_cli_run (ExsConfig *config, const char *data_dir, int argc, char **argv)
{
  g_autofree char *db_path = g_build_filename (data_dir, DATABASE_NAME, NULL);
  g_autofree char *backup_dir = g_build_filename (data_dir, "backups", NULL);
  g_autoptr (GError) error = NULL;

  if (argc < 2)
    return cli_usage ("backup needs a subcommand: list, create or restore");
  if (g_str_equal (argv[1], "list") && argc == 2)
    {
      g_autoptr (GPtrArray) all = exs_backup_list (backup_dir, &error);
      if (all == NULL)
        {
          g_printerr ("exstreamtv: cannot list %s: %s\n", backup_dir, error->message);
          return 1;
        }
      if (all->len == 0)
        g_print ("(no backups in %s yet: make one with `exstreamtv backup create`)\n", backup_dir);
      for (guint i = all->len; i > 0; i--)
        {
          g_autoptr (JsonObject) o = exs_backup_describe (all->pdata[i - 1]);
          g_print ("%-40s  %12" G_GINT64_FORMAT " bytes  %s\n", json_object_get_string_member (o, "name"),
                   json_object_get_int_member_with_default (o, "size_bytes", 0),
                   json_object_get_string_member_with_default (o, "created_at", "?"));
        }
      return 0;
    }
  if (g_str_equal (argv[1], "create") && argc == 2)
    {
      g_autofree char *path = exs_backup_create (
          db_path, backup_dir, exs_config_get_boolean (config, "database_backup", "compress"),
          (guint) exs_config_get_int (config, "database_backup", "keep_count"), &error);
      if (path == NULL)
        {
          g_printerr ("exstreamtv: backup failed: %s\n", error->message);
          return 1;
        }
      g_print ("backed up to %s\n", path);
      return 0;
    }
  if (g_str_equal (argv[1], "restore") && argc == 3)
    {
      g_autofree char *previous = NULL;
      g_autofree char *path = NULL;

      /* A bare name means one in the backups directory. */
      if (!g_file_test (argv[2], G_FILE_TEST_EXISTS) && strchr (argv[2], '/') == NULL)
        path = g_build_filename (backup_dir, argv[2], NULL);
      else
        path = g_strdup (argv[2]);
      if (!exs_backup_restore (data_dir, path, &previous, &error))
        {
          g_printerr ("exstreamtv: cannot restore: %s\n", error->message);
          return 1;
        }
      g_print ("restored %s into %s\n", path, db_path);
      if (previous)
        g_print ("the database it replaced is kept as %s\n", previous);
      return 0;
    }
  return cli_usage ("unknown or incomplete backup command");
}
