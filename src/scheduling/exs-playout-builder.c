/* exs-playout-builder.c: ExsPlayoutBuilder, every channel's playout.
 *
 * Created by ExsApplication after the database. It turns each channel's
 * schedule into playout items up to a horizon (48 h by default), keeps them in
 * the playout_items table with an anchor at every commit, and holds them in
 * memory, one sorted array per channel, so that the ExsPlayoutSource questions
 * — what plays on channel N at instant T, and what is on between two instants —
 * are a binary search under a mutex (O(log n), callable from any thread).
 *
 * Builds never run on the main loop: a timer on the main loop notices channels
 * whose horizon is running short and extends them in a GTask thread, with the
 * builder's own SQLite connection. One build at a time (build_lock).
 *
 * Continuous channels run by the wall clock. On-demand channels run on a
 * virtual clock that only moves while someone watches: items are built on the
 * virtual axis and shifted by an offset when asked (see docs/design/scheduling.md).
 *
 * Over 1,000 lines on purpose, for now: the in-memory playouts, their locking
 * and the writes that must stay in step with them (chunked extensions, the
 * built_until_us swap, the on-demand clock) are one invariant. The write path
 * (store_in_chunks() and its neighbours) is the part to move to a file of its
 * own, behind a private header, when the builder next grows.
 */
#include "config.h"

#include "exs-playout-builder.h"
#include "exs-background.h"

#include "exs-fs.h"

#include "exs-playout-plan.h"
#include "exs-schedule-store.h"

#include <json-glib/json-glib.h>
#include <string.h>

#define US G_GINT64_CONSTANT (1000000)
#define HOUR_US (3600 * US)
#define HISTORY_US (24 * HOUR_US)
#define STALE_US (7 * 24 * HOUR_US)
#define CHUNK_ROWS 1000 /* playout rows per write transaction */
#define MAX_LIST_ITEMS 4000000 /* a safety net; the API limits ranges */

typedef struct
{
  gint64 channel_id;
  char *name;
  GPtrArray *items;        /* ExsPlayoutItem*, contiguous, on the (virtual) time axis */
  gboolean on_demand;
  gint64 od_offset_us;     /* on demand: wall = virtual + offset while someone watches */
  gint64 od_paused_at_us;  /* on demand: virtual position while nobody watches; -1 while watched */
  char **problems;
  gint64 built_until_us;
} ChannelPlayout;

struct _ExsPlayoutBuilder
{
  GObject parent_instance;

  ExsDatabase *database;  /* the application's connection: quick writes on the main loop */
  ExsDatabase *worker_db; /* ours: builds, under build_lock */
  GTimeZone *tz;
  gint64 horizon_us;

  GMutex lock;            /* protects channels and every ChannelPlayout in it */
  GHashTable *channels;   /* number → ChannelPlayout* */
  GMutex build_lock;      /* one build at a time; guards worker_db */

  guint timer_id;
  gboolean extending;     /* main loop only: a background extension is in flight */
  guint retry_id;         /* main loop only: a failed extension is tried again soon */
  guint retry_delay_s;
  GCancellable *cancellable;
};

static void exs_playout_builder_source_init (ExsPlayoutSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ExsPlayoutBuilder, exs_playout_builder, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (EXS_TYPE_PLAYOUT_SOURCE, exs_playout_builder_source_init))

static void
channel_playout_free (ChannelPlayout *cp)
{
  g_free (cp->name);
  g_ptr_array_unref (cp->items);
  g_strfreev (cp->problems);
  g_free (cp);
}

static ChannelPlayout *
channel_playout_new (void)
{
  ChannelPlayout *cp = g_new0 (ChannelPlayout, 1);

  cp->items = g_ptr_array_new_with_free_func ((GDestroyNotify) exs_playout_item_free);
  cp->od_paused_at_us = -1;
  cp->problems = g_new0 (char *, 1);
  return cp;
}

static void
exs_playout_builder_dispose (GObject *object)
{
  ExsPlayoutBuilder *self = EXS_PLAYOUT_BUILDER (object);

  exs_playout_builder_stop (self);
  g_clear_object (&self->cancellable);
  if (self->worker_db)
    exs_database_close (self->worker_db);
  g_clear_object (&self->worker_db);
  g_clear_object (&self->database);
  G_OBJECT_CLASS (exs_playout_builder_parent_class)->dispose (object);
}

static void
exs_playout_builder_finalize (GObject *object)
{
  ExsPlayoutBuilder *self = EXS_PLAYOUT_BUILDER (object);

  g_hash_table_unref (self->channels);
  g_clear_pointer (&self->tz, g_time_zone_unref);
  g_mutex_clear (&self->lock);
  g_mutex_clear (&self->build_lock);
  G_OBJECT_CLASS (exs_playout_builder_parent_class)->finalize (object);
}

static void
exs_playout_builder_class_init (ExsPlayoutBuilderClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = exs_playout_builder_dispose;
  object_class->finalize = exs_playout_builder_finalize;
}

static void
exs_playout_builder_init (ExsPlayoutBuilder *self)
{
  g_mutex_init (&self->lock);
  g_mutex_init (&self->build_lock);
  self->channels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) channel_playout_free);
  self->cancellable = g_cancellable_new ();
}

/**
 * exs_playout_builder_new:
 * @database: the application's database; the builder opens its own second
 *   connection to the same file for its worker thread
 * @time_zone: the zone fixed start times and clock boundaries are in
 * @horizon_us: how far ahead playouts are built
 *
 * Returns: (transfer full) (nullable): the builder
 */
