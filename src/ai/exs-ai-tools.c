/* exs-ai-tools.c: the tools of ExsAiToolRegistry, each a handler we wrote.
 *
 *   tool                     risk    what it does
 *   channel_health           read    state, health, breaker and restart counts, what plays
 *   channel_logs             read    the channel's newest log lines (the log ring)
 *   playout_now              read    the playout around now
 *   resilience_state         read    the pipeline pool, containment, a channel's guard state
 *   library_scan_issues      read    a library's scan issues
 *   media_stream_facts       read    a media item's streams (by id, or a path in the data dir)
 *   restart_channel          low     asks the restart guard (its cooldown, budget and breaker decide)
 *   skip_item                low     drops the item on air; the error screen until the next
 *   rescan_library           low     queues a scan (new and changed files)
 *   rebuild_playout          medium  rebuilds the playout from what plays now
 *   switch_to_error_screen   medium  the error screen now, then the item is retried
 *   reset_breaker            high    closes an open circuit breaker
 *
 * Registered by ExsApplication. A channel must exist; a restart refused by
 * the guard is an error the model sees. The auto-resolver's actions go
 * through the same tools (exs_ai_tools_run_resolver_action()).
 */
#include "config.h"

#include "exs-ai-tools.h"

#include "exs-channel-store.h"
#include "exs-channel.h"
#include "exs-channel-number.h"
#include "exs-fs.h"
#include "exs-library-store.h"
#include "exs-media-store.h"

#define MAX_LOG_LINES 400 /* read from the ring before the agent's own lines are left out */

#define CHANNEL_ARG "\"channel\": {\"type\": \"string\", \"pattern\": \"^[0-9]{1,5}(\\\\.[0-9]{1,5})?$\", " \
                    "\"maxLength\": 11, \"description\": \"channel number, e.g. 100 or 1984.1\"}"
#define CHANNEL_ONLY "{\"type\": \"object\", \"properties\": {" CHANNEL_ARG "}, \"required\": [\"channel\"]}"
#define LIBRARY_ONLY "{\"type\": \"object\", \"properties\": {\"library_id\": {\"type\": \"integer\", " \
                     "\"minimum\": 1, \"maximum\": 1000000000}}, \"required\": [\"library_id\"]}"

static JsonNode *
object_node (JsonObject *o)
{
  JsonNode *n = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (n, o);
  return n;
}

static const ExsAiToolParts *
parts_of (gpointer data)
{
  return data;
}

/* The channel the arguments name, normalised; an error if it does not exist. */
static char *
channel_arg (const ExsAiToolParts *p, JsonObject *args, GError **error)
{
  g_autofree char *number = exs_channel_number_normalize (json_object_get_string_member (args, "channel"));
  g_autoptr (ExsChannelRecord) r = NULL;
  g_autoptr (GError) local = NULL;

  if (number)
    r = exs_channel_store_get (p->database, number, &local);
  if (r == NULL)
    {
      g_set_error (error, EXS_AI_ERROR, EXS_AI_ERROR_NOT_FOUND, "there is no channel %s",
                   json_object_get_string_member (args, "channel"));
      return NULL;
    }
  return g_steal_pointer (&number);
}

static ExsChannel *
running_channel (const ExsAiToolParts *p, const char *number, GError **error)
{
  ExsChannel *ch = p->channels ? exs_channel_manager_get_channel (p->channels, number) : NULL;

  if (ch == NULL)
    g_set_error (error, EXS_AI_ERROR, EXS_AI_ERROR_REFUSED, "channel %s is not running (no one watches it)", number);
  return ch;
}

static void
set_item (JsonObject *o, const char *field, const ExsPlayoutItem *pi)
{
  JsonObject *i;

  if (pi == NULL)
    {
      json_object_set_null_member (o, field);
      return;
    }
  i = json_object_new ();
  json_object_set_int_member (i, "start_unix", pi->start_us / G_USEC_PER_SEC);
  json_object_set_int_member (i, "stop_unix", pi->stop_us / G_USEC_PER_SEC);
  json_object_set_string_member (i, "kind", pi->kind == EXS_PLAYOUT_ITEM_OFFLINE  ? "offline"
                                            : pi->kind == EXS_PLAYOUT_ITEM_FILLER ? "filler"
                                                                                  : "programme");
  if (pi->title)
    json_object_set_string_member (i, "title", pi->title);
  if (pi->uri)
    json_object_set_string_member (i, "uri", pi->uri);
  json_object_set_int_member (i, "media_item_id", pi->media_item_id);
  json_object_set_object_member (o, field, i);
}

