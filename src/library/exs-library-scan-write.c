/* exs-library-scan-write.c: the write step of a library scan, in the scan's
 * thread on its own connection.
 *
 * Files come in batches; each batch is one transaction and each file one
 * savepoint inside it, with its show, streams, chapters and labels, so a
 * library is never half-written and one file that cannot be stored becomes
 * an issue without losing the rest. Shows are found (or added) once per
 * scan, reading tvshow.nfo and the artwork of the show's folder. The last
 * transaction (exs_scan_writer_finish) marks the files the walk did not
 * see as missing (only after a complete walk), restores those that came
 * back, and stores the folder errors, issues and counters on the library.
 *
 * All SQL is in the stores (exs-media-store-write.c, exs-library-store.c).
 */
#include "config.h"

#include "exs-library-scan-write.h"

#include "exs-media-store-write.h"

#include <string.h>

struct _ExsScanWriter
{
  ExsDatabase *db;
  ExsLibraryRecord *library;  /* a copy of what is needed: id, kind, paths */
  GHashTable *shows;          /* show key → id (gint64 *) */
  GHashTable *shows_refreshed;/* show keys whose tvshow.nfo was read this scan */
  GPtrArray *issues;          /* (element-type ExsLibraryIssue) borrowed */
  gint64 now;
};

/**
 * exs_scan_writer_new:
 * @db: the scan's connection
 * @library: the library scanned (its id, kind and folders are used)
 * @issues: (element-type ExsLibraryIssue): the scan's issues; the writer adds
 *   to them and stores them at the end
 *
 * Returns: (transfer full) (nullable): a writer, or %NULL when the
 *   library's shows cannot be read
 */
ExsScanWriter *
exs_scan_writer_new (ExsDatabase *db, const ExsLibraryRecord *library, GPtrArray *issues, GError **error)
{
  g_autoptr (ExsScanWriter) wr = g_new0 (ExsScanWriter, 1);

  wr->db = g_object_ref (db);
  wr->library = exs_library_record_new ();
  wr->library->id = library->id;
  wr->library->kind = g_strdup (library->kind);
  for (guint i = 0; i < library->paths->len; i++)
    exs_library_record_add_path (wr->library, ((ExsLibraryPath *) library->paths->pdata[i])->path);
  wr->shows = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  wr->shows_refreshed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  wr->issues = g_ptr_array_ref (issues);
  if (!exs_media_store_load_show_keys (db, library->id, wr->shows, error))
    return NULL;
  return g_steal_pointer (&wr);
}

void
exs_scan_writer_free (ExsScanWriter *wr)
{
  if (wr == NULL)
    return;
  g_clear_object (&wr->db);
  exs_library_record_free (wr->library);
  g_clear_pointer (&wr->shows, g_hash_table_unref);
  g_clear_pointer (&wr->shows_refreshed, g_hash_table_unref);
  g_clear_pointer (&wr->issues, g_ptr_array_unref);
  g_free (wr);
}

/* Finds or creates the item's show, reading tvshow.nfo and artwork in its folder once per scan. */
static gboolean
ensure_show (ExsScanWriter *wr, ExsScanFile *item, gint64 *show_id, GError **error)
{
  const char *key = item->name.show_folder ? item->name.show_folder : item->name.show_title;
  gint64 *known = g_hash_table_lookup (wr->shows, key);
  g_autofree char *folder = NULL;
  g_autofree char *folder_fs = NULL;
  g_autofree char *poster = NULL;
  g_autofree char *fanart = NULL;
  g_autofree char *sort = NULL;
  g_autoptr (ExsNfo) nfo = NULL;
  ExsShowRow row = { 0 };

  if (known && g_hash_table_contains (wr->shows_refreshed, key))
    {
      *show_id = *known;
      return TRUE;
    }
  if (item->name.show_folder)
    {
      static const char *const posters[] = { "poster.jpg", "poster.png", "folder.jpg", NULL };
      static const char *const fanarts[] = { "fanart.jpg", "fanart.png", NULL };
      /* the show folder's real (file system) name is the first component of the path under the root */
      const char *rest = item->path + strlen (item->root) + 1;
      const char *slash = strchr (rest, '/');
      g_autofree char *nfo_path = NULL;

      folder_fs = slash ? g_strndup (item->path, (gsize) (slash - item->path)) : g_strdup (item->root);
      folder = g_filename_display_name (folder_fs);
      nfo_path = g_build_filename (folder_fs, "tvshow.nfo", NULL);
      if (g_file_test (nfo_path, G_FILE_TEST_IS_REGULAR))
        {
          g_autoptr (GError) local = NULL;
          nfo = exs_nfo_parse_file (nfo_path, -1, &local);
          if (nfo == NULL)
            _exs_scan_add_issue (wr->issues, nfo_path, "%s; used the folder name instead", local->message);
        }
      poster = _exs_scan_find_beside (folder_fs, posters);
      fanart = _exs_scan_find_beside (folder_fs, fanarts);
    }

  row.id = known ? *known : 0;
  row.library_id = wr->library->id;
  row.title = nfo && nfo->title ? nfo->title : item->name.show_title;
  sort = exs_media_name_sort_title (nfo && nfo->sort_title ? nfo->sort_title : row.title);
  row.sort_title = sort;
  row.year = nfo && nfo->year ? nfo->year : item->name.show_year;
  row.plot = nfo ? nfo->plot : NULL;
  row.content_rating = nfo ? nfo->content_rating : NULL;
  row.studio = nfo ? nfo->studio : NULL;
  row.folder = folder;
  row.poster = poster;
  row.fanart = fanart;
  if (!exs_media_store_save_show (wr->db, &row, nfo ? nfo->genres : NULL, nfo ? nfo->tags : NULL, error))
    return FALSE;
  if (!known)
    {
      known = g_new (gint64, 1);
      *known = row.id;
      g_hash_table_insert (wr->shows, g_strdup (key), known);
    }
  g_hash_table_add (wr->shows_refreshed, g_strdup (key));
  *show_id = row.id;
  return TRUE;
}

