/* exs-channel-supervisor.c: ExsChannelSupervisor, the seam between the
 * channel engine (src/streaming) and the resilience layer (src/resilience,
 * src/metrics).
 *
 * Created by ExsApplication once both exist; it owns every connection
 * between them, so neither side includes the other's headers
 * (docs/architecture/resilience.md, "What the channel engine connects"):
 *
 *   - the engine's ExsChannelAdmission (implemented here): each pipeline start asks the pipeline
 *     pool (a tune waits slot_wait_seconds, then 503, with X-HDHomeRun-Error
 *     805 on HDHomeRun paths); the slot is the channel's ticket, dropped
 *     when it stops. Each viewer opens a session first (503 when the channel
 *     has max_sessions_per_channel); the typed request's client kind says
 *     whether a refusal carries X-HDHomeRun-Error;
 *   - restarts: channels do not rebuild themselves; their restart-wanted goes
 *     to the restart guard, whose restart signal rebuilds the channel;
 *   - channel signals → breaker failures/successes, resolver reports, error
 *     screen and stream counters, session bytes, tune and first-byte timings;
 *   - the health monitor watches each pipeline (QoS/ERROR forwarded on the
 *     main loop); a session the manager expires drops its viewer;
 *   - resolver actions that are safe here; the prewarm of always-on channels.
 *
 * Main thread only, except on_pipeline_message_cb (a streaming thread),
 * which only hops to the main loop.
 */
#include "config.h"

#include "exs-channel-supervisor.h"

#include "exs-http-json.h"
#include "exs-prewarmer.h"

#include <string.h>

struct _ExsChannelSupervisor
{
  GObject parent_instance;

  ExsSupervisedParts parts;  /* borrowed */
  GHashTable *viewers;       /* session id (guint64*) -> ExsViewer* (owned) */
  ExsPrewarmer *prewarmer;
  GCancellable *cancellable;
  guint prewarm_in_flight;
  guint prewarm_max_in_flight;
  gboolean stopped;
};

static void exs_channel_supervisor_admission_init (ExsChannelAdmissionInterface *iface);

G_DEFINE_TYPE_WITH_CODE (ExsChannelSupervisor, exs_channel_supervisor, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (EXS_TYPE_CHANNEL_ADMISSION, exs_channel_supervisor_admission_init))

/* ---- ExsChannelAdmission (called by the channel manager) ---- */

static void
admit_start_async (ExsChannelAdmission *admission, const char *number, gboolean prewarm, GCancellable *cancellable,
                   GAsyncReadyCallback callback, gpointer callback_data)
{
  ExsChannelSupervisor *self = EXS_CHANNEL_SUPERVISOR (admission);

  exs_pipeline_pool_acquire_async (self->parts.pool, number, prewarm, cancellable, callback, callback_data);
}

static GObject *
admit_start_finish (ExsChannelAdmission *admission, GAsyncResult *result, GError **error)
{
  ExsChannelSupervisor *self = EXS_CHANNEL_SUPERVISOR (admission);

  return G_OBJECT (exs_pipeline_pool_acquire_finish (self->parts.pool, result, error));
}

static guint64
admit_viewer (ExsChannelAdmission *admission, const char *number, const ExsStreamRequest *request, GError **error)
{
  ExsChannelSupervisor *self = EXS_CHANNEL_SUPERVISOR (admission);

  return exs_session_manager_open (self->parts.sessions, number, request->address ? request->address : "unknown",
                                   error);
}

static void
viewer_dropped (ExsChannelAdmission *admission, guint64 session_id)
{
  ExsChannelSupervisor *self = EXS_CHANNEL_SUPERVISOR (admission);

  exs_session_manager_close (self->parts.sessions, session_id, "left");
}

