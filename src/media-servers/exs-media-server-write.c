/* exs-media-server-write.c: the write step of a media-server sync, in the
 * sync's worker thread on its own connection; all SQL is in the library
 * stores, as for a folder scan (exs-library-scan-write.c).
 *
 * An item is known by its play URI, exs-media://<library>/<stream path>
 * #<path on the server>: no token in it, so a playout, a log line or the
 * API can show it. An item whose change stamp (Plex updatedAt, Jellyfin
 * Etag) and size are as stored is left alone ("unchanged"); the others are
 * written with their show, stream facts, genres and rating. Items the server
 * no longer lists are marked missing, as deleted local files are, and come
 * back when it lists them again. Server collections and playlists become
 * manual collections named "<Server>: <title>" (playlists "<Server>
 * playlist: <title>"), their members kept in the server's order.
 *
 * Writes go in transactions of WRITE_BATCH items so readers are not held
 * up by one long one.
 */
#include "config.h"

#include "exs-media-server-write.h"

#include "exs-media-server-artwork.h"

#include "exs-media-name.h"
#include "exs-media-store-write.h"
#include "exs-media-store.h"

#include <string.h>

#define WRITE_BATCH 64

typedef struct
{
  ExsDatabase *db;
  const ExsLibraryRecord *library;
  ExsRemoteCatalog *catalog;
  GHashTable *stored;        /* uri → ExsMediaFileState */
  GHashTable *identities;    /* exs_media_server_uri_identity() → stored uri (borrowed from stored) */
  GHashTable *show_keys;     /* folder or title → gint64 show id */
  GHashTable *shows_written; /* server show id → gint64 show id, shows saved this sync */
  GHashTable *item_ids;      /* server item id → gint64 media item id */
  gint64 now;
} Writer;

/**
 * exs_media_server_item_uri:
 *
 * Returns: (transfer full): the URI a channel plays @item by; see
 *   ExsMediaServerSrc
 */
char *
exs_media_server_item_uri (gint64 library_id, const ExsRemoteItem *item)
{
  g_autofree char *fragment = item->server_path ? g_uri_escape_string (item->server_path, "/", FALSE) : NULL;

  return g_strdup_printf ("exs-media://%" G_GINT64_FORMAT "%s%s%s", library_id, item->stream_path,
                          fragment ? "#" : "", fragment ? fragment : "");
}

/**
 * exs_media_server_uri_identity:
 *
 * Returns: (transfer full): what stays the same in an item's URI while the
 *   server changes the item: no fragment (the file's path), and no change
 *   stamp in a Plex part key (/library/parts/{part}/{stamp}/file.ext)
 */
char *
exs_media_server_uri_identity (const char *uri)
{
  g_autofree char *base = g_strndup (uri, strcspn (uri, "#"));
  const char *parts = strstr (base, "/library/parts/");
  const char *stamp = parts ? strchr (parts + strlen ("/library/parts/"), '/') : NULL;
  gsize digits = stamp ? strspn (stamp + 1, "0123456789") : 0;

  if (digits == 0 || stamp[1 + digits] != '/')
    return g_steal_pointer (&base);
  {
    g_autofree char *head = g_strndup (base, (gsize) (stamp - base));
    return g_strconcat (head, stamp + 1 + digits, NULL);
  }
}

/* Artwork as it is stored: a server path (Plex's, which needs the token)
 * becomes this server's /artwork route; a URL stays as it is. */
static char *
artwork (Writer *w, const char *value)
{
  if (value && value[0] == '/')
    return exs_media_server_artwork_route (w->library->id, value);
  return g_strdup (value);
}

static gint64 *
new_id (gint64 id)
{
  gint64 *p = g_new (gint64, 1);

  *p = id;
  return p;
}

