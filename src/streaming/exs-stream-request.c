/* exs-stream-request.c: ExsStreamRequest (see the header). */
#include "config.h"

#include "exs-stream-request.h"

#include <string.h>

G_DEFINE_BOXED_TYPE (ExsStreamRequest, exs_stream_request, exs_stream_request_copy, exs_stream_request_free)

/**
 * exs_stream_request_new:
 * @msg: (transfer none): the viewer's request; the request keeps a reference
 * @client: which front end it came through
 *
 * Reads what the engine needs from @msg once: HEAD, Range, the User-Agent
 * (made valid UTF-8 and cut to EXS_STREAM_USER_AGENT_MAX characters: a LAN
 * client sends what it likes) and the address. The front end fills in the
 * rest (tuner, duration, HLS file).
 *
 * Returns: (transfer full): the request
 */
ExsStreamRequest *
exs_stream_request_new (SoupServerMessage *msg, ExsStreamClient client)
{
  SoupMessageHeaders *headers;
  ExsStreamRequest *request;
  const char *ua;

  g_return_val_if_fail (SOUP_IS_SERVER_MESSAGE (msg), NULL);

  headers = soup_server_message_get_request_headers (msg);
  ua = soup_message_headers_get_one (headers, "User-Agent");
  request = g_new0 (ExsStreamRequest, 1);
  request->client = client;
  request->msg = g_object_ref (msg);
  request->head = g_strcmp0 (soup_server_message_get_method (msg), "HEAD") == 0;
  request->ranged = soup_message_headers_get_one (headers, "Range") != NULL;
  request->tuner = -1;
  if (ua != NULL)
    {
      g_autofree char *valid = g_utf8_make_valid (ua, MIN (strlen (ua), 4 * EXS_STREAM_USER_AGENT_MAX));

      request->user_agent = g_utf8_substring (valid, 0, MIN (g_utf8_strlen (valid, -1), EXS_STREAM_USER_AGENT_MAX));
    }
  request->address = g_strdup (soup_server_message_get_remote_host (msg));
  request->requested_us = g_get_monotonic_time ();
  return request;
}

/**
 * exs_stream_request_copy:
 *
 * Returns: (transfer full): a copy, with its own reference on the message
 */
ExsStreamRequest *
exs_stream_request_copy (const ExsStreamRequest *request)
{
  ExsStreamRequest *copy;

  g_return_val_if_fail (request != NULL, NULL);

  copy = g_memdup2 (request, sizeof *request);
  copy->msg = g_object_ref (request->msg);
  copy->hls_file = g_strdup (request->hls_file);
  copy->user_agent = g_strdup (request->user_agent);
  copy->address = g_strdup (request->address);
  return copy;
}

void
exs_stream_request_free (ExsStreamRequest *request)
{
  if (request == NULL)
    return;
  g_object_unref (request->msg);
  g_free (request->hls_file);
  g_free (request->user_agent);
  g_free (request->address);
  g_free (request);
}

/* "iptv", "hdhomerun" or "hls": for logs and the sessions page */
const char *
exs_stream_client_to_string (ExsStreamClient client)
{
  switch (client)
    {
    case EXS_STREAM_CLIENT_IPTV:
      return "iptv";
    case EXS_STREAM_CLIENT_HDHOMERUN:
      return "hdhomerun";
    case EXS_STREAM_CLIENT_HLS:
      return "hls";
    }
  g_return_val_if_reached ("unknown");
}
