/* Plex, Jellyfin and Emby libraries through the real exstreamtv binary and
 * its API (src/api/exs-api-media-servers.c), against a local fake Emby
 * server: asking a server for its libraries, adding one (bad input refused
 * with the field named), the sync it starts, the token never shown by the
 * API nor written to the log, and channels playing the remote episodes —
 * decoded by ffmpeg — from the server, or, through a path mapping, from the
 * local file (the server then sees no stream request). */
#include "config.h"

#include "exs-demo.h"
#include "exs-fake-media-server.h"
#include "exs-test-server.h"

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <string.h>

#define TOKEN "emby-API-key-0123456789abcdef"

static ExsTestReply *
request (ExsTestServer *s, const char *method, const char *path, const char *body)
{
  ExsTestReply *r = exs_test_server_request (s, method, path, body, TRUE);

  g_assert_null (strstr (r->body ? r->body : "", TOKEN));
  return r;
}

static gint64
add_library (ExsTestServer *s, ExsFakeMediaServer *fake, const char *name, const char *mappings)
{
  g_autofree char *body = g_strdup_printf (
      "{\"name\": \"%s\", \"kind\": \"shows\", \"source\": \"emby\", \"url\": \"%s\", \"token\": \"%s\", "
      "\"remote_libraries\": [\"lib-tv\"], \"path_mappings\": %s}",
      name, exs_fake_media_server_get_url (fake), TOKEN, mappings);
  g_autoptr (ExsTestReply) r = request (s, "POST", "/api/media-servers/libraries", body);
  JsonObject *o = exs_test_reply_object (r);
  JsonObject *server;

  g_assert_cmpuint (r->status, ==, 201);
  server = json_object_get_object_member (o, "media_server");
  g_assert_true (json_object_get_boolean_member (server, "token_set"));
  g_assert_false (json_object_has_member (server, "token"));
  g_assert_cmpstr (json_object_get_string_member (o, "source"), ==, "emby");
  return json_object_get_int_member (o, "id");
}

/* The entry of the "remote_libraries" list of @r with id @id (asserted present). */
static JsonObject *
remote_library (ExsTestReply *r, const char *id)
{
  JsonArray *list = json_object_get_array_member (exs_test_reply_object (r), "remote_libraries");

  for (guint i = 0; i < json_array_get_length (list); i++)
    {
      JsonObject *o = json_array_get_object_element (list, i);
      if (g_str_equal (json_object_get_string_member (o, "id"), id))
        return o;
    }
  g_error ("no remote library %s in %s", id, r->body);
}

/* Waits for library @id's sync to store @items items; fails after 120 s. */
static void
wait_synced (ExsTestServer *s, gint64 id, gint64 items)
{
  g_autofree char *path = g_strdup_printf ("/api/libraries/%" G_GINT64_FORMAT, id);
  gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr (ExsTestReply) r = request (s, "GET", path, NULL);
      JsonObject *o = exs_test_reply_object (r);
      JsonObject *scan = json_object_get_object_member (o, "scan");

      if (json_object_get_int_member (o, "items") == items
          && g_str_equal (json_object_get_string_member (scan, "state"), "idle"))
        return;
      g_usleep (G_USEC_PER_SEC / 10);
    }
  g_error ("library %" G_GINT64_FORMAT " did not sync %" G_GINT64_FORMAT " items in time", id, items);
}

