/* exs-channel-admission.h: ExsChannelAdmission, what the channel manager
 * asks before a pipeline starts and before a viewer joins.
 *
 * The application's channel supervisor (src/app/exs-channel-supervisor.c)
 * implements it over the pipeline pool and the session manager; the engine
 * knows nothing of the resilience layer. Without one, channels start at
 * once and viewers get no session. Main thread only.
 */
#pragma once

#include "exs-stream-request.h"

#include <gio/gio.h>

G_BEGIN_DECLS

#define EXS_TYPE_CHANNEL_ADMISSION (exs_channel_admission_get_type ())
G_DECLARE_INTERFACE (ExsChannelAdmission, exs_channel_admission, EXS, CHANNEL_ADMISSION, GObject)

struct _ExsChannelAdmissionInterface
{
  GTypeInterface parent_iface;

  /* Admits one pipeline start; may wait. finish: (transfer full) an object
   * the channel holds while it runs (dropped when it stops), or NULL + error. */
  void (*start_async) (ExsChannelAdmission *self,
                       const char          *number,
                       gboolean             prewarm,
                       GCancellable        *cancellable,
                       GAsyncReadyCallback  callback,
                       gpointer             user_data);
  GObject *(*start_finish) (ExsChannelAdmission *self,
                            GAsyncResult        *result,
                            GError             **error);
  /* A viewer before its 200 header: a session id, or 0 and @error to refuse it. */
  guint64 (*open_viewer) (ExsChannelAdmission    *self,
                          const char             *number,
                          const ExsStreamRequest *request,
                          GError                **error);
  /* A viewer with a session that never reached its channel. */
  void (*viewer_dropped) (ExsChannelAdmission *self,
                          guint64              session_id);
  /* Answers a refused tune (the start or the viewer was refused). */
  void (*refuse) (ExsChannelAdmission    *self,
                  const char             *number,
                  const ExsStreamRequest *request,
                  const GError           *error);
};

void exs_channel_admission_start_async (ExsChannelAdmission *self,
                                        const char          *number,
                                        gboolean             prewarm,
                                        GCancellable        *cancellable,
                                        GAsyncReadyCallback  callback,
                                        gpointer             user_data);
GObject *exs_channel_admission_start_finish (ExsChannelAdmission *self,
                                             GAsyncResult        *result,
                                             GError             **error);
guint64 exs_channel_admission_open_viewer (ExsChannelAdmission    *self,
                                           const char             *number,
                                           const ExsStreamRequest *request,
                                           GError                **error);
void exs_channel_admission_viewer_dropped (ExsChannelAdmission *self,
                                           guint64              session_id);
void exs_channel_admission_refuse (ExsChannelAdmission    *self,
                                   const char             *number,
                                   const ExsStreamRequest *request,
                                   const GError           *error);

G_END_DECLS
