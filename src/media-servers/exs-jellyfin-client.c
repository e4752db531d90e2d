/* exs-jellyfin-client.c: ExsJellyfinClient, the Jellyfin API — and Emby's,
 * which it comes from: the same paths and JSON, only the token header
 * differs (exs_media_server_auth_header()); an Emby address may end in
 * /emby.
 *
 *   GET /Library/VirtualFolders                 the libraries (ItemId, CollectionType)
 *   GET /Items?ParentId=..&Recursive=true&IncludeItemTypes=Movie|Series|Episode
 *       &Fields=..&StartIndex=..&Limit=..        paged; TotalRecordCount ends it
 *   GET /Items?IncludeItemTypes=BoxSet|Playlist&Recursive=true, then
 *   GET /Items?ParentId={id}                    collections, playlists and their members
 *
 * An item plays from /Videos/{Id}/stream?static=true (the file as it is,
 * the token in the header); MediaSources[0].Path is the file on the
 * server's disk, for path mappings. The Etag (or DateCreated when there is
 * none) is the change stamp an incremental sync compares.
 */
#include "config.h"

#include "exs-jellyfin-client.h"

#include <string.h>

#define ITEM_FIELDS "Overview,Genres,Path,MediaSources,Etag,DateCreated,OfficialRating,Studios,SortName"

struct _ExsJellyfinClient
{
  ExsMediaServerClient parent_instance;
};

G_DEFINE_FINAL_TYPE (ExsJellyfinClient, exs_jellyfin_client, EXS_TYPE_MEDIA_SERVER_CLIENT)

static GPtrArray *
jellyfin_list_libraries (ExsMediaServerClient *self, GCancellable *cancellable, GError **error)
{
  g_autoptr (GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) exs_remote_library_free);
  g_autoptr (JsonNode) root = exs_media_server_client_get_json (self, "/Library/VirtualFolders", NULL, NULL,
                                                                cancellable, error);
  JsonArray *folders;

  if (root == NULL)
    return NULL;
  if (!JSON_NODE_HOLDS_ARRAY (root))
    {
      g_set_error (error, EXS_MEDIA_SERVER_ERROR, EXS_MEDIA_SERVER_ERROR_BAD_REPLY,
                   "the server's /Library/VirtualFolders is not a list (is this a Jellyfin or Emby server?)");
      return NULL;
    }
  folders = json_node_get_array (root);
  for (guint i = 0; i < json_array_get_length (folders) && i < 1000; i++)
    {
      JsonNode *n = json_array_get_element (folders, i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
      g_autofree char *id = exs_json_dup_id (o, "ItemId");
      const char *type = exs_json_text (o, "CollectionType");
      const char *kind = g_strcmp0 (type, "movies") == 0 ? "movies" : g_strcmp0 (type, "tvshows") == 0 ? "shows" : NULL;

      if (id)
        g_ptr_array_add (out, exs_remote_library_new (id, exs_json_text (o, "Name") ? exs_json_text (o, "Name") : id,
                                                      kind));
    }
  return g_steal_pointer (&out);
}

/* /Items pages its "Items"; a page without them is a bad reply */
static const ExsMediaServerPaging items_paging = {
  "StartIndex", "Limit", NULL, "Items", TRUE, "TotalRecordCount",
};

/* Calls @func on every item /Items answers @query with, page by page. */
static gboolean
for_each_item (ExsMediaServerClient *self, const char *query, ExsMediaServerEntryFunc func, gpointer data,
               GCancellable *cancellable, GError **error)
{
  return exs_media_server_client_for_each_entry (self, "/Items", query, func, data, cancellable, error);
}

static char *
image_url (ExsMediaServerClient *self, const char *id, const char *type)
{
  g_autofree char *path = g_strdup_printf ("/Items/%s/Images/%s", id, type);

  return exs_media_server_client_dup_url (self, path);
}

