/* exs-health-monitor.c: ExsHealthMonitor, is each channel really playing?
 *
 * Made by ExsApplication; the channel engine calls
 * exs_health_monitor_watch_pipeline() when a channel's pipeline is built (and
 * _unwatch() when it is torn down), giving the pad whose buffers leave the
 * channel (the mux output) and, optionally, a raw video pad for frame rate.
 * Pad probes count buffers, bytes and the last buffer time from the streaming
 * threads (under the watch's lock; nothing else happens there); QoS messages
 * give dropped frames — taken from the bus's sync-message emission, so the
 * engine keeps its own sync handler, or fed with _handle_message().
 *
 * Every check_interval_seconds (30) the main loop turns the counts into the
 * seeds' numbers — fps, speed (media time per wall time), bitrate, dropped
 * frames — and a status: healthy; degraded (speed below 0.9 or new drops);
 * unhealthy (nothing out for stall_seconds, 180): a restart is requested
 * through the restart guard, the only way restarts happen; failed (the guard
 * refused, or the pipeline posted an error). "status-changed" is emitted on
 * every change. GET /api/channels/{number}/health reads it.
 */
#include "config.h"

#include "exs-health-monitor.h"

typedef struct
{
  gatomicrefcount ref;
  char *channel_number;
  GstElement *pipeline;
  GstPad *output_pad;
  GstPad *video_pad; /* nullable */
  gulong output_probe;
  gulong video_probe;
  gulong qos_handler;

  GMutex lock; /* protects the counters below, written by streaming threads */
  guint64 bytes;
  guint64 frames;
  gint64 last_output_us;        /* monotonic; 0 before the first buffer */
  GstClockTime media_time;      /* newest buffer PTS seen (output or video pad) */
  GHashTable *dropped_by_element; /* element name → cumulative dropped (from QoS) */
  gboolean errored;

  /* main thread only: the previous check */
  gint64 checked_us;
  guint64 checked_bytes;
  guint64 checked_frames;
  GstClockTime checked_media_time;
  guint64 checked_dropped;
  gint64 watched_us;

  double fps;
  double speed;
  double bitrate_kbps;
  guint64 dropped;
  ExsChannelHealth status;
  char *detail;
  char *outage; /* nullable: why the error screen is on air */
} Watch;

struct _ExsHealthMonitor
{
  GObject parent_instance;

  ExsRestartGuard *guard;       /* nullable */
  ExsMetrics *metrics;          /* nullable */
  ExsSessionManager *sessions;  /* nullable */
  guint check_interval_s;
  gint64 stall_us;
  guint timer_id;
  GHashTable *watches; /* number → Watch */
};

