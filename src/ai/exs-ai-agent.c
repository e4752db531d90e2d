/* exs-ai-agent.c: ExsAiAgent, the bounded troubleshooting loop.
 *
 * A session starts when a person asks (POST /api/ai/diagnose, `exstreamtv
 * diagnose`) or the auto-resolver hands over a failure none of its rules
 * matched. The agent sends the model the question and the offered tools
 * (ExsAiToolRegistry), runs the tool calls it gets back and sends the results,
 * until the model answers. Bounds: [ai] max_steps model calls and
 * timeout_seconds per session, one session per channel at a time,
 * sessions_per_hour for the whole server. Read tools run; an action runs by
 * itself only when its risk is low and [ai_auto_heal] enabled is true;
 * others wait for a person (exs_ai_agent_decide()); nothing runs in
 * containment mode. Unknown tools, arguments that break the schema, replies
 * that are not JSON: refused and recorded, nothing runs. The answer must cite
 * call ids; one that cites none is marked unverified. Every session is kept
 * (ExsAiStore). With [ai] redact_paths, paths and titles are replaced before
 * anything is sent. Made by ExsApplication; main thread only.
 */
#include "config.h"

#include "exs-ai-agent.h"

#include "exs-ai-session-private.h"
#include "exs-ai-tools.h"

#include <string.h>

#define HOUR_US ((gint64) 3600 * G_USEC_PER_SEC)
#define MAX_LIVE 50           /* sessions kept in memory; all are in the store too */
#define MAX_ANSWER_CHARS 8000
#define MAX_CALLS_PER_STEP 8
#define MAX_RESULT_CHARS 16384 /* one tool result as the model sees it */
#define MAX_WAIT_US HOUR_US   /* an action waiting longer is stale */

static const char system_prompt[] =
  "You are the troubleshooting assistant of EXStreamTV, a live TV channel server. Find out why the "
  "channel misbehaves using only the tools you are given; each tool result has a call id. Use read tools "
  "first. Propose at most the actions needed; risky ones wait for a person. Finish with a short answer "
  "for the administrator that cites the tool results it rests on by call id in square brackets, e.g. "
  "[call_1]. Never invent facts that no tool returned.";

/* an absolute path or file:// URI in text ([ai] redact_paths); see exs_ai_agent_redact() */
#define MEDIA_EXTENSIONS "mkv|mp4|m4v|avi|ts|m2ts|mts|mov|webm|mpg|mpeg|wmv|flv|ogv|nfo|jpg|jpeg|png|srt|ass|vtt|" \
                         "sub|mp3|m4a|flac|ogg|opus|wav|iso|xml|json|txt|log|db"
#define PATH_PATTERN "(file://)?(?<![A-Za-z0-9_.])(?:/[^/\\n\"'<>]+)*/(?:[^/\\n\"'<>]*?\\.(?i:" MEDIA_EXTENSIONS \
                     ")(?![A-Za-z0-9])|[^/\\s\"'<>:]+)"

/* result members that hold paths or titles ([ai] redact_paths) */
static const char *const private_members[] = { "path", "uri", "title", "sub_title", "description", "file",
                                               "folder", "folders", "artwork_url", "show_title", "plot",
                                               NULL };

struct _ExsAiAgent
{
  GObject parent_instance;

  ExsAiToolRegistry *registry;
  ExsAiStore *store;        /* nullable */
  ExsAiClient *client;      /* nullable when disabled */
  ExsPipelinePool *pool;    /* nullable: containment */
  gboolean enabled;
  gboolean auto_heal;
  gboolean redact;
  guint max_steps;
  guint timeout_s;
  guint per_hour;
  GHashTable *running;      /* channel → ExsAiSession* (borrowed from live) */
  GQueue live;              /* ExsAiSession* owned, oldest first */
  GArray *started;          /* gint64 monotonic start times within the hour */
  gboolean shut_down;
};

G_DEFINE_TYPE (ExsAiAgent, exs_ai_agent, G_TYPE_OBJECT)

static void step (ExsAiAgent *self, ExsAiSession *session);

static void
exs_ai_agent_dispose (GObject *object)
{
  ExsAiAgent *self = EXS_AI_AGENT (object);

  exs_ai_agent_shutdown (self);
  g_queue_clear_full (&self->live, g_object_unref);
  g_clear_object (&self->registry);
  g_clear_object (&self->store);
  g_clear_object (&self->client);
  g_clear_object (&self->pool);
  G_OBJECT_CLASS (exs_ai_agent_parent_class)->dispose (object);
}

