/* exs-api-channels-private.h: the channel field rules, shared with the bulk edit */
#pragma once

#include "exs-channel-store.h"
#include "exs-http-json.h"

G_BEGIN_DECLS

gboolean exs_api_channels_apply (SoupServerMessage *msg,
                                 JsonObject        *body,
                                 ExsChannelRecord  *record);

G_END_DECLS
