/* exs-channel-pipeline.c: the pipeline of ExsChannel.
 *
 * Part of ExsChannel (exs-channel-private.h): the slate (the error/offline
 * screen), the pipeline's description and build, its bus, and start, stop
 * and rebuild. The persistent part never stops while the channel runs, so
 * PTS, PCR and continuity counters stay continuous by construction
 * (docs/design/channel-engine.md; gstreamer-notes.md §2.8):
 *
 *   slate (error/offline screen) ─► compositor.sink_0   slate audio ─► audiomixer.sink_0
 *   slot A/B: compositor.sink_1/2, audiomixer.sink_1/2 — persistent, never released
 *   compositor ─► I420 ─► queue(3, leaky) ─► encoder ─► profile caps ─► h264parse/h265parse ─► tee ─┐
 *   audiomixer ─► audioconvert ─► AAC/AC-3 ─► aacparse/ac3parse ─► tee ────────────────────────────┤
 *   mpegtsmux pcr-interval=1800 ◄──────────────────────────────────────────────────┘
 *     ─► exstsmerge (one buffer per list, keyframe flags kept) ─► multisocketsink
 *   tees ─► hlssink2, once someone asks for HLS (ExsHlsOutput, kept across rebuilds)
 *
 * The remux fast path has no slate and no encoder: funnels take the items'
 * parsed streams straight to the mux (exs-channel-remux.c). Errors are routed to their item by a
 * synchronous bus handler.
 */
#include "config.h"

#include "exs-channel-private.h"

#include "exs-elements.h"
#include "exs-encoder.h"
#include "exs-hls-output.h"
#include "exs-running-time.h"

#include <gio/gio.h>
#include <gst/video/video.h>

/* ---- the slate ---- */

void
_exs_channel_set_slate (ExsChannel *self, ExsChannelState state)
{
  g_autofree char *text = NULL;
  gboolean mute = state == EXS_CHANNEL_PROGRAMME;

  if (self->slate_text == NULL)
    return;
  /* clockoverlay appends the time: it gets a line of its own */
  if (state == EXS_CHANNEL_OFFLINE)
    text = g_strdup_printf ("Off the air\nNothing scheduled — back soon\n%s · %s\n", self->name,
                            self->number);
  else if (state == EXS_CHANNEL_STARTING)
    text = g_strdup_printf ("Starting…\n%s · %s\n", self->name, self->number);
  else
    text = g_strdup_printf ("%s\n%s\n%s · %s\n", self->title, self->subtitle, self->name, self->number);
  /* textoverlay reads Pango markup: a channel called "Tom & Jerry" must
   * show as written, not break the layout. While the programme plays it
   * covers the slate, and the text stays silent (the overlay passes frames
   * through): drawn anyway, the shaded box and the text cost ~2 ms a 720p
   * frame, 0.06 core, 13 % of an encoding channel (issue 21). */
  {
    g_autofree char *escaped = g_markup_escape_text (text, -1);
    g_object_set (self->slate_text, "text", escaped, "silent", mute, NULL);
  }
  if (self->slate_audio_pad)
    g_object_set (self->slate_audio_pad, "mute", mute, NULL);
}

/* ---- the pipeline ---- */

/* Any thread: errors are routed while their source is still parented.
 * Nothing is queued on the bus: every message ends here. */
static void
route_message (ExsChannel *self, GstMessage *msg)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *debug = NULL;
  GstObject *obj;
  guint item_id = 0;
  gboolean from_encoder = FALSE;
  ExsHlsOutput *hls;

  hls = g_atomic_pointer_get (&self->hls);
  if (hls)
    exs_hls_output_handle_message (hls, msg);
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_QOS || GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
    g_signal_emit (self, _exs_channel_signals[SIGNAL_PIPELINE_MESSAGE], 0, msg);
  if (GST_MESSAGE_TYPE (msg) != GST_MESSAGE_ERROR)
    return;
  gst_message_parse_error (msg, &error, &debug);
  obj = GST_MESSAGE_SRC (msg) ? gst_object_ref (GST_MESSAGE_SRC (msg)) : NULL;
  while (obj != NULL)
    {
      GstObject *parent;

      if (item_id == 0 && G_IS_OBJECT (obj))
        item_id = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (obj), "exs-item-id"));
      if (GST_IS_ELEMENT (obj))
        {
          GstElementFactory *f = gst_element_get_factory (GST_ELEMENT (obj));
          if (f && g_str_equal (GST_OBJECT_NAME (f), self->encoder))
            from_encoder = TRUE;
        }
      parent = gst_object_get_parent (obj);
      gst_object_unref (obj);
      obj = parent;
    }
  GST_WARNING ("error from %s (item %u): %s (%s)", GST_MESSAGE_SRC_NAME (msg), item_id, error->message,
               debug ? debug : "");
  _exs_channel_post_note (g_object_ref (self), g_main_context_default (), item_id,
                          item_id ? NOTE_ERROR : NOTE_PIPELINE_ERROR, error->message, from_encoder);
}

