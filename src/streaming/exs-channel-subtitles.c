/* exs-channel-subtitles.c: subtitles burned into an item's picture.
 *
 * Part of ExsChannel (exs-channel-private.h). A channel whose media settings
 * ask for subtitles (subtitle_mode "forced" or "always", subtitle_languages
 * in order) burns one track per item into the picture:
 *
 *   uridecodebin3 ─video──► queue ─► [subtitles: subtitleoverlay] ─► convert/scale ─► slot
 *                 ─text───────────────────────┘   (embedded: SRT, ASS/SSA, PGS, VobSub)
 *   filesrc ─► subparse ─────────────────────┘   (or a sidecar: Film.en.srt)
 *
 * subtitleoverlay (the element playbin uses) picks the renderer by caps:
 * textoverlay for text, assrender for ASS/SSA, dvdspu for PGS and VobSub. It
 * sits before scaling, so image subtitles meet the picture they were made
 * for. The choice is made once per item, on the streaming thread where
 * uridecodebin3 asks "select-stream" with the item's stream collection:
 * its text streams (language and title from their tags, FlagForced read
 * from a Matroska file's header, exs-matroska-tracks.c) and the sidecar
 * files next to the media (exs-subtitle-sidecar.c) go to
 * exs_subtitle_choose(). File reading happens there, never on the main loop.
 *
 * Timing: decodebin3's multiqueue knows text streams are sparse and the
 * demuxer sends GAP events, so a text stream that is silent or ends early
 * does not hold the picture back; a sidecar's subparse reads its file to the
 * end and goes EOS. A sidecar is not part of the item's seek (mid-programme
 * joins), so its pad is offset by the seek position instead: both then
 * start their running time at the same media position.
 *
 * Remux channels pass items through untouched and cannot burn anything in:
 * a channel that asks for subtitles encodes (_exs_channel_subtitles_check_remux).
 */
#include "config.h"

#include "exs-channel-subtitles.h"

#include "exs-channel-private.h"
#include "exs-matroska-tracks.h"
#include "exs-subtitle-sidecar.h"

#include <gst/tag/tag.h>
#include <string.h>

/* The language codes of @a and @b name the same language: "en", "eng" and
 * "EN" are one; "fre" and "fra" too. */
gboolean
exs_subtitle_language_equal (const char *a, const char *b)
{
  g_autofree char *la = NULL;
  g_autofree char *lb = NULL;
  const char *na, *nb;

  if (a == NULL || b == NULL)
    return FALSE;
  la = g_ascii_strdown (a, -1);
  lb = g_ascii_strdown (b, -1);
  na = gst_tag_get_language_code_iso_639_1 (la);
  nb = gst_tag_get_language_code_iso_639_1 (lb);
  if (na && nb)
    return g_str_equal (na, nb);
  return g_ascii_strcasecmp (a, b) == 0;
}

static gboolean
language_known (const char *code)
{
  return code && *code && g_ascii_strcasecmp (code, "und") != 0;
}

/* Lower is better; -1: not eligible. */
static int
rank (const ExsSubtitleCandidate *c, const char *const *languages, ExsSubtitleMode mode)
{
  guint n_languages = languages ? g_strv_length ((char **) languages) : 0;
  int lang_rank = -1;

  if (mode == EXS_SUBTITLE_MODE_OFF || (mode == EXS_SUBTITLE_MODE_FORCED && !c->forced))
    return -1;
  if (n_languages == 0)
    lang_rank = 0;
  else
    {
      for (guint i = 0; i < n_languages && lang_rank < 0; i++)
        if (exs_subtitle_language_equal (c->language, languages[i]))
          lang_rank = (int) i;
      /* a track of no stated language ("Film.srt") is most likely the
       * viewer's own: after every listed language; a track in a language
       * not listed is never shown */
      if (lang_rank < 0 && !language_known (c->language))
        lang_rank = (int) n_languages;
    }
  if (lang_rank < 0)
    return -1;
  /* "always": a full track before a forced-only one of the same language */
  return lang_rank * 2 + (mode == EXS_SUBTITLE_MODE_ALWAYS && c->forced ? 1 : 0);
}

