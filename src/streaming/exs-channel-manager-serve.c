/* exs-channel-manager-serve.c: ExsChannelManager's viewers' side — its
 * ExsStreamProvider implementation.
 *
 * The front ends (src/iptv, src/hdhomerun) have already resolved the
 * channel and answered HEAD of a .ts stream; here a tune starts the channel
 * if needed (through the admission: the request waits, or is refused), the
 * viewer gets its session, its connection is stolen from libsoup, answered
 * with a hand-written HTTP/1.1 200 header and given to the channel's
 * multisocketsink. An HDHomeRun ?duration= ends the viewer that long after
 * its request. HLS requests add HLS to the channel's pipeline and answer
 * from it; HLS clients count as a viewer while they fetch.
 */
#include "config.h"

#include "exs-channel-manager-private.h"

#include "exs-http-json.h"

#include <string.h>
#include <sys/socket.h>

/* A refused tune: the admission answers (503 + X-HDHomeRun-Error where the
 * client is a tuner), or a plain 404/503 without one. */
static void
refuse (ExsChannelManager *self, const ExsStreamRequest *request, const char *number, const GError *error)
{
  if (self->admission)
    exs_channel_admission_refuse (self->admission, number, request, error);
  else
    exs_http_reply_error (request->msg, g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) ? 404 : 503, NULL,
                          "%s", error->message);
}

/* ---- MPEG-TS viewers ---- */

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
  if (self->admission && exs_viewer_get_session_id (viewer))
    exs_channel_admission_viewer_dropped (self->admission, exs_viewer_get_session_id (viewer));
}

/* An HDHomeRun viewer with a ?duration=: it is ended once that much
 * stream time has come out of its channel since it joined. */
typedef struct
{
  ExsChannelManager *manager; /* owned */
  char *number;
  ExsViewer *viewer;          /* owned */
  ExsOutputClock *clock;      /* owned reference: its channel's */
  guint joined_ms;            /* the clock when it joined */
  guint duration_ms;
} ViewerEnd;

static void
viewer_end_free (ViewerEnd *e)
{
  g_object_unref (e->manager);
  g_free (e->number);
  g_object_unref (e->viewer);
  g_atomic_rc_box_release (e->clock);
  g_free (e);
}

static gboolean
on_viewer_end_cb (gpointer user_data)
{
  ViewerEnd *e = user_data;
  ExsRunningChannel *r = g_hash_table_lookup (e->manager->running, e->number);
  guint sent_ms = _exs_output_clock_get_ms (e->clock) - e->joined_ms; /* wraps correctly */
  /* still watching the same run of the channel (a viewer that left, or a
   * channel that stopped, needs nothing more) */
  gboolean watching
      = r != NULL && r->output_clock == e->clock && exs_viewer_get_state (e->viewer) != EXS_VIEWER_CLOSED;

  if (watching && sent_ms < e->duration_ms)
    {
      /* behind the clock (a busy machine, a source that stalls): look
       * again when the rest could have come out */
      g_timeout_add (MAX (e->duration_ms - sent_ms, 20), on_viewer_end_cb, e);
      return G_SOURCE_REMOVE;
    }
  if (watching)
    exs_channel_remove_viewer (r->channel, e->viewer, "duration");
  viewer_end_free (e);
  return G_SOURCE_REMOVE;
}

/* HDHomeRun ?duration=N (Plex recordings): the stream ends after N seconds
 * of stream time counted from when the viewer joined (on the channel's mux
 * output, not the clock: a slow start or a busy machine takes nothing from
 * the recording; the keyframe buffer it starts in comes on top). */
static void
end_viewer_later (ExsChannelManager *self, ExsRunningChannel *r, ExsViewer *viewer, gint64 duration_s)
{
  ViewerEnd *e = g_new0 (ViewerEnd, 1);

  e->manager = g_object_ref (self);
  e->number = g_strdup (exs_channel_get_number (r->channel));
  e->viewer = g_object_ref (viewer);
  e->clock = g_atomic_rc_box_acquire (r->output_clock);
  e->joined_ms = _exs_output_clock_get_ms (r->output_clock);
  e->duration_ms = (guint) MIN (duration_s * 1000, G_MAXUINT / 2);
  g_timeout_add (e->duration_ms, on_viewer_end_cb, e); /* it frees @e at the end */
}

static void
on_header_written_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Handover *h = user_data;
  g_autoptr (GError) error = NULL;
  ExsRunningChannel *r = g_hash_table_lookup (h->manager->running, h->number);

  /* (the channel stayed up meanwhile: its linger waits for handovers) */
  if (r)
    r->handovers--;
  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      g_debug ("viewer of %s left before the stream began: %s", h->number, error->message);
      drop_viewer (h->manager, h->viewer, "error");
      if (r)
        _exs_channel_manager_linger (r);
    }
  else if (r == NULL)
    drop_viewer (h->manager, h->viewer, "stopped"); /* the server is shutting down */
  else
    {
      exs_channel_add_viewer (r->channel, h->viewer);
      if (h->duration_s > 0)
        end_viewer_later (h->manager, r, h->viewer, h->duration_s);
    }
  handover_free (h);
}

