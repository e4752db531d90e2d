/* exs-media-server-client.c: ExsMediaServerClient, the part every media
 * server client shares: one SoupSession, the token as a header, and a
 * bounded JSON GET (time: the config's timeout per request; size: 32 MiB per
 * reply; count: 100,000 items per library, read in pages of 200).
 *
 * A client is made by ExsMediaServerSync's worker thread (or the API's
 * library-list task) and used only in that thread, with the synchronous
 * SoupSession calls: the main loop never waits on a media server.
 * exs_media_server_client_new() picks the subclass: ExsPlexClient or
 * ExsJellyfinClient (which also speaks Emby).
 */
#include "config.h"

#include "exs-media-server-client.h"

#include "exs-jellyfin-client.h"
#include "exs-plex-client.h"

#include <libsoup/soup.h>
#include <string.h>

#define MAX_COLLECTIONS 1000 /* per sync: collections and playlists */

typedef struct
{
  ExsMediaServerConfig *config;
  SoupSession *session;
  char *auth_value;      /* holds the token: never logged */
  const char *auth_name;
} ExsMediaServerClientPrivate;

G_DEFINE_TYPE_WITH_PRIVATE (ExsMediaServerClient, exs_media_server_client, G_TYPE_OBJECT)

static void
exs_media_server_client_finalize (GObject *object)
{
  ExsMediaServerClientPrivate *priv
      = exs_media_server_client_get_instance_private (EXS_MEDIA_SERVER_CLIENT (object));

  g_clear_object (&priv->session);
  g_clear_pointer (&priv->config, exs_media_server_config_free);
  g_free (priv->auth_value);
  G_OBJECT_CLASS (exs_media_server_client_parent_class)->finalize (object);
}

static void
exs_media_server_client_class_init (ExsMediaServerClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = exs_media_server_client_finalize;
}

static void
exs_media_server_client_init (ExsMediaServerClient *self)
{
}

/**
 * exs_media_server_client_new:
 *
 * Returns: (transfer full): a client of the server @config names (copied)
 */
ExsMediaServerClient *
exs_media_server_client_new (const ExsMediaServerConfig *config)
{
  ExsMediaServerClient *self;
  ExsMediaServerClientPrivate *priv;

  g_return_val_if_fail (config != NULL && config->url != NULL, NULL);
  if (config->kind == EXS_MEDIA_SERVER_PLEX)
    self = g_object_new (EXS_TYPE_PLEX_CLIENT, NULL);
  else
    self = g_object_new (EXS_TYPE_JELLYFIN_CLIENT, NULL);
  priv = exs_media_server_client_get_instance_private (self);
  priv->config = exs_media_server_config_copy (config);
  priv->session = soup_session_new_with_options ("timeout", config->timeout_s, "idle-timeout", config->timeout_s,
                                                 "user-agent", "EXStreamTV/" PACKAGE_VERSION, NULL);
  if (config->token)
    exs_media_server_auth_header (config->kind, config->token, &priv->auth_name, &priv->auth_value);
  return self;
}

const ExsMediaServerConfig *
exs_media_server_client_get_config (ExsMediaServerClient *self)
{
  ExsMediaServerClientPrivate *priv = exs_media_server_client_get_instance_private (self);

  return priv->config;
}

GPtrArray *
exs_media_server_client_list_libraries (ExsMediaServerClient *self, GCancellable *cancellable, GError **error)
{
  return EXS_MEDIA_SERVER_CLIENT_GET_CLASS (self)->list_libraries (self, cancellable, error);
}

gboolean
exs_media_server_client_read_library (ExsMediaServerClient *self, const ExsRemoteLibrary *library,
                                      ExsRemoteCatalog *catalog, GCancellable *cancellable, GError **error)
{
  return EXS_MEDIA_SERVER_CLIENT_GET_CLASS (self)->read_library (self, library, catalog, cancellable, error);
}

/**
 * exs_media_server_client_dup_url:
 * @path: a path on the server ("/library/sections", or a URL path the
 *   server gave, such as an artwork key)
 *
 * Returns: (transfer full): the server's address joined with @path; never
 *   holds the token
 */
char *
exs_media_server_client_dup_url (ExsMediaServerClient *self, const char *path)
{
  ExsMediaServerClientPrivate *priv = exs_media_server_client_get_instance_private (self);

  return g_strconcat (priv->config->url, path[0] == '/' ? "" : "/", path, NULL);
}

