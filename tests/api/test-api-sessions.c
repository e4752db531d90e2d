/* Viewers on the sessions page, through the real server with the demo: a
 * real TS viewer shows with its details and is disconnected by DELETE; a
 * real HLS viewer (playlist and segments fetched) shows as kind "hls", is
 * refused once disconnected and ends when it stops fetching; breakers and
 * restart guards are listed, reset and asked for a restart. */
#include "config.h"

#include "exs-api-test.h"

#include <string.h>

static ExsTestServer *server;

static ExsTestReply *
req (const char *method, const char *path, const char *body)
{
  return exs_test_server_request (server, method, path, body, TRUE);
}

/* the live session of channel 100, or NULL */
static JsonObject *
find_session (void)
{
  g_autoptr (ExsTestReply) r = req ("GET", "/api/sessions?channel=100", NULL);
  JsonArray *arr;

  exs_api_test_expect (r, 200);
  arr = json_object_get_array_member (exs_test_reply_object (r), "sessions");
  for (guint i = 0; i < json_array_get_length (arr); i++)
    {
      JsonObject *s = json_array_get_object_element (arr, i);
      if (g_str_equal (json_object_get_string_member (s, "state"), "active")
          || g_str_equal (json_object_get_string_member (s, "state"), "created"))
        return json_object_ref (s);
    }
  return NULL;
}

static void
test_viewer_details_and_disconnect (void)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) session = NULL;
  g_autofree char *request = g_strdup_printf ("GET /iptv/channel/100.ts HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n"
                                              "User-Agent: exs-test-viewer/1.0\r\n\r\n",
                                              server->port);
  g_autofree char *path = NULL;
  g_autoptr (ExsTestReply) gone = NULL;
  g_autoptr (ExsTestReply) again = NULL;
  g_autoptr (ExsTestReply) junk = NULL;
  GInputStream *in;
  char buf[65536];
  gsize total = 0;
  gssize n;
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  g_socket_client_set_timeout (client, 60);
  conn = g_socket_client_connect_to_host (client, "127.0.0.1", (guint16) server->port, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), request, strlen (request), NULL,
                             NULL, &error);
  g_assert_no_error (error);
  in = g_io_stream_get_input_stream (G_IO_STREAM (conn));
  /* the stream flows: the viewer is real */
  while (total < 200000 && (n = g_input_stream_read (in, buf, sizeof buf, NULL, &error)) > 0)
    total += (gsize) n;
  g_assert_no_error (error);
  g_assert_cmpuint (total, >=, 200000);

  while ((session = find_session ()) == NULL && g_get_monotonic_time () < deadline)
    g_usleep (100 * 1000);
  g_assert_nonnull (session);
  g_assert_cmpstr (json_object_get_string_member (session, "channel"), ==, "100");
  g_assert_cmpstr (json_object_get_string_member (session, "client"), ==, "127.0.0.1");
  g_assert_cmpstr (json_object_get_string_member (session, "user_agent"), ==, "exs-test-viewer/1.0");
  g_assert_cmpstr (json_object_get_string_member (session, "kind"), ==, "ts");
  g_assert_true (g_str_has_suffix (json_object_get_string_member (session, "since"), "Z"));
  g_assert_true (json_object_has_member (session, "bytes"));

  path = g_strdup_printf ("/api/sessions/%" G_GINT64_FORMAT, json_object_get_int_member (session, "id"));
  gone = req ("DELETE", path, NULL);
  exs_api_test_expect (gone, 204);
  /* the viewer's stream ends */
  while ((n = g_input_stream_read (in, buf, sizeof buf, NULL, &error)) > 0)
    ;
  g_assert_cmpint (n, <=, 0);
  again = req ("DELETE", path, NULL);
  exs_api_test_expect (again, 404);
  junk = req ("DELETE", "/api/sessions/abc", NULL);
  exs_api_test_expect (junk, 404);
}

static ExsTestReply *
hls_get (const char *path, const char *user_agent)
{
  const char *headers[] = { "User-Agent", user_agent, NULL };

  return exs_api_test_send (server, "GET", path, headers, NULL, NULL, 0);
}

/* the session item with @user_agent, or NULL */
static JsonObject *
find_hls_session (const char *user_agent)
{
  g_autoptr (ExsTestReply) r = req ("GET", "/api/sessions", NULL);
  JsonArray *arr;

  exs_api_test_expect (r, 200);
  arr = json_object_get_array_member (exs_test_reply_object (r), "sessions");
  for (guint i = 0; i < json_array_get_length (arr); i++)
    {
      JsonObject *s = json_array_get_object_element (arr, i);
      if (g_strcmp0 (json_object_get_string_member (s, "kind"), "hls") == 0
          && g_strcmp0 (json_object_get_string_member_with_default (s, "user_agent", ""), user_agent) == 0)
        return json_object_ref (s);
    }
  return NULL;
}

/* Fetches the playlist, then its last segment, as a player does; the
 * segment's size. */
