/* exs-metrics.h: counters, gauges and timing samples; Prometheus text out */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum
{
  EXS_METRIC_COUNTER,
  EXS_METRIC_GAUGE,
} ExsMetricType;

#define EXS_TYPE_METRICS (exs_metrics_get_type ())
G_DECLARE_FINAL_TYPE (ExsMetrics, exs_metrics, EXS, METRICS, GObject)

/**
 * ExsMetricsCollector:
 *
 * Called (on the thread that renders, the main loop for /metrics) just before
 * the text is written, so owners can refresh gauges that are cheap to read
 * but pointless to keep current all the time (pool size, RSS, FDs).
 */
typedef void (*ExsMetricsCollector) (ExsMetrics *metrics,
                                     gpointer    user_data);

ExsMetrics *exs_metrics_new (void);

void exs_metrics_declare (ExsMetrics    *self,
                          const char    *name,
                          ExsMetricType  type,
                          const char    *help);
void exs_metrics_counter_add (ExsMetrics *self,
                              const char *name,
                              const char *label_name,
                              const char *label_value,
                              double      value);
void exs_metrics_counter_inc (ExsMetrics *self,
                              const char *name,
                              const char *label_name,
                              const char *label_value);
void exs_metrics_gauge_set (ExsMetrics *self,
                            const char *name,
                            const char *label_name,
                            const char *label_value,
                            double      value);
void exs_metrics_remove_series (ExsMetrics *self,
                                const char *name,
                                const char *label_name,
                                const char *label_value);
double exs_metrics_get_value (ExsMetrics *self,
                              const char *name,
                              const char *label_name,
                              const char *label_value);

void exs_metrics_observe (ExsMetrics *self,
                          const char *operation,
                          double      seconds);

void exs_metrics_add_collector (ExsMetrics          *self,
                                ExsMetricsCollector  collector,
                                gpointer             user_data);
void exs_metrics_remove_collector (ExsMetrics          *self,
                                   ExsMetricsCollector  collector,
                                   gpointer             user_data);

char *exs_metrics_render_prometheus (ExsMetrics *self);
JsonObject *exs_metrics_dup_performance (ExsMetrics *self,
                                         const char *operation,
                                         double      window_seconds);

G_END_DECLS
