/* exs-api-settings.c: GET/PATCH /api/settings, every setting from the one
 * settings table (src/config/exs-settings.c), so the web UI's settings page
 * shows the same names, defaults, limits and descriptions as the commented
 * config file and never drifts from them.
 *
 * PATCH {"section.key": value, ...} checks every value first (422 naming the
 * first wrong key, nothing changed), then writes them to the configuration
 * file the server started with (comments kept). Settings read each time
 * they are used change in the running server too; the others are read at
 * start-up, so they show as "pending" until a restart (changing them under
 * threads that may hold the old string would not be safe). A setting that the environment or a command-line
 * option sets cannot be changed here (the file would not win).
 */
#include "config.h"

#include "exs-api-context.h"
#include "exs-http-json.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#define MAX_CHANGES 100

/* read each time they are used, so a change applies at once */
static const char *const live_settings[] = { "iptv.guide_days", "iptv.guide_cache_seconds", NULL };

static const char *const type_names[] = { "bool", "int", "double", "string", "enum" };

#define API_ORIGIN "the web UI / API"

/* "section.key" -> value saved to the file, waiting for a restart; main thread */
static GHashTable *pending;

/* The setting's running value as the key file writes it. */
static char *
current_text (ExsConfig *config, const ExsSetting *s)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  switch (s->type)
    {
    case EXS_SETTING_BOOL:
      return g_strdup (exs_config_get_boolean (config, s->section, s->key) ? "true" : "false");
    case EXS_SETTING_INT:
      return g_strdup_printf ("%" G_GINT64_FORMAT, exs_config_get_int (config, s->section, s->key));
    case EXS_SETTING_DOUBLE:
      return g_strdup (g_ascii_dtostr (buf, sizeof buf, exs_config_get_double (config, s->section, s->key)));
    default:
      return g_strdup (exs_config_get_string (config, s->section, s->key));
    }
}

static char *
setting_id (const ExsSetting *s)
{
  return g_strconcat (s->section, ".", s->key, NULL);
}

static const char *
source_of (const char *origin)
{
  if (origin == NULL || g_str_equal (origin, "the built-in default"))
    return "default";
  if (g_str_has_prefix (origin, "environment"))
    return "environment";
  if (g_str_has_prefix (origin, "option"))
    return "option";
  if (g_str_equal (origin, API_ORIGIN))
    return "api";
  return "file";
}

static void
set_typed (JsonObject *o, const char *field, const ExsSetting *s, const char *text)
{
  switch (s->type)
    {
    case EXS_SETTING_BOOL:
      json_object_set_boolean_member (o, field, g_strcmp0 (text, "true") == 0);
      break;
    case EXS_SETTING_INT:
      json_object_set_int_member (o, field, g_ascii_strtoll (text, NULL, 10));
      break;
    case EXS_SETTING_DOUBLE:
      json_object_set_double_member (o, field, g_ascii_strtod (text, NULL));
      break;
    default:
      json_object_set_string_member (o, field, text ? text : "");
    }
}

