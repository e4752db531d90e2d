/* exs-hls-output.c: ExsHlsOutput, the HLS side of one channel.
 *
 * Owned by ExsChannel (created on the first HLS request, kept across pipeline
 * rebuilds, dropped with the channel); ExsChannelManager hands it the HTTP
 * requests. It adds a branch to the channel's encoding pipeline, after the
 * encoders — no second encode:
 *
 *   h264parse ─► tee vtee ─► queue ─► mpegtsmux (the .ts viewers)
 *                        └─► queue ─► hlssink2.video
 *   aacparse  ─► tee atee ─► queue ─► mpegtsmux
 *                        └─► queue ─► hlssink2.audio
 *
 * hlssink2 (splitmuxsink + its own mpegtsmux) cuts only where this object
 * tells it: at the encoder's keyframes on a fixed cadence of
 * EXS_HLS_TARGET_SECONDS of running time (cut_on_cadence()), so every
 * segment lasts the target and EXT-X-TARGETDURATION never changes. Its fragments are written into memory streams
 * (get-fragment-stream); when splitmuxsink reports a fragment closed (the
 * message passes through the channel's bus handler, in the streaming thread)
 * the fragment becomes a segment with the next media sequence number of this
 * object. The playlist is rendered here, not by hlssink2: hlssink2 starts at 0
 * again after a rebuild, this object's numbers go on (with
 * #EXT-X-DISCONTINUITY at the join), and segment URLs are absolute paths of
 * the /iptv/channel/{number}/hls/{file} route. Segments older than the
 * playlist window plus a small margin are freed.
 *
 * A playlist request before the first segment exists is paused and answered
 * from the main loop when it appears (or 503 after WAIT_US).
 * Threads: the segment list is guarded by a mutex (streaming threads add,
 * the main loop serves); everything else is main thread only.
 */
#include "config.h"

#include "exs-hls-output.h"

#include "exs-hls-viewers.h"

#include "exs-http-json.h"
#include "exs-running-time.h"

#include <gio/gio.h>
#include <gst/video/video.h>
#include <stdlib.h>
#include <string.h>

#define PLAYLIST_LENGTH 6  /* segments listed */
#define KEEP_SEGMENTS 9    /* kept, for players that read an older playlist */
#define WAIT_MS 6000       /* the longest a first playlist request waits */
#define SEGMENT_PREFIX "segment"

typedef struct
{
  guint64 sequence;
  double seconds;
  gboolean discontinuity; /* the first segment after a pipeline rebuild */
  GBytes *data;
} Segment;

typedef struct
{
  ExsHlsOutput *self;      /* borrowed: freed before the output */
  SoupServerMessage *msg;  /* owned */
  guint timeout_id;
  gulong disconnected_id;
} Waiter;

struct _ExsHlsOutput
{
  GObject parent_instance;

  char *number;
  GMainContext *context;

  GMutex lock;                 /* guards the fields up to the blank line */
  GstElement *sink;            /* the attached hlssink2 (borrowed from its pipeline) or NULL */
  GOutputStream *fragment;     /* the fragment being written */
  GstClockTime fragment_start; /* its running time */
  gboolean video_started;      /* the branch has passed its first keyframe */
  GstClockTime video_start_rt; /* its running time */
  GstElement *splitmux;        /* hlssink2's, borrowed with sink */
  GstClockTime cadence_next;   /* running time of the next cut */
  gboolean reanchor;           /* attach asked for a keyframe: the cadence may start again at it */
  gboolean key_asked;          /* a late keyframe was asked for since the last one */
  GQueue segments;             /* Segment*, oldest first */
  guint64 next_sequence;
  guint64 discontinuity_sequence;
  gboolean discontinuity_next;

  GList *waiters;              /* Waiter*, main thread */
  gboolean notify_pending;     /* atomic */
};

G_DEFINE_TYPE (ExsHlsOutput, exs_hls_output, G_TYPE_OBJECT)

static void
segment_free (Segment *s)
{
  g_bytes_unref (s->data);
  g_free (s);
}

/* ---- the main loop: answering requests ---- */