static void
exs_ai_agent_finalize (GObject *object)
{
  ExsAiAgent *self = EXS_AI_AGENT (object);

  g_hash_table_unref (self->running);
  g_array_unref (self->started);
  G_OBJECT_CLASS (exs_ai_agent_parent_class)->finalize (object);
}

static void
exs_ai_agent_class_init (ExsAiAgentClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = exs_ai_agent_dispose;
  G_OBJECT_CLASS (klass)->finalize = exs_ai_agent_finalize;
}

static void
exs_ai_agent_init (ExsAiAgent *self)
{
  self->running = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->started = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_queue_init (&self->live);
}

/**
 * exs_ai_agent_new_from_config:
 * @store: (nullable): where sessions are kept
 *
 * Reads [ai] and [ai_auto_heal]; the tools ai_auto_heal switches off
 * (hot_swap_enabled: skip_item; use_error_screen_fallback:
 * switch_to_error_screen) are not offered.
 *
 * Returns: (transfer full): the agent
 */
ExsAiAgent *
exs_ai_agent_new_from_config (ExsConfig *config, ExsAiToolRegistry *registry, ExsAiStore *store)
{
  ExsAiAgent *self = g_object_new (EXS_TYPE_AI_AGENT, NULL);

  self->registry = g_object_ref (registry);
  self->store = store ? g_object_ref (store) : NULL;
  self->enabled = exs_config_get_boolean (config, "ai", "enabled");
  self->auto_heal = exs_config_get_boolean (config, "ai_auto_heal", "enabled");
  self->redact = exs_config_get_boolean (config, "ai", "redact_paths");
  self->max_steps = (guint) exs_config_get_int (config, "ai", "max_steps");
  self->timeout_s = (guint) exs_config_get_int (config, "ai", "timeout_seconds");
  self->per_hour = (guint) exs_config_get_int (config, "ai", "sessions_per_hour");
  if (exs_ai_tool_registry_has (registry, "skip_item"))
    exs_ai_tool_registry_set_offered (registry, "skip_item",
                                      exs_config_get_boolean (config, "ai_auto_heal", "hot_swap_enabled"));
  if (exs_ai_tool_registry_has (registry, "switch_to_error_screen"))
    exs_ai_tool_registry_set_offered (registry, "switch_to_error_screen",
                                      exs_config_get_boolean (config, "ai_auto_heal", "use_error_screen_fallback"));
  if (self->enabled)
    self->client = exs_ai_client_new (exs_config_get_string (config, "ai", "base_url"),
                                      exs_config_get_string (config, "ai", "model"),
                                      exs_config_get_string (config, "ai", "api_key"), self->timeout_s);
  return self;
}

void
exs_ai_agent_set_pool (ExsAiAgent *self, ExsPipelinePool *pool)
{
  g_set_object (&self->pool, pool);
}

gboolean
exs_ai_agent_get_enabled (ExsAiAgent *self)
{
  return self->enabled;
}

/* ---- privacy ---- */

/**
 * exs_ai_agent_redact:
 *
 * Best effort: folders may hold spaces; a file name ends at a known media
 * extension (it may hold spaces too, as titles do), else at a space.
 * IP addresses (viewers in log lines) become "[address]".
 *
 * Returns: (transfer full): @text with absolute paths, file:// URIs and IP
 *   addresses replaced
 */
char *
exs_ai_agent_redact (const char *text)
{
  static GRegex *paths, *addresses;
  g_autofree char *no_paths = NULL;

  if (g_once_init_enter (&paths))
    {
      addresses = g_regex_new ("\\b[0-9]{1,3}(\\.[0-9]{1,3}){3}\\b|\\b[0-9a-fA-F]{0,4}(:[0-9a-fA-F]{0,4}){2,7}\\b",
                               G_REGEX_OPTIMIZE, 0, NULL);
      g_once_init_leave (&paths, g_regex_new (PATH_PATTERN, G_REGEX_OPTIMIZE, 0, NULL));
    }
  no_paths = g_regex_replace_literal (paths, text, -1, 0, "[path]", 0, NULL);
  return g_regex_replace_literal (addresses, no_paths, -1, 0, "[address]", 0, NULL);
}

