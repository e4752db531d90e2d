/* exs-media-store.c: reading media items (search with paging and sort, JSON
 * for the API) and collections (CRUD and resolution to item ids).
 *
 * exs_collection_resolve() is what the scheduler calls to turn a collection
 * into the media items a schedule plays: only items that are playable (file
 * present, probed without error, with a duration), in a stable order.
 * Everything here is short statements; the API calls it on the main loop.
 */
#include "config.h"

#include "exs-media-store.h"

#include "exs-fs.h"
#include "exs-json-members.h"

#define PLAYABLE "m.missing = 0 AND m.scan_state != 'error' AND m.duration_ms > 0"
#define EPISODE_ORDER                                                                                             \
  "coalesce (s.sort_title, m.sort_title), coalesce (m.season_number, -1), coalesce (m.episode_number, -1), "     \
  "m.sort_title, m.id"

ExsCollectionRecord *
exs_collection_record_new (void)
{
  ExsCollectionRecord *r = g_new0 (ExsCollectionRecord, 1);

  r->members = g_array_new (FALSE, TRUE, sizeof (ExsCollectionMember));
  return r;
}

void
exs_collection_record_free (ExsCollectionRecord *r)
{
  if (r == NULL)
    return;
  g_free (r->name);
  g_free (r->kind);
  g_free (r->query);
  g_array_unref (r->members);
  g_free (r);
}

/* Collects the first column of every row as gint64 ids, skipping repeats. */
static gboolean
collect_ids (ExsDatabase *db, sqlite3_stmt *stmt, GArray *ids, GHashTable *seen, GError **error)
{
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (stmt, 0);
      if (seen)
        {
          if (g_hash_table_contains (seen, &id))
            continue;
          g_hash_table_add (seen, g_memdup2 (&id, sizeof id));
        }
      g_array_append_val (ids, id);
    }
  return exs_database_rows_done (db, rc, error, "cannot read media items");
}

/**
 * exs_media_store_search:
 * @query: (nullable): a compiled query; %NULL matches everything
 * @library_id: 0 for every library
 * @total: (out): how many items match in all
 *
 * Returns: (transfer full) (element-type gint64) (nullable): one page of item ids
 */
GArray *
exs_media_store_search (ExsDatabase *db, ExsMediaQuery *query, gint64 library_id, gboolean include_missing,
                        ExsMediaSort sort, gboolean descending, guint offset, guint limit, gint64 *total,
                        GError **error)
{
  const char *dir = descending ? "DESC" : "ASC";
  g_autofree char *where = g_strdup_printf ("WHERE %s AND (? = 0 OR m.library_id = ?) AND (? OR m.missing = 0)",
                                            query ? exs_media_query_get_sql (query) : "1");
  g_autofree char *order = NULL;
  g_autofree char *count_sql = NULL;
  g_autofree char *page_sql = NULL;
  g_autoptr (sqlite3_stmt) count = NULL;
  g_autoptr (sqlite3_stmt) page = NULL;
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  int i;

  switch (sort)
    {
    case EXS_MEDIA_SORT_YEAR:
      order = g_strdup_printf ("coalesce (m.year, 0) %s, m.sort_title, m.id", dir);
      break;
    case EXS_MEDIA_SORT_ADDED:
      order = g_strdup_printf ("m.added_at %s, m.id %s", dir, dir);
      break;
    case EXS_MEDIA_SORT_DURATION:
      order = g_strdup_printf ("m.duration_ms %s, m.id", dir);
      break;
    case EXS_MEDIA_SORT_EPISODE:
      order = g_strdup_printf ("coalesce (s.sort_title, m.sort_title) %s, coalesce (m.season_number, -1) %s, "
                               "coalesce (m.episode_number, -1) %s, m.sort_title, m.id", dir, dir, dir);
      break;
    case EXS_MEDIA_SORT_TITLE:
    default:
      order = g_strdup_printf ("m.sort_title %s, m.id %s", dir, dir);
      break;
    }
  count_sql = g_strdup_printf ("SELECT count(*) FROM media_items m LEFT JOIN shows s ON s.id = m.show_id %s", where);
  page_sql = g_strdup_printf ("SELECT m.id FROM media_items m LEFT JOIN shows s ON s.id = m.show_id %s "
                              "ORDER BY %s LIMIT ? OFFSET ?", where, order);
  count = exs_database_prepare (db, count_sql, error);
  page = exs_database_prepare (db, page_sql, error);
  if (count == NULL || page == NULL)
    return NULL;

  i = query ? exs_media_query_bind (query, count, 1) : 1;
  sqlite3_bind_int64 (count, i, library_id);
  sqlite3_bind_int64 (count, i + 1, library_id);
  sqlite3_bind_int (count, i + 2, include_missing);
  if (sqlite3_step (count) != SQLITE_ROW)
    {
      exs_database_step_failed (db, error, "cannot count media items");
      return NULL;
    }
  *total = sqlite3_column_int64 (count, 0);

  i = query ? exs_media_query_bind (query, page, 1) : 1;
  sqlite3_bind_int64 (page, i, library_id);
  sqlite3_bind_int64 (page, i + 1, library_id);
  sqlite3_bind_int (page, i + 2, include_missing);
  sqlite3_bind_int64 (page, i + 3, limit);
  sqlite3_bind_int64 (page, i + 4, offset);
  if (!collect_ids (db, page, ids, NULL, error))
    return NULL;
  return g_steal_pointer (&ids);
}

