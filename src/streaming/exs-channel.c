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
 * This file holds the object itself: the state machine (the main loop's view
 * of the items, the 100 ms tick that builds, retires and watches them), the
 * viewers, the GObject code. The object's other files (exs-channel-private.h
 * lists them): exs-channel-profile.c, exs-channel-items.c (the item chain),
 * exs-channel-pipeline.c (the slate, the pipeline, start and stop).
 */
#include "config.h"

#include "exs-channel-private.h"

#include "exs-encoder.h"

GST_DEBUG_CATEGORY (exs_channel_debug);

G_DEFINE_QUARK (exs-channel-error-quark, exs_channel_error)

guint _exs_channel_signals[N_SIGNALS];
GParamSpec *_exs_channel_props[N_PROPS];

G_DEFINE_TYPE (ExsChannel, exs_channel, G_TYPE_OBJECT)

/* ---- states and modes ---- */

G_DEFINE_ENUM_TYPE (ExsChannelState, exs_channel_state,
                    G_DEFINE_ENUM_VALUE (EXS_CHANNEL_STOPPED, "stopped"),
                    G_DEFINE_ENUM_VALUE (EXS_CHANNEL_STARTING, "starting"),
                    G_DEFINE_ENUM_VALUE (EXS_CHANNEL_PROGRAMME, "programme"),
                    G_DEFINE_ENUM_VALUE (EXS_CHANNEL_ERROR_SCREEN, "error-screen"),
                    G_DEFINE_ENUM_VALUE (EXS_CHANNEL_OFFLINE, "offline"))

G_DEFINE_ENUM_TYPE (ExsChannelPipelineMode, exs_channel_pipeline_mode,
                    G_DEFINE_ENUM_VALUE (EXS_CHANNEL_PIPELINE_ENCODING, "encoding"),
                    G_DEFINE_ENUM_VALUE (EXS_CHANNEL_PIPELINE_REMUX, "remux"))

G_DEFINE_ENUM_TYPE (ExsChannelTranscodeMode, exs_channel_transcode_mode,
                    G_DEFINE_ENUM_VALUE (EXS_CHANNEL_TRANSCODE_AUTO, "auto"),
                    G_DEFINE_ENUM_VALUE (EXS_CHANNEL_TRANSCODE_TRANSCODE, "transcode"),
                    G_DEFINE_ENUM_VALUE (EXS_CHANNEL_TRANSCODE_REMUX, "remux"))

G_DEFINE_ENUM_TYPE (ExsChannelVisualMode, exs_channel_visual_mode,
                    G_DEFINE_ENUM_VALUE (EXS_CHANNEL_VISUAL_TEXT, "text"),
                    G_DEFINE_ENUM_VALUE (EXS_CHANNEL_VISUAL_STATIC, "static"),
                    G_DEFINE_ENUM_VALUE (EXS_CHANNEL_VISUAL_TEST_PATTERN, "test_pattern"),
                    G_DEFINE_ENUM_VALUE (EXS_CHANNEL_VISUAL_SLATE, "slate"))

G_DEFINE_ENUM_TYPE (ExsChannelAudioMode, exs_channel_audio_mode,
                    G_DEFINE_ENUM_VALUE (EXS_CHANNEL_AUDIO_SILENT, "silent"),
                    G_DEFINE_ENUM_VALUE (EXS_CHANNEL_AUDIO_SINE_WAVE, "sine_wave"),
                    G_DEFINE_ENUM_VALUE (EXS_CHANNEL_AUDIO_WHITE_NOISE, "white_noise"),
                    G_DEFINE_ENUM_VALUE (EXS_CHANNEL_AUDIO_BEEP, "beep"))

G_DEFINE_ENUM_TYPE (ExsChannelThrottleMode, exs_channel_throttle_mode,
                    G_DEFINE_ENUM_VALUE (EXS_CHANNEL_THROTTLE_REALTIME, "realtime"),
                    G_DEFINE_ENUM_VALUE (EXS_CHANNEL_THROTTLE_BURST, "burst"),
                    G_DEFINE_ENUM_VALUE (EXS_CHANNEL_THROTTLE_ADAPTIVE, "adaptive"),
                    G_DEFINE_ENUM_VALUE (EXS_CHANNEL_THROTTLE_DISABLED, "disabled"))