/* The library's show for @server_id, saved (with genres and rating) once per sync. */
static gboolean
ensure_show (Writer *w, const char *server_id, gint64 *show_id, GError **error)
{
  ExsRemoteShow *show = g_hash_table_lookup (w->catalog->shows, server_id);
  gint64 *done = g_hash_table_lookup (w->shows_written, server_id);
  g_autofree char *sort = NULL;
  g_autofree char *poster = NULL;
  g_autofree char *fanart = NULL;
  ExsShowRow row = { 0 };
  gint64 *known;

  *show_id = 0;
  if (done)
    {
      *show_id = *done;
      return TRUE;
    }
  if (show == NULL)
    return TRUE; /* an episode whose show the server did not list: stored without one */
  known = g_hash_table_lookup (w->show_keys, show->path ? show->path : show->title);
  row.id = known ? *known : 0;
  row.library_id = w->library->id;
  row.title = show->title;
  sort = exs_media_name_sort_title (show->sort_title ? show->sort_title : show->title);
  row.sort_title = sort;
  row.year = show->year;
  row.plot = show->plot;
  row.content_rating = show->content_rating;
  row.studio = show->studio;
  row.folder = show->path;
  row.poster = poster = artwork (w, show->poster);
  row.fanart = fanart = artwork (w, show->fanart);
  if (!exs_media_store_save_show (w->db, &row, show->genres, NULL, error)
      || !exs_media_store_set_rating (w->db, EXS_MEDIA_LABELS_OF_SHOW, row.id, show->rating, error))
    return FALSE;
  g_hash_table_insert (w->show_keys, g_strdup (show->path ? show->path : show->title), new_id (row.id));
  g_hash_table_insert (w->shows_written, g_strdup (server_id), new_id (row.id));
  *show_id = row.id;
  return TRUE;
}

static gboolean
write_item (Writer *w, ExsRemoteItem *item, ExsMediaFileState *state, GError **error)
{
  gboolean episode = item->show_id != NULL && g_str_equal (w->library->kind, "shows");
  g_autofree char *uri = exs_media_server_item_uri (w->library->id, item);
  g_autofree char *sort = exs_media_name_sort_title (item->sort_title ? item->sort_title : item->title);
  g_autofree char *poster = artwork (w, item->poster);
  g_autofree char *thumb = artwork (w, item->thumb);
  g_autofree char *fanart = artwork (w, item->fanart);
  ExsMediaItemRow row = { 0 };
  gint64 id;

  if (episode && !ensure_show (w, item->show_id, &row.show_id, error))
    return FALSE;
  row.library_id = w->library->id;
  row.kind = exs_library_item_kind (w->library->kind);
  row.uri = uri;
  row.path = item->server_path;
  row.size = item->size;
  row.mtime = item->stamp;
  row.title = item->title;
  row.sort_title = sort;
  row.plot = item->plot;
  row.year = item->year;
  row.content_rating = item->content_rating;
  row.studio = item->studio;
  row.season = episode ? item->season : -1;
  row.episode = episode ? item->episode : -1;
  row.duration_ms = item->facts->duration_ms;
  row.container = item->facts->container;
  row.has_facts = TRUE;
  row.scan_state = item->facts->duration_ms > 0 ? "ok" : "warning";
  row.scan_message = item->facts->duration_ms > 0 ? NULL : "the server gave no duration; it cannot be scheduled";
  row.poster = poster;
  row.thumb = thumb;
  row.fanart = fanart;
  row.probed = TRUE;
  row.now = w->now;
  id = exs_media_store_save_item (w->db, &row, error);
  if (id == 0)
    return FALSE;
  if (!exs_media_store_save_facts (w->db, id, item->facts, error)
      || !exs_media_store_set_labels (w->db, EXS_MEDIA_LABELS_OF_ITEM, id, item->genres, NULL, error)
      || !exs_media_store_set_rating (w->db, EXS_MEDIA_LABELS_OF_ITEM, id, item->rating, error))
    return FALSE;
  g_hash_table_insert (w->item_ids, g_strdup (item->id), new_id (id));
  return TRUE;
}

/* Whether the stored row is what the server has now. */
static gboolean
is_unchanged (const ExsMediaFileState *state, const ExsRemoteItem *item)
{
  return state != NULL && !state->missing && !state->error && item->stamp != 0 && state->mtime == item->stamp
         && state->size == item->size;
}

