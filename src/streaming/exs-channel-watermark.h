/* exs-channel-watermark.h: a channel's watermark on its items' pictures */
#pragma once

#include "exs-channel-media.h"
#include "exs-playout-source.h"

#include <gst/gst.h>

G_BEGIN_DECLS

typedef struct _ExsChannelWatermark ExsChannelWatermark;

ExsChannelWatermark *exs_channel_watermark_new (const ExsWatermark *settings,
                                                int                 frame_width,
                                                int                 frame_height,
                                                GError            **error);
void exs_channel_watermark_free (ExsChannelWatermark *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExsChannelWatermark, exs_channel_watermark_free)

gboolean exs_channel_watermark_shows_on (const ExsChannelWatermark *self,
                                         ExsPlayoutItemKind         kind);
GstElement *exs_channel_watermark_make_overlay (ExsChannelWatermark *self,
                                                gint64               t0_us,
                                                GstClockTimeDiff     item_offset);
double exs_channel_watermark_alpha_at (const ExsWatermark *settings,
                                       gint64              wall_us);

G_END_DECLS
