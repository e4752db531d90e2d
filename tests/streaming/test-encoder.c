/* Encoder choice: fake elements named like hardware encoders, registered in
 * this process's registry, stand in for a GPU: one reaches PLAYING and
 * encodes, one refuses to start, one fails on its first frame. The probe
 * must take the first that really works, in the preference order, and
 * "software" must take x264enc whatever is there. No GPU is needed. */
#include "config.h"

#include "exs-channel.h"
#include "exs-encoder.h"
#include "exs-file-list-source.h"

#include <gio/gio.h>
#include <string.h>
#include <sys/socket.h>

#include <gst/base/gstbasetransform.h>
#include <gst/gst.h>

/* ---- a working "encoder": passes frames through ---- */

typedef struct
{
  GstBaseTransform parent;
} FakeEnc;
typedef struct
{
  GstBaseTransformClass parent_class;
} FakeEncClass;

static GstStaticPadTemplate any_sink = GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);
static GstStaticPadTemplate any_src = GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS_ANY);

static GType fake_enc_get_type (void);
G_DEFINE_TYPE (FakeEnc, fake_enc, GST_TYPE_BASE_TRANSFORM)

static void
fake_enc_class_init (FakeEncClass *klass)
{
  GstElementClass *e = GST_ELEMENT_CLASS (klass);

  gst_element_class_add_static_pad_template (e, &any_sink);
  gst_element_class_add_static_pad_template (e, &any_src);
  gst_element_class_set_static_metadata (e, "fake", "Codec/Encoder/Video/Hardware", "fake", "test");
  GST_BASE_TRANSFORM_CLASS (klass)->passthrough_on_same_caps = TRUE;
}

static void
fake_enc_init (FakeEnc *self)
{
}

/* ---- one that cannot start (no device) ---- */

typedef FakeEnc DeadEnc;
typedef FakeEncClass DeadEncClass;
static GType dead_enc_get_type (void);
G_DEFINE_TYPE (DeadEnc, dead_enc, GST_TYPE_BASE_TRANSFORM)

static GstStateChangeReturn
dead_enc_change_state (GstElement *element, GstStateChange transition)
{
  if (transition == GST_STATE_CHANGE_READY_TO_PAUSED)
    return GST_STATE_CHANGE_FAILURE;
  return GST_ELEMENT_CLASS (dead_enc_parent_class)->change_state (element, transition);
}

static void
dead_enc_class_init (DeadEncClass *klass)
{
  GstElementClass *e = GST_ELEMENT_CLASS (klass);

  gst_element_class_add_static_pad_template (e, &any_sink);
  gst_element_class_add_static_pad_template (e, &any_src);
  gst_element_class_set_static_metadata (e, "dead", "Codec/Encoder/Video/Hardware", "dead", "test");
  e->change_state = dead_enc_change_state;
}

static void
dead_enc_init (DeadEnc *self)
{
}

/* ---- one that starts but fails on its first frame (session limit) ---- */

typedef FakeEnc BusyEnc;
typedef FakeEncClass BusyEncClass;
static GType busy_enc_get_type (void);
G_DEFINE_TYPE (BusyEnc, busy_enc, GST_TYPE_BASE_TRANSFORM)

static GstFlowReturn
busy_enc_transform_ip (GstBaseTransform *trans, GstBuffer *buf)
{
  GST_ELEMENT_ERROR (trans, RESOURCE, FAILED, ("no free encoder session"), (NULL));
  return GST_FLOW_ERROR;
}

static void
busy_enc_class_init (BusyEncClass *klass)
{
  GstElementClass *e = GST_ELEMENT_CLASS (klass);

  gst_element_class_add_static_pad_template (e, &any_sink);
  gst_element_class_add_static_pad_template (e, &any_src);
  gst_element_class_set_static_metadata (e, "busy", "Codec/Encoder/Video/Hardware", "busy", "test");
  GST_BASE_TRANSFORM_CLASS (klass)->transform_ip = busy_enc_transform_ip;
}

static void
busy_enc_init (BusyEnc *self)
{
}

