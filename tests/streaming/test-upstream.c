/* test-upstream.c: upstream live channels relayed by the real engine.
 *
 * The upstream is made here: a live GStreamer pipeline (red test picture,
 * sine tone, H.264 854×480 + AAC, the 480p profile's size) feeding a libsoup
 * server on loopback two ways: /live.ts, a never-ending MPEG-TS sent in
 * chunks as the muxer makes them, and /hls/live.m3u8 with its segments,
 * written by hlssink2. The server counts each path's requests. Viewers are
 * curl processes on the channel's /iptv/ URL; ffprobe and ffmpeg judge what
 * they got.
 */
#include "config.h"

#include "exs-channel-manager.h"
#include "exs-channel-store.h"
#include "exs-engine-fixture.h"

#include <gst/app/gstappsink.h>
#include <libsoup/soup.h>
#include <math.h>

typedef struct
{
  SoupServer *server;
  guint port;
  char *dir;                /* the HLS segments */
  GstElement *pipeline;
  GPtrArray *ts_clients;    /* SoupServerMessage* (owned) streaming /live.ts */
  GHashTable *requests;     /* path -> count */
  GMutex lock;              /* guards pending */
  GQueue pending;           /* GBytes* of TS from the streaming thread */
} Upstream;

static void
on_ts_finished_cb (SoupServerMessage *msg, gpointer user_data)
{
  Upstream *up = user_data;

  g_ptr_array_remove (up->ts_clients, msg);
}

/* Main loop: hands the muxer's latest bytes to every /live.ts client. */
static gboolean
on_ts_data_cb (gpointer user_data)
{
  Upstream *up = user_data;
  GBytes *bytes;

  g_mutex_lock (&up->lock);
  while ((bytes = g_queue_pop_head (&up->pending)) != NULL)
    {
      g_mutex_unlock (&up->lock);
      for (guint i = 0; i < up->ts_clients->len; i++)
        {
          SoupServerMessage *msg = up->ts_clients->pdata[i];
          soup_message_body_append_bytes (soup_server_message_get_response_body (msg), bytes);
          soup_server_message_unpause (msg);
        }
      g_bytes_unref (bytes);
      g_mutex_lock (&up->lock);
    }
  g_mutex_unlock (&up->lock);
  return G_SOURCE_REMOVE;
}

/* Streaming thread of the upstream's appsink. */
static GstFlowReturn
on_ts_sample_cb (GstAppSink *sink, gpointer user_data)
{
  Upstream *up = user_data;
  g_autoptr (GstSample) sample = gst_app_sink_pull_sample (sink);
  GstBuffer *buf = sample ? gst_sample_get_buffer (sample) : NULL;
  GstMapInfo map;

  if (buf == NULL || !gst_buffer_map (buf, &map, GST_MAP_READ))
    return GST_FLOW_OK;
  g_mutex_lock (&up->lock);
  g_queue_push_tail (&up->pending, g_bytes_new (map.data, map.size));
  g_mutex_unlock (&up->lock);
  gst_buffer_unmap (buf, &map);
  g_idle_add (on_ts_data_cb, up);
  return GST_FLOW_OK;
}

static void
on_request_cb (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query, gpointer user_data)
{
  Upstream *up = user_data;
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

  g_hash_table_insert (up->requests, g_strdup (path),
                       GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (up->requests, path)) + 1));
  if (g_str_equal (path, "/live.ts"))
    {
      soup_server_message_set_status (msg, 200, NULL);
      soup_message_headers_set_content_type (headers, "video/mp2t", NULL);
      soup_message_headers_set_encoding (headers, SOUP_ENCODING_CHUNKED);
      soup_message_body_set_accumulate (soup_server_message_get_response_body (msg), FALSE);
      g_ptr_array_add (up->ts_clients, g_object_ref (msg));
      g_signal_connect (msg, "finished", G_CALLBACK (on_ts_finished_cb), up);
      soup_server_message_pause (msg);
      return;
    }
  if (g_str_has_prefix (path, "/hls/") && strchr (path + 5, '/') == NULL && path[5] != '.')
    {
      g_autofree char *file = g_build_filename (up->dir, path + 5, NULL);
      char *data = NULL;
      gsize len;

      if (g_file_get_contents (file, &data, &len, NULL))
        {
          soup_server_message_set_response (msg,
                                            g_str_has_suffix (path, ".m3u8") ? "application/vnd.apple.mpegurl"
                                                                             : "video/mp2t",
                                            SOUP_MEMORY_TAKE, data, len);
          soup_server_message_set_status (msg, 200, NULL);
          return;
        }
    }
  soup_server_message_set_status (msg, 404, NULL);
}