/* A sync handler that answers GST_BUS_DROP owns the message: each one holds
 * its source, so a message not unreffed here keeps the whole pipeline (its
 * threads, sockets and buffers) alive after the channel stops. */
static GstBusSyncReply
on_bus_sync_cb (GstBus *bus, GstMessage *msg, gpointer user_data)
{
  route_message (user_data, msg);
  gst_message_unref (msg);
  return GST_BUS_DROP;
}

static GstPadProbeReturn
on_mux_output_cb (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  ExsChannel *self = user_data;

  g_atomic_pointer_set (&self->last_output_mono, GSIZE_TO_POINTER (g_get_monotonic_time ()));
  return GST_PAD_PROBE_OK;
}

static const char *
slate_pattern (ExsChannelVisualMode visual_mode)
{
  switch (visual_mode)
    {
    case EXS_CHANNEL_VISUAL_TEST_PATTERN:
      return "smpte";
    case EXS_CHANNEL_VISUAL_SLATE:
      return "black";
    case EXS_CHANNEL_VISUAL_TEXT:
    case EXS_CHANNEL_VISUAL_STATIC:
    default:
      return "solid-color foreground-color=0xff102a5a"; /* text: dark blue */
    }
}

static const char *
slate_wave (ExsChannelAudioMode audio_mode)
{
  switch (audio_mode)
    {
    case EXS_CHANNEL_AUDIO_SINE_WAVE:
      return "sine";
    case EXS_CHANNEL_AUDIO_WHITE_NOISE:
      return "white-noise";
    case EXS_CHANNEL_AUDIO_BEEP:
      return "ticks";
    case EXS_CHANNEL_AUDIO_SILENT:
    default:
      return "silence";
    }
}

/* The error screen's text and clock. Without gstreamer1.0-x (a warning at
 * start-up and in /api/health) it shows without its clock, or without text:
 * a plain screen still beats a channel that cannot start. */
static char *
slate_overlay (int font_size)
{
  const char *layout = "halignment=center valignment=center line-alignment=center shaded-background=true";

  if (exs_elements_have ("clockoverlay"))
    return g_strdup_printf ("clockoverlay name=slatetext time-format=\"%%H:%%M\" %s font-desc=\"Sans %d\"", layout,
                            font_size);
  if (exs_elements_have ("textoverlay"))
    return g_strdup_printf ("textoverlay name=slatetext %s font-desc=\"Sans %d\"", layout, font_size);
  return g_strdup ("identity");
}

