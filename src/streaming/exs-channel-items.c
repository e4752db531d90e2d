/* exs-channel-items.c: the item chain of ExsChannel.
 *
 * Part of ExsChannel (exs-channel-private.h). Each playout item is a
 * throw-away bin (uridecodebin3 → convert/scale/resample → fixed caps; on the
 * remux path urisourcebin → parsebin → parser) built ~2 s before its slot,
 * ghost pads offset so its running time lands on the channel's timeline,
 * linked to the free slot, and removed ~0.5 s after its slot ends. Probes on
 * the ghost pads (streaming threads) drop EOS and flushes, cut the item at
 * its slot end and hold data back until a mid-programme seek is done; they
 * tell the main loop what happened through notes (exs-channel.c handles
 * them); everything else happens on the main loop. A dead item shows the
 * slate ~0.25 s later (max-last-buffer-repeat) without touching the stream.
 */
#include "config.h"

#include "exs-channel-private.h"

#include "exs-item-resolver.h"

#include <string.h>

static void
stream_free (Stream *s)
{
  gst_clear_object (&s->ghost);
  g_free (s);
}

static void
item_clear (Item *item)
{
  g_weak_ref_clear (&item->channel);
  g_main_context_unref (item->context);
  exs_playout_item_free (item->pi);
  gst_clear_object (&item->bin);
  g_mutex_clear (&item->lock);
  g_ptr_array_unref (item->streams);
  g_free (item->error);
  _exs_channel_audio_clear_item (item);
  _exs_channel_subtitles_free (item->subtitles);
  _exs_channel_music_free (item->music);
  g_clear_pointer (&item->media, exs_channel_media_free);
  if (item->pictures_late)
    g_atomic_rc_box_release (item->pictures_late);
}

/* A snapshot of the item's streams (borrowed pointers; the item owns them).
 * Not g_ptr_array_copy(): the copy would inherit the free function. */
static GPtrArray *
item_dup_streams (Item *item)
{
  GPtrArray *out = g_ptr_array_new ();

  g_mutex_lock (&item->lock);
  for (guint i = 0; i < item->streams->len; i++)
    g_ptr_array_add (out, item->streams->pdata[i]);
  g_mutex_unlock (&item->lock);
  return out;
}

static Item *
item_ref (Item *item)
{
  return g_atomic_rc_box_acquire (item);
}

void
_exs_channel_item_unref (Item *item)
{
  g_atomic_rc_box_release_full (item, (GDestroyNotify) item_clear);
}

GstClockTime
_exs_channel_wall_to_rt (ExsChannel *self, gint64 wall_us)
{
  return (GstClockTime) MAX (0, wall_us - self->t0_us) * GST_USECOND;
}

static void
note_free (Note *note)
{
  g_object_unref (note->channel);
  g_free (note->text);
  g_free (note);
}

/* Runs @func on @context's own thread, always later. (g_main_context_invoke
 * would run it right here when no thread holds the context at that moment —
 * in a streaming thread, where a state change deadlocks.) */
void
_exs_channel_run_on_context (GMainContext *context, GSourceFunc func, gpointer data, GDestroyNotify notify)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, notify);
  g_source_set_static_name (source, "exs-channel-note");
  g_source_attach (source, context);
  g_source_unref (source);
}

void
_exs_channel_post_note (ExsChannel *channel, GMainContext *context, guint item_id, NoteKind kind,
                        const char *text, gboolean from_encoder)
{
  Note *note = g_new0 (Note, 1);

  note->channel = channel; /* the caller's reference passes to the note */
  note->item_id = item_id;
  note->kind = kind;
  note->text = g_strdup (text);
  note->from_encoder = from_encoder;
  _exs_channel_run_on_context (context, _exs_channel_on_note_cb, note, (GDestroyNotify) note_free);
}

static void
item_post (Item *item, NoteKind kind, const char *text)
{
  ExsChannel *channel = g_weak_ref_get (&item->channel);

  if (channel != NULL)
    _exs_channel_post_note (channel, item->context, item->id, kind, text, FALSE);
}

/* Streaming thread: a picture later than the compositor's repeat window
 * (its running time on the channel's timeline against the pipeline's now)
 * left the slate showing meanwhile: the decoder could not keep up. */