/* The class of the enum @type; the first call keeps a reference (the class
 * of a static type lives as long as the program anyway). */
static GEnumClass *
enum_class (GType type)
{
  GEnumClass *klass = g_type_class_peek (type);

  return klass ? klass : g_type_class_ref (type);
}

/* The nick of @value in the enum @type, or NULL. */
static const char *
enum_nick (GType type, int value)
{
  GEnumValue *v = g_enum_get_value (enum_class (type), value);

  return v ? v->value_nick : NULL;
}

/* The value whose nick is @nick, or @fallback for NULL or an unknown name. */
static int
enum_from_nick (GType type, const char *nick, int fallback)
{
  GEnumValue *v = nick ? g_enum_get_value_by_nick (enum_class (type), nick) : NULL;

  return v ? v->value : fallback;
}

/**
 * exs_channel_state_to_string:
 *
 * Returns: the state's nick ("stopped", "starting", "programme",
 *   "error-screen", "offline"), or "unknown"
 */
const char *
exs_channel_state_to_string (ExsChannelState state)
{
  const char *nick = enum_nick (EXS_TYPE_CHANNEL_STATE, state);

  return nick ? nick : "unknown";
}

/**
 * exs_channel_transcode_mode_from_string:
 * @nick: (nullable): "auto", "transcode" or "remux"
 *
 * Returns: the mode; %EXS_CHANNEL_TRANSCODE_TRANSCODE (encoding) for NULL or
 *   an unknown name
 */
ExsChannelTranscodeMode
exs_channel_transcode_mode_from_string (const char *nick)
{
  return enum_from_nick (EXS_TYPE_CHANNEL_TRANSCODE_MODE, nick, EXS_CHANNEL_TRANSCODE_TRANSCODE);
}

/**
 * exs_channel_pipeline_mode_to_string:
 *
 * Returns: the mode's nick: "encoding" or "remux" (what the API reports)
 */
