/* exs-channel-audio.c: a channel's audio PIDs and what each item puts on them.
 *
 * Part of ExsChannel (exs-channel-private.h). The channel's media settings
 * (ExsChannelMedia) decide, when its pipeline is built, how many audio PIDs
 * it has and the ISO 639 language each carries in the PMT (mpegtsmux writes
 * the descriptor from a stream's language-code tag, and only when it creates
 * the stream: a PID's language cannot change while the channel runs):
 *   audio_tracks "preferred": one PID, labelled with the first preferred
 *     language; each item puts on it its first track in a preferred
 *     language, else its default track (the one flagged default, else the
 *     first);
 *   audio_tracks "all": one PID per preferred language, in order (up to
 *     EXS_CHANNEL_AUDIO_MAX_PIDS); each item puts its track of that language
 *     there, and a PID whose language the item lacks plays silence (its
 *     mixer's own silent source), so the set of PIDs never changes across
 *     programme boundaries. PID 0 falls back to the item's default track.
 * Each PID has its own audiomixer with two item slots, like PID 0's.
 *
 * Loudness: with loudness_target_lufs set, an item the library has measured
 * (media_items.loudness_lufs, written at scan) plays through a volume
 * element at target − measured dB, clamped to ±20 dB; any other item plays
 * at unity gain. Remux channels pick the chosen track but cannot change
 * loudness (that needs decoding).
 *
 * The track choice runs in decodebin3's select-stream signal (a streaming
 * thread) from the stream collection's tags and flags; the item's map from
 * stream to PID is guarded by the item's lock. decodebin3 often asks before
 * the demuxer's tags have reached the collection (every call for an item
 * can see no language at all, on a busy machine): then every audio track is
 * decoded and the choice is made again as each decoded pad comes, from the
 * same collection, whose streams have their tags by then.
 */
#include "config.h"

#include "exs-channel-private.h"

#include "exs-elements.h"
#include "exs-media-store.h"

#include <gst/tag/tag.h>
#include <math.h>

/* "ja", "jpn" and "JPN" compare equal: ISO 639-1 where one exists */
static char *
normalise_language (const char *code)
{
  const char *short_code;

  if (code == NULL || *code == '\0')
    return NULL;
  short_code = gst_tag_get_language_code_iso_639_1 (code);
  return g_ascii_strdown (short_code ? short_code : code, -1);
}

/* A stream's language as normalise_language() gives it, or NULL while its
 * tags have none (yet). */
static char *
stream_language (GstStream *stream)
{
  g_autoptr (GstTagList) tags = stream ? gst_stream_get_tags (stream) : NULL;
  g_autofree char *code = NULL;

  if (tags)
    gst_tag_list_get_string (tags, GST_TAG_LANGUAGE_CODE, &code);
  return normalise_language (code);
}

/* ---- the channel's side ---- */

/* Decides the PIDs from the media settings (before each build). */
void
_exs_channel_audio_configure (ExsChannel *self)
{
  ExsChannelAudio *a = &self->audio;
  const ExsChannelMedia *m = self->media;
  guint n_languages = m->audio_languages ? g_strv_length (m->audio_languages) : 0;

  for (guint k = 0; k < EXS_CHANNEL_AUDIO_MAX_PIDS; k++)
    g_clear_pointer (&a->pid_language[k], g_free);
  a->n_pids = 1;
  if (m->audio_tracks == EXS_AUDIO_TRACKS_ALL && !self->remux)
    a->n_pids = CLAMP (n_languages, 1, EXS_CHANNEL_AUDIO_MAX_PIDS);
  for (guint k = 0; k < a->n_pids && k < n_languages; k++)
    a->pid_language[k] = g_strdup (m->audio_languages[k]);
}

/**
 * _exs_channel_audio_tag:
 *
 * Returns: (transfer full): the pipeline text that labels PID @pid with its
 * language ("taginject ... ! "), or "" when it has none
 */