static void
upstream_listen (Upstream *up)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSList) uris = NULL;

  g_assert_true (soup_server_listen_local (up->server, up->port, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (up->server);
  up->port = (guint) g_uri_get_port (uris->data);
  g_slist_free_full (g_steal_pointer (&uris), (GDestroyNotify) g_uri_unref);
}

static Upstream *
upstream_new (const char *dir)
{
  Upstream *up = g_new0 (Upstream, 1);
  g_autoptr (GError) error = NULL;
  g_autofree char *desc = NULL;
  g_autoptr (GstElement) sink = NULL;
  GstAppSinkCallbacks callbacks = { .new_sample = on_ts_sample_cb };

  up->dir = g_build_filename (dir, "upstream-hls", NULL);
  g_assert_cmpint (g_mkdir_with_parents (up->dir, 0700), ==, 0);
  up->ts_clients = g_ptr_array_new_with_free_func (g_object_unref);
  up->requests = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_mutex_init (&up->lock);
  desc = g_strdup_printf (
      "videotestsrc is-live=true pattern=red ! video/x-raw,format=I420,width=854,height=480,framerate=30/1 "
      "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 bitrate=600 threads=1 ! h264parse "
      "! tee name=vt "
      "audiotestsrc is-live=true samplesperbuffer=1024 ! audio/x-raw,rate=48000,channels=2 ! audioconvert "
      "! avenc_aac ! aacparse ! tee name=at "
      "vt. ! queue ! mux. at. ! queue ! mux. mpegtsmux name=mux alignment=7 ! appsink name=ts sync=false "
      "vt. ! queue ! hls.video at. ! queue ! hls.audio "
      "hlssink2 name=hls location=%s/seg%%05d.ts playlist-location=%s/live.m3u8 target-duration=1 "
      "max-files=30 playlist-length=5",
      up->dir, up->dir);
  up->pipeline = gst_parse_launch_full (desc, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &error);
  g_assert_no_error (error);
  sink = gst_bin_get_by_name (GST_BIN (up->pipeline), "ts");
  gst_app_sink_set_callbacks (GST_APP_SINK (sink), &callbacks, up, NULL);
  gst_element_set_state (up->pipeline, GST_STATE_PLAYING);

  up->server = soup_server_new (NULL, NULL);
  soup_server_add_handler (up->server, NULL, on_request_cb, up, NULL);
  upstream_listen (up);
  return up;
}

/* The upstream goes away: its live viewers' connections are cut and new
 * ones are refused (nothing listens on its port). */
static void
upstream_kill (Upstream *up)
{
  g_autoptr (GPtrArray) clients = g_ptr_array_copy (up->ts_clients, (GCopyFunc) g_object_ref, NULL);

  g_ptr_array_set_free_func (clients, g_object_unref);
  for (guint i = 0; i < clients->len; i++)
    {
      g_autoptr (GIOStream) io = soup_server_message_steal_connection (clients->pdata[i]);
      if (io)
        g_io_stream_close (io, NULL, NULL);
      g_ptr_array_remove (up->ts_clients, clients->pdata[i]);
    }
  soup_server_disconnect (up->server);
}

static void
upstream_free (Upstream *up)
{
  gst_element_set_state (up->pipeline, GST_STATE_NULL);
  gst_object_unref (up->pipeline);
  soup_server_disconnect (up->server);
  g_object_unref (up->server);
  g_ptr_array_unref (up->ts_clients);
  g_hash_table_unref (up->requests);
  g_queue_clear_full (&up->pending, (GDestroyNotify) g_bytes_unref);
  g_mutex_clear (&up->lock);
  g_free (up->dir);
  g_free (up);
}

static guint
upstream_requests (Upstream *up, const char *path)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (up->requests, path));
}

static void
add_upstream_channel (ExsEngineFixture *f, const char *number, const char *url, const char *transcode_mode)
{
  g_autoptr (ExsChannelRecord) r = exs_channel_record_new ();
  g_autoptr (GError) error = NULL;

  r->number = g_strdup (number);
  g_free (r->name);
  r->name = g_strdup_printf ("Upstream %s", number);
  g_free (r->profile);
  r->profile = g_strdup ("480p");
  g_free (r->transcode_mode);
  r->transcode_mode = g_strdup (transcode_mode);
  r->upstream_url = g_strdup (url);
  g_assert_true (exs_channel_store_insert (f->db, r, &error));
  g_assert_no_error (error);
}