static JsonNode *
redact_node (JsonNode *node)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *in = json_node_get_object (node);
      g_autoptr (JsonObject) out = json_object_new ();
      g_autoptr (GList) members = json_object_get_members (in);
      JsonNode *result = json_node_new (JSON_NODE_OBJECT);

      for (GList *l = members; l; l = l->next)
        {
          JsonNode *v = json_object_get_member (in, l->data);
          if (g_strv_contains (private_members, l->data) && !JSON_NODE_HOLDS_NULL (v))
            json_object_set_string_member (out, l->data, "[redacted]");
          else
            json_object_set_member (out, l->data, redact_node (v));
        }
      json_node_set_object (result, out);
      return result;
    }
  if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *in = json_node_get_array (node);
      g_autoptr (JsonArray) out = json_array_new ();
      JsonNode *result = json_node_new (JSON_NODE_ARRAY);

      for (guint i = 0; i < json_array_get_length (in); i++)
        json_array_add_element (out, redact_node (json_array_get_element (in, i)));
      json_node_set_array (result, out);
      return result;
    }
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    {
      g_autofree char *text = exs_ai_agent_redact (json_node_get_string (node));
      return json_node_init_string (json_node_alloc (), text);
    }
  return json_node_copy (node);
}

/* ---- the record ---- */

static void
save (ExsAiAgent *self, ExsAiSession *session)
{
  g_autoptr (JsonObject) record = exs_ai_session_dup_json (session);
  g_autoptr (GError) error = NULL;

  if (self->store && !exs_ai_store_save (self->store, record, &error))
    g_warning ("ai session %" G_GINT64_FORMAT ": cannot keep it: %s", session->id, error->message);
}

/* how many of @actions wait for a person */
static guint
n_waiting (JsonArray *actions)
{
  guint n = 0;

  for (guint i = 0; i < json_array_get_length (actions); i++)
    n += g_str_equal (json_object_get_string_member (json_array_get_object_element (actions, i), "state"),
                      "waiting_approval");
  return n;
}

static void
finish (ExsAiAgent *self, ExsAiSession *session, const char *state, const char *why)
{
  if (!exs_ai_session_is_running (session))
    return;
  if (g_str_equal (state, "answered") && n_waiting (session->actions) > 0)
    state = "waiting_approval";
  _exs_ai_session_finish (session, state, why);
  if (session->channel)
    g_hash_table_remove (self->running, session->channel);
  g_message ("ai session %" G_GINT64_FORMAT " on channel %s: %s%s%s (%u steps)", session->id,
             session->channel ? session->channel : "-", state, why ? ": " : "", why ? why : "", session->steps);
  save (self, session);
}

static gboolean
in_containment (ExsAiAgent *self)
{
  return self->pool != NULL && exs_pipeline_pool_get_containment (self->pool);
}

static void
add_message (ExsAiSession *session, const char *role, const char *content, const char *tool_call_id)
{
  JsonObject *m = json_object_new ();

  json_object_set_string_member (m, "role", role);
  json_object_set_string_member (m, "content", content);
  if (tool_call_id)
    json_object_set_string_member (m, "tool_call_id", tool_call_id);
  json_array_add_object_element (session->messages, m);
}

/* What the model is told about one call: the result (redacted if asked) or why not. */
static void
answer_call (ExsAiAgent *self, ExsAiSession *session, const char *call_id, JsonObject *call, JsonNode *result)
{
  g_autoptr (JsonObject) reply = json_object_new ();
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *text = NULL;

  json_object_set_string_member (reply, "call_id", call_id);
  json_object_set_string_member (reply, "outcome", json_object_get_string_member (call, "outcome"));
  if (json_object_has_member (call, "why"))
    json_object_set_string_member (reply, "why", json_object_get_string_member (call, "why"));
  if (result)
    json_object_set_member (reply, "result", self->redact ? redact_node (result) : json_node_copy (result));
  json_node_set_object (node, reply);
  text = json_to_string (node, FALSE);
  if (strlen (text) > MAX_RESULT_CHARS)
    {
      /* bounded: the model gets the outcome and a note, the record keeps the whole result */
      json_object_remove_member (reply, "result");
      json_object_set_string_member (reply, "note", "the result was too long to send; ask for less");
      g_free (text);
      text = json_to_string (node, FALSE);
    }
  add_message (session, "tool", text, call_id);
}

static void
refuse_call (JsonObject *call, const char *outcome, const char *why)
{
  json_object_set_string_member (call, "outcome", outcome);
  json_object_set_string_member (call, "why", why);
}

