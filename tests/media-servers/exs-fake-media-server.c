/* exs-fake-media-server.c: the Plex, Jellyfin and Emby servers of the
 * media-server tests. A SoupServer on 127.0.0.1 (port 0) in its own thread
 * and main context, so a test may block on HTTP to exstreamtv while this
 * answers exstreamtv. It answers what the clients ask, in the shapes of the
 * servers' public API documentation:
 *
 *   Plex      /library/sections, /library/sections/{k}/all?type=1|2|4
 *             (X-Plex-Container-Start/-Size paging, totalSize),
 *             /library/sections/{k}/collections, /library/collections/{id}/children,
 *             /playlists, /library/parts/{id}/{stamp}/file.mp4 (the media)
 *   Jellyfin  /Library/VirtualFolders, /Items?ParentId&IncludeItemTypes&StartIndex&Limit
 *   and Emby  (TotalRecordCount), /Videos/{id}/stream?static=true (the media)
 *
 * Every request must carry the token in the header the real server reads
 * (else 401). Items last 5 s: the clip the tests make is 5 s long.
 */
#include "config.h"

#include "exs-fake-media-server.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <stdlib.h>
#include <string.h>

#define DURATION_MS 5000

typedef struct
{
  char *id;
  char *kind;            /* "movie", "show" or "episode" */
  char *title;
  int year;
  char *server_path;
  char *show_id;
  int season, episode;
  int stamp;             /* bumped by every change */
} Entry;

typedef struct
{
  char *id;
  char *title;
  GStrv members;
} Collection;

struct _ExsFakeMediaServer
{
  char *source;
  char *token;
  GBytes *media;
  char *url;
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  SoupServer *server;

  GMutex lock;           /* protects what follows */
  GCond ready;
  GPtrArray *entries;    /* (element-type Entry) */
  GPtrArray *collections;
  guint delay_ms;
  int die_after;
  GHashTable *counts;    /* what → count */
};

static void
entry_free (Entry *e)
{
  g_free (e->id);
  g_free (e->kind);
  g_free (e->title);
  g_free (e->server_path);
  g_free (e->show_id);
  g_free (e);
}

static void
collection_free (Collection *c)
{
  g_free (c->id);
  g_free (c->title);
  g_strfreev (c->members);
  g_free (c);
}

static gboolean
is_plex (ExsFakeMediaServer *f)
{
  return g_str_equal (f->source, "plex");
}

static void
count (ExsFakeMediaServer *f, const char *what)
{
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (f->counts, what));

  g_hash_table_insert (f->counts, g_strdup (what), GUINT_TO_POINTER (n + 1));
}

static gboolean
authorized (ExsFakeMediaServer *f, SoupServerMessage *msg)
{
  SoupMessageHeaders *h = soup_server_message_get_request_headers (msg);
  g_autofree char *want = NULL;
  const char *got;

  if (is_plex (f))
    return g_strcmp0 (soup_message_headers_get_one (h, "X-Plex-Token"), f->token) == 0;
  if (g_str_equal (f->source, "emby"))
    return g_strcmp0 (soup_message_headers_get_one (h, "X-Emby-Token"), f->token) == 0;
  got = soup_message_headers_get_one (h, "Authorization");
  want = g_strdup_printf ("Token=\"%s\"", f->token);
  return got && g_str_has_prefix (got, "MediaBrowser ") && strstr (got, want);
}

/* ---- Plex ----------------------------------------------------------------- */

