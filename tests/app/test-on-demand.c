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

static void
assert_paused (ExsTestServer *s, NowPlaying *before)
{
  NowPlaying after = { 0 };

  g_usleep (3 * G_USEC_PER_SEC);
  now_playing (s, &after);
  g_assert_cmpstr (after.uri, ==, before->uri);
  g_assert_cmpint (ABS (after.position_us - before->position_us), <, 1100 * 1000); /* API times are whole seconds */
  g_free (after.uri);
}

static void
test_on_demand_clock (void)
{
  const char *args[] = { "--demo", NULL };
  const char *env[] = { "EXSTREAMTV_CHANNELS_LINGER_SECONDS=0", NULL };
  g_autoptr (ExsTestServer) s = exs_test_server_start (NULL, args, env);
  g_autoptr (ExsTestReply) set = NULL;
  g_autofree char *url = g_strdup_printf ("%s/iptv/channel/100.ts", s->base_url);
  const char *watch[] = { "curl", "-s", "-m", "5", "-o", "/dev/null", url, NULL };
  NowPlaying paused = { 0 }, resumed = { 0 };

  /* the demo's channel 100 switched to on demand: it starts paused */
  set = exs_test_server_request (s, "PUT", "/api/channels/100/playout", "{\"mode\": \"on_demand\"}", TRUE);
  g_assert_cmpuint (set->status, ==, 200);
  now_playing (s, &paused);
  assert_paused (s, &paused);

  /* watched for about five seconds: the clock moves */
  exs_test_run_command (watch, NULL, NULL);
  g_usleep (G_USEC_PER_SEC); /* linger 0: the channel stops */
  now_playing (s, &resumed);
  if (g_strcmp0 (resumed.uri, paused.uri) == 0)
    {
      gint64 moved = resumed.position_us - paused.position_us;
      g_test_message ("moved %.1f s while watched", moved / 1e6);
      g_assert_cmpint (moved, >, 2 * G_USEC_PER_SEC);
      g_assert_cmpint (moved, <, 9 * G_USEC_PER_SEC);
    }
  /* and it holds still again once nobody watches */
  assert_paused (s, &resumed);
  g_free (paused.uri);
  g_free (resumed.uri);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/app/on-demand/clock-runs-only-while-watched", test_on_demand_clock);
  return g_test_run ();
}
