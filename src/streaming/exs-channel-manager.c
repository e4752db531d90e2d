/* exs-channel-manager.c: ExsChannelManager — which channels run.
 *
 * Created by ExsApplication after the database, with the playout source.
 * A channel starts on its first viewer, lingers [channels] linger_seconds
 * after its last one leaves and then stops, unless it is always-on. At
 * start-up it probes the encoders (in a worker thread); stop_all() ends
 * every channel and viewer at shutdown.
 *
 * With an ExsChannelAdmission set (the application's channel supervisor),
 * every pipeline start is admitted first (the pipeline pool: a tune waits,
 * then is refused) and every viewer gets a session before its 200 header;
 * the manager itself knows nothing of the resilience layer.
 *
 * This file is the channel table; the viewers' side (ExsStreamProvider:
 * tune, hand-over, HLS) is exs-channel-manager-serve.c, and both share
 * exs-channel-manager-private.h.
 */
#include "config.h"

#include "exs-channel-manager-private.h"
#include "exs-background.h"

#include "exs-channel-number.h"
#include "exs-encoder.h"
#include "exs-memory.h"
#include "exs-channel-upstream.h"
#include "exs-remux-fit.h"

#include <gst/gst.h>

enum
{
  SIGNAL_CHANNEL_STARTED,
  SIGNAL_CHANNEL_STOPPED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE_WITH_CODE (ExsChannelManager, exs_channel_manager, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (EXS_TYPE_STREAM_PROVIDER, _exs_channel_manager_provider_init))

static void
running_free (ExsRunningChannel *r)
{
  g_clear_handle_id (&r->linger_id, g_source_remove);
  g_clear_handle_id (&r->hls_idle_id, g_source_remove);
  g_signal_handlers_disconnect_by_data (r->channel, r);
  exs_channel_stop (r->channel);
  g_object_unref (r->channel);
  g_clear_object (&r->ticket); /* after the pipeline is gone */
  g_atomic_rc_box_release (r->output_clock);
  g_free (r->pipeline_reason);
  g_free (r);
}

static void
stop_channel (ExsChannelManager *self, const char *number)
{
  g_autoptr (ExsChannel) channel = NULL;
  ExsRunningChannel *r = g_hash_table_lookup (self->running, number);

  if (r == NULL)
    return;
  channel = g_object_ref (r->channel);
  g_message ("channel %s stopped", number);
  g_hash_table_remove (self->running, number);
  g_signal_emit (self, signals[SIGNAL_CHANNEL_STOPPED], 0, channel);
  /* the pipeline is gone once the handlers have let go of it */
  exs_memory_give_back ();
}

/* someone watches: a .ts viewer, one being handed over, or HLS clients
 * still fetching */
gboolean
_exs_channel_manager_is_watched (ExsRunningChannel *r)
{
  return exs_channel_get_n_viewers (r->channel) > 0 || r->handovers > 0 || r->hls_idle_id != 0;
}

static gboolean
on_linger_done_cb (gpointer user_data)
{
  ExsRunningChannel *r = user_data;

  r->linger_id = 0;
  if (!_exs_channel_manager_is_watched (r) && !r->always_on)
    stop_channel (r->manager, exs_channel_get_number (r->channel));
  return G_SOURCE_REMOVE;
}

/* Nobody watches (any more): the channel stops after [channels]
 * linger_seconds unless a viewer comes back, it is always-on or a linger is
 * already under way. */
void
_exs_channel_manager_linger (ExsRunningChannel *r)
{
  gint64 linger = exs_config_get_int (r->manager->config, "channels", "linger_seconds");

  if (r->manager->stopping || r->always_on || _exs_channel_manager_is_watched (r) || r->linger_id)
    return;
  g_debug ("channel %s: nobody watches; lingering %" G_GINT64_FORMAT " s", exs_channel_get_number (r->channel),
           linger);
  r->linger_id = g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, (guint) linger, on_linger_done_cb, r, NULL);
  if (linger == 0)
    {
      g_source_remove (r->linger_id);
      r->linger_id = g_idle_add (on_linger_done_cb, r);
    }
}

