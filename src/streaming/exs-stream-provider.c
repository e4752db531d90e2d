/* exs-stream-provider.c: ExsStreamProvider (see the header). */
#include "config.h"

#include "exs-stream-provider.h"

G_DEFINE_INTERFACE (ExsStreamProvider, exs_stream_provider, G_TYPE_OBJECT)

static void
exs_stream_provider_default_init (ExsStreamProviderInterface *iface)
{
}

/**
 * exs_stream_provider_serve:
 * @channel: (transfer none): the resolved channel: it exists, is enabled and
 *   is offered to @request's client
 * @request: (transfer none): the viewer's request; copied if the provider
 *   needs it longer
 */
void
exs_stream_provider_serve (ExsStreamProvider *self, const ExsChannelRecord *channel,
                           const ExsStreamRequest *request)
{
  g_return_if_fail (EXS_IS_STREAM_PROVIDER (self));
  g_return_if_fail (channel != NULL && channel->number != NULL);
  g_return_if_fail (request != NULL && SOUP_IS_SERVER_MESSAGE (request->msg));
  g_return_if_fail (!request->head || request->client == EXS_STREAM_CLIENT_HLS);
  g_return_if_fail (request->client != EXS_STREAM_CLIENT_HLS || request->hls_file != NULL);

  EXS_STREAM_PROVIDER_GET_IFACE (self)->serve (self, channel, request);
}

/**
 * exs_stream_provider_dup_playing:
 *
 * Returns: (transfer full): the canonical numbers of the channels playing
 *   now, NULL-terminated; never %NULL
 */
char **
exs_stream_provider_dup_playing (ExsStreamProvider *self)
{
  char **playing;

  g_return_val_if_fail (EXS_IS_STREAM_PROVIDER (self), g_new0 (char *, 1));

  playing = EXS_STREAM_PROVIDER_GET_IFACE (self)->dup_playing (self);
  return playing ? playing : g_new0 (char *, 1);
}