static char *
render_playlist (ExsHlsOutput *self)
{
  GString *out = g_string_new ("#EXTM3U\n#EXT-X-VERSION:3\n");
  guint n = g_queue_get_length (&self->segments);
  guint first = n > PLAYLIST_LENGTH ? n - PLAYLIST_LENGTH : 0;
  guint64 discontinuity_sequence = self->discontinuity_sequence;

  /* the discontinuities before the window count in DISCONTINUITY-SEQUENCE */
  for (guint i = 0; i < first; i++)
    if (((Segment *) g_queue_peek_nth (&self->segments, i))->discontinuity)
      discontinuity_sequence++;
  /* RFC 8216 4.3.3.1: the same for the playlist's whole life; the segments
   * are cut on the encoder's fixed keyframe cadence (see attach) */
  g_string_append_printf (out, "#EXT-X-TARGETDURATION:%d\n", EXS_HLS_TARGET_SECONDS);
  g_string_append_printf (out, "#EXT-X-MEDIA-SEQUENCE:%" G_GUINT64_FORMAT "\n",
                          ((Segment *) g_queue_peek_nth (&self->segments, first))->sequence);
  g_string_append_printf (out, "#EXT-X-DISCONTINUITY-SEQUENCE:%" G_GUINT64_FORMAT "\n", discontinuity_sequence);
  for (guint i = first; i < n; i++)
    {
      Segment *s = g_queue_peek_nth (&self->segments, i);
      char seconds[G_ASCII_DTOSTR_BUF_SIZE];

      if (s->discontinuity && i > first)
        g_string_append (out, "#EXT-X-DISCONTINUITY\n");
      g_ascii_formatd (seconds, sizeof seconds, "%.3f", s->seconds);
      g_string_append_printf (out, "#EXTINF:%s,\n/iptv/channel/%s/hls/" SEGMENT_PREFIX "%" G_GUINT64_FORMAT ".ts\n",
                              seconds, self->number, s->sequence);
    }
  return g_string_free (out, FALSE);
}

/**
 * exs_hls_output_dup_playlist:
 *
 * Returns: (transfer full) (nullable): the live playlist as served, or NULL
 *   before the first segment
 */
char *
exs_hls_output_dup_playlist (ExsHlsOutput *self)
{
  char *text = NULL;

  g_mutex_lock (&self->lock);
  if (!g_queue_is_empty (&self->segments))
    text = render_playlist (self);
  g_mutex_unlock (&self->lock);
  return text;
}

static void
reply_playlist (ExsHlsOutput *self, SoupServerMessage *msg)
{
  SoupMessageHeaders *headers = soup_server_message_get_response_headers (msg);
  char *text = exs_hls_output_dup_playlist (self);

  g_assert (text != NULL); /* answered once a segment exists */
  soup_message_headers_replace (headers, "Cache-Control", "no-cache");
  soup_server_message_set_response (msg, "application/vnd.apple.mpegurl", SOUP_MEMORY_TAKE, text, strlen (text));
  soup_server_message_set_status (msg, 200, NULL);
}

static void
waiter_finish (Waiter *w, gboolean ready)
{
  ExsHlsOutput *self = w->self;

  self->waiters = g_list_remove (self->waiters, w);
  g_clear_handle_id (&w->timeout_id, g_source_remove);
  g_clear_signal_handler (&w->disconnected_id, w->msg);
  if (ready)
    reply_playlist (self, w->msg);
  else
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (w->msg), "Retry-After", "2");
      exs_http_reply_error (w->msg, 503, NULL, "channel %s has no HLS segment yet; try again in a moment",
                            self->number);
    }
  soup_server_message_unpause (w->msg);
  g_object_unref (w->msg);
  g_free (w);
}

static gboolean
on_wait_timeout_cb (gpointer user_data)
{
  Waiter *w = user_data;

  w->timeout_id = 0;
  waiter_finish (w, FALSE);
  return G_SOURCE_REMOVE;
}

static void
on_waiter_disconnected_cb (SoupServerMessage *msg, gpointer user_data)
{
  Waiter *w = user_data;

  g_clear_signal_handler (&w->disconnected_id, w->msg);
  g_clear_handle_id (&w->timeout_id, g_source_remove);
  w->self->waiters = g_list_remove (w->self->waiters, w);
  g_object_unref (w->msg);
  g_free (w);
}