static void
count_late_picture (Item *item, Stream *s, GstBuffer *buf)
{
  GstClockTime rt = gst_segment_to_running_time (&s->segment, GST_FORMAT_TIME, GST_BUFFER_PTS (buf));
  GstClockTime now = gst_element_get_current_running_time (item->bin);
  GstClockTimeDiff at, late;

  if (!GST_CLOCK_TIME_IS_VALID (rt) || !GST_CLOCK_TIME_IS_VALID (now))
    return;
  at = (GstClockTimeDiff) rt; /* the segment holds the ghost pad's offset: the channel's timeline */
  late = GST_CLOCK_DIFF (at, (GstClockTimeDiff) now);
  if (late > (GstClockTimeDiff) LAST_BUFFER_REPEAT_NS)
    {
      gint n = g_atomic_int_add (item->pictures_late, 1) + 1;
      g_autoptr (GstElement) pipeline = GST_ELEMENT (gst_object_get_parent (GST_OBJECT (item->bin)));

      GST_INFO_OBJECT (item->bin, "item %u: a picture %.3f s late (%d so far)", item->id, late / 1e9, n);
      if (pipeline != NULL)
        {
          /* too late for the compositor, so dropped there: the health
           * monitor counts it with the encoder's drops (by the pipeline's
           * name, the channel's running total) */
          GstMessage *qos = gst_message_new_qos (GST_OBJECT (pipeline), TRUE, (GstClockTime) MAX (at, 0),
                                                 GST_CLOCK_TIME_NONE, GST_BUFFER_PTS (buf), GST_BUFFER_DURATION (buf));

          gst_message_set_qos_stats (qos, GST_FORMAT_BUFFERS, 0, (guint64) n);
          gst_element_post_message (pipeline, qos);
        }
    }
}

/* Streaming thread: whether @s still waits for its item's seek (what comes
 * now is from before the seek and goes). */
static gboolean
stream_waits_for_seek (Item *item, Stream *s)
{
  int seek = g_atomic_int_get (&item->seek_state);

  return seek != SEEK_NONE && !s->passing && !s->flushed && !(seek == SEEK_DONE && s->created_after_seek);
}

/* Streaming threads: the gatekeeper on every item ghost pad. */
static GstPadProbeReturn
on_item_pad_probe_cb (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Stream *s = user_data;
  Item *item = s->item;

  if (info->type & GST_PAD_PROBE_TYPE_BUFFER)
    {
      GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
      int seek = g_atomic_int_get (&item->seek_state);
      GstClockTime pts = GST_BUFFER_PTS (buf);

      if (g_atomic_int_get (&item->dropping))
        return GST_PAD_PROBE_DROP;
      if (item->live && !g_atomic_int_get (&item->anchored))
        _exs_channel_upstream_anchor (item, s, pts);
      if (seek != SEEK_NONE && !s->passing)
        {
          /* video decides: its decoder is plugged once its first frame is
           * out (an item without video is sought from the tick) */
          if (seek == SEEK_WANTED && s->is_video
              && g_atomic_int_compare_and_exchange (&item->seek_state, SEEK_WANTED, SEEK_REQUESTED))
            item_post (item, NOTE_SEEK, NULL);
          if (s->flushed || (seek == SEEK_DONE && s->created_after_seek))
            s->passing = TRUE;
          else
            return GST_PAD_PROBE_DROP;
        }
      if (GST_CLOCK_TIME_IS_VALID (pts) && s->segment.format == GST_FORMAT_TIME)
        {
          GstClockTime rt = gst_segment_to_running_time (&s->segment, GST_FORMAT_TIME, pts);

          /* before running time 0 (an item that began a moment before the
           * pipeline): late anyway, and 1.22.0's videoaggregator asserts on
           * buffers it cannot place */
          if (!GST_CLOCK_TIME_IS_VALID (rt))
            return GST_PAD_PROBE_DROP;
          if (item->remux ? _exs_channel_remux_past_end (item, s, buf, rt) : rt >= item->slot_end_rt)
            {
              if (item->remux && !item->done_posted[!s->is_video])
                {
                  item->done_posted[!s->is_video] = TRUE;
                  item_post (item, NOTE_STREAM_DONE, s->is_video ? "0" : "1");
                }
              return GST_PAD_PROBE_DROP; /* the slot is over: the next item owns the screen */
            }
        }
      else if (s->is_video)
        return GST_PAD_PROBE_DROP; /* a frame the compositor could not place */
      if (s->is_video && !item->remux)
        count_late_picture (item, s, buf);
      if (g_atomic_pointer_get (&item->last_buffer_mono) == NULL)
        item_post (item, NOTE_FIRST_BUFFER, NULL);
      g_atomic_pointer_set (&item->last_buffer_mono, GSIZE_TO_POINTER (g_get_monotonic_time ()));
      return GST_PAD_PROBE_OK;
    }
  if (info->type & (GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM | GST_PAD_PROBE_TYPE_EVENT_FLUSH))
    {
      GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);

      switch (GST_EVENT_TYPE (event))
        {
        case GST_EVENT_FLUSH_START:
          return GST_PAD_PROBE_DROP; /* never flush the channel's aggregators */
        case GST_EVENT_FLUSH_STOP:
          if (g_atomic_int_get (&item->seek_state) != SEEK_NONE)
            s->flushed = TRUE;
          return GST_PAD_PROBE_DROP;
        case GST_EVENT_EOS:
          /* the end of what the demuxer pushed before the seek's flush (a
           * short file reaches it before the main loop seeks): the stream
           * starts again from the seek position */
          if (stream_waits_for_seek (item, s))
            return GST_PAD_PROBE_DROP;
          g_atomic_int_inc (&item->n_eos);
          item_post (item, NOTE_EOS, NULL);
          if (item->remux && !item->done_posted[!s->is_video])
            {
              item->done_posted[!s->is_video] = TRUE;
              item_post (item, NOTE_STREAM_DONE, s->is_video ? "0" : "1");
            }
          return GST_PAD_PROBE_DROP; /* the slot pad must never go EOS */
        case GST_EVENT_SEGMENT:
          gst_event_copy_segment (event, &s->segment);
          return GST_PAD_PROBE_OK;
        default:
          return GST_PAD_PROBE_OK;
        }
    }
  return GST_PAD_PROBE_OK;
}

