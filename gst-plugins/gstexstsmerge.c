/* gstexstsmerge.c: exstsmerge — merges each buffer list into one buffer.
 *
 * mpegtsmux (default alignment) pushes every muxed input buffer as a list of
 * 188-byte packets, one GstBuffer each; multisocketsink then does one sendmsg
 * per packet per viewer. This element joins each list into a single buffer and
 * keeps what the sink needs: the buffer is a keyframe (no DELTA_UNIT flag) if
 * any packet in it is, HEADER if any is, and it carries the first timestamp.
 * mpegtsmux alignment=7 is no substitute: it wipes the keyframe flags, and new
 * viewers then start mid-GOP (see docs/design/channel-engine.md).
 *
 * With max-delay > 0 it also batches: merged buffers are held until they span
 * max-delay of timestamps, and a keyframe always starts a new batch (so a
 * batch is a keyframe only if its first packet is, and a new viewer still
 * starts with PAT/PMT and the keyframe). A synchronising sink then wakes once
 * per batch instead of once per video or audio frame: on a remux channel,
 * where nothing is encoded, those wake-ups are most of the CPU.
 *
 * SECTION:element-exstsmerge
 *
 * |[
 * gst-launch-1.0 videotestsrc ! x264enc ! mpegtsmux ! exstsmerge ! filesink location=out.ts
 * ]|
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstexstsmerge.h"

GST_DEBUG_CATEGORY_STATIC (gst_exs_ts_merge_debug);
#define GST_CAT_DEFAULT gst_exs_ts_merge_debug

struct _GstExsTsMerge
{
  GstElement parent;

  GstPad *sinkpad;
  GstPad *srcpad;

  GstClockTime max_delay; /* 0: push every merged list at once */
  GstBuffer *pending;     /* the batch being built (streaming thread) */
};

enum
{
  PROP_0,
  PROP_MAX_DELAY,
};

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/mpegts"));
static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/mpegts"));

G_DEFINE_TYPE (GstExsTsMerge, gst_exs_ts_merge, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE (exstsmerge, "exstsmerge", GST_RANK_NONE, GST_TYPE_EXS_TS_MERGE);

static GstFlowReturn
flush_pending (GstExsTsMerge *self)
{
  GstBuffer *batch = g_steal_pointer (&self->pending);

  return batch ? gst_pad_push (self->srcpad, batch) : GST_FLOW_OK;
}

/* Streaming thread: @buffer (merged) goes out now or joins the batch. */
static GstFlowReturn
output (GstExsTsMerge *self, GstBuffer *buffer)
{
  GstFlowReturn ret = GST_FLOW_OK;
  GstClockTime first, ts = GST_BUFFER_DTS_OR_PTS (buffer);
  gboolean keyframe = !GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT);

  if (self->max_delay == 0)
    return gst_pad_push (self->srcpad, buffer);
  if (self->pending != NULL)
    {
      first = GST_BUFFER_DTS_OR_PTS (self->pending);
      if (keyframe || !GST_CLOCK_TIME_IS_VALID (ts) || !GST_CLOCK_TIME_IS_VALID (first))
        ret = flush_pending (self);
      else
        {
          if (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_HEADER))
            GST_BUFFER_FLAG_SET (self->pending, GST_BUFFER_FLAG_HEADER);
          self->pending = gst_buffer_append (self->pending, buffer);
          if (ts >= first + self->max_delay)
            ret = flush_pending (self);
          return ret;
        }
    }
  if (ret != GST_FLOW_OK)
    {
      gst_buffer_unref (buffer);
      return ret;
    }
  self->pending = buffer;
  return GST_FLOW_OK;
}

static GstFlowReturn
gst_exs_ts_merge_chain (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  return output (GST_EXS_TS_MERGE (parent), buffer);
}

static gboolean
gst_exs_ts_merge_sink_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  GstExsTsMerge *self = GST_EXS_TS_MERGE (parent);

  if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP)
    gst_clear_buffer (&self->pending);
  else if (GST_EVENT_IS_SERIALIZED (event))
    flush_pending (self); /* a batch goes before whatever followed it */
  return gst_pad_event_default (pad, parent, event);
}

static GstStateChangeReturn
gst_exs_ts_merge_change_state (GstElement *element, GstStateChange transition)
{
  GstExsTsMerge *self = GST_EXS_TS_MERGE (element);
  GstStateChangeReturn ret = GST_ELEMENT_CLASS (gst_exs_ts_merge_parent_class)->change_state (element, transition);

  if (transition == GST_STATE_CHANGE_PAUSED_TO_READY)
    gst_clear_buffer (&self->pending);
  return ret;
}

