/* exs-channel.c: ExsChannel, one channel on the air.
 *
 * Owns one long-lived live GStreamer pipeline that plays the channel's playout
 * items back to back as one continuous MPEG-TS, and the viewers it feeds.
 * Created and started by ExsChannelManager on the first viewer, stopped after
 * the linger time. The resilience layer and the session manager connect to its
 * signals (source-failed, error-screen-shown, source-recovered, output-stalled,
 * viewer-added, viewer-removed, viewer-bytes, pipeline-started/-stopping/
 * -message) through the application's channel supervisor, which also turns
 * self-restart off: a stall or a pipeline error then emits restart-wanted and
 * the rebuild (exs_channel_restart) waits for the restart guard's approval.
 *
 * The persistent part never stops while the channel runs, so PTS, PCR and
 * continuity counters stay continuous by construction (docs/design/
 * channel-engine.md; gstreamer-notes.md §2.8):
 *
 *   slate (error/offline screen) ─► compositor.sink_0   slate audio ─► audiomixer.sink_0
 *   slot A/B: compositor.sink_1/2, audiomixer.sink_1/2 — persistent, never released
 *   compositor ─► I420 ─► queue(3, leaky) ─► encoder ─► profile caps ─► h264parse ─► tee ─┐
 *   audiomixer ─► audioconvert ─► AAC ─► aacparse ─► tee ─────────────────────────────────┤
 *   mpegtsmux pcr-interval=1800 ◄──────────────────────────────────────────────────┘
 *     ─► exstsmerge (one buffer per list, keyframe flags kept) ─► multisocketsink
 *   tees ─► hlssink2, once someone asks for HLS (ExsHlsOutput, kept across rebuilds)
 *
 * Each item is a throw-away bin (uridecodebin3 → convert/scale/resample →
 * fixed caps) built ~2 s before its slot, ghost pads offset so its running
 * time lands on the channel's timeline, linked to the free slot, and removed
 * ~0.5 s after its slot ends. Probes on the ghost pads (streaming threads)
 * drop EOS and flushes, cut the item at its slot end and hold data back until
 * a mid-programme seek is done; everything else happens on the main loop.
 * Errors are routed to their item by a synchronous bus handler. A dead item
 * shows the slate ~0.25 s later (max-last-buffer-repeat) without touching the
 * stream.
 */
#include "config.h"

#include "exs-channel.h"

#include "exs-elements.h"
#include "exs-encoder.h"
#include "exs-hls-output.h"

#include <gio/gio.h>
#include <gst/video/video.h>
#include <string.h>

GST_DEBUG_CATEGORY_STATIC (exs_channel_debug);
#define GST_CAT_DEFAULT exs_channel_debug

#define PREROLL_US (2 * G_USEC_PER_SEC)         /* build the next item this early */
#define RETIRE_AFTER_US (G_USEC_PER_SEC / 2)    /* remove an item this long after its slot */
#define SEEK_THRESHOLD_US (G_USEC_PER_SEC / 2)  /* closer to the start than this: no seek */
#define STALL_US (3 * G_USEC_PER_SEC)           /* an item silent this long has stalled */
#define NO_START_US (2 * G_USEC_PER_SEC)        /* an item silent this long into its slot failed */
#define RETRY_DELAY_US (3 * G_USEC_PER_SEC)
#define MAX_RETRIES 2
#define OUTPUT_STALL_US (5 * G_USEC_PER_SEC)
#define LAST_BUFFER_REPEAT_NS (250 * GST_MSECOND) /* a late frame under load must not flash the slate */
#define TICK_MS 100

G_DEFINE_QUARK (exs-channel-error-quark, exs_channel_error)

typedef enum
{
  SEEK_NONE,      /* plays from the start: no seek */
  SEEK_WANTED,    /* waits for data, then asks the main loop */
  SEEK_REQUESTED, /* the main loop seeks */
  SEEK_DONE,
} SeekState;

typedef struct _Item Item;

/* One elementary stream of an item: a ghost pad linked to a slot pad. */
typedef struct
{
  Item *item;          /* borrowed: the item outlives its streams */
  GstPad *ghost;       /* owned */
  GstPad *slot_pad;    /* borrowed from the channel */
  gboolean is_video;
  /* streaming thread only */
  GstSegment segment;
  gboolean passing;
  gboolean flushed;
  gboolean created_after_seek;
  gulong gate_id;      /* remux: the block probe holding this item back */
} Stream;

/* One playout item in the pipeline (or an OFFLINE stretch: bin == NULL).
 * Reference counted (g_atomic_rc_box): the channel's list, pad probes and
 * pad-added closures hold it. Fields marked "fixed" are set before the bin
 * runs and read from streaming threads. */
struct _Item
{
  GWeakRef channel;
  GMainContext *context;
  guint id;
  int slot;                  /* 0 or 1; -1 for OFFLINE */
  ExsPlayoutItem *pi;        /* fixed */
  GstElement *bin;           /* owned; NULL for OFFLINE */
  GstElement *decodebin;
  GstPad *vslot, *aslot;     /* fixed, borrowed from the channel */
  ExsChannelProfile profile; /* fixed */
  gint64 slot_start_us;      /* fixed: wall time the item goes on air */
  gint64 slot_end_us;        /* fixed */
  GstClockTime slot_end_rt;  /* fixed */
  GstClockTimeDiff offset;   /* running time of the item's segment start */
  GstClockTime seek_pos;     /* media position to seek to */
  gint seek_state;           /* SeekState, atomic */
  gpointer last_buffer_mono; /* atomic: monotonic µs of the last buffer passed (as a pointer) */
  gint dropping;             /* atomic: retiring, drop everything */
  gint n_eos;                /* atomic */
  GMutex lock;               /* guards streams */
  GPtrArray *streams;        /* Stream*, owned */
  /* main thread only */
  gboolean started;
  gboolean failed;
  gboolean ended;
  gboolean retired;
  char *error;
  gint64 failed_at_us;
  gint64 created_us;
  guint retries;
  /* remux channels */
  gboolean remux;            /* fixed */
  gint gate_open[2];         /* atomic: video, audio may flow (the previous item is done) */
  gboolean done_posted[2];   /* streaming thread */
};

struct _ExsChannel
{
  GObject parent_instance;

  char *number;
  ExsChannelProfile profile;
  char *name;
  char *encoder;
  char *visual_mode;
  char *audio_mode;
  char *title;
  char *subtitle;
  char *throttle_mode;
  guint viewer_stall_seconds;
  ExsPlayoutSource *playout;

  GstElement *pipeline;
  GstElement *sink;
  GstElement *slate_text;
  GstPad *slate_audio_pad;
  GstPad *vslots[2];
  GstPad *aslots[2];
  GstClock *clock;
  gint64 t0_us;               /* wall time of running time 0 */
  gint64 horizon_us;          /* end of the last item built */
  gint64 offline_check_us;    /* when an offline stretch next asks the playout again */
  gint64 started_mono;
  gpointer last_output_mono;  /* atomic: monotonic µs (as a pointer) */
  guint next_item_id;
  GPtrArray *items;           /* Item*, in build order */
  guint tick_id;
  ExsChannelState state;
  ExsPlayoutItem *current;    /* the item on the air, for reporting */
  gboolean failing;           /* an error screen for a failure is up */
  GHashTable *viewers;        /* GSocket* -> ExsViewer* (owned) */
  guint restarts;
  gboolean remux;             /* the fast path: items pass through, no encoding */
  GstElement *funnels[2];     /* remux: video, audio */
  ExsHlsOutput *hls;          /* HLS of this pipeline; NULL until asked for */
  gboolean open_next[2];      /* remux: the next item built may flow at once */
  gboolean self_restart;      /* rebuild on a stall or pipeline error by itself;
                               * FALSE: emit restart-wanted and wait for exs_channel_restart() */
};