const char *
exs_channel_pipeline_mode_to_string (ExsChannelPipelineMode mode)
{
  const char *nick = enum_nick (EXS_TYPE_CHANNEL_PIPELINE_MODE, mode);

  g_return_val_if_fail (nick != NULL, "encoding");
  return nick;
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

void
_exs_channel_set_state (ExsChannel *self, ExsChannelState state, const char *reason)
{
  ExsChannelState old = self->state;

  if (state == old)
    return;
  self->state = state;
  _exs_channel_set_slate (self, state);
  GST_INFO_OBJECT (self->pipeline, "state %s -> %s", exs_channel_state_to_string (old),
                   exs_channel_state_to_string (state));
  g_object_notify_by_pspec (G_OBJECT (self), _exs_channel_props[PROP_STATE]);
  if (state == EXS_CHANNEL_ERROR_SCREEN || state == EXS_CHANNEL_OFFLINE)
    g_signal_emit (self, _exs_channel_signals[SIGNAL_ERROR_SCREEN_SHOWN], 0, reason);
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
    _exs_channel_set_state (self, EXS_CHANNEL_OFFLINE, "offline");
  else if (cur->failed)
    {
      self->failing = TRUE;
      _exs_channel_set_state (self, EXS_CHANNEL_ERROR_SCREEN, "source-failed");
    }
  else if (cur->ended)
    _exs_channel_set_state (self, EXS_CHANNEL_ERROR_SCREEN, "ended-early");
  else if (cur->started)
    {
      gboolean was_failing = self->failing;

      self->failing = FALSE;
      _exs_channel_set_state (self, EXS_CHANNEL_PROGRAMME, NULL);
      if (was_failing)
        g_signal_emit (self, _exs_channel_signals[SIGNAL_SOURCE_RECOVERED], 0, cur->pi);
    }
  else if (self->state == EXS_CHANNEL_STOPPED)
    _exs_channel_set_state (self, EXS_CHANNEL_STARTING, NULL);
}

gboolean
_exs_channel_on_note_cb (gpointer data)
{
  Note *note = data;
  ExsChannel *self = note->channel;
  Item *item;

  if (self->pipeline == NULL)
    return G_SOURCE_REMOVE;
  if (note->kind == NOTE_PIPELINE_ERROR)
    {
      const char *fallback = exs_encoder_software (self->profile.video_codec);

      if (note->from_encoder && !g_str_equal (self->encoder, fallback))
        {
          g_message ("channel %s: encoder %s failed (%s); falling back to %s", self->number, self->encoder,
                     note->text, fallback);
          g_free (self->encoder);
          self->encoder = g_strdup (fallback);
        }
      if (self->self_restart)
        _exs_channel_restart_pipeline (self, note->text);
      else
        g_signal_emit (self, _exs_channel_signals[SIGNAL_RESTART_WANTED], 0, note->text, note->from_encoder);
      return G_SOURCE_REMOVE;
    }
  item = _exs_channel_find_item (self, note->item_id);
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
      _exs_channel_upstream_on_eos (self, item);
      break;
    case NOTE_SEEK:
      _exs_channel_do_seek (self, item);
      break;
    case NOTE_ERROR:
      _exs_channel_fail_item (self, item, note->text);
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
                _exs_channel_open_gate (next, kind);
                opened = TRUE;
              }
          }
        if (!opened)
          self->open_next[kind] = TRUE;
      }
      break;
    case NOTE_NO_FIT:
      self->remux_retry_us = 0; /* not in the channel's format: encoding it stays */
      _exs_channel_fall_back_to_encoding (self, note->text);
      break;
    case NOTE_PIPELINE_ERROR:
    default:
      break;
    }
  update_state (self);
  return G_SOURCE_REMOVE;
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
           * pipeline's new sink counts from 0 (_exs_channel_restart_pipeline clears it) */
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
              g_signal_emit (self, _exs_channel_signals[SIGNAL_VIEWER_BYTES], 0, value, delta);
            }
        }
      if (stats)
        gst_structure_free (stats);
    }
}

/* After each playout lookup. Nothing found is an offline stretch: traced
 * when the source says the channel has no playout (NOT_FOUND) or gives no
 * reason; any other error (the database failing) is a warning, once until a
 * lookup succeeds again (the tick asks every second while offline). */
static void
note_lookup (ExsChannel *self, gboolean found, const GError *error)
{
  if (found)
    {
      self->lookup_failing = FALSE;
      return;
    }
  GST_DEBUG_OBJECT (self->pipeline, "no playout: %s", error ? error->message : "?");
  if (error == NULL || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND) || self->lookup_failing)
    return;
  self->lookup_failing = TRUE;
  g_warning ("channel %s: cannot read its playout (off the air until it can): %s", self->number,
             error->message);
}