/* Puts the first episode of library @library on a new channel @number. */
static void
schedule_first_episode (ExsTestServer *s, gint64 library, const char *number)
{
  g_autofree char *media = g_strdup_printf ("/api/media?library=%" G_GINT64_FORMAT "&sort=episode", library);
  g_autoptr (ExsTestReply) items = request (s, "GET", media, NULL);
  JsonArray *list = json_object_get_array_member (exs_test_reply_object (items), "items");
  JsonObject *first = json_array_get_object_element (list, 0);
  g_autofree char *channel = g_strdup_printf ("{\"number\": \"%s\", \"name\": \"Remote %s\"}", number, number);
  g_autofree char *schedule = g_strdup_printf ("{\"name\": \"Remote %s\", \"items\": [{\"content\": {\"media_item\": %"
                                               G_GINT64_FORMAT "}, \"mode\": \"flood\"}]}",
                                               number, json_object_get_int_member (first, "id"));
  g_autoptr (ExsTestReply) ch = request (s, "POST", "/api/channels", channel);
  g_autoptr (ExsTestReply) sc = request (s, "POST", "/api/schedules", schedule);
  g_autofree char *assign = NULL;
  g_autofree char *playout_path = g_strdup_printf ("/api/channels/%s/playout", number);
  g_autoptr (ExsTestReply) playout = NULL;

  g_assert_cmpuint (ch->status, ==, 201);
  g_assert_cmpuint (sc->status, ==, 201);
  g_assert_cmpstr (json_object_get_string_member (first, "title"), ==, "Source");
  assign = g_strdup_printf ("{\"schedule_id\": %" G_GINT64_FORMAT ", \"mode\": \"continuous\"}",
                            json_object_get_int_member (exs_test_reply_object (sc), "id"));
  playout = request (s, "PUT", playout_path, assign);
  g_assert_cmpuint (playout->status, ==, 200);
  g_assert_nonnull (strstr (playout->body, "exs-media://"));
}

/* Channel @number's error screens so far (from /metrics; 0 when none were counted). */
static double
error_screens (ExsTestServer *s, const char *number)
{
  g_autoptr (ExsTestReply) r = exs_test_server_request (s, "GET", "/metrics", NULL, FALSE);
  g_autofree char *series = g_strdup_printf ("exstreamtv_error_screens_total{channel=\"%s\"} ", number);
  const char *at = strstr (r->body, series);

  g_assert_cmpuint (r->status, ==, 200);
  return at ? g_ascii_strtod (at + strlen (series), NULL) : 0;
}

/* ffmpeg decodes 3 s of the channel's stream without an error, and the
 * channel showed the programme, not its error screen. */
static void
assert_decodes (ExsTestServer *s, const char *number)
{
  g_autofree char *url = g_strdup_printf ("%s/iptv/channel/%s.ts", s->base_url, number);
  const char *argv[] = { "ffmpeg", "-nostdin", "-v", "error", "-t", "3", "-i", url, "-f", "null", "-", NULL };
  g_autoptr (GSubprocess) p = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *err = NULL;

  p = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDERR_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (p, NULL, NULL, NULL, &err, &error));
  g_test_message ("ffmpeg channel %s: exit %d, %s", number, g_subprocess_get_exit_status (p), err);
  g_assert_cmpint (g_subprocess_get_exit_status (p), ==, 0);
  g_assert_cmpfloat (error_screens (s, number), ==, 0);
}

