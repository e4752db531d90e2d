/* exs-stream-request.h: what a viewer asks of a live stream, typed once.
 *
 * A front end (src/iptv: /iptv/channel/{number}.ts and HLS; src/hdhomerun:
 * /auto/v{number}, /tuner{n}/v{number}) builds one ExsStreamRequest from the
 * libsoup message, resolves the channel (exs_stream_route_find_channel()) and
 * hands both to the engine through ExsStreamProvider. The engine reads the
 * request and never the URL: the client kind, the HDHomeRun duration, the
 * viewer's address and User-Agent all arrive here, typed.
 */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef enum
{
  EXS_STREAM_CLIENT_IPTV,      /* /iptv/channel/{number}.ts */
  EXS_STREAM_CLIENT_HDHOMERUN, /* /auto/v{number}, /tuner{n}/v{number} */
  EXS_STREAM_CLIENT_HLS,       /* /iptv/channel/{number}.m3u8 and its segments */
} ExsStreamClient;

/* The longest User-Agent kept, in characters. */
#define EXS_STREAM_USER_AGENT_MAX 256

typedef struct
{
  ExsStreamClient client;
  SoupServerMessage *msg;  /* owned: the viewer's request and, for MPEG-TS, its connection */
  gboolean head;           /* HEAD: headers only, nothing starts */
  gboolean ranged;         /* the client sent Range (ignored: a live stream starts where the channel is) */
  int tuner;               /* /tuner{n}/: n; -1 otherwise */
  gint64 duration_seconds; /* HDHomeRun ?duration=: the stream ends after it; 0 = until the viewer leaves */
  char *hls_file;          /* HLS: "index.m3u8" or a segment name; NULL otherwise */
  char *user_agent;        /* valid UTF-8, at most EXS_STREAM_USER_AGENT_MAX characters; nullable */
  char *address;           /* the viewer's IP address; nullable */
  gint64 requested_us;     /* monotonic time the request arrived */
} ExsStreamRequest;

#define EXS_TYPE_STREAM_REQUEST (exs_stream_request_get_type ())
GType exs_stream_request_get_type (void);

ExsStreamRequest *exs_stream_request_new (SoupServerMessage *msg,
                                          ExsStreamClient    client);
ExsStreamRequest *exs_stream_request_copy (const ExsStreamRequest *request);
void exs_stream_request_free (ExsStreamRequest *request);
const char *exs_stream_client_to_string (ExsStreamClient client);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExsStreamRequest, exs_stream_request_free)

G_END_DECLS
