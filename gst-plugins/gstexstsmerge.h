/* gstexstsmerge.h: exstsmerge — one MPEG-TS buffer per buffer list */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_EXS_TS_MERGE (gst_exs_ts_merge_get_type ())
G_DECLARE_FINAL_TYPE (GstExsTsMerge, gst_exs_ts_merge, GST, EXS_TS_MERGE, GstElement)

GST_ELEMENT_REGISTER_DECLARE (exstsmerge);

G_END_DECLS