static JsonObject *
add_action (ExsAiSession *session, JsonObject *call, const char *state, const char *why)
{
  JsonObject *a = json_object_new ();

  json_object_set_int_member (a, "n", json_array_get_length (session->actions) + 1);
  json_object_set_string_member (a, "call_id", json_object_get_string_member (call, "id"));
  json_object_set_string_member (a, "tool", json_object_get_string_member (call, "tool"));
  json_object_set_member (a, "arguments", json_node_copy (json_object_get_member (call, "arguments")));
  json_object_set_string_member (a, "risk", json_object_get_string_member (call, "risk"));
  json_object_set_string_member (a, "state", state);
  if (why)
    json_object_set_string_member (a, "why", why);
  json_array_add_object_element (session->actions, a);
  return a;
}

/* Runs a checked call; records the result or the error on @record. */
static JsonNode *
run_tool (ExsAiAgent *self, JsonObject *record, const char *ok_outcome)
{
  g_autoptr (GError) error = NULL;
  JsonNode *result = exs_ai_tool_registry_run (self->registry, json_object_get_string_member (record, "tool"),
                                               json_object_get_member (record, "arguments"), &error);

  if (result == NULL)
    {
      refuse_call (record, "failed", error->message);
      return NULL;
    }
  json_object_set_string_member (record, "outcome", ok_outcome);
  json_object_set_member (record, "result", json_node_copy (result));
  return result;
}

/* A model's id or tool name goes into the log and the record: printable and
 * short, or replaced. */
static char *
safe_word (const char *text, const char *fallback)
{
  gsize n = text ? strlen (text) : 0;

  if (n == 0 || n > 64)
    return g_strdup (fallback);
  for (const char *p = text; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '-' && *p != '.' && *p != ':')
      return g_strdup (fallback);
  return g_strdup (text);
}

static void
handle_call (ExsAiAgent *self, ExsAiSession *session, JsonObject *tool_call, const char *over_limit)
{
  JsonObject *fn = json_object_get_object_member (tool_call, "function");
  g_autofree char *own_id = g_strdup_printf ("call_%u", json_array_get_length (session->calls) + 1);
  g_autofree char *call_id = safe_word (json_object_get_string_member (tool_call, "id"), own_id);
  g_autofree char *name = safe_word (json_object_get_string_member (fn, "name"), "(unreadable name)");
  JsonNode *raw = json_object_get_member (fn, "arguments");
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) result = NULL;
  JsonNode *args = NULL;
  JsonObject *call;
  ExsAiRisk risk;

  /* arguments come as JSON text (some servers send the object itself) */
  if (raw && JSON_NODE_HOLDS_OBJECT (raw))
    args = raw;
  else if (raw && JSON_NODE_HOLDS_VALUE (raw) && json_node_get_value_type (raw) == G_TYPE_STRING
           && strlen (json_node_get_string (raw)) < 16384
           && json_parser_load_from_data (parser, json_node_get_string (raw), -1, NULL))
    args = json_parser_get_root (parser);

  risk = exs_ai_tool_registry_get_risk (self->registry, name);
  call = _exs_ai_session_add_call (session, call_id, name, args,
                                   exs_ai_tool_registry_has (self->registry, name) ? exs_ai_risk_to_string (risk)
                                                                                  : NULL);
  if (over_limit)
    refuse_call (call, "refused", over_limit);
  else if (args == NULL)
    refuse_call (call, "refused", "the arguments are not a JSON object");
  else if (!exs_ai_tool_registry_check (self->registry, name, args, &error))
    refuse_call (call, "refused", error->message);
  else if (risk == EXS_AI_RISK_READ)
    result = run_tool (self, call, "ok");
  else if (in_containment (self))
    {
      refuse_call (call, "refused", "the server is in containment mode: no action runs");
      add_action (session, call, "refused", "containment mode");
    }
  else if (risk == EXS_AI_RISK_LOW && self->auto_heal)
    {
      result = run_tool (self, call, "taken");
      add_action (session, call, result ? "taken" : "failed",
                  result ? "low risk, [ai_auto_heal] enabled" : json_object_get_string_member (call, "why"));
    }
  else
    {
      g_autofree char *why = g_strdup_printf (
        "%s risk%s: waiting for a person's approval", exs_ai_risk_to_string (risk),
        risk == EXS_AI_RISK_LOW ? " and [ai_auto_heal] enabled is false" : "");
      JsonObject *a;

      refuse_call (call, "waiting_approval", why);
      a = add_action (session, call, "waiting_approval", why);
      json_object_set_int_member (call, "action", json_object_get_int_member (a, "n"));
    }
  g_message ("ai session %" G_GINT64_FORMAT ": %s %s → %s%s%s", session->id, call_id, name ? name : "?",
             json_object_get_string_member (call, "outcome"), json_object_has_member (call, "why") ? ": " : "",
             json_object_get_string_member_with_default (call, "why", ""));
  answer_call (self, session, call_id, call, result);
}

