/* The schedule API through the real server: CRUD with field errors, assigning
 * a schedule, the channel schedule (guide) endpoint, rebuild/reset, restart
 * continuity, problems on bad content, export → import round trip (API and
 * CLI), and the demo channels' schedules. */
#include "config.h"

#include "exs-test-library.h"
#include "exs-test-server.h"

#include <string.h>

static gint64 show_id, movie_id, filler_col;

static void
expect (ExsTestReply *r, guint status)
{
  if (r->status != status)
    g_error ("expected %u, got %u: %s", status, r->status, r->body);
}

static ExsTestReply *
req (ExsTestServer *s, const char *method, const char *path, const char *body)
{
  return exs_test_server_request (s, method, path, body, TRUE);
}

/* A data dir whose database already has a small library (as the scanner
 * would leave it). */
static char *
data_dir_with_library (void)
{
  char *dir = exs_test_make_temp_dir ();
  g_autoptr (ExsTestLibrary) lib = exs_test_library_new_in (dir);

  show_id = exs_test_library_add_show (lib, "Rivers");
  for (int e = 1; e <= 5; e++)
    {
      g_autofree char *t = g_strdup_printf ("Source %d", e);
      exs_test_library_add_item (lib, show_id, 1, e, t, (gint64) (20 + e) * 60 * 1000);
    }
  movie_id = exs_test_library_add_item (lib, 0, 0, 0, "The Long One", 3 * 3600 * 1000);
  filler_col = exs_test_library_add_collection (lib, "idents");
  for (int i = 1; i <= 3; i++)
    exs_test_library_add_member (lib, filler_col, exs_test_library_add_item (lib, 0, 0, 0, "Ident", i * 10000), 0);
  return dir;
}

static char *
schedule_doc (const char *name)
{
  return g_strdup_printf (
      "{\"name\": \"%s\", \"fallback_filler\": \"idents\", \"max_lateness_seconds\": 60,"
      " \"fillers\": [{\"name\": \"idents\", \"items\": [{\"collection\": %" G_GINT64_FORMAT "}], \"hide_in_guide\": true}],"
      " \"items\": [{\"content\": {\"show\": %" G_GINT64_FORMAT "}, \"order\": \"season_episode\", \"mode\": \"multiple\","
      "   \"count\": 2, \"pad_to_minutes\": 30, \"tail_filler\": \"idents\"},"
      "  {\"title\": \"Movie Night\", \"content\": {\"media_item\": %" G_GINT64_FORMAT "}, \"mode\": \"one\", \"start_time\": \"20:00\"}]}",
      name, filler_col, show_id, movie_id);
}

static void
assert_programmes_contiguous (JsonArray *progs)
{
  g_assert_cmpuint (json_array_get_length (progs), >, 0);
  for (guint i = 1; i < json_array_get_length (progs); i++)
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (progs, i), "start"), ==,
                     json_object_get_string_member (json_array_get_object_element (progs, i - 1), "stop"));
}

static gint64
parse_time (const char *iso)
{
  g_autoptr (GDateTime) dt = g_date_time_new_from_iso8601 (iso, NULL);

  g_assert_nonnull (dt);
  return g_date_time_to_unix (dt);
}

