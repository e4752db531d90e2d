/* exs-session-manager.h: one session per viewer connection; limits and idle cleanup */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "exs-clock.h"
#include "exs-config.h"
#include "exs-metrics.h"

G_BEGIN_DECLS

#define EXS_SESSION_ERROR (exs_session_error_quark ())

typedef enum
{
  EXS_SESSION_ERROR_CHANNEL_FULL, /* max_sessions_per_channel viewers already */
} ExsSessionError;

typedef enum
{
  EXS_SESSION_STATE_CREATED,
  EXS_SESSION_STATE_ACTIVE,
  EXS_SESSION_STATE_IDLE,
  EXS_SESSION_STATE_ERROR,
  EXS_SESSION_STATE_DISCONNECTED,
} ExsSessionState;

#define EXS_TYPE_SESSION_MANAGER (exs_session_manager_get_type ())
G_DECLARE_FINAL_TYPE (ExsSessionManager, exs_session_manager, EXS, SESSION_MANAGER, GObject)

GQuark exs_session_error_quark (void);

ExsSessionManager *exs_session_manager_new (guint max_sessions_per_channel,
                                            guint idle_timeout_seconds,
                                            guint cleanup_interval_seconds);
ExsSessionManager *exs_session_manager_new_from_config (ExsConfig *config);
void exs_session_manager_set_clock (ExsSessionManager *self,
                                    ExsClockFunc       clock,
                                    gpointer           clock_data);
void exs_session_manager_set_metrics (ExsSessionManager *self,
                                      ExsMetrics        *metrics);

guint64 exs_session_manager_open (ExsSessionManager  *self,
                                  const char         *channel_number,
                                  const char         *client_address,
                                  GError            **error);
void exs_session_manager_add_bytes (ExsSessionManager *self,
                                    guint64            session_id,
                                    guint64            bytes);
void exs_session_manager_record_error (ExsSessionManager *self,
                                       guint64            session_id,
                                       const char        *message);
void exs_session_manager_close (ExsSessionManager *self,
                                guint64            session_id,
                                const char        *reason);
guint exs_session_manager_cleanup (ExsSessionManager *self);
void exs_session_manager_stop (ExsSessionManager *self);

ExsSessionState exs_session_manager_get_state (ExsSessionManager *self,
                                               guint64            session_id);
guint exs_session_manager_count_channel (ExsSessionManager *self,
                                         const char        *channel_number);
guint exs_session_manager_count_live (ExsSessionManager *self);
JsonObject *exs_session_manager_dup_sessions_json (ExsSessionManager *self,
                                                   const char        *channel_number);
JsonObject *exs_session_manager_dup_summary_json (ExsSessionManager *self,
                                                  const char        *channel_number);
const char *exs_session_state_to_string (ExsSessionState state);

G_END_DECLS