static GstElement *
make_or_fail (const char *factory, GstBin *bin)
{
  GstElement *e = gst_element_factory_make (factory, NULL);

  if (e)
    gst_bin_add (bin, e);
  return e;
}

/* Streaming thread: a stream the channel does not show is drained. */
static void
drain_pad (GstBin *bin, GstPad *pad)
{
  GstElement *sink = make_or_fail ("fakesink", bin);
  g_autoptr (GstPad) sinkpad = NULL;

  g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
  gst_element_sync_state_with_parent (sink);
  sinkpad = gst_element_get_static_pad (sink, "sink");
  gst_pad_link (pad, sinkpad);
}

/* Streaming thread: a new stream of @item, its ghost pad on @target offset
 * onto the channel's timeline and watched by the item's probe. */
static Stream *
stream_new (Item *item, gboolean is_video, GstPad *slot_pad, GstPad *target)
{
  Stream *s = g_new0 (Stream, 1);
  /* an item may have an audio stream per audio PID: named after its mixer */
  g_autofree char *name = is_video ? g_strdup ("video")
                                   : g_strdup_printf ("audio_%s", GST_OBJECT_NAME (GST_OBJECT_PARENT (slot_pad)));

  s->item = item;
  s->is_video = is_video;
  s->slot_pad = slot_pad;
  gst_segment_init (&s->segment, GST_FORMAT_UNDEFINED);
  s->created_after_seek = g_atomic_int_get (&item->seek_state) == SEEK_DONE;
  s->ghost = gst_object_ref (gst_ghost_pad_new (name, target));
  gst_pad_set_offset (s->ghost, item->offset);
  gst_pad_add_probe (s->ghost,
                     GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM | GST_PAD_PROBE_TYPE_EVENT_FLUSH,
                     on_item_pad_probe_cb, s, NULL);
  return s;
}

/**
 * _exs_channel_item_link_stream:
 * @target: the end of a chain in the item's bin
 * @passing: its data flows at once (a stream no seek of the item flushes)
 *
 * Streaming thread: @target as one of @item's streams, on the channel's @slot.
 *
 * Returns: whether it is linked
 */
gboolean
_exs_channel_item_link_stream (Item *item, gboolean is_video, GstPad *slot, GstPad *target, gboolean passing)
{
  Stream *s = stream_new (item, is_video, slot, target);

  s->passing = passing;
  gst_pad_set_active (s->ghost, TRUE);
  gst_element_add_pad (item->bin, s->ghost);
  g_mutex_lock (&item->lock);
  g_ptr_array_add (item->streams, s);
  g_mutex_unlock (&item->lock);
  return gst_pad_link (s->ghost, slot) == GST_PAD_LINK_OK;
}

