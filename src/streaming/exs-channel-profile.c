/* exs-channel-profile.c: ExsChannelProfile, the format a channel sends.
 *
 * Part of ExsChannel (exs-channel-private.h): a profile's settings as the
 * engine uses them (resolution, frame rate, video codec and its bit rate or
 * quality, keyframe interval, audio codec, channels, rate, bit rate), loaded
 * by name from the built-ins or ExsProfileStore; what this machine can encode
 * (exs_channel_profile_check_support(), for the API's 422s); the pieces of
 * the pipeline's description that follow the codecs; and the remux path's
 * test of whether a compressed stream is already in a profile's format, used
 * by the item chain at run time and by ExsRemuxFit before start.
 */
#include "config.h"

#include "exs-channel-private.h"

#include "exs-encoder.h"
#include "exs-profile-store.h"

/**
 * exs_channel_profile_from_profile:
 * @source: a profile (built in or a user's)
 *
 * Fills @profile with @source's settings.
 */
void
exs_channel_profile_from_profile (const ExsProfile *source, ExsChannelProfile *p)
{
  g_return_if_fail (source != NULL && p != NULL);
  *p = (ExsChannelProfile){
    .width = source->width,
    .height = source->height,
    .fps = source->fps,
    .video_kbps = source->video_kbps,
    .audio_bps = source->audio_kbps * 1000,
    .audio_rate = source->audio_rate,
    .audio_channels = source->audio_channels,
    .video_codec = source->video_codec,
    .video_quality = source->video_quality,
    .keyframe_seconds = source->keyframe_seconds,
    .audio_codec = source->audio_codec,
  };
}

/**
 * exs_channel_profile_from_name:
 * @name: (nullable): "480p", "720p" or "1080p"; NULL or unknown gives 720p
 *
 * The built-in profiles only (exs_channel_profile_load() knows users' too).
 *
 * Returns: whether @name was known
 */
gboolean
exs_channel_profile_from_name (const char *name, ExsChannelProfile *p)
{
  g_autoptr (ExsProfile) builtin = exs_profile_dup_builtin (name);

  g_return_val_if_fail (p != NULL, FALSE);
  if (builtin == NULL)
    {
      g_autoptr (ExsProfile) fallback = exs_profile_dup_builtin ("720p");
      exs_channel_profile_from_profile (fallback, p);
      return FALSE;
    }
  exs_channel_profile_from_profile (builtin, p);
  return TRUE;
}

/**
 * exs_channel_profile_load:
 * @name: (nullable): a channel's profile
 *
 * Fills @profile with the profile @name, built in or from the store (one
 * indexed look-up); a name that is neither gives 720p, with a warning.
 *
 * Returns: whether @name was found
 */
gboolean
exs_channel_profile_load (ExsDatabase *database, const char *name, ExsChannelProfile *p)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ExsProfile) found = NULL;

  g_return_val_if_fail (EXS_IS_DATABASE (database), FALSE);
  if (exs_channel_profile_from_name (name, p) || name == NULL)
    return name != NULL;
  found = exs_profile_store_get (database, name, &error);
  if (found == NULL)
    {
      g_warning ("profile %s cannot be read (%s); the channel sends 720p", name, error->message);
      return FALSE;
    }
  exs_channel_profile_from_profile (found, p);
  return TRUE;
}

/* The AAC encoders in order: avenc_aac (FFmpeg's: up to 5.1), fdkaacenc,
 * voaacenc (stereo only). */
static const char *
aac_encoder (int channels)
{
  static const char *const names[] = { "avenc_aac", "fdkaacenc", "voaacenc" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr (GstElementFactory) f = gst_element_factory_find (names[i]);
      if (f != NULL && (channels <= 2 || !g_str_equal (names[i], "voaacenc")))
        return names[i];
    }
  return NULL;
}

/**
 * exs_channel_profile_check_support:
 * @field: (out) (transfer full): on failure, the profile's member at fault
 *
 * Whether this machine can send @profile: an encoder of its video codec,
 * an encoder of its audio codec for its channels. The checks a profile's
 * own fields cannot make (exs_profile_update_from_json() makes those).
 *
 * Returns: whether it can; otherwise @error says what is missing
 */
