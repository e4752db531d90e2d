/* exs-engine-fixture.c: see exs-engine-fixture.h. Clients (ffmpeg, ffprobe,
 * curl) run as subprocesses while the test's main loop serves them. */
#include "config.h"

#include "exs-engine-fixture.h"

#include "exs-channel-store.h"
#include "exs-test-server.h"

#include <gst/gst.h>

void
exs_test_make_media (const char *description, const char *path)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) pipeline = gst_parse_launch_full (description, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &error);
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) msg = NULL;

  g_assert_no_error (error);
  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  msg = gst_bus_timed_pop_filtered (bus, 120 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull (msg);
  if (GST_MESSAGE_TYPE (msg) == GST_MESSAGE_ERROR)
    {
      g_autoptr (GError) e = NULL;
      gst_message_parse_error (msg, &e, NULL);
      g_error ("making %s: %s", path, e->message);
    }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
}

/* A clip of one solid colour (or a videotestsrc pattern) with a tone. */
char *
exs_test_clip_description (const char *pattern, int width, int height, int fps, int audio_rate, int audio_channels,
                           double seconds, const char *container, const char *path)
{
  GString *s = g_string_new (NULL);
  int frames = (int) (seconds * fps + 0.5);

  g_string_append_printf (s,
                          "videotestsrc pattern=%s num-buffers=%d ! video/x-raw,format=I420,width=%d,height=%d,"
                          "framerate=%d/1 ! x264enc speed-preset=ultrafast key-int-max=%d bitrate=600 threads=1 "
                          "! h264parse ! queue ! mux. ",
                          pattern, frames, width, height, fps, fps);
  if (audio_rate > 0)
    g_string_append_printf (s,
                            "audiotestsrc wave=sine freq=440 volume=0.3 samplesperbuffer=1024 num-buffers=%d "
                            "! audio/x-raw,rate=%d,channels=%d ! audioconvert ! avenc_aac ! aacparse ! queue ! mux. ",
                            (int) (seconds * audio_rate / 1024 + 1), audio_rate, audio_channels);
  g_string_append_printf (s, "%s name=mux ! filesink location=%s",
                          g_str_equal (container, "mkv")  ? "matroskamux"
                          : g_str_equal (container, "ts") ? "mpegtsmux"
                                                          : "mp4mux",
                          path);
  return g_string_free (s, FALSE);
}

void
exs_test_iterate (double seconds)
{
  gint64 end = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  while (g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (2000), TRUE);
}

GSubprocess *
exs_test_spawn (const char *const *argv)
{
  g_autoptr (GError) error = NULL;
  GSubprocess *p = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                                      &error);

  g_assert_no_error (error);
  return p;
}

static void
on_waited_cb (GObject *source, GAsyncResult *res, gpointer data)
{
  *(gboolean *) data = TRUE;
}

/* Waits for @p while the main loop runs; returns its exit status. */
int
exs_test_wait (GSubprocess *p)
{
  gboolean done = FALSE;

  g_subprocess_wait_async (p, NULL, on_waited_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
  return g_subprocess_get_if_exited (p) ? g_subprocess_get_exit_status (p) : -1;
}

typedef struct
{
  gboolean done;
  char *out;
} Comm;

static void
on_communicated_cb (GObject *source, GAsyncResult *res, gpointer data)
{
  Comm *c = data;
  g_autofree char *err = NULL;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), res, &c->out, &err, NULL);
  if (err && *err)
    {
      char *both = g_strconcat (c->out ? c->out : "", err, NULL);
      g_free (c->out);
      c->out = both;
    }
  c->done = TRUE;
}

/* Runs a client to the end while the main loop serves it; stdout+stderr. */
int
exs_test_run_async (const char *const *argv, char **output)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) p =
      g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  Comm c = { FALSE, NULL };

  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (p, NULL, NULL, on_communicated_cb, &c);
  while (!c.done)
    g_main_context_iteration (NULL, TRUE);
  if (output)
    *output = c.out;
  else
    g_free (c.out);
  return g_subprocess_get_if_exited (p) ? g_subprocess_get_exit_status (p) : -1;
}

/* The @field ("pts_time", "dts_time") of every packet of stream @stream
 * ("v", "a") of @ts, in file order, read by ffprobe. */
