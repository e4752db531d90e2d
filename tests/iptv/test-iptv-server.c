/* test-iptv-server.c: /iptv/ through the real server, with channels made
 * through the API, read by VLC and tv_validate_file.
 *
 * Streams come from the real channel engine behind the IPTV routes
 * (ExsStreamProvider): /iptv/server/streams probes one with ffprobe and
 * fetches HLS; HEAD, 404 and the URLs themselves are checked too. */
#include "config.h"

#include "exs-iptv-check.h"
#include "exs-test-server.h"

#include <string.h>
#include <zlib.h>

static ExsTestServer *server;

static void
create_channel (const char *json)
{
  g_autoptr (ExsTestReply) r
      = exs_test_server_request (server, "POST", "/api/channels", json, TRUE);

  if (r->status != 201)
    g_error ("cannot create %s: %u %s", json, r->status, r->body);
}

static char *
header_value (const char *response, const char *name)
{
  g_autofree char *needle = g_strdup_printf ("\r\n%s: ", name);
  const char *p = strstr (response, needle);
  const char *end;

  if (p == NULL)
    return NULL;
  p += strlen (needle);
  end = strstr (p, "\r\n");
  return g_strndup (p, (gsize)(end - p));
}

static char *
raw_get (const char *path, const char *extra_headers)
{
  g_autofree char *req
      = g_strdup_printf ("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\n%sConnection: close\r\n\r\n",
                         path, server->port, extra_headers ? extra_headers : "");
  return exs_test_server_raw (server, req);
}

static void
test_playlist (void)
{
  g_autoptr (ExsTestReply) r
      = exs_test_server_request (server, "GET", "/iptv/channels.m3u", NULL, FALSE);
  g_autofree char *path = NULL;
  g_autoptr (GPtrArray) entries = NULL;
  const char *numbers[] = { "5", "102", "150", "1984.1" };

  g_assert_cmpuint (r->status, ==, 200);
  g_assert_true (g_str_has_prefix (soup_message_headers_get_content_type (r->headers, NULL),
                                   "audio/x-mpegurl"));
  g_assert_true (g_str_has_prefix (r->body, "#EXTM3U url-tvg=\"http://127.0.0.1:"));
  g_assert_null (strstr (r->body, "Only HDHomeRun"));
  g_assert_null (strstr (r->body, "Switched Off"));

  /* VLC reads it and finds every channel, in order, on our stream route;
   * each URL answers HEAD as a stream would */
  path = exs_check_write_temp ("channels.m3u", r->body, strlen (r->body));
  entries = exs_check_vlc_playlist (path);
  g_assert_cmpuint (entries->len, ==, G_N_ELEMENTS (numbers));
  for (guint i = 0; i < entries->len; i++)
    {
      ExsVlcEntry *e = entries->pdata[i];
      g_autofree char *want
          = g_strdup_printf ("%s/iptv/channel/%s.ts", server->base_url, numbers[i]);
      g_autoptr (ExsTestReply) head = NULL;

      g_assert_cmpstr (e->url, ==, want);
      head = exs_test_server_request (server, "HEAD", e->url + strlen (server->base_url), NULL,
                                      FALSE);
      g_assert_cmpuint (head->status, ==, 200);
      g_assert_cmpstr (soup_message_headers_get_content_type (head->headers, NULL), ==,
                       "video/MP2T");
    }
  g_assert_cmpstr (((ExsVlcEntry *)entries->pdata[0])->name, ==,
                   "Tom & Jerry’s ”Cartoon”‚ Network");
  g_assert_cmpstr (((ExsVlcEntry *)entries->pdata[1])->name, ==, "Café 📺 Ünïcode");
  exs_check_remove_temp (path);
}

/* URLs come from the Host the client used, never 0.0.0.0 */
static void
test_playlist_host (void)
{
  g_autofree char *lan = raw_get ("/iptv/channels.m3u", NULL);
  g_autofree char *req = g_strdup (
      "GET /iptv/channels.m3u HTTP/1.1\r\nHost: 0.0.0.0:8411\r\nConnection: close\r\n\r\n");
  g_autofree char *zero = exs_test_server_raw (server, req);
  g_autofree char *req2 = g_strdup (
      "GET /iptv/channels.m3u HTTP/1.1\r\nHost: tv.example.lan:8411\r\nConnection: close\r\n\r\n");
  g_autofree char *named = exs_test_server_raw (server, req2);
  g_autofree char *own
      = g_strdup_printf ("\nhttp://127.0.0.1:%u/iptv/channel/1984.1.ts\n", server->port);

  g_assert_nonnull (strstr (lan, own));
  g_assert_null (strstr (zero, "0.0.0.0"));
  g_assert_nonnull (strstr (zero, own));
  g_assert_nonnull (strstr (named, "\nhttp://tv.example.lan:8411/iptv/channel/1984.1.ts\n"));
}