/* Streaming thread of uridecodebin3: normalise a new stream and link it. */
static void
on_item_pad_added_cb (GstElement *decodebin, GstPad *pad, gpointer user_data)
{
  Item *item = user_data;
  g_autofree char *name = gst_pad_get_name (pad);
  GstBin *bin = GST_BIN (item->bin);
  gboolean is_video = g_str_has_prefix (name, "video");
  gboolean is_audio = g_str_has_prefix (name, "audio");
  GstElement *chain[12] = { NULL };
  g_autoptr (ExsChannel) channel = g_weak_ref_get (&item->channel);
  guint n = 0;
  GstPad *slot;
  g_autoptr (GstCaps) caps = NULL;
  g_autoptr (GstPad) target = NULL;

  if (channel == NULL || (!is_video && !is_audio))
    {
      if (_exs_channel_subtitles_link_pad (item, pad))
        return;
      drain_pad (bin, pad);
      return;
    }
  /* audio: the track the channel's languages choose, on its PID */
  slot = is_video ? item->vslot : _exs_channel_audio_claim_slot (item, pad);
  g_mutex_lock (&item->lock);
  for (guint i = 0; i < item->streams->len && is_video; i++)
    if (((Stream *) item->streams->pdata[i])->is_video)
      slot = NULL; /* a second video stream: not ours to show */
  g_mutex_unlock (&item->lock);
  if (slot == NULL)
    {
      drain_pad (bin, pad);
      return;
    }

  chain[n++] = make_or_fail ("queue", bin);
  if (is_video)
    {
      g_object_set (chain[0], "max-size-buffers", 3, "max-size-time", (guint64) 0, "max-size-bytes", 0, NULL);
      if ((chain[n] = _exs_channel_subtitles_video_element (item)))
        n++;
      n = _exs_channel_picture_add_video (channel, bin, &item->profile, chain, n);
      caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "I420", "width", G_TYPE_INT,
                                  item->profile.width, "height", G_TYPE_INT, item->profile.height,
                                  "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, NULL);
    }
  else
    {
      g_autofree char *raw = exs_channel_profile_raw_audio_caps (&item->profile);

      g_object_set (chain[0], "max-size-buffers", 0, "max-size-time", (guint64) GST_SECOND, "max-size-bytes", 0,
                    NULL);
      chain[n++] = make_or_fail ("audioconvert", bin);
      chain[n++] = make_or_fail ("audioresample", bin);
      chain[n] = _exs_channel_audio_make_volume (item); /* the loudness target's gain */
      if (chain[n])
        gst_bin_add (bin, chain[n]);
      n++;
      caps = gst_caps_from_string (raw);
    }
  chain[n++] = make_or_fail ("capsfilter", bin);
  g_object_set (chain[n - 1], "caps", caps, NULL);
  if (is_video)
    n = _exs_channel_picture_add_watermark (channel, item, chain, n);
  for (guint i = 0; i < n; i++)
    {
      if (chain[i] == NULL)
        {
          GST_ELEMENT_ERROR (decodebin, CORE, MISSING_PLUGIN, ("a conversion element is missing"), (NULL));
          return;
        }
      /* by name: an element with two sink pads (the subtitles) takes
       * the video on "sink" */
      if (i > 0)
        gst_element_link_pads (chain[i - 1], "src", chain[i], "sink");
    }
  for (guint i = 0; i < n; i++)
    gst_element_sync_state_with_parent (chain[i]);

  target = gst_element_get_static_pad (chain[n - 1], "src");
  if (!_exs_channel_item_link_stream (item, is_video, slot, target, FALSE))
    GST_ELEMENT_ERROR (decodebin, CORE, NEGOTIATION, ("cannot link the item to its slot"), (NULL));
  {
    g_autoptr (GstPad) sinkpad = gst_element_get_static_pad (chain[0], "sink");
    gst_pad_link (pad, sinkpad);
  }
  GST_DEBUG ("item %u: %s stream linked to slot %d", item->id, name, item->slot);
}

/* Streaming thread: a remux item waits here until the item before it has
 * delivered its last buffer of this kind (the mux needs one timeline). */
static GstPadProbeReturn
on_gate_cb (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  return GST_PAD_PROBE_OK; /* stays blocked until the main loop removes the probe */
}

/* Streaming thread of parsebin (remux items): pass the stream through a
 * parser to the channel's funnel, or report that the item does not fit. */
static void remux_link (Item *item, GstElement *parsebin, GstPad *pad, GstCaps *caps);

/* Streaming thread: a live stream's first caps (see on_remux_pad_added_cb). */
static GstPadProbeReturn
on_remux_caps_cb (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);
  GstCaps *caps;

  if (GST_EVENT_TYPE (event) != GST_EVENT_CAPS)
    return GST_PAD_PROBE_OK;
  gst_event_parse_caps (event, &caps);
  remux_link (user_data, GST_ELEMENT (gst_pad_get_parent (pad)), pad, gst_caps_ref (caps));
  return GST_PAD_PROBE_REMOVE;
}

static void
on_remux_pad_added_cb (GstElement *parsebin, GstPad *pad, gpointer user_data)
{
  Item *item = user_data;
  GstCaps *caps = gst_pad_get_current_caps (pad);

  if (caps == NULL && item->live)
    {
      /* a live MPEG-TS stream's size is known from its first frame on:
       * decide when its caps come, not from what the pad could carry */
      gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_remux_caps_cb, item_ref (item),
                         (GDestroyNotify) _exs_channel_item_unref);
      return;
    }
  remux_link (item, gst_object_ref (parsebin), pad, caps);
}

