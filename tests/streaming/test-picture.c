/* What a channel does to its items' pictures (issue 20), end to end: the
 * real engine and HTTP server in this process (exs-engine-fixture), clips
 * made here with GStreamer, and ffmpeg decoding what a viewer gets from
 * /iptv/channel/N.ts, checked pixel by pixel: the watermark's corner and
 * its absence on filler, deinterlacing (ffmpeg's idet on the output),
 * fit / crop / stretch, and a channel's own error screen. */
#include "config.h"

#include "exs-channel-store.h"
#include "exs-channel-watermark.h"
#include "exs-engine-fixture.h"

#include <gst/gst.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define W 854 /* the 480p profile */
#define H 480

/* ---- a playout that calls items of files named *filler* filler ---- */

#define TEST_TYPE_KIND_SOURCE (test_kind_source_get_type ())
G_DECLARE_FINAL_TYPE (TestKindSource, test_kind_source, TEST, KIND_SOURCE, GObject)

struct _TestKindSource
{
  GObject parent_instance;
  ExsPlayoutSource *inner;
};

static void test_kind_source_iface_init (ExsPlayoutSourceInterface *iface);
G_DEFINE_TYPE_WITH_CODE (TestKindSource, test_kind_source, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (EXS_TYPE_PLAYOUT_SOURCE, test_kind_source_iface_init))

static void
mark_filler (ExsPlayoutItem *item)
{
  if (item && item->uri && strstr (item->uri, "filler"))
    item->kind = EXS_PLAYOUT_ITEM_FILLER;
}

static ExsPlayoutItem *
kind_lookup (ExsPlayoutSource *source, const char *number, gint64 at_us, GError **error)
{
  ExsPlayoutItem *item = exs_playout_source_lookup (TEST_KIND_SOURCE (source)->inner, number, at_us, error);

  mark_filler (item);
  return item;
}

static GPtrArray *
kind_list (ExsPlayoutSource *source, const char *number, gint64 from_us, gint64 to_us, GError **error)
{
  GPtrArray *items = exs_playout_source_list (TEST_KIND_SOURCE (source)->inner, number, from_us, to_us, error);

  for (guint i = 0; items && i < items->len; i++)
    mark_filler (items->pdata[i]);
  return items;
}

static void
test_kind_source_iface_init (ExsPlayoutSourceInterface *iface)
{
  iface->lookup = kind_lookup;
  iface->list = kind_list;
}

static void
test_kind_source_finalize (GObject *object)
{
  g_clear_object (&TEST_KIND_SOURCE (object)->inner);
  G_OBJECT_CLASS (test_kind_source_parent_class)->finalize (object);
}

static void
test_kind_source_class_init (TestKindSourceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_kind_source_finalize;
}

static void
test_kind_source_init (TestKindSource *self)
{
}

/* ---- helpers ---- */

/* Sets channel @number's media fields from JSON, as the API would. */
static void
set_media (ExsEngineFixture *f, const char *number, const char *json)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ExsChannelRecord) r = exs_channel_store_get (f->db, number, &error);
  g_autoptr (JsonNode) node = json_from_string (json, &error);

  g_assert_no_error (error);
  g_assert_true (exs_channel_media_update_from_json (r->media, json_node_get_object (node), &error));
  g_assert_no_error (error);
  g_assert_true (exs_channel_store_update (f->db, number, r, &error));
}

typedef struct
{
  guint n;
  guint8 *rgb; /* n frames of W × H × 3 */
} Frames;

static void
frames_free (Frames *fr)
{
  g_free (fr->rgb);
  g_free (fr);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (Frames, frames_free)

/* @seconds of channel @number as a viewer gets it, saved to @name. */
static char *
capture (ExsEngineFixture *f, const char *number, double seconds, const char *name)
{
  g_autofree char *url = exs_engine_fixture_url (f, number);
  g_autofree char *t = g_strdup_printf ("%.1f", seconds);
  char *path = g_build_filename (f->dir, name, NULL);
  const char *argv[] = { "ffmpeg", "-v", "error", "-y", "-rw_timeout", "60000000", "-i", url, "-t", t, "-c", "copy",
                         "-f", "mpegts", path, NULL };
  g_autofree char *out = NULL;

  if (exs_test_run_async (argv, &out) != 0)
    g_error ("capturing %s: %s", url, out);
  return path;
}

/* Starts channel @number and waits until its programme plays: on a loaded
 * machine (the suite's two tests at once) an item can miss its 2 s to
 * start and is retried, and a short capture of the first seconds would
 * then end on the error screen, which is not what these tests look at. */
static void
wait_for_programme (ExsEngineFixture *f, const char *number)
{
  g_autoptr (GError) error = NULL;
  ExsChannel *channel = exs_channel_manager_ensure_channel (f->manager, number, &error);
  gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;

  g_assert_no_error (error);
  while (exs_channel_get_state (channel) != EXS_CHANNEL_PROGRAMME)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("channel %s: no programme within 60 s", number);
      exs_test_iterate (0.05);
    }
}

