/* exs-plex-client.c: ExsPlexClient, the Plex Media Server's JSON API as
 * ExsRemoteLibrary/Show/Item records.
 *
 *   GET /library/sections                       the libraries ("Directory")
 *   GET /library/sections/{key}/all?type=1      films     } paged with
 *   GET /library/sections/{key}/all?type=2      shows     } X-Plex-Container-Start
 *   GET /library/sections/{key}/all?type=4      episodes  } and -Size
 *   GET /library/sections/{key}/collections     collections, then
 *   GET /library/collections/{ratingKey}/children   their members
 *   GET /playlists?playlistType=video           playlists, then /playlists/{ratingKey}/items
 *
 * A film or episode plays from its first part: Media[0].Part[0].key (a path
 * on the server, fetched with the X-Plex-Token header); Part.file is the
 * path on the server's disk, which path mappings translate. updatedAt (or
 * addedAt) is the change stamp an incremental sync compares.
 */
#include "config.h"

#include "exs-plex-client.h"

#include <string.h>

struct _ExsPlexClient
{
  ExsMediaServerClient parent_instance;
};

G_DEFINE_FINAL_TYPE (ExsPlexClient, exs_plex_client, EXS_TYPE_MEDIA_SERVER_CLIENT)

static JsonObject *
container_of (JsonNode *root)
{
  return JSON_NODE_HOLDS_OBJECT (root) ? exs_json_object (json_node_get_object (root), "MediaContainer") : NULL;
}

/* The server's artwork path ("/library/metadata/7/thumb/1"): it needs the
 * token, so the writer stores it as this server's /artwork route
 * (exs-media-server-artwork.c), never as a URL of the Plex server. */
static char *
artwork_url (ExsMediaServerClient *self, JsonObject *o, const char *member)
{
  const char *path = exs_json_text (o, member);

  return path && path[0] == '/' ? g_strdup (path) : NULL;
}

static void
add_genres (JsonObject *o, GPtrArray *genres)
{
  JsonArray *a = exs_json_array (o, "Genre");

  for (guint i = 0; a && i < json_array_get_length (a) && i < 32; i++)
    {
      JsonNode *n = json_array_get_element (a, i);
      const char *tag = JSON_NODE_HOLDS_OBJECT (n) ? exs_json_text (json_node_get_object (n), "tag") : NULL;
      if (tag && tag[0])
        g_ptr_array_add (genres, g_strdup (tag));
    }
}

/* Plex pages "Metadata" in a "MediaContainer"; a page without it is empty */
static const ExsMediaServerPaging metadata_paging = {
  "X-Plex-Container-Start", "X-Plex-Container-Size", "MediaContainer", "Metadata", FALSE, "totalSize",
};

static gboolean
on_section (ExsMediaServerClient *self, JsonObject *o, gpointer data, GError **error)
{
  g_autofree char *key = exs_json_dup_id (o, "key");
  const char *type = exs_json_text (o, "type");
  const char *kind = g_strcmp0 (type, "movie") == 0 ? "movies" : g_strcmp0 (type, "show") == 0 ? "shows" : NULL;

  if (key)
    g_ptr_array_add (data, exs_remote_library_new (key, exs_json_text (o, "title") ? exs_json_text (o, "title") : key,
                                                   kind));
  return TRUE;
}

static GPtrArray *
plex_list_libraries (ExsMediaServerClient *self, GCancellable *cancellable, GError **error)
{
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) exs_remote_library_free);
  g_autoptr (JsonNode) root = exs_media_server_client_get_json (self, "/library/sections", NULL, NULL, cancellable,
                                                                error);
  JsonObject *mc = root ? container_of (root) : NULL;
  JsonArray *dirs = exs_json_array (mc, "Directory");

  if (root == NULL)
    return NULL;
  if (mc == NULL)
    {
      g_set_error (error, EXS_MEDIA_SERVER_ERROR, EXS_MEDIA_SERVER_ERROR_BAD_REPLY,
                   "the Plex server's /library/sections has no MediaContainer (is this a Plex server?)");
      return NULL;
    }
  for (guint i = 0; dirs && i < json_array_get_length (dirs) && i < 1000; i++)
    {
      JsonNode *n = json_array_get_element (dirs, i);
      if (JSON_NODE_HOLDS_OBJECT (n))
        on_section (self, json_node_get_object (n), out, NULL);
    }
  return g_steal_pointer (&out);
}