static char *
pipeline_description (ExsChannel *self)
{
  const ExsChannelProfile *p = &self->profile;
  g_autofree char *vcaps = g_strdup_printf ("video/x-raw,format=I420,width=%d,height=%d,framerate=%d/1,"
                                            "pixel-aspect-ratio=1/1",
                                            p->width, p->height, p->fps);
  g_autofree char *acaps = exs_channel_profile_raw_audio_caps (p);
  g_autofree char *video_output = _exs_channel_profile_video_output (p);
  g_autofree char *audio_output = _exs_channel_profile_audio_output (p);
  g_autofree char *slate = NULL;
  g_autofree char *overlay = slate_overlay (MAX (12, p->height / 30));
  g_autoptr (GstElementFactory) merge = gst_element_factory_find ("exstsmerge");
  const char *sync_method = "latest-keyframe";
  const char *burst = "";
  g_autofree char *atag = NULL;
  g_autofree char *more_audio = NULL;

  _exs_channel_audio_configure (self);
  atag = _exs_channel_audio_tag (self, 0);
  more_audio = _exs_channel_audio_description (self, acaps, audio_output);

  slate = _exs_channel_picture_slate (self, vcaps);
  if (slate != NULL)
    ; /* the channel's own colour or image */
  else if (self->visual_mode == EXS_CHANNEL_VISUAL_STATIC)
    slate = g_strdup_printf ("videotestsrc is-live=true pattern=snow ! %s", vcaps);
  else
    slate = g_strdup_printf ("videotestsrc num-buffers=1 pattern=%s ! %s ! imagefreeze is-live=true",
                             slate_pattern (self->visual_mode), vcaps);
  if (self->throttle_mode == EXS_CHANNEL_THROTTLE_BURST)
    {
      /* a 3 s burst must start on a keyframe, so keep burst + one GOP (2 s):
       * with only 3 s kept, the keyframe before the burst was often gone and
       * the viewer started at the latest one, as in realtime */
      sync_method = "burst-keyframe";
      burst = "burst-format=time burst-value=3000000000 time-min=5000000000";
    }

  return g_strdup_printf (
      "compositor name=comp background=black max-threads=1 latency=%" G_GUINT64_FORMAT " ! %s "
      "! queue name=vq max-size-buffers=0 max-size-time=500000000 max-size-bytes=0 leaky=downstream "
      "! videoconvert name=vconv "
      "%s ! tee name=vtee "
      "! queue name=vmuxq max-size-buffers=0 max-size-bytes=0 max-size-time=2000000000 ! mux. "
      "audiomixer name=amix latency=%" G_GUINT64_FORMAT " ! %s ! audioconvert ! %s ! tee name=atee "
      "! queue max-size-buffers=0 max-size-bytes=0 max-size-time=2000000000 ! %smux. "
      "mpegtsmux name=mux pcr-interval=1800 ! %s"
      "multisocketsink name=sink sync=false async=false enable-last-sample=false unit-format=time "
      "units-max=10000000000 units-soft-max=4000000000 recover-policy=keyframe sync-method=%s %s "
      "timeout=%" G_GUINT64_FORMAT " "
      "%s ! %s ! comp.sink_0 "
      "audiotestsrc is-live=true wave=%s volume=0.2 ! %s ! amix.sink_0%s",
      (guint64) (100 * GST_MSECOND), vcaps, video_output, (guint64) (100 * GST_MSECOND), acaps, audio_output, atag,
      merge ? "exstsmerge name=merge ! " : "", sync_method, burst, (guint64) self->viewer_stall_seconds * GST_SECOND,
      slate, overlay, slate_wave (self->audio_mode), acaps, more_audio);
}

static GstPad *
request_slot (GstElement *aggregator, gboolean video, guint zorder)
{
  GstPad *pad = gst_element_request_pad_simple (aggregator, "sink_%u");

  if (video)
    g_object_set (pad, "zorder", zorder, "max-last-buffer-repeat", (guint64) LAST_BUFFER_REPEAT_NS, NULL);
  return pad;
}

/* Streaming thread: before each keyframe, ask the mux for PAT and PMT (a
 * downstream force-key-unit with all-headers). mpegtsmux otherwise writes
 * them only every 100 ms, and a viewer who starts at a keyframe — every new
 * one — could not demux it and would wait for the next one, 2 s later. */
static GstPadProbeReturn
on_mux_video_cb (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);

  if (!GST_BUFFER_FLAG_IS_SET (buf, GST_BUFFER_FLAG_DELTA_UNIT))
    gst_pad_push_event (pad, gst_video_event_new_downstream_force_key_unit (GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE,
                                                                             GST_CLOCK_TIME_NONE, TRUE, 0));
  return GST_PAD_PROBE_OK;
}

/* What the probe on the encoder's input keeps (its own, streaming thread). */
typedef struct
{
  GstClockTime cadence;  /* the profile's keyframe interval */
  GstClockTime next_key; /* running time of the next forced keyframe */
  GstClockTime last;     /* running time of the last frame let through */
} EncoderInput;

/* Streaming thread: the encoder's input moves forward, with a keyframe at
 * every multiple of the profile's keyframe interval of running time (it
 * divides the HLS target duration).
 * - Under load (two x264 encodes and the suite on 2 cores) the compositor's
 *   first two frames sometimes both carried running time 0. x264 then gave
 *   the second no PTS, and the mux wrote it as PTS 0 after later frames:
 *   ffmpeg reported "non monotonically increasing dts" in the channel's
 *   first second. A raw frame that is not later than the last is dropped
 *   here (the leaky queue before drops frames under load anyway).
 * - The encoder's own keyframe interval counts frames, and under load the
 *   leaky queue drops frames: a GOP of 60 frames then lasted 2.33 s, and so
 *   did the HLS segment cut at its end. */