static void
on_viewer_removed_cb (ExsChannel *channel, ExsViewer *viewer, gpointer user_data)
{
  _exs_channel_manager_linger (user_data);
}

static void
on_viewer_added_cb (ExsChannel *channel, ExsViewer *viewer, gpointer user_data)
{
  ExsRunningChannel *r = user_data;

  g_clear_handle_id (&r->linger_id, g_source_remove);
}

/* The running channel @number as typed (normalised here), or NULL. */
static ExsRunningChannel *
lookup_running (ExsChannelManager *self, const char *number)
{
  g_autofree char *n = exs_channel_number_normalize (number);

  return n ? g_hash_table_lookup (self->running, n) : NULL;
}

/**
 * exs_channel_manager_get_channel:
 * @number: a channel number as typed ("1984.1", " 5 ")
 *
 * Returns: (transfer none) (nullable): the running channel @number
 */
ExsChannel *
exs_channel_manager_get_channel (ExsChannelManager *self, const char *number)
{
  ExsRunningChannel *r;

  g_return_val_if_fail (EXS_IS_CHANNEL_MANAGER (self), NULL);
  g_return_val_if_fail (number != NULL, NULL);

  r = lookup_running (self, number);
  return r ? r->channel : NULL;
}

/**
 * exs_channel_manager_dup_channels:
 *
 * Returns: (transfer full) (element-type ExsChannel): the running channels
 */
GPtrArray *
exs_channel_manager_dup_channels (ExsChannelManager *self)
{
  GPtrArray *out;
  GHashTableIter iter;
  gpointer value;

  g_return_val_if_fail (EXS_IS_CHANNEL_MANAGER (self), NULL);

  out = g_ptr_array_new_with_free_func (g_object_unref);
  g_hash_table_iter_init (&iter, self->running);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (out, g_object_ref (((ExsRunningChannel *) value)->channel));
  return out;
}

/* ---- stream time out of the mux (HDHomeRun ?duration= counts it) ---- */

typedef struct
{
  ExsOutputClock *clock;  /* owned reference */
  GstClockTime counted;   /* the PTS counted up to; streaming thread only */
} OutputProbe;

static void
output_probe_free (OutputProbe *p)
{
  g_atomic_rc_box_release (p->clock);
  g_free (p);
}

guint
_exs_output_clock_get_ms (ExsOutputClock *clock)
{
  return (guint) g_atomic_int_get (&clock->produced_ms);
}

/* Streaming thread: adds the PTS advance of the mux's output, whole
 * milliseconds at a time; a jump back or of a second or more (a new item's
 * segment, a rebuilt pipeline) counts nothing and starts again there. */
static GstPadProbeReturn
on_output_cb (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  OutputProbe *p = user_data;
  GstBuffer *buffer = NULL;
  GstClockTime pts;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER)
    buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    {
      GstBufferList *list = GST_PAD_PROBE_INFO_BUFFER_LIST (info);
      guint n = gst_buffer_list_length (list);

      buffer = n ? gst_buffer_list_get (list, n - 1) : NULL;
    }
  if (buffer == NULL || !GST_BUFFER_PTS_IS_VALID (buffer))
    return GST_PAD_PROBE_OK;
  pts = GST_BUFFER_PTS (buffer);
  if (GST_CLOCK_TIME_IS_VALID (p->counted) && pts >= p->counted && pts - p->counted < GST_SECOND)
    {
      guint64 ms = (pts - p->counted) / GST_MSECOND;

      g_atomic_int_add (&p->clock->produced_ms, (gint) ms);
      p->counted += ms * GST_MSECOND;
    }
  else
    p->counted = pts;
  return GST_PAD_PROBE_OK;
}

static void
release_output_clock (gpointer clock, GClosure *closure)
{
  g_atomic_rc_box_release (clock);
}

/* Each pipeline the channel builds (at start and on a restart) gets a probe
 * on its mux output, feeding the channel's one output clock. */