gboolean
_exs_channel_on_tick_cb (gpointer user_data)
{
  ExsChannel *self = user_data;
  gint64 now = g_get_real_time ();
  gint64 mono = g_get_monotonic_time ();
  gint64 last_out = (gint64) GPOINTER_TO_SIZE (g_atomic_pointer_get (&self->last_output_mono));
  Item *cur;
  gboolean live;

  /* 1. retire items whose slot is over */
  for (guint i = 0; i < self->items->len;)
    {
      Item *item = self->items->pdata[i];
      if (item->slot_end_us + RETIRE_AFTER_US < now)
        {
          _exs_channel_retire_item (self, item);
          g_ptr_array_remove_index (self->items, i);
          continue;
        }
      i++;
    }

  /* 2. a stalled item fails; a failed one is retried while its slot lasts */
  cur = current_item (self, now);
  live = _exs_channel_upstream_tick (self, cur, now); /* an upstream's own rules */
  if (live)
    ;
  else if (cur && cur->bin && !cur->failed && !cur->ended && !cur->started && now > cur->slot_start_us + NO_START_US)
    _exs_channel_fail_item (self, cur, "the source produced nothing");
  else if (cur && cur->bin && !cur->failed && !cur->ended && now > cur->slot_start_us + STALL_US)
    {
      gint64 last = (gint64) GPOINTER_TO_SIZE (g_atomic_pointer_get (&cur->last_buffer_mono));
      if (mono - last > STALL_US && g_atomic_int_get (&cur->n_eos) == 0)
        _exs_channel_fail_item (self, cur, "the source stalled");
    }
  if (!live && cur && cur->failed && !cur->retry_added && cur->retries < MAX_RETRIES && now > cur->failed_at_us + RETRY_DELAY_US
      && cur->slot_end_us - now > RETRY_DELAY_US)
    {
      Item *retry;
      guint retries = cur->retries + 1;

      g_message ("channel %s: retrying %s (%u)", self->number, cur->pi->uri, retries);
      retry = _exs_channel_add_item (self, exs_playout_item_copy (cur->pi), now + G_USEC_PER_SEC / 5);
      retry->retries = retries;
      cur->retry_added = TRUE; /* until the retry takes the air, the tick still sees this one */
    }

  /* an item without video is sought once it had time to show its streams */
  for (guint i = 0; i < self->items->len; i++)
    {
      Item *item = self->items->pdata[i];
      if (item->bin && !item->retired && now > item->created_us + G_USEC_PER_SEC
          && g_atomic_int_compare_and_exchange (&item->seek_state, SEEK_WANTED, SEEK_REQUESTED))
        _exs_channel_do_seek (self, item);
    }

  /* 2b. an offline stretch on air ends as soon as the playout has something
   * there instead (a rebuild after content was added): asked once a second */
  if (cur && cur->bin == NULL && !cur->resolving && !cur->failed
      && cur == g_ptr_array_index (self->items, self->items->len - 1)
      && now >= self->offline_check_us)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (ExsPlayoutItem) there = exs_playout_source_lookup (self->playout, self->number, now, &error);

      self->offline_check_us = now + G_USEC_PER_SEC;
      note_lookup (self, there != NULL, error);
      if (there && there->kind != EXS_PLAYOUT_ITEM_OFFLINE && there->uri != NULL)
        {
          GST_INFO_OBJECT (self->pipeline, "item %u: the offline stretch ends now", cur->id);
          cur->slot_end_us = self->horizon_us = now;
          cur->slot_end_rt = _exs_channel_wall_to_rt (self, now);
        }
    }

  /* 3. build the next item ahead of its slot */
  while (self->horizon_us - now < PREROLL_US)
    {
      g_autoptr (GError) error = NULL;
      ExsPlayoutItem *pi = exs_playout_source_lookup (self->playout, self->number, self->horizon_us, &error);
      Item *item;

      note_lookup (self, pi != NULL, error);
      if (pi == NULL)
        {
          pi = exs_playout_item_new ();
          pi->start_us = self->horizon_us;
          pi->stop_us = self->horizon_us + G_USEC_PER_SEC;
        }
      if (pi->stop_us <= self->horizon_us)
        pi->stop_us = self->horizon_us + G_USEC_PER_SEC;
      item = _exs_channel_add_item (self, pi, self->horizon_us);
      self->horizon_us = item->slot_end_us;
    }

  /* 3. back to the remux path: a while after an item failed there (a slow
   * start on a busy machine, a source that came back), once a programme
   * plays well on encoding */
  if (!self->remux && self->remux_retry_us != 0 && now >= self->remux_retry_us && cur && cur->started
      && !cur->failed && !cur->ended)
    {
      self->remux_retry_us = 0;
      self->remux = TRUE;
      _exs_channel_release_fallback (self);
      g_message ("channel %s: back on the remux path", self->number);
      _exs_channel_restart_pipeline (self, "back on the remux path after an item failed there");
      return G_SOURCE_CONTINUE;
    }

  /* 4. the watchdog: a live pipeline always produces */
  if (last_out != 0 ? mono - last_out > OUTPUT_STALL_US : mono - self->started_mono > OUTPUT_STALL_US)
    {
      gint64 stalled = mono - (last_out ? last_out : self->started_mono);
      g_warning ("channel %s: no output for %.1f s; restarting its pipeline", self->number, stalled / 1e6);
      g_signal_emit (self, _exs_channel_signals[SIGNAL_OUTPUT_STALLED], 0, stalled);
      if (self->pipeline == NULL) /* a handler restarted or stopped us */
        return G_SOURCE_REMOVE;
      if (!self->self_restart)
        {
          /* asked for once per stall period; whoever decides calls exs_channel_restart() */
          self->started_mono = mono;
          g_atomic_pointer_set (&self->last_output_mono, NULL);
          g_signal_emit (self, _exs_channel_signals[SIGNAL_RESTART_WANTED], 0, "output stalled", FALSE);
          return self->tick_id ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
        }
      /* off the remux path only on a fallback slot (exs-channel-items.c) */
      if (self->remux && _exs_channel_take_fallback (self))
        self->remux = FALSE;
      _exs_channel_restart_pipeline (self, "output stalled");
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
  g_signal_emit (self, _exs_channel_signals[SIGNAL_VIEWER_REMOVED], 0, viewer);
  return G_SOURCE_REMOVE;
}