static void
test_schedule_crud_and_guide (void)
{
  g_autofree char *dir = data_dir_with_library ();
  /* the test library is rows without files: no start-up scan may mark them missing */
  const char *env[] = { "EXSTREAMTV_SERVER_TIME_ZONE=Europe/London", "EXSTREAMTV_LIBRARY_SCAN_ON_START=false", NULL };
  g_autoptr (ExsTestServer) s = exs_test_server_start (dir, NULL, env);
  g_autofree char *doc = schedule_doc ("Rivers Daily");
  g_autoptr (ExsTestReply) bad = req (s, "POST", "/api/schedules",
                                      "{\"name\": \"x\", \"items\": [{\"content\": {\"show\": 1}, \"mode\": \"multiple\"}]}");
  g_autoptr (ExsTestReply) created = NULL;
  g_autoptr (ExsTestReply) dup = NULL;
  g_autoptr (ExsTestReply) ch = NULL;
  g_autoptr (ExsTestReply) assigned = NULL;
  g_autoptr (ExsTestReply) guide = NULL;
  g_autoptr (ExsTestReply) guide_all = NULL;
  g_autoptr (ExsTestReply) rebuilt = NULL;
  g_autoptr (ExsTestReply) bad_from = NULL;
  g_autoptr (ExsTestReply) bad_range = NULL;
  g_autoptr (ExsTestReply) bad_assign = NULL;
  g_autoptr (ExsTestReply) listed = NULL;
  g_autofree char *assign_body = NULL;
  g_autofree char *guide_path = NULL;
  g_autofree char *guide_all_path = NULL;
  g_autofree char *now_start = NULL;
  gint64 now_stop;
  JsonObject *o;
  JsonArray *progs;
  gint64 id, now = g_get_real_time () / G_USEC_PER_SEC;

  expect (bad, 422);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (exs_test_reply_object (bad), "error"), "field"),
                   ==, "items[0].count");

  created = req (s, "POST", "/api/schedules", doc);
  expect (created, 201);
  o = exs_test_reply_object (created);
  id = json_object_get_int_member (o, "id");
  g_assert_cmpstr (json_object_get_string_member (o, "name"), ==, "Rivers Daily");
  dup = req (s, "POST", "/api/schedules", doc);
  expect (dup, 409);

  ch = req (s, "POST", "/api/channels", "{\"number\": \"50\", \"name\": \"Rivers TV\"}");
  expect (ch, 201);
  bad_assign = req (s, "PUT", "/api/channels/50/playout", "{\"schedule_id\": 999}");
  expect (bad_assign, 422);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (exs_test_reply_object (bad_assign), "error"), "field"),
                   ==, "schedule_id");
  assign_body = g_strdup_printf ("{\"schedule_id\": %" G_GINT64_FORMAT ", \"seed\": 7}", id);
  assigned = req (s, "PUT", "/api/channels/50/playout", assign_body);
  expect (assigned, 200);
  o = exs_test_reply_object (assigned);
  g_assert_cmpstr (json_object_get_string_member (o, "schedule"), ==, "Rivers Daily");
  g_assert_cmpint (json_object_get_int_member (o, "seed"), ==, 7);
  /* the assignment answers once the whole horizon (48 h) is built */
  g_assert_cmpint (parse_time (json_object_get_string_member (o, "built_until")), >=, now + 47 * 3600);
  now_start = g_strdup (json_object_get_string_member (json_object_get_object_member (o, "now"), "start"));
  now_stop = parse_time (json_object_get_string_member (json_object_get_object_member (o, "now"), "stop"));

  /* the guide: programmes in order, no gaps, hidden idents grouped away */
  {
    g_autoptr (GDateTime) from = g_date_time_new_from_unix_utc (now);
    g_autoptr (GDateTime) to = g_date_time_add_hours (from, 30);
    g_autofree char *f = g_date_time_format_iso8601 (from);
    g_autofree char *t = g_date_time_format_iso8601 (to);
    guide_path = g_strdup_printf ("/api/channels/50/schedule?from=%s&to=%s", f, t);
    guide_all_path = g_strdup_printf ("/api/channels/50/schedule?from=%s&to=%s&filler=show", f, t);
  }
  guide = req (s, "GET", guide_path, NULL);
  expect (guide, 200);
  progs = json_object_get_array_member (exs_test_reply_object (guide), "programmes");
  assert_programmes_contiguous (progs);
  {
    gboolean movie = FALSE;
    for (guint i = 0; i < json_array_get_length (progs); i++)
      {
        JsonObject *p = json_array_get_object_element (progs, i);
        const char *title = json_object_get_string_member (p, "title");
        g_assert_cmpstr (title, !=, "Ident");
        if (g_str_equal (title, "Movie Night"))
          {
            g_autoptr (GDateTime) dt = g_date_time_new_from_iso8601 (json_object_get_string_member (p, "start"), NULL);
            g_autoptr (GTimeZone) london = g_time_zone_new_identifier ("Europe/London");
            g_autoptr (GDateTime) local = g_date_time_to_timezone (dt, london);
            movie = TRUE;
            g_assert_cmpstr (json_object_get_string_member (p, "sub_title"), ==, "The Long One");
            if (i > 0)
              {
                g_assert_cmpint (g_date_time_get_hour (local), ==, 20);
                g_assert_cmpint (g_date_time_get_minute (local), <=, 1);
              }
          }
        else if (g_str_equal (title, "Rivers"))
          g_assert_true (g_str_has_prefix (json_object_get_string_member (p, "sub_title"), "Source "));
      }
    g_assert_true (movie);
  }
  guide_all = req (s, "GET", guide_all_path, NULL);
  expect (guide_all, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (exs_test_reply_object (guide_all), "programmes")),
                    >, json_array_get_length (progs));

  bad_from = req (s, "GET", "/api/channels/50/schedule?from=yesterday", NULL);
  expect (bad_from, 422);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (exs_test_reply_object (bad_from), "error"), "field"),
                   ==, "from");
  bad_range = req (s, "GET", "/api/channels/50/schedule?from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z", NULL);
  expect (bad_range, 422);

  /* rebuild keeps what plays now: the same programme, unless (on a slow
   * machine) the one on air at the assignment has ended since */
  rebuilt = req (s, "POST", "/api/channels/50/playout/rebuild", NULL);
  expect (rebuilt, 200);
  if (g_strcmp0 (json_object_get_string_member (json_object_get_object_member (exs_test_reply_object (rebuilt), "now"),
                                                "start"), now_start) != 0)
    g_assert_cmpint (g_get_real_time () / G_USEC_PER_SEC, >=, now_stop);

  listed = req (s, "GET", "/api/schedules", NULL);
  expect (listed, 200);
  o = json_array_get_object_element (json_object_get_array_member (exs_test_reply_object (listed), "schedules"), 0);
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (o, "channels"), 0), ==, "50");

  /* a restart continues exactly: the same guide */
  exs_test_server_stop (s, NULL);
  g_clear_pointer (&s, exs_test_server_free);
  s = exs_test_server_start (dir, NULL, env);
  {
    g_autoptr (ExsTestReply) again = req (s, "GET", guide_path, NULL);
    expect (again, 200);
    g_assert_cmpstr (again->body, ==, guide->body);
  }

  /* the schedule refers to deleted media: still built, the problem shown */
  {
    g_autofree char *broken = g_strdup_printf ("{\"name\": \"Rivers Daily\", \"items\": [{\"content\": {\"playlist\": [424242]}, \"mode\": \"flood\"}]}");
    g_autofree char *path = g_strdup_printf ("/api/schedules/%" G_GINT64_FORMAT, id);
    g_autoptr (ExsTestReply) put = req (s, "PUT", path, broken);
    g_autoptr (ExsTestReply) reset = req (s, "POST", "/api/channels/50/playout/reset", "{\"seed\": 9}");
    g_autoptr (ExsTestReply) got = NULL;
    g_autoptr (ExsTestReply) g2 = NULL;
    JsonArray *problems;
    expect (put, 200);
    expect (reset, 200);
    problems = json_object_get_array_member (exs_test_reply_object (reset), "problems");
    g_assert_cmpuint (json_array_get_length (problems), >, 0);
    g_assert_nonnull (strstr (json_array_get_string_element (problems, 0), "424242"));
    got = req (s, "GET", path, NULL);
    g_assert_nonnull (strstr (got->body, "channel 50: "));
    g2 = req (s, "GET", guide_path, NULL);
    expect (g2, 200);
    progs = json_object_get_array_member (exs_test_reply_object (g2), "programmes");
    assert_programmes_contiguous (progs);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (progs, 0), "kind"), ==, "offline");
  }
  {
    g_autofree char *path = g_strdup_printf ("/api/schedules/%" G_GINT64_FORMAT, id);
    g_autoptr (ExsTestReply) del = req (s, "DELETE", path, NULL);
    g_autoptr (ExsTestReply) gone = req (s, "GET", path, NULL);
    expect (del, 204);
    expect (gone, 404);
  }
  exs_test_server_stop (s, NULL);
  exs_test_remove_tree (dir);
}