static void
add_strings (JsonObject *o, const char *member, const char *key, GPtrArray *out)
{
  JsonArray *a = exs_json_array (o, member);

  for (guint i = 0; a && i < json_array_get_length (a) && i < 32; i++)
    {
      JsonNode *n = json_array_get_element (a, i);
      const char *text = NULL;

      if (key == NULL && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
        text = json_node_get_string (n);
      else if (key && JSON_NODE_HOLDS_OBJECT (n))
        text = exs_json_text (json_node_get_object (n), key);
      if (text && text[0])
        g_ptr_array_add (out, g_strdup (text));
    }
}

static char *
first_studio (JsonObject *o)
{
  g_autoptr (GPtrArray) studios = g_ptr_array_new_with_free_func (g_free);

  add_strings (o, "Studios", "Name", studios);
  return studios->len ? g_strdup (studios->pdata[0]) : NULL;
}

static gboolean
has_image (JsonObject *o, const char *type)
{
  return exs_json_text (exs_json_object (o, "ImageTags"), type) != NULL;
}

static gboolean
on_series (ExsMediaServerClient *self, JsonObject *o, gpointer data, GError **error)
{
  ExsRemoteCatalog *catalog = data;
  g_autoptr (ExsRemoteShow) show = exs_remote_show_new ();
  JsonArray *backdrops = exs_json_array (o, "BackdropImageTags");

  show->id = exs_json_dup_id (o, "Id");
  if (show->id == NULL || exs_json_text (o, "Name") == NULL || g_hash_table_contains (catalog->shows, show->id))
    return TRUE;
  show->title = g_strdup (exs_json_text (o, "Name"));
  show->sort_title = g_strdup (exs_json_text (o, "SortName"));
  show->year = (int) CLAMP (exs_json_int (o, "ProductionYear", 0), 0, 9999);
  show->plot = g_strdup (exs_json_text (o, "Overview"));
  show->content_rating = g_strdup (exs_json_text (o, "OfficialRating"));
  show->studio = first_studio (o);
  show->rating = exs_json_double (o, "CommunityRating");
  show->path = g_strdup (exs_json_text (o, "Path"));
  if (has_image (o, "Primary"))
    show->poster = image_url (self, show->id, "Primary");
  if (backdrops && json_array_get_length (backdrops) > 0)
    show->fanart = image_url (self, show->id, "Backdrop");
  add_strings (o, "Genres", NULL, show->genres);
  g_hash_table_insert (catalog->shows, show->id, show);
  g_steal_pointer (&show);
  return TRUE;
}

static void
add_streams (JsonObject *source, ExsMediaFacts *facts)
{
  JsonArray *streams = exs_json_array (source, "MediaStreams");
  int counts[3] = { 0, 0, 0 };

  for (guint i = 0; streams && i < json_array_get_length (streams) && i < 64; i++)
    {
      JsonNode *n = json_array_get_element (streams, i);
      JsonObject *s = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
      const char *type = exs_json_text (s, "Type");
      const char *codec = exs_json_text (s, "Codec");
      int k = g_strcmp0 (type, "Video") == 0 ? 0 : g_strcmp0 (type, "Audio") == 0 ? 1 : g_strcmp0 (type, "Subtitle") == 0 ? 2 : -1;
      ExsStreamFacts *f;

      if (k < 0 || codec == NULL)
        continue;
      f = g_new0 (ExsStreamFacts, 1);
      f->kind = g_strdup (k == 0 ? "video" : k == 1 ? "audio" : "subtitle");
      f->index = counts[k]++;
      f->codec = g_ascii_strdown (codec, -1);
      f->width = (int) CLAMP (exs_json_int (s, "Width", 0), 0, 100000);
      f->height = (int) CLAMP (exs_json_int (s, "Height", 0), 0, 100000);
      f->channels = (int) CLAMP (exs_json_int (s, "Channels", 0), 0, 64);
      f->sample_rate = (int) CLAMP (exs_json_int (s, "SampleRate", 0), 0, 1000000);
      f->language = g_strdup (exs_json_text (s, "Language"));
      f->title = g_strdup (exs_json_text (s, "DisplayTitle"));
      g_ptr_array_add (facts->streams, f);
    }
}

/* The change stamp: the Etag's first 60 bits, or DateCreated. */
static gint64
item_stamp (JsonObject *o)
{
  const char *etag = exs_json_text (o, "Etag");
  const char *created = exs_json_text (o, "DateCreated");

  if (etag && etag[0])
    {
      g_autofree char *sum = g_compute_checksum_for_string (G_CHECKSUM_SHA1, etag, -1);
      sum[15] = '\0';
      return (gint64) g_ascii_strtoull (sum, NULL, 16);
    }
  if (created)
    {
      g_autoptr (GDateTime) when = g_date_time_new_from_iso8601 (created, NULL);
      if (when)
        return g_date_time_to_unix (when) * G_USEC_PER_SEC;
    }
  return 0;
}

static gboolean
on_video (ExsMediaServerClient *self, JsonObject *o, gpointer data, GError **error)
{
  ExsRemoteCatalog *catalog = data;
  g_autoptr (ExsRemoteItem) item = exs_remote_item_new ();
  JsonObject *source = exs_json_first_object (o, "MediaSources");
  JsonArray *backdrops = exs_json_array (o, "BackdropImageTags");
  gint64 ticks = exs_json_int (o, "RunTimeTicks", 0);

  item->id = exs_json_dup_id (o, "Id");
  /* virtual items (missing episodes) have no file */
  if (item->id == NULL || exs_json_text (o, "Name") == NULL || g_strcmp0 (exs_json_text (o, "LocationType"), "Virtual") == 0)
    return TRUE;
  if (!exs_media_server_client_count_item (self, catalog, error))
    return FALSE;
  item->title = g_strdup (exs_json_text (o, "Name"));
  item->sort_title = g_strdup (exs_json_text (o, "SortName"));
  item->plot = g_strdup (exs_json_text (o, "Overview"));
  item->year = (int) CLAMP (exs_json_int (o, "ProductionYear", 0), 0, 9999);
  item->content_rating = g_strdup (exs_json_text (o, "OfficialRating"));
  item->studio = first_studio (o);
  item->rating = exs_json_double (o, "CommunityRating");
  item->show_id = exs_json_dup_id (o, "SeriesId");
  if (item->show_id)
    {
      item->season = (int) CLAMP (exs_json_int (o, "ParentIndexNumber", -1), -1, 100000);
      item->episode = (int) CLAMP (exs_json_int (o, "IndexNumber", -1), -1, 100000);
    }
  item->stamp = item_stamp (o);
  item->size = exs_json_int (source, "Size", 0);
  item->server_path = g_strdup (exs_json_text (source, "Path") ? exs_json_text (source, "Path")
                                                               : exs_json_text (o, "Path"));
  item->stream_path = g_strdup_printf ("/Videos/%s/stream?static=true", item->id);
  if (item->show_id)
    item->poster = image_url (self, item->show_id, "Primary");
  else if (has_image (o, "Primary"))
    item->poster = image_url (self, item->id, "Primary");
  if (item->show_id && has_image (o, "Primary"))
    item->thumb = image_url (self, item->id, "Primary");
  if (backdrops && json_array_get_length (backdrops) > 0)
    item->fanart = image_url (self, item->id, "Backdrop");
  add_strings (o, "Genres", NULL, item->genres);
  item->facts->duration_ms = ticks > 0 ? ticks / 10000 : 0;
  item->facts->container = g_strdup (exs_json_text (source, "Container") ? exs_json_text (source, "Container")
                                                                         : exs_json_text (o, "Container"));
  add_streams (source, item->facts);
  g_ptr_array_add (catalog->items, g_steal_pointer (&item));
  return TRUE;
}

static gboolean
on_member (ExsMediaServerClient *self, JsonObject *o, gpointer data, GError **error)
{
  exs_media_server_add_member (data, exs_json_dup_id (o, "Id"));
  return TRUE;
}

static gboolean
on_collection (ExsMediaServerClient *self, JsonObject *o, gpointer data, GError **error)
{
  g_autofree char *id = exs_json_dup_id (o, "Id");

  exs_media_server_add_collection (data, id, exs_json_text (o, "Name"),
                                   g_strcmp0 (exs_json_text (o, "Type"), "Playlist") == 0);
  return TRUE;
}

static gboolean
read_collections (ExsMediaServerClient *self, ExsRemoteCatalog *catalog, GCancellable *cancellable, GError **error)
{
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func ((GDestroyNotify) exs_remote_collection_free);

  if (catalog->collections->len > 0)
    return TRUE; /* server-wide: read once per sync */
  if (!for_each_item (self, "IncludeItemTypes=BoxSet,Playlist&Recursive=true", on_collection, found, cancellable,
                      error))
    return FALSE;
  for (guint i = 0; i < found->len; i++)
    {
      ExsRemoteCollection *c = found->pdata[i];
      g_autofree char *query = g_strdup_printf ("ParentId=%s", c->id);

      if (!for_each_item (self, query, on_member, c, cancellable, error))
        return FALSE;
    }
  g_ptr_array_extend_and_steal (catalog->collections, g_steal_pointer (&found));
  return TRUE;
}

static gboolean
jellyfin_read_library (ExsMediaServerClient *self, const ExsRemoteLibrary *library, ExsRemoteCatalog *catalog,
                       GCancellable *cancellable, GError **error)
{
  gboolean shows = g_strcmp0 (library->kind, "shows") == 0;
  g_autofree char *series = g_strdup_printf ("ParentId=%s&Recursive=true&IncludeItemTypes=Series&Fields=" ITEM_FIELDS,
                                             library->id);
  g_autofree char *videos = g_strdup_printf ("ParentId=%s&Recursive=true&IncludeItemTypes=%s&Fields=" ITEM_FIELDS,
                                             library->id, shows ? "Episode" : "Movie");

  if (shows && !for_each_item (self, series, on_series, catalog, cancellable, error))
    return FALSE;
  return for_each_item (self, videos, on_video, catalog, cancellable, error)
         && read_collections (self, catalog, cancellable, error);
}

static void
exs_jellyfin_client_class_init (ExsJellyfinClientClass *klass)
{
  ExsMediaServerClientClass *client_class = EXS_MEDIA_SERVER_CLIENT_CLASS (klass);

  client_class->list_libraries = jellyfin_list_libraries;
  client_class->read_library = jellyfin_read_library;
  client_class->paging = &items_paging;
}

static void
exs_jellyfin_client_init (ExsJellyfinClient *self)
{
}