static void
set_text (JsonObject *o, const char *member, sqlite3_stmt *stmt, int col)
{
  exs_json_set_string_or_null (o, member, (const char *) sqlite3_column_text (stmt, col));
}

static void
set_int (JsonObject *o, const char *member, sqlite3_stmt *stmt, int col)
{
  if (sqlite3_column_type (stmt, col) == SQLITE_NULL)
    json_object_set_null_member (o, member);
  else
    json_object_set_int_member (o, member, sqlite3_column_int64 (stmt, col));
}

/* unix seconds as ISO 8601 UTC, like the rest of the API */
static void
set_time (JsonObject *o, const char *member, sqlite3_stmt *stmt, int col)
{
  g_autoptr (GDateTime) dt = NULL;
  g_autofree char *text = NULL;

  if (sqlite3_column_type (stmt, col) == SQLITE_NULL)
    {
      json_object_set_null_member (o, member);
      return;
    }
  dt = g_date_time_new_from_unix_utc (sqlite3_column_int64 (stmt, col));
  text = dt ? g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ") : NULL;
  exs_json_set_string_or_null (o, member, text);
}

/* Sets @member from column @col of @stmt, as @type says: 'i' integer,
 * 't' text, 'b' boolean, 'T' unix seconds written as an instant; a NULL
 * column is written as null (a boolean's as false). */
static void
set_column (JsonObject *o, const char *member, char type, sqlite3_stmt *stmt, int col)
{
  switch (type)
    {
    case 'i':
      set_int (o, member, stmt, col);
      break;
    case 't':
      set_text (o, member, stmt, col);
      break;
    case 'T':
      set_time (o, member, stmt, col);
      break;
    default:
      g_assert (type == 'b');
      json_object_set_boolean_member (o, member, sqlite3_column_int (stmt, col) != 0);
    }
}

/* A member of a record's JSON and the column of the query it comes from. */
typedef struct
{
  const char *member;
  char type; /* as set_column() reads it */
  int col;
} Column;

static void
set_columns (JsonObject *o, sqlite3_stmt *stmt, const Column *columns, guint n)
{
  for (guint i = 0; i < n; i++)
    set_column (o, columns[i].member, columns[i].type, stmt, columns[i].col);
}

