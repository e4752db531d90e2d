/* exs-ai-client.c: ExsAiClient, one request to an OpenAI-compatible
 * /chat/completions endpoint (Ollama, llama.cpp's server, vLLM, hosted
 * services) with the tools the agent offers.
 *
 * Async on libsoup 3 (never blocks the main loop); the session's I/O
 * timeout is [ai] timeout_seconds and the agent cancels a session that runs
 * past it; a reply is read in chunks and refused past
 * EXS_AI_CLIENT_MAX_REPLY_BYTES or EXS_JSON_MAX_DEPTH. The API key goes only
 * into the Authorization header: it is never logged nor put in an error.
 * The finish function returns the first choice's message, checked: a
 * role, text content or tool calls whose arguments are JSON text.
 */
#include "config.h"

#include "exs-ai-client.h"

#include "exs-ai-tool-registry.h"
#include "exs-json-depth.h"

#include <libsoup/soup.h>
#include <string.h>

#define CHUNK 65536

struct _ExsAiClient
{
  GObject parent_instance;

  char *url;     /* base_url + /chat/completions */
  char *model;
  char *api_key; /* secret: never logged */
  SoupSession *session;
};

G_DEFINE_TYPE (ExsAiClient, exs_ai_client, G_TYPE_OBJECT)

typedef struct
{
  ExsAiClient *self; /* owned */
  SoupMessage *msg;  /* owned */
  GInputStream *stream;
  GByteArray *body;
  ExsAiUsage usage;
} Request;

static void
request_free (Request *r)
{
  g_object_unref (r->self);
  g_clear_object (&r->msg);
  g_clear_object (&r->stream);
  g_byte_array_unref (r->body);
  g_free (r);
}

static void
exs_ai_client_finalize (GObject *object)
{
  ExsAiClient *self = EXS_AI_CLIENT (object);

  g_free (self->url);
  g_free (self->model);
  if (self->api_key)
    memset (self->api_key, 0, strlen (self->api_key));
  g_free (self->api_key);
  g_clear_object (&self->session);
  G_OBJECT_CLASS (exs_ai_client_parent_class)->finalize (object);
}

static void
exs_ai_client_class_init (ExsAiClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = exs_ai_client_finalize;
}

static void
exs_ai_client_init (ExsAiClient *self)
{
}

/**
 * exs_ai_client_new:
 * @base_url: e.g. http://127.0.0.1:11434/v1
 * @api_key: (nullable): sent as a bearer token when not empty
 *
 * Returns: (transfer full): a client
 */
ExsAiClient *
exs_ai_client_new (const char *base_url, const char *model, const char *api_key, guint timeout_seconds)
{
  ExsAiClient *self = g_object_new (EXS_TYPE_AI_CLIENT, NULL);
  g_autofree char *base = g_strdup (base_url);
  gsize n = strlen (base);

  while (n > 0 && base[n - 1] == '/')
    base[--n] = '\0';
  self->url = g_strconcat (base, "/chat/completions", NULL);
  self->model = g_strdup (model);
  self->api_key = api_key && api_key[0] ? g_strdup (api_key) : NULL;
  self->session = soup_session_new_with_options ("timeout", MAX (timeout_seconds, 1), "idle-timeout", 60,
                                                 "user-agent", "EXStreamTV-ai/1", NULL);
  return self;
}

const char *
exs_ai_client_get_model (ExsAiClient *self)
{
  return self->model;
}

static gboolean
bad_reply (GTask *task, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
bad_reply (GTask *task, const char *format, ...)
{
  va_list ap;
  g_autofree char *text = NULL;

  va_start (ap, format);
  text = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_task_return_new_error (task, EXS_AI_ERROR, EXS_AI_ERROR_BAD_REPLY, "%s", text);
  return FALSE;
}

/* Every tool call must have an id, a function name and JSON-text arguments. */
static gboolean
check_tool_calls (GTask *task, JsonObject *message)
{
  JsonNode *calls = json_object_get_member (message, "tool_calls");
  JsonArray *arr;

  if (calls == NULL || JSON_NODE_HOLDS_NULL (calls))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (calls))
    return bad_reply (task, "the model's tool_calls is not a list");
  arr = json_node_get_array (calls);
  for (guint i = 0; i < json_array_get_length (arr); i++)
    {
      JsonNode *n = json_array_get_element (arr, i);
      JsonObject *c = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
      JsonNode *f = c ? json_object_get_member (c, "function") : NULL;
      JsonObject *fo = f && JSON_NODE_HOLDS_OBJECT (f) ? json_node_get_object (f) : NULL;

      if (fo == NULL || json_object_get_string_member_with_default (c, "id", NULL) == NULL
          || json_object_get_string_member_with_default (fo, "name", NULL) == NULL)
        return bad_reply (task, "tool call %u has no id or function name", i + 1);
    }
  return TRUE;
}

