/* exs-media-store-write.c: the media store's write half, used by the
 * library scanner's write step (exs-library-scan-write.c) on the scan's own
 * connection, inside the transactions and savepoints that step opens.
 *
 * Each function is one typed statement (or one prepared statement run for
 * a list); none opens a transaction of its own. Database failures are
 * EXS_DATABASE_ERROR with SQLite's message.
 */
#include "config.h"

#include "exs-media-store-write.h"

#include "exs-fs.h"
#include <math.h>

static const char *UPSERT_ITEM_SQL =
    "INSERT INTO media_items (library_id, kind, uri, path, size, mtime, title, sort_title, plot, year, "
    "  content_rating, studio, show_id, season_number, episode_number, episode_number_end, duration_ms, "
    "  container, scan_state, scan_message, poster, thumb, fanart, added_at, updated_at, probe_count, "
    "  probed_at, nfo_mtime, missing) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, "
    "  ?22, ?23, ?24, ?24, ?25, ?26, ?27, 0) "
    "ON CONFLICT (uri) DO UPDATE SET kind = excluded.kind, path = excluded.path, size = excluded.size, "
    "  mtime = excluded.mtime, title = excluded.title, sort_title = excluded.sort_title, plot = excluded.plot, "
    "  year = excluded.year, content_rating = excluded.content_rating, studio = excluded.studio, "
    "  show_id = excluded.show_id, season_number = excluded.season_number, "
    "  episode_number = excluded.episode_number, episode_number_end = excluded.episode_number_end, "
    "  duration_ms = CASE WHEN ?28 THEN excluded.duration_ms ELSE media_items.duration_ms END, "
    "  container = CASE WHEN ?28 THEN excluded.container ELSE media_items.container END, "
    "  scan_state = excluded.scan_state, scan_message = excluded.scan_message, poster = excluded.poster, "
    "  thumb = excluded.thumb, fanart = excluded.fanart, updated_at = excluded.updated_at, "
    "  probe_count = media_items.probe_count + excluded.probe_count, "
    "  probed_at = coalesce (excluded.probed_at, media_items.probed_at), nfo_mtime = excluded.nfo_mtime, "
    "  missing = 0, missing_since = NULL "
    "WHERE media_items.library_id = excluded.library_id "
    "RETURNING id";

static void
bind_label (sqlite3_stmt *stmt, guint index, gpointer user_data)
{
  GPtrArray *labels = user_data;

  sqlite3_bind_text (stmt, 2, labels->pdata[index], -1, SQLITE_TRANSIENT);
}

static gboolean
replace_labels (ExsDatabase *db, const char *table, const char *column, const char *owner, gint64 id,
                GPtrArray *labels, GError **error)
{
  g_autofree char *del_sql = g_strdup_printf ("DELETE FROM %s WHERE %s = ?", table, owner);
  g_autofree char *ins_sql = g_strdup_printf ("INSERT INTO %s (%s, %s) VALUES (?, ?)", table, owner, column);

  return exs_database_replace_rows (db, del_sql, ins_sql, id, labels ? labels->len : 0, bind_label, labels, error);
}

/**
 * exs_media_store_set_labels:
 * @genres: (nullable) (element-type utf8): the genres, replacing the stored ones
 * @tags: (nullable) (element-type utf8): the tags, likewise
 *
 * Replaces the genres and tags of a show or of a media item.
 */
gboolean
exs_media_store_set_labels (ExsDatabase *db, ExsMediaLabelOwner owner, gint64 id, GPtrArray *genres,
                            GPtrArray *tags, GError **error)
{
  const char *column = owner == EXS_MEDIA_LABELS_OF_SHOW ? "show_id" : "media_item_id";

  return replace_labels (db, "media_genres", "genre", column, id, genres, error)
         && replace_labels (db, "media_tags", "tag", column, id, tags, error);
}

/**
 * exs_media_store_load_file_states:
 *
 * Returns: (transfer full) (nullable): uri → ExsMediaFileState of every item
 *   of the library
 */