GArray *
exs_test_read_packet_times (const char *ts, const char *stream, const char *field)
{
  g_autofree char *entries = g_strdup_printf ("packet=%s", field);
  const char *argv[] = { "ffprobe", "-v", "error", "-select_streams", stream, "-show_entries", entries,
                         "-of", "csv=p=0", ts, NULL };
  g_autofree char *out = NULL;
  g_auto (GStrv) lines = NULL;
  GArray *times = g_array_new (FALSE, FALSE, sizeof (double));

  g_assert_cmpint (exs_test_run_async (argv, &out), ==, 0);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (*lines[i] && g_ascii_isdigit (*lines[i]))
      {
        double t = g_ascii_strtod (lines[i], NULL);
        g_array_append_val (times, t);
      }
  return times;
}

/* How many errors ffmpeg reports decoding all of @ts (each logged). */
guint
exs_test_count_decode_errors (const char *ts)
{
  const char *argv[] = { "ffmpeg", "-v", "error", "-i", ts, "-f", "null", "-", NULL };
  g_autofree char *out = NULL;
  g_auto (GStrv) lines = NULL;
  guint n = 0;

  exs_test_run_async (argv, &out);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    if (*lines[i])
      {
        g_test_message ("decoder: %s", lines[i]);
        n++;
      }
  return n;
}

ExsEngineFixture *
exs_engine_fixture_new (const char *const *overrides)
{
  return exs_engine_fixture_new_with_playout (overrides, NULL);
}

/* @playout: (nullable): the manager's playout instead of f->source (which is
 * still made, and unused) */
ExsEngineFixture *
exs_engine_fixture_new_with_playout (const char *const *overrides, ExsPlayoutSource *playout)
{
  ExsEngineFixture *f = g_new0 (ExsEngineFixture, 1);
  g_autoptr (GError) error = NULL;
  g_autofree char *db_path = NULL;

  f->dir = exs_test_make_temp_dir ();
  f->config = exs_config_new ();
  for (guint i = 0; overrides && overrides[i]; i += 3)
    {
      exs_config_set (f->config, overrides[i], overrides[i + 1], overrides[i + 2], "test", &error);
      g_assert_no_error (error);
    }
  db_path = g_build_filename (f->dir, "test.db", NULL);
  f->db = exs_database_open (db_path, &error);
  g_assert_no_error (error);
  f->source = exs_file_list_source_new ();
  f->manager = exs_channel_manager_new (f->config, f->db, playout ? playout : EXS_PLAYOUT_SOURCE (f->source));
  f->http = exs_http_server_new ("test-token", 1 << 20);
  /* the stream routes users get, wired as ExsApplication wires them */
  f->iptv = exs_iptv_service_new (f->config, f->db, EXS_STREAM_PROVIDER (f->manager));
  exs_iptv_service_register (f->iptv, f->http);
  f->hdhr = exs_hdhr_device_new (f->config, f->db, EXS_STREAM_PROVIDER (f->manager), &error);
  g_assert_no_error (error);
  exs_hdhr_device_register (f->hdhr, f->http);
  exs_http_server_listen (f->http, "127.0.0.1", 0, &error);
  g_assert_no_error (error);
  f->port = exs_http_server_get_port (f->http);
  return f;
}

void
exs_engine_fixture_add_channel (ExsEngineFixture *f, const char *number, gboolean enabled)
{
  g_autoptr (ExsChannelRecord) r = exs_channel_record_new ();
  g_autoptr (GError) error = NULL;

  r->number = g_strdup (number);
  g_free (r->name);
  r->name = g_strdup_printf ("Test %s", number);
  g_free (r->profile);
  r->profile = g_strdup ("480p");
  r->enabled = enabled;
  exs_channel_store_insert (f->db, r, &error);
  g_assert_no_error (error);
}

char *
exs_engine_fixture_url (ExsEngineFixture *f, const char *number)
{
  return g_strdup_printf ("http://127.0.0.1:%u/iptv/channel/%s.ts", f->port, number);
}

void
exs_engine_fixture_free (ExsEngineFixture *f)
{
  exs_channel_manager_stop_all (f->manager);
  exs_http_server_stop (f->http);
  g_clear_object (&f->hdhr);
  g_clear_object (&f->iptv);
  g_clear_object (&f->manager);
  g_clear_object (&f->http);
  g_clear_object (&f->source);
  exs_database_close (f->db);
  g_clear_object (&f->db);
  g_clear_object (&f->config);
  exs_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f);
}
