/* exs-stream-route.h: the steps every stream route shares, from URL to engine.
 *
 *   GET|HEAD /iptv/channel/{number}.ts      (ExsIptvService)
 *   GET|HEAD /iptv/channel/{number}.m3u8, …/hls/{file}   (ExsIptvService)
 *   GET|HEAD /auto/v{number}, /tuner{n}/v{number}         (ExsHdhrDevice)
 *
 * A route builds an ExsStreamRequest (exs_stream_request_new()), resolves
 * the number once with exs_stream_route_find_channel() (the one 404 JSON
 * text of every stream route), applies its own rules (the HDHomeRun tuner
 * limit) and hands over with exs_stream_route_serve(), which answers HEAD of
 * an MPEG-TS stream itself (nothing starts) and 503 engine_unavailable
 * without a provider. Main thread only.
 */
#pragma once

#include "exs-channel-store.h"
#include "exs-stream-provider.h"

G_BEGIN_DECLS

ExsChannelRecord *exs_stream_route_find_channel (ExsDatabase            *database,
                                                 const char             *number_text,
                                                 const ExsStreamRequest *request);
void exs_stream_route_serve (ExsStreamProvider      *provider,
                             const ExsChannelRecord *channel,
                             const ExsStreamRequest *request);
void exs_stream_route_reply_no_engine (SoupServerMessage *msg);

G_END_DECLS
