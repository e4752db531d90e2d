/* exs-schedule-demo.c: the demo lineup's library rows and schedules.
 *
 * Called by ExsApplication with --demo, after the demo channels exist. The
 * twelve 20-second demo clips are entered as a small library ("Demo": a show
 * of eight episodes, four bumpers, and a collection of all twelve) straight from exs_demo_get_clips(), so
 * the demo plays without the library scanner. This is the one function to
 * swap when the scanner scans the demo folder itself: rows are matched by
 * URI (INSERT OR IGNORE), so running both is harmless.
 *
 * Each channel shows off different modes: 100 floods a shuffle with a
 * fallback; 101 mixes multiple, pad-to-clock and blocks with pre-rolls and a
 * tail filler; 1984.1 has fixed daily starts with post-rolls and a balance.
 * Idempotent: schedules that exist and channels that already have one are
 * left alone.
 */
#include "config.h"

#include "exs-schedule-demo.h"

#include "exs-demo.h"
#include "exs-fs.h"
#include "exs-schedule-store.h"

#define N_EPISODES 8

static gint64
lookup_id (ExsDatabase *db, const char *sql, const char *text, GError **error)
{
  g_autoptr (sqlite3_stmt) s = exs_database_prepare (db, sql, error);

  if (s == NULL)
    return -1;
  sqlite3_bind_text (s, 1, text, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (s) != SQLITE_ROW)
    {
      g_set_error (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_NOT_FOUND, "demo library: “%s” not found", text);
      return -1;
    }
  return sqlite3_column_int64 (s, 0);
}

static gboolean
exec_text (ExsDatabase *db, const char *sql, const char *a, GError **error)
{
  g_autoptr (sqlite3_stmt) s = exs_database_prepare (db, sql, error);

  if (s == NULL)
    return FALSE;
  sqlite3_bind_text (s, 1, a, -1, SQLITE_TRANSIENT);
  return exs_database_step_done (db, s, error);
}

/* A clip's stream facts, as the scanner's probe would store them: exactly
 * what exs_demo_make_clip() encodes (H.264 main at the clip's size and
 * rate, AAC at its rate and channels when it has audio). Once per item. */
