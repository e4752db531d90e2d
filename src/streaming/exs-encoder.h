/* exs-encoder.h: choosing and configuring the channel's video encoder (H.264 or HEVC) */
#pragma once

#include <gst/gst.h>

#include "exs-profile.h"

G_BEGIN_DECLS

/* How exs_encoder_make_with() sets an encoder up. */
typedef struct
{
  guint bitrate_kbps;    /* the rate; in quality mode, the cap */
  guint quality;         /* 0: bit-rate mode; else CRF-like 1..51 */
  guint keyframe_frames; /* the GOP length */
} ExsEncoderSettings;

/* The preference order; ranks are useless for this (gstreamer-notes §4.3). */
const char *const *exs_encoder_preference (void);
const char *const *exs_encoder_preference_for (ExsVideoCodec codec);
const char *exs_encoder_software (ExsVideoCodec codec);
gboolean exs_encoder_is_software (const char *factory_name);
gboolean exs_encoder_codec_available (ExsVideoCodec codec);
const char *exs_encoder_get_default_for (ExsVideoCodec codec);
void exs_encoder_set_default_for (ExsVideoCodec  codec,
                                  const char    *factory_name);
GstElement *exs_encoder_make_with (const char                *factory_name,
                                   const ExsEncoderSettings  *settings,
                                   GError                   **error);

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