static JsonObject *
plex_entry (ExsFakeMediaServer *f, Entry *e)
{
  JsonObject *o = json_object_new ();
  JsonArray *genres = json_array_new ();
  JsonObject *genre = json_object_new ();

  json_object_set_string_member (o, "ratingKey", e->id);
  json_object_set_string_member (o, "key", "/library/metadata/x");
  json_object_set_string_member (o, "type", e->kind);
  json_object_set_string_member (o, "title", e->title);
  json_object_set_string_member (o, "summary", "What happens.");
  json_object_set_int_member (o, "year", e->year);
  json_object_set_string_member (o, "contentRating", "TV-PG");
  json_object_set_string_member (o, "studio", "Fake Studio");
  json_object_set_double_member (o, "audienceRating", 7.5);
  json_object_set_int_member (o, "addedAt", 1700000000);
  json_object_set_int_member (o, "updatedAt", 1700000000 + e->stamp);
  json_object_set_string_member (o, "thumb", "/library/metadata/1/thumb/1");
  json_object_set_string_member (genre, "tag", "Drama");
  json_array_add_object_element (genres, genre);
  json_object_set_array_member (o, "Genre", genres);
  if (g_str_equal (e->kind, "show"))
    {
      JsonArray *loc = json_array_new ();
      JsonObject *l = json_object_new ();
      g_autofree char *path = g_strdup_printf ("/data/tv/%s", e->title);

      json_object_set_string_member (l, "path", path);
      json_array_add_object_element (loc, l);
      json_object_set_array_member (o, "Location", loc);
      return o;
    }
  if (e->show_id)
    {
      json_object_set_string_member (o, "grandparentRatingKey", e->show_id);
      json_object_set_int_member (o, "parentIndex", e->season);
      json_object_set_int_member (o, "index", e->episode);
      json_object_set_string_member (o, "grandparentThumb", "/library/metadata/2/thumb/1");
    }
  json_object_set_int_member (o, "duration", DURATION_MS);
  {
    JsonArray *media = json_array_new ();
    JsonObject *m = json_object_new ();
    JsonArray *parts = json_array_new ();
    JsonObject *p = json_object_new ();
    g_autofree char *key = g_strdup_printf ("/library/parts/%s/%d/file.mp4", e->id, e->stamp);

    json_object_set_int_member (m, "duration", DURATION_MS);
    json_object_set_string_member (m, "container", "mp4");
    json_object_set_string_member (m, "videoCodec", "h264");
    json_object_set_string_member (m, "audioCodec", "aac");
    json_object_set_int_member (m, "audioChannels", 2);
    json_object_set_int_member (m, "width", 320);
    json_object_set_int_member (m, "height", 240);
    json_object_set_string_member (p, "key", key);
    json_object_set_string_member (p, "file", e->server_path);
    json_object_set_int_member (p, "size", (gint64) g_bytes_get_size (f->media));
    json_object_set_string_member (p, "container", "mp4");
    json_array_add_object_element (parts, p);
    json_object_set_array_member (m, "Part", parts);
    json_array_add_object_element (media, m);
    json_object_set_array_member (o, "Media", media);
  }
  return o;
}

static JsonNode *
plex_container (JsonArray *entries, const char *member, gint64 total)
{
  JsonObject *root = json_object_new ();
  JsonObject *mc = json_object_new ();

  json_object_set_int_member (mc, "size", json_array_get_length (entries));
  if (total >= 0)
    json_object_set_int_member (mc, "totalSize", total);
  json_object_set_array_member (mc, member, entries);
  json_object_set_object_member (root, "MediaContainer", mc);
  return json_node_init_object (json_node_alloc (), root);
}

/* A page of @all per the X-Plex-Container-Start/-Size query parameters. */
static JsonNode *
plex_page (GHashTable *params, GPtrArray *all, ExsFakeMediaServer *f)
{
  const char *start_s = params ? g_hash_table_lookup (params, "X-Plex-Container-Start") : NULL;
  const char *size_s = params ? g_hash_table_lookup (params, "X-Plex-Container-Size") : NULL;
  guint start = start_s ? (guint) atoi (start_s) : 0;
  guint size = size_s ? (guint) atoi (size_s) : G_MAXUINT;
  JsonArray *page = json_array_new ();

  for (guint i = start; i < all->len && i - start < size; i++)
    json_array_add_object_element (page, plex_entry (f, all->pdata[i]));
  return plex_container (page, "Metadata", all->len);
}

