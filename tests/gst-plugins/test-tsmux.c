/* exstsmux with GstHarness, in an isolated registry: H.264 and AAC frames
 * in, a TS out that a player can demux — tables before every keyframe,
 * continuity counters, PCR, PES timestamps, ADTS headers for raw AAC, the
 * language descriptor — in batches that start at keyframes.
 *
 * The frames' payloads are made up (the muxer never reads them); that the
 * real thing decodes is tested end to end by streaming/remux and
 * streaming/engine/remux, whose channels run through exstsmux. */
#include "config.h"

#include "../streaming/exs-ts-check.h"

#include <gst/check/gstharness.h>
#include <glib/gstdio.h>
#include <gst/gst.h>
#include <string.h>
#include <unistd.h>

#define CLOCK_BASE ((gint64)90000 * 3600)
#define VIDEO_PID 0x41
#define AUDIO_PID 0x42
#define FRAME_NS (GST_SECOND / 30)
#define AUDIO_NS (1024 * GST_SECOND / 44100)
#define VIDEO_BYTES 3000
#define AUDIO_BYTES 300
#define GOP 30
/* AAC LC, 44.1 kHz, stereo: raw with its AudioSpecificConfig, or ADTS */
#define RAW_AAC "audio/mpeg, mpegversion=4, stream-format=raw, codec_data=(buffer)1210"
#define ADTS_AAC "audio/mpeg, mpegversion=4, stream-format=adts"

typedef struct
{
  GstHarness *video; /* owns the element; its sink pad gets the output */
  GstHarness *audio;
  GPtrArray *out; /* the output buffers, in order */
} Mux;

static Mux *
mux_new (GstClockTime max_delay, const char *audio_caps)
{
  Mux *m = g_new0 (Mux, 1);

  m->video = gst_harness_new_with_padnames ("exstsmux", "sink_%u", "src");
  /* a frame waits this long for the other pad: one thread feeds both, as the
   * remux path's demuxer, all video first */
  g_object_set (m->video->element, "latency", 30 * GST_SECOND, "max-delay", max_delay, NULL);
  m->audio = gst_harness_new_with_element (m->video->element, "sink_%u", NULL);
  gst_harness_set_src_caps_str (m->video, "video/x-h264, stream-format=byte-stream, alignment=au");
  gst_harness_set_src_caps_str (m->audio, audio_caps);
  m->out = g_ptr_array_new_with_free_func ((GDestroyNotify)gst_buffer_unref);
  return m;
}

static void
mux_free (Mux *m)
{
  g_ptr_array_unref (m->out);
  gst_harness_teardown (m->audio);
  gst_harness_teardown (m->video);
  g_free (m);
}

static GstBuffer *
frame (gsize size, guint8 fill, GstClockTime pts, GstClockTime dts, gboolean keyframe)
{
  GstBuffer *b = gst_buffer_new_allocate (NULL, size, NULL);

  gst_buffer_memset (b, 0, fill, size);
  GST_BUFFER_PTS (b) = pts;
  GST_BUFFER_DTS (b) = dts;
  if (!keyframe)
    GST_BUFFER_FLAG_SET (b, GST_BUFFER_FLAG_DELTA_UNIT);
  return b;
}

/* @seconds of 30 fps video (a keyframe every GOP frames) and 44.1 kHz AAC
 * frames, then EOS on both; the output is collected. */
static void
mux_run (Mux *m, double seconds)
{
  guint n_video = seconds * 30, n_audio = seconds * GST_SECOND / AUDIO_NS;
  GstBuffer *b;

  for (guint i = 0; i < n_video; i++)
    g_assert_cmpint (gst_harness_push (m->video, frame (VIDEO_BYTES, i & 0xff, i * FRAME_NS,
                                                        i * FRAME_NS, i % GOP == 0)),
                     ==, GST_FLOW_OK);
  for (guint i = 0; i < n_audio; i++)
    g_assert_cmpint (
        gst_harness_push (m->audio, frame (AUDIO_BYTES, 0xa0, i * AUDIO_NS, i * AUDIO_NS, TRUE)),
        ==, GST_FLOW_OK);
  gst_harness_push_event (m->video, gst_event_new_eos ());
  gst_harness_push_event (m->audio, gst_event_new_eos ());
  while (gst_harness_pull_until_eos (m->video, &b) && b != NULL)
    g_ptr_array_add (m->out, b);
}

static GBytes *
mux_output (Mux *m)
{
  GByteArray *all = g_byte_array_new ();

  for (guint i = 0; i < m->out->len; i++)
    {
      GstMapInfo map;

      gst_buffer_map (m->out->pdata[i], &map, GST_MAP_READ);
      g_byte_array_append (all, map.data, map.size);
      gst_buffer_unmap (m->out->pdata[i], &map);
    }
  return g_byte_array_free_to_bytes (all);
}