static void
add_stream (ExsMediaFacts *facts, const char *kind, const char *codec, int width, int height, int channels)
{
  ExsStreamFacts *s = g_new0 (ExsStreamFacts, 1);
  int index = 0;

  for (guint i = 0; i < facts->streams->len; i++)
    if (g_str_equal (((ExsStreamFacts *) facts->streams->pdata[i])->kind, kind))
      index++;
  s->kind = g_strdup (kind);
  s->index = index;
  s->codec = g_ascii_strdown (codec, -1);
  s->width = width;
  s->height = height;
  s->channels = channels;
  g_ptr_array_add (facts->streams, s);
}

static gboolean
on_show (ExsMediaServerClient *self, JsonObject *o, gpointer data, GError **error)
{
  ExsRemoteCatalog *catalog = data;
  g_autoptr (ExsRemoteShow) show = exs_remote_show_new ();
  JsonObject *location = exs_json_first_object (o, "Location");

  show->id = exs_json_dup_id (o, "ratingKey");
  if (show->id == NULL || exs_json_text (o, "title") == NULL || g_hash_table_contains (catalog->shows, show->id))
    return TRUE;
  show->title = g_strdup (exs_json_text (o, "title"));
  show->sort_title = g_strdup (exs_json_text (o, "titleSort"));
  show->year = (int) CLAMP (exs_json_int (o, "year", 0), 0, 9999);
  show->plot = g_strdup (exs_json_text (o, "summary"));
  show->content_rating = g_strdup (exs_json_text (o, "contentRating"));
  show->studio = g_strdup (exs_json_text (o, "studio"));
  show->rating = exs_json_double (o, "audienceRating") > 0 ? exs_json_double (o, "audienceRating")
                                                           : exs_json_double (o, "rating");
  show->path = g_strdup (exs_json_text (location, "path"));
  show->poster = artwork_url (self, o, "thumb");
  show->fanart = artwork_url (self, o, "art");
  add_genres (o, show->genres);
  g_hash_table_insert (catalog->shows, show->id, show);
  g_steal_pointer (&show);
  return TRUE;
}

static gboolean
on_item (ExsMediaServerClient *self, JsonObject *o, gpointer data, GError **error)
{
  ExsRemoteCatalog *catalog = data;
  g_autoptr (ExsRemoteItem) item = exs_remote_item_new ();
  JsonObject *mo = exs_json_first_object (o, "Media");
  JsonObject *po = exs_json_first_object (mo, "Part");
  const char *part_key = exs_json_text (po, "key");
  gint64 updated = exs_json_int (o, "updatedAt", 0);

  item->id = exs_json_dup_id (o, "ratingKey");
  /* no part: nothing to play (a Plex "virtual" item); skip it */
  if (item->id == NULL || part_key == NULL || part_key[0] != '/' || strstr (part_key, "..")
      || exs_json_text (o, "title") == NULL)
    return TRUE;
  if (!exs_media_server_client_count_item (self, catalog, error))
    return FALSE;
  item->title = g_strdup (exs_json_text (o, "title"));
  item->sort_title = g_strdup (exs_json_text (o, "titleSort"));
  item->plot = g_strdup (exs_json_text (o, "summary"));
  item->year = (int) CLAMP (exs_json_int (o, "year", 0), 0, 9999);
  item->content_rating = g_strdup (exs_json_text (o, "contentRating"));
  item->studio = g_strdup (exs_json_text (o, "studio"));
  item->rating = exs_json_double (o, "audienceRating") > 0 ? exs_json_double (o, "audienceRating")
                                                           : exs_json_double (o, "rating");
  item->show_id = exs_json_dup_id (o, "grandparentRatingKey");
  if (item->show_id)
    {
      item->season = (int) CLAMP (exs_json_int (o, "parentIndex", -1), -1, 100000);
      item->episode = (int) CLAMP (exs_json_int (o, "index", -1), -1, 100000);
    }
  item->stamp = (updated > 0 ? updated : exs_json_int (o, "addedAt", 0)) * G_USEC_PER_SEC;
  item->size = exs_json_int (po, "size", 0);
  item->server_path = g_strdup (exs_json_text (po, "file"));
  item->stream_path = g_strdup (part_key);
  item->poster = artwork_url (self, o, item->show_id ? "grandparentThumb" : "thumb");
  item->thumb = artwork_url (self, o, "thumb");
  item->fanart = artwork_url (self, o, "art");
  add_genres (o, item->genres);
  item->facts->duration_ms = MAX (exs_json_int (o, "duration", 0), exs_json_int (mo, "duration", 0));
  item->facts->container = g_strdup (exs_json_text (po, "container") ? exs_json_text (po, "container")
                                                                       : exs_json_text (mo, "container"));
  if (exs_json_text (mo, "videoCodec"))
    add_stream (item->facts, "video", exs_json_text (mo, "videoCodec"), (int) exs_json_int (mo, "width", 0),
                (int) exs_json_int (mo, "height", 0), 0);
  if (exs_json_text (mo, "audioCodec"))
    add_stream (item->facts, "audio", exs_json_text (mo, "audioCodec"), 0, 0,
                (int) exs_json_int (mo, "audioChannels", 0));
  g_ptr_array_add (catalog->items, g_steal_pointer (&item));
  return TRUE;
}