enum
{
  SIGNAL_STATUS_CHANGED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_TYPE (ExsHealthMonitor, exs_health_monitor, G_TYPE_OBJECT)

static Watch *
watch_ref (Watch *w)
{
  g_atomic_ref_count_inc (&w->ref);
  return w;
}

static void
watch_unref (Watch *w)
{
  if (!g_atomic_ref_count_dec (&w->ref))
    return;
  g_free (w->channel_number);
  g_clear_object (&w->pipeline);
  g_clear_object (&w->output_pad);
  g_clear_object (&w->video_pad);
  g_hash_table_unref (w->dropped_by_element);
  g_mutex_clear (&w->lock);
  g_free (w->detail);
  g_free (w->outage);
  g_free (w);
}

/* Detaches from the pipeline; the Watch itself goes when the probes let go. */
static void
watch_detach (Watch *w)
{
  if (w->output_probe)
    gst_pad_remove_probe (w->output_pad, w->output_probe);
  if (w->video_probe && w->video_pad)
    gst_pad_remove_probe (w->video_pad, w->video_probe);
  w->output_probe = w->video_probe = 0;
  if (w->qos_handler)
    {
      GstBus *bus = gst_element_get_bus (w->pipeline);
      g_signal_handler_disconnect (bus, w->qos_handler);
      gst_bus_disable_sync_message_emission (bus);
      gst_object_unref (bus);
      w->qos_handler = 0;
    }
  watch_unref (w);
}

static void
exs_health_monitor_dispose (GObject *object)
{
  ExsHealthMonitor *self = EXS_HEALTH_MONITOR (object);

  exs_health_monitor_stop (self);
  g_hash_table_remove_all (self->watches);
  g_clear_object (&self->guard);
  g_clear_object (&self->metrics);
  g_clear_object (&self->sessions);
  G_OBJECT_CLASS (exs_health_monitor_parent_class)->dispose (object);
}

static void
exs_health_monitor_finalize (GObject *object)
{
  g_hash_table_unref (EXS_HEALTH_MONITOR (object)->watches);
  G_OBJECT_CLASS (exs_health_monitor_parent_class)->finalize (object);
}

static void
exs_health_monitor_class_init (ExsHealthMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = exs_health_monitor_dispose;
  object_class->finalize = exs_health_monitor_finalize;

  /**
   * ExsHealthMonitor::status-changed:
   * @channel_number: the channel
   * @status: its new #ExsChannelHealth
   */
  signals[SIGNAL_STATUS_CHANGED] = g_signal_new ("status-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                                 NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_INT);
}

static void
exs_health_monitor_init (ExsHealthMonitor *self)
{
  self->watches = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) watch_detach);
}

/**
 * exs_health_monitor_new:
 * @guard: (nullable): where restarts of stalled channels are asked for
 * @check_interval_seconds: 0 for no timer (call exs_health_monitor_check())
 *
 * Returns: (transfer full): a monitor
 */
ExsHealthMonitor *
exs_health_monitor_new (ExsRestartGuard *guard, guint check_interval_seconds, double stall_seconds)
{
  ExsHealthMonitor *self = g_object_new (EXS_TYPE_HEALTH_MONITOR, NULL);

  self->guard = guard ? g_object_ref (guard) : NULL;
  self->check_interval_s = check_interval_seconds;
  self->stall_us = (gint64) (stall_seconds * G_USEC_PER_SEC);
  return self;
}

/**
 * exs_health_monitor_new_from_config:
 *
 * Returns: (transfer full): a monitor configured from [health]
 */
ExsHealthMonitor *
exs_health_monitor_new_from_config (ExsConfig *config, ExsRestartGuard *guard)
{
  return exs_health_monitor_new (guard, (guint) exs_config_get_int (config, "health", "check_interval_seconds"),
                                 (double) exs_config_get_int (config, "health", "stall_seconds"));
}

void
exs_health_monitor_set_metrics (ExsHealthMonitor *self, ExsMetrics *metrics)
{
  g_set_object (&self->metrics, metrics);
  if (metrics == NULL)
    return;
  exs_metrics_declare (metrics, "exstreamtv_channel_health", EXS_METRIC_GAUGE,
                       "Channel health: 0 healthy, 1 degraded, 2 unhealthy, 3 failed.");
  exs_metrics_declare (metrics, "exstreamtv_channel_bitrate_kbps", EXS_METRIC_GAUGE,
                       "Channel output bit rate over the last health check.");
  exs_metrics_declare (metrics, "exstreamtv_channel_dropped_frames", EXS_METRIC_GAUGE,
                       "Frames dropped by the channel's pipeline (QoS), since it started.");
}

void
exs_health_monitor_set_session_manager (ExsHealthMonitor *self, ExsSessionManager *sessions)
{
  g_set_object (&self->sessions, sessions);
}

const char *
exs_channel_health_to_string (ExsChannelHealth health)
{
  static const char *const names[] = { "healthy", "degraded", "unhealthy", "failed" };

  return health <= EXS_CHANNEL_FAILED ? names[health] : "unknown";
}