gboolean
exs_channel_profile_check_support (const ExsProfile *profile, char **field, GError **error)
{
  const char *at = NULL;
  const char *why = NULL;
  g_autoptr (GstElementFactory) ac3 = NULL;

  g_return_val_if_fail (profile != NULL, FALSE);
  if (!exs_encoder_codec_available (profile->video_codec))
    at = "video_codec", why = profile->video_codec == EXS_VIDEO_CODEC_HEVC
                                  ? "hevc needs an HEVC encoder: none is installed (x265enc is in "
                                    "gstreamer1.0-plugins-bad)"
                                  : "h264 needs an H.264 encoder: none is installed (x264enc is in "
                                    "gstreamer1.0-plugins-ugly)";
  else if (profile->audio_codec == EXS_AUDIO_CODEC_AC3 && (ac3 = gst_element_factory_find ("avenc_ac3")) == NULL)
    at = "audio_codec", why = "ac3 needs avenc_ac3 (gstreamer1.0-libav), which is not installed";
  else if (profile->audio_codec == EXS_AUDIO_CODEC_AAC && aac_encoder (2) == NULL)
    at = "audio_codec", why = "aac needs avenc_aac (gstreamer1.0-libav) or voaacenc, and neither is installed";
  else if (profile->audio_codec == EXS_AUDIO_CODEC_AAC && aac_encoder (profile->audio_channels) == NULL)
    at = "audio_channels", why = "5.1 AAC needs avenc_aac (gstreamer1.0-libav); the AAC encoder installed "
                                 "(voaacenc) makes stereo only";
  if (at == NULL)
    return TRUE;
  *field = g_strdup (at);
  g_set_error (error, EXS_PROFILE_ERROR, EXS_PROFILE_ERROR_INVALID, "%s", why);
  return FALSE;
}

/**
 * exs_channel_profile_keyframe_frames:
 *
 * Returns: the keyframe interval in frames (the encoder's GOP)
 */
guint
exs_channel_profile_keyframe_frames (const ExsChannelProfile *p)
{
  return exs_profile_keyframe_frames (p->keyframe_seconds, p->fps);
}

/**
 * exs_channel_profile_keyframe_interval:
 *
 * Returns: the keyframe interval in running time (2 s unless set)
 */
GstClockTime
exs_channel_profile_keyframe_interval (const ExsChannelProfile *p)
{
  return (GstClockTime) ((p->keyframe_seconds > 0 ? p->keyframe_seconds : 2) * GST_SECOND);
}

/**
 * exs_channel_profile_raw_audio_caps:
 *
 * Returns: (transfer full): the raw audio every item is converted to and
 *   mixed in, as caps text (5.1 with GStreamer's usual channel mask, which
 *   both AAC's and AC-3's encoders take through audioconvert)
 */
char *
exs_channel_profile_raw_audio_caps (const ExsChannelProfile *p)
{
  return g_strdup_printf ("audio/x-raw,format=S16LE,rate=%d,channels=%d,layout=interleaved%s", p->audio_rate,
                          p->audio_channels, p->audio_channels == 6 ? ",channel-mask=(bitmask)0x3f" : "");
}

/* The pipeline's encoded video after the encoder: its caps and parser. */
char *
_exs_channel_profile_video_output (const ExsChannelProfile *p)
{
  if (p->video_codec == EXS_VIDEO_CODEC_HEVC)
    return g_strdup ("capsfilter name=enccaps caps=video/x-h265,profile=main ! h265parse config-interval=-1");
  return g_strdup ("capsfilter name=enccaps caps=video/x-h264,profile=main ! h264parse config-interval=-1");
}

/* The pipeline's audio encoder and parser: AC-3 (avenc_ac3) or AAC. */
char *
_exs_channel_profile_audio_output (const ExsChannelProfile *p)
{
  if (p->audio_codec == EXS_AUDIO_CODEC_AC3)
    return g_strdup_printf ("avenc_ac3 bitrate=%u ! ac3parse", p->audio_bps);
  return g_strdup_printf ("%s bitrate=%u ! aacparse", aac_encoder (p->audio_channels) ?: "avenc_aac", p->audio_bps);
}

static gboolean
fits_profile (GstCaps *caps, const ExsChannelProfile *profile, gboolean *is_video)
{
  GstStructure *st = gst_caps_get_structure (caps, 0);
  const char *name = gst_structure_get_name (st);
  const char *video = profile->video_codec == EXS_VIDEO_CODEC_HEVC ? "video/x-h265" : "video/x-h264";
  int w = 0, h = 0, version = 0;

  *is_video = g_str_has_prefix (name, "video/");
  if (g_str_equal (name, video))
    return gst_structure_get_int (st, "width", &w) && gst_structure_get_int (st, "height", &h)
           && w == profile->width && h == profile->height;
  if (profile->audio_codec == EXS_AUDIO_CODEC_AC3)
    return g_str_equal (name, "audio/x-ac3");
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
 * The remux path's test of one stream: video in the profile's codec
 * (H.264 or HEVC) at its width and height, or audio in its codec (AAC or
 * AC-3). The same test decides at run time (an item's
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