/**
 * exs_subtitle_choose:
 * @candidates: (array length=n_candidates): the item's tracks, embedded
 *   ones first in stream order, then its sidecars
 * @languages: (nullable): subtitle_languages, in order of preference
 * @mode: subtitle_mode
 *
 * "off" shows nothing; "forced" only a forced track; "always" the best
 * track. With languages set, a track must be in one of them (best first)
 * or of no stated language; without, any track. Ties go to the earlier
 * candidate (embedded before sidecar, stream order).
 *
 * Returns: the index of the track to burn in, or -1 for none
 */
int
exs_subtitle_choose (const ExsSubtitleCandidate *candidates, guint n_candidates, const char *const *languages,
                     ExsSubtitleMode mode)
{
  int best = -1, best_rank = G_MAXINT;

  for (guint i = 0; i < n_candidates; i++)
    {
      int r = rank (&candidates[i], languages, mode);

      if (r >= 0 && r < best_rank)
        {
          best = (int) i;
          best_rank = r;
        }
    }
  return best;
}

struct _ItemSubtitles
{
  GMutex lock;               /* guards the fields below "decided" */
  ExsSubtitleMode mode;      /* fixed */
  GStrv languages;           /* fixed */
  char *path;                /* fixed: the media file (file:// items), else NULL */
  GstClockTimeDiff sidecar_offset; /* fixed: minus the item's seek position */
  gboolean decided;
  char *stream_id;           /* the embedded text stream to show */
  GstElement *overlay;       /* the "subtitles" bin in the item's bin (borrowed) */
};

void
_exs_channel_subtitles_free (ItemSubtitles *subs)
{
  if (subs == NULL)
    return;
  g_mutex_clear (&subs->lock);
  g_strfreev (subs->languages);
  g_free (subs->path);
  g_free (subs->stream_id);
  g_free (subs);
}

/* A track's forced flag: Matroska's FlagForced, or a title that says so
 * (the only mark MP4 and most other containers have). */
static gboolean
stream_is_forced (GstStream *stream, GArray *mkv_tracks, const char *title)
{
  const ExsMatroskaTrack *t =
      mkv_tracks ? exs_matroska_track_for_stream_id (mkv_tracks, gst_stream_get_stream_id (stream)) : NULL;
  g_autofree char *folded = title ? g_utf8_casefold (title, -1) : NULL;

  return (t && t->forced) || (folded && strstr (folded, "forced"));
}

/* Streaming thread: the "subtitles" bin, in the item's bin, with ghost
 * pads "sink" (video in), "src" (video out) and "subtitle". */
static GstElement *
make_overlay (Item *item)
{
  GstElement *bin = gst_bin_new ("subtitles");
  GstElement *overlay = gst_element_factory_make ("subtitleoverlay", NULL);
  static const char *const pads[][2] = { { "video_sink", "sink" }, { "src", "src" }, { "subtitle_sink", "subtitle" } };

  if (overlay == NULL)
    {
      gst_object_unref (gst_object_ref_sink (bin));
      return NULL;
    }
  gst_bin_add (GST_BIN (bin), overlay);
  for (guint i = 0; i < G_N_ELEMENTS (pads); i++)
    {
      g_autoptr (GstPad) target = gst_element_get_static_pad (overlay, pads[i][0]);
      gst_element_add_pad (bin, gst_ghost_pad_new (pads[i][1], target));
    }
  gst_bin_add (GST_BIN (item->bin), bin);
  gst_element_sync_state_with_parent (bin);
  return bin;
}

/* Streaming thread: filesrc ! subparse for @path, into the overlay. */
static gboolean
link_sidecar (Item *item, ItemSubtitles *subs, const char *path)
{
  GstElement *src = gst_element_factory_make ("filesrc", NULL);
  GstElement *parse = gst_element_factory_make ("subparse", NULL);
  g_autoptr (GstPad) out = NULL;
  g_autoptr (GstPad) in = NULL;

  if (src == NULL || parse == NULL)
    {
      g_clear_object (&src);
      g_clear_object (&parse);
      return FALSE;
    }
  g_object_set (src, "location", path, NULL);
  gst_bin_add_many (GST_BIN (item->bin), src, parse, NULL);
  gst_element_link (src, parse);
  out = gst_element_get_static_pad (parse, "src");
  gst_pad_set_offset (out, subs->sidecar_offset);
  in = gst_element_get_static_pad (subs->overlay, "subtitle");
  if (gst_pad_link (out, in) != GST_PAD_LINK_OK)
    return FALSE;
  gst_element_sync_state_with_parent (parse);
  gst_element_sync_state_with_parent (src);
  return TRUE;
}

