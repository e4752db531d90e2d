/* exs-song-tags.h: what a song file says about itself — artist, album,
 * title, track, cover art — read from GStreamer tags, and the cover image
 * beside it. Used by the scan (music libraries) and by the channel engine
 * when it plays a song. */
#pragma once

#include <gst/gst.h>
#include <gst/tag/tag.h>

G_BEGIN_DECLS

typedef struct
{
  char *artist;          /* (nullable) */
  char *album;           /* (nullable) */
  char *title;           /* (nullable) */
  int track;             /* 0: unknown */
  gboolean has_cover;    /* an embedded image (front cover or any picture) */
} ExsSongTags;

gboolean exs_song_is_audio_name (const char *name);
ExsSongTags *exs_song_tags_new (const GstTagList *tags);
gboolean exs_song_tags_merge (ExsSongTags      *song,
                              const GstTagList *tags);
void exs_song_tags_free (ExsSongTags *song);
GstSample *exs_song_tags_dup_cover (const GstTagList *tags);
char *exs_song_find_cover_beside (const char *media_path);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExsSongTags, exs_song_tags_free)

G_END_DECLS