static void
test_streams (void)
{
  g_autofree char *url = g_strdup_printf ("%s/iptv/channel/1984.1.ts", server->base_url);
  const char *probe[] = { "ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height", "-of",
                          "csv=p=0", url, NULL };
  g_autofree char *probed = NULL;
  g_autoptr (ExsTestReply) unknown
      = exs_test_server_request (server, "GET", "/iptv/channel/7.ts", NULL, FALSE);
  g_autoptr (ExsTestReply) hdhr_only
      = exs_test_server_request (server, "HEAD", "/iptv/channel/200.ts", NULL, FALSE);
  ExsTestReply *hls = exs_test_server_request (server, "GET", "/iptv/channel/150.m3u8", NULL, FALSE);
  gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;

  g_assert_cmpint (exs_test_run_command (probe, NULL, &probed), ==, 0);
  g_assert_nonnull (strstr (probed, "h264,1280,720"));
  g_assert_nonnull (strstr (probed, "aac"));
  g_assert_cmpuint (unknown->status, ==, 404);
  g_assert_cmpuint (hdhr_only->status, ==, 404);
  /* HLS of the same channel engine (tests/streaming/test-hls.c has more);
   * 503 "no segment yet; try again" is asked again, as a player does */
  while (hls->status == 503 && g_get_monotonic_time () < deadline)
    {
      exs_test_reply_free (hls);
      g_usleep (G_USEC_PER_SEC / 2);
      hls = exs_test_server_request (server, "GET", "/iptv/channel/150.m3u8", NULL, FALSE);
    }
  g_assert_cmpuint (hls->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (hls->headers, NULL), ==, "application/vnd.apple.mpegurl");
  g_assert_nonnull (strstr (hls->body, "/iptv/channel/150/hls/segment0.ts"));
  exs_test_reply_free (hls);
}

static void
test_guide (void)
{
  g_autofree char *first = raw_get ("/iptv/xmltv.xml", NULL);
  g_autofree char *etag = header_value (first, "ETag");
  g_autofree char *modified = header_value (first, "Last-Modified");
  g_autofree char *inm = NULL, *ims = NULL, *stale = NULL;
  g_autofree char *again = NULL, *since = NULL, *changed = NULL;
  const char *body = strstr (first, "\r\n\r\n") + 4;
  g_autofree char *path = NULL;
  g_autofree char *url = NULL;
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GBytes) gz = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree guint8 *unzipped = NULL;
  uLongf unzipped_len;
  z_stream z = { 0 };

  g_assert_true (g_str_has_prefix (first, "HTTP/1.1 200"));
  g_assert_nonnull (etag);
  g_assert_nonnull (modified);
  g_assert_nonnull (strstr (body, "<channel id=\"1984.1.exstreamtv\">"));
  g_assert_nonnull (
      strstr (body, "<display-name>Tom &amp; Jerry's &quot;Cartoon&quot;, Network</display-name>"));
  path = exs_check_write_temp ("guide.xml", body, strlen (body));
  exs_check_xmltv_validates (path);
  exs_check_remove_temp (path);

  inm = g_strdup_printf ("If-None-Match: %s\r\n", etag);
  again = raw_get ("/iptv/xmltv.xml", inm);
  g_assert_true (g_str_has_prefix (again, "HTTP/1.1 304"));
  ims = g_strdup_printf ("If-Modified-Since: %s\r\n", modified);
  since = raw_get ("/iptv/xmltv.xml", ims);
  g_assert_true (g_str_has_prefix (since, "HTTP/1.1 304"));
  stale = g_strdup ("If-None-Match: \"not-this-one\"\r\n");
  changed = raw_get ("/iptv/xmltv.xml", stale);
  g_assert_true (g_str_has_prefix (changed, "HTTP/1.1 200"));

  /* the .gz is the same guide */
  url = g_strconcat (server->base_url, "/iptv/xmltv.xml.gz", NULL);
  msg = soup_message_new ("GET", url);
  gz = soup_session_send_and_read (server->session, msg, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  unzipped_len = (uLongf)strlen (body) + 16;
  unzipped = g_malloc (unzipped_len);
  z.next_in = (Bytef *)g_bytes_get_data (gz, NULL);
  z.avail_in = (uInt)g_bytes_get_size (gz);
  z.next_out = unzipped;
  z.avail_out = (uInt)unzipped_len;
  g_assert_cmpint (inflateInit2 (&z, 31), ==, Z_OK);
  g_assert_cmpint (inflate (&z, Z_FINISH), ==, Z_STREAM_END);
  inflateEnd (&z);
  g_assert_cmpmem (unzipped, z.total_out, body, strlen (body));
}

/* Accept-Encoding: gzip (issue 15, item 5): curl --compressed gets the
 * plain .xml URL compressed and decodes the very same guide; q=0 or no
 * header gets it plain. */
