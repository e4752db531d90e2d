/* exs-profile-store.c: the profiles table, with the built-ins beside it.
 *
 * The built-in profiles ("480p", "720p", "1080p") live in code
 * (exs_profile_dup_builtin()) and are read-only; users' profiles are rows of
 * `profiles` (migration 830). A channel names its profile in channels.profile;
 * renaming a profile renames it there too, in the same transaction, and a
 * profile that channels use cannot be deleted. Statements are single indexed
 * lookups, quick enough for the main loop (the API's handlers call them).
 */
#include "config.h"

#include "exs-profile-store.h"

#include "exs-fs.h"

G_DEFINE_QUARK (exs-profile-store-error-quark, exs_profile_store_error)

#define COLUMNS \
  "id, name, width, height, fps, video_codec, video_kbps, video_quality, keyframe_seconds, audio_codec, " \
  "audio_channels, audio_rate, audio_kbps, created_at, updated_at"

static gpointer
read_row (sqlite3_stmt *stmt)
{
  ExsProfile *p = exs_profile_new ();
  g_autofree char *video = exs_database_dup_column (stmt, 5);
  g_autofree char *audio = exs_database_dup_column (stmt, 9);

  p->id = sqlite3_column_int64 (stmt, 0);
  p->name = exs_database_dup_column (stmt, 1);
  p->width = sqlite3_column_int (stmt, 2);
  p->height = sqlite3_column_int (stmt, 3);
  p->fps = sqlite3_column_int (stmt, 4);
  exs_video_codec_from_string (video, &p->video_codec);
  p->video_kbps = (guint) sqlite3_column_int (stmt, 6);
  p->video_quality = (guint) sqlite3_column_int (stmt, 7);
  p->keyframe_seconds = sqlite3_column_double (stmt, 8);
  exs_audio_codec_from_string (audio, &p->audio_codec);
  p->audio_channels = sqlite3_column_int (stmt, 10);
  p->audio_rate = sqlite3_column_int (stmt, 11);
  p->audio_kbps = (guint) sqlite3_column_int (stmt, 12);
  p->created_at = sqlite3_column_int64 (stmt, 13);
  p->updated_at = sqlite3_column_int64 (stmt, 14);
  return p;
}

static const ExsDatabaseRecordType profile_type = {
  read_row, (GDestroyNotify) exs_profile_free, NULL, "profile", "profiles",
};