/* Waits with the main loop running until @cond holds. */
#define WAIT_FOR(cond, seconds)                                                      \
  G_STMT_START                                                                       \
  {                                                                                  \
    gint64 deadline_ = g_get_monotonic_time () + (gint64) ((seconds) * G_USEC_PER_SEC); \
    while (!(cond))                                                                  \
      {                                                                              \
        if (g_get_monotonic_time () > deadline_)                                     \
          g_error ("timed out waiting for %s", #cond);                               \
        exs_test_iterate (0.05);                                                     \
      }                                                                              \
  }                                                                                  \
  G_STMT_END

/* A viewer: curl reading the channel for @seconds into @path. */
static GSubprocess *
viewer_start (ExsEngineFixture *f, const char *number, double seconds, const char *path)
{
  g_autofree char *url = exs_engine_fixture_url (f, number);
  g_autofree char *limit = g_strdup_printf ("%.1f", seconds);
  const char *argv[] = { "curl", "-s", "-N", "--max-time", limit, "-o", path, url, NULL };

  return exs_test_spawn (argv);
}

/* Cuts a capture before its last unit start (a hung-up viewer gets its last
 * frame cut short, which a decoder rightly reports). */
static void
keep_whole_units (const char *path)
{
  g_autofree guint8 *data = NULL;
  gsize len, keep = 0;

  g_assert_true (g_file_get_contents (path, (char **) &data, &len, NULL));
  for (gsize off = 0; off + 188 <= len && data[off] == 0x47; off += 188)
    if (data[off + 1] & 0x40)
      keep = off;
  g_assert_true (g_file_set_contents (path, (const char *) data, (gssize) keep, NULL));
}

/* ffmpeg's complaints about @errors, less those of its own timestamp
 * correction at a rebuilt pipeline's one discontinuity (its timestamps
 * restart: "non monotonically increasing dts to muxer", at most one per
 * stream and rebuild) when @rebuilds allows them. */
static char *
decode_complaints (const char *errors, guint rebuilds)
{
  g_auto (GStrv) lines = g_strsplit (errors ? errors : "", "\n", -1);
  GString *left = g_string_new (NULL);
  guint corrected = 0;

  for (guint i = 0; lines[i]; i++)
    {
      if (*lines[i] == '\0')
        continue;
      if (strstr (lines[i], "non monotonically increasing dts to muxer") && corrected < 2 * rebuilds)
        {
          corrected++;
          continue;
        }
      g_string_append_printf (left, "%s\n", lines[i]);
    }
  return g_string_free (left, FALSE);
}

/* ffmpeg decodes all of @path without a complaint (@rebuilds: see
 * decode_complaints()); ffprobe finds H.264 and AAC and at least
 * @min_seconds of video. */
static void
assert_decodes_cleanly (const char *path, double min_seconds, guint rebuilds)
{
  const char *decode[] = { "ffmpeg", "-v", "error", "-i", path, "-f", "null", "-", NULL };
  const char *probe[] = { "ffprobe", "-v", "error", "-show_entries", "stream=codec_name:format=duration",
                          "-of", "default=nw=1", path, NULL };
  g_autofree char *errors = NULL;
  g_autofree char *facts = NULL;
  const char *duration;

  keep_whole_units (path);
  g_assert_cmpint (exs_test_run_async (decode, &errors), ==, 0);
  if (errors && *errors)
    g_test_message ("%s: %s", path, errors);
  {
    g_autofree char *left = decode_complaints (errors, rebuilds);
    g_assert_cmpstr (left, ==, "");
  }
  g_assert_cmpint (exs_test_run_async (probe, &facts), ==, 0);
  g_test_message ("%s: %s", path, facts);
  g_assert_nonnull (strstr (facts, "codec_name=h264"));
  g_assert_nonnull (strstr (facts, "codec_name=aac"));
  duration = strstr (facts, "duration=");
  g_assert_nonnull (duration);
  g_assert_cmpfloat (g_ascii_strtod (duration + 9, NULL), >=, min_seconds);
}

/* Three viewers at once on one upstream channel; returns when they are done. */
static void
watch_three (ExsEngineFixture *f, const char *number, double seconds)
{
  GSubprocess *viewers[3];

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("viewer%u.ts", i);
      g_autofree char *path = g_build_filename (f->dir, name, NULL);
      viewers[i] = viewer_start (f, number, seconds, path);
    }
  for (guint i = 0; i < 3; i++)
    {
      exs_test_wait (viewers[i]);
      g_object_unref (viewers[i]);
    }
  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *name = g_strdup_printf ("viewer%u.ts", i);
      g_autofree char *path = g_build_filename (f->dir, name, NULL);
      assert_decodes_cleanly (path, seconds / 3, 0);
    }
}

