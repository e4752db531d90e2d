/* exs-nfo.h: Kodi-style NFO files (movie, tvshow, episodedetails) read with libxml2 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define EXS_NFO_ERROR (exs_nfo_error_quark ())

typedef enum
{
  EXS_NFO_ERROR_READ,
  EXS_NFO_ERROR_MALFORMED,
} ExsNfoError;

typedef struct
{
  char *kind;            /* root element: "movie", "tvshow", "episodedetails", "musicvideo" */
  char *title;           /* (nullable) every string below is nullable */
  char *sort_title;
  char *show_title;
  char *plot;
  char *studio;
  char *content_rating;
  int year;              /* 0: unknown */
  int season;            /* -1: unknown */
  int episode;           /* -1: unknown */
  int runtime_minutes;   /* 0: unknown */
  GPtrArray *genres;     /* (element-type utf8) never NULL */
  GPtrArray *tags;       /* (element-type utf8) never NULL */
} ExsNfo;

GQuark exs_nfo_error_quark (void);

ExsNfo *exs_nfo_parse_data (const char  *data,
                            gsize        length,
                            int          episode,
                            GError     **error);
ExsNfo *exs_nfo_parse_file (const char  *path,
                            int          episode,
                            GError     **error);
ExsNfo *exs_nfo_new (const char *kind);
void exs_nfo_free (ExsNfo *nfo);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExsNfo, exs_nfo_free)

G_END_DECLS