/* Binds the settings to parameters 1..14 (name first, updated_at last). */
static void
bind_profile (sqlite3_stmt *stmt, const ExsProfile *p)
{
  sqlite3_bind_text (stmt, 1, p->name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int (stmt, 2, p->width);
  sqlite3_bind_int (stmt, 3, p->height);
  sqlite3_bind_int (stmt, 4, p->fps);
  sqlite3_bind_text (stmt, 5, exs_video_codec_to_string (p->video_codec), -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 6, (int) p->video_kbps);
  sqlite3_bind_int (stmt, 7, (int) p->video_quality);
  sqlite3_bind_double (stmt, 8, p->keyframe_seconds);
  sqlite3_bind_text (stmt, 9, exs_audio_codec_to_string (p->audio_codec), -1, SQLITE_STATIC);
  sqlite3_bind_int (stmt, 10, p->audio_channels);
  sqlite3_bind_int (stmt, 11, p->audio_rate);
  sqlite3_bind_int (stmt, 12, (int) p->audio_kbps);
  sqlite3_bind_int64 (stmt, 13, p->created_at);
  sqlite3_bind_int64 (stmt, 14, p->updated_at);
}

static gboolean
refuse_builtin (const char *name, const char *what, GError **error)
{
  if (!exs_profile_is_builtin (name))
    return FALSE;
  g_set_error (error, EXS_PROFILE_STORE_ERROR, EXS_PROFILE_STORE_ERROR_BUILTIN,
               "profile %s is built in and cannot be %s; make a new one instead", name, what);
  return TRUE;
}

/* A UNIQUE failure (or a built-in's name) as "the name is taken". */
static gboolean
name_taken (const char *name, GError **error)
{
  if (error && *error && g_error_matches (*error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_CONSTRAINT))
    g_clear_error (error);
  else if (!exs_profile_is_builtin (name))
    return FALSE;
  g_clear_error (error);
  g_set_error (error, EXS_PROFILE_STORE_ERROR, EXS_PROFILE_STORE_ERROR_EXISTS, "a profile named %s exists", name);
  return TRUE;
}

/**
 * exs_profile_store_list:
 *
 * Returns: (transfer full) (element-type ExsProfile) (nullable): the
 *   built-ins, then users' profiles by name
 */
GPtrArray *
exs_profile_store_list (ExsDatabase *db, GError **error)
{
  GPtrArray *rows = exs_database_list_records (db, "SELECT " COLUMNS " FROM profiles ORDER BY name", &profile_type,
                                               error);

  if (rows == NULL)
    return NULL;
  for (guint i = 0; exs_profile_builtin_names ()[i]; i++)
    g_ptr_array_insert (rows, (int) i, exs_profile_dup_builtin (exs_profile_builtin_names ()[i]));
  return rows;
}

/**
 * exs_profile_store_get:
 *
 * Returns: (transfer full) (nullable): the profile @name (built in or not);
 *   %NULL with %EXS_DATABASE_ERROR_NOT_FOUND when there is none
 */
ExsProfile *
exs_profile_store_get (ExsDatabase *db, const char *name, GError **error)
{
  ExsProfile *builtin = exs_profile_dup_builtin (name);

  if (builtin)
    return builtin;
  return exs_database_get_record_by_key (db, "SELECT " COLUMNS " FROM profiles WHERE name = ?", name, &profile_type,
                                         error, "no profile named %s", name);
}

/**
 * exs_profile_store_insert:
 *
 * Inserts @profile (checked by exs_profile_update_from_json()), filling in
 * its id and times. A taken name is %EXS_PROFILE_STORE_ERROR_EXISTS.
 */
gboolean
exs_profile_store_insert (ExsDatabase *db, ExsProfile *profile, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;

  if (name_taken (profile->name, error))
    return FALSE;
  profile->created_at = profile->updated_at = g_get_real_time () / G_USEC_PER_SEC;
  stmt = exs_database_prepare (db,
                               "INSERT INTO profiles (name, width, height, fps, video_codec, video_kbps, video_quality,"
                               " keyframe_seconds, audio_codec, audio_channels, audio_rate, audio_kbps, created_at,"
                               " updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                               error);
  if (stmt == NULL)
    return FALSE;
  bind_profile (stmt, profile);
  if (!exs_database_step_done (db, stmt, error))
    {
      name_taken (profile->name, error);
      return FALSE;
    }
  profile->id = sqlite3_last_insert_rowid (exs_database_get_handle (db));
  return TRUE;
}

static gboolean
update_rows (ExsDatabase *db, const char *name, ExsProfile *profile, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autoptr (sqlite3_stmt) rename = NULL;

  stmt = exs_database_prepare (db,
                               "UPDATE profiles SET name = ?, width = ?, height = ?, fps = ?, video_codec = ?,"
                               " video_kbps = ?, video_quality = ?, keyframe_seconds = ?, audio_codec = ?,"
                               " audio_channels = ?, audio_rate = ?, audio_kbps = ?, created_at = ?, updated_at = ?"
                               " WHERE name = ?",
                               error);
  if (stmt == NULL)
    return FALSE;
  bind_profile (stmt, profile);
  sqlite3_bind_text (stmt, 15, name, -1, SQLITE_TRANSIENT);
  if (!exs_database_step_changed (db, stmt, error, "no profile named %s", name))
    return FALSE;
  if (g_str_equal (name, profile->name))
    return TRUE;
  rename = exs_database_prepare (db, "UPDATE channels SET profile = ? WHERE profile = ?", error);
  if (rename == NULL)
    return FALSE;
  sqlite3_bind_text (rename, 1, profile->name, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (rename, 2, name, -1, SQLITE_TRANSIENT);
  return exs_database_step_done (db, rename, error);
}

/**
 * exs_profile_store_update:
 * @name: the profile's current name
 * @profile: its new settings (the name may change: the channels that use it
 *   follow)
 */
gboolean
exs_profile_store_update (ExsDatabase *db, const char *name, ExsProfile *profile, GError **error)
{
  if (refuse_builtin (name, "changed", error))
    return FALSE;
  if (!g_str_equal (name, profile->name) && name_taken (profile->name, error))
    return FALSE;
  profile->updated_at = g_get_real_time () / G_USEC_PER_SEC;
  if (!exs_database_savepoint (db, "profile_update", error))
    return FALSE;
  if (!update_rows (db, name, profile, error))
    {
      exs_database_rollback_to (db, "profile_update");
      exs_database_release (db, "profile_update", NULL);
      name_taken (profile->name, error);
      return FALSE;
    }
  return exs_database_release (db, "profile_update", error);
}

/**
 * exs_profile_store_dup_users:
 *
 * Returns: (transfer full) (nullable): the numbers of the channels that use
 *   the profile @name, in number order (empty when none)
 */
GStrv
exs_profile_store_dup_users (ExsDatabase *db, const char *name, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = exs_database_prepare (db,
                                                        "SELECT number FROM channels WHERE profile = ?"
                                                        " ORDER BY number_major, number_minor",
                                                        error);
  g_autoptr (GStrvBuilder) numbers = g_strv_builder_new ();
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_strv_builder_add (numbers, (const char *) sqlite3_column_text (stmt, 0));
  if (!exs_database_rows_done (db, rc, error, "the channels of a profile"))
    return NULL;
  return g_strv_builder_end (numbers);
}

/**
 * exs_profile_store_delete:
 *
 * Deletes the profile @name unless it is built in or channels use it
 * (%EXS_PROFILE_STORE_ERROR_IN_USE, naming them).
 */
gboolean
exs_profile_store_delete (ExsDatabase *db, const char *name, GError **error)
{
  g_auto (GStrv) users = NULL;
  g_autoptr (sqlite3_stmt) stmt = NULL;

  if (refuse_builtin (name, "deleted", error))
    return FALSE;
  users = exs_profile_store_dup_users (db, name, error);
  if (users == NULL)
    return FALSE;
  if (users[0] != NULL)
    {
      g_autofree char *list = g_strjoinv (", ", users);
      g_set_error (error, EXS_PROFILE_STORE_ERROR, EXS_PROFILE_STORE_ERROR_IN_USE,
                   "profile %s is used by channel%s %s; give them another profile first", name,
                   users[1] ? "s" : "", list);
      return FALSE;
    }
  stmt = exs_database_prepare (db, "DELETE FROM profiles WHERE name = ?", error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, name, -1, SQLITE_TRANSIENT);
  return exs_database_step_changed (db, stmt, error, "no profile named %s", name);
}