char *
_exs_channel_audio_tag (ExsChannel *self, guint pid)
{
  const char *code = pid < self->audio.n_pids ? self->audio.pid_language[pid] : NULL;

  /* codes are checked letters (exs_channel_media_update_from_json) */
  if (code == NULL || !exs_elements_have ("taginject"))
    return g_strdup ("");
  return g_strdup_printf ("taginject tags=\"language-code=%s\" ! ", code);
}

/* The pipeline text of PIDs 1..: a mixer each (fed by a silent source and
 * the two item slots), encoded like PID 0, into the mux. */
char *
_exs_channel_audio_description (ExsChannel *self, const char *acaps, const char *encoder)
{
  GString *s = g_string_new (NULL);

  for (guint k = 1; k < self->audio.n_pids; k++)
    {
      g_autofree char *tag = _exs_channel_audio_tag (self, k);

      g_string_append_printf (s,
                              " audiomixer name=amix%u latency=%" G_GUINT64_FORMAT " ! %s ! audioconvert "
                              "! %s "
                              "! queue max-size-buffers=0 max-size-bytes=0 max-size-time=2000000000 ! %smux. "
                              "audiotestsrc is-live=true wave=silence ! %s ! amix%u.sink_0",
                              k, (guint64) (100 * GST_MSECOND), acaps, encoder, tag, acaps, k);
    }
  return g_string_free (s, FALSE);
}

/* After the pipeline is parsed: the item slots of PIDs 1.. */
void
_exs_channel_audio_build (ExsChannel *self)
{
  for (guint k = 1; k < self->audio.n_pids; k++)
    {
      g_autofree char *name = g_strdup_printf ("amix%u", k);
      g_autoptr (GstElement) mixer = gst_bin_get_by_name (GST_BIN (self->pipeline), name);

      for (guint i = 0; i < 2; i++)
        self->audio.extra_slots[k][i] = gst_element_request_pad_simple (mixer, "sink_%u");
    }
}

void
_exs_channel_audio_clear (ExsChannel *self)
{
  for (guint k = 0; k < EXS_CHANNEL_AUDIO_MAX_PIDS; k++)
    for (guint i = 0; i < 2; i++)
      gst_clear_object (&self->audio.extra_slots[k][i]);
}

void
_exs_channel_audio_finalize (ExsChannel *self)
{
  _exs_channel_audio_clear (self);
  for (guint k = 0; k < EXS_CHANNEL_AUDIO_MAX_PIDS; k++)
    g_clear_pointer (&self->audio.pid_language[k], g_free);
  g_clear_object (&self->audio.library);
}

/**
 * exs_channel_set_library:
 * @database: (nullable): the library that measured the items' loudness
 *
 * Where the channel reads an item's measured loudness (by its
 * media_item_id) when loudness_target_lufs is set. Without it every item
 * plays at unity gain.
 */
void
exs_channel_set_library (ExsChannel *self, ExsDatabase *database)
{
  g_return_if_fail (EXS_IS_CHANNEL (self));
  g_set_object (&self->audio.library, database);
}

/* ---- an item's side ---- */

/* Main thread: the measured loudness of @pi's library item as a linear
 * volume for the channel's target; 1.0 when off or unknown. One indexed
 * row, on the main loop like the remux decision's lookups. */
static double
item_volume (ExsChannel *self, const ExsPlayoutItem *pi)
{
  g_autoptr (GError) error = NULL;
  double measured = NAN;
  double gain_db;

  if (!self->media->loudness || self->audio.library == NULL || pi->media_item_id <= 0)
    return 1.0;
  if (!exs_media_store_get_loudness (self->audio.library, pi->media_item_id, &measured, &error))
    {
      if (error)
        g_message ("channel %s: item %" G_GINT64_FORMAT " plays at unity gain: %s", self->number,
                   pi->media_item_id, error->message);
      return 1.0;
    }
  gain_db = CLAMP (self->media->loudness_target_lufs - measured, -EXS_CHANNEL_AUDIO_MAX_GAIN_DB,
                   EXS_CHANNEL_AUDIO_MAX_GAIN_DB);
  GST_DEBUG_OBJECT (self->pipeline, "item %" G_GINT64_FORMAT ": measured %.1f LUFS, gain %+.1f dB",
                    pi->media_item_id, measured, gain_db);
  return pow (10.0, gain_db / 20.0);
}

