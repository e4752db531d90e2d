/* Subtitles burned in by the channel engine, end to end: clips made here
 * with GStreamer and ffmpeg (an MKV with French, English and forced
 * English SRT tracks; an MKV with a forced VobSub track and sidecar SRTs), real channels with their media
 * settings, the channel's MPEG-TS read back by ffprobe, which measures the
 * picture frame by frame where the subtitles are drawn and where they are
 * not. Also exs_subtitle_choose(), the rule that picks a track. */
#include "config.h"

#include "exs-channel-subtitles.h"
#include "exs-channel.h"
#include "exs-engine-fixture.h"
#include "exs-file-list-source.h"
#include "exs-test-server.h"
#include "exs-ts-check.h"

#include <gst/app/gstappsrc.h>
#include <gst/gst.h>
#include <string.h>
#include <sys/socket.h>

#define ITEM_S 6.0

static void
test_choose (void)
{
  const char *const eng[] = { "eng", NULL };
  const char *const fre_eng[] = { "fre", "en", NULL };
  const ExsSubtitleCandidate two[] = { { "en", FALSE, FALSE }, { "fr", TRUE, FALSE } };
  const ExsSubtitleCandidate mixed[] = {
    { "eng", TRUE, FALSE }, { "deu", FALSE, FALSE }, { "en", FALSE, TRUE }, { NULL, FALSE, TRUE },
  };
  const ExsSubtitleCandidate unknown[] = { { "deu", FALSE, FALSE }, { "und", FALSE, TRUE } };

  /* off: nothing, whatever there is */
  g_assert_cmpint (exs_subtitle_choose (two, 2, eng, EXS_SUBTITLE_MODE_OFF), ==, -1);
  /* always: the preferred language; codes in any ISO 639 form */
  g_assert_cmpint (exs_subtitle_choose (two, 2, eng, EXS_SUBTITLE_MODE_ALWAYS), ==, 0);
  g_assert_cmpint (exs_subtitle_choose (two, 2, fre_eng, EXS_SUBTITLE_MODE_ALWAYS), ==, 1);
  /* forced: only a forced track, even of a language listed later or not */
  g_assert_cmpint (exs_subtitle_choose (two, 2, eng, EXS_SUBTITLE_MODE_FORCED), ==, -1);
  g_assert_cmpint (exs_subtitle_choose (two, 2, fre_eng, EXS_SUBTITLE_MODE_FORCED), ==, 1);
  g_assert_cmpint (exs_subtitle_choose (two, 2, NULL, EXS_SUBTITLE_MODE_FORCED), ==, 1);
  /* always: a full track (the sidecar) before a forced-only one */
  g_assert_cmpint (exs_subtitle_choose (mixed, 4, eng, EXS_SUBTITLE_MODE_ALWAYS), ==, 2);
  g_assert_cmpint (exs_subtitle_choose (mixed, 4, eng, EXS_SUBTITLE_MODE_FORCED), ==, 0);
  /* no languages: the first track */
  g_assert_cmpint (exs_subtitle_choose (mixed, 4, NULL, EXS_SUBTITLE_MODE_ALWAYS), ==, 1);
  /* a language not listed never shows; one not stated comes last */
  g_assert_cmpint (exs_subtitle_choose (unknown, 1, eng, EXS_SUBTITLE_MODE_ALWAYS), ==, -1);
  g_assert_cmpint (exs_subtitle_choose (unknown, 2, eng, EXS_SUBTITLE_MODE_ALWAYS), ==, 1);
  g_assert_cmpint (exs_subtitle_choose (NULL, 0, eng, EXS_SUBTITLE_MODE_ALWAYS), ==, -1);
  g_assert_true (exs_subtitle_language_equal ("fre", "fra"));
  g_assert_true (exs_subtitle_language_equal ("FR", "fra"));
  g_assert_false (exs_subtitle_language_equal ("en", "fr"));
  g_assert_false (exs_subtitle_language_equal (NULL, "en"));
}

