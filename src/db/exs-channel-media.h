/* exs-channel-media.h: what a channel does to its items' pictures and sound */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* audio_tracks: which audio streams of an item the channel carries */
typedef enum
{
  EXS_AUDIO_TRACKS_PREFERRED, /* "preferred": one, by audio_languages */
  EXS_AUDIO_TRACKS_ALL,       /* "all": every track, one PID each */
} ExsAudioTracks;

/* subtitle_mode: which subtitles are burned into the picture */
typedef enum
{
  EXS_SUBTITLE_MODE_OFF,    /* "off" */
  EXS_SUBTITLE_MODE_FORCED, /* "forced": forced subtitles only */
  EXS_SUBTITLE_MODE_ALWAYS, /* "always": the preferred track, always */
} ExsSubtitleMode;

/* scaling: how an item of another shape meets the channel's frame */
typedef enum
{
  EXS_SCALING_FIT,     /* "fit": letterbox / pillarbox */
  EXS_SCALING_CROP,    /* "crop": fill the frame, cut the overflow */
  EXS_SCALING_STRETCH, /* "stretch": fill the frame, change the shape */
} ExsScaling;

/* deinterlace: what happens to interlaced items (progressive ones pass
 * untouched); the nicks name the method of GStreamer's deinterlace */
typedef enum
{
  EXS_DEINTERLACE_AUTO,    /* "auto": the element's default method (the default) */
  EXS_DEINTERLACE_OFF,     /* "off": left interlaced */
  EXS_DEINTERLACE_YADIF,   /* "yadif" */
  EXS_DEINTERLACE_GREEDYH, /* "greedyh" */
  EXS_DEINTERLACE_LINEAR,  /* "linear" */
  EXS_DEINTERLACE_VFIR,    /* "vfir" */
} ExsDeinterlace;

/* watermark.position */
typedef enum
{
  EXS_WATERMARK_TOP_LEFT,     /* "top-left" */
  EXS_WATERMARK_TOP_RIGHT,    /* "top-right" */
  EXS_WATERMARK_BOTTOM_LEFT,  /* "bottom-left" */
  EXS_WATERMARK_BOTTOM_RIGHT, /* "bottom-right" (the default) */
} ExsWatermarkPosition;

/* A channel's watermark: an image drawn over its programmes. */
typedef struct
{
  char *image;                   /* a PNG's path (alpha kept) */
  ExsWatermarkPosition position;
  double size;                   /* width as a fraction of the frame's, (0, 1]; 0.1 */
  double opacity;                /* [0, 1]; 1 */
  double margin;                 /* from the edges, a fraction of the frame's width, [0, 0.5]; 0.02 */
  gboolean programmes_only;      /* hidden during filler */
  guint every_minutes;           /* 0: permanent; else shown every N minutes ... */
  guint show_seconds;            /* ... for M seconds, fading in and out */
} ExsWatermark;

/* error_screen: the channel's own slate; NULL members use the server's
 * [error_screen] settings. */
typedef struct
{
  char *visual_mode; /* "text", "static", "test_pattern", "slate" */
  char *audio_mode;  /* "silent", "sine_wave", "white_noise", "beep" */
  char *title;
  char *subtitle;
  char *background;  /* "#rrggbb" */
  char *image;       /* a PNG or JPEG shown instead of the colour */
} ExsErrorScreen;

/* The per-channel media settings, the channel fields of the API and of the
 * schedule document (their names are the JSON members'). All members are
 * owned. */
typedef struct
{
  GStrv audio_languages;       /* ISO 639-2 codes in order ("jpn", "eng"); NULL: the item's default */
  ExsAudioTracks audio_tracks;
  GStrv subtitle_languages;    /* as audio_languages */
  ExsSubtitleMode subtitle_mode;
  ExsWatermark *watermark;     /* NULL: none */
  gboolean loudness;           /* normalise to loudness_target_lufs */
  double loudness_target_lufs; /* −24 (ATSC A/85) when set without a value */
  ExsDeinterlace deinterlace;
  ExsScaling scaling;
  ExsErrorScreen *error_screen; /* NULL: the server's */
} ExsChannelMedia;

#define EXS_CHANNEL_MEDIA_DEFAULT_LUFS (-24.0)

ExsChannelMedia *exs_channel_media_new (void);
ExsChannelMedia *exs_channel_media_copy (const ExsChannelMedia *media);
void exs_channel_media_free (ExsChannelMedia *media);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExsChannelMedia, exs_channel_media_free)

gboolean exs_channel_media_update_from_json (ExsChannelMedia  *media,
                                             JsonObject       *object,
                                             GError          **error);
void exs_channel_media_add_to_json (const ExsChannelMedia *media,
                                    JsonBuilder           *builder);
char *exs_channel_media_to_string (const ExsChannelMedia *media);
ExsChannelMedia *exs_channel_media_from_string (const char  *text,
                                                GError     **error);

const char *exs_subtitle_mode_to_string (ExsSubtitleMode value);
const char *exs_deinterlace_to_string (ExsDeinterlace value);

/* Errors of exs_channel_media_update_from_json(); the message names the
 * field ("watermark.opacity must be between 0 and 1"). */
#define EXS_CHANNEL_MEDIA_ERROR (exs_channel_media_error_quark ())
typedef enum
{
  EXS_CHANNEL_MEDIA_ERROR_INVALID,
} ExsChannelMediaError;
GQuark exs_channel_media_error_quark (void);

G_END_DECLS
