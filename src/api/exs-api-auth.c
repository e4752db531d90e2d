/* exs-api-auth.c: logging a browser in to the web UI, without the admin
 * token ever sitting in a URL or in the page's storage.
 *
 *   POST   /api/auth/login-links  (token or session) a one-time login URL
 *   POST   /api/auth/session      {"token"} -> 204 + the session cookie
 *   GET    /api/auth/session      200 {"authenticated":true} | 401
 *   DELETE /api/auth/session      logs this browser out
 * The sessions and links live in ExsWebSessions, owned by the HTTP server,
 * which also accepts the cookie on every /api/ route.
 */
#include "config.h"

#include "exs-api-context.h"
#include "exs-base-url.h"
#include "exs-http-json.h"
#include "exs-web-sessions.h"

static void
handle_create_link (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query,
                    gpointer data)
{
  ExsApiContext *ctx = data;
  SoupMessageBody *raw = soup_server_message_get_request_body (msg);
  g_autoptr (JsonObject) body = NULL;
  g_autoptr (JsonObject) reply = json_object_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *next = NULL;
  g_autofree char *code = NULL;
  g_autofree char *base = NULL;
  g_autofree char *url = NULL;

  /* the body is optional: no body lands on the dashboard */
  if (raw->length > 0)
    {
      body = exs_http_read_json_object (msg);
      if (body == NULL || !exs_http_json_get_text (msg, body, "next", 512, FALSE, &next))
        return;
    }
  if (next && !exs_web_sessions_is_safe_next (next))
    {
      exs_http_reply_field_error (msg, 422, "next", "next must be a path in the web UI, such as /web/guide");
      return;
    }
  code = exs_web_sessions_create_link (exs_http_server_get_web_sessions (server), next, &error);
  if (code == NULL)
    {
      exs_http_reply_error (msg, 429, "too-many-links", "%s", error->message);
      return;
    }
  base = exs_base_url_for_message (msg, exs_config_get_string (ctx->config, "server", "public_base_url"));
  if (next)
    {
      g_autofree char *esc = g_uri_escape_string (next, "/", FALSE);
      url = g_strdup_printf ("%s/web/login?code=%s&next=%s", base, code, esc);
    }
  else
    url = g_strdup_printf ("%s/web/login?code=%s", base, code);
  json_object_set_string_member (reply, "url", url);
  json_object_set_int_member (reply, "expires_in", EXS_WEB_LINK_LIFETIME_S);
  exs_http_reply_object (msg, 201, reply);
}

/* A login with the token itself (the login page's form). Public: it is how a
 * browser gets a cookie. A foreign Origin is refused (login CSRF). */
static void
handle_session_create (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query,
                       gpointer data)
{
  g_autoptr (JsonObject) body = NULL;
  g_autofree char *token = NULL;
  g_autofree char *session = NULL;

  if (soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Origin") != NULL
      && !exs_web_sessions_origin_matches (msg))
    {
      exs_http_reply_error (msg, 403, "origin-mismatch", "log in from this server's own login page");
      return;
    }
  body = exs_http_read_json_object (msg);
  if (body == NULL || !exs_http_json_get_text (msg, body, "token", 256, TRUE, &token))
    return;
  if (!exs_http_server_token_matches (server, token))
    {
      g_message ("a browser login with a wrong token was refused");
      exs_http_reply_error (msg, 401, NULL, "that is not the admin token (see exstreamtv --show-token)");
      return;
    }
  session = exs_web_sessions_create_session (exs_http_server_get_web_sessions (server));
  exs_web_sessions_set_cookie (msg, session);
  soup_server_message_set_status (msg, 204, NULL);
}

static void
handle_session_get (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query,
                    gpointer data)
{
  g_autoptr (JsonObject) reply = json_object_new ();
  const char *auth = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Authorization");
  gboolean by_cookie = exs_web_sessions_authorize (exs_http_server_get_web_sessions (server), msg) == EXS_WEB_AUTH_OK;
  gboolean by_token = FALSE;

  if (auth && g_ascii_strncasecmp (auth, "Bearer ", 7) == 0)
    {
      auth += 7;
      while (*auth == ' ')
        auth++;
      by_token = exs_http_server_token_matches (server, auth);
    }

  if (!by_cookie && !by_token)
    {
      exs_http_reply_error (msg, 401, NULL, "not logged in");
      return;
    }
  json_object_set_boolean_member (reply, "authenticated", TRUE);
  json_object_set_string_member (reply, "via", by_cookie ? "cookie" : "token");
  exs_http_reply_object (msg, 200, reply);
}

static void
handle_session_delete (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query,
                       gpointer data)
{
  g_autofree char *cookie = exs_web_sessions_dup_cookie (msg);

  if (cookie)
    exs_web_sessions_revoke (exs_http_server_get_web_sessions (server), cookie);
  exs_web_sessions_clear_cookie (msg);
  soup_server_message_set_status (msg, 204, NULL);
}

void
exs_api_auth_register (ExsHttpServer *server, ExsApiContext *context)
{
  exs_http_server_add_route (server, "POST", "/api/auth/login-links", EXS_HTTP_ROUTE_DEFAULT, handle_create_link,
                             context);
  exs_http_server_add_route (server, "POST", "/api/auth/session", EXS_HTTP_ROUTE_PUBLIC, handle_session_create,
                             context);
  exs_http_server_add_route (server, "GET,HEAD", "/api/auth/session", EXS_HTTP_ROUTE_PUBLIC, handle_session_get,
                             context);
  exs_http_server_add_route (server, "DELETE", "/api/auth/session", EXS_HTTP_ROUTE_DEFAULT, handle_session_delete,
                             context);
}