static void
note_buffer (Watch *w, GstBuffer *buf, gboolean is_video)
{
  if (is_video)
    w->frames++;
  else
    w->bytes += gst_buffer_get_size (buf);
  if (GST_BUFFER_PTS_IS_VALID (buf) && (w->media_time == GST_CLOCK_TIME_NONE || GST_BUFFER_PTS (buf) > w->media_time))
    w->media_time = GST_BUFFER_PTS (buf);
}

static gboolean
note_list_item (GstBuffer **buf, guint idx, gpointer user_data)
{
  note_buffer (user_data, *buf, FALSE);
  return TRUE;
}

/* Streaming thread: count, stamp, nothing more. */
static GstPadProbeReturn
on_output_probe_cb (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Watch *w = user_data;

  g_mutex_lock (&w->lock);
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER)
    note_buffer (w, GST_PAD_PROBE_INFO_BUFFER (info), FALSE);
  else if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    gst_buffer_list_foreach (GST_PAD_PROBE_INFO_BUFFER_LIST (info), note_list_item, w);
  w->last_output_us = g_get_monotonic_time ();
  g_mutex_unlock (&w->lock);
  return GST_PAD_PROBE_OK;
}

static GstPadProbeReturn
on_video_probe_cb (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Watch *w = user_data;

  g_mutex_lock (&w->lock);
  note_buffer (w, GST_PAD_PROBE_INFO_BUFFER (info), TRUE);
  g_mutex_unlock (&w->lock);
  return GST_PAD_PROBE_OK;
}

static void
note_message (Watch *w, GstMessage *message)
{
  if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_QOS)
    {
      GstFormat format;
      guint64 processed, dropped;

      gst_message_parse_qos_stats (message, &format, &processed, &dropped);
      if (format == GST_FORMAT_BUFFERS || format == GST_FORMAT_DEFAULT)
        {
          g_mutex_lock (&w->lock);
          g_hash_table_replace (w->dropped_by_element, g_strdup (GST_OBJECT_NAME (GST_MESSAGE_SRC (message))),
                                GSIZE_TO_POINTER ((gsize) dropped));
          g_mutex_unlock (&w->lock);
        }
    }
  else if (GST_MESSAGE_TYPE (message) == GST_MESSAGE_ERROR && GST_MESSAGE_SRC (message) == GST_OBJECT (w->pipeline))
    {
      g_mutex_lock (&w->lock);
      w->errored = TRUE;
      g_mutex_unlock (&w->lock);
    }
}

static void
on_sync_message_cb (GstBus *bus, GstMessage *message, gpointer user_data)
{
  note_message (user_data, message);
}

/**
 * exs_health_monitor_watch_pipeline:
 * @pipeline: the channel's pipeline
 * @output_pad: the pad the channel's bytes leave by (e.g. the mux's src pad)
 *
 * Starts watching a channel (replacing an earlier watch of it). The engine
 * calls this after building the pipeline; its bus sync handler, if it has
 * one, must let QoS messages pass (or call exs_health_monitor_handle_message()).
 */
void
exs_health_monitor_watch_pipeline (ExsHealthMonitor *self,
                                   const char       *channel_number,
                                   GstElement       *pipeline,
                                   GstPad           *output_pad)
{
  Watch *w;
  GstBus *bus;

  g_return_if_fail (EXS_IS_HEALTH_MONITOR (self));
  g_return_if_fail (GST_IS_ELEMENT (pipeline) && GST_IS_PAD (output_pad));

  w = g_new0 (Watch, 1);
  g_atomic_ref_count_init (&w->ref);
  g_mutex_init (&w->lock);
  w->channel_number = g_strdup (channel_number);
  w->pipeline = gst_object_ref (pipeline);
  w->output_pad = gst_object_ref (output_pad);
  w->media_time = GST_CLOCK_TIME_NONE;
  w->checked_media_time = GST_CLOCK_TIME_NONE;
  w->dropped_by_element = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  w->watched_us = w->checked_us = g_get_monotonic_time ();
  w->status = EXS_CHANNEL_HEALTHY;
  w->output_probe = gst_pad_add_probe (output_pad, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST,
                                       on_output_probe_cb, watch_ref (w), (GDestroyNotify) watch_unref);
  bus = gst_element_get_bus (pipeline);
  gst_bus_enable_sync_message_emission (bus);
  w->qos_handler = g_signal_connect_data (bus, "sync-message", G_CALLBACK (on_sync_message_cb), watch_ref (w),
                                          (GClosureNotify) watch_unref, 0);
  gst_object_unref (bus);
  g_hash_table_replace (self->watches, g_strdup (channel_number), w);
}