static void
write_srt (const char *path, double from_s, double to_s, const char *text)
{
  g_autofree char *srt = g_strdup_printf ("1\n00:00:%02d,%03d --> 00:00:%02d,%03d\n%s\n\n", (int) from_s,
                                          (int) (from_s * 1000) % 1000, (int) to_s, (int) (to_s * 1000) % 1000, text);

  g_assert_true (g_file_set_contents (path, srt, -1, NULL));
}

static void
run_ok (const char *const *argv)
{
  g_autofree char *out = NULL;
  int status = exs_test_run_async (argv, &out);

  if (status != 0)
    g_error ("%s failed: %s", argv[0], out);
}

/* A channel fed through a socket pair, as the HTTP server feeds viewers;
 * a thread of its own reads what it sends (a viewer that reads late is
 * dropped as slow), kept for a file. */
typedef struct
{
  ExsChannel *channel;
  ExsViewer *viewer;
  GSocket *theirs;
  GThread *reader;
  GMutex lock;       /* guards bytes */
  GByteArray *bytes;
  char *path;
} Watch;

static gpointer
watch_read_thread (gpointer data)
{
  Watch *w = data;
  guint8 buf[65536];
  gssize n;

  while ((n = g_socket_receive (w->theirs, (char *) buf, sizeof buf, NULL, NULL)) > 0)
    {
      g_mutex_lock (&w->lock);
      g_byte_array_append (w->bytes, buf, (guint) n);
      g_mutex_unlock (&w->lock);
    }
  return NULL;
}

static Watch *
watch_start (ExsEngineFixture *f, ExsFileListSource *source, const char *number, const ExsChannelMedia *media)
{
  Watch *w = g_new0 (Watch, 1);
  g_autoptr (GSocket) ours = NULL;
  g_autoptr (GError) error = NULL;
  ExsChannelProfile profile;
  ExsChannelOptions options = { .name = "Subtitles", .media = media, .remux = TRUE };
  int fds[2];

  exs_channel_profile_from_name ("480p", &profile);
  profile.fps = 15; /* enough frames to see each cue; CPU for the other tests */
  /* asked for remux: burning in makes it encode */
  w->channel = exs_channel_new (number, &profile, &options, EXS_PLAYOUT_SOURCE (source));
  g_assert_false (exs_channel_is_remuxing (w->channel));
  g_assert_true (exs_channel_start (w->channel, &error));
  g_assert_no_error (error);
  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM, 0, fds), ==, 0);
  ours = g_socket_new_from_fd (fds[0], &error);
  w->theirs = g_socket_new_from_fd (fds[1], &error);
  g_assert_no_error (error);
  w->viewer = exs_viewer_new (number, ours, G_IO_STREAM (g_socket_connection_factory_create_connection (ours)));
  exs_channel_add_viewer (w->channel, w->viewer);
  w->bytes = g_byte_array_new ();
  g_mutex_init (&w->lock);
  w->path = g_strdup_printf ("%s/channel%s.ts", f->dir, number);
  w->reader = g_thread_new ("watch", watch_read_thread, w);
  return w;
}

static double
watch_seconds (Watch *w)
{
  ExsTsReport r;

  g_mutex_lock (&w->lock);
  g_assert_true (g_file_set_contents (w->path, (const char *) w->bytes->data, w->bytes->len, NULL));
  g_mutex_unlock (&w->lock);
  if (!exs_ts_check_file (w->path, &r, NULL))
    return 0;
  return r.pcr_covered_s;
}

/* Runs until both channels sent @seconds of stream (a deadline far above). */
static void
watch_wait (Watch **w, guint n, double seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) ((4 * seconds + 60) * G_USEC_PER_SEC);
  gint64 next_check = 0;

  for (;;)
    {
      gboolean all = TRUE;

      g_main_context_iteration (NULL, FALSE) || (g_usleep (5000), TRUE);
      if (g_get_monotonic_time () < next_check)
        continue;
      next_check = g_get_monotonic_time () + G_USEC_PER_SEC;
      for (guint i = 0; i < n; i++)
        all &= watch_seconds (w[i]) >= seconds;
      if (all)
        return;
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
    }
}

