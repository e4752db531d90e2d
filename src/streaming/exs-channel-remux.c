/* exs-channel-remux.c: the remux fast path of ExsChannel.
 *
 * Part of ExsChannel (exs-channel-private.h). A remux channel's items pass
 * through without decoding (exs-channel-items.c builds each one:
 * urisourcebin → parsebin, whose demuxer runs one streaming thread, →
 * h264parse/aacparse → a ghost pad on a funnel), and this file is the rest:
 *
 *   item N, N+1 … ─► vfunnel ─┐
 *   item N, N+1 … ─► afunnel ─┴► exstsmux latency=3 s max-delay=500 ms ─► multisocketsink sync=true
 *
 * The mux. exstsmux (gst-plugins/gstexstsmux.c) writes each frame's packets
 * into one block and pushes a block per 500 ms of stream, a keyframe
 * starting a new one with PAT and PMT first; mpegtsmux made a buffer per
 * 188-byte packet, which cost most of a remux channel's CPU. Without the exs
 * plugin the channel runs mpegtsmux (and exstsmerge, when there) instead.
 *
 * Threads. The demuxer's streaming thread pushes its item's video and audio
 * through the funnels into the mux, which muxes in that thread and pushes
 * each finished block to the sink, where the thread waits for the block's
 * time: a channel runs the demuxer's thread and the sink's I/O thread, and
 * no frame crosses a thread. (mpegtsmux, the fallback, is an aggregator:
 * a thread of its own, pads that hold up to its 3 s latency so one thread
 * can feed both, and a wake-up of the demuxer for every frame it takes.)
 * exstsmux keeps the frames that came ahead of the other pad's and muxes in
 * DTS order; a frame waits at most its latency for the other pad (an item's
 * video cut before its audio, the next item's not yet let through).
 *
 * Blocks. A block leaves when its first frame is due, so viewers get each
 * frame up to 500 ms early, never late. At 100 ms the sink's I/O thread and
 * the demuxer woke ten times a second each, and those wake-ups were most of
 * a remux channel's CPU: 500 ms took it from 0.0037 to 0.0022 core
 * (docs/performance.md).
 *
 * Boundaries. An item's stream is cut before the first frame that would
 * still be showing at its slot's end (PTS + duration past it), and every
 * frame after that in decode order too: the next item's first frame starts
 * at the slot's end, so the output's DTS keep increasing by about a frame,
 * never by the microseconds a frame landing just before the end left (which
 * a 90 kHz clock or a player's frame-rate time base rounds to the same
 * value: ffmpeg's "non monotonically increasing dts"). A guard on each mux
 * input keeps DTS strictly increasing whatever a source does (a B-frame
 * item's first DTS comes before its first PTS, so before the slot's start).
 * The cut leaves one to two frames between items without video: exstsmux
 * writes PAT and PMT before any frame once 50 ms have passed (mpegtsmux
 * only with the video, so 50 ms, not its 100, keeps them under 150 ms apart
 * across the cut).
 */
#include "config.h"

#include "exs-channel-private.h"

#define MUX_LATENCY_NS (3 * GST_SECOND)   /* the longest a frame waits for the other pad (mpegtsmux: a pad holds) */
#define BATCH_NS (500 * GST_MSECOND)      /* the sink and the demuxer wake once per block */
#define SI_INTERVAL_TICKS 4500             /* PAT and PMT at least every 50 ms (90 kHz) */
#define MPEG_TICK_NS (GST_SECOND / 90000 + 1) /* a 90 kHz tick, rounded up */

char *
_exs_channel_remux_description (ExsChannel *self)
{
  g_autoptr (GstElementFactory) tsmux = gst_element_factory_find ("exstsmux");
  g_autoptr (GstElementFactory) merge = gst_element_factory_find ("exstsmerge");
  g_autofree char *atag = NULL;
  g_autofree char *mux = NULL;

  _exs_channel_audio_configure (self);
  atag = _exs_channel_audio_tag (self, 0);
  /* exstsmux writes a frame's packets into one block and batches them; without
   * the exs plugin, mpegtsmux (and exstsmerge when it is there) does the same
   * at a higher cost */
  if (tsmux)
    mux = g_strdup_printf ("exstsmux name=mux si-interval=%u max-delay=%" G_GUINT64_FORMAT " latency=%" G_GUINT64_FORMAT
                           " ! ",
                           SI_INTERVAL_TICKS, (guint64) BATCH_NS, (guint64) MUX_LATENCY_NS);
  else if (merge)
    mux = g_strdup_printf ("mpegtsmux name=mux pcr-interval=1800 pat-interval=%u pmt-interval=%u latency=%" G_GUINT64_FORMAT
                           " ! exstsmerge name=merge max-delay=%" G_GUINT64_FORMAT " ! ",
                           SI_INTERVAL_TICKS, SI_INTERVAL_TICKS, (guint64) MUX_LATENCY_NS, (guint64) BATCH_NS);
  else
    mux = g_strdup_printf ("mpegtsmux name=mux pcr-interval=1800 pat-interval=%u pmt-interval=%u latency=%" G_GUINT64_FORMAT
                           " ! ",
                           SI_INTERVAL_TICKS, SI_INTERVAL_TICKS, (guint64) MUX_LATENCY_NS);
  /* no live source: pacing comes from the sink (sync=true) */
  return g_strdup_printf (
      "funnel name=vfunnel ! mux. "
      "funnel name=afunnel ! %smux. "
      "%s"
      "multisocketsink name=sink sync=true async=false enable-last-sample=false unit-format=time "
      "units-max=10000000000 units-soft-max=4000000000 recover-policy=keyframe sync-method=latest-keyframe "
      "timeout=%" G_GUINT64_FORMAT,
      atag, mux, (guint64) self->viewer_stall_seconds * GST_SECOND);
}

