/* exs-stream-hooks.c: small helpers around ExsStreamHooks (see the header). */
#include "config.h"

#include "exs-stream-hooks.h"

#include "exs-channel-number.h"
#include "exs-http-json.h"

/**
 * exs_stream_hooks_dup_playing:
 *
 * Returns: (transfer full): the playing channels, an empty list when the
 * engine is not wired in
 */
char **
exs_stream_hooks_dup_playing (const ExsStreamHooks *hooks)
{
  char **playing = NULL;

  if (hooks != NULL && hooks->dup_playing_channels != NULL)
    playing = hooks->dup_playing_channels (hooks->user_data);
  return playing ? playing : g_new0 (char *, 1);
}

void
exs_stream_hooks_reply_no_engine (SoupServerMessage *msg)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Retry-After",
                                "30");
  exs_http_reply_error (
      msg, 503, "engine_unavailable",
      "the channel engine is not running in this build, so channels cannot be "
      "streamed yet; the playlist, the guide and the HDHomeRun lineup still work");
}

static gboolean
mode_allows (const char *streaming_mode, ExsStreamRoute route)
{
  if (g_strcmp0 (streaming_mode, "both") == 0)
    return TRUE;
  return g_strcmp0 (streaming_mode, route == EXS_STREAM_ROUTE_IPTV ? "iptv" : "hdhomerun") == 0;
}

/**
 * exs_stream_find_channel:
 * @number_text: the number as it came in the path ("1984.1", "007")
 *
 * Finds an enabled channel offered on @route. Otherwise answers @msg with
 * 404 (unknown, disabled or not offered there) or 503 (database trouble).
 *
 * Returns: (transfer full) (nullable): the channel, or %NULL when @msg has
 * been answered
 */
ExsChannelRecord *
exs_stream_find_channel (SoupServerMessage *msg, ExsDatabase *database, const char *number_text,
                         ExsStreamRoute route)
{
  g_autofree char *number = exs_channel_number_normalize (number_text);
  g_autoptr (ExsChannelRecord) channel = NULL;
  g_autoptr (GError) error = NULL;

  if (number == NULL)
    {
      exs_http_reply_error (msg, 404, NULL, "no channel “%s”: %s", number_text,
                            EXS_CHANNEL_NUMBER_RULE);
      return NULL;
    }
  channel = exs_channel_store_get (database, number, &error);
  if (channel == NULL)
    {
      if (g_error_matches (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_NOT_FOUND))
        exs_http_reply_error (msg, 404, NULL, "no channel numbered %s", number);
      else
        exs_http_reply_gerror (msg, error);
      return NULL;
    }
  if (!channel->enabled)
    {
      exs_http_reply_error (msg, 404, NULL, "channel %s is disabled", number);
      return NULL;
    }
  if (!mode_allows (channel->streaming_mode, route))
    {
      exs_http_reply_error (msg, 404, NULL,
                            "channel %s is not offered %s (its streaming_mode is %s)", number,
                            route == EXS_STREAM_ROUTE_IPTV ? "over IPTV" : "through HDHomeRun",
                            channel->streaming_mode);
      return NULL;
    }
  return g_steal_pointer (&channel);
}

/* HEAD on a stream: what a GET would be, without taking a tuner or starting
 * the channel (Jellyfin checks the type this way, Kodi probes with it). */
void
exs_stream_reply_head (SoupServerMessage *msg)
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
 * exs_stream_serve:
 *
 * Hands a GET for a live stream to the engine, or answers 503 without one.
 * A live stream has no byte ranges: Lavf clients (Plex, Jellyfin, ffprobe)
 * send "Range: bytes=0-", and libsoup would turn a 200 into a 206 for it, so
 * the header is dropped first.
 */
void
exs_stream_serve (const ExsStreamHooks *hooks, SoupServerMessage *msg, const char *number,
                  const ExsStreamRequest *request)
{
  if (hooks == NULL || hooks->serve_ts == NULL)
    {
      exs_stream_hooks_reply_no_engine (msg);
      return;
    }
  soup_message_headers_remove (soup_server_message_get_request_headers (msg), "Range");
  hooks->serve_ts (hooks->user_data, msg, number, request);
}
