/* exs-channel-store.h: channels as rows — the typed queries over the channels table */
#pragma once

#include "exs-channel-media.h"
#include "exs-database.h"

G_BEGIN_DECLS

typedef struct
{
  gint64 id;
  char *number;          /* canonical text: "5", "102", "1984.1" */
  char *name;
  char *group_title;
  char *logo;
  gboolean enabled;
  gboolean always_on;
  char *streaming_mode;  /* "both", "iptv" or "hdhomerun" */
  char *profile;         /* "480p", "720p" or "1080p" */
  char *transcode_mode;  /* "auto", "transcode" or "remux" */
  ExsChannelMedia *media; /* the issue-20 fields; never NULL */
  gint64 created_at;     /* unix seconds, UTC */
  gint64 updated_at;
  char *upstream_url;    /* (nullable): an upstream live channel's HLS or MPEG-TS URL; NULL: scheduled */
  char *upstream_tvg_id; /* (nullable): its id in the upstream's XMLTV guide */
} ExsChannelRecord;

ExsChannelRecord *exs_channel_record_new (void);
ExsChannelRecord *exs_channel_record_copy (const ExsChannelRecord *record);
void exs_channel_record_free (ExsChannelRecord *record);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExsChannelRecord, exs_channel_record_free)

GPtrArray *exs_channel_store_list (ExsDatabase  *db,
                                   GError      **error);
ExsChannelRecord *exs_channel_store_get (ExsDatabase  *db,
                                         const char   *number,
                                         GError      **error);
gboolean exs_channel_store_insert (ExsDatabase       *db,
                                   ExsChannelRecord  *record,
                                   GError           **error);
gboolean exs_channel_store_update (ExsDatabase       *db,
                                   const char        *number,
                                   ExsChannelRecord  *record,
                                   GError           **error);
gboolean exs_channel_store_delete (ExsDatabase  *db,
                                   const char   *number,
                                   GError      **error);
gint64 exs_channel_store_count (ExsDatabase *db);
GStrv exs_channel_store_list_always_on (ExsDatabase  *db,
                                        GError      **error);

G_END_DECLS