static void
watch_free (Watch *w)
{
  ExsTsReport r;
  g_autoptr (GError) error = NULL;

  exs_channel_stop (w->channel);
  g_socket_shutdown (w->theirs, TRUE, TRUE, NULL); /* the reader ends */
  g_thread_join (w->reader);
  g_assert_true (g_file_set_contents (w->path, (const char *) w->bytes->data, w->bytes->len, NULL));
  /* whole TS packets across the item boundaries: no continuity errors */
  g_assert_true (exs_ts_check_file (w->path, &r, &error));
  g_assert_no_error (error);
  g_test_message ("%s: %" G_GUINT64_FORMAT " packets, %u CC errors", w->path, r.packets, r.cc_errors);
  g_assert_cmpuint (r.sync_errors, ==, 0);
  g_assert_cmpuint (r.cc_errors, ==, 0);
  g_object_unref (w->viewer);
  g_object_unref (w->channel);
  g_object_unref (w->theirs);
  g_byte_array_unref (w->bytes);
  g_mutex_clear (&w->lock);
  g_free (w->path);
  g_free (w);
}

typedef struct
{
  double t;
  double bottom;   /* how much the region where subtitles are drawn varies */
  double top;      /* ... and where they never are */
  double top_u;    /* the clip's colour: blue 240, green 54 */
} Frame;

/* For every frame of @ts, the spread of luma and of chroma (U) within
 * @crop, whichever is larger, and the mean U. A plain clip is flat (0: x264
 * keeps a solid colour exact); white text on it spreads ~200, the VobSub box
 * ~24 (dvdspu blends its palette entry darker than white). */
static GArray *
probe_region (const char *ts, const char *crop)
{
  g_autofree char *graph = g_strdup_printf ("movie=%s,crop=%s,signalstats", ts, crop);
  const char *argv[] = { "ffprobe", "-v", "error", "-f", "lavfi", "-i", graph, "-show_entries",
                         "frame=pts_time:frame_tags=lavfi.signalstats.YMIN,lavfi.signalstats.YMAX,"
                         "lavfi.signalstats.UMIN,lavfi.signalstats.UMAX,lavfi.signalstats.UAVG",
                         "-of", "csv=p=0", NULL };
  g_autofree char *out = NULL;
  g_auto (GStrv) lines = NULL;
  GArray *values = g_array_new (FALSE, FALSE, sizeof (double) * 3);

  g_assert_cmpint (exs_test_run_async (argv, &out), ==, 0);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      g_auto (GStrv) v = g_strsplit (lines[i], ",", -1);
      double f[6], row[3];

      if (g_strv_length (v) < 6)
        continue;
      for (guint k = 0; k < 6; k++)
        f[k] = g_ascii_strtod (v[k], NULL);
      /* the tags come in the order asked for */
      row[0] = f[0];
      row[1] = MAX (f[2] - f[1], f[4] - f[3]);
      row[2] = f[5];
      g_array_append_vals (values, row, 1);
    }
  return values;
}

static GArray *
read_frames (const char *ts)
{
  g_autoptr (GArray) bottom = probe_region (ts, "iw*0.7:ih*0.25:iw*0.15:ih*0.75");
  g_autoptr (GArray) top = probe_region (ts, "iw:ih*0.4:0:0");
  GArray *frames = g_array_new (FALSE, FALSE, sizeof (Frame));

  g_assert_cmpuint (bottom->len, ==, top->len);
  for (guint i = 0; i < bottom->len; i++)
    {
      const double *b = (const double *) bottom->data + 3 * i, *t = (const double *) top->data + 3 * i;
      Frame fr = { b[0], b[1], t[1], t[2] };

      g_array_append_val (frames, fr);
    }
  return frames;
}