/* The grounded envelope: which executed calls the answer cites. */
static void
check_citations (ExsAiSession *session)
{
  for (guint i = 0; i < json_array_get_length (session->calls); i++)
    {
      JsonObject *c = json_array_get_object_element (session->calls, i);
      const char *id = json_object_get_string_member (c, "id");
      const char *outcome = json_object_get_string_member (c, "outcome");
      g_autofree char *bracketed = g_strdup_printf ("[%s]", id);

      if (!json_object_has_member (c, "result") || !(g_str_equal (outcome, "ok") || g_str_equal (outcome, "taken")))
        continue;
      if (strstr (session->answer, bracketed) || (strlen (id) >= 4 && strstr (session->answer, id)))
        json_array_add_string_element (session->cited, id);
    }
  session->verified = json_array_get_length (session->cited) > 0;
}

static void
on_reply_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ExsAiSession) session = user_data;
  ExsAiAgent *self = g_object_get_data (G_OBJECT (session), "exs-ai-agent");
  g_autoptr (GError) error = NULL;
  ExsAiUsage usage = { 0 };
  g_autoptr (JsonObject) message = exs_ai_client_complete_finish (EXS_AI_CLIENT (source), result, &usage, &error);
  JsonArray *calls;

  session->prompt_tokens += usage.prompt_tokens;
  session->completion_tokens += usage.completion_tokens;
  if (self == NULL || !exs_ai_session_is_running (session))
    return;
  if (message == NULL)
    {
      if (session->timed_out || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        finish (self, session, "timed_out", "no answer within [ai] timeout_seconds");
      else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        finish (self, session, "cancelled", "the server is stopping");
      else
        finish (self, session, "failed", error->message);
      return;
    }
  calls = json_object_has_member (message, "tool_calls") && !json_object_get_null_member (message, "tool_calls")
            ? json_object_get_array_member (message, "tool_calls") : NULL;
  if (calls && json_array_get_length (calls) > 0)
    {
      gboolean over_limit = session->steps >= session->max_steps;

      json_array_add_object_element (session->messages, json_object_ref (message));
      for (guint i = 0; i < json_array_get_length (calls); i++)
        handle_call (self, session, json_array_get_object_element (calls, i),
                     over_limit ? "the step limit ([ai] max_steps) is reached"
                     : i >= MAX_CALLS_PER_STEP ? "more than " G_STRINGIFY (MAX_CALLS_PER_STEP) " tool calls in one step"
                                               : NULL);
      save (self, session);
      if (over_limit)
        finish (self, session, "step_limit", "the model was still calling tools after [ai] max_steps steps");
      else
        step (self, session);
      return;
    }
  {
    const char *content = json_object_get_string_member_with_default (message, "content", "");

    /* g_utf8_substring reads past the end when asked for more than there is */
    session->answer = g_utf8_validate (content, -1, NULL)
                        ? g_utf8_substring (content, 0, MIN (g_utf8_strlen (content, -1), MAX_ANSWER_CHARS))
                        : g_strdup ("");
  }
  if (session->answer[0] == '\0')
    {
      finish (self, session, "failed", "the model gave neither an answer nor tool calls");
      return;
    }
  check_citations (session);
  finish (self, session, "answered", session->verified ? NULL : "unverified: the answer cites no tool result");
}

static void
step (ExsAiAgent *self, ExsAiSession *session)
{
  g_autoptr (JsonArray) tools = exs_ai_tool_registry_dup_tools_json (self->registry);

  session->steps++;
  exs_ai_client_complete_async (self->client, session->messages, tools, session->cancellable, on_reply_cb,
                                g_object_ref (session));
}

static gboolean
on_deadline_cb (gpointer user_data)
{
  ExsAiSession *session = user_data;

  session->deadline_id = 0;
  session->timed_out = TRUE;
  g_cancellable_cancel (session->cancellable);
  return G_SOURCE_REMOVE;
}

