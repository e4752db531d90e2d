/* exs-channel-upstream.c: upstream live channels in the channel engine.
 *
 * A channel with an upstream_url plays no schedule: ExsChannelManager gives
 * its ExsChannel an ExsChannelUpstream as its playout, which answers every
 * lookup with one long "live" item whose URI is the upstream (an HLS playlist
 * or an MPEG-TS stream over http(s)). The channel's one pipeline is shared
 * by all its viewers, so there is one upstream connection however many watch.
 * The guide of our own has nothing for it (list() is empty): its programmes
 * come from the upstream's XMLTV (src/iptv/exs-upstream-guide.c).
 *
 * The rest of this file is the engine's side of a live item, reached through
 * small hooks in exs-channel-items.c and exs-channel.c (it is part of
 * ExsChannel and includes exs-channel-private.h):
 *   - a live source has its own clock: the item's timeline is anchored on its
 *     first buffer (that buffer goes on the air LIVE_DELAY_US after it came),
 *     not on the item's scheduled start; both streams share the anchor;
 *   - an upstream that ends, errs or stays silent [upstream] stall_ms fails the item
 *     (the slate is up at once: the failed item's pads are flushed away);
 *   - a failed upstream is reconnected with backoff, without end: initial,
 *     twice that, … capped; a connection that had played starts over.
 * source-failed / source-recovered are emitted as for files, so the
 * application's breakers and restart guard see upstreams as they see files.
 */
#include "config.h"

#include "exs-channel-upstream.h"

#include "exs-channel-private.h"

#define LIVE_ITEM_US ((gint64) 6 * 3600 * G_USEC_PER_SEC) /* one item; the next reconnects */
#define LIVE_DELAY_US (G_USEC_PER_SEC / 10)   /* a live buffer goes on the air this long after it came */
#define LIVE_NO_START_US (8 * G_USEC_PER_SEC)  /* connecting, a playlist, a first segment */

struct _ExsChannelUpstream
{
  GObject parent_instance;

  char *url;
  guint reconnect_initial_ms;
  guint reconnect_max_ms;
  gint64 stall_us; /* an upstream silent this long has stalled */
};

static void exs_channel_upstream_source_init (ExsPlayoutSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ExsChannelUpstream, exs_channel_upstream, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (EXS_TYPE_PLAYOUT_SOURCE, exs_channel_upstream_source_init))

static ExsPlayoutItem *
upstream_lookup (ExsPlayoutSource *source, const char *channel_number, gint64 at_us, GError **error)
{
  ExsChannelUpstream *self = EXS_CHANNEL_UPSTREAM (source);
  ExsPlayoutItem *item = exs_playout_item_new ();

  item->start_us = at_us;
  item->stop_us = at_us + LIVE_ITEM_US;
  item->kind = EXS_PLAYOUT_ITEM_PROGRAMME;
  item->uri = g_strdup (self->url);
  item->hide_in_guide = TRUE; /* the upstream's own guide says what plays */
  return item;
}

static GPtrArray *
upstream_list (ExsPlayoutSource *source, const char *channel_number, gint64 from_us, gint64 to_us, GError **error)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) exs_playout_item_free);
}

static void
exs_channel_upstream_source_init (ExsPlayoutSourceInterface *iface)
{
  iface->lookup = upstream_lookup;
  iface->list = upstream_list;
}

static void
exs_channel_upstream_finalize (GObject *object)
{
  ExsChannelUpstream *self = EXS_CHANNEL_UPSTREAM (object);

  g_free (self->url);
  G_OBJECT_CLASS (exs_channel_upstream_parent_class)->finalize (object);
}

static void
exs_channel_upstream_class_init (ExsChannelUpstreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = exs_channel_upstream_finalize;
}

static void
exs_channel_upstream_init (ExsChannelUpstream *self)
{
}

/**
 * exs_channel_upstream_new:
 *
 * Returns: (transfer full): the playout of a channel relayed from @url
 */
ExsChannelUpstream *
exs_channel_upstream_new (const char *url, guint reconnect_initial_ms, guint reconnect_max_ms, guint stall_ms)
{
  ExsChannelUpstream *self;

  g_return_val_if_fail (url != NULL, NULL);

  self = g_object_new (EXS_TYPE_CHANNEL_UPSTREAM, NULL);
  self->url = g_strdup (url);
  self->reconnect_initial_ms = MAX (reconnect_initial_ms, 1);
  self->reconnect_max_ms = MAX (reconnect_max_ms, self->reconnect_initial_ms);
  self->stall_us = (gint64) MAX (stall_ms, 1) * 1000;
  return self;
}

const char *
exs_channel_upstream_get_url (ExsChannelUpstream *self)
{
  g_return_val_if_fail (EXS_IS_CHANNEL_UPSTREAM (self), NULL);
  return self->url;
}

