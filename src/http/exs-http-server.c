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
#include "exs-http-router.h"
#include "exs-web-sessions.h"

#include <errno.h>
#include <string.h>
#include <sys/resource.h>

/* One TCP connection libsoup serves, from its first request on. */
typedef struct
{
  ExsHttpServer *server;
  GSocket *socket;  /* weak: the entry goes when the socket is finalized */
  char *client;     /* the remote IP address */
  guint deadline_id;
} Connection;

struct _ExsHttpServer
{
  GObject parent_instance;

  SoupServer *soup;
  ExsHttpRouter *router;
  char *api_token;
  ExsWebSessions *web_sessions; /* browser logins: the cookie accepted beside the token */
  gsize max_body_bytes;
  ExsHttpLimits limits;
  GHashTable *connections; /* GSocket* -> Connection*, owned */
  GHashTable *per_client;  /* client address -> live connections (GUINT_TO_POINTER) */
  gboolean stopping;
  gboolean close_connections; /* libsoup < 3.3 leaks idle keep-alive connections */
};

G_DEFINE_TYPE (ExsHttpServer, exs_http_server, G_TYPE_OBJECT)

#define MATCH_KEY "exs-http-match"

static void on_socket_finalized (gpointer data, GObject *where_the_socket_was);

static void
connection_free (Connection *c)
{
  g_clear_handle_id (&c->deadline_id, g_source_remove);
  if (c->socket)
    g_object_weak_unref (G_OBJECT (c->socket), on_socket_finalized, c);
  g_free (c->client);
  g_free (c);
}

static void
exs_http_server_dispose (GObject *object)
{
  ExsHttpServer *self = EXS_HTTP_SERVER (object);

  if (self->soup)
    soup_server_disconnect (self->soup);
  g_clear_object (&self->soup);
  g_hash_table_remove_all (self->connections);
  g_clear_object (&self->web_sessions);
  G_OBJECT_CLASS (exs_http_server_parent_class)->dispose (object);
}

static void
exs_http_server_finalize (GObject *object)
{
  ExsHttpServer *self = EXS_HTTP_SERVER (object);

  g_clear_pointer (&self->router, exs_http_router_free);
  g_hash_table_unref (self->connections);
  g_hash_table_unref (self->per_client);
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
  const ExsHttpLimits defaults = {
    .request_timeout_ms = 15000,
    .max_connections = 512,
    .max_connections_per_client = 64,
  };
  self->web_sessions = exs_web_sessions_new ();

  self->router = exs_http_router_new ();
  self->limits = defaults;
  self->connections = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, (GDestroyNotify) connection_free);
  self->per_client = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
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
reply_method_not_allowed (SoupServerMessage *msg, const char *allow)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Allow", allow);
  exs_http_reply_error (msg, 405, NULL, "%s is not allowed here; allowed: %s", soup_server_message_get_method (msg),
                        allow);
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

static gboolean
is_state_changing (const char *method)
{
  return !(g_str_equal (method, "GET") || g_str_equal (method, "HEAD") || g_str_equal (method, "OPTIONS"));
}

/* A browser sends Origin on every cross-site request that can change state;
 * a request carrying one that is not this server's own origin comes from a
 * page on some other site and is refused, whatever it is for. Clients that
 * are not browsers send no Origin. */
static gboolean
origin_allowed (SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  const char *origin = soup_message_headers_get_one (headers, "Origin");
  const char *host = soup_message_headers_get_one (headers, "Host");
  g_autofree char *own = NULL;

  if (origin == NULL || !is_state_changing (soup_server_message_get_method (msg)))
    return TRUE;
  if (host == NULL)
    return FALSE;
  own = g_strconcat ("http://", host, NULL);
  return g_ascii_strcasecmp (origin, own) == 0;
}

/**
 * authorize_request:
 * @match: where the request's path and method lead
 *
 * The one place that decides whether a request may reach its handler, on the
 * same decoded path segments the route was found on. Admin requests (under
 * /api and not public, or any /api path that does not exist) need the admin
 * token; everything else is open on the LAN like a real tuner's. Another
 * credential (a session cookie) is checked here too when there is one.
 *
 * Returns: 0 if allowed, else the status to answer (401 or 403), which this
 * function has already set on @msg
 */
static guint
authorize_request (ExsHttpServer *self, SoupServerMessage *msg, const ExsHttpRouteMatch *match)
{
  if (!origin_allowed (msg))
    {
      exs_http_reply_error (msg, 403, "origin-mismatch",
                            "this request comes from a page on another site (Origin: %s); it is refused",
                            soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Origin"));
      return 403;
    }
  if (!match->admin || check_token (self, msg))
    return 0;
  /* the web UI's session cookie, with its same-Origin rule for changes */
  switch (exs_web_sessions_authorize (self->web_sessions, msg))
    {
    case EXS_WEB_AUTH_OK:
      return 0;
    case EXS_WEB_AUTH_ORIGIN_MISMATCH:
      exs_http_reply_error (msg, 403, "origin-mismatch",
                            "a request that changes something must come from this server's own pages "
                            "(its Origin header must be this server)");
      return 403;
    default:
      break;
    }
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "WWW-Authenticate",
                                "Bearer realm=\"exstreamtv\"");
  exs_http_reply_error (msg, 401, NULL,
                        "this needs the admin token: send “Authorization: Bearer <token>” "
                        "(see exstreamtv --show-token)");
  return 401;
}

