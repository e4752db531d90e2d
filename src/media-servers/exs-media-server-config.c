/* exs-media-server-config.c: ExsMediaServerConfig, read from and written to
 * a library's source_config column, and checked when the API or the CLI
 * sets it.
 *
 * source_config = {"url": "http://nas:32400", "token": "...",
 *                  "remote_libraries": ["1", "4"],
 *                  "path_mappings": [{"server_path": "/data", "local_path": "/mnt/nas"}],
 *                  "timeout_seconds": 30}
 *
 * The token is written only here (to the database); the public JSON says
 * "token_set" instead.
 */
#include "config.h"

#include "exs-media-server-config.h"

#include "exs-nick.h"

#include <string.h>

#define DEFAULT_TIMEOUT_S 30
#define MAX_TIMEOUT_S 300
#define MAX_LIBRARY_ID 128

G_DEFINE_QUARK (exs-media-server-error-quark, exs_media_server_error)

static const char *const sources[] = { "plex", "jellyfin", "emby", NULL };
static const char *const names[] = { "Plex", "Jellyfin", "Emby" };

ExsMediaServerConfig *
exs_media_server_config_new (ExsMediaServerKind kind)
{
  ExsMediaServerConfig *c = g_new0 (ExsMediaServerConfig, 1);

  c->kind = kind;
  c->libraries = g_ptr_array_new_with_free_func (g_free);
  c->mappings = exs_path_mappings_new ();
  c->timeout_s = DEFAULT_TIMEOUT_S;
  return c;
}

void
exs_media_server_config_free (ExsMediaServerConfig *c)
{
  if (c == NULL)
    return;
  g_free (c->url);
  if (c->token)
    memset (c->token, 0, strlen (c->token));
  g_free (c->token);
  g_ptr_array_unref (c->libraries);
  exs_path_mappings_free (c->mappings);
  g_free (c);
}

ExsMediaServerConfig *
exs_media_server_config_copy (const ExsMediaServerConfig *c)
{
  ExsMediaServerConfig *copy = exs_media_server_config_new (c->kind);

  copy->url = g_strdup (c->url);
  copy->token = g_strdup (c->token);
  for (guint i = 0; i < c->libraries->len; i++)
    g_ptr_array_add (copy->libraries, g_strdup (c->libraries->pdata[i]));
  exs_path_mappings_free (copy->mappings);
  copy->mappings = exs_path_mappings_copy (c->mappings);
  copy->timeout_s = c->timeout_s;
  return copy;
}

gboolean
exs_media_server_kind_from_source (const char *source, ExsMediaServerKind *kind)
{
  int i;

  if (!exs_nick_lookup (sources, source, &i))
    return FALSE;
  *kind = (ExsMediaServerKind) i;
  return TRUE;
}

const char *
exs_media_server_kind_to_source (ExsMediaServerKind kind)
{
  return sources[kind];
}

const char *
exs_media_server_kind_to_name (ExsMediaServerKind kind)
{
  return names[kind];
}

static gboolean
invalid (GError **error, char **field, const char *name, const char *format, ...) G_GNUC_PRINTF (4, 5);

static gboolean
invalid (GError **error, char **field, const char *name, const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  if (field)
    *field = g_strdup (name);
  g_set_error_literal (error, EXS_MEDIA_SERVER_ERROR, EXS_MEDIA_SERVER_ERROR_INVALID, message);
  return FALSE;
}

