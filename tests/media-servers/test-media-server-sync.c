/* Plex, Jellyfin and Emby libraries (src/media-servers) against local fake
 * servers (exs-fake-media-server.c) over real HTTP, into a real SQLite
 * file: what a sync stores, an incremental re-sync, missing and restored
 * items, collections, a refused token, a server that dies mid-sync or is too
 * slow, path mappings, and the exs-media:// source playing an item from the
 * server or from the mapped local file. */
#include "config.h"

#include "exs-demo.h"
#include "exs-fake-media-server.h"
#include "exs-library-store.h"
#include "exs-media-server-src.h"
#include "exs-media-server-sync.h"
#include "exs-path-mapping.h"
#include "exs-test-server.h"

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <string.h>

#define TOKEN "s3cr3t-T0KEN-for-tests"

static char *clip_path;   /* a 5 s h264/aac mp4, made once */
static char *clip_dir;

typedef struct
{
  char *dir;
  ExsDatabase *db;
  ExsMediaServerSync *sync;
  gboolean done;
  char *error;
} Fixture;

static void
on_sync_finished_cb (ExsMediaServerSync *sync, gint64 id, const char *error, Fixture *fx)
{
  fx->done = TRUE;
  g_free (fx->error);
  fx->error = g_strdup (error);
}

static Fixture *
fixture_new (void)
{
  Fixture *fx = g_new0 (Fixture, 1);
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;

  fx->dir = exs_test_make_temp_dir ();
  path = g_build_filename (fx->dir, "exstreamtv.db", NULL);
  fx->db = exs_database_open (path, &error);
  g_assert_no_error (error);
  fx->sync = exs_media_server_sync_new (fx->db);
  g_signal_connect (fx->sync, "sync-finished", G_CALLBACK (on_sync_finished_cb), fx);
  return fx;
}

static void
fixture_free (Fixture *fx)
{
  exs_media_server_sync_stop (fx->sync);
  g_object_unref (fx->sync);
  exs_database_close (fx->db);
  g_object_unref (fx->db);
  exs_test_remove_tree (fx->dir);
  g_free (fx->dir);
  g_free (fx->error);
  g_free (fx);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Fixture, fixture_free)

static gint64
add_library (Fixture *fx, const char *source, const char *kind, const char *url, const char *token, const char *extra)
{
  g_autoptr (ExsLibraryRecord) r = exs_library_record_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *json = NULL;

  r->name = g_strdup_printf ("%s %s", source, kind);
  r->kind = g_strdup (kind);
  g_free (r->source);
  r->source = g_strdup (source);
  g_assert_true (exs_library_store_insert (fx->db, r, &error));
  json = g_strdup_printf ("{\"url\": \"%s\", \"token\": \"%s\"%s%s}", url, token, extra ? ", " : "", extra ? extra : "");
  g_assert_true (exs_library_store_set_source_config (fx->db, r->id, json, &error));
  g_assert_no_error (error);
  return r->id;
}