static JsonArray *
labels (ExsDatabase *db, const char *sql, gint64 id, gint64 show_id, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = exs_database_prepare (db, sql, error);
  g_autoptr (JsonArray) arr = json_array_new ();
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, id);
  sqlite3_bind_int64 (stmt, 2, show_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    json_array_add_string_element (arr, (const char *) sqlite3_column_text (stmt, 0));
  if (!exs_database_rows_done (db, rc, error, "cannot read an item's genres or tags"))
    return NULL;
  return g_steal_pointer (&arr);
}

/* The members of a stream's JSON, one per column of streams_json()'s query
 * after kind (column 0), and the kind of stream each belongs to (%NULL:
 * every kind). */
static const struct
{
  const char *member;
  char type; /* as set_column() reads it */
  const char *kind;
} stream_members[] = {
  { "index", 'i', NULL },          { "codec", 't', NULL },         { "profile", 't', NULL },
  { "width", 'i', "video" },       { "height", 'i', "video" },     { "fps_num", 'i', "video" },
  { "fps_den", 'i', "video" },     { "interlaced", 'b', "video" }, { "channels", 'i', "audio" },
  { "sample_rate", 'i', "audio" }, { "language", 't', NULL },      { "external_path", 't', "subtitle" },
  { "title", 't', NULL },
};

static void
add_stream_row (sqlite3_stmt *stmt, gpointer user_data)
{
  JsonObject *o = json_object_new ();
  const char *kind = (const char *) sqlite3_column_text (stmt, 0);

  json_object_set_string_member (o, "kind", kind);
  for (guint i = 0; i < G_N_ELEMENTS (stream_members); i++)
    {
      const char *member = stream_members[i].member;
      int col = (int) i + 1;

      if (stream_members[i].kind && !g_str_equal (stream_members[i].kind, kind))
        continue;
      set_column (o, member, stream_members[i].type, stmt, col);
    }
  json_array_add_object_element (user_data, o);
}

static void
add_chapter_row (sqlite3_stmt *stmt, gpointer user_data)
{
  JsonObject *o = json_object_new ();

  set_int (o, "start_ms", stmt, 0);
  set_int (o, "end_ms", stmt, 1);
  set_text (o, "title", stmt, 2);
  json_array_add_object_element (user_data, o);
}

/* @add's JSON of every row of @sql for item @id. */
static JsonArray *
rows_json (ExsDatabase *db, const char *sql, gint64 id, ExsDatabaseRowFunc add, const char *what, GError **error)
{
  g_autoptr (JsonArray) arr = json_array_new ();

  if (!exs_database_each_row (db, sql, id, add, arr, what, error))
    return NULL;
  return g_steal_pointer (&arr);
}

static JsonArray *
streams_json (ExsDatabase *db, gint64 id, GError **error)
{
  return rows_json (db,
                    "SELECT kind, idx, codec, profile, width, height, fps_num, fps_den, interlaced, channels, "
                    "sample_rate, language, external_path, title FROM media_streams WHERE media_item_id = ? "
                    "ORDER BY CASE kind WHEN 'video' THEN 0 WHEN 'audio' THEN 1 ELSE 2 END, idx",
                    id, add_stream_row, "cannot read an item's streams", error);
}

static JsonArray *
chapters_json (ExsDatabase *db, gint64 id, GError **error)
{
  return rows_json (db, "SELECT start_ms, end_ms, title FROM media_chapters WHERE media_item_id = ? ORDER BY idx", id,
                    add_chapter_row, "cannot read an item's chapters", error);
}

/* The members of an item's JSON and the columns of
 * exs_media_store_items_to_json()'s query they come from, in the order the
 * API lists them (the id, "show" and "song" are written by the loop itself):
 * those before "show", those after it ... */
