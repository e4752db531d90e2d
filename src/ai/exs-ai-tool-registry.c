/* exs-ai-tool-registry.c: ExsAiToolRegistry, the only things the AI agent
 * can do.
 *
 * Each tool has a name, a description for the model, a JSON schema of its
 * arguments, a risk level (read, low, medium, high) and a handler we wrote,
 * with our guards inside (a restart asks the restart guard, like every
 * restart). A call is run only after its tool is found and its arguments fit
 * the schema (exs-ai-schema.c); an unknown tool or bad arguments are errors
 * and nothing runs. Made by ExsApplication; the standard tools come from
 * exs-ai-tools.c. ExsAiAgent runs the model's calls through it, and the
 * auto-resolver's actions go through the same tools. Main thread only.
 */
#include "config.h"

#include "exs-ai-tool-registry.h"

#include "exs-ai-schema.h"

typedef struct
{
  char *name;
  char *description;
  JsonObject *schema;
  ExsAiRisk risk;
  ExsAiToolHandler handler;
  gpointer user_data;
  gboolean offered;
} Tool;

struct _ExsAiToolRegistry
{
  GObject parent_instance;

  char *data_dir;
  GPtrArray *tools; /* Tool*, in the order added */
  guint n_runs;
};

G_DEFINE_TYPE (ExsAiToolRegistry, exs_ai_tool_registry, G_TYPE_OBJECT)

G_DEFINE_QUARK (exs-ai-error-quark, exs_ai_error)

static void
tool_free (Tool *t)
{
  g_free (t->name);
  g_free (t->description);
  json_object_unref (t->schema);
  g_free (t);
}

static void
exs_ai_tool_registry_finalize (GObject *object)
{
  ExsAiToolRegistry *self = EXS_AI_TOOL_REGISTRY (object);

  g_free (self->data_dir);
  g_ptr_array_unref (self->tools);
  G_OBJECT_CLASS (exs_ai_tool_registry_parent_class)->finalize (object);
}

static void
exs_ai_tool_registry_class_init (ExsAiToolRegistryClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = exs_ai_tool_registry_finalize;
}

static void
exs_ai_tool_registry_init (ExsAiToolRegistry *self)
{
  self->tools = g_ptr_array_new_with_free_func ((GDestroyNotify) tool_free);
}

const char *
exs_ai_risk_to_string (ExsAiRisk risk)
{
  switch (risk)
    {
    case EXS_AI_RISK_READ:
      return "read";
    case EXS_AI_RISK_LOW:
      return "low";
    case EXS_AI_RISK_MEDIUM:
      return "medium";
    default:
      return "high";
    }
}

/**
 * exs_ai_tool_registry_new:
 * @data_dir: (nullable): the only tree "data-path" arguments may name
 *
 * Returns: (transfer full): an empty registry
 */
ExsAiToolRegistry *
exs_ai_tool_registry_new (const char *data_dir)
{
  ExsAiToolRegistry *self = g_object_new (EXS_TYPE_AI_TOOL_REGISTRY, NULL);

  self->data_dir = g_strdup (data_dir);
  return self;
}

const char *
exs_ai_tool_registry_get_data_dir (ExsAiToolRegistry *self)
{
  return self->data_dir;
}

static Tool *
find (ExsAiToolRegistry *self, const char *name)
{
  for (guint i = 0; name && i < self->tools->len; i++)
    {
      Tool *t = self->tools->pdata[i];
      if (g_str_equal (t->name, name))
        return t;
    }
  return NULL;
}

/**
 * exs_ai_tool_registry_add:
 * @schema_json: the arguments' schema as JSON text (a programmer's constant:
 *   a bad one is a critical)
 */
void
exs_ai_tool_registry_add (ExsAiToolRegistry *self, const char *name, const char *description,
                          const char *schema_json, ExsAiRisk risk, ExsAiToolHandler handler, gpointer user_data)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  Tool *t;

  g_return_if_fail (EXS_IS_AI_TOOL_REGISTRY (self));
  g_return_if_fail (find (self, name) == NULL);
  g_return_if_fail (json_parser_load_from_data (parser, schema_json, -1, NULL));
  g_return_if_fail (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));

  t = g_new0 (Tool, 1);
  t->name = g_strdup (name);
  t->description = g_strdup (description);
  t->schema = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
  t->risk = risk;
  t->handler = handler;
  t->user_data = user_data;
  t->offered = TRUE;
  g_ptr_array_add (self->tools, t);
}

