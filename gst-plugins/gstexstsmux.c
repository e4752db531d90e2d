/* gstexstsmux.c: exstsmux — an MPEG-TS muxer that writes each frame's
 * packets into one block, and batches the blocks.
 *
 * Why not mpegtsmux. mpegtsmux allocates a GstBuffer (and a GstMemory) for
 * every 188-byte packet and hands them on in a list: at 4 Mb/s that is about
 * 2,700 buffers a second per channel, and on a remux channel, where nothing
 * is decoded, their allocation, locking and freeing were most of the CPU
 * (docs/performance.md). This muxer writes a frame's PES header and payload
 * straight into TS packets in one growing block; the block goes out when it
 * spans max-delay of stream time, or before a keyframe. A channel then makes
 * about ten buffers a second, and a synchronising sink wakes ten times a
 * second (what exstsmerge did behind mpegtsmux, without the copy).
 *
 * What it writes (what the channel's viewers and the tests rely on):
 * - one programme (number 1, PMT on PID 0x20), one PID per sink pad from
 *   0x41 in the order the pads were requested (or the pad's name,
 *   sink_65 → PID 65); the first video pad carries the PCR;
 * - H.264 and H.265 (byte-stream, one access unit a buffer) and AAC (ADTS;
 *   raw AAC gets an ADTS header from its codec_data) — the remux path's
 *   streams; a pad's language-code tag becomes its ISO 639 descriptor;
 * - PAT and PMT before every video keyframe, so a viewer who starts at a
 *   keyframe can demux at once, and at least every si-interval otherwise;
 * - a PCR in the first packet of every video PES (every frame), 125 ms
 *   behind its DTS, and timestamps on mpegtsmux's clock (running time plus
 *   one hour), so a channel switched between the two muxers keeps its
 *   clock;
 * - the random access indicator on a video keyframe's first packet;
 * - output buffers that start at a frame, each a keyframe (no DELTA_UNIT)
 *   only if it starts with PAT, PMT and a keyframe, carrying the running
 *   time of its first frame's DTS as PTS. Never HEADER, no streamheader: a
 *   sink sends a new viewer nothing but what follows its keyframe.
 *
 * Interleaving is GstAggregator's: it calls aggregate once every pad holds
 * data (or has ended), and the frame with the earliest DTS goes first. A pad
 * holds up to the aggregator's latency, so a single upstream thread can feed
 * both pads (the remux path's demuxer does).
 *
 * Threads: everything after the pads' chain functions runs in the
 * aggregator's source thread, caps and tags included (GstAggregator hands
 * serialized events to sink_event in order with the buffers). Properties and
 * the PID counter are under the object lock.
 *
 * SECTION:element-exstsmux
 *
 * |[
 * gst-launch-1.0 videotestsrc num-buffers=300 ! x264enc ! h264parse ! exstsmux name=mux ! filesink
 * location=out.ts \ audiotestsrc num-buffers=400 ! avenc_aac ! aacparse ! mux.
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstexstsmux.h"

#include <gst/mpegts/mpegts.h>
#include <gst/tag/tag.h>
#include <gst/video/video.h>
#include <stdio.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (gst_exs_ts_mux_debug);
#define GST_CAT_DEFAULT gst_exs_ts_mux_debug

#define TS_PACKET_SIZE 188
#define TS_PAYLOAD_SIZE 184
#define PAT_PID 0x0000
#define PMT_PID 0x0020
#define FIRST_ES_PID 0x0041
#define LAST_ES_PID 0x1ffe
#define PROGRAM_NUMBER 1
#define TRANSPORT_STREAM_ID 1
#define CLOCK_BASE ((gint64)90000 * 3600) /* timestamps start at 1 h, as mpegtsmux's */
#define PCR_OFFSET (90000 / 8)            /* the PCR runs 125 ms behind the DTS */
#define MPEG_TIME_MASK ((G_GINT64_CONSTANT (1) << 33) - 1)
#define ADTS_HEADER_SIZE 7
#define PES_HEADER_MAX (9 + 10 + ADTS_HEADER_SIZE) /* with PTS and DTS, then ADTS */
#define DEFAULT_SI_INTERVAL 4500                   /* 50 ms of the 90 kHz clock */
#define DEFAULT_MAX_DELAY (100 * GST_MSECOND)
#define MIN_BATCH_BYTES (64 * 1024)

#define STREAM_TYPE_AAC_ADTS 0x0f
#define STREAM_TYPE_H264 0x1b
#define STREAM_TYPE_H265 0x24

