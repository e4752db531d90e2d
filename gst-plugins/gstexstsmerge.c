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
};

static GstStaticPadTemplate sink_template =
    GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/mpegts"));
static GstStaticPadTemplate src_template =
    GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/mpegts"));

G_DEFINE_TYPE (GstExsTsMerge, gst_exs_ts_merge, GST_TYPE_ELEMENT);
GST_ELEMENT_REGISTER_DEFINE (exstsmerge, "exstsmerge", GST_RANK_NONE, GST_TYPE_EXS_TS_MERGE);

static GstFlowReturn
gst_exs_ts_merge_chain (GstPad *pad, GstObject *parent, GstBuffer *buffer)
{
  GstExsTsMerge *self = GST_EXS_TS_MERGE (parent);

  return gst_pad_push (self->srcpad, buffer);
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
  return gst_pad_push (self->srcpad, merged);
}

static void
gst_exs_ts_merge_class_init (GstExsTsMergeClass *klass)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

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
  GST_PAD_SET_PROXY_CAPS (self->sinkpad);
  GST_PAD_SET_PROXY_ALLOCATION (self->sinkpad);
  gst_element_add_pad (GST_ELEMENT (self), self->sinkpad);

  self->srcpad = gst_pad_new_from_static_template (&src_template, "src");
  GST_PAD_SET_PROXY_CAPS (self->srcpad);
  gst_element_add_pad (GST_ELEMENT (self), self->srcpad);
}