/* ---- one that looks like an H.264 encoder and dies on its first frame ---- */

typedef struct
{
  GstElement parent;
  GstPad *sink, *src;
} FailEnc;
typedef struct
{
  GstElementClass parent_class;
} FailEncClass;

static GstStaticPadTemplate raw_sink =
    GST_STATIC_PAD_TEMPLATE ("sink", GST_PAD_SINK, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-raw"));
static GstStaticPadTemplate h264_src =
    GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS, GST_STATIC_CAPS ("video/x-h264"));

static GType fail_enc_get_type (void);
G_DEFINE_TYPE (FailEnc, fail_enc, GST_TYPE_ELEMENT)

static GstFlowReturn
fail_enc_chain (GstPad *pad, GstObject *parent, GstBuffer *buf)
{
  gst_buffer_unref (buf);
  GST_ELEMENT_ERROR (parent, RESOURCE, FAILED, ("the GPU went away"), (NULL));
  return GST_FLOW_ERROR;
}

static void
fail_enc_class_init (FailEncClass *klass)
{
  GstElementClass *e = GST_ELEMENT_CLASS (klass);

  gst_element_class_add_static_pad_template (e, &raw_sink);
  gst_element_class_add_static_pad_template (e, &h264_src);
  gst_element_class_set_static_metadata (e, "failing", "Codec/Encoder/Video/Hardware", "failing", "test");
}

static void
fail_enc_init (FailEnc *self)
{
  self->sink = gst_pad_new_from_static_template (&raw_sink, "sink");
  gst_pad_set_chain_function (self->sink, fail_enc_chain);
  gst_element_add_pad (GST_ELEMENT (self), self->sink);
  self->src = gst_pad_new_from_static_template (&h264_src, "src");
  gst_element_add_pad (GST_ELEMENT (self), self->src);
}

static void
on_viewer_removed_cb (ExsChannel *channel, ExsViewer *viewer, guint *removed)
{
  (*removed)++;
}

/* A hardware encoder that fails at run time: the channel falls back to
 * x264enc on its own, and its viewer stays connected and keeps receiving. */
static void
test_runtime_fallback (void)
{
  g_autoptr (ExsFileListSource) source = exs_file_list_source_new ();
  g_autoptr (ExsChannel) channel = NULL;
  g_autoptr (ExsViewer) viewer = NULL;
  g_autoptr (GSocket) ours = NULL;
  g_autoptr (GSocket) theirs = NULL;
  g_autoptr (GError) error = NULL;
  ExsChannelProfile profile;
  ExsChannelOptions options = { .name = "Fallback", .encoder = "qsvh264enc" };
  int fds[2];
  guint removed = 0;
  gsize received = 0;
  gint64 deadline;
  char buf[65536];

  exs_channel_profile_from_name ("480p", &profile);
  channel = exs_channel_new ("42", &profile, &options, EXS_PLAYOUT_SOURCE (source));
  g_signal_connect (channel, "viewer-removed", G_CALLBACK (on_viewer_removed_cb), &removed);
  g_assert_true (exs_channel_start (channel, &error));
  g_assert_no_error (error);

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM, 0, fds), ==, 0);
  ours = g_socket_new_from_fd (fds[0], &error);
  theirs = g_socket_new_from_fd (fds[1], &error);
  g_assert_no_error (error);
  g_socket_set_blocking (theirs, FALSE);
  viewer = exs_viewer_new ("42", ours, G_IO_STREAM (g_socket_connection_factory_create_connection (ours)));
  exs_channel_add_viewer (channel, viewer);

  deadline = g_get_monotonic_time () + 15 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < deadline && received < 200000)
    {
      gssize n;

      g_main_context_iteration (NULL, FALSE) || (g_usleep (2000), TRUE);
      n = g_socket_receive (theirs, buf, sizeof buf, NULL, NULL);
      if (n > 0)
        received += (gsize) n;
    }
  g_assert_cmpstr (exs_channel_get_encoder (channel), ==, "x264enc");
  g_assert_cmpuint (removed, ==, 0);
  g_assert_cmpuint (exs_channel_get_n_viewers (channel), ==, 1);
  g_assert_cmpuint (received, >=, 200000);
  exs_channel_stop (channel);
  g_assert_cmpuint (removed, ==, 1);
}

