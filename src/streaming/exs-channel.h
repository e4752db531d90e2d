/* exs-channel.h: one running channel — its pipeline, its viewers, its state */
#pragma once

#include <gst/gst.h>

#include "exs-channel-media.h"
#include "exs-database.h"
#include "exs-profile.h"
#include "exs-hls-output.h"
#include "exs-playout-source.h"
#include "exs-viewer.h"

G_BEGIN_DECLS

/* The format every item is normalised to: a profile's settings (a built-in
 * "480p", "720p", "1080p" or a user's, ExsProfile). Zero in the codec fields
 * is the default: H.264, bit-rate mode, a keyframe every 2 s, AAC. */
typedef struct
{
  int width;
  int height;
  int fps;
  guint video_kbps;
  guint audio_bps;
  int audio_rate;
  int audio_channels;         /* 2, or 6 (5.1) */
  ExsVideoCodec video_codec;
  guint video_quality;        /* 0: bit-rate mode; else CRF-like 1..51, video_kbps the cap */
  double keyframe_seconds;    /* 0: 2 s */
  ExsAudioCodec audio_codec;
} ExsChannelProfile;

gboolean exs_channel_profile_from_name (const char        *name,
                                        ExsChannelProfile *profile);
void exs_channel_profile_from_profile (const ExsProfile  *source,
                                       ExsChannelProfile *profile);
gboolean exs_channel_profile_load (ExsDatabase       *database,
                                   const char        *name,
                                   ExsChannelProfile *profile);
gboolean exs_channel_profile_check_support (const ExsProfile  *profile,
                                            char             **field,
                                            GError           **error);
guint exs_channel_profile_keyframe_frames (const ExsChannelProfile *profile);
GstClockTime exs_channel_profile_keyframe_interval (const ExsChannelProfile *profile);
char *exs_channel_profile_raw_audio_caps (const ExsChannelProfile *profile);
gboolean exs_channel_profile_fits_caps (const ExsChannelProfile *profile,
                                        GstCaps                 *caps,
                                        gboolean                *is_video);

/* What the channel needs besides its playout; strings are copied. */
typedef struct
{
  const char *name;           /* shown on the error screen */
  const char *encoder;        /* factory name; NULL: x264enc */
  const char *visual_mode;    /* an ExsChannelVisualMode nick; NULL or unknown: text */
  const char *audio_mode;     /* an ExsChannelAudioMode nick; NULL or unknown: silent */
  const char *title;
  const char *subtitle;
  const char *throttle_mode;  /* an ExsChannelThrottleMode nick; NULL or unknown: realtime */
  guint viewer_stall_seconds; /* drop a viewer that takes nothing this long; 0: 20 s */
  gboolean remux;             /* start on the remux fast path (items already in the
                               * channel's format); falls back to encoding by itself */
  guint remux_retry_seconds;  /* after an item failed on the remux path, go back to
                               * it this long later; 0: 60 s */
  gint *encoding_fallbacks;   /* (nullable): a g_atomic_rc_box the channels of one
                               * manager share: how many of them encode because an
                               * item failed on the remux path; NULL: no limit */
  guint max_encoding_fallbacks; /* with @encoding_fallbacks: at most this many */
  const ExsChannelMedia *media; /* audio, subtitles, watermark, ...; NULL: the defaults */
} ExsChannelOptions;

/* The channel's "state" property; the nicks ("stopped", "starting",
 * "programme", "error-screen", "offline") are exs_channel_state_to_string(). */
typedef enum
{
  EXS_CHANNEL_STOPPED,
  EXS_CHANNEL_STARTING,     /* pipeline up, first item not yet on air */
  EXS_CHANNEL_PROGRAMME,    /* an item is on air */
  EXS_CHANNEL_ERROR_SCREEN, /* the item failed, stalled or ended early */
  EXS_CHANNEL_OFFLINE,      /* nothing scheduled */
} ExsChannelState;
#define EXS_TYPE_CHANNEL_STATE (exs_channel_state_get_type ())
GType exs_channel_state_get_type (void);