static void
refuse_tune (ExsChannelAdmission *admission, const char *number, const ExsStreamRequest *request,
             const GError *error)
{
  ExsChannelSupervisor *self = EXS_CHANNEL_SUPERVISOR (admission);
  SoupServerMessage *msg = request->msg;
  gboolean tuner = request->client == EXS_STREAM_CLIENT_HDHOMERUN;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
    {
      exs_http_reply_error (msg, 404, NULL, "%s", error->message);
      return;
    }
  exs_metrics_counter_inc (self->parts.metrics, "exstreamtv_streams_failed_total", "channel", number);
  if (error->domain == EXS_SESSION_ERROR)
    {
      /* the channel runs; this viewer is one too many */
      SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);

      soup_message_headers_replace (h, "Retry-After", "10");
      if (tuner)
        soup_message_headers_replace (h, "X-HDHomeRun-Error", "805 All Tuners In Use");
      exs_http_reply_error (msg, 503, NULL, "%s", error->message);
      return;
    }
  exs_pipeline_pool_reply_unavailable (msg, error, tuner);
}

static void
exs_channel_supervisor_admission_init (ExsChannelAdmissionInterface *iface)
{
  iface->start_async = admit_start_async;
  iface->start_finish = admit_start_finish;
  iface->open_viewer = admit_viewer;
  iface->viewer_dropped = viewer_dropped;
  iface->refuse = refuse_tune;
}

/* ---- channel signals ---- */

static void
on_source_failed_cb (ExsChannel *channel, gpointer item, const char *message, ExsChannelSupervisor *self)
{
  const char *number = exs_channel_get_number (channel);

  exs_restart_guard_record_failure (self->parts.restart_guard, number, message);
  exs_auto_resolver_report (self->parts.resolver, EXS_RESOLVER_SOURCE_FAILED, number, message);
}

static void
on_source_recovered_cb (ExsChannel *channel, gpointer item, ExsChannelSupervisor *self)
{
  exs_restart_guard_record_success (self->parts.restart_guard, exs_channel_get_number (channel));
  exs_metrics_counter_inc (self->parts.metrics, "exstreamtv_source_recoveries_total", "channel",
                           exs_channel_get_number (channel));
}

static void
on_error_screen_shown_cb (ExsChannel *channel, const char *reason, ExsChannelSupervisor *self)
{
  exs_metrics_counter_inc (self->parts.metrics, "exstreamtv_error_screens_total", "channel",
                           exs_channel_get_number (channel));
  if (g_strcmp0 (reason, "offline") != 0)
    {
      /* an outage: the channel is degraded while the error screen is on air */
      g_autofree char *why = g_strdup_printf ("the error screen is on air (%s)", reason);
      exs_health_monitor_set_outage (self->parts.health, exs_channel_get_number (channel), why);
    }
}

static void
on_channel_state_cb (ExsChannel *channel, GParamSpec *pspec, ExsChannelSupervisor *self)
{
  if (exs_channel_get_state (channel) != EXS_CHANNEL_ERROR_SCREEN)
    exs_health_monitor_set_outage (self->parts.health, exs_channel_get_number (channel), NULL);
}

static void
on_output_stalled_cb (ExsChannel *channel, gint64 stalled_us, ExsChannelSupervisor *self)
{
  exs_restart_guard_record_failure (self->parts.restart_guard, exs_channel_get_number (channel),
                                    "output stalled");
}

/* The engine wants its pipeline rebuilt: only the guard may say yes (its
 * restart signal then rebuilds, on_guard_restart_cb). */
static void
on_restart_wanted_cb (ExsChannel *channel, const char *reason, gboolean encoder_failed, ExsChannelSupervisor *self)
{
  g_autofree char *why_not = NULL;
  g_autofree char *number = g_strdup (exs_channel_get_number (channel));
  gboolean stalled = g_str_equal (reason, "output stalled");
  ExsRestartDecision decision;

  if (!stalled)
    exs_restart_guard_record_failure (self->parts.restart_guard, number, reason);
  decision = exs_restart_guard_request_restart (self->parts.restart_guard, number, reason, &why_not);
  if (decision != EXS_RESTART_ALLOWED)
    g_warning ("channel %s: restart refused (%s): %s", number, exs_restart_decision_to_string (decision),
               why_not ? why_not : "");
  if (encoder_failed)
    exs_auto_resolver_report (self->parts.resolver, EXS_RESOLVER_ENCODER_FAILED, number, reason);
  else if (stalled)
    exs_auto_resolver_report (self->parts.resolver, EXS_RESOLVER_OUTPUT_STALLED, number, reason);
  else
    exs_auto_resolver_hand_over (self->parts.resolver, number, reason); /* no rule: the AI agent's */
}

