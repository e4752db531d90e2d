/* Encoder choice: fake elements named like hardware encoders, registered in
 * this process's registry, stand in for a GPU: one reaches PLAYING and
 * encodes, one refuses to start, one fails on its first frame. The probe
 * must take the first that really works, in the preference order, and
 * "software" must take x264enc whatever is there. No GPU is needed. */
#include "config.h"

#include "exs-encoder.h"

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
  guint bitrate, gop;

  g_assert_no_error (error);
  g_object_get (enc, "bitrate", &bitrate, "key-int-max", &gop, NULL);
  g_assert_cmpuint (bitrate, ==, 3000);
  g_assert_cmpuint (gop, ==, 60);
  gst_object_unref (gst_object_ref_sink (enc));
  g_assert_null (exs_encoder_make ("nosuchenc", 3000, 60, &error));
  g_assert_nonnull (error);
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
  return g_test_run ();
}
