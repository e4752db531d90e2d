/* exs-channel-manager.h: channel number → running ExsChannel; the .ts route */
#pragma once

#include <libsoup/soup.h>

#include "exs-channel.h"
#include "exs-config.h"
#include "exs-database.h"
#include "exs-http-server.h"
#include "exs-playout-source.h"
#include "exs-stream-request.h"

G_BEGIN_DECLS

/* What the application decides for the engine (src/app/exs-channel-supervisor.c
 * fills it in from the pipeline pool and the session manager). Main thread. */
typedef struct
{
  /* Admits one pipeline start; may wait. finish: (transfer full) an object
   * the channel holds while it runs (dropped when it stops), or NULL + error. */
  void (*start_async) (gpointer user_data, const char *number, gboolean prewarm, GCancellable *cancellable,
                       GAsyncReadyCallback callback, gpointer callback_data);
  GObject *(*start_finish) (gpointer user_data, GAsyncResult *result, GError **error);
  /* A viewer before its 200 header: a session id, or 0 and @error to refuse it. */
  guint64 (*open_viewer) (gpointer user_data, const char *number, const char *address, GError **error);
  /* A viewer with a session that never reached its channel. */
  void (*viewer_dropped) (gpointer user_data, guint64 session_id);
  /* Answers a refused tune (the start or the viewer was refused). */
  void (*refuse) (gpointer user_data, SoupServerMessage *msg, const char *number, const GError *error);
  gpointer user_data;
} ExsChannelAdmission;

#define EXS_TYPE_CHANNEL_MANAGER (exs_channel_manager_get_type ())
G_DECLARE_FINAL_TYPE (ExsChannelManager, exs_channel_manager, EXS, CHANNEL_MANAGER, GObject)

ExsChannelManager *exs_channel_manager_new (ExsConfig        *config,
                                            ExsDatabase      *database,
                                            ExsPlayoutSource *playout);
void exs_channel_manager_register_routes (ExsChannelManager *self,
                                          ExsHttpServer     *http);
void exs_channel_manager_serve (ExsChannelManager *self,
                                SoupServerMessage *msg,
                                const char             *number,
                                const ExsStreamRequest *request);
void exs_channel_manager_serve_hls (ExsChannelManager *self,
                                    SoupServerMessage *msg,
                                    const char        *number,
                                    const char        *file);
char **exs_channel_manager_dup_playing (ExsChannelManager *self);
ExsChannel *exs_channel_manager_ensure_channel (ExsChannelManager  *self,
                                                const char         *number,
                                                GError            **error);
ExsChannel *exs_channel_manager_get_channel (ExsChannelManager *self,
                                             const char        *number);
GPtrArray *exs_channel_manager_dup_channels (ExsChannelManager *self);
char *exs_channel_manager_dup_pipeline_reason (ExsChannelManager *self,
                                               const char        *number);
void exs_channel_manager_stop_all (ExsChannelManager *self);
void exs_channel_manager_start_always_on (ExsChannelManager *self);
void exs_channel_manager_set_admission (ExsChannelManager         *self,
                                       const ExsChannelAdmission *admission);
void exs_channel_manager_start_async (ExsChannelManager   *self,
                                      const char          *number,
                                      gboolean             prewarm,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
gboolean exs_channel_manager_start_finish (ExsChannelManager  *self,
                                           GAsyncResult       *result,
                                           GError            **error);

G_END_DECLS