/* Which PID each audio stream of @collection goes to: stream-id → PID + 1. */
static GHashTable *
choose_tracks (const ExsItemAudio *a, GstStreamCollection *collection)
{
  GHashTable *map = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint n = gst_stream_collection_get_size (collection);
  g_autoptr (GPtrArray) audio = g_ptr_array_new ();
  g_autoptr (GPtrArray) languages = g_ptr_array_new_with_free_func (g_free);
  g_autofree gboolean *taken = NULL;
  int fallback = -1;
  guint n_wanted = a->all ? a->n_pids : 1;

  for (guint i = 0; i < n; i++)
    {
      GstStream *stream = gst_stream_collection_get_stream (collection, i);

      if (!(gst_stream_get_stream_type (stream) & GST_STREAM_TYPE_AUDIO))
        continue;
      if (fallback < 0 && (gst_stream_get_stream_flags (stream) & GST_STREAM_FLAG_SELECT))
        fallback = (int) audio->len;
      g_ptr_array_add (audio, stream);
      g_ptr_array_add (languages, stream_language (stream));
    }
  if (audio->len == 0)
    return map;
  if (fallback < 0)
    fallback = 0;
  taken = g_new0 (gboolean, audio->len);

  /* "all": PID k takes the track of language k; "preferred": PID 0 takes
   * the first track of the first preferred language the item has */
  for (guint k = 0; k < n_wanted; k++)
    {
      int chosen = -1;

      for (guint l = a->all ? k : 0; a->languages && a->languages[l] && chosen < 0; l++)
        {
          for (guint i = 0; i < audio->len && chosen < 0; i++)
            if (!taken[i] && g_strcmp0 (languages->pdata[i], a->languages[l]) == 0)
              chosen = (int) i;
          if (a->all)
            break;
        }
      if (chosen < 0 && k == 0)
        {
          /* nothing in the wanted language: the item's default track */
          chosen = fallback;
        }
      if (chosen >= 0 && !taken[chosen])
        {
          taken[chosen] = TRUE;
          g_hash_table_insert (map, g_strdup (gst_stream_get_stream_id (audio->pdata[chosen])),
                               GUINT_TO_POINTER (k + 1));
        }
    }
  return map;
}

/* Streaming thread: whether @collection's @stream is one the item plays;
 * keeps the item's map for pad-added. */
static gboolean
item_chooses (Item *item, GstStreamCollection *collection, GstStream *stream)
{
  GHashTable *map = choose_tracks (&item->audio, collection);
  gboolean chosen = g_hash_table_contains (map, gst_stream_get_stream_id (stream));

  g_mutex_lock (&item->lock);
  g_clear_pointer (&item->audio.pid_of_stream, g_hash_table_unref);
  item->audio.pid_of_stream = map;
  g_mutex_unlock (&item->lock);
  return chosen;
}

/* Under the item's lock, "all" mode: a PID for an audio stream the choice
 * did not place. The collection decodebin3 chose from can come before the
 * demuxer's tags (then no track matched a language and only one was
 * chosen: the other PIDs stayed silent for the whole item); every audio
 * stream is taken in "all" mode, and placed here by its language when its
 * tags have come, else on the first free PID. */
static int
free_pid (ExsItemAudio *a, GstStream *stream)
{
  g_autofree char *language = stream_language (stream);

  for (guint k = 0; language && a->languages && k < a->n_pids && a->languages[k]; k++)
    if (!(a->linked & (1u << k)) && g_strcmp0 (a->languages[k], language) == 0)
      return (int) k;
  for (guint k = 0; k < a->n_pids; k++)
    if (!(a->linked & (1u << k)))
      return (int) k;
  return -1;
}