ExsPlayoutBuilder *
exs_playout_builder_new (ExsDatabase *database, GTimeZone *time_zone, gint64 horizon_us, GError **error)
{
  g_autoptr (ExsPlayoutBuilder) self = g_object_new (EXS_TYPE_PLAYOUT_BUILDER, NULL);

  g_return_val_if_fail (EXS_IS_DATABASE (database), NULL);
  g_return_val_if_fail (horizon_us > 0, NULL);
  self->database = g_object_ref (database);
  self->tz = g_time_zone_ref (time_zone);
  self->horizon_us = horizon_us;
  self->worker_db = exs_database_open_worker (exs_database_get_path (database), error);
  if (self->worker_db == NULL)
    return NULL;
  return g_steal_pointer (&self);
}

gint64
exs_playout_builder_get_horizon (ExsPlayoutBuilder *self)
{
  return self->horizon_us;
}

GTimeZone *
exs_playout_builder_get_time_zone (ExsPlayoutBuilder *self)
{
  return self->tz;
}

/* ---- rows ⇄ items ---- */

#define ITEM_COLUMNS                                                                                                 \
  "start_us, stop_us, kind, uri, in_point_us, media_item_id, title, sub_title, description, categories,"           \
  " season_number, episode_number, artwork_url, hide_in_guide, media"

static ExsPlayoutItem *
row_to_item (sqlite3_stmt *s)
{
  ExsPlayoutItem *item = exs_playout_item_new ();
  const char *cats;

  item->start_us = sqlite3_column_int64 (s, 0);
  item->stop_us = sqlite3_column_int64 (s, 1);
  item->kind = sqlite3_column_int (s, 2);
  item->uri = exs_database_dup_column (s, 3);
  item->in_point_us = sqlite3_column_int64 (s, 4);
  item->media_item_id = sqlite3_column_int64 (s, 5);
  item->title = exs_database_dup_column (s, 6);
  item->sub_title = exs_database_dup_column (s, 7);
  item->description = exs_database_dup_column (s, 8);
  cats = (const char *) sqlite3_column_text (s, 9);
  item->categories = cats && cats[0] ? g_strsplit (cats, "\x1f", -1) : g_new0 (char *, 1);
  item->season_number = sqlite3_column_int (s, 10);
  item->episode_number = sqlite3_column_int (s, 11);
  item->artwork_url = exs_database_dup_column (s, 12);
  item->hide_in_guide = sqlite3_column_int (s, 13);
  item->media = exs_database_dup_column (s, 14);
  return item;
}