static gboolean
check_url (const char *text, char **out, char **field, GError **error)
{
  g_autoptr (GUri) uri = NULL;
  const char *scheme;

  if (text == NULL || strlen (text) > EXS_MEDIA_SERVER_MAX_URL)
    return invalid (error, field, "url", "url must be an http(s) address of at most %d characters",
                    EXS_MEDIA_SERVER_MAX_URL);
  uri = g_uri_parse (text, G_URI_FLAGS_NONE, NULL);
  scheme = uri ? g_uri_get_scheme (uri) : NULL;
  if (uri == NULL || scheme == NULL || (g_ascii_strcasecmp (scheme, "http") && g_ascii_strcasecmp (scheme, "https"))
      || g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0')
    return invalid (error, field, "url", "url must be an http:// or https:// address with a host");
  if (g_uri_get_userinfo (uri) || g_uri_get_query (uri) || g_uri_get_fragment (uri))
    return invalid (error, field, "url",
                    "url must be the server's address only (no user, query or fragment; the token is separate)");
  g_free (*out);
  *out = g_strdup (text);
  while (strlen (*out) > 0 && (*out)[strlen (*out) - 1] == '/')
    (*out)[strlen (*out) - 1] = '\0';
  return TRUE;
}

static gboolean
check_token (const char *text, char **out, char **field, GError **error)
{
  gsize len = text ? strlen (text) : 0;

  if (len == 0 || len > EXS_MEDIA_SERVER_MAX_TOKEN)
    return invalid (error, field, "token", "token must be 1 to %d characters", EXS_MEDIA_SERVER_MAX_TOKEN);
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isgraph (text[i]) || text[i] == '"')
      return invalid (error, field, "token", "token must be printable ASCII without spaces or quotes");
  if (*out)
    memset (*out, 0, strlen (*out));
  g_free (*out);
  *out = g_strdup (text);
  return TRUE;
}

static gboolean
check_libraries (JsonArray *array, GPtrArray *out, char **field, GError **error)
{
  if (json_array_get_length (array) > EXS_MEDIA_SERVER_MAX_SELECTED)
    return invalid (error, field, "remote_libraries", "remote_libraries may name at most %d libraries",
                    EXS_MEDIA_SERVER_MAX_SELECTED);
  g_ptr_array_set_size (out, 0);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *n = json_array_get_element (array, i);
      const char *id = JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
                           ? json_node_get_string (n)
                           : NULL;

      if (id == NULL || id[0] == '\0' || strlen (id) > MAX_LIBRARY_ID)
        return invalid (error, field, "remote_libraries",
                        "remote_libraries[%u] must be a server library id (a string of 1 to %d characters)", i,
                        MAX_LIBRARY_ID);
      for (const char *p = id; *p; p++)
        if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
          return invalid (error, field, "remote_libraries",
                          "remote_libraries[%u] “%s” is not a server library id (letters, digits, - and _)", i, id);
      g_ptr_array_add (out, g_strdup (id));
    }
  return TRUE;
}

/**
 * exs_media_server_config_apply_json:
 * @object: any of url, token, remote_libraries, path_mappings, timeout_seconds
 * @field: (out) (optional) (transfer full): the member that was wrong
 *
 * Changes @config by what @object gives; on an error @config may be half
 * changed (apply to a copy).
 */
gboolean
exs_media_server_config_apply_json (ExsMediaServerConfig *c, JsonObject *o, char **field, GError **error)
{
  JsonNode *n;

  if ((n = json_object_get_member (o, "url")))
    {
      if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
        return invalid (error, field, "url", "url must be a string");
      if (!check_url (json_node_get_string (n), &c->url, field, error))
        return FALSE;
    }
  if ((n = json_object_get_member (o, "token")))
    {
      if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
        return invalid (error, field, "token", "token must be a string");
      if (!check_token (json_node_get_string (n), &c->token, field, error))
        return FALSE;
    }
  if ((n = json_object_get_member (o, "remote_libraries")))
    {
      if (!JSON_NODE_HOLDS_ARRAY (n))
        return invalid (error, field, "remote_libraries", "remote_libraries must be a list of server library ids");
      if (!check_libraries (json_node_get_array (n), c->libraries, field, error))
        return FALSE;
    }
  if ((n = json_object_get_member (o, "path_mappings")))
    {
      g_autoptr (GError) local = NULL;
      ExsPathMappings *m;

      if (!JSON_NODE_HOLDS_ARRAY (n))
        return invalid (error, field, "path_mappings", "path_mappings must be a list");
      m = exs_path_mappings_from_json (json_node_get_array (n), &local);
      if (m == NULL)
        return invalid (error, field, "path_mappings", "%s", local->message);
      exs_path_mappings_free (c->mappings);
      c->mappings = m;
    }
  if ((n = json_object_get_member (o, "timeout_seconds")))
    {
      gint64 v = JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_INT64 ? json_node_get_int (n) : 0;

      if (v < 1 || v > MAX_TIMEOUT_S)
        return invalid (error, field, "timeout_seconds", "timeout_seconds must be a whole number from 1 to %d",
                        MAX_TIMEOUT_S);
      c->timeout_s = (guint) v;
    }
  return TRUE;
}

