/* exs-api-operations.c: the operator's view of the resilience layer.
 *
 *   GET  /api/sessions[?channel=N]      viewers, one per connection
 *   GET  /api/ai/sessions[?channel_id=N] the EXStreamTV 2.6 summary shape
 *   GET  /api/pool                      the pipeline pool's numbers
 *   GET  /api/backups, POST /api/backups database backups
 *   GET  /api/resolver                  the auto-resolver's rules and decisions
 *   GET  /api/system/resources          the long-run monitor's samples, containment
 *   GET  /api/channels/{number}/health  (and /api/ai/channels/…) the seeds' health shape
 * All need the admin token (they are under /api/).
 */
#include "config.h"

#include "exs-api-context.h"

#include "exs-channel-number.h"
#include "exs-channel-manager.h"
#include "exs-channel-store.h"
#include "exs-http-json.h"

/* The channel filter of a query, normalised; FALSE (and a 400) if invalid. */
static gboolean
channel_filter (SoupServerMessage *msg, GHashTable *query, const char *key, char **number)
{
  const char *raw = query ? g_hash_table_lookup (query, key) : NULL;

  *number = NULL;
  if (raw == NULL || raw[0] == '\0')
    return TRUE;
  *number = exs_channel_number_normalize (raw);
  if (*number == NULL)
    {
      exs_http_reply_field_error (msg, 400, key, "“%s” is not a channel number: " EXS_CHANNEL_NUMBER_RULE, raw);
      return FALSE;
    }
  return TRUE;
}

static void
handle_sessions (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query,
                 gpointer user_data)
{
  ExsApiContext *ctx = user_data;
  g_autofree char *number = NULL;
  g_autoptr (JsonObject) root = NULL;

  if (!channel_filter (msg, query, "channel", &number))
    return;
  root = exs_session_manager_dup_sessions_json (ctx->sessions, number);
  exs_api_sessions_add_details (ctx, root, number); /* the web UI's sessions page: + HLS */
  exs_http_reply_object (msg, 200, root);
}

static void
handle_ai_sessions (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query,
                    gpointer user_data)
{
  ExsApiContext *ctx = user_data;
  g_autofree char *number = NULL;
  g_autoptr (JsonObject) root = NULL;

  if (!channel_filter (msg, query, "channel_id", &number))
    return;
  root = exs_session_manager_dup_summary_json (ctx->sessions, number);
  exs_api_ai_add_sessions (ctx, number, root);
  exs_http_reply_object (msg, 200, root);
}

static void
handle_pool (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer user_data)
{
  ExsApiContext *ctx = user_data;
  g_autoptr (JsonObject) root = exs_pipeline_pool_dup_status (ctx->pool);

  exs_http_reply_object (msg, 200, root);
}

static void
handle_backups_list (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query,
                     gpointer user_data)
{
  ExsApiContext *ctx = user_data;
  g_autoptr (JsonObject) root = exs_backup_manager_dup_list_json (ctx->backups);

  json_object_set_boolean_member (root, "scheduled", exs_config_get_boolean (ctx->config, "database_backup", "enabled"));
  json_object_set_int_member (root, "interval_hours", exs_config_get_int (ctx->config, "database_backup", "interval_hours"));
  exs_http_reply_object (msg, 200, root);
}

static void
on_backup_created_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (SoupServerMessage) msg = user_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *path = exs_backup_manager_create_finish (EXS_BACKUP_MANAGER (source), result, &error);

  if (path == NULL)
    exs_http_reply_error (msg, 500, NULL, "the backup failed: %s", error->message);
  else
    {
      g_autoptr (JsonObject) o = exs_backup_describe (path);
      exs_http_reply_object (msg, 201, o);
    }
  soup_server_message_unpause (msg);
}

static void
handle_backups_create (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query,
                       gpointer user_data)
{
  ExsApiContext *ctx = user_data;

  soup_server_message_pause (msg);
  exs_backup_manager_create_async (ctx->backups, NULL, on_backup_created_cb, g_object_ref (msg));
}