static void
on_viewer_added_cb (ExsChannel *channel, ExsViewer *viewer, ExsChannelSupervisor *self)
{
  guint64 id = exs_viewer_get_session_id (viewer);

  exs_metrics_counter_inc (self->parts.metrics, "exstreamtv_streams_started_total", "channel",
                           exs_channel_get_number (channel));
  if (id != 0)
    g_hash_table_replace (self->viewers, g_memdup2 (&id, sizeof id), g_object_ref (viewer));
}

static void
on_viewer_bytes_cb (ExsChannel *channel, ExsViewer *viewer, guint64 bytes, ExsChannelSupervisor *self)
{
  guint64 id = exs_viewer_get_session_id (viewer);

  if (id != 0)
    exs_session_manager_add_bytes (self->parts.sessions, id, bytes);
  if (!g_object_get_data (G_OBJECT (viewer), "exs-first-byte"))
    {
      gint64 requested = exs_viewer_get_requested_us (viewer);
      double since_request = requested ? (g_get_monotonic_time () - requested) / 1e6 : 0;

      /* bytes are polled once a second: these include up to 1 s of polling */
      g_object_set_data (G_OBJECT (viewer), "exs-first-byte", GINT_TO_POINTER (1));
      exs_metrics_observe (self->parts.metrics, "tune", since_request);
      exs_metrics_observe (self->parts.metrics, "first_byte", since_request);
      exs_metrics_counter_inc (self->parts.metrics, "exstreamtv_streams_succeeded_total", "channel",
                               exs_channel_get_number (channel));
    }
}

static void
on_viewer_removed_cb (ExsChannel *channel, ExsViewer *viewer, ExsChannelSupervisor *self)
{
  guint64 id = exs_viewer_get_session_id (viewer);

  if (!g_object_get_data (G_OBJECT (viewer), "exs-first-byte"))
    exs_metrics_counter_inc (self->parts.metrics, "exstreamtv_streams_failed_total", "channel",
                             exs_channel_get_number (channel));
  if (id == 0)
    return;
  exs_session_manager_close (self->parts.sessions, id, exs_viewer_get_close_reason (viewer));
  g_hash_table_remove (self->viewers, &id);
}

static void
on_session_expired_cb (ExsSessionManager *sessions, guint64 id, const char *number, const char *reason,
                       ExsChannelSupervisor *self)
{
  ExsViewer *viewer = g_hash_table_lookup (self->viewers, &id);
  ExsChannel *channel = exs_channel_manager_get_channel (self->parts.channels, number);

  if (viewer && channel)
    {
      g_message ("channel %s: dropping viewer %s (session %s)", number, exs_viewer_get_remote_address (viewer),
                 reason);
      exs_channel_remove_viewer (channel, viewer, reason);
    }
}

/* ---- health ---- */

static void
watch_pipeline (ExsChannelSupervisor *self, ExsChannel *channel, GstElement *pipeline)
{
  const char *number = exs_channel_get_number (channel);
  g_autoptr (GstElement) mux = NULL;
  g_autoptr (GstElement) comp = NULL;
  g_autoptr (GstPad) output = NULL;
  g_autoptr (GstPad) video = NULL;

  if (pipeline == NULL)
    return;
  mux = gst_bin_get_by_name (GST_BIN (pipeline), "mux");
  comp = gst_bin_get_by_name (GST_BIN (pipeline), "comp");
  output = mux ? gst_element_get_static_pad (mux, "src") : NULL;
  video = comp ? gst_element_get_static_pad (comp, "src") : NULL;
  if (output == NULL)
    return;
  exs_health_monitor_unwatch (self->parts.health, number);
  exs_health_monitor_watch_pipeline (self->parts.health, number, pipeline, output);
  if (video)
    exs_health_monitor_watch_video_pad (self->parts.health, number, video);
}

