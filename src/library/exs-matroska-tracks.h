/* exs-matroska-tracks.h: the track flags of a Matroska / WebM file that
 * GStreamer's matroskademux reads but does not pass on */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct
{
  guint64 number;   /* TrackNumber */
  guint64 uid;      /* TrackUID */
  guint type;       /* TrackType: 1 video, 2 audio, 17 subtitle */
  gboolean forced;  /* FlagForced */
  gboolean is_default; /* FlagDefault (1 when absent, as the spec says) */
} ExsMatroskaTrack;

/* Reads at most this many EBML elements before it gives up */
#define EXS_MATROSKA_MAX_ELEMENTS 4096

GArray *exs_matroska_read_tracks (const char  *path,
                                  GError     **error);
const ExsMatroskaTrack *exs_matroska_track_for_stream_id (GArray     *tracks,
                                                         const char *stream_id);

#define EXS_MATROSKA_ERROR (exs_matroska_error_quark ())
typedef enum
{
  EXS_MATROSKA_ERROR_INVALID, /* not Matroska, or its header is damaged */
} ExsMatroskaError;
GQuark exs_matroska_error_quark (void);

G_END_DECLS