enum
{
  SIGNAL_SOURCE_FAILED,
  SIGNAL_ERROR_SCREEN_SHOWN,
  SIGNAL_SOURCE_RECOVERED,
  SIGNAL_OUTPUT_STALLED,
  SIGNAL_VIEWER_ADDED,
  SIGNAL_VIEWER_REMOVED,
  SIGNAL_VIEWER_BYTES,
  SIGNAL_PIPELINE_STARTED,
  SIGNAL_PIPELINE_STOPPING,
  SIGNAL_PIPELINE_MESSAGE,
  SIGNAL_RESTART_WANTED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

enum
{
  PROP_0,
  PROP_STATE,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

G_DEFINE_TYPE (ExsChannel, exs_channel, G_TYPE_OBJECT)

static void update_state (ExsChannel *self);
static void retire_item (ExsChannel *self, Item *item);
static void restart_pipeline (ExsChannel *self, const char *why);
static Item *current_item (ExsChannel *self, gint64 now);

/* ---- profiles ---- */

/**
 * exs_channel_profile_from_name:
 * @name: (nullable): "480p", "720p" or "1080p"; NULL or unknown gives 720p
 *
 * Returns: whether @name was known
 */
gboolean
exs_channel_profile_from_name (const char *name, ExsChannelProfile *p)
{
  gboolean known = TRUE;

  p->fps = 30;
  p->audio_bps = 192000;
  p->audio_rate = 48000;
  p->audio_channels = 2;
  if (g_strcmp0 (name, "480p") == 0)
    {
      p->width = 854;
      p->height = 480;
      p->video_kbps = 1500;
    }
  else if (g_strcmp0 (name, "1080p") == 0)
    {
      p->width = 1920;
      p->height = 1080;
      p->video_kbps = 6000;
    }
  else
    {
      known = g_strcmp0 (name, "720p") == 0;
      p->width = 1280;
      p->height = 720;
      p->video_kbps = 3000;
    }
  return known;
}

const char *
exs_channel_state_to_string (ExsChannelState state)
{
  switch (state)
    {
    case EXS_CHANNEL_STOPPED:
      return "stopped";
    case EXS_CHANNEL_STARTING:
      return "starting";
    case EXS_CHANNEL_PROGRAMME:
      return "programme";
    case EXS_CHANNEL_ERROR_SCREEN:
      return "error-screen";
    case EXS_CHANNEL_OFFLINE:
      return "offline";
    default:
      return "unknown";
    }
}

/* ---- items ---- */

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

static void
item_unref (Item *item)
{
  g_atomic_rc_box_release_full (item, (GDestroyNotify) item_clear);
}

static GstClockTime
wall_to_rt (ExsChannel *self, gint64 wall_us)
{
  return (GstClockTime) MAX (0, wall_us - self->t0_us) * GST_USECOND;
}

/* What a streaming thread tells the main loop about an item. */
typedef enum
{
  NOTE_FIRST_BUFFER,
  NOTE_EOS,
  NOTE_SEEK,
  NOTE_ERROR,
  NOTE_PIPELINE_ERROR,
  NOTE_STREAM_DONE,  /* remux: an item's stream reached its end (text: "0" video, "1" audio) */
  NOTE_NO_FIT,       /* remux: an item is not in the channel's format */
} NoteKind;

typedef struct
{
  ExsChannel *channel; /* owned */
  guint item_id;
  NoteKind kind;
  char *text;
  gboolean from_encoder;
} Note;

static void
note_free (Note *note)
{
  g_object_unref (note->channel);
  g_free (note->text);
  g_free (note);
}

static gboolean on_note_cb (gpointer data);

/* Runs @func on @context's own thread, always later. (g_main_context_invoke
 * would run it right here when no thread holds the context at that moment —
 * in a streaming thread, where a state change deadlocks.) */
static void
run_on_context (GMainContext *context, GSourceFunc func, gpointer data, GDestroyNotify notify)
{
  GSource *source = g_idle_source_new ();

  g_source_set_priority (source, G_PRIORITY_DEFAULT);
  g_source_set_callback (source, func, data, notify);
  g_source_set_static_name (source, "exs-channel-note");
  g_source_attach (source, context);
  g_source_unref (source);
}

static void
post_note (ExsChannel *channel, GMainContext *context, guint item_id, NoteKind kind, const char *text,
           gboolean from_encoder)
{
  Note *note = g_new0 (Note, 1);

  note->channel = channel; /* the caller's reference passes to the note */
  note->item_id = item_id;
  note->kind = kind;
  note->text = g_strdup (text);
  note->from_encoder = from_encoder;
  run_on_context (context, on_note_cb, note, (GDestroyNotify) note_free);
}

static void
item_post (Item *item, NoteKind kind, const char *text)
{
  ExsChannel *channel = g_weak_ref_get (&item->channel);

  if (channel != NULL)
    post_note (channel, item->context, item->id, kind, text, FALSE);
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
          if (rt >= item->slot_end_rt)
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

/* Streaming thread of uridecodebin3: normalise a new stream and link it. */
static void
on_item_pad_added_cb (GstElement *decodebin, GstPad *pad, gpointer user_data)
{
  Item *item = user_data;
  g_autofree char *name = gst_pad_get_name (pad);
  GstBin *bin = GST_BIN (item->bin);
  gboolean is_video = g_str_has_prefix (name, "video");
  gboolean is_audio = g_str_has_prefix (name, "audio");
  GstElement *chain[5] = { NULL };
  guint n = 0;
  GstPad *slot;
  g_autoptr (GstCaps) caps = NULL;
  g_autoptr (GstPad) target = NULL;
  Stream *s;

  if (!is_video && !is_audio)
    {
      GstElement *sink = make_or_fail ("fakesink", bin);
      g_autoptr (GstPad) sinkpad = NULL;

      g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
      gst_element_sync_state_with_parent (sink);
      sinkpad = gst_element_get_static_pad (sink, "sink");
      gst_pad_link (pad, sinkpad);
      return;
    }
  slot = is_video ? item->vslot : item->aslot;
  g_mutex_lock (&item->lock);
  for (guint i = 0; i < item->streams->len; i++)
    if (((Stream *) item->streams->pdata[i])->is_video == is_video)
      slot = NULL; /* a second stream of a kind: not ours to show */
  g_mutex_unlock (&item->lock);
  if (slot == NULL)
    {
      GstElement *sink = make_or_fail ("fakesink", bin);
      g_autoptr (GstPad) sinkpad = gst_element_get_static_pad (sink, "sink");
      g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
      gst_element_sync_state_with_parent (sink);
      gst_pad_link (pad, sinkpad);
      return;
    }

  chain[n++] = make_or_fail ("queue", bin);
  if (is_video)
    {
      g_object_set (chain[0], "max-size-buffers", 3, "max-size-time", (guint64) 0, "max-size-bytes", 0, NULL);
      chain[n++] = make_or_fail ("videoconvert", bin);
      chain[n++] = make_or_fail ("videoscale", bin);
      g_object_set (chain[n - 1], "add-borders", TRUE, NULL);
      caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "I420", "width", G_TYPE_INT,
                                  item->profile.width, "height", G_TYPE_INT, item->profile.height,
                                  "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, NULL);
    }
  else
    {
      g_object_set (chain[0], "max-size-buffers", 0, "max-size-time", (guint64) GST_SECOND, "max-size-bytes", 0,
                    NULL);
      chain[n++] = make_or_fail ("audioconvert", bin);
      chain[n++] = make_or_fail ("audioresample", bin);
      caps = gst_caps_new_simple ("audio/x-raw", "format", G_TYPE_STRING, "S16LE", "rate", G_TYPE_INT,
                                  item->profile.audio_rate, "channels", G_TYPE_INT, item->profile.audio_channels,
                                  "layout", G_TYPE_STRING, "interleaved", NULL);
    }
  chain[n++] = make_or_fail ("capsfilter", bin);
  g_object_set (chain[n - 1], "caps", caps, NULL);
  for (guint i = 0; i < n; i++)
    {
      if (chain[i] == NULL)
        {
          GST_ELEMENT_ERROR (decodebin, CORE, MISSING_PLUGIN, ("a conversion element is missing"), (NULL));
          return;
        }
      if (i > 0)
        gst_element_link (chain[i - 1], chain[i]);
    }
  for (guint i = 0; i < n; i++)
    gst_element_sync_state_with_parent (chain[i]);

  target = gst_element_get_static_pad (chain[n - 1], "src");
  s = g_new0 (Stream, 1);
  s->item = item;
  s->is_video = is_video;
  s->slot_pad = slot;
  gst_segment_init (&s->segment, GST_FORMAT_UNDEFINED);
  s->created_after_seek = g_atomic_int_get (&item->seek_state) == SEEK_DONE;
  s->ghost = gst_object_ref (gst_ghost_pad_new (is_video ? "video" : "audio", target));
  gst_pad_set_offset (s->ghost, item->offset);
  gst_pad_add_probe (s->ghost,
                     GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM | GST_PAD_PROBE_TYPE_EVENT_FLUSH,
                     on_item_pad_probe_cb, s, NULL);
  gst_pad_set_active (s->ghost, TRUE);
  gst_element_add_pad (item->bin, s->ghost);
  g_mutex_lock (&item->lock);
  g_ptr_array_add (item->streams, s);
  g_mutex_unlock (&item->lock);
  if (gst_pad_link (s->ghost, slot) != GST_PAD_LINK_OK)
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

static gboolean
fits_profile (GstCaps *caps, const ExsChannelProfile *profile, gboolean *is_video)
{
  GstStructure *st = gst_caps_get_structure (caps, 0);
  const char *name = gst_structure_get_name (st);
  int w = 0, h = 0, version = 0;

  *is_video = g_str_has_prefix (name, "video/");
  if (g_str_equal (name, "video/x-h264"))
    return gst_structure_get_int (st, "width", &w) && gst_structure_get_int (st, "height", &h)
           && w == profile->width && h == profile->height;
  if (g_str_equal (name, "audio/mpeg"))
    return gst_structure_get_int (st, "mpegversion", &version) && (version == 4 || version == 2);
  return FALSE;
}

/* Streaming thread of parsebin (remux items): pass the stream through a
 * parser to the channel's funnel, or report that the item does not fit. */
static void
on_remux_pad_added_cb (GstElement *parsebin, GstPad *pad, gpointer user_data)
{
  Item *item = user_data;
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  GstBin *bin = GST_BIN (item->bin);
  GstElement *parser, *filter;
  gboolean is_video = FALSE;
  g_autoptr (GstPad) target = NULL;
  g_autoptr (GstPad) sinkpad = NULL;
  Stream *s;

  if (caps == NULL)
    caps = gst_pad_query_caps (pad, NULL);
  if (caps == NULL || gst_caps_is_empty (caps) || !fits_profile (caps, &item->profile, &is_video))
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
      {
        GstElement *sink = make_or_fail ("fakesink", bin);
        g_autoptr (GstPad) fsink = gst_element_get_static_pad (sink, "sink");
        g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
        gst_element_sync_state_with_parent (sink);
        gst_pad_link (pad, fsink);
      }
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
  s = g_new0 (Stream, 1);
  s->item = item;
  s->is_video = is_video;
  s->slot_pad = is_video ? item->vslot : item->aslot;
  gst_segment_init (&s->segment, GST_FORMAT_UNDEFINED);
  s->created_after_seek = g_atomic_int_get (&item->seek_state) == SEEK_DONE;
  s->ghost = gst_object_ref (gst_ghost_pad_new (is_video ? "video" : "audio", target));
  gst_pad_set_offset (s->ghost, item->offset);
  gst_pad_add_probe (s->ghost,
                     GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM | GST_PAD_PROBE_TYPE_EVENT_FLUSH,
                     on_item_pad_probe_cb, s, NULL);
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
static void
open_gate (Item *item, int kind)
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

static Item *
find_item (ExsChannel *self, guint id)
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
  retire_item (self, oldest);
  return oldest->slot;
}

/* Builds the item that goes on the air at @slot_start_us. */
static Item *
add_item (ExsChannel *self, ExsPlayoutItem *pi, gint64 slot_start_us)
{
  Item *item = g_atomic_rc_box_new0 (Item);
  gint64 into_us;

  g_weak_ref_init (&item->channel, self);
  item->context = g_main_context_ref_thread_default ();
  item->id = ++self->next_item_id;
  item->created_us = g_get_real_time ();
  item->pi = pi;
  item->profile = self->profile;
  item->slot_start_us = MAX (slot_start_us, pi->start_us);
  item->slot_end_us = MAX (pi->stop_us, item->slot_start_us + G_USEC_PER_SEC / 10);
  item->slot_end_rt = wall_to_rt (self, item->slot_end_us);
  item->slot = -1;
  g_mutex_init (&item->lock);
  item->streams = g_ptr_array_new_with_free_func ((GDestroyNotify) stream_free);
  g_ptr_array_add (self->items, item);

  if (pi->kind == EXS_PLAYOUT_ITEM_OFFLINE || pi->uri == NULL)
    {
      GST_DEBUG_OBJECT (self->pipeline, "item %u: offline until %" G_GINT64_FORMAT, item->id, item->slot_end_us);
      return item;
    }

  into_us = item->slot_start_us - pi->start_us;
  if (into_us > SEEK_THRESHOLD_US || pi->in_point_us > 0)
    {
      /* tune-in mid-programme: seek so the item's segment starts at the
       * scheduled offset, and map that position to the slot start */
      item->seek_pos = (GstClockTime) exs_playout_item_offset_at (pi, item->slot_start_us) * GST_USECOND;
      item->offset = (GstClockTimeDiff) wall_to_rt (self, item->slot_start_us);
      item->seek_state = SEEK_WANTED;
    }
  else
    {
      /* media time 0 at the item's start (negative when it began a moment
       * before the pipeline: those first frames are late and clipped) */
      item->offset = (GstClockTimeDiff) (pi->start_us - self->t0_us) * GST_USECOND;
      item->seek_state = SEEK_NONE;
    }

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
        g_object_set (src, "uri", pi->uri, NULL);
        gst_bin_add_many (GST_BIN (item->bin), src, item->decodebin, NULL);
        g_signal_connect_object (src, "pad-added", G_CALLBACK (on_source_pad_added_cb), item->decodebin, 0);
      }
      g_object_set_data (G_OBJECT (item->bin), "exs-item-id", GUINT_TO_POINTER (item->id));
      g_signal_connect_data (item->decodebin, "pad-added", G_CALLBACK (on_remux_pad_added_cb), item_ref (item),
                             (GClosureNotify) item_unref, 0);
      g_signal_connect_data (item->decodebin, "no-more-pads", G_CALLBACK (on_remux_no_more_pads_cb),
                             item_ref (item), (GClosureNotify) item_unref, 0);
      gst_bin_add (GST_BIN (self->pipeline), item->bin);
      GST_INFO_OBJECT (self->pipeline, "remux item %u (%s) from %.3f s", item->id, pi->uri,
                       (item->slot_start_us - self->t0_us) / 1e6);
      if (!gst_element_sync_state_with_parent (item->bin))
        GST_DEBUG_OBJECT (self->pipeline, "item %u did not start", item->id);
      return item;
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
  g_object_set (item->decodebin, "uri", pi->uri, NULL);
  g_signal_connect_data (item->decodebin, "pad-added", G_CALLBACK (on_item_pad_added_cb), item_ref (item),
                         (GClosureNotify) item_unref, 0);
  gst_bin_add (GST_BIN (item->bin), item->decodebin);
  gst_bin_add (GST_BIN (self->pipeline), item->bin);
  GST_INFO_OBJECT (self->pipeline, "item %u (%s) on slot %d from %.3f s, seek %s", item->id, pi->uri, item->slot,
                   (item->slot_start_us - self->t0_us) / 1e6, item->seek_state ? "yes" : "no");
  /* a source that cannot start (missing file) fails right here; its ERROR
   * message reaches the main loop as a note and fails the item there */
  if (!gst_element_sync_state_with_parent (item->bin))
    GST_DEBUG_OBJECT (self->pipeline, "item %u did not start", item->id);
  return item;
}

/* Once an item's bin is NULL no streaming thread can call back: the
 * decodebin's signal closures let go of the item (they hold references to it
 * while the bin runs, and the item holds the bin: without this the two keep
 * each other alive, with every element and buffer of the item). */
static void
item_release_callbacks (Item *item)
{
  if (item->decodebin != NULL)
    g_signal_handlers_disconnect_by_data (item->decodebin, item);
}

static void
set_null_in_thread (GstElement *element, gpointer user_data)
{
  gst_element_set_state (element, GST_STATE_NULL);
  item_release_callbacks (user_data);
}

/* Takes an item out of the pipeline (main thread). */
static void
retire_item (ExsChannel *self, Item *item)
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
  if (item->remux)
    {
      /* funnel pads are not aggregator pads: releasing them is safe */
      gst_element_release_request_pad (self->funnels[0], item->vslot);
      gst_element_release_request_pad (self->funnels[1], item->aslot);
      gst_clear_object (&item->vslot);
      gst_clear_object (&item->aslot);
    }
  gst_object_ref (item->bin);
  gst_bin_remove (GST_BIN (self->pipeline), item->bin);
  /* stopping may wait for its streaming threads: never on the main loop.
   * The job keeps the item (whose streams the pad probes use) alive until
   * the bin is NULL and no probe can run any more. */
  gst_element_call_async (item->bin, set_null_in_thread, item_ref (item), (GDestroyNotify) item_unref);
  gst_object_unref (item->bin);
  GST_DEBUG_OBJECT (self->pipeline, "item %u retired", item->id);
}

static gboolean
on_fall_back_cb (gpointer user_data)
{
  ExsChannel *self = user_data;

  if (self->pipeline != NULL && self->remux)
    {
      self->remux = FALSE;
      restart_pipeline (self, "an item does not fit the remux path; encoding from now on");
    }
  return G_SOURCE_REMOVE;
}

/* Remux channels have no slate and a mux that waits for every stream: any
 * item that fails or does not fit moves the channel to the encoding
 * pipeline (viewers stay). Deferred: callers may be iterating items. */
static void
fall_back_to_encoding (ExsChannel *self, const char *why)
{
  if (!self->remux)
    return;
  g_message ("channel %s: leaving the remux path: %s", self->number, why);
  g_idle_add_full (G_PRIORITY_DEFAULT, on_fall_back_cb, g_object_ref (self), g_object_unref);
}

static void
fail_item (ExsChannel *self, Item *item, const char *message)
{
  if (item->failed || item->retired)
    return;
  item->failed = TRUE;
  item->failed_at_us = g_get_real_time ();
  item->error = g_strdup (message);
  g_message ("channel %s: %s failed: %s", self->number, item->pi->uri ? item->pi->uri : "item", message);
  g_signal_emit (self, signals[SIGNAL_SOURCE_FAILED], 0, item->pi, message);
  retire_item (self, item);
  if (item->remux)
    fall_back_to_encoding (self, message);
}

/**
 * exs_channel_drop_current_item:
 * @retry: %TRUE: the error screen, then the usual retries of the item;
 *   %FALSE: skip it, the error screen until the next item's slot
 * @reason: for the log and the source-failed signal
 *
 * For the AI agent's skip_item and switch_to_error_screen tools.
 *
 * Returns: %FALSE when nothing plays (stopped, offline, already failing)
 */
gboolean
exs_channel_drop_current_item (ExsChannel *self, gboolean retry, const char *reason)
{
  Item *cur;

  g_return_val_if_fail (EXS_IS_CHANNEL (self), FALSE);
  cur = self->pipeline ? current_item (self, g_get_real_time ()) : NULL;
  if (cur == NULL || cur->failed || cur->retired || cur->pi->uri == NULL)
    return FALSE;
  if (!retry)
    cur->retries = MAX_RETRIES;
  fail_item (self, cur, reason);
  update_state (self);
  return TRUE;
}

static void
do_seek (ExsChannel *self, Item *item)
{
  gboolean ok;

  if (item->retired)
    return;
  if (item->remux)
    {
      /* compressed: start at the keyframe before the position */
      GstPad *ghost = NULL;

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
    }
  else
    ok = gst_element_seek (item->decodebin, 1.0, GST_FORMAT_TIME, GST_SEEK_FLAG_FLUSH | GST_SEEK_FLAG_ACCURATE,
                           GST_SEEK_TYPE_SET, (gint64) item->seek_pos, GST_SEEK_TYPE_NONE, -1);
  GST_DEBUG_OBJECT (self->pipeline, "item %u: seek to %" GST_TIME_FORMAT " %s", item->id,
                    GST_TIME_ARGS (item->seek_pos), ok ? "done" : "failed");
  if (!ok)
    {
      /* not seekable (a live URL): play it from where it is, mapped to now */
      g_autoptr (GPtrArray) streams = NULL;

      streams = item_dup_streams (item);
      item->offset = (GstClockTimeDiff) wall_to_rt (self, g_get_real_time ());
      for (guint i = 0; i < streams->len; i++)
        gst_pad_set_offset (((Stream *) streams->pdata[i])->ghost, item->offset);
      g_atomic_int_set (&item->seek_state, SEEK_NONE);
      return;
    }
  g_atomic_int_set (&item->seek_state, SEEK_DONE);
}

/* ---- the slate ---- */

static void
set_slate (ExsChannel *self, ExsChannelState state)
{
  g_autofree char *text = NULL;
  gboolean mute = state == EXS_CHANNEL_PROGRAMME;

  if (self->slate_text == NULL)
    return;
  /* clockoverlay appends the time: it gets a line of its own */
  if (state == EXS_CHANNEL_OFFLINE)
    text = g_strdup_printf ("Off the air\nNothing scheduled — back soon\n%s · %s\n", self->name,
                            self->number);
  else if (state == EXS_CHANNEL_STARTING)
    text = g_strdup_printf ("Starting…\n%s · %s\n", self->name, self->number);
  else
    text = g_strdup_printf ("%s\n%s\n%s · %s\n", self->title, self->subtitle, self->name, self->number);
  /* textoverlay reads Pango markup: a channel called "Tom & Jerry" must
   * show as written, not break the layout. */
  {
    g_autofree char *escaped = g_markup_escape_text (text, -1);
    g_object_set (self->slate_text, "text", escaped, NULL);
  }
  if (self->slate_audio_pad)
    g_object_set (self->slate_audio_pad, "mute", mute, NULL);
}

/* ---- the main loop's view ---- */

static Item *
current_item (ExsChannel *self, gint64 now)
{
  Item *found = NULL;

  for (guint i = 0; i < self->items->len; i++)
    {
      Item *item = self->items->pdata[i];
      if (item->slot_start_us <= now && now < item->slot_end_us)
        found = item; /* the latest built wins (a retry replaces a failure) */
    }
  return found;
}

static void
set_state (ExsChannel *self, ExsChannelState state, const char *reason)
{
  ExsChannelState old = self->state;

  if (state == old)
    return;
  self->state = state;
  set_slate (self, state);
  GST_INFO_OBJECT (self->pipeline, "state %s -> %s", exs_channel_state_to_string (old),
                   exs_channel_state_to_string (state));
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE]);
  if (state == EXS_CHANNEL_ERROR_SCREEN || state == EXS_CHANNEL_OFFLINE)
    g_signal_emit (self, signals[SIGNAL_ERROR_SCREEN_SHOWN], 0, reason);
}

