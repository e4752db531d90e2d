/* exs-channel.h: one running channel — its pipeline, its viewers, its state */
#pragma once

#include <gst/gst.h>

#include "exs-hls-output.h"
#include "exs-playout-source.h"
#include "exs-viewer.h"

G_BEGIN_DECLS

/* The format every item is normalised to ("480p", "720p", "1080p"). */
typedef struct
{
  int width;
  int height;
  int fps;
  guint video_kbps;
  guint audio_bps;
  int audio_rate;
  int audio_channels;
} ExsChannelProfile;

gboolean exs_channel_profile_from_name (const char        *name,
                                        ExsChannelProfile *profile);
gboolean exs_channel_profile_fits_caps (const ExsChannelProfile *profile,
                                        GstCaps                 *caps,
                                        gboolean                *is_video);

/* What the channel needs besides its playout; strings are copied. */
typedef struct
{
  const char *name;           /* shown on the error screen */
  const char *encoder;        /* factory name; NULL: x264enc */
  const char *visual_mode;    /* text, static, test_pattern, slate */
  const char *audio_mode;     /* silent, sine_wave, white_noise, beep */
  const char *title;
  const char *subtitle;
  const char *throttle_mode;  /* realtime, burst, adaptive, disabled */
  guint viewer_stall_seconds; /* drop a viewer that takes nothing this long; 0: 20 s */
  gboolean remux;             /* start on the remux fast path (items already in the
                               * channel's format); falls back to encoding by itself */
} ExsChannelOptions;

typedef enum
{
  EXS_CHANNEL_STOPPED,
  EXS_CHANNEL_STARTING,     /* pipeline up, first item not yet on air */
  EXS_CHANNEL_PROGRAMME,    /* an item is on air */
  EXS_CHANNEL_ERROR_SCREEN, /* the item failed, stalled or ended early */
  EXS_CHANNEL_OFFLINE,      /* nothing scheduled */
} ExsChannelState;

#define EXS_CHANNEL_ERROR (exs_channel_error_quark ())
typedef enum
{
  EXS_CHANNEL_ERROR_PIPELINE,
} ExsChannelError;
GQuark exs_channel_error_quark (void);

#define EXS_TYPE_CHANNEL (exs_channel_get_type ())
G_DECLARE_FINAL_TYPE (ExsChannel, exs_channel, EXS, CHANNEL, GObject)

ExsChannel *exs_channel_new (const char              *number,
                             const ExsChannelProfile *profile,
                             const ExsChannelOptions *options,
                             ExsPlayoutSource        *playout);
gboolean exs_channel_start (ExsChannel  *self,
                            GError     **error);
void exs_channel_stop (ExsChannel *self);
void exs_channel_add_viewer (ExsChannel *self,
                             ExsViewer  *viewer);
guint exs_channel_get_n_viewers (ExsChannel *self);
GPtrArray *exs_channel_dup_viewers (ExsChannel *self);
const char *exs_channel_get_number (ExsChannel *self);
ExsChannelState exs_channel_get_state (ExsChannel *self);
const char *exs_channel_state_to_string (ExsChannelState state);
const ExsPlayoutItem *exs_channel_get_current_item (ExsChannel *self);
gint64 exs_channel_get_position_us (ExsChannel *self);
const char *exs_channel_get_encoder (ExsChannel *self);
gint64 exs_channel_get_epoch_us (ExsChannel *self);
gboolean exs_channel_is_remuxing (ExsChannel *self);
GstElement *exs_channel_get_pipeline (ExsChannel *self);
ExsHlsOutput *exs_channel_ensure_hls (ExsChannel  *self,
                                      GError     **error);
void exs_channel_restart (ExsChannel *self,
                          const char *reason);
void exs_channel_set_self_restart (ExsChannel *self,
                                   gboolean    self_restart);
gboolean exs_channel_drop_current_item (ExsChannel *self,
                                        gboolean    retry,
                                        const char *reason);
void exs_channel_set_encoder (ExsChannel *self,
                              const char *encoder);
void exs_channel_remove_viewer (ExsChannel *self,
                                ExsViewer  *viewer,
                                const char *reason);

G_END_DECLS
