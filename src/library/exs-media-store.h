/* exs-media-store.h: media items and collections as rows, and the scheduler's entry point */
#pragma once

#include <json-glib/json-glib.h>

#include "exs-database.h"
#include "exs-media-query.h"

G_BEGIN_DECLS

typedef enum
{
  EXS_MEDIA_SORT_TITLE,
  EXS_MEDIA_SORT_YEAR,
  EXS_MEDIA_SORT_ADDED,
  EXS_MEDIA_SORT_DURATION,
  EXS_MEDIA_SORT_EPISODE, /* show, season, episode */
} ExsMediaSort;

typedef struct
{
  gint64 media_item_id;  /* 0 unless the member is one item */
  gint64 show_id;        /* 0 unless the member is a show or a season */
  int season;            /* -1: the whole show */
} ExsCollectionMember;

typedef struct
{
  gint64 id;
  char *name;
  char *kind;            /* "manual" or "smart" */
  char *query;           /* (nullable) smart collections only */
  GArray *members;       /* (element-type ExsCollectionMember) manual collections only */
  gint64 created_at;
  gint64 updated_at;
} ExsCollectionRecord;

ExsCollectionRecord *exs_collection_record_new (void);
void exs_collection_record_free (ExsCollectionRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExsCollectionRecord, exs_collection_record_free)

GArray *exs_media_store_search (ExsDatabase    *db,
                                ExsMediaQuery  *query,
                                gint64          library_id,
                                gboolean        include_missing,
                                ExsMediaSort    sort,
                                gboolean        descending,
                                guint           offset,
                                guint           limit,
                                gint64         *total,
                                GError        **error);
JsonArray *exs_media_store_items_to_json (ExsDatabase  *db,
                                          GArray       *ids,
                                          gboolean      details,
                                          GError      **error);

gboolean exs_media_store_item_exists (ExsDatabase  *db,
                                      gint64        id,
                                      GError      **error);
gboolean exs_media_store_show_exists (ExsDatabase  *db,
                                      gint64        id,
                                      GError      **error);
JsonArray *exs_media_store_shows_to_json (ExsDatabase  *db,
                                          gint64        library_id,
                                          GError      **error);

/* One stored video or audio stream, as the remux decision reads it. */
typedef struct
{
  char *kind;            /* "video" or "audio" */
  char *codec;           /* (nullable) short name: h264, aac, ... */
  int width, height;     /* video; 0 when unknown */
} ExsMediaStreamInfo;

gboolean exs_media_store_get_loudness (ExsDatabase  *db,
                                       gint64        item_id,
                                       double       *lufs,
                                       GError      **error);
GArray *exs_media_store_dup_av_streams (ExsDatabase  *db,
                                        gint64        item_id,
                                        GError      **error);

GPtrArray *exs_collection_store_list (ExsDatabase  *db,
                                      GError      **error);
ExsCollectionRecord *exs_collection_store_get (ExsDatabase  *db,
                                               gint64        id,
                                               GError      **error);
gboolean exs_collection_store_insert (ExsDatabase          *db,
                                      ExsCollectionRecord  *record,
                                      GError              **error);
gboolean exs_collection_store_update (ExsDatabase          *db,
                                      ExsCollectionRecord  *record,
                                      GError              **error);
gboolean exs_collection_store_delete (ExsDatabase  *db,
                                      gint64        id,
                                      GError      **error);
GArray *exs_collection_resolve (ExsDatabase  *db,
                                gint64        collection_id,
                                GError      **error);
GArray *exs_collection_resolve_query (ExsDatabase  *db,
                                      const char   *query,
                                      GError      **error);

G_END_DECLS