static void
bind_text_or_null (sqlite3_stmt *s, int i, const char *v)
{
  if (v)
    sqlite3_bind_text (s, i, v, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (s, i);
}

/* Stores @items[@from, @to). */
static gboolean
insert_items (ExsDatabase *db, gint64 channel_id, GPtrArray *items, GPtrArray *anchors, guint from, guint to,
              GError **error)
{
  g_autoptr (sqlite3_stmt) s = exs_database_prepare (
      db, "INSERT OR REPLACE INTO playout_items (channel_id, " ITEM_COLUMNS ", anchor)"
          " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      error);

  if (s == NULL)
    return FALSE;
  for (guint i = from; i < to; i++)
    {
      ExsPlayoutItem *it = items->pdata[i];
      g_autofree char *cats = it->categories ? g_strjoinv ("\x1f", it->categories) : NULL;
      sqlite3_reset (s);
      sqlite3_bind_int64 (s, 1, channel_id);
      sqlite3_bind_int64 (s, 2, it->start_us);
      sqlite3_bind_int64 (s, 3, it->stop_us);
      sqlite3_bind_int (s, 4, it->kind);
      bind_text_or_null (s, 5, it->uri);
      sqlite3_bind_int64 (s, 6, it->in_point_us);
      sqlite3_bind_int64 (s, 7, it->media_item_id);
      bind_text_or_null (s, 8, it->title);
      bind_text_or_null (s, 9, it->sub_title);
      bind_text_or_null (s, 10, it->description);
      bind_text_or_null (s, 11, cats);
      sqlite3_bind_int (s, 12, it->season_number);
      sqlite3_bind_int (s, 13, it->episode_number);
      bind_text_or_null (s, 14, it->artwork_url);
      sqlite3_bind_int (s, 15, it->hide_in_guide);
      bind_text_or_null (s, 16, it->media);
      bind_text_or_null (s, 17, anchors->pdata[i]);
      if (sqlite3_step (s) != SQLITE_DONE)
        {
          g_set_error (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_QUERY, "storing the playout: %s",
                       sqlite3_errmsg (exs_database_get_handle (db)));
          return FALSE;
        }
    }
  return TRUE;
}

/* Drops the stored rows that the build replaces: every row when @keep_after
 * is G_MAXINT64; when @cut_us is set, the rows from @cut_us on (the one on air
 * then ends at @cut_us); else the rows after @keep_after (G_MININT64: none). */
static gboolean
trim_stored (ExsDatabase *db, gint64 channel_id, gint64 keep_after, gint64 cut_us, GError **error)
{
  if (keep_after == G_MAXINT64)
    return exs_database_exec_int64s (db, "DELETE FROM playout_items WHERE channel_id = ? AND ? = ?", channel_id, 0, error);
  if (cut_us != G_MAXINT64)
    return exs_database_exec_int64s (db, "DELETE FROM playout_items WHERE channel_id = ? AND start_us >= ?", channel_id, cut_us,
                         error)
           && exs_database_exec_int64s (db, "UPDATE playout_items SET stop_us = ?2 WHERE channel_id = ?1 AND stop_us > ?2",
                            channel_id, cut_us, error);
  if (keep_after != G_MININT64)
    return exs_database_exec_int64s (db, "DELETE FROM playout_items WHERE channel_id = ? AND start_us > ?", channel_id,
                         keep_after, error);
  return TRUE;
}

/* Stores an extension's @items, all after @built_until_us, in transactions
 * of CHUNK_ROWS rows (tens of ms each, even on a slow machine), pausing as
 * long as each took between them, so that another writer — the API on the
 * main connection — waits at most one chunk and gets its turn. The rows stay
 * invisible until the caller's final transaction moves built_until_us past
 * them (load() ignores rows from built_until_us on); the first chunk drops
 * such rows left by a build that stopped half-way. */
static gboolean
store_in_chunks (ExsDatabase *db, gint64 channel_id, gint64 built_until_us, GPtrArray *items, GPtrArray *anchors,
                 GCancellable *cancellable, GError **error)
{
  for (guint from = 0; from == 0 || from < items->len; from += CHUNK_ROWS)
    {
      guint to = MIN (from + CHUNK_ROWS, items->len);
      gint64 started = g_get_monotonic_time ();

      if (!exs_database_begin (db, error))
        return FALSE;
      if ((from == 0
           && !exs_database_exec_int64s (db, "DELETE FROM playout_items WHERE channel_id = ? AND start_us >= ?", channel_id,
                             built_until_us, error))
          || !insert_items (db, channel_id, items, anchors, from, to, error) || !exs_database_commit (db, error))
        {
          exs_database_rollback (db);
          return FALSE;
        }
      g_usleep (MIN (g_get_monotonic_time () - started, 100 * 1000));
      if (g_cancellable_set_error_if_cancelled (cancellable, error)) /* shutting down */
        return FALSE;
    }
  return TRUE;
}

/* Drops the rows that ended before @before_us (history older than a day), in
 * transactions of CHUNK_ROWS rows like store_in_chunks(): past rows only, so
 * no reader minds seeing some gone before the others. */
static gboolean
drop_history_in_chunks (ExsDatabase *db, gint64 channel_id, gint64 before_us, GCancellable *cancellable,
                        GError **error)
{
  for (;;)
    {
      gint64 started = g_get_monotonic_time ();
      if (!exs_database_exec_int64s (db,
                         "DELETE FROM playout_items WHERE channel_id = ?1 AND start_us IN (SELECT start_us"
                         " FROM playout_items WHERE channel_id = ?1 AND stop_us < ?2 LIMIT " G_STRINGIFY (CHUNK_ROWS) ")",
                         channel_id, before_us, error))
        return FALSE;
      if (sqlite3_changes (exs_database_get_handle (db)) < CHUNK_ROWS)
        return TRUE;
      g_usleep (MIN (g_get_monotonic_time () - started, 100 * 1000));
      if (g_cancellable_set_error_if_cancelled (cancellable, error)) /* shutting down */
        return FALSE;
    }
}

/* Reads the on-demand clock stored for @channel_id: FALSE if it has no row. */
static gboolean
read_clock (ExsDatabase *db, gint64 channel_id, gint64 *offset, gint64 *paused)
{
  g_autoptr (sqlite3_stmt) s = exs_database_prepare (
      db, "SELECT od_offset_us, od_paused_at_us FROM channel_playouts WHERE channel_id = ?", NULL);

  if (s == NULL)
    return FALSE;
  sqlite3_bind_int64 (s, 1, channel_id);
  if (sqlite3_step (s) != SQLITE_ROW)
    return FALSE;
  *offset = sqlite3_column_int64 (s, 0);
  *paused = sqlite3_column_type (s, 1) == SQLITE_NULL ? -1 : sqlite3_column_int64 (s, 1);
  return TRUE;
}

/* Whether the item on air at @vnow is the offline screen. */
static gboolean
offline_on_air (ExsDatabase *db, gint64 channel_id, gint64 vnow)
{
  g_autoptr (sqlite3_stmt) s = exs_database_prepare (
      db, "SELECT kind FROM playout_items WHERE channel_id = ?1 AND start_us <= ?2 AND stop_us > ?2", NULL);

  if (s == NULL)
    return FALSE;
  sqlite3_bind_int64 (s, 1, channel_id);
  sqlite3_bind_int64 (s, 2, vnow);
  return sqlite3_step (s) == SQLITE_ROW && sqlite3_column_int (s, 0) == EXS_PLAYOUT_ITEM_OFFLINE;
}

/* Starts the schedule over at @cut_us (as a reset does) when it plays
 * something then; an item it joins mid-way begins at @cut_us, at the
 * matching position in its media. Returns: (transfer full) (nullable): the
 * cursor, or %NULL (nothing added) when the schedule is offline then too. */
static ExsPlayoutCursor *
begin_unless_offline (ExsPlayoutPlan *plan, gint64 cut_us, GPtrArray *items, GPtrArray *anchors)
{
  g_autoptr (ExsPlayoutCursor) cursor = exs_playout_plan_begin (plan, cut_us, items, anchors);
  ExsPlayoutItem *first;

  if (items->len == 0)
    exs_playout_plan_build (plan, cursor, cut_us + 1, items, anchors);
  first = items->len > 0 ? items->pdata[0] : NULL;
  if (first == NULL || first->kind == EXS_PLAYOUT_ITEM_OFFLINE)
    {
      g_ptr_array_set_size (items, 0);
      g_ptr_array_set_size (anchors, 0);
      return NULL;
    }
  if (first->start_us < cut_us)
    {
      first->in_point_us += cut_us - first->start_us;
      first->start_us = cut_us;
    }
  return g_steal_pointer (&cursor);
}

static char **
problems_from_json (const char *text)
{
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (GPtrArray) out = g_ptr_array_new ();
  JsonNode *root;

  if (text && json_parser_load_from_data (p, text, -1, NULL) && (root = json_parser_get_root (p))
      && JSON_NODE_HOLDS_ARRAY (root))
    {
      JsonArray *a = json_node_get_array (root);
      for (guint i = 0; i < json_array_get_length (a); i++)
        g_ptr_array_add (out, g_strdup (json_array_get_string_element (a, i)));
    }
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&out), FALSE);
}

