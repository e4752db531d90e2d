/* exs-subtitle-sidecar.c: finds the subtitle files that belong to a media
 * file by their names — "Film.srt", "Film.en.srt", "Film.eng.forced.ass",
 * "Film.fr.sdh.vtt" next to "Film.mkv" — the naming Plex, Jellyfin and
 * ErsatzTV users keep. The words between the media's stem and the extension
 * give the language and the forced / SDH flags.
 *
 * Used by the library scanner (exs-media-probe.c: external subtitle streams
 * in media_streams) and by the channel engine when it picks the subtitles
 * to burn into an item (src/streaming/exs-channel-subtitles.c, off the main
 * loop). Reads one directory, at most EXS_SUBTITLE_SIDECAR_MAX_ENTRIES names.
 */
#include "config.h"

#include "exs-subtitle-sidecar.h"

#include <string.h>

const char *
exs_subtitle_sidecar_codec_for_extension (const char *ext)
{
  if (g_ascii_strcasecmp (ext, "srt") == 0)
    return "subrip";
  if (g_ascii_strcasecmp (ext, "ass") == 0 || g_ascii_strcasecmp (ext, "ssa") == 0)
    return "ass";
  if (g_ascii_strcasecmp (ext, "vtt") == 0)
    return "webvtt";
  return NULL;
}

void
exs_subtitle_sidecar_free (ExsSubtitleSidecar *sidecar)
{
  g_free (sidecar->path);
  g_free (sidecar->codec);
  g_free (sidecar->language);
  g_free (sidecar);
}

/* g_ptr_array_sort() passes pointers to the elements */
static int
compare_names (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

static ExsSubtitleSidecar *
sidecar_new (const char *dir_path, const char *name, gsize stem_len)
{
  const char *ext = strrchr (name, '.') + 1;
  const char *mid = name + stem_len + 1;
  g_autofree char *middle = ext - 1 > mid ? g_strndup (mid, (gsize) (ext - 1 - mid)) : g_strdup ("");
  g_auto (GStrv) words = g_strsplit (middle, ".", -1);
  ExsSubtitleSidecar *s = g_new0 (ExsSubtitleSidecar, 1);

  s->path = g_build_filename (dir_path, name, NULL);
  s->codec = g_strdup (exs_subtitle_sidecar_codec_for_extension (ext));
  for (guint w = 0; words[w]; w++)
    {
      gsize len = strlen (words[w]);

      if (g_ascii_strcasecmp (words[w], "forced") == 0)
        s->forced = TRUE;
      else if (g_ascii_strcasecmp (words[w], "sdh") == 0 || g_ascii_strcasecmp (words[w], "cc") == 0)
        s->sdh = TRUE;
      else if ((len == 2 || len == 3) && g_ascii_isalpha (words[w][0]) && g_ascii_isalpha (words[w][1])
               && s->language == NULL)
        s->language = g_ascii_strdown (words[w], -1);
    }
  return s;
}

/**
 * exs_subtitle_sidecars_find:
 * @media_path: the media file, in the file system's encoding
 *
 * Returns: (transfer full) (element-type ExsSubtitleSidecar): the subtitle
 *   files next to @media_path, in name order; empty when there are none or
 *   the folder cannot be read
 */
GPtrArray *
exs_subtitle_sidecars_find (const char *media_path)
{
  g_autofree char *dir_path = g_path_get_dirname (media_path);
  g_autofree char *base = g_path_get_basename (media_path);
  const char *dot = strrchr (base, '.');
  gsize stem_len = dot ? (gsize) (dot - base) : strlen (base);
  g_autoptr (GDir) dir = g_dir_open (dir_path, 0, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) exs_subtitle_sidecar_free);
  const char *name;
  guint seen = 0;

  if (dir == NULL)
    return out;
  while ((name = g_dir_read_name (dir)) && seen++ < EXS_SUBTITLE_SIDECAR_MAX_ENTRIES)
    if (strncmp (name, base, stem_len) == 0 && name[stem_len] == '.')
      {
        const char *ext = strrchr (name, '.') + 1;

        if (exs_subtitle_sidecar_codec_for_extension (ext))
          g_ptr_array_add (names, g_strdup (name));
      }
  g_ptr_array_sort (names, compare_names);
  for (guint k = 0; k < names->len; k++)
    g_ptr_array_add (out, sidecar_new (dir_path, names->pdata[k], stem_len));
  return out;
}
