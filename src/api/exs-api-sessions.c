/* exs-api-sessions.c: the web UI's view of viewers and of the restart guard.
 *
 * exs_api_sessions_add_details() gives each GET /api/sessions item what the
 * sessions page shows (channel, client, user agent, since, bytes, kind),
 * from the session manager and the channel's live viewer, and adds the HLS
 * viewers (ExsHlsViewers: one per client and player, "hls-N").
 *   DELETE /api/sessions/{id}                  disconnects a TS or HLS viewer
 *   GET    /api/guards                         breakers and restart guards
 *   POST   /api/channels/{number}/breaker/reset closes a channel's breaker
 *   POST   /api/channels/{number}/restart      a restart, through the guard
 */
#include "config.h"

#include "exs-api-channels-private.h"
#include "exs-api-context.h"
#include "exs-api-format.h"
#include "exs-channel-manager.h"
#include "exs-hls-viewers.h"
#include "exs-http-json.h"
#include "exs-json-members.h"

/* The running viewer with this session id, and its channel; NULL if none. */
static ExsViewer *
find_viewer (ExsApiContext *ctx, guint64 session_id, ExsChannel **channel)
{
  g_autoptr (GPtrArray) channels = NULL;

  if (ctx->channel_manager == NULL || session_id == 0)
    return NULL;
  channels = exs_channel_manager_dup_channels (ctx->channel_manager);
  for (guint i = 0; i < channels->len; i++)
    {
      g_autoptr (GPtrArray) viewers = exs_channel_dup_viewers (channels->pdata[i]);

      for (guint v = 0; v < viewers->len; v++)
        if (exs_viewer_get_session_id (viewers->pdata[v]) == session_id)
          {
            if (channel)
              *channel = g_object_ref (channels->pdata[i]);
            return g_object_ref (viewers->pdata[v]);
          }
    }
  return NULL;
}

/**
 * exs_api_sessions_add_details:
 * @root: a dup_sessions_json() document, changed in place
 * @channel_number: (nullable): the listing's channel filter
 */
void
exs_api_sessions_add_details (ExsApiContext *ctx, JsonObject *root, const char *channel_number)
{
  JsonArray *arr = json_object_get_array_member (root, "sessions");
  gint64 now_s = g_get_real_time () / G_USEC_PER_SEC;

  if (arr == NULL)
    return;
  exs_hls_viewers_add_json (exs_hls_viewers_get_default (), channel_number, arr);
  for (guint i = 0; i < json_array_get_length (arr); i++)
    {
      JsonObject *o = json_array_get_object_element (arr, i);
      gboolean hls = json_object_has_member (o, "kind");
      g_autofree char *since =
          exs_api_format_time (now_s - (gint64) json_object_get_double_member (o, "duration_seconds"));

      json_object_set_string_member (o, "channel", json_object_get_string_member (o, "channel_number"));
      json_object_set_string_member (o, "client", json_object_get_string_member (o, "client_address"));
      json_object_set_int_member (o, "bytes", json_object_get_int_member (o, "bytes_sent"));
      json_object_set_string_member (o, "since", since);
      if (!hls)
        {
          g_autoptr (ExsViewer) viewer = find_viewer (ctx, (guint64) json_object_get_int_member (o, "id"), NULL);
          const char *ua = viewer ? g_object_get_data (G_OBJECT (viewer), "exs-user-agent") : NULL;

          json_object_set_string_member (o, "kind", "ts");
          exs_json_set_string_or_null (o, "user_agent", ua);
        }
    }
}