/* Whether choosing among @collection's audio tracks needs languages it does
 * not show yet: several tracks, a language wanted, one track untagged. */
static gboolean
languages_missing (const ExsItemAudio *a, GstStreamCollection *collection)
{
  guint n = gst_stream_collection_get_size (collection), audio = 0;
  gboolean untagged = FALSE;

  if (a->languages == NULL || a->languages[0] == NULL)
    return FALSE;
  for (guint i = 0; i < n; i++)
    {
      GstStream *stream = gst_stream_collection_get_stream (collection, i);
      g_autofree char *language = NULL;

      if (!(gst_stream_get_stream_type (stream) & GST_STREAM_TYPE_AUDIO))
        continue;
      audio++;
      language = stream_language (stream);
      untagged |= language == NULL;
    }
  return audio > 1 && untagged;
}

/* Streaming thread of decodebin3: 1 for the audio tracks the item plays, 0
 * for its other audio tracks, -1 (decodebin3 decides) for the rest. */
static gint
on_select_stream_cb (GstElement *decodebin, GstStreamCollection *collection, GstStream *stream, gpointer user_data)
{
  Item *item = user_data;
  gboolean chosen, late;

  if (!(gst_stream_get_stream_type (stream) & GST_STREAM_TYPE_AUDIO))
    return -1;
  g_mutex_lock (&item->lock);
  late = item->audio.collection != NULL;
  g_mutex_unlock (&item->lock);
  if (late || languages_missing (&item->audio, collection))
    {
      /* decode them all, and keep the same answer when decodebin3 asks
       * again (a changed one loses tracks): claim_pid() chooses when their
       * tags have come */
      g_mutex_lock (&item->lock);
      gst_object_replace ((GstObject **) &item->audio.collection, GST_OBJECT (collection));
      g_mutex_unlock (&item->lock);
      return 1;
    }
  chosen = item_chooses (item, collection, stream);
  return chosen || item->audio.all ? 1 : 0; /* "all": every track, placed by free_pid() when unchosen */
}

/* Main thread, before the item's bin runs. */
void
_exs_channel_audio_setup_item (ExsChannel *self, Item *item)
{
  ExsItemAudio *a = &item->audio;
  g_autoptr (GStrvBuilder) languages = g_strv_builder_new ();
  const ExsChannelMedia *media = _exs_channel_item_media (self, item); /* a schedule item's override */

  a->n_pids = self->audio.n_pids;
  a->all = a->n_pids > 1;
  a->slots[0] = item->aslot;
  for (guint k = 1; k < a->n_pids && item->slot >= 0; k++)
    a->slots[k] = self->audio.extra_slots[k][item->slot];
  for (guint l = 0; media->audio_languages && media->audio_languages[l]; l++)
    {
      g_autofree char *code = normalise_language (media->audio_languages[l]);
      g_strv_builder_add (languages, code);
    }
  a->languages = g_strv_builder_end (languages);
  a->volume = item_volume (self, item->pi);
  if (item->decodebin && !item->remux)
    g_signal_connect_data (item->decodebin, "select-stream", G_CALLBACK (on_select_stream_cb),
                           g_atomic_rc_box_acquire (item), (GClosureNotify) _exs_channel_item_unref, 0);
}

void
_exs_channel_audio_clear_item (Item *item)
{
  g_clear_pointer (&item->audio.languages, g_strfreev);
  g_clear_pointer (&item->audio.pid_of_stream, g_hash_table_unref);
  gst_clear_object (&item->audio.collection);
}

/* Streaming thread of a decoded pad: waits, up to a second, for the tags
 * of @collection's audio streams. They are on their way (each stream's
 * TAG event comes before its first buffer), carried by the streams' own
 * threads; GstStream has no wait of its own, so it polls every 10 ms. */
static void
wait_for_languages (const ExsItemAudio *a, GstStreamCollection *collection)
{
  gint64 deadline = g_get_monotonic_time () + G_USEC_PER_SEC;

  while (languages_missing (a, collection) && g_get_monotonic_time () < deadline)
    g_usleep (10 * 1000);

}