static void
on_pipeline_started_cb (ExsChannel *channel, GstElement *pipeline, GstPad *output, GstPad *video, gpointer user_data)
{
  OutputProbe *p = g_new0 (OutputProbe, 1);

  p->clock = g_atomic_rc_box_acquire (user_data);
  p->counted = GST_CLOCK_TIME_NONE;
  gst_pad_add_probe (output, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST, on_output_cb, p,
                     (GDestroyNotify) output_probe_free);
}

/* @ticket: (transfer none) (nullable): the admission, kept while it runs */
static ExsChannel *
start_channel (ExsChannelManager *self, const ExsChannelRecord *rec, GObject *ticket, GError **error)
{
  const char *n = rec->number;
  g_autoptr (ExsChannel) channel = NULL;
  ExsChannelProfile profile;
  ExsChannelTranscodeMode transcode;
  ExsChannelOptions options = { 0 };
  g_autofree char *reason = NULL;
  ExsOutputClock *clock;
  ExsRunningChannel *r = g_hash_table_lookup (self->running, n);
  g_autoptr (ExsPlayoutSource) playout = NULL; /* an upstream live channel's own */

  if (r)
    return r->channel;
  if (self->stopping)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "the server is shutting down");
      return NULL;
    }
  if (!rec->enabled)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "channel %s is disabled", n);
      return NULL;
    }

  exs_channel_profile_load (self->database, rec->profile, &profile);
  options.name = rec->name;
  options.encoder = profile.video_codec == EXS_VIDEO_CODEC_HEVC ? exs_encoder_get_default_for (EXS_VIDEO_CODEC_HEVC)
                                                                : self->encoder;
  options.visual_mode = exs_config_get_string (self->config, "error_screen", "visual_mode");
  options.audio_mode = exs_config_get_string (self->config, "error_screen", "audio_mode");
  options.title = exs_config_get_string (self->config, "error_screen", "title");
  options.subtitle = exs_config_get_string (self->config, "error_screen", "subtitle");
  options.media = rec->media;
  options.throttle_mode = exs_config_get_boolean (self->config, "stream_throttler", "enabled")
                              ? exs_config_get_string (self->config, "stream_throttler", "mode")
                              : "disabled";
  /* "disabled" (as fast as the viewer reads): a live channel has nothing
   * beyond what its sink holds, so the most a viewer can read at once is
   * burst's start from the keyframe buffer; after that, the channel's own
   * real time. The two are the same pipeline on purpose. */
  if (g_str_equal (options.throttle_mode, "disabled"))
    options.throttle_mode = "burst";
  /* the remux fast path when the channel asks for it, or in "auto" when the
   * library says the coming items fit; an item that does not fit moves the
   * channel to encoding on its own */
  transcode = exs_channel_transcode_mode_from_string (rec->transcode_mode);
  if (rec->upstream_url != NULL)
    playout = EXS_PLAYOUT_SOURCE (exs_channel_upstream_new (
        rec->upstream_url, (guint) exs_config_get_int (self->config, "upstream", "reconnect_initial_ms"),
        (guint) exs_config_get_int (self->config, "upstream", "reconnect_max_ms"),
        (guint) exs_config_get_int (self->config, "upstream", "stall_ms")));
  if (rec->upstream_url != NULL && transcode == EXS_CHANNEL_TRANSCODE_AUTO)
    {
      /* no library facts for a live upstream: try the fast path; streams
       * that do not fit (or a failing upstream, for the error screen) move
       * the channel to encoding by themselves */
      options.remux = TRUE;
      reason = g_strdup ("an upstream is remuxed while its streams fit the channel");
    }
  else if (transcode == EXS_CHANNEL_TRANSCODE_REMUX)
    {
      options.remux = TRUE;
      reason = g_strdup ("transcode_mode is remux");
    }
  else if (transcode == EXS_CHANNEL_TRANSCODE_AUTO && rec->media->watermark != NULL)
    reason = g_strdup ("auto chose encoding: the watermark is drawn on the picture");
  else if (transcode == EXS_CHANNEL_TRANSCODE_AUTO)
    {
      gint64 now = g_get_real_time ();
      options.remux = exs_remux_fit_schedule (self->database, self->playout, n, &profile, now,
                                              now + EXS_REMUX_FIT_LOOKAHEAD_US, &reason);
      g_message ("channel %s: auto chose %s: %s", n, options.remux ? "remux" : "encoding", reason);
    }
  else
    reason = g_strdup_printf ("transcode_mode is %s", rec->transcode_mode);
  options.viewer_stall_seconds = (guint) exs_config_get_int (self->config, "channels", "viewer_stall_seconds");
  options.remux_retry_seconds = (guint) exs_config_get_int (self->config, "channels", "remux_retry_seconds");
  options.encoding_fallbacks = self->encoding_fallbacks;
  options.max_encoding_fallbacks = (guint) exs_config_get_int (self->config, "channels", "max_encoding_fallbacks");
  if (options.max_encoding_fallbacks == 0) /* auto: about what the cores can encode */
    options.max_encoding_fallbacks = g_get_num_processors ();
  channel = exs_channel_new (n, &profile, &options, playout ? playout : self->playout);
  exs_channel_set_library (channel, self->database); /* the items' measured loudness */
  clock = g_atomic_rc_box_new0 (ExsOutputClock);
  g_signal_connect_data (channel, "pipeline-started", G_CALLBACK (on_pipeline_started_cb),
                         g_atomic_rc_box_acquire (clock), release_output_clock, 0);
  if (!exs_channel_start (channel, error))
    {
      g_atomic_rc_box_release (clock);
      return NULL;
    }

  r = g_new0 (ExsRunningChannel, 1);
  r->output_clock = clock;
  r->channel = g_steal_pointer (&channel);
  r->always_on = rec->always_on;
  r->ticket = ticket ? g_object_ref (ticket) : NULL;
  r->manager = self;
  r->pipeline_reason = g_steal_pointer (&reason);
  r->started_remux = options.remux;
  g_signal_connect (r->channel, "viewer-removed", G_CALLBACK (on_viewer_removed_cb), r);
  g_signal_connect (r->channel, "viewer-added", G_CALLBACK (on_viewer_added_cb), r);
  g_hash_table_insert (self->running, g_strdup (n), r);
  g_message ("channel %s (%s) started", n, rec->name);
  g_signal_emit (self, signals[SIGNAL_CHANNEL_STARTED], 0, r->channel);
  if (!r->always_on)
    _exs_channel_manager_linger (r); /* lingers until a viewer arrives */
  return r->channel;
}

