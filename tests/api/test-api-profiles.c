/* /api/profiles through the real server: the built-ins, a user's profile
 * made, changed, renamed and deleted; 422s naming the field; 409s for a
 * taken name, a built-in changed and a profile in use; a channel's profile
 * must name one. A second server, whose GStreamer lacks x265 (its plugin
 * path without it), refuses HEVC. (The server does not start without
 * gstreamer1.0-libav, so AC-3 and 5.1 AAC are always there to encode.) */
#include "config.h"

#include "exs-test-server.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

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

static const char *
error_field (ExsTestReply *r)
{
  JsonObject *err = json_object_get_object_member (exs_test_reply_object (r), "error");

  return json_object_get_string_member (err, "field");
}

static void
expect_field (ExsTestReply *r, guint status, const char *field)
{
  expect (r, status);
  g_test_message ("%u %s", r->status, r->body);
  g_assert_cmpstr (error_field (r), ==, field);
}

static void
test_builtins (void)
{
  g_autoptr (ExsTestReply) list = req ("GET", "/api/profiles", NULL);
  g_autoptr (ExsTestReply) one = req ("GET", "/api/profiles/1080p", NULL);
  g_autoptr (ExsTestReply) patch = req ("PATCH", "/api/profiles/720p", "{\"fps\": 25}");
  g_autoptr (ExsTestReply) del = req ("DELETE", "/api/profiles/480p", NULL);
  g_autoptr (ExsTestReply) taken = req ("POST", "/api/profiles", "{\"name\": \"720p\"}");
  g_autoptr (ExsTestReply) missing = req ("GET", "/api/profiles/4k", NULL);
  JsonArray *profiles;
  JsonObject *o;

  expect (list, 200);
  profiles = json_object_get_array_member (exs_test_reply_object (list), "profiles");
  g_assert_cmpuint (json_array_get_length (profiles), >=, 3);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (profiles, 0), "name"), ==, "480p");
  expect (one, 200);
  o = exs_test_reply_object (one);
  g_assert_true (json_object_get_boolean_member (o, "builtin"));
  g_assert_cmpint (json_object_get_int_member (o, "width"), ==, 1920);
  g_assert_cmpstr (json_object_get_string_member (o, "video_codec"), ==, "h264");
  g_assert_cmpstr (json_object_get_string_member (o, "audio_codec"), ==, "aac");
  expect_field (patch, 409, "name");
  expect_field (del, 409, "name");
  expect_field (taken, 409, "name");
  expect (missing, 404);
}

