/* exs-channel-seek.c: the seek of a mid-programme join.
 *
 * Part of ExsChannel (exs-channel-private.h). An item that goes on the air
 * partway through its programme is sought to its position once its streams
 * are linked (exs-channel-items.c holds their data back until then).
 *
 * A file's demuxer pulls its data in a thread of its own and takes a seek
 * whole: it is sought right on the main loop. A network source's demuxer
 * (tsdemux of an http:// TS, inside urisourcebin) runs in the push mode, in
 * the source's streaming thread, and GStreamer 1.22.0's tsdemux takes a seek
 * in two steps: it first marks its streams as needing a new segment, then
 * sends the byte seek upstream, whose flush reaches it later. A buffer it
 * demuxes in between sends that segment and clears the mark; the flush then
 * clears the segment downstream, and everything after it flows without one
 * ("Got data flow before segment event", then a CRITICAL in volume and
 * timestamps nobody can place). So for a push-mode demuxer the seek waits
 * until the source's thread is outside the demuxer and held there: a
 * blocking probe on the demuxer's input stops what comes next, an IDLE probe
 * says when what was under way is done. The seek then runs on GStreamer's
 * thread pool (it waits for the source's thread, never on the main loop);
 * its flush frees the held thread, and the input goes on once it is done.
 */
#include "config.h"

#include "exs-channel-private.h"

/* if the demuxer's input is never idle (its data is stuck downstream), the
 * seek goes ahead after this long: its flush frees the input anyway */
#define HOLD_WAIT_MS 1000

typedef struct
{
  GWeakRef channel;
  Item *item;            /* owned */
  GstPad *input;         /* owned: the demuxer's input (its sink pad's peer) */
  GMutex lock;           /* guards the probe ids */
  gulong block_id;       /* holds the input */
  gulong idle_id;        /* starts the job once the input is idle */
  gint started;          /* atomic: the seek job is on its way */
  gint ok;               /* the seek's result, for the main loop */
} HeldSeek;

static HeldSeek *
held_seek_ref (HeldSeek *held)
{
  return g_atomic_rc_box_acquire (held);
}

static void
held_seek_clear (HeldSeek *held)
{
  g_weak_ref_clear (&held->channel);
  _exs_channel_item_unref (held->item);
  gst_object_unref (held->input);
  g_mutex_clear (&held->lock);
}

static void
held_seek_unref (HeldSeek *held)
{
  g_atomic_rc_box_release_full (held, (GDestroyNotify) held_seek_clear);
}

/* Main thread: the seek is over. A source that cannot seek (a live URL)
 * plays from where it is, mapped to now. */
static void
seek_finish (ExsChannel *self, Item *item, gboolean ok)
{
  g_autoptr (GPtrArray) streams = NULL;

  GST_DEBUG_OBJECT (self->pipeline, "item %u: seek to %" GST_TIME_FORMAT " %s", item->id,
                    GST_TIME_ARGS (item->seek_pos), ok ? "done" : "failed");
  if (ok)
    {
      g_atomic_int_set (&item->seek_state, SEEK_DONE);
      return;
    }
  streams = g_ptr_array_new ();
  g_mutex_lock (&item->lock);
  for (guint i = 0; i < item->streams->len; i++)
    g_ptr_array_add (streams, gst_object_ref (((Stream *) item->streams->pdata[i])->ghost));
  g_mutex_unlock (&item->lock);
  item->offset = (GstClockTimeDiff) _exs_channel_wall_to_rt (self, g_get_real_time ());
  for (guint i = 0; i < streams->len; i++)
    {
      gst_pad_set_offset (streams->pdata[i], item->offset);
      gst_object_unref (streams->pdata[i]);
    }
  g_atomic_int_set (&item->seek_state, SEEK_NONE);
}

/* Any thread: the seek itself. Decoded, the item goes to the exact frame;
 * compressed (remux), to the keyframe before it. */
static gboolean
item_seek (Item *item)
{
  GstPad *ghost = NULL;
  gboolean ok;

  if (!item->remux)
    return gst_element_seek (item->decodebin, 1.0, GST_FORMAT_TIME, GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE,
                             GST_SEEK_TYPE_SET, (gint64) item->seek_pos, GST_SEEK_TYPE_NONE, -1);
  g_mutex_lock (&item->lock);
  if (item->streams->len > 0)
    ghost = gst_object_ref (((Stream *) item->streams->pdata[0])->ghost);
  g_mutex_unlock (&item->lock);
  ok = ghost && gst_pad_send_event (ghost, gst_event_new_seek (1.0, GST_FORMAT_TIME,
                                                               GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_KEY_UNIT
                                                                   | GST_SEEK_FLAG_SNAP_BEFORE,
                                                               GST_SEEK_TYPE_SET, (gint64) item->seek_pos,
                                                               GST_SEEK_TYPE_NONE, -1));
  gst_clear_object (&ghost);
  return ok;
}