/* Streaming thread: the PID @pad's stream goes to (-1: none). Without a
 * choice made (no collection seen), the first audio stream takes PID 0. */
static int
claim_pid (Item *item, GstStream *stream)
{
  ExsItemAudio *a = &item->audio;
  int pid = -1;
  g_autoptr (GstStreamCollection) late = NULL;
  g_autoptr (GHashTable) map = NULL;

  g_mutex_lock (&item->lock);
  if (a->collection && a->pid_of_stream == NULL && stream)
    {
      /* chosen late (languages_missing()), once, at the first decoded pad */
      late = gst_object_ref (a->collection);
      g_mutex_unlock (&item->lock);
      wait_for_languages (a, late);
      map = choose_tracks (a, late);
      g_mutex_lock (&item->lock);
      if (a->pid_of_stream == NULL)
        a->pid_of_stream = g_steal_pointer (&map);
    }
  if (a->pid_of_stream == NULL || stream == NULL)
    pid = a->all ? free_pid (a, stream) : 0; /* no choice made: the first audio stream */
  else
    pid = GPOINTER_TO_INT (g_hash_table_lookup (a->pid_of_stream, gst_stream_get_stream_id (stream))) - 1;
  if (pid < 0 && a->all)
    pid = free_pid (a, stream);
  if (pid >= 0 && (guint) pid < a->n_pids && !(a->linked & (1u << pid)))
    a->linked |= 1u << pid;
  else
    pid = -1;
  g_mutex_unlock (&item->lock);
  return pid;
}

/**
 * _exs_channel_audio_claim_slot:
 *
 * Streaming thread of the item's decodebin: the mixer pad @pad's audio
 * stream is linked to, or NULL when the channel does not carry it.
 *
 * Returns: (transfer none) (nullable)
 */
GstPad *
_exs_channel_audio_claim_slot (Item *item, GstPad *pad)
{
  g_autoptr (GstStream) stream = gst_pad_get_stream (pad);
  int pid = claim_pid (item, stream);

  if (pid < 0)
    return NULL;
  GST_DEBUG ("item %u: audio stream %s on PID %d", item->id, stream ? gst_stream_get_stream_id (stream) : "?", pid);
  return item->audio.slots[pid];
}

/* Streaming thread: the item's loudness gain, for its audio chain.
 * Returns: (transfer floating) (nullable) */
GstElement *
_exs_channel_audio_make_volume (Item *item)
{
  GstElement *volume = gst_element_factory_make ("volume", NULL);

  if (volume)
    g_object_set (volume, "volume", item->audio.volume, NULL);
  return volume;
}

/**
 * _exs_channel_audio_pick_remux:
 *
 * Streaming thread of parsebin: whether the remux channel carries @pad's
 * audio stream — the chosen track when a stream collection with languages
 * is on the pad, else the first audio stream. parsebin 1.22 exposes its
 * pads before any collection or tags reach them, so with several audio
 * tracks the remux path cannot choose by language: *@needs_choice is set
 * for a second audio stream when the channel has audio_languages (the
 * caller moves the channel to encoding, where the choice works).
 */
gboolean
_exs_channel_audio_pick_remux (Item *item, GstPad *pad, gboolean *needs_choice)
{
  g_autoptr (GstEvent) event = gst_pad_get_sticky_event (pad, GST_EVENT_STREAM_COLLECTION, 0);
  g_autoptr (GstStream) stream = gst_pad_get_stream (pad);
  gboolean chosen_known = FALSE;

  *needs_choice = FALSE;
  if (event && stream)
    {
      g_autoptr (GstStreamCollection) collection = NULL;

      gst_event_parse_stream_collection (event, &collection);
      item_chooses (item, collection, stream);
      chosen_known = TRUE;
    }
  if (claim_pid (item, stream) == 0)
    return TRUE;
  *needs_choice = !chosen_known && item->audio.languages && item->audio.languages[0];
  return FALSE;
}