/* The frames of @ts, @fps a second, as RGB. */
static Frames *
decode (const char *ts, int fps)
{
  g_autofree char *raw = g_strconcat (ts, ".rgb", NULL);
  g_autofree char *vf = g_strdup_printf ("fps=%d", fps);
  const char *argv[] = { "ffmpeg", "-v", "error", "-y", "-i", ts, "-vf", vf, "-f", "rawvideo", "-pix_fmt", "rgb24",
                         raw, NULL };
  g_autofree char *out = NULL;
  Frames *fr = g_new0 (Frames, 1);
  gsize len;

  g_assert_cmpint (exs_test_run_async (argv, &out), ==, 0);
  g_assert_true (g_file_get_contents (raw, (char **) &fr->rgb, &len, NULL));
  fr->n = len / (W * H * 3);
  g_assert_cmpuint (fr->n, >, 0);
  return fr;
}

/* The mean colour of the 9 × 9 pixels round (@x, @y) of frame @i. */
static void
pixel (const Frames *fr, guint i, int x, int y, double rgb[3])
{
  rgb[0] = rgb[1] = rgb[2] = 0;
  for (int dy = -4; dy <= 4; dy++)
    for (int dx = -4; dx <= 4; dx++)
      {
        const guint8 *p = fr->rgb + (gsize) i * W * H * 3 + ((gsize) (y + dy) * W + (x + dx)) * 3;
        for (int c = 0; c < 3; c++)
          rgb[c] += p[c] / 81.0;
      }
}

static gboolean
near (const double rgb[3], int r, int g, int b)
{
  return fabs (rgb[0] - r) < 40 && fabs (rgb[1] - g) < 40 && fabs (rgb[2] - b) < 40;
}

static char *
make_clip (ExsEngineFixture *f, const char *pattern, int width, int height, double seconds, const char *name)
{
  char *path = g_build_filename (f->dir, name, NULL);
  g_autofree char *desc = exs_test_clip_description (pattern, width, height, 25, 48000, 2, seconds, "mp4", path);

  exs_test_make_media (desc, path);
  return path;
}

/* ---- the tests ---- */

static void
test_watermark_alpha (void)
{
  ExsWatermark w = { .opacity = 0.8, .every_minutes = 0, .show_seconds = 0 };
  const gint64 hour = (gint64) 3600 * G_USEC_PER_SEC; /* a multiple of every period */

  g_assert_cmpfloat (exs_channel_watermark_alpha_at (&w, hour + 123), ==, 0.8);
  w.every_minutes = 5;
  w.show_seconds = 20;
  g_assert_cmpfloat (exs_channel_watermark_alpha_at (&w, hour), ==, 0.0);                   /* fading in */
  g_assert_cmpfloat_with_epsilon (exs_channel_watermark_alpha_at (&w, hour + G_USEC_PER_SEC / 2), 0.4, 1e-9);
  g_assert_cmpfloat (exs_channel_watermark_alpha_at (&w, hour + 10 * G_USEC_PER_SEC), ==, 0.8);
  g_assert_cmpfloat_with_epsilon (exs_channel_watermark_alpha_at (&w, hour + 19500000), 0.4, 1e-9); /* out */
  g_assert_cmpfloat (exs_channel_watermark_alpha_at (&w, hour + 21 * G_USEC_PER_SEC), ==, 0.0);
  g_assert_cmpfloat (exs_channel_watermark_alpha_at (&w, hour + 299 * G_USEC_PER_SEC), ==, 0.0);
  g_assert_cmpfloat (exs_channel_watermark_alpha_at (&w, hour + 310 * G_USEC_PER_SEC), ==, 0.8); /* next period */
}

/* A white mark at the top right, programmes only: on the red programme,
 * not on the green filler, never at the other corners. */
