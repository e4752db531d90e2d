/* exs-http-server.c: ExsHttpServer, the one HTTP front door.
 *
 * Owns the SoupServer and a table of routes ("GET,HEAD /api/channels/{number}").
 * Everything that applies to every request happens here, once, before any
 * handler runs (in libsoup's early-handler stage, before a body is read):
 *   - routing, with 404 for unknown paths and 405 (+ Allow) for a known path
 *     asked with the wrong method;
 *   - the admin token on /api/ (except routes marked public), or a web UI
 *     session cookie (ExsWebSessions: same origin for changes), 401 otherwise;
 *   - the request body limit, 413 from Content-Length before reading a byte.
 * Viewer-facing routes (streams, playlist, guide, HDHomeRun) are not under
 * /api/ and stay open on the LAN like a real tuner's. Main thread only.
 */
#include "config.h"

#include "exs-http-server.h"

#include "exs-http-json.h"
#include "exs-web-sessions.h"

#include <string.h>

typedef struct
{
  char **methods;   /* NULL-terminated, upper case */
  char **segments;  /* pattern split on '/', first is "" */
  ExsHttpRouteFlags flags;
  ExsHttpHandler handler;
  gpointer user_data;
} Route;

typedef struct
{
  Route *route;
  GHashTable *params;
} Match;

struct _ExsHttpServer
{
  GObject parent_instance;

  SoupServer *soup;
  GPtrArray *routes; /* Route*, owned */
  char *api_token;
  ExsWebSessions *web_sessions; /* browser logins: the cookie accepted beside the token */
  gsize max_body_bytes;
  gboolean stopping;
  gboolean close_connections; /* libsoup < 3.3 leaks idle keep-alive connections */
};

G_DEFINE_TYPE (ExsHttpServer, exs_http_server, G_TYPE_OBJECT)

#define MATCH_KEY "exs-http-match"

static void
route_free (Route *r)
{
  g_strfreev (r->methods);
  g_strfreev (r->segments);
  g_free (r);
}

static void
match_free (Match *m)
{
  g_hash_table_unref (m->params);
  g_free (m);
}

static void
exs_http_server_dispose (GObject *object)
{
  ExsHttpServer *self = EXS_HTTP_SERVER (object);

  if (self->soup)
    soup_server_disconnect (self->soup);
  g_clear_object (&self->soup);
  g_clear_object (&self->web_sessions);
  G_OBJECT_CLASS (exs_http_server_parent_class)->dispose (object);
}

static void
exs_http_server_finalize (GObject *object)
{
  ExsHttpServer *self = EXS_HTTP_SERVER (object);

  g_ptr_array_unref (self->routes);
  g_free (self->api_token);
  G_OBJECT_CLASS (exs_http_server_parent_class)->finalize (object);
}

static void
exs_http_server_class_init (ExsHttpServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = exs_http_server_dispose;
  object_class->finalize = exs_http_server_finalize;
}

static void
exs_http_server_init (ExsHttpServer *self)
{
  self->routes = g_ptr_array_new_with_free_func ((GDestroyNotify) route_free);
  self->web_sessions = exs_web_sessions_new ();
}

/* Matches one pattern segment such as "{number}.ts" against a path segment. */
static gboolean
match_segment (const char *pattern, const char *segment, GHashTable *params)
{
  const char *open = strchr (pattern, '{');
  const char *close;
  gsize prefix_len, suffix_len, seg_len = strlen (segment);
  g_autofree char *name = NULL;

  if (open == NULL)
    return g_str_equal (pattern, segment);
  close = strchr (open, '}');
  g_assert (close != NULL);
  prefix_len = (gsize) (open - pattern);
  suffix_len = strlen (close + 1);
  if (seg_len < prefix_len + suffix_len + 1)
    return FALSE;
  if (strncmp (segment, pattern, prefix_len) != 0
      || strcmp (segment + seg_len - suffix_len, close + 1) != 0)
    return FALSE;
  name = g_strndup (open + 1, (gsize) (close - open - 1));
  g_hash_table_replace (params, g_steal_pointer (&name),
                        g_strndup (segment + prefix_len, seg_len - prefix_len - suffix_len));
  return TRUE;
}

static GHashTable *
match_route (Route *r, char **segments)
{
  g_autoptr (GHashTable) params = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  guint n = g_strv_length (segments);

  if (n != g_strv_length (r->segments))
    return NULL;
  for (guint i = 0; i < n; i++)
    if (!match_segment (r->segments[i], segments[i], params))
      return NULL;
  return g_steal_pointer (&params);
}

