/* exs-channel-upstream.h: the playout of an upstream live channel */
#pragma once

#include "exs-playout-source.h"

G_BEGIN_DECLS

#define EXS_TYPE_CHANNEL_UPSTREAM (exs_channel_upstream_get_type ())
G_DECLARE_FINAL_TYPE (ExsChannelUpstream, exs_channel_upstream, EXS, CHANNEL_UPSTREAM, GObject)

/* @url: an http(s) HLS playlist or MPEG-TS stream, already checked
 * (exs_upstream_url_check); @reconnect_initial_ms, @reconnect_max_ms: the
 * backoff between reconnections (doubling from the first, capped);
 * @stall_ms: how long a connected upstream may send nothing before it counts
 * as failed */
ExsChannelUpstream *exs_channel_upstream_new (const char *url,
                                              guint       reconnect_initial_ms,
                                              guint       reconnect_max_ms,
                                              guint       stall_ms);
const char *exs_channel_upstream_get_url (ExsChannelUpstream *self);
gint64 exs_channel_upstream_get_backoff_us (ExsChannelUpstream *self,
                                            guint               failures);

G_END_DECLS
