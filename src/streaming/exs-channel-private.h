/* exs-channel-private.h: what the files of ExsChannel share.
 *
 * ExsChannel is one object spread over several files, the way GNOME splits a
 * big object (a *-private.h with the instance struct, "_"-prefixed internal
 * functions):
 *   exs-channel.c           the object: state machine, tick, viewers, GObject code
 *   exs-channel-profile.c   profiles: resolution, rates, what fits the remux path
 *   exs-channel-items.c     the item chain: each playout item's bin, its probes
 *   exs-channel-pipeline.c  the slate (error screen), the pipeline build, start/stop
 *   exs-channel-picture.c   the items' pictures: deinterlace, scaling, watermark; the channel's own slate
 *   exs-channel-audio.c     audio PIDs, each item's track choice and loudness gain
 *   exs-channel-subtitles.c subtitles burned into an item's picture
 *   exs-channel-upstream.c  live items of an upstream channel (anchor, stall, reconnect)
 *   exs-channel-music.c     songs: their cover art, artist and title as the picture
 *   exs-channel-item-media.c the media settings an item plays with (a schedule item's override)
 *   exs-channel-remux.c     the remux fast path: its pipeline, mux inputs, item cut
 * Only those files include this header.
 */
#pragma once

#include "exs-channel.h"
#include "exs-channel-watermark.h"
#include "exs-channel-audio.h"

G_BEGIN_DECLS

GST_DEBUG_CATEGORY_EXTERN (exs_channel_debug);
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

typedef enum
{
  SEEK_NONE,      /* plays from the start: no seek */
  SEEK_WANTED,    /* waits for data, then asks the main loop */
  SEEK_REQUESTED, /* the main loop seeks */
  SEEK_DONE,
} SeekState;

typedef struct _Item Item;
typedef struct _ItemSubtitles ItemSubtitles;
typedef struct _ItemMusic ItemMusic;

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
  gboolean cut;        /* remux: past the slot's end, in decode order (exs-channel-remux.c) */
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
  gboolean retry_added;       /* its retry is in the item list (it starts 0.2 s later) */
  gboolean resolving;         /* its URI is being resolved (exs-item-resolver.c): no bin yet */
  /* remux channels */
  gboolean remux;            /* fixed */
  gint gate_open[2];         /* atomic: video, audio may flow (the previous item is done) */
  gboolean done_posted[2];   /* streaming thread */
  ExsItemAudio audio;        /* exs-channel-audio.c */
  ItemSubtitles *subtitles;  /* fixed; owned, NULL: none burned in */
  ItemMusic *music;          /* fixed; owned, NULL: no decodebin (exs-channel-music.c) */
  ExsChannelMedia *media;    /* fixed; owned, NULL: the channel's (exs-channel-item-media.c) */
  /* upstream live items (exs-channel-upstream.c) */
  gboolean live;             /* fixed */
  gint64 t0_us;              /* fixed: the channel's wall time of running time 0 */
  gint *pictures_late;       /* fixed: the channel's counter (a reference; exs-channel-items.c) */
  gint anchored;             /* atomic: the timeline is fixed by the first buffer (under lock) */
};

struct _ExsChannel
{
  GObject parent_instance;

  char *number;
  ExsChannelProfile profile;
  char *name;
  char *encoder;
  ExsChannelVisualMode visual_mode;
  ExsChannelAudioMode audio_mode;
  char *title;
  char *subtitle;
  ExsChannelThrottleMode throttle_mode;
  guint viewer_stall_seconds;
  ExsChannelMedia *media;     /* never NULL */
  ExsChannelWatermark *watermark; /* fixed at creation; NULL: none (exs-channel-picture.c) */
  ExsChannelAudio audio;      /* exs-channel-audio.c: audio PIDs, the library's loudness */
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
  gint *frames_dropped;       /* g_atomic_rc_box, shared with the pipelines' vq:
                               * times the encoder fell 0.5 s behind and the
                               * oldest frame went, to stay live (atomic) */
  gint *pictures_late;        /* g_atomic_rc_box, shared with the items: an
                               * item's picture came too late to be shown, so
                               * the slate showed through (atomic) */
  gboolean remux;             /* the fast path: items pass through, no encoding */
  gint64 remux_retry_us;      /* wall time to go back to the remux path (an item failed
                               * there; not a misfit); 0: stay on encoding */
  guint remux_retry_seconds;  /* fixed: ExsChannelOptions.remux_retry_seconds */
  gint *encoding_fallbacks;   /* (nullable) g_atomic_rc_box shared by the manager's
                               * channels: fallback slots in use (atomic) */
  guint max_encoding_fallbacks;
  gboolean holds_fallback;    /* encoding on one of those slots (main thread) */
  guint start_over_id;        /* remux, no slot free: the restart on the remux path */
  GstElement *funnels[2];     /* remux: video, audio */
  ExsHlsOutput *hls;          /* HLS of this pipeline; NULL until asked for */
  gboolean open_next[2];      /* remux: the next item built may flow at once */
  gboolean lookup_failing;    /* the last playout lookup failed with a real error */
  gboolean self_restart;      /* rebuild on a stall or pipeline error by itself;
                               * FALSE: emit restart-wanted and wait for exs_channel_restart() */
};

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