static void
test_api_sync_and_play (void)
{
  ExsDemoClip clip = { "clip.mp4", "clip", "mp4", 320, 240, 25, 48000, 2, 5, "smpte", "sine", 440 };
  const char *const env[] = { "EXSTREAMTV_CHANNELS_LINGER_SECONDS=0", NULL };
  g_autofree char *dir = exs_test_make_temp_dir ();
  g_autofree char *local_tv = g_build_filename (dir, "nas", "tv", "Rivers", NULL);
  g_autofree char *clip_path = g_build_filename (local_tv, "S01E01.mp4", NULL);
  g_autofree char *copy = g_build_filename (local_tv, "S01E02.mp4", NULL);
  g_autofree char *mapping = NULL;
  g_autoptr (ExsFakeMediaServer) fake = NULL;
  g_autoptr (ExsTestServer) s = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *log = NULL;
  g_autofree char *contents = NULL;
  gsize len;
  gint64 remote, local;

  g_assert_cmpint (g_mkdir_with_parents (local_tv, 0700), ==, 0);
  g_assert_true (exs_demo_make_clip (&clip, clip_path, NULL, &error));
  g_assert_true (g_file_get_contents (clip_path, &contents, &len, &error));
  g_assert_true (g_file_set_contents (copy, contents, (gssize) len, &error));
  fake = exs_fake_media_server_new ("emby", TOKEN, clip_path);
  exs_fake_media_server_add_show (fake, "s1", "Rivers");
  exs_fake_media_server_add_episode (fake, "e1", "s1", 1, 1, "Source", "/volume1/tv/Rivers/S01E01.mp4");
  exs_fake_media_server_add_episode (fake, "e2", "s1", 1, 2, "Delta", "/volume1/tv/Rivers/S01E02.mp4");
  s = exs_test_server_start (NULL, NULL, env);

  /* asking the server for its libraries, before adding one */
  {
    g_autofree char *body = g_strdup_printf ("{\"source\": \"emby\", \"url\": \"%s\", \"token\": \"%s\"}",
                                             exs_fake_media_server_get_url (fake), TOKEN);
    g_autofree char *wrong = g_strdup_printf ("{\"source\": \"emby\", \"url\": \"%s\", \"token\": \"nope\"}",
                                              exs_fake_media_server_get_url (fake));
    g_autoptr (ExsTestReply) ok = request (s, "POST", "/api/media-servers/remote-libraries", body);
    g_autoptr (ExsTestReply) refused = request (s, "POST", "/api/media-servers/remote-libraries", wrong);

    g_assert_cmpuint (ok->status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (remote_library (ok, "lib-tv"), "kind"), ==, "shows");
    g_assert_true (json_object_get_null_member (remote_library (ok, "lib-music"), "kind"));
    g_assert_cmpuint (refused->status, ==, 502);
    g_assert_nonnull (strstr (refused->body, "refused the token"));
    g_assert_cmpstr (exs_test_reply_error_code (refused), ==, "media_server_refused_token");
  }
  /* bad input: the field is named, nothing is added */
  {
    const char *const bad[][2] = {
      { "{\"name\": \"x\", \"kind\": \"shows\", \"source\": \"emby\", \"url\": \"ftp://nas\", \"token\": \"t\"}", "url" },
      { "{\"name\": \"x\", \"kind\": \"shows\", \"source\": \"emby\", \"url\": \"http://nas\"}", "token" },
      { "{\"name\": \"x\", \"kind\": \"shows\", \"source\": \"kodi\", \"url\": \"http://nas\", \"token\": \"t\"}", "source" },
      { "{\"name\": \"x\", \"kind\": \"shows\", \"source\": \"plex\", \"url\": \"http://u:p@nas\", \"token\": \"t\"}", "url" },
      { "{\"name\": \"x\", \"kind\": \"shows\", \"source\": \"plex\", \"url\": \"http://nas\", \"token\": \"a b\"}", "token" },
      { "{\"name\": \"x\", \"kind\": \"shows\", \"source\": \"plex\", \"url\": \"http://nas\", \"token\": \"t\", "
        "\"path_mappings\": [{\"server_path\": \"/a\", \"local_path\": \"rel\"}]}", "path_mappings" },
      { "{\"name\": \"x\", \"kind\": \"shows\", \"source\": \"plex\", \"url\": \"http://nas\", \"token\": \"t\", "
        "\"remote_libraries\": [\"../x\"]}", "remote_libraries" },
    };
    for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
      {
        g_autoptr (ExsTestReply) r = request (s, "POST", "/api/media-servers/libraries", bad[i][0]);
        JsonObject *e = json_object_get_object_member (exs_test_reply_object (r), "error");

        g_test_message ("%s → %u %s", bad[i][0], r->status, json_object_get_string_member (e, "message"));
        g_assert_cmpuint (r->status, ==, 422);
        g_assert_cmpstr (json_object_get_string_member (e, "field"), ==, bad[i][1]);
      }
  }

  remote = add_library (s, fake, "Emby TV", "[]");
  mapping = g_strdup_printf ("[{\"server_path\": \"/volume1/tv\", \"local_path\": \"%s/nas/tv\"}]", dir);
  local = add_library (s, fake, "Emby TV here", mapping);
  wait_synced (s, remote, 2);
  wait_synced (s, local, 2);
  {
    g_autofree char *path = g_strdup_printf ("/api/libraries/%" G_GINT64_FORMAT "/remote-libraries", remote);
    g_autofree char *settings = g_strdup_printf ("/api/libraries/%" G_GINT64_FORMAT "/media-server", remote);
    g_autoptr (ExsTestReply) libs = request (s, "GET", path, NULL);
    g_autoptr (ExsTestReply) cfg = request (s, "GET", settings, NULL);

    g_assert_cmpuint (libs->status, ==, 200);
    g_assert_true (json_object_get_boolean_member (remote_library (libs, "lib-tv"), "selected"));
    g_assert_false (json_object_get_boolean_member (remote_library (libs, "lib-films"), "selected"));
    g_assert_cmpuint (cfg->status, ==, 200);
    g_assert_true (json_object_get_boolean_member (exs_test_reply_object (cfg), "token_set"));
    g_assert_false (json_object_has_member (exs_test_reply_object (cfg), "token"));
  }

  /* the mapped library's channel plays the local file: no stream request */
  {
    guint requests = exs_fake_media_server_count (fake, "requests");

    schedule_first_episode (s, local, "20");
    assert_decodes (s, "20");
    g_assert_cmpuint (exs_fake_media_server_count (fake, "requests"), ==, requests);
    g_assert_cmpuint (exs_fake_media_server_count (fake, "streams"), ==, 0);
  }
  /* the other plays it from the server */
  schedule_first_episode (s, remote, "19");
  assert_decodes (s, "19");
  g_assert_cmpuint (exs_fake_media_server_count (fake, "streams"), >=, 1);
  g_assert_cmpuint (exs_fake_media_server_count (fake, "unauthorized"), ==, 1); /* the wrong token above */

  /* a rescan is a sync */
  {
    g_autofree char *path = g_strdup_printf ("/api/libraries/%" G_GINT64_FORMAT "/scan", remote);
    g_autoptr (ExsTestReply) r = request (s, "POST", path, NULL);
    g_assert_cmpuint (r->status, ==, 202);
  }
  wait_synced (s, remote, 2);
  log = exs_test_server_read_log (s);
  g_assert_nonnull (strstr (log, "synced from Emby"));
  g_assert_null (strstr (log, TOKEN));
  exs_test_server_stop (s, NULL);
  g_clear_pointer (&log, g_free);
  log = exs_test_server_read_log (s);
  g_assert_null (strstr (log, TOKEN));
  exs_test_remove_tree (dir);
}

