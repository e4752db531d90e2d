/* On-demand channels through the real server: the playout's clock runs only
 * while the channel plays (a viewer, plus the linger time), and resumes where
 * it stopped. */
#include "config.h"

#include "exs-test-server.h"

#include <string.h>

typedef struct
{
  char *uri;
  gint64 position_us; /* how far into the item "now" is */
} NowPlaying;

static void
now_playing (ExsTestServer *s, NowPlaying *out)
{
  g_autoptr (ExsTestReply) r = exs_test_server_request (s, "GET", "/api/channels/100/playout", NULL, TRUE);
  JsonObject *now;
  g_autoptr (GDateTime) start = NULL;

  g_assert_cmpuint (r->status, ==, 200);
  now = json_object_get_object_member (exs_test_reply_object (r), "now");
  start = g_date_time_new_from_iso8601 (json_object_get_string_member (now, "start"), NULL);
  g_free (out->uri);
  out->uri = g_strdup (json_object_get_string_member (now, "uri"));
  out->position_us = g_get_real_time () - g_date_time_to_unix (start) * G_USEC_PER_SEC
                     - g_date_time_get_microsecond (start);
}

/* how far the channel's clock moved from @from to @to (an item change while
 * the clock runs counts as a move past the end of the old one) */
static gint64
moved_us (const NowPlaying *from, const NowPlaying *to)
{
  if (g_strcmp0 (from->uri, to->uri) != 0)
    return G_MAXINT64;
  return to->position_us - from->position_us;
}

static void
assert_paused (ExsTestServer *s, NowPlaying *before)
{
  NowPlaying after = { 0 };

  /* an absence of motion needs a span of time to show it: 3 s */
  g_usleep (3 * G_USEC_PER_SEC);
  now_playing (s, &after);
  g_assert_cmpstr (after.uri, ==, before->uri);
  g_assert_cmpint (ABS (moved_us (before, &after)), <, 1100 * 1000); /* API times are whole seconds */
  g_free (after.uri);
}

/* Polls until the clock has stood still for 2 s (the channel stopped after
 * its last viewer left): FALSE if it still runs after @timeout_s. */
static gboolean
wait_until_still (ExsTestServer *s, NowPlaying *out, double timeout_s)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (timeout_s * G_USEC_PER_SEC);
  NowPlaying a = { 0 };

  now_playing (s, &a);
  while (g_get_monotonic_time () < deadline)
    {
      NowPlaying b = { 0 };

      g_usleep (2 * G_USEC_PER_SEC);
      now_playing (s, &b);
      if (ABS (moved_us (&a, &b)) < 1100 * 1000)
        {
          g_free (a.uri);
          *out = b;
          return TRUE;
        }
      g_free (a.uri);
      a = b;
    }
  g_free (a.uri);
  return FALSE;
}

static void
test_on_demand_clock (void)
{
  const char *args[] = { "--demo", NULL };
  const char *env[] = { "EXSTREAMTV_CHANNELS_LINGER_SECONDS=0", NULL };
  g_autoptr (ExsTestServer) s = exs_test_server_start (NULL, args, env);
  g_autoptr (ExsTestReply) set = NULL;
  g_autofree char *url = g_strdup_printf ("%s/iptv/channel/100.ts", s->base_url);
  const char *watch[] = { "curl", "-s", "-f", "-o", "/dev/null", url, NULL };
  g_autoptr (GSubprocess) viewer = NULL;
  g_autoptr (GError) error = NULL;
  NowPlaying paused = { 0 }, watched = { 0 }, stopped = { 0 };
  gint64 deadline;
  gint64 moved = 0;

  /* the demo's channel 100 switched to on demand: it starts paused */
  set = exs_test_server_request (s, "PUT", "/api/channels/100/playout", "{\"mode\": \"on_demand\"}", TRUE);
  g_assert_cmpuint (set->status, ==, 200);
  now_playing (s, &paused);
  assert_paused (s, &paused);

  /* watched: the clock moves (however long the channel takes to start) */
  viewer = g_subprocess_newv (watch, G_SUBPROCESS_FLAGS_NONE, &error);
  g_assert_no_error (error);
  deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
  while (moved < 2 * G_USEC_PER_SEC && g_get_monotonic_time () < deadline)
    {
      g_assert_nonnull (g_subprocess_get_identifier (viewer)); /* curl is still watching */
      g_usleep (500 * 1000);
      now_playing (s, &watched);
      moved = moved_us (&paused, &watched);
    }
  g_test_message ("moved %.1f s while watched", moved == G_MAXINT64 ? -1.0 : moved / 1e6);
  g_assert_cmpint (moved, >=, 2 * G_USEC_PER_SEC);
  g_subprocess_force_exit (viewer);
  g_subprocess_wait (viewer, NULL, NULL);

  /* and it holds still again once nobody watches (linger 0) */
  g_assert_true (wait_until_still (s, &stopped, 60));
  assert_paused (s, &stopped);
  g_free (paused.uri);
  g_free (watched.uri);
  g_free (stopped.uri);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/app/on-demand/clock-runs-only-while-watched", test_on_demand_clock);
  return g_test_run ();
}
