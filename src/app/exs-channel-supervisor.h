/* exs-channel-supervisor.h: the resilience layer, connected to the channel engine */
#pragma once

#include "exs-auto-resolver.h"
#include "exs-channel-manager.h"
#include "exs-health-monitor.h"
#include "exs-metrics.h"
#include "exs-pipeline-pool.h"
#include "exs-playout-builder.h"
#include "exs-restart-guard.h"
#include "exs-session-manager.h"

G_BEGIN_DECLS

#define EXS_TYPE_CHANNEL_SUPERVISOR (exs_channel_supervisor_get_type ())
G_DECLARE_FINAL_TYPE (ExsChannelSupervisor, exs_channel_supervisor, EXS, CHANNEL_SUPERVISOR, GObject)

/* Everything is borrowed (the application owns it and outlives the supervisor). */
typedef struct
{
  ExsConfig *config;
  ExsDatabase *database;
  ExsChannelManager *channels;
  ExsMetrics *metrics;
  ExsPipelinePool *pool;
  ExsRestartGuard *restart_guard;
  ExsSessionManager *sessions;
  ExsHealthMonitor *health;
  ExsAutoResolver *resolver;
  ExsPlayoutBuilder *playout; /* nullable: on-demand channels' clocks */
} ExsSupervisedParts;

ExsChannelSupervisor *exs_channel_supervisor_new (const ExsSupervisedParts *parts);
void exs_channel_supervisor_prewarm (ExsChannelSupervisor *self);
void exs_channel_supervisor_stop (ExsChannelSupervisor *self);

G_END_DECLS
