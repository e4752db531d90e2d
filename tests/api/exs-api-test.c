/* exs-api-test.c: requests as a browser or an uploader sends them, and the
 * checks every API test makes. */
#include "config.h"

#include "exs-api-test.h"

/**
 * exs_api_test_send:
 * @headers: (nullable): name, value, name, value, …, NULL
 * @content_type: (nullable): with @body
 *
 * Sends exactly these headers (no token unless given), follows no redirect.
 */
ExsTestReply *
exs_api_test_send (ExsTestServer     *server,
                   const char        *method,
                   const char        *path,
                   const char *const *headers,
                   const char        *content_type,
                   const void        *body,
                   gsize              body_len)
{
  g_autofree char *url = g_strconcat (server->base_url, path, NULL);
  g_autoptr (SoupMessage) msg = soup_message_new (method, url);
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;
  ExsTestReply *r = g_new0 (ExsTestReply, 1);

  g_assert_nonnull (msg);
  soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
  for (guint i = 0; headers && headers[i] && headers[i + 1]; i += 2)
    soup_message_headers_replace (soup_message_get_request_headers (msg), headers[i], headers[i + 1]);
  if (body)
    {
      g_autoptr (GBytes) b = g_bytes_new (body, body_len);
      soup_message_set_request_body_from_bytes (msg, content_type, b);
    }
  bytes = soup_session_send_and_read (server->session, msg, NULL, &error);
  g_assert_no_error (error);
  r->status = soup_message_get_status (msg);
  r->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  r->body = g_bytes_get_size (bytes) ? g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes))
                                      : g_strdup ("");
  if (r->body[0] == '{')
    {
      g_autoptr (JsonParser) p = json_parser_new ();
      if (json_parser_load_from_data (p, r->body, -1, NULL))
        r->json = json_node_copy (json_parser_get_root (p));
    }
  return r;
}

void
exs_api_test_expect (ExsTestReply *r, guint status)
{
  if (r->status != status)
    g_error ("expected %u, got %u: %s", status, r->status, r->body);
}

/* The "field" of an error reply. */
const char *
exs_api_test_error_field (ExsTestReply *r)
{
  JsonObject *error = json_object_get_object_member (exs_test_reply_object (r), "error");

  return json_object_get_string_member (error, "field");
}