/* A TS upstream whose streams fit the channel: remuxed, one connection for
 * three viewers, each of whom gets a clean stream. */
static void
test_ts_one_connection (void)
{
  g_autoptr (ExsEngineFixture) f = exs_engine_fixture_new (NULL);
  Upstream *up = upstream_new (f->dir);
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/live.ts", up->port);
  ExsChannel *channel;

  add_upstream_channel (f, "70", url, "auto");
  watch_three (f, "70", 10);
  g_assert_cmpuint (upstream_requests (up, "/live.ts"), ==, 1);
  channel = exs_channel_manager_get_channel (f->manager, "70");
  g_assert_nonnull (channel);
  g_assert_true (exs_channel_is_remuxing (channel)); /* H.264 854×480 + AAC fits 480p */
  upstream_free (up);
}

/* An HLS upstream: every segment is fetched once, and the playlist as often
 * as one client refreshes it, for three viewers. */
static void
test_hls_one_connection (void)
{
  g_autoptr (ExsEngineFixture) f = exs_engine_fixture_new (NULL);
  Upstream *up = upstream_new (f->dir);
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/hls/live.m3u8", up->port);
  g_autofree char *playlist = g_build_filename (up->dir, "live.m3u8", NULL);
  GHashTableIter iter;
  gpointer key, value;
  guint segments = 0;
  gint64 started;

  WAIT_FOR (g_file_test (playlist, G_FILE_TEST_EXISTS), 30); /* hlssink2 has a first segment */
  exs_test_iterate (2.0);
  add_upstream_channel (f, "71", url, "transcode");
  started = g_get_monotonic_time ();
  watch_three (f, "71", 12);
  g_hash_table_iter_init (&iter, up->requests);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_test_message ("%s: %u", (char *) key, GPOINTER_TO_UINT (value));
      if (g_str_has_suffix (key, ".ts"))
        {
          g_assert_cmpuint (GPOINTER_TO_UINT (value), ==, 1);
          segments++;
        }
    }
  g_assert_cmpuint (segments, >=, 5);
  /* one client refreshes a 1 s playlist about once a second */
  g_assert_cmpuint (upstream_requests (up, "/hls/live.m3u8"), <=,
                    (g_get_monotonic_time () - started) / G_USEC_PER_SEC + 6);
  upstream_free (up);
}

typedef struct
{
  double pts;
  gboolean slate; /* else the upstream's red */
} Frame;

/* Each video frame of @ts: its time and whether it is the slate (0x102a5a)
 * rather than red, from its average colour (ffprobe's signalstats). */
static GArray *
read_frames (const char *ts)
{
  g_autofree char *graph = g_strdup_printf ("movie=%s,scale=16:16,signalstats", ts);
  const char *argv[] = { "ffprobe", "-v", "error", "-f", "lavfi", "-i", graph, "-show_entries",
                         "frame=pts_time:frame_tags=lavfi.signalstats.YAVG,lavfi.signalstats.VAVG",
                         "-of", "csv=p=0", NULL };
  g_autofree char *out = NULL;
  g_auto (GStrv) lines = NULL;
  GArray *frames = g_array_new (FALSE, FALSE, sizeof (Frame));

  g_assert_cmpint (exs_test_run_async (argv, &out), ==, 0);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      g_auto (GStrv) cols = g_strsplit (lines[i], ",", -1);
      Frame fr;

      if (g_strv_length (cols) < 3)
        continue;
      fr.pts = g_ascii_strtod (cols[0], NULL);
      /* red: V about 240; the slate: V about 113 */
      fr.slate = g_ascii_strtod (cols[2], NULL) < 180;
      g_array_append_val (frames, fr);
    }
  return frames;
}

static void
on_recovered_cb (ExsChannel *channel, gpointer item, gpointer user_data)
{
  (*(guint *) user_data)++;
}

/* The error screen's text is drawn only while it shows: under the
 * programme it is silent (a pass-through, issue 21). */
static void
assert_slate_text_silent (ExsChannel *channel, gboolean silent)
{
  GstElement *pipeline = exs_channel_get_pipeline (channel);
  g_autoptr (GstElement) text = pipeline ? gst_bin_get_by_name (GST_BIN (pipeline), "slatetext") : NULL;
  gboolean value = !silent;

  if (text == NULL)
    return; /* the remux path: no slate */
  g_object_get (text, "silent", &value, NULL);
  g_assert_cmpint (value, ==, silent);
}

/* Killing the upstream shows the error screen within 0.5 s; the channel
 * reconnects (with backoff) and plays the upstream again once it is back;
 * the viewer's stream goes on through all of it and decodes cleanly. */
