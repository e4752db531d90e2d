/* exs-api-ai.c: the AI troubleshooting agent's routes (docs/api/ai.md).
 *
 *   POST /api/ai/diagnose {"channel": "100"[, "question": "…"]}   202, the new session
 *   GET  /api/ai/sessions/{id}                                   one session's whole record
 *   POST /api/ai/sessions/{id}/actions/{n}/approve               run an action waiting for a person
 *   POST /api/ai/sessions/{id}/actions/{n}/reject                refuse it
 *   GET  /api/ai/sessions                                        (exs-api-operations.c) lists them
 *                                                                under "agent_sessions"
 * All need the admin token. The agent (src/ai) does the work on the main loop;
 * these only check input and map its errors to statuses.
 */
#include "config.h"

#include "exs-api-context.h"
#include "exs-api-format.h"

#include "exs-channel-number.h"
#include "exs-http-json.h"

#define MAX_QUESTION_CHARS 500
#define LIST_LIMIT 100

static void
reply_ai_error (SoupServerMessage *msg, const GError *error)
{
  guint status = 500;
  const char *code = NULL;

  if (error->domain == EXS_AI_ERROR)
    switch ((ExsAiError) error->code)
      {
      case EXS_AI_ERROR_DISABLED:
        status = 503, code = "ai_disabled";
        break;
      case EXS_AI_ERROR_NOT_FOUND:
        status = 404;
        break;
      case EXS_AI_ERROR_BUSY:
        status = 409, code = "session_running";
        break;
      case EXS_AI_ERROR_RATE_LIMITED:
        status = 429, code = "rate_limited";
        break;
      case EXS_AI_ERROR_REFUSED:
        status = 409, code = "refused";
        break;
      default:
        break;
      }
  exs_http_reply_error (msg, status, code, "%s", error->message);
}

static void
handle_diagnose (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  ExsApiContext *ctx = data;
  g_autoptr (JsonObject) body = exs_http_read_json_object (msg);
  g_autofree char *raw = NULL;
  g_autofree char *question = NULL;
  g_autofree char *number = NULL;
  g_autofree char *detail = NULL;
  g_autoptr (ExsChannelRecord) record = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) reply = NULL;
  ExsAiSession *session;

  if (body == NULL)
    return;
  if (!exs_http_json_get_text (msg, body, "channel", 16, TRUE, &raw)
      || !exs_http_json_get_text (msg, body, "question", MAX_QUESTION_CHARS, FALSE, &question))
    return;
  number = exs_channel_number_normalize (raw);
  if (number == NULL)
    {
      exs_http_reply_field_error (msg, 422, "channel", "“%s” is not a channel number: " EXS_CHANNEL_NUMBER_RULE, raw);
      return;
    }
  record = exs_channel_store_get (ctx->database, number, &error);
  if (record == NULL)
    {
      exs_http_reply_error (msg, 404, NULL, "there is no channel %s", number);
      return;
    }
  detail = question ? g_strdup_printf ("the administrator asks: %s", question) : g_strdup ("asked by the administrator");
  session = exs_ai_agent_diagnose (ctx->ai_agent, number,
                                   query && g_strcmp0 (g_hash_table_lookup (query, "via"), "cli") == 0 ? "cli" : "api",
                                   detail, &error);
  if (session == NULL)
    {
      reply_ai_error (msg, error);
      return;
    }
  reply = exs_ai_session_dup_json (session);
  exs_http_reply_object (msg, 202, reply);
}

static void
handle_session (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  ExsApiContext *ctx = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) o = NULL;
  gint64 id;

  if (!exs_api_path_id (msg, params, "AI session", &id))
    return;
  o = exs_ai_agent_dup_session_json (ctx->ai_agent, id, &error);
  if (o == NULL)
    {
      reply_ai_error (msg, error);
      return;
    }
  exs_http_reply_object (msg, 200, o);
}

static void
decide (ExsApiContext *ctx, SoupServerMessage *msg, GHashTable *params, gboolean approve)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) o = NULL;
  gint64 id, n;

  if (!exs_api_parse_id (g_hash_table_lookup (params, "id"), &id)
      || !exs_api_parse_id (g_hash_table_lookup (params, "n"), &n) || n > G_MAXUINT)
    {
      exs_http_reply_error (msg, 404, NULL, "there is no such session or action");
      return;
    }
  o = exs_ai_agent_decide (ctx->ai_agent, id, (guint) n, approve, &error);
  if (o == NULL)
    {
      reply_ai_error (msg, error);
      return;
    }
  exs_http_reply_object (msg, 200, o);
}

static void
handle_approve (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  decide (data, msg, params, TRUE);
}

static void
handle_reject (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  decide (data, msg, params, FALSE);
}

/* For GET /api/ai/sessions[?channel_id=N] (the seeds' viewer summary stays as it was). */
void
exs_api_ai_add_sessions (ExsApiContext *ctx, const char *channel, JsonObject *root)
{
  g_autoptr (GError) error = NULL;
  JsonArray *arr;

  if (ctx->ai_agent == NULL)
    return;
  arr = exs_ai_agent_dup_sessions_json (ctx->ai_agent, channel, LIST_LIMIT, &error);
  if (arr == NULL)
    {
      g_warning ("cannot list the AI sessions: %s", error->message);
      arr = json_array_new ();
    }
  json_object_set_boolean_member (root, "agent_enabled", exs_ai_agent_get_enabled (ctx->ai_agent));
  json_object_set_array_member (root, "agent_sessions", arr);
}

void
exs_api_ai_register (ExsHttpServer *server, ExsApiContext *context)
{
  if (context->ai_agent == NULL)
    return;
  exs_http_server_add_route (server, "POST", "/api/ai/diagnose", 0, handle_diagnose, context);
  exs_http_server_add_route (server, "GET,HEAD", "/api/ai/sessions/{id}", 0, handle_session, context);
  exs_http_server_add_route (server, "POST", "/api/ai/sessions/{id}/actions/{n}/approve", 0, handle_approve, context);
  exs_http_server_add_route (server, "POST", "/api/ai/sessions/{id}/actions/{n}/reject", 0, handle_reject, context);
}
