/* exs-stream-request.h: what a client-protocol route asks of a live stream.
 *
 * Filled in by the IPTV and HDHomeRun routes (src/iptv, src/hdhomerun) and
 * read by the channel engine (exs_channel_manager_serve()); a header of its
 * own so both sides share the type without depending on each other.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  EXS_STREAM_ROUTE_IPTV,      /* /iptv/channel/{number}.ts */
  EXS_STREAM_ROUTE_HDHOMERUN, /* /auto/v{number}, /tuner{n}/v{number} */
} ExsStreamRoute;

typedef struct
{
  ExsStreamRoute route;
  int tuner;               /* /tuner{n}/: n; -1 for /auto/ and IPTV */
  gint64 duration_seconds; /* HDHomeRun ?duration=: the stream ends after it; 0 = until the viewer leaves */
} ExsStreamRequest;

G_END_DECLS