static GstPadProbeReturn
on_encoder_input_cb (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  EncoderInput *in = user_data;
  const GstClockTime cadence = in->cadence;
  GstClockTime rt = exs_buffer_running_time (pad, buf);

  if (!GST_CLOCK_TIME_IS_VALID (rt))
    return GST_PAD_PROBE_OK;
  if (GST_CLOCK_TIME_IS_VALID (in->last) && rt <= in->last)
    return GST_PAD_PROBE_DROP;
  in->last = rt;
  if (in->next_key == GST_CLOCK_TIME_NONE || rt >= in->next_key)
    {
      if (in->next_key != GST_CLOCK_TIME_NONE)
        gst_pad_send_event (pad, gst_video_event_new_downstream_force_key_unit (GST_BUFFER_PTS (buf),
                                                                                GST_CLOCK_TIME_NONE, rt, FALSE, 0));
      in->next_key = (rt / cadence + 1) * cadence;
    }
  return GST_PAD_PROBE_OK;
}

/* The leaky queue before the encoder (vq), its streaming thread: it is
 * full, so it drops its oldest frame to stay live. Counted, and posted as a
 * QoS message so that the health monitor's dropped-frames figure has it. */
static void
on_encoder_queue_overrun_cb (GstElement *queue, gpointer user_data)
{
  gint *frames_dropped = user_data;
  gint dropped = g_atomic_int_add (frames_dropped, 1) + 1;
  GstMessage *qos = gst_message_new_qos (GST_OBJECT (queue), TRUE, GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE,
                                         GST_CLOCK_TIME_NONE, GST_CLOCK_TIME_NONE);

  gst_message_set_qos_stats (qos, GST_FORMAT_BUFFERS, 0, (guint64) dropped);
  gst_element_post_message (queue, qos);
}

