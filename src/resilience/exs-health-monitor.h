/* exs-health-monitor.h: per-channel fps, speed, bitrate, drops; stall → restart */
#pragma once

#include <gst/gst.h>
#include <json-glib/json-glib.h>

#include "exs-config.h"
#include "exs-metrics.h"
#include "exs-restart-guard.h"
#include "exs-session-manager.h"

G_BEGIN_DECLS

typedef enum
{
  EXS_CHANNEL_HEALTHY,
  EXS_CHANNEL_DEGRADED,  /* running behind real time, or dropping frames */
  EXS_CHANNEL_UNHEALTHY, /* no output for stall_seconds; a restart was asked for */
  EXS_CHANNEL_FAILED,    /* no output and the restart guard refused a restart, or the pipeline errored */
} ExsChannelHealth;

#define EXS_TYPE_HEALTH_MONITOR (exs_health_monitor_get_type ())
G_DECLARE_FINAL_TYPE (ExsHealthMonitor, exs_health_monitor, EXS, HEALTH_MONITOR, GObject)

ExsHealthMonitor *exs_health_monitor_new (ExsRestartGuard *guard,
                                          guint            check_interval_seconds,
                                          double           stall_seconds);
ExsHealthMonitor *exs_health_monitor_new_from_config (ExsConfig       *config,
                                                      ExsRestartGuard *guard);
void exs_health_monitor_set_metrics (ExsHealthMonitor *self,
                                     ExsMetrics       *metrics);
void exs_health_monitor_set_session_manager (ExsHealthMonitor  *self,
                                             ExsSessionManager *sessions);
void exs_health_monitor_start (ExsHealthMonitor *self);
void exs_health_monitor_stop (ExsHealthMonitor *self);

void exs_health_monitor_watch_pipeline (ExsHealthMonitor *self,
                                        const char       *channel_number,
                                        GstElement       *pipeline,
                                        GstPad           *output_pad);
void exs_health_monitor_watch_video_pad (ExsHealthMonitor *self,
                                         const char       *channel_number,
                                         GstPad           *video_pad);
void exs_health_monitor_handle_message (ExsHealthMonitor *self,
                                        const char       *channel_number,
                                        GstMessage       *message);
void exs_health_monitor_unwatch (ExsHealthMonitor *self,
                                 const char       *channel_number);
guint exs_health_monitor_get_n_watched (ExsHealthMonitor *self);

guint exs_health_monitor_check (ExsHealthMonitor *self);
void exs_health_monitor_set_outage (ExsHealthMonitor *self,
                                    const char       *channel_number,
                                    const char       *reason);
JsonArray *exs_health_monitor_dup_problems (ExsHealthMonitor *self);
ExsChannelHealth exs_health_monitor_get_status (ExsHealthMonitor *self,
                                                const char       *channel_number);
JsonObject *exs_health_monitor_dup_channel_json (ExsHealthMonitor *self,
                                                 const char       *channel_number);
const char *exs_channel_health_to_string (ExsChannelHealth health);

G_END_DECLS
