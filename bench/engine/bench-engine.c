/* bench-engine: the channel engine against the peers' cost model, one ffmpeg
 * process per channel.
 *
 *   build/bench/engine/bench-engine [TUNES] [CHANNELS]
 *
 * Measures, on this machine: cold tune (first byte, first keyframe) over
 * TUNES tunes (default 50), a warm tune (a second viewer of a running channel),
 * CPU and RSS per running encoding channel with CHANNELS channels (default 3),
 * and the same for `ffmpeg -re -ss … -i FILE -c:v libx264 -preset ultrafast …
 * -f mpegts`; prints a table with ratios. Viewers tune through the IPTV
 * service's /iptv/channel/{number}.ts, the route users get. Run it by hand on an idle machine
 * (it is never part of `meson test`). */
#include "config.h"

#include "exs-channel-manager.h"
#include "exs-channel-store.h"
#include "exs-file-list-source.h"
#include "exs-iptv-service.h"

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

typedef struct
{
  double first_byte;
  double first_keyframe;
} Tune;

/* ---- a viewer in its own thread (blocking sockets), timing its stream ---- */

typedef struct
{
  char *url_host;
  guint port;
  char *path;
  Tune result;
  gboolean ok;
  gint done;
} TuneJob;

/* Reads a TS from @in until a video packet flagged random-access (a
 * keyframe) arrives; times from @start. Works on a socket or a pipe. */
static gboolean
read_until_keyframe (GInputStream *in, gint64 start, gboolean skip_http_header, Tune *t)
{
  guint8 buf[65536];
  GByteArray *acc = g_byte_array_new ();
  gboolean header_done = !skip_http_header, ok = FALSE;
  gint64 deadline = start + 20 * G_USEC_PER_SEC;

  t->first_byte = t->first_keyframe = -1;
  while (g_get_monotonic_time () < deadline)
    {
      gssize n = g_input_stream_read (in, buf, sizeof buf, NULL, NULL);
      gsize off = 0;

      if (n <= 0)
        break;
      g_byte_array_append (acc, buf, (guint) n);
      if (!header_done)
        {
          guint8 *end = memmem (acc->data, acc->len, "\r\n\r\n", 4);
          if (end == NULL)
            continue;
          g_byte_array_remove_range (acc, 0, (guint) (end + 4 - acc->data));
          header_done = TRUE;
        }
      if (acc->len > 0 && t->first_byte < 0)
        t->first_byte = (g_get_monotonic_time () - start) / 1e6;
      while (off < acc->len && acc->data[off] != 0x47)
        off++;
      for (; off + 188 <= acc->len; off += 188)
        {
          const guint8 *p = acc->data + off;
          guint pid = ((p[1] & 0x1f) << 8) | p[2];
          /* video PES (mpegtsmux and ffmpeg both use PIDs ≥ 0x41 / 0x100);
           * adaptation field with random_access_indicator */
          if (pid >= 0x41 && pid != 0x1fff && ((p[3] >> 4) & 2) && p[4] > 0 && (p[5] & 0x40) && (p[1] & 0x40))
            {
              t->first_keyframe = (g_get_monotonic_time () - start) / 1e6;
              ok = TRUE;
              break;
            }
        }
      if (ok)
        break;
      g_byte_array_remove_range (acc, 0, (guint) MIN (off, acc->len));
    }
  g_byte_array_unref (acc);
  return ok;
}

static gpointer
tune_thread (gpointer data)
{
  TuneJob *job = data;
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn = NULL;
  g_autofree char *req = g_strdup_printf ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", job->path);
  gint64 start = g_get_monotonic_time ();

  conn = g_socket_client_connect_to_host (client, "127.0.0.1", (guint16) job->port, NULL, NULL);
  if (conn == NULL)
    {
      g_atomic_int_set (&job->done, 1);
      return NULL;
    }
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), req, strlen (req), NULL, NULL,
                             NULL);
  job->ok = read_until_keyframe (g_io_stream_get_input_stream (G_IO_STREAM (conn)), start, TRUE, &job->result);
  g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
  g_atomic_int_set (&job->done, 1);
  return NULL;
}