extern guint _exs_channel_signals[N_SIGNALS];

enum
{
  PROP_0,
  PROP_STATE,
  N_PROPS
};

extern GParamSpec *_exs_channel_props[N_PROPS];

/* exs-channel.c */
void _exs_channel_set_state (ExsChannel      *self,
                             ExsChannelState  state,
                             const char      *reason);
gboolean _exs_channel_on_note_cb (gpointer data);
gboolean _exs_channel_on_tick_cb (gpointer user_data);
void _exs_channel_on_client_socket_removed_cb (GstElement *sink,
                                               GSocket    *socket,
                                               gpointer    user_data);
void _exs_channel_on_client_removed_cb (GstElement *sink,
                                        GSocket    *socket,
                                        int         status,
                                        gpointer    user_data);

/* exs-channel-items.c */
void _exs_channel_item_unref (Item *item);
void _exs_channel_item_release_callbacks (Item *item);
GstClockTime _exs_channel_wall_to_rt (ExsChannel *self,
                                      gint64      wall_us);
void _exs_channel_run_on_context (GMainContext   *context,
                                  GSourceFunc     func,
                                  gpointer        data,
                                  GDestroyNotify  notify);
void _exs_channel_post_note (ExsChannel   *channel,
                             GMainContext *context,
                             guint         item_id,
                             NoteKind      kind,
                             const char   *text,
                             gboolean      from_encoder);
void _exs_channel_open_gate (Item *item,
                             int   kind);
Item *_exs_channel_find_item (ExsChannel *self,
                              guint       id);
Item *_exs_channel_add_item (ExsChannel     *self,
                             ExsPlayoutItem *pi,
                             gint64          slot_start_us);
void _exs_channel_retire_item (ExsChannel *self,
                               Item       *item);
gboolean _exs_channel_take_fallback (ExsChannel *self);
void _exs_channel_release_fallback (ExsChannel *self);
void _exs_channel_fall_back_to_encoding (ExsChannel *self,
                                         const char *why);
void _exs_channel_fail_item (ExsChannel *self,
                             Item       *item,
                             const char *message);
gboolean _exs_channel_item_link_stream (Item     *item,
                                        gboolean  is_video,
                                        GstPad   *slot,
                                        GstPad   *target,
                                        gboolean  passing);

/* exs-channel-seek.c */
void _exs_channel_do_seek (ExsChannel *self,
                           Item       *item);

/* exs-channel-picture.c */
void _exs_channel_picture_setup (ExsChannel *self);
guint _exs_channel_picture_add_video (ExsChannel              *self,
                                      GstBin                  *bin,
                                      const ExsChannelProfile *profile,
                                      GstElement             **chain,
                                      guint                    n);
guint _exs_channel_picture_add_watermark (ExsChannel  *self,
                                          Item        *item,
                                          GstElement **chain,
                                          guint        n);
char *_exs_channel_picture_slate (ExsChannel *self,
                                  const char *vcaps);
/* exs-channel-profile.c */
char *_exs_channel_profile_video_output (const ExsChannelProfile *profile);
char *_exs_channel_profile_audio_output (const ExsChannelProfile *profile);
/* exs-channel-subtitles.c */
void _exs_channel_subtitles_setup (ExsChannel *self,
                                   Item       *item);
GstElement *_exs_channel_subtitles_video_element (Item *item);
gboolean _exs_channel_subtitles_link_pad (Item   *item,
                                          GstPad *pad);
void _exs_channel_subtitles_free (ItemSubtitles *subs);
void _exs_channel_subtitles_check_remux (ExsChannel *self);
/* exs-channel-item-media.c */
void _exs_channel_item_media_setup (ExsChannel *self,
                                    Item       *item);
const ExsChannelMedia *_exs_channel_item_media (ExsChannel *self,
                                                Item       *item);
/* exs-channel-music.c */
void _exs_channel_music_setup (ExsChannel *self,
                               Item       *item);
void _exs_channel_music_free (ItemMusic *music);
/* exs-channel-upstream.c */
void _exs_channel_upstream_prepare_item (ExsChannel *self,
                                         Item       *item);
void _exs_channel_upstream_anchor (Item         *item,
                                   Stream       *s,
                                   GstClockTime  pts);
void _exs_channel_upstream_on_eos (ExsChannel *self,
                                   Item       *item);
gboolean _exs_channel_upstream_tick (ExsChannel *self,
                                     Item       *cur,
                                     gint64      now);

/* exs-channel-remux.c */
char *_exs_channel_remux_description (ExsChannel *self);
void _exs_channel_remux_build (ExsChannel *self);
gboolean _exs_channel_remux_past_end (Item         *item,
                                      Stream       *s,
                                      GstBuffer    *buf,
                                      GstClockTime  rt);

/* exs-channel-pipeline.c */
void _exs_channel_set_slate (ExsChannel      *self,
                             ExsChannelState  state);
void _exs_channel_restart_pipeline (ExsChannel *self,
                                    const char *why);

G_END_DECLS
