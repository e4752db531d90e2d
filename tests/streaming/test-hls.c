/* HLS of a channel from its own pipeline: the real exstreamtv with --demo over
 * short generated clips; ffmpeg reads /iptv/channel/100.m3u8 with no error
 * while a .ts viewer watches the same channel (one channel start, one HLS
 * branch); the media sequence grows, the target duration never changes and
 * segments are on a 2 s keyframe cadence across item cuts, expired segments are
 * 404; HLS clients alone keep the channel running and it stops once they stop
 * fetching. In process: a pipeline rebuild keeps the media sequence going and
 * marks the join with #EXT-X-DISCONTINUITY. */
#include "config.h"

#include "exs-demo.h"
#include "exs-engine-fixture.h"
#include "exs-test-server.h"

#include <gst/gst.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static char *tmp;

static guint
count (const char *haystack, const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (haystack, needle); p; p = strstr (p + 1, needle))
    n++;
  return n;
}

static gint64
media_sequence (const char *playlist)
{
  const char *p = strstr (playlist, "#EXT-X-MEDIA-SEQUENCE:");

  g_assert_nonnull (p);
  return g_ascii_strtoll (p + strlen ("#EXT-X-MEDIA-SEQUENCE:"), NULL, 10);
}

/* EXT-X-TARGETDURATION is 2 in every read, every #EXTINF at most 2.5 s
 * (rounded, the target): adds them to @total and @n. Returns the last
 * segment's path. */
static char *
check_durations (const char *playlist, double *total, guint *n)
{
  g_auto (GStrv) lines = g_strsplit (playlist, "\n", -1);
  char *last = NULL;

  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix (lines[i], "#EXT-X-TARGETDURATION:"))
      g_assert_cmpstr (lines[i], ==, "#EXT-X-TARGETDURATION:2"); /* the playlist's whole life */
    else if (g_str_has_prefix (lines[i], "#EXTINF:"))
      {
        double seconds = g_ascii_strtod (lines[i] + strlen ("#EXTINF:"), NULL);

        g_assert_cmpfloat (seconds, >, 0.0);
        g_assert_cmpfloat (seconds, <=, 2.5);
        *total += seconds;
        (*n)++;
        g_assert_nonnull (lines[i + 1]);
        g_assert_true (g_str_has_prefix (lines[i + 1], "/iptv/channel/100/hls/segment"));
        g_free (last);
        last = g_strdup (lines[i + 1]);
      }
  g_assert_nonnull (last);
  return last;
}

static ExsTestReply *
get_playlist (ExsTestServer *s)
{
  gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
  ExsTestReply *r = exs_test_server_request (s, "GET", "/iptv/channel/100.m3u8", NULL, FALSE);

  /* 503 "no HLS segment yet; try again in a moment": a player tries again,
   * and so does the test (a busy machine may take a while to encode one) */
  while (r->status == 503 && g_get_monotonic_time () < deadline)
    {
      exs_test_reply_free (r);
      g_usleep (G_USEC_PER_SEC / 2);
      r = exs_test_server_request (s, "GET", "/iptv/channel/100.m3u8", NULL, FALSE);
    }
  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (r->headers, NULL), ==, "application/vnd.apple.mpegurl");
  g_assert_cmpstr (soup_message_headers_get_one (r->headers, "Cache-Control"), ==, "no-cache");
  return r;
}