/* The channel runs: the viewer gets its session, the connection is taken
 * from libsoup and the viewer joins once its header is written. */
static void
hand_over (ExsChannelManager *self, const ExsStreamRequest *request, const char *n)
{
  g_autoptr (GError) error = NULL;
  ExsRunningChannel *r = g_hash_table_lookup (self->running, n);
  guint64 session_id = 0;
  GSocket *socket;
  GIOStream *stream;
  Handover *h;

  if (r == NULL)
    {
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_FAILED, "channel %s stopped", n);
      refuse (self, request, n, error);
      return;
    }
  if (self->admission)
    {
      session_id = exs_channel_admission_open_viewer (self->admission, n, request, &error);
      if (session_id == 0)
        {
          refuse (self, request, n, error);
          _exs_channel_manager_linger (r); /* linger, then stop, if nobody watches */
          return;
        }
    }
  r->handovers++;
  g_clear_handle_id (&r->linger_id, g_source_remove);
  socket = g_object_ref (soup_server_message_get_socket (request->msg));
  stream = soup_server_message_steal_connection (request->msg);
  if (stream == NULL)
    {
      g_object_unref (socket);
      r->handovers--;
      if (session_id && self->admission)
        exs_channel_admission_viewer_dropped (self->admission, session_id);
      _exs_channel_manager_linger (r);
      return;
    }
  /* a small send buffer makes a slow viewer visible to the sink instead of
   * hiding seconds of stream in the kernel */
  g_socket_set_option (socket, SOL_SOCKET, SO_SNDBUF, 128 * 1024, NULL);
  h = g_new0 (Handover, 1);
  h->manager = g_object_ref (self);
  h->number = g_strdup (n);
  h->duration_s = request->duration_seconds;
  h->viewer = exs_viewer_new (n, socket, stream);
  exs_viewer_set_session_id (h->viewer, session_id);
  exs_viewer_set_requested_us (h->viewer, request->requested_us);
  /* for the web UI's sessions page (exs-api-sessions.c) */
  g_object_set_data_full (G_OBJECT (h->viewer), "exs-user-agent", g_strdup (request->user_agent), g_free);
  h->header = g_strdup ("HTTP/1.1 200 OK\r\n"
                        "Server: " PACKAGE_NAME "/" PACKAGE_VERSION "\r\n"
                        "Content-Type: video/MP2T\r\n"
                        "Cache-Control: no-cache\r\n"
                        "Connection: close\r\n\r\n");
  g_object_unref (socket);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (stream), h->header, strlen (h->header),
                                   G_PRIORITY_HIGH, NULL, on_header_written_cb, h);
}

/* ---- a request waiting for its channel's admission (the pipeline pool) ---- */

typedef void (*TunedFunc) (ExsChannelManager *self, const ExsStreamRequest *request, const char *number);

typedef struct
{
  ExsChannelManager *manager; /* owned */
  ExsStreamRequest *request;  /* owned; its message is paused */
  char *number;
  TunedFunc tuned;            /* serves it once the channel runs */
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
  gboolean started = exs_channel_manager_start_finish (t->manager, result, &error);

  g_signal_handlers_disconnect_by_func (t->request->msg, on_tune_disconnected_cb, t);
  if (t->gone || t->manager->stopping)
    {
      /* nobody to answer; a channel started for it lingers, then stops */
      ExsRunningChannel *r = g_hash_table_lookup (t->manager->running, t->number);

      g_debug ("tune of channel %s: the client left while it waited", t->number);
      if (r)
        _exs_channel_manager_linger (r);
    }
  else if (!started)
    {
      g_message ("tune of channel %s refused: %s", t->number, error->message);
      refuse (t->manager, t->request, t->number, error);
      soup_server_message_unpause (t->request->msg);
    }
  else
    {
      soup_server_message_unpause (t->request->msg);
      t->tuned (t->manager, t->request, t->number);
    }
  g_object_unref (t->manager);
  exs_stream_request_free (t->request);
  g_free (t->number);
  g_free (t);
}

/* Serves @request with @tuned now if @channel runs, else once it has
 * started (through the admission when one is set). */