static const Column item_columns[] = {
  { "library_id", 'i', 1 },  { "kind", 't', 2 },          { "title", 't', 3 }, { "sort_title", 't', 4 },
  { "year", 'i', 5 },        { "duration_ms", 'i', 14 },
};
static const Column item_state_columns[] = {
  { "season", 'i', 11 },     { "episode", 'i', 12 },      { "episode_end", 'i', 13 }, { "container", 't', 15 },
  { "missing", 'b', 16 },    { "scan_state", 't', 17 },   { "scan_message", 't', 18 },
};
/* ... a song's own, under "song" ... */
static const Column song_columns[] = {
  { "artist", 't', 30 }, { "album", 't', 31 }, { "track", 'i', 32 }, { "cover", 't', 33 },
};
/* ... and those only the details add */
static const Column detail_columns[] = {
  { "plot", 't', 6 },   { "content_rating", 't', 7 }, { "studio", 't', 8 },     { "path", 't', 19 },
  { "uri", 't', 20 },   { "size", 'i', 26 },          { "poster", 't', 27 },    { "thumb", 't', 22 },
  { "fanart", 't', 28 }, { "added_at", 'T', 24 },     { "updated_at", 'T', 25 },
};

/**
 * exs_media_store_items_to_json:
 * @ids: (element-type gint64)
 * @details: add streams and chapters
 *
 * Returns: (transfer full) (nullable): the items as the API shows them, in @ids' order
 */
JsonArray *
exs_media_store_items_to_json (ExsDatabase *db, GArray *ids, gboolean details, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = exs_database_prepare (
      db,
      "SELECT m.id, m.library_id, m.kind, m.title, m.sort_title, m.year, m.plot, m.content_rating, m.studio, "
      "m.show_id, s.title, m.season_number, m.episode_number, m.episode_number_end, m.duration_ms, m.container, "
      "m.missing, m.scan_state, m.scan_message, m.path, m.uri, m.poster, m.thumb, m.fanart, m.added_at, "
      "m.updated_at, m.size, coalesce (m.poster, s.poster), coalesce (m.fanart, s.fanart), "
      "so.media_item_id, so.artist, so.album, so.track_number, so.cover "
      "FROM media_items m LEFT JOIN shows s ON s.id = m.show_id LEFT JOIN songs so ON so.media_item_id = m.id "
      "WHERE m.id = ?",
      error);
  g_autoptr (JsonArray) arr = json_array_new ();

  if (stmt == NULL)
    return NULL;
  for (guint i = 0; i < ids->len; i++)
    {
      gint64 id = g_array_index (ids, gint64, i);
      g_autoptr (JsonObject) o = NULL;
      JsonArray *genres, *tags, *streams, *chapters;
      gint64 show_id;
      int rc;

      sqlite3_reset (stmt);
      sqlite3_bind_int64 (stmt, 1, id);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_DONE)
        continue; /* not there (any more): left out */
      if (rc != SQLITE_ROW)
        {
          exs_database_step_failed (db, error, "cannot read media items");
          return NULL;
        }
      o = json_object_new ();
      show_id = sqlite3_column_int64 (stmt, 9);
      json_object_set_int_member (o, "id", id);
      set_columns (o, stmt, item_columns, G_N_ELEMENTS (item_columns));
      if (show_id > 0)
        {
          JsonObject *show = json_object_new ();
          json_object_set_int_member (show, "id", show_id);
          set_text (show, "title", stmt, 10);
          json_object_set_object_member (o, "show", show);
        }
      else
        json_object_set_null_member (o, "show");
      set_columns (o, stmt, item_state_columns, G_N_ELEMENTS (item_state_columns));
      if (sqlite3_column_type (stmt, 29) != SQLITE_NULL)
        {
          JsonObject *song = json_object_new ();
          set_columns (song, stmt, song_columns, G_N_ELEMENTS (song_columns));
          json_object_set_object_member (o, "song", song);
        }
      genres = labels (db, "SELECT genre FROM media_genres WHERE media_item_id = ?1 OR (show_id = ?2 AND ?2 > 0) "
                           "GROUP BY genre COLLATE NOCASE ORDER BY min (rowid)", id, show_id, error);
      if (genres == NULL)
        return NULL;
      json_object_set_array_member (o, "genres", genres);
      tags = labels (db, "SELECT tag FROM media_tags WHERE media_item_id = ?1 OR (show_id = ?2 AND ?2 > 0) "
                         "GROUP BY tag COLLATE NOCASE ORDER BY min (rowid)", id, show_id, error);
      if (tags == NULL)
        return NULL;
      json_object_set_array_member (o, "tags", tags);
      if (details)
        {
          set_columns (o, stmt, detail_columns, G_N_ELEMENTS (detail_columns));
          streams = streams_json (db, id, error);
          if (streams == NULL)
            return NULL;
          json_object_set_array_member (o, "streams", streams);
          chapters = chapters_json (db, id, error);
          if (chapters == NULL)
            return NULL;
          json_object_set_array_member (o, "chapters", chapters);
        }
      json_array_add_object_element (arr, g_steal_pointer (&o));
    }
  return g_steal_pointer (&arr);
}