static void
update_state (ExsChannel *self)
{
  gint64 now = g_get_real_time ();
  Item *cur = current_item (self, now);

  if (self->pipeline == NULL)
    return;
  g_clear_pointer (&self->current, exs_playout_item_free);
  if (cur)
    self->current = exs_playout_item_copy (cur->pi);
  if (cur == NULL || cur->pi->kind == EXS_PLAYOUT_ITEM_OFFLINE || cur->pi->uri == NULL)
    set_state (self, EXS_CHANNEL_OFFLINE, "offline");
  else if (cur->failed)
    {
      self->failing = TRUE;
      set_state (self, EXS_CHANNEL_ERROR_SCREEN, "source-failed");
    }
  else if (cur->ended)
    set_state (self, EXS_CHANNEL_ERROR_SCREEN, "ended-early");
  else if (cur->started)
    {
      gboolean was_failing = self->failing;

      self->failing = FALSE;
      set_state (self, EXS_CHANNEL_PROGRAMME, NULL);
      if (was_failing)
        g_signal_emit (self, signals[SIGNAL_SOURCE_RECOVERED], 0, cur->pi);
    }
  else if (self->state == EXS_CHANNEL_STOPPED)
    set_state (self, EXS_CHANNEL_STARTING, NULL);
}

static gboolean
on_note_cb (gpointer data)
{
  Note *note = data;
  ExsChannel *self = note->channel;
  Item *item;

  if (self->pipeline == NULL)
    return G_SOURCE_REMOVE;
  if (note->kind == NOTE_PIPELINE_ERROR)
    {
      if (note->from_encoder && !g_str_equal (self->encoder, "x264enc"))
        {
          g_message ("channel %s: encoder %s failed (%s); falling back to x264enc", self->number, self->encoder,
                     note->text);
          g_free (self->encoder);
          self->encoder = g_strdup ("x264enc");
        }
      if (self->self_restart)
        restart_pipeline (self, note->text);
      else
        g_signal_emit (self, signals[SIGNAL_RESTART_WANTED], 0, note->text, note->from_encoder);
      return G_SOURCE_REMOVE;
    }
  item = find_item (self, note->item_id);
  if (item == NULL || item->retired)
    return G_SOURCE_REMOVE;
  switch (note->kind)
    {
    case NOTE_FIRST_BUFFER:
      item->started = TRUE;
      break;
    case NOTE_EOS:
      {
        guint n_streams;
        g_mutex_lock (&item->lock);
        n_streams = item->streams->len;
        g_mutex_unlock (&item->lock);
        if ((guint) g_atomic_int_get (&item->n_eos) >= n_streams
            && g_get_real_time () < item->slot_end_us - G_USEC_PER_SEC)
          item->ended = TRUE;
      }
      break;
    case NOTE_SEEK:
      do_seek (self, item);
      break;
    case NOTE_ERROR:
      fail_item (self, item, note->text);
      break;
    case NOTE_STREAM_DONE:
      {
        int kind = note->text[0] == '1';
        gboolean opened = FALSE;

        for (guint i = 0; i < self->items->len && !opened; i++)
          {
            Item *next = self->items->pdata[i];
            if (next->id > item->id && next->bin && !next->retired)
              {
                open_gate (next, kind);
                opened = TRUE;
              }
          }
        if (!opened)
          self->open_next[kind] = TRUE;
      }
      break;
    case NOTE_NO_FIT:
      fall_back_to_encoding (self, note->text);
      break;
    case NOTE_PIPELINE_ERROR:
    default:
      break;
    }
  update_state (self);
  return G_SOURCE_REMOVE;
}

