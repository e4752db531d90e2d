/* exs-channel-manager.c: ExsChannelManager — which channels run.
 *
 * Created by ExsApplication after the database, with the playout source.
 * Serves GET/HEAD /iptv/channel/{number}.ts, and exposes the same handling as
 * exs_channel_manager_serve() for other route families (HDHomeRun's
 * /auto/v{number}). A channel starts on its first viewer, lingers
 * [channels] linger_seconds after its last one leaves and then stops, unless
 * it is always-on. Viewers' connections are stolen from libsoup, answered with
 * a hand-written HTTP/1.1 200 header and given to the channel's
 * multisocketsink. At start-up it probes the encoders (in a worker thread);
 * stop_all() ends every channel and viewer at shutdown.
 *
 * With an ExsChannelAdmission set (the application's channel supervisor),
 * every pipeline start is admitted first (the pipeline pool: a tune waits,
 * then is refused) and every viewer gets a session before its 200 header;
 * the manager itself knows nothing of the resilience layer.
 */
#include "config.h"

#include "exs-channel-manager.h"

#include "exs-channel-number.h"
#include "exs-channel-store.h"
#include "exs-encoder.h"
#include "exs-http-json.h"
#include "exs-memory.h"
#include "exs-remux-fit.h"

#include <gst/gst.h>
#include <string.h>
#include <sys/socket.h>

typedef struct
{
  ExsChannel *channel;
  gboolean always_on;
  guint linger_id;
  guint handovers;            /* viewers whose header is being written */
  gint64 hls_fetched_mono;    /* last HLS request (monotonic µs) */
  guint hls_idle_id;          /* pending while HLS clients fetch: they count as a viewer */
  GObject *ticket;            /* owned, nullable: the admission, held while running */
  char *pipeline_reason;      /* why it started on the remux path or encoding */
  gboolean started_remux;
  ExsChannelManager *manager; /* borrowed */
} Running;

struct _ExsChannelManager
{
  GObject parent_instance;

  ExsConfig *config;
  ExsDatabase *database;
  ExsPlayoutSource *playout;
  GHashTable *running; /* number -> Running* */
  char *encoder;       /* chosen at start-up; x264enc until the probe is done */
  GCancellable *cancellable;
  gboolean stopping;
  ExsChannelAdmission admission; /* all NULL: start at once, no sessions */
  GHashTable *starting;          /* number -> GPtrArray of GTask, waiting for admission */
};