static gboolean
on_iterate_end_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the main loop for @seconds, blocking in poll like the server's: the
 * CPU measured over it is the server's. (It polled every millisecond before,
 * 1 000 wake-ups a second that the remux figure counted as ours: about a
 * fifth of it, by perf.) */
static void
iterate (double seconds)
{
  gboolean done = FALSE;

  g_timeout_add ((guint) (seconds * 1000), on_iterate_end_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static gboolean
tune (guint port, const char *number, Tune *out)
{
  TuneJob job = { NULL, port, g_strdup_printf ("/iptv/channel/%s.ts", number), { 0 }, FALSE, 0 };
  GThread *t = g_thread_new ("viewer", tune_thread, &job);

  /* the server runs on this thread's main loop while the viewer reads */
  while (!g_atomic_int_get (&job.done))
    g_main_context_iteration (NULL, FALSE) || (g_usleep (200), TRUE);
  g_thread_join (t);
  g_free (job.path);
  *out = job.result;
  return job.ok;
}

/* ---- the ffmpeg baseline ---- */

static gboolean
tune_ffmpeg (const char *file, double ss, gboolean copy, Tune *out)
{
  g_autofree char *pos = g_strdup_printf ("%.2f", ss);
  const char *argv[] = { "ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-ss", pos, "-i", file, "-c:v",
                         "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-b:v", "3000k", "-g", "60",
                         "-c:a", "aac", "-b:a", "192k", "-f", "mpegts", "-", NULL };
  const char *argv_copy[] = { "ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-ss", pos, "-i", file,
                              "-c", "copy", "-f", "mpegts", "-", NULL };
  gint64 start = g_get_monotonic_time ();
  g_autoptr (GSubprocess) p = g_subprocess_newv (copy ? argv_copy : argv,
                                                 G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE, NULL);
  gboolean ok;

  if (p == NULL)
    return FALSE;
  ok = read_until_keyframe (g_subprocess_get_stdout_pipe (p), start, FALSE, out);
  g_subprocess_force_exit (p);
  g_subprocess_wait (p, NULL, NULL);
  return ok;
}

/* ---- CPU and memory ---- */

static double
cpu_seconds_of (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *text = NULL;
  g_auto (GStrv) f = NULL;
  char *close_paren;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  close_paren = strrchr (text, ')');
  f = g_strsplit (close_paren + 2, " ", -1);
  /* fields 14 and 15 (utime, stime), counted from after the name */
  return (g_ascii_strtod (f[11], NULL) + g_ascii_strtod (f[12], NULL)) / sysconf (_SC_CLK_TCK);
}

static double
rss_mb_of (int pid, const char *key)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", pid);
  g_autofree char *text = NULL;
  char *line;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  line = strstr (text, key);
  return line ? g_ascii_strtod (line + strlen (key) + 1, NULL) / 1024.0 : 0;
}

static guint left_remux; /* remux channels measured that fell back to encoding */

/* CPU (cores) and RSS (MB) per channel with one curl viewer on each of
 * channels first..first+n-1, over 20 s after 5 s of warm-up. */
static void
measure_channels (ExsChannelManager *manager, guint port, guint first, guint n, double *cpu, double *rss)
{
  g_autoptr (GPtrArray) viewers = g_ptr_array_new_with_free_func (g_object_unref);
  const char *curl[] = { "curl", "-s", "-o", "/dev/null", NULL, NULL };
  double cpu0, rss0;

  iterate (1.0);
  rss0 = rss_mb_of (getpid (), "VmRSS:");
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/iptv/channel/%u.ts", port, first + i);
      curl[4] = url;
      g_ptr_array_add (viewers, g_subprocess_newv (curl, G_SUBPROCESS_FLAGS_NONE, NULL));
    }
  iterate (5.0);
  {
    g_auto (GStrv) playing = exs_stream_provider_dup_playing (EXS_STREAM_PROVIDER (manager));
    g_print ("  %u of %u channels playing\n", g_strv_length (playing), n);
  }
  cpu0 = cpu_seconds_of (getpid ());
  iterate (20.0);
  *cpu = (cpu_seconds_of (getpid ()) - cpu0) / 20.0 / n;
  for (guint i = 0; i < n && first >= 200; i++)
    {
      g_autofree char *number = g_strdup_printf ("%u", first + i);
      ExsChannel *channel = exs_channel_manager_get_channel (manager, number);

      left_remux += channel == NULL || !exs_channel_is_remuxing (channel);
    }
  *rss = (rss_mb_of (getpid (), "VmRSS:") - rss0) / n;
  for (guint i = 0; i < viewers->len; i++)
    g_subprocess_force_exit (viewers->pdata[i]);
  /* linger 0: they stop as their viewer leaves */
  iterate (2.0);
}