static gboolean
build_pipeline (ExsChannel *self, GError **error)
{
  g_autofree char *desc = self->remux ? _exs_channel_remux_description (self) : pipeline_description (self);
  g_autoptr (GstElement) vconv = NULL;
  g_autoptr (GstElement) enccaps = NULL;
  g_autoptr (GstElement) comp = NULL;
  g_autoptr (GstElement) amix = NULL;
  g_autoptr (GstElement) mux = NULL;
  g_autoptr (GstPad) mux_src = NULL;
  g_autoptr (GstBus) bus = NULL;
  GstElement *encoder;
  GError *local = NULL;
  ExsEncoderSettings settings = { .bitrate_kbps = self->profile.video_kbps,
                                  .quality = self->profile.video_quality,
                                  .keyframe_frames = exs_channel_profile_keyframe_frames (&self->profile) };

  self->pipeline = gst_parse_launch_full (desc, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &local);
  if (self->pipeline == NULL)
    {
      g_set_error (error, EXS_CHANNEL_ERROR, EXS_CHANNEL_ERROR_PIPELINE, "cannot build the pipeline: %s",
                   local ? local->message : "?");
      g_clear_error (&local);
      return FALSE;
    }
  g_clear_error (&local);
  gst_object_ref_sink (self->pipeline);
  {
    g_autofree char *name = g_strdup_printf ("channel-%s", self->number);
    gst_object_set_name (GST_OBJECT (self->pipeline), name);
  }

  if (self->remux)
    {
      _exs_channel_remux_build (self);
      goto sink;
    }
  encoder = exs_encoder_make_with (self->encoder, &settings, &local);
  if (encoder == NULL && !g_str_equal (self->encoder, exs_encoder_software (self->profile.video_codec)))
    {
      g_clear_error (&local);
      g_free (self->encoder);
      self->encoder = g_strdup (exs_encoder_software (self->profile.video_codec));
      encoder = exs_encoder_make_with (self->encoder, &settings, &local);
    }
  if (encoder == NULL)
    {
      g_propagate_error (error, local);
      gst_clear_object (&self->pipeline);
      return FALSE;
    }
  vconv = gst_bin_get_by_name (GST_BIN (self->pipeline), "vconv");
  enccaps = gst_bin_get_by_name (GST_BIN (self->pipeline), "enccaps");
  gst_bin_add (GST_BIN (self->pipeline), encoder);
  if (!gst_element_link_many (vconv, encoder, enccaps, NULL))
    {
      g_set_error (error, EXS_CHANNEL_ERROR, EXS_CHANNEL_ERROR_PIPELINE, "cannot link the encoder %s",
                   self->encoder);
      gst_clear_object (&self->pipeline);
      return FALSE;
    }

  {
    g_autoptr (GstPad) input = gst_element_get_static_pad (encoder, "sink");
    EncoderInput *in = g_new (EncoderInput, 1);

    in->cadence = exs_channel_profile_keyframe_interval (&self->profile);
    in->next_key = GST_CLOCK_TIME_NONE;
    in->last = GST_CLOCK_TIME_NONE;
    gst_pad_add_probe (input, GST_PAD_PROBE_TYPE_BUFFER, on_encoder_input_cb, in, g_free);
  }

  {
    g_autoptr (GstElement) vq = gst_bin_get_by_name (GST_BIN (self->pipeline), "vq");

    if (vq != NULL)
      g_signal_connect_data (vq, "overrun", G_CALLBACK (on_encoder_queue_overrun_cb),
                             g_atomic_rc_box_acquire (self->frames_dropped),
                             (GClosureNotify) (void (*) (void)) g_atomic_rc_box_release, 0);
  }

  comp = gst_bin_get_by_name (GST_BIN (self->pipeline), "comp");
  amix = gst_bin_get_by_name (GST_BIN (self->pipeline), "amix");
  for (guint i = 0; i < 2; i++)
    {
      self->vslots[i] = request_slot (comp, TRUE, i + 1);
      self->aslots[i] = request_slot (amix, FALSE, 0);
    }
  _exs_channel_audio_build (self);
  self->slate_audio_pad = gst_element_get_static_pad (amix, "sink_0");
  self->slate_text = gst_bin_get_by_name (GST_BIN (self->pipeline), "slatetext");
sink:
  self->sink = gst_bin_get_by_name (GST_BIN (self->pipeline), "sink");
  g_signal_connect (self->sink, "client-removed", G_CALLBACK (_exs_channel_on_client_removed_cb), self);
  g_signal_connect (self->sink, "client-socket-removed", G_CALLBACK (_exs_channel_on_client_socket_removed_cb), self);

  mux = gst_bin_get_by_name (GST_BIN (self->pipeline), "mux");
  if (g_str_equal (GST_OBJECT_NAME (gst_element_get_factory (mux)), "mpegtsmux"))
    {
      /* the video into the mux: its queue, or the remux path's funnel
       * (exstsmux writes the tables before every keyframe by itself) */
      g_autoptr (GstElement) vmuxq = gst_bin_get_by_name (GST_BIN (self->pipeline), self->remux ? "vfunnel" : "vmuxq");
      g_autoptr (GstPad) pad = gst_element_get_static_pad (vmuxq, "src");

      gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_BUFFER, on_mux_video_cb, NULL, NULL);
    }
  mux_src = gst_element_get_static_pad (mux, "src");
  gst_pad_add_probe (mux_src, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST, on_mux_output_cb, self,
                     NULL);

  bus = gst_element_get_bus (self->pipeline);
  gst_bus_set_sync_handler (bus, on_bus_sync_cb, self, NULL);

  self->clock = g_object_new (GST_TYPE_SYSTEM_CLOCK, "clock-type", GST_CLOCK_TYPE_REALTIME, NULL);
  gst_pipeline_use_clock (GST_PIPELINE (self->pipeline), self->clock);
  if (self->hls && !self->remux && !exs_hls_output_attach (self->hls, self->pipeline, &local))
    {
      g_warning ("channel %s: no HLS after the rebuild: %s", self->number, local->message);
      g_clear_error (&local);
    }
  return TRUE;
}

static void
close_all_viewers (ExsChannel *self, const char *reason)
{
  GHashTableIter iter;
  gpointer value;
  g_autoptr (GPtrArray) gone = g_ptr_array_new_with_free_func (g_object_unref);

  g_hash_table_iter_init (&iter, self->viewers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      g_ptr_array_add (gone, value);
      g_hash_table_iter_steal (&iter);
    }
  for (guint i = 0; i < gone->len; i++)
    {
      exs_viewer_close (gone->pdata[i], reason);
      g_signal_emit (self, _exs_channel_signals[SIGNAL_VIEWER_REMOVED], 0, gone->pdata[i]);
    }
}