enum
{
  SIGNAL_CHANNEL_STARTED,
  SIGNAL_CHANNEL_STOPPED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE (ExsChannelManager, exs_channel_manager, G_TYPE_OBJECT)

static void
running_free (Running *r)
{
  g_clear_handle_id (&r->linger_id, g_source_remove);
  g_clear_handle_id (&r->hls_idle_id, g_source_remove);
  g_signal_handlers_disconnect_by_data (r->channel, r);
  exs_channel_stop (r->channel);
  g_object_unref (r->channel);
  g_clear_object (&r->ticket); /* after the pipeline is gone */
  g_free (r->pipeline_reason);
  g_free (r);
}

static void
stop_channel (ExsChannelManager *self, const char *number)
{
  g_autoptr (ExsChannel) channel = NULL;
  Running *r = g_hash_table_lookup (self->running, number);

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
static gboolean
is_watched (Running *r)
{
  return exs_channel_get_n_viewers (r->channel) > 0 || r->handovers > 0 || r->hls_idle_id != 0;
}

static gboolean
on_linger_done_cb (gpointer user_data)
{
  Running *r = user_data;

  r->linger_id = 0;
  if (!is_watched (r) && !r->always_on)
    stop_channel (r->manager, exs_channel_get_number (r->channel));
  return G_SOURCE_REMOVE;
}

static void
on_viewer_removed_cb (ExsChannel *channel, ExsViewer *viewer, gpointer user_data)
{
  Running *r = user_data;
  gint64 linger = exs_config_get_int (r->manager->config, "channels", "linger_seconds");

  if (r->manager->stopping || r->always_on || is_watched (r) || r->linger_id)
    return;
  g_debug ("channel %s: last viewer left; lingering %" G_GINT64_FORMAT " s", exs_channel_get_number (channel),
           linger);
  r->linger_id = g_timeout_add_seconds_full (G_PRIORITY_DEFAULT, (guint) linger, on_linger_done_cb, r, NULL);
  if (linger == 0)
    {
      g_source_remove (r->linger_id);
      r->linger_id = g_idle_add (on_linger_done_cb, r);
    }
}

static void
on_viewer_added_cb (ExsChannel *channel, ExsViewer *viewer, gpointer user_data)
{
  Running *r = user_data;

  g_clear_handle_id (&r->linger_id, g_source_remove);
}

/**
 * exs_channel_manager_get_channel:
 *
 * Returns: (transfer none) (nullable): the running channel @number
 */
ExsChannel *
exs_channel_manager_get_channel (ExsChannelManager *self, const char *number)
{
  g_autofree char *n = exs_channel_number_normalize (number);
  Running *r = n ? g_hash_table_lookup (self->running, n) : NULL;

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
  GPtrArray *out = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer value;

  g_hash_table_iter_init (&iter, self->running);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (out, g_object_ref (((Running *) value)->channel));
  return out;
}

/**
 * exs_channel_manager_dup_playing:
 *
 * Returns: (transfer full): the numbers of the channels with at least one
 *   viewer, NULL-terminated
 */
char **
exs_channel_manager_dup_playing (ExsChannelManager *self)
{
  GPtrArray *out = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->running);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (exs_channel_get_n_viewers (((Running *) value)->channel) > 0 || ((Running *) value)->hls_idle_id)
      g_ptr_array_add (out, g_strdup (key));
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

/**
 * exs_channel_manager_ensure_channel:
 * @number: a channel number as typed ("1984.1", " 5 ")
 *
 * Starts the channel if it is not running. Errors: G_IO_ERROR_NOT_FOUND for
 * an unknown or disabled channel, G_IO_ERROR_FAILED if it cannot start.
 *
 * Returns: (transfer none) (nullable): the running channel
 */
static ExsChannel *start_channel (ExsChannelManager *self, const char *number, GObject *ticket, GError **error);

ExsChannel *
exs_channel_manager_ensure_channel (ExsChannelManager *self, const char *number, GError **error)
{
  return start_channel (self, number, NULL, error);
}

/* @ticket: (transfer none) (nullable): the admission, kept while it runs */
static ExsChannel *
start_channel (ExsChannelManager *self, const char *number, GObject *ticket, GError **error)
{
  g_autofree char *n = exs_channel_number_normalize (number);
  g_autoptr (ExsChannelRecord) rec = NULL;
  g_autoptr (ExsChannel) channel = NULL;
  ExsChannelProfile profile;
  ExsChannelOptions options = { 0 };
  g_autofree char *reason = NULL;
  Running *r;

  if (n == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "“%s” is not a channel number: " EXS_CHANNEL_NUMBER_RULE,
                   number);
      return NULL;
    }
  r = g_hash_table_lookup (self->running, n);
  if (r)
    return r->channel;
  if (self->stopping)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "the server is shutting down");
      return NULL;
    }
  rec = exs_channel_store_get (self->database, n, NULL);
  if (rec == NULL || !rec->enabled)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, rec ? "channel %s is disabled" : "no channel %s", n);
      return NULL;
    }

  exs_channel_profile_from_name (rec->profile, &profile);
  options.name = rec->name;
  options.encoder = self->encoder;
  options.visual_mode = exs_config_get_string (self->config, "error_screen", "visual_mode");
  options.audio_mode = exs_config_get_string (self->config, "error_screen", "audio_mode");
  options.title = exs_config_get_string (self->config, "error_screen", "title");
  options.subtitle = exs_config_get_string (self->config, "error_screen", "subtitle");
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
  if (g_strcmp0 (rec->transcode_mode, "remux") == 0)
    {
      options.remux = TRUE;
      reason = g_strdup ("transcode_mode is remux");
    }
  else if (g_strcmp0 (rec->transcode_mode, "auto") == 0)
    {
      gint64 now = g_get_real_time ();
      options.remux = exs_remux_fit_schedule (self->database, self->playout, n, &profile, now,
                                              now + EXS_REMUX_FIT_LOOKAHEAD_US, &reason);
      g_message ("channel %s: auto chose %s: %s", n, options.remux ? "remux" : "encoding", reason);
    }
  else
    reason = g_strdup_printf ("transcode_mode is %s", rec->transcode_mode);
  options.viewer_stall_seconds = (guint) exs_config_get_int (self->config, "channels", "viewer_stall_seconds");
  channel = exs_channel_new (n, &profile, &options, self->playout);
  if (!exs_channel_start (channel, error))
    return NULL;

  r = g_new0 (Running, 1);
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
    on_viewer_removed_cb (r->channel, NULL, r); /* lingers until a viewer arrives */
  return r->channel;
}