static void
test_export_import_round_trip (void)
{
  g_autofree char *dir1 = data_dir_with_library ();
  g_autofree char *dir2 = data_dir_with_library ();
  g_autoptr (ExsTestServer) a = exs_test_server_start (dir1, NULL, NULL);
  g_autoptr (ExsTestServer) b = NULL;
  g_autofree char *doc = schedule_doc ("Round Trip");
  g_autoptr (ExsTestReply) created = req (a, "POST", "/api/schedules", doc);
  g_autoptr (ExsTestReply) ch = req (a, "POST", "/api/channels", "{\"number\": \"12.3\", \"name\": \"Twelve\", \"group\": \"G\"}");
  g_autoptr (ExsTestReply) assigned = NULL;
  g_autoptr (ExsTestReply) exported = NULL;
  g_autoptr (ExsTestReply) imported = NULL;
  g_autoptr (ExsTestReply) exported2 = NULL;
  g_autoptr (ExsTestReply) bad = NULL;
  g_autofree char *body = NULL;
  g_autofree char *file = NULL;
  g_autofree char *out = NULL;
  g_autofree char *url_b = NULL;

  expect (created, 201);
  expect (ch, 201);
  body = g_strdup_printf ("{\"schedule_id\": %" G_GINT64_FORMAT ", \"mode\": \"on_demand\", \"seed\": 31}",
                          json_object_get_int_member (exs_test_reply_object (created), "id"));
  assigned = req (a, "PUT", "/api/channels/12.3/playout", body);
  expect (assigned, 200);
  exported = req (a, "GET", "/api/export", NULL);
  expect (exported, 200);
  {
    JsonObject *c0 = json_array_get_object_element (
        json_object_get_array_member (exs_test_reply_object (exported), "channels"), 0);
    g_assert_cmpstr (json_object_get_string_member (c0, "playout_mode"), ==, "on_demand");
    g_assert_cmpstr (json_object_get_string_member (c0, "schedule"), ==, "Round Trip");
    g_assert_cmpint (json_object_get_int_member (c0, "seed"), ==, 31);
  }

  b = exs_test_server_start (dir2, NULL, NULL);
  bad = req (b, "POST", "/api/import", "{\"version\": 1, \"schedules\": [{\"name\": \"n\", \"items\": [{\"content\": {}}]}], \"channels\": []}");
  expect (bad, 422);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (exs_test_reply_object (bad), "error"), "field"),
                   ==, "schedules[0].items[0].content");
  imported = req (b, "POST", "/api/import", exported->body);
  expect (imported, 200);
  exported2 = req (b, "GET", "/api/export", NULL);
  g_assert_cmpstr (exported2->body, ==, exported->body);

  /* the CLI, as a person would use it: export from a, import into b */
  file = g_build_filename (dir1, "lineup.json", NULL);
  {
    g_autofree char *url_a = g_strdup_printf ("http://127.0.0.1:%u", a->port);
    g_autofree char *token_env = g_strdup_printf ("EXSTREAMTV_TOKEN=%s", a->token);
    const char *argv[] = { exs_test_server_binary (), "--url", url_a, "schedule", "export", file, NULL };
    const char *env[] = { token_env, NULL };
    g_assert_cmpint (exs_test_run_command (argv, env, &out), ==, 0);
  }
  url_b = g_strdup_printf ("http://127.0.0.1:%u", b->port);
  {
    g_autofree char *token_env = g_strdup_printf ("EXSTREAMTV_TOKEN=%s", b->token);
    const char *argv[] = { exs_test_server_binary (), "--url", url_b, "schedule", "import", file, NULL };
    const char *argv_bad[] = { exs_test_server_binary (), "--url", url_b, "schedule", "import", "/nonexistent.json", NULL };
    const char *argv_list[] = { exs_test_server_binary (), "--url", url_b, "schedule", "list", NULL };
    const char *env[] = { token_env, NULL };
    g_autofree char *out2 = NULL;
    g_autofree char *out3 = NULL;
    g_autofree char *out4 = NULL;
    g_assert_cmpint (exs_test_run_command (argv, env, &out2), ==, 0);
    g_assert_nonnull (strstr (out2, "imported 1 schedules and 1 channels"));
    g_assert_cmpint (exs_test_run_command (argv_bad, env, &out3), ==, 1);
    g_assert_cmpint (exs_test_run_command (argv_list, env, &out4), ==, 0);
    g_assert_nonnull (strstr (out4, "Round Trip"));
    g_assert_nonnull (strstr (out4, "12.3"));
  }
  exs_test_server_stop (a, NULL);
  exs_test_server_stop (b, NULL);
  exs_test_remove_tree (dir1);
  exs_test_remove_tree (dir2);
}