static guint
packet_pid (const guint8 *p)
{
  return ((p[1] & 0x1f) << 8) | p[2];
}

/* The payload of TS packet @p (after its adaptation field). */
static const guint8 *
packet_payload (const guint8 *p, guint *len)
{
  guint off = 4;

  if (p[3] & 0x20)
    off += 1 + p[4];
  g_assert_cmpuint (off, <=, 188);
  *len = 188 - off;
  return p + off;
}

static gint64
read_timestamp (const guint8 *p)
{
  return ((gint64)(p[0] & 0x0e) << 29) | (p[1] << 22) | ((p[2] >> 1) << 15) | (p[3] << 7)
         | (p[4] >> 1);
}

/* The ES entries of the first PMT in @ts: "type:pid[:lang]" joined by ' '. */
static char *
first_pmt (GBytes *ts, guint *pcr_pid)
{
  gsize len;
  const guint8 *d = g_bytes_get_data (ts, &len);

  for (gsize off = 0; off + 188 <= len; off += 188)
    {
      const guint8 *p = d + off;
      guint plen;
      const guint8 *s;
      guint section_length, info_length;
      GString *out = g_string_new (NULL);

      if (packet_pid (p) != 0x20)
        continue;
      s = packet_payload (p, &plen);
      s += 1 + s[0]; /* pointer_field */
      g_assert_cmpuint (s[0], ==, 0x02);
      section_length = ((s[1] & 0x0f) << 8) | s[2];
      *pcr_pid = ((s[8] & 0x1f) << 8) | s[9];
      info_length = ((s[10] & 0x0f) << 8) | s[11];
      for (const guint8 *e = s + 12 + info_length; e < s + 3 + section_length - 4;)
        {
          guint es_info = ((e[3] & 0x0f) << 8) | e[4];

          g_string_append_printf (out, "%s%02x:%x", out->len ? " " : "", e[0],
                                  ((e[1] & 0x1f) << 8) | e[2]);
          for (const guint8 *q = e + 5; q < e + 5 + es_info; q += 2 + q[1])
            if (q[0] == 0x0a)
              g_string_append_printf (out, ":%.3s", q + 2);
          e += 5 + es_info;
        }
      return g_string_free (out, FALSE);
    }
  return NULL;
}

static void
check_with_ts_checker (GBytes *ts, ExsTsReport *report)
{
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  int fd = g_file_open_tmp ("tsmux-XXXXXX.ts", &path, &error);

  g_assert_no_error (error);
  close (fd);
  g_assert_true (
      g_file_set_contents (path, g_bytes_get_data (ts, NULL), g_bytes_get_size (ts), &error));
  g_assert_true (exs_ts_check_file (path, report, &error));
  g_assert_no_error (error);
  g_unlink (path);
}

/* A stream a player can read: tables first, no continuity or sync errors,
 * a PCR with every video frame, PAT and PMT at least every 50 ms, the PMT
 * naming both streams with the video as PCR PID. */
static void
test_stream (void)
{
  Mux *m = mux_new (100 * GST_MSECOND, RAW_AAC);
  g_autoptr (GBytes) ts = NULL;
  g_autofree char *pmt = NULL;
  ExsTsReport r;
  guint pcr_pid = 0;

  mux_run (m, 3.0);
  ts = mux_output (m);
  g_assert_cmpuint (g_bytes_get_size (ts) % 188, ==, 0);
  check_with_ts_checker (ts, &r);
  g_assert_cmpuint (r.sync_errors, ==, 0);
  g_assert_cmpuint (r.cc_errors, ==, 0);
  g_assert_true (r.starts_with_pat);
  g_assert_true (r.first_pes_random_access);
  g_assert_cmpuint (r.pcr_count, ==, 90);
  g_assert_cmpfloat (r.max_pcr_gap_s, <, 0.034);
  g_assert_cmpfloat (r.max_pat_gap_s, <, 0.1); /* 50 ms, seen on the PCR's 33 ms steps */
  pmt = first_pmt (ts, &pcr_pid);
  g_assert_cmpstr (pmt, ==, "1b:41 0f:42");
  g_assert_cmpuint (pcr_pid, ==, VIDEO_PID);
  mux_free (m);
}

/* PES headers: video PTS on mpegtsmux's clock (running time + 1 h) with
 * DTS when it differs; raw AAC gets a 7-byte ADTS header from codec_data
 * 0x1210 (AAC LC, 44.1 kHz, stereo) with the frame's length. */
