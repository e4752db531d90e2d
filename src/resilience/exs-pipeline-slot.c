/* exs-pipeline-slot.c: ExsPipelineSlot, the pool's receipt for one start.
 *
 * ExsPipelinePool hands one out per admitted channel start; the channel keeps
 * it while its pipeline exists and calls exs_pipeline_slot_release() (or just
 * drops its last reference) when the channel stops. Releasing twice is
 * harmless; a slot outliving its pool releases nothing (a weak pointer).
 */
#include "config.h"

#include "exs-pipeline-slot.h"

struct _ExsPipelineSlot
{
  GObject parent_instance;

  GObject *owner; /* weak */
  ExsPipelineSlotReleaseFunc release;
  char *channel_number;
  gboolean prewarm;
  gboolean released;
  gint64 acquired_us;
};

G_DEFINE_TYPE (ExsPipelineSlot, exs_pipeline_slot, G_TYPE_OBJECT)

static void
exs_pipeline_slot_dispose (GObject *object)
{
  exs_pipeline_slot_release (EXS_PIPELINE_SLOT (object));
  G_OBJECT_CLASS (exs_pipeline_slot_parent_class)->dispose (object);
}

static void
exs_pipeline_slot_finalize (GObject *object)
{
  g_free (EXS_PIPELINE_SLOT (object)->channel_number);
  G_OBJECT_CLASS (exs_pipeline_slot_parent_class)->finalize (object);
}

static void
exs_pipeline_slot_class_init (ExsPipelineSlotClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = exs_pipeline_slot_dispose;
  object_class->finalize = exs_pipeline_slot_finalize;
}

static void
exs_pipeline_slot_init (ExsPipelineSlot *self)
{
}

/**
 * exs_pipeline_slot_new: (skip)
 *
 * Returns: (transfer full): a held slot
 */
ExsPipelineSlot *
exs_pipeline_slot_new (GObject *owner, ExsPipelineSlotReleaseFunc release, const char *channel_number, gboolean prewarm)
{
  ExsPipelineSlot *self = g_object_new (EXS_TYPE_PIPELINE_SLOT, NULL);

  self->owner = owner;
  g_object_add_weak_pointer (owner, (gpointer *) &self->owner);
  self->release = release;
  self->channel_number = g_strdup (channel_number);
  self->prewarm = prewarm;
  self->acquired_us = g_get_monotonic_time ();
  return self;
}

const char *
exs_pipeline_slot_get_channel_number (ExsPipelineSlot *self)
{
  return self->channel_number;
}

gboolean
exs_pipeline_slot_is_prewarm (ExsPipelineSlot *self)
{
  return self->prewarm;
}

gint64
exs_pipeline_slot_get_acquired_us (ExsPipelineSlot *self)
{
  return self->acquired_us;
}

gboolean
exs_pipeline_slot_is_released (ExsPipelineSlot *self)
{
  return self->released;
}

/* Gives the slot back to the pool (the channel stopped). Idempotent. */
void
exs_pipeline_slot_release (ExsPipelineSlot *self)
{
  g_return_if_fail (EXS_IS_PIPELINE_SLOT (self));

  if (self->released)
    return;
  self->released = TRUE;
  if (self->owner)
    {
      g_object_remove_weak_pointer (self->owner, (gpointer *) &self->owner);
      self->release (self->owner, self);
      self->owner = NULL;
    }
}