GHashTable *
exs_media_store_load_file_states (ExsDatabase *db, gint64 library_id, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = exs_database_prepare (
      db, "SELECT uri, id, size, mtime, nfo_mtime, missing, scan_state = 'error' FROM media_items WHERE library_id = ?",
      error);
  g_autoptr (GHashTable) out = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, library_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ExsMediaFileState *e = g_new0 (ExsMediaFileState, 1);
      e->id = sqlite3_column_int64 (stmt, 1);
      e->size = sqlite3_column_int64 (stmt, 2);
      e->mtime = sqlite3_column_int64 (stmt, 3);
      e->nfo_mtime = sqlite3_column_int64 (stmt, 4);
      e->missing = sqlite3_column_int (stmt, 5);
      e->error = sqlite3_column_int (stmt, 6);
      g_hash_table_insert (out, exs_database_dup_column (stmt, 0), e);
    }
  if (!exs_database_rows_done (db, rc, error, "cannot read the library's items"))
    return NULL;
  return g_steal_pointer (&out);
}

/**
 * exs_media_store_load_show_keys:
 * @shows: (element-type utf8 gint64): filled with show folder (or title) → id
 *
 * The shows of a library, keyed the way the scanner finds them again.
 */
gboolean
exs_media_store_load_show_keys (ExsDatabase *db, gint64 library_id, GHashTable *shows, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt
      = exs_database_prepare (db, "SELECT coalesce (folder, title), id FROM shows WHERE library_id = ?", error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, library_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 *id = g_new (gint64, 1);
      *id = sqlite3_column_int64 (stmt, 1);
      g_hash_table_insert (shows, exs_database_dup_column (stmt, 0), id);
    }
  return exs_database_rows_done (db, rc, error, "cannot read the library's shows");
}

/**
 * exs_media_store_save_show:
 * @genres: (nullable) (element-type utf8): the show's genres
 * @tags: (nullable) (element-type utf8): the show's tags
 *
 * Updates the show @row names (its id) or adds it (and sets row->id), with
 * its genres and tags.
 */
