/* exs-media-name.c: file-name parsing, the fallback when there is no NFO.
 *
 * Episodes: "Show (2004)/Season 01/Show - S01E02 - Title.mkv", "S01E01-E02"
 * and "S01E01E02" (multi-episode files), "1x02", "Specials/…" (season 0), and
 * a bare "02 - Title.mkv" inside a season folder. The show is the first folder
 * under the library root, or the text before the episode marker for files
 * lying at the root. Films: "Title (1999)", "Title.1999.1080p.BluRay", or the
 * film's own folder name. The scanner uses these for every file; paths come
 * in as UTF-8 (the display form of the file name).
 */
#include "config.h"

#include "exs-media-name.h"

#include <stdlib.h>
#include <string.h>

void
exs_media_name_clear (ExsMediaName *name)
{
  g_clear_pointer (&name->show_title, g_free);
  g_clear_pointer (&name->show_folder, g_free);
  g_clear_pointer (&name->title, g_free);
}

static void
name_init (ExsMediaName *out)
{
  memset (out, 0, sizeof *out);
  out->season = -1;
  out->episode = -1;
  out->episode_end = -1;
}

static char *
strip_extension (const char *base)
{
  const char *dot = strrchr (base, '.');

  if (dot == NULL || dot == base || strlen (dot) > 6)
    return g_strdup (base);
  return g_strndup (base, (gsize) (dot - base));
}

/**
 * exs_media_name_tidy:
 *
 * Turns "The.Show_Name - " into "The Show Name": dots and underscores become
 * spaces when the name has no spaces of its own, separators are trimmed.
 *
 * Returns: (transfer full): the tidied text, possibly empty
 */
char *
exs_media_name_tidy (const char *text)
{
  g_autoptr (GString) s = g_string_new (text);
  gboolean has_space = strchr (text, ' ') != NULL;
  char *out;

  for (gsize i = 0; i < s->len; i++)
    if (s->str[i] == '_' || (!has_space && s->str[i] == '.'))
      s->str[i] = ' ';
  out = g_strstrip (g_string_free (g_steal_pointer (&s), FALSE));
  /* trim separators left at either end */
  while (*out && strchr ("-.[(", out[strlen (out) - 1]))
    {
      out[strlen (out) - 1] = '\0';
      g_strchomp (out);
    }
  while (*out && strchr ("-.])", out[0]))
    {
      memmove (out, out + 1, strlen (out));
      g_strchug (out);
    }
  /* collapse runs of spaces */
  {
    char *w = out;
    for (char *r = out; *r; r++)
      if (!(*r == ' ' && w > out && w[-1] == ' '))
        *w++ = *r;
    *w = '\0';
  }
  return out;
}

/**
 * exs_media_name_sort_title:
 *
 * Returns: (transfer full): @title folded for sorting, without a leading
 *   "The ", "A " or "An "
 */
char *
exs_media_name_sort_title (const char *title)
{
  static const char *const articles[] = { "the ", "a ", "an ", NULL };
  g_autofree char *folded = g_utf8_casefold (title, -1);

  for (guint i = 0; articles[i]; i++)
    if (g_str_has_prefix (folded, articles[i]) && strlen (folded) > strlen (articles[i]))
      return g_strdup (folded + strlen (articles[i]));
  return g_steal_pointer (&folded);
}

/* "Show (2004)" → "Show", 2004 */
static char *
split_year (const char *text, int *year)
{
  static GRegex *re;
  g_autoptr (GMatchInfo) mi = NULL;

  if (g_once_init_enter (&re))
    g_once_init_leave (&re, g_regex_new ("^(.*)[ ._]*[\\(\\[]?(?<![0-9])((?:18|19|20)\\d{2})(?![0-9])[\\)\\]]?"
                                                 "(?:[ ._\\-].*)?$",
                                                 G_REGEX_OPTIMIZE, 0, NULL));
  *year = 0;
  if (g_regex_match (re, text, 0, &mi))
    {
      g_autofree char *head = g_match_info_fetch (mi, 1);
      g_autofree char *y = g_match_info_fetch (mi, 2);
      g_autofree char *tidy = exs_media_name_tidy (head);
      if (tidy[0] != '\0')
        {
          *year = atoi (y);
          return g_steal_pointer (&tidy);
        }
    }
  return exs_media_name_tidy (text);
}

/* "Season 01", "Season 1", "S01", "Specials" → 1, 1, 1, 0; -1 otherwise */
static int
season_from_folder (const char *folder)
{
  static GRegex *re;
  g_autoptr (GMatchInfo) mi = NULL;

  if (g_once_init_enter (&re))
    g_once_init_leave (&re, g_regex_new ("^(?:season|series|staffel|saison|s)[ ._\\-]*(\\d{1,4})$",
                                                 G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL));
  if (g_ascii_strcasecmp (folder, "specials") == 0 || g_ascii_strcasecmp (folder, "extras") == 0)
    return 0;
  if (g_regex_match (re, folder, 0, &mi))
    {
      g_autofree char *n = g_match_info_fetch (mi, 1);
      return atoi (n);
    }
  return -1;
}

/**
 * exs_media_name_parse_episode:
 * @relative_path: the file's path under the library root, '/'-separated
 *
 * Fills @out (which it initialises) for an episode. Returns %FALSE when no
 * episode number can be found; @out then still holds the best title.
 */