/* Content-Length as a plain decimal number, once; libsoup would take "-5" or
 * two different values and misbehave later. */
static gboolean
content_length_valid (SoupMessageHeaders *headers)
{
  const char *value = soup_message_headers_get_list (headers, "Content-Length");

  if (value == NULL)
    return TRUE;
  if (value[0] == '\0' || strlen (value) > 18)
    return FALSE;
  for (const char *p = value; *p; p++)
    if (!g_ascii_isdigit (*p))
      return FALSE;
  return TRUE;
}

static void
on_early_request_cb (SoupServer        *soup,
                     SoupServerMessage *msg,
                     const char        *path,
                     GHashTable        *query,
                     gpointer           user_data)
{
  ExsHttpServer *self = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_request_headers (msg);
  /* libsoup has decoded the path once; the router does not decode again */
  const char *decoded_path = g_uri_get_path (soup_server_message_get_uri (msg));
  g_autoptr (ExsHttpRouteMatch) match = NULL;
  goffset length;

  if (self->close_connections)
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
  if (self->stopping)
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Connection", "close");
      exs_http_reply_error (msg, 503, NULL, "the server is shutting down");
      return;
    }
  match = exs_http_router_lookup (self->router, soup_server_message_get_method (msg), decoded_path);

  /* Bodies are bounded before anything else, so no client (with a token or
   * not) makes the server read more than the limit. */
  if (!content_length_valid (headers))
    {
      reject_early (msg, 400, "Content-Length must be one decimal number of bytes");
      return;
    }
  if (!(match->result == EXS_HTTP_LOOKUP_FOUND && (match->flags & EXS_HTTP_ROUTE_STREAMING_BODY)))
    {
      length = soup_message_headers_get_content_length (headers);
      if (soup_message_headers_get_encoding (headers) == SOUP_ENCODING_CHUNKED)
        {
          reject_early (msg, 411, "send the request body with a Content-Length, not chunked");
          return;
        }
      if (length > 0 && (guint64) length > self->max_body_bytes)
        {
          reject_early (msg, 413,
                        "the request body is %" G_GOFFSET_FORMAT " bytes; the limit is %" G_GSIZE_FORMAT
                        " (server.max_request_body_bytes)",
                        length, self->max_body_bytes);
          return;
        }
    }

  /* Authorization comes before 404/405 so that no answer under /api tells an
   * unauthenticated client anything, not even whether a path exists. */
  if (authorize_request (self, msg, match) != 0)
    return;

  switch (match->result)
    {
    case EXS_HTTP_LOOKUP_BAD_PATH:
      exs_http_reply_error (msg, 400, NULL, "the path is not valid UTF-8 or has a control character");
      return;
    case EXS_HTTP_LOOKUP_WRONG_METHOD:
      reply_method_not_allowed (msg, match->allow);
      return;
    case EXS_HTTP_LOOKUP_NOT_FOUND:
      exs_http_reply_error (msg, 404, NULL, "nothing here: %s", decoded_path);
      return;
    case EXS_HTTP_LOOKUP_FOUND:
      g_object_set_data_full (G_OBJECT (msg), MATCH_KEY, g_steal_pointer (&match),
                              (GDestroyNotify) exs_http_route_match_free);
      return;
    }
}

static void
on_request_cb (SoupServer        *soup,
               SoupServerMessage *msg,
               const char        *path,
               GHashTable        *query,
               gpointer           user_data)
{
  ExsHttpServer *self = user_data;
  ExsHttpRouteMatch *m = g_object_get_data (G_OBJECT (msg), MATCH_KEY);

  if (m == NULL)
    {
      /* Only reachable if the early stage did not run; answer safely. */
      exs_http_reply_error (msg, 404, NULL, "nothing here");
      return;
    }
  ((ExsHttpHandler) m->handler) (self, msg, m->params, query, m->user_data);
}

/* ---- connections: caps and the request deadline ---- */

static void
release_client (ExsHttpServer *self, const char *client)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (self->per_client, client));

  if (n <= 1)
    g_hash_table_remove (self->per_client, client);
  else
    g_hash_table_insert (self->per_client, g_strdup (client), GUINT_TO_POINTER (n - 1));
}

static void
on_socket_finalized (gpointer data, GObject *where_the_socket_was)
{
  Connection *c = data;
  ExsHttpServer *self = c->server;

  release_client (self, c->client);
  c->socket = NULL;
  g_hash_table_remove (self->connections, where_the_socket_was);
}

static gboolean
connection_is_closed (gpointer key, gpointer value, gpointer user_data)
{
  Connection *c = value;

  if (!g_socket_is_closed (c->socket))
    return FALSE;
  release_client (c->server, c->client);
  return TRUE;
}

