/* A channel playing URL items through the real engine and HTTP server: a
 * yt-dlp page (the real yt-dlp, its generic extractor, on a local libsoup
 * server) and a direct http:// media URL; ffmpeg decodes the channel's
 * stream without an error. A page yt-dlp cannot play, and yt-dlp missing
 * from PATH, fail that item only (source-failed says why): the stream goes
 * on and the next item plays. */
#include "config.h"

#include "exs-engine-fixture.h"
#include "exs-item-resolver.h"

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <libsoup/soup.h>
#include <string.h>
#include <unistd.h>

static GBytes *clip;

static void
on_request_cb (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query, gpointer data)
{
  if (g_str_equal (path, "/clip.ts"))
    {
      gsize len;
      const char *bytes = g_bytes_get_data (clip, &len);
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "video/mp2t", SOUP_MEMORY_COPY, bytes, len);
    }
  else if (g_str_equal (path, "/page.html"))
    {
      const char *html = "<html><head><title>Clip</title></head><body><video src=\"clip.ts\"></video></body></html>";
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "text/html", SOUP_MEMORY_STATIC, html, strlen (html));
    }
  else
    soup_server_message_set_status (msg, 404, NULL);
}

static void
on_source_failed_cb (ExsChannel *channel, ExsPlayoutItem *item, const char *message, GPtrArray *failures)
{
  g_test_message ("source-failed: %s: %s", item->uri, message);
  g_ptr_array_add (failures, g_strdup_printf ("%s: %s", item->uri, message));
}

static void
on_exited_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
}

/* Reads @seconds of the channel's stream with ffmpeg; returns what it said
 * (decode errors), with the bytes read in @size. */
static char *
read_stream (ExsEngineFixture *f, const char *number, double seconds, gint64 *size)
{
  g_autofree char *url = exs_engine_fixture_url (f, number);
  g_autofree char *out = g_build_filename (f->dir, "capture.ts", NULL);
  g_autofree char *t = g_strdup_printf ("%.1f", seconds);
  g_autofree char *log = NULL;
  const char *curl[] = { "curl", "-s", "-N", "--max-time", t, "-o", out, url, NULL };
  const char *ffmpeg[] = { "ffmpeg", "-v", "error", "-i", out, "-f", "null", "-", NULL };
  g_autoptr (GSubprocess) p = exs_test_spawn (curl);
  gboolean exited = FALSE;
  g_autoptr (GFile) file = NULL;
  g_autoptr (GFileInfo) info = NULL;

  g_subprocess_wait_async (p, NULL, on_exited_cb, &exited);
  while (!exited)
    g_main_context_iteration (NULL, TRUE);
  file = g_file_new_for_path (out);
  info = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE, 0, NULL, NULL);
  *size = info ? g_file_info_get_size (info) : 0;
  exs_test_run_async (ffmpeg, &log);
  return g_steal_pointer (&log);
}

