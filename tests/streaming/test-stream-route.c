/* test-stream-route.c: the one path from a stream URL to the pipeline.
 *
 * The engine fixture serves the routes users get (ExsIptvService's .ts and
 * HLS, ExsHdhrDevice's /auto/ and /tuner{n}/), handing the resolved channel
 * and a typed ExsStreamRequest to the real ExsChannelManager. Clients are
 * curl and the stream checker; nothing here is a stand-in. */
#include "config.h"

#include "exs-engine-fixture.h"
#include "exs-ts-check.h"

#include <json-glib/json-glib.h>
#include <string.h>

/* GET (or HEAD with @head) @path with curl: "STATUS TYPE" then the body. */
static char *
fetch (ExsEngineFixture *f, const char *path, gboolean head)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u%s", f->port, path);
  const char *argv[] = { "curl", "-s", "--max-time", "30", "-w", "\n%{http_code} %{content_type}", head ? "-I" : "-s",
                         url, NULL };
  char *out = NULL;

  g_assert_cmpint (exs_test_run_async (argv, &out), ==, 0);
  return out;
}

/* The JSON error body of a 404, checked for its shape. */
static char *
not_found_body (ExsEngineFixture *f, const char *path)
{
  g_autofree char *out = fetch (f, path, FALSE);
  char *status = strrchr (out, '\n');
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  JsonObject *err;

  g_test_message ("%s → %s", path, out);
  g_assert_nonnull (status);
  g_assert_true (g_str_has_prefix (status + 1, "404 application/json"));
  *status = '\0';
  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  err = json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)), "error");
  g_assert_cmpstr (json_object_get_string_member (err, "code"), ==, "not_found");
  return g_strdup (out);
}

/* A bad number, an unknown channel and a disabled one get the same 404
 * JSON on every stream route: IPTV .ts, HDHomeRun /auto/ and /tuner{n}/, and
 * HLS (playlist and segment). HEAD of a stream answers from the real route
 * and starts nothing. */
static void
test_one_404_and_head (void)
{
  g_autoptr (ExsEngineFixture) f = exs_engine_fixture_new (NULL);
  const char *numbers[] = { "x", "555", "7" };
  /* each route: the path before the number and after it */
  const char *routes[][2] = { { "/iptv/channel/", ".ts" }, { "/auto/v", "" }, { "/tuner0/v", "" },
                              { "/iptv/channel/", ".m3u8" }, { "/iptv/channel/", "/hls/segment0.ts" } };

  exs_engine_fixture_add_channel (f, "102", TRUE);
  exs_engine_fixture_add_channel (f, "7", FALSE);
  for (guint n = 0; n < G_N_ELEMENTS (numbers); n++)
    {
      g_autofree char *first = NULL;
      g_autofree char *quoted = g_strdup_printf ("“%s”", numbers[n]);

      for (guint r = 0; r < G_N_ELEMENTS (routes); r++)
        {
          g_autofree char *path = g_strconcat (routes[r][0], numbers[n], routes[r][1], NULL);
          g_autofree char *body = not_found_body (f, path);

          g_assert_nonnull (strstr (body, quoted));
          if (first == NULL)
            first = g_steal_pointer (&body);
          else
            g_assert_cmpstr (body, ==, first);
        }
    }

  for (guint r = 0; r < 2; r++)
    {
      g_autofree char *path = g_strconcat (routes[r][0], "102", routes[r][1], NULL);
      g_autofree char *out = fetch (f, path, TRUE);

      g_test_message ("HEAD %s → %s", path, out);
      g_assert_nonnull (strstr (out, "\n200 video/MP2T"));
      g_assert_null (exs_channel_manager_get_channel (f->manager, "102")); /* HEAD starts nothing */
    }
}

/* HDHomeRun ?duration=5 (what Plex sends to record): the server ends the
 * stream itself, after about 5 s of stream time — measured on the PCR of
 * the bytes received, not on the clock. The engine counts the 5 s on the
 * channel's output from when the viewer joined (a slow start or a loaded
 * machine takes nothing from them), and a viewer starts up to a few seconds
 * back in the keyframe buffer, so "about" allows that much more. */
static void
test_hdhomerun_duration (void)
{
  const char *const overrides[] = { "channels", "linger_seconds", "0", NULL };
  g_autoptr (ExsEngineFixture) f = exs_engine_fixture_new (overrides);
  g_autofree char *clip = g_build_filename (f->dir, "clip.mp4", NULL);
  g_autofree char *desc = exs_test_clip_description ("ball", 854, 480, 30, 48000, 2, 30.0, "mp4", clip);
  g_autofree char *out = g_build_filename (f->dir, "duration.ts", NULL);
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/auto/v102?duration=5", f->port);
  /* a stream the server never ends would run into the 90 s limit: exit 28 */
  const char *argv[] = { "curl", "-s", "--max-time", "90", "-o", out, url, NULL };
  const char *paths[] = { clip, NULL };
  const gint64 durations[] = { 30 * G_USEC_PER_SEC };
  g_autoptr (GError) error = NULL;
  ExsTsReport report = { 0 };

  exs_test_make_media (desc, clip);
  exs_engine_fixture_add_channel (f, "102", TRUE);
  exs_file_list_source_set_channel (f->source, "102", paths, durations, g_get_real_time ());

  g_assert_cmpint (exs_test_run_async (argv, NULL), ==, 0);
  g_assert_true (exs_ts_check_file (out, &report, &error));
  g_assert_no_error (error);
  g_test_message ("duration=5: %" G_GUINT64_FORMAT " packets, %.2f s of stream (PCR %.2f to %.2f), %u CC errors",
                  report.packets, report.pcr_covered_s, report.first_pcr_s, report.last_pcr_s, report.cc_errors);
  /* (continuity is the engine tests' business: a viewer that falls behind on
   * a loaded machine skips ahead, which is right and not what this tests) */
  g_assert_cmpuint (report.sync_errors, ==, 0);
  g_assert_true (report.first_pes_random_access);
  g_assert_cmpfloat (report.pcr_covered_s, >=, 4.5);
  g_assert_cmpfloat (report.pcr_covered_s, <=, 5.0 + 4.5);
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/streaming/route/one-404-and-head", test_one_404_and_head);
  g_test_add_func ("/streaming/route/hdhomerun-duration", test_hdhomerun_duration);
  return g_test_run ();
}
