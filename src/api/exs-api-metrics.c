/* exs-api-metrics.c: GET /metrics (Prometheus) and GET /metrics/performance.
 *
 * Both are outside /api/, so they need no token: Prometheus scrapers on the
 * LAN rarely send one, and the numbers say nothing private (channel numbers,
 * counts, timings). Who may reach the port is the firewall's business, as
 * for the playlist and the streams. docs/api/resilience.md says so too.
 */
#include "config.h"

#include "exs-api-context.h"

#include "exs-http-json.h"

#include <string.h>

static void
handle_metrics (ExsHttpServer     *server,
                SoupServerMessage *msg,
                GHashTable        *params,
                GHashTable        *query,
                gpointer           user_data)
{
  ExsApiContext *ctx = user_data;
  char *text = exs_metrics_render_prometheus (ctx->metrics);

  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "text/plain; version=0.0.4; charset=utf-8", SOUP_MEMORY_TAKE, text,
                                    strlen (text));
}

static void
handle_performance (ExsHttpServer     *server,
                    SoupServerMessage *msg,
                    GHashTable        *params,
                    GHashTable        *query,
                    gpointer           user_data)
{
  ExsApiContext *ctx = user_data;
  const char *operation = query ? g_hash_table_lookup (query, "operation") : NULL;
  const char *window = query ? g_hash_table_lookup (query, "window") : NULL;
  double window_seconds = 0;
  g_autoptr (JsonObject) root = NULL;

  if (window)
    {
      char *end = NULL;
      window_seconds = g_ascii_strtod (window, &end);
      if (end == window || *end != '\0' || !(window_seconds > 0) || window_seconds > 86400 * 7)
        {
          exs_http_reply_field_error (msg, 400, "window", "window is a number of seconds from 1 to 604800, not “%s”",
                                      window);
          return;
        }
    }
  if (operation && operation[0] == '\0')
    operation = NULL;
  root = exs_metrics_dup_performance (ctx->metrics, operation, window_seconds);
  if (operation)
    json_object_set_string_member (root, "operation", operation);
  exs_http_reply_object (msg, 200, root);
}

void
exs_api_metrics_register (ExsHttpServer *server, ExsApiContext *context)
{
  if (context->metrics == NULL)
    return;
  exs_http_server_add_route (server, "GET,HEAD", "/metrics", EXS_HTTP_ROUTE_PUBLIC, handle_metrics, context);
  exs_http_server_add_route (server, "GET,HEAD", "/metrics/performance", EXS_HTTP_ROUTE_PUBLIC, handle_performance,
                             context);
}