/* Syncs @id and waits for it; returns the library's record after it. */
static ExsLibraryRecord *
sync_and_wait (Fixture *fx, gint64 id)
{
  gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
  g_autoptr (GError) error = NULL;
  ExsLibraryRecord *r;

  fx->done = FALSE;
  g_clear_pointer (&fx->error, g_free);
  exs_media_server_sync_start (fx->sync, id);
  while (!fx->done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (fx->done);
  r = exs_library_store_get (fx->db, id, &error);
  g_assert_no_error (error);
  return r;
}

static gint64
count (Fixture *fx, const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  gint64 n;

  if (sqlite3_prepare_v2 (exs_database_get_handle (fx->db), sql, -1, &stmt, NULL) != SQLITE_OK)
    g_error ("%s: %s", sql, sqlite3_errmsg (exs_database_get_handle (fx->db)));
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  n = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  return n;
}

static char *
text (Fixture *fx, const char *sql)
{
  sqlite3_stmt *stmt = NULL;
  char *out = NULL;

  g_assert_cmpint (sqlite3_prepare_v2 (exs_database_get_handle (fx->db), sql, -1, &stmt, NULL), ==, SQLITE_OK);
  if (sqlite3_step (stmt) == SQLITE_ROW && sqlite3_column_text (stmt, 0))
    out = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_finalize (stmt);
  return out;
}

static void
assert_no_token_stored (Fixture *fx)
{
  g_assert_cmpint (count (fx, "SELECT count(*) FROM media_items WHERE uri LIKE '%" TOKEN "%' OR path LIKE '%" TOKEN
                              "%' OR poster LIKE '%" TOKEN "%' OR thumb LIKE '%" TOKEN "%'"),
                   ==, 0);
  g_assert_cmpint (count (fx, "SELECT count(*) FROM shows WHERE poster LIKE '%" TOKEN "%'"), ==, 0);
}

/* A Jellyfin show library: the show, its episodes with their metadata and
 * stream facts, the film library left alone, a BoxSet as a collection. */
static void
test_jellyfin_shows (void)
{
  g_autoptr (Fixture) fx = fixture_new ();
  g_autoptr (ExsFakeMediaServer) fake = exs_fake_media_server_new ("jellyfin", TOKEN, clip_path);
  const char *const members[] = { "e2", "e1", "m1", NULL };
  g_autoptr (ExsLibraryRecord) r = NULL;
  g_autofree char *show = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *collection = NULL;
  g_autofree char *order = NULL;
  gint64 id;

  exs_fake_media_server_add_show (fake, "s1", "Rivers");
  exs_fake_media_server_add_episode (fake, "e1", "s1", 1, 1, "Source", "/data/tv/Rivers/S01E01.mp4");
  exs_fake_media_server_add_episode (fake, "e2", "s1", 1, 2, "Delta", "/data/tv/Rivers/S01E02.mp4");
  exs_fake_media_server_add_movie (fake, "m1", "A Film", 1999, "/data/films/A Film.mp4");
  exs_fake_media_server_add_collection (fake, "bs1", "Best of", members);
  id = add_library (fx, "jellyfin", "shows", exs_fake_media_server_get_url (fake), TOKEN, NULL);

  r = sync_and_wait (fx, id);
  g_assert_null (fx->error);
  g_assert_null (r->last_scan_error);
  g_assert_cmpuint (r->last_found, ==, 2);
  g_assert_cmpuint (r->last_probed, ==, 2);
  g_assert_cmpint (r->item_count, ==, 2);
  show = text (fx, "SELECT title || '|' || year || '|' || rating || '|' || folder FROM shows");
  g_assert_cmpstr (show, ==, "Rivers|2020|7.5|/data/tv/Rivers");
  g_assert_cmpint (count (fx, "SELECT count(*) FROM media_items m JOIN shows s ON s.id = m.show_id WHERE m.kind = "
                              "'episode' AND m.season_number = 1 AND m.episode_number IN (1, 2) AND m.duration_ms = 5000 "
                              "AND m.plot = 'What happens.' AND m.content_rating = 'TV-PG' AND m.rating = 7.5 AND "
                              "m.container = 'mp4' AND m.poster LIKE 'http://127.0.0.1:%/Items/s1/Images/Primary'"),
                   ==, 2);
  g_assert_cmpint (count (fx, "SELECT count(*) FROM media_streams WHERE (kind = 'video' AND codec = 'h264' AND width "
                              "= 320) OR (kind = 'audio' AND codec = 'aac' AND channels = 2)"),
                   ==, 4);
  g_assert_cmpint (count (fx, "SELECT count(*) FROM media_genres WHERE genre = 'Drama'"), ==, 3);
  uri = text (fx, "SELECT uri FROM media_items WHERE title = 'Source'");
  g_assert_true (g_str_has_suffix (uri, "/Videos/e1/stream?static=true#/data/tv/Rivers/S01E01.mp4"));
  g_assert_true (g_str_has_prefix (uri, "exs-media://"));
  /* the BoxSet: the two episodes of this library, in the server's order; the film is not here */
  collection = text (fx, "SELECT name || '|' || kind FROM collections");
  g_assert_cmpstr (collection, ==, "Jellyfin: Best of|manual");
  order = text (fx, "SELECT group_concat (m.title, ',') FROM (SELECT media_item_id FROM collection_members "
                    "ORDER BY position) c JOIN media_items m ON m.id = c.media_item_id");
  g_assert_cmpstr (order, ==, "Delta,Source");
  assert_no_token_stored (fx);
}

static void
add_movies (ExsFakeMediaServer *fake, guint n)
{
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *id = g_strdup_printf ("%u", 1000 + i);
      g_autofree char *title = g_strdup_printf ("Film %03u", i);
      g_autofree char *path = g_strdup_printf ("/data/films/Film %03u.mp4", i);
      exs_fake_media_server_add_movie (fake, id, title, 1990 + (int) (i % 30), path);
    }
}

