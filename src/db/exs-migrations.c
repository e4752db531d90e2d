/* exs-migrations.c: the schema, as an ordered list of steps.
 *
 * Never edit a step that has shipped; add a new one. Versions may have gaps, so
 * each subsystem owns a block and can add steps without renumbering others:
 *   1–99     foundation (channels, settings)
 *   100–199  library
 *   200–299  scheduling and playout
 *   300–399  channel engine
 *   400–499  client protocols
 *   500–599  resilience and operations
 */
#include "config.h"

#include "exs-database.h"

static const ExsMigration migrations[] = {
  { 1, "foundation: channels and settings",
    "CREATE TABLE settings ("
    "  key TEXT PRIMARY KEY NOT NULL,"
    "  value TEXT NOT NULL"
    ");"
    "CREATE TABLE channels ("
    "  id INTEGER PRIMARY KEY,"
    "  number TEXT NOT NULL UNIQUE,"
    "  number_major INTEGER NOT NULL,"
    "  number_minor INTEGER,"
    "  name TEXT NOT NULL,"
    "  group_title TEXT NOT NULL DEFAULT '',"
    "  logo TEXT NOT NULL DEFAULT '',"
    "  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),"
    "  always_on INTEGER NOT NULL DEFAULT 0 CHECK (always_on IN (0, 1)),"
    "  streaming_mode TEXT NOT NULL DEFAULT 'both'"
    "    CHECK (streaming_mode IN ('both', 'iptv', 'hdhomerun')),"
    "  profile TEXT NOT NULL DEFAULT '720p',"
    "  transcode_mode TEXT NOT NULL DEFAULT 'auto'"
    "    CHECK (transcode_mode IN ('auto', 'transcode', 'remux')),"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX channels_by_number ON channels (number_major, number_minor);" },
};

/**
 * exs_database_get_migrations:
 *
 * Returns: (transfer none) (array length=n_migrations): the program's schema steps, in order
 */
const ExsMigration *
exs_database_get_migrations (guint *n_migrations)
{
  *n_migrations = G_N_ELEMENTS (migrations);
  return migrations;
}
