/* exs-ai-agent.h: the bounded AI troubleshooting loop */
#pragma once

#include "exs-ai-client.h"
#include "exs-ai-session.h"
#include "exs-ai-store.h"
#include "exs-ai-tool-registry.h"
#include "exs-auto-resolver.h"
#include "exs-config.h"
#include "exs-pipeline-pool.h"

G_BEGIN_DECLS

#define EXS_TYPE_AI_AGENT (exs_ai_agent_get_type ())
G_DECLARE_FINAL_TYPE (ExsAiAgent, exs_ai_agent, EXS, AI_AGENT, GObject)

ExsAiAgent *exs_ai_agent_new_from_config (ExsConfig         *config,
                                          ExsAiToolRegistry *registry,
                                          ExsAiStore        *store);
void exs_ai_agent_set_pool (ExsAiAgent      *self,
                            ExsPipelinePool *pool);
void exs_ai_agent_watch_resolver (ExsAiAgent      *self,
                                  ExsAutoResolver *resolver);
gboolean exs_ai_agent_get_enabled (ExsAiAgent *self);
ExsAiSession *exs_ai_agent_diagnose (ExsAiAgent  *self,
                                     const char  *channel,
                                     const char  *trigger,
                                     const char  *detail,
                                     GError     **error);
JsonObject *exs_ai_agent_decide (ExsAiAgent  *self,
                                 gint64       session_id,
                                 guint        action,
                                 gboolean     approve,
                                 GError     **error);
JsonObject *exs_ai_agent_dup_session_json (ExsAiAgent  *self,
                                           gint64       session_id,
                                           GError     **error);
JsonArray *exs_ai_agent_dup_sessions_json (ExsAiAgent  *self,
                                           const char  *channel,
                                           guint        limit,
                                           GError     **error);
void exs_ai_agent_shutdown (ExsAiAgent *self);
char *exs_ai_agent_redact (const char *text);

G_END_DECLS
