/* exs-channel-store.c: the channels table.
 *
 * Numbers are stored as their canonical text plus (major, minor) integers so
 * the guide order (2 < 10 < 102 < 1984 < 1984.1) comes from an index, not
 * from float or string comparison. Callers pass numbers already validated by
 * exs_channel_number_parse(); the table's UNIQUE constraint turns a duplicate
 * into EXS_DATABASE_ERROR_CONSTRAINT.
 */
#include "config.h"

#include "exs-channel-store.h"

#include "exs-channel-number.h"
#include "exs-fs.h"

#define COLUMNS \
  "id, number, name, group_title, logo, enabled, always_on, streaming_mode, profile, " \
  "transcode_mode, created_at, updated_at, media, upstream_url, upstream_tvg_id"

/**
 * exs_channel_record_new:
 *
 * Returns: (transfer full): a record holding the defaults of a new channel
 */
ExsChannelRecord *
exs_channel_record_new (void)
{
  ExsChannelRecord *r = g_new0 (ExsChannelRecord, 1);

  r->name = g_strdup ("");
  r->group_title = g_strdup ("");
  r->logo = g_strdup ("");
  r->enabled = TRUE;
  r->streaming_mode = g_strdup ("both");
  r->profile = g_strdup ("720p");
  r->transcode_mode = g_strdup ("auto");
  r->media = exs_channel_media_new ();
  return r;
}

ExsChannelRecord *
exs_channel_record_copy (const ExsChannelRecord *r)
{
  ExsChannelRecord *c = g_new0 (ExsChannelRecord, 1);

  *c = *r;
  c->number = g_strdup (r->number);
  c->name = g_strdup (r->name);
  c->group_title = g_strdup (r->group_title);
  c->logo = g_strdup (r->logo);
  c->streaming_mode = g_strdup (r->streaming_mode);
  c->profile = g_strdup (r->profile);
  c->transcode_mode = g_strdup (r->transcode_mode);
  c->media = exs_channel_media_copy (r->media);
  c->upstream_url = g_strdup (r->upstream_url);
  c->upstream_tvg_id = g_strdup (r->upstream_tvg_id);
  return c;
}

void
exs_channel_record_free (ExsChannelRecord *r)
{
  if (r == NULL)
    return;
  g_free (r->number);
  g_free (r->name);
  g_free (r->group_title);
  g_free (r->logo);
  g_free (r->streaming_mode);
  g_free (r->profile);
  g_free (r->transcode_mode);
  g_clear_pointer (&r->media, exs_channel_media_free);
  g_free (r->upstream_url);
  g_free (r->upstream_tvg_id);
  g_free (r);
}

/* A stored value the checks no longer accept (an older or hand-edited file)
 * gives the defaults, with a warning, rather than a channel that cannot load. */
static ExsChannelMedia *
read_media (const char *number, const char *text)
{
  g_autoptr (GError) error = NULL;
  ExsChannelMedia *media = exs_channel_media_from_string (text, &error);

  if (media != NULL)
    return media;
  g_warning ("channel %s: stored media settings unreadable, using the defaults: %s", number, error->message);
  return exs_channel_media_new ();
}

static ExsChannelRecord *
record_from_row (sqlite3_stmt *stmt)
{
  ExsChannelRecord *r = g_new0 (ExsChannelRecord, 1);

  r->id = sqlite3_column_int64 (stmt, 0);
  r->number = exs_database_dup_column (stmt, 1);
  r->name = exs_database_dup_column (stmt, 2);
  r->group_title = exs_database_dup_column (stmt, 3);
  r->logo = exs_database_dup_column (stmt, 4);
  r->enabled = sqlite3_column_int (stmt, 5) != 0;
  r->always_on = sqlite3_column_int (stmt, 6) != 0;
  r->streaming_mode = exs_database_dup_column (stmt, 7);
  r->profile = exs_database_dup_column (stmt, 8);
  r->transcode_mode = exs_database_dup_column (stmt, 9);
  r->created_at = sqlite3_column_int64 (stmt, 10);
  r->updated_at = sqlite3_column_int64 (stmt, 11);
  r->media = read_media (r->number, (const char *) sqlite3_column_text (stmt, 12));
  r->upstream_url = exs_database_dup_column (stmt, 13);
  r->upstream_tvg_id = exs_database_dup_column (stmt, 14);
  return r;
}

static const ExsDatabaseRecordType channel_type = {
  (ExsDatabaseRowReader) record_from_row, (GDestroyNotify) exs_channel_record_free, NULL, "channel", "channels",
};

/**
 * exs_channel_store_list:
 *
 * Returns: (transfer full) (element-type ExsChannelRecord) (nullable): every
 *   channel in guide order
 */
GPtrArray *
exs_channel_store_list (ExsDatabase *db, GError **error)
{
  return exs_database_list_records (
      db, "SELECT " COLUMNS " FROM channels ORDER BY number_major, number_minor IS NOT NULL, number_minor",
      &channel_type, error);
}

/**
 * exs_channel_store_get:
 * @number: a channel number in any accepted spelling
 *
 * Returns: (transfer full) (nullable): the channel, or %NULL with
 *   %EXS_DATABASE_ERROR_NOT_FOUND
 */
ExsChannelRecord *
exs_channel_store_get (ExsDatabase *db, const char *number, GError **error)
{
  g_autofree char *canon = exs_channel_number_normalize (number);

  if (canon == NULL)
    {
      g_set_error (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_NOT_FOUND, "no channel numbered “%s”", number);
      return NULL;
    }
  return exs_database_get_record_by_key (db, "SELECT " COLUMNS " FROM channels WHERE number = ?", canon, &channel_type,
                                         error, "no channel numbered %s", canon);
}

