/* /api/libraries, /api/media, /api/shows and /api/collections through the
 * real server on 127.0.0.1, over a small library generated at test time:
 * add a library, watch its scan finish, list and search its items, every
 * bad input, collections and their preview, the CLI, and a shutdown that
 * stays under 2 s while a scan runs. */
#include "config.h"

#include "exs-demo.h"
#include "exs-test-server.h"

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <string.h>
#include <unistd.h>

static ExsTestServer *server;
static char *media_dir;
static char *tmp;

static const ExsDemoClip clip = { "c.mp4", "T", "mp4", 320, 240, 25, 48000, 2, 1, "smpte", "sine", 440 };

static ExsTestReply *
req (const char *method, const char *path, const char *body)
{
  return exs_test_server_request (server, method, path, body, TRUE);
}

static void
expect (ExsTestReply *r, guint status)
{
  if (r->status != status)
    g_error ("expected %u, got %u: %s", status, r->status, r->body);
}

static void
copy_to (const char *from, const char *rel)
{
  g_autofree char *path = g_build_filename (media_dir, rel, NULL);
  g_autofree char *parent = g_path_get_dirname (path);
  g_autofree char *data = NULL;
  gsize len;

  g_assert_cmpint (g_mkdir_with_parents (parent, 0755), ==, 0);
  g_assert_true (g_file_get_contents (from, &data, &len, NULL));
  g_assert_true (g_file_set_contents (path, data, (gssize) len, NULL));
}

/* Polls the library until its scan is idle; returns the library. */
static JsonObject *
wait_idle (gint64 id, ExsTestReply **keep)
{
  g_autofree char *path = g_strdup_printf ("/api/libraries/%" G_GINT64_FORMAT, id);
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      ExsTestReply *r = req ("GET", path, NULL);
      JsonObject *scan;

      expect (r, 200);
      scan = json_object_get_object_member (exs_test_reply_object (r), "scan");
      if (g_str_equal (json_object_get_string_member (scan, "state"), "idle"))
        {
          *keep = r;
          return exs_test_reply_object (r);
        }
      exs_test_reply_free (r);
      g_usleep (50 * 1000);
    }
  g_error ("library %" G_GINT64_FORMAT " never finished scanning", id);
  return NULL;
}

static gint64
create_library (const char *body)
{
  g_autoptr (ExsTestReply) r = req ("POST", "/api/libraries", body);

  expect (r, 201);
  return json_object_get_int_member (exs_test_reply_object (r), "id");
}

/* Polls the library until its scan has started (not just queued). */
static void
wait_scanning (gint64 id)
{
  g_autofree char *path = g_strdup_printf ("/api/libraries/%" G_GINT64_FORMAT, id);
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr (ExsTestReply) r = req ("GET", path, NULL);
      JsonObject *scan;

      expect (r, 200);
      scan = json_object_get_object_member (exs_test_reply_object (r), "scan");
      if (g_str_equal (json_object_get_string_member (scan, "state"), "scanning")
          && !json_object_get_boolean_member (scan, "queued"))
        return;
      g_assert_null (json_object_get_string_member (scan, "finished_at")); /* not over before we looked */
      g_usleep (20 * 1000);
    }
  g_error ("library %" G_GINT64_FORMAT " never started scanning", id);
}