/* Without an admission: starts @channel now. */
ExsChannel *
_exs_channel_manager_start_record (ExsChannelManager *self, const ExsChannelRecord *channel, GError **error)
{
  return start_channel (self, channel, NULL, error);
}

/* Looks @number up, the one lookup of a start by number (the API, the
 * prewarm, always-on): NULL + G_IO_ERROR_NOT_FOUND for no such channel, or
 * the database's error. */
static ExsChannelRecord *
find_record (ExsChannelManager *self, const char *number, GError **error)
{
  g_autofree char *n = exs_channel_number_normalize (number);
  g_autoptr (GError) local = NULL;
  ExsChannelRecord *rec;

  if (n == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "“%s” is not a channel number: " EXS_CHANNEL_NUMBER_RULE,
                   number);
      return NULL;
    }
  rec = exs_channel_store_get (self->database, n, &local);
  if (rec == NULL && g_error_matches (local, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_NOT_FOUND))
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no channel %s", n);
  else if (rec == NULL)
    g_propagate_error (error, g_steal_pointer (&local));
  return rec;
}

/**
 * exs_channel_manager_ensure_channel:
 * @number: a channel number as typed ("1984.1", " 5 ")
 *
 * Starts the channel if it is not running, without asking the admission
 * (tests, always-on channels at start-up). Errors: G_IO_ERROR_NOT_FOUND for
 * an unknown or disabled channel, the database's error, or why it cannot
 * start.
 *
 * Returns: (transfer none) (nullable): the running channel
 */
