/* gstexstsmux.h: exstsmux — an MPEG-TS muxer that writes each frame's
 * packets into one block, batched */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

#define GST_TYPE_EXS_TS_MUX_PAD (gst_exs_ts_mux_pad_get_type ())
G_DECLARE_FINAL_TYPE (GstExsTsMuxPad, gst_exs_ts_mux_pad, GST, EXS_TS_MUX_PAD, GstPad)

#define GST_TYPE_EXS_TS_MUX (gst_exs_ts_mux_get_type ())
G_DECLARE_FINAL_TYPE (GstExsTsMux, gst_exs_ts_mux, GST, EXS_TS_MUX, GstElement)

GST_ELEMENT_REGISTER_DECLARE (exstsmux);

G_END_DECLS
