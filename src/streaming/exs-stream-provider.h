/* exs-stream-provider.h: ExsStreamProvider, what the front ends call to
 * stream a channel.
 *
 * The IPTV and HDHomeRun routes resolve the channel number once
 * (exs_stream_route_find_channel(): one 404 text for every route), answer
 * HEAD and their own protocol rules (the tuner limit), and then call
 * exs_stream_provider_serve() with the resolved channel and a typed
 * ExsStreamRequest. ExsChannelManager implements it; tests may give a
 * stand-in. Main thread only.
 */
#pragma once

#include "exs-channel-store.h"
#include "exs-stream-request.h"

G_BEGIN_DECLS

#define EXS_TYPE_STREAM_PROVIDER (exs_stream_provider_get_type ())
G_DECLARE_INTERFACE (ExsStreamProvider, exs_stream_provider, EXS, STREAM_PROVIDER, GObject)

struct _ExsStreamProviderInterface
{
  GTypeInterface parent_iface;

  /* Streams @channel to @request->msg: MPEG-TS (IPTV, HDHomeRun; never a
   * HEAD) or the channel's HLS playlist or segment (HLS, GET or HEAD). Like
   * an ExsHttpHandler it sets a status, pauses the message or steals its
   * connection before returning. */
  void (*serve) (ExsStreamProvider      *self,
                 const ExsChannelRecord *channel,
                 const ExsStreamRequest *request);
  /* The canonical numbers of the channels playing now (with a viewer). */
  char **(*dup_playing) (ExsStreamProvider *self);
};

void exs_stream_provider_serve (ExsStreamProvider      *self,
                                const ExsChannelRecord *channel,
                                const ExsStreamRequest *request);
char **exs_stream_provider_dup_playing (ExsStreamProvider *self);

G_END_DECLS
