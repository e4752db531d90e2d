/* exs-ai-session.c: ExsAiSession, one troubleshooting session: the prompt,
 * the conversation with the model, every tool call with its arguments,
 * outcome and result, the actions taken, refused or waiting for a person,
 * the answer and whether it cites the tool results it rests on ("grounded
 * envelope": an answer citing nothing is unverified), tokens used.
 *
 * Made and driven by ExsAiAgent (exs-ai-agent.c); its JSON is what
 * ExsAiStore keeps and GET /api/ai/sessions/{id} returns. Main thread only.
 */
#include "config.h"

#include "exs-ai-session-private.h"

#include "exs-json-members.h"

G_DEFINE_TYPE (ExsAiSession, exs_ai_session, G_TYPE_OBJECT)

static char *
now_text (void)
{
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();

  return g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
}

static void
exs_ai_session_finalize (GObject *object)
{
  ExsAiSession *self = EXS_AI_SESSION (object);

  g_clear_handle_id (&self->deadline_id, g_source_remove);
  g_free (self->channel);
  g_free (self->trigger);
  g_free (self->prompt);
  g_free (self->state);
  g_free (self->error);
  g_free (self->answer);
  g_free (self->created_at);
  g_free (self->finished_at);
  json_array_unref (self->cited);
  json_array_unref (self->messages);
  json_array_unref (self->calls);
  json_array_unref (self->actions);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (exs_ai_session_parent_class)->finalize (object);
}

static void
exs_ai_session_class_init (ExsAiSessionClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = exs_ai_session_finalize;
}

static void
exs_ai_session_init (ExsAiSession *self)
{
  self->cited = json_array_new ();
  self->messages = json_array_new ();
  self->calls = json_array_new ();
  self->actions = json_array_new ();
  self->cancellable = g_cancellable_new ();
  self->state = g_strdup ("running");
  self->created_at = now_text ();
  self->started_us = g_get_monotonic_time ();
}

/**
 * exs_ai_session_new:
 * @channel: (nullable): the channel it is about
 *
 * Returns: (transfer full): a running session
 */
ExsAiSession *
exs_ai_session_new (gint64 id, const char *channel, const char *trigger, const char *prompt, guint max_steps)
{
  ExsAiSession *self = g_object_new (EXS_TYPE_AI_SESSION, NULL);

  self->id = id;
  self->channel = g_strdup (channel);
  self->trigger = g_strdup (trigger);
  self->prompt = g_strdup (prompt);
  self->max_steps = max_steps;
  return self;
}

gint64
exs_ai_session_get_id (ExsAiSession *self)
{
  return self->id;
}

const char *
exs_ai_session_get_channel (ExsAiSession *self)
{
  return self->channel;
}

const char *
exs_ai_session_get_state (ExsAiSession *self)
{
  return self->state;
}

gboolean
exs_ai_session_is_running (ExsAiSession *self)
{
  return g_str_equal (self->state, "running");
}

void
_exs_ai_session_finish (ExsAiSession *self, const char *state, const char *error)
{
  g_free (self->state);
  self->state = g_strdup (state);
  if (error)
    {
      g_free (self->error);
      self->error = g_strdup (error);
    }
  g_clear_handle_id (&self->deadline_id, g_source_remove);
  if (self->finished_at == NULL)
    self->finished_at = now_text ();
}

/* Returns the new call's record (borrowed) for the agent to complete. */
JsonObject *
_exs_ai_session_add_call (ExsAiSession *self, const char *call_id, const char *tool, JsonNode *arguments,
                          const char *risk)
{
  JsonObject *o = json_object_new ();

  json_object_set_string_member (o, "id", call_id);
  json_object_set_int_member (o, "step", self->steps);
  json_object_set_string_member (o, "tool", tool ? tool : "");
  if (arguments)
    json_object_set_member (o, "arguments", json_node_copy (arguments));
  else
    json_object_set_null_member (o, "arguments");
  if (risk)
    json_object_set_string_member (o, "risk", risk);
  json_array_add_object_element (self->calls, o);
  return o;
}

/**
 * exs_ai_session_dup_json:
 *
 * Returns: (transfer full): the whole record (docs/api/ai.md)
 */
JsonObject *
exs_ai_session_dup_json (ExsAiSession *self)
{
  JsonObject *o = json_object_new ();
  JsonObject *tokens = json_object_new ();
  g_autoptr (JsonNode) calls = json_node_new (JSON_NODE_ARRAY);
  g_autoptr (JsonNode) actions = json_node_new (JSON_NODE_ARRAY);
  g_autoptr (JsonNode) cited = json_node_new (JSON_NODE_ARRAY);

  json_node_set_array (calls, self->calls);
  json_node_set_array (actions, self->actions);
  json_node_set_array (cited, self->cited);
  json_object_set_int_member (o, "id", self->id);
  exs_json_set_string_or_null (o, "channel", self->channel);
  json_object_set_string_member (o, "trigger", self->trigger);
  json_object_set_string_member (o, "state", self->state);
  exs_json_set_string_or_null (o, "error", self->error);
  json_object_set_string_member (o, "prompt", self->prompt);
  json_object_set_int_member (o, "steps", self->steps);
  json_object_set_int_member (o, "max_steps", self->max_steps);
  json_object_set_member (o, "calls", json_node_copy (calls));
  json_object_set_member (o, "actions", json_node_copy (actions));
  exs_json_set_string_or_null (o, "answer", self->answer);
  json_object_set_boolean_member (o, "verified", self->verified);
  json_object_set_member (o, "cited", json_node_copy (cited));
  json_object_set_int_member (tokens, "prompt", self->prompt_tokens);
  json_object_set_int_member (tokens, "completion", self->completion_tokens);
  json_object_set_int_member (tokens, "total", self->prompt_tokens + self->completion_tokens);
  json_object_set_object_member (o, "tokens", tokens);
  json_object_set_string_member (o, "created_at", self->created_at);
  exs_json_set_string_or_null (o, "finished_at", self->finished_at);
  return o;
}