/* The client took too long to send a whole request (slowloris): shutting
 * the socket down ends libsoup's read, and libsoup drops the connection. */
static gboolean
on_deadline_cb (gpointer data)
{
  Connection *c = data;

  c->deadline_id = 0;
  g_debug ("closing a connection from %s: no whole request within %u ms", c->client,
           c->server->limits.request_timeout_ms);
  g_socket_shutdown (c->socket, TRUE, TRUE, NULL);
  return G_SOURCE_REMOVE;
}

static char *
dup_client_address (SoupServerMessage *msg)
{
  GSocketAddress *remote = soup_server_message_get_remote_address (msg);

  if (remote == NULL || !G_IS_INET_SOCKET_ADDRESS (remote))
    return g_strdup ("unknown");
  return g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
}

/* libsoup starts reading a request: the first on a connection, or the next
 * one on a kept-alive connection. Caps apply to new connections; the
 * deadline runs until the whole request (headers and body) has been read. */
static void
on_request_started_cb (SoupServer *soup, SoupServerMessage *msg, gpointer user_data)
{
  ExsHttpServer *self = user_data;
  GSocket *socket = soup_server_message_get_socket (msg);
  Connection *c;
  guint n;

  if (socket == NULL)
    return;
  c = g_hash_table_lookup (self->connections, socket);
  if (c == NULL)
    {
      g_autofree char *client = dup_client_address (msg);

      /* A socket libsoup has closed may outlive its descriptor for a while
       * (a message still holds it); it no longer counts. */
      g_hash_table_foreach_remove (self->connections, connection_is_closed, NULL);

      n = GPOINTER_TO_UINT (g_hash_table_lookup (self->per_client, client));
      if (g_hash_table_size (self->connections) >= self->limits.max_connections
          || n >= self->limits.max_connections_per_client)
        {
          g_debug ("refusing a connection from %s: %u open from there, %u in all (server.max_connections%s)", client,
                   n, g_hash_table_size (self->connections),
                   n >= self->limits.max_connections_per_client ? "_per_client" : "");
          g_socket_shutdown (socket, TRUE, TRUE, NULL);
          return;
        }
      c = g_new0 (Connection, 1);
      c->server = self;
      c->socket = socket;
      c->client = g_steal_pointer (&client);
      g_object_weak_ref (G_OBJECT (socket), on_socket_finalized, c);
      g_hash_table_insert (self->connections, socket, c);
      g_hash_table_insert (self->per_client, g_strdup (c->client), GUINT_TO_POINTER (n + 1));
    }
  g_clear_handle_id (&c->deadline_id, g_source_remove);
  c->deadline_id = g_timeout_add (self->limits.request_timeout_ms, on_deadline_cb, c);
}

/* The whole request has arrived: from here its handler owns the connection's
 * time (a stream handed to a channel lives as long as the viewer watches). */
static void
on_request_read_cb (SoupServer *soup, SoupServerMessage *msg, gpointer user_data)
{
  ExsHttpServer *self = user_data;
  GSocket *socket = soup_server_message_get_socket (msg);
  Connection *c = socket ? g_hash_table_lookup (self->connections, socket) : NULL;

  if (c != NULL)
    g_clear_handle_id (&c->deadline_id, g_source_remove);
}

/* Lets the server hold as many sockets as the system allows this process:
 * the soft limit (often 1024) is raised to the hard one. */
static void
raise_descriptor_limit (void)
{
  struct rlimit rl;

  if (getrlimit (RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= rl.rlim_max)
    return;
  rl.rlim_cur = rl.rlim_max;
  if (setrlimit (RLIMIT_NOFILE, &rl) != 0)
    g_debug ("could not raise the descriptor limit: %s", g_strerror (errno));
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
  raise_descriptor_limit ();
  g_signal_connect (self->soup, "request-started", G_CALLBACK (on_request_started_cb), self);
  g_signal_connect (self->soup, "request-read", G_CALLBACK (on_request_read_cb), self);
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
  exs_http_router_add (self->router, methods, pattern, flags, EXS_HTTP_ROUTE_PUBLIC, G_CALLBACK (handler), user_data);
}

/**
 * exs_http_server_set_limits:
 *
 * Sets the connection limits (see ExsHttpLimits); they apply to
 * connections opened from then on. A zero field keeps its current value.
 */
void
exs_http_server_set_limits (ExsHttpServer *self, const ExsHttpLimits *limits)
{
  if (limits->request_timeout_ms)
    self->limits.request_timeout_ms = limits->request_timeout_ms;
  if (limits->max_connections)
    self->limits.max_connections = limits->max_connections;
  if (limits->max_connections_per_client)
    self->limits.max_connections_per_client = limits->max_connections_per_client;
}

/**
 * exs_http_server_get_n_connections:
 *
 * Returns: the connections open now (streams handed to channels included)
 */
guint
exs_http_server_get_n_connections (ExsHttpServer *self)
{
  return g_hash_table_size (self->connections);
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
        g_set_error (error, EXS_HTTP_ERROR, EXS_HTTP_ERROR_INVALID_ADDRESS, "“%s” is not an IP address",
                     bind_address);
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
