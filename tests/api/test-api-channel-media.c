/* A channel's media settings (issue 20) through the real server: set with
 * POST/PATCH and the CLI, read back flat on the channel, a bad one is a 422
 * naming the field, and the schedule document carries them out and back. */
#include "config.h"

#include "exs-test-server.h"

#include <string.h>

static ExsTestServer *server;

static ExsTestReply *
req (const char *method, const char *path, const char *body)
{
  return exs_test_server_request (server, method, path, body, TRUE);
}

static void
expect (ExsTestReply *r, guint status)
{
  if (r->status != status)
    g_error ("expected %u, got %u: %s", status, r->status, r->body);
}

/* Fields of channel 40 as set by test_set_and_read_back (members of @o). */
static void
assert_media (JsonObject *o)
{
  JsonObject *w, *e;

  g_assert_cmpstr (json_object_get_string_member (o, "audio_languages"), ==, "jpn,eng");
  g_assert_cmpstr (json_object_get_string_member (o, "audio_tracks"), ==, "all");
  g_assert_cmpstr (json_object_get_string_member (o, "subtitle_mode"), ==, "forced");
  g_assert_cmpstr (json_object_get_string_member (o, "scaling"), ==, "crop");
  g_assert_cmpstr (json_object_get_string_member (o, "deinterlace"), ==, "yadif");
  g_assert_cmpfloat (json_object_get_double_member (o, "loudness_target_lufs"), ==, -23.0);
  w = json_object_get_object_member (o, "watermark");
  g_assert_nonnull (w);
  g_assert_cmpstr (json_object_get_string_member (w, "image"), ==, "/srv/logo.png");
  g_assert_cmpstr (json_object_get_string_member (w, "position"), ==, "top-left");
  g_assert_cmpfloat (json_object_get_double_member (w, "opacity"), ==, 0.5);
  g_assert_true (json_object_get_boolean_member (w, "programmes_only"));
  g_assert_cmpint (json_object_get_int_member (w, "every_minutes"), ==, 10);
  g_assert_cmpint (json_object_get_int_member (w, "show_seconds"), ==, 30);
  e = json_object_get_object_member (o, "error_screen");
  g_assert_nonnull (e);
  g_assert_cmpstr (json_object_get_string_member (e, "background"), ==, "#ff8000");
  g_assert_cmpstr (json_object_get_string_member (e, "title"), ==, "Back soon");
}

static void
test_defaults (void)
{
  g_autoptr (ExsTestReply) r = req ("POST", "/api/channels", "{\"number\": \"39\", \"name\": \"Plain\"}");
  JsonObject *o;

  expect (r, 201);
  o = exs_test_reply_object (r);
  g_assert_cmpstr (json_object_get_string_member (o, "scaling"), ==, "fit");
  g_assert_cmpstr (json_object_get_string_member (o, "deinterlace"), ==, "auto");
  g_assert_cmpstr (json_object_get_string_member (o, "audio_tracks"), ==, "preferred");
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (o, "watermark")));
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (o, "error_screen")));
  g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (o, "loudness_target_lufs")));
}