static void
test_invalid_fields (void)
{
  const struct
  {
    const char *body;
    const char *field;
  } cases[] = {
    { "{\"name\": \"odd\", \"width\": 1279}", "width" },
    { "{\"name\": \"odd\", \"height\": 719}", "height" },
    { "{\"name\": \"still\", \"fps\": 0}", "fps" },
    { "{\"name\": \"loud\", \"audio_codec\": \"ac3\", \"audio_bitrate_kbps\": 700}", "audio_bitrate_kbps" },
    { "{\"name\": \"gop\", \"keyframe_interval\": 10}", "keyframe_interval" },
    { "{\"name\": \"vp9\", \"video_codec\": \"vp9\"}", "video_codec" },
    { "{\"name\": \"dts\", \"audio_codec\": \"dts\"}", "audio_codec" },
    { "{\"name\": \"x\", \"audio_channels\": 6}", "audio_channels" },
    { "{\"name\": \"x\", \"video_bitrate_kbps\": -1}", "video_bitrate_kbps" },
    { "{\"name\": \"x/y\"}", "name" },
    { "{\"width\": 640}", "name" },
    { "{\"name\": \"x\", \"builtin\": true}", "builtin" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (ExsTestReply) r = req ("POST", "/api/profiles", cases[i].body);
      expect_field (r, 422, cases[i].field);
    }
  {
    g_autoptr (ExsTestReply) r = req ("POST", "/api/profiles", "[1, 2]");
    g_assert_cmpuint (r->status, ==, 400);
  }
  {
    /* nothing was written by any of them */
    g_autoptr (ExsTestReply) r = req ("GET", "/api/profiles/odd", NULL);
    expect (r, 404);
  }
}

static void
test_crud_and_channels (void)
{
  g_autoptr (ExsTestReply) made = req ("POST", "/api/profiles",
                                       "{\"name\": \"HEVC 5.1\", \"video_codec\": \"hevc\", \"video_quality\": 26,"
                                       " \"audio_codec\": \"ac3\", \"audio_channels\": \"5.1\","
                                       " \"audio_bitrate_kbps\": 448, \"keyframe_interval\": 1}");
  g_autoptr (ExsTestReply) channel = NULL;
  g_autoptr (ExsTestReply) unknown = NULL;
  g_autoptr (ExsTestReply) renamed = NULL;
  g_autoptr (ExsTestReply) in_use = NULL;
  g_autoptr (ExsTestReply) got = NULL;
  g_autoptr (ExsTestReply) moved = NULL;
  g_autoptr (ExsTestReply) deleted = NULL;
  g_autoptr (ExsTestReply) gone = NULL;
  g_autoptr (ExsTestReply) bad_patch = NULL;
  JsonObject *o;

  expect (made, 201);
  o = exs_test_reply_object (made);
  g_assert_cmpstr (json_object_get_string_member (o, "video_codec"), ==, "hevc");
  g_assert_cmpint (json_object_get_int_member (o, "video_quality"), ==, 26);
  g_assert_cmpstr (soup_message_headers_get_one (made->headers, "Location"), ==, "/api/profiles/HEVC%205.1");

  channel = req ("POST", "/api/channels", "{\"number\": \"31\", \"name\": \"Big\", \"profile\": \"HEVC 5.1\"}");
  expect (channel, 201);
  unknown = req ("PATCH", "/api/channels/31", "{\"profile\": \"HEVC 7.1\"}");
  expect_field (unknown, 422, "profile");

  /* a change checked like a new one; nothing written when it fails */
  bad_patch = req ("PATCH", "/api/profiles/HEVC%205.1", "{\"audio_bitrate_kbps\": 641}");
  expect_field (bad_patch, 422, "audio_bitrate_kbps");
  renamed = req ("PATCH", "/api/profiles/HEVC%205.1", "{\"name\": \"Surround\", \"fps\": 25}");
  expect (renamed, 200);
  g_assert_cmpint (json_object_get_int_member (exs_test_reply_object (renamed), "fps"), ==, 25);
  g_assert_cmpint (json_object_get_int_member (exs_test_reply_object (renamed), "audio_bitrate_kbps"), ==, 448);
  got = req ("GET", "/api/channels/31", NULL);
  g_assert_cmpstr (json_object_get_string_member (exs_test_reply_object (got), "profile"), ==, "Surround");

  in_use = req ("DELETE", "/api/profiles/Surround", NULL);
  expect (in_use, 409);
  g_assert_nonnull (strstr (in_use->body, "31"));
  moved = req ("PATCH", "/api/channels/31", "{\"profile\": \"1080p\"}");
  expect (moved, 200);
  deleted = req ("DELETE", "/api/profiles/Surround", NULL);
  expect (deleted, 204);
  gone = req ("GET", "/api/profiles/Surround", NULL);
  expect (gone, 404);
}

/* A plugin directory of links to every system plugin but @left_out. */
static char *
plugins_without (const char *dir, const char *const *left_out)
{
  const char *system = g_getenv ("EXS_TEST_GST_PLUGINS_DIR"); /* pkg-config's pluginsdir */
  char *out = g_build_filename (dir, "plugins", NULL);
  g_autoptr (GDir) d = g_dir_open (system, 0, NULL);
  const char *name;

  g_assert_nonnull (system);
  g_assert_nonnull (d);
  g_assert_cmpint (g_mkdir (out, 0700), ==, 0);
  while ((name = g_dir_read_name (d)))
    {
      g_autofree char *target = g_build_filename (system, name, NULL);
      g_autofree char *link = g_build_filename (out, name, NULL);

      if (g_str_has_suffix (name, ".so") && !g_strv_contains (left_out, name))
        g_assert_cmpint (symlink (target, link), ==, 0);
    }
  return out;
}

static void
test_what_cannot_be_encoded (void)
{
  const char *const left_out[] = { "libgstx265.so", NULL };
  g_autofree char *dir = exs_test_make_temp_dir ();
  g_autofree char *plugins = plugins_without (dir, left_out);
  g_autofree char *path_env = g_strdup_printf ("GST_PLUGIN_SYSTEM_PATH_1_0=%s", plugins);
  g_autofree char *registry_env = g_strdup_printf ("GST_REGISTRY_1_0=%s/registry.bin", dir);
  const char *const env[] = { path_env, registry_env, NULL };
  g_autofree char *data = g_build_filename (dir, "data", NULL);
  ExsTestServer *bare = exs_test_server_start (data, NULL, env);
  const struct
  {
    const char *body;
    const char *field;
  } cases[] = {
    { "{\"name\": \"h\", \"video_codec\": \"hevc\"}", "video_codec" },
    { "{\"name\": \"q\", \"video_codec\": \"hevc\", \"video_quality\": 20}", "video_codec" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (ExsTestReply) r = exs_test_server_request (bare, "POST", "/api/profiles", cases[i].body, TRUE);
      expect_field (r, 422, cases[i].field);
    }
  {
    /* what it can: H.264 */
    g_autoptr (ExsTestReply) r = exs_test_server_request (bare, "POST", "/api/profiles",
                                                          "{\"name\": \"ok\", \"audio_codec\": \"ac3\"}", TRUE);
    expect (r, 201);
  }
  exs_test_server_free (bare);
  exs_test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  server = exs_test_server_start (NULL, NULL, NULL);
  g_test_add_func ("/api/profiles/builtins-read-only", test_builtins);
  g_test_add_func ("/api/profiles/invalid-fields-are-422-naming-field", test_invalid_fields);
  g_test_add_func ("/api/profiles/crud-and-channels", test_crud_and_channels);
  g_test_add_func ("/api/profiles/what-cannot-be-encoded-is-422", test_what_cannot_be_encoded);
  status = g_test_run ();
  exs_test_server_free (server);
  return status;
}
