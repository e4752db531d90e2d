/* exs-schedule-store.c: the schedules table and which schedule each channel plays.
 *
 * Schedules are stored as their canonical JSON document (validated by
 * exs-schedule.c before it gets here), so what the API returns, what export
 * writes and what the builder reads are the same text. Single statements:
 * quick enough for the main loop.
 */
#include "config.h"

#include "exs-schedule-store.h"

#include "exs-fs.h"

void
exs_schedule_record_free (ExsScheduleRecord *r)
{
  if (r == NULL)
    return;
  g_free (r->name);
  g_free (r->document);
  g_free (r);
}

void
exs_playout_assignment_free (ExsPlayoutAssignment *a)
{
  if (a == NULL)
    return;
  g_free (a->number);
  g_free (a->name);
  g_free (a->schedule_name);
  g_free (a->mode);
  g_free (a->problems);
  g_free (a);
}

static ExsScheduleRecord *
row_to_record (sqlite3_stmt *s)
{
  ExsScheduleRecord *r = g_new0 (ExsScheduleRecord, 1);

  r->id = sqlite3_column_int64 (s, 0);
  r->name = exs_database_dup_column (s, 1);
  r->document = exs_database_dup_column (s, 2);
  r->created_at = sqlite3_column_int64 (s, 3);
  r->updated_at = sqlite3_column_int64 (s, 4);
  return r;
}

#define SELECT_SCHEDULE "SELECT id, name, document, created_at, updated_at FROM schedules"

static const ExsDatabaseRecordType schedule_type = {
  (ExsDatabaseRowReader) row_to_record, (GDestroyNotify) exs_schedule_record_free, NULL, "schedule", "schedules",
};

GPtrArray *
exs_schedule_store_list (ExsDatabase *db, GError **error)
{
  return exs_database_list_records (db, SELECT_SCHEDULE " ORDER BY id", &schedule_type, error);
}

ExsScheduleRecord *
exs_schedule_store_get (ExsDatabase *db, gint64 id, GError **error)
{
  return exs_database_get_record (db, SELECT_SCHEDULE " WHERE id = ?", id, &schedule_type, error);
}


ExsScheduleRecord *
exs_schedule_store_get_by_name (ExsDatabase *db, const char *name, GError **error)
{
  return exs_database_get_record_by_key (db, SELECT_SCHEDULE " WHERE name = ?", name, &schedule_type, error,
                                         "no schedule named “%s”", name);
}

static gboolean
step_write (ExsDatabase *db, sqlite3_stmt *s, const char *name, GError **error)
{
  int rc = sqlite3_step (s);

  if (rc == SQLITE_DONE)
    return TRUE;
  if ((rc & 0xff) == SQLITE_CONSTRAINT)
    g_set_error (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_CONSTRAINT, "a schedule named “%s” already exists",
                 name);
  else
    g_set_error (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_QUERY, "writing the schedule: %s",
                 sqlite3_errmsg (exs_database_get_handle (db)));
  return FALSE;
}