/* A raw video pad of the channel, for its frame rate. */
void
exs_health_monitor_watch_video_pad (ExsHealthMonitor *self, const char *channel_number, GstPad *video_pad)
{
  Watch *w = g_hash_table_lookup (self->watches, channel_number);

  g_return_if_fail (w != NULL);
  g_return_if_fail (w->video_pad == NULL);
  w->video_pad = gst_object_ref (video_pad);
  w->video_probe = gst_pad_add_probe (video_pad, GST_PAD_PROBE_TYPE_BUFFER, on_video_probe_cb, watch_ref (w),
                                      (GDestroyNotify) watch_unref);
}

/* For engines whose bus handler drops messages: pass QoS and errors here. */
void
exs_health_monitor_handle_message (ExsHealthMonitor *self, const char *channel_number, GstMessage *message)
{
  Watch *w = g_hash_table_lookup (self->watches, channel_number);

  if (w)
    note_message (w, message);
}

void
exs_health_monitor_unwatch (ExsHealthMonitor *self, const char *channel_number)
{
  g_return_if_fail (EXS_IS_HEALTH_MONITOR (self));
  g_hash_table_remove (self->watches, channel_number);
  if (self->metrics)
    {
      exs_metrics_remove_series (self->metrics, "exstreamtv_channel_health", "channel", channel_number);
      exs_metrics_remove_series (self->metrics, "exstreamtv_channel_bitrate_kbps", "channel", channel_number);
      exs_metrics_remove_series (self->metrics, "exstreamtv_channel_dropped_frames", "channel", channel_number);
    }
}

guint
exs_health_monitor_get_n_watched (ExsHealthMonitor *self)
{
  return g_hash_table_size (self->watches);
}

static void
set_status (ExsHealthMonitor *self, Watch *w, ExsChannelHealth status, char *detail)
{
  ExsChannelHealth old = w->status;

  g_free (w->detail);
  w->detail = detail;
  w->status = status;
  if (old != status)
    {
      if (status >= EXS_CHANNEL_UNHEALTHY)
        g_warning ("channel %s is %s: %s", w->channel_number, exs_channel_health_to_string (status),
                   detail ? detail : "");
      else
        g_message ("channel %s is %s%s%s", w->channel_number, exs_channel_health_to_string (status),
                   detail ? ": " : "", detail ? detail : "");
      g_signal_emit (self, signals[SIGNAL_STATUS_CHANGED], 0, w->channel_number, (int) status);
    }
}