static gboolean
is_blue (const Frame *fr)
{
  return fr->top_u > 200;
}

static gboolean
is_green (const Frame *fr)
{
  return fr->top_u < 90;
}

/* Whether every frame of [from, to] shows the clip of colour @blue. */
static gboolean
shows_clip (GArray *frames, double from, double to, gboolean blue)
{
  for (guint i = 0; i < frames->len; i++)
    {
      const Frame *fr = &g_array_index (frames, Frame, i);
      if (fr->t >= from && fr->t <= to && (blue ? !is_blue (fr) : !is_green (fr)))
        return FALSE;
    }
  return TRUE;
}

/* The start of the first whole showing of the clip of colour @blue (or
 * green): where the colour changes to it from the other clip's (not from
 * the slate at the start, where the first item may be joined late), and
 * stays to the item's end (a busy machine may fail an item now and then:
 * the slate then shows, which is the engine doing its job). */
static double
item_start (GArray *frames, gboolean blue)
{
  for (guint i = 1; i < frames->len; i++)
    {
      const Frame *a = &g_array_index (frames, Frame, i - 1), *b = &g_array_index (frames, Frame, i);
      if ((blue ? is_green (a) && is_blue (b) : is_blue (a) && is_green (b))
          && shows_clip (frames, b->t, b->t + ITEM_S - 0.3, blue))
        return b->t;
    }
  g_error ("no whole %s item in the capture", blue ? "blue" : "green");
}

/* A subtitle drawn in every frame of [from, to] after
 * @start, or in none of them; the top of the picture never changes. */
static void
assert_text (GArray *frames, double start, double from, double to, gboolean shown, const char *what)
{
  guint n = 0;

  for (guint i = 0; i < frames->len; i++)
    {
      const Frame *fr = &g_array_index (frames, Frame, i);

      if (fr->t < start + from || fr->t > start + to)
        continue;
      n++;
      if (shown ? fr->bottom < 15 : fr->bottom > 6)
        {
          for (guint k = 0; k < frames->len; k++)
            {
              const Frame *o = &g_array_index (frames, Frame, k);
              if (o->t >= start - 0.5 && o->t <= start + ITEM_S + 0.5)
                g_test_message ("%.2f s: subtitle region %.0f, top %.0f, colour %.0f", o->t - start, o->bottom,
                                o->top, o->top_u);
            }
          g_error ("%s: %.2f s into the item, the subtitle region varies by %.0f (%s)", what, fr->t - start,
                   fr->bottom, shown ? "a subtitle wanted" : "none wanted");
        }
      if (fr->top > 6)
        g_error ("%s: %.2f s into the item, the top of the picture changed (%.0f)", what, fr->t - start, fr->top);
    }
  g_assert_cmpuint (n, >=, (guint) ((to - from) * 15 * 0.6));
}

/* One DVD subpicture (SPU): an opaque white box at x 160-479, y 280-319
 * of a 640x360 picture, shown for @duration_s. Run-length coded lines of
 * "colour 1 to the end of the line"; both fields share them. */
static GBytes *
make_spu (double duration_s)
{
  GByteArray *spu = g_byte_array_new ();
  const guint x1 = 160, x2 = 479, y1 = 280, y2 = 319;
  const guint pixels = 4, lines = (y2 - y1 + 1) / 2;
  const guint dcsq1 = pixels + lines * 2, dcsq2 = dcsq1 + 24;
  const guint16 stop = (guint16) (duration_s * 90000 / 1024);
  guint8 head[4] = { 0, 0, dcsq1 >> 8, dcsq1 & 0xff };
  const guint8 line[2] = { 0x00, 0x01 };
  const guint8 ctrl1[24] = { 0, 0, dcsq2 >> 8, dcsq2 & 0xff,
                             0x03, 0x11, 0x11, /* colours: palette entry 1 */
                             0x04, 0xff, 0xff, /* opaque */
                             0x05, x1 >> 4, ((x1 & 0xf) << 4) | (x2 >> 8), x2 & 0xff, y1 >> 4,
                             ((y1 & 0xf) << 4) | (y2 >> 8), y2 & 0xff,
                             0x06, 0, pixels, 0, pixels, /* both fields from the same lines */
                             0x01, 0xff };
  const guint8 ctrl2[6] = { stop >> 8, stop & 0xff, dcsq2 >> 8, dcsq2 & 0xff, 0x02, 0xff };

  g_byte_array_append (spu, head, sizeof head);
  for (guint i = 0; i < lines; i++)
    g_byte_array_append (spu, line, sizeof line);
  g_byte_array_append (spu, ctrl1, sizeof ctrl1);
  g_byte_array_append (spu, ctrl2, sizeof ctrl2);
  spu->data[0] = spu->len >> 8;
  spu->data[1] = spu->len & 0xff;
  return g_byte_array_free_to_bytes (spu);
}

