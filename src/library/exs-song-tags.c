/* exs-song-tags.c: a song's artist, album, title, track and cover art.
 *
 * The tags are GStreamer's (ID3v2 in MP3, Vorbis comments in FLAC and
 * Ogg/Opus, iTunes atoms in M4A), as GstDiscoverer reports them at scan
 * time and as they pass a playing song's pads. The cover is the embedded
 * image tag, else cover.jpg / folder.jpg (the names players use) beside
 * the file.
 */
#include "config.h"

#include "exs-song-tags.h"

#include "exs-fs.h"

#include <string.h>

static const char *const audio_extensions[] = { "flac", "mp3", "m4a", "aac", "opus", "ogg", "oga", NULL };

/* Whether @name is a song file a music library takes (and not hidden). */
gboolean
exs_song_is_audio_name (const char *name)
{
  return name[0] != '.' && exs_fs_has_extension (name, audio_extensions);
}

/* Sets *@field from @tags' @tag when it is there and not blank; whether it changed. */
static gboolean
take_string (const GstTagList *tags, const char *tag, char **field)
{
  g_autofree char *value = NULL;

  if (!gst_tag_list_get_string (tags, tag, &value))
    return FALSE;
  g_strstrip (value);
  if (value[0] == '\0' || g_strcmp0 (value, *field) == 0)
    return FALSE;
  g_free (*field);
  *field = g_steal_pointer (&value);
  return TRUE;
}

/**
 * exs_song_tags_merge:
 * @tags: tags of the song (a later tag event brings more, or corrects)
 *
 * Returns: whether anything @song knows changed
 */
gboolean
exs_song_tags_merge (ExsSongTags *song, const GstTagList *tags)
{
  gboolean changed = FALSE;
  guint track = 0;

  if (tags == NULL)
    return FALSE;
  changed |= take_string (tags, GST_TAG_ARTIST, &song->artist);
  if (song->artist == NULL)
    changed |= take_string (tags, GST_TAG_ALBUM_ARTIST, &song->artist);
  changed |= take_string (tags, GST_TAG_ALBUM, &song->album);
  changed |= take_string (tags, GST_TAG_TITLE, &song->title);
  if (gst_tag_list_get_uint (tags, GST_TAG_TRACK_NUMBER, &track) && track > 0 && track < 100000
      && (int) track != song->track)
    {
      song->track = (int) track;
      changed = TRUE;
    }
  if (!song->has_cover && (gst_tag_list_get_tag_size (tags, GST_TAG_IMAGE) > 0
                           || gst_tag_list_get_tag_size (tags, GST_TAG_PREVIEW_IMAGE) > 0))
    {
      song->has_cover = TRUE;
      changed = TRUE;
    }
  return changed;
}

/**
 * exs_song_tags_new:
 * @tags: (nullable)
 *
 * Returns: (transfer full): what @tags say of the song
 */
ExsSongTags *
exs_song_tags_new (const GstTagList *tags)
{
  ExsSongTags *song = g_new0 (ExsSongTags, 1);

  exs_song_tags_merge (song, tags);
  return song;
}

void
exs_song_tags_free (ExsSongTags *song)
{
  if (song == NULL)
    return;
  g_free (song->artist);
  g_free (song->album);
  g_free (song->title);
  g_free (song);
}

/**
 * exs_song_tags_dup_cover:
 *
 * Returns: (transfer full) (nullable): the front cover among @tags' images,
 *   else the first image, else the preview image
 */
GstSample *
exs_song_tags_dup_cover (const GstTagList *tags)
{
  guint n = tags ? gst_tag_list_get_tag_size (tags, GST_TAG_IMAGE) : 0;
  GstSample *first = NULL;

  for (guint i = 0; i < n; i++)
    {
      GstSample *sample = NULL;
      const GstStructure *info;
      GstTagImageType type = GST_TAG_IMAGE_TYPE_NONE;

      if (!gst_tag_list_get_sample_index (tags, GST_TAG_IMAGE, i, &sample))
        continue;
      info = gst_sample_get_info (sample);
      if (info && gst_structure_get_enum (info, "image-type", GST_TYPE_TAG_IMAGE_TYPE, (gint *) &type)
          && type == GST_TAG_IMAGE_TYPE_FRONT_COVER)
        {
          g_clear_pointer (&first, gst_sample_unref);
          return sample;
        }
      if (first == NULL)
        first = sample;
      else
        gst_sample_unref (sample);
    }
  if (first == NULL && tags)
    gst_tag_list_get_sample (tags, GST_TAG_PREVIEW_IMAGE, &first);
  return first;
}

/**
 * exs_song_find_cover_beside:
 * @media_path: a song file (file system encoding)
 *
 * Returns: (transfer full) (nullable): the path (file system encoding) of the
 *   cover image in the song's folder
 */
char *
exs_song_find_cover_beside (const char *media_path)
{
  static const char *const names[] = { "cover.jpg", "cover.png", "folder.jpg", "folder.png", "front.jpg",
                                       "album.jpg", "Cover.jpg", "Folder.jpg", NULL };
  g_autofree char *dir = g_path_get_dirname (media_path);

  for (guint i = 0; names[i]; i++)
    {
      g_autofree char *p = g_build_filename (dir, names[i], NULL);
      if (g_file_test (p, G_FILE_TEST_IS_REGULAR))
        return g_steal_pointer (&p);
    }
  return NULL;
}