/* Streaming thread, under subs->lock: chooses the item's track among the
 * text streams of @collection (NULL: none known) and its sidecars. */
static void
decide (Item *item, ItemSubtitles *subs, GstStreamCollection *collection)
{
  g_autoptr (GArray) candidates = g_array_new (FALSE, TRUE, sizeof (ExsSubtitleCandidate));
  g_autoptr (GPtrArray) streams = g_ptr_array_new ();
  g_autoptr (GPtrArray) strings = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) sidecars = NULL;
  g_autoptr (GArray) mkv_tracks = NULL;
  guint n = collection ? gst_stream_collection_get_size (collection) : 0;
  int chosen;

  subs->decided = TRUE;
  for (guint i = 0; i < n; i++)
    {
      GstStream *stream = gst_stream_collection_get_stream (collection, i);
      g_autoptr (GstTagList) tags = gst_stream_get_tags (stream);
      ExsSubtitleCandidate c = { NULL, FALSE, FALSE };
      char *language = NULL, *title = NULL;

      if (!(gst_stream_get_stream_type (stream) & GST_STREAM_TYPE_TEXT))
        continue;
      if (mkv_tracks == NULL && subs->path)
        mkv_tracks = exs_matroska_read_tracks (subs->path, NULL);
      if (tags)
        {
          gst_tag_list_get_string (tags, GST_TAG_LANGUAGE_CODE, &language);
          gst_tag_list_get_string (tags, GST_TAG_TITLE, &title);
        }
      c.language = language;
      c.forced = stream_is_forced (stream, mkv_tracks, title);
      GST_DEBUG ("item %u: text stream %s, language %s, title %s%s", item->id, gst_stream_get_stream_id (stream),
                 language ? language : "-", title ? title : "-", c.forced ? ", forced" : "");
      g_ptr_array_add (strings, language);
      g_ptr_array_add (strings, title);
      g_array_append_val (candidates, c);
      g_ptr_array_add (streams, stream);
    }
  sidecars = subs->path ? exs_subtitle_sidecars_find (subs->path) : g_ptr_array_new ();
  for (guint i = 0; i < sidecars->len; i++)
    {
      ExsSubtitleSidecar *sc = sidecars->pdata[i];
      ExsSubtitleCandidate c = { sc->language, sc->forced, TRUE };

      g_array_append_val (candidates, c);
    }
  chosen = exs_subtitle_choose ((ExsSubtitleCandidate *) candidates->data, candidates->len,
                                (const char *const *) subs->languages, subs->mode);
  if (chosen < 0)
    {
      GST_DEBUG ("item %u: no subtitles to burn in (%u candidates)", item->id, candidates->len);
      return;
    }
  subs->overlay = make_overlay (item);
  if (subs->overlay == NULL)
    {
      g_warning ("subtitles cannot be burned in: subtitleoverlay is missing");
      return;
    }
  if ((guint) chosen < streams->len)
    {
      subs->stream_id = g_strdup (gst_stream_get_stream_id (streams->pdata[chosen]));
      GST_INFO ("item %u: burning in subtitle stream %s", item->id, subs->stream_id);
    }
  else
    {
      ExsSubtitleSidecar *sc = sidecars->pdata[(guint) chosen - streams->len];

      GST_INFO ("item %u: burning in %s", item->id, sc->path);
      if (!link_sidecar (item, subs, sc->path))
        g_warning ("subtitles from %s cannot be read", sc->path);
    }
}

/* Streaming thread of uridecodebin3: asked once per stream of a new
 * collection; answers for text streams only (-1 leaves audio and video to
 * the other choosers and to decodebin3's default). */