/* ---- admission: every pipeline start asks first ---- */

/* The admission's own callback: user_data is a Starting. */
typedef struct
{
  ExsChannelManager *manager; /* owned */
  char *number;
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

  ticket = self->admission.start_finish (self->admission.user_data, result, &error);
  g_hash_table_steal_extended (self->starting, st->number, (gpointer *) &key, (gpointer *) &waiting);
  if (ticket != NULL)
    channel = start_channel (self, st->number, ticket, &error);
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
  g_free (st->number);
  g_free (st);
}

/**
 * exs_channel_manager_set_admission:
 * @admission: (nullable): the hooks, copied; %NULL: none
 *
 * Set once, before any channel starts (ExsApplication's channel supervisor).
 */
void
exs_channel_manager_set_admission (ExsChannelManager *self, const ExsChannelAdmission *admission)
{
  if (admission)
    self->admission = *admission;
  else
    memset (&self->admission, 0, sizeof self->admission);
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
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autofree char *n = exs_channel_number_normalize (number);
  g_autoptr (ExsChannelRecord) rec = NULL;
  g_autoptr (GError) error = NULL;
  GPtrArray *waiting;
  Starting *st;

  g_task_set_source_tag (task, exs_channel_manager_start_async);
  if (n == NULL || g_hash_table_contains (self->running, n) || self->admission.start_async == NULL)
    {
      if (start_channel (self, n ? n : number, NULL, &error))
        g_task_return_boolean (task, TRUE);
      else
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  rec = exs_channel_store_get (self->database, n, NULL);
  if (rec == NULL || !rec->enabled || self->stopping)
    {
      if (self->stopping)
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CLOSED, "the server is shutting down");
      else
        g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                                 rec ? "channel %s is disabled" : "no channel %s", n);
      return;
    }
  waiting = g_hash_table_lookup (self->starting, n);
  if (waiting)
    {
      g_ptr_array_add (waiting, g_steal_pointer (&task));
      return;
    }
  waiting = g_ptr_array_new ();
  g_ptr_array_add (waiting, g_steal_pointer (&task));
  g_hash_table_insert (self->starting, g_strdup (n), waiting);
  st = g_new0 (Starting, 1);
  st->manager = g_object_ref (self);
  st->number = g_strdup (n);
  self->admission.start_async (self->admission.user_data, n, prewarm, cancellable, on_start_admitted_cb, st);
}