/* ---- read tools ---- */

static JsonNode *
tool_channel_health (JsonObject *args, gpointer data, GError **error)
{
  const ExsAiToolParts *p = parts_of (data);
  g_autofree char *number = channel_arg (p, args, error);
  JsonObject *o;
  ExsChannel *ch;

  if (number == NULL)
    return NULL;
  o = p->health ? exs_health_monitor_dup_channel_json (p->health, number) : NULL;
  if (o == NULL)
    {
      o = json_object_new ();
      json_object_set_string_member (o, "status", "stopped"); /* the health monitor watches running channels */
    }
  json_object_set_string_member (o, "channel", number);
  if (p->guard)
    json_object_set_object_member (o, "guard", exs_restart_guard_dup_channel_json (p->guard, number));
  ch = p->channels ? exs_channel_manager_get_channel (p->channels, number) : NULL;
  json_object_set_string_member (o, "engine_state", ch ? exs_channel_state_to_string (exs_channel_get_state (ch))
                                                       : "stopped");
  if (ch)
    {
      json_object_set_int_member (o, "viewers", exs_channel_get_n_viewers (ch));
      json_object_set_string_member (o, "encoder", exs_channel_get_encoder (ch) ? exs_channel_get_encoder (ch) : "");
      set_item (o, "current_item", exs_channel_get_current_item (ch));
    }
  return object_node (o);
}

static JsonNode *
tool_channel_logs (JsonObject *args, gpointer data, GError **error)
{
  const ExsAiToolParts *p = parts_of (data);
  g_autofree char *number = channel_arg (p, args, error);
  gint64 limit = json_object_get_int_member_with_default (args, "limit", 50);
  g_autoptr (JsonArray) all = NULL;
  JsonArray *lines;
  JsonObject *o;

  if (number == NULL)
    return NULL;
  o = json_object_new ();
  json_object_set_string_member (o, "channel", number);
  lines = json_array_new ();
  all = p->log_lines ? p->log_lines (number, MAX_LOG_LINES, p->log_lines_data) : NULL;
  /* the agent's own lines tell the model nothing; the newest `limit` others, oldest first */
  for (guint i = 0; all && i < json_array_get_length (all); i++)
    {
      JsonObject *line = json_array_get_object_element (all, i);
      if (g_strcmp0 (json_object_get_string_member_with_default (line, "domain", ""), G_LOG_DOMAIN) != 0)
        json_array_add_object_element (lines, json_object_ref (line));
    }
  while (json_array_get_length (lines) > (guint) limit)
    json_array_remove_element (lines, 0);
  json_object_set_array_member (o, "lines", lines);
  return object_node (o);
}

static JsonNode *
tool_playout_now (JsonObject *args, gpointer data, GError **error)
{
  const ExsAiToolParts *p = parts_of (data);
  g_autofree char *number = channel_arg (p, args, error);
  gint64 now = g_get_real_time ();
  gint64 before = json_object_get_int_member_with_default (args, "minutes_before", 30) * 60 * G_USEC_PER_SEC;
  gint64 after = json_object_get_int_member_with_default (args, "minutes_after", 60) * 60 * G_USEC_PER_SEC;
  g_autoptr (GPtrArray) items = NULL;
  JsonObject *o;
  JsonArray *arr;

  if (number == NULL)
    return NULL;
  if (p->playout == NULL)
    {
      g_set_error (error, EXS_AI_ERROR, EXS_AI_ERROR_FAILED, "there is no playout builder");
      return NULL;
    }
  items = exs_playout_source_list (EXS_PLAYOUT_SOURCE (p->playout), number, now - before, now + after, error);
  if (items == NULL)
    return NULL;
  o = json_object_new ();
  arr = json_array_new ();
  for (guint i = 0; i < items->len && i < 50; i++)
    {
      g_autoptr (JsonObject) holder = json_object_new ();
      set_item (holder, "item", items->pdata[i]);
      json_array_add_object_element (arr, json_object_ref (json_object_get_object_member (holder, "item")));
    }
  json_object_set_string_member (o, "channel", number);
  json_object_set_int_member (o, "now_unix", now / G_USEC_PER_SEC);
  json_object_set_array_member (o, "items", arr);
  {
    g_auto (GStrv) problems = exs_playout_builder_dup_problems (p->playout, number);
    JsonArray *pa = json_array_new ();
    for (guint i = 0; problems && problems[i]; i++)
      json_array_add_string_element (pa, problems[i]);
    json_object_set_array_member (o, "problems", pa);
  }
  return object_node (o);
}

