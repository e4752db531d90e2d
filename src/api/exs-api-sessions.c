/* exs-api-sessions.c: the web UI's view of viewers.
 *
 * exs_api_sessions_add_details() gives each GET /api/sessions item what the
 * sessions page shows (channel, client, user agent, since, bytes, kind),
 * from the session manager and the channel's live viewer;
 * DELETE /api/sessions/{id} disconnects that viewer.
 * HLS viewers fetch segments and hold no connection, so sessions are TS.
 */
#include "config.h"

#include "exs-api-context.h"
#include "exs-api-format.h"
#include "exs-channel-manager.h"
#include "exs-http-json.h"

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
 */
void
exs_api_sessions_add_details (ExsApiContext *ctx, JsonObject *root)
{
  JsonArray *arr = json_object_get_array_member (root, "sessions");
  gint64 now_s = g_get_real_time () / G_USEC_PER_SEC;

  for (guint i = 0; arr && i < json_array_get_length (arr); i++)
    {
      JsonObject *o = json_array_get_object_element (arr, i);
      g_autoptr (ExsViewer) viewer = find_viewer (ctx, (guint64) json_object_get_int_member (o, "id"), NULL);
      const char *ua = viewer ? g_object_get_data (G_OBJECT (viewer), "exs-user-agent") : NULL;
      g_autofree char *since =
          exs_api_format_time (now_s - (gint64) json_object_get_double_member (o, "duration_seconds"));

      json_object_set_string_member (o, "channel", json_object_get_string_member (o, "channel_number"));
      json_object_set_string_member (o, "client", json_object_get_string_member (o, "client_address"));
      json_object_set_int_member (o, "bytes", json_object_get_int_member (o, "bytes_sent"));
      json_object_set_string_member (o, "since", since);
      json_object_set_string_member (o, "kind", "ts");
      if (ua)
        json_object_set_string_member (o, "user_agent", ua);
      else
        json_object_set_null_member (o, "user_agent");
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

void
exs_api_sessions_register (ExsHttpServer *server, ExsApiContext *context)
{
  if (context->sessions == NULL)
    return;
  exs_http_server_add_route (server, "DELETE", "/api/sessions/{id}", EXS_HTTP_ROUTE_DEFAULT, handle_delete, context);
}