/* Main thread: the held seek's result. */
static gboolean
on_held_seek_done_cb (gpointer user_data)
{
  HeldSeek *held = user_data;
  g_autoptr (ExsChannel) self = g_weak_ref_get (&held->channel);

  if (self != NULL && !held->item->retired)
    seek_finish (self, held->item, held->ok);
  return G_SOURCE_REMOVE;
}

/* GStreamer's thread pool: the seek, with the demuxer's input held; then
 * the input goes on. */
static void
held_seek_run (GstElement *element, gpointer user_data)
{
  HeldSeek *held = user_data;
  gulong ids[2];

  held->ok = item_seek (held->item);
  g_mutex_lock (&held->lock);
  ids[0] = held->block_id;
  ids[1] = held->idle_id;
  held->block_id = held->idle_id = 0;
  g_mutex_unlock (&held->lock);
  for (guint i = 0; i < G_N_ELEMENTS (ids); i++)
    if (ids[i] != 0)
      gst_pad_remove_probe (held->input, ids[i]);
  _exs_channel_run_on_context (held->item->context, on_held_seek_done_cb, held_seek_ref (held),
                               (GDestroyNotify) held_seek_unref);
}

static void
held_seek_start (HeldSeek *held)
{
  if (g_atomic_int_compare_and_exchange (&held->started, 0, 1))
    gst_element_call_async (held->item->bin, held_seek_run, held_seek_ref (held), (GDestroyNotify) held_seek_unref);
}

/* The source's streaming thread (or the main thread, when the input is idle
 * already): the demuxer is done with what it had; the blocking probe keeps
 * the rest out. */
static GstPadProbeReturn
on_input_idle_cb (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  held_seek_start (user_data);
  return GST_PAD_PROBE_OK; /* the job removes it (called again: a no-op) */
}

/* Main thread (the item's context): the input never went idle; the seek's
 * flush frees it. */
static gboolean
on_hold_timeout_cb (gpointer user_data)
{
  held_seek_start (user_data);
  return G_SOURCE_REMOVE;
}

/* The input of a demuxer in @bin that runs in the push mode, or NULL. */
static GstPad *
find_push_demuxer_input (GstElement *bin)
{
  g_autoptr (GstIterator) it = gst_bin_iterate_recurse (GST_BIN (bin));
  GValue value = G_VALUE_INIT;
  GstPad *input = NULL;
  gboolean done = FALSE;

  while (!done && input == NULL)
    switch (gst_iterator_next (it, &value))
      {
      case GST_ITERATOR_OK:
        {
          GstElement *element = g_value_get_object (&value);
          GstElementFactory *factory = gst_element_get_factory (element);

          if (factory != NULL && gst_element_factory_list_is_type (factory, GST_ELEMENT_FACTORY_TYPE_DEMUXER))
            {
              g_autoptr (GstPad) sink = gst_element_get_static_pad (element, "sink");

              if (sink != NULL && GST_PAD_MODE (sink) == GST_PAD_MODE_PUSH)
                input = gst_pad_get_peer (sink);
            }
          g_value_reset (&value);
          break;
        }
      case GST_ITERATOR_RESYNC:
        gst_iterator_resync (it);
        break;
      default:
        done = TRUE;
        break;
      }
  g_value_unset (&value);
  return input;
}

/**
 * _exs_channel_do_seek:
 *
 * Main thread: seeks @item to its position on the channel's timeline, at
 * once, or (a push-mode demuxer) once its input is held.
 */
void
_exs_channel_do_seek (ExsChannel *self, Item *item)
{
  GstPad *input;
  HeldSeek *held;

  if (item->retired || item->bin == NULL)
    return;
  input = find_push_demuxer_input (item->bin);
  if (input == NULL)
    {
      seek_finish (self, item, item_seek (item));
      return;
    }

  held = g_atomic_rc_box_new0 (HeldSeek);
  g_weak_ref_init (&held->channel, self);
  held->item = g_atomic_rc_box_acquire (item);
  held->input = input;
  g_mutex_init (&held->lock);
  GST_DEBUG_OBJECT (self->pipeline, "item %u: seek once %" GST_PTR_FORMAT " is held", item->id, input);
  /* the IDLE probe may fire right here (its callback takes no lock), and
   * its job may run before the ids are stored: it reads them under the lock */
  g_mutex_lock (&held->lock);
  held->block_id = gst_pad_add_probe (input, GST_PAD_PROBE_TYPE_BLOCK | GST_PAD_PROBE_TYPE_DATA_DOWNSTREAM, NULL,
                                      NULL, NULL);
  held->idle_id = gst_pad_add_probe (input, GST_PAD_PROBE_TYPE_IDLE, on_input_idle_cb, held_seek_ref (held),
                                     (GDestroyNotify) held_seek_unref);
  g_mutex_unlock (&held->lock);
  {
    g_autoptr (GSource) timeout = g_timeout_source_new (HOLD_WAIT_MS);

    g_source_set_callback (timeout, on_hold_timeout_cb, held, (GDestroyNotify) held_seek_unref);
    g_source_set_static_name (timeout, "exs-channel-seek-hold");
    g_source_attach (timeout, item->context);
  }
}
