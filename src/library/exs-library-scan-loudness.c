/* exs-library-scan-loudness.c: step 4 of a scan — each item's loudness.
 *
 * After the write step, the scan thread measures the integrated loudness
 * (ITU-R BS.1770 / EBU R 128, in LUFS, with libebur128) of every present
 * item never measured or changed since (media_items.loudness_mtime), so a
 * channel with loudness_target_lufs can play it at the target
 * (exs-channel-audio.c). Only the first audio stream is decoded; video stays
 * compressed (decodebin stops at audio). Each file gets at most
 * EXS_LOUDNESS_MAX_SECONDS_PER_FILE of wall time: a longer one is judged by
 * what was read by then. A file without audio, silent or unreadable is
 * stored as measured with no loudness (played at unity gain) and not tried
 * again until it changes.
 */
#include "config.h"

#include "exs-library-scan-loudness.h"

#include "exs-media-store-write.h"

#include <ebur128.h>
#include <gst/app/gstappsink.h>
#include <gst/gst.h>
#include <math.h>

#define TODO_BATCH 64

static void
meter_free (ebur128_state *meter)
{
  ebur128_destroy (&meter);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ebur128_state, meter_free)

/* Streaming thread of decodebin: the first audio stream goes to the
 * analysis chain, the rest to nowhere. */
static void
on_pad_added_cb (GstElement *decodebin, GstPad *pad, gpointer user_data)
{
  GstElement *convert = user_data;
  g_autoptr (GstPad) sinkpad = gst_element_get_static_pad (convert, "sink");
  g_autoptr (GstCaps) caps = gst_pad_get_current_caps (pad);
  GstElement *sink;
  g_autoptr (GstPad) fakepad = NULL;
  GstBin *bin = GST_BIN (gst_element_get_parent (decodebin));

  if (caps && g_str_has_prefix (gst_structure_get_name (gst_caps_get_structure (caps, 0)), "audio/x-raw")
      && !gst_pad_is_linked (sinkpad) && gst_pad_link (pad, sinkpad) == GST_PAD_LINK_OK)
    {
      gst_object_unref (bin);
      return;
    }
  sink = gst_element_factory_make ("fakesink", NULL);
  g_object_set (sink, "sync", FALSE, "async", FALSE, NULL);
  gst_bin_add (bin, sink);
  gst_element_sync_state_with_parent (sink);
  fakepad = gst_element_get_static_pad (sink, "sink");
  gst_pad_link (pad, fakepad);
  gst_object_unref (bin);
}

/* What a measurement's no-more-pads sees (the measuring thread reads it). */
typedef struct
{
  GstElement *convert;
  gint no_audio; /* atomic: every stream is out and none is audio */
} AudioWait;

/* Streaming thread of decodebin: every stream is out. Without an audio
 * one, the appsink would never preroll nor see EOS (a video-only file
 * then used up its whole time per file). */
static void
on_no_more_pads_cb (GstElement *decodebin, gpointer user_data)
{
  AudioWait *wait = user_data;
  g_autoptr (GstPad) sinkpad = gst_element_get_static_pad (wait->convert, "sink");

  if (!gst_pad_is_linked (sinkpad))
    g_atomic_int_set (&wait->no_audio, 1);
}

/* Streaming thread of decodebin: go on with containers and audio; a
 * video or text stream stays as it is (never decoded, then dropped). A
 * container is what some demuxer takes. */
static gboolean
on_autoplug_continue_cb (GstElement *decodebin, GstPad *pad, GstCaps *caps, gpointer user_data)
{
  const char *name = gst_structure_get_name (gst_caps_get_structure (caps, 0));
  GList *demuxers, *fits;
  gboolean container;

  if (g_str_has_prefix (name, "audio/"))
    return TRUE;
  demuxers = gst_element_factory_list_get_elements (GST_ELEMENT_FACTORY_TYPE_DEMUXER, GST_RANK_MARGINAL);
  fits = gst_element_factory_list_filter (demuxers, caps, GST_PAD_SINK, FALSE);
  container = fits != NULL;
  gst_plugin_feature_list_free (fits);
  gst_plugin_feature_list_free (demuxers);
  return container;
}

/* Feeds one sample to the meter, (re)made for the sample's format. */
static gboolean
meter_add (ebur128_state **meter, GstSample *sample, guint64 *frames)
{
  GstCaps *caps = gst_sample_get_caps (sample);
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  GstStructure *st = caps ? gst_caps_get_structure (caps, 0) : NULL;
  int channels = 0, rate = 0;
  GstMapInfo map;

  if (st == NULL || !gst_structure_get_int (st, "channels", &channels) || !gst_structure_get_int (st, "rate", &rate)
      || channels <= 0 || rate <= 0)
    return FALSE;
  if (*meter == NULL)
    *meter = ebur128_init ((unsigned) channels, (unsigned long) rate, EBUR128_MODE_I);
  else if ((*meter)->channels != (unsigned) channels || (*meter)->samplerate != (unsigned long) rate)
    ebur128_change_parameters (*meter, (unsigned) channels, (unsigned long) rate);
  if (*meter == NULL || !gst_buffer_map (buffer, &map, GST_MAP_READ))
    return FALSE;
  ebur128_add_frames_float (*meter, (const float *) map.data, map.size / (sizeof (float) * (gsize) channels));
  *frames += map.size / (sizeof (float) * (gsize) channels);
  gst_buffer_unmap (buffer, &map);
  return TRUE;
}