static void
test_add_scan_list (void)
{
  g_autofree char *body = g_strdup_printf ("{\"name\": \"Everything\", \"kind\": \"shows\", \"paths\": [\"%s/Shows\"]}",
                                           media_dir);
  g_autofree char *films = g_strdup_printf ("{\"name\": \"Films\", \"kind\": \"movies\", \"paths\": [\"%s/Films/\"]}",
                                            media_dir);
  g_autofree char *films_folder = g_strdup_printf ("%s/Films", media_dir);
  g_autoptr (ExsTestReply) created = req ("POST", "/api/libraries", films);
  g_autoptr (ExsTestReply) idle = NULL;
  g_autoptr (ExsTestReply) idle2 = NULL;
  g_autoptr (ExsTestReply) media = NULL;
  g_autoptr (ExsTestReply) all = NULL;
  g_autoptr (ExsTestReply) one = NULL;
  g_autoptr (ExsTestReply) shows = NULL;
  g_autoptr (ExsTestReply) libraries = NULL;
  JsonObject *o, *scan, *item;
  JsonArray *items;
  gint64 films_id, shows_id, item_id;
  g_autofree char *path = NULL;

  expect (created, 201);
  o = exs_test_reply_object (created);
  films_id = json_object_get_int_member (o, "id");
  g_assert_cmpint (films_id, >, 0);
  g_assert_cmpstr (json_object_get_string_member (o, "kind"), ==, "movies");
  /* the trailing slash is normalised away */
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (
                       json_object_get_array_member (o, "paths"), 0), "path"), ==, films_folder);
  scan = json_object_get_object_member (o, "scan");
  g_assert_true (json_object_has_member (scan, "state"));

  o = wait_idle (films_id, &idle);
  scan = json_object_get_object_member (o, "scan");
  g_assert_cmpint (json_object_get_int_member (scan, "found"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (scan, "probed"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (o, "items"), ==, 2);
  g_assert_nonnull (json_object_get_string_member (scan, "finished_at"));

  shows_id = create_library (body);
  o = wait_idle (shows_id, &idle2);
  g_assert_cmpint (json_object_get_int_member (o, "items"), ==, 1);

  libraries = req ("GET", "/api/libraries", NULL);
  expect (libraries, 200);
  g_assert_cmpint (json_object_get_int_member (exs_test_reply_object (libraries), "total"), ==, 2);

  path = g_strdup_printf ("/api/media?library=%" G_GINT64_FORMAT "&limit=1&sort=-year", films_id);
  media = req ("GET", path, NULL);
  expect (media, 200);
  o = exs_test_reply_object (media);
  g_assert_cmpint (json_object_get_int_member (o, "total"), ==, 2);
  items = json_object_get_array_member (o, "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 1);
  item = json_array_get_object_element (items, 0);
  g_assert_cmpstr (json_object_get_string_member (item, "title"), ==, "Heat");
  g_assert_cmpint (json_object_get_int_member (item, "year"), ==, 1995);
  g_assert_cmpint (json_object_get_int_member (item, "duration_ms"), >=, 900);
  item_id = json_object_get_int_member (item, "id");

  all = req ("GET", "/api/media?q=show:%22the%20pilots%22%20OR%20type:movie&sort=title", NULL);
  expect (all, 200);
  o = exs_test_reply_object (all);
  g_assert_cmpint (json_object_get_int_member (o, "total"), ==, 3);
  items = json_object_get_array_member (o, "items");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (items, 0), "title"), ==, "Alien");

  g_free (path);
  path = g_strdup_printf ("/api/media/%" G_GINT64_FORMAT, item_id);
  one = req ("GET", path, NULL);
  expect (one, 200);
  o = exs_test_reply_object (one);
  g_assert_cmpstr (json_object_get_string_member (o, "container"), ==, "mp4");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "streams")), ==, 2);

  shows = req ("GET", "/api/shows", NULL);
  expect (shows, 200);
  o = json_array_get_object_element (json_object_get_array_member (exs_test_reply_object (shows), "shows"), 0);
  g_assert_cmpstr (json_object_get_string_member (o, "title"), ==, "The Pilots");
  g_assert_cmpint (json_object_get_int_member (o, "episodes"), ==, 1);
}

