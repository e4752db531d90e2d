/* The demo lineup: the clip table covers the formats the issue names, clips
 * come out as described (checked with GstDiscoverer), and the demo channels
 * are added once. */
#include "config.h"

#include "exs-channel-store.h"
#include "exs-demo.h"
#include "exs-test-server.h"

#include <gst/pbutils/pbutils.h>
#include <string.h>

static void
test_table_covers_formats (void)
{
  guint n;
  const ExsDemoClip *c = exs_demo_get_clips (&n);
  gboolean mp4 = FALSE, mkv = FALSE, hd1080 = FALSE, hd720 = FALSE, fps25 = FALSE, fps30 = FALSE, silent = FALSE,
           mono = FALSE, rate44 = FALSE, rate48 = FALSE;

  g_assert_cmpuint (n, ==, 12);
  for (guint i = 0; i < n; i++)
    {
      mp4 |= g_str_equal (c[i].container, "mp4");
      mkv |= g_str_equal (c[i].container, "mkv");
      hd1080 |= c[i].height == 1080;
      hd720 |= c[i].height == 720;
      fps25 |= c[i].fps == 25;
      fps30 |= c[i].fps == 30;
      silent |= c[i].audio_rate == 0;
      mono |= c[i].audio_channels == 1;
      rate44 |= c[i].audio_rate == 44100;
      rate48 |= c[i].audio_rate == 48000;
    }
  g_assert_true (mp4 && mkv && hd1080 && hd720 && fps25 && fps30 && silent && mono && rate44 && rate48);
}