static void
tune (ExsChannelManager *self, const ExsChannelRecord *channel, const ExsStreamRequest *request, TunedFunc tuned)
{
  g_autoptr (GError) error = NULL;
  Tune *t;

  if (g_hash_table_contains (self->running, channel->number))
    {
      tuned (self, request, channel->number);
      return;
    }
  if (self->admission == NULL)
    {
      if (_exs_channel_manager_start_record (self, channel, &error) == NULL)
        refuse (self, request, channel->number, error);
      else
        tuned (self, request, channel->number);
      return;
    }
  t = g_new0 (Tune, 1);
  t->manager = g_object_ref (self);
  t->request = exs_stream_request_copy (request);
  t->number = g_strdup (channel->number);
  t->tuned = tuned;
  g_signal_connect (request->msg, "disconnected", G_CALLBACK (on_tune_disconnected_cb), t);
  soup_server_message_pause (request->msg);
  _exs_channel_manager_start_record_async (self, channel, FALSE, self->cancellable, on_tune_started_cb, t);
}

/* ---- HLS ---- */

/* HLS clients fetch the playlist every segment (2 s); this long without a
 * request and they are gone: the linger starts */
#define HLS_IDLE_US (10 * G_USEC_PER_SEC)

static gboolean
on_hls_idle_cb (gpointer user_data)
{
  ExsRunningChannel *r = user_data;
  gint64 left = r->hls_fetched_mono + HLS_IDLE_US - g_get_monotonic_time ();

  if (left > 0)
    {
      r->hls_idle_id = g_timeout_add ((guint) (left / 1000) + 1, on_hls_idle_cb, r);
      return G_SOURCE_REMOVE;
    }
  r->hls_idle_id = 0;
  g_debug ("channel %s: HLS clients stopped fetching", exs_channel_get_number (r->channel));
  _exs_channel_manager_linger (r);
  return G_SOURCE_REMOVE;
}

/* The channel runs: adds HLS to it (once) and answers from it. */
static void
serve_hls_running (ExsChannelManager *self, const ExsStreamRequest *request, const char *n)
{
  g_autoptr (GError) error = NULL;
  ExsRunningChannel *r = g_hash_table_lookup (self->running, n);
  ExsHlsOutput *hls;

  if (r == NULL)
    {
      g_set_error (&error, G_IO_ERROR, G_IO_ERROR_FAILED, "channel %s stopped", n);
      refuse (self, request, n, error);
      return;
    }
  hls = exs_channel_ensure_hls (r->channel, &error);
  if (hls == NULL)
    {
      exs_http_reply_error (request->msg, 503, NULL, "%s", error->message);
      _exs_channel_manager_linger (r); /* linger, then stop, if nobody watches */
      return;
    }
  r->hls_fetched_mono = g_get_monotonic_time ();
  g_clear_handle_id (&r->linger_id, g_source_remove);
  if (r->hls_idle_id == 0)
    r->hls_idle_id = g_timeout_add ((guint) (HLS_IDLE_US / 1000), on_hls_idle_cb, r);
  exs_hls_output_serve (hls, request->msg, request->hls_file);
}

/* HEAD of a channel without HLS running: the headers a playlist would
 * have, starting nothing. */
static void
reply_hls_head (const ExsChannelRecord *channel, const ExsStreamRequest *request)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (request->msg);

  if (!g_str_equal (request->hls_file, "index.m3u8"))
    {
      exs_http_reply_error (request->msg, 404, NULL, "channel %s is not playing: no segment “%.64s”",
                            channel->number, request->hls_file);
      return;
    }
  soup_message_headers_set_content_type (headers, "application/vnd.apple.mpegurl", NULL);
  soup_message_headers_replace (headers, "Cache-Control", "no-cache");
  soup_server_message_set_status (request->msg, 200, NULL);
}

/* ---- ExsStreamProvider ---- */

/* Starts the channel if needed, then: MPEG-TS takes the connection over
 * and streams until the viewer leaves (or its duration ends); HLS answers
 * the playlist or a segment from the channel's own encoders (503 on the
 * remux path, 404 for a segment that is gone). HEAD of HLS answers from a
 * channel that already has HLS, otherwise with headers only. */
static void
provider_serve (ExsStreamProvider *provider, const ExsChannelRecord *channel, const ExsStreamRequest *request)
{
  ExsChannelManager *self = EXS_CHANNEL_MANAGER (provider);

  if (request->client != EXS_STREAM_CLIENT_HLS)
    tune (self, channel, request, hand_over);
  else if (request->head && !g_hash_table_contains (self->running, channel->number))
    reply_hls_head (channel, request);
  else
    tune (self, channel, request, serve_hls_running);
}

/* The channels with at least one viewer, HLS clients included. */
static char **
provider_dup_playing (ExsStreamProvider *provider)
{
  ExsChannelManager *self = EXS_CHANNEL_MANAGER (provider);
  GPtrArray *out = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->running);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      ExsRunningChannel *r = value;

      if (exs_channel_get_n_viewers (r->channel) > 0 || r->hls_idle_id)
        g_ptr_array_add (out, g_strdup (key));
    }
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}

void
_exs_channel_manager_provider_init (ExsStreamProviderInterface *iface)
{
  iface->serve = provider_serve;
  iface->dup_playing = provider_dup_playing;
}
