/* exs-api-logs.c: GET /api/logs, the server's recent log lines from the
 * ExsLogRing: ?level=debug|info|message|warning|critical (that level and
 * worse; default info) &channel=N &limit=1..2000 (default 500, the newest). */
#include "config.h"

#include "exs-api-context.h"
#include "exs-channel-number.h"
#include "exs-http-json.h"
#include "exs-log-ring.h"

static void
handle_logs (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  const char *level_text = query ? g_hash_table_lookup (query, "level") : NULL;
  const char *channel_text = query ? g_hash_table_lookup (query, "channel") : NULL;
  const char *limit_text = query ? g_hash_table_lookup (query, "limit") : NULL;
  GLogLevelFlags level = G_LOG_LEVEL_INFO;
  g_autofree char *channel = NULL;
  guint64 limit = 500;
  g_autoptr (JsonObject) root = json_object_new ();

  if (level_text && !exs_log_ring_parse_level (level_text, &level))
    {
      exs_http_reply_field_error (msg, 422, "level",
                                  "level must be debug, info, message, warning or critical, not “%s”", level_text);
      return;
    }
  if (channel_text && !exs_channel_number_parse (channel_text, &channel, NULL, NULL, NULL))
    {
      exs_http_reply_field_error (msg, 422, "channel", "“%s” is not a channel number (" EXS_CHANNEL_NUMBER_RULE ")",
                                  channel_text);
      return;
    }
  if (limit_text && !g_ascii_string_to_unsigned (limit_text, 10, 1, EXS_LOG_RING_SIZE, &limit, NULL))
    {
      exs_http_reply_field_error (msg, 422, "limit", "limit must be a whole number from 1 to %d", EXS_LOG_RING_SIZE);
      return;
    }
  json_object_set_array_member (root, "lines",
                                exs_log_ring_query (exs_log_ring_get_default (), level, channel, (guint) limit));
  exs_http_reply_object (msg, 200, root);
}

void
exs_api_logs_register (ExsHttpServer *server, ExsApiContext *context)
{
  exs_http_server_add_route (server, "GET,HEAD", "/api/logs", EXS_HTTP_ROUTE_DEFAULT, handle_logs, context);
}