static void
finish_body (GTask *task, Request *r)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  guint status = soup_message_get_status (r->msg);
  JsonNode *root, *choices, *usage;
  JsonObject *message;

  if (!SOUP_STATUS_IS_SUCCESSFUL (status))
    {
      bad_reply (task, "the model's endpoint answered HTTP %u %s", status,
                 soup_message_get_reason_phrase (r->msg) ? soup_message_get_reason_phrase (r->msg) : "");
      return;
    }
  if (!exs_json_check_depth ((const char *) r->body->data, r->body->len, EXS_JSON_MAX_DEPTH, &error)
      || !json_parser_load_from_data (parser, (const char *) r->body->data, r->body->len, &error)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      bad_reply (task, "the model's reply is not a JSON object: %s", error ? error->message : "wrong type");
      return;
    }
  root = json_parser_get_root (parser);
  choices = json_object_get_member (json_node_get_object (root), "choices");
  if (choices == NULL || !JSON_NODE_HOLDS_ARRAY (choices) || json_array_get_length (json_node_get_array (choices)) == 0
      || !JSON_NODE_HOLDS_OBJECT (json_array_get_element (json_node_get_array (choices), 0)))
    {
      bad_reply (task, "the model's reply has no choices");
      return;
    }
  {
    JsonObject *choice = json_array_get_object_element (json_node_get_array (choices), 0);
    JsonNode *m = json_object_get_member (choice, "message");

    if (m == NULL || !JSON_NODE_HOLDS_OBJECT (m))
      {
        bad_reply (task, "the model's first choice has no message");
        return;
      }
    message = json_node_get_object (m);
  }
  if (json_object_has_member (message, "content") && !json_object_get_null_member (message, "content")
      && (!JSON_NODE_HOLDS_VALUE (json_object_get_member (message, "content"))
          || json_node_get_value_type (json_object_get_member (message, "content")) != G_TYPE_STRING))
    {
      bad_reply (task, "the model's message content is not text");
      return;
    }
  if (!check_tool_calls (task, message))
    return;
  usage = json_object_get_member (json_node_get_object (root), "usage");
  if (usage && JSON_NODE_HOLDS_OBJECT (usage))
    {
      r->usage.prompt_tokens = json_object_get_int_member_with_default (json_node_get_object (usage),
                                                                        "prompt_tokens", 0);
      r->usage.completion_tokens = json_object_get_int_member_with_default (json_node_get_object (usage),
                                                                            "completion_tokens", 0);
    }
  g_task_return_pointer (task, json_object_ref (message), (GDestroyNotify) json_object_unref);
}

static void on_read_cb (GObject *source, GAsyncResult *result, gpointer user_data);

static void
read_more (GTask *task)
{
  Request *r = g_task_get_task_data (task);
  GCancellable *cancellable = g_task_get_cancellable (task);

  g_input_stream_read_bytes_async (r->stream, CHUNK, G_PRIORITY_DEFAULT, cancellable, on_read_cb, task);
}

static void
on_read_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  Request *r = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);

  if (bytes == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (g_bytes_get_size (bytes) == 0)
    {
      finish_body (task, r);
      return;
    }
  if (r->body->len + g_bytes_get_size (bytes) > EXS_AI_CLIENT_MAX_REPLY_BYTES)
    {
      bad_reply (task, "the model's reply is longer than %d bytes", EXS_AI_CLIENT_MAX_REPLY_BYTES);
      return;
    }
  g_byte_array_append (r->body, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  read_more (g_steal_pointer (&task));
}

static void
on_sent_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  Request *r = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;

  r->stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  if (r->stream == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  read_more (g_steal_pointer (&task));
}

/**
 * exs_ai_client_complete_async:
 * @messages: the conversation so far
 * @tools: (nullable): the tools offered
 *
 * Asks for the next message.
 */
void
exs_ai_client_complete_async (ExsAiClient *self, JsonArray *messages, JsonArray *tools, GCancellable *cancellable,
                              GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr (JsonObject) body = json_object_new ();
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr (GBytes) bytes = NULL;
  Request *r = g_new0 (Request, 1);
  char *text;

  r->self = g_object_ref (self);
  r->body = g_byte_array_new ();
  g_task_set_task_data (task, r, (GDestroyNotify) request_free);
  g_task_set_source_tag (task, exs_ai_client_complete_async);

  r->msg = soup_message_new ("POST", self->url);
  if (r->msg == NULL)
    {
      g_task_return_new_error (task, EXS_AI_ERROR, EXS_AI_ERROR_FAILED, "ai.base_url does not make a valid URL");
      return;
    }
  json_object_set_string_member (body, "model", self->model);
  json_object_set_array_member (body, "messages", json_array_ref (messages));
  if (tools && json_array_get_length (tools) > 0)
    json_object_set_array_member (body, "tools", json_array_ref (tools));
  json_object_set_boolean_member (body, "stream", FALSE);
  json_node_set_object (node, body);
  text = json_to_string (node, FALSE);
  bytes = g_bytes_new_take (text, strlen (text));
  soup_message_set_request_body_from_bytes (r->msg, "application/json", bytes);
  if (self->api_key)
    {
      g_autofree char *auth = g_strconcat ("Bearer ", self->api_key, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (r->msg), "Authorization", auth);
    }
  soup_session_send_async (self->session, r->msg, G_PRIORITY_DEFAULT, cancellable, on_sent_cb,
                           g_steal_pointer (&task));
}

/**
 * exs_ai_client_complete_finish:
 * @usage: (out caller-allocates) (optional): tokens the endpoint counted
 *
 * Returns: (transfer full): the message (role, content, tool_calls), or
 *   %NULL: EXS_AI_ERROR_BAD_REPLY, G_IO_ERROR_CANCELLED, a transport error
 */
JsonObject *
exs_ai_client_complete_finish (ExsAiClient *self, GAsyncResult *result, ExsAiUsage *usage, GError **error)
{
  Request *r = g_task_get_task_data (G_TASK (result));

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  if (usage)
    *usage = r->usage;
  return g_task_propagate_pointer (G_TASK (result), error);
}
