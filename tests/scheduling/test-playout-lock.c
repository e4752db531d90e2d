/* The playout builder's first build must not lock API writers out: a server
 * whose first build is long (many channels, each a long horizon of short
 * items) answers PATCH /api/channels and POST /api/schedules made while the
 * build runs with success, never 500 "database is locked". Real SQLite file,
 * real server on loopback. */
#include "config.h"

#include "exs-test-library.h"
#include "exs-test-server.h"

#include <string.h>

#define N_CHANNELS 6
#define N_ITEMS 40

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
  /* a week ahead of 2 s items: about 300,000 rows per channel */
  const char *env[] = { "EXSTREAMTV_SERVER_TIME_ZONE=UTC", "EXSTREAMTV_LIBRARY_SCAN_ON_START=false",
                        "EXSTREAMTV_SCHEDULING_HORIZON_HOURS=168", NULL };
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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/scheduling/playout-lock/api-writes-during-first-build", test_api_writes_during_first_build);
  return g_test_run ();
}