/* multisocketsink's thread (or ours while stopping): the sink is done with
 * the socket; close it on the main loop. */
void
_exs_channel_on_client_socket_removed_cb (GstElement *sink, GSocket *socket, gpointer user_data)
{
  ExsChannel *self = user_data;
  ViewerNote *n = g_new0 (ViewerNote, 1);
  int status = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (socket), "exs-status"));

  n->channel = g_object_ref (self);
  n->socket = g_object_ref (socket);
  n->status = status ? status : -1;
  _exs_channel_run_on_context (g_main_context_default (), on_viewer_gone_cb, n, (GDestroyNotify) viewer_note_free);
}

void
_exs_channel_on_client_removed_cb (GstElement *sink, GSocket *socket, int status, gpointer user_data)
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
  GSocket *socket;

  g_return_if_fail (EXS_IS_CHANNEL (self));
  g_return_if_fail (EXS_IS_VIEWER (viewer));
  g_return_if_fail (self->sink != NULL);
  socket = exs_viewer_get_socket (viewer);
  g_hash_table_replace (self->viewers, socket, g_object_ref (viewer));
  exs_viewer_set_state (viewer, EXS_VIEWER_STREAMING);
  g_signal_emit (self, _exs_channel_signals[SIGNAL_VIEWER_ADDED], 0, viewer);
  g_signal_emit_by_name (self->sink, "add", socket);
}

