/* exs-channel-admission.c: ExsChannelAdmission (see the header). */
#include "config.h"

#include "exs-channel-admission.h"

G_DEFINE_INTERFACE (ExsChannelAdmission, exs_channel_admission, G_TYPE_OBJECT)

static void
exs_channel_admission_default_init (ExsChannelAdmissionInterface *iface)
{
}

void
exs_channel_admission_start_async (ExsChannelAdmission *self, const char *number, gboolean prewarm,
                                   GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (EXS_IS_CHANNEL_ADMISSION (self));
  g_return_if_fail (number != NULL);

  EXS_CHANNEL_ADMISSION_GET_IFACE (self)->start_async (self, number, prewarm, cancellable, callback, user_data);
}

/**
 * exs_channel_admission_start_finish:
 *
 * Returns: (transfer full) (nullable): the ticket the channel holds while it
 *   runs, or %NULL with @error set
 */
GObject *
exs_channel_admission_start_finish (ExsChannelAdmission *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (EXS_IS_CHANNEL_ADMISSION (self), NULL);
  g_return_val_if_fail (G_IS_ASYNC_RESULT (result), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return EXS_CHANNEL_ADMISSION_GET_IFACE (self)->start_finish (self, result, error);
}

/**
 * exs_channel_admission_open_viewer:
 *
 * Returns: the viewer's session id, or 0 with @error set when refused
 */
guint64
exs_channel_admission_open_viewer (ExsChannelAdmission *self, const char *number, const ExsStreamRequest *request,
                                   GError **error)
{
  g_return_val_if_fail (EXS_IS_CHANNEL_ADMISSION (self), 0);
  g_return_val_if_fail (number != NULL && request != NULL, 0);
  g_return_val_if_fail (error == NULL || *error == NULL, 0);

  return EXS_CHANNEL_ADMISSION_GET_IFACE (self)->open_viewer (self, number, request, error);
}

void
exs_channel_admission_viewer_dropped (ExsChannelAdmission *self, guint64 session_id)
{
  g_return_if_fail (EXS_IS_CHANNEL_ADMISSION (self));
  g_return_if_fail (session_id != 0);

  EXS_CHANNEL_ADMISSION_GET_IFACE (self)->viewer_dropped (self, session_id);
}

/* Answers @request->msg for a refused start or viewer. */
void
exs_channel_admission_refuse (ExsChannelAdmission *self, const char *number, const ExsStreamRequest *request,
                              const GError *error)
{
  g_return_if_fail (EXS_IS_CHANNEL_ADMISSION (self));
  g_return_if_fail (number != NULL && request != NULL && error != NULL);

  EXS_CHANNEL_ADMISSION_GET_IFACE (self)->refuse (self, number, request, error);
}