/* ---- collections ---------------------------------------------------------- */

static void
add_show_row (sqlite3_stmt *stmt, gpointer user_data)
{
  JsonObject *o = json_object_new ();
  JsonArray *seasons = json_array_new ();
  const char *list = (const char *) sqlite3_column_text (stmt, 6);

  json_object_set_int_member (o, "id", sqlite3_column_int64 (stmt, 0));
  json_object_set_int_member (o, "library_id", sqlite3_column_int64 (stmt, 1));
  json_object_set_string_member (o, "title", (const char *) sqlite3_column_text (stmt, 2));
  set_int (o, "year", stmt, 3);
  json_object_set_int_member (o, "episodes", sqlite3_column_int64 (stmt, 5));
  if (list)
    {
      g_auto (GStrv) parts = g_strsplit (list, ",", -1);
      for (guint i = 0; parts[i]; i++)
        json_array_add_int_element (seasons, g_ascii_strtoll (parts[i], NULL, 10));
    }
  json_object_set_array_member (o, "seasons", seasons);
  json_array_add_object_element (user_data, o);
}

/**
 * exs_media_store_shows_to_json:
 * @library_id: 0 for every library
 *
 * Returns: (transfer full) (nullable): the shows as /api/shows lists them,
 *   each with its present episodes and seasons, by sort title
 */
JsonArray *
exs_media_store_shows_to_json (ExsDatabase *db, gint64 library_id, GError **error)
{
  return rows_json (
      db,
      "SELECT s.id, s.library_id, s.title, s.year, s.poster, "
      "  (SELECT count(*) FROM media_items m WHERE m.show_id = s.id AND m.missing = 0), "
      "  (SELECT group_concat (season_number) FROM (SELECT DISTINCT season_number FROM media_items m "
      "     WHERE m.show_id = s.id AND m.missing = 0 AND season_number IS NOT NULL ORDER BY season_number)) "
      "FROM shows s WHERE (?1 = 0 OR s.library_id = ?1) ORDER BY s.sort_title, s.id",
      library_id, add_show_row, "cannot list shows", error);
}

