/* Viewers on the sessions page, through the real server with the demo: a
 * real TS viewer shows with its details and is disconnected by DELETE. */
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

int
main (int argc, char **argv)
{
  const char *const args[] = { "--demo", NULL };
  int ret;

  g_test_init (&argc, &argv, NULL);
  server = exs_test_server_start (NULL, args, NULL);
  g_test_add_func ("/sessions/viewer-details-and-disconnect", test_viewer_details_and_disconnect);
  ret = g_test_run ();
  exs_test_server_stop (server, NULL);
  exs_test_server_free (server);
  return ret;
}