/* Splits and URL-decodes a raw path; NULL if it has invalid escapes. */
static char **
split_path (const char *raw_path)
{
  g_auto (GStrv) parts = g_strsplit (raw_path, "/", -1);
  guint n = g_strv_length (parts);
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();

  /* Ignore one trailing slash: /api/channels/ is /api/channels. */
  if (n > 2 && parts[n - 1][0] == '\0')
    n--;
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *dec = g_uri_unescape_string (parts[i], NULL);
      if (dec == NULL || !g_utf8_validate (dec, -1, NULL))
        return NULL;
      g_strv_builder_add (b, dec);
    }
  return g_strv_builder_end (b);
}

static gboolean
is_api_path (const char *path)
{
  return g_str_equal (path, "/api") || g_str_has_prefix (path, "/api/");
}

static gboolean
token_matches (const char *expected, const char *given)
{
  gsize a = strlen (expected), b = strlen (given);
  guint diff = (guint) (a ^ b);

  /* Constant time over the expected token's length. */
  for (gsize i = 0; i < a; i++)
    diff |= (guint) (expected[i] ^ (i < b ? given[i] : 0));
  return diff == 0;
}

static gboolean
check_token (ExsHttpServer *self, SoupServerMessage *msg)
{
  const char *auth = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Authorization");

  if (auth == NULL || g_ascii_strncasecmp (auth, "Bearer ", 7) != 0)
    return FALSE;
  auth += 7;
  while (*auth == ' ')
    auth++;
  return token_matches (self->api_token, auth);
}

static void
reply_method_not_allowed (SoupServerMessage *msg, GPtrArray *allowed)
{
  g_autoptr (GString) allow = g_string_new (NULL);

  for (guint i = 0; i < allowed->len; i++)
    {
      if (strstr (allow->str, allowed->pdata[i]) != NULL)
        continue;
      if (allow->len)
        g_string_append (allow, ", ");
      g_string_append (allow, allowed->pdata[i]);
    }
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", allow->str);
  exs_http_reply_error (msg, 405, NULL, "%s is not allowed here; allowed: %s", soup_server_message_get_method (msg),
                        allow->str);
}

static void
on_reject_written_cb (GObject *stream, GAsyncResult *res, gpointer user_data)
{
  GIOStream *io = user_data;

  g_output_stream_write_all_finish (G_OUTPUT_STREAM (stream), res, NULL, NULL);
  g_io_stream_close (io, NULL, NULL);
  g_object_unref (io);
}

/* Answers before the body is read and closes the connection, so a client
 * announcing 50 MB (or a chunked body) is not read at all. libsoup would
 * otherwise consume the body before sending any status. */
static void
reject_early (SoupServerMessage *msg, guint status, const char *format, ...) G_GNUC_PRINTF (3, 4);

static void
reject_early (SoupServerMessage *msg, guint status, const char *format, ...)
{
  g_autofree char *message = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *body = NULL;
  GString *out;
  GIOStream *io;
  gsize len;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "error");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "code");
  json_builder_add_string_value (b, exs_http_error_code_for_status (status));
  json_builder_set_member_name (b, "message");
  json_builder_add_string_value (b, message);
  json_builder_end_object (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  body = json_to_string (root, TRUE);
  len = strlen (body);

  out = g_string_new (NULL);
  g_string_append_printf (out,
                          "HTTP/1.1 %u %s\r\nServer: " PACKAGE_NAME "/" PACKAGE_VERSION "\r\n"
                          "Content-Type: application/json\r\nContent-Length: %" G_GSIZE_FORMAT "\r\n"
                          "Connection: close\r\n\r\n%s",
                          status, soup_status_get_phrase (status), len, body);
  io = soup_server_message_steal_connection (msg);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (io), out->str, out->len, G_PRIORITY_DEFAULT,
                                   NULL, on_reject_written_cb, io);
  /* the buffer must live until the write completes */
  g_object_set_data_full (G_OBJECT (io), "exs-reject-buffer", g_string_free (out, FALSE), g_free);
}

