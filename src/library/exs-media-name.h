/* exs-media-name.h: what a file's name and folders say — show, season, episode, title, year */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  char *show_title;   /* (nullable) episodes only */
  int show_year;      /* 0: unknown */
  char *show_folder;  /* (nullable) the show's top folder, relative to the library root */
  int season;         /* -1: unknown; 0: specials */
  int episode;        /* -1: unknown */
  int episode_end;    /* -1: a single episode; else the last of a multi-episode file */
  char *title;        /* the film's or the episode's own title (never NULL) */
  int year;           /* 0: unknown */
} ExsMediaName;

void exs_media_name_clear (ExsMediaName *name);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ExsMediaName, exs_media_name_clear)

gboolean exs_media_name_parse_episode (const char   *relative_path,
                                       ExsMediaName *out);
void exs_media_name_parse_movie (const char   *relative_path,
                                 ExsMediaName *out);
char *exs_media_name_tidy (const char *text);
char *exs_media_name_sort_title (const char *title);

G_END_DECLS