/* A Matroska file of one VobSub track (palette in its CodecPrivate, as
 * the .idx file has it) with one subpicture at @from_s. */
static void
make_vobsub (const char *path, double from_s, double to_s)
{
  g_autofree char *desc = g_strdup_printf ("appsrc name=src format=time ! mux.subtitle_%%u matroskamux name=mux "
                                           "! filesink location=\"%s\"",
                                           path);
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) pipeline = gst_parse_launch (desc, &error);
  g_autoptr (GstElement) src = NULL;
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) msg = NULL;
  g_autoptr (GBytes) spu = make_spu (to_s - from_s);
  const char *idx = "# VobSub index file, v7 (do not modify this line!)\nsize: 640x360\npalette: 000000, ffffff, "
                    "ffffff, ffffff, ffffff, ffffff, ffffff, ffffff, ffffff, ffffff, ffffff, ffffff, ffffff, ffffff, "
                    "ffffff, ffffff\n";
  g_autoptr (GstBuffer) codec_data = gst_buffer_new_memdup (idx, strlen (idx));
  g_autoptr (GstCaps) caps = gst_caps_new_simple ("subpicture/x-dvd", "codec_data", GST_TYPE_BUFFER, codec_data, NULL);
  GstBuffer *buf = gst_buffer_new_wrapped_bytes (spu);

  g_assert_no_error (error);
  src = gst_bin_get_by_name (GST_BIN (pipeline), "src");
  g_object_set (src, "caps", caps, NULL);
  GST_BUFFER_PTS (buf) = (GstClockTime) (from_s * GST_SECOND);
  GST_BUFFER_DURATION (buf) = (GstClockTime) ((to_s - from_s) * GST_SECOND);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  g_assert_cmpint (gst_app_src_push_buffer (GST_APP_SRC (src), buf), ==, GST_FLOW_OK);
  gst_app_src_end_of_stream (GST_APP_SRC (src));
  bus = gst_element_get_bus (pipeline);
  msg = gst_bus_timed_pop_filtered (bus, 60 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull (msg);
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
    {
      g_autoptr (GError) e = NULL;
      g_autofree char *debug = NULL;

      gst_message_parse_error (msg, &e, &debug);
      g_error ("making %s: %s (%s)", path, e->message, debug);
    }
  gst_element_set_state (pipeline, GST_STATE_NULL);
}

/* ---- PGS ---- */

static void
put_be (GByteArray *out, guint64 value, guint bytes)
{
  for (guint i = bytes; i > 0; i--)
    {
      guint8 b = (value >> (8 * (i - 1))) & 0xff;
      g_byte_array_append (out, &b, 1);
    }
}

/* One PGS segment as a .sup file has it: "PG", PTS and DTS (90 kHz), the
 * segment's type and length, its data. */
static void
put_segment (GByteArray *out, double at_s, guint8 type, const GByteArray *data)
{
  g_byte_array_append (out, (const guint8 *) "PG", 2);
  put_be (out, (guint64) (at_s * 90000), 4);
  put_be (out, 0, 4);
  put_be (out, type, 1);
  put_be (out, data->len, 2);
  g_byte_array_append (out, data->data, data->len);
}

