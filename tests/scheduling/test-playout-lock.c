/* The playout builder's first build must not lock API writers out: a server
 * whose first build is long (many channels, each a long horizon of short
 * items) answers PATCH /api/channels and POST /api/schedules made while the
 * build runs with success, never 500 "database is locked". Real SQLite file,
 * real server on loopback. */
#include "config.h"

#include "exs-fs.h"
#include "exs-playout-builder.h"
#include "exs-test-library.h"
#include "exs-test-server.h"

#include <string.h>

#define N_CHANNELS 3
#define N_ITEMS 40
#define HOUR_US (G_GINT64_CONSTANT (3600) * G_USEC_PER_SEC)

static char *
schedule_doc (const char *name, gint64 collection)
{
  return g_strdup_printf ("{\"name\": \"%s\", \"items\": [{\"content\": {\"collection\": %" G_GINT64_FORMAT "},"
                          " \"order\": \"shuffle\", \"mode\": \"flood\"}]}",
                          name, collection);
}

/* A library of very short items and N_CHANNELS channels playing them: each
 * channel's horizon is many thousands of rows. */
static char *
data_dir_with_busy_channels (void)
{
  char *dir = exs_test_make_temp_dir ();
  g_autoptr (ExsTestLibrary) lib = exs_test_library_new_in (dir);
  gint64 col = exs_test_library_add_collection (lib, "shorts");

  for (int i = 0; i < N_ITEMS; i++)
    {
      g_autofree char *t = g_strdup_printf ("Short %d", i);
      exs_test_library_add_member (lib, col, exs_test_library_add_item (lib, 0, 0, 0, t, 2000 + i * 10), 0);
    }
  for (int c = 0; c < N_CHANNELS; c++)
    {
      g_autofree char *number = g_strdup_printf ("%d", 700 + c);
      g_autofree char *name = g_strdup_printf ("Busy %d", c);
      g_autofree char *doc = schedule_doc (name, col);
      exs_test_library_add_channel (lib, number, name);
      exs_test_library_add_schedule (lib, doc, number, "continuous", c + 1);
    }
  return dir;
}

static gboolean
last_channel_built (ExsTestServer *s)
{
  g_autofree char *path = g_strdup_printf ("/api/channels/%d/playout", 700 + N_CHANNELS - 1);
  g_autoptr (ExsTestReply) r = exs_test_server_request (s, "GET", path, NULL, TRUE);

  g_assert_cmpuint (r->status, ==, 200);
  return json_object_get_string_member_with_default (exs_test_reply_object (r), "built_until", NULL) != NULL;
}

static void
expect_success (ExsTestReply *r, const char *what)
{
  if (r->status < 200 || r->status >= 300)
    g_error ("%s during the first playout build answered %u: %s", what, r->status, r->body);
}

static void
test_api_writes_during_first_build (void)
{
  g_autofree char *dir = data_dir_with_busy_channels ();
  /* two weeks ahead of 2 s items: about 600,000 rows per channel, whose first
   * build held the write lock longer than the API waits (5 s) */
  const char *env[] = { "EXSTREAMTV_SERVER_TIME_ZONE=UTC", "EXSTREAMTV_LIBRARY_SCAN_ON_START=false",
                        "EXSTREAMTV_SCHEDULING_HORIZON_HOURS=336", NULL };
  g_autoptr (ExsTestServer) s = exs_test_server_start (dir, NULL, env);
  guint writes = 0;
  gint64 slowest = 0;

  while (!last_channel_built (s))
    {
      g_autofree char *path = g_strdup_printf ("/api/channels/%u", 700 + writes % N_CHANNELS);
      g_autofree char *patch = g_strdup_printf ("{\"name\": \"Renamed %u\"}", writes);
      g_autofree char *sname = g_strdup_printf ("Added %u", writes);
      g_autofree char *doc = schedule_doc (sname, 1);
      g_autoptr (ExsTestReply) patched = exs_test_server_request (s, "PATCH", path, patch, TRUE);
      g_autoptr (ExsTestReply) posted = NULL;
      gint64 started = g_get_monotonic_time ();

      expect_success (patched, "PATCH /api/channels");
      posted = exs_test_server_request (s, "POST", "/api/schedules", doc, TRUE);
      expect_success (posted, "POST /api/schedules");
      slowest = MAX (slowest, g_get_monotonic_time () - started);
      writes++;
    }
  /* the build really overlapped the writes (else this test proves nothing) */
  g_assert_cmpuint (writes, >=, 3);
  g_test_message ("%u PATCH + POST pairs succeeded during the first build, the slowest pair in %" G_GINT64_FORMAT
                  " ms", writes, slowest / 1000);

  /* every write stuck, and the build finished every channel */
  for (guint i = 0; i < MIN (writes, N_CHANNELS); i++)
    {
      g_autofree char *path = g_strdup_printf ("/api/channels/%u", 700 + i);
      g_autofree char *ppath = g_strdup_printf ("/api/channels/%u/playout", 700 + i);
      g_autoptr (ExsTestReply) ch = exs_test_server_request (s, "GET", path, NULL, TRUE);
      g_autoptr (ExsTestReply) pl = exs_test_server_request (s, "GET", ppath, NULL, TRUE);
      g_assert_cmpuint (ch->status, ==, 200);
      g_assert_true (g_str_has_prefix (json_object_get_string_member (exs_test_reply_object (ch), "name"), "Renamed "));
      g_assert_cmpuint (pl->status, ==, 200);
      g_assert_nonnull (json_object_get_string_member_with_default (exs_test_reply_object (pl), "built_until", NULL));
    }
  {
    g_autoptr (ExsTestReply) list = exs_test_server_request (s, "GET", "/api/schedules", NULL, TRUE);
    g_assert_cmpuint (list->status, ==, 200);
    g_assert_nonnull (strstr (list->body, "Added 0"));
  }
  g_assert_cmpint (exs_test_server_stop (s, NULL), ==, 0);
  exs_test_remove_tree (dir);
}

