/* gstexstsmerge.c: exstsmerge — merges each buffer list into one buffer.
 *
 * mpegtsmux (default alignment) pushes every muxed input buffer as a list of
 * 188-byte packets, one GstBuffer each; multisocketsink then does one sendmsg
 * per packet per viewer. This element joins each list into a single buffer and
 * keeps what the sink needs: the buffer is a keyframe (no DELTA_UNIT flag) if
 * any packet in it is, and it carries the first timestamp. It is never
 * HEADER, and the caps lose their streamheader: mpegtsmux marks the
 * channel's first packets (tables and the start of the first frame) as
 * HEADER, and multisocketsink keeps HEADER buffers and caps streamheaders to
 * send to every new viewer first — a late viewer got a frame from the
 * channel's start and continuity-counter jumps on PAT and PMT before its
 * keyframe. mpegtsmux writes PAT and PMT before every keyframe, so a viewer
 * starting there needs nothing else.
 * mpegtsmux alignment=7 is no substitute: it wipes the keyframe flags, and new
 * viewers then start mid-GOP (see docs/design/channel-engine.md).
 *
 * With max-delay > 0 it also batches: merged buffers are held until they span
 * max-delay of timestamps, and a keyframe always starts a new batch (so a
 * batch is a keyframe only if its first packet is, and a new viewer still
 * starts with PAT/PMT and the keyframe). A synchronising sink then wakes once
 * per batch instead of once per video or audio frame: on a remux channel,
 * where nothing is encoded, those wake-ups were a third of the CPU.
 *
 * The packets' bytes are copied once into one block per buffer (or batch):
 * gathering their memories instead (zero-copy) made GstBuffer merge and
 * reallocate every 16 packets — 2,600 packets a second at 4 Mb/s — and
 * cost a fifth more CPU than the copy (bench-engine, remux channels).
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

  /* the batch being built (streaming thread) */
  GByteArray *pending;
  GstClockTime pending_pts, pending_dts;
  GstClockTime pending_start; /* DTS, else PTS, of its first packet */
  gboolean pending_keyframe;
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

static void
clear_pending (GstExsTsMerge *self)
{
  if (self->pending)
    g_byte_array_unref (g_steal_pointer (&self->pending));
}

static GstFlowReturn
flush_pending (GstExsTsMerge *self)
{
  GstBuffer *batch;
  gsize len;

  if (self->pending == NULL)
    return GST_FLOW_OK;
  len = self->pending->len;
  batch = gst_buffer_new_wrapped (g_byte_array_free (g_steal_pointer (&self->pending), FALSE), len);
  GST_BUFFER_PTS (batch) = self->pending_pts;
  GST_BUFFER_DTS (batch) = self->pending_dts;
  if (!self->pending_keyframe)
    GST_BUFFER_FLAG_SET (batch, GST_BUFFER_FLAG_DELTA_UNIT);
  return gst_pad_push (self->srcpad, batch);
}

/* Streaming thread: the @n packets (buffers) from @get go out as one buffer,
 * now or with the batch. Their bytes are copied once into one block: cheaper
 * than gathering the packets' memories, which GstBuffer merges (copies)
 * again every 16 anyway, and allocates for on every merge. */
static GstFlowReturn
merge (GstExsTsMerge *self, guint n, GstBuffer *(*get) (gpointer, guint), gpointer data)
{
  GstBuffer *first = get (data, 0);
  GstClockTime ts = GST_BUFFER_DTS_OR_PTS (first);
  gboolean keyframe = FALSE;
  GstFlowReturn ret = GST_FLOW_OK;
  gsize total = 0;

  for (guint i = 0; i < n; i++)
    {
      GstBuffer *b = get (data, i);

      keyframe |= !GST_BUFFER_FLAG_IS_SET (b, GST_BUFFER_FLAG_DELTA_UNIT);
      total += gst_buffer_get_size (b);
    }
  /* a keyframe starts a new batch: a new viewer starts at a batch */
  if (self->pending != NULL
      && (self->max_delay == 0 || keyframe || !GST_CLOCK_TIME_IS_VALID (ts)
          || !GST_CLOCK_TIME_IS_VALID (self->pending_start)))
    ret = flush_pending (self);
  if (ret != GST_FLOW_OK)
    return ret;
  if (self->pending == NULL)
    {
      self->pending = g_byte_array_sized_new (self->max_delay ? MAX (total, 64 * 1024) : total);
      self->pending_pts = GST_BUFFER_PTS (first);
      self->pending_dts = GST_BUFFER_DTS (first);
      self->pending_start = ts;
      self->pending_keyframe = keyframe;
    }
  {
    guint at = self->pending->len;

    g_byte_array_set_size (self->pending, at + total);
    for (guint i = 0; i < n; i++)
      at += gst_buffer_extract (get (data, i), 0, self->pending->data + at, G_MAXSIZE);
  }
  GST_LOG_OBJECT (self, "merged %u packets, keyframe %d", n, keyframe);
  if (self->max_delay == 0 || (GST_CLOCK_TIME_IS_VALID (ts) && ts >= self->pending_start + self->max_delay))
    ret = flush_pending (self);
  return ret;
}

static GstBuffer *
get_from_list (gpointer list, guint i)
{
  return gst_buffer_list_get (list, i);
}

static GstBuffer *
get_single (gpointer buffer, guint i)
{
  return buffer;
}

static GstFlowReturn
gst_exs_ts_merge_chain (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  GstFlowReturn ret = merge (GST_EXS_TS_MERGE (parent), 1, get_single, buffer);

  gst_buffer_unref (buffer);
  return ret;
}

static GstFlowReturn
gst_exs_ts_merge_chain_list (GstPad *pad, GstObject *parent, GstBufferList *list)
{
  guint n = gst_buffer_list_length (list);
  GstFlowReturn ret = n ? merge (GST_EXS_TS_MERGE (parent), n, get_from_list, list) : GST_FLOW_OK;

  gst_buffer_list_unref (list);
  return ret;
}

static gboolean
gst_exs_ts_merge_sink_event (GstPad *pad, GstObject *parent, GstEvent *event)
{
  GstExsTsMerge *self = GST_EXS_TS_MERGE (parent);

  if (GST_EVENT_TYPE (event) == GST_EVENT_CAPS)
    {
      GstCaps *caps;

      gst_event_parse_caps (event, &caps);
      if (gst_structure_has_field (gst_caps_get_structure (caps, 0), "streamheader"))
        {
          /* mpegtsmux's first PAT/PMT: a sink would send them to every new
           * viewer before its first keyframe, with continuity counters
           * from the channel's start */
          g_autoptr (GstCaps) plain = gst_caps_copy (caps);

          gst_structure_remove_field (gst_caps_get_structure (plain, 0), "streamheader");
          gst_event_unref (event);
          event = gst_event_new_caps (plain);
        }
    }
  else if (GST_EVENT_TYPE (event) == GST_EVENT_FLUSH_STOP)
    clear_pending (self);
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
    clear_pending (self);
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
  clear_pending (GST_EXS_TS_MERGE (object));
  G_OBJECT_CLASS (gst_exs_ts_merge_parent_class)->finalize (object);
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