static void
test_bad_input (void)
{
  static const struct { const char *body; guint status; const char *field; } cases[] = {
    { "{\"name\": \"X\", \"kind\": \"cartoons\", \"paths\": [\"/srv\"]}", 422, "kind" },
    { "{\"name\": \"X\", \"kind\": \"movies\", \"paths\": [\"relative/dir\"]}", 422, "paths[0]" },
    { "{\"name\": \"X\", \"kind\": \"movies\", \"paths\": []}", 422, "paths" },
    { "{\"name\": \"X\", \"kind\": \"movies\", \"paths\": [\"/a\", \"/a/\"]}", 422, "paths[1]" },
    { "{\"name\": \"X\", \"kind\": \"movies\"}", 422, "paths" },
    { "{\"name\": \"\", \"kind\": \"movies\", \"paths\": [\"/srv\"]}", 422, "name" },
    { "{\"name\": \"X\", \"kind\": \"movies\", \"paths\": [\"/srv\"], \"colour\": 1}", 422, "colour" },
    { "{\"name\": \"Films\", \"kind\": \"movies\", \"paths\": [\"/srv\"]}", 409, "name" },
    /* URL libraries */
    { "{\"name\": \"U\", \"kind\": \"movies\", \"source\": \"ftp\", \"paths\": [\"/srv\"]}", 422, "source" },
    { "{\"name\": \"U\", \"kind\": \"movies\", \"source\": \"plex\", \"paths\": [\"/srv\"]}", 422, "source" },
    { "{\"name\": \"U\", \"kind\": \"movies\", \"source\": \"url\", \"paths\": [\"/srv/x.mp4\"]}", 422, "paths[0]" },
    { "{\"name\": \"U\", \"kind\": \"movies\", \"source\": \"url\", \"paths\": [\"archive:bad id\"]}", 422, "paths[0]" },
    { "{\"name\": \"U\", \"kind\": \"movies\", \"source\": \"url\", \"paths\": [\"ytdl:file:///etc/passwd\"]}", 422, "paths[0]" },
    { "{\"name\": \"U\", \"kind\": \"movies\", \"source\": \"url\", \"paths\": [\"https://a/x.mp4\", \"https://a/x.mp4\"]}", 422, "paths[1]" },
  };
  g_autoptr (ExsTestReply) q = req ("GET", "/api/media?q=year:%3C", NULL);
  g_autoptr (ExsTestReply) sort = req ("GET", "/api/media?sort=colour", NULL);
  g_autoptr (ExsTestReply) lim = req ("GET", "/api/media?limit=100000", NULL);
  g_autoptr (ExsTestReply) lib = req ("GET", "/api/media?library=999", NULL);
  g_autoptr (ExsTestReply) nolib = req ("GET", "/api/libraries/abc", NULL);
  g_autoptr (ExsTestReply) noscan = req ("POST", "/api/libraries/999/scan", NULL);
  g_autoptr (ExsTestReply) noauth = exs_test_server_request (server, "GET", "/api/libraries", NULL, FALSE);
  JsonObject *err;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (ExsTestReply) r = req ("POST", "/api/libraries", cases[i].body);
      expect (r, cases[i].status);
      err = json_object_get_object_member (exs_test_reply_object (r), "error");
      g_assert_cmpstr (json_object_get_string_member (err, "field"), ==, cases[i].field);
    }
  expect (q, 422);
  err = json_object_get_object_member (exs_test_reply_object (q), "error");
  g_assert_cmpstr (json_object_get_string_member (err, "field"), ==, "q");
  g_assert_cmpint (json_object_get_int_member (err, "position"), ==, 7);
  g_assert_nonnull (strstr (json_object_get_string_member (err, "message"), "at character 7"));
  expect (sort, 422);
  expect (lim, 422);
  expect (lib, 404);
  expect (nolib, 404);
  expect (noscan, 404);
  expect (noauth, 401);
}