/* Which pipeline a running channel uses; the nicks ("encoding", "remux") are
 * what the API reports as "pipeline". */
typedef enum
{
  EXS_CHANNEL_PIPELINE_ENCODING, /* items decoded, composited and encoded */
  EXS_CHANNEL_PIPELINE_REMUX,    /* the fast path: items passed through */
} ExsChannelPipelineMode;
#define EXS_TYPE_CHANNEL_PIPELINE_MODE (exs_channel_pipeline_mode_get_type ())
GType exs_channel_pipeline_mode_get_type (void);

/* A channel's transcode_mode (its database row; the nicks are the column's
 * values): which pipeline it starts with. */
typedef enum
{
  EXS_CHANNEL_TRANSCODE_AUTO,      /* "auto": remux when the library says the items fit */
  EXS_CHANNEL_TRANSCODE_TRANSCODE, /* "transcode": always encode */
  EXS_CHANNEL_TRANSCODE_REMUX,     /* "remux": the fast path, falling back by itself */
} ExsChannelTranscodeMode;
#define EXS_TYPE_CHANNEL_TRANSCODE_MODE (exs_channel_transcode_mode_get_type ())
GType exs_channel_transcode_mode_get_type (void);
ExsChannelTranscodeMode exs_channel_transcode_mode_from_string (const char *nick);

/* error_screen.visual_mode: what the slate shows (nicks as in the config) */
typedef enum
{
  EXS_CHANNEL_VISUAL_TEXT,         /* "text": the message on dark blue */
  EXS_CHANNEL_VISUAL_STATIC,       /* "static": snow */
  EXS_CHANNEL_VISUAL_TEST_PATTERN, /* "test_pattern": SMPTE bars */
  EXS_CHANNEL_VISUAL_SLATE,        /* "slate": the message on black */
} ExsChannelVisualMode;
#define EXS_TYPE_CHANNEL_VISUAL_MODE (exs_channel_visual_mode_get_type ())
GType exs_channel_visual_mode_get_type (void);

/* error_screen.audio_mode: what the slate plays */
typedef enum
{
  EXS_CHANNEL_AUDIO_SILENT,      /* "silent" */
  EXS_CHANNEL_AUDIO_SINE_WAVE,   /* "sine_wave" */
  EXS_CHANNEL_AUDIO_WHITE_NOISE, /* "white_noise" */
  EXS_CHANNEL_AUDIO_BEEP,        /* "beep" */
} ExsChannelAudioMode;
#define EXS_TYPE_CHANNEL_AUDIO_MODE (exs_channel_audio_mode_get_type ())
GType exs_channel_audio_mode_get_type (void);

/* stream_throttler.mode: how the sink paces a new viewer */
typedef enum
{
  EXS_CHANNEL_THROTTLE_REALTIME, /* "realtime": from the latest keyframe */
  EXS_CHANNEL_THROTTLE_BURST,    /* "burst": 3 s burst from a keyframe */
  EXS_CHANNEL_THROTTLE_ADAPTIVE, /* "adaptive": as realtime */
  EXS_CHANNEL_THROTTLE_DISABLED, /* "disabled": the manager maps it to burst */
} ExsChannelThrottleMode;
#define EXS_TYPE_CHANNEL_THROTTLE_MODE (exs_channel_throttle_mode_get_type ())
GType exs_channel_throttle_mode_get_type (void);

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
gint64 exs_channel_get_remux_retry_time (ExsChannel *self);
guint exs_channel_get_frames_dropped (ExsChannel *self);
guint exs_channel_get_pictures_late (ExsChannel *self);
ExsChannelPipelineMode exs_channel_get_pipeline_mode (ExsChannel *self);
const char *exs_channel_pipeline_mode_to_string (ExsChannelPipelineMode mode);
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
void exs_channel_set_library (ExsChannel  *self,
                              ExsDatabase *database);
void exs_channel_remove_viewer (ExsChannel *self,
                                ExsViewer  *viewer,
                                const char *reason);

G_END_DECLS