/* ---------------------------------------------------------------- the pad */

struct _GstExsTsMuxPad
{
  GstAggregatorPad parent;

  guint16 pid; /* set when requested */

  /* aggregator thread */
  guint8 stream_type; /* 0 until its caps */
  guint8 stream_id;   /* PES stream_id: 0xe0 video, 0xc0 audio */
  guint8 cc;          /* continuity counter of the next packet */
  gboolean adts;      /* raw AAC: each frame gets an ADTS header */
  guint8 adts_profile, adts_rate, adts_channels;
  char language[4]; /* ISO 639-2, "" when none */
};

G_DEFINE_TYPE (GstExsTsMuxPad, gst_exs_ts_mux_pad, GST_TYPE_AGGREGATOR_PAD);

static void
gst_exs_ts_mux_pad_class_init (GstExsTsMuxPadClass *klass)
{
}

static void
gst_exs_ts_mux_pad_init (GstExsTsMuxPad *pad)
{
}

static gboolean
pad_is_video (GstExsTsMuxPad *pad)
{
  return pad->stream_type == STREAM_TYPE_H264 || pad->stream_type == STREAM_TYPE_H265;
}

/* ------------------------------------------------------------ the element */

struct _GstExsTsMux
{
  GstAggregator parent;

  /* object lock */
  GstClockTime max_delay;
  guint si_interval;
  guint16 next_pid;

  /* aggregator thread */
  gboolean caps_sent;
  gboolean tables_stale; /* a pad's stream or language changed: build PMT again */
  gboolean tables_built; /* since start: a rebuilt PMT gets the next version */
  guint8 pmt_version;
  guint8 pat_cc, pmt_cc;
  guint8 pat_packet[TS_PACKET_SIZE];
  guint8 pmt_packet[TS_PACKET_SIZE];
  gint64 next_tables; /* 90 kHz clock: when PAT and PMT go out again; G_MININT64: before the next
                         frame */
  guint16 pcr_pid;    /* 0x1fff: none yet */

  GByteArray *batch;
  GstClockTime batch_start; /* running time of its first frame */
  gboolean batch_keyframe;
  guint batch_hint; /* the last batch's size: the next one's first allocation */
};

enum
{
  PROP_0,
  PROP_MAX_DELAY,
  PROP_SI_INTERVAL,
};

static GstStaticPadTemplate sink_template = GST_STATIC_PAD_TEMPLATE (
    "sink_%u", GST_PAD_SINK, GST_PAD_REQUEST,
    GST_STATIC_CAPS ("video/x-h264, stream-format=(string)byte-stream, alignment=(string)au; "
                     "video/x-h265, stream-format=(string)byte-stream, alignment=(string)au; "
                     "audio/mpeg, mpegversion=(int)4, stream-format=(string){ adts, raw }; "
                     "audio/mpeg, mpegversion=(int)2, stream-format=(string)adts"));
static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE (
    "src", GST_PAD_SRC, GST_PAD_ALWAYS,
    GST_STATIC_CAPS ("video/mpegts, systemstream=(boolean)true, packetsize=(int)188"));

G_DEFINE_TYPE (GstExsTsMux, gst_exs_ts_mux, GST_TYPE_AGGREGATOR);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (exstsmux, "exstsmux", GST_RANK_NONE, GST_TYPE_EXS_TS_MUX,
                                       gst_mpegts_initialize ());

static gint64
to_mpeg_time (GstClockTimeDiff t)
{
  return t >= 0 ? (gint64)gst_util_uint64_scale (t, 90000, GST_SECOND)
                : -(gint64)gst_util_uint64_scale (-t, 90000, GST_SECOND);
}

/* Running time of @ts in @pad's segment, signed (a B-frame stream's first
 * DTS comes before its segment's start). */
static gboolean
pad_running_time (GstAggregatorPad *pad, GstClockTime ts, GstClockTimeDiff *out)
{
  guint64 rt = 0;
  int sign = 0;

  if (!GST_CLOCK_TIME_IS_VALID (ts))
    return FALSE;
  GST_OBJECT_LOCK (pad);
  if (pad->segment.format == GST_FORMAT_TIME)
    sign = gst_segment_to_running_time_full (&pad->segment, GST_FORMAT_TIME, ts, &rt);
  GST_OBJECT_UNLOCK (pad);
  if (sign == 0)
    return FALSE;
  *out = sign > 0 ? (GstClockTimeDiff)rt : -(GstClockTimeDiff)rt;
  return TRUE;
}

