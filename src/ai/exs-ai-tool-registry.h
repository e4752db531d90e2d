/* exs-ai-tool-registry.h: every tool the AI agent (and the auto-resolver) may use */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define EXS_AI_ERROR (exs_ai_error_quark ())

typedef enum
{
  EXS_AI_ERROR_DISABLED,       /* [ai] enabled is false */
  EXS_AI_ERROR_UNKNOWN_TOOL,
  EXS_AI_ERROR_INVALID_ARGUMENTS,
  EXS_AI_ERROR_NOT_FOUND,      /* a channel, library, item or session that is not there */
  EXS_AI_ERROR_BUSY,           /* a session already runs for the channel */
  EXS_AI_ERROR_RATE_LIMITED,
  EXS_AI_ERROR_REFUSED,        /* a guard, containment or a setting said no */
  EXS_AI_ERROR_BAD_REPLY,      /* the model's endpoint answered something unusable */
  EXS_AI_ERROR_FAILED,
} ExsAiError;

typedef enum
{
  EXS_AI_RISK_READ,
  EXS_AI_RISK_LOW,
  EXS_AI_RISK_MEDIUM,
  EXS_AI_RISK_HIGH,
} ExsAiRisk;

/**
 * ExsAiToolHandler:
 * @args: arguments already checked against the tool's schema
 *
 * Runs on the main loop and must not block it.
 *
 * Returns: (transfer full) (nullable): the result, %NULL with @error set
 */
typedef JsonNode *(*ExsAiToolHandler) (JsonObject  *args,
                                       gpointer     user_data,
                                       GError     **error);

#define EXS_TYPE_AI_TOOL_REGISTRY (exs_ai_tool_registry_get_type ())
G_DECLARE_FINAL_TYPE (ExsAiToolRegistry, exs_ai_tool_registry, EXS, AI_TOOL_REGISTRY, GObject)

GQuark exs_ai_error_quark (void);
const char *exs_ai_risk_to_string (ExsAiRisk risk);

ExsAiToolRegistry *exs_ai_tool_registry_new (const char *data_dir);
const char *exs_ai_tool_registry_get_data_dir (ExsAiToolRegistry *self);
void exs_ai_tool_registry_add (ExsAiToolRegistry *self,
                               const char        *name,
                               const char        *description,
                               const char        *schema_json,
                               ExsAiRisk          risk,
                               ExsAiToolHandler   handler,
                               gpointer           user_data);
void exs_ai_tool_registry_set_offered (ExsAiToolRegistry *self,
                                       const char        *name,
                                       gboolean           offered);
gboolean exs_ai_tool_registry_has (ExsAiToolRegistry *self,
                                   const char        *name);
ExsAiRisk exs_ai_tool_registry_get_risk (ExsAiToolRegistry *self,
                                         const char        *name);
gboolean exs_ai_tool_registry_check (ExsAiToolRegistry  *self,
                                     const char         *name,
                                     JsonNode           *args,
                                     GError            **error);
JsonNode *exs_ai_tool_registry_run (ExsAiToolRegistry  *self,
                                    const char         *name,
                                    JsonNode           *args,
                                    GError            **error);
JsonArray *exs_ai_tool_registry_dup_tools_json (ExsAiToolRegistry *self);
guint exs_ai_tool_registry_get_n_runs (ExsAiToolRegistry *self);

G_END_DECLS