ExsChannel *
exs_channel_manager_ensure_channel (ExsChannelManager *self, const char *number, GError **error)
{
  g_autoptr (ExsChannelRecord) rec = NULL;
  ExsRunningChannel *r;

  g_return_val_if_fail (EXS_IS_CHANNEL_MANAGER (self), NULL);
  g_return_val_if_fail (number != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  r = lookup_running (self, number);
  if (r)
    return r->channel;
  rec = find_record (self, number, error);
  return rec ? start_channel (self, rec, NULL, error) : NULL;
}

/* ---- admission: every pipeline start asks first ---- */

/* The admission's own callback: user_data is a Starting. */
typedef struct
{
  ExsChannelManager *manager; /* owned */
  ExsChannelRecord *channel;  /* owned: what starts once admitted */
} Starting;

static void
on_start_admitted_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Starting *st = user_data;
  ExsChannelManager *self = st->manager;
  g_autoptr (GError) error = NULL;
  g_autoptr (GObject) ticket = NULL;
  GPtrArray *waiting = NULL;
  g_autofree char *key = NULL; /* stolen with its value: ours to free */
  ExsChannel *channel = NULL;

  if (self->admission != NULL)
    ticket = exs_channel_admission_start_finish (self->admission, result, &error);
  else
    g_set_error (&error, G_IO_ERROR, G_IO_ERROR_CLOSED, "the server is shutting down");
  g_hash_table_steal_extended (self->starting, st->channel->number, (gpointer *) &key, (gpointer *) &waiting);
  if (ticket != NULL)
    channel = start_channel (self, st->channel, ticket, &error);
  for (guint i = 0; waiting && i < waiting->len; i++)
    {
      GTask *task = waiting->pdata[i];

      if (channel)
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_error (task, g_error_copy (error));
    }
  if (waiting)
    {
      g_ptr_array_set_free_func (waiting, g_object_unref);
      g_ptr_array_unref (waiting);
    }
  g_object_unref (st->manager);
  exs_channel_record_free (st->channel);
  g_free (st);
}

/**
 * exs_channel_manager_set_admission:
 * @admission: (nullable) (transfer none): what every start and viewer asks
 *   first; it must outlive the manager or be unset (%NULL) before it goes
 *
 * Set once, before any channel starts (ExsApplication's channel supervisor).
 */
void
exs_channel_manager_set_admission (ExsChannelManager *self, ExsChannelAdmission *admission)
{
  g_return_if_fail (EXS_IS_CHANNEL_MANAGER (self));
  g_return_if_fail (admission == NULL || EXS_IS_CHANNEL_ADMISSION (admission));

  self->admission = admission;
}