/* @parsebin, @caps: (transfer full) */
static void
remux_link (Item *item, GstElement *parsebin_owned, GstPad *pad, GstCaps *caps_owned)
{
  g_autoptr (GstElement) parsebin = parsebin_owned;
  g_autoptr (GstCaps) caps = caps_owned;
  GstBin *bin = GST_BIN (item->bin);
  GstElement *parser, *filter;
  gboolean is_video = FALSE;
  gboolean needs_choice = FALSE;
  g_autoptr (GstPad) target = NULL;
  g_autoptr (GstPad) sinkpad = NULL;
  Stream *s;

  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  if (caps && !gst_caps_is_empty (caps) && !gst_caps_is_any (caps)
      && g_str_has_prefix (gst_structure_get_name (gst_caps_get_structure (caps, 0)), "audio/")
      && !_exs_channel_audio_pick_remux (item, pad, &needs_choice))
    {
      /* a second audio track: not carried, or a choice only encoding makes */
      if (needs_choice)
        item_post (item, NOTE_NO_FIT, "several audio tracks to choose from by language");
      drain_pad (bin, pad);
      return;
    }
  if (caps == NULL || gst_caps_is_empty (caps)
      || !exs_channel_profile_fits_caps (&item->profile, caps, &is_video))
    {
      GstStructure *st = caps && !gst_caps_is_empty (caps) ? gst_caps_get_structure (caps, 0) : NULL;
      const char *name = st ? gst_structure_get_name (st) : "";

      if (g_str_has_prefix (name, "video/") || g_str_has_prefix (name, "audio/"))
        {
          int w = 0, h = 0;
          g_autofree char *text = NULL;

          gst_structure_get_int (st, "width", &w);
          gst_structure_get_int (st, "height", &h);
          text = w ? g_strdup_printf ("%s %d×%d (the channel is %d×%d)", name, w, h, item->profile.width,
                                      item->profile.height)
                   : g_strdup_printf ("%s is not AAC", name);
          item_post (item, NOTE_NO_FIT, text);
        }
      drain_pad (bin, pad);
      return;
    }
  parser = make_or_fail (is_video ? "h264parse" : "aacparse", bin);
  filter = make_or_fail ("capsfilter", bin);
  if (is_video)
    {
      g_autoptr (GstCaps) out = gst_caps_from_string ("video/x-h264,stream-format=byte-stream,alignment=au");
      g_object_set (parser, "config-interval", -1, NULL);
      g_object_set (filter, "caps", out, NULL);
    }
  gst_element_link (parser, filter);
  gst_element_sync_state_with_parent (parser);
  gst_element_sync_state_with_parent (filter);
  target = gst_element_get_static_pad (filter, "src");
  s = stream_new (item, is_video, is_video ? item->vslot : item->aslot, target);
  g_mutex_lock (&item->lock);
  if (!g_atomic_int_get (&item->gate_open[!is_video]))
    s->gate_id = gst_pad_add_probe (s->ghost, GST_PAD_PROBE_TYPE_BLOCK_DOWNSTREAM, on_gate_cb, NULL, NULL);
  g_ptr_array_add (item->streams, s);
  g_mutex_unlock (&item->lock);
  gst_pad_set_active (s->ghost, TRUE);
  gst_element_add_pad (item->bin, s->ghost);
  if (gst_pad_link (s->ghost, s->slot_pad) != GST_PAD_LINK_OK)
    GST_ELEMENT_ERROR (parsebin, CORE, NEGOTIATION, ("cannot link the item to the channel"), (NULL));
  sinkpad = gst_element_get_static_pad (parser, "sink");
  gst_pad_link (pad, sinkpad);
}

static void
on_remux_no_more_pads_cb (GstElement *parsebin, gpointer user_data)
{
  Item *item = user_data;
  gboolean video = FALSE, audio = FALSE;

  /* a live item's streams may still wait for their caps; one that never
   * brings both stalls the mux, and the output watchdog moves to encoding */
  if (item->live)
    return;
  g_mutex_lock (&item->lock);
  for (guint i = 0; i < item->streams->len; i++)
    {
      Stream *s = item->streams->pdata[i];
      video |= s->is_video;
      audio |= !s->is_video;
    }
  g_mutex_unlock (&item->lock);
  /* the mux waits for every stream: an item must bring both */
  if (!video || !audio)
    item_post (item, NOTE_NO_FIT, video ? "no audio" : "no video");
}

static void
on_source_pad_added_cb (GstElement *src, GstPad *pad, gpointer user_data)
{
  GstElement *parsebin = user_data;
  g_autoptr (GstPad) sinkpad = gst_element_get_static_pad (parsebin, "sink");

  if (!gst_pad_is_linked (sinkpad))
    gst_pad_link (pad, sinkpad);
}

/* Main thread: lets @kind (0 video, 1 audio) of @item flow. */
void
_exs_channel_open_gate (Item *item, int kind)
{
  /* under the lock: pad-added decides on a new stream's gate the same way */
  g_mutex_lock (&item->lock);
  g_atomic_int_set (&item->gate_open[kind], 1);
  for (guint i = 0; i < item->streams->len; i++)
    {
      Stream *s = item->streams->pdata[i];
      if ((!s->is_video) == kind && s->gate_id)
        {
          gst_pad_remove_probe (s->ghost, s->gate_id);
          s->gate_id = 0;
        }
    }
  g_mutex_unlock (&item->lock);
}

Item *
_exs_channel_find_item (ExsChannel *self, guint id)
{
  for (guint i = 0; i < self->items->len; i++)
    {
      Item *item = self->items->pdata[i];
      if (item->id == id)
        return item;
    }
  return NULL;
}

static int
free_slot (ExsChannel *self)
{
  gboolean used[2] = { FALSE, FALSE };
  Item *oldest = NULL;

  for (guint i = 0; i < self->items->len; i++)
    {
      Item *item = self->items->pdata[i];
      if (item->bin != NULL && !item->retired && item->slot >= 0)
        {
          used[item->slot] = TRUE;
          if (oldest == NULL || item->slot_end_us < oldest->slot_end_us)
            oldest = item;
        }
    }
  if (!used[0])
    return 0;
  if (!used[1])
    return 1;
  /* both busy (items shorter than the retire delay): the oldest goes now */
  _exs_channel_retire_item (self, oldest);
  return oldest->slot;
}