static void
keep_live (ExsAiAgent *self, ExsAiSession *session)
{
  g_queue_push_tail (&self->live, session);
  for (GList *l = self->live.head; l && self->live.length > MAX_LIVE;)
    {
      GList *next = l->next;
      ExsAiSession *old = l->data;

      if (!exs_ai_session_is_running (old))
        {
          g_queue_delete_link (&self->live, l);
          g_object_unref (old);
        }
      l = next;
    }
}

/**
 * exs_ai_agent_diagnose:
 * @channel: (nullable): the channel number, normalised
 * @trigger: "api", "cli" or "resolver"
 * @detail: (nullable): what was seen or asked (at most a few hundred characters)
 *
 * Starts a session; it runs on the main loop.
 *
 * Returns: (transfer none): the session, or %NULL with EXS_AI_ERROR_DISABLED,
 *   _BUSY (a session runs for the channel) or _RATE_LIMITED
 */
ExsAiSession *
exs_ai_agent_diagnose (ExsAiAgent *self, const char *channel, const char *trigger, const char *detail, GError **error)
{
  ExsAiSession *session;
  gint64 now = g_get_monotonic_time ();
  guint drop = 0;
  g_autofree char *prompt = NULL;
  g_autofree char *safe_detail = NULL;

  g_return_val_if_fail (EXS_IS_AI_AGENT (self), NULL);
  if (!self->enabled || self->shut_down)
    {
      g_set_error (error, EXS_AI_ERROR, EXS_AI_ERROR_DISABLED,
                   "the AI agent is off (set [ai] enabled = true, base_url and model)");
      return NULL;
    }
  if (channel && g_hash_table_contains (self->running, channel))
    {
      g_set_error (error, EXS_AI_ERROR, EXS_AI_ERROR_BUSY, "a session for channel %s is running (session %"
                   G_GINT64_FORMAT ")", channel,
                   exs_ai_session_get_id (g_hash_table_lookup (self->running, channel)));
      return NULL;
    }
  while (drop < self->started->len && g_array_index (self->started, gint64, drop) <= now - HOUR_US)
    drop++;
  g_array_remove_range (self->started, 0, drop);
  if (self->started->len >= self->per_hour)
    {
      g_set_error (error, EXS_AI_ERROR, EXS_AI_ERROR_RATE_LIMITED,
                   "%u sessions in the last hour ([ai] sessions_per_hour)", self->per_hour);
      return NULL;
    }
  g_array_append_val (self->started, now);

  safe_detail = detail && self->redact ? exs_ai_agent_redact (detail) : g_strdup (detail);
  {
    g_autoptr (GDateTime) utc = g_date_time_new_now_utc ();
    g_autofree char *when = g_date_time_format_iso8601 (utc);

    prompt = g_strdup_printf ("Channel %s needs a diagnosis%s%s. The time is %s.", channel ? channel : "(none)",
                              safe_detail ? ": " : "", safe_detail ? safe_detail : "", when);
  }
  session = exs_ai_session_new (self->store ? exs_ai_store_next_id (self->store) : (gint64) self->live.length + 1,
                                channel, trigger, prompt, self->max_steps);
  g_object_set_data (G_OBJECT (session), "exs-ai-agent", self);
  add_message (session, "system", system_prompt, NULL);
  add_message (session, "user", prompt, NULL);
  keep_live (self, session);
  if (channel)
    g_hash_table_insert (self->running, g_strdup (channel), session);
  session->deadline_id = g_timeout_add_seconds (self->timeout_s, on_deadline_cb, session);
  g_message ("ai session %" G_GINT64_FORMAT " for channel %s started (%s)", session->id, channel ? channel : "-",
             trigger);
  save (self, session);
  step (self, session);
  return session;
}

static ExsAiSession *
find_live (ExsAiAgent *self, gint64 id)
{
  for (GList *l = self->live.head; l; l = l->next)
    if (exs_ai_session_get_id (l->data) == id)
      return l->data;
  return NULL;
}

