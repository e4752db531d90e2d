/* Database durability: SIGKILL during heavy writes, backup → restore round
 * trip (online, in a thread, while the main loop runs), rotation, and the
 * refusals — corrupt, not ours, newer schema, server running — through the
 * library and through the real `exstreamtv backup` command. */
#include "config.h"

#include "exs-backup-manager.h"
#include "exs-test-server.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/file.h>
#include <zlib.h>

static gint64
query_int (sqlite3 *db, const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 v = -1;

  if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) == SQLITE_OK && sqlite3_step (stmt) == SQLITE_ROW)
    v = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return v;
}

static char *
query_text (ExsDatabase *db, const char *sql)
{
  sqlite3_stmt *stmt = exs_database_prepare (db, sql, NULL);
  char *v = NULL;

  g_assert_nonnull (stmt);
  if (sqlite3_step (stmt) == SQLITE_ROW)
    v = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return v;
}

static void
add_channel (ExsDatabase *db, const char *number, const char *name)
{
  g_autofree char *sql = g_strdup_printf ("INSERT INTO channels (number, number_major, name, created_at, updated_at) "
                                          "VALUES ('%s', %d, '%s', 0, 0)",
                                          number, atoi (number), name);
  g_autoptr (GError) error = NULL;

  g_assert_true (exs_database_exec (db, sql, &error));
  g_assert_no_error (error);
}

/* The child: many small write transactions until it is killed. */
static int
run_writer (const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ExsDatabase) db = exs_database_open (path, &error);

  if (db == NULL)
    g_error ("writer: %s", error->message);
  exs_database_exec (db, "CREATE TABLE IF NOT EXISTS crash_rows (id INTEGER PRIMARY KEY, payload BLOB NOT NULL)", NULL);
  for (;;)
    {
      if (!exs_database_begin (db, &error)
          || !exs_database_exec (db,
                                 "INSERT INTO crash_rows (payload) SELECT randomblob(300) FROM "
                                 "(WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50) "
                                 "SELECT i FROM n)",
                                 &error)
          || !exs_database_exec (db, "UPDATE channels SET updated_at = updated_at + 1", &error)
          || !exs_database_commit (db, &error))
        g_error ("writer: %s", error->message);
    }
  return 0;
}

static void
test_sigkill_during_writes (void)
{
  g_autofree char *dir = exs_test_make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "exstreamtv.db", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) child = NULL;
  g_autoptr (ExsDatabase) db = NULL;
  g_autofree char *check = NULL;
  sqlite3 *reader = NULL;
  gint64 seen = 0, after;

  db = exs_database_open (path, &error);
  g_assert_no_error (error);
  add_channel (db, "1", "Before the crash");
  exs_database_close (db);
  g_clear_object (&db);

  child = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "/proc/self/exe", "--writer", path, NULL);
  g_assert_no_error (error);
  /* Wait until it has committed plenty, then kill it mid-stream. */
  g_assert_cmpint (sqlite3_open_v2 (path, &reader, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_busy_timeout (reader, 2000);
  for (int i = 0; i < 400 && seen < 20000; i++)
    {
      g_usleep (25000);
      seen = MAX (seen, query_int (reader, "SELECT count(*) FROM crash_rows"));
    }
  sqlite3_close (reader);
  g_assert_cmpint (seen, >=, 20000);
  g_subprocess_send_signal (child, SIGKILL);
  g_subprocess_wait (child, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_signaled (child));
  g_assert_cmpint (g_subprocess_get_term_sig (child), ==, SIGKILL);

  /* It opens, it is intact, it kept every commit we saw, and it goes on. */
  db = exs_database_open (path, &error);
  g_assert_no_error (error);
  check = query_text (db, "PRAGMA integrity_check");
  g_assert_cmpstr (check, ==, "ok");
  after = query_int (exs_database_get_handle (db), "SELECT count(*) FROM crash_rows");
  g_assert_cmpint (after, >=, seen);
  g_assert_cmpint (after % 50, ==, 0); /* whole transactions only */
  g_assert_cmpint (query_int (exs_database_get_handle (db), "SELECT count(*) FROM channels"), ==, 1);
  g_assert_cmpint (query_int (exs_database_get_handle (db), "SELECT updated_at FROM channels"), ==, after / 50);
  add_channel (db, "2", "After the crash");
  g_assert_cmpint (query_int (exs_database_get_handle (db), "SELECT count(*) FROM channels"), ==, 2);
  exs_database_close (db);
  exs_test_remove_tree (dir);
}

static void
on_backup_done_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  char **out = user_data;
  g_autoptr (GError) error = NULL;

  *out = exs_backup_manager_create_finish (EXS_BACKUP_MANAGER (source), res, &error);
  g_assert_no_error (error);
}