static gboolean
on_segment_added_cb (gpointer user_data)
{
  ExsHlsOutput *self = user_data;

  g_atomic_int_set (&self->notify_pending, FALSE);
  while (self->waiters)
    waiter_finish (self->waiters->data, TRUE);
  return G_SOURCE_REMOVE;
}

static gboolean
parse_segment_name (const char *file, guint64 *sequence)
{
  const char *digits;
  char *end = NULL;

  if (!g_str_has_prefix (file, SEGMENT_PREFIX) || !g_str_has_suffix (file, ".ts"))
    return FALSE;
  digits = file + strlen (SEGMENT_PREFIX);
  if (!g_ascii_isdigit (*digits))
    return FALSE;
  *sequence = g_ascii_strtoull (digits, &end, 10);
  return end && g_str_equal (end, ".ts");
}

/**
 * exs_hls_output_serve:
 * @msg: a GET or HEAD request
 * @file: "index.m3u8" for the playlist, else a segment name from it
 *
 * Answers with the playlist (waiting for the first segment, bounded), a
 * segment, or 404 for a segment that is gone or never was.
 */
void
exs_hls_output_serve (ExsHlsOutput *self, SoupServerMessage *msg, const char *file)
{
  guint64 sequence;
  GBytes *data = NULL;
  gboolean empty;

  /* every request keeps its viewer's session (GET /api/sessions) alive */
  if (!exs_hls_viewers_admit (exs_hls_viewers_get_default (), self->number, msg))
    {
      exs_http_reply_error (msg, 403, NULL, "this viewer of channel %s was disconnected by the administrator",
                            self->number);
      return;
    }
  if (g_str_equal (file, "index.m3u8"))
    {
      Waiter *w;

      g_mutex_lock (&self->lock);
      empty = g_queue_is_empty (&self->segments);
      g_mutex_unlock (&self->lock);
      if (!empty)
        {
          reply_playlist (self, msg);
          return;
        }
      w = g_new0 (Waiter, 1);
      w->self = self;
      w->msg = g_object_ref (msg);
      w->timeout_id = g_timeout_add (WAIT_MS, on_wait_timeout_cb, w);
      w->disconnected_id = g_signal_connect (msg, "disconnected", G_CALLBACK (on_waiter_disconnected_cb), w);
      self->waiters = g_list_append (self->waiters, w);
      soup_server_message_pause (msg);
      return;
    }

  if (parse_segment_name (file, &sequence))
    {
      g_mutex_lock (&self->lock);
      for (GList *l = self->segments.head; l; l = l->next)
        if (((Segment *) l->data)->sequence == sequence)
          {
            data = g_bytes_ref (((Segment *) l->data)->data);
            break;
          }
      g_mutex_unlock (&self->lock);
    }
  if (data == NULL)
    {
      exs_http_reply_error (msg, 404, NULL, "channel %s has no HLS segment “%s” (any more)", self->number, file);
      return;
    }
  soup_message_headers_set_content_type (soup_server_message_get_response_headers (msg), "video/MP2T", NULL);
  soup_message_body_append_bytes (soup_server_message_get_response_body (msg), data);
  soup_server_message_set_status (msg, 200, NULL);
  exs_hls_viewers_add_bytes (exs_hls_viewers_get_default (), self->number, msg, g_bytes_get_size (data));
  g_bytes_unref (data);
}

/* ---- streaming threads: cutting segments ---- */

static GOutputStream *
on_get_fragment_stream_cb (GstElement *sink, const char *location, gpointer user_data)
{
  ExsHlsOutput *self = user_data;
  GOutputStream *stream = g_memory_output_stream_new_resizable ();

  g_mutex_lock (&self->lock);
  if (sink == self->sink)
    g_set_object (&self->fragment, stream);
  g_mutex_unlock (&self->lock);
  return stream;
}

/* hlssink2 must write its own playlist somewhere: into memory, unused */
static GOutputStream *
on_get_playlist_stream_cb (GstElement *sink, const char *location, gpointer user_data)
{
  return g_memory_output_stream_new_resizable ();
}

/* there are no files; the segments are trimmed in add_segment() */
static void
on_delete_fragment_cb (GstElement *sink, const char *location, gpointer user_data)
{
}