/* The item's scan state and the message that explains it (transfer full, nullable). */
static const char *
item_state (ExsScanFile *item, gboolean episode, char **message)
{
  g_autoptr (GPtrArray) messages = g_ptr_array_new_with_free_func (g_free);
  ExsNfo *nfo = item->nfo;

  *message = NULL;
  if (item->probe_error)
    g_ptr_array_add (messages, g_strdup_printf ("cannot be played: %s", item->probe_error));
  if (item->nfo_error)
    g_ptr_array_add (messages, g_strdup (item->nfo_error));
  if (item->name_not_utf8)
    g_ptr_array_add (messages, g_strdup ("the file name is not valid UTF-8; shown with replacement characters"));
  if (episode && !item->name_parsed_episode && !(nfo && nfo->episode >= 0))
    g_ptr_array_add (messages, g_strdup ("no season and episode number in the file name (S01E02, 1x02) or NFO"));
  if (messages->len == 0)
    return "ok";
  g_ptr_array_add (messages, NULL);
  *message = g_strjoinv ("; ", (char **) messages->pdata);
  return item->probe_error ? "error" : "warning";
}

static gboolean
write_item (ExsScanWriter *wr, ExsScanFile *item, GError **error)
{
  gboolean episode = g_str_equal (wr->library->kind, "shows");
  ExsNfo *nfo = item->nfo;
  g_autofree char *path = g_filename_display_name (item->path);
  g_autofree char *sort = NULL;
  g_autofree char *message = NULL;
  g_autoptr (GError) local = NULL;
  ExsMediaItemRow row = { 0 };
  int season, number;
  gint64 id;

  row.scan_state = item_state (item, episode, &message);
  if (item->remote && item->probe_error)
    _exs_scan_add_issue (wr->issues, item->path, "cannot be played: %s", item->probe_error);
  row.scan_message = message;
  /* episodes under their show; songs and music videos under their artist */
  if (item->name.show_title && !ensure_show (wr, item, &row.show_id, error))
    return FALSE;

  row.library_id = wr->library->id;
  row.kind = exs_library_item_kind (wr->library->kind);
  row.uri = item->uri;
  row.path = path;
  row.size = item->size;
  row.mtime = item->mtime;
  row.title = nfo && nfo->title           ? nfo->title
              : item->song && item->song->title ? item->song->title
                                                : item->name.title;
  if (row.title == NULL || row.title[0] == '\0')
    row.title = path;
  sort = exs_media_name_sort_title (nfo && nfo->sort_title ? nfo->sort_title : row.title);
  row.sort_title = sort;
  row.plot = nfo ? nfo->plot : NULL;
  row.year = nfo && nfo->year > 0 ? nfo->year : MAX (item->name.year, 0);
  row.content_rating = nfo ? nfo->content_rating : NULL;
  row.studio = nfo ? nfo->studio : NULL;
  season = nfo && nfo->season >= 0 ? nfo->season : item->name.season;
  number = nfo && nfo->episode >= 0 ? nfo->episode : item->name.episode;
  row.season = episode && season >= 0 ? season : -1;
  row.episode = episode && number >= 0 ? number : -1;
  row.episode_end = episode && item->name.episode_end > 0 ? item->name.episode_end : 0;
  if (item->facts)
    row.duration_ms = item->facts->duration_ms > 0                      ? item->facts->duration_ms
                      : nfo && nfo->runtime_minutes > 0 ? (gint64) nfo->runtime_minutes * 60000
                                                        : 0;
  row.container = item->facts ? item->facts->container : NULL;
  row.has_facts = item->facts != NULL;
  row.poster = item->poster;
  row.thumb = item->thumb;
  row.fanart = item->fanart;
  row.probed = item->probe;
  row.has_nfo = item->nfo_path != NULL;
  row.nfo_mtime = item->nfo_mtime;
  row.now = wr->now;

  id = exs_media_store_save_item (wr->db, &row, &local);
  if (id == 0 && g_error_matches (local, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_CONSTRAINT))
    {
      _exs_scan_add_issue (wr->issues, item->path, "already part of another library; left there");
      return TRUE;
    }
  if (id == 0)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  if (item->facts && !exs_media_store_save_facts (wr->db, id, item->facts, error))
    return FALSE;
  if (item->probe && !exs_media_store_save_song (wr->db, id, item->song, item->cover, error))
    return FALSE;
  return exs_media_store_set_labels (wr->db, EXS_MEDIA_LABELS_OF_ITEM, id, nfo ? nfo->genres : NULL,
                                     nfo ? nfo->tags : NULL, error);
}