static void
gst_exs_ts_merge_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  GstExsTsMerge *self = GST_EXS_TS_MERGE (object);

  switch (prop_id)
    {
    case PROP_MAX_DELAY:
      GST_OBJECT_LOCK (self);
      self->max_delay = g_value_get_uint64 (value);
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gst_exs_ts_merge_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  GstExsTsMerge *self = GST_EXS_TS_MERGE (object);

  switch (prop_id)
    {
    case PROP_MAX_DELAY:
      GST_OBJECT_LOCK (self);
      g_value_set_uint64 (value, self->max_delay);
      GST_OBJECT_UNLOCK (self);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gst_exs_ts_merge_finalize (GObject *object)
{
  gst_clear_buffer (&GST_EXS_TS_MERGE (object)->pending);
  G_OBJECT_CLASS (gst_exs_ts_merge_parent_class)->finalize (object);
}

static GstFlowReturn
gst_exs_ts_merge_chain_list (GstPad *pad, GstObject *parent, GstBufferList *list)
{
  GstExsTsMerge *self = GST_EXS_TS_MERGE (parent);
  guint n = gst_buffer_list_length (list);
  gboolean keyframe = FALSE, header = FALSE;
  GstBuffer *merged, *first;

  if (n == 0)
    {
      gst_buffer_list_unref (list);
      return GST_FLOW_OK;
    }
  first = gst_buffer_list_get (list, 0);
  merged = gst_buffer_new ();
  gst_buffer_copy_into (merged, first, GST_BUFFER_COPY_METADATA, 0, -1);
  for (guint i = 0; i < n; i++)
    {
      GstBuffer *b = gst_buffer_list_get (list, i);

      if (!GST_BUFFER_FLAG_IS_SET (b, GST_BUFFER_FLAG_DELTA_UNIT))
        keyframe = TRUE;
      if (GST_BUFFER_FLAG_IS_SET (b, GST_BUFFER_FLAG_HEADER))
        header = TRUE;
      /* appends references to the packets' memory, no copy */
      merged = gst_buffer_append (merged, gst_buffer_ref (b));
    }
  if (keyframe)
    GST_BUFFER_FLAG_UNSET (merged, GST_BUFFER_FLAG_DELTA_UNIT);
  else
    GST_BUFFER_FLAG_SET (merged, GST_BUFFER_FLAG_DELTA_UNIT);
  if (header)
    GST_BUFFER_FLAG_SET (merged, GST_BUFFER_FLAG_HEADER);
  GST_BUFFER_PTS (merged) = GST_BUFFER_PTS (first);
  GST_BUFFER_DTS (merged) = GST_BUFFER_DTS (first);
  GST_LOG_OBJECT (self, "merged %u packets, keyframe %d", n, keyframe);
  gst_buffer_list_unref (list);
  return output (self, merged);
}

static void
gst_exs_ts_merge_class_init (GstExsTsMergeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  object_class->set_property = gst_exs_ts_merge_set_property;
  object_class->get_property = gst_exs_ts_merge_get_property;
  object_class->finalize = gst_exs_ts_merge_finalize;
  element_class->change_state = gst_exs_ts_merge_change_state;
  g_object_class_install_property (
      object_class, PROP_MAX_DELAY,
      g_param_spec_uint64 ("max-delay", "Maximum delay",
                           "Hold merged buffers until they span this much time (ns); a keyframe starts a new "
                           "batch. 0 pushes every one at once",
                           0, 10 * GST_SECOND, 0, G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS));
  gst_element_class_add_static_pad_template (element_class, &sink_template);
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "MPEG-TS buffer-list merger", "Filter/Video",
                                         "Joins each list of TS packets into one buffer, keeping keyframe flags",
                                         "EXStreamTV");
  GST_DEBUG_CATEGORY_INIT (gst_exs_ts_merge_debug, "exstsmerge", 0, "EXStreamTV TS merger");
}

static void
gst_exs_ts_merge_init (GstExsTsMerge *self)
{
  self->sinkpad = gst_pad_new_from_static_template (&sink_template, "sink");
  gst_pad_set_chain_function (self->sinkpad, gst_exs_ts_merge_chain);
  gst_pad_set_chain_list_function (self->sinkpad, gst_exs_ts_merge_chain_list);
  gst_pad_set_event_function (self->sinkpad, gst_exs_ts_merge_sink_event);
  GST_PAD_SET_PROXY_CAPS (self->sinkpad);
  GST_PAD_SET_PROXY_ALLOCATION (self->sinkpad);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  GST_PAD_SET_PROXY_CAPS (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);
}