gboolean
exs_media_store_save_show (ExsDatabase *db, ExsShowRow *row, GPtrArray *genres, GPtrArray *tags, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  if (row->id > 0)
    stmt = exs_database_prepare (db,
                                 "UPDATE shows SET title = ?, sort_title = ?, year = ?, plot = ?, "
                                 "content_rating = ?, studio = ?, folder = ?, poster = ?, fanart = ? WHERE id = ?",
                                 error);
  else
    stmt = exs_database_prepare (db,
                                 "INSERT INTO shows (title, sort_title, year, plot, content_rating, studio, folder, "
                                 "poster, fanart, library_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                 error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, row->title, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, row->sort_title, -1, SQLITE_TRANSIENT);
  exs_database_bind_int64 (stmt, 3, row->year, row->year > 0);
  exs_database_bind_text (stmt, 4, row->plot);
  exs_database_bind_text (stmt, 5, row->content_rating);
  exs_database_bind_text (stmt, 6, row->studio);
  exs_database_bind_text (stmt, 7, row->folder);
  exs_database_bind_text (stmt, 8, row->poster);
  exs_database_bind_text (stmt, 9, row->fanart);
  sqlite3_bind_int64 (stmt, 10, row->id > 0 ? row->id : row->library_id);
  if (!exs_database_step_done (db, stmt, error))
    return FALSE;
  if (row->id <= 0)
    row->id = sqlite3_last_insert_rowid (exs_database_get_handle (db));
  return exs_media_store_set_labels (db, EXS_MEDIA_LABELS_OF_SHOW, row->id, genres, tags, error);
}

/**
 * exs_media_store_save_item:
 *
 * Adds the item, or updates the one stored under the same URI in the same
 * library (its added_at and probe history stay). A URI that belongs to
 * another library is left there: %EXS_DATABASE_ERROR_CONSTRAINT.
 *
 * Returns: the item's id, or 0 with @error set
 */
gint64
exs_media_store_save_item (ExsDatabase *db, const ExsMediaItemRow *row, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = exs_database_prepare (db, UPSERT_ITEM_SQL, error);
  int rc;

  if (stmt == NULL)
    return 0;
  sqlite3_bind_int64 (stmt, 1, row->library_id);
  sqlite3_bind_text (stmt, 2, row->kind, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, row->uri, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, row->path, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 5, row->size);
  sqlite3_bind_int64 (stmt, 6, row->mtime);
  sqlite3_bind_text (stmt, 7, row->title, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 8, row->sort_title, -1, SQLITE_TRANSIENT);
  exs_database_bind_text (stmt, 9, row->plot);
  exs_database_bind_int64 (stmt, 10, row->year, row->year > 0);
  exs_database_bind_text (stmt, 11, row->content_rating);
  exs_database_bind_text (stmt, 12, row->studio);
  exs_database_bind_int64 (stmt, 13, row->show_id, row->show_id > 0);
  exs_database_bind_int64 (stmt, 14, row->season, row->season >= 0);
  exs_database_bind_int64 (stmt, 15, row->episode, row->episode >= 0);
  exs_database_bind_int64 (stmt, 16, row->episode_end, row->episode_end > 0);
  sqlite3_bind_int64 (stmt, 17, row->duration_ms);
  exs_database_bind_text (stmt, 18, row->container);
  sqlite3_bind_text (stmt, 19, row->scan_state, -1, SQLITE_STATIC);
  exs_database_bind_text (stmt, 20, row->scan_message);
  exs_database_bind_text (stmt, 21, row->poster);
  exs_database_bind_text (stmt, 22, row->thumb);
  exs_database_bind_text (stmt, 23, row->fanart);
  sqlite3_bind_int64 (stmt, 24, row->now);
  sqlite3_bind_int (stmt, 25, row->probed ? 1 : 0);
  exs_database_bind_int64 (stmt, 26, row->now, row->probed);
  exs_database_bind_int64 (stmt, 27, row->nfo_mtime, row->has_nfo);
  sqlite3_bind_int (stmt, 28, row->has_facts);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_CONSTRAINT, "%s is already part of another library",
                   row->path);
      return 0;
    }
  if (rc != SQLITE_ROW)
    {
      g_autofree char *what = g_strdup_printf ("cannot store %s", row->path);
      exs_database_step_failed (db, error, what);
      return 0;
    }
  return sqlite3_column_int64 (stmt, 0);
}

static void
bind_stream (sqlite3_stmt *stmt, guint index, gpointer user_data)
{
  GPtrArray *streams = user_data;
  ExsStreamFacts *s = streams->pdata[index];
  gboolean video = g_str_equal (s->kind, "video");
  gboolean audio = g_str_equal (s->kind, "audio");
  g_autofree char *external = s->external_path ? g_filename_display_name (s->external_path) : NULL;

  sqlite3_bind_text (stmt, 2, s->kind, -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 3, s->index);
  exs_database_bind_text (stmt, 4, s->codec);
  exs_database_bind_text (stmt, 5, s->profile);
  exs_database_bind_int64 (stmt, 6, s->width, video);
  exs_database_bind_int64 (stmt, 7, s->height, video);
  exs_database_bind_int64 (stmt, 8, s->fps_num, video);
  exs_database_bind_int64 (stmt, 9, s->fps_den, video);
  exs_database_bind_int64 (stmt, 10, s->interlaced, video);
  exs_database_bind_int64 (stmt, 11, s->channels, audio);
  exs_database_bind_int64 (stmt, 12, s->sample_rate, audio);
  exs_database_bind_text (stmt, 13, s->language);
  exs_database_bind_text (stmt, 14, external);
  exs_database_bind_text (stmt, 15, s->title);
}

