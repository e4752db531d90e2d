/* ExsProfile and ExsProfileStore: the checks that name the field (odd
 * sizes, fps 0, AC-3 above 640 kbps, ...), the built-ins beside users'
 * profiles, and the store's refusals: a taken name, a built-in changed, a
 * profile in use deleted. A rename follows into the channels that use it. */
#include "config.h"

#include "exs-channel-store.h"
#include "exs-profile-store.h"

#include <glib/gstdio.h>

static JsonObject *
parse_object (const char *text)
{
  g_autoptr (JsonParser) parser = json_parser_new ();

  g_assert_true (json_parser_load_from_data (parser, text, -1, NULL));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* @json applied to a new profile: NULL if valid, else the field named. */
static char *
rejected_field (const char *json)
{
  g_autoptr (ExsProfile) p = exs_profile_new ();
  g_autoptr (JsonObject) o = parse_object (json);
  g_autoptr (GError) error = NULL;
  char *field = NULL;

  if (exs_profile_update_from_json (p, o, TRUE, &field, &error))
    return NULL;
  g_assert_error (error, EXS_PROFILE_ERROR, EXS_PROFILE_ERROR_INVALID);
  g_test_message ("%s: %s", json, error->message);
  g_assert_nonnull (strstr (error->message, field));
  return field;
}

static void
test_checks (void)
{
  const struct
  {
    const char *json;
    const char *field;
  } cases[] = {
    { "{\"name\": \"a\", \"width\": 1279}", "width" },
    { "{\"name\": \"a\", \"height\": 721}", "height" },
    { "{\"name\": \"a\", \"fps\": 0}", "fps" },
    { "{\"name\": \"a\", \"fps\": 29.97}", "fps" },
    { "{\"name\": \"a\", \"audio_codec\": \"ac3\", \"audio_bitrate_kbps\": 641}", "audio_bitrate_kbps" },
    { "{\"name\": \"a\", \"audio_bitrate_kbps\": 600}", "audio_bitrate_kbps" }, /* AAC: 512 at most */
    { "{\"name\": \"a\", \"video_codec\": \"vp9\"}", "video_codec" },
    { "{\"name\": \"a\", \"keyframe_interval\": 3}", "keyframe_interval" },
    { "{\"name\": \"a\", \"audio_channels\": \"7.1\"}", "audio_channels" },
    { "{\"name\": \"a\", \"audio_sample_rate\": 96000}", "audio_sample_rate" },
    { "{\"name\": \"a\", \"video_quality\": 52}", "video_quality" },
    { "{\"name\": \"a\", \"colour\": \"red\"}", "colour" },
    { "{\"name\": \"\"}", "name" },
    { "{\"name\": \"a/b\"}", "name" },
    { "{\"width\": 640}", "name" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *field = rejected_field (cases[i].json);
      g_assert_cmpstr (field, ==, cases[i].field);
    }
  g_assert_null (rejected_field ("{\"name\": \"Big AC-3\", \"audio_codec\": \"ac3\", \"audio_bitrate_kbps\": 640,"
                                 " \"audio_channels\": \"5.1\", \"video_codec\": \"hevc\", \"video_quality\": 24,"
                                 " \"keyframe_interval\": 0.5, \"width\": 1920, \"height\": 1080, \"fps\": 60}"));
}

static void
test_json_round_trip (void)
{
  g_autoptr (ExsProfile) p = exs_profile_new ();
  g_autoptr (ExsProfile) q = exs_profile_new ();
  g_autoptr (JsonObject) o = parse_object ("{\"name\": \"HEVC 5.1\", \"video_codec\": \"hevc\", \"audio_codec\": "
                                           "\"ac3\", \"audio_channels\": \"5.1\", \"video_quality\": 26}");
  g_autoptr (JsonObject) out = NULL;
  g_autoptr (JsonObject) back = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *field = NULL;

  g_assert_true (exs_profile_update_from_json (p, o, TRUE, &field, &error));
  out = exs_profile_to_json (p);
  g_assert_cmpstr (json_object_get_string_member (out, "audio_channels"), ==, "5.1");
  g_assert_false (json_object_get_boolean_member (out, "builtin"));
  /* what GET answers can be sent back as it is, less "builtin" */
  back = json_object_ref (out);
  json_object_remove_member (back, "builtin");
  g_assert_true (exs_profile_update_from_json (q, back, TRUE, &field, &error));
  g_assert_no_error (error);
  g_assert_cmpint (q->video_codec, ==, EXS_VIDEO_CODEC_HEVC);
  g_assert_cmpint (q->audio_codec, ==, EXS_AUDIO_CODEC_AC3);
  g_assert_cmpint (q->audio_channels, ==, 6);
  g_assert_cmpuint (q->video_quality, ==, 26);
  g_assert_cmpuint (exs_profile_keyframe_frames (q->keyframe_seconds, q->fps), ==, 60);
}

static ExsProfile *
make_profile (const char *name)
{
  ExsProfile *p = exs_profile_new ();

  p->name = g_strdup (name);
  p->video_codec = EXS_VIDEO_CODEC_HEVC;
  p->audio_codec = EXS_AUDIO_CODEC_AC3;
  return p;
}

static void
test_store (void)
{
  g_autofree char *dir = g_dir_make_tmp ("exs-profiles-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "test.db", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (ExsDatabase) db = exs_database_open (path, &error);
  g_autoptr (ExsProfile) hevc = make_profile ("HEVC");
  g_autoptr (ExsProfile) again = make_profile ("HEVC");
  g_autoptr (ExsProfile) builtin = make_profile ("720p");
  g_autoptr (ExsProfile) got = NULL;
  g_autoptr (ExsChannelRecord) channel = exs_channel_record_new ();
  g_autoptr (ExsChannelRecord) after = NULL;
  g_autoptr (GPtrArray) all = NULL;

  g_assert_no_error (error);
  g_assert_true (exs_profile_store_insert (db, hevc, &error));
  g_assert_cmpint (hevc->id, >, 0);
  g_assert_false (exs_profile_store_insert (db, again, &error));
  g_assert_error (error, EXS_PROFILE_STORE_ERROR, EXS_PROFILE_STORE_ERROR_EXISTS);
  g_clear_error (&error);
  g_assert_false (exs_profile_store_insert (db, builtin, &error));
  g_assert_error (error, EXS_PROFILE_STORE_ERROR, EXS_PROFILE_STORE_ERROR_EXISTS);
  g_clear_error (&error);

  all = exs_profile_store_list (db, &error);
  g_assert_cmpuint (all->len, ==, 4);
  g_assert_cmpstr (((ExsProfile *) all->pdata[0])->name, ==, "480p");
  g_assert_true (((ExsProfile *) all->pdata[1])->builtin);
  g_assert_cmpstr (((ExsProfile *) all->pdata[3])->name, ==, "HEVC");

  got = exs_profile_store_get (db, "HEVC", &error);
  g_assert_no_error (error);
  g_assert_cmpint (got->video_codec, ==, EXS_VIDEO_CODEC_HEVC);
  g_assert_cmpint (got->audio_codec, ==, EXS_AUDIO_CODEC_AC3);
  g_assert_cmpfloat (got->keyframe_seconds, ==, 2);
  g_clear_pointer (&got, exs_profile_free);
  g_assert_null (exs_profile_store_get (db, "nope", &error));
  g_assert_error (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* built-ins are read-only */
  g_assert_false (exs_profile_store_update (db, "720p", builtin, &error));
  g_assert_error (error, EXS_PROFILE_STORE_ERROR, EXS_PROFILE_STORE_ERROR_BUILTIN);
  g_clear_error (&error);
  g_assert_false (exs_profile_store_delete (db, "1080p", &error));
  g_assert_error (error, EXS_PROFILE_STORE_ERROR, EXS_PROFILE_STORE_ERROR_BUILTIN);
  g_clear_error (&error);

  /* in use: no delete; a rename follows into the channel */
  channel->number = g_strdup ("12");
  g_free (channel->profile);
  channel->profile = g_strdup ("HEVC");
  g_assert_true (exs_channel_store_insert (db, channel, &error));
  g_assert_false (exs_profile_store_delete (db, "HEVC", &error));
  g_assert_error (error, EXS_PROFILE_STORE_ERROR, EXS_PROFILE_STORE_ERROR_IN_USE);
  g_assert_nonnull (strstr (error->message, "12"));
  g_clear_error (&error);
  g_free (hevc->name);
  hevc->name = g_strdup ("HEVC 5.1");
  g_assert_true (exs_profile_store_update (db, "HEVC", hevc, &error));
  g_assert_no_error (error);
  after = exs_channel_store_get (db, "12", &error);
  g_assert_cmpstr (after->profile, ==, "HEVC 5.1");
  g_assert_true (exs_channel_store_delete (db, "12", &error));
  g_assert_true (exs_profile_store_delete (db, "HEVC 5.1", &error));
  g_assert_no_error (error);
  g_assert_false (exs_profile_store_delete (db, "HEVC 5.1", &error));
  g_assert_error (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_NOT_FOUND);

  g_clear_object (&db);
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/db/profiles/checks", test_checks);
  g_test_add_func ("/db/profiles/json-round-trip", test_json_round_trip);
  g_test_add_func ("/db/profiles/store", test_store);
  return g_test_run ();
}