static gint64
count_rows (ExsTestLibrary *lib, const char *where)
{
  g_autofree char *sql = g_strdup_printf ("SELECT COUNT(*) FROM playout_items WHERE %s", where);
  g_autoptr (sqlite3_stmt) s = exs_database_prepare (lib->db, sql, NULL);

  g_assert_nonnull (s);
  g_assert_cmpint (sqlite3_step (s), ==, SQLITE_ROW);
  return sqlite3_column_int64 (s, 0);
}

/* A build stopped between its chunks (a crash, a power cut) leaves rows after
 * the channel's built_until: a new builder never shows them, and its next
 * build replaces them. Real SQLite file, no server. */
static void
test_half_written_build_stays_invisible (void)
{
  g_autoptr (ExsTestLibrary) lib = exs_test_library_new ();
  g_autoptr (GTimeZone) tz = g_time_zone_new_utc ();
  g_autoptr (GError) error = NULL;
  g_autoptr (ExsPlayoutBuilder) first = NULL;
  g_autoptr (ExsPlayoutBuilder) again = NULL;
  g_autoptr (GPtrArray) listed = NULL;
  gint64 col = exs_test_library_add_collection (lib, "shorts");
  gint64 now = g_get_real_time (), built, stray;
  g_autofree char *doc = schedule_doc ("Busy", col);
  g_autofree char *sql = NULL;

  for (int i = 0; i < N_ITEMS; i++)
    exs_test_library_add_member (lib, col, exs_test_library_add_item (lib, 0, 0, 0, "Short", 2000 + i * 10), 0);
  exs_test_library_add_channel (lib, "7", "Seven");
  exs_test_library_add_schedule (lib, doc, "7", "continuous", 1);
  first = exs_playout_builder_new (lib->db, tz, 2 * HOUR_US, &error);
  g_assert_no_error (error);
  g_assert_true (exs_playout_builder_build (first, "7", EXS_PLAYOUT_BUILD_EXTEND, now, &error));
  g_assert_no_error (error);
  built = exs_playout_builder_get_built_until (first, "7");
  g_assert_cmpint (built, >, now);

  /* what the chunks of a next build that never committed look like */
  sql = g_strdup_printf ("INSERT INTO playout_items (channel_id, start_us, stop_us, kind, title)"
                         " SELECT channel_id, start_us + %" G_GINT64_FORMAT ", stop_us + %" G_GINT64_FORMAT
                         ", kind, 'stray' FROM playout_items",
                         built - now + G_USEC_PER_SEC, built - now + G_USEC_PER_SEC);
  exs_test_library_exec (lib, sql);
  stray = count_rows (lib, "title = 'stray'");
  g_assert_cmpint (stray, >, 100);

  again = exs_playout_builder_new (lib->db, tz, 4 * HOUR_US, &error);
  g_assert_no_error (error);
  g_assert_true (exs_playout_builder_load (again, &error));
  g_assert_no_error (error);
  g_assert_cmpint (exs_playout_builder_get_built_until (again, "7"), ==, built);
  listed = exs_playout_source_list (EXS_PLAYOUT_SOURCE (again), "7", now, built + 3 * HOUR_US, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < listed->len; i++)
    g_assert_cmpstr (((ExsPlayoutItem *) listed->pdata[i])->title, !=, "stray");
  for (gint64 at = built; at < built + 2 * HOUR_US; at += 10 * 60 * G_USEC_PER_SEC)
    {
      g_autoptr (ExsPlayoutItem) past_end = exs_playout_source_lookup (EXS_PLAYOUT_SOURCE (again), "7", at, NULL);
      g_assert_true (past_end == NULL || g_strcmp0 (past_end->title, "stray") != 0);
    }

  /* the next build (a longer horizon) goes past them: they are replaced */
  g_assert_true (exs_playout_builder_build (again, "7", EXS_PLAYOUT_BUILD_EXTEND, now, &error));
  g_assert_no_error (error);
  g_assert_cmpint (exs_playout_builder_get_built_until (again, "7"), >, built + HOUR_US);
  g_assert_cmpint (count_rows (lib, "title = 'stray'"), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/scheduling/playout-lock/api-writes-during-first-build", test_api_writes_during_first_build);
  g_test_add_func ("/scheduling/playout-lock/half-written-build-stays-invisible",
                   test_half_written_build_stays_invisible);
  return g_test_run ();
}