static void
bind_chapter (sqlite3_stmt *stmt, guint index, gpointer user_data)
{
  GPtrArray *chapters = user_data;
  ExsChapterFacts *c = chapters->pdata[index];

  sqlite3_bind_int (stmt, 2, (int) index);
  sqlite3_bind_int64 (stmt, 3, c->start_ms);
  exs_database_bind_int64 (stmt, 4, c->end_ms, c->end_ms >= 0);
  exs_database_bind_text (stmt, 5, c->title);
}

/**
 * exs_media_store_save_facts:
 *
 * Replaces the item's streams and chapters with what the probe found.
 */
gboolean
exs_media_store_save_facts (ExsDatabase *db, gint64 id, const ExsMediaFacts *facts, GError **error)
{
  return exs_database_replace_rows (db, "DELETE FROM media_streams WHERE media_item_id = ?",
                                    "INSERT INTO media_streams (media_item_id, kind, idx, codec, profile, width, "
                                    "height, fps_num, fps_den, interlaced, channels, sample_rate, language, "
                                    "external_path, title) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                    id, facts->streams->len, bind_stream, facts->streams, error)
         && exs_database_replace_rows (db, "DELETE FROM media_chapters WHERE media_item_id = ?",
                                       "INSERT INTO media_chapters (media_item_id, idx, start_ms, end_ms, title) "
                                       "VALUES (?, ?, ?, ?, ?)",
                                       id, facts->chapters->len, bind_chapter, facts->chapters, error);
}

/**
 * exs_media_store_set_missing:
 * @lost: (element-type gint64): items whose file is gone, missing since @now
 * @restored: (element-type gint64): missing items whose file came back
 */
gboolean
exs_media_store_set_missing (ExsDatabase *db, GArray *lost, GArray *restored, gint64 now, GError **error)
{
  g_autoptr (sqlite3_stmt) restore
      = exs_database_prepare (db, "UPDATE media_items SET missing = 0, missing_since = NULL WHERE id = ?", error);
  g_autoptr (sqlite3_stmt) lose = NULL;

  if (restore == NULL)
    return FALSE;
  lose = exs_database_prepare (db, "UPDATE media_items SET missing = 1, missing_since = ? WHERE id = ?", error);
  if (lose == NULL)
    return FALSE;
  for (guint i = 0; i < restored->len; i++)
    {
      sqlite3_reset (restore);
      sqlite3_bind_int64 (restore, 1, g_array_index (restored, gint64, i));
      if (!exs_database_step_done (db, restore, error))
        return FALSE;
    }
  for (guint i = 0; i < lost->len; i++)
    {
      sqlite3_reset (lose);
      sqlite3_bind_int64 (lose, 1, now);
      sqlite3_bind_int64 (lose, 2, g_array_index (lost, gint64, i));
      if (!exs_database_step_done (db, lose, error))
        return FALSE;
    }
  return TRUE;
}

void
exs_loudness_todo_clear (ExsLoudnessTodo *todo)
{
  g_clear_pointer (&todo->path, g_free);
}

/**
 * exs_media_store_dup_loudness_todo:
 * @library_id: the library, or 0 for all
 * @limit: at most this many
 *
 * The present items of @library_id never measured, or measured at another
 * mtime than their file has now.
 *
 * Returns: (transfer full) (element-type ExsLoudnessTodo) (nullable)
 */
GArray *
exs_media_store_dup_loudness_todo (ExsDatabase *db, gint64 library_id, guint limit, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = exs_database_prepare (
      db,
      "SELECT id, path, mtime FROM media_items WHERE missing = 0 AND path IS NOT NULL"
      " AND (?1 = 0 OR library_id = ?1)"
      " AND (loudness_mtime IS NULL OR loudness_mtime IS NOT mtime) ORDER BY id LIMIT ?2",
      error);
  g_autoptr (GArray) out = g_array_new (FALSE, TRUE, sizeof (ExsLoudnessTodo));
  int rc;

  if (stmt == NULL)
    return NULL;
  g_array_set_clear_func (out, (GDestroyNotify) exs_loudness_todo_clear);
  sqlite3_bind_int64 (stmt, 1, library_id);
  sqlite3_bind_int64 (stmt, 2, limit);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ExsLoudnessTodo todo = {
        .id = sqlite3_column_int64 (stmt, 0),
        .path = exs_database_dup_column (stmt, 1),
        .mtime = sqlite3_column_int64 (stmt, 2),
      };
      g_array_append_val (out, todo);
    }
  if (!exs_database_rows_done (db, rc, error, "the items to measure"))
    return NULL;
  return g_steal_pointer (&out);
}

