/* The real exstreamtv binary with --demo: the demo channels stream to ffprobe
 * (before their clips exist, the offline screen; the stream is valid either
 * way), and SIGTERM with a viewer connected (its session has been sent bytes)
 * ends the server cleanly and closes the viewer's connection. */
#include "config.h"

#include "exs-test-server.h"

#include <string.h>

static void
on_waited_cb (GObject *source, GAsyncResult *res, gpointer data)
{
  *(gboolean *) data = TRUE;
}

/* channel 1984.1 has a live session that has been sent bytes */
static gboolean
viewer_receiving (gpointer data)
{
  ExsTestServer *s = data;
  g_autoptr (ExsTestReply) r = exs_test_server_request (s, "GET", "/api/sessions", NULL, TRUE);
  JsonArray *a;

  g_assert_cmpuint (r->status, ==, 200);
  a = json_object_get_array_member (exs_test_reply_object (r), "sessions");
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonObject *o = json_array_get_object_element (a, i);

      if (g_str_equal (json_object_get_string_member (o, "channel_number"), "1984.1")
          && !g_str_equal (json_object_get_string_member (o, "state"), "disconnected")
          && json_object_get_int_member (o, "bytes_sent") > 0)
        return TRUE;
    }
  return FALSE;
}

static void
test_demo_streams_and_stops_quickly (void)
{
  const char *const args[] = { "--demo", NULL };
  g_autoptr (ExsTestServer) s = exs_test_server_start (NULL, args, NULL);
  g_autofree char *url = g_strdup_printf ("%s/iptv/channel/100.ts", s->base_url);
  g_autofree char *url2 = g_strdup_printf ("%s/iptv/channel/1984.1.ts", s->base_url);
  const char *probe[] = { "ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height", "-of",
                          "csv=p=0", url, NULL };
  const char *viewer[] = { "curl", "-s", "-o", "/dev/null", url2, NULL };
  g_autofree char *out = NULL;
  g_autoptr (GSubprocess) curl = NULL;
  g_autoptr (GError) error = NULL;
  double seconds = 0;
  gboolean curl_done = FALSE;
  gint64 deadline;

  g_assert_cmpint (exs_test_run_command (probe, NULL, &out), ==, 0);
  g_test_message ("ffprobe: %s", out);
  g_assert_nonnull (strstr (out, "h264,1280,720"));
  g_assert_nonnull (strstr (out, "aac"));

  curl = g_subprocess_newv (viewer, G_SUBPROCESS_FLAGS_NONE, &error);
  g_assert_no_error (error);
  /* the viewer is connected and being sent the stream */
  g_assert_true (exs_test_wait_for (viewer_receiving, s, 60));
  g_assert_nonnull (g_subprocess_get_identifier (curl));
  g_assert_cmpint (exs_test_server_stop (s, &seconds), ==, 0);
  g_test_message ("stopped in %.3f s with viewers connected", seconds);
  g_assert_cmpfloat (seconds, <, 15.0); /* not killed after 20 s; the speed is measured in bench/ */

  /* the viewer's connection was closed, not left hanging */
  g_subprocess_wait_async (curl, NULL, on_waited_cb, &curl_done);
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (!curl_done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
  g_assert_true (curl_done);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/streaming/demo/streams-and-stops-quickly", test_demo_streams_and_stops_quickly);
  return g_test_run ();
}