gboolean
exs_channel_manager_start_finish (ExsChannelManager *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- the HTTP side ---- */

typedef struct
{
  ExsChannelManager *manager; /* owned */
  char *number;
  ExsViewer *viewer;          /* owned */
  char *header;
  gint64 duration_s;          /* > 0: the stream ends this long after the request */
} Handover;

static void
handover_free (Handover *h)
{
  g_object_unref (h->manager);
  g_free (h->number);
  g_clear_object (&h->viewer);
  g_free (h->header);
  g_free (h);
}

/* A viewer that will not reach its channel: its session ends. */
static void
drop_viewer (ExsChannelManager *self, ExsViewer *viewer, const char *reason)
{
  exs_viewer_close (viewer, reason);
  if (self->admission.viewer_dropped && exs_viewer_get_session_id (viewer))
    self->admission.viewer_dropped (self->admission.user_data, exs_viewer_get_session_id (viewer));
}

typedef struct
{
  ExsChannelManager *manager; /* owned */
  char *number;
  ExsViewer *viewer;          /* owned */
} ViewerEnd;

static void
viewer_end_free (ViewerEnd *e)
{
  g_object_unref (e->manager);
  g_free (e->number);
  g_object_unref (e->viewer);
  g_free (e);
}

static gboolean
on_viewer_end_cb (gpointer user_data)
{
  ViewerEnd *e = user_data;
  Running *r = g_hash_table_lookup (e->manager->running, e->number);

  /* the channel ignores a viewer that already left */
  if (r != NULL)
    exs_channel_remove_viewer (r->channel, e->viewer, "duration");
  return G_SOURCE_REMOVE;
}

/* HDHomeRun ?duration=N (Plex recordings): the stream ends N seconds after
 * the request, counted from when it was made. */
static void
end_viewer_later (ExsChannelManager *self, const char *number, ExsViewer *viewer, gint64 duration_s)
{
  ViewerEnd *e = g_new0 (ViewerEnd, 1);
  gint64 end = exs_viewer_get_requested_us (viewer) + duration_s * G_USEC_PER_SEC;
  gint64 left_ms = MAX (0, end - g_get_monotonic_time ()) / 1000;

  e->manager = g_object_ref (self);
  e->number = g_strdup (number);
  e->viewer = g_object_ref (viewer);
  g_timeout_add_full (G_PRIORITY_DEFAULT, (guint) MIN (left_ms, G_MAXUINT), on_viewer_end_cb, e,
                      (GDestroyNotify) viewer_end_free);
}

static void
on_header_written_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Handover *h = user_data;
  g_autoptr (GError) error = NULL;
  ExsChannel *channel;
  Running *r;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      g_debug ("viewer of %s left before the stream began: %s", h->number, error->message);
      drop_viewer (h->manager, h->viewer, "error");
      r = g_hash_table_lookup (h->manager->running, h->number);
      if (r && --r->handovers == 0)
        on_viewer_removed_cb (r->channel, NULL, r);
      handover_free (h);
      return;
    }
  /* (the channel stays up meanwhile: its linger waits for handovers) */
  r = g_hash_table_lookup (h->manager->running, h->number);
  if (r)
    r->handovers--;
  channel = r ? r->channel : NULL;
  if (channel == NULL && h->manager->admission.start_async == NULL)
    channel = exs_channel_manager_ensure_channel (h->manager, h->number, &error);
  if (channel == NULL)
    drop_viewer (h->manager, h->viewer, "stopped");
  else
    {
      exs_channel_add_viewer (channel, h->viewer);
      if (h->duration_s > 0)
        end_viewer_later (h->manager, h->number, h->viewer, h->duration_s);
    }
  handover_free (h);
}

static void
refuse (ExsChannelManager *self, SoupServerMessage *msg, const char *number, const GError *error)
{
  if (self->admission.refuse)
    self->admission.refuse (self->admission.user_data, msg, number, error);
  else
    exs_http_reply_error (msg, g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ? 404 : 503, NULL, "%s",
                          error->message);
}

/* The client's User-Agent, valid UTF-8 and at most 256 characters; nullable. */
static char *
user_agent_of (SoupServerMessage *msg)
{
  const char *ua = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "User-Agent");

  return ua ? g_utf8_make_valid (ua, MIN (strlen (ua), 256)) : NULL;
}

/* The channel runs: the viewer gets its session, the connection is taken
 * from libsoup and the viewer joins once its header is written. */