/* The running time a buffer is muxed in order of: its DTS, else its PTS. */
static gboolean
buffer_order_time (GstAggregatorPad *pad, GstBuffer *buf, GstClockTimeDiff *out)
{
  return pad_running_time (pad, GST_BUFFER_DTS_OR_PTS (buf), out);
}

/* --------------------------------------------------------------- tables */

static gboolean
section_to_packet (GstMpegtsSection *section, guint16 pid, guint8 *packet)
{
  gsize size = 0;
  const guint8 *data = gst_mpegts_section_packetize (section, &size);

  if (data == NULL || size > TS_PAYLOAD_SIZE - 1)
    return FALSE;
  packet[0] = 0x47;
  packet[1] = 0x40 | (pid >> 8); /* payload_unit_start_indicator */
  packet[2] = pid & 0xff;
  packet[3] = 0x10; /* payload only; the continuity counter is added when written */
  packet[4] = 0;    /* pointer_field */
  memcpy (packet + 5, data, size);
  memset (packet + 5 + size, 0xff, TS_PAYLOAD_SIZE - 1 - size);
  return TRUE;
}

/* Aggregator thread: PAT and PMT from the pads as they are now. */
static gboolean
build_tables (GstExsTsMux *self)
{
  GstMpegtsSection *pat_section, *pmt_section; /* no autoptr for them in 1.22 */
  gboolean ok;
  GPtrArray *programs = gst_mpegts_pat_new ();
  GstMpegtsPatProgram *program = gst_mpegts_pat_program_new ();
  GstMpegtsPMT *pmt = gst_mpegts_pmt_new ();
  guint16 pcr_pid = 0x1fff;

  program->program_number = PROGRAM_NUMBER;
  program->network_or_program_map_PID = PMT_PID;
  g_ptr_array_add (programs, program);
  pat_section = gst_mpegts_section_from_pat (programs, TRANSPORT_STREAM_ID);

  pmt->program_number = PROGRAM_NUMBER;
  GST_OBJECT_LOCK (self);
  for (GList *l = GST_ELEMENT (self)->sinkpads; l; l = l->next)
    {
      GstExsTsMuxPad *pad = l->data;
      GstMpegtsPMTStream *stream;

      if (pad->stream_type == 0)
        continue;
      stream = gst_mpegts_pmt_stream_new ();
      stream->stream_type = pad->stream_type;
      stream->pid = pad->pid;
      if (pad->language[0])
        g_ptr_array_add (stream->descriptors,
                         gst_mpegts_descriptor_from_iso_639_language (pad->language));
      g_ptr_array_add (pmt->streams, stream);
      if (pcr_pid == 0x1fff && pad_is_video (pad))
        pcr_pid = pad->pid;
    }
  GST_OBJECT_UNLOCK (self);
  pmt->pcr_pid = pcr_pid;
  pmt_section = gst_mpegts_section_from_pmt (pmt, PMT_PID);
  if (self->tables_built)
    self->pmt_version = (self->pmt_version + 1) & 0x1f; /* receivers read a PMT again when it changes */
  pmt_section->version_number = self->pmt_version;

  ok = section_to_packet (pat_section, PAT_PID, self->pat_packet)
       && section_to_packet (pmt_section, PMT_PID, self->pmt_packet);
  gst_mpegts_section_unref (pat_section);
  gst_mpegts_section_unref (pmt_section);
  if (!ok)
    return FALSE;
  self->pcr_pid = pcr_pid;
  self->tables_stale = FALSE;
  self->tables_built = TRUE;
  GST_DEBUG_OBJECT (self, "PMT version %u, PCR on PID 0x%04x", self->pmt_version, pcr_pid);
  return TRUE;
}

static guint8 *
batch_reserve (GstExsTsMux *self, guint n_packets)
{
  guint at = self->batch->len;

  g_byte_array_set_size (self->batch, at + n_packets * TS_PACKET_SIZE);
  return self->batch->data + at;
}

static void
write_table (GstExsTsMux *self, const guint8 *packet, guint8 *cc)
{
  guint8 *out = batch_reserve (self, 1);

  memcpy (out, packet, TS_PACKET_SIZE);
  out[3] |= *cc;
  *cc = (*cc + 1) & 0x0f;
}

/* ---------------------------------------------------------------- batches */

