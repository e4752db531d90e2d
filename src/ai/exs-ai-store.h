/* exs-ai-store.h: the AI sessions kept in SQLite */
#pragma once

#include <json-glib/json-glib.h>

#include "exs-database.h"

G_BEGIN_DECLS

#define EXS_TYPE_AI_STORE (exs_ai_store_get_type ())
G_DECLARE_FINAL_TYPE (ExsAiStore, exs_ai_store, EXS, AI_STORE, GObject)

ExsAiStore *exs_ai_store_new (ExsDatabase  *database,
                              GError      **error);
gint64 exs_ai_store_next_id (ExsAiStore *self);
gboolean exs_ai_store_save (ExsAiStore  *self,
                            JsonObject  *record,
                            GError     **error);
JsonObject *exs_ai_store_dup (ExsAiStore  *self,
                              gint64       id,
                              GError     **error);
JsonArray *exs_ai_store_list (ExsAiStore  *self,
                              const char  *channel,
                              guint        limit,
                              GError     **error);

G_END_DECLS