/**
 * exs_channel_start:
 *
 * Builds the pipeline, puts the item scheduled now on at its offset, and
 * starts streaming; viewers can be added as soon as it returns.
 */
gboolean
exs_channel_start (ExsChannel *self, GError **error)
{
  GstClockTime base;

  g_return_val_if_fail (EXS_IS_CHANNEL (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  g_return_val_if_fail (self->pipeline == NULL, TRUE);
  if (!build_pipeline (self, error))
    return FALSE;

  /* running time 0 = a known wall-clock instant, so a playout time maps
   * straight to running time */
  gst_element_set_start_time (self->pipeline, GST_CLOCK_TIME_NONE);
  base = gst_clock_get_time (self->clock);
  gst_element_set_base_time (self->pipeline, base);
  self->t0_us = (gint64) (base / GST_USECOND);
  self->horizon_us = g_get_real_time ();
  self->started_mono = g_get_monotonic_time ();
  g_atomic_pointer_set (&self->last_output_mono, NULL);
  self->state = EXS_CHANNEL_STOPPED;
  _exs_channel_set_state (self, EXS_CHANNEL_STARTING, NULL);

  /* The persistent part (slate, mixers, encoders, mux, sink) starts first;
   * items join afterwards, each starting on its own, so a missing or broken
   * first item is an item failure (the slate) and never fails the channel. */
  if (gst_element_set_state (self->pipeline, GST_STATE_PLAYING) == GST_STATE_CHANGE_FAILURE)
    {
      g_set_error (error, EXS_CHANNEL_ERROR, EXS_CHANNEL_ERROR_PIPELINE, "the pipeline of channel %s cannot start",
                   self->number);
      exs_channel_stop (self);
      return FALSE;
    }
  _exs_channel_on_tick_cb (self); /* builds the first items */
  self->tick_id = g_timeout_add (TICK_MS, _exs_channel_on_tick_cb, self);
  g_debug ("channel %s started (encoder %s)", self->number, self->encoder);
  {
    g_autoptr (GstElement) mux = gst_bin_get_by_name (GST_BIN (self->pipeline), "mux");
    g_autoptr (GstElement) comp = gst_bin_get_by_name (GST_BIN (self->pipeline), "comp");
    g_autoptr (GstPad) mux_src = gst_element_get_static_pad (mux, "src");
    g_autoptr (GstPad) video = comp ? gst_element_get_static_pad (comp, "src") : NULL;

    g_signal_emit (self, _exs_channel_signals[SIGNAL_PIPELINE_STARTED], 0, self->pipeline, mux_src, video);
  }
  return TRUE;
}

/**
 * exs_channel_stop:
 *
 * Ends the pipeline and disconnects every viewer (viewer-removed is emitted
 * for each). Quick: used at shutdown.
 */
void
exs_channel_stop (ExsChannel *self)
{
  g_return_if_fail (EXS_IS_CHANNEL (self));
  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_clear_handle_id (&self->start_over_id, g_source_remove);
  if (self->pipeline)
    {
      g_autoptr (GstBus) bus = gst_element_get_bus (self->pipeline);

      g_signal_emit (self, _exs_channel_signals[SIGNAL_PIPELINE_STOPPING], 0, self->pipeline);
      for (guint i = 0; i < self->items->len; i++)
        g_atomic_int_set (&((Item *) self->items->pdata[i])->dropping, 1);
      if (self->hls)
        exs_hls_output_detach (self->hls);
      gst_element_set_state (self->pipeline, GST_STATE_NULL);
      gst_bus_set_sync_handler (bus, NULL, NULL, NULL);
      /* a message posted from here on would queue, holding its source
       * (and so the pipeline): flushing refuses them */
      gst_bus_set_flushing (bus, TRUE);
      g_signal_handlers_disconnect_by_data (self->sink, self);
    }
  close_all_viewers (self, "stopped");
  for (guint i = 0; i < self->items->len; i++)
    {
      Item *item = self->items->pdata[i];

      item->retired = TRUE;
      _exs_channel_item_release_callbacks (item); /* the pipeline, and with it the item's bin, is NULL */
    }
  g_ptr_array_set_size (self->items, 0);
  for (guint i = 0; i < 2; i++)
    {
      gst_clear_object (&self->vslots[i]);
      gst_clear_object (&self->aslots[i]);
    }
  _exs_channel_audio_clear (self);
  gst_clear_object (&self->slate_audio_pad);
  gst_clear_object (&self->slate_text);
  gst_clear_object (&self->funnels[0]);
  gst_clear_object (&self->funnels[1]);
  gst_clear_object (&self->sink);
  gst_clear_object (&self->pipeline);
  gst_clear_object (&self->clock);
  g_clear_pointer (&self->current, exs_playout_item_free);
  if (self->state != EXS_CHANNEL_STOPPED)
    {
      self->state = EXS_CHANNEL_STOPPED;
      g_object_notify_by_pspec (G_OBJECT (self), _exs_channel_props[PROP_STATE]);
    }
}

/* Rebuilds the pipeline (watchdog, encoder fallback). The viewers stay
 * connected: their sockets move to the new sink, which starts them at its
 * first keyframe with PAT/PMT; players see one discontinuity. */
void
_exs_channel_restart_pipeline (ExsChannel *self, const char *why)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) moving = self->viewers;
  GHashTableIter iter;
  gpointer key, value;

  self->restarts++;
  g_message ("channel %s: restarting its pipeline (%s)", self->number, why);
  self->viewers = g_hash_table_new_full (g_direct_hash, g_direct_equal, NULL, g_object_unref);
  if (self->sink)
    g_signal_handlers_disconnect_by_data (self->sink, self); /* the old sink lets go without closing */
  exs_channel_stop (self);
  if (!exs_channel_start (self, &error))
    {
      g_warning ("channel %s: cannot restart: %s", self->number, error->message);
      g_hash_table_iter_init (&iter, moving);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          exs_viewer_close (value, "stopped");
          g_signal_emit (self, _exs_channel_signals[SIGNAL_VIEWER_REMOVED], 0, value);
        }
      return;
    }
  g_hash_table_iter_init (&iter, moving);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      g_hash_table_iter_steal (&iter);
      g_object_set_data (G_OBJECT (value), "exs-sink-bytes", NULL);
      g_hash_table_replace (self->viewers, key, value);
      g_signal_emit_by_name (self->sink, "add", key);
    }
}