static void
hand_over (ExsChannelManager *self, SoupServerMessage *msg, const char *n, gint64 requested_us, gint64 duration_s)
{
  g_autoptr (GError) error = NULL;
  Running *r = g_hash_table_lookup (self->running, n);
  guint64 session_id = 0;
  GSocket *socket;
  GIOStream *stream;
  Handover *h;

  if (r == NULL)
    {
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_FAILED, "channel %s stopped", n);
      refuse (self, msg, n, error);
      return;
    }
  if (self->admission.open_viewer)
    {
      session_id = self->admission.open_viewer (self->admission.user_data, n,
                                                soup_server_message_get_remote_host (msg), &error);
      if (session_id == 0)
        {
          refuse (self, msg, n, error);
          if (exs_channel_get_n_viewers (r->channel) == 0 && r->handovers == 0)
            on_viewer_removed_cb (r->channel, NULL, r); /* linger, then stop */
          return;
        }
    }
  r->handovers++;
  g_clear_handle_id (&r->linger_id, g_source_remove);
  socket = g_object_ref (soup_server_message_get_socket (msg));
  stream = soup_server_message_steal_connection (msg);
  if (stream == NULL)
    {
      g_object_unref (socket);
      r->handovers--;
      if (session_id && self->admission.viewer_dropped)
        self->admission.viewer_dropped (self->admission.user_data, session_id);
      on_viewer_removed_cb (r->channel, NULL, r);
      return;
    }
  /* a small send buffer makes a slow viewer visible to the sink instead of
   * hiding seconds of stream in the kernel */
  g_socket_set_option (socket, SOL_SOCKET, SO_SNDBUF, 128 * 1024, NULL);
  h = g_new0 (Handover, 1);
  h->manager = g_object_ref (self);
  h->number = g_strdup (n);
  h->duration_s = duration_s;
  h->viewer = exs_viewer_new (n, socket, stream);
  exs_viewer_set_session_id (h->viewer, session_id);
  exs_viewer_set_requested_us (h->viewer, requested_us);
  /* for the web UI's sessions page (exs-api-sessions.c) */
  g_object_set_data_full (G_OBJECT (h->viewer), "exs-user-agent", user_agent_of (msg), g_free);
  h->header = g_strdup ("HTTP/1.1 200 OK\r\n"
                        "Server: " PACKAGE_NAME "/" PACKAGE_VERSION "\r\n"
                        "Content-Type: video/MP2T\r\n"
                        "Cache-Control: no-cache\r\n"
                        "Connection: close\r\n\r\n");
  g_object_unref (socket);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (stream), h->header, strlen (h->header),
                                   G_PRIORITY_HIGH, NULL, on_header_written_cb, h);
}

typedef struct
{
  ExsChannelManager *manager; /* owned */
  SoupServerMessage *msg;     /* owned, paused */
  char *number;
  gint64 requested_us;
  gint64 duration_s;
  gboolean gone;              /* the client hung up while it waited */
} Tune;

static void
on_tune_disconnected_cb (SoupServerMessage *msg, gpointer user_data)
{
  ((Tune *) user_data)->gone = TRUE;
}

static void
on_tune_started_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Tune *t = user_data;
  g_autoptr (GError) error = NULL;

  g_signal_handlers_disconnect_by_func (t->msg, on_tune_disconnected_cb, t);
  if (t->gone || t->manager->stopping)
    {
      /* nobody to answer; a channel started for it lingers, then stops */
      Running *r = g_hash_table_lookup (t->manager->running, t->number);

      g_debug ("tune of channel %s: the client left while it waited", t->number);
      if (r && exs_channel_get_n_viewers (r->channel) == 0 && r->handovers == 0)
        on_viewer_removed_cb (r->channel, NULL, r);
    }
  else if (!exs_channel_manager_start_finish (t->manager, result, &error))
    {
      g_message ("tune of channel %s refused: %s", t->number, error->message);
      refuse (t->manager, t->msg, t->number, error);
      soup_server_message_unpause (t->msg);
    }
  else
    {
      soup_server_message_unpause (t->msg);
      hand_over (t->manager, t->msg, t->number, t->requested_us, t->duration_s);
    }
  g_object_unref (t->manager);
  g_object_unref (t->msg);
  g_free (t->number);
  g_free (t);
}