/* Reads @stream to its end, up to EXS_MEDIA_SERVER_MAX_REPLY bytes. */
static GBytes *
read_bounded (GInputStream *stream, const char *what, GCancellable *cancellable, GError **error)
{
  g_autoptr (GByteArray) data = g_byte_array_new ();
  guint8 buffer[16384];

  for (;;)
    {
      gssize n = g_input_stream_read (stream, buffer, sizeof buffer, cancellable, error);

      if (n < 0)
        return NULL;
      if (n == 0)
        break;
      if (data->len + (gsize) n > EXS_MEDIA_SERVER_MAX_REPLY)
        {
          g_set_error (error, EXS_MEDIA_SERVER_ERROR, EXS_MEDIA_SERVER_ERROR_BAD_REPLY,
                       "%s: the reply is larger than %d MiB", what, EXS_MEDIA_SERVER_MAX_REPLY / (1024 * 1024));
          return NULL;
        }
      g_byte_array_append (data, buffer, (guint) n);
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&data));
}

/**
 * exs_media_server_client_get_json:
 * @path: the path on the server
 * @query: (nullable): the query string, already escaped (no token)
 * @headers: (nullable) (element-type utf8 utf8): more request headers
 *
 * GETs a JSON reply, with the token header. A 401/403 is
 * EXS_MEDIA_SERVER_ERROR_UNAUTHORIZED; no answer in time or no connection
 * EXS_MEDIA_SERVER_ERROR_UNREACHABLE; any other failure _BAD_REPLY. The
 * messages name the server's address and path, never the token.
 *
 * Returns: (transfer full) (nullable): the reply's root
 */
JsonNode *
exs_media_server_client_get_json (ExsMediaServerClient *self, const char *path, const char *query,
                                  GHashTable *headers, GCancellable *cancellable, GError **error)
{
  ExsMediaServerClientPrivate *priv = exs_media_server_client_get_instance_private (self);
  const char *name = exs_media_server_kind_to_name (priv->config->kind);
  g_autofree char *base = exs_media_server_client_dup_url (self, path);
  g_autofree char *url = query ? g_strconcat (base, "?", query, NULL) : g_strdup (base);
  g_autofree char *what = g_strdup_printf ("%s server %s%s", name, priv->config->url, path);
  g_autoptr (SoupMessage) msg = soup_message_new (SOUP_METHOD_GET, url);
  g_autoptr (GInputStream) stream = NULL;
  g_autoptr (GBytes) body = NULL;
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GError) local = NULL;
  SoupMessageHeaders *request;
  guint status;

  if (msg == NULL)
    {
      g_set_error (error, EXS_MEDIA_SERVER_ERROR, EXS_MEDIA_SERVER_ERROR_INVALID, "%s: not a valid address", what);
      return NULL;
    }
  request = soup_message_get_request_headers (msg);
  soup_message_headers_replace (request, "Accept", "application/json");
  if (priv->auth_value)
    soup_message_headers_replace (request, priv->auth_name, priv->auth_value);
  if (headers)
    {
      GHashTableIter it;
      gpointer k, v;

      g_hash_table_iter_init (&it, headers);
      while (g_hash_table_iter_next (&it, &k, &v))
        soup_message_headers_replace (request, k, v);
    }
  stream = soup_session_send (priv->session, msg, cancellable, &local);
  if (stream == NULL)
    {
      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local));
      else
        g_set_error (error, EXS_MEDIA_SERVER_ERROR, EXS_MEDIA_SERVER_ERROR_UNREACHABLE, "cannot reach the %s: %s",
                     what, local->message);
      return NULL;
    }
  status = soup_message_get_status (msg);
  if (status == 401 || status == 403)
    {
      g_set_error (error, EXS_MEDIA_SERVER_ERROR, EXS_MEDIA_SERVER_ERROR_UNAUTHORIZED,
                   "the %s refused the token (HTTP %u); check the token or API key", what, status);
      return NULL;
    }
  if (status < 200 || status > 299)
    {
      g_set_error (error, EXS_MEDIA_SERVER_ERROR, EXS_MEDIA_SERVER_ERROR_BAD_REPLY, "the %s answered HTTP %u %s", what,
                   status, soup_message_get_reason_phrase (msg) ? soup_message_get_reason_phrase (msg) : "");
      return NULL;
    }
  body = read_bounded (stream, what, cancellable, &local);
  if (body == NULL)
    {
      if (local->domain == EXS_MEDIA_SERVER_ERROR || g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local));
      else
        g_set_error (error, EXS_MEDIA_SERVER_ERROR, EXS_MEDIA_SERVER_ERROR_UNREACHABLE,
                     "the %s stopped answering: %s", what, local->message);
      return NULL;
    }
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), (gssize) g_bytes_get_size (body), &local)
      || json_parser_get_root (parser) == NULL)
    {
      g_set_error (error, EXS_MEDIA_SERVER_ERROR, EXS_MEDIA_SERVER_ERROR_BAD_REPLY, "the %s sent no valid JSON: %s",
                   what, local ? local->message : "empty reply");
      return NULL;
    }
  return json_parser_steal_root (parser);
}