/**
 * exs_channel_restart:
 * @reason: why, for the log
 *
 * Rebuilds the pipeline now; the viewers stay connected (one discontinuity).
 * What the supervisor calls once a restart-wanted was approved.
 */
void
exs_channel_restart (ExsChannel *self, const char *reason)
{
  g_return_if_fail (EXS_IS_CHANNEL (self));
  if (self->pipeline == NULL)
    return;
  /* off the remux path only on a fallback slot (exs-channel-items.c): on
   * a busy machine remux outputs stall for a moment, and each such restart
   * onto encoding made the machine busier */
  if (self->remux && _exs_channel_take_fallback (self))
    self->remux = FALSE;
  _exs_channel_restart_pipeline (self, reason);
}

/**
 * exs_channel_ensure_hls:
 *
 * Adds HLS to the running channel's pipeline (once; it stays across
 * rebuilds until the channel is disposed). Only the encoding pipeline has
 * HLS: G_IO_ERROR_NOT_SUPPORTED on the remux path.
 *
 * Returns: (transfer none) (nullable): the channel's HLS output
 */
ExsHlsOutput *
exs_channel_ensure_hls (ExsChannel *self, GError **error)
{
  g_autoptr (ExsHlsOutput) hls = NULL;

  g_return_val_if_fail (EXS_IS_CHANNEL (self), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  if (self->hls)
    return self->hls;
  if (self->remux)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "channel %s is on the remux path (its items pass through unencoded); HLS comes from the "
                   "encoding pipeline only — watch /iptv/channel/%s.ts",
                   self->number, self->number);
      return NULL;
    }
  if (self->pipeline == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CLOSED, "channel %s is not running", self->number);
      return NULL;
    }
  /* set first: the bus handler (streaming threads) must see the branch's
   * first fragment */
  g_atomic_pointer_set (&self->hls, exs_hls_output_new (self->number));
  if (!exs_hls_output_attach (self->hls, self->pipeline, error))
    {
      hls = g_atomic_pointer_exchange (&self->hls, NULL);
      return NULL;
    }
  return self->hls;
}