/* Any thread: errors are routed while their source is still parented.
 * Nothing is queued on the bus: every message ends here. */
static void
route_message (ExsChannel *self, GstMessage *msg)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *debug = NULL;
  GstObject *obj;
  guint item_id = 0;
  gboolean from_encoder = FALSE;
  ExsHlsOutput *hls;

  hls = g_atomic_pointer_get (&self->hls);
  if (hls)
    exs_hls_output_handle_message (hls, msg);
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_QOS || GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
    g_signal_emit (self, signals[SIGNAL_PIPELINE_MESSAGE], 0, msg);
  if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_ERROR)
    return;
  gst_message_parse_error (msg, &error, &debug);
  obj = GST_MESSAGE_SRC (msg) ? gst_object_ref (GST_MESSAGE_SRC (msg)) : NULL;
  while (obj != NULL)
    {
      GstObject *parent;

      if (item_id == 0 && G_IS_OBJECT (obj))
        item_id = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (obj), "exs-item-id"));
      if (GST_IS_ELEMENT (obj))
        {
          GstElementFactory *f = gst_element_get_factory (GST_ELEMENT (obj));
          if (f && g_str_equal (GST_OBJECT_NAME (f), self->encoder))
            from_encoder = TRUE;
        }
      parent = gst_object_get_parent (obj);
      gst_object_unref (obj);
      obj = parent;
    }
  GST_WARNING ("error from %s (item %u): %s (%s)", GST_MESSAGE_SRC_NAME (msg), item_id, error->message,
               debug ? debug : "");
  post_note (g_object_ref (self), g_main_context_default (), item_id, item_id ? NOTE_ERROR : NOTE_PIPELINE_ERROR,
             error->message, from_encoder);
}

/* A sync handler that answers GST_BUS_DROP owns the message: each one holds
 * its source, so a message not unreffed here keeps the whole pipeline (its
 * threads, sockets and buffers) alive after the channel stops. */
static GstBusSyncReply
on_bus_sync_cb (GstBus *bus, GstMessage *msg, gpointer user_data)
{
  route_message (user_data, msg);
  gst_message_unref (msg);
  return GST_BUS_DROP;
}

static GstPadProbeReturn
on_mux_output_cb (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  ExsChannel *self = user_data;

  g_atomic_pointer_set (&self->last_output_mono, GSIZE_TO_POINTER (g_get_monotonic_time ()));
  return GST_PAD_PROBE_OK;
}

static void
poll_viewer_stats (ExsChannel *self)
{
  GHashTableIter iter;
  gpointer key, value;

  if (self->sink == NULL)
    return;
  g_hash_table_iter_init (&iter, self->viewers);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      GstStructure *stats = NULL;
      guint64 bytes;

      g_signal_emit_by_name (self->sink, "get-stats", key, &stats);
      if (stats && gst_structure_get_uint64 (stats, "bytes-sent", &bytes))
        {
          /* what this sink had sent it at the last poll; a restarted
           * pipeline's new sink counts from 0 (restart_pipeline clears it) */
          guint64 *seen = g_object_get_data (G_OBJECT (value), "exs-sink-bytes");
          guint64 delta;

          if (seen == NULL)
            {
              seen = g_new0 (guint64, 1);
              g_object_set_data_full (G_OBJECT (value), "exs-sink-bytes", seen, g_free);
            }
          delta = bytes >= *seen ? bytes - *seen : bytes;
          *seen = bytes;
          if (delta > 0)
            {
              exs_viewer_set_bytes_sent (value, exs_viewer_get_bytes_sent (value) + delta);
              g_signal_emit (self, signals[SIGNAL_VIEWER_BYTES], 0, value, delta);
            }
        }
      if (stats)
        gst_structure_free (stats);
    }
}