static void
test_guide_accept_encoding (void)
{
  g_autofree char *plain = raw_get ("/iptv/xmltv.xml", NULL);
  g_autofree char *refused = raw_get ("/iptv/xmltv.xml", "Accept-Encoding: gzip;q=0, identity\r\n");
  g_autofree char *dir = exs_test_make_temp_dir ();
  g_autofree char *out = g_build_filename (dir, "guide.xml", NULL);
  g_autofree char *url = g_strconcat (server->base_url, "/iptv/xmltv.xml", NULL);
  const char *curl[] = { "curl", "-s", "--compressed", "-D", "-", "-o", out, "-w", "size=%{size_download}\n", url, NULL };
  g_autofree char *headers = NULL;
  g_autofree char *got = NULL;
  gsize got_len = 0;
  const char *body = strstr (plain, "\r\n\r\n") + 4;
  const char *size;

  g_assert_null (strstr (plain, "Content-Encoding"));
  g_assert_null (strstr (refused, "Content-Encoding"));
  g_assert_cmpint (exs_test_run_command (curl, NULL, &headers), ==, 0);
  g_test_message ("%s", headers);
  g_assert_nonnull (strstr (headers, "Content-Encoding: gzip\r\n"));
  g_assert_nonnull (strstr (headers, "Vary: Accept-Encoding\r\n"));
  g_assert_true (g_file_get_contents (out, &got, &got_len, NULL));
  g_assert_cmpmem (got, got_len, body, strlen (body));
  size = strstr (headers, "size=");
  g_assert_nonnull (size);
  /* what went over the wire is the compressed body */
  g_assert_cmpint (g_ascii_strtoll (size + 5, NULL, 10), <, (gint64) strlen (body) / 3);
  exs_test_remove_tree (dir);
}

typedef struct
{
  guint pending;
  GPtrArray *etags;
} Burst;

static void
on_guide_read_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Burst *burst = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) body
      = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  SoupMessage *msg = soup_session_get_async_result_message (SOUP_SESSION (source), result);

  g_assert_no_error (error);
  g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  g_assert_cmpuint (g_bytes_get_size (body), >, 100);
  g_ptr_array_add (burst->etags, g_strdup (soup_message_headers_get_one (
                                     soup_message_get_response_headers (msg), "ETag")));
  burst->pending--;
}

/* With no cache every request builds in the worker; requests arriving during
 * a build wait for it, and all get the same guide. */
static void
test_guide_burst (void)
{
  const char *env[]
      = { "EXSTREAMTV_IPTV_GUIDE_CACHE_SECONDS=0", "EXSTREAMTV_IPTV_GUIDE_DAYS=14", NULL };
  g_autoptr (ExsTestServer) other = exs_test_server_start (NULL, NULL, env);
  g_autofree char *url = g_strconcat (other->base_url, "/iptv/xmltv.xml", NULL);
  Burst burst = { 0, g_ptr_array_new_with_free_func (g_free) };

  for (guint i = 0; i < 12; i++)
    {
      g_autoptr (SoupMessage) msg = soup_message_new ("GET", url);
      soup_session_send_and_read_async (other->session, msg, G_PRIORITY_DEFAULT, NULL,
                                        on_guide_read_cb, &burst);
      burst.pending++;
    }
  while (burst.pending > 0)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (burst.etags->len, ==, 12);
  for (guint i = 1; i < burst.etags->len; i++)
    g_assert_cmpstr (burst.etags->pdata[i], ==, burst.etags->pdata[0]);
  g_ptr_array_unref (burst.etags);
  g_assert_cmpint (exs_test_server_stop (other, NULL), ==, 0);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  server = exs_test_server_start (NULL, NULL, NULL);
  create_channel ("{\"number\": \"5\", \"name\": \"Tom & Jerry's \\\"Cartoon\\\", Network\", "
                  "\"group\": \"Kids, \\\"fun\\\"\"}");
  create_channel (
      "{\"number\": \"102\", \"name\": \"Café 📺 Ünïcode\", \"streaming_mode\": \"iptv\"}");
  create_channel ("{\"number\": \"150\", \"name\": \"One Fifty\"}");
  create_channel (
      "{\"number\": \"200\", \"name\": \"Only HDHomeRun\", \"streaming_mode\": \"hdhomerun\"}");
  create_channel ("{\"number\": \"300\", \"name\": \"Switched Off\", \"enabled\": false}");
  create_channel (
      "{\"number\": \"1984.1\", \"name\": \"Retro <1984>\", \"logo\": \"/logos/retro.png\"}");
  g_test_add_func ("/iptv/server/playlist-vlc-and-head", test_playlist);
  g_test_add_func ("/iptv/server/playlist-host", test_playlist_host);
  g_test_add_func ("/iptv/server/streams", test_streams);
  g_test_add_func ("/iptv/server/guide-validates-etag-gzip", test_guide);
  g_test_add_func ("/iptv/server/guide-accept-encoding-gzip", test_guide_accept_encoding);
  g_test_add_func ("/iptv/server/guide-burst", test_guide_burst);
  status = g_test_run ();
  exs_test_server_stop (server, NULL);
  exs_test_server_free (server);
  return status;
}