static char *
problems_to_json (GPtrArray *problems)
{
  g_autoptr (JsonNode) root = json_node_new (JSON_NODE_ARRAY);
  JsonArray *a = json_array_new ();

  for (guint i = 0; i < problems->len; i++)
    json_array_add_string_element (a, problems->pdata[i]);
  json_node_take_array (root, a);
  return json_to_string (root, FALSE);
}

/* ---- loading ---- */

/**
 * exs_playout_builder_load:
 *
 * Reads every channel's stored playout into memory (at start-up, before the
 * main loop runs; a restart continues exactly where the playout was).
 */
gboolean
exs_playout_builder_load (ExsPlayoutBuilder *self, GError **error)
{
  g_autoptr (sqlite3_stmt) ch = NULL;
  g_autoptr (sqlite3_stmt) items = NULL;
  g_autoptr (GHashTable) loaded = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                                         (GDestroyNotify) channel_playout_free);
  g_autoptr (GMutexLocker) building = g_mutex_locker_new (&self->build_lock);

  ch = exs_database_prepare (self->worker_db,
                             "SELECT c.number, c.id, c.name, COALESCE(p.mode, 'continuous'),"
                             " COALESCE(p.od_offset_us, 0), p.od_paused_at_us, COALESCE(p.problems, '[]'),"
                             " COALESCE(p.built_until_us, 0)"
                             " FROM channels c LEFT JOIN channel_playouts p ON p.channel_id = c.id",
                             error);
  items = exs_database_prepare (self->worker_db,
                                /* rows at or after built_until are a build's chunks
                                 * that were never committed (see store_in_chunks) */
                                "SELECT " ITEM_COLUMNS " FROM playout_items WHERE channel_id = ? AND start_us < ?"
                                " ORDER BY start_us",
                                error);
  if (ch == NULL || items == NULL)
    return FALSE;
  while (sqlite3_step (ch) == SQLITE_ROW)
    {
      ChannelPlayout *cp = channel_playout_new ();
      cp->channel_id = sqlite3_column_int64 (ch, 1);
      cp->name = exs_database_dup_column (ch, 2);
      cp->on_demand = g_strcmp0 ((const char *) sqlite3_column_text (ch, 3), "on_demand") == 0;
      cp->od_offset_us = sqlite3_column_int64 (ch, 4);
      cp->od_paused_at_us = sqlite3_column_type (ch, 5) == SQLITE_NULL ? -1 : sqlite3_column_int64 (ch, 5);
      g_strfreev (cp->problems);
      cp->problems = problems_from_json ((const char *) sqlite3_column_text (ch, 6));
      cp->built_until_us = sqlite3_column_int64 (ch, 7);
      sqlite3_reset (items);
      sqlite3_bind_int64 (items, 1, cp->channel_id);
      sqlite3_bind_int64 (items, 2, cp->built_until_us);
      while (sqlite3_step (items) == SQLITE_ROW)
        g_ptr_array_add (cp->items, row_to_item (items));
      g_hash_table_insert (loaded, exs_database_dup_column (ch, 0), cp);
    }
  g_clear_pointer (&building, g_mutex_locker_free);

  g_mutex_lock (&self->lock);
  {
    GHashTableIter iter;
    gpointer k, v;
    g_hash_table_iter_init (&iter, loaded);
    while (g_hash_table_iter_next (&iter, &k, &v))
      {
        g_hash_table_iter_steal (&iter);
        g_hash_table_replace (self->channels, k, v);
      }
  }
  g_mutex_unlock (&self->lock);
  return TRUE;
}

/* ---- building ---- */

static gint64
virtual_now (gboolean on_demand, gint64 offset, gint64 paused_at, gint64 now_us)
{
  if (!on_demand)
    return now_us;
  return paused_at >= 0 ? paused_at : now_us - offset;
}