static void
test_set_and_read_back (void)
{
  g_autoptr (ExsTestReply) created = req (
      "POST", "/api/channels",
      "{\"number\": \"40\", \"name\": \"Anime\", \"audio_languages\": \"jpn, ENG\", \"audio_tracks\": \"all\","
      " \"scaling\": \"crop\", \"watermark\": {\"image\": \"/srv/logo.png\", \"position\": \"top-left\"}}");
  g_autoptr (ExsTestReply) patched = NULL;
  g_autoptr (ExsTestReply) got = NULL;
  g_autoptr (ExsTestReply) listed = NULL;
  JsonArray *arr;

  expect (created, 201);
  g_assert_cmpstr (json_object_get_string_member (exs_test_reply_object (created), "scaling"), ==, "crop");
  /* a PATCH changes only what it names, down to a watermark's members */
  patched = req ("PATCH", "/api/channels/40",
                 "{\"subtitle_mode\": \"forced\", \"deinterlace\": \"yadif\", \"loudness_target_lufs\": -23,"
                 " \"watermark\": {\"opacity\": 0.5, \"programmes_only\": true, \"every_minutes\": 10,"
                 " \"show_seconds\": 30},"
                 " \"error_screen\": {\"background\": \"#ff8000\", \"title\": \"Back soon\"}}");
  expect (patched, 200);
  assert_media (exs_test_reply_object (patched));
  /* stored: a fresh read, and the list, say the same */
  got = req ("GET", "/api/channels/40", NULL);
  expect (got, 200);
  assert_media (exs_test_reply_object (got));
  listed = req ("GET", "/api/channels", NULL);
  arr = json_object_get_array_member (exs_test_reply_object (listed), "channels");
  for (guint i = 0; i < json_array_get_length (arr); i++)
    {
      JsonObject *c = json_array_get_object_element (arr, i);
      if (g_str_equal (json_object_get_string_member (c, "number"), "40"))
        assert_media (c);
    }
}

static void
test_bad_fields_name_the_field (void)
{
  const struct
  {
    const char *body;
    const char *field;
  } cases[] = {
    { "{\"scaling\": \"zoom\"}", "scaling" },
    { "{\"deinterlace\": \"bob\"}", "deinterlace" },
    { "{\"audio_tracks\": 2}", "audio_tracks" },
    { "{\"audio_languages\": \"japanese\"}", "audio_languages" },
    { "{\"subtitle_mode\": \"sometimes\"}", "subtitle_mode" },
    { "{\"loudness_target_lufs\": 3}", "loudness_target_lufs" },
    { "{\"watermark\": {\"image\": \"/a.png\", \"opacity\": 1.5}}", "watermark.opacity" },
    { "{\"watermark\": {\"image\": null}}", "watermark.image" },
    { "{\"watermark\": \"/a.png\"}", "watermark" },
    { "{\"watermark\": {\"image\": \"/a.png\", \"every_minutes\": 1, \"show_seconds\": 61}}", "watermark.show_seconds" },
    { "{\"error_screen\": {\"background\": \"orange\"}}", "error_screen.background" },
    { "{\"error_screen\": {\"visual_mode\": \"fireworks\"}}", "error_screen.visual_mode" },
  };
  g_autoptr (ExsTestReply) before = req ("GET", "/api/channels/40", NULL);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (ExsTestReply) r = req ("PATCH", "/api/channels/40", cases[i].body);
      JsonObject *err;

      if (r->status != 422)
        g_error ("%s gave %u: %s", cases[i].body, r->status, r->body);
      err = json_object_get_object_member (exs_test_reply_object (r), "error");
      g_assert_cmpstr (json_object_get_string_member (err, "code"), ==, "validation_failed");
      g_assert_cmpstr (json_object_get_string_member (err, "field"), ==, cases[i].field);
      g_assert_nonnull (strstr (json_object_get_string_member (err, "message"), cases[i].field));
    }
  /* and nothing was written */
  {
    g_autoptr (ExsTestReply) after = req ("GET", "/api/channels/40", NULL);
    JsonObject *a = exs_test_reply_object (after), *b = exs_test_reply_object (before);

    g_assert_cmpstr (json_object_get_string_member (a, "updated_at"), ==,
                     json_object_get_string_member (b, "updated_at"));
    assert_media (a);
  }
}