static void
kill_and_recover (const char *number, const char *mode)
{
  const char *const overrides[] = { "upstream", "reconnect_initial_ms", "500", "upstream", "reconnect_max_ms", "2000",
                                    NULL };
  g_autoptr (ExsEngineFixture) f = exs_engine_fixture_new (overrides);
  Upstream *up = upstream_new (f->dir);
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/live.ts", up->port);
  g_autofree char *path = g_build_filename (f->dir, "kill.ts", NULL);
  g_autoptr (GSubprocess) viewer = NULL;
  g_autoptr (GArray) frames = NULL;
  ExsChannel *channel = NULL;
  gint64 killed_us, back_us, t0;
  guint recovered = 0, red_before = 0, red_after = 0, first = 0;
  double first_slate_s = -1;

  add_upstream_channel (f, number, url, mode);
  viewer = viewer_start (f, number, 28, path);
  WAIT_FOR ((channel = exs_channel_manager_get_channel (f->manager, number)) != NULL, 30);
  g_signal_connect (channel, "source-recovered", G_CALLBACK (on_recovered_cb), &recovered);
  WAIT_FOR (exs_channel_get_state (channel) == EXS_CHANNEL_PROGRAMME, 30);
  assert_slate_text_silent (channel, TRUE);
  exs_test_iterate (3.0);

  killed_us = g_get_real_time ();
  upstream_kill (up);
  WAIT_FOR (exs_channel_get_state (channel) == EXS_CHANNEL_ERROR_SCREEN, 5);
  assert_slate_text_silent (channel, FALSE);
  /* down longer than a file's two retries last: only the upstream's
   * endless backoff (0.5 s, 1 s, 2 s, 2 s, …) brings it back */
  exs_test_iterate (10.0);
  upstream_listen (up);
  back_us = g_get_real_time ();
  WAIT_FOR (recovered > 0 && exs_channel_get_state (channel) == EXS_CHANNEL_PROGRAMME, 30);
  g_assert_cmpuint (upstream_requests (up, "/live.ts"), >=, 2);
  exs_test_wait (viewer);

  /* remuxed, the error screen needs the encoder: a rebuild, and one back
   * to the remux path once the upstream plays well again */
  assert_decodes_cleanly (path, 8, g_str_equal (mode, "auto") ? 2 : 0);
  t0 = exs_channel_get_epoch_us (channel);
  frames = read_frames (path);
  /* a rebuilt pipeline restarts its timestamps once (the remux path falls
   * back to encoding for the error screen): the frames before that are the
   * old pipeline's, from before the kill; the epoch is the new one's */
  for (guint i = 1; i < frames->len; i++)
    if (g_array_index (frames, Frame, i).pts < g_array_index (frames, Frame, i - 1).pts - 1.0)
      first = i;
  for (guint i = 0; i < first; i++)
    red_before += !g_array_index (frames, Frame, i).slate;
  for (guint i = first; i < frames->len; i++)
    {
      Frame *fr = &g_array_index (frames, Frame, i);
      gint64 wall = t0 + (gint64) ((fr->pts - 3600.0) * G_USEC_PER_SEC);

      if (wall < killed_us)
        red_before += !fr->slate;
      else if (wall < back_us)
        {
          if (fr->slate && first_slate_s < 0)
            first_slate_s = (wall - killed_us) / 1e6;
        }
      else
        red_after += !fr->slate;
    }
  g_test_message ("red before the kill: %u frames; first slate %.3f s after it; red after: %u; rebuilt: %s",
                  red_before, first_slate_s, red_after, first > 0 ? "yes" : "no");
  g_assert_cmpuint (red_before, >, 30);
  g_assert_cmpfloat (first_slate_s, >=, 0);
  g_assert_cmpfloat (first_slate_s, <, 0.5);
  g_assert_cmpuint (red_after, >, 30);
  upstream_free (up);
}

static void
test_kill_and_recover (void)
{
  kill_and_recover ("72", "transcode");
}

/* The same on the remux path: the error screen needs the encoder, so the
 * channel falls back to encoding for it, as fast. */
static void
test_remux_kill_and_recover (void)
{
  kill_and_recover ("73", "auto");
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/streaming/upstream/ts-one-connection-three-viewers", test_ts_one_connection);
  g_test_add_func ("/streaming/upstream/hls-one-connection-three-viewers", test_hls_one_connection);
  g_test_add_func ("/streaming/upstream/kill-shows-error-screen-and-recovers", test_kill_and_recover);
  g_test_add_func ("/streaming/upstream/remux-kill-shows-error-screen-and-recovers", test_remux_kill_and_recover);
  return g_test_run ();
}
