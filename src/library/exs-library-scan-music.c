/* exs-library-scan-music.c: what the probe step adds for music libraries.
 *
 * A song (library kind "music") gets its artist, album, title and track
 * from its tags, and its cover: the embedded image, else cover.jpg /
 * folder.jpg beside it. Songs and music videos ("music_videos") are filed
 * under their artist as a show — the tag's artist, else the first folder
 * under the library root — so a schedule plays an artist the way it plays
 * a show. Runs in a probe worker; touches no database.
 */
#include "config.h"

#include "exs-library-scan-private.h"

#include <string.h>

/* The first folder of @rel (a path relative to the root), or NULL at the root. */
static char *
first_folder (const char *rel)
{
  const char *slash = strchr (rel, '/');

  return slash ? g_strndup (rel, (gsize) (slash - rel)) : NULL;
}

/**
 * _exs_scan_music_probe:
 * @library_kind: "music" or "music_videos" (others are left alone)
 *
 * Fills @item's song tags and cover (songs) and its artist as the show.
 */
void
_exs_scan_music_probe (ExsScanFile *item, const char *library_kind)
{
  gboolean songs = g_str_equal (library_kind, "music");
  const GstTagList *tags = item->facts ? item->facts->tags : NULL;
  g_autofree char *folder = first_folder (item->rel);
  g_autoptr (ExsSongTags) song = exs_song_tags_new (tags);

  if (!songs && !g_str_equal (library_kind, "music_videos"))
    return;
  g_clear_pointer (&item->name.show_title, g_free);
  g_clear_pointer (&item->name.show_folder, g_free);
  if (song->artist)
    item->name.show_title = g_strdup (song->artist);
  else if (folder)
    item->name.show_title = g_strdup (folder);
  /* a music video's artist folder is a show folder (its poster, its NFO) */
  if (!songs && folder && (song->artist == NULL || g_str_equal (song->artist, folder)))
    item->name.show_folder = g_steal_pointer (&folder);
  if (!songs)
    return;
  if (song->has_cover)
    item->cover = g_strdup ("embedded");
  else if (!item->remote)
    {
      g_autofree char *beside = exs_song_find_cover_beside (item->path);
      item->cover = beside ? g_filename_display_name (beside) : NULL;
    }
  item->song = g_steal_pointer (&song);
}