static void
test_watermark_programmes_only (void)
{
  g_autoptr (ExsFileListSource) files = exs_file_list_source_new ();
  g_autoptr (TestKindSource) kinds = g_object_new (TEST_TYPE_KIND_SOURCE, NULL);
  g_autoptr (ExsEngineFixture) f = NULL;
  g_autofree char *png = NULL;
  g_autofree char *prog = NULL;
  g_autofree char *filler = NULL;
  g_autofree char *ts = NULL;
  g_autofree char *media = NULL;
  g_autofree char *desc = NULL;
  g_autoptr (Frames) fr = NULL;
  const gint64 durations[] = { 3 * G_USEC_PER_SEC, 3 * G_USEC_PER_SEC };
  guint marked = 0, unmarked = 0;

  kinds->inner = EXS_PLAYOUT_SOURCE (g_object_ref (files));
  f = exs_engine_fixture_new_with_playout (NULL, EXS_PLAYOUT_SOURCE (kinds));
  png = g_build_filename (f->dir, "mark.png", NULL);
  desc = g_strdup_printf ("videotestsrc num-buffers=1 pattern=white ! video/x-raw,format=RGBA,width=100,height=50 "
                          "! pngenc ! filesink location=%s",
                          png);
  exs_test_make_media (desc, png);
  prog = make_clip (f, "red", 640, 360, 3.0, "programme.mp4");
  filler = make_clip (f, "green", 640, 360, 3.0, "filler.mp4");
  {
    const char *paths[] = { prog, filler, NULL };
    exs_file_list_source_set_channel (files, "60", paths, durations, g_get_real_time ());
  }
  exs_engine_fixture_add_channel (f, "60", TRUE);
  media = g_strdup_printf ("{\"watermark\": {\"image\": \"%s\", \"position\": \"top-right\", \"size\": 0.2,"
                           " \"margin\": 0.02, \"programmes_only\": true}}",
                           png);
  set_media (f, "60", media);

  ts = capture (f, "60", 9.0, "mark.ts");
  fr = decode (ts, 4);
  for (guint i = 0; i < fr->n; i++)
    {
      double centre[3], mark[3], left[3];

      pixel (fr, i, W / 2, H / 2, centre);
      /* the mark: 171 × 85 px, 17 px from the top and the right */
      pixel (fr, i, W - 17 - 85, 17 + 42, mark);
      pixel (fr, i, 17 + 85, 17 + 42, left);
      if (near (centre, 255, 0, 0))
        {
          g_assert_true (near (mark, 255, 255, 255));
          g_assert_true (near (left, 255, 0, 0));
          marked++;
        }
      else if (near (centre, 0, 255, 0))
        {
          g_assert_true (near (mark, 0, 255, 0));
          unmarked++;
        }
    }
  g_test_message ("%u frames: %u programme frames marked, %u filler frames clean", fr->n, marked, unmarked);
  g_assert_cmpuint (marked, >=, 4);
  g_assert_cmpuint (unmarked, >=, 4);
}

/* A schedule item's media override turns the watermark off for its
 * programmes: the red programme (the channel's settings) is marked, the
 * blue one (overridden: "watermark": null) is not. */
static void
test_watermark_item_override (void)
{
  g_autoptr (ExsEngineFixture) f = exs_engine_fixture_new (NULL);
  g_autofree char *png = g_build_filename (f->dir, "mark.png", NULL);
  g_autofree char *desc = g_strdup_printf ("videotestsrc num-buffers=1 pattern=white ! "
                                           "video/x-raw,format=RGBA,width=100,height=50 ! pngenc ! filesink location=%s",
                                           png);
  g_autofree char *red = NULL, *blue = NULL, *ts = NULL, *media = NULL;
  g_autoptr (Frames) fr = NULL;
  const gint64 durations[] = { 3 * G_USEC_PER_SEC, 3 * G_USEC_PER_SEC };
  const char *overrides[] = { NULL, "{\"watermark\":null}" };
  guint marked = 0, clean = 0;

  exs_test_make_media (desc, png);
  red = make_clip (f, "red", 640, 360, 3.0, "red.mp4");
  blue = make_clip (f, "blue", 640, 360, 3.0, "blue.mp4");
  {
    const char *paths[] = { red, blue, NULL };
    exs_file_list_source_set_channel (f->source, "61", paths, durations, g_get_real_time ());
    exs_file_list_source_set_media_overrides (f->source, "61", overrides);
  }
  exs_engine_fixture_add_channel (f, "61", TRUE);
  media = g_strdup_printf ("{\"watermark\": {\"image\": \"%s\", \"position\": \"top-right\", \"size\": 0.2,"
                           " \"margin\": 0.02}}", png);
  set_media (f, "61", media);
  ts = capture (f, "61", 9.0, "override.ts");
  fr = decode (ts, 4);
  for (guint i = 0; i < fr->n; i++)
    {
      double centre[3], mark[3];

      pixel (fr, i, W / 2, H / 2, centre);
      pixel (fr, i, W - 17 - 85, 17 + 42, mark);
      if (near (centre, 255, 0, 0) && near (mark, 255, 255, 255))
        marked++;
      else if (near (centre, 0, 0, 255))
        {
          g_assert_true (near (mark, 0, 0, 255));
          clean++;
        }
    }
  g_test_message ("%u frames: %u red frames marked, %u blue frames clean", fr->n, marked, clean);
  g_assert_cmpuint (marked, >=, 4);
  g_assert_cmpuint (clean, >=, 4);
}