gboolean
exs_media_name_parse_episode (const char *relative_path, ExsMediaName *out)
{
  static GRegex *sxe, *nxn, *bare;
  g_auto (GStrv) parts = g_strsplit (relative_path, "/", -1);
  guint n = g_strv_length (parts);
  g_autofree char *stem = NULL;
  g_autoptr (GMatchInfo) mi = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;
  int folder_season = -1;

  if (g_once_init_enter (&sxe))
    {
      /* S01E02, S01E01-E02, S01E01E02, S01E01-02, s1e2 */
      nxn = g_regex_new ("(?<![a-z0-9])(\\d{1,2})x(\\d{1,3})(?:-(?:\\d{1,2}x)?(\\d{1,3}))?(?![0-9])",
                         G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL);
      bare = g_regex_new ("^(?:e|ep|episode)?[ ._]*(\\d{1,3})(?:-(?:e)?(\\d{1,3}))?(?![0-9])",
                          G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL);
      g_once_init_leave (&sxe, g_regex_new ("s(\\d{1,4})[ ._]?e(\\d{1,4})(?:[-_ ]?e?(\\d{1,4}))?(?![0-9])",
                                                    G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL));
    }

  name_init (out);
  if (n == 0)
    {
      out->title = g_strdup ("");
      return FALSE;
    }
  stem = strip_extension (parts[n - 1]);

  /* Show folder: the first component when the file is at least one level down. */
  if (n >= 2)
    {
      out->show_folder = g_strdup (parts[0]);
      /* a season folder at the root ("Season 01/x.mkv") is no show folder */
      if (season_from_folder (parts[0]) >= 0)
        g_clear_pointer (&out->show_folder, g_free);
      else
        out->show_title = split_year (parts[0], &out->show_year);
    }
  for (guint i = 1; i + 1 < n; i++)
    if (season_from_folder (parts[i]) >= 0)
      folder_season = season_from_folder (parts[i]);
  if (n >= 2 && out->show_folder == NULL)
    folder_season = season_from_folder (parts[0]);

  if (!g_regex_match (sxe, stem, 0, &mi))
    {
      g_clear_pointer (&mi, g_match_info_unref);
      g_regex_match (nxn, stem, 0, &mi);
    }
  if (g_match_info_matches (mi))
    {
      int start, end;
      g_autofree char *s = g_match_info_fetch (mi, 1);
      g_autofree char *e = g_match_info_fetch (mi, 2);
      g_autofree char *e2 = g_match_info_fetch (mi, 3);

      out->season = atoi (s);
      out->episode = atoi (e);
      if (e2 && e2[0] && atoi (e2) > out->episode)
        out->episode_end = atoi (e2);
      g_match_info_fetch_pos (mi, 0, &start, &end);
      before = g_strndup (stem, (gsize) start);
      after = g_strdup (stem + end);
    }
  else if (folder_season >= 0)
    {
      g_clear_pointer (&mi, g_match_info_unref);
      if (g_regex_match (bare, stem, 0, &mi))
        {
          int start, end;
          g_autofree char *e = g_match_info_fetch (mi, 1);
          g_autofree char *e2 = g_match_info_fetch (mi, 2);

          out->season = folder_season;
          out->episode = atoi (e);
          if (e2 && e2[0] && atoi (e2) > out->episode)
            out->episode_end = atoi (e2);
          g_match_info_fetch_pos (mi, 0, &start, &end);
          after = g_strdup (stem + end);
        }
    }

  if (out->episode < 0)
    {
      out->title = exs_media_name_tidy (stem);
      return FALSE;
    }
  if (folder_season >= 0 && out->season != folder_season && folder_season == 0)
    out->season = 0; /* a file in Specials/ named S01E05 is still a special */

  /* A file at the root names its show before the marker. */
  if (out->show_title == NULL && before != NULL)
    {
      g_autofree char *tidy = exs_media_name_tidy (before);
      if (tidy[0])
        out->show_title = split_year (tidy, &out->show_year);
    }
  {
    g_autofree char *tidy = exs_media_name_tidy (after ? after : "");
    /* "Show - S01E02 - Show - Title" is rare; a title equal to the show is none */
    out->title = g_steal_pointer (&tidy);
  }
  if (out->title[0] == '\0')
    {
      g_free (out->title);
      out->title = out->episode_end > 0
                       ? g_strdup_printf ("Episode %d–%d", out->episode, out->episode_end)
                       : g_strdup_printf ("Episode %d", out->episode);
    }
  return TRUE;
}

/**
 * exs_media_name_parse_movie:
 *
 * Fills @out (which it initialises) with a film's title and year, from the
 * file name, or from its folder when the file name is generic ("movie.mkv").
 */
void
exs_media_name_parse_movie (const char *relative_path, ExsMediaName *out)
{
  g_auto (GStrv) parts = g_strsplit (relative_path, "/", -1);
  guint n = g_strv_length (parts);
  g_autofree char *stem = NULL;

  name_init (out);
  if (n == 0)
    {
      out->title = g_strdup ("");
      return;
    }
  stem = strip_extension (parts[n - 1]);
  out->title = split_year (stem, &out->year);
  if ((out->year == 0 || g_ascii_strcasecmp (stem, "movie") == 0) && n >= 2)
    {
      int folder_year = 0;
      g_autofree char *folder_title = split_year (parts[n - 2], &folder_year);
      if (folder_year > 0 || g_ascii_strcasecmp (stem, "movie") == 0)
        {
          g_free (out->title);
          out->title = g_steal_pointer (&folder_title);
          out->year = folder_year;
        }
    }
  if (out->title[0] == '\0')
    {
      g_free (out->title);
      out->title = exs_media_name_tidy (stem);
    }
}