static gboolean
on_member (ExsMediaServerClient *self, JsonObject *o, gpointer data, GError **error)
{
  exs_media_server_add_member (data, exs_json_dup_id (o, "ratingKey"));
  return TRUE;
}

typedef struct
{
  GPtrArray *found;      /* (element-type ExsRemoteCollection) */
  gboolean playlist;
} CollectionList;

static gboolean
on_collection (ExsMediaServerClient *self, JsonObject *o, gpointer data, GError **error)
{
  CollectionList *list = data;
  g_autofree char *id = exs_json_dup_id (o, "ratingKey");

  exs_media_server_add_collection (list->found, id, exs_json_text (o, "title"), list->playlist);
  return TRUE;
}

static gboolean
read_collections (ExsMediaServerClient *self, const char *path, const char *query, gboolean playlist,
                  ExsRemoteCatalog *catalog, GCancellable *cancellable, GError **error)
{
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func ((GDestroyNotify) exs_remote_collection_free);
  CollectionList list = { found, playlist };

  if (!exs_media_server_client_for_each_entry (self, path, query, on_collection, &list, cancellable, error))
    return FALSE;
  for (guint i = 0; i < found->len; i++)
    {
      ExsRemoteCollection *c = found->pdata[i];
      g_autofree char *members = g_strdup_printf (playlist ? "/playlists/%s/items" : "/library/collections/%s/children",
                                                  c->id);
      gboolean seen = FALSE;

      for (guint j = 0; j < catalog->collections->len; j++)
        seen = seen || g_str_equal (((ExsRemoteCollection *) catalog->collections->pdata[j])->id, c->id);
      if (seen)
        continue;
      if (!exs_media_server_client_for_each_entry (self, members, NULL, on_member, c, cancellable, error))
        return FALSE;
      g_ptr_array_add (catalog->collections, g_ptr_array_steal_index (found, i--));
    }
  return TRUE;
}

static gboolean
plex_read_library (ExsMediaServerClient *self, const ExsRemoteLibrary *library, ExsRemoteCatalog *catalog,
                   GCancellable *cancellable, GError **error)
{
  g_autofree char *all = g_strdup_printf ("/library/sections/%s/all", library->id);
  g_autofree char *collections = g_strdup_printf ("/library/sections/%s/collections", library->id);
  gboolean shows = g_strcmp0 (library->kind, "shows") == 0;

  if (shows && !exs_media_server_client_for_each_entry (self, all, "type=2", on_show, catalog, cancellable, error))
    return FALSE;
  if (!exs_media_server_client_for_each_entry (self, all, shows ? "type=4" : "type=1", on_item, catalog, cancellable,
                                               error))
    return FALSE;
  return read_collections (self, collections, NULL, FALSE, catalog, cancellable, error)
         && read_collections (self, "/playlists", "playlistType=video", TRUE, catalog, cancellable, error);
}

static void
exs_plex_client_class_init (ExsPlexClientClass *klass)
{
  ExsMediaServerClientClass *client_class = EXS_MEDIA_SERVER_CLIENT_CLASS (klass);

  client_class->list_libraries = plex_list_libraries;
  client_class->read_library = plex_read_library;
  client_class->paging = &metadata_paging;
}

static void
exs_plex_client_init (ExsPlexClient *self)
{
}