/* Whether the row of @table with @id is there; FALSE with @error when the database cannot say. */
static gboolean
row_exists (ExsDatabase *db, const char *sql, gint64 id, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = exs_database_prepare (db, sql, error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  rc = sqlite3_step (stmt);
  if (rc != SQLITE_ROW)
    exs_database_rows_done (db, rc, error, "cannot look the row up");
  return rc == SQLITE_ROW;
}

/* Returns: whether media item @id is there (%FALSE with @error set when the database cannot say) */
gboolean
exs_media_store_item_exists (ExsDatabase *db, gint64 id, GError **error)
{
  return row_exists (db, "SELECT 1 FROM media_items WHERE id = ?", id, error);
}

/* Returns: whether show @id is there (%FALSE with @error set when the database cannot say) */
gboolean
exs_media_store_show_exists (ExsDatabase *db, gint64 id, GError **error)
{
  return row_exists (db, "SELECT 1 FROM shows WHERE id = ?", id, error);
}

static void
stream_info_clear (ExsMediaStreamInfo *info)
{
  g_free (info->kind);
  g_free (info->codec);
}

/**
 * exs_media_store_get_loudness:
 * @lufs: (out): the item's integrated loudness, measured at scan
 *
 * Returns: whether the item has a measured loudness; %FALSE without @error
 *   when it has none (not measured yet, no audio, no such item)
 */
gboolean
exs_media_store_get_loudness (ExsDatabase *db, gint64 item_id, double *lufs, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt
      = exs_database_prepare (db, "SELECT loudness_lufs FROM media_items WHERE id = ? AND loudness_lufs IS NOT NULL",
                              error);
  int rc;

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, item_id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *lufs = sqlite3_column_double (stmt, 0);
      return TRUE;
    }
  exs_database_rows_done (db, rc, error, "an item's loudness");
  return FALSE;
}

/**
 * exs_media_store_dup_av_streams:
 *
 * The stored video and audio streams of one item (what the remux decision
 * needs); an item without any gives an empty array.
 *
 * Returns: (transfer full) (element-type ExsMediaStreamInfo) (nullable): the
 *   streams, or %NULL with @error set
 */
GArray *
exs_media_store_dup_av_streams (ExsDatabase *db, gint64 item_id, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = exs_database_prepare (
      db, "SELECT kind, codec, width, height FROM media_streams WHERE media_item_id = ? AND kind IN ('video', 'audio')",
      error);
  g_autoptr (GArray) out = g_array_new (FALSE, TRUE, sizeof (ExsMediaStreamInfo));
  int rc;

  if (stmt == NULL)
    return NULL;
  g_array_set_clear_func (out, (GDestroyNotify) stream_info_clear);
  sqlite3_bind_int64 (stmt, 1, item_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      ExsMediaStreamInfo info = {
        .kind = exs_database_dup_column (stmt, 0),
        .codec = exs_database_dup_column (stmt, 1),
        .width = sqlite3_column_int (stmt, 2),
        .height = sqlite3_column_int (stmt, 3),
      };
      g_array_append_val (out, info);
    }
  if (rc != SQLITE_DONE)
    {
      g_autofree char *what = g_strdup_printf ("library item %" G_GINT64_FORMAT, item_id);
      exs_database_rows_done (db, rc, error, what);
      return NULL;
    }
  return g_steal_pointer (&out);
}

#define SELECT_COLLECTION "SELECT id, name, kind, query, created_at, updated_at FROM collections "

static ExsCollectionRecord *
collection_from_row (sqlite3_stmt *stmt)
{
  ExsCollectionRecord *r = exs_collection_record_new ();

  r->id = sqlite3_column_int64 (stmt, 0);
  r->name = g_strdup ((const char *) sqlite3_column_text (stmt, 1));
  r->kind = g_strdup ((const char *) sqlite3_column_text (stmt, 2));
  r->query = g_strdup ((const char *) sqlite3_column_text (stmt, 3));
  r->created_at = sqlite3_column_int64 (stmt, 4);
  r->updated_at = sqlite3_column_int64 (stmt, 5);
  return r;
}

static void
add_member_row (sqlite3_stmt *stmt, gpointer user_data)
{
  ExsCollectionRecord *r = user_data;
  ExsCollectionMember m = { 0 };

  m.media_item_id = sqlite3_column_int64 (stmt, 0);
  m.show_id = sqlite3_column_int64 (stmt, 1);
  m.season = sqlite3_column_type (stmt, 2) == SQLITE_NULL ? -1 : sqlite3_column_int (stmt, 2);
  g_array_append_val (r->members, m);
}