/* The lineup carries every media field of a channel and the user profile it
 * names: exported from a, imported into a fresh b, the profile is made there
 * as it was, the channel has every field, and b's export is a's, byte for
 * byte. A bad profile in a document is a 422 naming it; nothing is written. */
static void
test_export_import_profiles_and_media (void)
{
  g_autofree char *dir1 = exs_test_make_temp_dir ();
  g_autofree char *dir2 = exs_test_make_temp_dir ();
  g_autoptr (ExsTestServer) a = exs_test_server_start (dir1, NULL, NULL);
  g_autoptr (ExsTestServer) b = NULL;
  g_autoptr (ExsTestReply) profile = req (a, "POST", "/api/profiles",
                                          "{\"name\": \"Small HEVC-free\", \"width\": 640, \"height\": 360, "
                                          "\"fps\": 25, \"video_bitrate_kbps\": 900, \"keyframe_interval\": 1, "
                                          "\"audio_sample_rate\": 44100, \"audio_bitrate_kbps\": 96}");
  g_autoptr (ExsTestReply) ch = NULL;
  g_autoptr (ExsTestReply) exported = NULL;
  g_autoptr (ExsTestReply) imported = NULL;
  g_autoptr (ExsTestReply) exported2 = NULL;
  g_autoptr (ExsTestReply) bad = NULL;
  g_autoptr (ExsTestReply) builtin = NULL;
  g_autoptr (ExsTestReply) got_profile = NULL;
  g_autoptr (ExsTestReply) got_channel = NULL;
  g_autoptr (ExsTestReply) none = NULL;
  JsonArray *profiles;
  JsonObject *o;

  expect (profile, 201);
  ch = req (a, "POST", "/api/channels",
            "{\"number\": \"44\", \"name\": \"Media\", \"profile\": \"Small HEVC-free\", "
            "\"audio_languages\": \"jpn,eng\", \"audio_tracks\": \"all\", \"subtitle_languages\": \"eng\", "
            "\"subtitle_mode\": \"always\", \"scaling\": \"crop\", \"deinterlace\": \"yadif\", "
            "\"loudness_target_lufs\": -20, \"watermark\": {\"image\": \"/srv/logo.png\", "
            "\"position\": \"bottom-left\", \"opacity\": 0.5}, \"error_screen\": {\"title\": \"Back soon\"}}");
  expect (ch, 201);
  exported = req (a, "GET", "/api/export", NULL);
  expect (exported, 200);
  profiles = json_object_get_array_member (exs_test_reply_object (exported), "profiles");
  g_assert_cmpuint (json_array_get_length (profiles), ==, 1);
  o = json_array_get_object_element (profiles, 0);
  g_assert_cmpstr (json_object_get_string_member (o, "name"), ==, "Small HEVC-free");
  g_assert_cmpint (json_object_get_int_member (o, "width"), ==, 640);

  b = exs_test_server_start (dir2, NULL, NULL);
  bad = req (b, "POST", "/api/import",
             "{\"version\": 1, \"schedules\": [], \"profiles\": [{\"name\": \"Odd\", \"width\": 641}],"
             " \"channels\": [{\"number\": \"45\", \"name\": \"x\", \"profile\": \"Odd\"}]}");
  expect (bad, 422);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (exs_test_reply_object (bad), "error"),
                                                  "field"), ==, "profiles[0].width");
  builtin = req (b, "POST", "/api/import",
                 "{\"version\": 1, \"schedules\": [], \"profiles\": [{\"name\": \"720p\"}], \"channels\": []}");
  expect (builtin, 422);
  none = req (b, "GET", "/api/channels/45", NULL);
  expect (none, 404); /* the bad document wrote nothing */

  imported = req (b, "POST", "/api/import", exported->body);
  expect (imported, 200);
  got_profile = req (b, "GET", "/api/profiles/Small%20HEVC-free", NULL);
  expect (got_profile, 200);
  o = exs_test_reply_object (got_profile);
  g_assert_cmpint (json_object_get_int_member (o, "height"), ==, 360);
  g_assert_cmpint (json_object_get_int_member (o, "audio_sample_rate"), ==, 44100);
  got_channel = req (b, "GET", "/api/channels/44", NULL);
  expect (got_channel, 200);
  o = exs_test_reply_object (got_channel);
  g_assert_cmpstr (json_object_get_string_member (o, "profile"), ==, "Small HEVC-free");
  g_assert_cmpstr (json_object_get_string_member (o, "audio_languages"), ==, "jpn,eng");
  g_assert_cmpstr (json_object_get_string_member (o, "subtitle_mode"), ==, "always");
  g_assert_cmpfloat (json_object_get_double_member (o, "loudness_target_lufs"), ==, -20.0);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (o, "watermark"), "position"), ==,
                   "bottom-left");
  exported2 = req (b, "GET", "/api/export", NULL);
  g_assert_cmpstr (exported2->body, ==, exported->body);
  exs_test_server_stop (a, NULL);
  exs_test_server_stop (b, NULL);
  exs_test_remove_tree (dir1);
  exs_test_remove_tree (dir2);
}