static void
handle_resolver (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query,
                 gpointer user_data)
{
  ExsApiContext *ctx = user_data;
  g_autoptr (JsonObject) root = exs_auto_resolver_dup_json (ctx->resolver);

  exs_http_reply_object (msg, 200, root);
}

static void
handle_resources (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query,
                  gpointer user_data)
{
  ExsApiContext *ctx = user_data;
  g_autoptr (JsonObject) root = exs_long_run_monitor_dup_json (ctx->long_run);

  exs_http_reply_object (msg, 200, root);
}

static void
handle_channel_health (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query,
                       gpointer user_data)
{
  ExsApiContext *ctx = user_data;
  const char *raw = g_hash_table_lookup (params, "number");
  g_autofree char *number = exs_channel_number_normalize (raw);
  g_autoptr (ExsChannelRecord) channel = NULL;
  g_autoptr (JsonObject) root = NULL;
  g_autoptr (GError) error = NULL;

  if (number == NULL)
    {
      exs_http_reply_error (msg, 400, NULL, "“%s” is not a channel number: " EXS_CHANNEL_NUMBER_RULE, raw);
      return;
    }
  channel = exs_channel_store_get (ctx->database, number, &error);
  if (channel == NULL)
    {
      exs_http_reply_gerror (msg, error);
      return;
    }
  root = exs_health_monitor_dup_channel_json (ctx->health, number);
  if (root == NULL)
    {
      /* Not running: nothing to measure, which is not a fault. */
      root = json_object_new ();
      json_object_set_string_member (root, "channel_id", number);
      json_object_set_string_member (root, "status", "stopped");
      json_object_set_double_member (root, "current_fps", 0);
      json_object_set_double_member (root, "current_speed", 0);
      json_object_set_double_member (root, "current_bitrate_kbps", 0);
      json_object_set_int_member (root, "dropped_frames", 0);
      json_object_set_int_member (root, "sessions_active",
                                  ctx->sessions ? exs_session_manager_count_channel (ctx->sessions, number) : 0);
    }
  /* which pipeline the running channel uses: "remux" (items passed through)
   * or "encoding"; null when it is not running */
  {
    ExsChannel *running = ctx->channel_manager ? exs_channel_manager_get_channel (ctx->channel_manager, number) : NULL;

    if (running)
      {
        g_autofree char *reason = exs_channel_manager_dup_pipeline_reason (ctx->channel_manager, number);

        json_object_set_string_member (root, "pipeline",
                                       exs_channel_pipeline_mode_to_string (exs_channel_get_pipeline_mode (running)));
        json_object_set_string_member (root, "pipeline_reason", reason);
      }
    else
      json_object_set_null_member (root, "pipeline");
  }
  if (ctx->restart_guard)
    json_object_set_object_member (root, "restarts", exs_restart_guard_dup_channel_json (ctx->restart_guard, number));
  exs_http_reply_object (msg, 200, root);
}

void
exs_api_operations_register (ExsHttpServer *server, ExsApiContext *context)
{
  if (context->sessions)
    {
      exs_http_server_add_route (server, "GET,HEAD", "/api/sessions", 0, handle_sessions, context);
      exs_http_server_add_route (server, "GET,HEAD", "/api/ai/sessions", 0, handle_ai_sessions, context);
    }
  if (context->pool)
    exs_http_server_add_route (server, "GET,HEAD", "/api/pool", 0, handle_pool, context);
  if (context->backups)
    {
      exs_http_server_add_route (server, "GET,HEAD", "/api/backups", 0, handle_backups_list, context);
      exs_http_server_add_route (server, "POST", "/api/backups", 0, handle_backups_create, context);
    }
  if (context->resolver)
    exs_http_server_add_route (server, "GET,HEAD", "/api/resolver", 0, handle_resolver, context);
  if (context->long_run)
    exs_http_server_add_route (server, "GET,HEAD", "/api/system/resources", 0, handle_resources, context);
  if (context->health)
    {
      exs_http_server_add_route (server, "GET,HEAD", "/api/channels/{number}/health", 0, handle_channel_health,
                                 context);
      exs_http_server_add_route (server, "GET,HEAD", "/api/ai/channels/{number}/health", 0, handle_channel_health,
                                 context);
    }
}
