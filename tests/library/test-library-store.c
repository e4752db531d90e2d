/* The library and media stores on a real SQLite file: a database that fails
 * in the middle of a query (SQLite interrupted by a progress handler, the
 * same SQLITE_INTERRUPT a real interrupt gives) is an EXS_DATABASE_ERROR_QUERY
 * error, never "not found" — the /api/ routes answer 500 for the one and 404
 * for the other. */
#include "config.h"

#include "exs-library-store.h"
#include "exs-media-store.h"
#include "exs-test-server.h"

static char *tmp;
static ExsDatabase *db;
static gint64 library_id;

static int
interrupt_cb (void *data)
{
  return 1;
}

static void
set_failing (gboolean failing)
{
  sqlite3_progress_handler (exs_database_get_handle (db), 1, failing ? interrupt_cb : NULL, NULL);
}

static void
test_found_and_not_found (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ExsLibraryRecord) r = NULL;

  g_assert_true (exs_library_store_exists (db, library_id, &error));
  g_assert_no_error (error);
  g_assert_false (exs_library_store_exists (db, library_id + 100, &error));
  g_assert_no_error (error);
  g_assert_cmpint (exs_library_store_find (db, "Films", &error), ==, library_id);
  g_assert_cmpint (exs_library_store_find (db, "Nothing", &error), ==, 0);
  g_assert_no_error (error);
  r = exs_library_store_get (db, library_id + 100, &error);
  g_assert_null (r);
  g_assert_error (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_NOT_FOUND);
}

static void
test_failure_is_not_not_found (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ExsLibraryRecord) r = NULL;
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (JsonArray) items = NULL;
  g_autoptr (JsonArray) shows = NULL;
  g_autoptr (GPtrArray) issues = NULL;
  gint64 one = 1;

  set_failing (TRUE);
  g_assert_false (exs_library_store_exists (db, library_id, &error));
  g_assert_error (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_QUERY);
  g_clear_error (&error);
  g_assert_cmpint (exs_library_store_find (db, "Films", &error), ==, 0);
  g_assert_error (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_QUERY);
  g_clear_error (&error);
  r = exs_library_store_get (db, library_id, &error);
  g_assert_null (r);
  g_assert_error (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_QUERY);
  g_clear_error (&error);
  g_array_append_val (ids, one);
  items = exs_media_store_items_to_json (db, ids, TRUE, &error);
  g_assert_null (items);
  g_assert_error (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_QUERY);
  g_clear_error (&error);
  shows = exs_media_store_shows_to_json (db, 0, &error);
  g_assert_null (shows);
  g_assert_error (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_QUERY);
  g_clear_error (&error);
  issues = exs_library_store_list_issues (db, library_id, 10, &error);
  g_assert_null (issues);
  g_assert_error (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_QUERY);
  set_failing (FALSE);
}

int
main (int argc, char **argv)
{
  g_autofree char *db_path = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (ExsLibraryRecord) r = exs_library_record_new ();
  int status;

  g_test_init (&argc, &argv, NULL);
  tmp = exs_test_make_temp_dir ();
  db_path = g_build_filename (tmp, "store.db", NULL);
  db = exs_database_open (db_path, &error);
  g_assert_no_error (error);
  r->name = g_strdup ("Films");
  r->kind = g_strdup ("movies");
  exs_library_record_add_path (r, tmp);
  g_assert_true (exs_library_store_insert (db, r, &error));
  library_id = r->id;

  g_test_add_func ("/library/store/found-and-not-found", test_found_and_not_found);
  g_test_add_func ("/library/store/database-failure-is-not-not-found", test_failure_is_not_not_found);
  status = g_test_run ();

  exs_database_close (db);
  g_clear_object (&db);
  exs_test_remove_tree (tmp);
  return status;
}
