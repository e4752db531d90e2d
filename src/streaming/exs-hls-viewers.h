/* exs-hls-viewers.h: who watches over HLS — a session per client and player */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/* A viewer that fetched nothing for this many segment intervals is gone. */
#define EXS_HLS_VIEWER_IDLE_SEGMENTS 5
/* A viewer the administrator disconnected is refused this long. */
#define EXS_HLS_VIEWER_BAN_SECONDS 60

#define EXS_TYPE_HLS_VIEWERS (exs_hls_viewers_get_type ())
G_DECLARE_FINAL_TYPE (ExsHlsViewers, exs_hls_viewers, EXS, HLS_VIEWERS, GObject)

ExsHlsViewers *exs_hls_viewers_new (gint64 idle_us);
ExsHlsViewers *exs_hls_viewers_get_default (void);

gboolean exs_hls_viewers_admit (ExsHlsViewers     *self,
                                const char        *channel_number,
                                SoupServerMessage *msg);
void exs_hls_viewers_add_bytes (ExsHlsViewers     *self,
                                const char        *channel_number,
                                SoupServerMessage *msg,
                                guint64            bytes);
void exs_hls_viewers_add_json (ExsHlsViewers *self,
                               const char    *channel_number,
                               JsonArray     *sessions);
gboolean exs_hls_viewers_disconnect (ExsHlsViewers *self,
                                     const char    *id,
                                     char         **channel_number,
                                     char         **client);

G_END_DECLS
