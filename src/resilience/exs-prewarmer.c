/* exs-prewarmer.c: ExsPrewarmer, always-on channels without a thundering herd.
 *
 * EXStreamTV 2.6 started its 34+ always-on channels at once and saturated
 * everything at start-up. Made by ExsApplication once the channel engine is
 * up: it lists the enabled channels with channels.always_on = 1 and starts
 * them through the engine's start function (which asks the pool with
 * prewarm = TRUE), one every prewarm_stagger_seconds (1) and never more than
 * prewarm_max_concurrent (5) in flight. A start is in flight from the call to
 * its callback; a failed start is counted and logged and the rest go on.
 * Everything runs on the main loop with one timer.
 */
#include "config.h"

#include "exs-prewarmer.h"

#include "exs-channel-store.h"

struct _ExsPrewarmer
{
  GObject parent_instance;

  gint64 stagger_us;
  guint max_concurrent;
  ExsPrewarmStartFunc start;
  ExsPrewarmFinishFunc finish;
  gpointer user_data;

  GTask *task;      /* the run in progress */
  GQueue pending;   /* char* channel numbers */
  guint in_flight;
  guint max_in_flight;
  guint started;
  guint failed;
  gint64 last_launch_us;
  guint timer_id;
};

G_DEFINE_TYPE (ExsPrewarmer, exs_prewarmer, G_TYPE_OBJECT)

static void pump (ExsPrewarmer *self);

static void
exs_prewarmer_dispose (GObject *object)
{
  ExsPrewarmer *self = EXS_PREWARMER (object);

  g_clear_handle_id (&self->timer_id, g_source_remove);
  g_queue_clear_full (&self->pending, g_free);
  G_OBJECT_CLASS (exs_prewarmer_parent_class)->dispose (object);
}

static void
exs_prewarmer_class_init (ExsPrewarmerClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = exs_prewarmer_dispose;
}

static void
exs_prewarmer_init (ExsPrewarmer *self)
{
  g_queue_init (&self->pending);
}

/**
 * exs_prewarmer_new:
 * @start: (scope notified): starts one channel
 * @finish: completes @start
 *
 * Returns: (transfer full): a prewarmer
 */
ExsPrewarmer *
exs_prewarmer_new (double stagger_seconds, guint max_concurrent, ExsPrewarmStartFunc start,
                   ExsPrewarmFinishFunc finish, gpointer user_data)
{
  ExsPrewarmer *self = g_object_new (EXS_TYPE_PREWARMER, NULL);

  self->stagger_us = (gint64) (MAX (stagger_seconds, 0) * G_USEC_PER_SEC);
  self->max_concurrent = MAX (max_concurrent, 1);
  self->start = start;
  self->finish = finish;
  self->user_data = user_data;
  return self;
}

/**
 * exs_prewarmer_new_from_config:
 *
 * Returns: (transfer full): a prewarmer with [pipeline_pool] prewarm_*
 */
ExsPrewarmer *
exs_prewarmer_new_from_config (ExsConfig *config, ExsPrewarmStartFunc start, ExsPrewarmFinishFunc finish,
                               gpointer user_data)
{
  return exs_prewarmer_new ((double) exs_config_get_int (config, "pipeline_pool", "prewarm_stagger_seconds"),
                            (guint) exs_config_get_int (config, "pipeline_pool", "prewarm_max_concurrent"), start,
                            finish, user_data);
}

static void
maybe_complete (ExsPrewarmer *self)
{
  GTask *task = self->task;

  if (task == NULL || self->in_flight > 0 || self->pending.length > 0)
    return;
  self->task = NULL;
  g_message ("prewarm done: %u always-on channels started, %u failed (at most %u at once)", self->started,
             self->failed, self->max_in_flight);
  if (!g_task_return_error_if_cancelled (task))
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

typedef struct
{
  ExsPrewarmer *self;
  char *number;
} Launch;

static void
on_started_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Launch *l = user_data;
  ExsPrewarmer *self = l->self;
  g_autoptr (GError) error = NULL;

  if (self->finish (result, &error, self->user_data))
    self->started++;
  else
    {
      self->failed++;
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("prewarm: channel %s did not start: %s", l->number, error ? error->message : "unknown error");
    }
  self->in_flight--;
  g_free (l->number);
  g_free (l);
  pump (self);
  maybe_complete (self);
  g_object_unref (self);
}