/**
 * exs_library_measure_loudness:
 * @max_seconds: wall time allowed; what was read by then decides
 * @lufs: (out): the integrated loudness, or NAN when the file has no audio
 *   or only silence
 *
 * Decodes @path's first audio stream as fast as it can (call it from a
 * worker thread).
 *
 * Returns: %FALSE with @error when the file cannot be read
 */
gboolean
exs_library_measure_loudness (const char *path, guint max_seconds, GCancellable *cancellable, double *lufs,
                              GError **error)
{
  g_autoptr (GstElement) pipeline = gst_pipeline_new (NULL);
  g_autoptr (GstBus) bus = gst_element_get_bus (pipeline);
  g_autoptr (GstCaps) f32 = gst_caps_from_string ("audio/x-raw,format=F32LE,layout=interleaved");
  g_autoptr (ebur128_state) meter = NULL;
  GstElement *src, *decode, *convert, *sink;
  gint64 deadline = g_get_monotonic_time () + (gint64) max_seconds * G_USEC_PER_SEC;
  guint64 frames = 0;
  gboolean eos = FALSE;
  double out = -HUGE_VAL;
  AudioWait wait = { NULL, 0 };

  *lufs = NAN;
  src = gst_element_factory_make ("filesrc", NULL);
  decode = gst_element_factory_make ("decodebin", NULL);
  convert = gst_element_factory_make ("audioconvert", NULL);
  sink = gst_element_factory_make ("appsink", NULL);
  if (!src || !decode || !convert || !sink)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "a GStreamer element for loudness is missing");
      gst_clear_object (&src);
      gst_clear_object (&decode);
      gst_clear_object (&convert);
      gst_clear_object (&sink);
      return FALSE;
    }
  g_object_set (src, "location", path, NULL);
  g_signal_connect (decode, "autoplug-continue", G_CALLBACK (on_autoplug_continue_cb), NULL);
  g_object_set (sink, "caps", f32, "sync", FALSE, "max-buffers", 16, NULL);
  gst_bin_add_many (GST_BIN (pipeline), src, decode, convert, sink, NULL);
  gst_element_link (src, decode);
  gst_element_link (convert, sink);
  g_signal_connect_object (decode, "pad-added", G_CALLBACK (on_pad_added_cb), convert, 0);
  wait.convert = convert;
  g_signal_connect (decode, "no-more-pads", G_CALLBACK (on_no_more_pads_cb), &wait);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);

  while (!eos && g_get_monotonic_time () < deadline && !g_cancellable_is_cancelled (cancellable))
    {
      g_autoptr (GstSample) sample = gst_app_sink_try_pull_sample (GST_APP_SINK (sink), 100 * GST_MSECOND);
      g_autoptr (GstMessage) msg = NULL;

      if (sample)
        {
          meter_add (&meter, sample, &frames);
          continue;
        }
      eos = gst_app_sink_is_eos (GST_APP_SINK (sink)) || g_atomic_int_get (&wait.no_audio);
      msg = gst_bus_pop_filtered (bus, GST_MESSAGE_ERROR | GST_MESSAGE_EOS);
      if (msg && GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
        {
          g_autoptr (GError) e = NULL;

          gst_message_parse_error (msg, &e, NULL);
          gst_element_set_state (pipeline, GST_STATE_NULL);
          if (frames > 0)
            break; /* a damaged tail: judge what was read */
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s: %s", path, e->message);
          return FALSE;
        }
      eos |= msg != NULL; /* EOS on the bus: a file without audio */
    }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;
  if (!eos)
    g_debug ("%s: loudness from its first %.0f s (the time per file ran out)", path,
             meter ? (double) frames / meter->samplerate : 0.0);
  if (meter && ebur128_loudness_global (meter, &out) == EBUR128_SUCCESS && isfinite (out))
    *lufs = out;
  return TRUE;
}

/**
 * exs_library_scan_loudness:
 * @library_id: the library scanned, or 0 for all
 *
 * Scan thread: measures every item of @library_id that needs it.
 *
 * Returns: how many items were measured
 */
guint
exs_library_scan_loudness (ExsDatabase *db, gint64 library_id, GCancellable *cancellable)
{
  guint done = 0;

  while (!g_cancellable_is_cancelled (cancellable))
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GArray) todo = exs_media_store_dup_loudness_todo (db, library_id, TODO_BATCH, &error);

      if (todo == NULL)
        {
          g_warning ("loudness: %s", error->message);
          break;
        }
      if (todo->len == 0)
        break;
      for (guint i = 0; i < todo->len && !g_cancellable_is_cancelled (cancellable); i++)
        {
          ExsLoudnessTodo *t = &g_array_index (todo, ExsLoudnessTodo, i);
          g_autoptr (GError) e = NULL;
          double lufs = NAN;

          if (!exs_library_measure_loudness (t->path, EXS_LOUDNESS_MAX_SECONDS_PER_FILE, cancellable, &lufs, &e))
            {
              if (g_error_matches (e, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                return done;
              g_debug ("loudness of %s: %s", t->path, e->message);
            }
          if (!exs_media_store_set_loudness (db, t->id, t->mtime, lufs, &e))
            {
              g_warning ("loudness of %s not stored: %s", t->path, e->message);
              return done; /* the same item would come back: stop here */
            }
          done++;
        }
    }
  return done;
}