static JsonNode *
plex_answer (ExsFakeMediaServer *f, const char *path, GHashTable *params)
{
  g_autoptr (GPtrArray) selected = g_ptr_array_new ();
  g_auto (GStrv) parts = g_strsplit (path, "/", -1);
  guint n = g_strv_length (parts);

  if (g_str_equal (path, "/library/sections"))
    {
      JsonArray *dirs = json_array_new ();
      const char *const rows[][3] = { { "1", "movie", "Films" }, { "2", "show", "TV" }, { "3", "artist", "Music" } };

      for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
        {
          JsonObject *d = json_object_new ();
          json_object_set_string_member (d, "key", rows[i][0]);
          json_object_set_string_member (d, "type", rows[i][1]);
          json_object_set_string_member (d, "title", rows[i][2]);
          json_array_add_object_element (dirs, d);
        }
      return plex_container (dirs, "Directory", -1);
    }
  if (n == 5 && g_str_equal (parts[1], "library") && g_str_equal (parts[2], "sections") && g_str_equal (parts[4], "all"))
    {
      const char *type = params ? g_hash_table_lookup (params, "type") : NULL;
      const char *kind = g_strcmp0 (type, "1") == 0 ? "movie" : g_strcmp0 (type, "2") == 0 ? "show" : "episode";
      gboolean movies_section = g_str_equal (parts[3], "1");

      count (f, "pages");
      for (guint i = 0; i < f->entries->len; i++)
        {
          Entry *e = f->entries->pdata[i];
          if (g_str_equal (e->kind, kind) && movies_section == g_str_equal (kind, "movie"))
            g_ptr_array_add (selected, e);
        }
      return plex_page (params, selected, f);
    }
  if (n == 5 && g_str_equal (parts[4], "collections"))
    {
      JsonArray *list = json_array_new ();
      for (guint i = 0; i < f->collections->len; i++)
        {
          Collection *c = f->collections->pdata[i];
          JsonObject *o = json_object_new ();
          json_object_set_string_member (o, "ratingKey", c->id);
          json_object_set_string_member (o, "title", c->title);
          json_array_add_object_element (list, o);
        }
      return plex_container (list, "Metadata", f->collections->len);
    }
  if (n == 5 && g_str_equal (parts[2], "collections") && g_str_equal (parts[4], "children"))
    {
      for (guint i = 0; i < f->collections->len; i++)
        {
          Collection *c = f->collections->pdata[i];
          if (!g_str_equal (c->id, parts[3]))
            continue;
          for (guint j = 0; c->members[j]; j++)
            for (guint k = 0; k < f->entries->len; k++)
              if (g_str_equal (((Entry *) f->entries->pdata[k])->id, c->members[j]))
                g_ptr_array_add (selected, f->entries->pdata[k]);
        }
      return plex_page (params, selected, f);
    }
  if (g_str_equal (path, "/playlists"))
    return plex_container (json_array_new (), "Metadata", 0);
  return NULL;
}

/* ---- Jellyfin and Emby ---------------------------------------------------- */

static JsonObject *
jellyfin_entry (ExsFakeMediaServer *f, Entry *e)
{
  JsonObject *o = json_object_new ();
  JsonArray *genres = json_array_new ();
  JsonObject *tags = json_object_new ();
  g_autofree char *etag = g_strdup_printf ("etag-%s-%d", e->id, e->stamp);
  const char *type = g_str_equal (e->kind, "movie") ? "Movie" : g_str_equal (e->kind, "show") ? "Series" : "Episode";

  json_object_set_string_member (o, "Id", e->id);
  json_object_set_string_member (o, "Name", e->title);
  json_object_set_string_member (o, "Type", type);
  json_object_set_int_member (o, "ProductionYear", e->year);
  json_object_set_string_member (o, "Overview", "What happens.");
  json_object_set_string_member (o, "OfficialRating", "TV-PG");
  json_object_set_double_member (o, "CommunityRating", 7.5);
  json_object_set_string_member (o, "Etag", etag);
  json_object_set_string_member (o, "DateCreated", "2023-11-14T22:13:20.0000000Z");
  json_array_add_string_element (genres, "Drama");
  json_object_set_array_member (o, "Genres", genres);
  json_object_set_string_member (tags, "Primary", "abc");
  json_object_set_object_member (o, "ImageTags", tags);
  json_object_set_array_member (o, "BackdropImageTags", json_array_new ());
  json_object_set_string_member (o, "LocationType", "FileSystem");
  if (g_str_equal (e->kind, "show"))
    {
      g_autofree char *path = g_strdup_printf ("/data/tv/%s", e->title);
      json_object_set_string_member (o, "Path", path);
      return o;
    }
  json_object_set_string_member (o, "Path", e->server_path);
  json_object_set_int_member (o, "RunTimeTicks", (gint64) DURATION_MS * 10000);
  if (e->show_id)
    {
      json_object_set_string_member (o, "SeriesId", e->show_id);
      json_object_set_int_member (o, "ParentIndexNumber", e->season);
      json_object_set_int_member (o, "IndexNumber", e->episode);
    }
  {
    JsonArray *sources = json_array_new ();
    JsonObject *s = json_object_new ();
    JsonArray *streams = json_array_new ();
    JsonObject *v = json_object_new ();
    JsonObject *a = json_object_new ();

    json_object_set_string_member (s, "Path", e->server_path);
    json_object_set_string_member (s, "Container", "mp4");
    json_object_set_int_member (s, "Size", (gint64) g_bytes_get_size (f->media));
    json_object_set_string_member (v, "Type", "Video");
    json_object_set_string_member (v, "Codec", "h264");
    json_object_set_int_member (v, "Width", 320);
    json_object_set_int_member (v, "Height", 240);
    json_object_set_string_member (a, "Type", "Audio");
    json_object_set_string_member (a, "Codec", "aac");
    json_object_set_int_member (a, "Channels", 2);
    json_object_set_int_member (a, "SampleRate", 48000);
    json_array_add_object_element (streams, v);
    json_array_add_object_element (streams, a);
    json_object_set_array_member (s, "MediaStreams", streams);
    json_array_add_object_element (sources, s);
    json_object_set_array_member (o, "MediaSources", sources);
  }
  return o;
}

