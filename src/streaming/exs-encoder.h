/* exs-encoder.h: choosing and configuring the channel's H.264 encoder */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

/* The preference order; ranks are useless for this (gstreamer-notes §4.3). */
const char *const *exs_encoder_preference (void);

char *exs_encoder_choose (const char *const *preference,
                          gboolean           software_only);
const char *exs_encoder_get_default (void);
void exs_encoder_set_default (const char *factory_name);
GstElement *exs_encoder_make (const char  *factory_name,
                              guint        bitrate_kbps,
                              guint        keyframe_interval_frames,
                              GError     **error);
void exs_encoder_raise_hardware_decoders (void);

G_END_DECLS