static JsonNode *
tool_resilience_state (JsonObject *args, gpointer data, GError **error)
{
  const ExsAiToolParts *p = parts_of (data);
  JsonObject *o = json_object_new ();

  if (p->pool)
    json_object_set_object_member (o, "pool", exs_pipeline_pool_dup_status (p->pool));
  if (p->long_run)
    json_object_set_object_member (o, "long_run", exs_long_run_monitor_dup_json (p->long_run));
  json_object_set_boolean_member (o, "containment", p->pool && exs_pipeline_pool_get_containment (p->pool));
  if (json_object_has_member (args, "channel"))
    {
      g_autofree char *number = channel_arg (p, args, error);
      if (number == NULL)
        {
          json_object_unref (o);
          return NULL;
        }
      if (p->guard)
        json_object_set_object_member (o, "guard", exs_restart_guard_dup_channel_json (p->guard, number));
    }
  return object_node (o);
}

static JsonNode *
tool_library_scan_issues (JsonObject *args, gpointer data, GError **error)
{
  const ExsAiToolParts *p = parts_of (data);
  gint64 id = json_object_get_int_member (args, "library_id");
  g_autoptr (ExsLibraryRecord) lib = exs_library_store_get (p->database, id, NULL);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  JsonObject *o;
  JsonArray *arr;

  if (lib == NULL)
    {
      g_set_error (error, EXS_AI_ERROR, EXS_AI_ERROR_NOT_FOUND, "there is no library %" G_GINT64_FORMAT, id);
      return NULL;
    }
  stmt = exs_database_prepare (p->database,
                               "SELECT path, reason FROM library_scan_issues WHERE library_id = ? ORDER BY id DESC "
                               "LIMIT 50", error);
  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  arr = json_array_new ();
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      JsonObject *i = json_object_new ();
      json_object_set_string_member (i, "path", (const char *) sqlite3_column_text (stmt, 0));
      json_object_set_string_member (i, "reason", (const char *) sqlite3_column_text (stmt, 1));
      json_array_add_object_element (arr, i);
    }
  o = json_object_new ();
  json_object_set_int_member (o, "library_id", id);
  json_object_set_array_member (o, "issues", arr);
  return object_node (o);
}

static JsonNode *
tool_media_stream_facts (JsonObject *args, gpointer data, GError **error)
{
  const ExsAiToolParts *p = parts_of (data);
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (JsonArray) items = NULL;
  gint64 id = json_object_get_int_member_with_default (args, "media_id", 0);

  if (json_object_has_member (args, "path"))
    {
      /* the schema already refused a path outside the data dir */
      g_autoptr (sqlite3_stmt) stmt = exs_database_prepare (p->database,
                                                            "SELECT id FROM media_items WHERE path = ?", error);
      if (stmt == NULL)
        return NULL;
      sqlite3_bind_text (stmt, 1, json_object_get_string_member (args, "path"), -1, SQLITE_TRANSIENT);
      if (sqlite3_step (stmt) == SQLITE_ROW)
        id = sqlite3_column_int64 (stmt, 0);
    }
  g_array_append_val (ids, id);
  items = id > 0 ? exs_media_store_items_to_json (p->database, ids, TRUE, error) : json_array_new ();
  if (items == NULL)
    return NULL;
  if (json_array_get_length (items) == 0)
    {
      g_set_error (error, EXS_AI_ERROR, EXS_AI_ERROR_NOT_FOUND, "there is no such media item");
      return NULL;
    }
  return json_node_copy (json_array_get_element (items, 0));
}

/* ---- action tools ---- */

static JsonNode *
done (const char *channel, const char *what)
{
  JsonObject *o = json_object_new ();

  if (channel)
    json_object_set_string_member (o, "channel", channel);
  json_object_set_string_member (o, "done", what);
  return object_node (o);
}

static JsonNode *
tool_restart_channel (JsonObject *args, gpointer data, GError **error)
{
  const ExsAiToolParts *p = parts_of (data);
  g_autofree char *number = channel_arg (p, args, error);
  g_autofree char *why = NULL;
  ExsRestartDecision d;

  if (number == NULL)
    return NULL;
  if (p->guard == NULL)
    {
      g_set_error (error, EXS_AI_ERROR, EXS_AI_ERROR_REFUSED, "there is no restart guard");
      return NULL;
    }
  /* like every restart: the guard decides, its restart signal rebuilds the channel */
  d = exs_restart_guard_request_restart (p->guard, number, "asked by the AI agent", &why);
  if (d != EXS_RESTART_ALLOWED)
    {
      g_set_error (error, EXS_AI_ERROR, EXS_AI_ERROR_REFUSED, "the restart guard refused (%s): %s",
                   exs_restart_decision_to_string (d), why ? why : "");
      return NULL;
    }
  return done (number, "the restart guard allowed the restart");
}