static GstFlowReturn
push_batch (GstExsTsMux *self)
{
  GstAggregator *agg = GST_AGGREGATOR (self);
  GstBuffer *out;
  guint len;

  if (self->batch == NULL)
    return GST_FLOW_OK;
  len = self->batch->len;
  self->batch_hint = len;
  out = gst_buffer_new_wrapped (g_byte_array_free (g_steal_pointer (&self->batch), FALSE), len);
  GST_BUFFER_PTS (out) = self->batch_start;
  if (!self->batch_keyframe)
    GST_BUFFER_FLAG_SET (out, GST_BUFFER_FLAG_DELTA_UNIT);
  if (!self->caps_sent)
    {
      g_autoptr (GstCaps) caps = gst_static_pad_template_get_caps (&src_template);

      gst_aggregator_set_src_caps (agg, caps);
      self->caps_sent = TRUE;
    }
  GST_OBJECT_LOCK (agg->srcpad);
  GST_AGGREGATOR_PAD (agg->srcpad)->segment.position = self->batch_start;
  GST_OBJECT_UNLOCK (agg->srcpad);
  return gst_aggregator_finish_buffer (agg, out);
}

static void
clear_batch (GstExsTsMux *self)
{
  if (self->batch)
    g_byte_array_unref (g_steal_pointer (&self->batch));
}

/* ------------------------------------------------------------------ PES */

static guint8 *
put_timestamp (guint8 *p, guint8 prefix, gint64 ts)
{
  ts &= MPEG_TIME_MASK;
  p[0] = (prefix << 4) | (((ts >> 30) & 0x07) << 1) | 1;
  p[1] = (ts >> 22) & 0xff;
  p[2] = (((ts >> 15) & 0x7f) << 1) | 1;
  p[3] = (ts >> 7) & 0xff;
  p[4] = ((ts & 0x7f) << 1) | 1;
  return p + 5;
}

/* The PES header (and an ADTS header for raw AAC) of a frame of @size
 * bytes into @head; returns its length. */
static guint
write_pes_header (GstExsTsMuxPad *pad, guint8 *head, gsize size, gint64 pts, gint64 dts)
{
  gboolean with_dts = dts != pts;
  guint header_data = with_dts ? 10 : 5;
  guint adts = pad->adts ? ADTS_HEADER_SIZE : 0;
  gsize pes_length = 3 + header_data + adts + size;
  guint8 *p = head;

  p[0] = 0x00;
  p[1] = 0x00;
  p[2] = 0x01;
  p[3] = pad->stream_id;
  if (pes_length > G_MAXUINT16)
    pes_length = 0; /* unbounded: allowed for video only, and only video frames are this large */
  p[4] = pes_length >> 8;
  p[5] = pes_length & 0xff;
  p[6] = 0x84; /* '10', data_alignment_indicator: a PES holds whole frames */
  p[7] = with_dts ? 0xc0 : 0x80;
  p[8] = header_data;
  p = put_timestamp (p + 9, with_dts ? 0x3 : 0x2, pts);
  if (with_dts)
    p = put_timestamp (p, 0x1, dts);
  if (adts)
    {
      gsize frame = ADTS_HEADER_SIZE + size;

      p[0] = 0xff;
      p[1] = 0xf1; /* MPEG-4, no CRC */
      p[2] = ((pad->adts_profile & 0x03) << 6) | ((pad->adts_rate & 0x0f) << 2)
             | ((pad->adts_channels >> 2) & 0x01);
      p[3] = ((pad->adts_channels & 0x03) << 6) | ((frame >> 11) & 0x03);
      p[4] = (frame >> 3) & 0xff;
      p[5] = ((frame & 0x07) << 5) | 0x1f;
      p[6] = 0xfc;
      p += ADTS_HEADER_SIZE;
    }
  return p - head;
}

/* Writes the frame as TS packets into the batch: @head (PES header) then
 * @data. The first packet carries @pcr (≥ 0) and @random_access in its
 * adaptation field; the last is filled up with adaptation-field stuffing. */