/**
 * exs_channel_upstream_get_backoff_us:
 * @failures: failed connections in a row (1 for the first)
 *
 * Returns: how long to wait before the next connection
 */
gint64
exs_channel_upstream_get_backoff_us (ExsChannelUpstream *self, guint failures)
{
  guint64 ms = self->reconnect_initial_ms;

  for (guint i = 1; i < failures && ms < self->reconnect_max_ms; i++)
    ms *= 2;
  return (gint64) MIN (ms, (guint64) self->reconnect_max_ms) * 1000;
}

/* ---- the engine's side of a live item (hooks) ---- */

/* Main thread, from _exs_channel_add_item: is @item live, and if so its
 * timeline waits for its first buffer. */
void
_exs_channel_upstream_prepare_item (ExsChannel *self, Item *item)
{
  if (!EXS_IS_CHANNEL_UPSTREAM (self->playout) || item->pi->uri == NULL)
    return;
  item->live = TRUE;
  item->t0_us = self->t0_us;
  item->offset = 0;
  item->seek_state = SEEK_NONE;
}

/* Streaming thread, from the item's pad probe, on a buffer of @s while
 * @item is not anchored: the first buffer of either stream fixes the offset
 * of both (A/V stay in sync), so it lands LIVE_DELAY_US after now. */
void
_exs_channel_upstream_anchor (Item *item, Stream *s, GstClockTime pts)
{
  GstClockTime media_rt;
  GstClockTimeDiff offset;

  if (!GST_CLOCK_TIME_IS_VALID (pts) || s->segment.format != GST_FORMAT_TIME)
    return;
  media_rt = gst_segment_to_running_time (&s->segment, GST_FORMAT_TIME, pts);
  if (!GST_CLOCK_TIME_IS_VALID (media_rt))
    return;
  g_mutex_lock (&item->lock);
  if (!g_atomic_int_get (&item->anchored))
    {
      gint64 now_rt_us = MAX (0, g_get_real_time () - item->t0_us) + LIVE_DELAY_US;

      offset = (GstClockTimeDiff) now_rt_us * GST_USECOND - (GstClockTimeDiff) media_rt;
      item->offset = offset;
      /* the streams' sticky segments go again, with the offset, before this buffer */
      for (guint i = 0; i < item->streams->len; i++)
        gst_pad_set_offset (((Stream *) item->streams->pdata[i])->ghost, offset);
      g_atomic_int_set (&item->anchored, 1);
      GST_DEBUG ("item %u: live, anchored with offset %" GST_STIME_FORMAT, item->id, GST_STIME_ARGS (offset));
    }
  g_mutex_unlock (&item->lock);
}

/* Main thread, from the note handler: an upstream that ended (EOS) is a
 * failure, not the end of a programme. */
void
_exs_channel_upstream_on_eos (ExsChannel *self, Item *item)
{
  if (item->live)
    _exs_channel_fail_item (self, item, "the upstream ended");
}

/* Main thread, from the tick, on the item on the air: fails a silent live
 * item, and adds the reconnection of a failed one when its backoff is over.
 * Returns: TRUE when @cur is live (the file rules then do not apply). */
gboolean
_exs_channel_upstream_tick (ExsChannel *self, Item *cur, gint64 now)
{
  ExsChannelUpstream *upstream;
  gint64 mono = g_get_monotonic_time ();

  if (cur == NULL || !cur->live)
    return FALSE;
  upstream = EXS_CHANNEL_UPSTREAM (self->playout);
  if (cur->bin && !cur->failed && !cur->started && now > cur->slot_start_us + LIVE_NO_START_US)
    _exs_channel_fail_item (self, cur, "the upstream sent nothing");
  else if (cur->bin && !cur->failed && cur->started)
    {
      gint64 last = (gint64) GPOINTER_TO_SIZE (g_atomic_pointer_get (&cur->last_buffer_mono));
      if (mono - last > upstream->stall_us)
        _exs_channel_fail_item (self, cur, "the upstream stalled");
    }
  if (cur->failed && !cur->retry_added)
    {
      /* a connection that had played starts the backoff over */
      guint failures = cur->started ? 1 : cur->retries + 1;

      if (now > cur->failed_at_us + exs_channel_upstream_get_backoff_us (upstream, failures))
        {
          Item *retry;

          g_message ("channel %s: reconnecting to its upstream (attempt %u)", self->number, failures);
          retry = _exs_channel_add_item (self, exs_playout_item_copy (cur->pi), now + G_USEC_PER_SEC / 10);
          retry->retries = failures;
          cur->retry_added = TRUE;
        }
    }
  return TRUE;
}
