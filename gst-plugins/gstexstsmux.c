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
 * Threads. The muxer has no thread of its own: a frame is muxed, and a
 * finished block pushed, in the thread that brought the frame (on the remux
 * path, the item's demuxer: it then waits in the synchronising sink once per
 * block, and nothing crosses a thread per frame). An aggregator (mpegtsmux,
 * and this element before) runs a thread of its own and wakes the upstream
 * thread for every frame it takes: two context switches a frame, which cost
 * more than the muxing (docs/performance.md).
 *
 * Interleaving. Each pad keeps the frames that came ahead of the other
 * pads' frames: the earliest DTS among the pads' first frames goes out once
 * every pad holds a frame (or has ended), or once it is `latency` older than
 * the newest frame come in, so a stream that stops (an item between its
 * video and its audio) holds the other back no longer than that. One
 * upstream thread can feed both pads (the remux path's demuxer does); two
 * threads can too (an item's last audio beside the next item's first video).
 *
 * Locks. The mux lock covers the pads' queues, the tables and the block,
 * and is held while a block is pushed, so blocks leave in order; a thread
 * bringing a frame meanwhile waits for it (at most until the sink's clock
 * reaches that block). The object lock covers properties, the pad list and
 * the PID counter, and is taken inside the mux lock, never around it. A
 * pad's segment is its own streaming thread's.
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

#include <gst/base/gstqueuearray.h>
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
#define DEFAULT_LATENCY (1 * GST_SECOND)
#define MIN_BATCH_BYTES (64 * 1024)

#define STREAM_TYPE_AAC_ADTS 0x0f
#define STREAM_TYPE_H264 0x1b
#define STREAM_TYPE_H265 0x24

/* ---------------------------------------------------------------- the pad */

/* A frame waiting on its pad for the other pads' frames. */
typedef struct
{
  GstBuffer *buf;
  GstClockTimeDiff dts_rt; /* running time of its DTS (else PTS): the mux's order */
  GstClockTimeDiff pts_rt;
} Frame;

struct _GstExsTsMuxPad
{
  GstPad parent;

  guint16 pid; /* set when requested */

  /* its streaming thread */
  GstSegment segment;

  /* the mux lock */
  GstQueueArray *frames; /* Frame, in the order they came */
  gboolean eos;
  guint8 stream_type; /* 0 until its caps */
  guint8 stream_id;   /* PES stream_id: 0xe0 video, 0xc0 audio */
  guint8 cc;          /* continuity counter of the next packet */
  gboolean adts;      /* raw AAC: each frame gets an ADTS header */
  guint8 adts_profile, adts_rate, adts_channels;
  char language[4]; /* ISO 639-2, "" when none */
};

G_DEFINE_TYPE (GstExsTsMuxPad, gst_exs_ts_mux_pad, GST_TYPE_PAD);

static void
frame_clear (Frame *frame)
{
  gst_clear_buffer (&frame->buf);
}

static void
pad_clear_frames (GstExsTsMuxPad *pad)
{
  gst_queue_array_clear (pad->frames);
}

static void
gst_exs_ts_mux_pad_finalize (GObject *object)
{
  GstExsTsMuxPad *pad = GST_EXS_TS_MUX_PAD (object);

  gst_queue_array_free (pad->frames);
  G_OBJECT_CLASS (gst_exs_ts_mux_pad_parent_class)->finalize (object);
}

static void
gst_exs_ts_mux_pad_class_init (GstExsTsMuxPadClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = gst_exs_ts_mux_pad_finalize;
}

static void
gst_exs_ts_mux_pad_init (GstExsTsMuxPad *pad)
{
  gst_segment_init (&pad->segment, GST_FORMAT_UNDEFINED);
  pad->frames = gst_queue_array_new_for_struct (sizeof (Frame), 16);
  gst_queue_array_set_clear_func (pad->frames, (GDestroyNotify)frame_clear);
}

static gboolean
pad_is_video (GstExsTsMuxPad *pad)
{
  return pad->stream_type == STREAM_TYPE_H264 || pad->stream_type == STREAM_TYPE_H265;
}

/* ------------------------------------------------------------ the element */

struct _GstExsTsMux
{
  GstElement parent;

  GstPad *srcpad;

  /* object lock */
  GstClockTime max_delay;
  GstClockTime latency;
  guint si_interval;
  guint16 next_pid;
  guint next_serial; /* of the next sink_%u */

  GMutex lock;             /* the mux lock: what follows, and the pads' queues */
  gboolean events_sent;    /* stream-start, caps and segment, before the first block */
  GstClockTimeDiff newest; /* the latest frame come in, on any pad; G_MININT64: none */
  gboolean tables_stale;   /* a pad's stream or language changed: build PMT again */
  gboolean tables_built;   /* since start: a rebuilt PMT gets the next version */
  guint8 pmt_version;
  guint8 pat_cc, pmt_cc;
  guint8 pat_packet[TS_PACKET_SIZE];
  guint8 pmt_packet[TS_PACKET_SIZE];
  gint64 next_tables; /* 90 kHz clock: when PAT and PMT go out again; G_MININT64: before the next
                         frame */
  guint16 pcr_pid;    /* 0x1fff: none yet */

  GByteArray *batch;
  GstClockTime batch_start; /* running time of its first frame (never before the last block's) */
  gboolean batch_keyframe;
  guint batch_hint; /* the last batch's size: the next one's first allocation */
};

enum
{
  PROP_0,
  PROP_MAX_DELAY,
  PROP_SI_INTERVAL,
  PROP_LATENCY,
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

G_DEFINE_TYPE (GstExsTsMux, gst_exs_ts_mux, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE_WITH_CODE (exstsmux, "exstsmux", GST_RANK_NONE, GST_TYPE_EXS_TS_MUX,
                                       gst_mpegts_initialize ());

static gint64
to_mpeg_time (GstClockTimeDiff t)
{
  return t >= 0 ? (gint64)gst_util_uint64_scale (t, 90000, GST_SECOND)
                : -(gint64)gst_util_uint64_scale (-t, 90000, GST_SECOND);
}

/* @pad's streaming thread: the running time of @ts in its segment, signed
 * (a B-frame stream's first DTS comes before its segment's start). */
static gboolean
pad_running_time (GstExsTsMuxPad *pad, GstClockTime ts, GstClockTimeDiff *out)
{
  guint64 rt = 0;
  int sign = 0;

  if (!GST_CLOCK_TIME_IS_VALID (ts))
    return FALSE;
  if (pad->segment.format == GST_FORMAT_TIME)
    sign = gst_segment_to_running_time_full (&pad->segment, GST_FORMAT_TIME, ts, &rt);
  if (sign == 0)
    return FALSE;
  *out = sign > 0 ? (GstClockTimeDiff)rt : -(GstClockTimeDiff)rt;
  return TRUE;
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

/* Mux lock: PAT and PMT from the pads as they are now. */
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
    self->pmt_version
        = (self->pmt_version + 1) & 0x1f; /* receivers read a PMT again when it changes */
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

/* Mux lock: stream-start, caps and an open TIME segment (the blocks carry
 * running time). */
static void
send_events (GstExsTsMux *self)
{
  /* a random id, as GstAggregator's (gst_pad_create_stream_id() is for one sink pad) */
  g_autofree char *stream_id = g_strdup_printf ("%08x%08x%08x%08x", g_random_int (),
                                                g_random_int (), g_random_int (), g_random_int ());
  GstEvent *start = gst_event_new_stream_start (stream_id);
  g_autoptr (GstCaps) caps = gst_static_pad_template_get_caps (&src_template);
  GstSegment segment;

  gst_event_set_group_id (start, gst_util_group_id_next ());
  gst_pad_push_event (self->srcpad, start);
  gst_pad_push_event (self->srcpad, gst_event_new_caps (caps));
  gst_segment_init (&segment, GST_FORMAT_TIME);
  gst_pad_push_event (self->srcpad, gst_event_new_segment (&segment));
  self->events_sent = TRUE;
}

/* Mux lock: the block downstream (where a synchronising sink waits for its
 * time). */
static GstFlowReturn
push_batch (GstExsTsMux *self)
{
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
  if (!self->events_sent)
    send_events (self);
  return gst_pad_push (self->srcpad, out);
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

/* ---------------------------------------------------------------- muxing */

/* Mux lock: the frame with the earliest DTS among the pads' first frames
 * (NULL when every queue is empty), and whether every pad that has not ended
 * holds a frame. */
static GstExsTsMuxPad *
find_next_pad (GstExsTsMux *self, GstClockTimeDiff *order_time, gboolean *all_fed)
{
  GstExsTsMuxPad *best = NULL;
  GstClockTimeDiff best_time = 0;

  *all_fed = TRUE;
  GST_OBJECT_LOCK (self);
  for (GList *l = GST_ELEMENT (self)->sinkpads; l; l = l->next)
    {
      GstExsTsMuxPad *pad = l->data;
      Frame *head = gst_queue_array_peek_head_struct (pad->frames);

      if (head == NULL)
        {
          *all_fed &= pad->eos;
          continue;
        }
      if (best == NULL || head->dts_rt < best_time)
        {
          best = pad;
          best_time = head->dts_rt;
        }
    }
  if (best)
    gst_object_ref (best);
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
    ended = GST_EXS_TS_MUX_PAD (l->data)->eos;
  GST_OBJECT_UNLOCK (self);
  return ended;
}

/* The properties, read once per run of frames (not per frame). */
typedef struct
{
  GstClockTime max_delay;
  GstClockTime latency;
  guint si_interval;
} Settings;

/* Mux lock: @buf's packets into the block, the block out when it spans
 * max-delay, the block before it out first when @buf is a keyframe. */
static GstFlowReturn
mux_frame (GstExsTsMux *self, const Settings *set, GstExsTsMuxPad *pad, GstBuffer *buf,
           GstClockTimeDiff dts_rt, GstClockTimeDiff pts_rt)
{
  gboolean video = pad_is_video (pad);
  gboolean keyframe = video && !GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT);
  gint64 dts, pts;
  guint8 head[PES_HEADER_MAX];
  guint head_len;
  GstMapInfo map;
  GstFlowReturn ret = GST_FLOW_OK;

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
      /* blocks never go back in time, even when a frame came late */
      self->batch_start = MAX ((GstClockTime)MAX (dts_rt, 0), self->batch_start);
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
      self->next_tables = dts + set->si_interval;
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

  /* (a late frame counts at the block's start) */
  if (MAX ((GstClockTime)MAX (dts_rt, 0), self->batch_start) >= self->batch_start + set->max_delay)
    ret = push_batch (self);
  return ret;
}

/* Mux lock: muxes the frames whose turn it is, in DTS order (every frame,
 * when @drain). */
static GstFlowReturn
mux_ready (GstExsTsMux *self, gboolean drain)
{
  Settings set;

  GST_OBJECT_LOCK (self);
  set.max_delay = self->max_delay;
  set.latency = self->latency;
  set.si_interval = self->si_interval;
  GST_OBJECT_UNLOCK (self);
  for (;;)
    {
      g_autoptr (GstExsTsMuxPad) pad = NULL;
      GstClockTimeDiff order_time;
      gboolean all_fed;
      Frame frame;
      GstFlowReturn ret;

      pad = find_next_pad (self, &order_time, &all_fed);
      if (pad == NULL)
        return GST_FLOW_OK;
      if (!all_fed && !drain && order_time + (GstClockTimeDiff)set.latency > self->newest)
        return GST_FLOW_OK; /* a pad may yet bring an earlier frame */
      frame = *(Frame *)gst_queue_array_pop_head_struct (pad->frames);
      ret = mux_frame (self, &set, pad, frame.buf, frame.dts_rt, frame.pts_rt);
      gst_buffer_unref (frame.buf);
      if (ret != GST_FLOW_OK)
        return ret;
    }
}

/* A pad's streaming thread: the frame into its pad's queue, then whatever
 * can be muxed. */
static GstFlowReturn
gst_exs_ts_mux_chain (GstPad *sinkpad, GstObject *parent, GstBuffer *buf)
{
  GstExsTsMux *self = GST_EXS_TS_MUX (parent);
  GstExsTsMuxPad *pad = GST_EXS_TS_MUX_PAD (sinkpad);
  Frame frame = { buf, 0, 0 };
  GstFlowReturn ret;

  if (gst_buffer_get_size (buf) == 0
      || !pad_running_time (pad, GST_BUFFER_DTS_OR_PTS (buf), &frame.dts_rt))
    {
      /* a gap, or a frame with no time to put it at */
      if (gst_buffer_get_size (buf) != 0)
        GST_WARNING_OBJECT (pad, "a frame without a timestamp dropped");
      gst_buffer_unref (buf);
      return GST_FLOW_OK;
    }
  if (!pad_running_time (pad, GST_BUFFER_PTS (buf), &frame.pts_rt))
    frame.pts_rt = frame.dts_rt;

  g_mutex_lock (&self->lock);
  if (pad->stream_type == 0)
    {
      g_mutex_unlock (&self->lock);
      gst_buffer_unref (buf);
      GST_ELEMENT_ERROR (self, CORE, NEGOTIATION, (NULL),
                         ("data on %s before its caps", GST_PAD_NAME (pad)));
      return GST_FLOW_NOT_NEGOTIATED;
    }
  gst_queue_array_push_tail_struct (pad->frames, &frame);
  self->newest = MAX (self->newest, frame.dts_rt);
  ret = mux_ready (self, FALSE);
  g_mutex_unlock (&self->lock);
  return ret;
}

/* --------------------------------------------------------------- events */

/* Mux lock: what the pad carries, from its caps. */
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

/* Mux lock */
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

/* Mux lock: back to the start, for a new run or after a flush. */
static void
reset (GstExsTsMux *self)
{
  clear_batch (self);
  self->batch_start = 0;
  self->events_sent = FALSE;
  self->newest = G_MININT64;
  self->tables_stale = TRUE;
  self->tables_built = FALSE;
  self->pmt_version = 0;
  self->next_tables = G_MININT64;
  self->pcr_pid = 0x1fff;
  GST_OBJECT_LOCK (self);
  for (GList *l = GST_ELEMENT (self)->sinkpads; l; l = l->next)
    {
      GstExsTsMuxPad *pad = l->data;

      pad_clear_frames (pad);
      pad->eos = FALSE;
    }
  GST_OBJECT_UNLOCK (self);
}

/* A pad's streaming thread (flushes: any thread). */
static gboolean
gst_exs_ts_mux_sink_event (GstPad *sinkpad, GstObject *parent, GstEvent *event)
{
  GstExsTsMux *self = GST_EXS_TS_MUX (parent);
  GstExsTsMuxPad *pad = GST_EXS_TS_MUX_PAD (sinkpad);
  gboolean ok = TRUE;

  switch (GST_EVENT_TYPE (event))
    {
      case GST_EVENT_CAPS:
        {
          GstCaps *caps;

          /* ours: the source pad's caps are the TS's, sent with the first block */
          gst_event_parse_caps (event, &caps);
          g_mutex_lock (&self->lock);
          ok = set_pad_caps (self, pad, caps);
          g_mutex_unlock (&self->lock);
          break;
        }
      case GST_EVENT_TAG:
        {
          GstTagList *tags;

          gst_event_parse_tag (event, &tags);
          g_mutex_lock (&self->lock);
          set_pad_language (self, pad, tags);
          g_mutex_unlock (&self->lock);
          break;
        }
      case GST_EVENT_SEGMENT:
        gst_event_copy_segment (event, &pad->segment);
        break;
      case GST_EVENT_STREAM_START:
        g_mutex_lock (&self->lock);
        pad->eos = FALSE;
        g_mutex_unlock (&self->lock);
        break;
      case GST_EVENT_GAP:
        break;
      case GST_EVENT_EOS:
        {
          GstFlowReturn ret;
          gboolean ended;

          /* what waited for this pad goes now; once every pad has ended,
           * everything, and the EOS */
          g_mutex_lock (&self->lock);
          pad->eos = TRUE;
          ended = all_pads_ended (self);
          ret = mux_ready (self, ended);
          if (ended && ret == GST_FLOW_OK)
            ret = push_batch (self);
          if (ended && ret == GST_FLOW_OK)
            gst_pad_push_event (self->srcpad, gst_event_new_eos ());
          g_mutex_unlock (&self->lock);
          break;
        }
      case GST_EVENT_FLUSH_STOP:
        g_mutex_lock (&self->lock);
        pad_clear_frames (pad);
        pad->eos = FALSE;
        clear_batch (self);
        self->next_tables = G_MININT64;
        g_mutex_unlock (&self->lock);
        gst_segment_init (&pad->segment, GST_FORMAT_UNDEFINED);
        return gst_pad_event_default (sinkpad, parent, event);
      case GST_EVENT_CUSTOM_DOWNSTREAM:
        /* force-key-unit asking for tables: every keyframe has them */
        if (gst_video_event_is_force_key_unit (event))
          break;
        return gst_pad_event_default (sinkpad, parent, event);
      default:
        /* flush-start (the pushing thread may wait in the sink: not under
         * the mux lock), and what a muxer passes on */
        return gst_pad_event_default (sinkpad, parent, event);
    }
  gst_event_unref (event);
  return ok;
}

/* ------------------------------------------------------------- the pads */

static GstPad *
gst_exs_ts_mux_request_new_pad (GstElement *element, GstPadTemplate *templ, const char *req_name,
                                const GstCaps *caps)
{
  GstExsTsMux *self = GST_EXS_TS_MUX (element);
  GstExsTsMuxPad *pad;
  g_autofree char *name = NULL;
  guint requested = 0;
  guint16 pid;

  GST_OBJECT_LOCK (self);
  if (req_name != NULL && sscanf (req_name, "sink_%u", &requested) == 1)
    {
      name = g_strdup (req_name);
      self->next_serial = MAX (self->next_serial, requested + 1);
    }
  else
    name = g_strdup_printf ("sink_%u", self->next_serial++);
  if (requested >= FIRST_ES_PID && requested <= LAST_ES_PID)
    pid = requested;
  else
    pid = self->next_pid++;
  GST_OBJECT_UNLOCK (self);

  pad = g_object_new (GST_TYPE_EXS_TS_MUX_PAD, "name", name, "direction", GST_PAD_SINK, "template",
                      templ, NULL);
  pad->pid = pid;
  gst_pad_set_chain_function (GST_PAD (pad), GST_DEBUG_FUNCPTR (gst_exs_ts_mux_chain));
  gst_pad_set_event_function (GST_PAD (pad), GST_DEBUG_FUNCPTR (gst_exs_ts_mux_sink_event));
  g_mutex_lock (&self->lock);
  self->tables_stale = TRUE;
  g_mutex_unlock (&self->lock);
  /* activated here when the element runs */
  if (!gst_element_add_pad (element, GST_PAD (pad)))
    return NULL; /* a name already taken; the pad is gone with the floating reference */
  return GST_PAD (pad);
}

static void
gst_exs_ts_mux_release_pad (GstElement *element, GstPad *sinkpad)
{
  GstExsTsMux *self = GST_EXS_TS_MUX (element);

  gst_pad_set_active (sinkpad, FALSE); /* waits for its streaming thread to leave */
  g_mutex_lock (&self->lock);
  pad_clear_frames (GST_EXS_TS_MUX_PAD (sinkpad));
  self->tables_stale = TRUE;
  self->next_tables = G_MININT64;
  g_mutex_unlock (&self->lock);
  gst_element_remove_pad (element, sinkpad);
}

static GstStateChangeReturn
gst_exs_ts_mux_change_state (GstElement *element, GstStateChange transition)
{
  GstExsTsMux *self = GST_EXS_TS_MUX (element);
  GstStateChangeReturn ret;

  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED)
    {
      g_mutex_lock (&self->lock);
      reset (self);
      g_mutex_unlock (&self->lock);
    }
  ret = GST_ELEMENT_CLASS (gst_exs_ts_mux_parent_class)->change_state (element, transition);
  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    {
      /* the pads are inactive: no streaming thread is in the element */
      g_mutex_lock (&self->lock);
      reset (self);
      g_mutex_unlock (&self->lock);
    }
  return ret;
}

/* ------------------------------------------------------------- GObject */

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
      case PROP_LATENCY:
        self->latency = g_value_get_uint64 (value);
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
      case PROP_LATENCY:
        g_value_set_uint64 (value, self->latency);
        break;
      default:
        G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
  GST_OBJECT_UNLOCK (self);
}

static void
gst_exs_ts_mux_finalize (GObject *object)
{
  GstExsTsMux *self = GST_EXS_TS_MUX (object);

  clear_batch (self);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (gst_exs_ts_mux_parent_class)->finalize (object);
}

static void
gst_exs_ts_mux_class_init (GstExsTsMuxClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  object_class->set_property = gst_exs_ts_mux_set_property;
  object_class->get_property = gst_exs_ts_mux_get_property;
  object_class->finalize = gst_exs_ts_mux_finalize;
  element_class->request_new_pad = GST_DEBUG_FUNCPTR (gst_exs_ts_mux_request_new_pad);
  element_class->release_pad = GST_DEBUG_FUNCPTR (gst_exs_ts_mux_release_pad);
  element_class->change_state = GST_DEBUG_FUNCPTR (gst_exs_ts_mux_change_state);

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
  g_object_class_install_property (
      object_class, PROP_LATENCY,
      g_param_spec_uint64 (
          "latency", "Latency",
          "How much stream time a frame waits at most for the other pads' frames of its time "
          "(ns), when a pad brings none",
          0, G_MAXUINT64, DEFAULT_LATENCY, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));

  gst_element_class_add_static_pad_template_with_gtype (element_class, &sink_template,
                                                        GST_TYPE_EXS_TS_MUX_PAD);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (
      element_class, "MPEG-TS muxer (frame blocks)", "Codec/Muxer",
      "Muxes H.264/H.265 and AAC into MPEG-TS, a frame's packets in one block", "EXStreamTV");
  gst_type_mark_as_plugin_api (GST_TYPE_EXS_TS_MUX_PAD, 0);
  GST_DEBUG_CATEGORY_INIT (gst_exs_ts_mux_debug, "exstsmux", 0, "EXStreamTV TS muxer");
}

static void
gst_exs_ts_mux_init (GstExsTsMux *self)
{
  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  gst_pad_use_fixed_caps (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);
  g_mutex_init (&self->lock);
  self->max_delay = DEFAULT_MAX_DELAY;
  self->latency = DEFAULT_LATENCY;
  self->si_interval = DEFAULT_SI_INTERVAL;
  self->next_pid = FIRST_ES_PID;
  reset (self);
}