static void
handle_delete (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  ExsApiContext *ctx = data;
  const char *id_text = g_hash_table_lookup (params, "id");
  g_autoptr (ExsChannel) channel = NULL;
  g_autoptr (ExsViewer) viewer = NULL;
  guint64 id = 0;

  if (g_str_has_prefix (id_text, "hls-"))
    {
      g_autofree char *number = NULL;
      g_autofree char *client = NULL;

      if (!exs_hls_viewers_disconnect (exs_hls_viewers_get_default (), id_text, &number, &client))
        {
          exs_http_reply_error (msg, 404, NULL, "no HLS viewer has session %s (any more)", id_text);
          return;
        }
      g_message ("channel %s: HLS viewer %s (session %s) disconnected through the API; refused for %d s", number,
                 client, id_text, EXS_HLS_VIEWER_BAN_SECONDS);
      soup_server_message_set_status (msg, 204, NULL);
      return;
    }
  if (!g_ascii_string_to_unsigned (id_text, 10, 1, G_MAXINT64, &id, NULL)
      || (viewer = find_viewer (ctx, id, &channel)) == NULL)
    {
      exs_http_reply_error (msg, 404, NULL, "no viewer is connected with session %s", id_text);
      return;
    }
  g_message ("channel %s: viewer %s (session %" G_GUINT64_FORMAT ") disconnected through the API",
             exs_channel_get_number (channel), exs_viewer_get_remote_address (viewer), id);
  exs_channel_remove_viewer (channel, viewer, "disconnected by the administrator");
  soup_server_message_set_status (msg, 204, NULL);
}

static void
handle_guards (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  ExsApiContext *ctx = data;
  g_autoptr (JsonObject) root = exs_restart_guard_dup_json (ctx->restart_guard);

  exs_http_reply_object (msg, 200, root);
}

/* The canonical number of an existing channel, or NULL after a reply. */
static char *
existing_channel (ExsApiContext *ctx, SoupServerMessage *msg, GHashTable *params)
{
  g_autoptr (ExsChannelRecord) record = exs_api_channels_lookup (ctx, msg, params);

  return record ? g_strdup (record->number) : NULL;
}

static void
handle_breaker_reset (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query,
                      gpointer data)
{
  ExsApiContext *ctx = data;
  g_autofree char *number = existing_channel (ctx, msg, params);
  g_autoptr (JsonObject) root = NULL;

  if (number == NULL)
    return;
  exs_restart_guard_reset_breaker (ctx->restart_guard, number);
  root = exs_restart_guard_dup_channel_json (ctx->restart_guard, number);
  json_object_set_string_member (root, "number", number);
  exs_http_reply_object (msg, 200, root);
}

/* A person's restart: refused (409, with the guard's reason) like any other
 * when the breaker is open, in the cooldown or in a storm. */
static void
handle_restart (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  ExsApiContext *ctx = data;
  g_autofree char *number = existing_channel (ctx, msg, params);
  g_autofree char *why_not = NULL;
  g_autoptr (JsonObject) root = NULL;

  if (number == NULL)
    return;
  if (ctx->channel_manager == NULL || exs_channel_manager_get_channel (ctx->channel_manager, number) == NULL)
    {
      exs_http_reply_error (msg, 409, NULL, "channel %s is not playing: there is nothing to restart", number);
      return;
    }
  if (exs_restart_guard_request_restart (ctx->restart_guard, number, "asked for through the API", &why_not)
      != EXS_RESTART_ALLOWED)
    {
      exs_http_reply_error (msg, 409, NULL, "the restart guard refused: %s", why_not);
      return;
    }
  root = exs_restart_guard_dup_channel_json (ctx->restart_guard, number);
  json_object_set_string_member (root, "number", number);
  exs_http_reply_object (msg, 202, root);
}

void
exs_api_sessions_register (ExsHttpServer *server, ExsApiContext *context)
{
  if (context->restart_guard)
    {
      exs_http_server_add_route (server, "GET,HEAD", "/api/guards", EXS_HTTP_ROUTE_DEFAULT, handle_guards, context);
      exs_http_server_add_route (server, "POST", "/api/channels/{number}/breaker/reset", EXS_HTTP_ROUTE_DEFAULT,
                                 handle_breaker_reset, context);
      exs_http_server_add_route (server, "POST", "/api/channels/{number}/restart", EXS_HTTP_ROUTE_DEFAULT,
                                 handle_restart, context);
    }
  if (context->sessions == NULL)
    return;
  exs_http_server_add_route (server, "DELETE", "/api/sessions/{id}", EXS_HTTP_ROUTE_DEFAULT, handle_delete, context);
}