static void
test_collections (void)
{
  g_autoptr (ExsTestReply) smart = req ("POST", "/api/collections",
                                        "{\"name\": \"Old films\", \"kind\": \"smart\", \"query\": \"type:movie year:<1990\"}");
  g_autoptr (ExsTestReply) bad = req ("POST", "/api/collections",
                                      "{\"name\": \"Bad\", \"kind\": \"smart\", \"query\": \"genre:comedy AND (\"}");
  g_autoptr (ExsTestReply) nomember = req ("POST", "/api/collections",
                                           "{\"name\": \"M\", \"kind\": \"manual\", \"members\": [{\"show_id\": 999}]}");
  g_autoptr (ExsTestReply) items = NULL;
  g_autoptr (ExsTestReply) preview = req ("GET", "/api/collections/preview?q=pilot", NULL);
  g_autoptr (ExsTestReply) preview_bad = req ("POST", "/api/collections/preview", "{\"query\": \"year:>=\"}");
  g_autoptr (ExsTestReply) list = req ("GET", "/api/collections", NULL);
  g_autoptr (ExsTestReply) taken = req ("POST", "/api/collections",
                                        "{\"name\": \"Old films\", \"kind\": \"smart\", \"query\": \"type:movie\"}");
  g_autoptr (ExsTestReply) not_an_id = req ("GET", "/api/collections/abc", NULL);
  g_autoptr (ExsTestReply) deleted = NULL;
  g_autoptr (ExsTestReply) gone = NULL;
  g_autofree char *path = NULL;
  JsonObject *o, *err;
  gint64 id;

  expect (smart, 201);
  o = exs_test_reply_object (smart);
  id = json_object_get_int_member (o, "id");
  g_assert_cmpint (json_object_get_int_member (o, "items"), ==, 1);
  path = g_strdup_printf ("/api/collections/%" G_GINT64_FORMAT, id);
  g_assert_cmpstr (soup_message_headers_get_one (smart->headers, "Location"), ==, path);
  g_clear_pointer (&path, g_free);
  /* a taken name is a 409 naming the field; an id that is not one, a 404 */
  expect (taken, 409);
  err = json_object_get_object_member (exs_test_reply_object (taken), "error");
  g_assert_cmpstr (json_object_get_string_member (err, "field"), ==, "name");
  expect (not_an_id, 404);
  path = g_strdup_printf ("/api/collections/%" G_GINT64_FORMAT "/items", id);
  items = req ("GET", path, NULL);
  expect (items, 200);
  o = json_array_get_object_element (json_object_get_array_member (exs_test_reply_object (items), "items"), 0);
  g_assert_cmpstr (json_object_get_string_member (o, "title"), ==, "Alien");

  expect (bad, 422);
  err = json_object_get_object_member (exs_test_reply_object (bad), "error");
  g_assert_cmpstr (json_object_get_string_member (err, "field"), ==, "query");
  g_assert_cmpint (json_object_get_int_member (err, "position"), ==, 19); /* the end, where a term was due */
  expect (nomember, 422);
  expect (preview, 200);
  g_assert_cmpint (json_object_get_int_member (exs_test_reply_object (preview), "total"), ==, 1);
  expect (preview_bad, 422);
  expect (list, 200);
  g_assert_cmpint (json_object_get_int_member (exs_test_reply_object (list), "total"), ==, 1);

  g_free (path);
  path = g_strdup_printf ("/api/collections/%" G_GINT64_FORMAT, id);
  deleted = req ("DELETE", path, NULL);
  expect (deleted, 204);
  gone = req ("GET", path, NULL);
  expect (gone, 404);
}