/* Called with the lock held. */
static void
add_segment (ExsHlsOutput *self, GstClockTime end)
{
  GMemoryOutputStream *stream = G_MEMORY_OUTPUT_STREAM (self->fragment);
  Segment *s;

  g_output_stream_close (self->fragment, NULL, NULL);
  s = g_new0 (Segment, 1);
  s->data = g_memory_output_stream_steal_as_bytes (stream);
  g_clear_object (&self->fragment);
  if (g_bytes_get_size (s->data) == 0 || !GST_CLOCK_TIME_IS_VALID (self->fragment_start) || end <= self->fragment_start)
    {
      segment_free (s);
      return;
    }
  s->seconds = (double) (end - self->fragment_start) / GST_SECOND;
  s->sequence = self->next_sequence++;
  s->discontinuity = self->discontinuity_next;
  self->discontinuity_next = FALSE;
  g_queue_push_tail (&self->segments, s);
  while (g_queue_get_length (&self->segments) > KEEP_SEGMENTS)
    {
      Segment *old = g_queue_pop_head (&self->segments);

      if (old->discontinuity)
        self->discontinuity_sequence++;
      segment_free (old);
    }
  if (!g_atomic_int_exchange (&self->notify_pending, TRUE))
    {
      GSource *idle = g_idle_source_new ();

      g_source_set_callback (idle, on_segment_added_cb, g_object_ref (self), g_object_unref);
      g_source_attach (idle, self->context);
      g_source_unref (idle);
    }
}

/**
 * exs_hls_output_handle_message:
 *
 * Called by the channel's synchronous bus handler (any thread) for every
 * message; takes splitmuxsink's fragment-opened/closed from the attached
 * hlssink2 and ignores the rest.
 */
void
exs_hls_output_handle_message (ExsHlsOutput *self, GstMessage *message)
{
  const GstStructure *s;
  GstClockTime running_time = GST_CLOCK_TIME_NONE;
  GstObject *parent;

  if (GST_MESSAGE_TYPE (message) != GST_MESSAGE_ELEMENT || GST_MESSAGE_SRC (message) == NULL)
    return;
  s = gst_message_get_structure (message);
  if (!gst_structure_has_name (s, "splitmuxsink-fragment-opened")
      && !gst_structure_has_name (s, "splitmuxsink-fragment-closed"))
    return;
  gst_structure_get_clock_time (s, "running-time", &running_time);
  parent = gst_object_get_parent (GST_MESSAGE_SRC (message));
  g_mutex_lock (&self->lock);
  if (parent != NULL && parent == GST_OBJECT (self->sink))
    {
      if (gst_structure_has_name (s, "splitmuxsink-fragment-opened"))
        self->fragment_start = running_time;
      else if (self->fragment)
        add_segment (self, running_time);
    }
  g_mutex_unlock (&self->lock);
  gst_clear_object (&parent);
}

/* The branch starts on a keyframe, and its audio with its video, so the first
 * segment decodes from its first byte. */
static GstPadProbeReturn
on_branch_buffer_cb (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  ExsHlsOutput *self = user_data;
  gboolean video = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (pad), "exs-hls-video"));
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClockTime rt = exs_buffer_running_time (pad, buffer);
  gboolean pass;

  g_mutex_lock (&self->lock);
  if (video && !self->video_started && !GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT))
    {
      self->video_started = TRUE;
      self->video_start_rt = rt;
    }
  /* audio from before the first keyframe would open the first segment early */
  pass = self->video_started
         && (video || !GST_CLOCK_TIME_IS_VALID (self->video_start_rt) || !GST_CLOCK_TIME_IS_VALID (rt)
             || rt >= self->video_start_rt);
  g_mutex_unlock (&self->lock);
  return pass ? GST_PAD_PROBE_REMOVE : GST_PAD_PROBE_DROP;
}

static GstPadProbeReturn on_cadence_buffer_cb (GstPad *pad, GstPadProbeInfo *info, gpointer user_data);

