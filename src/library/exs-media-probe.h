/* exs-media-probe.h: the facts GstDiscoverer finds in one media file */
#pragma once

#include <gst/pbutils/pbutils.h>

G_BEGIN_DECLS

typedef struct
{
  char *kind;           /* "video", "audio" or "subtitle" */
  int index;            /* per kind, from 0 */
  char *codec;          /* short name: h264, hevc, aac, ac3, subrip, ass, ... */
  char *profile;        /* (nullable) */
  int width, height;    /* video */
  int fps_num, fps_den; /* video; 0/0 unknown */
  gboolean interlaced;  /* video */
  int channels;         /* audio */
  int sample_rate;      /* audio */
  char *language;       /* (nullable) ISO 639 code when known */
  char *title;          /* (nullable) */
  char *external_path;  /* (nullable) subtitle file next to the media */
} ExsStreamFacts;

typedef struct
{
  gint64 start_ms;
  gint64 end_ms;        /* -1: unknown */
  char *title;          /* (nullable) */
} ExsChapterFacts;

typedef struct
{
  gint64 duration_ms;
  char *container;      /* mp4, matroska, webm, mpegts, avi, ... */
  char *title;          /* (nullable) the file's own title tag */
  GstTagList *tags;     /* (nullable) the file's global tags (a song's artist, album, cover) */
  GPtrArray *streams;   /* (element-type ExsStreamFacts) */
  GPtrArray *chapters;  /* (element-type ExsChapterFacts) */
} ExsMediaFacts;

ExsMediaFacts *exs_media_probe (GstDiscoverer  *discoverer,
                                const char     *uri,
                                GError        **error);
ExsMediaFacts *exs_media_facts_new (void);
void exs_media_facts_free (ExsMediaFacts *facts);
gboolean exs_media_check_file (const char  *path,
                               GError     **error);
void exs_media_facts_add_sidecar_subtitles (ExsMediaFacts *facts,
                                            const char    *media_path);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExsMediaFacts, exs_media_facts_free)

G_END_DECLS