static JsonNode *
drop_item (JsonObject *args, gpointer data, gboolean retry, GError **error)
{
  const ExsAiToolParts *p = parts_of (data);
  g_autofree char *number = channel_arg (p, args, error);
  ExsChannel *ch = number ? running_channel (p, number, error) : NULL;

  if (ch == NULL)
    return NULL;
  if (!exs_channel_drop_current_item (ch, retry, retry ? "switched to the error screen by the AI agent"
                                                       : "skipped by the AI agent"))
    {
      g_set_error (error, EXS_AI_ERROR, EXS_AI_ERROR_REFUSED, "channel %s has no item on air to drop", number);
      return NULL;
    }
  return done (number, retry ? "the error screen is on air; the item will be retried"
                             : "the item is skipped; the error screen until the next item");
}

static JsonNode *
tool_skip_item (JsonObject *args, gpointer data, GError **error)
{
  return drop_item (args, data, FALSE, error);
}

static JsonNode *
tool_switch_to_error_screen (JsonObject *args, gpointer data, GError **error)
{
  return drop_item (args, data, TRUE, error);
}

static void
on_rebuilt_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autofree char *number = user_data;
  g_autoptr (GError) error = NULL;

  if (!exs_playout_builder_build_finish (EXS_PLAYOUT_BUILDER (source), result, &error))
    g_warning ("channel %s: the AI agent's playout rebuild failed: %s", number, error->message);
  else
    g_message ("channel %s: playout rebuilt (asked by the AI agent)", number);
}

static JsonNode *
tool_rebuild_playout (JsonObject *args, gpointer data, GError **error)
{
  const ExsAiToolParts *p = parts_of (data);
  g_autofree char *number = channel_arg (p, args, error);

  if (number == NULL)
    return NULL;
  if (p->playout == NULL)
    {
      g_set_error (error, EXS_AI_ERROR, EXS_AI_ERROR_FAILED, "there is no playout builder");
      return NULL;
    }
  exs_playout_builder_build_async (p->playout, number, EXS_PLAYOUT_BUILD_REBUILD, NULL, on_rebuilt_cb,
                                   g_strdup (number));
  return done (number, "the playout rebuild started");
}

static JsonNode *
tool_reset_breaker (JsonObject *args, gpointer data, GError **error)
{
  const ExsAiToolParts *p = parts_of (data);
  g_autofree char *number = channel_arg (p, args, error);
  ExsCircuitBreaker *b;

  if (number == NULL)
    return NULL;
  b = p->guard ? exs_restart_guard_get_breaker (p->guard, number) : NULL;
  if (b == NULL)
    {
      g_set_error (error, EXS_AI_ERROR, EXS_AI_ERROR_FAILED, "there is no restart guard");
      return NULL;
    }
  exs_circuit_breaker_reset (b);
  return done (number, "the circuit breaker is closed");
}

static JsonNode *
tool_rescan_library (JsonObject *args, gpointer data, GError **error)
{
  const ExsAiToolParts *p = parts_of (data);
  gint64 id = json_object_get_int_member (args, "library_id");
  g_autoptr (ExsLibraryRecord) lib = exs_library_store_get (p->database, id, NULL);

  if (lib == NULL || p->scanner == NULL)
    {
      g_set_error (error, EXS_AI_ERROR, EXS_AI_ERROR_NOT_FOUND, "there is no library %" G_GINT64_FORMAT, id);
      return NULL;
    }
  exs_library_scanner_scan (p->scanner, id, FALSE);
  return done (NULL, "the library scan is queued");
}

/**
 * exs_ai_tools_register:
 * @parts: borrowed objects the tools use; copied, they must outlive @registry
 */
