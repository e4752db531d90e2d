/* exs-channel-manager-private.h: ExsChannelManager's instance, shared by
 * its two files (not installed, not for other objects):
 *
 *   exs-channel-manager.c        the channel table: which channels run,
 *                                starts (through the admission), linger,
 *                                stop, always-on, the encoder probe
 *   exs-channel-manager-serve.c  the ExsStreamProvider side: a viewer's tune,
 *                                the hand-over of its connection, HLS
 */
#pragma once

#include "exs-channel-manager.h"

G_BEGIN_DECLS

/* Stream time that has come out of a channel's mux, in milliseconds: added
 * by a pad probe in a streaming thread, read on the main loop (atomic; it
 * wraps, so only differences mean anything). A g_atomic_rc_box shared by
 * the running channel and each pipeline's probe. */
typedef struct
{
  gint produced_ms;
} ExsOutputClock;

/* One running channel. */
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
  ExsOutputClock *output_clock; /* owned reference */
  ExsChannelManager *manager; /* borrowed */
} ExsRunningChannel;

struct _ExsChannelManager
{
  GObject parent_instance;

  ExsConfig *config;
  ExsDatabase *database;
  ExsPlayoutSource *playout;
  GHashTable *running; /* canonical number -> ExsRunningChannel* */
  char *encoder;       /* chosen at start-up; x264enc until the probe is done */
  gint *encoding_fallbacks; /* g_atomic_rc_box shared with the channels: remux channels
                             * encoding because an item failed ([channels]
                             * max_encoding_fallbacks bounds it) */
  GCancellable *cancellable;
  gboolean stopping;
  ExsChannelAdmission *admission; /* borrowed, nullable: start at once, no sessions */
  GHashTable *starting;           /* number -> GPtrArray of GTask, waiting for admission */
};

guint _exs_output_clock_get_ms (ExsOutputClock *clock);
gboolean _exs_channel_manager_is_watched (ExsRunningChannel *r);
void _exs_channel_manager_linger (ExsRunningChannel *r);
void _exs_channel_manager_start_record_async (ExsChannelManager      *self,
                                              const ExsChannelRecord *channel,
                                              gboolean                prewarm,
                                              GCancellable           *cancellable,
                                              GAsyncReadyCallback     callback,
                                              gpointer                user_data);
ExsChannel *_exs_channel_manager_start_record (ExsChannelManager      *self,
                                               const ExsChannelRecord *channel,
                                               GError                **error);
void _exs_channel_manager_provider_init (ExsStreamProviderInterface *iface);

G_END_DECLS