/* A loopback TCP port that was free a moment ago. */
static guint
free_port (void)
{
  g_autoptr (GSocket) s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) bound = NULL;

  if (!g_socket_bind (s, any, TRUE, NULL) || (bound = g_socket_get_local_address (s, NULL)) == NULL)
    g_error ("no free loopback port");
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/* CPU (cores) and RSS (MB) per ffmpeg process, @n at once, like our @n
 * channels (one ffmpeg -c copy uses ~0.05 s of CPU in 20 s, 5 clock ticks:
 * too few to measure alone). With @serve, each copy serves its TS to one
 * curl viewer over HTTP on loopback (ffmpeg -listen 1), as our channels do;
 * otherwise it writes to /dev/null, the peers' per-channel process without
 * the relay to a viewer. */
static void
measure_ffmpeg (const char *clip, gboolean copy, gboolean serve, guint n, double *cpu, double *rss)
{
  const char *argv_enc[] = { "ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-ss", "5", "-i", clip,
                             "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-b:v", "3000k",
                             "-g", "60", "-c:a", "aac", "-b:a", "192k", "-f", "mpegts", "-y", "/dev/null", NULL };
  const char *argv_copy[] = { "ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-ss", "5", "-i", clip,
                              "-c", "copy", "-f", "mpegts", "-y", "/dev/null", NULL };
  const char *argv_serve[] = { "ffmpeg", "-hide_banner", "-loglevel", "error", "-re", "-ss", "5", "-i", clip,
                               "-c", "copy", "-f", "mpegts", "-listen", "1", NULL, NULL };
  const char *curl[] = { "curl", "-s", "--retry", "20", "--retry-connrefused", "--retry-delay", "0", "-o", "/dev/null",
                         NULL, NULL };
  g_autoptr (GPtrArray) procs = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr (GPtrArray) viewers = g_ptr_array_new_with_free_func (g_object_unref);
  double c0 = 0, c1 = 0, hwm = 0;

  for (guint i = 0; i < n; i++)
    {
      if (copy && serve)
        {
          g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/", free_port ());

          argv_serve[15] = url;
          g_ptr_array_add (procs, g_subprocess_newv (argv_serve, G_SUBPROCESS_FLAGS_NONE, NULL));
          curl[9] = url;
          g_ptr_array_add (viewers, g_subprocess_newv (curl, G_SUBPROCESS_FLAGS_NONE, NULL));
        }
      else
        g_ptr_array_add (procs, g_subprocess_newv (copy ? argv_copy : argv_enc, G_SUBPROCESS_FLAGS_NONE, NULL));
    }
  g_usleep (5 * G_USEC_PER_SEC);
  for (guint i = 0; i < n; i++)
    c0 += cpu_seconds_of (atoi (g_subprocess_get_identifier (procs->pdata[i])));
  g_usleep (20 * G_USEC_PER_SEC);
  for (guint i = 0; i < n; i++)
    {
      int pid = atoi (g_subprocess_get_identifier (procs->pdata[i]));

      c1 += cpu_seconds_of (pid);
      hwm += rss_mb_of (pid, "VmHWM:");
    }
  *cpu = (c1 - c0) / 20.0 / n;
  *rss = hwm / n;
  for (guint i = 0; i < procs->len; i++)
    {
      g_subprocess_force_exit (procs->pdata[i]);
      g_subprocess_wait (procs->pdata[i], NULL, NULL);
    }
  for (guint i = 0; i < viewers->len; i++)
    {
      g_subprocess_force_exit (viewers->pdata[i]);
      g_subprocess_wait (viewers->pdata[i], NULL, NULL);
    }
}

