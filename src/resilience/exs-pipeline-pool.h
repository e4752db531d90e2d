/* exs-pipeline-pool.h: the gate every channel start goes through */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "exs-clock.h"
#include "exs-config.h"
#include "exs-metrics.h"
#include "exs-pipeline-slot.h"

G_BEGIN_DECLS

#define EXS_PIPELINE_POOL_ERROR (exs_pipeline_pool_error_quark ())

typedef enum
{
  EXS_PIPELINE_POOL_ERROR_FULL,          /* no slot freed within slot_wait_seconds */
  EXS_PIPELINE_POOL_ERROR_MEMORY,        /* memory in use above memory_guard_threshold */
  EXS_PIPELINE_POOL_ERROR_FDS,           /* a start would eat into fd_guard_reserve */
  EXS_PIPELINE_POOL_ERROR_CONTAINMENT,   /* the long-run monitor saw a leak; only prewarm starts */
  EXS_PIPELINE_POOL_ERROR_SHUTTING_DOWN,
} ExsPipelinePoolError;

#define EXS_TYPE_PIPELINE_POOL (exs_pipeline_pool_get_type ())
G_DECLARE_FINAL_TYPE (ExsPipelinePool, exs_pipeline_pool, EXS, PIPELINE_POOL, GObject)

GQuark exs_pipeline_pool_error_quark (void);

ExsPipelinePool *exs_pipeline_pool_new (guint  max_pipelines,
                                        double spawns_per_second,
                                        double memory_guard_threshold,
                                        guint  fd_guard_reserve,
                                        double pool_pressure_threshold,
                                        double slot_wait_seconds);
ExsPipelinePool *exs_pipeline_pool_new_from_config (ExsConfig *config);
void exs_pipeline_pool_set_clock (ExsPipelinePool *self,
                                  ExsClockFunc     clock,
                                  gpointer         clock_data);
void exs_pipeline_pool_set_metrics (ExsPipelinePool *self,
                                    ExsMetrics      *metrics);

void exs_pipeline_pool_acquire_async (ExsPipelinePool     *self,
                                      const char          *channel_number,
                                      gboolean             prewarm,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
ExsPipelineSlot *exs_pipeline_pool_acquire_finish (ExsPipelinePool  *self,
                                                   GAsyncResult     *result,
                                                   GError          **error);

guint exs_pipeline_pool_get_in_use (ExsPipelinePool *self);
guint exs_pipeline_pool_get_capacity (ExsPipelinePool *self);
guint exs_pipeline_pool_get_waiting (ExsPipelinePool *self);
void exs_pipeline_pool_set_containment (ExsPipelinePool *self,
                                        gboolean         containment,
                                        const char      *reason);
gboolean exs_pipeline_pool_get_containment (ExsPipelinePool *self);
void exs_pipeline_pool_poll (ExsPipelinePool *self);
void exs_pipeline_pool_shutdown (ExsPipelinePool *self);
JsonObject *exs_pipeline_pool_dup_status (ExsPipelinePool *self);

void exs_pipeline_pool_reply_unavailable (SoupServerMessage *msg,
                                          const GError      *error,
                                          gboolean           hdhomerun_path);

G_END_DECLS