static void
check_clip (const ExsDemoClip *clip, const char *dir)
{
  g_autofree char *path = g_build_filename (dir, clip->file_name, NULL);
  g_autofree char *uri = g_filename_to_uri (path, NULL, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (GstDiscoverer) disc = gst_discoverer_new (30 * GST_SECOND, &error);
  g_autoptr (GstDiscovererInfo) info = NULL;
  GList *video, *audio;
  GstDiscovererVideoInfo *v;
  g_autofree char *container = NULL;
  g_autoptr (GstCaps) vcaps = NULL;
  double seconds;

  g_assert_true (exs_demo_make_clip (clip, path, NULL, &error));
  g_assert_no_error (error);
  info = gst_discoverer_discover_uri (disc, uri, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gst_discoverer_info_get_result (info), ==, GST_DISCOVERER_OK);

  seconds = (double) gst_discoverer_info_get_duration (info) / GST_SECOND;
  g_assert_cmpfloat_with_epsilon (seconds, clip->seconds, 0.5);
  {
    GstDiscovererStreamInfo *top = gst_discoverer_info_get_stream_info (info);
    g_autoptr (GstCaps) caps = gst_discoverer_stream_info_get_caps (top);
    container = gst_caps_to_string (caps);
    gst_discoverer_stream_info_unref (top);
  }
  g_assert_nonnull (strstr (container, g_str_equal (clip->container, "mkv") ? "matroska" : "quicktime"));

  video = gst_discoverer_info_get_video_streams (info);
  g_assert_cmpuint (g_list_length (video), ==, 1);
  v = video->data;
  g_assert_cmpuint (gst_discoverer_video_info_get_width (v), ==, (guint) clip->width);
  g_assert_cmpuint (gst_discoverer_video_info_get_height (v), ==, (guint) clip->height);
  g_assert_cmpuint (gst_discoverer_video_info_get_framerate_num (v), ==, (guint) clip->fps);
  vcaps = gst_discoverer_stream_info_get_caps (GST_DISCOVERER_STREAM_INFO (v));
  g_assert_true (g_str_has_prefix (gst_structure_get_name (gst_caps_get_structure (vcaps, 0)), "video/x-h264"));
  gst_discoverer_stream_info_list_free (video);

  audio = gst_discoverer_info_get_audio_streams (info);
  if (clip->audio_rate == 0)
    g_assert_cmpuint (g_list_length (audio), ==, 0);
  else
    {
      GstDiscovererAudioInfo *a;
      g_assert_cmpuint (g_list_length (audio), ==, 1);
      a = audio->data;
      g_assert_cmpuint (gst_discoverer_audio_info_get_sample_rate (a), ==, (guint) clip->audio_rate);
      g_assert_cmpuint (gst_discoverer_audio_info_get_channels (a), ==, (guint) clip->audio_channels);
    }
  gst_discoverer_stream_info_list_free (audio);
}

static void
test_clips_as_described (void)
{
  g_autofree char *dir = exs_test_make_temp_dir ();
  guint n;
  const ExsDemoClip *c = exs_demo_get_clips (&n);

  for (guint i = 0; i < n; i++)
    {
      /* the 1080p one, the one without audio, a mono 44.1 kHz MKV at 25 fps */
      if (c[i].height == 1080 || c[i].audio_rate == 0 || (c[i].audio_channels == 1 && c[i].audio_rate == 44100))
        check_clip (&c[i], dir);
    }
  exs_test_remove_tree (dir);
}

/* A clip GStreamer cannot make is one EXS_DEMO_ERROR_CLIP naming the clip,
 * whether the description is refused (a pattern videotestsrc does not have:
 * FATAL_ERRORS, no half-built pipeline) or the pipeline fails while running
 * (a directory that does not exist), and leaves no file behind. */
static void
test_clip_errors (void)
{
  g_autofree char *dir = exs_test_make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "x.mp4", NULL);
  g_autofree char *part = g_build_filename (dir, "x.mp4.part", NULL);
  g_autofree char *nowhere = g_build_filename (dir, "missing", "x.mp4", NULL);
  guint n;
  ExsDemoClip clip = exs_demo_get_clips (&n)[0];

  clip.seconds = 1;
  {
    g_autoptr (GError) error = NULL;
    ExsDemoClip bad = clip;

    bad.pattern = "no-such-pattern";
    g_assert_false (exs_demo_make_clip (&bad, path, NULL, &error));
    g_assert_error (error, EXS_DEMO_ERROR, EXS_DEMO_ERROR_CLIP);
    g_assert_nonnull (strstr (error->message, clip.file_name));
  }
  {
    g_autoptr (GError) error = NULL;

    g_assert_false (exs_demo_make_clip (&clip, nowhere, NULL, &error));
    g_assert_error (error, EXS_DEMO_ERROR, EXS_DEMO_ERROR_CLIP);
  }
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
  exs_test_remove_tree (dir);
}

static void
test_cancel (void)
{
  g_autofree char *dir = exs_test_make_temp_dir ();
  g_autofree char *path = g_build_filename (dir, "x.mp4", NULL);
  g_autofree char *part = g_build_filename (dir, "x.mp4.part", NULL);
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  guint n;

  g_cancellable_cancel (cancel);
  g_assert_false (exs_demo_make_clip (&exs_demo_get_clips (&n)[0], path, cancel, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
  exs_test_remove_tree (dir);
}

static void
test_channels_added_once (void)
{
  g_autofree char *dir = exs_test_make_temp_dir ();
  g_autofree char *db_path = g_build_filename (dir, "t.db", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (ExsDatabase) db = exs_database_open (db_path, &error);
  guint n;

  exs_demo_get_channels (&n);
  g_assert_cmpuint (exs_demo_create_channels (db, &error), ==, n);
  g_assert_cmpuint (exs_demo_create_channels (db, &error), ==, 0);
  g_assert_cmpint (exs_channel_store_count (db), ==, n);
  exs_database_close (db);
  exs_test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/demo/clip-table-covers-the-formats", test_table_covers_formats);
  g_test_add_func ("/demo/clips-come-out-as-described", test_clips_as_described);
  g_test_add_func ("/demo/cancelled-clip-leaves-nothing", test_cancel);
  g_test_add_func ("/demo/failed-clip-is-one-demo-error", test_clip_errors);
  g_test_add_func ("/demo/channels-added-once", test_channels_added_once);
  return g_test_run ();
}