static void item_build (ExsChannel *self, Item *item, const char *uri);

/* Main loop: the item's URI is resolved (exs-item-resolver.c); build its
 * bin now, or fail it (the error screen, then the next item). */
static void
on_item_resolved_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Item *item = user_data;
  g_autoptr (ExsChannel) self = g_weak_ref_get (&item->channel);
  g_autoptr (GError) error = NULL;
  g_autofree char *uri = exs_item_resolver_resolve_finish (EXS_ITEM_RESOLVER (source), result, &error);

  item->resolving = FALSE;
  if (self != NULL && self->pipeline != NULL && !item->retired)
    {
      if (uri == NULL)
        _exs_channel_fail_item (self, item, error->message);
      else
        {
          /* resolved after its slot began: it starts now, sought in */
          item->slot_start_us = MAX (item->slot_start_us, g_get_real_time ());
          if (item->slot_start_us < item->slot_end_us)
            item_build (self, item, uri);
        }
    }
  _exs_channel_item_unref (item);
}

/* Builds the item that goes on the air at @slot_start_us. */
Item *
_exs_channel_add_item (ExsChannel *self, ExsPlayoutItem *pi, gint64 slot_start_us)
{
  Item *item = g_atomic_rc_box_new0 (Item);

  g_weak_ref_init (&item->channel, self);
  item->context = g_main_context_ref_thread_default ();
  item->id = ++self->next_item_id;
  item->created_us = g_get_real_time ();
  item->pi = pi;
  item->profile = self->profile;
  item->slot_start_us = MAX (slot_start_us, pi->start_us);
  item->slot_end_us = MAX (pi->stop_us, item->slot_start_us + G_USEC_PER_SEC / 10);
  item->slot_end_rt = _exs_channel_wall_to_rt (self, item->slot_end_us);
  item->slot = -1;
  item->pictures_late = g_atomic_rc_box_acquire (self->pictures_late);
  g_mutex_init (&item->lock);
  item->streams = g_ptr_array_new_with_free_func ((GDestroyNotify) stream_free);
  g_ptr_array_add (self->items, item);

  if (pi->kind == EXS_PLAYOUT_ITEM_OFFLINE || pi->uri == NULL)
    {
      GST_DEBUG_OBJECT (self->pipeline, "item %u: offline until %" G_GINT64_FORMAT, item->id, item->slot_end_us);
      return item;
    }
  if (exs_item_resolver_needs (pi->uri))
    {
      item->resolving = TRUE;
      exs_item_resolver_resolve_async (exs_item_resolver_get_default (), pi->uri, NULL, on_item_resolved_cb,
                                       item_ref (item));
      return item;
    }
  item_build (self, item, pi->uri);
  return item;
}

