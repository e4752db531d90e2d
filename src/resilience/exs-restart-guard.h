/* exs-restart-guard.h: the one door every channel restart goes through */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "exs-circuit-breaker.h"
#include "exs-clock.h"
#include "exs-config.h"
#include "exs-metrics.h"

G_BEGIN_DECLS

typedef enum
{
  EXS_RESTART_ALLOWED,
  EXS_RESTART_REFUSED_BREAKER_OPEN, /* the channel's circuit breaker is open */
  EXS_RESTART_REFUSED_COOLDOWN,     /* this channel restarted less than cooldown_seconds ago */
  EXS_RESTART_REFUSED_STORM,        /* max_restarts in window_seconds, all channels together */
  EXS_RESTART_REFUSED_STREAM_LIMIT, /* max_restarts_per_stream for this channel run */
} ExsRestartDecision;

#define EXS_TYPE_RESTART_GUARD (exs_restart_guard_get_type ())
G_DECLARE_FINAL_TYPE (ExsRestartGuard, exs_restart_guard, EXS, RESTART_GUARD, GObject)

ExsRestartGuard *exs_restart_guard_new (guint max_restarts,
                                        guint window_seconds,
                                        guint cooldown_seconds,
                                        guint max_restarts_per_stream,
                                        guint breaker_failure_threshold,
                                        guint breaker_window_seconds,
                                        guint breaker_open_seconds);
ExsRestartGuard *exs_restart_guard_new_from_config (ExsConfig *config);
void exs_restart_guard_set_clock (ExsRestartGuard *self,
                                  ExsClockFunc     clock,
                                  gpointer         clock_data);
void exs_restart_guard_set_metrics (ExsRestartGuard *self,
                                    ExsMetrics      *metrics);

ExsRestartDecision exs_restart_guard_request_restart (ExsRestartGuard  *self,
                                                      const char       *channel_number,
                                                      const char       *reason,
                                                      char            **why_not);
gboolean exs_restart_guard_can_restart (ExsRestartGuard  *self,
                                        const char       *channel_number,
                                        char            **why_not);
ExsCircuitBreaker *exs_restart_guard_get_breaker (ExsRestartGuard *self,
                                                  const char      *channel_number);
void exs_restart_guard_record_failure (ExsRestartGuard *self,
                                       const char      *channel_number,
                                       const char      *what);
void exs_restart_guard_record_success (ExsRestartGuard *self,
                                       const char      *channel_number);
void exs_restart_guard_stream_started (ExsRestartGuard *self,
                                       const char      *channel_number);
guint exs_restart_guard_get_stream_restarts (ExsRestartGuard *self,
                                             const char      *channel_number);
JsonObject *exs_restart_guard_dup_channel_json (ExsRestartGuard *self,
                                                const char      *channel_number);
JsonObject *exs_restart_guard_dup_json (ExsRestartGuard *self);
void exs_restart_guard_reset_breaker (ExsRestartGuard *self,
                                      const char      *channel_number);
const char *exs_restart_decision_to_string (ExsRestartDecision decision);

G_END_DECLS