static void
check_one (ExsHealthMonitor *self, Watch *w, gint64 now)
{
  guint64 bytes, frames, dropped = 0;
  gint64 last_output;
  GstClockTime media;
  gboolean errored;
  GHashTableIter iter;
  gpointer value;
  double elapsed = (now - w->checked_us) / (double) G_USEC_PER_SEC;
  gint64 quiet;

  g_mutex_lock (&w->lock);
  bytes = w->bytes;
  frames = w->frames;
  last_output = w->last_output_us;
  media = w->media_time;
  errored = w->errored;
  g_hash_table_iter_init (&iter, w->dropped_by_element);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    dropped += GPOINTER_TO_SIZE (value);
  g_mutex_unlock (&w->lock);

  if (elapsed > 0.05)
    {
      w->fps = (frames - w->checked_frames) / elapsed;
      w->bitrate_kbps = (bytes - w->checked_bytes) * 8.0 / 1000.0 / elapsed;
      w->speed = media != GST_CLOCK_TIME_NONE && w->checked_media_time != GST_CLOCK_TIME_NONE
                     ? (double) GST_CLOCK_DIFF (w->checked_media_time, media) / GST_SECOND / elapsed
                     : 0;
      w->checked_us = now;
      w->checked_bytes = bytes;
      w->checked_frames = frames;
      w->checked_media_time = media;
    }
  w->dropped = dropped;

  quiet = now - (last_output ? last_output : w->watched_us);
  if (errored)
    set_status (self, w, EXS_CHANNEL_FAILED, g_strdup ("the pipeline posted an error"));
  else if (quiet >= self->stall_us)
    {
      g_autofree char *reason = g_strdup_printf ("no output for %.0f s", quiet / (double) G_USEC_PER_SEC);
      g_autofree char *why_not = NULL;

      if (self->guard
          && exs_restart_guard_request_restart (self->guard, w->channel_number, reason, &why_not)
                 == EXS_RESTART_ALLOWED)
        set_status (self, w, EXS_CHANNEL_UNHEALTHY, g_strdup_printf ("%s; restart requested", reason));
      else
        set_status (self, w, EXS_CHANNEL_FAILED,
                    g_strdup_printf ("%s; no restart: %s", reason, why_not ? why_not : "no restart guard"));
    }
  else if (w->outage)
    set_status (self, w, EXS_CHANNEL_DEGRADED, g_strdup (w->outage));
  else if ((w->speed > 0 && w->speed < 0.9) || dropped > w->checked_dropped)
    set_status (self, w, EXS_CHANNEL_DEGRADED,
                g_strdup_printf ("speed %.2f, %" G_GUINT64_FORMAT " frames dropped since the last check", w->speed,
                                 dropped - w->checked_dropped));
  else
    set_status (self, w, EXS_CHANNEL_HEALTHY, NULL);
  w->checked_dropped = dropped;

  if (self->metrics)
    {
      exs_metrics_gauge_set (self->metrics, "exstreamtv_channel_health", "channel", w->channel_number, w->status);
      exs_metrics_gauge_set (self->metrics, "exstreamtv_channel_bitrate_kbps", "channel", w->channel_number,
                             w->bitrate_kbps);
      exs_metrics_gauge_set (self->metrics, "exstreamtv_channel_dropped_frames", "channel", w->channel_number,
                             (double) dropped);
    }
}

/**
 * exs_health_monitor_check:
 *
 * Checks every watched channel now (the timer does this every interval).
 *
 * Returns: how many channels are unhealthy or failed
 */
guint
exs_health_monitor_check (ExsHealthMonitor *self)
{
  g_autoptr (GPtrArray) all = g_ptr_array_new_with_free_func ((GDestroyNotify) watch_unref);
  gint64 now = g_get_monotonic_time ();
  GHashTableIter iter;
  Watch *w;
  guint bad = 0;

  /* Restart handlers may unwatch/watch channels: iterate over a copy. */
  g_hash_table_iter_init (&iter, self->watches);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &w))
    g_ptr_array_add (all, watch_ref (w));
  for (guint i = 0; i < all->len; i++)
    {
      w = all->pdata[i];
      if (g_hash_table_lookup (self->watches, w->channel_number) != w)
        continue;
      check_one (self, w, now);
      bad += w->status >= EXS_CHANNEL_UNHEALTHY;
    }
  return bad;
}

static gboolean
on_check_timeout_cb (gpointer user_data)
{
  exs_health_monitor_check (user_data);
  return G_SOURCE_CONTINUE;
}

void
exs_health_monitor_start (ExsHealthMonitor *self)
{
  if (self->timer_id == 0 && self->check_interval_s > 0)
    self->timer_id = g_timeout_add_seconds (self->check_interval_s, on_check_timeout_cb, self);
}