static JsonNode *
jellyfin_items (ExsFakeMediaServer *f, GHashTable *params)
{
  const char *parent = params ? g_hash_table_lookup (params, "ParentId") : NULL;
  const char *types = params ? g_hash_table_lookup (params, "IncludeItemTypes") : NULL;
  const char *start_s = params ? g_hash_table_lookup (params, "StartIndex") : NULL;
  const char *limit_s = params ? g_hash_table_lookup (params, "Limit") : NULL;
  guint start = start_s ? (guint) atoi (start_s) : 0;
  guint limit = limit_s ? (guint) atoi (limit_s) : G_MAXUINT;
  g_autoptr (GPtrArray) all = g_ptr_array_new ();
  JsonObject *root = json_object_new ();
  JsonArray *items = json_array_new ();

  count (f, "pages");
  if (types && strstr (types, "BoxSet"))
    {
      for (guint i = 0; i < f->collections->len; i++)
        {
          Collection *c = f->collections->pdata[i];
          JsonObject *o = json_object_new ();
          json_object_set_string_member (o, "Id", c->id);
          json_object_set_string_member (o, "Name", c->title);
          json_object_set_string_member (o, "Type", "BoxSet");
          json_array_add_object_element (items, o);
        }
      json_object_set_array_member (root, "Items", items);
      json_object_set_int_member (root, "TotalRecordCount", f->collections->len);
      return json_node_init_object (json_node_alloc (), root);
    }
  for (guint i = 0; i < f->collections->len; i++)
    {
      Collection *c = f->collections->pdata[i];
      if (g_strcmp0 (parent, c->id) != 0)
        continue;
      for (guint j = 0; c->members[j]; j++)
        for (guint k = 0; k < f->entries->len; k++)
          if (g_str_equal (((Entry *) f->entries->pdata[k])->id, c->members[j]))
            g_ptr_array_add (all, f->entries->pdata[k]);
    }
  for (guint i = 0; types && i < f->entries->len; i++)
    {
      Entry *e = f->entries->pdata[i];
      const char *want = g_str_equal (e->kind, "movie") ? "Movie" : g_str_equal (e->kind, "show") ? "Series" : "Episode";
      gboolean in_parent = g_str_equal (e->kind, "movie") ? g_strcmp0 (parent, "lib-films") == 0
                                                          : g_strcmp0 (parent, "lib-tv") == 0;
      if (in_parent && g_str_equal (types, want))
        g_ptr_array_add (all, e);
    }
  for (guint i = start; i < all->len && i - start < limit; i++)
    json_array_add_object_element (items, jellyfin_entry (f, all->pdata[i]));
  json_object_set_array_member (root, "Items", items);
  json_object_set_int_member (root, "TotalRecordCount", all->len);
  json_object_set_int_member (root, "StartIndex", start);
  return json_node_init_object (json_node_alloc (), root);
}

static JsonNode *
jellyfin_answer (ExsFakeMediaServer *f, const char *path, GHashTable *params)
{
  if (g_str_equal (path, "/Library/VirtualFolders"))
    {
      JsonArray *a = json_array_new ();
      const char *const rows[][3] = { { "lib-films", "movies", "Films" }, { "lib-tv", "tvshows", "TV" },
                                      { "lib-music", "music", "Music" } };

      for (guint i = 0; i < G_N_ELEMENTS (rows); i++)
        {
          JsonObject *o = json_object_new ();
          json_object_set_string_member (o, "ItemId", rows[i][0]);
          json_object_set_string_member (o, "CollectionType", rows[i][1]);
          json_object_set_string_member (o, "Name", rows[i][2]);
          json_array_add_object_element (a, o);
        }
      return json_node_init_array (json_node_alloc (), a);
    }
  if (g_str_equal (path, "/Items"))
    return jellyfin_items (f, params);
  return NULL;
}