static gboolean
build_locked (ExsPlayoutBuilder *self, const char *number, ExsPlayoutBuildKind kind, gint64 now_us, GError **error)
{
  ExsDatabase *db = self->worker_db;
  g_autoptr (ExsPlayoutAssignment) a = exs_schedule_store_get_assignment (db, number, error);
  g_autoptr (ExsScheduleRecord) rec = NULL;
  g_autoptr (ExsSchedule) schedule = NULL;
  g_autoptr (ExsMediaCache) cache = NULL;
  g_autoptr (ExsPlayoutPlan) plan = NULL;
  g_autoptr (ExsPlayoutCursor) cursor = NULL;
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) exs_playout_item_free);
  g_autoptr (GPtrArray) anchors = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (sqlite3_stmt) st = NULL;
  g_autofree char *anchor = NULL;
  g_autofree char *problems_json = NULL;
  g_autofree char *end_anchor = NULL;
  gboolean on_demand, had_row, chunked, keep_clock;
  gint64 row_offset, row_paused, now_offset, now_paused;
  gint64 od_offset = 0, od_paused = -1, built_until = 0, vnow, keep_after = G_MININT64, cut_us = G_MAXINT64;
  ChannelPlayout *cp;

  if (a == NULL)
    return FALSE;
  on_demand = g_str_equal (a->mode, "on_demand");
  st = exs_database_prepare (db,
                             "SELECT anchor, built_until_us, od_offset_us, od_paused_at_us FROM channel_playouts"
                             " WHERE channel_id = ?",
                             error);
  if (st == NULL)
    return FALSE;
  sqlite3_bind_int64 (st, 1, a->channel_id);
  had_row = sqlite3_step (st) == SQLITE_ROW;
  if (had_row)
    {
      anchor = exs_database_dup_column (st, 0);
      built_until = sqlite3_column_int64 (st, 1);
      od_offset = sqlite3_column_int64 (st, 2);
      od_paused = sqlite3_column_type (st, 3) == SQLITE_NULL ? -1 : sqlite3_column_int64 (st, 3);
    }
  g_clear_pointer (&st, sqlite3_finalize);
  row_offset = od_offset;
  row_paused = od_paused;
  if (on_demand && anchor == NULL && od_paused < 0 && od_offset == 0)
    od_paused = now_us; /* never built: nobody is watching yet */
  if (on_demand && kind == EXS_PLAYOUT_BUILD_RESET)
    {
      /* start over: the virtual clock restarts at now */
      if (od_paused >= 0)
        od_paused = now_us;
      else
        od_offset = 0;
    }
  vnow = virtual_now (on_demand, od_offset, od_paused, now_us);

  if (a->schedule_id != 0)
    {
      g_autoptr (GError) local = NULL;
      rec = exs_schedule_store_get (db, a->schedule_id, error);
      if (rec == NULL)
        return FALSE;
      schedule = exs_schedule_new_from_data (rec->document, &local);
      if (schedule == NULL)
        g_ptr_array_add (problems, g_strdup_printf ("the stored schedule is not valid: %s", local->message));
    }
  else
    g_ptr_array_add (problems, g_strdup ("no schedule is assigned: the channel is offline"));
  if (schedule == NULL)
    schedule = exs_schedule_new_from_data ("{\"name\": \"none\", \"items\": []}", NULL);

  cache = exs_media_cache_new (db);
  plan = exs_playout_plan_new (schedule, cache, self->tz, (guint64) a->seed, a->name, error);
  if (plan == NULL)
    return FALSE;

  /* Decide what to keep and build the items in memory first, outside any
   * transaction: only the builder writes playout_items (under build_lock), so
   * these reads stay true until the short write transaction below. */
  if (kind == EXS_PLAYOUT_BUILD_RESET || a->schedule_id == 0)
    {
      keep_after = G_MAXINT64; /* drop everything, stored and in memory */
      cursor = exs_playout_plan_begin (plan, vnow - vnow % US, items, anchors); /* on a whole second */
    }
  else if (kind == EXS_PLAYOUT_BUILD_REBUILD && offline_on_air (db, a->channel_id, vnow)
           && (cursor = begin_unless_offline (plan, vnow - vnow % US, items, anchors)) != NULL)
    {
      /* the offline screen on air ends now, since the schedule has something
       * to play: what played before stays, the schedule starts over at now */
      cut_us = vnow - vnow % US;
      keep_after = cut_us - 1;
    }
  else if (kind == EXS_PLAYOUT_BUILD_REBUILD)
    {
      /* keep the commit that plays now; rebuild after it from its anchor */
      st = exs_database_prepare (db,
                                 "SELECT start_us, anchor FROM playout_items WHERE channel_id = ? AND stop_us > ?"
                                 " AND anchor IS NOT NULL ORDER BY start_us LIMIT 1",
                                 error);
      if (st == NULL)
        return FALSE;
      sqlite3_bind_int64 (st, 1, a->channel_id);
      sqlite3_bind_int64 (st, 2, vnow);
      if (sqlite3_step (st) == SQLITE_ROW)
        {
          keep_after = sqlite3_column_int64 (st, 0);
          g_free (anchor);
          anchor = exs_database_dup_column (st, 1);
        }
      g_clear_pointer (&st, sqlite3_finalize);
    }
  if (cursor == NULL && anchor != NULL)
    cursor = exs_playout_cursor_new_from_string (plan, anchor);
  if (cursor != NULL && cursor->time_us < vnow - STALE_US)
    {
      g_ptr_array_add (problems, g_strdup ("the playout was more than 7 days behind (server off?): started over now"));
      g_clear_pointer (&cursor, exs_playout_cursor_free);
    }
  if (cursor == NULL)
    cursor = exs_playout_plan_begin (plan, MAX (vnow - vnow % US, built_until), items, anchors);

  exs_playout_plan_build (plan, cursor, vnow + self->horizon_us, items, anchors);
  for (guint i = 0; i < exs_playout_plan_get_problems (plan)->len; i++)
    g_ptr_array_add (problems, g_strdup (exs_playout_plan_get_problems (plan)->pdata[i]));
  problems_json = problems_to_json (problems);
  end_anchor = exs_playout_cursor_to_string (cursor);

  /* An extension (the first build included: the long one) replaces nothing
   * stored, so its rows go in short chunks first; a rebuild or reset, which
   * replaces rows, swaps them in one transaction with the trim. Either way the
   * playout becomes visible at once in the transaction below. */
  chunked = keep_after == G_MININT64;
  if (chunked
      && (!drop_history_in_chunks (db, a->channel_id, vnow - HISTORY_US, self->cancellable, error)
          || !store_in_chunks (db, a->channel_id, built_until, items, anchors, self->cancellable, error)))
    return FALSE;
  if (!exs_database_begin (db, error))
    return FALSE;
  /* Someone may have started or stopped watching an on-demand channel while
   * it was built (set_viewing: memory first, then its own row write, which
   * waits for this transaction): its clock in memory wins over the one read
   * before the build, unless this build resets that clock. */
  keep_clock = on_demand && kind != EXS_PLAYOUT_BUILD_RESET;
  if (kind != EXS_PLAYOUT_BUILD_RESET && read_clock (db, a->channel_id, &now_offset, &now_paused)
      && (now_offset != row_offset || now_paused != row_paused))
    {
      /* a new assignment (a mode change) set the clock meanwhile: keep it */
      od_offset = now_offset;
      od_paused = now_paused;
    }
  g_mutex_lock (&self->lock);
  cp = g_hash_table_lookup (self->channels, number);
  if (keep_clock && cp != NULL && cp->on_demand)
    {
      od_offset = cp->od_offset_us;
      od_paused = cp->od_paused_at_us;
    }
  g_mutex_unlock (&self->lock);
  if (!trim_stored (db, a->channel_id, keep_after, cut_us, error)
      || (!chunked && !insert_items (db, a->channel_id, items, anchors, 0, items->len, error))
      || !exs_database_exec_int64s (db, "DELETE FROM playout_items WHERE channel_id = ? AND stop_us < ?", a->channel_id,
                        vnow - HISTORY_US, error))
    goto fail;
  st = exs_database_prepare (db,
                             "INSERT INTO channel_playouts (channel_id, schedule_id, mode, seed, anchor, built_until_us,"
                             " problems, od_offset_us, od_paused_at_us, updated_at)"
                             " VALUES (?1, NULLIF(?2, 0), ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
                             " ON CONFLICT (channel_id) DO UPDATE SET anchor = ?5, built_until_us = ?6, problems = ?7,"
                             " od_offset_us = ?8, od_paused_at_us = ?9, updated_at = ?10",
                             error);
  if (st == NULL)
    goto fail;
  sqlite3_bind_int64 (st, 1, a->channel_id);
  sqlite3_bind_int64 (st, 2, a->schedule_id);
  sqlite3_bind_text (st, 3, a->mode, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (st, 4, a->seed);
  sqlite3_bind_text (st, 5, end_anchor, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (st, 6, cursor->time_us);
  sqlite3_bind_text (st, 7, problems_json, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (st, 8, od_offset);
  if (od_paused >= 0)
    sqlite3_bind_int64 (st, 9, od_paused);
  else
    sqlite3_bind_null (st, 9);
  sqlite3_bind_int64 (st, 10, g_get_real_time () / US);
  if (!exs_database_step_done (db, st, error) || !exs_database_commit (db, error))
    goto fail;

  g_mutex_lock (&self->lock);
  cp = g_hash_table_lookup (self->channels, number);
  if (cp == NULL)
    {
      cp = channel_playout_new ();
      g_hash_table_insert (self->channels, g_strdup (number), cp);
    }
  g_free (cp->name);
  cp->name = g_strdup (a->name);
  cp->channel_id = a->channel_id;
  if (!(keep_clock && cp->on_demand))
    {
      cp->od_offset_us = od_offset;
      cp->od_paused_at_us = od_paused;
    }
  cp->on_demand = on_demand;
  cp->built_until_us = cursor->time_us;
  g_strfreev (cp->problems);
  g_ptr_array_add (problems, NULL);
  cp->problems = g_strdupv ((char **) problems->pdata);
  if (keep_after == G_MAXINT64)
    g_ptr_array_set_size (cp->items, 0);
  else if (keep_after != G_MININT64)
    {
      guint n = cp->items->len;
      while (n > 0 && ((ExsPlayoutItem *) cp->items->pdata[n - 1])->start_us > keep_after)
        n--;
      g_ptr_array_set_size (cp->items, n);
      if (n > 0 && ((ExsPlayoutItem *) cp->items->pdata[n - 1])->stop_us > cut_us)
        ((ExsPlayoutItem *) cp->items->pdata[n - 1])->stop_us = cut_us;
    }
  {
    /* drop history, then append */
    guint drop = 0;
    while (drop < cp->items->len && ((ExsPlayoutItem *) cp->items->pdata[drop])->stop_us < vnow - HISTORY_US)
      drop++;
    if (drop > 0)
      g_ptr_array_remove_range (cp->items, 0, drop);
  }
  g_ptr_array_extend_and_steal (cp->items, g_steal_pointer (&items));
  g_mutex_unlock (&self->lock);
  g_debug ("channel %s: playout built to %" G_GINT64_FORMAT, number, cursor->time_us);
  return TRUE;

fail:
  exs_database_rollback (db);
  return FALSE;
}

/**
 * exs_playout_builder_build:
 * @now_us: the wall-clock instant to build around (g_get_real_time() in the server)
 *
 * Extends, rebuilds or resets one channel's playout and stores it. Blocking:
 * call it from a worker thread (or a test), never from the main loop.
 */
gboolean
exs_playout_builder_build (ExsPlayoutBuilder *self, const char *number, ExsPlayoutBuildKind kind, gint64 now_us,
                           GError **error)
{
  gboolean ok;

  g_return_val_if_fail (EXS_IS_PLAYOUT_BUILDER (self), FALSE);
  g_mutex_lock (&self->build_lock);
  ok = build_locked (self, number, kind, now_us, error);
  g_mutex_unlock (&self->build_lock);
  return ok;
}

typedef struct
{
  char **numbers; /* NULL: every channel with a schedule */
  ExsPlayoutBuildKind kind;
} BuildJob;

static void
build_job_free (BuildJob *job)
{
  g_strfreev (job->numbers);
  g_free (job);
}

static char **
numbers_needing_extension (ExsPlayoutBuilder *self, gint64 now_us)
{
  g_autoptr (GPtrArray) numbers = g_ptr_array_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) all = exs_schedule_store_list_assignments (self->worker_db, &error);

  if (all == NULL)
    g_warning ("cannot list the playouts to extend them: %s", error->message);
  else
    {
      /* forget the playouts of channels that were deleted or renumbered */
      g_autoptr (GHashTable) exists = g_hash_table_new (g_str_hash, g_str_equal);
      GHashTableIter iter;
      gpointer key;
      for (guint i = 0; i < all->len; i++)
        g_hash_table_add (exists, ((ExsPlayoutAssignment *) all->pdata[i])->number);
      g_mutex_lock (&self->lock);
      g_hash_table_iter_init (&iter, self->channels);
      while (g_hash_table_iter_next (&iter, &key, NULL))
        if (!g_hash_table_contains (exists, key))
          g_hash_table_iter_remove (&iter);
      g_mutex_unlock (&self->lock);
    }
  for (guint i = 0; all && i < all->len; i++)
    {
      ExsPlayoutAssignment *a = all->pdata[i];
      gint64 built_until = -1, vnow = now_us;
      ChannelPlayout *cp;
      if (a->schedule_id == 0)
        continue;
      g_mutex_lock (&self->lock);
      cp = g_hash_table_lookup (self->channels, a->number);
      if (cp)
        {
          built_until = cp->built_until_us;
          vnow = virtual_now (cp->on_demand, cp->od_offset_us, cp->od_paused_at_us, now_us);
        }
      g_mutex_unlock (&self->lock);
      /* extend when less than three quarters of the horizon is left */
      if (built_until < 0 || built_until - vnow < self->horizon_us * 3 / 4)
        g_ptr_array_add (numbers, g_strdup (a->number));
    }
  g_ptr_array_add (numbers, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&numbers), FALSE);
}