static gboolean
on_tick_cb (gpointer data)
{
  (*(guint *) data)++;
  return G_SOURCE_CONTINUE;
}

static void
test_round_trip_and_rotation (void)
{
  g_autofree char *dir = exs_test_make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "exstreamtv.db", NULL);
  g_autofree char *backups = g_build_filename (dir, "backups", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (ExsDatabase) db = exs_database_open (path, &error);
  g_autoptr (ExsBackupManager) manager = exs_backup_manager_new (path, backups, 2, TRUE);
  g_autoptr (GPtrArray) list = NULL;
  g_autoptr (JsonObject) listed = NULL;
  g_autofree char *first = NULL;
  g_autofree char *previous = NULL;
  g_autofree char *name = NULL;
  char *made = NULL;
  guint ticks = 0, tick_id;
  guchar magic[2];
  FILE *f;

  g_assert_no_error (error);
  add_channel (db, "5", "Kept in the backup");
  /* ~8 MB that gzip cannot shrink: the backup takes long enough (tens of
   * ms at least) for the main loop to tick while it runs */
  g_assert_true (exs_database_exec (db,
                                    "CREATE TABLE filler AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL "
                                    "SELECT x + 1 FROM c WHERE x < 100000) SELECT x, randomblob(80) AS b FROM c",
                                    NULL));

  /* Online, in a thread: the main loop keeps ticking while it runs. */
  tick_id = g_timeout_add (1, on_tick_cb, &ticks);
  exs_backup_manager_create_async (manager, NULL, on_backup_done_cb, &made);
  g_assert_null (made); /* not done before create_async returned */
  while (made == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick_id);
  g_test_message ("the main loop ticked %u times during the backup", ticks);
  g_assert_cmpuint (ticks, >=, 3);
  first = made;
  g_assert_true (g_str_has_suffix (first, ".db.gz"));
  f = fopen (first, "rb");
  g_assert_nonnull (f);
  g_assert_cmpuint (fread (magic, 1, 2, f), ==, 2);
  fclose (f);
  g_assert_cmpuint (magic[0], ==, 0x1f); /* gzip */
  g_assert_cmpuint (magic[1], ==, 0x8b);

  /* Changes after the backup, with the server's connection still open. */
  g_assert_true (exs_database_exec (db, "DELETE FROM channels", NULL));
  add_channel (db, "6", "Made after the backup");
  exs_database_close (db);

  g_assert_true (exs_backup_restore (dir, first, &previous, &error));
  g_assert_no_error (error);
  g_assert_nonnull (previous);
  g_assert_true (g_file_test (previous, G_FILE_TEST_IS_REGULAR));
  g_clear_object (&db);
  db = exs_database_open (path, &error);
  g_assert_no_error (error);
  name = query_text (db, "SELECT name FROM channels WHERE number = '5'");
  g_assert_cmpstr (name, ==, "Kept in the backup");
  g_assert_cmpint (query_int (exs_database_get_handle (db), "SELECT count(*) FROM channels"), ==, 1);

  /* keep_count 2: four backups leave the newest two. */
  for (int i = 0; i < 3; i++)
    {
      made = NULL;
      exs_backup_manager_create_async (manager, NULL, on_backup_done_cb, &made);
      while (made == NULL)
        g_main_context_iteration (NULL, TRUE);
      if (i < 2)
        g_free (made);
    }
  list = exs_backup_list (backups, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (list->len, ==, 2);
  g_assert_cmpstr (list->pdata[1], ==, made);
  g_assert_false (g_file_test (first, G_FILE_TEST_EXISTS));
  listed = exs_backup_manager_dup_list_json (manager);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (listed, "backups")), ==, 2);
  g_free (made);
  exs_database_close (db);
  exs_test_remove_tree (dir);
}

