/* exs-stream-hooks.h: the seam between the client protocols and the channel engine.
 *
 * The IPTV and HDHomeRun routes (/iptv/channel/{number}.ts, .m3u8,
 * /auto/v{number}, /tuner{n}/v{number}) do the protocol work themselves —
 * number parsing, 404 for an unknown channel, HEAD, the tuner limit and its
 * 503 + X-HDHomeRun-Error — and then hand the request to the engine through
 * these hooks. ExsApplication owns one ExsStreamHooks and fills it in when the
 * channel manager exists, for example:
 *
 *   app->stream_hooks.serve_ts = (ExsStreamServeFunc) exs_channel_manager_serve;
 *   app->stream_hooks.dup_playing_channels = (ExsStreamPlayingFunc)
 * exs_channel_manager_dup_playing; app->stream_hooks.user_data = app->channel_manager;
 *
 * A hook left NULL makes its routes answer 503 with a JSON error that says
 * the channel engine is not available. Main thread only.
 */
#pragma once

#include "exs-stream-request.h"

#include <libsoup/soup.h>

G_BEGIN_DECLS


/* Streams channel @number (canonical, it exists and is enabled) to @msg as
 * MPEG-TS. Like an ExsHttpHandler it must set a status, pause the message or
 * steal its connection before returning. Never called for HEAD. */
typedef void (*ExsStreamServeFunc) (gpointer user_data, SoupServerMessage *msg, const char *number,
                                    const ExsStreamRequest *request);

/* Serves channel @number's HLS playlist (@file "index.m3u8") or one of its
 * segments (@file as named in the playlist), from the channel's own pipeline
 * (hlssink2 on the tee, not a second encode). Same contract as above. */
typedef void (*ExsStreamServeHlsFunc) (gpointer user_data, SoupServerMessage *msg,
                                       const char *number, const char *file);

/* Returns: (transfer full): the canonical numbers of the channels playing now
 * (with at least one viewer), NULL-terminated; never NULL. */
typedef char **(*ExsStreamPlayingFunc) (gpointer user_data);

typedef struct
{
  ExsStreamServeFunc serve_ts;
  ExsStreamServeHlsFunc serve_hls;
  ExsStreamPlayingFunc dup_playing_channels;
  gpointer user_data;
} ExsStreamHooks;

char **exs_stream_hooks_dup_playing (const ExsStreamHooks *hooks);
void exs_stream_hooks_reply_no_engine (SoupServerMessage *msg);

G_END_DECLS

#include "exs-channel-store.h"

G_BEGIN_DECLS

ExsChannelRecord *exs_stream_find_channel (SoupServerMessage *msg, ExsDatabase *database,
                                           const char *number_text, ExsStreamRoute route);
void exs_stream_reply_head (SoupServerMessage *msg);
void exs_stream_serve (const ExsStreamHooks *hooks, SoupServerMessage *msg, const char *number,
                       const ExsStreamRequest *request);

G_END_DECLS
