/* exs-api-channels-private.h: the channel field rules and JSON, shared with
 * the bulk edit and the schedule export */
#pragma once

#include "exs-api-context.h"
#include "exs-channel-store.h"
#include "exs-http-json.h"

G_BEGIN_DECLS

gboolean exs_api_channels_apply (ExsApiContext     *ctx,
                                 SoupServerMessage *msg,
                                 JsonObject        *body,
                                 ExsChannelRecord  *record);
ExsChannelRecord *exs_api_channels_lookup (ExsApiContext     *ctx,
                                           SoupServerMessage *msg,
                                           GHashTable        *params);
void exs_api_channels_set_settings (JsonObject             *o,
                                    const ExsChannelRecord *record);

G_END_DECLS
