/* exs-channel-manager.h: channel number → running ExsChannel.
 *
 * ExsChannelManager implements ExsStreamProvider: the front ends' stream
 * routes (src/iptv, src/hdhomerun) hand it resolved channels and typed
 * requests. It has no route of its own.
 */
#pragma once

#include <libsoup/soup.h>

#include "exs-channel-admission.h"
#include "exs-channel.h"
#include "exs-config.h"
#include "exs-database.h"
#include "exs-playout-source.h"
#include "exs-stream-provider.h"

G_BEGIN_DECLS

#define EXS_TYPE_CHANNEL_MANAGER (exs_channel_manager_get_type ())
G_DECLARE_FINAL_TYPE (ExsChannelManager, exs_channel_manager, EXS, CHANNEL_MANAGER, GObject)

ExsChannelManager *exs_channel_manager_new (ExsConfig        *config,
                                            ExsDatabase      *database,
                                            ExsPlayoutSource *playout);
ExsChannel *exs_channel_manager_ensure_channel (ExsChannelManager  *self,
                                                const char         *number,
                                                GError            **error);
ExsChannel *exs_channel_manager_get_channel (ExsChannelManager *self,
                                             const char        *number);
GPtrArray *exs_channel_manager_dup_channels (ExsChannelManager *self);
char *exs_channel_manager_dup_pipeline_reason (ExsChannelManager *self,
                                               const char        *number);
void exs_channel_manager_stop_all (ExsChannelManager *self);
void exs_channel_manager_start_always_on (ExsChannelManager *self);
void exs_channel_manager_set_admission (ExsChannelManager   *self,
                                        ExsChannelAdmission *admission);
void exs_channel_manager_start_async (ExsChannelManager   *self,
                                      const char          *number,
                                      gboolean             prewarm,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
gboolean exs_channel_manager_start_finish (ExsChannelManager  *self,
                                           GAsyncResult       *result,
                                           GError            **error);

G_END_DECLS