static void
write_pes (GstExsTsMux *self, GstExsTsMuxPad *pad, const guint8 *head, guint head_len,
           const guint8 *data, gsize size, gint64 pcr, gboolean random_access)
{
  gsize total = head_len + size;
  guint first_af = (pcr >= 0 || random_access) ? 2 + (pcr >= 0 ? 6 : 0) : 0;
  gsize first_payload = TS_PAYLOAD_SIZE - first_af;
  guint n_packets
      = 1
        + (total > first_payload ? (total - first_payload + TS_PAYLOAD_SIZE - 1) / TS_PAYLOAD_SIZE
                                 : 0);
  guint8 *out = batch_reserve (self, n_packets);
  gsize written = 0;

  for (guint i = 0; i < n_packets; i++, out += TS_PACKET_SIZE)
    {
      gsize left = total - written;
      guint af = i == 0 ? first_af : 0;
      gsize payload = MIN (left, TS_PAYLOAD_SIZE - af);
      guint8 *p;

      if (payload < TS_PAYLOAD_SIZE - af || af > 0)
        af = TS_PAYLOAD_SIZE - payload; /* stuffing fills what the payload leaves */
      out[0] = 0x47;
      out[1] = (i == 0 ? 0x40 : 0x00) | (pad->pid >> 8);
      out[2] = pad->pid & 0xff;
      out[3] = (af ? 0x30 : 0x10) | pad->cc;
      pad->cc = (pad->cc + 1) & 0x0f;
      p = out + 4;
      if (af)
        {
          guint8 *af_end = p + af;

          p[0] = af - 1; /* adaptation_field_length */
          if (af > 1)
            {
              p[1] = 0;
              p += 2;
              if (i == 0 && random_access)
                out[5] |= 0x40;
              if (i == 0 && pcr >= 0)
                {
                  guint64 base = (guint64)pcr & MPEG_TIME_MASK;

                  out[5] |= 0x10;
                  p[0] = base >> 25;
                  p[1] = base >> 17;
                  p[2] = base >> 9;
                  p[3] = base >> 1;
                  p[4] = ((base & 1) << 7) | 0x7e; /* extension 0 */
                  p[5] = 0;
                  p += 6;
                }
              memset (p, 0xff, af_end - p);
            }
          p = af_end;
        }
      /* the payload: what is left of the header, then the data */
      for (gsize n = payload; n > 0;)
        {
          gsize chunk;

          if (written < head_len)
            {
              chunk = MIN (n, head_len - written);
              memcpy (p, head + written, chunk);
            }
          else
            {
              chunk = n;
              memcpy (p, data + (written - head_len), chunk);
            }
          p += chunk;
          written += chunk;
          n -= chunk;
        }
    }
}

/* ------------------------------------------------------------ aggregating */

/* The pad whose next frame has the earliest DTS (NULL when every pad is
 * empty); a pad with a frame but no usable time goes first, to be dropped. */
static GstExsTsMuxPad *
find_next_pad (GstExsTsMux *self, GstClockTimeDiff *order_time)
{
  GstExsTsMuxPad *best = NULL;
  GstClockTimeDiff best_time = 0;

  GST_OBJECT_LOCK (self);
  for (GList *l = GST_ELEMENT (self)->sinkpads; l; l = l->next)
    {
      GstAggregatorPad *pad = l->data;
      g_autoptr (GstBuffer) buf = gst_aggregator_pad_peek_buffer (pad);
      GstClockTimeDiff t;

      if (buf == NULL)
        continue;
      if (!buffer_order_time (pad, buf, &t))
        t = G_MININT64;
      if (best == NULL || t < best_time)
        {
          g_clear_object (&best);
          best = gst_object_ref (GST_EXS_TS_MUX_PAD (pad));
          best_time = t;
        }
    }
  GST_OBJECT_UNLOCK (self);
  *order_time = best_time;
  return best;
}

static gboolean
all_pads_ended (GstExsTsMux *self)
{
  gboolean ended = TRUE;

  GST_OBJECT_LOCK (self);
  for (GList *l = GST_ELEMENT (self)->sinkpads; l && ended; l = l->next)
    ended = gst_aggregator_pad_is_eos (l->data);
  GST_OBJECT_UNLOCK (self);
  return ended;
}