static JsonObject *
setting_to_json (ExsConfig *config, const ExsSetting *s)
{
  JsonObject *o = json_object_new ();
  g_autofree char *id = setting_id (s);
  g_autofree char *allowed = exs_settings_describe_allowed (s);
  const char *origin = exs_config_get_origin (config, s->section, s->key);

  json_object_set_string_member (o, "key", id);
  switch (s->type)
    {
    case EXS_SETTING_BOOL:
      json_object_set_boolean_member (o, "value", exs_config_get_boolean (config, s->section, s->key));
      break;
    case EXS_SETTING_INT:
      json_object_set_int_member (o, "value", exs_config_get_int (config, s->section, s->key));
      break;
    case EXS_SETTING_DOUBLE:
      json_object_set_double_member (o, "value", exs_config_get_double (config, s->section, s->key));
      break;
    default:
      /* a secret is never returned: only whether it is set */
      json_object_set_string_member (o, "value", s->secret ? "" : exs_config_get_string (config, s->section, s->key));
    }
  if (s->secret)
    json_object_set_boolean_member (o, "is_set", exs_config_get_string (config, s->section, s->key)[0] != '\0');
  set_typed (o, "default", s, s->default_value);
  json_object_set_string_member (o, "description", s->description);
  json_object_set_string_member (o, "type", type_names[s->type]);
  if (s->type == EXS_SETTING_ENUM)
    {
      JsonArray *choices = json_array_new ();
      for (guint i = 0; s->choices[i]; i++)
        json_array_add_string_element (choices, s->choices[i]);
      json_object_set_array_member (o, "allowed", choices);
    }
  if (s->type == EXS_SETTING_INT || s->type == EXS_SETTING_DOUBLE)
    {
      if (s->type == EXS_SETTING_INT)
        {
          json_object_set_int_member (o, "min", (gint64) s->min);
          json_object_set_int_member (o, "max", (gint64) s->max);
        }
      else
        {
          json_object_set_double_member (o, "min", s->min);
          json_object_set_double_member (o, "max", s->max);
        }
    }
  json_object_set_string_member (o, "allowed_text", allowed);
  json_object_set_boolean_member (o, "restart_required", !g_strv_contains (live_settings, id));
  json_object_set_string_member (o, "source", source_of (origin));
  if (pending && g_hash_table_contains (pending, id))
    set_typed (o, "pending", s, s->secret ? "(hidden)" : g_hash_table_lookup (pending, id));
  return o;
}

static void
handle_get (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  ExsApiContext *ctx = data;
  g_autoptr (JsonObject) root = json_object_new ();
  JsonArray *arr = json_array_new ();
  guint n = 0;
  const ExsSetting *all = exs_settings_get_all (&n);

  for (guint i = 0; i < n; i++)
    json_array_add_object_element (arr, setting_to_json (ctx->config, &all[i]));
  json_object_set_array_member (root, "settings", arr);
  exs_http_reply_object (msg, 200, root);
}

/* The JSON value as the key file writes it; NULL if it has no such form. */
static char *
value_text (JsonNode *node)
{
  if (!JSON_NODE_HOLDS_VALUE (node))
    return NULL;
  switch (json_node_get_value_type (node))
    {
    case G_TYPE_BOOLEAN:
      return g_strdup (json_node_get_boolean (node) ? "true" : "false");
    case G_TYPE_INT64:
      return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
    case G_TYPE_DOUBLE:
      {
        char buf[G_ASCII_DTOSTR_BUF_SIZE];
        return g_strdup (g_ascii_dtostr (buf, sizeof buf, json_node_get_double (node)));
      }
    case G_TYPE_STRING:
      return g_strdup (json_node_get_string (node));
    default:
      return NULL;
    }
}

static gboolean
write_config_file (const char *path, GPtrArray *settings, GPtrArray *values, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) local = NULL;
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *text = NULL;
  gsize len = 0;

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_KEEP_COMMENTS, &local)
      && !g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local), "cannot read %s: ", path);
      return FALSE;
    }
  for (guint i = 0; i < settings->len; i++)
    {
      const ExsSetting *s = settings->pdata[i];
      g_key_file_set_value (kf, s->section, s->key, values->pdata[i]);
    }
  text = g_key_file_to_data (kf, &len, NULL);
  /* One level at most (~/.config/exstreamtv): a configuration path under a
   * folder that does not exist is a sandbox or a mistake, not a place to
   * make a tree (tests point XDG_CONFIG_HOME at /nonexistent-…). */
  if (!g_file_test (dir, G_FILE_TEST_IS_DIR) && g_mkdir (dir, 0700) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "cannot create %s: %s", dir, g_strerror (errno));
      return FALSE;
    }
  return g_file_set_contents_full (path, text, (gssize) len, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error);
}