static int
on_select_stream_cb (GstElement *decodebin, GstStreamCollection *collection, GstStream *stream, gpointer user_data)
{
  Item *item = user_data;
  ItemSubtitles *subs = item->subtitles;
  int answer = -1;

  g_mutex_lock (&subs->lock);
  if (!subs->decided)
    decide (item, subs, collection);
  if (gst_stream_get_stream_type (stream) & GST_STREAM_TYPE_TEXT)
    answer = g_strcmp0 (subs->stream_id, gst_stream_get_stream_id (stream)) == 0 ? 1 : 0;
  g_mutex_unlock (&subs->lock);
  return answer;
}

/* Main thread, while the item is built (before its bin runs): an item of a
 * channel that burns subtitles in gets its chooser. */
void
_exs_channel_subtitles_setup (ExsChannel *self, Item *item)
{
  ItemSubtitles *subs;
  g_autoptr (GstCaps) caps = NULL;
  const ExsChannelMedia *media = _exs_channel_item_media (self, item); /* a schedule item's override */

  if (media->subtitle_mode == EXS_SUBTITLE_MODE_OFF || item->remux)
    return;
  subs = g_new0 (ItemSubtitles, 1);
  g_mutex_init (&subs->lock);
  subs->mode = media->subtitle_mode;
  subs->languages = g_strdupv (media->subtitle_languages);
  subs->path = g_str_has_prefix (item->pi->uri, "file:") ? g_filename_from_uri (item->pi->uri, NULL, NULL) : NULL;
  subs->sidecar_offset = item->seek_state == SEEK_WANTED ? -(GstClockTimeDiff) item->seek_pos : 0;
  item->subtitles = subs;
  /* ASS/SSA stays ASS (for assrender) instead of becoming plain text */
  g_object_get (item->decodebin, "caps", &caps, NULL);
  caps = caps ? gst_caps_make_writable (caps) : gst_caps_new_empty ();
  gst_caps_append (caps, gst_caps_from_string ("application/x-ass; application/x-ssa"));
  g_object_set (item->decodebin, "caps", caps, NULL);
  g_signal_connect_data (item->decodebin, "select-stream", G_CALLBACK (on_select_stream_cb),
                         g_atomic_rc_box_acquire (item), (GClosureNotify) _exs_channel_item_unref, 0);
}

/* Streaming thread, when the item's video chain is built: the element to
 * put after its queue, already in the item's bin, or NULL. */
GstElement *
_exs_channel_subtitles_video_element (Item *item)
{
  ItemSubtitles *subs = item->subtitles;
  GstElement *overlay;

  if (subs == NULL)
    return NULL;
  g_mutex_lock (&subs->lock);
  if (!subs->decided)
    decide (item, subs, NULL);
  overlay = subs->overlay;
  g_mutex_unlock (&subs->lock);
  return overlay;
}

/* Streaming thread: a text or subpicture pad of the item; TRUE when it is
 * the chosen track and now feeds the overlay. */
gboolean
_exs_channel_subtitles_link_pad (Item *item, GstPad *pad)
{
  ItemSubtitles *subs = item->subtitles;
  g_autoptr (GstStream) stream = gst_pad_get_stream (pad);
  g_autoptr (GstPad) in = NULL;
  gboolean ours;

  if (subs == NULL || stream == NULL)
    return FALSE;
  g_mutex_lock (&subs->lock);
  ours = subs->overlay && g_strcmp0 (subs->stream_id, gst_stream_get_stream_id (stream)) == 0;
  if (ours)
    in = gst_element_get_static_pad (subs->overlay, "subtitle");
  g_mutex_unlock (&subs->lock);
  if (!ours || gst_pad_is_linked (in))
    return FALSE;
  return gst_pad_link (pad, in) == GST_PAD_LINK_OK;
}

/* Main thread, exs_channel_new(): a channel that burns subtitles in does
 * not start on the remux path. */
void
_exs_channel_subtitles_check_remux (ExsChannel *self)
{
  if (self->remux && self->media->subtitle_mode != EXS_SUBTITLE_MODE_OFF)
    {
      g_message ("channel %s: encoding, not remuxing: subtitles are burned in (subtitle_mode %s)", self->number,
                 exs_subtitle_mode_to_string (self->media->subtitle_mode));
      self->remux = FALSE;
    }
}