static void
on_early_request_cb (SoupServer        *soup,
                     SoupServerMessage *msg,
                     const char        *path,
                     GHashTable        *query,
                     gpointer           user_data)
{
  ExsHttpServer *self = user_data;
  const char *method = soup_server_message_get_method (msg);
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *raw_path = g_uri_get_path (soup_server_message_get_uri (msg));
  g_auto (GStrv) segments = split_path (raw_path);
  g_autoptr (GPtrArray) allowed = g_ptr_array_new ();
  Match *found = NULL;
  goffset length;

  if (self->close_connections)
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
  if (self->stopping)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
      exs_http_reply_error (msg, 503, NULL, "the server is shutting down");
      return;
    }
  if (segments == NULL)
    {
      exs_http_reply_error (msg, 400, NULL, "the path is not valid UTF-8 or has a bad %%-escape");
      return;
    }

  for (guint i = 0; i < self->routes->len && found == NULL; i++)
    {
      Route *r = self->routes->pdata[i];
      GHashTable *params = match_route (r, segments);

      if (params == NULL)
        continue;
      if (!g_strv_contains ((const char *const *) r->methods, method))
        {
          for (guint m = 0; r->methods[m]; m++)
            g_ptr_array_add (allowed, r->methods[m]);
          g_hash_table_unref (params);
          continue;
        }
      found = g_new0 (Match, 1);
      found->route = r;
      found->params = params;
    }

  /* Bodies are bounded before anything else, so no client (with a token or
   * not) makes the server read more than the limit. */
  if (!(found && (found->route->flags & EXS_HTTP_ROUTE_STREAMING_BODY)))
    {
      length = soup_message_headers_get_content_length (headers);
      if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CHUNKED)
        {
          if (found)
            match_free (found);
          reject_early (msg, 411, "send the request body with a Content-Length, not chunked");
          return;
        }
      if (length > 0 && (guint64) length > self->max_body_bytes)
        {
          if (found)
            match_free (found);
          reject_early (msg, 413,
                        "the request body is %" G_GOFFSET_FORMAT " bytes; the limit is %" G_GSIZE_FORMAT
                        " (server.max_request_body_bytes)",
                        length, self->max_body_bytes);
          return;
        }
    }

  /* The token comes first on /api/ so that no answer there tells an
   * unauthenticated client anything, not even whether a path exists. */
  if (is_api_path (raw_path) && !(found && (found->route->flags & EXS_HTTP_ROUTE_PUBLIC))
      && !check_token (self, msg))
    {
      ExsWebAuth web = exs_web_sessions_authorize (self->web_sessions, msg);

      if (web == EXS_WEB_AUTH_OK)
        goto authorized;
      if (found)
        match_free (found);
      if (web == EXS_WEB_AUTH_ORIGIN_MISMATCH)
        {
          exs_http_reply_error (msg, 403, "origin-mismatch",
                                "a request that changes something must come from this server's own pages "
                                "(its Origin header must be this server)");
          return;
        }
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "WWW-Authenticate",
                                    "Bearer realm=\"exstreamtv\"");
      exs_http_reply_error (msg, 401, NULL,
                            "this needs the admin token: send “Authorization: Bearer <token>” "
                            "(see exstreamtv --show-token)");
      return;
    }

authorized:
  if (found == NULL)
    {
      if (allowed->len > 0)
        reply_method_not_allowed (msg, allowed);
      else
        exs_http_reply_error (msg, 404, NULL, "nothing here: %s", raw_path);
      return;
    }

  g_object_set_data_full (G_OBJECT (msg), MATCH_KEY, found, (GDestroyNotify) match_free);
}

static void
on_request_cb (SoupServer        *soup,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  ExsHttpServer *self = user_data;
  Match *m = g_object_get_data (G_OBJECT (msg), MATCH_KEY);

  if (m == NULL)
    {
      /* Only reachable if the early stage did not run; answer safely. */
      exs_http_reply_error (msg, 404, NULL, "nothing here");
      return;
    }
  m->route->handler (self, msg, m->params, query, m->route->user_data);
}

/**
 * exs_http_server_new:
 * @api_token: the bearer token that /api/ requests must carry
 * @max_body_bytes: the request body limit (413 above it)
 *
 * Returns: (transfer full): a server with no routes, not yet listening
 */
ExsHttpServer *
exs_http_server_new (const char *api_token, gsize max_body_bytes)
{
  ExsHttpServer *self = g_object_new (EXS_TYPE_HTTP_SERVER, NULL);

  self->api_token = g_strdup (api_token);
  self->max_body_bytes = max_body_bytes;
  self->soup = soup_server_new ("server-header", PACKAGE_NAME "/" PACKAGE_VERSION " ", NULL);
  /* libsoup before 3.3.0 (Debian 12 has 3.2.2) never closes a kept-alive
   * connection that the client closed: every keep-alive client (curl, Plex,
   * a browser) left a socket in CLOSE_WAIT, an FD for good. Seen in the soak.
   * Closing after each response costs a handshake per request on a LAN;
   * streams steal their connection and are not affected. */
  self->close_connections = !soup_check_version (3, 3, 0);
  soup_server_add_early_handler (self->soup, NULL, on_early_request_cb, self, NULL);
  soup_server_add_handler (self->soup, NULL, on_request_cb, self, NULL);
  return self;
}