/* A display set at @at_s (Blu-ray PGS, as tsMuxeR and BDSup2Sub write it):
 * with @box, a white @w×@h box low in a 640×360 picture, else the
 * composition that clears it. */
static void
put_display_set (GByteArray *out, double at_s, guint16 number, gboolean box, guint w, guint h)
{
  g_autoptr (GByteArray) pcs = g_byte_array_new ();
  g_autoptr (GByteArray) wds = g_byte_array_new ();
  g_autoptr (GByteArray) pds = g_byte_array_new ();
  g_autoptr (GByteArray) ods = g_byte_array_new ();
  g_autoptr (GByteArray) end = g_byte_array_new ();
  guint x = (640 - w) / 2, y = 300 - h;

  /* composition: size, frame rate, number, state (epoch start), no palette
   * update, palette 0, its objects */
  put_be (pcs, 640, 2), put_be (pcs, 360, 2), put_be (pcs, 0x10, 1), put_be (pcs, number, 2);
  put_be (pcs, box ? 0x80 : 0x00, 1), put_be (pcs, 0, 1), put_be (pcs, 0, 1), put_be (pcs, box ? 1 : 0, 1);
  if (box)
    put_be (pcs, 0, 2), put_be (pcs, 0, 1), put_be (pcs, 0, 1), put_be (pcs, x, 2), put_be (pcs, y, 2);
  put_segment (out, at_s, 0x16, pcs);
  /* one window where the box is */
  put_be (wds, 1, 1), put_be (wds, 0, 1), put_be (wds, x, 2), put_be (wds, y, 2), put_be (wds, w, 2), put_be (wds, h, 2);
  put_segment (out, at_s, 0x17, wds);
  if (box)
    {
      GByteArray *rle = g_byte_array_new ();

      /* palette 0: entry 1 opaque white (Y, Cr, Cb, alpha) */
      put_be (pds, 0, 1), put_be (pds, 0, 1);
      put_be (pds, 1, 1), put_be (pds, 235, 1), put_be (pds, 128, 1), put_be (pds, 128, 1), put_be (pds, 255, 1);
      put_segment (out, at_s, 0x14, pds);
      /* each line: a run of w pixels of entry 1 (0x00, 0b11 + 14-bit
       * length, colour), then the end of the line (0x00 0x00) */
      for (guint line = 0; line < h; line++)
        {
          put_be (rle, 0, 1), put_be (rle, 0xc000 | w, 2), put_be (rle, 1, 1);
          put_be (rle, 0, 2);
        }
      /* object 0, version 0, first and last in sequence, length, size */
      put_be (ods, 0, 2), put_be (ods, 0, 1), put_be (ods, 0xc0, 1), put_be (ods, rle->len + 4, 3);
      put_be (ods, w, 2), put_be (ods, h, 2);
      g_byte_array_append (ods, rle->data, rle->len);
      g_byte_array_unref (rle);
      put_segment (out, at_s, 0x15, ods);
    }
  put_segment (out, at_s, 0x80, end);
}

/* A .sup file of one white box from @from_s to @to_s; it starts with an
 * empty composition at 0 (ffmpeg moves an input's first timestamp to 0). */
static void
write_pgs (const char *path, double from_s, double to_s)
{
  g_autoptr (GByteArray) sup = g_byte_array_new ();

  put_display_set (sup, 0, 0, FALSE, 200, 40);
  put_display_set (sup, from_s, 1, TRUE, 200, 40);
  put_display_set (sup, to_s, 2, FALSE, 200, 40);
  g_assert_true (g_file_set_contents (path, (const char *) sup->data, sup->len, NULL));
}