static void
test_change_folders_and_remove (void)
{
  g_autoptr (ExsTestReply) libs = req ("GET", "/api/libraries", NULL);
  g_autoptr (ExsTestReply) patched = NULL;
  g_autoptr (ExsTestReply) idle = NULL;
  g_autoptr (ExsTestReply) deleted = NULL;
  g_autoptr (ExsTestReply) gone = NULL;
  g_autoptr (ExsTestReply) media = NULL;
  g_autofree char *path = NULL;
  g_autofree char *body = g_strdup_printf ("{\"paths\": [\"%s/Films/Alien (1979)\"]}", media_dir);
  JsonObject *lib = NULL, *o;
  JsonArray *arr = json_object_get_array_member (exs_test_reply_object (libs), "libraries");
  gint64 id = 0;

  for (guint i = 0; i < json_array_get_length (arr); i++)
    if (g_str_equal (json_object_get_string_member (json_array_get_object_element (arr, i), "name"), "Films"))
      lib = json_array_get_object_element (arr, i);
  g_assert_nonnull (lib);
  id = json_object_get_int_member (lib, "id");
  path = g_strdup_printf ("/api/libraries/%" G_GINT64_FORMAT, id);
  patched = req ("PATCH", path, body);
  expect (patched, 200);
  o = wait_idle (id, &idle);
  /* Heat is outside the new folder: kept, marked missing */
  g_assert_cmpint (json_object_get_int_member (o, "items"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (o, "missing"), ==, 1);
  media = req ("GET", "/api/media?include_missing=true&q=heat", NULL);
  expect (media, 200);
  o = json_array_get_object_element (json_object_get_array_member (exs_test_reply_object (media), "items"), 0);
  g_assert_true (json_object_get_boolean_member (o, "missing"));

  deleted = req ("DELETE", path, NULL);
  expect (deleted, 204);
  gone = req ("GET", path, NULL);
  expect (gone, 404);
}

/* The first item of library @id, as GET /api/media lists it. */
static JsonObject *
first_item (gint64 id, ExsTestReply **keep)
{
  g_autofree char *path = g_strdup_printf ("/api/media?library=%" G_GINT64_FORMAT, id);
  ExsTestReply *r = req ("GET", path, NULL);
  JsonArray *items;

  expect (r, 200);
  *keep = r;
  items = json_object_get_array_member (exs_test_reply_object (r), "items");
  g_assert_cmpuint (json_array_get_length (items), ==, 1);
  return json_array_get_object_element (items, 0);
}

/* `library add … music` from the CLI: a song with its tags, listed with its
 * artist and title; a music-videos library files its videos under their
 * artist's folder as a show. */
static void
test_music (void)
{
  g_autofree char *music = g_build_filename (tmp, "music", NULL);
  g_autofree char *song = g_build_filename (music, "Delta", "one.flac", NULL);
  g_autofree char *song_dir = g_path_get_dirname (song);
  g_autofree char *desc = g_strdup_printf ("audiotestsrc num-buffers=100 ! audioconvert ! "
                                           "taginject tags=\"artist=Delta,title=Rain,album=Weather\" ! flacenc ! "
                                           "filesink location=\"%s\"", song);
  g_autofree char *videos = g_build_filename (tmp, "Music Videos", NULL);
  g_autofree char *video = g_build_filename (videos, "Echo", "Echo - Live.mp4", NULL);
  g_autofree char *video_dir = g_path_get_dirname (video);
  g_autofree char *film = g_build_filename (tmp, "clip.mp4", NULL);
  g_autofree char *out = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) pipeline = NULL;
  g_autoptr (GstMessage) done = NULL;
  g_autoptr (ExsTestReply) idle = NULL;
  g_autoptr (ExsTestReply) listed = NULL;
  g_autoptr (ExsTestReply) listed_videos = NULL;
  g_autoptr (ExsTestReply) idle_videos = NULL;
  const char *bin = exs_test_server_binary ();
  const char *add[] = { bin, "--data-dir", server->data_dir, "--url", server->base_url, "library", "add", "Tunes",
                        "music", music, NULL };
  JsonObject *item, *tags;
  gint64 id;

  g_assert_cmpint (g_mkdir_with_parents (song_dir, 0755), ==, 0);
  pipeline = gst_parse_launch (desc, &error);
  g_assert_no_error (error);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  done = gst_bus_timed_pop_filtered (GST_ELEMENT_BUS (pipeline), 60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_true (done && GST_MESSAGE_TYPE (done) == GST_MESSAGE_EOS);
  gst_element_set_state (pipeline, GST_STATE_NULL);

  g_assert_cmpint (exs_test_run_command (add, NULL, &out), ==, 0);
  g_assert_nonnull (strstr (out, "added library"));
  id = g_ascii_strtoll (strstr (out, "added library") + strlen ("added library "), NULL, 10);
  wait_idle (id, &idle);
  item = first_item (id, &listed);
  g_assert_cmpstr (json_object_get_string_member (item, "kind"), ==, "song");
  g_assert_cmpstr (json_object_get_string_member (item, "title"), ==, "Rain");
  tags = json_object_get_object_member (item, "song");
  g_assert_cmpstr (json_object_get_string_member (tags, "artist"), ==, "Delta");
  g_assert_cmpstr (json_object_get_string_member (tags, "album"), ==, "Weather");

  /* music videos: "Music Videos/Echo/…" is Echo's */
  g_assert_cmpint (g_mkdir_with_parents (video_dir, 0755), ==, 0);
  {
    g_autofree char *data = NULL;
    gsize len = 0;

    g_assert_true (g_file_get_contents (film, &data, &len, NULL));
    g_assert_true (g_file_set_contents (video, data, (gssize) len, NULL));
  }
  {
    g_autofree char *body = g_strdup_printf ("{\"name\": \"Clips\", \"kind\": \"music_videos\", \"paths\": [\"%s\"]}",
                                             videos);
    gint64 vid = create_library (body);

    wait_idle (vid, &idle_videos);
    item = first_item (vid, &listed_videos);
    g_assert_cmpstr (json_object_get_string_member (item, "kind"), ==, "music_video");
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (item, "show"), "title"), ==, "Echo");
  }
}