static void
test_demo_channels_have_schedules (void)
{
  const char *args[] = { "--demo", NULL };
  g_autoptr (ExsTestServer) s = exs_test_server_start (NULL, args, NULL);
  const char *numbers[] = { "100", "101", "1984.1" };

  for (guint i = 0; i < G_N_ELEMENTS (numbers); i++)
    {
      g_autofree char *path = g_strdup_printf ("/api/channels/%s/schedule", numbers[i]);
      g_autofree char *ppath = g_strdup_printf ("/api/channels/%s/playout", numbers[i]);
      g_autoptr (ExsTestReply) r = NULL;
      g_autoptr (ExsTestReply) p = NULL;
      JsonArray *progs;
      guint programmes = 0;
      /* the first build runs in the background right after start */
      for (int tries = 0; tries < 600; tries++) /* up to 60 s on a loaded machine */
        {
          g_clear_pointer (&p, exs_test_reply_free);
          p = req (s, "GET", ppath, NULL);
          if (p->status == 200 && json_object_get_member (exs_test_reply_object (p), "built_until")
              && !json_object_get_null_member (exs_test_reply_object (p), "built_until"))
            break;
          g_usleep (100000);
        }
      g_assert_cmpuint (json_array_get_length (json_object_get_array_member (exs_test_reply_object (p), "problems")), ==, 0);
      r = req (s, "GET", path, NULL);
      expect (r, 200);
      progs = json_object_get_array_member (exs_test_reply_object (r), "programmes");
      assert_programmes_contiguous (progs);
      for (guint j = 0; j < json_array_get_length (progs); j++)
        programmes += g_str_equal (json_object_get_string_member (json_array_get_object_element (progs, j), "kind"), "programme");
      g_assert_cmpuint (programmes, >, 10);
    }
  /* every demo item has its stream facts (issue 15, item 10) */
  {
    g_autoptr (ExsTestReply) items = req (s, "GET", "/api/media?limit=100", NULL);
    JsonArray *list;
    guint with_audio = 0;

    expect (items, 200);
    list = json_object_get_array_member (exs_test_reply_object (items), "items");
    g_assert_cmpuint (json_array_get_length (list), ==, 12);
    for (guint i = 0; i < json_array_get_length (list); i++)
      {
        gint64 id = json_object_get_int_member (json_array_get_object_element (list, i), "id");
        g_autofree char *path = g_strdup_printf ("/api/media/%" G_GINT64_FORMAT, id);
        g_autoptr (ExsTestReply) one = req (s, "GET", path, NULL);
        JsonArray *streams;
        JsonObject *video;

        expect (one, 200);
        streams = json_object_get_array_member (exs_test_reply_object (one), "streams");
        g_assert_cmpuint (json_array_get_length (streams), >=, 1);
        video = json_array_get_object_element (streams, 0);
        g_assert_cmpstr (json_object_get_string_member (video, "kind"), ==, "video");
        g_assert_cmpstr (json_object_get_string_member (video, "codec"), ==, "h264");
        g_assert_cmpint (json_object_get_int_member (video, "height"), >=, 720);
        with_audio += json_array_get_length (streams) == 2;
      }
    g_assert_cmpuint (with_audio, ==, 11); /* "Silent Film" has none */
  }
  exs_test_server_stop (s, NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/scheduling/api/crud-guide-rebuild-restart", test_schedule_crud_and_guide);
  g_test_add_func ("/scheduling/api/export-import-round-trip", test_export_import_round_trip);
  g_test_add_func ("/scheduling/api/export-import-profiles-and-media", test_export_import_profiles_and_media);
  g_test_add_func ("/scheduling/api/demo-channels-have-schedules", test_demo_channels_have_schedules);
  return g_test_run ();
}