/* On-demand channels progress only while they run (someone watches, plus
 * the linger time): their playout clock runs from start to stop. A no-op
 * for continuous channels. */
static void
set_viewing (ExsChannelSupervisor *self, ExsChannel *channel, gboolean viewing)
{
  g_autoptr (GError) error = NULL;

  if (self->parts.playout != NULL
      && !exs_playout_builder_set_viewing (self->parts.playout, exs_channel_get_number (channel), viewing,
                                           g_get_real_time (), &error))
    g_warning ("channel %s: cannot %s its on-demand clock: %s", exs_channel_get_number (channel),
               viewing ? "resume" : "pause", error->message);
}

static void
on_pipeline_started_cb (ExsChannel *channel, GstElement *pipeline, GstPad *output, GstPad *video,
                        ExsChannelSupervisor *self)
{
  watch_pipeline (self, channel, pipeline);
}

static void
on_pipeline_stopping_cb (ExsChannel *channel, GstElement *pipeline, ExsChannelSupervisor *self)
{
  exs_health_monitor_unwatch (self->parts.health, exs_channel_get_number (channel));
}

typedef struct
{
  ExsChannelSupervisor *self; /* owned */
  char *number;
  GstMessage *message;        /* owned */
} Forward;

static gboolean
forward_message_cb (gpointer data)
{
  Forward *f = data;

  if (!f->self->stopped)
    exs_health_monitor_handle_message (f->self->parts.health, f->number, f->message);
  return G_SOURCE_REMOVE;
}

static void
forward_free (Forward *f)
{
  g_object_unref (f->self);
  g_free (f->number);
  gst_message_unref (f->message);
  g_free (f);
}

/* A streaming thread: the health monitor's tables are the main loop's. */
static void
on_pipeline_message_cb (ExsChannel *channel, GstMessage *message, ExsChannelSupervisor *self)
{
  Forward *f = g_new0 (Forward, 1);

  f->self = g_object_ref (self);
  f->number = g_strdup (exs_channel_get_number (channel));
  f->message = gst_message_ref (message);
  g_main_context_invoke_full (NULL, G_PRIORITY_DEFAULT, forward_message_cb, f, (GDestroyNotify) forward_free);
}

/* ---- channels coming and going ---- */

static void
on_channel_started_cb (ExsChannelManager *manager, ExsChannel *channel, ExsChannelSupervisor *self)
{
  exs_channel_set_self_restart (channel, FALSE);
  g_signal_connect (channel, "source-failed", G_CALLBACK (on_source_failed_cb), self);
  g_signal_connect (channel, "source-recovered", G_CALLBACK (on_source_recovered_cb), self);
  g_signal_connect (channel, "error-screen-shown", G_CALLBACK (on_error_screen_shown_cb), self);
  g_signal_connect (channel, "notify::state", G_CALLBACK (on_channel_state_cb), self);
  g_signal_connect (channel, "output-stalled", G_CALLBACK (on_output_stalled_cb), self);
  g_signal_connect (channel, "restart-wanted", G_CALLBACK (on_restart_wanted_cb), self);
  g_signal_connect (channel, "viewer-added", G_CALLBACK (on_viewer_added_cb), self);
  g_signal_connect (channel, "viewer-bytes", G_CALLBACK (on_viewer_bytes_cb), self);
  g_signal_connect (channel, "viewer-removed", G_CALLBACK (on_viewer_removed_cb), self);
  g_signal_connect (channel, "pipeline-started", G_CALLBACK (on_pipeline_started_cb), self);
  g_signal_connect (channel, "pipeline-stopping", G_CALLBACK (on_pipeline_stopping_cb), self);
  g_signal_connect (channel, "pipeline-message", G_CALLBACK (on_pipeline_message_cb), self);
  exs_restart_guard_stream_started (self->parts.restart_guard, exs_channel_get_number (channel));
  set_viewing (self, channel, TRUE);
  /* its first pipeline started before we could listen */
  watch_pipeline (self, channel, exs_channel_get_pipeline (channel));
}