static GstFlowReturn
mux_frame (GstExsTsMux *self, GstExsTsMuxPad *pad, GstBuffer *buf, GstClockTimeDiff dts_rt)
{
  GstAggregatorPad *apad = GST_AGGREGATOR_PAD (pad);
  GstClockTimeDiff pts_rt;
  gboolean video = pad_is_video (pad);
  gboolean keyframe = video && !GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
  gint64 dts, pts;
  GstClockTime max_delay;
  guint si_interval;
  guint8 head[PES_HEADER_MAX];
  guint head_len;
  GstMapInfo map;
  GstFlowReturn ret = GST_FLOW_OK;

  if (pad->stream_type == 0)
    {
      GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
                         ("data on %s before its caps", GST_PAD_NAME (pad)));
      return GST_FLOW_NOT_NEGOTIATED;
    }
  if (!pad_running_time (apad, GST_BUFFER_PTS (buf), &pts_rt))
    pts_rt = dts_rt;
  GST_OBJECT_LOCK (self);
  max_delay = self->max_delay;
  si_interval = self->si_interval;
  GST_OBJECT_UNLOCK (self);

  dts = to_mpeg_time (dts_rt) + CLOCK_BASE;
  pts = to_mpeg_time (pts_rt) + CLOCK_BASE;
  if (pts < dts)
    pts = dts;

  /* a keyframe starts a batch, with the tables first */
  if (keyframe && self->batch != NULL)
    ret = push_batch (self);
  if (ret != GST_FLOW_OK)
    return ret;
  if (self->batch == NULL)
    {
      self->batch
          = g_byte_array_sized_new (MAX (self->batch_hint + self->batch_hint / 4, MIN_BATCH_BYTES));
      self->batch_start = dts_rt > 0 ? (GstClockTime)dts_rt : 0;
      self->batch_keyframe = keyframe;
    }
  if (self->tables_stale && !build_tables (self))
    {
      GST_ELEMENT_ERROR (self, STREAM, MUX, (NULL), ("the PAT or PMT cannot be written"));
      return GST_FLOW_ERROR;
    }
  if (keyframe || self->next_tables == G_MININT64 || dts >= self->next_tables)
    {
      write_table (self, self->pat_packet, &self->pat_cc);
      write_table (self, self->pmt_packet, &self->pmt_cc);
      self->next_tables = dts + si_interval;
    }

  if (!gst_buffer_map (buf, &map, GST_MAP_READ))
    {
      GST_ELEMENT_ERROR (self, RESOURCE, READ, (NULL),
                         ("a frame on %s cannot be read", GST_PAD_NAME (pad)));
      return GST_FLOW_ERROR;
    }
  head_len = write_pes_header (pad, head, map.size, pts, dts);
  write_pes (self, pad, head, head_len, map.data, map.size,
             pad->pid == self->pcr_pid ? dts - PCR_OFFSET : -1, keyframe);
  gst_buffer_unmap (buf, &map);

  if ((GstClockTime)MAX (dts_rt, 0) >= self->batch_start + max_delay)
    ret = push_batch (self);
  return ret;
}

static GstFlowReturn
gst_exs_ts_mux_aggregate (GstAggregator *agg, gboolean timeout)
{
  GstExsTsMux *self = GST_EXS_TS_MUX (agg);
  g_autoptr (GstExsTsMuxPad) pad = NULL;
  GstClockTimeDiff order_time;
  GstBuffer *buf;
  GstFlowReturn ret;

  pad = find_next_pad (self, &order_time);
  if (pad == NULL)
    {
      if (!all_pads_ended (self))
        return GST_FLOW_OK;
      ret = push_batch (self);
      return ret == GST_FLOW_OK ? GST_FLOW_EOS : ret;
    }
  buf = gst_aggregator_pad_pop_buffer (GST_AGGREGATOR_PAD (pad));
  if (buf == NULL)
    return GST_FLOW_OK;
  if (gst_buffer_get_size (buf) == 0 || order_time == G_MININT64)
    {
      /* a gap, or a frame with no time to put it at */
      if (gst_buffer_get_size (buf) != 0)
        GST_WARNING_OBJECT (pad, "a frame without a timestamp dropped");
      gst_buffer_unref (buf);
      return GST_FLOW_OK;
    }
  ret = mux_frame (self, pad, buf, order_time);
  gst_buffer_unref (buf);
  return ret;
}

/* --------------------------------------------------------------- events */

