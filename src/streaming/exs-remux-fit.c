/* exs-remux-fit.c: the start-up decision of a channel in transcode_mode
 * "auto" — remux fast path or encoding — taken from the library's facts.
 *
 * ExsChannelManager calls exs_remux_fit_schedule() when it starts an "auto"
 * channel. Every item the playout schedules in the look-ahead window must be
 * a library item (media_item_id > 0) whose stored streams (media_streams,
 * written by the library scanner) pass the engine's own per-stream test,
 * exs_channel_profile_fits_caps(), with exactly one video and one audio
 * stream (the remux path's mux waits for both, and has one slot of each).
 * An offline stretch does not fit either: the remux path has no slate.
 * Anything unknown means encoding; a wrong guess the other way is caught
 * at run time, where the channel falls back to encoding by itself.
 *
 * Runs on the main loop, on purpose: the playout's list() is in memory and
 * bounded, and the facts are one indexed lookup (media_streams_by_item, through
 * exs_media_store_dup_av_streams) per distinct item, at most MAX_ITEMS of
 * them — well under a millisecond each.
 */
#include "config.h"

#include "exs-remux-fit.h"

#include "exs-media-store.h"

#define MAX_ITEMS 500

/* The caps the library's short codec name stands for (the inverse of
 * codec_name() in src/library/exs-media-probe.c, for what can fit). */
static GstCaps *
caps_from_facts (const char *kind, const char *codec, int width, int height)
{
  gboolean video = g_str_equal (kind, "video");

  if (video && (g_strcmp0 (codec, "h264") == 0 || g_strcmp0 (codec, "hevc") == 0))
    return gst_caps_new_simple (g_str_equal (codec, "h264") ? "video/x-h264" : "video/x-h265", "width", G_TYPE_INT,
                                width, "height", G_TYPE_INT, height, NULL);
  if (!video && g_strcmp0 (codec, "aac") == 0)
    return gst_caps_new_simple ("audio/mpeg", "mpegversion", G_TYPE_INT, 4, NULL);
  /* some other codec: its own media type, which the test rejects */
  {
    g_autofree char *name = g_strdup_printf ("%s/x-%s", kind, codec ? codec : "unknown");
    return gst_caps_new_empty_simple (name);
  }
}

/* Whether the facts of @id fit; otherwise *why says what does not. */
static gboolean
item_fits (ExsDatabase *database, gint64 id, const ExsChannelProfile *profile, char **why)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) streams = exs_media_store_dup_av_streams (database, id, &error);
  guint n_video = 0, n_audio = 0;

  if (streams == NULL)
    {
      *why = g_strdup_printf ("the library's facts cannot be read: %s", error->message);
      return FALSE;
    }
  for (guint i = 0; i < streams->len; i++)
    {
      const ExsMediaStreamInfo *s = &g_array_index (streams, ExsMediaStreamInfo, i);
      gboolean video = g_str_equal (s->kind, "video");
      g_autoptr (GstCaps) caps = caps_from_facts (s->kind, s->codec, s->width, s->height);
      gboolean is_video = FALSE;

      if (video)
        n_video++;
      else
        n_audio++;
      if (!exs_channel_profile_fits_caps (profile, caps, &is_video))
        {
          *why = video ? g_strdup_printf ("library item %" G_GINT64_FORMAT " has %s video at %d×%d (the channel is "
                                          "%s at %d×%d)",
                                          id, s->codec ? s->codec : "unknown", s->width, s->height,
                                          profile->video_codec == EXS_VIDEO_CODEC_HEVC ? "HEVC" : "H.264",
                                          profile->width, profile->height)
                       : g_strdup_printf ("library item %" G_GINT64_FORMAT " has %s audio (the channel needs %s)",
                                          id, s->codec ? s->codec : "unknown",
                                          profile->audio_codec == EXS_AUDIO_CODEC_AC3 ? "AC-3" : "AAC");
          return FALSE;
        }
    }
  if (n_video == 1 && n_audio == 1)
    return TRUE;
  *why = g_strdup_printf ("library item %" G_GINT64_FORMAT " has %u video and %u audio streams (remux needs one of "
                          "each)",
                          id, n_video, n_audio);
  return FALSE;
}

/**
 * exs_remux_fit_schedule:
 * @database: the library's database
 * @playout: the channel's playout
 * @channel_number: normalised channel number
 * @profile: the channel's format
 * @from_us: start of the window (usually now)
 * @to_us: its end (usually now + %EXS_REMUX_FIT_LOOKAHEAD_US)
 * @why: (out) (transfer full): the reason for the answer, for logs and
 *   the health API
 *
 * Returns: whether every item scheduled in the window can be remuxed
 */
gboolean
exs_remux_fit_schedule (ExsDatabase *database, ExsPlayoutSource *playout, const char *channel_number,
                        const ExsChannelProfile *profile, gint64 from_us, gint64 to_us, char **why)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) items = exs_playout_source_list (playout, channel_number, from_us, to_us, &error);
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  gint64 checked_to = from_us;
  gboolean fits = TRUE;

  *why = NULL;
  if (items == NULL)
    {
      *why = g_strdup_printf ("no playout to look at: %s", error->message);
      return FALSE;
    }
  if (items->len == 0)
    {
      *why = g_strdup ("nothing scheduled");
      return FALSE;
    }
  for (guint i = 0; i < items->len && fits; i++)
    {
      const ExsPlayoutItem *pi = items->pdata[i];

      if (pi->kind == EXS_PLAYOUT_ITEM_OFFLINE || pi->uri == NULL)
        {
          *why = g_strdup ("an offline stretch is scheduled (the remux path has no offline screen)");
          fits = FALSE;
        }
      else if (pi->media_item_id <= 0)
        {
          *why = g_strdup_printf ("%s is not a library item (no stream facts)", pi->uri);
          fits = FALSE;
        }
      else if (!g_hash_table_contains (seen, &pi->media_item_id))
        {
          if (g_hash_table_size (seen) == MAX_ITEMS)
            break; /* enough looked at; the run-time check covers the rest */
          g_hash_table_add (seen, g_memdup2 (&pi->media_item_id, sizeof (gint64)));
          fits = item_fits (database, pi->media_item_id, profile, why);
        }
      checked_to = pi->stop_us;
    }
  if (fits)
    *why = g_strdup_printf ("the %u library items scheduled in the next %.1f h are H.264 %d×%d with AAC",
                            g_hash_table_size (seen), (MIN (checked_to, to_us) - from_us) / 3600e6, profile->width,
                            profile->height);
  return fits;
}
