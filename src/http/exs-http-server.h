/* exs-http-server.h: the SoupServer, routing by path pattern, auth, limits */
#pragma once

#include <libsoup/soup.h>

#include "exs-web-sessions.h"

G_BEGIN_DECLS

typedef enum
{
  EXS_HTTP_ROUTE_DEFAULT = 0,
  EXS_HTTP_ROUTE_PUBLIC = 1 << 0, /* no token needed even under /api/ */
  EXS_HTTP_ROUTE_STREAMING_BODY = 1 << 1, /* the handler reads the request body itself */
} ExsHttpRouteFlags;

/**
 * ExsHttpLimits:
 * @request_timeout_ms: a connection must deliver a whole request (headers
 *   and body) this soon after it opens or after its previous response
 *   (server.request_timeout_s)
 * @max_connections: connections open at once, streams included; more are
 *   closed as they arrive (server.max_connections)
 * @max_connections_per_client: the same, per client IP address
 *   (server.max_connections_per_client)
 */
typedef struct
{
  guint request_timeout_ms;
  guint max_connections;
  guint max_connections_per_client;
} ExsHttpLimits;

#define EXS_TYPE_HTTP_SERVER (exs_http_server_get_type ())
G_DECLARE_FINAL_TYPE (ExsHttpServer, exs_http_server, EXS, HTTP_SERVER, GObject)

/**
 * ExsHttpHandler:
 * @params: (element-type utf8 utf8): the pattern's {captures}, URL-decoded
 * @query: (element-type utf8 utf8) (nullable): the query string, decoded
 *
 * Handles one request on the main loop. It must set a status, pause the
 * message, or steal its connection before returning.
 */
typedef void (*ExsHttpHandler) (ExsHttpServer     *server,
                                SoupServerMessage *msg,
                                GHashTable        *params,
                                GHashTable        *query,
                                gpointer           user_data);

ExsHttpServer *exs_http_server_new (const char *api_token,
                                    gsize       max_body_bytes);
void exs_http_server_add_route (ExsHttpServer     *self,
                                const char        *methods,
                                const char        *pattern,
                                ExsHttpRouteFlags  flags,
                                ExsHttpHandler     handler,
                                gpointer           user_data);
void exs_http_server_set_limits (ExsHttpServer       *self,
                                 const ExsHttpLimits *limits);
guint exs_http_server_get_n_connections (ExsHttpServer *self);
gboolean exs_http_server_listen (ExsHttpServer  *self,
                                 const char     *bind_address,
                                 guint           port,
                                 GError        **error);
guint exs_http_server_get_port (ExsHttpServer *self);
void exs_http_server_stop (ExsHttpServer *self);
gboolean exs_http_server_is_stopping (ExsHttpServer *self);
SoupServer *exs_http_server_get_soup_server (ExsHttpServer *self);
ExsWebSessions *exs_http_server_get_web_sessions (ExsHttpServer *self);
gboolean exs_http_server_token_matches (ExsHttpServer *self,
                                        const char    *given);

G_END_DECLS
