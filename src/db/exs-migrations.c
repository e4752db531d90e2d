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
 *   600–699  the AI agent
 *   700–709  media servers (Plex, Jellyfin, Emby)
 *   710–719  remote media: URL, Archive.org and yt-dlp libraries
 *   720–729  upstream live channels
 *   800–809  per-channel media (issue 20)
 *   810–819  loudness
 *   820–829  subtitles and music
 *   830–839  profiles (the formats channels send)
 *   840–849  per-schedule-item media overrides
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
  { 100, "library: libraries, shows, media items, streams, chapters, collections",
    "CREATE TABLE libraries ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  kind TEXT NOT NULL CHECK (kind IN ('movies', 'shows', 'music_videos', 'other_videos')),"
    "  source TEXT NOT NULL DEFAULT 'local' CHECK (source IN ('local', 'plex', 'jellyfin', 'emby')),"
    "  source_config TEXT NOT NULL DEFAULT '{}',"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL,"
    "  last_scan_started_at INTEGER,"
    "  last_scan_finished_at INTEGER,"
    "  last_scan_error TEXT"
    ");"
    "CREATE TABLE library_paths ("
    "  id INTEGER PRIMARY KEY,"
    "  library_id INTEGER NOT NULL REFERENCES libraries (id) ON DELETE CASCADE,"
    "  path TEXT NOT NULL,"
    "  error TEXT,"
    "  UNIQUE (library_id, path)"
    ");"
    "CREATE TABLE shows ("
    "  id INTEGER PRIMARY KEY,"
    "  library_id INTEGER NOT NULL REFERENCES libraries (id) ON DELETE CASCADE,"
    "  title TEXT NOT NULL,"
    "  sort_title TEXT,"
    "  year INTEGER,"
    "  plot TEXT,"
    "  content_rating TEXT,"
    "  studio TEXT,"
    "  folder TEXT,"
    "  poster TEXT,"
    "  fanart TEXT"
    ");"
    "CREATE INDEX shows_by_library ON shows (library_id, title);"
    "CREATE TABLE media_items ("
    "  id INTEGER PRIMARY KEY,"
    "  library_id INTEGER NOT NULL REFERENCES libraries (id) ON DELETE CASCADE,"
    "  kind TEXT NOT NULL CHECK (kind IN ('movie', 'episode', 'music_video', 'other_video')),"
    "  uri TEXT NOT NULL UNIQUE,"
    "  path TEXT,"
    "  size INTEGER,"
    "  mtime INTEGER,"
    "  title TEXT NOT NULL,"
    "  sort_title TEXT,"
    "  plot TEXT,"
    "  year INTEGER,"
    "  content_rating TEXT,"
    "  studio TEXT,"
    "  show_id INTEGER REFERENCES shows (id) ON DELETE SET NULL,"
    "  season_number INTEGER,"
    "  episode_number INTEGER,"
    "  episode_number_end INTEGER,"
    "  duration_ms INTEGER NOT NULL DEFAULT 0,"
    "  container TEXT,"
    "  missing INTEGER NOT NULL DEFAULT 0 CHECK (missing IN (0, 1)),"
    "  scan_state TEXT NOT NULL DEFAULT 'ok' CHECK (scan_state IN ('ok', 'warning', 'error')),"
    "  scan_message TEXT,"
    "  poster TEXT,"
    "  thumb TEXT,"
    "  fanart TEXT,"
    "  added_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX media_items_by_library ON media_items (library_id, kind);"
    "CREATE INDEX media_items_by_episode ON media_items (show_id, season_number, episode_number);"
    "CREATE TABLE media_streams ("
    "  id INTEGER PRIMARY KEY,"
    "  media_item_id INTEGER NOT NULL REFERENCES media_items (id) ON DELETE CASCADE,"
    "  kind TEXT NOT NULL CHECK (kind IN ('video', 'audio', 'subtitle')),"
    "  idx INTEGER NOT NULL,"
    "  codec TEXT,"
    "  profile TEXT,"
    "  width INTEGER,"
    "  height INTEGER,"
    "  fps_num INTEGER,"
    "  fps_den INTEGER,"
    "  interlaced INTEGER,"
    "  channels INTEGER,"
    "  sample_rate INTEGER,"
    "  language TEXT,"
    "  external_path TEXT"
    ");"
    "CREATE INDEX media_streams_by_item ON media_streams (media_item_id, kind, idx);"
    "CREATE TABLE media_chapters ("
    "  media_item_id INTEGER NOT NULL REFERENCES media_items (id) ON DELETE CASCADE,"
    "  idx INTEGER NOT NULL,"
    "  start_ms INTEGER NOT NULL,"
    "  end_ms INTEGER,"
    "  title TEXT,"
    "  PRIMARY KEY (media_item_id, idx)"
    ");"
    "CREATE TABLE media_genres ("
    "  media_item_id INTEGER REFERENCES media_items (id) ON DELETE CASCADE,"
    "  show_id INTEGER REFERENCES shows (id) ON DELETE CASCADE,"
    "  genre TEXT NOT NULL,"
    "  CHECK ((media_item_id IS NULL) != (show_id IS NULL))"
    ");"
    "CREATE INDEX media_genres_by_genre ON media_genres (genre);"
    "CREATE TABLE media_tags ("
    "  media_item_id INTEGER REFERENCES media_items (id) ON DELETE CASCADE,"
    "  show_id INTEGER REFERENCES shows (id) ON DELETE CASCADE,"
    "  tag TEXT NOT NULL,"
    "  CHECK ((media_item_id IS NULL) != (show_id IS NULL))"
    ");"
    "CREATE INDEX media_tags_by_tag ON media_tags (tag);"
    "CREATE TABLE collections ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  kind TEXT NOT NULL CHECK (kind IN ('manual', 'smart')),"
    "  query TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL"
    ");"
    "CREATE TABLE collection_members ("
    "  id INTEGER PRIMARY KEY,"
    "  collection_id INTEGER NOT NULL REFERENCES collections (id) ON DELETE CASCADE,"
    "  position INTEGER NOT NULL DEFAULT 0,"
    "  media_item_id INTEGER REFERENCES media_items (id) ON DELETE CASCADE,"
    "  show_id INTEGER REFERENCES shows (id) ON DELETE CASCADE,"
    "  season_number INTEGER,"
    "  CHECK (media_item_id IS NOT NULL OR show_id IS NOT NULL)"
    ");"
    "CREATE INDEX collection_members_by_collection ON collection_members (collection_id, position);" },
  { 101, "library: scan counters, probe bookkeeping, scan issues, title search",
    "ALTER TABLE libraries ADD COLUMN last_scan_found INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE libraries ADD COLUMN last_scan_probed INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE libraries ADD COLUMN last_scan_unchanged INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE libraries ADD COLUMN last_scan_failed INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE libraries ADD COLUMN last_scan_missing INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE libraries ADD COLUMN last_scan_restored INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE libraries ADD COLUMN last_scan_issues INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE media_items ADD COLUMN probe_count INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE media_items ADD COLUMN probed_at INTEGER;"
    "ALTER TABLE media_items ADD COLUMN nfo_mtime INTEGER;"
    "ALTER TABLE media_items ADD COLUMN missing_since INTEGER;"
    "ALTER TABLE media_streams ADD COLUMN title TEXT;"
    "CREATE INDEX media_items_by_title ON media_items (library_id, sort_title);"
    "CREATE TABLE library_scan_issues ("
    "  id INTEGER PRIMARY KEY,"
    "  library_id INTEGER NOT NULL REFERENCES libraries (id) ON DELETE CASCADE,"
    "  path TEXT NOT NULL,"
    "  reason TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX library_scan_issues_by_library ON library_scan_issues (library_id);"
    /* Title search: kept in step with media_items and shows by triggers, so
     * every writer (scanner, API, later remote sources) keeps it right. */
    "CREATE VIRTUAL TABLE media_items_fts USING fts5 (title, show_title, tokenize = 'unicode61 remove_diacritics 2');"
    "CREATE TRIGGER media_items_fts_insert AFTER INSERT ON media_items BEGIN"
    "  INSERT INTO media_items_fts (rowid, title, show_title)"
    "  VALUES (new.id, new.title, (SELECT title FROM shows WHERE id = new.show_id));"
    "END;"
    "CREATE TRIGGER media_items_fts_update AFTER UPDATE OF title, show_id ON media_items BEGIN"
    "  DELETE FROM media_items_fts WHERE rowid = old.id;"
    "  INSERT INTO media_items_fts (rowid, title, show_title)"
    "  VALUES (new.id, new.title, (SELECT title FROM shows WHERE id = new.show_id));"
    "END;"
    "CREATE TRIGGER media_items_fts_delete AFTER DELETE ON media_items BEGIN"
    "  DELETE FROM media_items_fts WHERE rowid = old.id;"
    "END;"
    "CREATE TRIGGER shows_fts_update AFTER UPDATE OF title ON shows BEGIN"
    "  UPDATE media_items_fts SET show_title = new.title"
    "  WHERE rowid IN (SELECT id FROM media_items WHERE show_id = new.id);"
    "END;"
    /* What schedules may use: present, probed without error, with a length. */
    "CREATE VIEW playable_media_items AS"
    "  SELECT * FROM media_items WHERE missing = 0 AND scan_state != 'error' AND duration_ms > 0;" },
  { 200, "scheduling: schedules, channel playouts and their items",
    "CREATE TABLE schedules ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  document TEXT NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL"
    ");"
    "CREATE TABLE channel_playouts ("
    "  channel_id INTEGER PRIMARY KEY REFERENCES channels (id) ON DELETE CASCADE,"
    "  schedule_id INTEGER REFERENCES schedules (id) ON DELETE SET NULL,"
    "  mode TEXT NOT NULL DEFAULT 'continuous' CHECK (mode IN ('continuous', 'on_demand')),"
    "  seed INTEGER NOT NULL DEFAULT 0,"
    "  anchor TEXT,"
    "  built_until_us INTEGER NOT NULL DEFAULT 0,"
    "  problems TEXT NOT NULL DEFAULT '[]',"
    "  od_offset_us INTEGER NOT NULL DEFAULT 0,"
    "  od_paused_at_us INTEGER,"
    "  updated_at INTEGER NOT NULL"
    ");"
    "CREATE TABLE playout_items ("
    "  channel_id INTEGER NOT NULL REFERENCES channels (id) ON DELETE CASCADE,"
    "  start_us INTEGER NOT NULL,"
    "  stop_us INTEGER NOT NULL CHECK (stop_us > start_us),"
    "  kind INTEGER NOT NULL,"
    "  uri TEXT,"
    "  in_point_us INTEGER NOT NULL DEFAULT 0,"
    "  media_item_id INTEGER NOT NULL DEFAULT 0,"
    "  title TEXT,"
    "  sub_title TEXT,"
    "  description TEXT,"
    "  categories TEXT,"
    "  season_number INTEGER NOT NULL DEFAULT -1,"
    "  episode_number INTEGER NOT NULL DEFAULT -1,"
    "  artwork_url TEXT,"
    "  hide_in_guide INTEGER NOT NULL DEFAULT 0,"
    "  anchor TEXT,"
    "  PRIMARY KEY (channel_id, start_us)"
    ") WITHOUT ROWID;" },
  /* IF NOT EXISTS: before this step the agent's store made the table itself
   * (branch "ai"); a data dir from then keeps its sessions. */
  { 600, "ai: the agent's sessions, each record kept whole as JSON",
    "CREATE TABLE IF NOT EXISTS ai_sessions ("
    "  id INTEGER PRIMARY KEY,"
    "  channel TEXT,"
    "  trigger TEXT NOT NULL,"
    "  state TEXT NOT NULL,"
    "  verified INTEGER NOT NULL DEFAULT 0,"
    "  tokens INTEGER NOT NULL DEFAULT 0,"
    "  created_at TEXT NOT NULL,"
    "  record TEXT NOT NULL"
    ");"
    "CREATE INDEX ai_sessions_by_channel ON ai_sessions (channel, id);" },
  { 700, "media servers: the ratings Plex, Jellyfin and Emby give films, episodes and shows",
    "ALTER TABLE media_items ADD COLUMN rating REAL;"
    "ALTER TABLE shows ADD COLUMN rating REAL;" },
  /* The CHECK on libraries.source gains 'url'. Not the create-copy-drop-
   * rename rebuild: dropping "libraries" with foreign keys on would cascade
   * into every item. Renaming the column, adding the new one and dropping
   * the old keeps the rows, their ids, indexes and foreign keys, in this
   * step's one transaction (SQLite ≥ 3.35). The column moves last; every
   * query names its columns. */
  { 710, "library: URL libraries (http(s) media, M3U, Archive.org, yt-dlp)",
    "ALTER TABLE libraries RENAME COLUMN source TO source_before_710;"
    "ALTER TABLE libraries ADD COLUMN source TEXT NOT NULL DEFAULT 'local'"
    "  CHECK (source IN ('local', 'plex', 'jellyfin', 'emby', 'url'));"
    "UPDATE libraries SET source = source_before_710;"
    "ALTER TABLE libraries DROP COLUMN source_before_710;" },
  /* NULL upstream_url: a scheduled channel (every channel before this step) */
  { 720, "upstream: live channels relayed from an HLS or MPEG-TS URL, their XMLTV guides",
    "ALTER TABLE channels ADD COLUMN upstream_url TEXT;"
    "ALTER TABLE channels ADD COLUMN upstream_tvg_id TEXT;"
    "CREATE TABLE upstream_guides ("
    "  id INTEGER PRIMARY KEY,"
    "  source TEXT NOT NULL UNIQUE,"
    "  created_at INTEGER NOT NULL,"
    "  refreshed_at INTEGER"
    ");" },
  /* one JSON object (exs_channel_media_to_string()); '' reads as the defaults */
  { 800, "channels: per-channel media settings (audio, subtitles, watermark, picture, error screen)",
    "ALTER TABLE channels ADD COLUMN media TEXT NOT NULL DEFAULT '';" },
  /* the loudness step of a scan (exs-library-scan-loudness.c): integrated
   * loudness per EBU R 128 / BS.1770, and the file's mtime it was measured
   * at (NULL: never; a changed file is measured again). loudness_lufs stays
   * NULL for a file without audio or that could not be measured. */
  { 810, "library: measured loudness of each item",
    "ALTER TABLE media_items ADD COLUMN loudness_lufs REAL;"
    "ALTER TABLE media_items ADD COLUMN loudness_mtime INTEGER;" },
  /* Music libraries: the CHECKs on libraries.kind and media_items.kind gain
   * 'music' and 'song', by the column swap of step 710 (the index on
   * media_items.kind goes and comes back: SQLite drops no indexed column);
   * a song's tags beside its item. */
  { 820, "library: music libraries (songs with artist, album, track and cover)",
    "ALTER TABLE libraries RENAME COLUMN kind TO kind_before_820;"
    "ALTER TABLE libraries ADD COLUMN kind TEXT NOT NULL DEFAULT 'other_videos'"
    "  CHECK (kind IN ('movies', 'shows', 'music_videos', 'other_videos', 'music'));"
    "UPDATE libraries SET kind = kind_before_820;"
    "ALTER TABLE libraries DROP COLUMN kind_before_820;"
    "DROP INDEX media_items_by_library;"
    "ALTER TABLE media_items RENAME COLUMN kind TO kind_before_820;"
    "ALTER TABLE media_items ADD COLUMN kind TEXT NOT NULL DEFAULT 'other_video'"
    "  CHECK (kind IN ('movie', 'episode', 'music_video', 'other_video', 'song'));"
    "UPDATE media_items SET kind = kind_before_820;"
    "ALTER TABLE media_items DROP COLUMN kind_before_820;"
    "CREATE INDEX media_items_by_library ON media_items (library_id, kind);"
    "CREATE TABLE songs ("
    "  media_item_id INTEGER PRIMARY KEY REFERENCES media_items (id) ON DELETE CASCADE,"
    "  artist TEXT,"
    "  album TEXT,"
    "  track_number INTEGER,"
    "  cover TEXT"
    ");" },
  { 830, "profiles: the profiles users make (the built-ins live in code)",
    "CREATE TABLE profiles ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  width INTEGER NOT NULL,"
    "  height INTEGER NOT NULL,"
    "  fps INTEGER NOT NULL,"
    "  video_codec TEXT NOT NULL CHECK (video_codec IN ('h264', 'hevc')),"
    "  video_kbps INTEGER NOT NULL,"
    "  video_quality INTEGER NOT NULL DEFAULT 0,"
    "  keyframe_seconds REAL NOT NULL,"
    "  audio_codec TEXT NOT NULL CHECK (audio_codec IN ('aac', 'ac3')),"
    "  audio_channels INTEGER NOT NULL,"
    "  audio_rate INTEGER NOT NULL,"
    "  audio_kbps INTEGER NOT NULL,"
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX channels_by_profile ON channels (profile);" },
  /* NULL: the channel's own settings (every row before this step) */
  { 840, "scheduling: a schedule item's media override (languages, subtitles, watermark) on its programmes",
    "ALTER TABLE playout_items ADD COLUMN media TEXT;" },
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