static void
on_channel_stopped_cb (ExsChannelManager *manager, ExsChannel *channel, ExsChannelSupervisor *self)
{
  g_signal_handlers_disconnect_by_data (channel, self);
  exs_health_monitor_unwatch (self->parts.health, exs_channel_get_number (channel));
  set_viewing (self, channel, FALSE);
}

/* ---- the restart guard and the resolver ---- */

static void
on_guard_restart_cb (ExsRestartGuard *guard, const char *number, const char *reason, ExsChannelSupervisor *self)
{
  ExsChannel *channel = exs_channel_manager_get_channel (self->parts.channels, number);

  if (channel && !self->stopped)
    exs_channel_restart (channel, reason);
}

static void
on_resolver_action_cb (ExsAutoResolver *resolver, const char *action, const char *number, const char *detail,
                       ExsChannelSupervisor *self)
{
  ExsChannel *channel = number ? exs_channel_manager_get_channel (self->parts.channels, number) : NULL;

  if (g_str_equal (action, "switch_to_software_encoder") && channel)
    {
      /* from the next build on; the rebuild itself comes from the guard */
      g_message ("channel %s: software encoder from now on (%s)", number, detail);
      exs_channel_set_encoder (channel, "x264enc");
    }
  else if (g_str_equal (action, "restart_channel"))
    ; /* the guard's restart signal rebuilds it (on_guard_restart_cb) */
  else
    /* skip_item, reconnect_source: the engine already shows the error screen,
     * retries the item and moves on at its slot end; refuse_new_prewarm: the
     * pool's own containment and pressure refuse them */
    g_message ("resolver action %s on %s: left to the engine (%s)", action, number ? number : "the server",
               detail);
}

/* ---- prewarm ---- */

typedef struct
{
  ExsChannelSupervisor *self; /* owned */
  char *number;
  GAsyncReadyCallback callback;
  gpointer callback_data;
} Prewarm;

static void
on_prewarm_started_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Prewarm *p = user_data;

  p->self->prewarm_in_flight--;
  g_message ("prewarm: channel %s done (%u in flight)", p->number, p->self->prewarm_in_flight);
  p->callback (source, result, p->callback_data);
  g_object_unref (p->self);
  g_free (p->number);
  g_free (p);
}

static void
prewarm_start (const char *number, GCancellable *cancellable, GAsyncReadyCallback callback, gpointer callback_data,
               gpointer user_data)
{
  ExsChannelSupervisor *self = user_data;
  Prewarm *p = g_new0 (Prewarm, 1);

  p->self = g_object_ref (self);
  p->number = g_strdup (number);
  p->callback = callback;
  p->callback_data = callback_data;
  self->prewarm_in_flight++;
  self->prewarm_max_in_flight = MAX (self->prewarm_max_in_flight, self->prewarm_in_flight);
  g_message ("prewarm: channel %s starting (%u in flight)", number, self->prewarm_in_flight);
  exs_metrics_gauge_set (self->parts.metrics, "exstreamtv_prewarm_max_in_flight", NULL, NULL,
                         self->prewarm_max_in_flight);
  exs_channel_manager_start_async (self->parts.channels, number, TRUE, cancellable, on_prewarm_started_cb, p);
}

static gboolean
prewarm_finish (GAsyncResult *result, GError **error, gpointer user_data)
{
  ExsChannelSupervisor *self = user_data;

  return exs_channel_manager_start_finish (self->parts.channels, result, error);
}