/* Starts @channel (resolved by the caller) through the admission. */
void
_exs_channel_manager_start_record_async (ExsChannelManager *self, const ExsChannelRecord *channel, gboolean prewarm,
                                         GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr (GError) error = NULL;
  GPtrArray *waiting;
  Starting *st;

  g_task_set_source_tag (task, exs_channel_manager_start_async);
  if (g_hash_table_contains (self->running, channel->number) || self->admission == NULL || self->stopping
      || !channel->enabled)
    {
      if (start_channel (self, channel, NULL, &error))
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  waiting = g_hash_table_lookup (self->starting, channel->number);
  if (waiting)
    {
      g_ptr_array_add (waiting, g_steal_pointer (&task));
      return;
    }
  waiting = g_ptr_array_new ();
  g_ptr_array_add (waiting, g_steal_pointer (&task));
  g_hash_table_insert (self->starting, g_strdup (channel->number), waiting);
  st = g_new0 (Starting, 1);
  st->manager = g_object_ref (self);
  st->channel = exs_channel_record_copy (channel);
  exs_channel_admission_start_async (self->admission, channel->number, prewarm, cancellable, on_start_admitted_cb,
                                     st);
}

/**
 * exs_channel_manager_start_async:
 * @number: a channel number
 * @prewarm: an always-on start at server start-up (not a viewer's tune)
 *
 * Starts the channel if it is not running, through the admission when one
 * is set (which may wait, then refuse). Starts of the same channel that
 * overlap share one admission.
 */
void
exs_channel_manager_start_async (ExsChannelManager *self, const char *number, gboolean prewarm,
                                 GCancellable *cancellable, GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (ExsChannelRecord) rec = NULL;
  g_autoptr (GError) error = NULL;

  g_return_if_fail (EXS_IS_CHANNEL_MANAGER (self));
  g_return_if_fail (number != NULL);

  rec = find_record (self, number, &error);
  if (rec == NULL)
    {
      g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);

      g_task_set_source_tag (task, exs_channel_manager_start_async);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  _exs_channel_manager_start_record_async (self, rec, prewarm, cancellable, callback, user_data);
}

gboolean
exs_channel_manager_start_finish (ExsChannelManager *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (EXS_IS_CHANNEL_MANAGER (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * exs_channel_manager_stop_all:
 *
 * Ends every channel and viewer; no channel starts afterwards.
 */
void
exs_channel_manager_stop_all (ExsChannelManager *self)
{
  g_autoptr (GPtrArray) numbers = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer key;

  g_return_if_fail (EXS_IS_CHANNEL_MANAGER (self));

  self->stopping = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_hash_table_iter_init (&iter, self->running);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (numbers, g_strdup (key));
  for (guint i = 0; i < numbers->len; i++)
    stop_channel (self, numbers->pdata[i]);
}

/**
 * exs_channel_manager_start_always_on:
 *
 * Starts the enabled always-on channels.
 */
void
exs_channel_manager_start_always_on (ExsChannelManager *self)
{
  g_autoptr (GError) list_error = NULL;
  g_autoptr (GPtrArray) records = NULL;

  g_return_if_fail (EXS_IS_CHANNEL_MANAGER (self));

  records = exs_channel_store_list (self->database, &list_error);
  if (records == NULL)
    {
      g_warning ("cannot list the always-on channels: %s", list_error->message);
      return;
    }
  for (guint i = 0; i < records->len; i++)
    {
      ExsChannelRecord *rec = records->pdata[i];
      g_autoptr (GError) error = NULL;

      if (rec->enabled && rec->always_on && start_channel (self, rec, NULL, &error) == NULL)
        g_warning ("always-on channel %s cannot start: %s", rec->number, error->message);
    }
}

/* ---- encoder probing ---- */

static void
probe_encoder_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  gboolean software = GPOINTER_TO_INT (task_data);
  char **names = g_new0 (char *, 3);

  /* H.264, then HEVC */
  for (guint i = 0; i < 2; i++)
    {
      names[i] = exs_encoder_choose (exs_encoder_preference_for (i), software);
      if (names[i] == NULL)
        names[i] = g_strdup (exs_encoder_software (i));
    }
  g_task_return_pointer (task, names, (GDestroyNotify) g_strfreev);
}

static void
on_encoder_probed_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  ExsChannelManager *self = EXS_CHANNEL_MANAGER (object);
  g_auto (GStrv) names = g_task_propagate_pointer (G_TASK (result), NULL);

  if (names == NULL)
    return;
  g_free (self->encoder);
  self->encoder = g_strdup (names[0]);
  exs_encoder_set_default_for (EXS_VIDEO_CODEC_HEVC, names[1]);
  g_message ("video encoders: %s (H.264), %s (HEVC)", names[0], names[1]);
}

static void
exs_channel_manager_dispose (GObject *object)
{
  ExsChannelManager *self = EXS_CHANNEL_MANAGER (object);

  if (self->running)
    exs_channel_manager_stop_all (self);
  g_clear_pointer (&self->running, g_hash_table_unref);
  g_clear_pointer (&self->starting, g_hash_table_unref);
  g_clear_object (&self->config);
  g_clear_object (&self->database);
  g_clear_object (&self->playout);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (exs_channel_manager_parent_class)->dispose (object);
}

static void
exs_channel_manager_finalize (GObject *object)
{
  g_free (EXS_CHANNEL_MANAGER (object)->encoder);
  g_atomic_rc_box_release (EXS_CHANNEL_MANAGER (object)->encoding_fallbacks);
  G_OBJECT_CLASS (exs_channel_manager_parent_class)->finalize (object);
}

static void
exs_channel_manager_class_init (ExsChannelManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = exs_channel_manager_dispose;
  object_class->finalize = exs_channel_manager_finalize;
  signals[SIGNAL_CHANNEL_STARTED] = g_signal_new ("channel-started", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, EXS_TYPE_CHANNEL);
  signals[SIGNAL_CHANNEL_STOPPED] = g_signal_new ("channel-stopped", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                  0, NULL, NULL, NULL, G_TYPE_NONE, 1, EXS_TYPE_CHANNEL);
}

static void
exs_channel_manager_init (ExsChannelManager *self)
{
  self->running = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) running_free);
  self->starting = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->encoder = g_strdup ("x264enc");
  self->encoding_fallbacks = g_atomic_rc_box_new0 (gint);
  self->cancellable = g_cancellable_new ();
}