static void
build_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  ExsPlayoutBuilder *self = source;
  BuildJob *job = data;
  g_auto (GStrv) numbers = NULL;
  GError *first = NULL;

  if (job->numbers)
    numbers = g_strdupv (job->numbers);
  else
    {
      g_mutex_lock (&self->build_lock);
      numbers = numbers_needing_extension (self, g_get_real_time ());
      g_mutex_unlock (&self->build_lock);
    }
  for (guint i = 0; numbers[i] && !g_cancellable_is_cancelled (cancellable); i++)
    {
      g_autoptr (GError) error = NULL;
      if (!exs_playout_builder_build (self, numbers[i], job->kind, g_get_real_time (), &error))
        {
          g_warning ("channel %s: cannot build the playout: %s", numbers[i], error->message);
          if (first == NULL)
            first = g_steal_pointer (&error);
        }
    }
  if (first)
    g_task_return_error (task, first);
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * exs_playout_builder_build_async:
 * @number: (nullable): one channel, or %NULL for every channel whose horizon
 *   is running short
 *
 * Builds in a GTask thread.
 */
void
exs_playout_builder_build_async (ExsPlayoutBuilder *self, const char *number, ExsPlayoutBuildKind kind,
                                 GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  BuildJob *job = g_new0 (BuildJob, 1);

  if (number)
    {
      job->numbers = g_new0 (char *, 2);
      job->numbers[0] = g_strdup (number);
    }
  job->kind = kind;
  g_task_set_source_tag (task, exs_playout_builder_build_async);
  g_task_set_task_data (task, job, (GDestroyNotify) build_job_free);
  exs_task_run_in_thread (task, build_thread);
}

