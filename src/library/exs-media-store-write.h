/* exs-media-store-write.h: the media store's write half — what a library
 * scan stores (items, shows, stream facts, labels, missing files) */
#pragma once

#include "exs-database.h"
#include "exs-media-probe.h"
#include "exs-song-tags.h"

G_BEGIN_DECLS

/* What is stored about one file, as a scan compares it with the disk. */
typedef struct
{
  gint64 id;
  gint64 size;
  gint64 mtime;          /* microseconds */
  gint64 nfo_mtime;      /* 0: no NFO */
  gboolean missing;
  gboolean error;        /* its scan_state is "error" */
  gboolean seen;         /* the scan found the file again (set by the scan) */
} ExsMediaFileState;

/* One show row; strings are borrowed. */
typedef struct
{
  gint64 id;             /* 0: a new show; set by exs_media_store_save_show() */
  gint64 library_id;
  const char *title;
  const char *sort_title;
  int year;              /* 0: unknown */
  const char *plot;      /* (nullable), like the fields below; "" is stored as NULL */
  const char *content_rating;
  const char *studio;
  const char *folder;
  const char *poster;
  const char *fanart;
} ExsShowRow;

/* One media item as a scan found it; strings are borrowed. */
typedef struct
{
  gint64 library_id;
  const char *kind;      /* exs_library_item_kind() */
  const char *uri;
  const char *path;      /* UTF-8 display form */
  gint64 size;
  gint64 mtime;          /* microseconds */
  const char *title;
  const char *sort_title;
  const char *plot;      /* (nullable), like every text below but kind and scan_state */
  int year;              /* 0: unknown */
  const char *content_rating;
  const char *studio;
  gint64 show_id;        /* 0: none */
  int season;            /* -1: none */
  int episode;           /* -1: none */
  int episode_end;       /* 0: not a multi-episode file */
  gint64 duration_ms;
  const char *container;
  gboolean has_facts;    /* FALSE: keep the stored duration and container (NFO-only change) */
  const char *scan_state;/* "ok", "warning" or "error" */
  const char *scan_message;
  const char *poster;
  const char *thumb;
  const char *fanart;
  gboolean probed;       /* probed by this scan: counts it and sets probed_at */
  gboolean has_nfo;
  gint64 nfo_mtime;
  gint64 now;            /* unix seconds */
} ExsMediaItemRow;

typedef enum
{
  EXS_MEDIA_LABELS_OF_SHOW,
  EXS_MEDIA_LABELS_OF_ITEM,
} ExsMediaLabelOwner;

GHashTable *exs_media_store_load_file_states (ExsDatabase  *db,
                                              gint64        library_id,
                                              GError      **error);
gboolean exs_media_store_load_show_keys (ExsDatabase  *db,
                                         gint64        library_id,
                                         GHashTable   *shows,
                                         GError      **error);
gboolean exs_media_store_save_show (ExsDatabase  *db,
                                    ExsShowRow   *row,
                                    GPtrArray    *genres,
                                    GPtrArray    *tags,
                                    GError      **error);
gint64 exs_media_store_save_item (ExsDatabase            *db,
                                  const ExsMediaItemRow  *row,
                                  GError                **error);
gboolean exs_media_store_save_facts (ExsDatabase          *db,
                                     gint64                id,
                                     const ExsMediaFacts  *facts,
                                     GError              **error);
gboolean exs_media_store_set_labels (ExsDatabase         *db,
                                     ExsMediaLabelOwner   owner,
                                     gint64               id,
                                     GPtrArray           *genres,
                                     GPtrArray           *tags,
                                     GError             **error);
/* An item the loudness step has still to measure (a new or changed file). */
typedef struct
{
  gint64 id;
  char *path;
  gint64 mtime;
} ExsLoudnessTodo;

void exs_loudness_todo_clear (ExsLoudnessTodo *todo);
GArray *exs_media_store_dup_loudness_todo (ExsDatabase  *db,
                                           gint64        library_id,
                                           guint         limit,
                                           GError      **error);
gboolean exs_media_store_set_loudness (ExsDatabase  *db,
                                       gint64        item_id,
                                       gint64        mtime,
                                       double        lufs,
                                       GError      **error);
gboolean exs_media_store_set_missing (ExsDatabase  *db,
                                      GArray       *lost,
                                      GArray       *restored,
                                      gint64        now,
                                      GError      **error);

G_END_DECLS

G_BEGIN_DECLS
/* a media server's rating of a show or an item (0: none) */
gboolean exs_media_store_set_rating (ExsDatabase         *db,
                                     ExsMediaLabelOwner   owner,
                                     gint64               id,
                                     double               rating,
                                     GError             **error);
G_END_DECLS

G_BEGIN_DECLS
/* a media server moved an item's play URI (Plex part keys carry a change stamp) */
gboolean exs_media_store_set_uri (ExsDatabase  *db,
                                  gint64        id,
                                  const char   *uri,
                                  GError      **error);
G_END_DECLS

G_BEGIN_DECLS
/* a music library's song: artist, album, track, cover */
gboolean exs_media_store_save_song (ExsDatabase        *db,
                                    gint64              id,
                                    const ExsSongTags  *song,
                                    const char         *cover,
                                    GError            **error);
G_END_DECLS
