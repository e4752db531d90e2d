/* exs-auto-resolver.h: bounded rules from failure patterns to actions */
#pragma once

#include <glib-object.h>
#include <json-glib/json-glib.h>

#include "exs-config.h"
#include "exs-metrics.h"
#include "exs-pipeline-pool.h"
#include "exs-restart-guard.h"

G_BEGIN_DECLS

typedef enum
{
  EXS_RESOLVER_SOURCE_FAILED,   /* one item's source failed (engine: source-failed) */
  EXS_RESOLVER_ENCODER_FAILED,  /* a hardware encoder failed at run time */
  EXS_RESOLVER_SOURCE_STALLED,  /* a network source stopped delivering mid-stream */
  EXS_RESOLVER_OUTPUT_STALLED,  /* the channel's output stopped (engine: output-stalled) */
  EXS_RESOLVER_POOL_PRESSURE,   /* the pipeline pool crossed its pressure threshold */
} ExsResolverEvent;

typedef enum
{
  EXS_RISK_LOW,
  EXS_RISK_MEDIUM,
  EXS_RISK_HIGH,
} ExsRisk;

#define EXS_TYPE_AUTO_RESOLVER (exs_auto_resolver_get_type ())
G_DECLARE_FINAL_TYPE (ExsAutoResolver, exs_auto_resolver, EXS, AUTO_RESOLVER, GObject)

ExsAutoResolver *exs_auto_resolver_new (ExsRestartGuard *guard,
                                        gboolean         enabled,
                                        ExsRisk          max_risk,
                                        guint            max_actions_per_hour);
ExsAutoResolver *exs_auto_resolver_new_from_config (ExsConfig       *config,
                                                    ExsRestartGuard *guard);
void exs_auto_resolver_set_clock (ExsAutoResolver *self,
                                  ExsClockFunc     clock,
                                  gpointer         clock_data);
void exs_auto_resolver_set_metrics (ExsAutoResolver *self,
                                    ExsMetrics      *metrics);
void exs_auto_resolver_watch_pool (ExsAutoResolver *self,
                                   ExsPipelinePool *pool);
void exs_auto_resolver_report (ExsAutoResolver  *self,
                               ExsResolverEvent  event,
                               const char       *channel_number,
                               const char       *detail);
void exs_auto_resolver_hand_over (ExsAutoResolver *self,
                                  const char      *channel_number,
                                  const char      *detail);
JsonObject *exs_auto_resolver_dup_json (ExsAutoResolver *self);
guint exs_auto_resolver_get_n_decisions (ExsAutoResolver *self);

G_END_DECLS
