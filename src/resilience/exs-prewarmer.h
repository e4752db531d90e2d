/* exs-prewarmer.h: starts always-on channels at start-up, staggered */
#pragma once

#include <gio/gio.h>

#include "exs-config.h"
#include "exs-database.h"

G_BEGIN_DECLS

/**
 * ExsPrewarmStartFunc:
 * @channel_number: the channel to start
 * @callback: call it when the channel is playing (or failed to start)
 *
 * Starts one channel, asynchronously (the engine's start, which asks the
 * pipeline pool with prewarm = TRUE).
 */
typedef void (*ExsPrewarmStartFunc) (const char          *channel_number,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             callback_data,
                                     gpointer             user_data);
typedef gboolean (*ExsPrewarmFinishFunc) (GAsyncResult  *result,
                                          GError       **error,
                                          gpointer       user_data);

#define EXS_TYPE_PREWARMER (exs_prewarmer_get_type ())
G_DECLARE_FINAL_TYPE (ExsPrewarmer, exs_prewarmer, EXS, PREWARMER, GObject)

ExsPrewarmer *exs_prewarmer_new (double               stagger_seconds,
                                 guint                max_concurrent,
                                 ExsPrewarmStartFunc  start,
                                 ExsPrewarmFinishFunc finish,
                                 gpointer             user_data);
ExsPrewarmer *exs_prewarmer_new_from_config (ExsConfig           *config,
                                             ExsPrewarmStartFunc  start,
                                             ExsPrewarmFinishFunc finish,
                                             gpointer             user_data);
void exs_prewarmer_run_async (ExsPrewarmer        *self,
                              const char *const   *channel_numbers,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data);
gboolean exs_prewarmer_run_finish (ExsPrewarmer  *self,
                                   GAsyncResult  *result,
                                   guint         *n_started,
                                   guint         *n_failed,
                                   GError       **error);
guint exs_prewarmer_get_in_flight (ExsPrewarmer *self);
guint exs_prewarmer_get_max_in_flight (ExsPrewarmer *self);

GStrv exs_prewarmer_list_always_on (ExsDatabase  *database,
                                    GError      **error);

G_END_DECLS