/**
 * exs_channel_manager_serve:
 * @msg: a GET or HEAD request for a channel's stream
 * @number: the channel number as it appeared in the path
 * @request: (nullable): what the client-protocol route asked for (this has
 *   the ExsStreamServeFunc shape); NULL from our own route. Its
 *   duration_seconds ends the stream that long after the request.
 *
 * Answers 404 (JSON error) for an unknown or disabled channel, headers only
 * for HEAD (nothing is started), and otherwise starts the channel if needed
 * (through the admission: the request waits, or is refused), takes the
 * connection over and streams MPEG-TS until the viewer leaves.
 * A Range header is ignored: a live stream starts where the channel is.
 */
void
exs_channel_manager_serve (ExsChannelManager *self, SoupServerMessage *msg, const char *number,
                           const ExsStreamRequest *request)
{
  gint64 duration_s = request ? request->duration_seconds : 0;
  g_autoptr (GError) error = NULL;
  g_autofree char *n = exs_channel_number_normalize (number);
  g_autoptr (ExsChannelRecord) rec = NULL;
  gint64 requested_us = g_get_monotonic_time ();
  Tune *t;

  if (n == NULL)
    {
      exs_http_reply_error (msg, 404, NULL, "“%s” is not a channel number: " EXS_CHANNEL_NUMBER_RULE, number);
      return;
    }
  rec = exs_channel_store_get (self->database, n, NULL);
  if (rec == NULL || !rec->enabled)
    {
      exs_http_reply_error (msg, 404, NULL, rec ? "channel %s is disabled" : "no channel %s", n);
      return;
    }
  if (g_str_equal (soup_server_message_get_method (msg), "HEAD"))
    {
      SoupMessageHeaders *h_out = soup_server_message_get_response_headers (msg);

      soup_message_headers_set_content_type (h_out, "video/MP2T", NULL);
      soup_message_headers_set_encoding (h_out, SOUP_ENCODING_EOF);
      soup_message_headers_replace (h_out, "Cache-Control", "no-cache");
      soup_server_message_set_status (msg, 200, NULL);
      return;
    }
  if (g_hash_table_contains (self->running, n))
    {
      hand_over (self, msg, n, requested_us, duration_s);
      return;
    }
  if (self->admission.start_async == NULL)
    {
      if (exs_channel_manager_ensure_channel (self, n, &error) == NULL)
        refuse (self, msg, n, error);
      else
        hand_over (self, msg, n, requested_us, duration_s);
      return;
    }
  t = g_new0 (Tune, 1);
  t->manager = g_object_ref (self);
  t->msg = g_object_ref (msg);
  t->number = g_strdup (n);
  t->requested_us = requested_us;
  t->duration_s = duration_s;
  g_signal_connect (msg, "disconnected", G_CALLBACK (on_tune_disconnected_cb), t);
  soup_server_message_pause (msg);
  exs_channel_manager_start_async (self, n, FALSE, self->cancellable, on_tune_started_cb, t);
}

/* HLS clients fetch the playlist every segment (2 s); this long without a
 * request and they are gone: the linger starts */
#define HLS_IDLE_US (10 * G_USEC_PER_SEC)

static gboolean
on_hls_idle_cb (gpointer user_data)
{
  Running *r = user_data;
  gint64 left = r->hls_fetched_mono + HLS_IDLE_US - g_get_monotonic_time ();

  if (left > 0)
    {
      r->hls_idle_id = g_timeout_add ((guint) (left / 1000) + 1, on_hls_idle_cb, r);
      return G_SOURCE_REMOVE;
    }
  r->hls_idle_id = 0;
  g_debug ("channel %s: HLS clients stopped fetching", exs_channel_get_number (r->channel));
  on_viewer_removed_cb (r->channel, NULL, r);
  return G_SOURCE_REMOVE;
}