void
exs_health_monitor_stop (ExsHealthMonitor *self)
{
  g_clear_handle_id (&self->timer_id, g_source_remove);
}

/**
 * exs_health_monitor_set_outage:
 * @reason: (nullable): why viewers see the error screen instead of the
 *   programme; %NULL when the programme is back
 *
 * A channel showing its error screen still sends a healthy-looking stream:
 * the engine says so here, and the channel is degraded (with @reason as its
 * detail) from now until the outage ends.
 */
void
exs_health_monitor_set_outage (ExsHealthMonitor *self, const char *channel_number, const char *reason)
{
  Watch *w = g_hash_table_lookup (self->watches, channel_number);

  if (w == NULL || g_strcmp0 (w->outage, reason) == 0)
    return;
  g_free (w->outage);
  w->outage = g_strdup (reason);
  check_one (self, w, g_get_monotonic_time ());
}

/**
 * exs_health_monitor_dup_problems:
 *
 * Returns: (transfer full): {"channel", "status", "detail"} for each watched
 *   channel that is not healthy, by channel number
 */
JsonArray *
exs_health_monitor_dup_problems (ExsHealthMonitor *self)
{
  JsonArray *out = json_array_new ();
  g_autoptr (GList) numbers = g_list_sort (g_hash_table_get_keys (self->watches), (GCompareFunc) g_strcmp0);

  for (GList *l = numbers; l; l = l->next)
    {
      Watch *w = g_hash_table_lookup (self->watches, l->data);
      JsonObject *o;
      if (w->status == EXS_CHANNEL_HEALTHY)
        continue;
      o = json_object_new ();
      json_object_set_string_member (o, "channel", w->channel_number);
      json_object_set_string_member (o, "status", exs_channel_health_to_string (w->status));
      json_object_set_string_member (o, "detail", w->detail ? w->detail : "");
      json_array_add_object_element (out, o);
    }
  return out;
}

ExsChannelHealth
exs_health_monitor_get_status (ExsHealthMonitor *self, const char *channel_number)
{
  Watch *w = g_hash_table_lookup (self->watches, channel_number);

  return w ? w->status : EXS_CHANNEL_FAILED;
}

/**
 * exs_health_monitor_dup_channel_json:
 *
 * Returns: (transfer full) (nullable): the seeds' shape — channel_id, status,
 *   current_fps, current_speed, current_bitrate_kbps, dropped_frames,
 *   sessions_active — plus detail and seconds_since_output; %NULL if the
 *   channel is not running
 */
JsonObject *
exs_health_monitor_dup_channel_json (ExsHealthMonitor *self, const char *channel_number)
{
  Watch *w = g_hash_table_lookup (self->watches, channel_number);
  JsonObject *o;
  gint64 last;

  if (w == NULL)
    return NULL;
  g_mutex_lock (&w->lock);
  last = w->last_output_us;
  g_mutex_unlock (&w->lock);
  o = json_object_new ();
  json_object_set_string_member (o, "channel_id", channel_number);
  json_object_set_string_member (o, "status", exs_channel_health_to_string (w->status));
  json_object_set_double_member (o, "current_fps", w->fps);
  json_object_set_double_member (o, "current_speed", w->speed);
  json_object_set_double_member (o, "current_bitrate_kbps", w->bitrate_kbps);
  json_object_set_int_member (o, "dropped_frames", (gint64) w->dropped);
  json_object_set_int_member (o, "sessions_active",
                              self->sessions ? exs_session_manager_count_channel (self->sessions, channel_number) : 0);
  if (last)
    json_object_set_double_member (o, "seconds_since_output",
                                   (g_get_monotonic_time () - last) / (double) G_USEC_PER_SEC);
  else
    json_object_set_null_member (o, "seconds_since_output");
  if (w->detail)
    json_object_set_string_member (o, "detail", w->detail);
  return o;
}