static gboolean
on_tick_cb (gpointer user_data)
{
  ExsChannel *self = user_data;
  gint64 now = g_get_real_time ();
  gint64 mono = g_get_monotonic_time ();
  gint64 last_out = (gint64) GPOINTER_TO_SIZE (g_atomic_pointer_get (&self->last_output_mono));
  Item *cur;

  /* 1. retire items whose slot is over */
  for (guint i = 0; i < self->items->len;)
    {
      Item *item = self->items->pdata[i];
      if (item->slot_end_us + RETIRE_AFTER_US < now)
        {
          retire_item (self, item);
          g_ptr_array_remove_index (self->items, i);
          continue;
        }
      i++;
    }

  /* 2. a stalled item fails; a failed one is retried while its slot lasts */
  cur = current_item (self, now);
  if (cur && cur->bin && !cur->failed && !cur->ended && !cur->started && now > cur->slot_start_us + NO_START_US)
    fail_item (self, cur, "the source produced nothing");
  else if (cur && cur->bin && !cur->failed && !cur->ended && now > cur->slot_start_us + STALL_US)
    {
      gint64 last = (gint64) GPOINTER_TO_SIZE (g_atomic_pointer_get (&cur->last_buffer_mono));
      if (mono - last > STALL_US && g_atomic_int_get (&cur->n_eos) == 0)
        fail_item (self, cur, "the source stalled");
    }
  if (cur && cur->failed && cur->retries < MAX_RETRIES && now > cur->failed_at_us + RETRY_DELAY_US
      && cur->slot_end_us - now > RETRY_DELAY_US)
    {
      Item *retry;
      guint retries = cur->retries + 1;

      g_message ("channel %s: retrying %s (%u)", self->number, cur->pi->uri, retries);
      retry = add_item (self, exs_playout_item_copy (cur->pi), now + G_USEC_PER_SEC / 5);
      retry->retries = retries;
    }

  /* an item without video is sought once it had time to show its streams */
  for (guint i = 0; i < self->items->len; i++)
    {
      Item *item = self->items->pdata[i];
      if (item->bin && !item->retired && now > item->created_us + G_USEC_PER_SEC
          && g_atomic_int_compare_and_exchange (&item->seek_state, SEEK_WANTED, SEEK_REQUESTED))
        do_seek (self, item);
    }

  /* 2b. an offline stretch on air ends as soon as the playout has something
   * there instead (a rebuild after content was added): asked once a second */
  if (cur && cur->bin == NULL && cur == g_ptr_array_index (self->items, self->items->len - 1)
      && now >= self->offline_check_us)
    {
      g_autoptr (ExsPlayoutItem) there = exs_playout_source_lookup (self->playout, self->number, now, NULL);
      self->offline_check_us = now + G_USEC_PER_SEC;
      if (there && there->kind != EXS_PLAYOUT_ITEM_OFFLINE && there->uri != NULL)
        {
          GST_INFO_OBJECT (self->pipeline, "item %u: the offline stretch ends now", cur->id);
          cur->slot_end_us = self->horizon_us = now;
          cur->slot_end_rt = wall_to_rt (self, now);
        }
    }

  /* 3. build the next item ahead of its slot */
  while (self->horizon_us - now < PREROLL_US)
    {
      g_autoptr (GError) error = NULL;
      ExsPlayoutItem *pi = exs_playout_source_lookup (self->playout, self->number, self->horizon_us, &error);
      Item *item;

      if (pi == NULL)
        {
          GST_DEBUG_OBJECT (self->pipeline, "no playout: %s", error ? error->message : "?");
          pi = exs_playout_item_new ();
          pi->start_us = self->horizon_us;
          pi->stop_us = self->horizon_us + G_USEC_PER_SEC;
        }
      if (pi->stop_us <= self->horizon_us)
        pi->stop_us = self->horizon_us + G_USEC_PER_SEC;
      item = add_item (self, pi, self->horizon_us);
      self->horizon_us = item->slot_end_us;
    }

  /* 4. the watchdog: a live pipeline always produces */
  if (last_out != 0 ? mono - last_out > OUTPUT_STALL_US : mono - self->started_mono > OUTPUT_STALL_US)
    {
      gint64 stalled = mono - (last_out ? last_out : self->started_mono);
      g_warning ("channel %s: no output for %.1f s; restarting its pipeline", self->number, stalled / 1e6);
      g_signal_emit (self, signals[SIGNAL_OUTPUT_STALLED], 0, stalled);
      if (self->pipeline == NULL) /* a handler restarted or stopped us */
        return G_SOURCE_REMOVE;
      if (!self->self_restart)
        {
          /* asked for once per stall period; whoever decides calls exs_channel_restart() */
          self->started_mono = mono;
          g_atomic_pointer_set (&self->last_output_mono, NULL);
          g_signal_emit (self, signals[SIGNAL_RESTART_WANTED], 0, "output stalled", FALSE);
          return self->tick_id ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
        }
      self->remux = FALSE;
      restart_pipeline (self, "output stalled");
      return G_SOURCE_CONTINUE;
    }

  if (now / G_USEC_PER_SEC != (now - TICK_MS * 1000) / G_USEC_PER_SEC)
    poll_viewer_stats (self);
  update_state (self);
  return G_SOURCE_CONTINUE;
}

/* ---- viewers ---- */

typedef struct
{
  ExsChannel *channel; /* owned */
  GSocket *socket;     /* owned */
  int status;
} ViewerNote;

static void
viewer_note_free (ViewerNote *n)
{
  g_object_unref (n->channel);
  g_object_unref (n->socket);
  g_free (n);
}

static gboolean
on_viewer_gone_cb (gpointer data)
{
  ViewerNote *n = data;
  ExsChannel *self = n->channel;
  g_autoptr (ExsViewer) viewer = NULL;
  static const char *const reasons[] = { "ok", "closed", "removed", "slow", "error", "duplicate", "flushing" };

  if (!g_hash_table_steal_extended (self->viewers, n->socket, NULL, (gpointer *) &viewer))
    return G_SOURCE_REMOVE;
  if (g_object_get_data (G_OBJECT (viewer), "exs-remove-reason"))
    exs_viewer_close (viewer, g_object_get_data (G_OBJECT (viewer), "exs-remove-reason"));
  else
    exs_viewer_close (viewer, n->status >= 0 && n->status < (int) G_N_ELEMENTS (reasons) ? reasons[n->status]
                                                                                          : "stopped");
  g_debug ("channel %s: viewer %s left (%s)", self->number, exs_viewer_get_remote_address (viewer),
           exs_viewer_get_close_reason (viewer));
  g_signal_emit (self, signals[SIGNAL_VIEWER_REMOVED], 0, viewer);
  return G_SOURCE_REMOVE;
}

/* multisocketsink's thread (or ours while stopping): the sink is done with
 * the socket; close it on the main loop. */
static void
on_client_socket_removed_cb (GstElement *sink, GSocket *socket, gpointer user_data)
{
  ExsChannel *self = user_data;
  ViewerNote *n = g_new0 (ViewerNote, 1);
  int status = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (socket), "exs-status"));

  n->channel = g_object_ref (self);
  n->socket = g_object_ref (socket);
  n->status = status ? status : -1;
  run_on_context (g_main_context_default (), on_viewer_gone_cb, n, (GDestroyNotify) viewer_note_free);
}

static void
on_client_removed_cb (GstElement *sink, GSocket *socket, int status, gpointer user_data)
{
  /* remembered for the close reason; the socket is still the sink's here */
  g_object_set_data (G_OBJECT (socket), "exs-status", GINT_TO_POINTER (status));
}

/**
 * exs_channel_add_viewer:
 * @viewer: (transfer none): a viewer whose HTTP header has been written
 *
 * Hands the viewer's socket to the channel's sink; it starts at the latest
 * keyframe, PAT/PMT first.
 */
void
exs_channel_add_viewer (ExsChannel *self, ExsViewer *viewer)
{
  GSocket *socket = exs_viewer_get_socket (viewer);

  g_return_if_fail (self->sink != NULL);
  g_hash_table_replace (self->viewers, socket, g_object_ref (viewer));
  exs_viewer_set_state (viewer, EXS_VIEWER_STREAMING);
  g_signal_emit (self, signals[SIGNAL_VIEWER_ADDED], 0, viewer);
  g_signal_emit_by_name (self->sink, "add", socket);
}

guint
exs_channel_get_n_viewers (ExsChannel *self)
{
  return g_hash_table_size (self->viewers);
}

/**
 * exs_channel_dup_viewers:
 *
 * Returns: (transfer full) (element-type ExsViewer): the channel's viewers
 */
GPtrArray *
exs_channel_dup_viewers (ExsChannel *self)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer value;

  poll_viewer_stats (self);
  g_hash_table_iter_init (&iter, self->viewers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (out, g_object_ref (value));
  return out;
}

/* ---- the pipeline ---- */

static const char *
slate_pattern (const char *visual_mode)
{
  if (g_strcmp0 (visual_mode, "test_pattern") == 0)
    return "smpte";
  if (g_strcmp0 (visual_mode, "slate") == 0)
    return "black";
  return "solid-color foreground-color=0xff102a5a"; /* text: dark blue */
}

static const char *
slate_wave (const char *audio_mode)
{
  if (g_strcmp0 (audio_mode, "sine_wave") == 0)
    return "sine";
  if (g_strcmp0 (audio_mode, "white_noise") == 0)
    return "white-noise";
  if (g_strcmp0 (audio_mode, "beep") == 0)
    return "ticks";
  return "silence";
}