/* GET /api/export, delete the channel, POST /api/import: the same fields. */
static void
test_export_import_round_trip (void)
{
  g_autoptr (ExsTestReply) exported = req ("GET", "/api/export", NULL);
  g_autoptr (ExsTestReply) deleted = NULL;
  g_autoptr (ExsTestReply) imported = NULL;
  g_autoptr (ExsTestReply) got = NULL;
  g_autoptr (ExsTestReply) bad = NULL;
  JsonArray *channels;
  gboolean found = FALSE;

  expect (exported, 200);
  channels = json_object_get_array_member (exs_test_reply_object (exported), "channels");
  for (guint i = 0; i < json_array_get_length (channels); i++)
    {
      JsonObject *c = json_array_get_object_element (channels, i);
      if (g_str_equal (json_object_get_string_member (c, "number"), "40"))
        {
          assert_media (c);
          found = TRUE;
        }
    }
  g_assert_true (found);
  deleted = req ("DELETE", "/api/channels/40", NULL);
  expect (deleted, 204);
  imported = req ("POST", "/api/import", exported->body);
  expect (imported, 200);
  got = req ("GET", "/api/channels/40", NULL);
  expect (got, 200);
  assert_media (exs_test_reply_object (got));

  /* a bad field in a document is a 422 naming the channel and the field */
  bad = req ("POST", "/api/import",
             "{\"version\": 1, \"schedules\": [], \"channels\": [{\"number\": \"41\", \"name\": \"x\","
             " \"scaling\": \"zoom\"}]}");
  g_assert_cmpuint (bad->status, ==, 422);
  g_assert_cmpstr (json_object_get_string_member (
                       json_object_get_object_member (exs_test_reply_object (bad), "error"), "field"),
                   ==, "channels[0].scaling");
}

/* `exstreamtv channel set`: JSON values or plain words; a bad one names the field. */
static void
test_cli_set (void)
{
  g_autofree char *url = g_strdup_printf ("--url=%s", server->base_url);
  const char *bin = exs_test_server_binary ();
  const char *set[] = { bin, "--data-dir", server->data_dir, url, "channel", "set", "39", "scaling=stretch",
                        "deinterlace=off", "watermark={\"image\": \"/srv/w.png\", \"position\": \"bottom-left\"}",
                        "loudness_target_lufs=-20", NULL };
  const char *bad[] = { bin, "--data-dir", server->data_dir, url, "channel", "set", "39", "scaling=zoom", NULL };
  const char *junk[] = { bin, "--data-dir", server->data_dir, url, "channel", "set", "39", "scaling", NULL };
  g_autofree char *out = NULL;
  g_autofree char *out_bad = NULL;
  g_autofree char *out_junk = NULL;
  g_autoptr (ExsTestReply) got = NULL;
  JsonObject *o;

  g_assert_cmpint (exs_test_run_command (set, NULL, &out), ==, 0);
  g_assert_nonnull (strstr (out, "changed channel 39"));
  got = req ("GET", "/api/channels/39", NULL);
  o = exs_test_reply_object (got);
  g_assert_cmpstr (json_object_get_string_member (o, "scaling"), ==, "stretch");
  g_assert_cmpstr (json_object_get_string_member (o, "deinterlace"), ==, "off");
  g_assert_cmpfloat (json_object_get_double_member (o, "loudness_target_lufs"), ==, -20.0);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (o, "watermark"), "position"), ==,
                   "bottom-left");
  g_assert_cmpint (exs_test_run_command (bad, NULL, &out_bad), !=, 0);
  g_assert_nonnull (strstr (out_bad, "422"));
  g_assert_nonnull (strstr (out_bad, "scaling must be one of"));
  g_assert_cmpint (exs_test_run_command (junk, NULL, &out_junk), !=, 0);
  g_assert_nonnull (strstr (out_junk, "FIELD=VALUE"));
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  server = exs_test_server_start (NULL, NULL, NULL);
  g_test_add_func ("/api/channel-media/defaults", test_defaults);
  g_test_add_func ("/api/channel-media/set-and-read-back", test_set_and_read_back);
  g_test_add_func ("/api/channel-media/bad-fields-are-422-naming-field", test_bad_fields_name_the_field);
  g_test_add_func ("/api/channel-media/export-import-round-trip", test_export_import_round_trip);
  g_test_add_func ("/api/channel-media/cli-set", test_cli_set);
  status = g_test_run ();
  exs_test_server_free (server);
  return status;
}