static gboolean
link_branch (ExsHlsOutput *self, GstElement *pipeline, const char *tee_name, GstElement *sink, gboolean video,
             GError **error)
{
  g_autoptr (GstElement) tee = gst_bin_get_by_name (GST_BIN (pipeline), tee_name);
  GstElement *queue = gst_element_factory_make ("queue", NULL);
  g_autoptr (GstPad) tee_pad = NULL;
  g_autoptr (GstPad) queue_sink = NULL;
  g_autoptr (GstPad) queue_src = NULL;
  g_autoptr (GstPad) sink_pad = NULL;

  if (tee == NULL || queue == NULL)
    {
      gst_clear_object (&queue);
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "the pipeline has no %s to take HLS from", tee_name);
      return FALSE;
    }
  g_object_set (queue, "max-size-buffers", 0, "max-size-bytes", 0, "max-size-time", (guint64) 3 * GST_SECOND,
                NULL);
  gst_bin_add (GST_BIN (pipeline), queue);
  queue_sink = gst_element_get_static_pad (queue, "sink");
  queue_src = gst_element_get_static_pad (queue, "src");
  sink_pad = gst_element_request_pad_simple (sink, video ? "video" : "audio");
  g_object_set_data (G_OBJECT (queue_sink), "exs-hls-video", GINT_TO_POINTER (video));
  gst_pad_add_probe (queue_sink, GST_PAD_PROBE_TYPE_BUFFER, on_branch_buffer_cb, g_object_ref (self), g_object_unref);
  if (video)
    gst_pad_add_probe (queue_sink, GST_PAD_PROBE_TYPE_BUFFER, on_cadence_buffer_cb, g_object_ref (self),
                       g_object_unref);
  if (sink_pad == NULL || gst_pad_link (queue_src, sink_pad) != GST_PAD_LINK_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot link the HLS %s branch", video ? "video" : "audio");
      return FALSE;
    }
  gst_element_sync_state_with_parent (queue);
  tee_pad = gst_element_request_pad_simple (tee, "src_%u");
  if (gst_pad_link (tee_pad, queue_sink) != GST_PAD_LINK_OK)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot link the HLS branch to %s", tee_name);
      return FALSE;
    }
  return TRUE;
}

/* Segments are cut on a fixed cadence of running time, whatever other
 * keyframes come: the encoder's GOP is EXS_HLS_TARGET_SECONDS exactly
 * (exs-encoder.c: no scene-cut keyframes), counted from the keyframe attach
 * asks for, and hlssink2's splitmuxsink cuts only where on_cadence_buffer_cb()
 * tells it (no size or time limit, no keyframe requests of its own, which
 * would restart the encoder's GOP). Returns: (transfer none): the
 * splitmuxsink. */
static GstElement *
cut_on_cadence (GstElement *hls_sink)
{
  g_autoptr (GstIterator) it = gst_bin_iterate_elements (GST_BIN (hls_sink));
  GValue item = G_VALUE_INIT;
  GstElement *found = NULL;

  while (gst_iterator_next (it, &item) == GST_ITERATOR_OK)
    {
      GstElement *child = g_value_get_object (&item);
      GstElementFactory *factory = gst_element_get_factory (child);

      if (factory && g_str_equal (GST_OBJECT_NAME (factory), "splitmuxsink"))
        {
          g_object_set (child, "send-keyframe-requests", FALSE, "max-size-time", (guint64) 0, "max-size-bytes",
                        (guint64) 0, NULL);
          found = child;
        }
      g_value_reset (&item);
    }
  g_value_unset (&item);
  return found;
}

/* How far past a cadence point a picture may come without its keyframe
 * before the branch asks the encoder for one. */
#define KEYFRAME_LATE (100 * GST_MSECOND)

/* Streaming thread, a delta frame of the branch: the keyframe of the cadence
 * point is overdue. The encoder's keyframes are forced on the cadence
 * (exs-channel-pipeline.c), but on an overloaded machine one sometimes never
 * came (two software encodes beside the suite: the next keyframe 4.4 s after
 * the last, and a 4 s segment in a playlist whose target is 2). Asking for
 * one now keeps every segment within the target and a frame or two. */
static void
ask_overdue_keyframe (ExsHlsOutput *self, GstPad *pad, GstClockTime rt)
{
  gboolean ask;

  g_mutex_lock (&self->lock);
  ask = !self->key_asked && GST_CLOCK_TIME_IS_VALID (self->cadence_next) && rt > self->cadence_next + KEYFRAME_LATE;
  self->key_asked |= ask;
  g_mutex_unlock (&self->lock);
  if (ask)
    {
      GST_INFO_OBJECT (pad, "keyframe overdue at %" GST_TIME_FORMAT, GST_TIME_ARGS (rt));
      gst_pad_push_event (pad, gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, TRUE, 0));
    }
}

