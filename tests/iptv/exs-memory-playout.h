/* exs-memory-playout.h: an ExsPlayoutSource over items held in memory (tests, benchmarks) */
#pragma once

#include "exs-playout-source.h"

G_BEGIN_DECLS

#define EXS_TYPE_MEMORY_PLAYOUT (exs_memory_playout_get_type ())
G_DECLARE_FINAL_TYPE (ExsMemoryPlayout, exs_memory_playout, EXS, MEMORY_PLAYOUT, GObject)

ExsMemoryPlayout *exs_memory_playout_new (void);
void exs_memory_playout_add (ExsMemoryPlayout *self, const char *channel_number,
                             const ExsPlayoutItem *item);
void exs_memory_playout_fill (ExsMemoryPlayout *self, const char *channel_number, gint64 from_us,
                              gint64 to_us, guint seed);

G_END_DECLS