/* Plex: 450 films read in pages; a second sync writes only the changed
 * one, marks the removed one missing; a third brings it back. */
static void
test_plex_incremental (void)
{
  g_autoptr (Fixture) fx = fixture_new ();
  g_autoptr (ExsFakeMediaServer) fake = exs_fake_media_server_new ("plex", TOKEN, clip_path);
  const char *const members[] = { "1003", "1001", NULL };
  g_autoptr (ExsLibraryRecord) first = NULL;
  g_autoptr (ExsLibraryRecord) second = NULL;
  g_autoptr (ExsLibraryRecord) third = NULL;
  g_autofree char *changed = NULL;
  g_autofree char *part = NULL;
  gint64 id, stamp_before;

  add_movies (fake, 450);
  exs_fake_media_server_add_collection (fake, "77", "Favourites", members);
  id = add_library (fx, "plex", "movies", exs_fake_media_server_get_url (fake), TOKEN, "\"remote_libraries\": [\"1\"]");

  first = sync_and_wait (fx, id);
  g_assert_null (fx->error);
  g_assert_cmpuint (first->last_found, ==, 450);
  g_assert_cmpuint (first->last_probed, ==, 450);
  g_assert_cmpint (first->item_count, ==, 450);
  /* 450 at 200 a page: three pages of films, one of the collection */
  g_assert_cmpuint (exs_fake_media_server_count (fake, "pages"), ==, 3);
  part = text (fx, "SELECT uri FROM media_items WHERE title = 'Film 005'");
  g_assert_true (g_str_has_suffix (part, "/library/parts/1005/0/file.mp4#/data/films/Film%20005.mp4"));
  g_assert_cmpint (count (fx, "SELECT count(*) FROM collection_members cm JOIN collections c ON c.id = "
                              "cm.collection_id WHERE c.name = 'Plex: Favourites'"),
                   ==, 2);
  stamp_before = count (fx, "SELECT updated_at FROM media_items WHERE title = 'Film 010'");

  exs_fake_media_server_retitle (fake, "1007", "Film Seven, Restored");
  exs_fake_media_server_remove (fake, "1009");
  second = sync_and_wait (fx, id);
  g_assert_null (fx->error);
  g_assert_cmpuint (second->last_found, ==, 449);
  g_assert_cmpuint (second->last_probed, ==, 1);
  g_assert_cmpuint (second->last_unchanged, ==, 448);
  g_assert_cmpuint (second->last_missing, ==, 1);
  g_assert_cmpint (second->item_count, ==, 449);
  g_assert_cmpint (second->missing_count, ==, 1);
  changed = text (fx, "SELECT title FROM media_items WHERE uri LIKE '%/library/parts/1007/%'");
  g_assert_cmpstr (changed, ==, "Film Seven, Restored");
  g_assert_cmpint (count (fx, "SELECT missing FROM media_items WHERE title = 'Film 009'"), ==, 1);
  g_assert_cmpint (count (fx, "SELECT updated_at FROM media_items WHERE title = 'Film 010'"), ==, stamp_before);

  exs_fake_media_server_add_movie (fake, "1009", "Film 009", 1999, "/data/films/Film 009.mp4");
  third = sync_and_wait (fx, id);
  g_assert_cmpuint (third->last_restored, ==, 1);
  g_assert_cmpuint (third->last_probed, ==, 1);
  g_assert_cmpint (third->missing_count, ==, 0);
  assert_no_token_stored (fx);
}