guint
exs_channel_get_n_viewers (ExsChannel *self)
{
  g_return_val_if_fail (EXS_IS_CHANNEL (self), 0);
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

  g_return_val_if_fail (EXS_IS_CHANNEL (self), out);
  poll_viewer_stats (self);
  g_hash_table_iter_init (&iter, self->viewers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (out, g_object_ref (value));
  return out;
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
  g_return_if_fail (EXS_IS_CHANNEL (self));
  self->self_restart = self_restart;
}

/* A software encoder (or none) means the profile's codec's: "x264enc" for
 * an HEVC channel is x265enc. */
static const char *
encoder_for_profile (const char *encoder, const ExsChannelProfile *profile)
{
  if (encoder == NULL || exs_encoder_is_software (encoder))
    return exs_encoder_software (profile->video_codec);
  return encoder;
}

/**
 * exs_channel_set_encoder:
 * @encoder: a video encoder factory name of the profile's codec; a
 *   software one (x264enc, x265enc) means the codec's software encoder
 *
 * Used from the next pipeline build (start or restart) on.
 */
void
exs_channel_set_encoder (ExsChannel *self, const char *encoder)
{
  g_return_if_fail (EXS_IS_CHANNEL (self));
  g_return_if_fail (encoder != NULL);
  g_free (self->encoder);
  self->encoder = g_strdup (encoder_for_profile (encoder, &self->profile));
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
  GSocket *socket;

  g_return_if_fail (EXS_IS_CHANNEL (self));
  g_return_if_fail (EXS_IS_VIEWER (viewer));
  socket = exs_viewer_get_socket (viewer);
  if (self->sink == NULL || g_hash_table_lookup (self->viewers, socket) != viewer)
    return;
  g_object_set_data_full (G_OBJECT (viewer), "exs-remove-reason", g_strdup (reason), g_free);
  g_signal_emit_by_name (self->sink, "remove", socket);
}

/* ---- object ---- */

const char *
exs_channel_get_number (ExsChannel *self)
{
  g_return_val_if_fail (EXS_IS_CHANNEL (self), NULL);
  return self->number;
}

ExsChannelState
exs_channel_get_state (ExsChannel *self)
{
  g_return_val_if_fail (EXS_IS_CHANNEL (self), EXS_CHANNEL_STOPPED);
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
  g_return_val_if_fail (EXS_IS_CHANNEL (self), NULL);
  return self->current;
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
  g_return_val_if_fail (reason != NULL, FALSE);
  cur = self->pipeline ? current_item (self, g_get_real_time ()) : NULL;
  if (cur == NULL || cur->failed || cur->retired || cur->pi->uri == NULL)
    return FALSE;
  if (!retry)
    cur->retries = MAX_RETRIES;
  _exs_channel_fail_item (self, cur, reason);
  update_state (self);
  return TRUE;
}

/**
 * exs_channel_get_position_us:
 *
 * Returns: the position in the current item's media, or -1
 */
gint64
exs_channel_get_position_us (ExsChannel *self)
{
  g_return_val_if_fail (EXS_IS_CHANNEL (self), -1);
  if (self->current == NULL || self->current->kind == EXS_PLAYOUT_ITEM_OFFLINE)
    return -1;
  return exs_playout_item_offset_at (self->current, g_get_real_time ());
}

const char *
exs_channel_get_encoder (ExsChannel *self)
{
  g_return_val_if_fail (EXS_IS_CHANNEL (self), NULL);
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
  g_return_val_if_fail (EXS_IS_CHANNEL (self), FALSE);
  return self->remux;
}

/**
 * exs_channel_get_frames_dropped:
 *
 * Returns: the frames an encoding channel dropped before its encoder to stay
 *   live, since it was made: the encoder fell half a second behind (a machine
 *   too busy for the channel's profile). Also posted as QoS messages, so the
 *   health monitor counts them in exstreamtv_channel_dropped_frames.
 */
guint
exs_channel_get_frames_dropped (ExsChannel *self)
{
  g_return_val_if_fail (EXS_IS_CHANNEL (self), 0);
  return (guint) g_atomic_int_get (self->frames_dropped);
}

/**
 * exs_channel_get_pictures_late:
 *
 * Returns: the pictures of the channel's items that came from their decoders
 *   more than the compositor's repeat window (a quarter second) after their
 *   time, since the channel was made: the slate showed through meanwhile.
 *   A machine too busy to decode the channel's items in real time.
 */
guint
exs_channel_get_pictures_late (ExsChannel *self)
{
  g_return_val_if_fail (EXS_IS_CHANNEL (self), 0);
  return (guint) g_atomic_int_get (self->pictures_late);
}

/**
 * exs_channel_get_remux_retry_time:
 *
 * Returns: the wall time (µs) at which a channel moved to encoding because
 *   an item failed on the remux path goes back to it, or 0
 */
gint64
exs_channel_get_remux_retry_time (ExsChannel *self)
{
  g_return_val_if_fail (EXS_IS_CHANNEL (self), 0);
  return self->remux ? 0 : self->remux_retry_us;
}

/**
 * exs_channel_get_pipeline_mode:
 *
 * Returns: the pipeline the channel uses now (or starts with)
 */
ExsChannelPipelineMode
exs_channel_get_pipeline_mode (ExsChannel *self)
{
  g_return_val_if_fail (EXS_IS_CHANNEL (self), EXS_CHANNEL_PIPELINE_ENCODING);
  return self->remux ? EXS_CHANNEL_PIPELINE_REMUX : EXS_CHANNEL_PIPELINE_ENCODING;
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
  g_return_val_if_fail (EXS_IS_CHANNEL (self), 0);
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
  g_return_val_if_fail (EXS_IS_CHANNEL (self), NULL);
  return self->pipeline;
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
  g_atomic_rc_box_release (self->frames_dropped);
  g_atomic_rc_box_release (self->pictures_late);
  _exs_channel_release_fallback (self);
  if (self->encoding_fallbacks)
    g_atomic_rc_box_release (self->encoding_fallbacks);
  g_free (self->number);
  g_free (self->name);
  g_free (self->encoder);
  g_free (self->title);
  g_free (self->subtitle);
  exs_channel_media_free (self->media);
  exs_channel_watermark_free (self->watermark);
  _exs_channel_audio_finalize (self);
  G_OBJECT_CLASS (exs_channel_parent_class)->finalize (object);
}

static void
exs_channel_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  ExsChannel *self = EXS_CHANNEL (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
exs_channel_class_init (ExsChannelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  guint *signals = _exs_channel_signals;
  GParamSpec **props = _exs_channel_props;

  object_class->dispose = exs_channel_dispose;
  object_class->finalize = exs_channel_finalize;
  object_class->get_property = exs_channel_get_property;

  /**
   * ExsChannel:state:
   *
   * Where the channel is (an #ExsChannelState); notify::state follows every
   * change, on the main loop.
   */
  props[PROP_STATE] = g_param_spec_enum ("state", NULL, NULL, EXS_TYPE_CHANNEL_STATE, EXS_CHANNEL_STOPPED,
                                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
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
  self->items = g_ptr_array_new_with_free_func ((GDestroyNotify) _exs_channel_item_unref);
  self->viewers = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_object_unref);
  self->frames_dropped = g_atomic_rc_box_new0 (gint);
  self->pictures_late = g_atomic_rc_box_new0 (gint);
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
  ExsChannel *self;

  g_return_val_if_fail (number != NULL, NULL);
  g_return_val_if_fail (profile != NULL, NULL);
  g_return_val_if_fail (options != NULL, NULL);
  g_return_val_if_fail (EXS_IS_PLAYOUT_SOURCE (playout), NULL);
  self = g_object_new (EXS_TYPE_CHANNEL, NULL);
  self->number = g_strdup (number);
  self->profile = *profile;
  self->playout = g_object_ref (playout);
  self->name = g_strdup (options->name ? options->name : number);
  self->encoder = g_strdup (encoder_for_profile (options->encoder, profile));
  self->visual_mode = enum_from_nick (EXS_TYPE_CHANNEL_VISUAL_MODE, options->visual_mode, EXS_CHANNEL_VISUAL_TEXT);
  self->audio_mode = enum_from_nick (EXS_TYPE_CHANNEL_AUDIO_MODE, options->audio_mode, EXS_CHANNEL_AUDIO_SILENT);
  self->title = g_strdup (options->title ? options->title : "Technical Difficulties");
  self->subtitle = g_strdup (options->subtitle ? options->subtitle : "We'll be right back");
  self->throttle_mode = enum_from_nick (EXS_TYPE_CHANNEL_THROTTLE_MODE, options->throttle_mode,
                                        EXS_CHANNEL_THROTTLE_REALTIME);
  self->viewer_stall_seconds = options->viewer_stall_seconds ? options->viewer_stall_seconds : 20;
  self->remux = options->remux;
  self->remux_retry_seconds = options->remux_retry_seconds ? options->remux_retry_seconds : 60;
  if (options->encoding_fallbacks)
    {
      self->encoding_fallbacks = g_atomic_rc_box_acquire (options->encoding_fallbacks);
      self->max_encoding_fallbacks = options->max_encoding_fallbacks;
    }
  self->media = options->media ? exs_channel_media_copy (options->media) : exs_channel_media_new ();
  _exs_channel_picture_setup (self);
  _exs_channel_subtitles_check_remux (self);
  self->self_restart = TRUE;
  return self;
}
