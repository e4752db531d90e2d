/* exs-ai-session.h: one AI troubleshooting session and its record */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define EXS_TYPE_AI_SESSION (exs_ai_session_get_type ())
G_DECLARE_FINAL_TYPE (ExsAiSession, exs_ai_session, EXS, AI_SESSION, GObject)

ExsAiSession *exs_ai_session_new (gint64      id,
                                  const char *channel,
                                  const char *trigger,
                                  const char *prompt,
                                  guint       max_steps);
gint64 exs_ai_session_get_id (ExsAiSession *self);
const char *exs_ai_session_get_channel (ExsAiSession *self);
const char *exs_ai_session_get_state (ExsAiSession *self);
gboolean exs_ai_session_is_running (ExsAiSession *self);
JsonObject *exs_ai_session_dup_json (ExsAiSession *self);

G_END_DECLS
