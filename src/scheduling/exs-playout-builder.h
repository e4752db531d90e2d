/* exs-playout-builder.h: schedules → playouts for every channel, and the
 * ExsPlayoutSource the channel engine and the guide ask. */
#pragma once

#include <gio/gio.h>

#include "exs-database.h"
#include "exs-playout-source.h"

G_BEGIN_DECLS

typedef enum
{
  EXS_PLAYOUT_BUILD_EXTEND,  /* continue from the anchor up to now + horizon */
  EXS_PLAYOUT_BUILD_REBUILD, /* keep what plays now, rebuild the rest from its anchor */
  EXS_PLAYOUT_BUILD_RESET,   /* forget everything; start the schedule over now */
} ExsPlayoutBuildKind;

#define EXS_TYPE_PLAYOUT_BUILDER (exs_playout_builder_get_type ())
G_DECLARE_FINAL_TYPE (ExsPlayoutBuilder, exs_playout_builder, EXS, PLAYOUT_BUILDER, GObject)

ExsPlayoutBuilder *exs_playout_builder_new (ExsDatabase  *database,
                                            GTimeZone    *time_zone,
                                            gint64        horizon_us,
                                            GError      **error);
gboolean exs_playout_builder_load (ExsPlayoutBuilder  *self,
                                   GError            **error);
gboolean exs_playout_builder_build (ExsPlayoutBuilder    *self,
                                    const char           *number,
                                    ExsPlayoutBuildKind   kind,
                                    gint64                now_us,
                                    GError              **error);
void exs_playout_builder_build_async (ExsPlayoutBuilder   *self,
                                      const char          *number,
                                      ExsPlayoutBuildKind  kind,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
gboolean exs_playout_builder_build_finish (ExsPlayoutBuilder  *self,
                                           GAsyncResult       *result,
                                           GError            **error);
void exs_playout_builder_start (ExsPlayoutBuilder *self,
                                guint              check_interval_s);
void exs_playout_builder_stop (ExsPlayoutBuilder *self);
void exs_playout_builder_forget (ExsPlayoutBuilder *self,
                                 const char        *number);

gboolean exs_playout_builder_set_viewing (ExsPlayoutBuilder  *self,
                                          const char         *number,
                                          gboolean            viewing,
                                          gint64              now_us,
                                          GError            **error);
char **exs_playout_builder_dup_problems (ExsPlayoutBuilder *self,
                                         const char        *number);
gint64 exs_playout_builder_get_built_until (ExsPlayoutBuilder *self,
                                            const char        *number);
gint64 exs_playout_builder_get_horizon (ExsPlayoutBuilder *self);
GTimeZone *exs_playout_builder_get_time_zone (ExsPlayoutBuilder *self);

G_END_DECLS