static void
test_burned_in (void)
{
  g_autoptr (ExsEngineFixture) f = exs_engine_fixture_new (NULL);
  g_autoptr (ExsFileListSource) source = exs_file_list_source_new ();
  g_autofree char *base = g_build_filename (f->dir, "base.mp4", NULL);
  g_autofree char *fra = g_build_filename (f->dir, "fra.srt", NULL);
  g_autofree char *eng = g_build_filename (f->dir, "eng.srt", NULL);
  g_autofree char *eng_forced = g_build_filename (f->dir, "eng-forced.srt", NULL);
  g_autofree char *two = g_build_filename (f->dir, "Three Tracks.mkv", NULL);
  g_autofree char *green = g_build_filename (f->dir, "green.mp4", NULL);
  g_autofree char *vobsub = g_build_filename (f->dir, "vobsub.mkv", NULL);
  g_autofree char *pgs = g_build_filename (f->dir, "pgs.sup", NULL);
  g_autofree char *side = g_build_filename (f->dir, "Film.mkv", NULL);
  g_autofree char *side_srt = g_build_filename (f->dir, "Film.en.srt", NULL);
  g_autofree char *side_other = g_build_filename (f->dir, "Film.de.srt", NULL);
  g_autofree char *desc = NULL;
  const char *const paths[] = { two, side, NULL };
  const gint64 durations[] = { ITEM_S * G_USEC_PER_SEC, ITEM_S * G_USEC_PER_SEC };
  g_autoptr (ExsChannelMedia) always = exs_channel_media_new ();
  g_autoptr (ExsChannelMedia) forced = exs_channel_media_new ();
  g_autoptr (ExsChannelMedia) japanese = exs_channel_media_new ();
  const char *const languages[] = { "eng", NULL };
  const char *const japanese_only[] = { "jpn", NULL };
  g_autoptr (GArray) frames_always = NULL;
  g_autoptr (GArray) frames_forced = NULL;
  g_autoptr (GArray) frames_japanese = NULL;
  Watch *w[3];
  double a, b;

  /* the clips: blue with three SRT tracks (French 0.8-1.8 s, English
   * 2.4-3.4 s, English forced 4.0-5.2 s); green with an English forced
   * VobSub track (a white box, 4.6-5.6 s), a Japanese PGS track (a white
   * box, 2.6-3.6 s) and sidecars (English 2.0-4.0 s, German 0.6-1.6 s) */
  desc = exs_test_clip_description ("blue", 640, 360, 15, 48000, 2, ITEM_S, "mp4", base);
  exs_test_make_media (desc, base);
  g_free (desc);
  write_srt (fra, 0.8, 1.8, "BONJOUR MONDE");
  write_srt (eng, 2.4, 3.4, "HELLO WORLD");
  write_srt (eng_forced, 4.0, 5.2, "A SIGN");
  {
    const char *argv[] = { "ffmpeg", "-v", "error", "-y", "-i", base, "-i", fra, "-i", eng, "-i", eng_forced,
                           "-map", "0:v", "-map", "0:a", "-map", "1", "-map", "2", "-map", "3", "-c:v", "copy",
                           "-c:a", "copy", "-c:s", "srt", "-metadata:s:s:0", "language=fra", "-metadata:s:s:1",
                           "language=eng", "-metadata:s:s:2", "language=eng", "-disposition:s:0", "0",
                           "-disposition:s:1", "0", "-disposition:s:2", "forced", two, NULL };
    run_ok (argv);
  }
  desc = exs_test_clip_description ("green", 640, 360, 15, 48000, 2, ITEM_S, "mp4", green);
  exs_test_make_media (desc, green);
  make_vobsub (vobsub, 4.6, 5.6);
  write_pgs (pgs, 2.6, 3.6);
  {
    const char *argv[] = { "ffmpeg", "-v", "error", "-y", "-i", green, "-i", vobsub, "-i", pgs, "-map", "0:v",
                           "-map", "0:a", "-map", "1", "-map", "2", "-c", "copy", "-metadata:s:s:0", "language=eng",
                           "-disposition:s:0", "forced", "-metadata:s:s:1", "language=jpn", "-disposition:s:1", "0",
                           side, NULL };
    run_ok (argv);
  }
  write_srt (side_srt, 2.0, 4.0, "SIDECAR TEXT");
  write_srt (side_other, 0.6, 1.6, "DEUTSCH");

  always->subtitle_mode = EXS_SUBTITLE_MODE_ALWAYS;
  always->subtitle_languages = g_strdupv ((char **) languages);
  forced->subtitle_mode = EXS_SUBTITLE_MODE_FORCED;
  forced->subtitle_languages = g_strdupv ((char **) languages);
  japanese->subtitle_mode = EXS_SUBTITLE_MODE_ALWAYS;
  japanese->subtitle_languages = g_strdupv ((char **) japanese_only);
  exs_file_list_source_set_channel (source, "61", paths, durations, g_get_real_time ());
  exs_file_list_source_set_channel (source, "62", paths, durations, g_get_real_time ());
  exs_file_list_source_set_channel (source, "63", paths, durations, g_get_real_time ());
  w[0] = watch_start (f, source, "61", always);
  w[1] = watch_start (f, source, "62", forced);
  w[2] = watch_start (f, source, "63", japanese);
  /* the first item may be joined late: read on until each clip has been
   * shown whole after the other, twice (in case one of them failed) */
  watch_wait (w, 3, 5 * ITEM_S + 1);
  frames_always = read_frames (w[0]->path);
  frames_forced = read_frames (w[1]->path);
  frames_japanese = read_frames (w[2]->path);
  for (guint i = 0; i < G_N_ELEMENTS (w); i++)
    watch_free (w[i]);

  /* "always", English: the English track, not the French one listed
   * first nor the forced one */
  a = item_start (frames_always, TRUE);
  assert_text (frames_always, a, 0.15, 0.6, FALSE, "always: before the cues");
  assert_text (frames_always, a, 0.95, 1.65, FALSE, "always: the French cue");
  assert_text (frames_always, a, 2.55, 3.25, TRUE, "always: the English cue");
  assert_text (frames_always, a, 4.15, 5.05, FALSE, "always: the English forced cue");
  /* the sidecar Film.en.srt */
  b = item_start (frames_always, FALSE);
  assert_text (frames_always, b, 0.75, 1.45, FALSE, "sidecar: the German cue");
  assert_text (frames_always, b, 2.15, 3.85, TRUE, "sidecar: its cue");
  assert_text (frames_always, b, 4.75, 5.45, FALSE, "sidecar: the forced VobSub");

  /* "forced", English: only the forced tracks, text and image */
  a = item_start (frames_forced, TRUE);
  assert_text (frames_forced, a, 0.95, 1.65, FALSE, "forced: the French cue");
  assert_text (frames_forced, a, 2.55, 3.25, FALSE, "forced: the English cue");
  assert_text (frames_forced, a, 4.15, 5.05, TRUE, "forced: the English forced cue");
  b = item_start (frames_forced, FALSE);
  assert_text (frames_forced, b, 2.15, 3.85, FALSE, "forced: the sidecar's cue");
  assert_text (frames_forced, b, 4.75, 5.45, TRUE, "forced: the forced VobSub");

  /* "always", Japanese: the PGS track of the green clip, nothing on the
   * blue one (it has no Japanese) */
  b = item_start (frames_japanese, FALSE);
  assert_text (frames_japanese, b, 0.15, 2.45, FALSE, "japanese: before the PGS cue");
  assert_text (frames_japanese, b, 2.75, 3.45, TRUE, "japanese: the PGS cue");
  assert_text (frames_japanese, b, 3.8, 5.45, FALSE, "japanese: after the PGS cue");
  a = item_start (frames_japanese, TRUE);
  assert_text (frames_japanese, a, 0.15, 5.45, FALSE, "japanese: the blue clip");
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/streaming/subtitles/choose", test_choose);
  g_test_add_func ("/streaming/subtitles/burned-in", test_burned_in);
  return g_test_run ();
}
