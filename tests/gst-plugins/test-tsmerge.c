/* exstsmerge with GstHarness, in an isolated registry: one buffer out per
 * buffer list, bytes in order, keyframe flags kept, no stream headers. */
#include "config.h"

#include <gst/check/gstharness.h>
#include <gst/gst.h>
#include <string.h>

static GstBuffer *
packet (guint8 fill, gboolean keyframe, GstClockTime pts)
{
  GstBuffer *b = gst_buffer_new_allocate (NULL, 188, NULL);

  gst_buffer_memset (b, 0, fill, 188);
  if (!keyframe)
    GST_BUFFER_FLAG_SET (b, GST_BUFFER_FLAG_DELTA_UNIT);
  GST_BUFFER_PTS (b) = pts;
  return b;
}

static void
test_merges_lists (void)
{
  GstHarness *h = gst_harness_new ("exstsmerge");
  GstBufferList *list = gst_buffer_list_new ();
  GstBuffer *out;
  GstMapInfo map;

  gst_harness_set_src_caps_str (h, "video/mpegts,systemstream=true,packetsize=188");
  gst_buffer_list_add (list, packet (1, FALSE, 10));
  gst_buffer_list_add (list, packet (2, TRUE, 11));
  gst_buffer_list_add (list, packet (3, FALSE, 12));
  g_assert_cmpint (gst_pad_push_list (h->srcpad, list), ==, GST_FLOW_OK);
  g_assert_cmpuint (gst_harness_buffers_in_queue (h), ==, 1);
  out = gst_harness_pull (h);
  g_assert_cmpuint (gst_buffer_get_size (out), ==, 3 * 188);
  g_assert_false (GST_BUFFER_FLAG_IS_SET (out, GST_BUFFER_FLAG_DELTA_UNIT));
  g_assert_cmpuint (GST_BUFFER_PTS (out), ==, 10);
  gst_buffer_map (out, &map, GST_MAP_READ);
  g_assert_cmpuint (map.data[0], ==, 1);
  g_assert_cmpuint (map.data[188], ==, 2);
  g_assert_cmpuint (map.data[2 * 188 + 187], ==, 3);
  gst_buffer_unmap (out, &map);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

static void
test_delta_lists_stay_delta (void)
{
  GstHarness *h = gst_harness_new ("exstsmerge");
  GstBufferList *list = gst_buffer_list_new ();
  GstBuffer *header = packet (0, TRUE, 5);
  GstBuffer *out;

  gst_harness_set_src_caps_str (h, "video/mpegts,systemstream=true,packetsize=188");
  gst_buffer_list_add (list, packet (1, FALSE, 20));
  gst_buffer_list_add (list, packet (2, FALSE, 21));
  gst_pad_push_list (h->srcpad, list);
  out = gst_harness_pull (h);
  g_assert_true (GST_BUFFER_FLAG_IS_SET (out, GST_BUFFER_FLAG_DELTA_UNIT));
  gst_buffer_unref (out);

  /* a single buffer passes; HEADER is dropped (a sink would keep it for
   * new viewers instead of sending it) */
  GST_BUFFER_FLAG_SET (header, GST_BUFFER_FLAG_HEADER);
  gst_harness_push (h, header);
  out = gst_harness_pull (h);
  g_assert_false (GST_BUFFER_FLAG_IS_SET (out, GST_BUFFER_FLAG_HEADER));
  g_assert_false (GST_BUFFER_FLAG_IS_SET (out, GST_BUFFER_FLAG_DELTA_UNIT));
  g_assert_cmpuint (gst_buffer_get_size (out), ==, 188);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

static void
push_one (GstHarness *h, guint8 fill, gboolean keyframe, GstClockTime pts)
{
  GstBufferList *list = gst_buffer_list_new ();

  gst_buffer_list_add (list, packet (fill, keyframe, pts));
  g_assert_cmpint (gst_pad_push_list (h->srcpad, list), ==, GST_FLOW_OK);
}

/* max-delay: batches of up to 100 ms, a keyframe always starts a new one,
 * and nothing is lost at EOS. */
static void
test_batches (void)
{
  GstHarness *h = gst_harness_new ("exstsmerge");
  const GstClockTime ms = GST_MSECOND;
  GstBuffer *out;
  GstMapInfo map;

  g_object_set (h->element, "max-delay", 100 * ms, NULL);
  gst_harness_set_src_caps_str (h, "video/mpegts,systemstream=true,packetsize=188");
  push_one (h, 1, TRUE, 0);
  push_one (h, 2, FALSE, 30 * ms);
  push_one (h, 3, FALSE, 60 * ms);
  g_assert_cmpuint (gst_harness_buffers_in_queue (h), ==, 0);
  push_one (h, 4, FALSE, 100 * ms); /* spans 100 ms: out */
  g_assert_cmpuint (gst_harness_buffers_in_queue (h), ==, 1);
  push_one (h, 5, FALSE, 130 * ms);
  push_one (h, 6, TRUE, 160 * ms); /* a keyframe: the batch before it goes */
  g_assert_cmpuint (gst_harness_buffers_in_queue (h), ==, 2);
  push_one (h, 7, FALSE, 190 * ms);
  gst_harness_push_event (h, gst_event_new_eos ());
  g_assert_cmpuint (gst_harness_buffers_in_queue (h), ==, 3);

  out = gst_harness_pull (h);
  g_assert_cmpuint (gst_buffer_get_size (out), ==, 4 * 188);
  g_assert_false (GST_BUFFER_FLAG_IS_SET (out, GST_BUFFER_FLAG_DELTA_UNIT));
  g_assert_cmpuint (GST_BUFFER_PTS (out), ==, 0);
  gst_buffer_map (out, &map, GST_MAP_READ);
  g_assert_cmpuint (map.data[0], ==, 1);
  g_assert_cmpuint (map.data[3 * 188], ==, 4);
  gst_buffer_unmap (out, &map);
  gst_buffer_unref (out);

  out = gst_harness_pull (h);
  g_assert_cmpuint (gst_buffer_get_size (out), ==, 188);
  g_assert_true (GST_BUFFER_FLAG_IS_SET (out, GST_BUFFER_FLAG_DELTA_UNIT));
  g_assert_cmpuint (GST_BUFFER_PTS (out), ==, 130 * ms);
  gst_buffer_unref (out);

  out = gst_harness_pull (h);
  g_assert_cmpuint (gst_buffer_get_size (out), ==, 2 * 188);
  g_assert_false (GST_BUFFER_FLAG_IS_SET (out, GST_BUFFER_FLAG_DELTA_UNIT));
  g_assert_cmpuint (GST_BUFFER_PTS (out), ==, 160 * ms);
  gst_buffer_unref (out);
  gst_harness_teardown (h);
}

/* mpegtsmux's caps carry its first PAT/PMT as streamheader: they go. */
static void
test_drops_streamheader (void)
{
  GstHarness *h = gst_harness_new ("exstsmerge");
  g_autoptr (GstCaps) caps = gst_caps_from_string ("video/mpegts,systemstream=true,packetsize=188");
  GValue array = G_VALUE_INIT, v = G_VALUE_INIT;
  GstBuffer *hb = packet (0, TRUE, 0);
  g_autoptr (GstCaps) out = NULL;

  g_value_init (&array, GST_TYPE_ARRAY);
  g_value_init (&v, GST_TYPE_BUFFER);
  gst_value_set_buffer (&v, hb);
  gst_value_array_append_value (&array, &v);
  gst_structure_set_value (gst_caps_get_structure (caps, 0), "streamheader", &array);
  g_value_unset (&v);
  g_value_unset (&array);
  gst_buffer_unref (hb);
  gst_harness_set_src_caps (h, gst_caps_ref (caps));
  gst_harness_push (h, packet (1, TRUE, 0));
  gst_buffer_unref (gst_harness_pull (h));
  out = gst_pad_get_current_caps (h->sinkpad);
  g_assert_nonnull (out);
  g_assert_true (gst_structure_has_name (gst_caps_get_structure (out, 0), "video/mpegts"));
  g_assert_false (gst_structure_has_field (gst_caps_get_structure (out, 0), "streamheader"));
  gst_harness_teardown (h);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/gst-plugins/tsmerge/merges-lists", test_merges_lists);
  g_test_add_func ("/gst-plugins/tsmerge/delta-lists-stay-delta", test_delta_lists_stay_delta);
  g_test_add_func ("/gst-plugins/tsmerge/batches", test_batches);
  g_test_add_func ("/gst-plugins/tsmerge/drops-streamheader", test_drops_streamheader);
  return g_test_run ();
}
