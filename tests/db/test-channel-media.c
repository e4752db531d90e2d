/* ExsChannelMedia: defaults, the checks that name the field, partial
 * updates that leave the rest, and the JSON round trip the store keeps. */
#include "config.h"

#include "exs-channel-media.h"

static JsonObject *
parse_object (const char *text)
{
  g_autoptr (JsonParser) parser = json_parser_new ();

  g_assert_true (json_parser_load_from_data (parser, text, -1, NULL));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
test_defaults (void)
{
  g_autoptr (ExsChannelMedia) media = exs_channel_media_from_string (NULL, NULL);
  g_autofree char *text = exs_channel_media_to_string (media);

  g_assert_null (media->audio_languages);
  g_assert_cmpint (media->audio_tracks, ==, EXS_AUDIO_TRACKS_PREFERRED);
  g_assert_cmpint (media->subtitle_mode, ==, EXS_SUBTITLE_MODE_OFF);
  g_assert_null (media->watermark);
  g_assert_false (media->loudness);
  g_assert_cmpfloat (media->loudness_target_lufs, ==, -24.0);
  g_assert_cmpint (media->deinterlace, ==, EXS_DEINTERLACE_AUTO);
  g_assert_cmpint (media->scaling, ==, EXS_SCALING_FIT);
  g_assert_nonnull (strstr (text, "\"scaling\":\"fit\""));
  g_assert_nonnull (strstr (text, "\"loudness_target_lufs\":null"));
}

static void
test_round_trip (void)
{
  g_autoptr (ExsChannelMedia) media = exs_channel_media_new ();
  g_autoptr (JsonObject) o = parse_object (
      "{\"audio_languages\":\"JPN, eng\",\"audio_tracks\":\"all\",\"subtitle_languages\":\"eng\","
      "\"subtitle_mode\":\"forced\",\"loudness_target_lufs\":-23,\"deinterlace\":\"yadif\",\"scaling\":\"crop\","
      "\"watermark\":{\"image\":\"/srv/logo.png\",\"position\":\"top-left\",\"size\":0.2,\"opacity\":0.5,"
      "\"every_minutes\":15,\"show_seconds\":30,\"programmes_only\":true},"
      "\"error_screen\":{\"visual_mode\":\"slate\",\"title\":\"Back soon\",\"background\":\"#102030\"},"
      "\"name\":\"ignored, a channel member\"}");
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  g_autoptr (ExsChannelMedia) back = NULL;
  g_autofree char *again = NULL;

  g_assert_true (exs_channel_media_update_from_json (media, o, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (media->audio_languages[0], ==, "jpn");
  g_assert_cmpstr (media->audio_languages[1], ==, "eng");
  g_assert_null (media->audio_languages[2]);
  g_assert_cmpint (media->audio_tracks, ==, EXS_AUDIO_TRACKS_ALL);
  g_assert_cmpint (media->subtitle_mode, ==, EXS_SUBTITLE_MODE_FORCED);
  g_assert_true (media->loudness);
  g_assert_cmpfloat (media->loudness_target_lufs, ==, -23.0);
  g_assert_cmpint (media->deinterlace, ==, EXS_DEINTERLACE_YADIF);
  g_assert_cmpint (media->scaling, ==, EXS_SCALING_CROP);
  g_assert_cmpstr (media->watermark->image, ==, "/srv/logo.png");
  g_assert_cmpint (media->watermark->position, ==, EXS_WATERMARK_TOP_LEFT);
  g_assert_cmpfloat (media->watermark->margin, ==, 0.02); /* the default stays */
  g_assert_cmpuint (media->watermark->show_seconds, ==, 30);
  g_assert_cmpstr (media->error_screen->visual_mode, ==, "slate");
  g_assert_cmpstr (media->error_screen->background, ==, "#102030");

  text = exs_channel_media_to_string (media);
  back = exs_channel_media_from_string (text, &error);
  g_assert_no_error (error);
  again = exs_channel_media_to_string (back);
  g_assert_cmpstr (text, ==, again);
}

/* Each bad value is refused with the field's name, and nothing of the
 * request is taken (not even the valid fields before it). */
static void
test_errors_name_the_field (void)
{
  struct
  {
    const char *json;
    const char *field;
  } cases[] = {
    { "{\"audio_languages\":\"japanese\"}", "audio_languages" },
    { "{\"audio_languages\":42}", "audio_languages" },
    { "{\"audio_tracks\":\"some\"}", "audio_tracks" },
    { "{\"subtitle_mode\":null}", "subtitle_mode" },
    { "{\"scaling\":\"zoom\"}", "scaling" },
    { "{\"deinterlace\":\"bob\"}", "deinterlace" },
    { "{\"loudness_target_lufs\":5}", "loudness_target_lufs" },
    { "{\"loudness_target_lufs\":\"-24\"}", "loudness_target_lufs" },
    { "{\"watermark\":\"logo.png\"}", "watermark" },
    { "{\"watermark\":{\"position\":\"top-left\"}}", "watermark.image" },
    { "{\"watermark\":{\"image\":\"a.png\",\"opacity\":1.5}}", "watermark.opacity" },
    { "{\"watermark\":{\"image\":\"a.png\",\"size\":0}}", "watermark.size" },
    { "{\"watermark\":{\"image\":\"a.png\",\"every_minutes\":5}}", "watermark.show_seconds" },
    { "{\"watermark\":{\"image\":\"a.png\",\"every_minutes\":-1}}", "watermark.every_minutes" },
    { "{\"error_screen\":{\"visual_mode\":\"fire\"}}", "error_screen.visual_mode" },
    { "{\"error_screen\":{\"background\":\"red\"}}", "error_screen.background" },
    { "{\"error_screen\":{\"title\":\"a\\u0001b\"}}", "error_screen.title" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (ExsChannelMedia) media = exs_channel_media_new ();
      g_autoptr (JsonObject) o = parse_object (cases[i].json);
      g_autoptr (JsonObject) good = parse_object ("{\"scaling\":\"stretch\"}");
      g_autoptr (GError) error = NULL;

      g_assert_true (exs_channel_media_update_from_json (media, good, NULL));
      json_object_set_string_member (o, "audio_tracks", "all");
      if (g_str_equal (cases[i].field, "audio_tracks"))
        json_object_set_string_member (o, "audio_tracks", "some");
      g_assert_false (exs_channel_media_update_from_json (media, o, &error));
      g_assert_error (error, EXS_CHANNEL_MEDIA_ERROR, EXS_CHANNEL_MEDIA_ERROR_INVALID);
      g_test_message ("%s → %s", cases[i].json, error->message);
      g_assert_true (g_str_has_prefix (error->message, cases[i].field));
      g_assert_cmpint (media->audio_tracks, ==, EXS_AUDIO_TRACKS_PREFERRED);
      g_assert_cmpint (media->scaling, ==, EXS_SCALING_STRETCH);
    }
}

/* null clears a watermark, a loudness target, an error screen */
static void
test_null_clears (void)
{
  g_autoptr (ExsChannelMedia) media = exs_channel_media_new ();
  g_autoptr (JsonObject) set = parse_object (
      "{\"watermark\":{\"image\":\"a.png\"},\"loudness_target_lufs\":-24,\"error_screen\":{\"title\":\"x\"},"
      "\"audio_languages\":\"fra\"}");
  g_autoptr (JsonObject) clear = parse_object (
      "{\"watermark\":null,\"loudness_target_lufs\":null,\"error_screen\":null,\"audio_languages\":\"\"}");

  g_assert_true (exs_channel_media_update_from_json (media, set, NULL));
  g_assert_nonnull (media->watermark);
  g_assert_true (media->loudness);
  g_assert_true (exs_channel_media_update_from_json (media, clear, NULL));
  g_assert_null (media->watermark);
  g_assert_false (media->loudness);
  g_assert_null (media->error_screen);
  g_assert_null (media->audio_languages);
}

int
main (int argc, char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/db/channel-media/defaults", test_defaults);
  g_test_add_func ("/db/channel-media/round-trip", test_round_trip);
  g_test_add_func ("/db/channel-media/errors-name-the-field", test_errors_name_the_field);
  g_test_add_func ("/db/channel-media/null-clears", test_null_clears);
  return g_test_run ();
}