static void
write_gz (const char *path, const void *data, gsize len)
{
  gzFile gz = gzopen (path, "wb");

  g_assert_nonnull (gz);
  g_assert_cmpint (gzwrite (gz, data, (unsigned) len), ==, (int) len);
  gzclose (gz);
}

static void
test_refusals (void)
{
  g_autofree char *dir = exs_test_make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "exstreamtv.db", NULL);
  g_autofree char *garbage = g_build_filename (dir, "garbage.db.gz", NULL);
  g_autofree char *truncated = g_build_filename (dir, "truncated.db.gz", NULL);
  g_autofree char *foreign = g_build_filename (dir, "foreign.db", NULL);
  g_autofree char *newer = g_build_filename (dir, "newer.db", NULL);
  g_autofree char *good = NULL;
  g_autofree char *lock_path = g_build_filename (dir, "exstreamtv.lock", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *before = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (ExsDatabase) db = exs_database_open (path, &error);
  char noise[8192];
  gsize len, before_len;
  sqlite3 *raw = NULL;
  int lock_fd;

  g_assert_no_error (error);
  add_channel (db, "1", "Precious");
  exs_database_close (db);
  g_assert_true (g_file_get_contents (path, &before, &before_len, NULL));

  for (guint i = 0; i < sizeof noise; i++)
    noise[i] = (char) g_random_int ();
  write_gz (garbage, noise, sizeof noise);
  g_assert_false (exs_backup_restore (dir, garbage, NULL, &error));
  g_assert_error (error, EXS_BACKUP_ERROR, EXS_BACKUP_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "not a valid backup"));
  g_clear_error (&error);

  good = exs_backup_create (path, dir, TRUE, 10, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (good, &contents, &len, NULL));
  g_assert_true (g_file_set_contents (truncated, contents, (gssize) (len / 2), NULL));
  g_assert_false (exs_backup_restore (dir, truncated, NULL, &error));
  g_assert_error (error, EXS_BACKUP_ERROR, EXS_BACKUP_ERROR_INVALID);
  g_clear_error (&error);

  g_assert_cmpint (sqlite3_open (foreign, &raw), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (raw, "CREATE TABLE photos (id INTEGER)", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close (raw);
  g_assert_false (exs_backup_restore (dir, foreign, NULL, &error));
  g_assert_error (error, EXS_BACKUP_ERROR, EXS_BACKUP_ERROR_INVALID);
  g_assert_nonnull (strstr (error->message, "not an EXStreamTV database"));
  g_clear_error (&error);

  g_clear_object (&db);
  db = exs_database_open (newer, &error);
  g_assert_no_error (error);
  g_assert_true (exs_database_exec (db, "PRAGMA user_version = 999999", NULL));
  exs_database_close (db);
  g_assert_false (exs_backup_restore (dir, newer, NULL, &error));
  g_assert_error (error, EXS_BACKUP_ERROR, EXS_BACKUP_ERROR_TOO_NEW);
  g_assert_nonnull (strstr (error->message, "newer"));
  g_clear_error (&error);

  /* A server holds the lock: refused, before anything is read. */
  lock_fd = g_open (lock_path, O_RDWR | O_CREAT, 0600);
  g_assert_cmpint (flock (lock_fd, LOCK_EX | LOCK_NB), ==, 0);
  g_assert_false (exs_backup_restore (dir, good, NULL, &error));
  g_assert_error (error, EXS_BACKUP_ERROR, EXS_BACKUP_ERROR_SERVER_RUNNING);
  g_clear_error (&error);
  close (lock_fd);

  /* After all those refusals the database is byte for byte what it was. */
  {
    g_autofree char *now = NULL;
    gsize now_len;
    g_assert_true (g_file_get_contents (path, &now, &now_len, NULL));
    g_assert_cmpmem (now, now_len, before, before_len);
  }
  exs_test_remove_tree (dir);
}

static void
test_cli (void)
{
  g_autofree char *dir = exs_test_make_temp_dir ();
  g_autoptr (ExsTestServer) server = exs_test_server_start (dir, NULL, NULL);
  g_autoptr (ExsTestReply) created = NULL;
  g_autoptr (ExsTestReply) made = NULL;
  g_autoptr (ExsTestReply) listed = NULL;
  g_autofree char *data_arg = g_strdup_printf ("--data-dir=%s", dir);
  g_autofree char *out = NULL;
  g_autofree char *backup = NULL;
  const char *create[] = { exs_test_server_binary (), data_arg, "backup", "create", NULL };
  const char *list[] = { exs_test_server_binary (), data_arg, "backup", "list", NULL };
  const char *bad[] = { exs_test_server_binary (), data_arg, "backup", "frobnicate", NULL };
  const char *restore[] = { exs_test_server_binary (), data_arg, "backup", "restore", NULL, NULL };
  char *nl;

  created = exs_test_server_request (server, "POST", "/api/channels", "{\"number\": \"42\", \"name\": \"Answer\"}", TRUE);
  g_assert_cmpuint (created->status, ==, 201);

  /* Online backups, from the command line and the API, while it runs. */
  g_assert_cmpint (exs_test_run_command (create, NULL, &out), ==, 0);
  g_assert_nonnull (strstr (out, "backed up to "));
  backup = g_strdup (strstr (out, "backed up to ") + strlen ("backed up to "));
  nl = strchr (backup, '\n');
  if (nl)
    *nl = '\0';
  g_clear_pointer (&out, g_free);
  made = exs_test_server_request (server, "POST", "/api/backups", NULL, TRUE);
  g_assert_cmpuint (made->status, ==, 201);
  g_assert_true (g_str_has_suffix (json_object_get_string_member (exs_test_reply_object (made), "name"), ".db.gz"));
  listed = exs_test_server_request (server, "GET", "/api/backups", NULL, TRUE);
  g_assert_cmpuint (listed->status, ==, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (exs_test_reply_object (listed), "backups")), ==, 2);
  g_assert_cmpint (exs_test_run_command (list, NULL, &out), ==, 0);
  g_assert_nonnull (strstr (out, ".db.gz"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (exs_test_run_command (bad, NULL, &out), ==, 2);
  g_clear_pointer (&out, g_free);

  /* Changes after the backup, which the restore must undo. */
  {
    g_autoptr (ExsTestReply) gone = exs_test_server_request (server, "DELETE", "/api/channels/42", NULL, TRUE);
    g_autoptr (ExsTestReply) later =
        exs_test_server_request (server, "POST", "/api/channels", "{\"number\": \"43\", \"name\": \"Later\"}", TRUE);
    g_assert_cmpuint (gone->status, ==, 204);
    g_assert_cmpuint (later->status, ==, 201);
  }

  /* Restore refuses while the server runs… */
  restore[4] = backup;
  g_assert_cmpint (exs_test_run_command (restore, NULL, &out), ==, 1);
  g_assert_nonnull (strstr (out, "is running"));
  g_clear_pointer (&out, g_free);
  /* …and works once it is stopped; the server then starts on it. */
  exs_test_server_stop (server, NULL);
  g_assert_cmpint (exs_test_run_command (restore, NULL, &out), ==, 0);
  g_assert_nonnull (strstr (out, "restored "));
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&server, exs_test_server_free);
  server = exs_test_server_start (dir, NULL, NULL);
  {
    g_autoptr (ExsTestReply) ch = exs_test_server_request (server, "GET", "/api/channels/42", NULL, TRUE);
    g_autoptr (ExsTestReply) later = exs_test_server_request (server, "GET", "/api/channels/43", NULL, TRUE);
    g_assert_cmpuint (ch->status, ==, 200);   /* deleted after the backup: back */
    g_assert_cmpuint (later->status, ==, 404); /* made after the backup: gone */
  }
  g_assert_cmpint (exs_test_server_stop (server, NULL), ==, 0);
  exs_test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  if (argc == 3 && g_str_equal (argv[1], "--writer"))
    return run_writer (argv[2]);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/resilience/database/sigkill-during-writes", test_sigkill_during_writes);
  g_test_add_func ("/resilience/backup/round-trip-and-rotation", test_round_trip_and_rotation);
  g_test_add_func ("/resilience/backup/refusals", test_refusals);
  g_test_add_func ("/resilience/backup/cli", test_cli);
  return g_test_run ();
}