static gboolean
write_items (Writer *w, ExsLibraryScanCounts *counts, GPtrArray *issues, GError **error)
{
  GPtrArray *items = w->catalog->items;

  for (guint start = 0; start < items->len; start += WRITE_BATCH)
    {
      if (!exs_database_begin (w->db, error))
        return FALSE;
      for (guint i = start; i < MIN (items->len, start + WRITE_BATCH); i++)
        {
          ExsRemoteItem *item = items->pdata[i];
          g_autofree char *uri = exs_media_server_item_uri (w->library->id, item);
          g_autofree char *identity = exs_media_server_uri_identity (uri);
          const char *stored_uri = g_hash_table_lookup (w->identities, identity);
          ExsMediaFileState *state = stored_uri ? g_hash_table_lookup (w->stored, stored_uri) : NULL;
          gboolean moved = state && !g_str_equal (stored_uri, uri);
          g_autoptr (GError) local = NULL;

          counts->found++;
          if (state && state->seen)
            continue; /* listed twice (a film in two sections) */
          if (state)
            state->seen = TRUE;
          if (!moved && is_unchanged (state, item))
            {
              counts->unchanged++;
              g_hash_table_insert (w->item_ids, g_strdup (item->id), new_id (state->id));
              continue;
            }
          if (!exs_database_savepoint (w->db, "item", error))
            goto fail;
          if ((moved && !exs_media_store_set_uri (w->db, state->id, uri, &local)) || !write_item (w, item, state, &local))
            {
              exs_database_rollback_to (w->db, "item");
              g_ptr_array_add (issues, exs_library_issue_new (item->server_path ? item->server_path : item->title,
                                                              g_strdup_printf ("not stored: %s", local->message)));
              counts->failed++;
              /* the show cache may name a show rolled back with this item */
              g_hash_table_remove_all (w->shows_written);
            }
          else
            counts->probed++;
          if (state && state->missing)
            counts->restored++;
          if (!exs_database_release (w->db, "item", error))
            goto fail;
        }
      if (!exs_database_commit (w->db, error))
        goto fail;
    }
  return TRUE;

fail:
  exs_database_rollback (w->db);
  return FALSE;
}

/* The manual collection called @name, made or replaced with @members (transfer none). */
static gboolean
save_collection (Writer *w, GPtrArray *existing, const char *name, GArray *members, GError **error)
{
  g_autoptr (ExsCollectionRecord) record = NULL;

  for (guint i = 0; i < existing->len; i++)
    {
      ExsCollectionRecord *c = existing->pdata[i];
      if (g_str_equal (c->name, name) && g_str_equal (c->kind, "manual"))
        {
          record = exs_collection_store_get (w->db, c->id, error);
          if (record == NULL)
            return FALSE;
          g_array_set_size (record->members, 0);
          g_array_append_vals (record->members, members->data, members->len);
          return exs_collection_store_update (w->db, record, error);
        }
    }
  record = exs_collection_record_new ();
  record->name = g_strdup (name);
  g_free (record->kind);
  record->kind = g_strdup ("manual");
  g_array_append_vals (record->members, members->data, members->len);
  return exs_collection_store_insert (w->db, record, error);
}

static gboolean
write_collections (Writer *w, const char *server_name, GPtrArray *issues, GError **error)
{
  g_autoptr (GPtrArray) existing = NULL;

  if (w->catalog->collections->len == 0)
    return TRUE;
  existing = exs_collection_store_list (w->db, error);
  if (existing == NULL)
    return FALSE;
  for (guint i = 0; i < w->catalog->collections->len; i++)
    {
      ExsRemoteCollection *rc = w->catalog->collections->pdata[i];
      g_autoptr (GArray) members = g_array_new (FALSE, TRUE, sizeof (ExsCollectionMember));
      g_autofree char *name = g_strdup_printf ("%s%s: %s", server_name, rc->playlist ? " playlist" : "", rc->title);
      g_autoptr (GError) local = NULL;

      for (guint j = 0; j < rc->item_ids->len; j++)
        {
          gint64 *id = g_hash_table_lookup (w->item_ids, rc->item_ids->pdata[j]);
          ExsCollectionMember m = { .media_item_id = id ? *id : 0, .show_id = 0, .season = -1 };
          if (id)
            g_array_append_val (members, m);
        }
      if (members->len == 0)
        continue; /* nothing of this library in it */
      if (!save_collection (w, existing, name, members, &local))
        g_ptr_array_add (issues, exs_library_issue_new (name, g_strdup_printf ("collection not stored: %s",
                                                                                 local->message)));
    }
  return TRUE;
}