static void
test_pes_headers (void)
{
  Mux *m = mux_new (100 * GST_MSECOND, RAW_AAC);
  g_autoptr (GBytes) ts = NULL;
  gsize len;
  const guint8 *d;
  guint n_video = 0, n_audio = 0;

  mux_run (m, 1.0);
  ts = mux_output (m);
  d = g_bytes_get_data (ts, &len);
  for (gsize off = 0; off + 188 <= len; off += 188)
    {
      const guint8 *p = d + off;
      guint pid = packet_pid (p), plen;
      const guint8 *pes;

      if (!(p[1] & 0x40) || (pid != VIDEO_PID && pid != AUDIO_PID))
        continue;
      pes = packet_payload (p, &plen);
      g_assert_cmpuint (pes[0] << 16 | pes[1] << 8 | pes[2], ==, 1);
      if (pid == VIDEO_PID)
        {
          g_assert_cmpuint (pes[3], ==, 0xe0);
          g_assert_cmpuint (pes[7], ==, 0x80); /* PTS only: DTS == PTS */
          g_assert_cmpint (read_timestamp (pes + 9), ==,
                           CLOCK_BASE + (gint64)(n_video * FRAME_NS * 90000 / GST_SECOND));
          /* the keyframes' first packets say random access */
          g_assert_cmpint ((p[3] & 0x20) && (p[5] & 0x40), ==, n_video % GOP == 0);
          n_video++;
        }
      else
        {
          const guint8 *adts = pes + 9 + pes[8];
          guint frame_length = ((adts[3] & 0x03) << 11) | (adts[4] << 3) | (adts[5] >> 5);

          g_assert_cmpuint (pes[3], ==, 0xc0);
          g_assert_cmpuint ((pes[4] << 8 | pes[5]), ==, 3 + pes[8] + 7 + AUDIO_BYTES);
          g_assert_cmpuint (adts[0], ==, 0xff);
          g_assert_cmpuint (adts[1] & 0xf6, ==, 0xf0);     /* syncword, MPEG-4, layer 0 */
          g_assert_cmpuint (adts[2] >> 6, ==, 1);          /* profile: LC */
          g_assert_cmpuint ((adts[2] >> 2) & 0x0f, ==, 4); /* 44.1 kHz */
          g_assert_cmpuint (((adts[2] & 1) << 2) | (adts[3] >> 6), ==, 2);
          g_assert_cmpuint (frame_length, ==, 7 + AUDIO_BYTES);
          g_assert_cmpuint (adts[7], ==, 0xa0);
          n_audio++;
        }
    }
  g_assert_cmpuint (n_video, ==, 30);
  g_assert_cmpuint (n_audio, ==, (guint)(GST_SECOND / AUDIO_NS));
  mux_free (m);
}

/* Output batches span max-delay and start at keyframes: each buffer that is
 * not a delta unit starts with PAT, PMT and a keyframe, and carries the
 * running time of its first frame; with max-delay 0 every frame is a
 * buffer of its own. */
static void
test_batches (void)
{
  Mux *m = mux_new (100 * GST_MSECOND, ADTS_AAC);
  guint keyframes = 0;

  mux_run (m, 3.0);
  /* 3 s in batches of 100 ms and a little more, each GOP's last one cut
   * short by the next keyframe: far fewer than the 219 frames */
  g_assert_cmpuint (m->out->len, >=, 15);
  g_assert_cmpuint (m->out->len, <=, 33);
  for (guint i = 0; i < m->out->len; i++)
    {
      GstBuffer *b = m->out->pdata[i];
      GstMapInfo map;

      g_assert_cmpuint (gst_buffer_get_size (b) % 188, ==, 0);
      g_assert_false (GST_BUFFER_FLAG_IS_SET (b, GST_BUFFER_FLAG_HEADER));
      if (GST_BUFFER_FLAG_IS_SET (b, GST_BUFFER_FLAG_DELTA_UNIT))
        continue;
      gst_buffer_map (b, &map, GST_MAP_READ);
      g_assert_cmpuint (packet_pid (map.data), ==, 0);
      g_assert_cmpuint (packet_pid (map.data + 188), ==, 0x20);
      g_assert_cmpuint (packet_pid (map.data + 376), ==, VIDEO_PID);
      g_assert_true (map.data[376 + 5] & 0x40); /* random access */
      gst_buffer_unmap (b, &map);
      g_assert_cmpuint (GST_BUFFER_PTS (b), ==, keyframes * GOP * FRAME_NS);
      keyframes++;
    }
  g_assert_cmpuint (keyframes, ==, 3);
  mux_free (m);

  m = mux_new (0, ADTS_AAC);
  mux_run (m, 1.0);
  g_assert_cmpuint (m->out->len, ==, 30 + (guint)(GST_SECOND / AUDIO_NS));
  mux_free (m);
}

