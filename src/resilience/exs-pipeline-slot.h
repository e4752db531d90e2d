/* exs-pipeline-slot.h: one admitted channel start, held while the channel runs */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define EXS_TYPE_PIPELINE_SLOT (exs_pipeline_slot_get_type ())
G_DECLARE_FINAL_TYPE (ExsPipelineSlot, exs_pipeline_slot, EXS, PIPELINE_SLOT, GObject)

typedef void (*ExsPipelineSlotReleaseFunc) (gpointer         owner,
                                            ExsPipelineSlot *slot);

const char *exs_pipeline_slot_get_channel_number (ExsPipelineSlot *self);
gboolean exs_pipeline_slot_is_prewarm (ExsPipelineSlot *self);
gint64 exs_pipeline_slot_get_acquired_us (ExsPipelineSlot *self);
gboolean exs_pipeline_slot_is_released (ExsPipelineSlot *self);
void exs_pipeline_slot_release (ExsPipelineSlot *self);

/* For ExsPipelinePool only. */
ExsPipelineSlot *exs_pipeline_slot_new (GObject                    *owner,
                                        ExsPipelineSlotReleaseFunc  release,
                                        const char                 *channel_number,
                                        gboolean                    prewarm);

G_END_DECLS