/* A tool not offered is not shown to the model and refused like an unknown
 * one (ai_auto_heal settings switch some off); the resolver may still use it. */
void
exs_ai_tool_registry_set_offered (ExsAiToolRegistry *self, const char *name, gboolean offered)
{
  Tool *t = find (self, name);

  g_return_if_fail (t != NULL);
  t->offered = offered;
}

gboolean
exs_ai_tool_registry_has (ExsAiToolRegistry *self, const char *name)
{
  Tool *t = find (self, name);

  return t != NULL && t->offered;
}

ExsAiRisk
exs_ai_tool_registry_get_risk (ExsAiToolRegistry *self, const char *name)
{
  Tool *t = find (self, name);

  return t ? t->risk : EXS_AI_RISK_HIGH;
}

/**
 * exs_ai_tool_registry_check:
 * @args: (nullable): the call's arguments
 *
 * Returns: %TRUE when the tool is offered and @args fit its schema;
 *   otherwise %FALSE with EXS_AI_ERROR_UNKNOWN_TOOL or _INVALID_ARGUMENTS
 */
gboolean
exs_ai_tool_registry_check (ExsAiToolRegistry *self, const char *name, JsonNode *args, GError **error)
{
  Tool *t = find (self, name);
  g_autofree char *why = NULL;

  if (t == NULL || !t->offered)
    {
      g_set_error (error, EXS_AI_ERROR, EXS_AI_ERROR_UNKNOWN_TOOL, "there is no tool “%s”",
                   name ? name : "(none)");
      return FALSE;
    }
  if (!exs_ai_schema_validate (t->schema, args, self->data_dir, &why))
    {
      g_set_error (error, EXS_AI_ERROR, EXS_AI_ERROR_INVALID_ARGUMENTS, "%s: %s", name, why);
      return FALSE;
    }
  return TRUE;
}

/**
 * exs_ai_tool_registry_run:
 *
 * Checks the call (exs_ai_tool_registry_check()) and runs the handler.
 *
 * Returns: (transfer full) (nullable): the result, or %NULL with @error
 */
JsonNode *
exs_ai_tool_registry_run (ExsAiToolRegistry *self, const char *name, JsonNode *args, GError **error)
{
  Tool *t;

  if (!exs_ai_tool_registry_check (self, name, args, error))
    return NULL;
  t = find (self, name);
  self->n_runs++;
  g_debug ("tool %s (%s risk) runs", name, exs_ai_risk_to_string (t->risk));
  return t->handler (json_node_get_object (args), t->user_data, error);
}

/* How many handlers ran (tests: "nothing was executed"). */
guint
exs_ai_tool_registry_get_n_runs (ExsAiToolRegistry *self)
{
  return self->n_runs;
}

/**
 * exs_ai_tool_registry_dup_tools_json:
 *
 * Returns: (transfer full): the offered tools in the chat-completions
 *   "tools" shape, each description ending with its risk level
 */
JsonArray *
exs_ai_tool_registry_dup_tools_json (ExsAiToolRegistry *self)
{
  JsonArray *arr = json_array_new ();

  for (guint i = 0; i < self->tools->len; i++)
    {
      Tool *t = self->tools->pdata[i];
      JsonObject *o, *f;
      g_autofree char *desc = NULL;

      if (!t->offered)
        continue;
      o = json_object_new ();
      f = json_object_new ();
      desc = t->risk == EXS_AI_RISK_READ
               ? g_strdup (t->description)
               : g_strdup_printf ("%s Action, %s risk: it may wait for a person's approval.", t->description,
                                  exs_ai_risk_to_string (t->risk));
      json_object_set_string_member (f, "name", t->name);
      json_object_set_string_member (f, "description", desc);
      json_object_set_object_member (f, "parameters", json_object_ref (t->schema));
      json_object_set_string_member (o, "type", "function");
      json_object_set_object_member (o, "function", f);
      json_array_add_object_element (arr, o);
    }
  return arr;
}