/**
 * exs_http_server_add_route:
 * @methods: comma-separated methods, e.g. "GET,HEAD"
 * @pattern: a path with {name} captures, e.g. "/iptv/channel/{number}.ts"
 * @user_data: (transfer none): passed to @handler; must outlive the server
 *
 * Routes are tried in the order they were added.
 */
void
exs_http_server_add_route (ExsHttpServer    *self,
                           const char       *methods,
                           const char       *pattern,
                           ExsHttpRouteFlags flags,
                           ExsHttpHandler    handler,
                           gpointer          user_data)
{
  Route *r = g_new0 (Route, 1);

  g_return_if_fail (pattern[0] == '/');
  r->methods = g_strsplit (methods, ",", -1);
  for (guint i = 0; r->methods[i]; i++)
    g_strstrip (r->methods[i]);
  r->segments = g_strsplit (pattern, "/", -1);
  r->flags = flags;
  r->handler = handler;
  r->user_data = user_data;
  g_ptr_array_add (self->routes, r);
}

/**
 * exs_http_server_listen:
 * @bind_address: an IP address; "0.0.0.0" or "::" listen on every interface
 * @port: a TCP port, 0 for any free one (see exs_http_server_get_port())
 */
gboolean
exs_http_server_listen (ExsHttpServer *self, const char *bind_address, guint port, GError **error)
{
  if (g_str_equal (bind_address, "0.0.0.0") || g_str_equal (bind_address, "::"))
    {
      g_autoptr (GError) local = NULL;

      if (soup_server_listen_all (self->soup, port, 0, &local))
        return TRUE;
      /* A host without IPv6 still gets IPv4 on every interface. */
      if (g_str_equal (bind_address, "::"))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      g_debug ("listening on all addresses failed (%s), trying IPv4 only", local->message);
      soup_server_disconnect (self->soup);
    }
  {
    g_autoptr (GSocketAddress) addr = g_inet_socket_address_new_from_string (bind_address, port);

    if (addr == NULL)
      {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "“%s” is not an IP address", bind_address);
        return FALSE;
      }
    return soup_server_listen (self->soup, addr, 0, error);
  }
}

/**
 * exs_http_server_get_port:
 *
 * Returns: the port actually listened on (useful after listening on port 0)
 */
guint
exs_http_server_get_port (ExsHttpServer *self)
{
  GSList *listeners = soup_server_get_listeners (self->soup);
  guint port = 0;

  for (GSList *l = listeners; l && port == 0; l = l->next)
    {
      g_autoptr (GSocketAddress) addr = g_socket_get_local_address (l->data, NULL);
      if (addr && G_IS_INET_SOCKET_ADDRESS (addr))
        port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (addr));
    }
  g_slist_free (listeners);
  return port;
}

/**
 * exs_http_server_stop:
 *
 * Stops accepting: closes the listeners and every connection libsoup still
 * owns. Stolen (streaming) connections belong to their channel.
 */
void
exs_http_server_stop (ExsHttpServer *self)
{
  self->stopping = TRUE;
  if (self->soup)
    soup_server_disconnect (self->soup);
}

gboolean
exs_http_server_is_stopping (ExsHttpServer *self)
{
  return self->stopping;
}

/**
 * exs_http_server_token_matches:
 *
 * Returns: whether @given is the admin token (compared in constant time)
 */
gboolean
exs_http_server_token_matches (ExsHttpServer *self, const char *given)
{
  return given != NULL && token_matches (self->api_token, given);
}

/**
 * exs_http_server_get_web_sessions:
 *
 * Returns: (transfer none): the browser sessions whose cookie /api/ accepts
 */
ExsWebSessions *
exs_http_server_get_web_sessions (ExsHttpServer *self)
{
  return self->web_sessions;
}

/**
 * exs_http_server_get_soup_server:
 *
 * Returns: (transfer none): the underlying SoupServer
 */
SoupServer *
exs_http_server_get_soup_server (ExsHttpServer *self)
{
  return self->soup;
}
