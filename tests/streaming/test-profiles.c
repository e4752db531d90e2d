/* Profiles in the engine: a channel whose profile a user made (HEVC, 5.1
 * AC-3, a keyframe every second) sends what the profile says, read by real
 * clients: ffmpeg decodes it live across programme boundaries, ffprobe names
 * the codecs and finds the keyframes a second apart, and the TS checker finds
 * no continuity errors in the bytes a viewer (curl) received. */
#include "config.h"

#include "exs-channel-store.h"
#include "exs-engine-fixture.h"
#include "exs-profile-store.h"
#include "exs-ts-check.h"

#include <math.h>

#define ITEM_S 3.0
#define WATCH_S 11 /* stream time read: at least 3 boundaries between 3-s items */

static void
add_profile (ExsEngineFixture *f, const char *json)
{
  g_autoptr (ExsProfile) p = exs_profile_new ();
  g_autoptr (JsonNode) node = json_from_string (json, NULL);
  g_autoptr (GError) error = NULL;
  g_autofree char *field = NULL;

  g_assert_true (exs_profile_update_from_json (p, json_node_get_object (node), TRUE, &field, &error));
  g_assert_true (exs_channel_profile_check_support (p, &field, &error));
  g_assert_true (exs_profile_store_insert (f->db, p, &error));
  g_assert_no_error (error);
}

static void
set_channel_profile (ExsEngineFixture *f, const char *number, const char *profile)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ExsChannelRecord) r = exs_channel_store_get (f->db, number, &error);

  g_assert_no_error (error);
  g_free (r->profile);
  r->profile = g_strdup (profile);
  g_assert_true (exs_channel_store_update (f->db, number, r, &error));
  g_assert_no_error (error);
}

/* Four 3-s clips (H.264 + AAC, other sizes than the channel's) on a loop. */
static void
schedule_clips (ExsEngineFixture *f, const char *number)
{
  const char *const patterns[] = { "red", "green", "white", "blue" };
  char *paths[G_N_ELEMENTS (patterns) + 1] = { NULL };
  gint64 durations[G_N_ELEMENTS (patterns)];

  for (guint i = 0; i < G_N_ELEMENTS (patterns); i++)
    {
      g_autofree char *name = g_strdup_printf ("clip%u.mp4", i);
      g_autofree char *desc = NULL;

      paths[i] = g_build_filename (f->dir, name, NULL);
      desc = exs_test_clip_description (patterns[i], 640, 360, 25, 48000, 2, ITEM_S, "mp4", paths[i]);
      exs_test_make_media (desc, paths[i]);
      durations[i] = (gint64) (ITEM_S * G_USEC_PER_SEC);
    }
  exs_file_list_source_set_channel (f->source, number, (const char *const *) paths, durations,
                                    g_get_real_time () + G_USEC_PER_SEC);
  for (guint i = 0; i < G_N_ELEMENTS (patterns); i++)
    g_free (paths[i]);
}

static char *
probe (const char *ts, const char *const *args)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_auto (GStrv) argv = NULL;
  char *out = NULL;

  g_strv_builder_add_many (b, "ffprobe", "-v", "quiet", NULL);
  g_strv_builder_addv (b, (const char **) args);
  g_strv_builder_add_many (b, "-of", "csv=p=0", ts, NULL);
  argv = g_strv_builder_end (b);
  g_assert_cmpint (exs_test_run_async ((const char *const *) argv, &out), ==, 0);
  return out;
}

/* The keyframes' times of the capture's video, in order. */
static GArray *
keyframe_times (const char *ts)
{
  const char *const args[] = { "-select_streams", "v", "-show_entries", "packet=pts_time,flags", NULL };
  g_autofree char *out = probe (ts, args);
  g_auto (GStrv) lines = g_strsplit (out, "\n", -1);
  GArray *times = g_array_new (FALSE, FALSE, sizeof (double));

  for (guint i = 0; lines[i]; i++)
    {
      g_auto (GStrv) cols = g_strsplit (lines[i], ",", -1);
      double t;

      if (g_strv_length (cols) < 2 || cols[1][0] != 'K')
        continue;
      t = g_ascii_strtod (cols[0], NULL);
      g_array_append_val (times, t);
    }
  return times;
}