/**
 * exs_media_store_set_loudness:
 * @mtime: the file's mtime when measured
 * @lufs: integrated loudness, or NAN when it has none (no audio, unreadable)
 */
gboolean
exs_media_store_set_loudness (ExsDatabase *db, gint64 item_id, gint64 mtime, double lufs, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt
      = exs_database_prepare (db, "UPDATE media_items SET loudness_lufs = ?, loudness_mtime = ? WHERE id = ?", error);

  if (stmt == NULL)
    return FALSE;
  if (isfinite (lufs))
    sqlite3_bind_double (stmt, 1, lufs);
  else
    sqlite3_bind_null (stmt, 1);
  sqlite3_bind_int64 (stmt, 2, mtime);
  sqlite3_bind_int64 (stmt, 3, item_id);
  return exs_database_step_done (db, stmt, error);
}

/**
 * exs_media_store_set_rating:
 * @rating: the server's rating (Plex audienceRating, Jellyfin
 *   CommunityRating); 0 or less: none
 */
gboolean
exs_media_store_set_rating (ExsDatabase *db, ExsMediaLabelOwner owner, gint64 id, double rating, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = exs_database_prepare (
      db, owner == EXS_MEDIA_LABELS_OF_SHOW ? "UPDATE shows SET rating = ? WHERE id = ?"
                                            : "UPDATE media_items SET rating = ? WHERE id = ?",
      error);

  if (stmt == NULL)
    return FALSE;
  if (rating > 0)
    sqlite3_bind_double (stmt, 1, rating);
  else
    sqlite3_bind_null (stmt, 1);
  sqlite3_bind_int64 (stmt, 2, id);
  return exs_database_step_done (db, stmt, error);
}

/**
 * exs_media_store_set_uri:
 *
 * Gives item @id a new URI, keeping everything else (a media server's item
 * whose play address changed, not its identity).
 */
gboolean
exs_media_store_set_uri (ExsDatabase *db, gint64 id, const char *uri, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = exs_database_prepare (db, "UPDATE media_items SET uri = ? WHERE id = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, uri, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, id);
  return exs_database_step_done (db, stmt, error);
}

/**
 * exs_media_store_save_song:
 * @song: (nullable): its tags; %NULL: item @id is no song (any row goes)
 * @cover: (nullable): "embedded" or the cover image beside it
 *
 * Stores what a music library's scan learnt of song @id.
 */
gboolean
exs_media_store_save_song (ExsDatabase *db, gint64 id, const ExsSongTags *song, const char *cover, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  if (song == NULL)
    return exs_database_exec_int64s (db, "DELETE FROM songs WHERE media_item_id = ?1 AND ?2 = 0", id, 0, error);
  stmt = exs_database_prepare (db,
                               "INSERT OR REPLACE INTO songs (media_item_id, artist, album, track_number, cover) "
                               "VALUES (?, ?, ?, ?, ?)",
                               error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  exs_database_bind_text (stmt, 2, song->artist);
  exs_database_bind_text (stmt, 3, song->album);
  exs_database_bind_int64 (stmt, 4, song->track, song->track > 0);
  exs_database_bind_text (stmt, 5, cover);
  return exs_database_step_done (db, stmt, error);
}