static gsize
watch_hls (const char *user_agent)
{
  g_autoptr (ExsTestReply) playlist = NULL;
  g_autoptr (ExsTestReply) segment = NULL;
  g_auto (GStrv) lines = NULL;
  const char *last = NULL;
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  do
    {
      g_clear_pointer (&playlist, exs_test_reply_free);
      playlist = hls_get ("/iptv/channel/100/hls/index.m3u8", user_agent);
    }
  while (playlist->status != 200 && g_get_monotonic_time () < deadline);
  exs_api_test_expect (playlist, 200);
  lines = g_strsplit (playlist->body, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (lines[i][0] == '/')
      last = lines[i];
  g_assert_nonnull (last);
  segment = hls_get (last, user_agent);
  exs_api_test_expect (segment, 200);
  g_assert_cmpint (soup_message_headers_get_content_length (segment->headers), >, 0);
  return (gsize) soup_message_headers_get_content_length (segment->headers);
}

static void
test_hls_viewer (void)
{
  g_autoptr (JsonObject) session = NULL;
  g_autoptr (JsonObject) other = NULL;
  g_autoptr (ExsTestReply) gone = NULL;
  g_autoptr (ExsTestReply) refused = NULL;
  g_autofree char *path = NULL;
  gsize segment_bytes = watch_hls ("exs-test-hls/1.0");
  gint64 deadline;

  session = find_hls_session ("exs-test-hls/1.0");
  g_assert_nonnull (session);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (session, "id"), "hls-"));
  g_assert_cmpstr (json_object_get_string_member (session, "channel"), ==, "100");
  g_assert_cmpstr (json_object_get_string_member (session, "client"), ==, "127.0.0.1");
  g_assert_true (g_str_has_suffix (json_object_get_string_member (session, "since"), "Z"));
  g_assert_cmpint (json_object_get_int_member (session, "bytes"), >=, (gint64) segment_bytes);
  g_assert_cmpint (json_object_get_int_member (session, "bytes"), >, 0);

  /* another player on the same address is another viewer */
  watch_hls ("exs-test-hls-other/1.0");
  other = find_hls_session ("exs-test-hls-other/1.0");
  g_assert_nonnull (other);
  g_assert_cmpstr (json_object_get_string_member (other, "id"), !=, json_object_get_string_member (session, "id"));

  /* disconnected: gone from the list, its requests refused */
  path = g_strdup_printf ("/api/sessions/%s", json_object_get_string_member (session, "id"));
  gone = req ("DELETE", path, NULL);
  exs_api_test_expect (gone, 204);
  g_assert_null (find_hls_session ("exs-test-hls/1.0"));
  refused = hls_get ("/iptv/channel/100/hls/index.m3u8", "exs-test-hls/1.0");
  exs_api_test_expect (refused, 403);

  /* the other one stops fetching: it ends after a few segment intervals */
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  for (;;)
    {
      g_autoptr (JsonObject) still = find_hls_session ("exs-test-hls-other/1.0");

      if (still == NULL)
        break;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (200 * 1000);
    }
}

static JsonObject *
guard_of (const char *number)
{
  g_autoptr (ExsTestReply) r = req ("GET", "/api/guards", NULL);
  JsonArray *arr;

  exs_api_test_expect (r, 200);
  g_assert_cmpint (json_object_get_int_member (exs_test_reply_object (r), "max_restarts"), >, 0);
  arr = json_object_get_array_member (exs_test_reply_object (r), "channels");
  for (guint i = 0; i < json_array_get_length (arr); i++)
    if (g_str_equal (json_object_get_string_member (json_array_get_object_element (arr, i), "number"), number))
      return json_object_ref (json_array_get_object_element (arr, i));
  return NULL;
}

static void
test_guards (void)
{
  g_autoptr (ExsTestReply) reset = req ("POST", "/api/channels/101/breaker/reset", "{}");
  g_autoptr (ExsTestReply) unknown = req ("POST", "/api/channels/999/breaker/reset", "{}");
  g_autoptr (ExsTestReply) not_playing = req ("POST", "/api/channels/1984.1/restart", "{}");
  g_autoptr (ExsTestReply) unknown_restart = req ("POST", "/api/channels/999/restart", "{}");
  g_autoptr (JsonObject) g = NULL;

  exs_api_test_expect (reset, 200);
  g_assert_cmpstr (json_object_get_string_member (exs_test_reply_object (reset), "circuit_breaker"), ==, "closed");
  g_assert_cmpint (json_object_get_int_member (exs_test_reply_object (reset), "failures_in_window"), ==, 0);
  exs_api_test_expect (unknown, 404);
  exs_api_test_expect (not_playing, 409);
  exs_api_test_expect (unknown_restart, 404);
  g = guard_of ("101");
  g_assert_nonnull (g);
  g_assert_true (json_object_has_member (g, "cooldown_left_seconds"));
  g_assert_true (json_object_has_member (g, "half_open_in_seconds"));
  g_assert_true (json_object_has_member (g, "restarts_this_run"));
}

int
main (int argc, char **argv)
{
  const char *const args[] = { "--demo", NULL };
  int ret;

  g_test_init (&argc, &argv, NULL);
  server = exs_test_server_start (NULL, args, NULL);
  g_test_add_func ("/sessions/viewer-details-and-disconnect", test_viewer_details_and_disconnect);
  g_test_add_func ("/sessions/hls-viewer", test_hls_viewer);
  g_test_add_func ("/sessions/guards", test_guards);
  ret = g_test_run ();
  exs_test_server_stop (server, NULL);
  exs_test_server_free (server);
  return ret;
}
