/* Errors that tell the truth: each subsystem's error codes answer the HTTP
 * status of src/api/exs-api-errors.c, and a database that fails under the
 * real server is a 500 naming the problem, never "not found", a 422 or an
 * empty list. */
#include "config.h"

#include "exs-api-errors.h"
#include "exs-api-test.h"

#include "exs-backup-manager.h"
#include "exs-config.h"
#include "exs-database.h"
#include "exs-json-depth.h"
#include "exs-pipeline-pool.h"
#include "exs-schedule.h"
#include "exs-session-manager.h"

#include <sqlite3.h>
#include <string.h>

static guint
status_of (GQuark domain, gint code)
{
  g_autoptr (GError) error = g_error_new_literal (domain, code, "test");

  return exs_http_status_for_error (error);
}

static void
test_codes_map_to_statuses (void)
{
  const struct
  {
    GQuark domain;
    gint code;
    guint status;
  } cases[] = {
    { EXS_HTTP_ERROR, EXS_HTTP_ERROR_INVALID_BODY, 400 },
    { EXS_HTTP_ERROR, EXS_HTTP_ERROR_INVALID_FIELD, 422 },
    { EXS_HTTP_ERROR, EXS_HTTP_ERROR_TOO_MANY, 429 },
    { EXS_JSON_ERROR, EXS_JSON_ERROR_TOO_DEEP, 400 },
    { EXS_CONFIG_ERROR, EXS_CONFIG_ERROR_INVALID_VALUE, 422 },
    { EXS_SCHEDULE_ERROR, EXS_SCHEDULE_ERROR_INVALID, 422 },
    { EXS_SCHEDULE_ERROR, EXS_SCHEDULE_ERROR_NOT_FOUND, 404 },
    { EXS_SCHEDULE_ERROR, EXS_SCHEDULE_ERROR_CONFLICT, 409 },
    { EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_NOT_FOUND, 404 },
    { EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_CONSTRAINT, 409 },
    { EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_OPEN, 503 },
    { EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_QUERY, 500 }, /* the database failed: not a 404 */
    { EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_MIGRATION, 500 },
    { EXS_BACKUP_ERROR, EXS_BACKUP_ERROR_FAILED, 500 },
    { EXS_BACKUP_ERROR, EXS_BACKUP_ERROR_NOT_FOUND, 500 }, /* POST /api/backups: no database to back up */
    { EXS_SESSION_ERROR, EXS_SESSION_ERROR_CHANNEL_FULL, 503 },
    { EXS_PIPELINE_POOL_ERROR, EXS_PIPELINE_POOL_ERROR_FULL, 503 },
    { EXS_PIPELINE_POOL_ERROR, EXS_PIPELINE_POOL_ERROR_SHUTTING_DOWN, 503 },
    { G_IO_ERROR, G_IO_ERROR_CANCELLED, 503 },
    { G_IO_ERROR, G_IO_ERROR_FAILED, 500 },
    { G_FILE_ERROR, G_FILE_ERROR_NOENT, 500 }, /* a file the server needs: its fault */
    { g_quark_from_static_string ("exs-test-unknown-error"), 0, 500 },
  };

  exs_api_errors_install ();
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("%s %d", g_quark_to_string (cases[i].domain), cases[i].code);
      g_assert_cmpuint (status_of (cases[i].domain, cases[i].code), ==, cases[i].status);
    }
}

/* Before the API installs its table nothing is guessed: every error is a 500. */
static void
test_without_table_all_500 (void)
{
  exs_http_set_error_statuses (NULL, 0);
  g_assert_cmpuint (status_of (EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_NOT_FOUND), ==, 500);
  g_assert_cmpuint (status_of (EXS_HTTP_ERROR, EXS_HTTP_ERROR_INVALID_BODY), ==, 500);
  exs_api_errors_install ();
  g_assert_cmpuint (status_of (EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_NOT_FOUND), ==, 404);
}

/* The server's own database file, changed behind its back as a failing disk
 * or a broken migration would. */
static void
break_database (ExsTestServer *server, const char *sql)
{
  g_autofree char *path = g_build_filename (server->data_dir, "exstreamtv.db", NULL);
  sqlite3 *db = NULL;
  char *message = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  sqlite3_busy_timeout (db, 30000);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  sqlite3_close (db);
}

static const char *
error_member (ExsTestReply *reply, const char *member)
{
  JsonObject *o = exs_test_reply_object (reply);

  g_assert_true (json_object_has_member (o, "error"));
  return json_object_get_string_member (json_object_get_object_member (o, "error"), member);
}

static void
expect_database_failure (ExsTestReply *reply, const char *table)
{
  g_autofree char *needle = g_strdup_printf ("no such table: %s", table);

  exs_api_test_expect (reply, 500);
  g_assert_cmpstr (error_member (reply, "code"), ==, "internal_error");
  g_assert_nonnull (strstr (error_member (reply, "message"), needle));
}

static void
test_database_failure_is_500 (void)
{
  g_autofree char *dir = exs_test_make_temp_dir ();
  const char *const args[] = { "--demo", NULL };
  g_autoptr (ExsTestServer) server = exs_test_server_start (dir, args, NULL);
  g_autoptr (ExsTestReply) list = exs_test_server_request (server, "GET", "/api/schedules", NULL, TRUE);
  g_autoptr (ExsTestReply) one = NULL;
  g_autoptr (ExsTestReply) import = NULL;
  g_autoptr (ExsTestReply) guide = NULL;
  g_autofree char *path = NULL;
  g_autofree char *import_body = NULL;
  JsonObject *schedule;

  exs_api_test_expect (list, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (exs_test_reply_object (list), "schedules")),
                    >, 0);
  schedule = json_array_get_object_element (
      json_object_get_array_member (exs_test_reply_object (list), "schedules"), 0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (schedule, "channels")), >, 0);
  path = g_strdup_printf ("/api/schedules/%" G_GINT64_FORMAT, json_object_get_int_member (schedule, "id"));

  /* which channels play a schedule: the database cannot say, so neither can we */
  break_database (server, "DROP TABLE channel_playouts");
  one = exs_test_server_request (server, "GET", path, NULL, TRUE);
  expect_database_failure (one, "channel_playouts");

  /* a schedule the import names: failing to read it is not "no such schedule" (422) */
  break_database (server, "DROP TABLE schedules");
  import_body = g_strdup_printf ("{\"version\": 1, \"schedules\": [], \"channels\": [{\"number\": \"77\", "
                                 "\"name\": \"Seventy-seven\", \"schedule\": \"%s\"}]}",
                                 json_object_get_string_member (schedule, "name"));
  import = exs_test_server_request (server, "POST", "/api/import", import_body, TRUE);
  expect_database_failure (import, "schedules");

  /* the XMLTV guide: a failed channel list is a 500, not a guide without channels */
  break_database (server, "DROP TABLE channels");
  guide = exs_test_server_request (server, "GET", "/iptv/xmltv.xml", NULL, FALSE);
  expect_database_failure (guide, "channels");

  /* the server lives on and stops cleanly */
  g_assert_cmpint (exs_test_server_stop (server, NULL), ==, 0);
  exs_test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/api/errors/codes-map-to-statuses", test_codes_map_to_statuses);
  g_test_add_func ("/api/errors/without-table-all-500", test_without_table_all_500);
  g_test_add_func ("/api/errors/database-failure-is-500", test_database_failure_is_500);
  return g_test_run ();
}