/* Why an action waiting since @created_at can no longer be approved, or %NULL. */
static char *
stale_reason (ExsAiAgent *self, JsonObject *a, const char *created_at)
{
  g_autoptr (GDateTime) since = created_at ? g_date_time_new_from_iso8601 (created_at, NULL) : NULL;
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autoptr (GError) error = NULL;

  if (since == NULL || g_date_time_difference (now, since) > MAX_WAIT_US)
    return g_strdup_printf ("stale: it has waited since %s, more than %d minutes; ask the agent again",
                            created_at ? created_at : "an unknown time", (int) (MAX_WAIT_US / G_USEC_PER_SEC / 60));
  if (!exs_ai_tool_registry_check (self->registry, json_object_get_string_member (a, "tool"),
                                   json_object_get_member (a, "arguments"), &error))
    return g_strdup_printf ("stale: %s", error->message);
  return NULL;
}

/* Runs or rejects @a (waiting for approval); what happened is recorded on @a.
 * Returns the reason when it was refused as stale. */
static char *
decide_action (ExsAiAgent *self, JsonObject *a, const char *created_at, gboolean approve)
{
  g_autoptr (JsonNode) result = NULL;
  g_autoptr (GError) error = NULL;
  char *stale;

  if (!approve)
    {
      json_object_set_string_member (a, "state", "rejected");
      json_object_set_string_member (a, "why", "rejected by a person");
      return NULL;
    }
  stale = stale_reason (self, a, created_at);
  if (stale == NULL)
    {
      /* the tool's own guards decide again now: a gone channel is stale too */
      result = exs_ai_tool_registry_run (self->registry, json_object_get_string_member (a, "tool"),
                                         json_object_get_member (a, "arguments"), &error);
      if (g_error_matches (error, EXS_AI_ERROR, EXS_AI_ERROR_NOT_FOUND))
        stale = g_strdup_printf ("stale: %s", error->message);
    }
  if (stale)
    {
      json_object_set_string_member (a, "state", "refused");
      json_object_set_string_member (a, "why", stale);
      return stale;
    }
  json_object_set_string_member (a, "state", result ? "taken" : "failed");
  json_object_set_string_member (a, "why", result ? "approved by a person" : error->message);
  if (result)
    json_object_set_member (a, "result", json_node_copy (result));
  return NULL;
}

/**
 * exs_ai_agent_decide:
 * @action: the action's "n" (1-based)
 * @approve: run it (%TRUE) or reject it
 *
 * A person's decision on an action waiting for approval, in a session of this
 * run of the server or, read back from the store, of an earlier one. An
 * approved action is checked again against its tool's schema and goes
 * through the tool's guards; one that waited more than an hour, or whose
 * channel (library, item) is gone, is refused as stale and that is recorded.
 * In containment mode nothing runs and nothing is recorded (try again later).
 *
 * Returns: (transfer full): the session's record, or %NULL with
 *   EXS_AI_ERROR_NOT_FOUND (no such waiting action) or _REFUSED (containment,
 *   stale)
 */
JsonObject *
exs_ai_agent_decide (ExsAiAgent *self, gint64 session_id, guint action, gboolean approve, GError **error)
{
  ExsAiSession *session = find_live (self, session_id);
  g_autoptr (JsonObject) stored = NULL;
  g_autoptr (GError) local = NULL;
  g_autofree char *stale = NULL;
  JsonArray *actions = NULL;
  JsonObject *a;

  if (session)
    actions = session->actions;
  else if (self->store && (stored = exs_ai_store_dup (self->store, session_id, &local)) != NULL
           && json_object_has_member (stored, "actions")
           && JSON_NODE_HOLDS_ARRAY (json_object_get_member (stored, "actions")))
    actions = json_object_get_array_member (stored, "actions");
  if (local)
    g_warning ("ai session %" G_GINT64_FORMAT ": cannot read it back: %s", session_id, local->message);
  if (actions == NULL || action == 0 || action > json_array_get_length (actions))
    {
      g_set_error (error, EXS_AI_ERROR, EXS_AI_ERROR_NOT_FOUND, "session %" G_GINT64_FORMAT " has no action %u "
                   "waiting for approval", session_id, action);
      return NULL;
    }
  a = json_array_get_object_element (actions, action - 1);
  if (a == NULL || !g_str_equal (json_object_get_string_member_with_default (a, "state", ""), "waiting_approval"))
    {
      g_set_error (error, EXS_AI_ERROR, EXS_AI_ERROR_NOT_FOUND, "action %u of session %" G_GINT64_FORMAT
                   " is not waiting for approval", action, session_id);
      return NULL;
    }
  if (approve && in_containment (self))
    {
      g_set_error (error, EXS_AI_ERROR, EXS_AI_ERROR_REFUSED,
                   "the server is in containment mode: no action runs (try again when it has ended)");
      return NULL;
    }
  stale = decide_action (self, a, session ? session->created_at
                                          : json_object_get_string_member_with_default (stored, "created_at", NULL),
                         approve);
  g_message ("ai session %" G_GINT64_FORMAT ": action %u (%s) %s%s%s", session_id, action,
             json_object_get_string_member (a, "tool"), json_object_get_string_member (a, "state"),
             stale ? ": " : "", stale ? stale : "");
  if (session)
    {
      if (g_str_equal (session->state, "waiting_approval") && n_waiting (actions) == 0)
        {
          g_free (session->state);
          session->state = g_strdup ("answered");
        }
      save (self, session);
      stored = exs_ai_session_dup_json (session);
    }
  else
    {
      if (g_str_equal (json_object_get_string_member_with_default (stored, "state", ""), "waiting_approval")
          && n_waiting (actions) == 0)
        json_object_set_string_member (stored, "state", "answered");
      if (!exs_ai_store_save (self->store, stored, &local))
        g_warning ("ai session %" G_GINT64_FORMAT ": cannot keep it: %s", session_id, local->message);
    }
  if (stale)
    {
      g_set_error (error, EXS_AI_ERROR, EXS_AI_ERROR_REFUSED, "action %u of session %" G_GINT64_FORMAT ": %s",
                   action, session_id, stale);
      return NULL;
    }
  return g_steal_pointer (&stored);
}