static void
test_cli (void)
{
  g_autofree char *out = NULL;
  g_autofree char *folder = g_strdup_printf ("%s/Films", media_dir);
  const char *bin = exs_test_server_binary ();
  g_autofree char *url = g_strdup (server->base_url);
  const char *add[] = { bin, "--data-dir", server->data_dir, "--url", url, "library", "add", "Cli Films", "movies",
                        folder, NULL };
  const char *list[] = { bin, "--data-dir", server->data_dir, "--url", url, "library", "list", NULL };
  const char *bad[] = { bin, "--data-dir", server->data_dir, "--url", url, "library", "add", "X", "cartoons", "/srv",
                        NULL };
  const char *usage[] = { bin, "--data-dir", server->data_dir, "--url", url, "library", "frobnicate", NULL };

  g_assert_cmpint (exs_test_run_command (add, NULL, &out), ==, 0);
  g_assert_nonnull (strstr (out, "added library"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (exs_test_run_command (list, NULL, &out), ==, 0);
  g_assert_nonnull (strstr (out, "Cli Films"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (exs_test_run_command (bad, NULL, &out), ==, 1);
  g_assert_nonnull (strstr (out, "kind"));
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (exs_test_run_command (usage, NULL, &out), ==, 2);
  g_clear_pointer (&out, g_free);

  /* a URL library: entries go as they are, the source stays url */
  {
    const char *add_url[] = { bin, "--data-dir", server->data_dir, "--url", url, "library", "add", "--url", "--no-scan",
                              "Cli Web", "movies", "https://127.0.0.1:1/films/a.mp4", "archive:some_film", NULL };
    g_autoptr (ExsTestReply) r = NULL;
    g_autoptr (ExsTestReply) change = NULL;
    g_autofree char *path = NULL;
    JsonObject *lib;

    g_assert_cmpint (exs_test_run_command (add_url, NULL, &out), ==, 0);
    g_assert_nonnull (strstr (out, "added library"));
    g_clear_pointer (&out, g_free);
    g_assert_cmpint (exs_test_run_command (list, NULL, &out), ==, 0);
    g_assert_nonnull (strstr (out, "https://127.0.0.1:1/films/a.mp4, archive:some_film"));
    r = req ("GET", "/api/libraries", NULL);
    expect (r, 200);
    for (guint i = 0; i < json_array_get_length (json_object_get_array_member (exs_test_reply_object (r), "libraries"));
         i++)
      {
        lib = json_array_get_object_element (json_object_get_array_member (exs_test_reply_object (r), "libraries"), i);
        if (g_str_equal (json_object_get_string_member (lib, "name"), "Cli Web"))
          path = g_strdup_printf ("/api/libraries/%" G_GINT64_FORMAT, json_object_get_int_member (lib, "id"));
        if (path && g_str_equal (json_object_get_string_member (lib, "name"), "Cli Web"))
          g_assert_cmpstr (json_object_get_string_member (lib, "source"), ==, "url");
      }
    g_assert_nonnull (path);
    change = req ("PATCH", path, "{\"source\": \"local\"}");
    expect (change, 422);
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (exs_test_reply_object (change), "error"),
                                                    "field"),
                     ==, "source");
  }
}

/* A broken symlink is listed under the library's issues; ids that cannot
 * be ids are 404s that say so. */
static void
test_issues (void)
{
  g_autofree char *folder = g_build_filename (tmp, "Damaged", NULL);
  g_autofree char *broken = g_build_filename (folder, "Gone (2001).mp4", NULL);
  g_autofree char *body = g_strdup_printf ("{\"name\": \"Damaged\", \"kind\": \"movies\", \"paths\": [\"%s\"]}",
                                           folder);
  g_autoptr (ExsTestReply) idle = NULL;
  g_autoptr (ExsTestReply) issues = NULL;
  g_autoptr (ExsTestReply) removed = NULL;
  g_autofree char *path = NULL;
  const char *bad[] = { "/api/libraries/abc/issues", "/api/libraries/0", "/api/media/-1", "/api/schedules/+5" };
  JsonObject *o, *issue;
  gint64 id;

  g_assert_cmpint (g_mkdir_with_parents (folder, 0755), ==, 0);
  g_assert_cmpint (symlink ("/nonexistent/Gone (2001).mp4", broken), ==, 0);
  id = create_library (body);
  wait_idle (id, &idle);

  path = g_strdup_printf ("/api/libraries/%" G_GINT64_FORMAT "/issues", id);
  issues = req ("GET", path, NULL);
  expect (issues, 200);
  o = exs_test_reply_object (issues);
  g_assert_cmpint (json_object_get_int_member (o, "total"), ==, 1);
  issue = json_array_get_object_element (json_object_get_array_member (o, "issues"), 0);
  g_assert_cmpstr (json_object_get_string_member (issue, "path"), ==, broken);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (issue, "reason"), "broken symlink"));
  g_assert_true (g_str_has_suffix (json_object_get_string_member (issue, "created_at"), "Z"));

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (ExsTestReply) r = req ("GET", bad[i], NULL);
      JsonObject *err;

      expect (r, 404);
      err = json_object_get_object_member (exs_test_reply_object (r), "error");
      g_assert_nonnull (strstr (json_object_get_string_member (err, "message"), "ids are positive whole numbers"));
    }

  g_free (path);
  path = g_strdup_printf ("/api/libraries/%" G_GINT64_FORMAT, id);
  removed = req ("DELETE", path, NULL);
  expect (removed, 204);
}