/**
 * exs_media_server_client_for_each_entry:
 * @query: (nullable): the listing's query, without the paging
 *
 * Calls @func on every object among the entries of the listing at @path,
 * read in pages of %EXS_MEDIA_SERVER_PAGE_SIZE as the class's paging says, up
 * to %EXS_MEDIA_SERVER_MAX_ITEMS entries.
 *
 * Returns: %FALSE with @error set when a page cannot be read or @func fails
 */
gboolean
exs_media_server_client_for_each_entry (ExsMediaServerClient *self, const char *path, const char *query,
                                        ExsMediaServerEntryFunc func, gpointer data, GCancellable *cancellable,
                                        GError **error)
{
  ExsMediaServerClientPrivate *priv = exs_media_server_client_get_instance_private (self);
  const ExsMediaServerPaging *paging = EXS_MEDIA_SERVER_CLIENT_GET_CLASS (self)->paging;
  const char *name = exs_media_server_kind_to_name (priv->config->kind);
  gint64 start = 0;

  for (guint page = 0; page <= EXS_MEDIA_SERVER_MAX_ITEMS / EXS_MEDIA_SERVER_PAGE_SIZE + 1; page++)
    {
      g_autofree char *paged = g_strdup_printf ("%s%s%s=%" G_GINT64_FORMAT "&%s=%d", query ? query : "",
                                                query ? "&" : "", paging->start_param, start, paging->size_param,
                                                EXS_MEDIA_SERVER_PAGE_SIZE);
      g_autoptr (JsonNode) root = exs_media_server_client_get_json (self, path, paged, NULL, cancellable, error);
      JsonObject *o = root && JSON_NODE_HOLDS_OBJECT (root) ? json_node_get_object (root) : NULL;
      JsonArray *entries;
      guint n;
      gint64 total;

      if (root == NULL)
        return FALSE;
      if (paging->container)
        o = exs_json_object (o, paging->container);
      entries = exs_json_array (o, paging->entries);
      if ((o == NULL && paging->container) || (entries == NULL && paging->entries_required))
        {
          g_set_error (error, EXS_MEDIA_SERVER_ERROR, EXS_MEDIA_SERVER_ERROR_BAD_REPLY,
                       "the %s server's reply to %s has no %s", name, path,
                       o == NULL && paging->container ? paging->container : paging->entries);
          return FALSE;
        }
      n = entries ? json_array_get_length (entries) : 0;
      for (guint i = 0; i < n; i++)
        {
          JsonNode *e = json_array_get_element (entries, i);
          if (JSON_NODE_HOLDS_OBJECT (e) && !func (self, json_node_get_object (e), data, error))
            return FALSE;
        }
      start += n;
      total = exs_json_int (o, paging->total, -1);
      if (n == 0 || (total >= 0 && start >= total) || (total < 0 && n < EXS_MEDIA_SERVER_PAGE_SIZE))
        return TRUE;
    }
  g_set_error (error, EXS_MEDIA_SERVER_ERROR, EXS_MEDIA_SERVER_ERROR_TOO_MANY,
               "the %s server's %s has more than %d entries", name, path, EXS_MEDIA_SERVER_MAX_ITEMS);
  return FALSE;
}

/**
 * exs_media_server_client_count_item:
 *
 * Fails once @catalog holds as many items as a library may.
 */
gboolean
exs_media_server_client_count_item (ExsMediaServerClient *self, ExsRemoteCatalog *catalog, GError **error)
{
  if (catalog->items->len < EXS_MEDIA_SERVER_MAX_ITEMS)
    return TRUE;
  g_set_error (error, EXS_MEDIA_SERVER_ERROR, EXS_MEDIA_SERVER_ERROR_TOO_MANY,
               "the server's libraries hold more than %d items; choose fewer of them", EXS_MEDIA_SERVER_MAX_ITEMS);
  return FALSE;
}