static void
test_prefers_first_working (void)
{
  g_autofree char *chosen = exs_encoder_choose (exs_encoder_preference (), FALSE);

  /* nvcudah264enc cannot start, nvh264enc is absent, vah264lpenc fails on
   * its first frame: vah264enc is the first that works */
  g_assert_cmpstr (chosen, ==, "vah264enc");
}

static void
test_software_forced (void)
{
  g_autofree char *chosen = exs_encoder_choose (exs_encoder_preference (), TRUE);

  g_assert_cmpstr (chosen, ==, "x264enc");
}

static void
test_falls_back_to_x264 (void)
{
  const char *const pref[] = { "nvcudah264enc", "nvh264enc", "vah264lpenc", "x264enc", NULL };
  const char *const none[] = { "nvcudah264enc", "vah264lpenc", NULL };
  g_autofree char *chosen = exs_encoder_choose (pref, FALSE);
  g_autofree char *nothing = exs_encoder_choose (none, FALSE);

  g_assert_cmpstr (chosen, ==, "x264enc");
  g_assert_null (nothing);
}

static void
test_make_sets_up_x264 (void)
{
  g_autoptr (GError) error = NULL;
  GstElement *enc = exs_encoder_make ("x264enc", 3000, 60, &error);
  g_autofree char *options = NULL;
  guint bitrate, gop;

  g_assert_no_error (error);
  g_object_get (enc, "bitrate", &bitrate, "key-int-max", &gop, "option-string", &options, NULL);
  g_assert_cmpuint (bitrate, ==, 3000);
  g_assert_cmpuint (gop, ==, 60);
  /* keyframes on the cadence only; veryfast's mode decision (bench/quality) */
  g_assert_nonnull (strstr (options, "scenecut=0"));
  g_assert_nonnull (strstr (options, "subme=2"));
  gst_object_unref (gst_object_ref_sink (enc));
  g_assert_null (exs_encoder_make ("nosuchenc", 3000, 60, &error));
  g_assert_nonnull (error);
}

/* HEVC: its own list, in the same order of families as H.264's, the
 * software encoder last; the probe takes the first that works. */
static void
test_hevc_order (void)
{
  const char *const expected[] = {
#ifdef __APPLE__
    "vtenc_h265_hw", "vtenc_h265",
#endif
    "nvcudah265enc", "nvh265enc", "vah265lpenc", "vah265enc", "qsvh265enc", "vaapih265enc", "x265enc", NULL
  };

  g_assert_cmpstrv (exs_encoder_preference_for (EXS_VIDEO_CODEC_HEVC), expected);
  g_assert_cmpstrv (exs_encoder_preference_for (EXS_VIDEO_CODEC_H264), exs_encoder_preference ());
  g_assert_cmpstr (exs_encoder_software (EXS_VIDEO_CODEC_HEVC), ==, "x265enc");
  g_assert_cmpstr (exs_encoder_software (EXS_VIDEO_CODEC_H264), ==, "x264enc");
}

static void
test_hevc_prefers_first_working (void)
{
  g_autofree char *chosen = exs_encoder_choose (exs_encoder_preference_for (EXS_VIDEO_CODEC_HEVC), FALSE);

  /* nvcudah265enc cannot start, nvh265enc is absent, vah265lpenc fails on
   * its first frame: vah265enc is the first that works */
  g_assert_cmpstr (chosen, ==, "vah265enc");
}

static void
test_hevc_software (void)
{
  const char *const pref[] = { "nvcudah265enc", "nvh265enc", "vah265lpenc", "x265enc", NULL };
  g_autofree char *forced = exs_encoder_choose (exs_encoder_preference_for (EXS_VIDEO_CODEC_HEVC), TRUE);
  g_autofree char *fallback = exs_encoder_choose (pref, FALSE);

  g_assert_cmpstr (forced, ==, "x265enc");
  /* no hardware that works: the software encoder */
  g_assert_cmpstr (fallback, ==, "x265enc");
  g_assert_true (exs_encoder_codec_available (EXS_VIDEO_CODEC_HEVC));
}