/* Our elements (exstsmerge) come from the exs plugin: the build dir when
 * running uninstalled, else the installed one. */
static void
ensure_exs_plugin (void)
{
  const char *dirs[] = { EXS_BUILD_PLUGIN_DIR, EXS_INSTALLED_PLUGIN_DIR };
  g_autoptr (GstElementFactory) f = gst_element_factory_find ("exstsmerge");

  if (f != NULL)
    return;
  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *path = g_build_filename (dirs[i], "libgstexs.so", NULL);
      g_autoptr (GstPlugin) plugin = NULL;

      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        continue;
      plugin = gst_plugin_load_file (path, NULL);
      if (plugin)
        {
          gst_registry_add_plugin (gst_registry_get (), g_object_ref (plugin));
          return;
        }
    }
  g_message ("the exs GStreamer plugin is not installed; streams work, with more system calls per viewer");
}

/**
 * exs_channel_manager_new:
 * @playout: (transfer none): where every channel's items come from
 *
 * Returns: (transfer full): a manager with no channel running
 */
ExsChannelManager *
exs_channel_manager_new (ExsConfig *config, ExsDatabase *database, ExsPlayoutSource *playout)
{
  ExsChannelManager *self;
  g_autoptr (GTask) task = NULL;
  gboolean software;

  g_return_val_if_fail (EXS_IS_CONFIG (config), NULL);
  g_return_val_if_fail (EXS_IS_DATABASE (database), NULL);
  g_return_val_if_fail (EXS_IS_PLAYOUT_SOURCE (playout), NULL);

  self = g_object_new (EXS_TYPE_CHANNEL_MANAGER, NULL);
  software = g_str_equal (exs_config_get_string (config, "pipeline_pool", "encoder"), "software");
  self->config = g_object_ref (config);
  self->database = g_object_ref (database);
  self->playout = g_object_ref (playout);
  ensure_exs_plugin ();
  exs_encoder_raise_hardware_decoders ();
  task = g_task_new (self, self->cancellable, on_encoder_probed_cb, NULL);
  g_task_set_task_data (task, GINT_TO_POINTER (software), NULL);
  exs_task_run_in_thread (task, probe_encoder_thread);
  return self;
}

/**
 * exs_channel_manager_dup_pipeline_reason:
 * @number: a channel number
 *
 * Returns: (transfer full) (nullable): why the running channel is on the
 *   remux path or encoding (its transcode_mode, what "auto" found in the
 *   library, or a fall-back at run time); %NULL if it is not running
 */
char *
exs_channel_manager_dup_pipeline_reason (ExsChannelManager *self, const char *number)
{
  ExsRunningChannel *r;

  g_return_val_if_fail (EXS_IS_CHANNEL_MANAGER (self), NULL);
  g_return_val_if_fail (number != NULL, NULL);

  r = lookup_running (self, number);
  if (r == NULL)
    return NULL;
  if (r->started_remux && !exs_channel_is_remuxing (r->channel))
    {
      gint64 retry = exs_channel_get_remux_retry_time (r->channel);

      if (retry != 0)
        return g_strdup_printf ("an item failed on the remux path; encoding, remuxing again in %" G_GINT64_FORMAT
                                " s (at start: %s)",
                                MAX (0, (retry - g_get_real_time ()) / G_USEC_PER_SEC), r->pipeline_reason);
      return g_strdup_printf ("an item did not fit the remux path; encoding since (at start: %s)",
                              r->pipeline_reason);
    }
  return g_strdup (r->pipeline_reason);
}
