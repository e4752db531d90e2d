/* exs-channel-profile.c: ExsChannelProfile, the format a channel sends.
 *
 * Part of ExsChannel (exs-channel-private.h): the named profiles ("480p",
 * "720p", "1080p": resolution, frame rate, audio format, bit rates) and the
 * remux path's test of whether a compressed stream is already in a profile's
 * format, used by the item chain at run time and by ExsRemuxFit before start.
 */
#include "config.h"

#include "exs-channel-private.h"

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

  g_return_val_if_fail (p != NULL, FALSE);
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
  g_return_val_if_fail (profile != NULL, FALSE);
  g_return_val_if_fail (GST_IS_CAPS (caps), FALSE);
  g_return_val_if_fail (is_video != NULL, FALSE);
  return fits_profile (caps, profile, is_video);
}
