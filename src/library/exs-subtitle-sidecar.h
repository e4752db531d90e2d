/* exs-subtitle-sidecar.h: subtitle files lying next to a media file */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One sidecar: "Film.en.forced.srt" next to "Film.mkv". */
typedef struct
{
  char *path;       /* owned, in the file system's encoding */
  char *codec;      /* owned: "subrip", "ass" or "webvtt" */
  char *language;   /* owned, (nullable): the 2- or 3-letter word of the name, lower case */
  gboolean forced;  /* a word of the name is "forced" */
  gboolean sdh;     /* a word is "sdh" or "cc" (for the hard of hearing) */
} ExsSubtitleSidecar;

/* At most this many directory entries are read: a huge flat folder costs a
 * bounded time, and sidecars past the limit are not seen. */
#define EXS_SUBTITLE_SIDECAR_MAX_ENTRIES 20000

const char *exs_subtitle_sidecar_codec_for_extension (const char *ext);
GPtrArray *exs_subtitle_sidecars_find (const char *media_path);
void exs_subtitle_sidecar_free (ExsSubtitleSidecar *sidecar);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExsSubtitleSidecar, exs_subtitle_sidecar_free)

G_END_DECLS