static char *
remux_pipeline_description (ExsChannel *self)
{
  g_autoptr (GstElementFactory) merge = gst_element_factory_find ("exstsmerge");

  /* no live source: pacing comes from the sink (sync=true) */
  return g_strdup_printf (
      "funnel name=vfunnel ! queue name=vmuxq max-size-buffers=0 max-size-bytes=0 max-size-time=3000000000 ! mux. "
      "funnel name=afunnel ! queue max-size-buffers=0 max-size-bytes=0 max-size-time=3000000000 ! mux. "
      "mpegtsmux name=mux pcr-interval=1800 ! %s"
      "multisocketsink name=sink sync=true async=false enable-last-sample=false unit-format=time "
      "units-max=10000000000 units-soft-max=4000000000 recover-policy=keyframe sync-method=latest-keyframe "
      "timeout=%" G_GUINT64_FORMAT,
      merge ? "exstsmerge name=merge max-delay=100000000 ! " : "", (guint64) self->viewer_stall_seconds * GST_SECOND);
}

/* The error screen's text and clock. Without gstreamer1.0-x (a warning at
 * start-up and in /api/health) it shows without its clock, or without text:
 * a plain screen still beats a channel that cannot start. */
static char *
slate_overlay (int font_size)
{
  const char *layout = "halignment=center valignment=center line-alignment=center shaded-background=true";

  if (exs_elements_have ("clockoverlay"))
    return g_strdup_printf ("clockoverlay name=slatetext time-format=\"%%H:%%M\" %s font-desc=\"Sans %d\"", layout,
                            font_size);
  if (exs_elements_have ("textoverlay"))
    return g_strdup_printf ("textoverlay name=slatetext %s font-desc=\"Sans %d\"", layout, font_size);
  return g_strdup ("identity");
}

static char *
pipeline_description (ExsChannel *self)
{
  const ExsChannelProfile *p = &self->profile;
  g_autofree char *vcaps = g_strdup_printf ("video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1,"
                                            "pixel-aspect-ratio=1/1",
                                            p->width, p->height, p->fps);
  g_autofree char *acaps = g_strdup_printf ("audio/x-raw,format=S16LE,rate=%d,channels=%d,layout=interleaved",
                                            p->audio_rate, p->audio_channels);
  g_autofree char *slate = NULL;
  g_autofree char *overlay = slate_overlay (MAX (12, p->height / 30));
  g_autoptr (GstElementFactory) aac = gst_element_factory_find ("avenc_aac");
  g_autoptr (GstElementFactory) merge = gst_element_factory_find ("exstsmerge");
  const char *sync_method = "latest-keyframe";
  const char *burst = "";

  if (g_strcmp0 (self->visual_mode, "static") == 0)
    slate = g_strdup_printf ("videotestsrc is-live=true pattern=snow ! %s", vcaps);
  else
    slate = g_strdup_printf ("videotestsrc num-buffers=1 pattern=%s ! %s ! imagefreeze is-live=true",
                             slate_pattern (self->visual_mode), vcaps);
  if (g_strcmp0 (self->throttle_mode, "burst") == 0)
    {
      /* a 3 s burst must start on a keyframe, so keep burst + one GOP (2 s):
       * with only 3 s kept, the keyframe before the burst was often gone and
       * the viewer started at the latest one, as in realtime */
      sync_method = "burst-keyframe";
      burst = "burst-format=time burst-value=3000000000 time-min=5000000000";
    }

  return g_strdup_printf (
      "compositor name=comp background=black max-threads=1 latency=%" G_GUINT64_FORMAT " ! %s "
      "! queue name=vq max-size-buffers=0 max-size-time=500000000 max-size-bytes=0 leaky=downstream "
      "! videoconvert name=vconv "
      "capsfilter name=enccaps caps=video/x-h264,profile=main ! h264parse config-interval=-1 ! tee name=vtee "
      "! queue name=vmuxq max-size-buffers=0 max-size-bytes=0 max-size-time=2000000000 ! mux. "
      "audiomixer name=amix latency=%" G_GUINT64_FORMAT " ! %s ! audioconvert ! %s bitrate=%u ! aacparse ! tee name=atee "
      "! queue max-size-buffers=0 max-size-bytes=0 max-size-time=2000000000 ! mux. "
      "mpegtsmux name=mux pcr-interval=1800 ! %s"
      "multisocketsink name=sink sync=false async=false enable-last-sample=false unit-format=time "
      "units-max=10000000000 units-soft-max=4000000000 recover-policy=keyframe sync-method=%s %s "
      "timeout=%" G_GUINT64_FORMAT " "
      "%s ! %s ! comp.sink_0 "
      "audiotestsrc is-live=true wave=%s volume=0.2 ! %s ! amix.sink_0",
      (guint64) (100 * GST_MSECOND), vcaps, (guint64) (100 * GST_MSECOND), acaps,
      aac ? "avenc_aac" : "voaacenc", p->audio_bps, merge ? "exstsmerge name=merge ! " : "", sync_method, burst,
      (guint64) self->viewer_stall_seconds * GST_SECOND, slate, overlay, slate_wave (self->audio_mode), acaps);
}

static GstPad *
request_slot (GstElement *aggregator, gboolean video, guint zorder)
{
  GstPad *pad = gst_element_request_pad_simple (aggregator, "sink_%u");

  if (video)
    g_object_set (pad, "zorder", zorder, "max-last-buffer-repeat", (guint64) LAST_BUFFER_REPEAT_NS, NULL);
  return pad;
}

/* Streaming thread: before each keyframe, ask the mux for PAT and PMT (a
 * downstream force-key-unit with all-headers). mpegtsmux otherwise writes
 * them only every 100 ms, and a viewer who starts at a keyframe — every new
 * one — could not demux it and would wait for the next one, 2 s later. */
static GstPadProbeReturn
on_mux_video_cb (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);

  if (!GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT))
    gst_pad_push_event (pad, gst_video_event_new_downstream_force_key_unit (GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE,
                                                                             GST_CLOCK_TIME_NONE, TRUE, 0));
  return GST_PAD_PROBE_OK;
}

static gboolean
build_pipeline (ExsChannel *self, GError **error)
{
  g_autofree char *desc = self->remux ? remux_pipeline_description (self) : pipeline_description (self);
  g_autoptr (GstElement) vconv = NULL;
  g_autoptr (GstElement) enccaps = NULL;
  g_autoptr (GstElement) comp = NULL;
  g_autoptr (GstElement) amix = NULL;
  g_autoptr (GstElement) mux = NULL;
  g_autoptr (GstPad) mux_src = NULL;
  g_autoptr (GstBus) bus = NULL;
  GstElement *encoder;
  GError *local = NULL;

  self->pipeline = gst_parse_launch_full (desc, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &local);
  if (self->pipeline == NULL)
    {
      g_set_error (error, EXS_CHANNEL_ERROR, EXS_CHANNEL_ERROR_PIPELINE, "cannot build the pipeline: %s",
                   local ? local->message : "?");
      g_clear_error (&local);
      return FALSE;
    }
  g_clear_error (&local);
  gst_object_ref_sink (self->pipeline);
  {
    g_autofree char *name = g_strdup_printf ("channel-%s", self->number);
    gst_object_set_name (GST_OBJECT (self->pipeline), name);
  }

  if (self->remux)
    {
      self->funnels[0] = gst_bin_get_by_name (GST_BIN (self->pipeline), "vfunnel");
      self->funnels[1] = gst_bin_get_by_name (GST_BIN (self->pipeline), "afunnel");
      self->open_next[0] = self->open_next[1] = TRUE;
      goto sink;
    }
  encoder = exs_encoder_make (self->encoder, self->profile.video_kbps, (guint) self->profile.fps * 2, &local);
  if (encoder == NULL && !g_str_equal (self->encoder, "x264enc"))
    {
      g_clear_error (&local);
      g_free (self->encoder);
      self->encoder = g_strdup ("x264enc");
      encoder = exs_encoder_make (self->encoder, self->profile.video_kbps, (guint) self->profile.fps * 2, &local);
    }
  if (encoder == NULL)
    {
      g_propagate_error (error, local);
      gst_clear_object (&self->pipeline);
      return FALSE;
    }
  vconv = gst_bin_get_by_name (GST_BIN (self->pipeline), "vconv");
  enccaps = gst_bin_get_by_name (GST_BIN (self->pipeline), "enccaps");
  gst_bin_add (GST_BIN (self->pipeline), encoder);
  if (!gst_element_link_many (vconv, encoder, enccaps, NULL))
    {
      g_set_error (error, EXS_CHANNEL_ERROR, EXS_CHANNEL_ERROR_PIPELINE, "cannot link the encoder %s",
                   self->encoder);
      gst_clear_object (&self->pipeline);
      return FALSE;
    }

  comp = gst_bin_get_by_name (GST_BIN (self->pipeline), "comp");
  amix = gst_bin_get_by_name (GST_BIN (self->pipeline), "amix");
  for (guint i = 0; i < 2; i++)
    {
      self->vslots[i] = request_slot (comp, TRUE, i + 1);
      self->aslots[i] = request_slot (amix, FALSE, 0);
    }
  self->slate_audio_pad = gst_element_get_static_pad (amix, "sink_0");
  self->slate_text = gst_bin_get_by_name (GST_BIN (self->pipeline), "slatetext");
sink:
  self->sink = gst_bin_get_by_name (GST_BIN (self->pipeline), "sink");
  g_signal_connect (self->sink, "client-removed", G_CALLBACK (on_client_removed_cb), self);
  g_signal_connect (self->sink, "client-socket-removed", G_CALLBACK (on_client_socket_removed_cb), self);

  {
    g_autoptr (GstElement) vmuxq = gst_bin_get_by_name (GST_BIN (self->pipeline), "vmuxq");
    g_autoptr (GstPad) pad = gst_element_get_static_pad (vmuxq, "src");

    gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_mux_video_cb, NULL, NULL);
  }
  mux = gst_bin_get_by_name (GST_BIN (self->pipeline), "mux");
  mux_src = gst_element_get_static_pad (mux, "src");
  gst_pad_add_probe (mux_src, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST, on_mux_output_cb, self,
                     NULL);

  bus = gst_element_get_bus (self->pipeline);
  gst_bus_set_sync_handler (bus, on_bus_sync_cb, self, NULL);

  self->clock = g_object_new (GST_TYPE_SYSTEM_CLOCK, "clock-type", GST_CLOCK_TYPE_REALTIME, NULL);
  gst_pipeline_use_clock (GST_PIPELINE (self->pipeline), self->clock);
  if (self->hls && !self->remux && !exs_hls_output_attach (self->hls, self->pipeline, &local))
    {
      g_warning ("channel %s: no HLS after the rebuild: %s", self->number, local->message);
      g_clear_error (&local);
    }
  return TRUE;
}