/* Puts the item's bin, reading @uri, into the pipeline. */
static void
item_build (ExsChannel *self, Item *item, const char *uri)
{
  ExsPlayoutItem *pi = item->pi;
  gint64 into_us;

  into_us = item->slot_start_us - pi->start_us;
  if (into_us > SEEK_THRESHOLD_US || pi->in_point_us > 0)
    {
      /* tune-in mid-programme: seek so the item's segment starts at the
       * scheduled offset, and map that position to the slot start */
      item->seek_pos = (GstClockTime) exs_playout_item_offset_at (pi, item->slot_start_us) * GST_USECOND;
      item->offset = (GstClockTimeDiff) _exs_channel_wall_to_rt (self, item->slot_start_us);
      item->seek_state = SEEK_WANTED;
    }
  else
    {
      /* media time 0 at the item's start (negative when it began a moment
       * before the pipeline: those first frames are late and clipped) */
      item->offset = (GstClockTimeDiff) (pi->start_us - self->t0_us) * GST_USECOND;
      item->seek_state = SEEK_NONE;
    }
  _exs_channel_upstream_prepare_item (self, item);
  _exs_channel_item_media_setup (self, item);

  if (self->remux)
    {
      item->remux = TRUE;
      for (int k = 0; k < 2; k++)
        {
          item->gate_open[k] = self->open_next[k];
          self->open_next[k] = FALSE;
        }
      item->vslot = gst_element_request_pad_simple (self->funnels[0], "sink_%u");
      item->aslot = gst_element_request_pad_simple (self->funnels[1], "sink_%u");
      {
        g_autofree char *name = g_strdup_printf ("item%u", item->id);
        GstElement *src = gst_element_factory_make ("urisourcebin", NULL);

        item->bin = gst_object_ref_sink (gst_bin_new (name));
        item->decodebin = gst_element_factory_make ("parsebin", NULL);
        g_object_set (src, "uri", uri, NULL);
        gst_bin_add_many (GST_BIN (item->bin), src, item->decodebin, NULL);
        g_signal_connect_object (src, "pad-added", G_CALLBACK (on_source_pad_added_cb), item->decodebin, 0);
      }
      g_object_set_data (G_OBJECT (item->bin), "exs-item-id", GUINT_TO_POINTER (item->id));
      _exs_channel_audio_setup_item (self, item);
      g_signal_connect_data (item->decodebin, "pad-added", G_CALLBACK (on_remux_pad_added_cb), item_ref (item),
                             (GClosureNotify) _exs_channel_item_unref, 0);
      g_signal_connect_data (item->decodebin, "no-more-pads", G_CALLBACK (on_remux_no_more_pads_cb),
                             item_ref (item), (GClosureNotify) _exs_channel_item_unref, 0);
      gst_bin_add (GST_BIN (self->pipeline), item->bin);
      GST_INFO_OBJECT (self->pipeline, "remux item %u (%s) from %.3f s", item->id, uri,
                       (item->slot_start_us - self->t0_us) / 1e6);
      if (!gst_element_sync_state_with_parent (item->bin))
        GST_DEBUG_OBJECT (self->pipeline, "item %u did not start", item->id);
      return;
    }

  item->slot = free_slot (self);
  item->vslot = self->vslots[item->slot];
  item->aslot = self->aslots[item->slot];
  /* the newest item is on top: the previous one's repeated last frame must
   * not cover it */
  g_object_set (self->vslots[item->slot], "zorder", 2, NULL);
  g_object_set (self->vslots[1 - item->slot], "zorder", 1, NULL);

  {
    g_autofree char *name = g_strdup_printf ("item%u", item->id);
    item->bin = gst_object_ref_sink (gst_bin_new (name));
  }
  g_object_set_data (G_OBJECT (item->bin), "exs-item-id", GUINT_TO_POINTER (item->id));
  item->decodebin = gst_element_factory_make ("uridecodebin3", NULL);
  g_object_set (item->decodebin, "uri", uri, NULL);
  _exs_channel_music_setup (self, item); /* before the audio choice: see there */
  _exs_channel_audio_setup_item (self, item);
  g_signal_connect_data (item->decodebin, "pad-added", G_CALLBACK (on_item_pad_added_cb), item_ref (item),
                         (GClosureNotify) _exs_channel_item_unref, 0);
  _exs_channel_subtitles_setup (self, item);
  gst_bin_add (GST_BIN (item->bin), item->decodebin);
  gst_bin_add (GST_BIN (self->pipeline), item->bin);
  GST_INFO_OBJECT (self->pipeline, "item %u (%s) on slot %d from %.3f s, seek %s", item->id, uri, item->slot,
                   (item->slot_start_us - self->t0_us) / 1e6, item->seek_state ? "yes" : "no");
  /* a source that cannot start (missing file) fails right here; its ERROR
   * message reaches the main loop as a note and fails the item there */
  if (!gst_element_sync_state_with_parent (item->bin))
    GST_DEBUG_OBJECT (self->pipeline, "item %u did not start", item->id);
}

/* Once an item's bin is NULL no streaming thread can call back: the
 * decodebin's signal closures let go of the item (they hold references to it
 * while the bin runs, and the item holds the bin: without this the two keep
 * each other alive, with every element and buffer of the item). */
void
_exs_channel_item_release_callbacks (Item *item)
{
  if (item->decodebin != NULL)
    g_signal_handlers_disconnect_by_data (item->decodebin, item);
}

/* A remux item's funnel pad goes back to its funnel (which may be gone
 * with a restarted pipeline). */
static void
release_funnel_pad (GstPad **pad)
{
  g_autoptr (GstElement) funnel = *pad ? gst_pad_get_parent_element (*pad) : NULL;

  if (funnel)
    gst_element_release_request_pad (funnel, *pad);
  gst_clear_object (pad);
}

/* GStreamer's thread pool: the retired item's bin to NULL, then (remux)
 * its funnel pads released. Releasing a funnel pad deactivates it, which
 * takes its stream lock: the item's streaming thread holds that while it
 * is blocked in the mux (waiting for the other stream), so on the main
 * loop it hung the whole server; here, after the bin's threads are gone,
 * it waits for nothing. */
static void
set_null_in_thread (GstElement *element, gpointer user_data)
{
  Item *item = user_data;

  gst_element_set_state (element, GST_STATE_NULL);
  if (item->remux)
    {
      release_funnel_pad (&item->vslot);
      release_funnel_pad (&item->aslot);
    }
  _exs_channel_item_release_callbacks (item);
}

/* Takes an item out of the pipeline (main thread). */
void
_exs_channel_retire_item (ExsChannel *self, Item *item)
{
  g_autoptr (GPtrArray) streams = NULL;

  if (item->retired)
    return;
  item->retired = TRUE;
  if (item->bin == NULL)
    return;
  g_atomic_int_set (&item->dropping, 1);
  streams = item_dup_streams (item);
  for (guint i = 0; i < streams->len; i++)
    {
      Stream *s = streams->pdata[i];
      if (!item->remux && item->started && g_get_real_time () < item->slot_end_us)
        {
          /* it may have data waiting in the aggregator: wake its thread */
          gst_pad_send_event (s->slot_pad, gst_event_new_flush_start ());
          gst_pad_send_event (s->slot_pad, gst_event_new_flush_stop (FALSE));
        }
      gst_pad_unlink (s->ghost, s->slot_pad);
    }
  /* a remux item's funnel pads: released by set_null_in_thread() */
  gst_object_ref (item->bin);
  gst_bin_remove (GST_BIN (self->pipeline), item->bin);
  /* stopping may wait for its streaming threads: never on the main loop.
   * The job keeps the item (whose streams the pad probes use) alive until
   * the bin is NULL and no probe can run any more. */
  gst_element_call_async (item->bin, set_null_in_thread, item_ref (item), (GDestroyNotify) _exs_channel_item_unref);
  gst_object_unref (item->bin);
  GST_DEBUG_OBJECT (self->pipeline, "item %u retired", item->id);
}