/* A refused token (401): nothing changes, the error says why, without the token. */
static void
test_refused_token_keeps_library (void)
{
  g_autoptr (Fixture) fx = fixture_new ();
  g_autoptr (ExsFakeMediaServer) fake = exs_fake_media_server_new ("emby", TOKEN, clip_path);
  g_autoptr (ExsLibraryRecord) ok = NULL;
  g_autoptr (ExsLibraryRecord) refused = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *json = NULL;
  gint64 id;

  add_movies (fake, 3);
  id = add_library (fx, "emby", "movies", exs_fake_media_server_get_url (fake), TOKEN, NULL);
  ok = sync_and_wait (fx, id);
  g_assert_null (fx->error);
  g_assert_cmpint (ok->item_count, ==, 3);

  json = g_strdup_printf ("{\"url\": \"%s\", \"token\": \"wrong-%s\"}", exs_fake_media_server_get_url (fake), TOKEN);
  g_assert_true (exs_library_store_set_source_config (fx->db, id, json, &error));
  refused = sync_and_wait (fx, id);
  g_assert_nonnull (fx->error);
  g_assert_nonnull (strstr (fx->error, "refused the token (HTTP 401)"));
  g_assert_null (strstr (fx->error, TOKEN));
  g_assert_nonnull (strstr (refused->last_scan_error, "refused the token"));
  g_assert_nonnull (strstr (refused->last_scan_error, "left as it was"));
  g_assert_cmpint (refused->item_count, ==, 3);
  g_assert_cmpint (refused->missing_count, ==, 0);
  g_assert_cmpuint (exs_fake_media_server_count (fake, "unauthorized"), >=, 1);
}

/* The server drops every connection after two requests of the second
 * sync: the library stays whole (nothing missing) and says so. */
static void
test_server_dies_mid_sync (void)
{
  g_autoptr (Fixture) fx = fixture_new ();
  g_autoptr (ExsFakeMediaServer) fake = exs_fake_media_server_new ("plex", TOKEN, clip_path);
  g_autoptr (ExsLibraryRecord) ok = NULL;
  g_autoptr (ExsLibraryRecord) cut = NULL;
  gint64 id;

  add_movies (fake, 450);
  id = add_library (fx, "plex", "movies", exs_fake_media_server_get_url (fake), TOKEN, NULL);
  ok = sync_and_wait (fx, id);
  g_assert_cmpint (ok->item_count, ==, 450);

  exs_fake_media_server_die_after (fake, 2); /* the sections and the first page */
  cut = sync_and_wait (fx, id);
  g_assert_nonnull (fx->error);
  g_assert_cmpuint (exs_fake_media_server_count (fake, "dropped"), >=, 1);
  g_assert_nonnull (cut->last_scan_error);
  g_assert_nonnull (strstr (cut->last_scan_error, "left as it was"));
  g_assert_cmpint (cut->item_count, ==, 450);
  g_assert_cmpint (cut->missing_count, ==, 0);
}

/* A server slower than the library's timeout: the sync gives up in time. */
static void
test_slow_server_times_out (void)
{
  g_autoptr (Fixture) fx = fixture_new ();
  g_autoptr (ExsFakeMediaServer) fake = exs_fake_media_server_new ("jellyfin", TOKEN, clip_path);
  g_autoptr (ExsLibraryRecord) r = NULL;
  gint64 id, t0;

  add_movies (fake, 2);
  exs_fake_media_server_set_delay (fake, 4000);
  id = add_library (fx, "jellyfin", "movies", exs_fake_media_server_get_url (fake), TOKEN, "\"timeout_seconds\": 1");
  t0 = g_get_monotonic_time ();
  r = sync_and_wait (fx, id);
  g_assert_cmpint (g_get_monotonic_time () - t0, <, 30 * G_USEC_PER_SEC);
  g_assert_nonnull (fx->error);
  g_assert_nonnull (strstr (fx->error, "cannot reach the Jellyfin server"));
  g_assert_cmpint (r->item_count, ==, 0);
}

static void
test_path_mappings (void)
{
  g_autoptr (ExsPathMappings) m = exs_path_mappings_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *e = NULL;

  g_assert_true (exs_path_mappings_add (m, "/data", "/mnt/nas", &error));
  g_assert_true (exs_path_mappings_add (m, "/data/tv/", "/srv/tv", &error));
  g_assert_true (exs_path_mappings_add (m, "D:\\Films", "/mnt/films", &error));
  a = exs_path_mappings_map (m, "/data/films/A.mkv");
  g_assert_cmpstr (a, ==, "/mnt/nas/films/A.mkv");
  b = exs_path_mappings_map (m, "/data/tv/Show/S01E01.mkv"); /* the longest prefix wins */
  g_assert_cmpstr (b, ==, "/srv/tv/Show/S01E01.mkv");
  c = exs_path_mappings_map (m, "/database/x.mkv");          /* whole components only */
  g_assert_null (c);
  d = exs_path_mappings_map (m, "/data/../etc/passwd");      /* never climbs out */
  g_assert_null (d);
  e = exs_path_mappings_map (m, "D:\\Films\\Old\\B.avi");     /* a Windows server */
  g_assert_cmpstr (e, ==, "/mnt/films/Old/B.avi");
  g_assert_false (exs_path_mappings_add (m, "/x", "relative/here", &error));
  g_assert_nonnull (strstr (error->message, "absolute"));
}

