/* exs-ai-session-private.h: the session's fields, for ExsAiAgent only */
#pragma once

#include "exs-ai-session.h"

G_BEGIN_DECLS

struct _ExsAiSession
{
  GObject parent_instance;

  gint64 id;
  char *channel;         /* nullable */
  char *trigger;         /* "api", "cli", "resolver" */
  char *prompt;          /* the user message as sent */
  char *state;           /* running, waiting_approval, answered, failed, timed_out, step_limit, cancelled */
  char *error;           /* nullable: why it stopped */
  char *answer;          /* nullable */
  gboolean verified;     /* the answer cites at least one tool result */
  JsonArray *cited;      /* call ids the answer cites */
  JsonArray *messages;   /* the conversation sent to the model */
  JsonArray *calls;      /* {"id", "step", "tool", "arguments", "risk", "outcome", "why"?, "result"?} */
  JsonArray *actions;    /* {"n", "call_id", "tool", "arguments", "risk", "state", "why"?, "result"?} */
  guint steps;
  guint max_steps;
  gint64 prompt_tokens;
  gint64 completion_tokens;
  char *created_at;
  char *finished_at;     /* nullable */
  gint64 started_us;     /* monotonic */
  GCancellable *cancellable;
  guint deadline_id;
  gboolean timed_out;
};

void _exs_ai_session_finish (ExsAiSession *self,
                             const char   *state,
                             const char   *error);
JsonObject *_exs_ai_session_add_call (ExsAiSession *self,
                                      const char   *call_id,
                                      const char   *tool,
                                      JsonNode     *arguments,
                                      const char   *risk);

G_END_DECLS
