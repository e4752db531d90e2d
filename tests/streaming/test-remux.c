/* test-remux.c: the remux path's boundaries (src/streaming/exs-channel-remux.c).
 *
 * A remux item is cut at its slot's end and the next item starts there.
 * When the slot's end falls between two frames of the item (always, for a
 * slot the schedule cuts short, and for a mid-programme join), the frame
 * before the end used to pass and the next item's first frame followed it
 * by a few milliseconds: ffmpeg, reading the channel, reported "non
 * monotonically increasing dts to muxer … 74 >= 74" (issue 13's flake). These
 * tests serve such boundaries through the real server and read them with
 * ffprobe and ffmpeg.
 */
#include "config.h"

#include "exs-channel-store.h"
#include "exs-engine-fixture.h"
#include "exs-ts-check.h"

#include <gst/gst.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>

#define CHANNEL "90"

static void
set_remux (ExsEngineFixture *f, const char *number)
{
  g_autoptr (ExsChannelRecord) r = exs_channel_store_get (f->db, number, NULL);
  g_autoptr (GError) error = NULL;

  g_free (r->transcode_mode);
  r->transcode_mode = g_strdup ("remux");
  g_assert_true (exs_channel_store_update (f->db, number, r, &error));
  g_assert_no_error (error);
}

static void
on_exited_cb (GObject *source, GAsyncResult *res, gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
}

/* @seconds of the channel's stream (counted on its PCR), as a viewer gets it,
 * cut before the last unit start (a hung-up viewer's last frame is short). */
static char *
capture (ExsEngineFixture *f, const char *number, double seconds)
{
  g_autofree char *url = exs_engine_fixture_url (f, number);
  char *path = g_build_filename (f->dir, "capture.ts", NULL);
  const char *argv[] = { "curl", "-s", "-N", "--max-time", "240", "-o", path, url, NULL };
  g_autoptr (GSubprocess) curl = exs_test_spawn (argv);
  gint64 deadline = g_get_monotonic_time () + (gint64) ((4 * seconds + 60) * G_USEC_PER_SEC);
  gboolean exited = FALSE;
  g_autofree guint8 *data = NULL;
  gsize len, keep = 0;
  ExsTsReport r = { 0 };

  g_subprocess_wait_async (curl, NULL, on_exited_cb, &exited);
  while (!g_file_test (path, G_FILE_TEST_EXISTS) || !exs_ts_check_file (path, &r, NULL) || r.pcr_covered_s < seconds)
    {
      g_assert_false (exited);
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      exs_test_iterate (0.3);
    }
  g_subprocess_send_signal (curl, SIGTERM);
  while (!exited)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (g_file_get_contents (path, (char **) &data, &len, NULL));
  for (gsize off = 0; off + 188 <= len && data[off] == 0x47; off += 188)
    if (data[off + 1] & 0x40)
      keep = off;
  g_assert_true (g_file_set_contents (path, (const char *) data, (gssize) keep, NULL));
  return path;
}

/* DTS strictly increase, and no step is shorter than @min_step_s; returns
 * how many steps differ from @frame_s (the boundaries). */
static guint
assert_dts_steps (GArray *dts, double min_step_s, double frame_s, const char *what)
{
  guint odd = 0;

  g_assert_cmpuint (dts->len, >, 30);
  for (guint i = 1; i < dts->len; i++)
    {
      double step = g_array_index (dts, double, i) - g_array_index (dts, double, i - 1);

      if (!(step >= min_step_s))
        g_error ("%s: DTS %.6f then %.6f (packet %u): a step of %.1f ms", what, g_array_index (dts, double, i - 1),
                 g_array_index (dts, double, i), i, step * 1000);
      if (fabs (step - frame_s) > 0.0005)
        {
          g_test_message ("%s: a boundary at %.3f s: %.1f ms", what, g_array_index (dts, double, i - 1),
                          step * 1000);
          odd++;
        }
    }
  return odd;
}

/* Two 30 fps clips, the first cut short at 2.001 s: the slot ends 1 ms after
 * a frame starts. The schedule loops every 5.001 s, so 6 s of stream hold
 * at least one such boundary wherever the viewer joins. With @bframes the
 * clips have B-frames (two between references): frames come in decode
 * order, the DTS of each item's first frame before its PTS. */
static void
check_boundary_dts (gboolean bframes)
{
  g_autoptr (ExsEngineFixture) f = exs_engine_fixture_new (NULL);
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  const char *patterns[] = { "red", "green" };
  const gint64 durations[] = { 2001 * 1000, 3 * G_USEC_PER_SEC };
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) vdts = NULL;
  g_autoptr (GArray) adts = NULL;
  g_autofree char *ts = NULL;
  ExsTsReport r;
  ExsChannel *channel;

  for (guint i = 0; i < G_N_ELEMENTS (patterns); i++)
    {
      g_autofree char *name = g_strdup_printf ("clip%u.mp4", i);
      char *path = g_build_filename (f->dir, name, NULL);
      g_autofree char *desc = exs_test_clip_description (patterns[i], 854, 480, 30, 48000, 2, 3.0, "mp4", path);
      g_auto (GStrv) parts = g_strsplit (desc, "x264enc ", 2);

      g_assert_cmpuint (g_strv_length (parts), ==, 2);
      g_free (desc);
      desc = g_strconcat (parts[0], bframes ? "x264enc bframes=2 b-adapt=false " : "x264enc ", parts[1], NULL);
      exs_test_make_media (desc, path);
      g_ptr_array_add (paths, path);
    }
  g_ptr_array_add (paths, NULL);
  exs_engine_fixture_add_channel (f, CHANNEL, TRUE);
  set_remux (f, CHANNEL);
  /* starts now: the first item plays from its start (no seek), so every
   * frame sits where the schedule puts it */
  exs_file_list_source_set_channel (f->source, CHANNEL, (const char *const *) paths->pdata, durations,
                                    g_get_real_time ());
  channel = exs_channel_manager_ensure_channel (f->manager, CHANNEL, &error);
  g_assert_no_error (error);
  g_assert_true (exs_channel_is_remuxing (channel));

  ts = capture (f, CHANNEL, 6.0);
  g_assert_true (exs_channel_is_remuxing (channel));
  g_assert_true (exs_ts_check_file (ts, &r, NULL));
  g_assert_cmpuint (r.cc_errors, ==, 0);
  g_assert_cmpfloat (r.max_pcr_gap_s, <=, 0.100);
  g_assert_cmpfloat (r.max_pat_gap_s, <=, 0.150);

  /* video: a frame lasts 1/30 s, and none is followed sooner (a boundary may
   * leave a longer step: the frame that would overlap the next item is cut) */
  vdts = exs_test_read_packet_times (ts, "v", "dts_time");
  g_assert_cmpuint (assert_dts_steps (vdts, 1.0 / 30 - 0.0005, 1.0 / 30, "video"), >=, 1);
  /* audio: strictly increasing across the boundaries too */
  adts = exs_test_read_packet_times (ts, "a", "dts_time");
  assert_dts_steps (adts, 1.0 / 90000, 1024.0 / 48000, "audio");
  g_assert_cmpuint (exs_test_count_decode_errors (ts), ==, 0);
}

static void
test_boundary_dts (void)
{
  check_boundary_dts (FALSE);
}

static void
test_boundary_dts_bframes (void)
{
  check_boundary_dts (TRUE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);
  g_test_add_func ("/streaming/remux/boundary-dts", test_boundary_dts);
  g_test_add_func ("/streaming/remux/boundary-dts-bframes", test_boundary_dts_bframes);
  return g_test_run ();
}