static void
test_shutdown_during_scan (void)
{
  g_autofree char *body = NULL;
  g_autofree char *big = g_build_filename (tmp, "Big", NULL);
  g_autofree char *first = g_strdup_printf ("%s/Films/Heat.1995.mp4", media_dir);
  double seconds = 0;

  /* enough files that the scan is still running when SIGTERM comes */
  g_assert_cmpint (g_mkdir_with_parents (big, 0755), ==, 0);
  for (guint i = 0; i < 200; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s/Film %03u (2000).mp4", big, i);
      g_autofree char *data = NULL;
      gsize len;
      g_assert_true (g_file_get_contents (first, &data, &len, NULL));
      g_assert_true (g_file_set_contents (name, data, (gssize) len, NULL));
    }
  body = g_strdup_printf ("{\"name\": \"Big\", \"kind\": \"movies\", \"paths\": [\"%s\"]}", big);
  wait_scanning (create_library (body));
  g_assert_cmpint (exs_test_server_stop (server, &seconds), ==, 0);
  g_test_message ("stopped in %.2f s", seconds);
  g_assert_cmpfloat (seconds, <, 15.0); /* on its own, not killed at 20 s; how fast is bench/'s */
}

int
main (int argc, char **argv)
{
  g_autofree char *film = NULL;
  g_autoptr (GError) error = NULL;
  int status;
  const char *env[] = { "EXSTREAMTV_LIBRARY_WATCH_DEBOUNCE_MS=200", NULL };

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  tmp = exs_test_make_temp_dir ();
  media_dir = g_build_filename (tmp, "media", NULL);
  film = g_build_filename (tmp, "clip.mp4", NULL);
  g_assert_true (exs_demo_make_clip (&clip, film, NULL, &error));
  g_assert_no_error (error);
  copy_to (film, "Films/Heat.1995.mp4");
  copy_to (film, "Films/Alien (1979)/Alien (1979).mp4");
  copy_to (film, "Shows/The Pilots/Season 01/The Pilots - S01E01 - Pilot.mp4");

  server = exs_test_server_start (NULL, NULL, env);
  g_test_add_func ("/library/api/add-scan-list", test_add_scan_list);
  g_test_add_func ("/library/api/bad-input", test_bad_input);
  g_test_add_func ("/library/api/collections", test_collections);
  g_test_add_func ("/library/api/change-folders-and-remove", test_change_folders_and_remove);
  g_test_add_func ("/library/api/cli", test_cli);
  g_test_add_func ("/library/api/music", test_music);
  g_test_add_func ("/library/api/issues", test_issues);
  g_test_add_func ("/library/api/shutdown-during-scan", test_shutdown_during_scan);
  status = g_test_run ();
  exs_test_server_free (server);
  exs_test_remove_tree (tmp);
  return status;
}
