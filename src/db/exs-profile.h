/* exs-profile.h: a profile, the format a channel sends (built in or made by a user) */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* video_codec */
typedef enum
{
  EXS_VIDEO_CODEC_H264, /* "h264" (the default) */
  EXS_VIDEO_CODEC_HEVC, /* "hevc" */
} ExsVideoCodec;

/* audio_codec */
typedef enum
{
  EXS_AUDIO_CODEC_AAC, /* "aac" (the default) */
  EXS_AUDIO_CODEC_AC3, /* "ac3" */
} ExsAudioCodec;

/* Limits a profile's fields are checked against (docs/api/profiles.md). */
#define EXS_PROFILE_MAX_NAME 64
#define EXS_PROFILE_AC3_MAX_KBPS 640
#define EXS_PROFILE_AAC_MAX_KBPS 512

/* A profile. The JSON members (the API's and the CLI's) are the field names
 * unless said otherwise. */
typedef struct
{
  gint64 id;              /* 0 for a built-in */
  char *name;             /* owned; letters, digits, " ._-" */
  gboolean builtin;       /* "480p", "720p", "1080p": read-only */
  int width;              /* even (4:2:0), 128..3840 */
  int height;             /* even, 96..2160 */
  int fps;                /* 1..60 */
  ExsVideoCodec video_codec;
  guint video_kbps;       /* "video_bitrate_kbps": 100..50000; the cap in quality mode */
  guint video_quality;    /* "video_quality": 0 (null) = bit-rate mode, else CRF-like 1..51 */
  double keyframe_seconds; /* "keyframe_interval": 0.5, 1 or 2 (divides the HLS segment) */
  ExsAudioCodec audio_codec;
  int audio_channels;     /* "audio_channels": "stereo" (2) or "5.1" (6) */
  int audio_rate;         /* "audio_sample_rate": 32000, 44100 or 48000 */
  guint audio_kbps;       /* "audio_bitrate_kbps": 32..512 (AAC), 32..640 (AC-3) */
  gint64 created_at;      /* unix seconds; 0 for a built-in */
  gint64 updated_at;
} ExsProfile;

ExsProfile *exs_profile_new (void);
ExsProfile *exs_profile_copy (const ExsProfile *profile);
void exs_profile_free (ExsProfile *profile);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExsProfile, exs_profile_free)

const char *const *exs_profile_builtin_names (void);
ExsProfile *exs_profile_dup_builtin (const char *name);
gboolean exs_profile_is_builtin (const char *name);

gboolean exs_profile_update_from_json (ExsProfile  *profile,
                                       JsonObject  *object,
                                       gboolean     creating,
                                       char       **field,
                                       GError     **error);
JsonObject *exs_profile_to_json (const ExsProfile *profile);
guint exs_profile_keyframe_frames (double keyframe_seconds,
                                   int    fps);

const char *exs_video_codec_to_string (ExsVideoCodec codec);
const char *exs_audio_codec_to_string (ExsAudioCodec codec);
gboolean exs_video_codec_from_string (const char    *nick,
                                      ExsVideoCodec *codec);
gboolean exs_audio_codec_from_string (const char    *nick,
                                      ExsAudioCodec *codec);

/* Errors of exs_profile_update_from_json(); the message names the field. */
#define EXS_PROFILE_ERROR (exs_profile_error_quark ())
typedef enum
{
  EXS_PROFILE_ERROR_INVALID,
} ExsProfileError;
GQuark exs_profile_error_quark (void);

G_END_DECLS