gboolean
exs_playout_builder_build_finish (ExsPlayoutBuilder *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static gboolean on_timer_cb (gpointer user_data);

static gboolean
on_retry_cb (gpointer user_data)
{
  ExsPlayoutBuilder *self = user_data;

  self->retry_id = 0;
  on_timer_cb (self);
  return G_SOURCE_REMOVE;
}

static void
on_extended_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ExsPlayoutBuilder *self = EXS_PLAYOUT_BUILDER (source);
  g_autoptr (GError) error = NULL;

  self->extending = FALSE;
  if (exs_playout_builder_build_finish (self, result, &error))
    {
      if (self->retry_delay_s > 0)
        g_message ("playouts extended after an earlier failure");
      self->retry_delay_s = 0;
      return;
    }
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->timer_id == 0)
    return;
  /* e.g. "database is locked" while a scan or an import writes: channels
   * would be off the air until the next check (minutes), so try again in
   * 2, 4, 8 … 60 s */
  self->retry_delay_s = CLAMP (self->retry_delay_s * 2, 2, 60);
  g_warning ("extending the playouts failed (%s); trying again in %u s", error->message, self->retry_delay_s);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  self->retry_id = g_timeout_add_seconds (self->retry_delay_s, on_retry_cb, self);
}

static gboolean
on_timer_cb (gpointer user_data)
{
  ExsPlayoutBuilder *self = user_data;

  if (!self->extending)
    {
      self->extending = TRUE;
      exs_playout_builder_build_async (self, NULL, EXS_PLAYOUT_BUILD_EXTEND, self->cancellable, on_extended_cb, NULL);
    }
  return G_SOURCE_CONTINUE;
}

/**
 * exs_playout_builder_start:
 *
 * Checks every @check_interval_s seconds (and once now) for playouts whose
 * horizon runs short, and extends them in the background.
 */
void
exs_playout_builder_start (ExsPlayoutBuilder *self, guint check_interval_s)
{
  g_return_if_fail (self->timer_id == 0);
  self->timer_id = g_timeout_add_seconds (MAX (check_interval_s, 1), on_timer_cb, self);
  on_timer_cb (self);
}

void
exs_playout_builder_stop (ExsPlayoutBuilder *self)
{
  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_clear_handle_id (&self->retry_id, g_source_remove);
  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
}

/* Forgets a deleted channel's playout. */
void
exs_playout_builder_forget (ExsPlayoutBuilder *self, const char *number)
{
  g_mutex_lock (&self->lock);
  g_hash_table_remove (self->channels, number);
  g_mutex_unlock (&self->lock);
}

/* ---- the on-demand clock ---- */

/**
 * exs_playout_builder_set_viewing:
 *
 * Tells an on-demand channel that someone started (or the last viewer
 * stopped) watching at @now_us; its playout resumes where it stopped. A quick
 * single-row write; a no-op for continuous channels.
 */
gboolean
exs_playout_builder_set_viewing (ExsPlayoutBuilder *self, const char *number, gboolean viewing, gint64 now_us,
                                 GError **error)
{
  ChannelPlayout *cp;
  gint64 offset = 0, paused = -1, channel_id = 0;
  gboolean changed = FALSE;
  g_autoptr (sqlite3_stmt) s = NULL;

  g_mutex_lock (&self->lock);
  cp = g_hash_table_lookup (self->channels, number);
  if (cp && cp->on_demand)
    {
      if (viewing && cp->od_paused_at_us >= 0)
        {
          cp->od_offset_us = now_us - cp->od_paused_at_us;
          cp->od_paused_at_us = -1;
          changed = TRUE;
        }
      else if (!viewing && cp->od_paused_at_us < 0)
        {
          cp->od_paused_at_us = now_us - cp->od_offset_us;
          changed = TRUE;
        }
      offset = cp->od_offset_us;
      paused = cp->od_paused_at_us;
      channel_id = cp->channel_id;
    }
  g_mutex_unlock (&self->lock);
  if (!changed)
    return TRUE;
  s = exs_database_prepare (self->database,
                            "UPDATE channel_playouts SET od_offset_us = ?, od_paused_at_us = ? WHERE channel_id = ?",
                            error);
  if (s == NULL)
    return FALSE;
  sqlite3_bind_int64 (s, 1, offset);
  if (paused >= 0)
    sqlite3_bind_int64 (s, 2, paused);
  else
    sqlite3_bind_null (s, 2);
  sqlite3_bind_int64 (s, 3, channel_id);
  return exs_database_step_done (self->database, s, error);
}