/**
 * exs_media_server_write_catalog:
 * @server_name: "Plex", "Jellyfin" or "Emby", for collection names
 * @counts: (out): found (listed), probed (written), unchanged, failed,
 *   missing (newly), restored, issues
 *
 * Stores a complete read of the server: what changed, what vanished, the
 * collections, and the counters on the library.
 */
gboolean
exs_media_server_write_catalog (ExsDatabase *db, const ExsLibraryRecord *library, const char *server_name,
                                ExsRemoteCatalog *catalog, ExsLibraryScanCounts *counts, GError **error)
{
  g_autoptr (GHashTable) stored = exs_media_store_load_file_states (db, library->id, error);
  g_autoptr (GHashTable) identities = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) show_keys = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (GHashTable) shows_written = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (GHashTable) item_ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (GPtrArray) issues = g_ptr_array_new_with_free_func ((GDestroyNotify) exs_library_issue_free);
  g_autoptr (GArray) lost = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GArray) restored = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GHashTable) no_folder_errors = g_hash_table_new (g_str_hash, g_str_equal);
  Writer w = { db, library, catalog, stored, identities, show_keys, shows_written, item_ids, g_get_real_time () / G_USEC_PER_SEC };
  GHashTableIter it;
  gpointer value;

  memset (counts, 0, sizeof *counts);
  if (stored == NULL)
    return FALSE;
  g_hash_table_iter_init (&it, stored);
  while (g_hash_table_iter_next (&it, &value, NULL))
    g_hash_table_insert (identities, exs_media_server_uri_identity (value), value);
  if (!exs_media_store_load_show_keys (db, library->id, show_keys, error)
      || !write_items (&w, counts, issues, error))
    return FALSE;

  g_hash_table_iter_init (&it, stored);
  while (g_hash_table_iter_next (&it, NULL, &value))
    {
      ExsMediaFileState *e = value;
      if (!e->seen && !e->missing)
        g_array_append_val (lost, e->id);
    }
  counts->missing = lost->len;
  /* each collection is its own transaction (the collection store opens it) */
  if (!write_collections (&w, server_name, issues, error) || !exs_database_begin (db, error))
    return FALSE;
  counts->issues = issues->len;
  return exs_database_finish (db,
                              exs_media_store_set_missing (db, lost, restored, w.now, error)
                                  && exs_library_store_save_scan (db, library, no_folder_errors, issues, NULL,
                                                                  counts, w.now, error),
                              error);
}

/**
 * exs_media_server_write_failure:
 * @message: why the sync could not read the server
 *
 * Records a sync that could not read the server: the items stay as they
 * were; the library's last scan error says why.
 */
gboolean
exs_media_server_write_failure (ExsDatabase *db, const ExsLibraryRecord *library, const char *message,
                                GError **error)
{
  g_autoptr (GPtrArray) issues = g_ptr_array_new_with_free_func ((GDestroyNotify) exs_library_issue_free);
  g_autoptr (GHashTable) no_folder_errors = g_hash_table_new (g_str_hash, g_str_equal);
  ExsLibraryScanCounts counts = { 0 };

  if (!exs_database_begin (db, error))
    return FALSE;
  return exs_database_finish (db,
                              exs_library_store_save_scan (db, library, no_folder_errors, issues, message, &counts,
                                                           g_get_real_time () / G_USEC_PER_SEC, error),
                              error);
}