static void
test_hls_from_the_channel_pipeline (void)
{
  const char *const args[] = { "--demo", NULL };
  const char *const env[] = { "EXSTREAMTV_CHANNELS_LINGER_SECONDS=1", NULL };
  g_autoptr (ExsTestServer) s = exs_test_server_start (tmp, args, env);
  g_autofree char *m3u8 = g_strdup_printf ("%s/iptv/channel/100.m3u8", s->base_url);
  g_autofree char *ts = g_strdup_printf ("%s/iptv/channel/100.ts", s->base_url);
  const char *ffmpeg[] = { "ffmpeg", "-nostdin", "-v", "error", "-i", m3u8, "-t", "8", "-f", "null", "-", NULL };
  const char *viewer[] = { "curl", "-s", "-o", "/dev/null", "-m", "10", ts, NULL };
  g_autoptr (GSubprocess) curl = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (ExsTestReply) first = NULL;
  g_autoptr (ExsTestReply) head = NULL;
  g_autoptr (ExsTestReply) missing = NULL;
  g_autofree char *out = NULL;
  g_autofree char *log = NULL;
  g_autofree char *last = NULL;
  g_autofree char *segment_path = NULL;
  g_autofree char *probe_out = NULL;
  gint64 t0, deadline, sequence = 0;
  gboolean gone = FALSE, stopped = FALSE;
  double total = 0;
  guint n_segments = 0;

  /* unknown channel; HEAD answers without starting anything */
  missing = exs_test_server_request (s, "GET", "/iptv/channel/999.m3u8", NULL, FALSE);
  g_assert_cmpuint (missing->status, ==, 404);
  head = exs_test_server_request (s, "HEAD", "/iptv/channel/100.m3u8", NULL, FALSE);
  g_assert_cmpuint (head->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (head->headers, NULL), ==, "application/vnd.apple.mpegurl");

  /* a .ts viewer and HLS of the same channel */
  curl = g_subprocess_newv (viewer, G_SUBPROCESS_FLAGS_NONE, &error);
  g_assert_no_error (error);
  t0 = g_get_monotonic_time ();
  first = get_playlist (s);
  /* how soon is bench/'s to measure; a loaded machine may take a while */
  g_test_message ("first playlist after %.2f s:\n%s", (g_get_monotonic_time () - t0) / 1e6, first->body);
  g_free (check_durations (first->body, &total, &n_segments));

  g_assert_cmpint (exs_test_run_command (ffmpeg, NULL, &out), ==, 0);
  g_test_message ("ffmpeg -v error said: [%s]", out);
  g_assert_cmpstr (out, ==, "");

  log = exs_test_server_read_log (s);
  g_assert_cmpuint (count (log, "channel 100 (Demo Mix) started"), ==, 1);
  g_assert_cmpuint (count (log, "channel 100: HLS from the channel's pipeline"), ==, 1);

  /* fetch like a player (every 2 s) until segment0 has expired; the .ts
   * viewer leaves meanwhile and the HLS client alone keeps the channel up */
  deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (!gone && g_get_monotonic_time () < deadline)
    {
      g_autoptr (ExsTestReply) r = get_playlist (s);
      g_autoptr (ExsTestReply) old = NULL;

      sequence = media_sequence (r->body);
      g_test_message ("%s", r->body);
      g_free (last);
      last = check_durations (r->body, &total, &n_segments);
      old = exs_test_server_request (s, "GET", "/iptv/channel/100/hls/segment0.ts", NULL, FALSE);
      g_assert_true (old->status == 200 || old->status == 404);
      gone = old->status == 404;
      if (!gone)
        g_usleep (2 * G_USEC_PER_SEC);
    }
  g_test_message ("MEDIA-SEQUENCE %" G_GINT64_FORMAT "; segment0 is gone: %d", sequence, gone);
  g_assert_true (gone);
  g_test_message ("mean segment %.2f s over %u playlist entries", total / n_segments, n_segments);
  g_assert_cmpfloat (total / n_segments, >=, 1.5);
  g_assert_cmpint (sequence, >, media_sequence (first->body));
  g_free (log);
  log = exs_test_server_read_log (s);
  g_assert_cmpuint (count (log, "channel 100 (Demo Mix) started"), ==, 1);
  g_assert_cmpuint (count (log, "channel 100 stopped"), ==, 0);

  /* the newest segment: MPEG-TS of ~2 s with video and audio */
  segment_path = g_build_filename (tmp, "segment.ts", NULL);
  {
    g_autofree char *url = g_strdup_printf ("%s%s", s->base_url, last);
    const char *fetch[] = { "curl", "-s", "-f", "-o", segment_path, url, NULL };
    const char *probe[] = { "ffprobe", "-v", "error", "-show_entries", "format=duration:stream=codec_name", "-of",
                            "csv=p=0", segment_path, NULL };
    double seconds;

    g_assert_cmpint (exs_test_run_command (fetch, NULL, NULL), ==, 0);
    g_assert_cmpint (exs_test_run_command (probe, NULL, &probe_out), ==, 0);
    g_test_message ("ffprobe %s: %s", last, probe_out);
    g_assert_nonnull (strstr (probe_out, "h264"));
    g_assert_nonnull (strstr (probe_out, "aac"));
    seconds = g_ascii_strtod (strrchr (g_strchomp (probe_out), '\n') + 1, NULL);
    g_assert_cmpfloat (seconds, >, 0.0);
    g_assert_cmpfloat (seconds, <=, 2.5);
  }

  /* nobody fetches any more: idle (10 s), linger (1 s), stopped (the
   * deadline is generous: the timers are the server's, on a busy machine) */
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (!stopped && g_get_monotonic_time () < deadline)
    {
      g_usleep (G_USEC_PER_SEC / 2);
      g_free (log);
      log = exs_test_server_read_log (s);
      stopped = count (log, "channel 100 stopped") == 1;
    }
  g_assert_true (stopped);
}

