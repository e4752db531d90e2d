/* exs-media-server-src.h: the GStreamer source for exs-media:// URIs, the
 * Plex, Jellyfin and Emby items a channel plays */
#pragma once

#include <gst/gst.h>

#include "exs-media-server-config.h"

G_BEGIN_DECLS

#define EXS_TYPE_MEDIA_SERVER_SRC (exs_media_server_src_get_type ())
G_DECLARE_FINAL_TYPE (ExsMediaServerSrc, exs_media_server_src, EXS, MEDIA_SERVER_SRC, GstBin)

gboolean exs_media_server_src_register (void);
void exs_media_server_src_set_library (gint64                      library_id,
                                       const ExsMediaServerConfig *config);
void exs_media_server_src_forget_library (gint64 library_id);
void exs_media_server_src_forget_all (void);
gboolean exs_media_server_src_get_local (ExsMediaServerSrc *self);

G_END_DECLS