static gboolean
load_members (ExsDatabase *db, ExsCollectionRecord *r, GError **error)
{
  return exs_database_each_row (db,
                                "SELECT media_item_id, show_id, season_number FROM collection_members "
                                "WHERE collection_id = ? ORDER BY position, id",
                                r->id, add_member_row, r, "cannot read collection members", error);
}

static const ExsDatabaseRecordType collection_type = {
  (ExsDatabaseRowReader) collection_from_row, (GDestroyNotify) exs_collection_record_free,
  (ExsDatabaseRecordLoader) load_members, "collection", "collections",
};

/**
 * exs_collection_store_list:
 *
 * Returns: (transfer full) (element-type ExsCollectionRecord) (nullable): every collection, by name
 */
GPtrArray *
exs_collection_store_list (ExsDatabase *db, GError **error)
{
  return exs_database_list_records (db, SELECT_COLLECTION "ORDER BY name COLLATE NOCASE", &collection_type, error);
}

/**
 * exs_collection_store_get:
 *
 * Returns: (transfer full) (nullable): the collection, or %NULL with %EXS_DATABASE_ERROR_NOT_FOUND
 */
ExsCollectionRecord *
exs_collection_store_get (ExsDatabase *db, gint64 id, GError **error)
{
  return exs_database_get_record (db, SELECT_COLLECTION "WHERE id = ?", id, &collection_type, error);
}

static void
bind_member (sqlite3_stmt *stmt, guint index, gpointer user_data)
{
  ExsCollectionRecord *r = user_data;
  ExsCollectionMember *m = &g_array_index (r->members, ExsCollectionMember, index);

  sqlite3_bind_int (stmt, 2, (int) index);
  exs_database_bind_int64 (stmt, 3, m->media_item_id, m->media_item_id > 0);
  exs_database_bind_int64 (stmt, 4, m->show_id, m->show_id > 0);
  exs_database_bind_int64 (stmt, 5, m->season, m->season >= 0);
}

static gboolean
write_members (ExsDatabase *db, ExsCollectionRecord *r, GError **error)
{
  return exs_database_replace_rows (db, "DELETE FROM collection_members WHERE collection_id = ?",
                                    "INSERT INTO collection_members (collection_id, position, media_item_id, show_id, "
                                    "season_number) VALUES (?, ?, ?, ?, ?)",
                                    r->id, r->members->len, bind_member, r, error);
}

static gboolean
write_collection_rows (ExsDatabase *db, ExsCollectionRecord *r, gboolean insert, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  stmt = exs_database_prepare (db,
                               insert ? "INSERT INTO collections (name, kind, query, updated_at, created_at) "
                                        "VALUES (?, ?, ?, ?, ?)"
                                      : "UPDATE collections SET name = ?, kind = ?, query = ?, updated_at = ? "
                                        "WHERE id = ?",
                               error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, r->name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 2, r->kind, -1, SQLITE_TRANSIENT);
  if (r->query)
    sqlite3_bind_text (stmt, 3, r->query, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, 3);
  sqlite3_bind_int64 (stmt, 4, now);
  sqlite3_bind_int64 (stmt, 5, insert ? now : r->id);
  if (!exs_database_step_written (db, stmt, insert, &r->id, error, "no collection with id %" G_GINT64_FORMAT, r->id))
    return FALSE;
  if (insert)
    r->created_at = now;
  r->updated_at = now;
  return write_members (db, r, error);
}

static gboolean
write_collection (ExsDatabase *db, ExsCollectionRecord *r, gboolean insert, GError **error)
{
  return exs_database_begin (db, error)
         && exs_database_finish (db, write_collection_rows (db, r, insert, error), error);
}

/* Adds @r with its members in one transaction; a duplicate name is a constraint error. */
gboolean
exs_collection_store_insert (ExsDatabase *db, ExsCollectionRecord *r, GError **error)
{
  return write_collection (db, r, TRUE, error);
}