static guint
wait_for_segments (ExsHlsOutput *hls, guint64 sequence)
{
  gint64 deadline = g_get_monotonic_time () + 15 * G_USEC_PER_SEC;

  while (exs_hls_output_get_media_sequence (hls) < sequence && g_get_monotonic_time () < deadline)
    exs_test_iterate (0.1);
  return (guint) exs_hls_output_get_media_sequence (hls);
}

static void
test_rebuild_keeps_the_media_sequence (void)
{
  g_autoptr (ExsEngineFixture) f = exs_engine_fixture_new (NULL);
  g_autofree char *clip = g_build_filename (f->dir, "clip.mp4", NULL);
  g_autofree char *desc = exs_test_clip_description ("ball", 320, 180, 25, 48000, 2, 3.0, "mp4", clip);
  const char *paths[] = { clip, NULL };
  const gint64 durations[] = { 3 * G_USEC_PER_SEC };
  g_autoptr (GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  ExsChannel *channel;
  ExsHlsOutput *hls;
  guint n;

  exs_test_make_media (desc, clip);
  exs_engine_fixture_add_channel (f, "5", TRUE);
  exs_file_list_source_set_channel (f->source, "5", paths, durations, g_get_real_time ());
  channel = exs_channel_manager_ensure_channel (f->manager, "5", &error);
  g_assert_no_error (error);
  hls = exs_channel_ensure_hls (channel, &error);
  g_assert_no_error (error);
  g_assert_true (exs_channel_ensure_hls (channel, NULL) == hls);
  n = wait_for_segments (hls, 2);
  g_assert_cmpuint (n, >=, 2);
  before = exs_hls_output_dup_playlist (hls);
  g_assert_null (strstr (before, "#EXT-X-DISCONTINUITY\n"));

  /* what restart_pipeline() does: the same channel, a new pipeline */
  exs_channel_stop (channel);
  g_assert_true (exs_channel_start (channel, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (wait_for_segments (hls, n + 2), >=, n + 2);
  after = exs_hls_output_dup_playlist (hls);
  g_test_message ("before:\n%s\nafter the rebuild:\n%s", before, after);
  g_assert_cmpint (media_sequence (after), >=, media_sequence (before));
  /* the first segment of the new pipeline follows on, after a discontinuity */
  g_assert_nonnull (strstr (after, "#EXT-X-DISCONTINUITY\n#EXTINF:"));
  {
    g_autofree char *next = g_strdup_printf ("/iptv/channel/5/hls/segment%u.ts", n + 1);
    g_assert_nonnull (strstr (after, next));
  }
  g_assert_cmpuint (count (after, "#EXT-X-DISCONTINUITY\n"), ==, 1);
}

/* RFC 8216 and issue 15 item 4: over a channel changing programme every 3 s
 * (four clips of different patterns: a scene cut at every boundary), the
 * playlist's EXT-X-TARGETDURATION never changes and every segment is the
 * keyframe cadence, 2 s (none, rounded, above the target; none cut short at
 * a boundary). */
static void
test_fixed_cadence_across_programmes (void)
{
  g_autoptr (ExsEngineFixture) f = exs_engine_fixture_new (NULL);
  const char *patterns[] = { "ball", "smpte", "snow", "zone-plate" };
  g_autofree char *paths[G_N_ELEMENTS (patterns) + 1] = { NULL };
  gint64 durations[G_N_ELEMENTS (patterns)];
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *target = NULL;
  ExsChannel *channel;
  ExsHlsOutput *hls;
  gint64 deadline;
  guint boundaries;

  for (guint i = 0; i < G_N_ELEMENTS (patterns); i++)
    {
      g_autofree char *name = g_strdup_printf ("clip%u.mp4", i);
      g_autofree char *desc = NULL;
      paths[i] = g_build_filename (f->dir, name, NULL);
      desc = exs_test_clip_description (patterns[i], 320, 180, 25, 48000, 2, 3.0, "mp4", paths[i]);
      exs_test_make_media (desc, paths[i]);
      durations[i] = 3 * G_USEC_PER_SEC;
    }
  exs_engine_fixture_add_channel (f, "6", TRUE);
  exs_file_list_source_set_channel (f->source, "6", (const char **) paths, durations, g_get_real_time ());
  channel = exs_channel_manager_ensure_channel (f->manager, "6", &error);
  g_assert_no_error (error);
  hls = exs_channel_ensure_hls (channel, &error);
  g_assert_no_error (error);

  /* 12 segments: 24 s of channel, 8 programme boundaries */
  deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  while (exs_hls_output_get_media_sequence (hls) < 12 && g_get_monotonic_time () < deadline)
    {
      g_autofree char *playlist = NULL;
      g_auto (GStrv) lines = NULL;

      exs_test_iterate (0.5);
      if (exs_hls_output_get_media_sequence (hls) == 0)
        continue;
      playlist = exs_hls_output_dup_playlist (hls);
      lines = g_strsplit (playlist, "\n", -1);
      for (guint i = 0; lines[i]; i++)
        {
          if (g_str_has_prefix (lines[i], "#EXT-X-TARGETDURATION:"))
            {
              if (target == NULL)
                target = g_strdup (lines[i]);
              g_assert_cmpstr (lines[i], ==, target);
            }
          if (g_str_has_prefix (lines[i], "#EXTINF:") && lines[i + 1]
              && g_hash_table_add (seen, g_strdup (lines[i + 1])))
            {
              double seconds = g_ascii_strtod (lines[i] + strlen ("#EXTINF:"), NULL);
              g_test_message ("%s: %.3f s", lines[i + 1], seconds);
              g_assert_cmpfloat (seconds, <, 2.5); /* rounded, at most the target */
              if (!g_str_has_suffix (lines[i + 1], "/segment0.ts"))
                g_assert_cmpfloat (fabs (seconds - 2.0), <, 0.1);
            }
        }
    }
  g_assert_cmpstr (target, ==, "#EXT-X-TARGETDURATION:2");
  g_assert_cmpuint (exs_hls_output_get_media_sequence (hls), >=, 12);
  boundaries = g_hash_table_size (seen) * 2 / 3;
  g_test_message ("%u segments, about %u programme boundaries", g_hash_table_size (seen), boundaries);
  g_assert_cmpuint (boundaries, >=, 6);
}

int
main (int argc, char **argv)
{
  g_autofree char *demo = NULL;
  const ExsDemoClip *clips;
  guint n_clips;
  int status;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  tmp = exs_test_make_temp_dir ();
  demo = g_build_filename (tmp, "demo", NULL);
  g_assert_cmpint (g_mkdir_with_parents (demo, 0700), ==, 0);
  /* the demo's clips, made short and small: the server takes them as made */
  clips = exs_demo_get_clips (&n_clips);
  for (guint i = 0; i < n_clips; i++)
    {
      ExsDemoClip clip = clips[i];
      g_autofree char *path = g_build_filename (demo, clip.file_name, NULL);
      g_autoptr (GError) error = NULL;

      clip.width = 320;
      clip.height = 180;
      clip.seconds = 8; /* of their 20 s slots: few cuts, quick to make */
      /* avenc_aac can spin forever on the "ticks" wave when malloc'd memory
       * is perturbed (meson sets MALLOC_PERTURB_): seen here on 07 */
      clip.wave = "sine";
      g_assert_true (exs_demo_make_clip (&clip, path, NULL, &error));
      g_assert_no_error (error);
    }
  g_test_add_func ("/streaming/hls/from-the-channel-pipeline", test_hls_from_the_channel_pipeline);
  g_test_add_func ("/streaming/hls/rebuild-keeps-the-media-sequence", test_rebuild_keeps_the_media_sequence);
  g_test_add_func ("/streaming/hls/fixed-cadence-across-programmes", test_fixed_cadence_across_programmes);
  status = g_test_run ();
  exs_test_remove_tree (tmp);
  return status;
}