static void
test_make_sets_up_x265 (void)
{
  g_autoptr (GError) error = NULL;
  ExsEncoderSettings rate = { .bitrate_kbps = 2500, .keyframe_frames = 25 };
  ExsEncoderSettings quality = { .bitrate_kbps = 4000, .quality = 28, .keyframe_frames = 50 };
  GstElement *enc = exs_encoder_make_with ("x265enc", &rate, &error);
  g_autofree char *options = NULL;
  guint bitrate, gop;

  g_assert_no_error (error);
  g_object_get (enc, "bitrate", &bitrate, "key-int-max", &gop, "option-string", &options, NULL);
  g_assert_cmpuint (bitrate, ==, 2500);
  g_assert_cmpuint (gop, ==, 25);
  g_assert_nonnull (strstr (options, "open-gop=0"));
  g_assert_null (strstr (options, "crf="));
  gst_object_unref (gst_object_ref_sink (enc));
  g_clear_pointer (&options, g_free);

  enc = exs_encoder_make_with ("x265enc", &quality, &error);
  g_object_get (enc, "key-int-max", &gop, "option-string", &options, NULL);
  g_assert_cmpuint (gop, ==, 50);
  g_assert_nonnull (strstr (options, "crf=28"));
  g_assert_nonnull (strstr (options, "vbv-maxrate=4000"));
  gst_object_unref (gst_object_ref_sink (enc));
}

static void
test_make_x264_quality (void)
{
  g_autoptr (GError) error = NULL;
  ExsEncoderSettings quality = { .bitrate_kbps = 3000, .quality = 23, .keyframe_frames = 30 };
  GstElement *enc = exs_encoder_make_with ("x264enc", &quality, &error);
  guint quantizer;
  int pass;

  g_assert_no_error (error);
  g_object_get (enc, "quantizer", &quantizer, "pass", &pass, NULL);
  g_assert_cmpuint (quantizer, ==, 23);
  g_assert_cmpint (pass, ==, 5); /* GST_X264_ENC_PASS_QUAL: constant quality */
  gst_object_unref (gst_object_ref_sink (enc));
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  gst_element_register (NULL, "nvcudah264enc", GST_RANK_NONE, dead_enc_get_type ());
  gst_element_register (NULL, "vah264lpenc", GST_RANK_NONE, busy_enc_get_type ());
  gst_element_register (NULL, "vah264enc", GST_RANK_NONE, fake_enc_get_type ());
  g_test_add_func ("/streaming/encoder/prefers-first-working", test_prefers_first_working);
  g_test_add_func ("/streaming/encoder/software-forced", test_software_forced);
  g_test_add_func ("/streaming/encoder/falls-back-to-x264", test_falls_back_to_x264);
  g_test_add_func ("/streaming/encoder/make-sets-up-x264", test_make_sets_up_x264);
  gst_element_register (NULL, "nvcudah265enc", GST_RANK_NONE, dead_enc_get_type ());
  gst_element_register (NULL, "vah265lpenc", GST_RANK_NONE, busy_enc_get_type ());
  gst_element_register (NULL, "vah265enc", GST_RANK_NONE, fake_enc_get_type ());
  g_test_add_func ("/streaming/encoder/hevc-order", test_hevc_order);
  g_test_add_func ("/streaming/encoder/hevc-prefers-first-working", test_hevc_prefers_first_working);
  g_test_add_func ("/streaming/encoder/hevc-software", test_hevc_software);
  g_test_add_func ("/streaming/encoder/make-sets-up-x265", test_make_sets_up_x265);
  g_test_add_func ("/streaming/encoder/make-x264-quality", test_make_x264_quality);
  gst_element_register (NULL, "qsvh264enc", GST_RANK_NONE, fail_enc_get_type ());
  g_test_add_func ("/streaming/encoder/runtime-fallback", test_runtime_fallback);
  return g_test_run ();
}