/**
 * exs_scan_writer_write:
 * @batch: (element-type ExsScanFile): files looked at; emptied when stored
 *
 * Stores @batch in one transaction, each file in its own savepoint: a file
 * that cannot be stored is an issue, the others are kept.
 *
 * Returns: %FALSE with @error when the transaction itself failed
 */
gboolean
exs_scan_writer_write (ExsScanWriter *wr, GPtrArray *batch, GError **error)
{
  g_autoptr (GError) failure = NULL;

  if (batch->len == 0)
    return TRUE;
  wr->now = g_get_real_time () / G_USEC_PER_SEC;
  if (!exs_database_begin (wr->db, error))
    return FALSE;
  for (guint i = 0; i < batch->len; i++)
    {
      ExsScanFile *item = batch->pdata[i];
      g_autoptr (GError) local = NULL;

      if (!exs_database_savepoint (wr->db, "item", &failure))
        break;
      if (!write_item (wr, item, &local))
        {
          g_autoptr (GError) reload_error = NULL;

          exs_database_rollback_to (wr->db, "item");
          _exs_scan_add_issue (wr->issues, item->path, "not stored: %s", local->message);
          /* the show cache may name a row rolled back with this item */
          g_hash_table_remove_all (wr->shows_refreshed);
          g_hash_table_remove_all (wr->shows);
          if (!exs_media_store_load_show_keys (wr->db, wr->library->id, wr->shows, &reload_error))
            g_debug ("cannot reload the shows: %s", reload_error->message);
        }
      if (!exs_database_release (wr->db, "item", &failure))
        break;
    }
  if (failure == NULL && exs_database_commit (wr->db, &failure))
    {
      g_ptr_array_set_size (batch, 0);
      return TRUE;
    }
  exs_database_rollback (wr->db);
  g_propagate_error (error, g_steal_pointer (&failure));
  return FALSE;
}

/**
 * exs_scan_writer_finish:
 * @stored: (element-type utf8 ExsMediaFileState): the states the scan began
 *   with, each marked seen when its file was found
 * @complete: the walk and the writes all ended: files not seen are missing
 * @root_errors: (element-type filename utf8): library folder → why it was not walked
 * @scan_error: (nullable): why the scan stopped early
 * @counts: (inout): the scan's counters; missing, restored and issues are
 *   set here, then all are stored
 *
 * The last transaction of a scan.
 */
gboolean
exs_scan_writer_finish (ExsScanWriter *wr, GHashTable *stored, gboolean complete, GHashTable *root_errors,
                        const char *scan_error, ExsLibraryScanCounts *counts, GError **error)
{
  g_autoptr (GArray) lost = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GArray) restored = g_array_new (FALSE, FALSE, sizeof (gint64));
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;
  GHashTableIter it;
  gpointer value;

  g_hash_table_iter_init (&it, stored);
  while (g_hash_table_iter_next (&it, NULL, &value))
    {
      ExsMediaFileState *e = value;

      if (e->seen && e->missing)
        g_array_append_val (restored, e->id);
      else if (complete && !e->seen && !e->missing)
        g_array_append_val (lost, e->id);
    }
  counts->missing = lost->len;
  counts->restored = restored->len;
  counts->issues = wr->issues->len;

  if (!exs_database_begin (wr->db, error))
    return FALSE;
  return exs_database_finish (wr->db,
                              exs_media_store_set_missing (wr->db, lost, restored, now, error)
                                  && exs_library_store_save_scan (wr->db, wr->library, root_errors, wr->issues,
                                                                  scan_error, counts, now, error),
                              error);
}