/* No thread of its own: a frame is muxed in the thread that brings it, in
 * DTS order once every pad holds a frame (or has ended), or once it is
 * `latency` older than the newest frame come in, so a pad that brings
 * nothing holds the others back no longer than that; blocks never go back
 * in time. */
static void
test_frame_order (void)
{
  Mux *m = mux_new (0, ADTS_AAC);
  const GstClockTime step = 40 * GST_MSECOND;
  GstClockTime last = 0;
  GstBuffer *b;
  guint n = 0;

  g_object_set (m->video->element, "latency", 500 * GST_MSECOND, NULL);
  /* 25 frames, 0 to 960 ms, and no audio: those at most 460 ms (960 − 500)
   * go, in the pushing thread */
  for (guint i = 0; i < 25; i++)
    g_assert_cmpint (
        gst_harness_push (m->video, frame (VIDEO_BYTES, 1, i * step, i * step, i == 0)), ==,
        GST_FLOW_OK);
  g_assert_cmpuint (gst_harness_buffers_received (m->video), ==, 12);
  /* a frame from before them on the other pad goes at once: it is the
   * earliest and every pad holds one; the video then waits again */
  g_assert_cmpint (gst_harness_push (m->audio, frame (AUDIO_BYTES, 2, 0, 0, TRUE)), ==,
                   GST_FLOW_OK);
  g_assert_cmpuint (gst_harness_buffers_received (m->video), ==, 13);
  /* the audio ends: nothing is left to wait for */
  gst_harness_push_event (m->audio, gst_event_new_eos ());
  g_assert_cmpuint (gst_harness_buffers_received (m->video), ==, 26);
  gst_harness_push_event (m->video, gst_event_new_eos ());
  while (gst_harness_pull_until_eos (m->video, &b) && b != NULL)
    {
      g_assert_cmpuint (GST_BUFFER_PTS (b), >=, last);
      last = GST_BUFFER_PTS (b);
      n++;
      gst_buffer_unref (b);
    }
  g_assert_cmpuint (n, ==, 26);
  g_assert_cmpuint (last, ==, 24 * step);
  mux_free (m);
}

/* A language-code tag (taginject in the channel) becomes the stream's ISO
 * 639 descriptor, in the bibliographic form mpegtsmux writes. */
static void
test_language (void)
{
  Mux *m = mux_new (100 * GST_MSECOND, ADTS_AAC);
  g_autoptr (GBytes) ts = NULL;
  g_autofree char *pmt = NULL;
  guint pcr_pid = 0;

  gst_harness_push_event (m->audio,
                          gst_event_new_tag (gst_tag_list_new (GST_TAG_LANGUAGE_CODE, "fr", NULL)));
  mux_run (m, 0.5);
  ts = mux_output (m);
  pmt = first_pmt (ts, &pcr_pid);
  g_assert_cmpstr (pmt, ==, "1b:41 0f:42:fre");
  mux_free (m);
}

/* Raw AAC without codec_data cannot be muxed: the caps are refused, with
 * an error, and nothing crashes. */
static void
test_raw_aac_without_config (void)
{
  GstHarness *h = gst_harness_new_with_padnames ("exstsmux", "sink_%u", "src");
  GstBus *bus = gst_bus_new ();
  g_autoptr (GstMessage) msg = NULL;

  gst_element_set_bus (h->element, bus);
  gst_harness_set_src_caps_str (h, "audio/mpeg, mpegversion=4, stream-format=raw");
  gst_harness_push (h, frame (AUDIO_BYTES, 1, 0, 0, TRUE));
  msg = gst_bus_timed_pop_filtered (bus, 30 * GST_SECOND, GST_MESSAGE_ERROR);
  g_assert_nonnull (msg);
  gst_harness_teardown (h);
  gst_object_unref (bus);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gst-plugins/tsmux/stream", test_stream);
  g_test_add_func ("/gst-plugins/tsmux/pes-headers", test_pes_headers);
  g_test_add_func ("/gst-plugins/tsmux/batches", test_batches);
  g_test_add_func ("/gst-plugins/tsmux/frame-order", test_frame_order);
  g_test_add_func ("/gst-plugins/tsmux/language", test_language);
  g_test_add_func ("/gst-plugins/tsmux/raw-aac-without-config", test_raw_aac_without_config);
  return g_test_run ();
}