gboolean
exs_schedule_store_insert (ExsDatabase *db, const ExsSchedule *schedule, gint64 *id_out, GError **error)
{
  g_autoptr (sqlite3_stmt) s = exs_database_prepare (
      db, "INSERT INTO schedules (name, document, created_at, updated_at) VALUES (?, ?, ?, ?)", error);
  g_autofree char *doc = exs_schedule_to_data (schedule);
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  if (s == NULL)
    return FALSE;
  sqlite3_bind_text (s, 1, schedule->name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (s, 2, doc, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (s, 3, now);
  sqlite3_bind_int64 (s, 4, now);
  if (!step_write (db, s, schedule->name, error))
    return FALSE;
  if (id_out)
    *id_out = sqlite3_last_insert_rowid (exs_database_get_handle (db));
  return TRUE;
}

gboolean
exs_schedule_store_update (ExsDatabase *db, gint64 id, const ExsSchedule *schedule, GError **error)
{
  g_autoptr (sqlite3_stmt) s
      = exs_database_prepare (db, "UPDATE schedules SET name = ?, document = ?, updated_at = ? WHERE id = ?", error);
  g_autofree char *doc = exs_schedule_to_data (schedule);

  if (s == NULL)
    return FALSE;
  sqlite3_bind_text (s, 1, schedule->name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (s, 2, doc, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (s, 3, g_get_real_time () / G_USEC_PER_SEC);
  sqlite3_bind_int64 (s, 4, id);
  if (!step_write (db, s, schedule->name, error))
    return FALSE;
  if (sqlite3_changes (exs_database_get_handle (db)) == 0)
    {
      g_set_error (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_NOT_FOUND, "no schedule with id %" G_GINT64_FORMAT, id);
      return FALSE;
    }
  return TRUE;
}

gboolean
exs_schedule_store_delete (ExsDatabase *db, gint64 id, GError **error)
{
  return exs_database_delete_record (db, "DELETE FROM schedules WHERE id = ?", id, "schedule", error);
}

#define SELECT_ASSIGNMENT                                                                                          \
  "SELECT c.id, c.number, c.name, COALESCE(p.schedule_id, 0), s.name, COALESCE(p.mode, 'continuous'),"             \
  " COALESCE(p.seed, 0), COALESCE(p.problems, '[]'), COALESCE(p.built_until_us, 0)"                               \
  " FROM channels c LEFT JOIN channel_playouts p ON p.channel_id = c.id"                                           \
  " LEFT JOIN schedules s ON s.id = p.schedule_id"

static ExsPlayoutAssignment *
row_to_assignment (sqlite3_stmt *s)
{
  ExsPlayoutAssignment *a = g_new0 (ExsPlayoutAssignment, 1);

  a->channel_id = sqlite3_column_int64 (s, 0);
  a->number = exs_database_dup_column (s, 1);
  a->name = exs_database_dup_column (s, 2);
  a->schedule_id = sqlite3_column_int64 (s, 3);
  a->schedule_name = exs_database_dup_column (s, 4);
  a->mode = exs_database_dup_column (s, 5);
  a->seed = sqlite3_column_int64 (s, 6);
  a->problems = exs_database_dup_column (s, 7);
  a->built_until_us = sqlite3_column_int64 (s, 8);
  return a;
}

static const ExsDatabaseRecordType assignment_type = {
  (ExsDatabaseRowReader) row_to_assignment, (GDestroyNotify) exs_playout_assignment_free, NULL, "channel",
  "channel playouts",
};

ExsPlayoutAssignment *
exs_schedule_store_get_assignment (ExsDatabase *db, const char *number, GError **error)
{
  return exs_database_get_record_by_key (db, SELECT_ASSIGNMENT " WHERE c.number = ?", number, &assignment_type, error,
                                         "no channel numbered %s", number);
}

GPtrArray *
exs_schedule_store_list_assignments (ExsDatabase *db, GError **error)
{
  return exs_database_list_records (db, SELECT_ASSIGNMENT " ORDER BY c.number_major, c.number_minor", &assignment_type,
                                    error);
}

/**
 * exs_schedule_store_assign:
 * @schedule_id: 0 for none
 * @seed: the playout's seed; negative keeps the current one (a new random one
 *   for a channel that had none)
 */
gboolean
exs_schedule_store_assign (ExsDatabase *db, const char *number, gint64 schedule_id, const char *mode, gint64 seed,
                           GError **error)
{
  g_autoptr (ExsPlayoutAssignment) a = exs_schedule_store_get_assignment (db, number, error);
  g_autoptr (sqlite3_stmt) s = NULL;

  if (a == NULL)
    return FALSE;
  if (seed < 0)
    seed = a->seed != 0 ? a->seed : (gint64) g_random_int_range (1, G_MAXINT32);
  /* a channel that becomes on demand starts paused: nobody is watching yet */
  s = exs_database_prepare (db,
                            "INSERT INTO channel_playouts (channel_id, schedule_id, mode, seed, updated_at,"
                            " od_paused_at_us) VALUES (?1, NULLIF(?2, 0), ?3, ?4, ?5,"
                            " CASE WHEN ?3 = 'on_demand' THEN ?6 END) ON CONFLICT (channel_id) DO UPDATE SET"
                            " schedule_id = excluded.schedule_id, mode = excluded.mode, seed = excluded.seed,"
                            " updated_at = excluded.updated_at,"
                            " od_offset_us = CASE WHEN channel_playouts.mode != excluded.mode THEN 0"
                            "   ELSE channel_playouts.od_offset_us END,"
                            " od_paused_at_us = CASE WHEN channel_playouts.mode != excluded.mode"
                            "   THEN excluded.od_paused_at_us ELSE channel_playouts.od_paused_at_us END",
                            error);
  if (s == NULL)
    return FALSE;
  sqlite3_bind_int64 (s, 1, a->channel_id);
  sqlite3_bind_int64 (s, 2, schedule_id);
  sqlite3_bind_text (s, 3, mode ? mode : a->mode, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (s, 4, seed);
  sqlite3_bind_int64 (s, 5, g_get_real_time () / G_USEC_PER_SEC);
  sqlite3_bind_int64 (s, 6, g_get_real_time ());
  return exs_database_step_done (db, s, error);
}

/**
 * exs_schedule_store_channels_using:
 *
 * Returns: (transfer full) (nullable): numbers of the channels that play
 *   @schedule_id, or %NULL with @error when the database cannot say
 */
char **
exs_schedule_store_channels_using (ExsDatabase *db, gint64 schedule_id, GError **error)
{
  g_autoptr (sqlite3_stmt) s = exs_database_prepare (
      db, "SELECT c.number FROM channels c JOIN channel_playouts p ON p.channel_id = c.id WHERE p.schedule_id = ?",
      error);

  if (s == NULL)
    return NULL;
  sqlite3_bind_int64 (s, 1, schedule_id);
  return exs_database_dup_strv (db, s, "cannot read the schedules", error);
}
