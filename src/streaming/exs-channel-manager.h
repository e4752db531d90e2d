/* exs-channel-manager.h: channel number → running ExsChannel; the .ts route */
#pragma once

#include <libsoup/soup.h>

#include "exs-channel.h"
#include "exs-config.h"
#include "exs-database.h"
#include "exs-http-server.h"
#include "exs-playout-source.h"

G_BEGIN_DECLS

#define EXS_TYPE_CHANNEL_MANAGER (exs_channel_manager_get_type ())
G_DECLARE_FINAL_TYPE (ExsChannelManager, exs_channel_manager, EXS, CHANNEL_MANAGER, GObject)

ExsChannelManager *exs_channel_manager_new (ExsConfig        *config,
                                            ExsDatabase      *database,
                                            ExsPlayoutSource *playout);
void exs_channel_manager_register_routes (ExsChannelManager *self,
                                          ExsHttpServer     *http);
void exs_channel_manager_serve (ExsChannelManager *self,
                                SoupServerMessage *msg,
                                const char        *number,
                                gconstpointer      request);
char **exs_channel_manager_dup_playing (ExsChannelManager *self);
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

G_END_DECLS