/* Aggregator thread: what the pad carries, from its caps. */
static gboolean
set_pad_caps (GstExsTsMux *self, GstExsTsMuxPad *pad, GstCaps *caps)
{
  GstStructure *s = gst_caps_get_structure (caps, 0);
  const char *name = gst_structure_get_name (s);
  guint8 type = 0;

  pad->adts = FALSE;
  if (g_str_equal (name, "video/x-h264"))
    type = STREAM_TYPE_H264;
  else if (g_str_equal (name, "video/x-h265"))
    type = STREAM_TYPE_H265;
  else if (g_str_equal (name, "audio/mpeg"))
    {
      type = STREAM_TYPE_AAC_ADTS;
      if (g_strcmp0 (gst_structure_get_string (s, "stream-format"), "raw") == 0)
        {
          const GValue *v = gst_structure_get_value (s, "codec_data");
          GstBuffer *config
              = v && G_VALUE_HOLDS (v, GST_TYPE_BUFFER) ? gst_value_get_buffer (v) : NULL;
          guint8 asc[2];
          guint object_type;

          if (config == NULL || gst_buffer_extract (config, 0, asc, 2) != 2)
            {
              GST_ELEMENT_ERROR (self, STREAM, FORMAT, (NULL),
                                 ("raw AAC on %s without codec_data", GST_PAD_NAME (pad)));
              return FALSE;
            }
          /* AudioSpecificConfig: object type (5 bits), rate index (4), channels (4) */
          object_type = asc[0] >> 3;
          pad->adts = TRUE;
          pad->adts_profile = (object_type >= 1 && object_type <= 4 ? object_type : 2)
                              - 1; /* HE-AAC's core is LC */
          pad->adts_rate = ((asc[0] & 0x07) << 1) | (asc[1] >> 7);
          pad->adts_channels = (asc[1] >> 3) & 0x0f;
        }
    }
  if (type == 0)
    return FALSE;
  if (type != pad->stream_type)
    {
      pad->stream_type = type;
      pad->stream_id = (type == STREAM_TYPE_AAC_ADTS) ? 0xc0 : 0xe0;
      self->tables_stale = TRUE;
      self->next_tables = G_MININT64;
    }
  return TRUE;
}

static void
set_pad_language (GstExsTsMux *self, GstExsTsMuxPad *pad, GstTagList *tags)
{
  g_autofree char *code = NULL;
  const char *iso = NULL;

  if (!gst_tag_list_get_string (tags, GST_TAG_LANGUAGE_CODE, &code))
    return;
  /* the bibliographic code, as mpegtsmux writes it ("fre", not "fra") */
  iso = gst_tag_get_language_code_iso_639_2B (code);
  if (iso == NULL && strlen (code) == 3)
    iso = code;
  if (iso == NULL || strlen (iso) != 3 || g_str_equal (iso, pad->language))
    return;
  g_strlcpy (pad->language, iso, sizeof pad->language);
  self->tables_stale = TRUE;
  self->next_tables = G_MININT64;
}

static gboolean
gst_exs_ts_mux_sink_event (GstAggregator *agg, GstAggregatorPad *apad, GstEvent *event)
{
  GstExsTsMux *self = GST_EXS_TS_MUX (agg);
  GstExsTsMuxPad *pad = GST_EXS_TS_MUX_PAD (apad);

  switch (GST_EVENT_TYPE (event))
    {
      case GST_EVENT_CAPS:
        {
          GstCaps *caps;
          gboolean ok;

          /* ours: the source pad's caps are the TS's, set with the first output */
          gst_event_parse_caps (event, &caps);
          ok = set_pad_caps (self, pad, caps);
          gst_event_unref (event);
          return ok;
        }
      case GST_EVENT_TAG:
        {
          GstTagList *tags;

          gst_event_parse_tag (event, &tags);
          set_pad_language (self, pad, tags);
          break;
        }
      case GST_EVENT_CUSTOM_DOWNSTREAM:
        /* force-key-unit asking for tables: every keyframe has them */
        if (gst_video_event_is_force_key_unit (event))
          {
            gst_event_unref (event);
            return TRUE;
          }
        break;
      default:
        break;
    }
  return GST_AGGREGATOR_CLASS (gst_exs_ts_mux_parent_class)->sink_event (agg, apad, event);
}

/* ------------------------------------------------------- GstAggregator */

static GstAggregatorPad *
gst_exs_ts_mux_create_new_pad (GstAggregator *agg, GstPadTemplate *templ, const char *req_name,
                               const GstCaps *caps)
{
  GstExsTsMux *self = GST_EXS_TS_MUX (agg);
  GstAggregatorPad *apad;
  guint requested = 0;

  apad = GST_AGGREGATOR_CLASS (gst_exs_ts_mux_parent_class)
             ->create_new_pad (agg, templ, req_name, caps);
  if (apad == NULL)
    return NULL;
  if (sscanf (GST_PAD_NAME (apad), "sink_%u", &requested) != 1)
    requested = 0;
  GST_OBJECT_LOCK (self);
  if (requested >= FIRST_ES_PID && requested <= LAST_ES_PID)
    GST_EXS_TS_MUX_PAD (apad)->pid = requested;
  else
    GST_EXS_TS_MUX_PAD (apad)->pid = self->next_pid++;
  self->tables_stale = TRUE;
  GST_OBJECT_UNLOCK (self);
  return apad;
}