/* ---- the server ----------------------------------------------------------- */

static gboolean
is_stream_path (ExsFakeMediaServer *f, const char *path)
{
  if (is_plex (f))
    return g_str_has_prefix (path, "/library/parts/");
  return g_str_has_prefix (path, "/Videos/") && g_str_has_suffix (path, "/stream");
}

static gboolean
on_delay_done_cb (gpointer data)
{
  SoupServerMessage *msg = data;

  soup_server_message_unpause (msg);
  return G_SOURCE_REMOVE;
}

static void
on_request_cb (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query, gpointer data)
{
  ExsFakeMediaServer *f = data;
  g_autoptr (JsonNode) answer = NULL;
  guint delay;

  g_mutex_lock (&f->lock);
  count (f, "requests");
  if (f->die_after == 0)
    {
      GIOStream *stream;

      count (f, "dropped");
      g_mutex_unlock (&f->lock);
      stream = soup_server_message_steal_connection (msg);
      g_io_stream_close (stream, NULL, NULL);
      g_object_unref (stream);
      return;
    }
  if (f->die_after > 0)
    f->die_after--;
  delay = f->delay_ms;
  if (!authorized (f, msg))
    {
      count (f, "unauthorized");
      soup_server_message_set_status (msg, 401, NULL);
    }
  else if (is_plex (f) && g_str_has_prefix (path, "/library/metadata/") && strstr (path, "/thumb/"))
    {
      /* artwork: a PNG (the 8-byte signature and a little more is enough to tell) */
      static const char png[] = "\x89PNG\r\n\x1a\nfake-artwork";

      count (f, "artwork");
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "image/png", SOUP_MEMORY_STATIC, png, sizeof png - 1);
    }
  else if (is_stream_path (f, path))
    {
      count (f, "streams");
      soup_server_message_set_status (msg, 200, NULL);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Content-Type", "video/mp4");
      soup_message_body_append_bytes (soup_server_message_get_response_body (msg), f->media);
    }
  else if ((answer = is_plex (f) ? plex_answer (f, path, query) : jellyfin_answer (f, path, query)))
    {
      char *text = json_to_string (answer, FALSE);
      gsize len = strlen (text);

      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, text, len);
    }
  else
    soup_server_message_set_status (msg, 404, NULL);
  g_mutex_unlock (&f->lock);
  if (delay > 0)
    {
      GSource *source = g_timeout_source_new (delay);

      soup_server_message_pause (msg);
      g_source_set_callback (source, on_delay_done_cb, g_object_ref (msg), g_object_unref);
      g_source_attach (source, f->context);
      g_source_unref (source);
    }
}