/* Main thread: takes one of the manager's fallback slots for @self, if one
 * is free: every way off the remux path but a misfit asks here. */
gboolean
_exs_channel_take_fallback (ExsChannel *self)
{
  gint used;

  if (self->encoding_fallbacks == NULL || self->holds_fallback)
    return TRUE;
  do
    {
      used = g_atomic_int_get (self->encoding_fallbacks);
      if (used >= (gint) self->max_encoding_fallbacks)
        return FALSE;
    }
  while (!g_atomic_int_compare_and_exchange (self->encoding_fallbacks, used, used + 1));
  self->holds_fallback = TRUE;
  return TRUE;
}

/* Main thread: @self no longer encodes on a fallback slot (back on the
 * remux path, or gone). */
void
_exs_channel_release_fallback (ExsChannel *self)
{
  if (!self->holds_fallback)
    return;
  self->holds_fallback = FALSE;
  g_atomic_int_add (self->encoding_fallbacks, -1);
}

static gboolean
on_start_over_cb (gpointer user_data)
{
  ExsChannel *self = user_data;

  self->start_over_id = 0;
  if (self->pipeline != NULL && self->remux)
    _exs_channel_restart_pipeline (self, "an item failed on the remux path; no encoding slot free, "
                                         "starting over on the remux path");
  return G_SOURCE_REMOVE;
}

static gboolean
on_fall_back_cb (gpointer user_data)
{
  ExsChannel *self = user_data;

  if (self->pipeline == NULL || !self->remux)
    return G_SOURCE_REMOVE;
  if (self->remux_retry_us == 0)
    {
      /* content the remux path cannot carry: only encoding can */
      self->remux = FALSE;
      _exs_channel_restart_pipeline (self, "an item does not fit the remux path; encoding from now on");
    }
  else if (_exs_channel_take_fallback (self))
    {
      self->remux = FALSE;
      _exs_channel_restart_pipeline (self, "an item failed on the remux path; encoding for now");
    }
  else
    {
      /* An encoding pipeline costs ~25 times a remux one in memory and
       * ~20 times in CPU. On a busy machine the items that "failed" were
       * mostly late (built or fed too slowly), so moving every such
       * channel to encoding made the machine busier still: each move made
       * more items late, until every channel encoded (100 remux + 8
       * encoding channels on 2 cores: 8 → 43 encoding pipelines and
       * 1.2 → 4 GiB in 2 minutes). The slots bound that; without one the
       * channel starts over on the remux path at the current item, as an
       * item is retried: RETRY_DELAY_US later (an item that fails at once
       * would otherwise rebuild the pipeline in a loop). */
      self->remux_retry_us = 0;
      if (self->start_over_id == 0)
        self->start_over_id = g_timeout_add_full (G_PRIORITY_DEFAULT, RETRY_DELAY_US / 1000, on_start_over_cb,
                                                  g_object_ref (self), g_object_unref);
    }
  return G_SOURCE_REMOVE;
}

/* Remux channels have no slate and a mux that waits for every stream: any
 * item that fails or does not fit moves the channel to the encoding
 * pipeline (viewers stay); after a failure (not a misfit) it goes back
 * remux_retry_seconds later (exs-channel.c's tick). Deferred: callers may
 * be iterating items. */
void
_exs_channel_fall_back_to_encoding (ExsChannel *self, const char *why)
{
  if (!self->remux)
    return;
  g_message ("channel %s: leaving the remux path: %s", self->number, why);
  g_idle_add_full (G_PRIORITY_DEFAULT, on_fall_back_cb, g_object_ref (self), g_object_unref);
}

void
_exs_channel_fail_item (ExsChannel *self, Item *item, const char *message)
{
  if (item->failed || item->retired)
    return;
  item->failed = TRUE;
  item->failed_at_us = g_get_real_time ();
  item->error = g_strdup (message);
  g_message ("channel %s: %s failed: %s", self->number, item->pi->uri ? item->pi->uri : "item", message);
  g_signal_emit (self, _exs_channel_signals[SIGNAL_SOURCE_FAILED], 0, item->pi, message);
  _exs_channel_retire_item (self, item);
  if (item->remux && self->remux)
    {
      self->remux_retry_us = g_get_real_time () + (gint64) self->remux_retry_seconds * G_USEC_PER_SEC;
      _exs_channel_fall_back_to_encoding (self, message);
    }
}
