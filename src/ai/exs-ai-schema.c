/* exs-ai-schema.c: checks a tool call's arguments against the tool's schema.
 *
 * Only the subset our tools use, and stricter than JSON Schema: "type"
 * (object, string, integer, number, boolean), "properties", "required",
 * "enum" (strings), "pattern", "minimum"/"maximum", "maxLength", and
 * "format": "data-path" (a path that must stay inside the data dir). A
 * property the schema does not name is refused (there is no
 * additionalProperties). Used by ExsAiToolRegistry before any handler runs.
 */
#include "config.h"

#include "exs-ai-schema.h"

#include <string.h>

#define MAX_TEXT 4096

/* TRUE when @path, made absolute and free of "." and "..", is @dir or below it.
 * Symbolic links are resolved for the part that exists. */
gboolean
exs_ai_schema_path_in_dir (const char *path, const char *dir)
{
  g_autofree char *canon_dir = NULL;
  g_autofree char *canon = NULL;
  g_autofree char *real_dir = NULL;
  g_autofree char *real = NULL;
  gsize n;

  if (path == NULL || dir == NULL || path[0] == '\0' || strlen (path) > MAX_TEXT)
    return FALSE;
  canon_dir = g_canonicalize_filename (dir, "/");
  canon = g_canonicalize_filename (path, canon_dir);
  real_dir = realpath (canon_dir, NULL);
  real = realpath (canon, NULL);
  if (real_dir && real)
    {
      g_free (canon_dir);
      g_free (canon);
      canon_dir = g_strdup (real_dir);
      canon = g_strdup (real);
    }
  n = strlen (canon_dir);
  return strncmp (canon, canon_dir, n) == 0 && (canon[n] == '\0' || canon[n] == '/' || g_str_equal (canon_dir, "/"));
}

static gboolean
fail (char **why, const char *where, const char *format, ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail (char **why, const char *where, const char *format, ...)
{
  va_list ap;
  g_autofree char *text = NULL;

  va_start (ap, format);
  text = g_strdup_vprintf (format, ap);
  va_end (ap);
  *why = g_strdup_printf ("%s %s", where, text);
  return FALSE;
}

static gboolean
check_string (JsonObject *schema, const char *text, const char *where, const char *data_dir, char **why)
{
  const char *pattern = json_object_get_string_member_with_default (schema, "pattern", NULL);
  const char *format = json_object_get_string_member_with_default (schema, "format", NULL);
  gint64 max_len = json_object_get_int_member_with_default (schema, "maxLength", MAX_TEXT);

  if (!g_utf8_validate (text, -1, NULL) || g_utf8_strlen (text, -1) > MIN (max_len, MAX_TEXT))
    return fail (why, where, "is longer than %" G_GINT64_FORMAT " characters", MIN (max_len, MAX_TEXT));
  if (json_object_has_member (schema, "enum"))
    {
      JsonArray *choices = json_object_get_array_member (schema, "enum");
      gboolean found = FALSE;

      for (guint i = 0; choices && i < json_array_get_length (choices); i++)
        found |= g_strcmp0 (json_array_get_string_element (choices, i), text) == 0;
      if (!found)
        return fail (why, where, "is not one of the allowed values");
    }
  if (pattern && !g_regex_match_simple (pattern, text, 0, 0))
    return fail (why, where, "does not match %s", pattern);
  if (g_strcmp0 (format, "data-path") == 0 && !exs_ai_schema_path_in_dir (text, data_dir))
    return fail (why, where, "is a path outside the data dir");
  return TRUE;
}

static gboolean
check_number (JsonObject *schema, double v, const char *where, char **why)
{
  if (json_object_has_member (schema, "minimum") && v < json_object_get_double_member (schema, "minimum"))
    return fail (why, where, "is below %g", json_object_get_double_member (schema, "minimum"));
  if (json_object_has_member (schema, "maximum") && v > json_object_get_double_member (schema, "maximum"))
    return fail (why, where, "is above %g", json_object_get_double_member (schema, "maximum"));
  return TRUE;
}

static gboolean validate (JsonObject *schema, JsonNode *value, const char *where, const char *data_dir,
                          guint depth, char **why);

static gboolean
check_object (JsonObject *schema, JsonObject *o, const char *where, const char *data_dir, guint depth, char **why)
{
  JsonObject *props = json_object_get_object_member (schema, "properties");
  JsonArray *required = json_object_has_member (schema, "required")
                          ? json_object_get_array_member (schema, "required") : NULL;
  g_autoptr (GList) members = json_object_get_members (o);

  for (guint i = 0; required && i < json_array_get_length (required); i++)
    if (!json_object_has_member (o, json_array_get_string_element (required, i)))
      return fail (why, where, "lacks the required “%s”", json_array_get_string_element (required, i));
  for (GList *l = members; l; l = l->next)
    {
      g_autofree char *inner = g_strdup_printf ("%s.%s", where, (const char *) l->data);

      if (props == NULL || !json_object_has_member (props, l->data))
        return fail (why, where, "has “%s”, which the tool does not take", (const char *) l->data);
      if (!validate (json_object_get_object_member (props, l->data), json_object_get_member (o, l->data), inner,
                     data_dir, depth + 1, why))
        return FALSE;
    }
  return TRUE;
}

static gboolean
validate (JsonObject *schema, JsonNode *value, const char *where, const char *data_dir, guint depth, char **why)
{
  const char *type = schema ? json_object_get_string_member_with_default (schema, "type", NULL) : NULL;
  GType vt = JSON_NODE_HOLDS_VALUE (value) ? json_node_get_value_type (value) : G_TYPE_INVALID;

  if (type == NULL || depth > 4)
    return fail (why, where, "has no schema");
  if (g_str_equal (type, "object"))
    {
      if (!JSON_NODE_HOLDS_OBJECT (value))
        return fail (why, where, "must be an object");
      return check_object (schema, json_node_get_object (value), where, data_dir, depth, why);
    }
  if (g_str_equal (type, "string"))
    {
      if (vt != G_TYPE_STRING)
        return fail (why, where, "must be a string");
      return check_string (schema, json_node_get_string (value), where, data_dir, why);
    }
  if (g_str_equal (type, "integer"))
    {
      if (vt != G_TYPE_INT64)
        return fail (why, where, "must be a whole number");
      return check_number (schema, (double) json_node_get_int (value), where, why);
    }
  if (g_str_equal (type, "number"))
    {
      if (vt != G_TYPE_INT64 && vt != G_TYPE_DOUBLE)
        return fail (why, where, "must be a number");
      return check_number (schema, json_node_get_double (value), where, why);
    }
  if (g_str_equal (type, "boolean"))
    return vt == G_TYPE_BOOLEAN ? TRUE : fail (why, where, "must be true or false");
  return fail (why, where, "has a schema type this validator does not know (%s)", type);
}

/**
 * exs_ai_schema_validate:
 * @schema: a tool's "parameters" schema (type object)
 * @value: the arguments the model sent
 * @data_dir: (nullable): the root "data-path" strings must stay under
 * @why: (out) (transfer full): what is wrong, naming the argument
 *
 * Returns: whether @value fits @schema
 */
gboolean
exs_ai_schema_validate (JsonObject *schema, JsonNode *value, const char *data_dir, char **why)
{
  g_return_val_if_fail (why != NULL, FALSE);
  *why = NULL;
  if (value == NULL)
    return fail (why, "the arguments", "are missing");
  return validate (schema, value, "arguments", data_dir, 0, why);
}