static gboolean
play_to_end (const char *uri, GError **error)
{
  g_autofree char *desc = g_strdup_printf ("uridecodebin3 uri=\"%s\" name=d d. ! queue ! fakesink sync=false", uri);
  g_autoptr (GstElement) pipeline = gst_parse_launch (desc, error);
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) msg = NULL;

  if (pipeline == NULL)
    return FALSE;
  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  /* the source's own budget for a stalled request is its timeout (30 s)
   * times its retries (3): a deadline under that failed once under load */
  msg = gst_bus_timed_pop_filtered (bus, 150 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
    {
      gst_message_parse_error (msg, error, NULL);
      return FALSE;
    }
  return msg != NULL;
}

/* The exs-media:// source: streams from the server with the token header;
 * with a path mapping to a folder holding the file, reads it locally (the
 * server sees no stream request). */
static void
test_source_streams_or_reads_local (void)
{
  g_autoptr (ExsFakeMediaServer) fake = exs_fake_media_server_new ("plex", TOKEN, clip_path);
  g_autoptr (ExsMediaServerConfig) config = exs_media_server_config_new (EXS_MEDIA_SERVER_PLEX);
  g_autoptr (GError) error = NULL;
  g_autofree char *mapped = g_strdup_printf ("[{\"server_path\": \"/volume1/films\", \"local_path\": \"%s\"}]",
                                             clip_dir);
  g_autoptr (JsonNode) node = json_from_string (mapped, NULL);
  const char *uri = "exs-media://41/library/parts/1000/0/file.mp4#/volume1/films/clip.mp4";

  g_assert_true (exs_media_server_src_register ());
  config->url = g_strdup (exs_fake_media_server_get_url (fake));
  config->token = g_strdup (TOKEN);
  exs_media_server_src_set_library (41, config);
  g_assert_true (play_to_end (uri, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (exs_fake_media_server_count (fake, "streams"), >=, 1);
  g_assert_cmpuint (exs_fake_media_server_count (fake, "unauthorized"), ==, 0);

  /* a library the table does not know: a clear error, not a crash */
  g_assert_false (play_to_end ("exs-media://42/library/parts/1/0/file.mp4", &error));
  g_assert_nonnull (error);
  g_clear_error (&error);

  exs_path_mappings_free (config->mappings);
  config->mappings = exs_path_mappings_from_json (json_node_get_array (node), &error);
  g_assert_no_error (error);
  exs_media_server_src_set_library (41, config);
  {
    guint before = exs_fake_media_server_count (fake, "requests");
    g_assert_true (play_to_end (uri, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (exs_fake_media_server_count (fake, "requests"), ==, before);
  }
  exs_media_server_src_forget_all ();
}

int
main (int argc, char **argv)
{
  ExsDemoClip clip = { "clip.mp4", "clip", "mp4", 320, 240, 25, 48000, 2, 5, "smpte", "sine", 440 };
  g_autoptr (GError) error = NULL;
  int status;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  clip_dir = exs_test_make_temp_dir ();
  clip_path = g_build_filename (clip_dir, "clip.mp4", NULL);
  if (!exs_demo_make_clip (&clip, clip_path, NULL, &error))
    g_error ("cannot make the test clip: %s", error->message);

  g_test_add_func ("/media-servers/sync/jellyfin-shows", test_jellyfin_shows);
  g_test_add_func ("/media-servers/sync/plex-paged-incremental", test_plex_incremental);
  g_test_add_func ("/media-servers/sync/refused-token-keeps-library", test_refused_token_keeps_library);
  g_test_add_func ("/media-servers/sync/server-dies-mid-sync", test_server_dies_mid_sync);
  g_test_add_func ("/media-servers/sync/slow-server-times-out", test_slow_server_times_out);
  g_test_add_func ("/media-servers/path-mappings", test_path_mappings);
  g_test_add_func ("/media-servers/source/streams-or-reads-local", test_source_streams_or_reads_local);
  status = g_test_run ();
  exs_test_remove_tree (clip_dir);
  g_free (clip_dir);
  g_free (clip_path);
  return status;
}