/* `exstreamtv library add-server / remote / scan --wait` against a fake Plex server. */
static void
test_cli (void)
{
  ExsDemoClip clip = { "clip.mp4", "clip", "mp4", 160, 120, 25, 0, 0, 1, "smpte", "sine", 440 };
  g_autofree char *dir = exs_test_make_temp_dir ();
  g_autofree char *clip_path = g_build_filename (dir, "clip.mp4", NULL);
  g_autofree char *token_file = g_build_filename (dir, "plex-token", NULL);
  g_autofree char *missing_file = g_build_filename (dir, "no-such-token", NULL);
  g_autoptr (ExsFakeMediaServer) fake = NULL;
  g_autoptr (ExsTestServer) s = NULL;
  g_autoptr (GError) error = NULL;
  const char *bin = exs_test_server_binary ();

  g_assert_true (exs_demo_make_clip (&clip, clip_path, NULL, &error));
  g_assert_true (g_file_set_contents (token_file, TOKEN "\n", -1, &error));
  fake = exs_fake_media_server_new ("plex", TOKEN, clip_path);
  exs_fake_media_server_add_movie (fake, "1000", "A Film", 1999, "/data/films/A Film.mp4");
  exs_fake_media_server_add_movie (fake, "1001", "B Film", 2001, "/data/films/B Film.mp4");
  s = exs_test_server_start (NULL, NULL, NULL);
  {
    const char *add[] = { bin, "--data-dir", s->data_dir, "--url", s->base_url, "library", "add-server", "Plex Films",
                          "movies", "--source", "plex", "--url", exs_fake_media_server_get_url (fake), "--token-file",
                          token_file, "--remote-library", "1", "--map", "/data=/mnt/nas", NULL };
    const char *remote[] = { bin, "--data-dir", s->data_dir, "--url", s->base_url, "library", "remote", "1", NULL };
    const char *scan[] = { bin, "--data-dir", s->data_dir, "--url", s->base_url, "library", "scan", "1", "--wait", NULL };
    const char *no_file[] = { bin, "--data-dir", s->data_dir, "--url", s->base_url, "library", "add-server", "X",
                              "movies", "--source", "plex", "--url", "http://nas", "--token-file", missing_file, NULL };
    const char *bad_kind[] = { bin, "--data-dir", s->data_dir, "--url", s->base_url, "library", "add-server", "Y",
                               "music", "--source", "plex", "--url", "http://nas", "--token-file", token_file, NULL };
    g_autofree char *out = NULL;

    g_assert_cmpint (exs_test_run_command (add, NULL, &out), ==, 0);
    g_assert_nonnull (strstr (out, "added library 1 (Plex Films)"));
    g_assert_null (strstr (out, TOKEN));
    g_clear_pointer (&out, g_free);
    wait_synced (s, 1, 2);
    g_assert_cmpint (exs_test_run_command (remote, NULL, &out), ==, 0);
    g_assert_true (g_regex_match_simple ("^\\* 1 +movies +Films$", out, G_REGEX_MULTILINE, 0));
    g_assert_true (g_regex_match_simple ("^  2 +shows +TV$", out, G_REGEX_MULTILINE, 0));
    g_clear_pointer (&out, g_free);
    g_assert_cmpint (exs_test_run_command (scan, NULL, &out), ==, 0);
    g_assert_nonnull (strstr (out, "2 found"));
    g_clear_pointer (&out, g_free);
    g_assert_cmpint (exs_test_run_command (no_file, NULL, &out), !=, 0);
    g_assert_nonnull (strstr (out, "no-such-token"));
    g_clear_pointer (&out, g_free);
    g_assert_cmpint (exs_test_run_command (bad_kind, NULL, &out), !=, 0);
    g_test_message ("bad kind: %s", out);
    g_assert_nonnull (strstr (out, "music"));
    g_assert_null (strstr (out, TOKEN));
  }
  /* Plex artwork needs the token: the API shows this server's /artwork
   * route, never the Plex server's address; the route (no login, as a
   * guide client) passes the image on, and reaches nothing but artwork */
  {
    g_autoptr (ExsTestReply) media = request (s, "GET", "/api/media?library=1", NULL);
    g_autoptr (ExsTestReply) one = NULL;
    g_autoptr (ExsTestReply) image = NULL;
    g_autoptr (ExsTestReply) prefs = NULL;
    g_autoptr (ExsTestReply) other = NULL;
    g_autofree char *item_path = NULL;
    g_autofree char *prefs_b64 = NULL;
    g_autofree char *prefs_path = NULL;
    const char *poster;

    g_assert_cmpuint (media->status, ==, 200);
    item_path = g_strdup_printf ("/api/media/%" G_GINT64_FORMAT,
                                 json_object_get_int_member (json_array_get_object_element (
                                     json_object_get_array_member (exs_test_reply_object (media), "items"), 0), "id"));
    one = request (s, "GET", item_path, NULL);
    poster = json_object_get_string_member (exs_test_reply_object (one), "poster");
    g_test_message ("poster: %s", poster);
    g_assert_true (g_str_has_prefix (poster, "/artwork/1/"));
    g_assert_null (strstr (one->body, exs_fake_media_server_get_url (fake)));
    image = exs_test_server_request (s, "GET", poster, NULL, FALSE);
    g_assert_cmpuint (image->status, ==, 200);
    g_assert_true (g_str_has_prefix (image->body, "\x89PNG"));
    g_assert_null (strstr (image->body, TOKEN));
    g_assert_cmpuint (exs_fake_media_server_count (fake, "artwork"), ==, 1);
    /* a path that is not artwork (Plex's preferences hold secrets) is not fetched */
    prefs_b64 = g_base64_encode ((const guchar *) "/:/prefs", 8);
    g_strdelimit (prefs_b64, "=", '\0');
    prefs_path = g_strdup_printf ("/artwork/1/%s", prefs_b64);
    prefs = exs_test_server_request (s, "GET", prefs_path, NULL, FALSE);
    g_assert_cmpuint (prefs->status, ==, 404);
    other = exs_test_server_request (s, "GET", "/artwork/99/L2xpYnJhcnkvbWV0YWRhdGEvMS90aHVtYi8x", NULL, FALSE);
    g_assert_cmpuint (other->status, ==, 404);
    g_assert_cmpuint (exs_fake_media_server_count (fake, "artwork"), ==, 1);
  }
  exs_test_server_stop (s, NULL);
  {
    g_autofree char *log = exs_test_server_read_log (s);
    g_assert_nonnull (strstr (log, "synced from Plex"));
    g_assert_null (strstr (log, TOKEN));
  }
  exs_test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/media-servers/api/sync-and-play", test_api_sync_and_play);
  g_test_add_func ("/media-servers/api/cli", test_cli);
  return g_test_run ();
}
