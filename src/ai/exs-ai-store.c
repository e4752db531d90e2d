/* exs-ai-store.c: ExsAiStore, every AI session kept in the database.
 *
 * One row per session in ai_sessions: the columns a list needs (channel,
 * trigger, state, verified, tokens, times) and the whole record as JSON
 * (prompt, each tool call with its arguments and result, actions taken or
 * refused and why, the answer). The table comes from schema step 600
 * (src/db/exs-migrations.c). Actions waiting for approval are read back from
 * here, so they can be decided after a restart of the server. The newest
 * MAX_KEPT sessions are kept. Short statements on the main loop, like the
 * other stores; a record is a few kilobytes.
 */
#include "config.h"

#include "exs-ai-store.h"

#include "exs-fs.h"
#include "exs-json-depth.h"
#include "exs-json-members.h"

#include <string.h>

#define MAX_KEPT 500

struct _ExsAiStore
{
  GObject parent_instance;

  ExsDatabase *database;
  gint64 next_id;
};

G_DEFINE_TYPE (ExsAiStore, exs_ai_store, G_TYPE_OBJECT)

static void
exs_ai_store_dispose (GObject *object)
{
  g_clear_object (&EXS_AI_STORE (object)->database);
  G_OBJECT_CLASS (exs_ai_store_parent_class)->dispose (object);
}

static void
exs_ai_store_class_init (ExsAiStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = exs_ai_store_dispose;
}

static void
exs_ai_store_init (ExsAiStore *self)
{
}

/**
 * exs_ai_store_new:
 *
 * Sessions left running by a server that died are marked cancelled.
 *
 * Returns: (transfer full) (nullable): the store, %NULL if its table cannot be read
 */
ExsAiStore *
exs_ai_store_new (ExsDatabase *database, GError **error)
{
  g_autoptr (ExsAiStore) self = g_object_new (EXS_TYPE_AI_STORE, NULL);
  g_autoptr (sqlite3_stmt) stmt = NULL;

  self->database = g_object_ref (database);
  /* a session the server was running when it died can never end now */
  if (!exs_database_exec (database,
                          "UPDATE ai_sessions SET state = 'cancelled', record = json_set (record, '$.state', "
                          "'cancelled', '$.error', 'the server stopped during the session') WHERE state = 'running'",
                          error))
    return NULL;
  stmt = exs_database_prepare (database, "SELECT COALESCE (MAX (id), 0) FROM ai_sessions", error);
  if (stmt == NULL)
    return NULL;
  if (sqlite3_step (stmt) == SQLITE_ROW)
    self->next_id = sqlite3_column_int64 (stmt, 0) + 1;
  return g_steal_pointer (&self);
}

gint64
exs_ai_store_next_id (ExsAiStore *self)
{
  return self->next_id++;
}

/**
 * exs_ai_store_save:
 * @record: a session's JSON (exs_ai_session_dup_json()), with "id"
 *
 * Inserts or replaces the session.
 */
gboolean
exs_ai_store_save (ExsAiStore *self, JsonObject *record, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (sqlite3_stmt) trim = NULL;
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autofree char *text = NULL;
  JsonObject *tokens = json_object_get_object_member (record, "tokens");

  json_node_set_object (node, record);
  text = json_to_string (node, FALSE);
  stmt = exs_database_prepare (self->database,
                               "INSERT OR REPLACE INTO ai_sessions (id, channel, trigger, state, verified, tokens, "
                               "created_at, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                               error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, json_object_get_int_member (record, "id"));
  sqlite3_bind_text (stmt, 2, json_object_get_string_member_with_default (record, "channel", NULL), -1,
                     SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 3, json_object_get_string_member (record, "trigger"), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, json_object_get_string_member (record, "state"), -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 5, json_object_get_boolean_member_with_default (record, "verified", FALSE));
  sqlite3_bind_int64 (stmt, 6, tokens ? json_object_get_int_member_with_default (tokens, "total", 0) : 0);
  sqlite3_bind_text (stmt, 7, json_object_get_string_member (record, "created_at"), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 8, text, -1, SQLITE_TRANSIENT);
  if (!exs_database_step_done (self->database, stmt, error))
    return FALSE;
  trim = exs_database_prepare (self->database, "DELETE FROM ai_sessions WHERE id <= ? - ?", error);
  if (trim == NULL)
    return FALSE;
  sqlite3_bind_int64 (trim, 1, json_object_get_int_member (record, "id"));
  sqlite3_bind_int (trim, 2, MAX_KEPT);
  return exs_database_step_done (self->database, trim, error);
}

/**
 * exs_ai_store_dup:
 *
 * Returns: (transfer full) (nullable): the session's record; %NULL without
 *   @error when there is none
 */
JsonObject *
exs_ai_store_dup (ExsAiStore *self, gint64 id, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = exs_database_prepare (self->database, "SELECT record FROM ai_sessions WHERE id = ?",
                                                        error);
  g_autoptr (JsonParser) parser = json_parser_new ();
  const char *text;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  if (sqlite3_step (stmt) != SQLITE_ROW)
    return NULL;
  text = (const char *) sqlite3_column_text (stmt, 0);
  if (!exs_json_check_depth (text, -1, EXS_JSON_MAX_DEPTH * 2, error)
      || !json_parser_load_from_data (parser, text, -1, error)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    return NULL;
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/**
 * exs_ai_store_list:
 * @channel: (nullable): only this channel's sessions
 *
 * Returns: (transfer full) (nullable): the newest @limit sessions, newest
 *   first: {"id", "channel", "trigger", "state", "verified", "tokens", "created_at", "steps"}
 */
JsonArray *
exs_ai_store_list (ExsAiStore *self, const char *channel, guint limit, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = exs_database_prepare (
    self->database,
    "SELECT id, channel, trigger, state, verified, tokens, created_at, json_extract (record, '$.steps') "
    "FROM ai_sessions "
    "WHERE ?1 IS NULL OR channel = ?1 ORDER BY id DESC LIMIT ?2",
    error);
  JsonArray *arr;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, channel, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 2, (int) limit);
  arr = json_array_new ();
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      JsonObject *o = json_object_new ();

      json_object_set_int_member (o, "id", sqlite3_column_int64 (stmt, 0));
      exs_json_set_string_or_null (o, "channel", (const char *) sqlite3_column_text (stmt, 1));
      json_object_set_string_member (o, "trigger", (const char *) sqlite3_column_text (stmt, 2));
      json_object_set_string_member (o, "state", (const char *) sqlite3_column_text (stmt, 3));
      json_object_set_boolean_member (o, "verified", sqlite3_column_int (stmt, 4) != 0);
      json_object_set_int_member (o, "tokens", sqlite3_column_int64 (stmt, 5));
      json_object_set_string_member (o, "created_at", (const char *) sqlite3_column_text (stmt, 6));
      json_object_set_int_member (o, "steps", sqlite3_column_int64 (stmt, 7));
      json_array_add_object_element (arr, o);
    }
  return arr;
}