const char *
exs_json_text (JsonObject *o, const char *member)
{
  JsonNode *n = o ? json_object_get_member (o, member) : NULL;

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

gint64
exs_json_int (JsonObject *o, const char *member, gint64 fallback)
{
  JsonNode *n = o ? json_object_get_member (o, member) : NULL;

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
    return fallback;
  if (json_node_get_value_type (n) == G_TYPE_INT64)
    return json_node_get_int (n);
  if (json_node_get_value_type (n) == G_TYPE_DOUBLE)
    return (gint64) json_node_get_double (n);
  if (json_node_get_value_type (n) == G_TYPE_STRING)
    {
      gint64 v;
      if (g_ascii_string_to_signed (json_node_get_string (n), 10, G_MININT64, G_MAXINT64, &v, NULL))
        return v;
    }
  return fallback;
}

double
exs_json_double (JsonObject *o, const char *member)
{
  JsonNode *n = o ? json_object_get_member (o, member) : NULL;

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
    return 0;
  if (json_node_get_value_type (n) == G_TYPE_DOUBLE)
    return json_node_get_double (n);
  if (json_node_get_value_type (n) == G_TYPE_INT64)
    return (double) json_node_get_int (n);
  if (json_node_get_value_type (n) == G_TYPE_STRING)
    return g_ascii_strtod (json_node_get_string (n), NULL);
  return 0;
}

JsonArray *
exs_json_array (JsonObject *o, const char *member)
{
  JsonNode *n = o ? json_object_get_member (o, member) : NULL;

  return n && JSON_NODE_HOLDS_ARRAY (n) ? json_node_get_array (n) : NULL;
}

JsonObject *
exs_json_object (JsonObject *o, const char *member)
{
  JsonNode *n = o ? json_object_get_member (o, member) : NULL;

  return n && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

/* The first element of the array @member when it is an object (a Plex
 * item's first Media and its first Part, a Jellyfin item's first source). */
JsonObject *
exs_json_first_object (JsonObject *o, const char *member)
{
  JsonArray *a = exs_json_array (o, member);
  JsonNode *n = a && json_array_get_length (a) > 0 ? json_array_get_element (a, 0) : NULL;

  return n && JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
}

/**
 * exs_media_server_add_collection:
 * @found: (element-type ExsRemoteCollection): the collections read so far
 * @id: (nullable): the collection's server id; %NULL (unusable) skips it
 * @title: (nullable): its name; %NULL skips it
 *
 * Adds a collection or playlist a server listed, up to MAX_COLLECTIONS.
 */
void
exs_media_server_add_collection (GPtrArray *found, const char *id, const char *title, gboolean playlist)
{
  if (id && title && found->len < MAX_COLLECTIONS)
    g_ptr_array_add (found, exs_remote_collection_new (id, title, playlist));
}

/**
 * exs_media_server_add_member:
 * @id: (transfer full) (nullable): a member's server id; %NULL skips it
 *
 * Adds one member to @collection, up to EXS_MEDIA_SERVER_MAX_ITEMS.
 */
void
exs_media_server_add_member (ExsRemoteCollection *collection, char *id)
{
  if (id && collection->item_ids->len < EXS_MEDIA_SERVER_MAX_ITEMS)
    g_ptr_array_add (collection->item_ids, id);
  else
    g_free (id);
}

/**
 * exs_json_dup_id:
 *
 * Returns: (transfer full) (nullable): a member that is an id, given as a
 *   string or as a number, or %NULL when it is neither or is not a plain
 *   token (letters, digits, - and _, at most 128)
 */
char *
exs_json_dup_id (JsonObject *o, const char *member)
{
  JsonNode *n = o ? json_object_get_member (o, member) : NULL;
  g_autofree char *id = NULL;

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n))
    return NULL;
  if (json_node_get_value_type (n) == G_TYPE_STRING)
    id = g_strdup (json_node_get_string (n));
  else if (json_node_get_value_type (n) == G_TYPE_INT64)
    id = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (n));
  if (id == NULL || id[0] == '\0' || strlen (id) > 128)
    return NULL;
  for (const char *p = id; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '-' && *p != '_')
      return NULL;
  return g_steal_pointer (&id);
}