static void
close_all_viewers (ExsChannel *self, const char *reason)
{
  GHashTableIter iter;
  gpointer value;
  g_autoptr (GPtrArray) gone = g_ptr_array_new_with_free_func (g_object_unref);

  g_hash_table_iter_init (&iter, self->viewers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      g_ptr_array_add (gone, value);
      g_hash_table_iter_steal (&iter);
    }
  for (guint i = 0; i < gone->len; i++)
    {
      exs_viewer_close (gone->pdata[i], reason);
      g_signal_emit (self, signals[SIGNAL_VIEWER_REMOVED], 0, gone->pdata[i]);
    }
}

/**
 * exs_channel_start:
 *
 * Builds the pipeline, puts the item scheduled now on at its offset, and
 * starts streaming; viewers can be added as soon as it returns.
 */
gboolean
exs_channel_start (ExsChannel *self, GError **error)
{
  GstClockTime base;

  g_return_val_if_fail (self->pipeline == NULL, TRUE);
  if (!build_pipeline (self, error))
    return FALSE;

  /* running time 0 = a known wall-clock instant, so a playout time maps
   * straight to running time */
  gst_element_set_start_time (self->pipeline, GST_CLOCK_TIME_NONE);
  base = gst_clock_get_time (self->clock);
  gst_element_set_base_time (self->pipeline, base);
  self->t0_us = (gint64) (base / GST_USECOND);
  self->horizon_us = g_get_real_time ();
  self->started_mono = g_get_monotonic_time ();
  g_atomic_pointer_set (&self->last_output_mono, NULL);
  self->state = EXS_CHANNEL_STOPPED;
  set_state (self, EXS_CHANNEL_STARTING, NULL);

  /* The persistent part (slate, mixers, encoders, mux, sink) starts first;
   * items join afterwards, each starting on its own, so a missing or broken
   * first item is an item failure (the slate) and never fails the channel. */
  if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      g_set_error (error, EXS_CHANNEL_ERROR, EXS_CHANNEL_ERROR_PIPELINE, "the pipeline of channel %s cannot start",
                   self->number);
      exs_channel_stop (self);
      return FALSE;
    }
  on_tick_cb (self); /* builds the first items */
  self->tick_id = g_timeout_add (TICK_MS, on_tick_cb, self);
  g_debug ("channel %s started (encoder %s)", self->number, self->encoder);
  {
    g_autoptr (GstElement) mux = gst_bin_get_by_name (GST_BIN (self->pipeline), "mux");
    g_autoptr (GstElement) comp = gst_bin_get_by_name (GST_BIN (self->pipeline), "comp");
    g_autoptr (GstPad) mux_src = gst_element_get_static_pad (mux, "src");
    g_autoptr (GstPad) video = comp ? gst_element_get_static_pad (comp, "src") : NULL;

    g_signal_emit (self, signals[SIGNAL_PIPELINE_STARTED], 0, self->pipeline, mux_src, video);
  }
  return TRUE;
}

/**
 * exs_channel_stop:
 *
 * Ends the pipeline and disconnects every viewer (viewer-removed is emitted
 * for each). Quick: used at shutdown.
 */
void
exs_channel_stop (ExsChannel *self)
{
  g_clear_handle_id (&self->tick_id, g_source_remove);
  if (self->pipeline)
    {
      g_autoptr (GstBus) bus = gst_element_get_bus (self->pipeline);

      g_signal_emit (self, signals[SIGNAL_PIPELINE_STOPPING], 0, self->pipeline);
      for (guint i = 0; i < self->items->len; i++)
        g_atomic_int_set (&((Item *) self->items->pdata[i])->dropping, 1);
      if (self->hls)
        exs_hls_output_detach (self->hls);
      gst_element_set_state (self->pipeline, GST_STATE_NULL);
      gst_bus_set_sync_handler (bus, NULL, NULL, NULL);
      /* a message posted from here on would queue, holding its source
       * (and so the pipeline): flushing refuses them */
      gst_bus_set_flushing (bus, TRUE);
      g_signal_handlers_disconnect_by_data (self->sink, self);
    }
  close_all_viewers (self, "stopped");
  for (guint i = 0; i < self->items->len; i++)
    {
      Item *item = self->items->pdata[i];

      item->retired = TRUE;
      item_release_callbacks (item); /* the pipeline, and with it the item's bin, is NULL */
    }
  g_ptr_array_set_size (self->items, 0);
  for (guint i = 0; i < 2; i++)
    {
      gst_clear_object (&self->vslots[i]);
      gst_clear_object (&self->aslots[i]);
    }
  gst_clear_object (&self->slate_audio_pad);
  gst_clear_object (&self->slate_text);
  gst_clear_object (&self->funnels[0]);
  gst_clear_object (&self->funnels[1]);
  gst_clear_object (&self->sink);
  gst_clear_object (&self->pipeline);
  gst_clear_object (&self->clock);
  g_clear_pointer (&self->current, exs_playout_item_free);
  if (self->state != EXS_CHANNEL_STOPPED)
    {
      self->state = EXS_CHANNEL_STOPPED;
      g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE]);
    }
}

/* Rebuilds the pipeline (watchdog, encoder fallback). The viewers stay
 * connected: their sockets move to the new sink, which starts them at its
 * first keyframe with PAT/PMT; players see one discontinuity. */
static void
restart_pipeline (ExsChannel *self, const char *why)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) moving = self->viewers;
  GHashTableIter iter;
  gpointer key, value;

  self->restarts++;
  g_message ("channel %s: restarting its pipeline (%s)", self->number, why);
  self->viewers = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_object_unref);
  if (self->sink)
    g_signal_handlers_disconnect_by_data (self->sink, self); /* the old sink lets go without closing */
  exs_channel_stop (self);
  if (!exs_channel_start (self, &error))
    {
      g_warning ("channel %s: cannot restart: %s", self->number, error->message);
      g_hash_table_iter_init (&iter, moving);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          exs_viewer_close (value, "stopped");
          g_signal_emit (self, signals[SIGNAL_VIEWER_REMOVED], 0, value);
        }
      return;
    }
  g_hash_table_iter_init (&iter, moving);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_hash_table_iter_steal (&iter);
      g_object_set_data (G_OBJECT (value), "exs-sink-bytes", NULL);
      g_hash_table_replace (self->viewers, key, value);
      g_signal_emit_by_name (self->sink, "add", key);
    }
}

/**
 * exs_channel_restart:
 * @reason: why, for the log
 *
 * Rebuilds the pipeline now; the viewers stay connected (one discontinuity).
 * What the supervisor calls once a restart-wanted was approved.
 */
void
exs_channel_restart (ExsChannel *self, const char *reason)
{
  g_return_if_fail (EXS_IS_CHANNEL (self));
  if (self->pipeline == NULL)
    return;
  self->remux = FALSE;
  restart_pipeline (self, reason);
}

/**
 * exs_channel_set_self_restart:
 * @self_restart: %TRUE (the default): the watchdog and pipeline errors
 *   rebuild the pipeline at once; %FALSE: they emit restart-wanted and the
 *   caller decides (the application's restart guard)
 */
void
exs_channel_set_self_restart (ExsChannel *self, gboolean self_restart)
{
  self->self_restart = self_restart;
}

/**
 * exs_channel_set_encoder:
 * @encoder: a video encoder factory name
 *
 * Used from the next pipeline build (start or restart) on.
 */
void
exs_channel_set_encoder (ExsChannel *self, const char *encoder)
{
  g_return_if_fail (encoder != NULL);
  g_free (self->encoder);
  self->encoder = g_strdup (encoder);
}

/**
 * exs_channel_remove_viewer:
 * @reason: the close reason the viewer gets
 *
 * Disconnects one viewer (viewer-removed follows, on the main loop).
 */
void
exs_channel_remove_viewer (ExsChannel *self, ExsViewer *viewer, const char *reason)
{
  GSocket *socket = exs_viewer_get_socket (viewer);

  if (self->sink == NULL || g_hash_table_lookup (self->viewers, socket) != viewer)
    return;
  g_object_set_data_full (G_OBJECT (viewer), "exs-remove-reason", g_strdup (reason), g_free);
  g_signal_emit_by_name (self->sink, "remove", socket);
}

/* ---- object ---- */

const char *
exs_channel_get_number (ExsChannel *self)
{
  return self->number;
}

ExsChannelState
exs_channel_get_state (ExsChannel *self)
{
  return self->state;
}

/**
 * exs_channel_get_current_item:
 *
 * Returns: (transfer none) (nullable): the playout item on the air
 */
const ExsPlayoutItem *
exs_channel_get_current_item (ExsChannel *self)
{
  return self->current;
}

/**
 * exs_channel_get_position_us:
 *
 * Returns: the position in the current item's media, or -1
 */
gint64
exs_channel_get_position_us (ExsChannel *self)
{
  if (self->current == NULL || self->current->kind == EXS_PLAYOUT_ITEM_OFFLINE)
    return -1;
  return exs_playout_item_offset_at (self->current, g_get_real_time ());
}