static int
cmp_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static double
percentile (GArray *v, double p)
{
  if (v->len == 0)
    return NAN;
  g_array_sort (v, cmp_double);
  return g_array_index (v, double, MIN (v->len - 1, (guint) ceil (p * v->len) - 1));
}

static void
make_clip (const char *path, int seconds)
{
  g_autofree char *desc = g_strdup_printf (
      "compositor name=c sink_1::alpha=0.12 ! video/x-raw,width=1280,height=720,framerate=30/1,format=I420 "
      "! x264enc bitrate=4000 speed-preset=veryfast key-int-max=60 threads=2 ! h264parse ! queue ! mp4mux name=m "
      "! filesink location=%s "
      "videotestsrc num-buffers=%d pattern=smpte horizontal-speed=4 ! video/x-raw,width=1280,height=720,framerate=30/1 ! c.sink_0 "
      "videotestsrc num-buffers=%d pattern=snow ! video/x-raw,width=1280,height=720,framerate=30/1 ! c.sink_1 "
      "audiotestsrc num-buffers=%d samplesperbuffer=1024 wave=pink-noise volume=0.3 ! audio/x-raw,rate=48000,channels=2 "
      "! audioconvert ! avenc_aac bitrate=128000 ! aacparse ! queue ! m.",
      path, seconds * 30, seconds * 30, seconds * 48000 / 1024 + 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) p = gst_parse_launch_full (desc, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &error);
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) m = NULL;

  if (p == NULL)
    g_error ("cannot make %s: %s", path, error->message);
  bus = gst_element_get_bus (p);

  gst_element_set_state (p, GST_STATE_PLAYING);
  m = gst_bus_timed_pop_filtered (bus, GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  gst_element_set_state (p, GST_STATE_NULL);
}

static void
row (const char *what, double ours, double theirs, const char *fmt)
{
  g_autofree char *f = g_strdup_printf ("%%-44s %%12%s %%12%s %%8.2f\n", fmt, fmt);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  g_print (f, what, ours, theirs, ours / theirs);
#pragma GCC diagnostic pop
}

static void
cold_tunes (ExsChannelManager *manager, guint port, const char *number, const char *clip, gboolean copy,
            guint tunes, GArray *fb, GArray *kf, GArray *ffb, GArray *fkf)
{
  for (guint i = 0; i < tunes; i++)
    {
      Tune t;
      if (tune (port, number, &t))
        {
          g_array_append_val (fb, t.first_byte);
          g_array_append_val (kf, t.first_keyframe);
        }
      iterate (0.3); /* linger 0: the channel stops */
      g_assert (exs_channel_manager_get_channel (manager, number) == NULL);
      if (tune_ffmpeg (clip, 5.0 + i % 30, copy, &t))
        {
          g_array_append_val (ffb, t.first_byte);
          g_array_append_val (fkf, t.first_keyframe);
        }
    }
}