static void
reset (GstExsTsMux *self)
{
  clear_batch (self);
  self->caps_sent = FALSE;
  self->tables_stale = TRUE;
  self->tables_built = FALSE;
  self->pmt_version = 0;
  self->next_tables = G_MININT64;
  self->pcr_pid = 0x1fff;
}

static gboolean
gst_exs_ts_mux_start (GstAggregator *agg)
{
  reset (GST_EXS_TS_MUX (agg));
  return TRUE;
}

static gboolean
gst_exs_ts_mux_stop (GstAggregator *agg)
{
  reset (GST_EXS_TS_MUX (agg));
  return TRUE;
}

static GstFlowReturn
gst_exs_ts_mux_flush (GstAggregator *agg)
{
  GstExsTsMux *self = GST_EXS_TS_MUX (agg);

  clear_batch (self);
  self->next_tables = G_MININT64;
  return GST_FLOW_OK;
}

static void
gst_exs_ts_mux_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstExsTsMux *self = GST_EXS_TS_MUX (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id)
    {
      case PROP_MAX_DELAY:
        self->max_delay = g_value_get_uint64 (value);
        break;
      case PROP_SI_INTERVAL:
        self->si_interval = g_value_get_uint (value);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_exs_ts_mux_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstExsTsMux *self = GST_EXS_TS_MUX (object);

  GST_OBJECT_LOCK (self);
  switch (prop_id)
    {
      case PROP_MAX_DELAY:
        g_value_set_uint64 (value, self->max_delay);
        break;
      case PROP_SI_INTERVAL:
        g_value_set_uint (value, self->si_interval);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_exs_ts_mux_finalize (GObject *object)
{
  clear_batch (GST_EXS_TS_MUX (object));
  G_OBJECT_CLASS (gst_exs_ts_mux_parent_class)->finalize (object);
}

static void
gst_exs_ts_mux_class_init (GstExsTsMuxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);
  GstAggregatorClass *agg_class = GST_AGGREGATOR_CLASS (klass);

  object_class->set_property = gst_exs_ts_mux_set_property;
  object_class->get_property = gst_exs_ts_mux_get_property;
  object_class->finalize = gst_exs_ts_mux_finalize;
  agg_class->aggregate = gst_exs_ts_mux_aggregate;
  agg_class->sink_event = gst_exs_ts_mux_sink_event;
  agg_class->create_new_pad = gst_exs_ts_mux_create_new_pad;
  agg_class->start = gst_exs_ts_mux_start;
  agg_class->stop = gst_exs_ts_mux_stop;
  agg_class->flush = gst_exs_ts_mux_flush;

  g_object_class_install_property (
      object_class, PROP_MAX_DELAY,
      g_param_spec_uint64 (
          "max-delay", "Maximum delay",
          "Hold the output until it spans this much stream time (ns); a keyframe starts a new "
          "buffer. 0 pushes every frame at once",
          0, 10 * GST_SECOND, DEFAULT_MAX_DELAY, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  g_object_class_install_property (
      object_class, PROP_SI_INTERVAL,
      g_param_spec_uint (
          "si-interval", "Table interval",
          "The longest time between PAT/PMT pairs, in 90 kHz ticks (they also go before every "
          "video keyframe)",
          1, 10 * 90000, DEFAULT_SI_INTERVAL, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  gst_element_class_add_static_pad_template_with_gtype (element_class, &sink_template,
                                                        GST_TYPE_EXS_TS_MUX_PAD);
  gst_element_class_add_static_pad_template_with_gtype (element_class, &src_template,
                                                        GST_TYPE_AGGREGATOR_PAD);
  gst_element_class_set_static_metadata (
      element_class, "MPEG-TS muxer (frame blocks)", "Codec/Muxer",
      "Muxes H.264/H.265 and AAC into MPEG-TS, a frame's packets in one block", "EXStreamTV");
  gst_type_mark_as_plugin_api (GST_TYPE_EXS_TS_MUX_PAD, 0);
  GST_DEBUG_CATEGORY_INIT (gst_exs_ts_mux_debug, "exstsmux", 0, "EXStreamTV TS muxer");
}

static void
gst_exs_ts_mux_init (GstExsTsMux *self)
{
  self->max_delay = DEFAULT_MAX_DELAY;
  self->si_interval = DEFAULT_SI_INTERVAL;
  self->next_pid = FIRST_ES_PID;
  reset (self);
}
