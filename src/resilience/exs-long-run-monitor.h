/* exs-long-run-monitor.h: RSS, FDs and pipelines over time; containment mode */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "exs-config.h"
#include "exs-metrics.h"
#include "exs-pipeline-pool.h"

G_BEGIN_DECLS

#define EXS_TYPE_LONG_RUN_MONITOR (exs_long_run_monitor_get_type ())
G_DECLARE_FINAL_TYPE (ExsLongRunMonitor, exs_long_run_monitor, EXS, LONG_RUN_MONITOR, GObject)

ExsLongRunMonitor *exs_long_run_monitor_new (guint   sample_interval_seconds,
                                             guint   sample_count,
                                             guint64 leak_threshold_bytes);
ExsLongRunMonitor *exs_long_run_monitor_new_from_config (ExsConfig *config);
void exs_long_run_monitor_set_pool (ExsLongRunMonitor *self,
                                    ExsPipelinePool   *pool);
void exs_long_run_monitor_set_metrics (ExsLongRunMonitor *self,
                                       ExsMetrics        *metrics);
void exs_long_run_monitor_start (ExsLongRunMonitor *self);
void exs_long_run_monitor_stop (ExsLongRunMonitor *self);
void exs_long_run_monitor_sample (ExsLongRunMonitor *self);
gboolean exs_long_run_monitor_get_containment (ExsLongRunMonitor *self);
JsonObject *exs_long_run_monitor_dup_json (ExsLongRunMonitor *self);

G_END_DECLS