/**
 * exs_media_server_config_from_json:
 * @json: a library's source_config
 *
 * Returns: (transfer full) (nullable): the settings, or %NULL when the
 *   stored JSON is not valid (it always is when written by this code)
 */
ExsMediaServerConfig *
exs_media_server_config_from_json (ExsMediaServerKind kind, const char *json, GError **error)
{
  g_autoptr (ExsMediaServerConfig) c = exs_media_server_config_new (kind);
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (!json_parser_load_from_data (parser, json ? json : "{}", -1, error))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, EXS_MEDIA_SERVER_ERROR, EXS_MEDIA_SERVER_ERROR_INVALID,
                   "the library's source_config is not a JSON object");
      return NULL;
    }
  if (!exs_media_server_config_apply_json (c, json_node_get_object (root), NULL, error))
    return NULL;
  return g_steal_pointer (&c);
}

static JsonObject *
to_object (const ExsMediaServerConfig *c, gboolean with_token)
{
  JsonObject *o = json_object_new ();
  JsonArray *libs = json_array_new ();

  if (c->url)
    json_object_set_string_member (o, "url", c->url);
  if (with_token && c->token)
    json_object_set_string_member (o, "token", c->token);
  if (!with_token)
    json_object_set_boolean_member (o, "token_set", c->token != NULL);
  for (guint i = 0; i < c->libraries->len; i++)
    json_array_add_string_element (libs, c->libraries->pdata[i]);
  json_object_set_array_member (o, "remote_libraries", libs);
  json_object_set_array_member (o, "path_mappings", exs_path_mappings_to_json (c->mappings));
  json_object_set_int_member (o, "timeout_seconds", c->timeout_s);
  return o;
}

/**
 * exs_media_server_config_to_json:
 *
 * Returns: (transfer full): the source_config to store (with the token)
 */
char *
exs_media_server_config_to_json (const ExsMediaServerConfig *c)
{
  g_autoptr (JsonObject) o = to_object (c, TRUE);
  g_autoptr (JsonNode) node = json_node_init_object (json_node_alloc (), o);

  return json_to_string (node, FALSE);
}

/**
 * exs_media_server_config_to_public_json:
 *
 * Returns: (transfer full): what the API shows: "token_set", never the token
 */
JsonObject *
exs_media_server_config_to_public_json (const ExsMediaServerConfig *c)
{
  JsonObject *o = to_object (c, FALSE);

  json_object_set_string_member (o, "source", exs_media_server_kind_to_source (c->kind));
  return o;
}

/**
 * exs_media_server_auth_header:
 * @name: (out): the header's name
 * @value: (out) (transfer full): its value, holding @token
 *
 * How a request carries the token: always a header, never the URL, so no
 * URL we build, store, play or log holds it. Plex takes X-Plex-Token;
 * Jellyfin the "MediaBrowser Token" Authorization scheme; Emby X-Emby-Token.
 */
void
exs_media_server_auth_header (ExsMediaServerKind kind, const char *token, const char **name, char **value)
{
  switch (kind)
    {
    case EXS_MEDIA_SERVER_PLEX:
      *name = "X-Plex-Token";
      *value = g_strdup (token);
      break;
    case EXS_MEDIA_SERVER_JELLYFIN:
      *name = "Authorization";
      *value = g_strdup_printf ("MediaBrowser Client=\"EXStreamTV\", Device=\"exstreamtv\", DeviceId=\"exstreamtv\", "
                                "Version=\"%s\", Token=\"%s\"",
                                PACKAGE_VERSION, token);
      break;
    case EXS_MEDIA_SERVER_EMBY:
    default:
      *name = "X-Emby-Token";
      *value = g_strdup (token);
      break;
    }
}