/* What the guard on one mux input keeps (its streaming threads, one at a
 * time: the funnel serialises them). */
typedef struct
{
  GstSegment segment;
  GstClockTime last_dts; /* running time of the last DTS let through */
  guint fixed;           /* DTS moved up */
  guint dropped;         /* frames that could not be kept in order */
} MuxInput;

/* Streaming thread: keeps the DTS into the mux strictly increasing (in its
 * 90 kHz clock). A DTS not after the last moves up by a tick, if it stays
 * at or before its PTS; otherwise the frame goes (it could not be decoded
 * in order anyway). */
static GstPadProbeReturn
on_mux_input_cb (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  MuxInput *in = user_data;
  GstBuffer *buf;
  GstClockTime dts, rt, pts_rt;

  if (info->type & GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM)
    {
      GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);

      if (GST_EVENT_TYPE (event) == GST_EVENT_SEGMENT)
        gst_event_copy_segment (event, &in->segment);
      return GST_PAD_PROBE_OK;
    }
  buf = GST_PAD_PROBE_INFO_BUFFER (info);
  dts = GST_BUFFER_DTS_OR_PTS (buf);
  if (!GST_CLOCK_TIME_IS_VALID (dts) || in->segment.format != GST_FORMAT_TIME)
    return GST_PAD_PROBE_OK;
  rt = gst_segment_to_running_time (&in->segment, GST_FORMAT_TIME, dts);
  if (!GST_CLOCK_TIME_IS_VALID (rt))
    return GST_PAD_PROBE_OK;
  if (!GST_CLOCK_TIME_IS_VALID (in->last_dts) || rt >= in->last_dts + MPEG_TICK_NS)
    {
      in->last_dts = rt;
      return GST_PAD_PROBE_OK;
    }
  rt = in->last_dts + MPEG_TICK_NS;
  pts_rt = GST_BUFFER_PTS_IS_VALID (buf)
               ? gst_segment_to_running_time (&in->segment, GST_FORMAT_TIME, GST_BUFFER_PTS (buf))
               : GST_CLOCK_TIME_NONE;
  if (GST_CLOCK_TIME_IS_VALID (pts_rt) && rt > pts_rt)
    {
      if (in->dropped++ % 100 == 0)
        GST_WARNING_OBJECT (pad, "a frame out of decode order dropped (%u so far)", in->dropped);
      return GST_PAD_PROBE_DROP;
    }
  if (in->fixed++ % 100 == 0)
    GST_INFO_OBJECT (pad, "DTS moved up to follow the last (%u so far)", in->fixed);
  buf = gst_buffer_make_writable (buf);
  GST_BUFFER_DTS (buf) = gst_segment_position_from_running_time (&in->segment, GST_FORMAT_TIME, rt);
  if (!GST_BUFFER_PTS_IS_VALID (buf))
    GST_BUFFER_PTS (buf) = GST_BUFFER_DTS (buf);
  GST_PAD_PROBE_INFO_DATA (info) = buf;
  in->last_dts = rt;
  return GST_PAD_PROBE_OK;
}

static void
guard_mux_input (GstElement *funnel)
{
  g_autoptr (GstPad) pad = gst_element_get_static_pad (funnel, "src");
  MuxInput *in = g_new0 (MuxInput, 1);

  gst_segment_init (&in->segment, GST_FORMAT_UNDEFINED);
  in->last_dts = GST_CLOCK_TIME_NONE;
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_mux_input_cb, in,
                     g_free);
}

/* After the pipeline is parsed: the funnels the items feed, guarded. */
void
_exs_channel_remux_build (ExsChannel *self)
{
  self->funnels[0] = gst_bin_get_by_name (GST_BIN (self->pipeline), "vfunnel");
  self->funnels[1] = gst_bin_get_by_name (GST_BIN (self->pipeline), "afunnel");
  self->open_next[0] = self->open_next[1] = TRUE;
  for (guint i = 0; i < 2; i++)
    guard_mux_input (self->funnels[i]);
}

/* Streaming thread: whether @buf of @s (at running time @rt) is past its
 * item's slot: it, or a frame before it in decode order, would still be
 * showing at the slot's end. */
gboolean
_exs_channel_remux_past_end (Item *item, Stream *s, GstBuffer *buf, GstClockTime rt)
{
  GstClockTime duration = GST_BUFFER_DURATION (buf);

  if (!s->cut && rt + (GST_CLOCK_TIME_IS_VALID (duration) ? duration : 0) > item->slot_end_rt)
    s->cut = TRUE;
  return s->cut;
}