/* The channel runs: adds HLS to it (once) and answers from it. */
static void
serve_hls_running (ExsChannelManager *self, SoupServerMessage *msg, const char *n, const char *file)
{
  g_autoptr (GError) error = NULL;
  Running *r = g_hash_table_lookup (self->running, n);
  ExsHlsOutput *hls;

  if (r == NULL)
    {
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_FAILED, "channel %s stopped", n);
      refuse (self, msg, n, error);
      return;
    }
  hls = exs_channel_ensure_hls (r->channel, &error);
  if (hls == NULL)
    {
      exs_http_reply_error (msg, 503, NULL, "%s", error->message);
      if (!is_watched (r))
        on_viewer_removed_cb (r->channel, NULL, r); /* linger, then stop */
      return;
    }
  r->hls_fetched_mono = g_get_monotonic_time ();
  g_clear_handle_id (&r->linger_id, g_source_remove);
  if (r->hls_idle_id == 0)
    r->hls_idle_id = g_timeout_add ((guint) (HLS_IDLE_US / 1000), on_hls_idle_cb, r);
  exs_hls_output_serve (hls, msg, file);
}

/* an HLS request waiting for the channel's admission (the pipeline pool) */
typedef struct
{
  ExsChannelManager *manager; /* owned */
  SoupServerMessage *msg;     /* owned, paused */
  char *number;
  char *file;
  gboolean gone;
} HlsTune;

static void
on_hls_tune_disconnected_cb (SoupServerMessage *msg, gpointer user_data)
{
  ((HlsTune *) user_data)->gone = TRUE;
}

static void
on_hls_tune_started_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  HlsTune *t = user_data;
  g_autoptr (GError) error = NULL;
  gboolean started = exs_channel_manager_start_finish (t->manager, result, &error);
  Running *r = g_hash_table_lookup (t->manager->running, t->number);

  g_signal_handlers_disconnect_by_func (t->msg, on_hls_tune_disconnected_cb, t);
  if (t->gone || t->manager->stopping)
    {
      if (r && !is_watched (r))
        on_viewer_removed_cb (r->channel, NULL, r); /* linger, then stop */
    }
  else if (!started)
    {
      refuse (t->manager, t->msg, t->number, error);
      soup_server_message_unpause (t->msg);
    }
  else
    {
      soup_server_message_unpause (t->msg);
      serve_hls_running (t->manager, t->msg, t->number, t->file);
    }
  g_object_unref (t->manager);
  g_object_unref (t->msg);
  g_free (t->number);
  g_free (t->file);
  g_free (t);
}

/**
 * exs_channel_manager_serve_hls:
 * @msg: a GET or HEAD request for channel @number's HLS
 * @number: the channel number as it appeared in the path
 * @file: "index.m3u8" (the playlist) or a segment name from it
 *
 * The ExsStreamServeHlsFunc of src/iptv/exs-stream-hooks.h. Starts the
 * channel if needed (through the admission, like a .ts tune; HLS clients get
 * no session of their own) and adds HLS to its pipeline (the segments come
 * from the channel's own encoders); HLS clients keep the channel running
 * while they fetch. 404 for an unknown or disabled channel or a segment that is gone;
 * 503 on the remux path (HLS comes from the encoding pipeline only). HEAD
 * answers from a channel that already has HLS, and otherwise with the
 * headers only, starting nothing.
 */