const char *
exs_channel_get_encoder (ExsChannel *self)
{
  return self->encoder;
}

/**
 * exs_channel_is_remuxing:
 *
 * Returns: whether the channel is on the remux fast path (no encoding)
 */
gboolean
exs_channel_is_remuxing (ExsChannel *self)
{
  return self->remux;
}

/**
 * exs_channel_profile_fits_caps:
 * @profile: the channel's format
 * @caps: one elementary stream's caps (as parsebin exposes it, or as the
 *   library's facts describe it)
 * @is_video: (out): whether @caps is a video stream
 *
 * The remux path's test of one stream: H.264 at the profile's width and
 * height, or AAC audio. The same test decides at run time (an item's
 * streams) and before start (ExsRemuxFit, from the library's facts).
 *
 * Returns: whether the stream can be passed through into the channel
 */
gboolean
exs_channel_profile_fits_caps (const ExsChannelProfile *profile, GstCaps *caps, gboolean *is_video)
{
  return fits_profile (caps, profile, is_video);
}

/**
 * exs_channel_get_epoch_us:
 *
 * Returns: the wall time (UTC µs) of the pipeline's running time 0; an output
 *   timestamp T (s) in the TS is wall time epoch + (T − 3600 s)
 */
gint64
exs_channel_get_epoch_us (ExsChannel *self)
{
  return self->t0_us;
}

/**
 * exs_channel_get_pipeline:
 *
 * Returns: (transfer none) (nullable): the running pipeline (for tests and
 *   diagnostics)
 */
GstElement *
exs_channel_get_pipeline (ExsChannel *self)
{
  return self->pipeline;
}

/**
 * exs_channel_ensure_hls:
 *
 * Adds HLS to the running channel's pipeline (once; it stays across
 * rebuilds until the channel is disposed). Only the encoding pipeline has
 * HLS: G_IO_ERROR_NOT_SUPPORTED on the remux path.
 *
 * Returns: (transfer none) (nullable): the channel's HLS output
 */
ExsHlsOutput *
exs_channel_ensure_hls (ExsChannel *self, GError **error)
{
  g_autoptr (ExsHlsOutput) hls = NULL;

  if (self->hls)
    return self->hls;
  if (self->remux)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "channel %s is on the remux path (its items pass through unencoded); HLS comes from the "
                   "encoding pipeline only — watch /iptv/channel/%s.ts",
                   self->number, self->number);
      return NULL;
    }
  if (self->pipeline == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "channel %s is not running", self->number);
      return NULL;
    }
  /* set first: the bus handler (streaming threads) must see the branch's
   * first fragment */
  g_atomic_pointer_set (&self->hls, exs_hls_output_new (self->number));
  if (!exs_hls_output_attach (self->hls, self->pipeline, error))
    {
      hls = g_atomic_pointer_exchange (&self->hls, NULL);
      return NULL;
    }
  return self->hls;
}

static void
exs_channel_dispose (GObject *object)
{
  ExsChannel *self = EXS_CHANNEL (object);

  exs_channel_stop (self);
  g_clear_object (&self->hls);
  g_clear_object (&self->playout);
  G_OBJECT_CLASS (exs_channel_parent_class)->dispose (object);
}

static void
exs_channel_finalize (GObject *object)
{
  ExsChannel *self = EXS_CHANNEL (object);

  g_ptr_array_unref (self->items);
  g_hash_table_unref (self->viewers);
  g_free (self->number);
  g_free (self->name);
  g_free (self->encoder);
  g_free (self->visual_mode);
  g_free (self->audio_mode);
  g_free (self->title);
  g_free (self->subtitle);
  g_free (self->throttle_mode);
  G_OBJECT_CLASS (exs_channel_parent_class)->finalize (object);
}

static void
exs_channel_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  ExsChannel *self = EXS_CHANNEL (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
exs_channel_class_init (ExsChannelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = exs_channel_dispose;
  object_class->finalize = exs_channel_finalize;
  object_class->get_property = exs_channel_get_property;

  props[PROP_STATE] = g_param_spec_int ("state", NULL, NULL, EXS_CHANNEL_STOPPED, EXS_CHANNEL_OFFLINE,
                                        EXS_CHANNEL_STOPPED, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /**
   * ExsChannel::source-failed:
   * @item: the playout item whose source failed
   * @message: what went wrong
   */
  signals[SIGNAL_SOURCE_FAILED] = g_signal_new ("source-failed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                                NULL, NULL, NULL, G_TYPE_NONE, 2, EXS_TYPE_PLAYOUT_ITEM,
                                                G_TYPE_STRING);
  /**
   * ExsChannel::error-screen-shown:
   * @reason: "source-failed", "ended-early" or "offline"
   */
  signals[SIGNAL_ERROR_SCREEN_SHOWN] = g_signal_new ("error-screen-shown", G_TYPE_FROM_CLASS (klass),
                                                     G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                                     G_TYPE_STRING);
  /**
   * ExsChannel::source-recovered:
   * @item: the item now on the air after a failure
   */
  signals[SIGNAL_SOURCE_RECOVERED] = g_signal_new ("source-recovered", G_TYPE_FROM_CLASS (klass),
                                                   G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                                   EXS_TYPE_PLAYOUT_ITEM);
  /**
   * ExsChannel::output-stalled:
   * @stalled_us: how long the mux produced nothing; the pipeline is rebuilt
   */
  signals[SIGNAL_OUTPUT_STALLED] = g_signal_new ("output-stalled", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                                 NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_INT64);
  signals[SIGNAL_VIEWER_ADDED] = g_signal_new ("viewer-added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                               NULL, NULL, NULL, G_TYPE_NONE, 1, EXS_TYPE_VIEWER);
  signals[SIGNAL_VIEWER_REMOVED] = g_signal_new ("viewer-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                                 NULL, NULL, NULL, G_TYPE_NONE, 1, EXS_TYPE_VIEWER);
  /**
   * ExsChannel::viewer-bytes:
   * @viewer: the viewer
   * @bytes: bytes its socket took since the last emission (about once a second)
   */
  signals[SIGNAL_VIEWER_BYTES] = g_signal_new ("viewer-bytes", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                               NULL, NULL, NULL, G_TYPE_NONE, 2, EXS_TYPE_VIEWER, G_TYPE_UINT64);
  /**
   * ExsChannel::pipeline-started:
   * @pipeline: the new pipeline (on every start and restart)
   * @output_pad: the mux's src pad: the channel's output
   * @video_pad: (nullable): the raw video before encoding (absent when remuxing)
   */
  signals[SIGNAL_PIPELINE_STARTED] = g_signal_new ("pipeline-started", G_TYPE_FROM_CLASS (klass),
                                                   G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 3,
                                                   GST_TYPE_ELEMENT, GST_TYPE_PAD, GST_TYPE_PAD);
  /**
   * ExsChannel::pipeline-stopping:
   * @pipeline: the pipeline about to be torn down
   */
  signals[SIGNAL_PIPELINE_STOPPING] = g_signal_new ("pipeline-stopping", G_TYPE_FROM_CLASS (klass),
                                                    G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                                    GST_TYPE_ELEMENT);
  /**
   * ExsChannel::pipeline-message:
   * @message: a QoS or ERROR message from the pipeline's bus
   *
   * Emitted from a streaming thread (the bus's sync handler): handlers must
   * be quick and thread-safe. The channel handles errors itself.
   */
  signals[SIGNAL_PIPELINE_MESSAGE] = g_signal_new ("pipeline-message", G_TYPE_FROM_CLASS (klass),
                                                   G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                                                   GST_TYPE_MESSAGE);
  /**
   * ExsChannel::restart-wanted:
   * @reason: "output stalled" or the pipeline error
   * @encoder_failed: the error came from a hardware encoder (the channel has
   *   already moved to x264enc for its next build)
   *
   * Only without self-restart: the pipeline should be rebuilt; call
   * exs_channel_restart() when that is allowed.
   */
  signals[SIGNAL_RESTART_WANTED] = g_signal_new ("restart-wanted", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                                 0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_STRING,
                                                 G_TYPE_BOOLEAN);
  GST_DEBUG_CATEGORY_INIT (exs_channel_debug, "exschannel", 0, "EXStreamTV channel engine");
}

static void
exs_channel_init (ExsChannel *self)
{
  self->items = g_ptr_array_new_with_free_func ((GDestroyNotify) item_unref);
  self->viewers = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_object_unref);
}

/**
 * exs_channel_new:
 * @playout: (transfer none): where the channel's items come from
 *
 * Returns: (transfer full): a stopped channel
 */
ExsChannel *
exs_channel_new (const char *number, const ExsChannelProfile *profile, const ExsChannelOptions *options,
                 ExsPlayoutSource *playout)
{
  ExsChannel *self = g_object_new (EXS_TYPE_CHANNEL, NULL);

  self->number = g_strdup (number);
  self->profile = *profile;
  self->playout = g_object_ref (playout);
  self->name = g_strdup (options->name ? options->name : number);
  self->encoder = g_strdup (options->encoder ? options->encoder : "x264enc");
  self->visual_mode = g_strdup (options->visual_mode ? options->visual_mode : "text");
  self->audio_mode = g_strdup (options->audio_mode ? options->audio_mode : "silent");
  self->title = g_strdup (options->title ? options->title : "Technical Difficulties");
  self->subtitle = g_strdup (options->subtitle ? options->subtitle : "We'll be right back");
  self->throttle_mode = g_strdup (options->throttle_mode ? options->throttle_mode : "realtime");
  self->viewer_stall_seconds = options->viewer_stall_seconds ? options->viewer_stall_seconds : 20;
  self->remux = options->remux;
  self->self_restart = TRUE;
  return self;
}