/* Streaming thread, every video buffer of the branch: cut at each keyframe
 * on the cadence, and nowhere else. */
static GstPadProbeReturn
on_cadence_buffer_cb (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  ExsHlsOutput *self = user_data;
  GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClockTime rt;
  GstElement *splitmux = NULL;

  if (!GST_CLOCK_TIME_IS_VALID (rt = exs_buffer_running_time (pad, buffer)))
    return GST_PAD_PROBE_OK;
  if (GST_BUFFER_FLAG_IS_SET (buffer, GST_BUFFER_FLAG_DELTA_UNIT))
    {
      ask_overdue_keyframe (self, pad, rt);
      return GST_PAD_PROBE_OK;
    }

  g_mutex_lock (&self->lock);
  self->key_asked = FALSE;
  /* the keyframe attach asked for may come after the branch's first one
   * (x264 then restarts its GOP there): the cadence starts over at it, once */
  if (self->reanchor && GST_CLOCK_TIME_IS_VALID (self->cadence_next))
    {
      self->reanchor = FALSE;
      if (rt + 20 * GST_MSECOND < self->cadence_next)
        {
          self->cadence_next = GST_CLOCK_TIME_NONE;
          if (self->splitmux)
            splitmux = gst_object_ref (self->splitmux);
        }
    }
  /* the first keyframe starts the cadence; a keyframe a few ms short of
   * the cadence point (rounding) is on it */
  if (!GST_CLOCK_TIME_IS_VALID (self->cadence_next) || rt + 20 * GST_MSECOND >= self->cadence_next)
    {
      if (GST_CLOCK_TIME_IS_VALID (self->cadence_next) && self->splitmux)
        splitmux = gst_object_ref (self->splitmux);
      /* the next point of the cadence, counted from the first keyframe: a
       * keyframe that came late (frames dropped under load) does not shift
       * the ones after it */
      if (!GST_CLOCK_TIME_IS_VALID (self->cadence_next))
        self->cadence_next = rt;
      while (self->cadence_next <= rt + 20 * GST_MSECOND)
        self->cadence_next += EXS_HLS_TARGET_SECONDS * GST_SECOND;
    }
  g_mutex_unlock (&self->lock);

  if (splitmux)
    {
      g_signal_emit_by_name (splitmux, "split-at-running-time", (guint64) rt);
      gst_object_unref (splitmux);
    }
  return GST_PAD_PROBE_OK;
}

/**
 * exs_hls_output_attach:
 * @pipeline: a channel's encoding pipeline, with tees "vtee" (after
 *   h264parse) and "atee" (after aacparse); running or not yet started
 *
 * Adds the HLS branch. The media sequence goes on from the last segment;
 * the next segment is marked as a discontinuity.
 */