static void
bind_record (sqlite3_stmt *stmt, const ExsChannelRecord *r, guint major, guint minor, gboolean has_minor)
{
  sqlite3_bind_text (stmt, 1, r->number, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, major);
  if (has_minor)
    sqlite3_bind_int64 (stmt, 3, minor);
  else
    sqlite3_bind_null (stmt, 3);
  sqlite3_bind_text (stmt, 4, r->name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 5, r->group_title, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 6, r->logo, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 7, r->enabled ? 1 : 0);
  sqlite3_bind_int (stmt, 8, r->always_on ? 1 : 0);
  sqlite3_bind_text (stmt, 9, r->streaming_mode, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 10, r->profile, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 11, r->transcode_mode, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 12, r->updated_at);
  {
    g_autofree char *media = exs_channel_media_to_string (r->media);

    sqlite3_bind_text (stmt, 13, media, -1, SQLITE_TRANSIENT);
  }
  sqlite3_bind_text (stmt, 14, r->upstream_url, -1, SQLITE_TRANSIENT); /* NULL: a scheduled channel */
  sqlite3_bind_text (stmt, 15, r->upstream_tvg_id, -1, SQLITE_TRANSIENT);
}

static gboolean
canonicalize (ExsChannelRecord *r, guint *major, guint *minor, gboolean *has_minor, GError **error)
{
  char *canon = NULL;

  if (!exs_channel_number_parse (r->number, &canon, major, minor, has_minor))
    {
      g_set_error (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_CONSTRAINT, "invalid channel number “%s”",
                   r->number);
      return FALSE;
    }
  g_free (r->number);
  r->number = canon;
  return TRUE;
}

/**
 * exs_channel_store_insert:
 *
 * Inserts @record, filling in its id, canonical number and timestamps.
 */
gboolean
exs_channel_store_insert (ExsDatabase *db, ExsChannelRecord *record, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  guint major, minor;
  gboolean has_minor;

  if (!canonicalize (record, &major, &minor, &has_minor, error))
    return FALSE;
  record->created_at = record->updated_at = g_get_real_time () / G_USEC_PER_SEC;
  stmt = exs_database_prepare (db,
                               "INSERT INTO channels (number, number_major, number_minor, name, group_title,"
                               " logo, enabled, always_on, streaming_mode, profile, transcode_mode,"
                               " updated_at, media, upstream_url, upstream_tvg_id, created_at)"
                               " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                               error);
  if (stmt == NULL)
    return FALSE;
  bind_record (stmt, record, major, minor, has_minor);
  sqlite3_bind_int64 (stmt, 16, record->created_at);
  if (!exs_database_step_done (db, stmt, error))
    return FALSE;
  record->id = sqlite3_last_insert_rowid (exs_database_get_handle (db));
  return TRUE;
}

/**
 * exs_channel_store_update:
 * @number: the channel's current number
 * @record: its new values (the number may change)
 */
gboolean
exs_channel_store_update (ExsDatabase *db, const char *number, ExsChannelRecord *record, GError **error)
{
  g_autofree char *canon = exs_channel_number_normalize (number);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  guint major, minor;
  gboolean has_minor;

  if (!canonicalize (record, &major, &minor, &has_minor, error))
    return FALSE;
  record->updated_at = g_get_real_time () / G_USEC_PER_SEC;
  stmt = exs_database_prepare (db,
                               "UPDATE channels SET number = ?, number_major = ?, number_minor = ?, name = ?,"
                               " group_title = ?, logo = ?, enabled = ?, always_on = ?, streaming_mode = ?,"
                               " profile = ?, transcode_mode = ?, updated_at = ?, media = ?, upstream_url = ?,"
                               " upstream_tvg_id = ? WHERE number = ?",
                               error);
  if (stmt == NULL)
    return FALSE;
  bind_record (stmt, record, major, minor, has_minor);
  sqlite3_bind_text (stmt, 16, canon ? canon : number, -1, SQLITE_TRANSIENT);
  return exs_database_step_changed (db, stmt, error, "no channel numbered %s", number);
}

gboolean
exs_channel_store_delete (ExsDatabase *db, const char *number, GError **error)
{
  g_autofree char *canon = exs_channel_number_normalize (number);
  g_autoptr (sqlite3_stmt) stmt = exs_database_prepare (db, "DELETE FROM channels WHERE number = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, canon ? canon : number, -1, SQLITE_TRANSIENT);
  return exs_database_step_changed (db, stmt, error, "no channel numbered %s", number);
}

gint64
exs_channel_store_count (ExsDatabase *db)
{
  g_autoptr (sqlite3_stmt) stmt = exs_database_prepare (db, "SELECT count(*) FROM channels", NULL);

  if (stmt == NULL || sqlite3_step (stmt) != SQLITE_ROW)
    return -1;
  return sqlite3_column_int64 (stmt, 0);
}

/**
 * exs_channel_store_list_always_on:
 *
 * One indexed query (quick on the main loop).
 *
 * Returns: (transfer full) (nullable): the numbers of the enabled always-on
 *   channels, in number order
 */
GStrv
exs_channel_store_list_always_on (ExsDatabase *db, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = exs_database_prepare (
      db,
      "SELECT number FROM channels WHERE always_on = 1 AND enabled = 1 "
      "ORDER BY number_major, coalesce (number_minor, -1)",
      error);

  if (stmt == NULL)
    return NULL;
  return exs_database_dup_strv (db, stmt, "cannot list always-on channels", error);
}