static gboolean
insert_streams (ExsDatabase *db, const char *uri, const ExsDemoClip *clip, GError **error)
{
  g_autoptr (sqlite3_stmt) s = exs_database_prepare (
      db,
      "INSERT INTO media_streams (media_item_id, kind, idx, codec, profile, width, height, fps_num, fps_den,"
      " interlaced, channels, sample_rate)"
      " SELECT m.id, ?2, 0, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11 FROM media_items m WHERE m.uri = ?1"
      " AND NOT EXISTS (SELECT 1 FROM media_streams x WHERE x.media_item_id = m.id AND x.kind = ?2)",
      error);

  if (s == NULL)
    return FALSE;
  sqlite3_bind_text (s, 1, uri, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (s, 2, "video", -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 3, "h264", -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 4, "main", -1, SQLITE_STATIC);
  sqlite3_bind_int (s, 5, clip->width);
  sqlite3_bind_int (s, 6, clip->height);
  sqlite3_bind_int (s, 7, clip->fps);
  sqlite3_bind_int (s, 8, 1);
  sqlite3_bind_int (s, 9, 0);
  if (!exs_database_step_done (db, s, error))
    return FALSE;
  if (clip->audio_rate <= 0)
    return TRUE;
  sqlite3_reset (s);
  sqlite3_clear_bindings (s);
  sqlite3_bind_text (s, 1, uri, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (s, 2, "audio", -1, SQLITE_STATIC);
  sqlite3_bind_text (s, 3, "aac", -1, SQLITE_STATIC);
  sqlite3_bind_int (s, 10, clip->audio_channels);
  sqlite3_bind_int (s, 11, clip->audio_rate);
  return exs_database_step_done (db, s, error);
}

/* The demo library; returns the ids needed by the schedules. */
static gboolean
insert_library (ExsDatabase *db, const char *demo_dir, gint64 *show, gint64 *bumpers, gint64 *all,
                GError **error)
{
  guint n_clips;
  const ExsDemoClip *clips = exs_demo_get_clips (&n_clips);
  gint64 library, now = g_get_real_time () / G_USEC_PER_SEC;
  g_autoptr (sqlite3_stmt) item = NULL;
  g_autoptr (sqlite3_stmt) member = NULL;

  if (!exec_text (db,
                  "INSERT OR IGNORE INTO libraries (name, kind, created_at, updated_at) VALUES (?, 'shows', 0, 0)",
                  "Demo", error)
      || (library = lookup_id (db, "SELECT id FROM libraries WHERE name = ?", "Demo", error)) < 0)
    return FALSE;
  if (lookup_id (db, "SELECT id FROM shows WHERE title = ?", "Demo Shorts", NULL) < 0)
    {
      g_autoptr (sqlite3_stmt) s = exs_database_prepare (
          db, "INSERT INTO shows (library_id, title, plot) VALUES (?, 'Demo Shorts', 'Twenty seconds of test signal.')",
          error);
      if (s == NULL)
        return FALSE;
      sqlite3_bind_int64 (s, 1, library);
      if (!exs_database_step_done (db, s, error))
        return FALSE;
    }
  *show = lookup_id (db, "SELECT id FROM shows WHERE title = ?", "Demo Shorts", error);
  if (*show < 0
      || !exec_text (db, "INSERT OR IGNORE INTO collections (name, kind, created_at, updated_at) VALUES (?, 'manual', 0, 0)",
                     "Demo Bumpers", error)
      || !exec_text (db, "INSERT OR IGNORE INTO collections (name, kind, created_at, updated_at) VALUES (?, 'manual', 0, 0)",
                     "Demo Everything", error)
      || (*bumpers = lookup_id (db, "SELECT id FROM collections WHERE name = ?", "Demo Bumpers", error)) < 0
      || (*all = lookup_id (db, "SELECT id FROM collections WHERE name = ?", "Demo Everything", error)) < 0)
    return FALSE;

  item = exs_database_prepare (
      db,
      "INSERT OR IGNORE INTO media_items (library_id, kind, uri, path, title, plot, show_id, season_number,"
      " episode_number, duration_ms, container, added_at, updated_at)"
      " VALUES (?, ?, ?, ?, ?, ?, NULLIF(?, 0), ?, ?, ?, ?, ?, ?)",
      error);
  member = exs_database_prepare (db,
                                 "INSERT INTO collection_members (collection_id, position, media_item_id)"
                                 " SELECT ?1, ?2, m.id FROM media_items m WHERE m.uri = ?3 AND NOT EXISTS"
                                 " (SELECT 1 FROM collection_members cm WHERE cm.collection_id = ?1"
                                 "  AND cm.media_item_id = m.id)",
                                 error);
  if (item == NULL || member == NULL)
    return FALSE;
  for (guint i = 0; i < n_clips; i++)
    {
      g_autofree char *path = g_build_filename (demo_dir, clips[i].file_name, NULL);
      g_autofree char *uri = g_filename_to_uri (path, NULL, error);
      g_autofree char *plot = g_strdup_printf ("%d×%d at %d fps, %d seconds.", clips[i].width, clips[i].height,
                                               clips[i].fps, clips[i].seconds);
      gboolean episode = i < N_EPISODES;
      if (uri == NULL)
        return FALSE;
      sqlite3_reset (item);
      sqlite3_bind_int64 (item, 1, library);
      sqlite3_bind_text (item, 2, episode ? "episode" : "other_video", -1, SQLITE_STATIC);
      sqlite3_bind_text (item, 3, uri, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (item, 4, path, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (item, 5, clips[i].title, -1, SQLITE_STATIC);
      sqlite3_bind_text (item, 6, plot, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (item, 7, episode ? *show : 0);
      if (episode)
        {
          sqlite3_bind_int (item, 8, 1);
          sqlite3_bind_int (item, 9, (int) i + 1);
        }
      else
        {
          sqlite3_bind_null (item, 8);
          sqlite3_bind_null (item, 9);
        }
      sqlite3_bind_int64 (item, 10, (gint64) clips[i].seconds * 1000);
      sqlite3_bind_text (item, 11, clips[i].container, -1, SQLITE_STATIC);
      sqlite3_bind_int64 (item, 12, now);
      sqlite3_bind_int64 (item, 13, now);
      if (!exs_database_step_done (db, item, error) || !insert_streams (db, uri, &clips[i], error))
        return FALSE;
      /* everything in "Demo Everything"; clips 9–12 also in "Demo Bumpers" */
      for (int pass = 0; pass < (episode ? 1 : 2); pass++)
        {
          sqlite3_reset (member);
          sqlite3_bind_int64 (member, 1, pass == 0 ? *all : *bumpers);
          sqlite3_bind_int (member, 2, (int) i);
          sqlite3_bind_text (member, 3, uri, -1, SQLITE_TRANSIENT);
          if (!exs_database_step_done (db, member, error))
            return FALSE;
        }
    }
  return TRUE;
}

static gboolean
install_schedule (ExsDatabase *db, const char *number, const char *json, GError **error)
{
  g_autoptr (ExsSchedule) s = exs_schedule_new_from_data (json, error);
  g_autoptr (ExsScheduleRecord) existing = NULL;
  g_autoptr (ExsPlayoutAssignment) a = NULL;
  g_autoptr (GError) local = NULL;
  gint64 id;

  if (s == NULL)
    return FALSE;
  existing = exs_schedule_store_get_by_name (db, s->name, &local);
  if (!exs_database_clear_not_found (&local))
    goto failed;
  if (existing)
    id = existing->id;
  else if (!exs_schedule_store_insert (db, s, &id, error))
    return FALSE;
  a = exs_schedule_store_get_assignment (db, number, &local);
  if (!exs_database_clear_not_found (&local))
    goto failed;
  if (a == NULL || a->schedule_id != 0)
    return TRUE; /* the channel is gone, or the user chose a schedule */
  return exs_schedule_store_assign (db, number, id, "continuous", 1984, error);

failed:
  g_propagate_error (error, g_steal_pointer (&local));
  return FALSE;
}

/**
 * exs_schedule_demo_install:
 * @demo_dir: where the demo clips are (or will be) made
 *
 * Enters the demo clips as a library and gives the demo channels schedules,
 * in one transaction.
 */
gboolean
exs_schedule_demo_install (ExsDatabase *db, const char *demo_dir, GError **error)
{
  gint64 show = 0, bumpers = 0, all = 0;
  g_autofree char *ch100 = NULL;
  g_autofree char *ch101 = NULL;
  g_autofree char *ch1984 = NULL;

  if (!exs_database_begin (db, error))
    return FALSE;
  if (!insert_library (db, demo_dir, &show, &bumpers, &all, error))
    goto fail;
  ch100 = g_strdup_printf (
      "{\"name\": \"Demo Mix\", \"fallback_filler\": \"bumpers\","
      " \"fillers\": [{\"name\": \"bumpers\", \"items\": [{\"collection\": %" G_GINT64_FORMAT "}], \"hide_in_guide\": true}],"
      " \"items\": [{\"content\": {\"collection\": %" G_GINT64_FORMAT "}, \"order\": \"shuffle\", \"mode\": \"flood\"}]}",
      bumpers, all);
  ch101 = g_strdup_printf (
      "{\"name\": \"Demo Patterns\", \"fallback_filler\": \"bumpers\","
      " \"fillers\": [{\"name\": \"bumpers\", \"items\": [{\"collection\": %" G_GINT64_FORMAT ", \"weight\": 3},"
      "   {\"media_item\": %" G_GINT64_FORMAT ", \"weight\": 1, \"cooldown_minutes\": 10}], \"hide_in_guide\": true}],"
      " \"items\": ["
      "  {\"title\": \"Shorts Marathon\", \"content\": {\"show\": %" G_GINT64_FORMAT "}, \"order\": \"season_episode\","
      "   \"mode\": \"multiple\", \"count\": 4, \"pre_roll\": \"bumpers\", \"pad_to_minutes\": 5, \"tail_filler\": \"bumpers\"},"
      "  {\"content\": {\"collection\": %" G_GINT64_FORMAT "}, \"order\": \"random\", \"mode\": \"block\","
      "   \"duration_seconds\": 150, \"tail_filler\": \"bumpers\"},"
      "  {\"content\": {\"show\": %" G_GINT64_FORMAT "}, \"order\": \"shuffle\", \"mode\": \"duration\","
      "   \"duration_seconds\": 100, \"tail\": \"offline\", \"pad_to_minutes\": 5}]}",
      bumpers, show, show, all, show);
  ch1984 = g_strdup_printf (
      "{\"name\": \"Demo Retro\", \"max_lateness_seconds\": 30, \"fallback_filler\": \"bumpers\","
      " \"fillers\": [{\"name\": \"bumpers\", \"items\": [{\"collection\": %" G_GINT64_FORMAT "}], \"hide_in_guide\": false}],"
      " \"items\": ["
      "  {\"title\": \"Morning Signals\", \"content\": {\"collection\": %" G_GINT64_FORMAT "}, \"order\": \"shuffle_in_order\","
      "   \"mode\": \"flood\", \"start_time\": \"06:00\"},"
      "  {\"title\": \"Prime Time\", \"content\": {\"show\": %" G_GINT64_FORMAT "}, \"order\": \"season_episode\","
      "   \"mode\": \"flood\", \"start_time\": \"20:00\", \"post_roll\": \"bumpers\"},"
      "  {\"title\": \"Late Night\", \"content\": {\"weighted\": [{\"show\": %" G_GINT64_FORMAT ", \"weight\": 2},"
      "   {\"collection\": %" G_GINT64_FORMAT ", \"weight\": 1}]}, \"order\": \"shuffle\", \"mode\": \"flood\","
      "   \"start_time\": \"23:30\"}]}",
      bumpers, all, show, show, bumpers);
  {
    guint n_channels;
    const ExsDemoChannel *channels = exs_demo_get_channels (&n_channels);
    const char *docs[] = { ch100, ch101, ch1984 };
    for (guint i = 0; i < MIN (n_channels, G_N_ELEMENTS (docs)); i++)
      if (!install_schedule (db, channels[i].number, docs[i], error))
        goto fail;
  }
  return exs_database_commit (db, error);

fail:
  exs_database_rollback (db);
  return FALSE;
}