gboolean
exs_hls_output_attach (ExsHlsOutput *self, GstElement *pipeline, GError **error)
{
  GstElement *sink = gst_element_factory_make ("hlssink2", NULL);
  GstState state = GST_STATE_NULL;
  g_autoptr (GstElement) vtee = NULL;

  if (sink == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "hlssink2 is not installed (gstreamer1.0-plugins-bad)");
      return FALSE;
    }
  g_object_set (sink, "target-duration", EXS_HLS_TARGET_SECONDS, "playlist-length", PLAYLIST_LENGTH, "max-files",
                KEEP_SEGMENTS, "async-handling", TRUE, NULL);
  g_signal_connect_object (sink, "get-fragment-stream", G_CALLBACK (on_get_fragment_stream_cb), self, 0);
  g_signal_connect (sink, "get-playlist-stream", G_CALLBACK (on_get_playlist_stream_cb), NULL);
  g_signal_connect (sink, "delete-fragment", G_CALLBACK (on_delete_fragment_cb), NULL);

  g_mutex_lock (&self->lock);
  self->sink = sink;
  self->splitmux = cut_on_cadence (sink);
  self->cadence_next = GST_CLOCK_TIME_NONE;
  self->reanchor = FALSE;
  self->key_asked = FALSE;
  self->video_started = FALSE;
  self->video_start_rt = GST_CLOCK_TIME_NONE;
  self->fragment_start = GST_CLOCK_TIME_NONE;
  self->discontinuity_next = !g_queue_is_empty (&self->segments);
  g_mutex_unlock (&self->lock);

  gst_bin_add (GST_BIN (pipeline), sink);
  gst_element_sync_state_with_parent (sink);
  if (!link_branch (self, pipeline, "vtee", sink, TRUE, error)
      || !link_branch (self, pipeline, "atee", sink, FALSE, error))
    {
      /* (cannot happen with the channel's own pipeline; a half-linked
       * branch queue is harmless, a stray hlssink2 would write files) */
      exs_hls_output_detach (self);
      gst_element_set_locked_state (sink, TRUE);
      gst_element_set_state (sink, GST_STATE_NULL);
      gst_bin_remove (GST_BIN (pipeline), sink);
      return FALSE;
    }

  /* a keyframe now rather than at the end of the current GOP */
  gst_element_get_state (pipeline, &state, NULL, 0);
  vtee = gst_bin_get_by_name (GST_BIN (pipeline), "vtee");
  if (state == GST_STATE_PLAYING)
    {
      g_autoptr (GstPad) pad = gst_element_get_static_pad (vtee, "sink");

      g_mutex_lock (&self->lock);
      self->reanchor = TRUE;
      g_mutex_unlock (&self->lock);
      gst_pad_push_event (pad, gst_video_event_new_upstream_force_key_unit (GST_CLOCK_TIME_NONE, TRUE, 0));
    }
  g_message ("channel %s: HLS from the channel's pipeline", self->number);
  return TRUE;
}

/**
 * exs_hls_output_detach:
 *
 * Forgets the branch before its pipeline is torn down (the elements go with
 * the pipeline); the segments and their numbering stay.
 */
void
exs_hls_output_detach (ExsHlsOutput *self)
{
  g_mutex_lock (&self->lock);
  self->sink = NULL;
  self->splitmux = NULL;
  g_clear_object (&self->fragment);
  g_mutex_unlock (&self->lock);
}

/**
 * exs_hls_output_get_media_sequence:
 *
 * Returns: the media sequence number the next segment gets
 */
guint64
exs_hls_output_get_media_sequence (ExsHlsOutput *self)
{
  guint64 n;

  g_mutex_lock (&self->lock);
  n = self->next_sequence;
  g_mutex_unlock (&self->lock);
  return n;
}

static void
exs_hls_output_dispose (GObject *object)
{
  ExsHlsOutput *self = EXS_HLS_OUTPUT (object);

  while (self->waiters)
    waiter_finish (self->waiters->data, FALSE);
  exs_hls_output_detach (self);
  G_OBJECT_CLASS (exs_hls_output_parent_class)->dispose (object);
}

static void
exs_hls_output_finalize (GObject *object)
{
  ExsHlsOutput *self = EXS_HLS_OUTPUT (object);

  g_queue_clear_full (&self->segments, (GDestroyNotify) segment_free);
  g_mutex_clear (&self->lock);
  g_main_context_unref (self->context);
  g_free (self->number);
  G_OBJECT_CLASS (exs_hls_output_parent_class)->finalize (object);
}

static void
exs_hls_output_class_init (ExsHlsOutputClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = exs_hls_output_dispose;
  object_class->finalize = exs_hls_output_finalize;
}

static void
exs_hls_output_init (ExsHlsOutput *self)
{
  g_mutex_init (&self->lock);
  g_queue_init (&self->segments);
  self->fragment_start = GST_CLOCK_TIME_NONE;
}

/**
 * exs_hls_output_new:
 * @number: the channel's canonical number (for the segment URLs)
 *
 * Returns: (transfer full): an output with no segment; attach it to the
 *   channel's pipeline
 */
ExsHlsOutput *
exs_hls_output_new (const char *number)
{
  ExsHlsOutput *self = g_object_new (EXS_TYPE_HLS_OUTPUT, NULL);

  self->number = g_strdup (number);
  self->context = g_main_context_ref_thread_default ();
  return self;
}
