/* exs-encoder.c: which H.264 encoder a channel uses, and how it is set up.
 *
 * At start-up the channel manager probes an explicit preference list
 * (nvcudah264enc > nvh264enc > vah264lpenc > vah264enc > qsvh264enc >
 * vaapih264enc > x264enc; vtenc_h264 on macOS) with a tiny test pipeline each —
 * a factory that exists is not proof the device works (no driver, session
 * limit) — and keeps the first that reaches PLAYING and encodes a few frames.
 * [pipeline_pool] encoder = software skips the probe. A channel whose
 * hardware encoder fails at run time falls back to x264enc on its own.
 * Hardware decoders lose autoplugging ties to avdec_h264, so their rank is
 * raised. Property names differ per encoder family; exs_encoder_make() maps
 * bit rate and keyframe interval onto whichever the element has.
 */
#include "config.h"

#include "exs-encoder.h"

#include <string.h>

static const char *const preference[] = {
#ifdef __APPLE__
  "vtenc_h264_hw", "vtenc_h264",
#endif
  "nvcudah264enc", "nvh264enc", "vah264lpenc", "vah264enc", "qsvh264enc", "vaapih264enc", "x264enc", NULL
};

static char *default_encoder; /* main thread only */

const char *const *
exs_encoder_preference (void)
{
  return preference;
}

static gboolean
encoder_works (const char *name)
{
  g_autofree char *desc = g_strdup_printf ("videotestsrc num-buffers=5 ! video/x-raw,format=NV12,width=320,height=240,"
                                           "framerate=30/1 ! %s name=enc ! fakesink",
                                           name);
  g_autofree char *desc_i420 = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) pipeline = gst_parse_launch_full (desc, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &error);
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) msg = NULL;
  gboolean ok;

  if (pipeline == NULL || error != NULL)
    {
      /* some encoders take only I420 */
      g_clear_error (&error);
      g_clear_object (&pipeline);
      desc_i420 = g_strdup_printf ("videotestsrc num-buffers=5 ! video/x-raw,format=I420,width=320,height=240,"
                                   "framerate=30/1 ! %s ! fakesink",
                                   name);
      pipeline = gst_parse_launch_full (desc_i420, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &error);
      if (pipeline == NULL || error != NULL)
        return FALSE;
    }
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

/**
 * exs_encoder_choose:
 * @preference: factory names, best first, NULL-terminated
 * @software_only: skip everything but x264enc
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

      if (software_only && !g_str_equal (pref[i], "x264enc"))
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
  return default_encoder ? default_encoder : "x264enc";
}

void
exs_encoder_set_default (const char *factory_name)
{
  g_free (default_encoder);
  default_encoder = g_strdup (factory_name);
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

/**
 * exs_encoder_make:
 *
 * Returns: (transfer floating): the encoder, set up for a TV channel
 */
GstElement *
exs_encoder_make (const char *factory_name, guint bitrate_kbps, guint keyframe_interval_frames, GError **error)
{
  GstElement *enc = gst_element_factory_make (factory_name, NULL);
  g_autofree char *bitrate = g_strdup_printf ("%u", bitrate_kbps);
  g_autofree char *gop = g_strdup_printf ("%u", keyframe_interval_frames);

  if (enc == NULL)
    {
      g_set_error (error, GST_CORE_ERROR, GST_CORE_ERROR_MISSING_PLUGIN, "no %s element", factory_name);
      return NULL;
    }
  set_if (enc, "bitrate", bitrate);
  if (g_str_equal (factory_name, "x264enc"))
    {
      /* superfast + zerolatency: real Main profile (CABAC; ultrafast would be
       * Constrained Baseline), no B-frames, and the first frame comes out at
       * once (fast tune-in). threads=2 caps the thread pool. */
      gst_util_set_object_arg (G_OBJECT (enc), "speed-preset", "superfast");
      gst_util_set_object_arg (G_OBJECT (enc), "tune", "zerolatency");
      gst_util_set_object_arg (G_OBJECT (enc), "key-int-max", gop);
      /* keyframes on a fixed cadence only (HLS cuts its segments on it): no
       * extra ones at scene cuts, which would restart the GOP count */
      gst_util_set_object_arg (G_OBJECT (enc), "option-string", "scenecut=0");
      gst_util_set_object_arg (G_OBJECT (enc), "vbv-buf-capacity", "1000");
      gst_util_set_object_arg (G_OBJECT (enc), "threads", "2");
      return enc;
    }
  set_if (enc, "key-int-max", gop);
  set_if (enc, "gop-size", gop);
  set_if (enc, "keyframe-period", gop);
  set_if (enc, "bframes", "0");
  set_if (enc, "b-frames", "0");
  set_if (enc, "repeat-sequence-header", "true");
  set_if (enc, "zerolatency", "true");
  return enc;
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