int
main (int argc, char **argv)
{
  guint tunes = argc > 1 ? (guint) atoi (argv[1]) : 50;
  guint channels = argc > 2 ? (guint) atoi (argv[2]) : 3;
  guint remux_channels = argc > 3 ? (guint) atoi (argv[3]) : 20;
  g_autofree char *dir = g_dir_make_tmp ("exs-bench-XXXXXX", NULL);
  g_autofree char *clip = g_build_filename (dir, "src720.mp4", NULL);
  g_autofree char *db_path = g_build_filename (dir, "bench.db", NULL);
  g_autoptr (ExsConfig) config = NULL;
  g_autoptr (ExsDatabase) db = NULL;
  g_autoptr (ExsFileListSource) source = NULL;
  g_autoptr (ExsChannelManager) manager = NULL;
  g_autoptr (ExsHttpServer) http = NULL;
  g_autoptr (ExsIptvService) iptv = NULL;
  GArray *v[8];
  Tune warm = { 0 };
  double enc_cpu, enc_rss, rmx_cpu, rmx_rss, ff_cpu, ff_rss, ffc_cpu, ffc_rss, ffs_cpu, ffs_rss;
  guint port;
  const char *paths[] = { clip, NULL };

  for (guint i = 0; i < G_N_ELEMENTS (v); i++)
    v[i] = g_array_new (FALSE, FALSE, sizeof (double));
  gst_init (&argc, &argv);
  if (g_getenv ("EXS_BENCH_CLIP"))
    {
      /* A/B runs: one clip for every run (making it takes minutes on a
       * loaded machine) */
      g_free (clip);
      clip = g_strdup (g_getenv ("EXS_BENCH_CLIP"));
      paths[0] = clip;
    }
  if (!g_file_test (clip, G_FILE_TEST_EXISTS))
    {
      g_print ("making a 45 s 720p30 test clip (H.264 4 Mb/s + AAC)…\n");
      make_clip (clip, 45);
    }

  config = exs_config_new ();
  exs_config_set (config, "channels", "linger_seconds", "0", "bench", NULL);
  db = exs_database_open (db_path, NULL);
  source = exs_file_list_source_new ();
  for (guint i = 0; i < 1 + channels + 1 + remux_channels; i++)
    {
      g_autoptr (ExsChannelRecord) r = exs_channel_record_new ();
      gboolean remux = i > channels;
      r->number = g_strdup_printf ("%u", remux ? 200 + i - channels - 1 : 100 + i);
      g_free (r->transcode_mode);
      r->transcode_mode = g_strdup (remux ? "remux" : "transcode");
      exs_channel_store_insert (db, r, NULL);
      exs_file_list_source_set_channel (source, r->number, paths, NULL,
                                        g_get_real_time () - (gint64) (i * 7 % 30 + 3) * G_USEC_PER_SEC);
    }
  manager = exs_channel_manager_new (config, db, EXS_PLAYOUT_SOURCE (source));
  http = exs_http_server_new ("bench", 1 << 20);
  /* tunes go through the route users get: the IPTV service's .ts route,
   * which hands the resolved channel to the manager (ExsStreamProvider) */
  iptv = exs_iptv_service_new (config, db, EXS_STREAM_PROVIDER (manager));
  exs_iptv_service_register (iptv, http);
  exs_http_server_listen (http, "127.0.0.1", 0, NULL);
  port = exs_http_server_get_port (http);
  while (!exs_file_list_source_is_ready (source, "100") || !exs_file_list_source_is_ready (source, "200"))
    iterate (0.05);
  iterate (1.0); /* the encoder probe */

  g_print ("cold tunes: %u × (encoding, ffmpeg libx264, remux, ffmpeg -c copy)…\n", tunes);
  if (!g_getenv ("EXS_BENCH_REMUX_ONLY"))
    cold_tunes (manager, port, "100", clip, FALSE, tunes, v[0], v[1], v[2], v[3]);
  cold_tunes (manager, port, "200", clip, TRUE, tunes, v[4], v[5], v[6], v[7]);

  if (g_getenv ("EXS_BENCH_REMUX_ONLY"))
    {
      /* the remux CPU A/B: its channels and ffmpeg -c copy, nothing else */
      g_print ("%u remux channels, one viewer each, 20 s…\n", remux_channels);
      measure_channels (manager, port, 201, remux_channels, &rmx_cpu, &rmx_rss);
      measure_ffmpeg (clip, TRUE, FALSE, remux_channels, &ffc_cpu, &ffc_rss);
      measure_ffmpeg (clip, TRUE, TRUE, remux_channels, &ffs_cpu, &ffs_rss);
      g_print ("  %u of %u channels left the remux path\n", left_remux, remux_channels);
      g_print ("\n%-44s %12s %12s %8s\n", "720p30, this machine", "EXStreamTV", "ffmpeg/chan", "ratio");
      row ("remux: cold first byte p50 (s)", percentile (v[4], 0.5), percentile (v[6], 0.5), ".3f");
      row ("remux: cold first keyframe p95 (s)", percentile (v[5], 0.95), percentile (v[7], 0.95), ".3f");
      row ("remux: CPU per channel (cores)", rmx_cpu, ffc_cpu, ".4f");
      row ("remux: CPU, ffmpeg serving its viewer (cores)", rmx_cpu, ffs_cpu, ".4f");
      row ("remux: RSS per channel (MB)", rmx_rss, ffc_rss, ".1f");
      return 0;
    }
  g_print ("%u encoding channels, then %u remux channels, one viewer each, 20 s…\n", channels, remux_channels);
  {
    /* warm: a second viewer of a running channel */
    const char *curl[] = { "curl", "-s", "-o", "/dev/null", NULL, NULL };
    g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/iptv/channel/101.ts", port);
    g_autoptr (GSubprocess) first = NULL;
    curl[4] = url;
    first = g_subprocess_newv (curl, G_SUBPROCESS_FLAGS_NONE, NULL);
    iterate (3.0);
    tune (port, "101", &warm);
    g_subprocess_force_exit (first);
    iterate (0.5);
  }
  measure_channels (manager, port, 101, channels, &enc_cpu, &enc_rss);
  measure_channels (manager, port, 201, remux_channels, &rmx_cpu, &rmx_rss);
  measure_ffmpeg (clip, FALSE, FALSE, 1, &ff_cpu, &ff_rss);
  measure_ffmpeg (clip, TRUE, FALSE, remux_channels, &ffc_cpu, &ffc_rss);
  measure_ffmpeg (clip, TRUE, TRUE, remux_channels, &ffs_cpu, &ffs_rss);

  g_print ("\n%-44s %12s %12s %8s\n", "720p30, this machine", "EXStreamTV", "ffmpeg/chan", "ratio");
  row ("encoding: cold first byte p50 (s)", percentile (v[0], 0.5), percentile (v[2], 0.5), ".3f");
  row ("encoding: cold first byte p95 (s)", percentile (v[0], 0.95), percentile (v[2], 0.95), ".3f");
  row ("encoding: cold first keyframe p50 (s)", percentile (v[1], 0.5), percentile (v[3], 0.5), ".3f");
  row ("encoding: cold first keyframe p95 (s)", percentile (v[1], 0.95), percentile (v[3], 0.95), ".3f");
  row ("remux: cold first byte p50 (s)", percentile (v[4], 0.5), percentile (v[6], 0.5), ".3f");
  row ("remux: cold first byte p95 (s)", percentile (v[4], 0.95), percentile (v[6], 0.95), ".3f");
  row ("remux: cold first keyframe p50 (s)", percentile (v[5], 0.5), percentile (v[7], 0.5), ".3f");
  row ("remux: cold first keyframe p95 (s)", percentile (v[5], 0.95), percentile (v[7], 0.95), ".3f");
  g_print ("%-44s %12.3f %12s\n", "warm tune first keyframe (s)", warm.first_keyframe, "n/a");
  row ("encoding: CPU per channel (cores)", enc_cpu, ff_cpu, ".3f");
  row ("encoding: RSS per channel (MB)", enc_rss, ff_rss, ".1f");
  row ("remux: CPU per channel (cores)", rmx_cpu, ffc_cpu, ".4f");
  row ("remux: CPU, ffmpeg serving its viewer (cores)", rmx_cpu, ffs_cpu, ".4f");
  row ("remux: RSS per channel (MB)", rmx_rss, ffc_rss, ".1f");
  row ("encoding channels in real time on 2 cores (est.)", 2.0 / enc_cpu, 2.0 / ff_cpu, ".1f");
  row ("remux channels in real time on 2 cores (est.)", 2.0 / rmx_cpu, 2.0 / ffc_cpu, ".0f");
  g_print ("(%u tunes each; keyframes reached: %u, %u, %u, %u of %u)\n", tunes, v[1]->len, v[3]->len, v[5]->len,
           v[7]->len, tunes);
  for (guint i = 0; i < G_N_ELEMENTS (v); i++)
    g_array_unref (v[i]);
  return 0;
}