void
exs_channel_manager_serve_hls (ExsChannelManager *self, SoupServerMessage *msg, const char *number,
                               const char *file)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *n = exs_channel_number_normalize (number);
  g_autoptr (ExsChannelRecord) rec = NULL;
  gboolean playlist = g_str_equal (file, "index.m3u8");
  Running *r;

  rec = n ? exs_channel_store_get (self->database, n, NULL) : NULL;
  if (rec == NULL || !rec->enabled)
    {
      exs_http_reply_error (msg, 404, NULL, rec ? "channel %s is disabled" : "no channel %s", n ? n : number);
      return;
    }
  r = g_hash_table_lookup (self->running, n);
  if (g_str_equal (soup_server_message_get_method (msg), "HEAD") && r == NULL)
    {
      SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);

      if (!playlist)
        {
          exs_http_reply_error (msg, 404, NULL, "channel %s is not playing: no segment “%s”", n, file);
          return;
        }
      soup_message_headers_set_content_type (headers, "application/vnd.apple.mpegurl", NULL);
      soup_message_headers_replace (headers, "Cache-Control", "no-cache");
      soup_server_message_set_status (msg, 200, NULL);
      return;
    }
  if (r == NULL && self->admission.start_async != NULL)
    {
      HlsTune *t = g_new0 (HlsTune, 1);

      t->manager = g_object_ref (self);
      t->msg = g_object_ref (msg);
      t->number = g_strdup (n);
      t->file = g_strdup (file);
      g_signal_connect (msg, "disconnected", G_CALLBACK (on_hls_tune_disconnected_cb), t);
      soup_server_message_pause (msg);
      exs_channel_manager_start_async (self, n, FALSE, self->cancellable, on_hls_tune_started_cb, t);
      return;
    }
  if (r == NULL && exs_channel_manager_ensure_channel (self, n, &error) == NULL)
    {
      refuse (self, msg, n, error);
      return;
    }
  serve_hls_running (self, msg, n, file);
}

static void
handle_stream (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query,
               gpointer user_data)
{
  exs_channel_manager_serve (user_data, msg, g_hash_table_lookup (params, "number"), NULL);
}

/**
 * exs_channel_manager_register_routes:
 *
 * Adds GET/HEAD /iptv/channel/{number}.ts. Where the client-protocol routes
 * (src/iptv) own that path, give them exs_channel_manager_serve() through
 * their ExsStreamHooks instead of calling this.
 */
void
exs_channel_manager_register_routes (ExsChannelManager *self, ExsHttpServer *http)
{
  exs_http_server_add_route (http, "GET,HEAD", "/iptv/channel/{number}.ts", EXS_HTTP_ROUTE_PUBLIC, handle_stream,
                             self);
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
  g_autoptr (GPtrArray) records = exs_channel_store_list (self->database, NULL);

  for (guint i = 0; records && i < records->len; i++)
    {
      ExsChannelRecord *rec = records->pdata[i];
      g_autoptr (GError) error = NULL;

      if (rec->enabled && rec->always_on && exs_channel_manager_ensure_channel (self, rec->number, &error) == NULL)
        g_warning ("always-on channel %s cannot start: %s", rec->number, error->message);
    }
}

/* ---- encoder probing ---- */

static void
probe_encoder_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  gboolean software = GPOINTER_TO_INT (task_data);
  char *name = exs_encoder_choose (exs_encoder_preference (), software);

  g_task_return_pointer (task, name ? name : g_strdup ("x264enc"), g_free);
}

static void
on_encoder_probed_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  ExsChannelManager *self = EXS_CHANNEL_MANAGER (object);
  char *name = g_task_propagate_pointer (G_TASK (result), NULL);

  if (name == NULL)
    return;
  g_free (self->encoder);
  self->encoder = name;
  g_message ("video encoder: %s", name);
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
  ExsChannelManager *self = g_object_new (EXS_TYPE_CHANNEL_MANAGER, NULL);
  g_autoptr (GTask) task = NULL;
  gboolean software = g_str_equal (exs_config_get_string (config, "pipeline_pool", "encoder"), "software");

  self->config = g_object_ref (config);
  self->database = g_object_ref (database);
  self->playout = g_object_ref (playout);
  ensure_exs_plugin ();
  exs_encoder_raise_hardware_decoders ();
  task = g_task_new (self, self->cancellable, on_encoder_probed_cb, NULL);
  g_task_set_task_data (task, GINT_TO_POINTER (software), NULL);
  g_task_run_in_thread (task, probe_encoder_thread);
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
  g_autofree char *n = exs_channel_number_normalize (number);
  Running *r = n ? g_hash_table_lookup (self->running, n) : NULL;

  if (r == NULL)
    return NULL;
  if (r->started_remux && !exs_channel_is_remuxing (r->channel))
    return g_strdup_printf ("an item did not fit the remux path; encoding since (at start: %s)", r->pipeline_reason);
  return g_strdup (r->pipeline_reason);
}