static gpointer
server_thread (gpointer data)
{
  ExsFakeMediaServer *f = data;
  g_autoptr (GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (f->context);
  f->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (f->server, NULL, on_request_cb, f, NULL);
  if (!soup_server_listen_local (f->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    g_error ("fake %s server: %s", f->source, error->message);
  uris = soup_server_get_uris (f->server);
  g_mutex_lock (&f->lock);
  f->url = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_cond_signal (&f->ready);
  g_mutex_unlock (&f->lock);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  g_main_loop_run (f->loop);
  soup_server_disconnect (f->server);
  g_clear_object (&f->server);
  g_main_context_pop_thread_default (f->context);
  return NULL;
}

ExsFakeMediaServer *
exs_fake_media_server_new (const char *source, const char *token, const char *media)
{
  ExsFakeMediaServer *f = g_new0 (ExsFakeMediaServer, 1);
  g_autoptr (GError) error = NULL;
  char *data;
  gsize len;

  if (!g_file_get_contents (media, &data, &len, &error))
    g_error ("fake server: %s", error->message);
  f->source = g_strdup (source);
  f->token = g_strdup (token);
  f->media = g_bytes_new_take (data, len);
  f->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  f->collections = g_ptr_array_new_with_free_func ((GDestroyNotify) collection_free);
  f->counts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  f->die_after = -1;
  g_mutex_init (&f->lock);
  g_cond_init (&f->ready);
  f->context = g_main_context_new ();
  f->loop = g_main_loop_new (f->context, FALSE);
  f->thread = g_thread_new ("fake-media-server", server_thread, f);
  g_mutex_lock (&f->lock);
  while (f->url == NULL)
    g_cond_wait (&f->ready, &f->lock);
  g_mutex_unlock (&f->lock);
  return f;
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
exs_fake_media_server_free (ExsFakeMediaServer *f)
{
  if (f == NULL)
    return;
  g_main_context_invoke (f->context, quit_cb, f->loop);
  g_thread_join (f->thread);
  g_main_loop_unref (f->loop);
  g_main_context_unref (f->context);
  g_ptr_array_unref (f->entries);
  g_ptr_array_unref (f->collections);
  g_hash_table_unref (f->counts);
  g_bytes_unref (f->media);
  g_mutex_clear (&f->lock);
  g_cond_clear (&f->ready);
  g_free (f->source);
  g_free (f->token);
  g_free (f->url);
  g_free (f);
}

const char *
exs_fake_media_server_get_url (ExsFakeMediaServer *f)
{
  return f->url;
}

const char *
exs_fake_media_server_movies_id (ExsFakeMediaServer *f)
{
  return is_plex (f) ? "1" : "lib-films";
}

const char *
exs_fake_media_server_shows_id (ExsFakeMediaServer *f)
{
  return is_plex (f) ? "2" : "lib-tv";
}

static void
add_entry (ExsFakeMediaServer *f, const char *id, const char *kind, const char *title, int year, const char *path,
           const char *show_id, int season, int episode)
{
  Entry *e = g_new0 (Entry, 1);

  e->id = g_strdup (id);
  e->kind = g_strdup (kind);
  e->title = g_strdup (title);
  e->year = year;
  e->server_path = g_strdup (path);
  e->show_id = g_strdup (show_id);
  e->season = season;
  e->episode = episode;
  g_mutex_lock (&f->lock);
  g_ptr_array_add (f->entries, e);
  g_mutex_unlock (&f->lock);
}

void
exs_fake_media_server_add_movie (ExsFakeMediaServer *f, const char *id, const char *title, int year,
                                 const char *server_path)
{
  add_entry (f, id, "movie", title, year, server_path, NULL, -1, -1);
}

void
exs_fake_media_server_add_show (ExsFakeMediaServer *f, const char *id, const char *title)
{
  add_entry (f, id, "show", title, 2020, NULL, NULL, -1, -1);
}

void
exs_fake_media_server_add_episode (ExsFakeMediaServer *f, const char *id, const char *show_id, int season,
                                   int episode, const char *title, const char *server_path)
{
  add_entry (f, id, "episode", title, 2020, server_path, show_id, season, episode);
}

void
exs_fake_media_server_add_collection (ExsFakeMediaServer *f, const char *id, const char *title,
                                      const char *const *members)
{
  Collection *c = g_new0 (Collection, 1);

  c->id = g_strdup (id);
  c->title = g_strdup (title);
  c->members = g_strdupv ((char **) members);
  g_mutex_lock (&f->lock);
  g_ptr_array_add (f->collections, c);
  g_mutex_unlock (&f->lock);
}

void
exs_fake_media_server_retitle (ExsFakeMediaServer *f, const char *id, const char *title)
{
  g_mutex_lock (&f->lock);
  for (guint i = 0; i < f->entries->len; i++)
    {
      Entry *e = f->entries->pdata[i];
      if (g_str_equal (e->id, id))
        {
          g_free (e->title);
          e->title = g_strdup (title);
          e->stamp++;
        }
    }
  g_mutex_unlock (&f->lock);
}

void
exs_fake_media_server_remove (ExsFakeMediaServer *f, const char *id)
{
  g_mutex_lock (&f->lock);
  for (guint i = 0; i < f->entries->len; i++)
    if (g_str_equal (((Entry *) f->entries->pdata[i])->id, id))
      g_ptr_array_remove_index (f->entries, i--);
  g_mutex_unlock (&f->lock);
}

void
exs_fake_media_server_set_delay (ExsFakeMediaServer *f, guint ms)
{
  g_mutex_lock (&f->lock);
  f->delay_ms = ms;
  g_mutex_unlock (&f->lock);
}

void
exs_fake_media_server_die_after (ExsFakeMediaServer *f, int n)
{
  g_mutex_lock (&f->lock);
  f->die_after = n;
  g_mutex_unlock (&f->lock);
}

guint
exs_fake_media_server_count (ExsFakeMediaServer *f, const char *what)
{
  guint n;

  g_mutex_lock (&f->lock);
  n = GPOINTER_TO_UINT (g_hash_table_lookup (f->counts, what));
  g_mutex_unlock (&f->lock);
  return n;
}