void
exs_ai_tools_register (ExsAiToolRegistry *registry, const ExsAiToolParts *parts)
{
  ExsAiToolParts *p = g_memdup2 (parts, sizeof *parts);

  g_object_set_data_full (G_OBJECT (registry), "exs-ai-tool-parts", p, g_free);
  exs_ai_tool_registry_add (registry, "channel_health",
                            "A channel's state: health (fps, speed, bit rate, seconds since output), circuit breaker "
                            "and restarts, viewers, the item on air.",
                            CHANNEL_ONLY, EXS_AI_RISK_READ, tool_channel_health, p);
  exs_ai_tool_registry_add (registry, "channel_logs", "The channel's newest server log lines, oldest first.",
                            "{\"type\": \"object\", \"properties\": {" CHANNEL_ARG ", \"limit\": {\"type\": "
                            "\"integer\", \"minimum\": 1, \"maximum\": 200}}, \"required\": [\"channel\"]}",
                            EXS_AI_RISK_READ, tool_channel_logs, p);
  exs_ai_tool_registry_add (registry, "playout_now", "The channel's playout around now: items with times, kind, "
                            "media item id; and the schedule's problems.",
                            "{\"type\": \"object\", \"properties\": {" CHANNEL_ARG ", \"minutes_before\": {\"type\": "
                            "\"integer\", \"minimum\": 0, \"maximum\": 240}, \"minutes_after\": {\"type\": "
                            "\"integer\", \"minimum\": 0, \"maximum\": 240}}, \"required\": [\"channel\"]}",
                            EXS_AI_RISK_READ, tool_playout_now, p);
  exs_ai_tool_registry_add (registry, "resilience_state", "The pipeline pool, containment mode (memory leak guard) "
                            "and, with a channel, its restart guard and circuit breaker.",
                            "{\"type\": \"object\", \"properties\": {" CHANNEL_ARG "}}", EXS_AI_RISK_READ,
                            tool_resilience_state, p);
  exs_ai_tool_registry_add (registry, "library_scan_issues", "Files a library's scans could not use, and why.",
                            LIBRARY_ONLY, EXS_AI_RISK_READ, tool_library_scan_issues, p);
  exs_ai_tool_registry_add (registry, "media_stream_facts", "A media item's container, streams, codecs, sizes "
                            "and duration, by media_id (or by path, for files in the data dir).",
                            "{\"type\": \"object\", \"properties\": {\"media_id\": {\"type\": \"integer\", "
                            "\"minimum\": 1, \"maximum\": 1000000000000}, \"path\": {\"type\": \"string\", "
                            "\"maxLength\": 1024, \"format\": \"data-path\"}}}",
                            EXS_AI_RISK_READ, tool_media_stream_facts, p);
  exs_ai_tool_registry_add (registry, "restart_channel", "Restart the channel's pipeline through the restart guard "
                            "(cooldown, budget and circuit breaker apply).",
                            CHANNEL_ONLY, EXS_AI_RISK_LOW, tool_restart_channel, p);
  exs_ai_tool_registry_add (registry, "skip_item", "Drop the item on air; the error screen shows until the next "
                            "item starts.", CHANNEL_ONLY, EXS_AI_RISK_LOW, tool_skip_item, p);
  exs_ai_tool_registry_add (registry, "rescan_library", "Scan a library again (new and changed files).",
                            LIBRARY_ONLY, EXS_AI_RISK_LOW, tool_rescan_library, p);
  exs_ai_tool_registry_add (registry, "rebuild_playout", "Rebuild the channel's playout from its schedule, keeping "
                            "what plays now.", CHANNEL_ONLY, EXS_AI_RISK_MEDIUM, tool_rebuild_playout, p);
  exs_ai_tool_registry_add (registry, "switch_to_error_screen", "Put the channel's error screen on air now; the "
                            "item is retried.", CHANNEL_ONLY, EXS_AI_RISK_MEDIUM, tool_switch_to_error_screen, p);
  exs_ai_tool_registry_add (registry, "reset_breaker", "Close the channel's circuit breaker, forgetting its "
                            "failures.", CHANNEL_ONLY, EXS_AI_RISK_HIGH, tool_reset_breaker, p);
}

/**
 * exs_ai_tools_run_resolver_action:
 *
 * The auto-resolver decided an action (its "action" signal). skip_item runs
 * through the registry, with the same schema check and channel lookup as
 * the agent's (and only while ai_auto_heal.hot_swap_enabled offers it).
 * Its restart_channel went through the restart guard already; the others
 * (software encoder, reconnect, prewarm) are the engine's.
 */
void
exs_ai_tools_run_resolver_action (ExsAiToolRegistry *registry, const char *action, const char *channel,
                                  const char *detail)
{
  g_autoptr (JsonObject) args = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (JsonNode) result = NULL;
  g_autoptr (GError) error = NULL;

  if (channel == NULL || !g_str_equal (action, "skip_item"))
    return;
  args = json_object_new ();
  node = json_node_new (JSON_NODE_OBJECT);
  json_object_set_string_member (args, "channel", channel);
  json_node_set_object (node, args);
  result = exs_ai_tool_registry_run (registry, action, node, &error);
  if (result == NULL)
    g_message ("resolver action %s on channel %s (%s) through the tool registry: %s", action, channel,
               detail ? detail : "", error->message);
}
