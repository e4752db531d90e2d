/* exs-stream-route.c: the shared steps of the stream routes (see the header). */
#include "config.h"

#include "exs-stream-route.h"

#include "exs-channel-number.h"
#include "exs-http-json.h"

void
exs_stream_route_reply_no_engine (SoupServerMessage *msg)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After", "30");
  exs_http_reply_error (msg, 503, "engine_unavailable",
                        "the channel engine is not running in this build, so channels cannot be "
                        "streamed yet; the playlist, the guide and the HDHomeRun lineup still work");
}

/* HLS and the .ts stream are IPTV; "both" offers a channel everywhere */
static gboolean
mode_allows (const char *streaming_mode, ExsStreamClient client)
{
  if (g_strcmp0 (streaming_mode, "both") == 0)
    return TRUE;
  return g_strcmp0 (streaming_mode, client == EXS_STREAM_CLIENT_HDHOMERUN ? "hdhomerun" : "iptv") == 0;
}

/**
 * exs_stream_route_find_channel:
 * @number_text: the number as it came in the path ("1984.1", "007", "x")
 * @request: the viewer's request; answered when there is no channel to serve
 *
 * Normalises and looks up the number, the only time a stream request does.
 * Answers 404 for a number that is not one, an unknown or disabled channel
 * and one not offered to @request's client, always as
 * {"error": {"code": "not_found", "message": "no channel “…”: …"}}; a
 * database failure is a 500 naming it, not a 404.
 *
 * Returns: (transfer full) (nullable): the enabled channel, or %NULL when
 *   @request->msg has been answered
 */
ExsChannelRecord *
exs_stream_route_find_channel (ExsDatabase *database, const char *number_text, const ExsStreamRequest *request)
{
  g_autofree char *number = NULL;
  g_autoptr (ExsChannelRecord) channel = NULL;
  g_autoptr (GError) error = NULL;
  const char *why = NULL;

  g_return_val_if_fail (EXS_IS_DATABASE (database), NULL);
  g_return_val_if_fail (number_text != NULL, NULL);
  g_return_val_if_fail (request != NULL, NULL);

  number = exs_channel_number_normalize (number_text);
  if (number == NULL)
    why = EXS_CHANNEL_NUMBER_RULE;
  else if ((channel = exs_channel_store_get (database, number, &error)) == NULL)
    {
      if (!g_error_matches (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_NOT_FOUND))
        {
          exs_http_reply_gerror (request->msg, error);
          return NULL;
        }
      why = "there is no channel with that number";
    }
  else if (!channel->enabled)
    why = "the channel is disabled";
  else if (!mode_allows (channel->streaming_mode, request->client))
    why = request->client == EXS_STREAM_CLIENT_HDHOMERUN
              ? "the channel is not offered through HDHomeRun (its streaming_mode is iptv)"
              : "the channel is not offered over IPTV (its streaming_mode is hdhomerun)";
  if (why != NULL)
    {
      exs_http_reply_error (request->msg, 404, NULL, "no channel “%.32s”: %s", number_text, why);
      return NULL;
    }
  return g_steal_pointer (&channel);
}

/* HEAD on a stream: what a GET would be, without taking a tuner or starting
 * the channel (Jellyfin checks the type this way, Kodi probes with it). */
static void
reply_head (SoupServerMessage *msg)
{
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);

  soup_server_message_set_status (msg, 200, NULL);
  soup_message_headers_set_content_type (h, "video/MP2T", NULL);
  /* a live stream has no length: no Content-Length, the body ends at close */
  soup_message_headers_set_encoding (h, SOUP_ENCODING_EOF);
  soup_message_headers_replace (h, "Cache-Control", "no-store");
  soup_message_headers_replace (h, "Connection", "close");
}

/**
 * exs_stream_route_serve:
 * @provider: (nullable): the engine; %NULL answers 503 engine_unavailable
 * @channel: from exs_stream_route_find_channel()
 *
 * Hands the request to the engine. HEAD of an MPEG-TS stream is answered
 * here, starting nothing. A live stream has no byte ranges: Lavf clients
 * (Plex, Jellyfin, ffprobe) send "Range: bytes=0-", and libsoup would turn a
 * 200 into a 206 for it, so the header is dropped first (request->ranged
 * says it came).
 */
void
exs_stream_route_serve (ExsStreamProvider *provider, const ExsChannelRecord *channel,
                        const ExsStreamRequest *request)
{
  g_return_if_fail (provider == NULL || EXS_IS_STREAM_PROVIDER (provider));
  g_return_if_fail (channel != NULL && request != NULL);

  if (request->client != EXS_STREAM_CLIENT_HLS)
    {
      if (request->head)
        {
          reply_head (request->msg);
          return;
        }
      soup_message_headers_remove (soup_server_message_get_request_headers (request->msg), "Range");
    }
  if (provider == NULL)
    exs_stream_route_reply_no_engine (request->msg);
  else
    exs_stream_provider_serve (provider, channel, request);
}