/**
 * exs_ai_agent_dup_session_json:
 *
 * Returns: (transfer full) (nullable): the record; %NULL (EXS_AI_ERROR_NOT_FOUND) if none
 */
JsonObject *
exs_ai_agent_dup_session_json (ExsAiAgent *self, gint64 session_id, GError **error)
{
  ExsAiSession *session = find_live (self, session_id);
  JsonObject *o;

  if (session)
    return exs_ai_session_dup_json (session);
  o = self->store ? exs_ai_store_dup (self->store, session_id, error) : NULL;
  if (o == NULL && (error == NULL || *error == NULL))
    g_set_error (error, EXS_AI_ERROR, EXS_AI_ERROR_NOT_FOUND, "there is no AI session %" G_GINT64_FORMAT,
                 session_id);
  return o;
}

/**
 * exs_ai_agent_dup_sessions_json:
 * @channel: (nullable): only this channel's
 *
 * Returns: (transfer full) (nullable): the newest sessions' summaries
 */
JsonArray *
exs_ai_agent_dup_sessions_json (ExsAiAgent *self, const char *channel, guint limit, GError **error)
{
  if (self->store)
    return exs_ai_store_list (self->store, channel, limit, error);
  return json_array_new ();
}

static void
on_resolver_action_cb (ExsAutoResolver *resolver, const char *action, const char *number, const char *detail,
                       ExsAiAgent *self)
{
  exs_ai_tools_run_resolver_action (self->registry, action, number, detail);
}

static void
on_resolver_hand_over_cb (ExsAutoResolver *resolver, const char *number, const char *detail, ExsAiAgent *self)
{
  g_autoptr (GError) error = NULL;

  if (self->enabled && !exs_ai_agent_diagnose (self, number, "resolver", detail, &error))
    g_message ("channel %s: not handed to the AI agent: %s", number, error->message);
}

/**
 * exs_ai_agent_watch_resolver:
 *
 * The auto-resolver's skip_item actions run through the agent's tools; the
 * failures it hands over (no rule matched) start a session when enabled.
 */
void
exs_ai_agent_watch_resolver (ExsAiAgent *self, ExsAutoResolver *resolver)
{
  g_signal_connect_object (resolver, "action", G_CALLBACK (on_resolver_action_cb), self, 0);
  g_signal_connect_object (resolver, "hand-over", G_CALLBACK (on_resolver_hand_over_cb), self, 0);
}

/* At shutdown: running sessions are cancelled (and kept as "cancelled"). */
void
exs_ai_agent_shutdown (ExsAiAgent *self)
{
  self->shut_down = TRUE;
  for (GList *l = self->live.head; l; l = l->next)
    {
      ExsAiSession *session = l->data;

      if (exs_ai_session_is_running (session))
        {
          g_cancellable_cancel (session->cancellable);
          finish (self, session, "cancelled", "the server is stopping");
        }
      g_object_set_data (G_OBJECT (session), "exs-ai-agent", NULL); /* a late reply finds no agent */
    }
}
