/* ExsHttpServer through the real server: auth, routing, limits, JSON errors.
 * One server is shared by the cases (they do not change state). */
#include "config.h"

#include "exs-test-server.h"

#include <string.h>

static ExsTestServer *server;

static void
assert_error (ExsTestReply *r, guint status, const char *code)
{
  if (r->status != status)
    g_error ("expected %u, got %u: %s", status, r->status, r->body);
  g_assert_cmpstr (exs_test_reply_error_code (r), ==, code);
  g_assert_cmpstr (soup_message_headers_get_content_type (r->headers, NULL), ==, "application/json");
}

static void
test_health_is_public (void)
{
  g_autoptr (ExsTestReply) r = exs_test_server_request (server, "GET", "/api/health", NULL, FALSE);
  JsonObject *o = exs_test_reply_object (r);

  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (o, "status"), ==, "ok");
  g_assert_cmpstr (json_object_get_string_member (o, "version"), ==, PACKAGE_VERSION);
  g_assert_true (json_object_has_member (o, "uptime_seconds"));
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (o, "database"), "ok"));
}

static void
test_api_needs_token (void)
{
  const char *paths[] = { "/api/channels", "/api/channels/5", "/api/no-such-thing", "/api", "/api/health/x" };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr (ExsTestReply) r = exs_test_server_request (server, "GET", paths[i], NULL, FALSE);
      assert_error (r, 401, "unauthorized");
      g_assert_nonnull (soup_message_headers_get_one (r->headers, "WWW-Authenticate"));
      /* nothing leaks: the body is the error only */
      g_assert_null (strstr (r->body, "channels\""));
    }
  {
    g_autoptr (ExsTestReply) r = exs_test_server_request (server, "POST", "/api/channels", "{\"number\":\"9\"}",
                                                          FALSE);
    assert_error (r, 401, "unauthorized");
  }
}

static void
test_wrong_token (void)
{
  const char *variants[] = { "Bearer nope", "Bearer ", "Basic abc", "bearer", "Token x" };

  for (guint i = 0; i < G_N_ELEMENTS (variants); i++)
    {
      g_autofree char *req = g_strdup_printf ("GET /api/channels HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\n"
                                              "Connection: close\r\n\r\n", variants[i]);
      g_autofree char *resp = exs_test_server_raw (server, req);
      g_assert_true (g_str_has_prefix (resp, "HTTP/1.1 401"));
    }
  {
    /* the right token with a different case scheme still works */
    g_autofree char *req = g_strdup_printf ("GET /api/channels HTTP/1.1\r\nHost: x\r\nAuthorization: bearer %s\r\n"
                                            "Connection: close\r\n\r\n", server->token);
    g_autofree char *resp = exs_test_server_raw (server, req);
    g_assert_true (g_str_has_prefix (resp, "HTTP/1.1 200"));
  }
}

static void
test_not_found_and_method (void)
{
  g_autoptr (ExsTestReply) nf = exs_test_server_request (server, "GET", "/api/nothing", NULL, TRUE);
  g_autoptr (ExsTestReply) na = exs_test_server_request (server, "DELETE", "/api/channels", NULL, TRUE);
  g_autoptr (ExsTestReply) root = exs_test_server_request (server, "GET", "/definitely/not/here", NULL, FALSE);

  assert_error (nf, 404, "not_found");
  assert_error (na, 405, "method_not_allowed");
  g_assert_nonnull (strstr (soup_message_headers_get_one (na->headers, "Allow"), "POST"));
  assert_error (root, 404, "not_found");
}

static void
test_body_limits (void)
{
  g_autofree char *big = g_strdup_printf ("POST /api/channels HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                                          "Content-Type: application/json\r\nContent-Length: 50000000\r\n\r\n{",
                                          server->token);
  g_autofree char *chunked = g_strdup_printf ("POST /api/channels HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                                              "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                                              "2\r\n{}\r\n0\r\n\r\n",
                                              server->token);
  g_autofree char *r1 = exs_test_server_raw (server, big);
  g_autofree char *r2 = exs_test_server_raw (server, chunked);

  g_assert_true (g_str_has_prefix (r1, "HTTP/1.1 413"));
  g_assert_nonnull (strstr (r1, "\"payload_too_large\""));
  g_assert_nonnull (strstr (r1, "max_request_body_bytes"));
  g_assert_true (g_str_has_prefix (r2, "HTTP/1.1 411"));
}

static void
test_bad_bodies (void)
{
  const struct { const char *body; const char *code; guint status; } cases[] = {
    { "", "invalid_json", 400 },
    { "{", "invalid_json", 400 },
    { "[1,2]", "invalid_json", 400 },
    { "\"just a string\"", "invalid_json", 400 },
    { "{\"number\": \"5\", \"name\": \"\xff\xfe\"}", "invalid_json", 400 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (ExsTestReply) r = exs_test_server_request (server, "POST", "/api/channels", cases[i].body, TRUE);
      assert_error (r, cases[i].status, cases[i].code);
    }
  {
    g_autofree char *req = g_strdup_printf ("POST /api/channels HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                                            "Content-Type: application/xml\r\nContent-Length: 2\r\nConnection: close\r\n"
                                            "\r\n{}", server->token);
    g_autofree char *resp = exs_test_server_raw (server, req);
    g_assert_true (g_str_has_prefix (resp, "HTTP/1.1 415"));
  }
}

static void
test_bad_paths (void)
{
  g_autofree char *req = g_strdup_printf ("GET /api/channels/%%ff%%fe HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s"
                                          "\r\nConnection: close\r\n\r\n", server->token);
  g_autofree char *resp = exs_test_server_raw (server, req);

  g_assert_true (g_str_has_prefix (resp, "HTTP/1.1 400"));
}

/* Clients that keep the connection alive, then close it: the server must
 * not keep their sockets (libsoup 3.2 left each in CLOSE_WAIT for good). */
static void
test_closed_connections_are_not_kept (void)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();

  for (guint i = 0; i < 10; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GSocketConnection) c = g_socket_client_connect_to_host (client, "127.0.0.1", server->port, NULL, &error);
      const char *request = "GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
      char buf[4096];
      gssize n;

      g_assert_no_error (error);
      g_assert_true (g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (c)), request,
                                                strlen (request), NULL, NULL, &error));
      n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (c)), buf, sizeof buf - 1, NULL, &error);
      g_assert_cmpint (n, >, 0);
      buf[n] = '\0';
      g_assert_true (g_str_has_prefix (buf, "HTTP/1.1 200"));
      g_assert_true (g_io_stream_close (G_IO_STREAM (c), NULL, NULL));
    }
  /* the server closes each as the client does; none stays open */
  exs_test_server_wait_for_connections (server, 0);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  server = exs_test_server_start (NULL, NULL, NULL);
  g_test_add_func ("/http/server/health-needs-no-token", test_health_is_public);
  g_test_add_func ("/http/server/api-without-token-is-401", test_api_needs_token);
  g_test_add_func ("/http/server/wrong-tokens-are-401", test_wrong_token);
  g_test_add_func ("/http/server/404-and-405-as-json", test_not_found_and_method);
  g_test_add_func ("/http/server/body-limits-413-and-411", test_body_limits);
  g_test_add_func ("/http/server/bad-json-bodies-are-400", test_bad_bodies);
  g_test_add_func ("/http/server/bad-path-escapes-are-400", test_bad_paths);
  g_test_add_func ("/http/server/closed-connections-are-not-kept", test_closed_connections_are_not_kept);
  status = g_test_run ();
  exs_test_server_free (server);
  return status;
}