static gboolean
on_timer_cb (gpointer user_data)
{
  ExsPrewarmer *self = user_data;

  self->timer_id = 0;
  pump (self);
  return G_SOURCE_REMOVE;
}

/* Launches the next channel if the stagger and the concurrency allow. */
static void
pump (ExsPrewarmer *self)
{
  GCancellable *cancellable = self->task ? g_task_get_cancellable (self->task) : NULL;
  gint64 now, next;

  if (self->timer_id || self->task == NULL)
    return;
  if (g_cancellable_is_cancelled (cancellable))
    {
      g_queue_clear_full (&self->pending, g_free);
      maybe_complete (self);
      return;
    }
  if (self->pending.length == 0 || self->in_flight >= self->max_concurrent)
    return; /* a completion pumps again */
  now = g_get_monotonic_time ();
  next = self->last_launch_us ? self->last_launch_us + self->stagger_us : now;
  if (now < next)
    {
      self->timer_id = g_timeout_add ((guint) ((next - now + 999) / 1000), on_timer_cb, self);
      return;
    }
  {
    Launch *l = g_new0 (Launch, 1);

    l->self = g_object_ref (self);
    l->number = g_queue_pop_head (&self->pending);
    self->in_flight++;
    self->max_in_flight = MAX (self->max_in_flight, self->in_flight);
    self->last_launch_us = now;
    g_debug ("prewarm: starting channel %s (%u in flight)", l->number, self->in_flight);
    self->start (l->number, cancellable, on_started_cb, l, self->user_data);
  }
  if (self->pending.length > 0 && self->timer_id == 0)
    self->timer_id = g_timeout_add ((guint) ((self->stagger_us + 999) / 1000), on_timer_cb, self);
}

/**
 * exs_prewarmer_run_async:
 * @channel_numbers: the channels, in start order
 *
 * Starts them all, staggered; completes when every start has completed.
 */
void
exs_prewarmer_run_async (ExsPrewarmer       *self,
                         const char *const  *channel_numbers,
                         GCancellable       *cancellable,
                         GAsyncReadyCallback callback,
                         gpointer            user_data)
{
  g_return_if_fail (EXS_IS_PREWARMER (self));
  g_return_if_fail (self->task == NULL);

  self->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (self->task, exs_prewarmer_run_async);
  self->started = self->failed = self->max_in_flight = 0;
  self->last_launch_us = 0;
  for (guint i = 0; channel_numbers && channel_numbers[i]; i++)
    g_queue_push_tail (&self->pending, g_strdup (channel_numbers[i]));
  g_message ("prewarm: %u always-on channels, one every %.1f s, at most %u at once", self->pending.length,
             self->stagger_us / (double) G_USEC_PER_SEC, self->max_concurrent);
  pump (self);
  maybe_complete (self);
}

/**
 * exs_prewarmer_run_finish:
 * @n_started: (out) (optional): channels that started
 * @n_failed: (out) (optional): channels that did not
 *
 * Returns: %FALSE only if cancelled
 */
gboolean
exs_prewarmer_run_finish (ExsPrewarmer *self, GAsyncResult *result, guint *n_started, guint *n_failed,
                          GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  if (n_started)
    *n_started = self->started;
  if (n_failed)
    *n_failed = self->failed;
  return g_task_propagate_boolean (G_TASK (result), error);
}

guint
exs_prewarmer_get_in_flight (ExsPrewarmer *self)
{
  return self->in_flight;
}

guint
exs_prewarmer_get_max_in_flight (ExsPrewarmer *self)
{
  return self->max_in_flight;
}

/**
 * exs_prewarmer_list_always_on:
 *
 * The channels the prewarmer keeps running: the channel store's answer
 * (one indexed query, quick on the main loop).
 *
 * Returns: (transfer full) (nullable): enabled always-on channel numbers, in number order
 */
GStrv
exs_prewarmer_list_always_on (ExsDatabase *database, GError **error)
{
  return exs_channel_store_list_always_on (database, error);
}
