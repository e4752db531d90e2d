/* exs-upstream-store.c: the upstream_guides table (schema step 720).
 *
 * Each M3U import may name the XMLTV guide of its channels (an http(s) URL
 * or a file on this server); ExsUpstreamGuide (src/iptv) fetches every one
 * of them periodically and merges their programmes into our guide for the
 * channels whose upstream_tvg_id they list. A source is stored once.
 */
#include "config.h"

#include "exs-upstream-store.h"

#include "exs-fs.h"

gboolean
exs_upstream_store_add_guide (ExsDatabase *db, const char *source, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = exs_database_prepare (
      db, "INSERT INTO upstream_guides (source, created_at) VALUES (?, ?) ON CONFLICT (source) DO NOTHING", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_text (stmt, 1, source, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 2, g_get_real_time () / G_USEC_PER_SEC);
  return exs_database_step_done (db, stmt, error);
}

/**
 * exs_upstream_store_note_refresh:
 *
 * Stamps every guide source as fetched now. The write also moves the
 * database's data version, which is how the cached XMLTV (ExsIptvService)
 * learns that it is out of date.
 */
gboolean
exs_upstream_store_note_refresh (ExsDatabase *db, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = exs_database_prepare (db, "UPDATE upstream_guides SET refreshed_at = ?", error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, g_get_real_time () / G_USEC_PER_SEC);
  return exs_database_step_done (db, stmt, error);
}

/**
 * exs_upstream_store_list_guides:
 *
 * Returns: (transfer full) (nullable): every guide source, oldest first
 */
GStrv
exs_upstream_store_list_guides (ExsDatabase *db, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = exs_database_prepare (db, "SELECT source FROM upstream_guides ORDER BY id", error);

  if (stmt == NULL)
    return NULL;
  return exs_database_dup_strv (db, stmt, "cannot list the upstream guides", error);
}
