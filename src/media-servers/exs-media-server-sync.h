/* exs-media-server-sync.h: keeps Plex, Jellyfin and Emby libraries in step
 * with their servers */
#pragma once

#include <gio/gio.h>

#include "exs-database.h"
#include "exs-media-server-config.h"

G_BEGIN_DECLS

#define EXS_TYPE_MEDIA_SERVER_SYNC (exs_media_server_sync_get_type ())
G_DECLARE_FINAL_TYPE (ExsMediaServerSync, exs_media_server_sync, EXS, MEDIA_SERVER_SYNC, GObject)

ExsMediaServerSync *exs_media_server_sync_new (ExsDatabase *database);
void exs_media_server_sync_start (ExsMediaServerSync *self,
                                  gint64              library_id);
void exs_media_server_sync_start_all (ExsMediaServerSync *self);
gboolean exs_media_server_sync_is_busy (ExsMediaServerSync *self,
                                        gint64              library_id);
gboolean exs_media_server_sync_is_idle (ExsMediaServerSync *self);
gboolean exs_media_server_sync_load_sources (ExsMediaServerSync  *self,
                                             GError             **error);
void exs_media_server_sync_stop (ExsMediaServerSync *self);

ExsMediaServerConfig *exs_media_server_sync_dup_config (ExsMediaServerSync  *self,
                                                        gint64               library_id,
                                                        GError             **error);

void exs_media_server_list_libraries_async (const ExsMediaServerConfig *config,
                                            GCancellable               *cancellable,
                                            GAsyncReadyCallback         callback,
                                            gpointer                    user_data);
GPtrArray *exs_media_server_list_libraries_finish (GAsyncResult  *result,
                                                   GError       **error);

G_END_DECLS