static void
play (const char *number, const char *first, const char *second, GPtrArray *failures, char **log, gint64 *size)
{
  g_autoptr (ExsEngineFixture) f = exs_engine_fixture_new (NULL);
  g_autoptr (SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *base = NULL;
  g_autofree char *a = NULL, *b = NULL;
  const char *paths[3];
  gint64 durations[2] = { 4 * G_USEC_PER_SEC, 4 * G_USEC_PER_SEC };
  ExsChannel *channel;
  GSList *uris;

  soup_server_add_handler (server, NULL, on_request_cb, NULL, NULL);
  g_assert_true (soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (server);
  base = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  {
    g_auto (GStrv) pa = g_strsplit (first, "{base}", -1);
    g_auto (GStrv) pb = g_strsplit (second, "{base}", -1);
    a = g_strjoinv (base, pa);
    b = g_strjoinv (base, pb);
  }
  paths[0] = a;
  paths[1] = b;
  paths[2] = NULL;

  exs_item_resolver_forget (exs_item_resolver_get_default ());
  exs_engine_fixture_add_channel (f, number, TRUE);
  exs_file_list_source_set_channel (f->source, number, paths, durations, g_get_real_time () + G_USEC_PER_SEC);
  channel = exs_channel_manager_ensure_channel (f->manager, number, &error);
  g_assert_no_error (error);
  g_signal_connect (channel, "source-failed", G_CALLBACK (on_source_failed_cb), failures);
  *log = read_stream (f, number, 10.0, size);
  g_signal_handlers_disconnect_by_data (channel, failures);
}

static void
test_page_and_url_play (void)
{
  g_autoptr (GPtrArray) failures = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *log = NULL;
  gint64 size = 0;

  if (g_find_program_in_path ("yt-dlp") == NULL)
    g_error ("yt-dlp is not installed: apt install yt-dlp (scripts/debian-packages.txt lists it)");
  play ("501", "ytdl:{base}/page.html", "{base}/clip.ts", failures, &log, &size);
  g_test_message ("%" G_GINT64_FORMAT " bytes; ffmpeg said: %s", size, log);
  g_assert_cmpint (size, >, 100 * 1024);
  g_assert_cmpstr (log, ==, "");
  g_assert_cmpuint (failures->len, ==, 0);
}

static void
test_unplayable_page_fails_the_item_only (void)
{
  g_autoptr (GPtrArray) failures = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *log = NULL;
  gint64 size = 0;

  play ("502", "ytdl:{base}/nothing-here.html", "{base}/clip.ts", failures, &log, &size);
  g_test_message ("%" G_GINT64_FORMAT " bytes; ffmpeg said: %s", size, log);
  g_assert_cmpint (size, >, 100 * 1024); /* the error screen, then the clip: never a dead channel */
  g_assert_cmpstr (log, ==, "");
  g_assert_cmpuint (failures->len, >=, 1);
  g_assert_nonnull (strstr (failures->pdata[0], "yt-dlp cannot play this page"));
}

static void
test_ytdlp_missing (void)
{
  g_autoptr (GPtrArray) failures = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *saved = g_strdup (g_getenv ("PATH"));
  g_autofree char *log = NULL;
  gint64 size = 0;

  /* a PATH with curl and ffmpeg (the test's clients) but no yt-dlp */
  {
    g_autofree char *dir = g_dir_make_tmp ("exs-no-ytdlp-XXXXXX", NULL);
    g_autofree char *curl = g_find_program_in_path ("curl");
    g_autofree char *ffmpeg = g_find_program_in_path ("ffmpeg");
    g_autofree char *l1 = g_build_filename (dir, "curl", NULL);
    g_autofree char *l2 = g_build_filename (dir, "ffmpeg", NULL);

    g_assert_true (symlink (curl, l1) == 0 && symlink (ffmpeg, l2) == 0);
    g_setenv ("PATH", dir, TRUE);
    play ("503", "ytdl:{base}/page.html", "{base}/clip.ts", failures, &log, &size);
    g_setenv ("PATH", saved, TRUE);
    g_unlink (l1);
    g_unlink (l2);
    g_rmdir (dir);
  }
  g_test_message ("%" G_GINT64_FORMAT " bytes; ffmpeg said: %s", size, log);
  g_assert_cmpint (size, >, 100 * 1024);
  g_assert_cmpstr (log, ==, "");
  g_assert_cmpuint (failures->len, >=, 1);
  g_assert_nonnull (strstr (failures->pdata[0], "yt-dlp is not installed (Debian package yt-dlp)"));
}

int
main (int argc, char **argv)
{
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *desc = NULL;
  g_autofree char *data = NULL;
  gsize len;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  /* as streaming/engine: criticals stay fatal; GStreamer 1.22's decodebin3
   * can warn "Sticky event misordering" on an internal decoder while items
   * come and go (seen once under load), which is not this test's subject */
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
  for (const char *const *v = (const char *const[]) { "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY",
                                                      "all_proxy", "ALL_PROXY", NULL };
       *v; v++)
    g_unsetenv (*v);
  dir = g_dir_make_tmp ("exs-resolver-XXXXXX", NULL);
  path = g_build_filename (dir, "clip.ts", NULL);
  desc = exs_test_clip_description ("smpte", 640, 360, 30, 48000, 2, 4.0, "ts", path);
  exs_test_make_media (desc, path);
  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  clip = g_bytes_new_take (g_steal_pointer (&data), len);
  g_unlink (path);
  g_rmdir (dir);

  g_test_add_func ("/streaming/item-resolver/ytdlp-page-and-http-url-play", test_page_and_url_play);
  g_test_add_func ("/streaming/item-resolver/unplayable-page-fails-the-item-only", test_unplayable_page_fails_the_item_only);
  g_test_add_func ("/streaming/item-resolver/ytdlp-missing-fails-the-item-only", test_ytdlp_missing);
  return g_test_run ();
}
