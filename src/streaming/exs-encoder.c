/* exs-encoder.c: which video encoder a channel uses, and how it is set up.
 *
 * At start-up the channel manager probes an explicit preference list per
 * codec — H.264: nvcudah264enc > nvh264enc > vah264lpenc > vah264enc >
 * qsvh264enc > vaapih264enc > x264enc; HEVC: nvcudah265enc > nvh265enc >
 * vah265lpenc > vah265enc > qsvh265enc > vaapih265enc > x265enc (vtenc_h264
 * and vtenc_h265 first on macOS) — with a tiny test pipeline each — a factory
 * that exists is not proof the device works (no driver, session limit) — and
 * keeps the first that reaches PLAYING and encodes a few frames.
 * [pipeline_pool] encoder = software skips the probe. A channel whose
 * hardware encoder fails at run time falls back to its codec's software
 * encoder (x264enc, x265enc) on its own. Hardware decoders lose autoplugging
 * ties to avdec_h264, so their rank is raised. Property names differ per
 * encoder family; exs_encoder_make_with() maps bit rate or quality and the
 * keyframe interval onto whichever the element has.
 */
#include "config.h"

#include "exs-encoder.h"

#include <string.h>

static const char *const h264_preference[] = {
#ifdef __APPLE__
  "vtenc_h264_hw", "vtenc_h264",
#endif
  "nvcudah264enc", "nvh264enc", "vah264lpenc", "vah264enc", "qsvh264enc", "vaapih264enc", "x264enc", NULL
};

static const char *const hevc_preference[] = {
#ifdef __APPLE__
  "vtenc_h265_hw", "vtenc_h265",
#endif
  "nvcudah265enc", "nvh265enc", "vah265lpenc", "vah265enc", "qsvh265enc", "vaapih265enc", "x265enc", NULL
};

static const char *const software[] = { "x264enc", "x265enc" }; /* by ExsVideoCodec */

static char *default_encoder[2]; /* main thread only; by ExsVideoCodec */

const char *const *
exs_encoder_preference (void)
{
  return h264_preference;
}

/**
 * exs_encoder_preference_for:
 *
 * Returns: (transfer none): @codec's encoders, best first, NULL-terminated;
 *   the software encoder last
 */
const char *const *
exs_encoder_preference_for (ExsVideoCodec codec)
{
  return codec == EXS_VIDEO_CODEC_HEVC ? hevc_preference : h264_preference;
}

/**
 * exs_encoder_software:
 *
 * Returns: (transfer none): @codec's software encoder, the fallback
 */
const char *
exs_encoder_software (ExsVideoCodec codec)
{
  return software[codec == EXS_VIDEO_CODEC_HEVC];
}

gboolean
exs_encoder_is_software (const char *factory_name)
{
  return g_strcmp0 (factory_name, software[0]) == 0 || g_strcmp0 (factory_name, software[1]) == 0;
}

/**
 * exs_encoder_codec_available:
 *
 * Whether any encoder of @codec is installed (a cheap registry look-up, no
 * probe): a profile with a codec nothing can encode is refused.
 */
gboolean
exs_encoder_codec_available (ExsVideoCodec codec)
{
  const char *const *pref = exs_encoder_preference_for (codec);

  for (guint i = 0; pref[i]; i++)
    {
      g_autoptr (GstElementFactory) f = gst_element_factory_find (pref[i]);
      if (f != NULL)
        return TRUE;
    }
  return FALSE;
}