/**
 * exs_playout_builder_dup_problems:
 *
 * Returns: (transfer full): what the last build of the channel found wrong
 */
char **
exs_playout_builder_dup_problems (ExsPlayoutBuilder *self, const char *number)
{
  ChannelPlayout *cp;
  char **out;

  g_mutex_lock (&self->lock);
  cp = g_hash_table_lookup (self->channels, number);
  out = cp ? g_strdupv (cp->problems) : g_new0 (char *, 1);
  g_mutex_unlock (&self->lock);
  return out;
}

/* Returns: the wall-clock instant the channel's playout is built to, or 0 */
gint64
exs_playout_builder_get_built_until (ExsPlayoutBuilder *self, const char *number)
{
  ChannelPlayout *cp;
  gint64 v = 0;

  g_mutex_lock (&self->lock);
  cp = g_hash_table_lookup (self->channels, number);
  if (cp)
    v = cp->built_until_us;
  g_mutex_unlock (&self->lock);
  return v;
}

/* ---- ExsPlayoutSource ---- */

static gint64
floor_hour (gint64 t)
{
  gint64 r = t % HOUR_US;

  return r >= 0 ? t - r : t - r - HOUR_US;
}

/* The item covering virtual instant @v (a copy); OFFLINE hours outside the
 * built range, clipped to it. Call with the lock held. */
static ExsPlayoutItem *
item_at_locked (ChannelPlayout *cp, gint64 v)
{
  GPtrArray *a = cp->items;
  guint lo = 0, hi = a->len;
  ExsPlayoutItem *offline;

  if (a->len > 0 && v >= ((ExsPlayoutItem *) a->pdata[0])->start_us
      && v < ((ExsPlayoutItem *) a->pdata[a->len - 1])->stop_us)
    {
      /* last item with start <= v */
      while (hi - lo > 1)
        {
          guint mid = lo + (hi - lo) / 2;
          if (((ExsPlayoutItem *) a->pdata[mid])->start_us <= v)
            lo = mid;
          else
            hi = mid;
        }
      return exs_playout_item_copy (a->pdata[lo]);
    }
  offline = exs_playout_item_new ();
  offline->start_us = floor_hour (v);
  offline->stop_us = offline->start_us + HOUR_US;
  if (a->len > 0)
    {
      ExsPlayoutItem *first = a->pdata[0], *last = a->pdata[a->len - 1];
      if (v < first->start_us)
        offline->stop_us = MIN (offline->stop_us, first->start_us);
      else
        offline->start_us = MAX (offline->start_us, last->stop_us);
    }
  offline->title = g_strdup (cp->name);
  offline->description = g_strdup ("Nothing is scheduled now.");
  offline->categories = g_new0 (char *, 1);
  return offline;
}

/* A channel the builder does not know (yet): the hour around @at_us, empty. */
static ExsPlayoutItem *
empty_hour (gint64 at_us)
{
  ExsPlayoutItem *item = exs_playout_item_new ();

  item->start_us = floor_hour (at_us);
  item->stop_us = item->start_us + HOUR_US;
  item->categories = g_new0 (char *, 1);
  return item;
}

static ExsPlayoutItem *
source_lookup (ExsPlayoutSource *source, const char *number, gint64 at_us, GError **error)
{
  ExsPlayoutBuilder *self = EXS_PLAYOUT_BUILDER (source);
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  ChannelPlayout *cp = g_hash_table_lookup (self->channels, number);
  ExsPlayoutItem *item;
  gint64 shift;

  if (cp == NULL)
    return empty_hour (at_us);
  shift = cp->on_demand ? (cp->od_paused_at_us >= 0 ? at_us - cp->od_paused_at_us : cp->od_offset_us) : 0;
  item = item_at_locked (cp, at_us - shift);
  g_clear_pointer (&locker, g_mutex_locker_free);
  item->start_us += shift;
  item->stop_us += shift;
  return item;
}

static GPtrArray *
source_list (ExsPlayoutSource *source, const char *number, gint64 from_us, gint64 to_us, GError **error)
{
  ExsPlayoutBuilder *self = EXS_PLAYOUT_BUILDER (source);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) exs_playout_item_free);
  ChannelPlayout *cp;
  gint64 shift = 0, v;

  g_mutex_lock (&self->lock);
  cp = g_hash_table_lookup (self->channels, number);
  if (cp && cp->on_demand)
    shift = cp->od_paused_at_us >= 0 ? g_get_real_time () - cp->od_paused_at_us : cp->od_offset_us;
  for (v = from_us - shift; v < to_us - shift && out->len < MAX_LIST_ITEMS;)
    {
      ExsPlayoutItem *item = cp ? item_at_locked (cp, v) : empty_hour (v);

      v = item->stop_us;
      item->start_us += shift;
      item->stop_us += shift;
      g_ptr_array_add (out, item);
    }
  g_mutex_unlock (&self->lock);
  return out;
}

static void
exs_playout_builder_source_init (ExsPlayoutSourceInterface *iface)
{
  iface->lookup = source_lookup;
  iface->list = source_list;
}