/* idet's multi-frame counts of @ts: interlaced (TFF + BFF) and progressive. */
static void
idet (const char *ts, guint *interlaced, guint *progressive)
{
  const char *argv[] = { "ffmpeg", "-v", "info", "-nostats", "-i", ts, "-vf", "idet", "-f", "null", "-", NULL };
  g_autofree char *out = NULL;
  const char *line;
  guint tff = 0, bff = 0;

  g_assert_cmpint (exs_test_run_async (argv, &out), ==, 0);
  line = strstr (out, "Multi frame detection:");
  g_assert_nonnull (line);
  g_assert_cmpint (sscanf (line, "Multi frame detection: TFF: %u BFF: %u Progressive: %u", &tff, &bff, progressive),
                   ==, 3);
  *interlaced = tff + bff;
}

/* An interlaced clip (the interlace element: two fields of a moving ball
 * in each frame) comes out progressive; with deinterlace "off" the fields
 * stay woven (combed), so the check can tell. */
static void
test_deinterlace (void)
{
  g_autoptr (ExsEngineFixture) f = exs_engine_fixture_new (NULL);
  g_autofree char *clip = g_build_filename (f->dir, "interlaced.mkv", NULL);
  g_autofree char *desc = g_strdup_printf (
      "videotestsrc pattern=ball num-buffers=600 ! video/x-raw,format=I420,width=640,height=480,framerate=60/1 "
      "! interlace field-pattern=1:1 top-field-first=true ! x264enc interlaced=true speed-preset=ultrafast "
      "bitrate=2000 threads=1 ! h264parse ! matroskamux ! filesink location=%s",
      clip);
  const char *paths[] = { clip, NULL };
  const gint64 durations[] = { 10 * G_USEC_PER_SEC };
  const char *numbers[] = { "61", "62" };
  guint interlaced[2], progressive[2];

  exs_test_make_media (desc, clip);
  idet (clip, &interlaced[0], &progressive[0]);
  g_assert_cmpuint (interlaced[0], >, 10 * progressive[0]); /* the input really is interlaced */
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s.ts", numbers[i]);
      g_autofree char *ts = NULL;

      exs_engine_fixture_add_channel (f, numbers[i], TRUE);
      exs_file_list_source_set_channel (f->source, numbers[i], paths, durations, g_get_real_time ());
      set_media (f, numbers[i], i == 0 ? "{\"deinterlace\": \"yadif\"}" : "{\"deinterlace\": \"off\"}");
      wait_for_programme (f, numbers[i]);
      ts = capture (f, numbers[i], 4.0, name);
      {
        /* the ball on black, not the error screen */
        g_autoptr (Frames) fr = decode (ts, 1);
        double corner[3];

        pixel (fr, fr->n - 1, 20, 20, corner);
        g_assert_true (near (corner, 0, 0, 0));
      }
      idet (ts, &interlaced[i], &progressive[i]);
      g_test_message ("channel %s: %u interlaced, %u progressive frames", numbers[i], interlaced[i], progressive[i]);
    }
  g_assert_cmpuint (progressive[0], >, 4 * interlaced[0]);
  g_assert_cmpuint (interlaced[1], >, progressive[1]);
}

/* A 4:3 clip whose middle 16:9 is white, with red bands above and below:
 * fit pillarboxes it (black sides, red top), crop cuts exactly the bands
 * (all white), stretch fills the frame (red top, white sides). */