static void
on_prewarm_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;
  guint started = 0, failed = 0;

  if (!exs_prewarmer_run_finish (EXS_PREWARMER (source), result, &started, &failed, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("prewarm: %s", error->message);
}

/**
 * exs_channel_supervisor_prewarm:
 *
 * Starts the enabled always-on channels, staggered
 * ([pipeline_pool] prewarm_stagger_seconds, prewarm_max_concurrent), each
 * admitted by the pool as a prewarm start.
 */
void
exs_channel_supervisor_prewarm (ExsChannelSupervisor *self)
{
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) numbers = exs_prewarmer_list_always_on (self->parts.database, &error);

  if (numbers == NULL)
    {
      g_warning ("prewarm: cannot list the always-on channels: %s", error->message);
      return;
    }
  if (numbers[0] == NULL)
    return;
  exs_prewarmer_run_async (self->prewarmer, (const char *const *) numbers, self->cancellable, on_prewarm_done_cb,
                           NULL);
}

/**
 * exs_channel_supervisor_stop:
 *
 * At shutdown, before the channels stop: no prewarm, no restart from now on.
 */
void
exs_channel_supervisor_stop (ExsChannelSupervisor *self)
{
  self->stopped = TRUE;
  g_cancellable_cancel (self->cancellable);
}

static void
exs_channel_supervisor_dispose (GObject *object)
{
  ExsChannelSupervisor *self = EXS_CHANNEL_SUPERVISOR (object);

  if (self->parts.channels)
    {
      g_autoptr (GPtrArray) running = exs_channel_manager_dup_channels (self->parts.channels);

      for (guint i = 0; i < running->len; i++)
        g_signal_handlers_disconnect_by_data (running->pdata[i], self);
      exs_channel_manager_set_admission (self->parts.channels, NULL);
      g_signal_handlers_disconnect_by_data (self->parts.channels, self);
      g_signal_handlers_disconnect_by_data (self->parts.restart_guard, self);
      g_signal_handlers_disconnect_by_data (self->parts.sessions, self);
      g_signal_handlers_disconnect_by_data (self->parts.resolver, self);
      memset (&self->parts, 0, sizeof self->parts);
    }
  g_clear_object (&self->prewarmer);
  g_clear_pointer (&self->viewers, g_hash_table_unref);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (exs_channel_supervisor_parent_class)->dispose (object);
}

static void
exs_channel_supervisor_class_init (ExsChannelSupervisorClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = exs_channel_supervisor_dispose;
}

static void
exs_channel_supervisor_init (ExsChannelSupervisor *self)
{
  self->viewers = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_object_unref);
  self->cancellable = g_cancellable_new ();
}

/**
 * exs_channel_supervisor_new:
 * @parts: the engine and the resilience objects, borrowed
 *
 * Connects them; call before any channel starts.
 *
 * Returns: (transfer full): the supervisor
 */
ExsChannelSupervisor *
exs_channel_supervisor_new (const ExsSupervisedParts *parts)
{
  ExsChannelSupervisor *self = g_object_new (EXS_TYPE_CHANNEL_SUPERVISOR, NULL);

  self->parts = *parts;
  exs_channel_manager_set_admission (parts->channels, EXS_CHANNEL_ADMISSION (self));
  g_signal_connect (parts->channels, "channel-started", G_CALLBACK (on_channel_started_cb), self);
  g_signal_connect (parts->channels, "channel-stopped", G_CALLBACK (on_channel_stopped_cb), self);
  g_signal_connect (parts->restart_guard, "restart", G_CALLBACK (on_guard_restart_cb), self);
  g_signal_connect (parts->sessions, "session-expired", G_CALLBACK (on_session_expired_cb), self);
  g_signal_connect (parts->resolver, "action", G_CALLBACK (on_resolver_action_cb), self);
  exs_metrics_declare (parts->metrics, "exstreamtv_source_recoveries_total", EXS_METRIC_COUNTER,
                       "Times a channel went back to its programme after a failed source, per channel.");
  exs_metrics_declare (parts->metrics, "exstreamtv_prewarm_max_in_flight", EXS_METRIC_GAUGE,
                       "The most always-on channel starts in flight at once during the prewarm.");
  self->prewarmer = exs_prewarmer_new_from_config (parts->config, prewarm_start, prewarm_finish, self);
  return self;
}