/* Whether @name encodes a few frames of @format (blocking, a few ms). */
static gboolean
encodes (const char *name, const char *format)
{
  g_autofree char *desc = g_strdup_printf ("videotestsrc num-buffers=5 ! video/x-raw,format=%s,width=320,height=240,"
                                           "framerate=30/1 ! %s name=enc ! fakesink",
                                           format, name);
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) pipeline = gst_parse_launch_full (desc, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &error);
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) msg = NULL;
  gboolean ok;

  if (pipeline == NULL || error != NULL)
    return FALSE;
  if (gst_element_set_state (pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      gst_element_set_state (pipeline, GST_STATE_NULL);
      return FALSE;
    }
  bus = gst_element_get_bus (pipeline);
  msg = gst_bus_timed_pop_filtered (bus, 5 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  ok = msg != NULL && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_EOS;
  gst_element_set_state (pipeline, GST_STATE_NULL);
  return ok;
}

/* NV12 (what hardware encoders take), else I420 (x264enc, x265enc and
 * some others take only planar formats) */
static gboolean
encoder_works (const char *name)
{
  return encodes (name, "NV12") || encodes (name, "I420");
}

/**
 * exs_encoder_choose:
 * @preference: factory names, best first, NULL-terminated
 * @software_only: skip everything but the software encoders (x264enc, x265enc)
 *
 * Probes the candidates in order with a tiny test pipeline (blocking, a few
 * ms each for those that exist; once at start-up).
 *
 * Returns: (transfer full) (nullable): the first that works
 */
char *
exs_encoder_choose (const char *const *pref, gboolean software_only)
{
  for (guint i = 0; pref[i]; i++)
    {
      g_autoptr (GstElementFactory) f = NULL;

      if (software_only && !exs_encoder_is_software (pref[i]))
        continue;
      f = gst_element_factory_find (pref[i]);
      if (f == NULL)
        continue;
      if (encoder_works (pref[i]))
        {
          g_debug ("encoder: %s", pref[i]);
          return g_strdup (pref[i]);
        }
      g_message ("encoder %s is present but does not work here; trying the next", pref[i]);
    }
  return NULL;
}

const char *
exs_encoder_get_default (void)
{
  return exs_encoder_get_default_for (EXS_VIDEO_CODEC_H264);
}

void
exs_encoder_set_default (const char *factory_name)
{
  exs_encoder_set_default_for (EXS_VIDEO_CODEC_H264, factory_name);
}

/**
 * exs_encoder_get_default_for:
 *
 * Returns: (transfer none): the encoder the probe chose for @codec, or its
 *   software encoder before (or without) a probe
 */
const char *
exs_encoder_get_default_for (ExsVideoCodec codec)
{
  guint i = codec == EXS_VIDEO_CODEC_HEVC;

  return default_encoder[i] ? default_encoder[i] : software[i];
}

void
exs_encoder_set_default_for (ExsVideoCodec codec, const char *factory_name)
{
  guint i = codec == EXS_VIDEO_CODEC_HEVC;

  g_free (default_encoder[i]);
  default_encoder[i] = g_strdup (factory_name);
}

static gboolean
has_property (GstElement *e, const char *name)
{
  return g_object_class_find_property (G_OBJECT_GET_CLASS (e), name) != NULL;
}

static void
set_if (GstElement *e, const char *name, const char *value)
{
  if (has_property (e, name))
    gst_util_set_object_arg (G_OBJECT (e), name, value);
}

static void
set_uint (GstElement *e, const char *name, guint value)
{
  g_autofree char *text = g_strdup_printf ("%u", value);

  set_if (e, name, text);
}

/* x264enc: superfast + zerolatency: real Main profile (CABAC; ultrafast
 * would be Constrained Baseline), no B-frames, and the first frame comes out
 * at once (fast tune-in). threads=2 caps the thread pool. Keyframes on a
 * fixed cadence only (HLS cuts its segments on it): no extra ones at scene
 * cuts, which would restart the GOP count. subme=2 (veryfast's; superfast's
 * is 1): its SATD mode decision is the one setting that pays, +3 dB PSNR
 * (SSIM 0.9930 -> 0.9960 at 3 Mb/s 720p) for about 12 % more CPU, where B-frames,
 * frame threads, hex search or more partitions gave nothing
 * (bench/quality, docs/performance.md). Quality mode is x264's CRF
 * ("qual"), the bit rate its VBV cap. */
static void
set_up_x264 (GstElement *enc, const ExsEncoderSettings *s)
{
  gst_util_set_object_arg (G_OBJECT (enc), "speed-preset", "superfast");
  gst_util_set_object_arg (G_OBJECT (enc), "tune", "zerolatency");
  set_uint (enc, "key-int-max", s->keyframe_frames);
  gst_util_set_object_arg (G_OBJECT (enc), "option-string", "scenecut=0:subme=2");
  gst_util_set_object_arg (G_OBJECT (enc), "vbv-buf-capacity", "1000");
  gst_util_set_object_arg (G_OBJECT (enc), "threads", "2");
  if (s->quality)
    {
      gst_util_set_object_arg (G_OBJECT (enc), "pass", "qual");
      set_uint (enc, "quantizer", s->quality);
    }
}

/* x265enc: ultrafast (HEVC costs several times H.264's CPU), zerolatency
 * (no B-frames, no look-ahead), closed GOPs of IDR frames (an open GOP's CRA
 * frames cannot start a viewer or an HLS segment cleanly), no scene-cut
 * keyframes, a pool of 2 threads. Quality mode is x265's CRF with the bit
 * rate as the VBV cap. */
static void
set_up_x265 (GstElement *enc, const ExsEncoderSettings *s)
{
  g_autofree char *options = NULL;

  gst_util_set_object_arg (G_OBJECT (enc), "speed-preset", "ultrafast");
  gst_util_set_object_arg (G_OBJECT (enc), "tune", "zerolatency");
  set_uint (enc, "key-int-max", s->keyframe_frames);
  if (s->quality)
    options = g_strdup_printf ("scenecut=0:open-gop=0:pools=2:crf=%u:vbv-maxrate=%u:vbv-bufsize=%u", s->quality,
                               s->bitrate_kbps, s->bitrate_kbps);
  else
    options = g_strdup_printf ("scenecut=0:open-gop=0:pools=2:vbv-maxrate=%u:vbv-bufsize=%u", s->bitrate_kbps,
                               s->bitrate_kbps);
  gst_util_set_object_arg (G_OBJECT (enc), "option-string", options);
}

/* Hardware families: constant QP (their nearest to CRF) under whichever
 * property names the family has. */
static void
set_up_hardware_quality (GstElement *enc, guint quality)
{
  set_if (enc, "rc-mode", "cqp");      /* nvcodec */
  set_if (enc, "rate-control", "cqp"); /* va, qsv, vaapi */
  set_uint (enc, "qp-const", quality); /* nvcodec (old) */
  set_uint (enc, "qp-i", quality);     /* nvcodec, qsv */
  set_uint (enc, "qp-p", quality);
  set_uint (enc, "qpi", quality);      /* va */
  set_uint (enc, "qpp", quality);
  set_uint (enc, "init-qp", quality);  /* vaapi */
}

/**
 * exs_encoder_make_with:
 * @factory_name: an encoder of exs_encoder_preference_for()'s lists
 *
 * Returns: (transfer floating): the encoder, set up for a TV channel
 */
GstElement *
exs_encoder_make_with (const char *factory_name, const ExsEncoderSettings *s, GError **error)
{
  GstElement *enc = gst_element_factory_make (factory_name, NULL);

  if (enc == NULL)
    {
      g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN, "no %s element", factory_name);
      return NULL;
    }
  set_uint (enc, "bitrate", s->bitrate_kbps);
  if (g_str_equal (factory_name, "x264enc"))
    set_up_x264 (enc, s);
  else if (g_str_equal (factory_name, "x265enc"))
    set_up_x265 (enc, s);
  else
    {
      set_uint (enc, "key-int-max", s->keyframe_frames);
      set_uint (enc, "gop-size", s->keyframe_frames);
      set_uint (enc, "keyframe-period", s->keyframe_frames);
      set_if (enc, "bframes", "0");
      set_if (enc, "b-frames", "0");
      set_if (enc, "repeat-sequence-header", "true");
      set_if (enc, "zerolatency", "true");
      if (s->quality)
        set_up_hardware_quality (enc, s->quality);
    }
  return enc;
}

/**
 * exs_encoder_make:
 *
 * Returns: (transfer floating): the encoder in bit-rate mode
 */
GstElement *
exs_encoder_make (const char *factory_name, guint bitrate_kbps, guint keyframe_interval_frames, GError **error)
{
  ExsEncoderSettings s = { .bitrate_kbps = bitrate_kbps, .keyframe_frames = keyframe_interval_frames };

  return exs_encoder_make_with (factory_name, &s, error);
}

/* Hardware decoders tie with avdec_h264 at PRIMARY and lose on the name. */
void
exs_encoder_raise_hardware_decoders (void)
{
  static const char *const decoders[] = { "nvh264dec", "nvh265dec", "vah264dec", "vah265dec", "qsvh264dec", NULL };

  for (guint i = 0; decoders[i]; i++)
    {
      g_autoptr (GstPluginFeature) f = gst_registry_lookup_feature (gst_registry_get (), decoders[i]);
      if (f)
        gst_plugin_feature_set_rank (f, GST_RANK_PRIMARY + 1);
    }
}