static void
test_scaling (void)
{
  g_autoptr (ExsEngineFixture) f = exs_engine_fixture_new (NULL);
  g_autofree char *clip = g_build_filename (f->dir, "bands.mp4", NULL);
  g_autofree char *desc = g_strdup_printf (
      "videotestsrc pattern=white num-buffers=150 ! video/x-raw,format=I420,width=640,height=360,framerate=25/1 "
      "! videobox top=-60 bottom=-60 fill=red ! video/x-raw,width=640,height=480 ! x264enc speed-preset=ultrafast "
      "threads=1 ! h264parse ! mp4mux ! filesink location=%s",
      clip);
  const char *paths[] = { clip, NULL };
  const gint64 durations[] = { 6 * G_USEC_PER_SEC };
  const struct
  {
    const char *number, *scaling;
    guint8 side[3], top[3];
  } cases[] = {
    { "71", "fit", { 0, 0, 0 }, { 255, 0, 0 } },
    { "72", "crop", { 255, 255, 255 }, { 255, 255, 255 } },
    { "73", "stretch", { 255, 255, 255 }, { 255, 0, 0 } },
  };

  exs_test_make_media (desc, clip);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"scaling\": \"%s\"}", cases[i].scaling);
      g_autofree char *name = g_strdup_printf ("%s.ts", cases[i].number);
      g_autofree char *ts = NULL;
      g_autoptr (Frames) fr = NULL;
      double side[3], top[3], centre[3];
      guint last;

      exs_engine_fixture_add_channel (f, cases[i].number, TRUE);
      exs_file_list_source_set_channel (f->source, cases[i].number, paths, durations, g_get_real_time ());
      set_media (f, cases[i].number, json);
      wait_for_programme (f, cases[i].number);
      ts = capture (f, cases[i].number, 3.0, name);
      fr = decode (ts, 2);
      last = fr->n - 1;
      pixel (fr, last, 30, H / 2, side);
      pixel (fr, last, W / 2, 12, top);
      pixel (fr, last, W / 2, H / 2, centre);
      g_test_message ("%s: side %.0f,%.0f,%.0f top %.0f,%.0f,%.0f", cases[i].scaling, side[0], side[1], side[2],
                      top[0], top[1], top[2]);
      g_assert_true (near (centre, 255, 255, 255));
      g_assert_true (near (side, cases[i].side[0], cases[i].side[1], cases[i].side[2]));
      g_assert_true (near (top, cases[i].top[0], cases[i].top[1], cases[i].top[2]));
    }
}

/* A channel whose item is missing shows its own error screen: its colour
 * instead of the server's dark blue, and its long title (the text's shaded
 * box reaches far further left than the server's short one). */
static void
test_error_screen (void)
{
  g_autoptr (ExsEngineFixture) f = exs_engine_fixture_new (NULL);
  g_autofree char *missing = g_build_filename (f->dir, "missing.mp4", NULL);
  const char *paths[] = { missing, NULL };
  const gint64 durations[] = { 30 * G_USEC_PER_SEC };
  double corner[2][3], text[2][3];
  const char *numbers[] = { "80", "81" };

  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *name = g_strdup_printf ("%s.ts", numbers[i]);
      g_autofree char *ts = NULL;
      g_autoptr (Frames) fr = NULL;

      exs_engine_fixture_add_channel (f, numbers[i], TRUE);
      exs_file_list_source_set_channel (f->source, numbers[i], paths, durations, g_get_real_time ());
      if (i == 0)
        set_media (f, numbers[i],
                   "{\"error_screen\": {\"background\": \"#ff8000\","
                   " \"title\": \"Channel Eighty is taking a short break, back after these words\"}}");
      ts = capture (f, numbers[i], 3.0, name);
      fr = decode (ts, 2);
      pixel (fr, fr->n - 1, 20, 20, corner[i]);
      pixel (fr, fr->n - 1, W / 8, H / 2, text[i]);
      g_test_message ("channel %s: corner %.0f,%.0f,%.0f; left of centre %.0f,%.0f,%.0f", numbers[i], corner[i][0],
                      corner[i][1], corner[i][2], text[i][0], text[i][1], text[i][2]);
    }
  g_assert_true (near (corner[0], 255, 128, 0));
  g_assert_true (near (corner[1], 0x10, 0x2a, 0x5a));
  /* the long title's box (shaded darker) reaches W/8; the server's does not */
  g_assert_false (near (text[0], 255, 128, 0));
  g_assert_true (near (text[1], 0x10, 0x2a, 0x5a));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);
  g_test_add_func ("/streaming/picture/watermark-alpha", test_watermark_alpha);
  g_test_add_func ("/streaming/picture/watermark-off-by-schedule-item", test_watermark_item_override);
  g_test_add_func ("/streaming/picture/watermark-programmes-only", test_watermark_programmes_only);
  g_test_add_func ("/streaming/picture/deinterlace", test_deinterlace);
  g_test_add_func ("/streaming/picture/scaling", test_scaling);
  g_test_add_func ("/streaming/picture/error-screen", test_error_screen);
  return g_test_run ();
}