/* Replaces @r's name, kind, query and members in one transaction. */
gboolean
exs_collection_store_update (ExsDatabase *db, ExsCollectionRecord *r, GError **error)
{
  return write_collection (db, r, FALSE, error);
}

gboolean
exs_collection_store_delete (ExsDatabase *db, gint64 id, GError **error)
{
  return exs_database_delete_record (db, "DELETE FROM collections WHERE id = ?", id, "collection", error);
}

/**
 * exs_collection_resolve_query:
 * @query: a smart collection's query (docs/query-language.md)
 *
 * Returns: (transfer full) (element-type gint64) (nullable): the playable
 *   items matching @query, by show, season, episode and title; %NULL with
 *   %EXS_MEDIA_QUERY_ERROR_SYNTAX for a bad query
 */
GArray *
exs_collection_resolve_query (ExsDatabase *db, const char *query, GError **error)
{
  g_autoptr (ExsMediaQuery) q = exs_media_query_compile (query, NULL, error);
  g_autofree char *sql = NULL;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));

  if (q == NULL)
    return NULL;
  sql = g_strdup_printf ("SELECT m.id FROM media_items m LEFT JOIN shows s ON s.id = m.show_id "
                         "WHERE " PLAYABLE " AND %s ORDER BY " EPISODE_ORDER, exs_media_query_get_sql (q));
  stmt = exs_database_prepare (db, sql, error);
  if (stmt == NULL)
    return NULL;
  exs_media_query_bind (q, stmt, 1);
  if (!collect_ids (db, stmt, ids, NULL, error))
    return NULL;
  return g_steal_pointer (&ids);
}

/**
 * exs_collection_resolve:
 * @collection_id: a collection's id
 *
 * What the scheduler calls: the playable media item ids of a collection, in
 * play order. A manual collection keeps its members' order (a show or a
 * season expands to its episodes by season and episode); an item listed
 * twice appears once. A smart collection is its query's result, by show,
 * season, episode and title. Missing and broken files are left out.
 * Quick (indexed queries); safe on the main loop for ordinary libraries.
 *
 * Returns: (transfer full) (element-type gint64) (nullable): the ids, or
 *   %NULL with %EXS_DATABASE_ERROR_NOT_FOUND / a query error
 */
GArray *
exs_collection_resolve (ExsDatabase *db, gint64 collection_id, GError **error)
{
  g_autoptr (ExsCollectionRecord) r = exs_collection_store_get (db, collection_id, error);
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autoptr (sqlite3_stmt) one = NULL;
  g_autoptr (sqlite3_stmt) show = NULL;

  if (r == NULL)
    return NULL;
  if (g_str_equal (r->kind, "smart"))
    return exs_collection_resolve_query (db, r->query ? r->query : "", error);

  one = exs_database_prepare (db, "SELECT m.id FROM media_items m WHERE m.id = ? AND " PLAYABLE, error);
  show = exs_database_prepare (db,
                               "SELECT m.id FROM media_items m LEFT JOIN shows s ON s.id = m.show_id "
                               "WHERE m.show_id = ?1 AND (?2 < 0 OR m.season_number = ?2) AND " PLAYABLE
                               " ORDER BY " EPISODE_ORDER, error);
  if (one == NULL || show == NULL)
    return NULL;
  for (guint i = 0; i < r->members->len; i++)
    {
      ExsCollectionMember *m = &g_array_index (r->members, ExsCollectionMember, i);
      sqlite3_stmt *stmt = m->media_item_id > 0 ? one : show;

      sqlite3_reset (stmt);
      if (m->media_item_id > 0)
        sqlite3_bind_int64 (one, 1, m->media_item_id);
      else
        {
          sqlite3_bind_int64 (show, 1, m->show_id);
          sqlite3_bind_int (show, 2, m->season);
        }
      if (!collect_ids (db, stmt, ids, seen, error))
        return NULL;
    }
  return g_steal_pointer (&ids);
}