static void
handle_patch (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  ExsApiContext *ctx = data;
  g_autoptr (JsonObject) body = exs_http_read_json_object (msg);
  g_autoptr (GPtrArray) settings = g_ptr_array_new ();
  g_autoptr (GPtrArray) values = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (ExsConfig) scratch = exs_config_new ();
  g_autoptr (JsonObject) reply = json_object_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GList) members = NULL;
  gboolean restart = FALSE;

  if (body == NULL)
    return;
  if (json_object_get_size (body) == 0 || json_object_get_size (body) > MAX_CHANGES)
    {
      exs_http_reply_error (msg, 422, NULL, "send 1 to %d settings as {\"section.key\": value}", MAX_CHANGES);
      return;
    }
  members = json_object_get_members (body);
  for (GList *l = members; l; l = l->next)
    {
      const char *id = l->data;
      g_auto (GStrv) parts = g_strsplit (id, ".", 2);
      const ExsSetting *s = g_strv_length (parts) == 2 ? exs_settings_lookup (parts[0], parts[1]) : NULL;
      const char *origin;
      char *text;

      if (s == NULL)
        {
          exs_http_reply_field_error (msg, 422, id, "there is no setting “%s” (names are section.key, e.g. "
                                      "iptv.guide_days)", id);
          return;
        }
      text = value_text (json_object_get_member (body, id));
      if (text == NULL || !exs_config_set (scratch, s->section, s->key, text, API_ORIGIN, &error))
        {
          g_autofree char *allowed = exs_settings_describe_allowed (s);
          exs_http_reply_field_error (msg, 422, id, "%s must be %s", id, allowed);
          g_free (text);
          return;
        }
      origin = source_of (exs_config_get_origin (ctx->config, s->section, s->key));
      if (g_str_equal (origin, "environment") || g_str_equal (origin, "option"))
        {
          exs_http_reply_field_error (msg, 422, id, "%s is set by %s; change it there", id,
                                      exs_config_get_origin (ctx->config, s->section, s->key));
          g_free (text);
          return;
        }
      g_ptr_array_add (settings, (gpointer) s);
      /* the normalised form, as the running configuration will hold it */
      g_ptr_array_add (values, current_text (scratch, s));
      g_free (text);
      restart |= !g_strv_contains (live_settings, id);
    }
  if (ctx->config_path == NULL)
    {
      exs_http_reply_error (msg, 503, NULL, "this server does not know its configuration file");
      return;
    }
  if (!write_config_file (ctx->config_path, settings, values, &error))
    {
      g_warning ("cannot save settings: %s", error->message);
      exs_http_reply_error (msg, 500, NULL, "cannot save the settings: %s", error->message);
      return;
    }
  if (pending == NULL)
    pending = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < settings->len; i++)
    {
      const ExsSetting *s = settings->pdata[i];
      g_autofree char *id = setting_id (s);
      gboolean live = g_strv_contains (live_settings, id);

      if (live)
        exs_config_set (ctx->config, s->section, s->key, values->pdata[i], API_ORIGIN, NULL);
      else
        g_hash_table_replace (pending, g_strdup (id), g_strdup (values->pdata[i]));
      g_message ("setting %s changed to “%s” through the API%s", id, s->secret ? "(hidden)" : (char *) values->pdata[i],
                 live ? "" : " (applies after a restart)");
    }
  json_object_set_boolean_member (reply, "restart_required", restart);
  exs_http_reply_object (msg, 200, reply);
}

void
exs_api_settings_register (ExsHttpServer *server, ExsApiContext *context)
{
  exs_http_server_add_route (server, "GET,HEAD", "/api/settings", EXS_HTTP_ROUTE_DEFAULT, handle_get, context);
  exs_http_server_add_route (server, "PATCH", "/api/settings", EXS_HTTP_ROUTE_DEFAULT, handle_patch, context);
}