static void
test_hevc_ac3 (void)
{
  g_autoptr (ExsEngineFixture) f = exs_engine_fixture_new (NULL);
  g_autofree char *url = NULL;
  g_autofree char *ts = NULL;
  g_autofree char *errors = NULL;
  g_autofree char *streams = NULL;
  g_autofree char *watch = g_strdup_printf ("%d", WATCH_S);
  g_autofree char *max_time = g_strdup_printf ("%d", WATCH_S + 2);
  g_autoptr (GSubprocess) curl = NULL;
  g_autoptr (GArray) keys = NULL;
  ExsTsReport report;
  g_autoptr (GError) error = NULL;
  guint gaps = 0;

  add_profile (f, "{\"name\": \"Small HEVC\", \"width\": 320, \"height\": 240, \"fps\": 25, \"video_codec\": \"hevc\","
                  " \"video_bitrate_kbps\": 400, \"keyframe_interval\": 1, \"audio_codec\": \"ac3\","
                  " \"audio_channels\": \"5.1\", \"audio_bitrate_kbps\": 384}");
  exs_engine_fixture_add_channel (f, "7", TRUE);
  set_channel_profile (f, "7", "Small HEVC");
  schedule_clips (f, "7");
  url = exs_engine_fixture_url (f, "7");
  ts = g_build_filename (f->dir, "hevc.ts", NULL);

  /* two viewers at once: curl keeps the bytes as served, ffmpeg decodes
   * live and prints any decoding error */
  {
    const char *argv[] = { "curl", "-s", "-N", "--max-time", max_time, "-o", ts, url, NULL };
    curl = exs_test_spawn (argv);
  }
  {
    const char *argv[] = { "ffmpeg", "-v", "error", "-i", url, "-t", watch, "-f", "null", "-", NULL };
    g_assert_cmpint (exs_test_run_async (argv, &errors), ==, 0);
  }
  g_test_message ("ffmpeg said: \"%s\"", errors);
  g_assert_cmpstr (errors, ==, "");
  exs_test_wait (curl);

  g_assert_true (exs_ts_check_file (ts, &report, &error));
  g_assert_no_error (error);
  g_test_message ("%" G_GUINT64_FORMAT " packets, %.1f s of stream, cc errors %u", report.packets,
                  report.pcr_covered_s, report.cc_errors);
  g_assert_cmpfloat (report.pcr_covered_s, >=, 3 * ITEM_S);
  g_assert_cmpuint (report.sync_errors, ==, 0);
  g_assert_cmpuint (report.cc_errors, ==, 0);

  {
    const char *const args[] = { "-show_entries", "stream=codec_name,width,height,channels", NULL };
    streams = probe (ts, args);
  }
  g_test_message ("streams: %s", streams);
  g_assert_nonnull (strstr (streams, "hevc,320,240\n"));
  g_assert_nonnull (strstr (streams, "ac3,6\n"));

  /* the profile's keyframe interval, 1 s, between every two keyframes after
   * the first (the stream's start) */
  keys = keyframe_times (ts);
  g_assert_cmpuint (keys->len, >=, WATCH_S - 2);
  for (guint i = 2; i < keys->len; i++)
    {
      double gap = g_array_index (keys, double, i) - g_array_index (keys, double, i - 1);

      g_test_message ("keyframe at %.3f, %.3f s after the last", g_array_index (keys, double, i), gap);
      g_assert_cmpfloat (fabs (gap - 1.0), <, 0.05);
      gaps++;
    }
  g_assert_cmpuint (gaps, >=, WATCH_S - 4);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/streaming/profiles/hevc-ac3", test_hevc_ac3);
  return g_test_run ();
}
