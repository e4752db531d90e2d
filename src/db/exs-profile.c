/* exs-profile.c: ExsProfile, the format a channel sends.
 *
 * The three built-in profiles ("480p", "720p", "1080p": H.264 and AAC, the
 * defaults, read-only) and the ones users make (ExsProfileStore keeps them):
 * their defaults, their checks and their JSON, the members of /api/profiles
 * and of the CLI. Every check names the field it rejects, so the API answers
 * 422 with it. What this machine can encode (HEVC, 5.1 AAC) is the engine's
 * question, checked apart (exs_channel_profile_check_support()).
 */
#include "config.h"

#include "exs-profile.h"

#include "exs-nick.h"

#include <string.h>

G_DEFINE_QUARK (exs-profile-error-quark, exs_profile_error)

static const char *const video_codec_nicks[] = { "h264", "hevc", NULL };
static const char *const audio_codec_nicks[] = { "aac", "ac3", NULL };
static const char *const builtin_names[] = { "480p", "720p", "1080p", NULL };

static const struct
{
  int width, height;
  guint video_kbps;
} builtins[] = { { 854, 480, 1500 }, { 1280, 720, 3000 }, { 1920, 1080, 6000 } };

const char *
exs_video_codec_to_string (ExsVideoCodec codec)
{
  return video_codec_nicks[codec];
}

const char *
exs_audio_codec_to_string (ExsAudioCodec codec)
{
  return audio_codec_nicks[codec];
}

gboolean
exs_video_codec_from_string (const char *nick, ExsVideoCodec *codec)
{
  int i;

  if (!exs_nick_lookup (video_codec_nicks, nick, &i))
    return FALSE;
  *codec = (ExsVideoCodec) i;
  return TRUE;
}

gboolean
exs_audio_codec_from_string (const char *nick, ExsAudioCodec *codec)
{
  int i;

  if (!exs_nick_lookup (audio_codec_nicks, nick, &i))
    return FALSE;
  *codec = (ExsAudioCodec) i;
  return TRUE;
}

/**
 * exs_profile_new:
 *
 * Returns: (transfer full): a profile with no name and 720p's settings
 */
ExsProfile *
exs_profile_new (void)
{
  ExsProfile *p = g_new0 (ExsProfile, 1);

  p->width = 1280;
  p->height = 720;
  p->fps = 30;
  p->video_codec = EXS_VIDEO_CODEC_H264;
  p->video_kbps = 3000;
  p->keyframe_seconds = 2;
  p->audio_codec = EXS_AUDIO_CODEC_AAC;
  p->audio_channels = 2;
  p->audio_rate = 48000;
  p->audio_kbps = 192;
  return p;
}

ExsProfile *
exs_profile_copy (const ExsProfile *profile)
{
  ExsProfile *copy;

  g_return_val_if_fail (profile != NULL, NULL);
  copy = g_memdup2 (profile, sizeof *profile);
  copy->name = g_strdup (profile->name);
  return copy;
}

void
exs_profile_free (ExsProfile *profile)
{
  if (profile == NULL)
    return;
  g_free (profile->name);
  g_free (profile);
}

/**
 * exs_profile_builtin_names:
 *
 * Returns: (transfer none): "480p", "720p", "1080p"
 */
const char *const *
exs_profile_builtin_names (void)
{
  return builtin_names;
}

gboolean
exs_profile_is_builtin (const char *name)
{
  return name != NULL && g_strv_contains (builtin_names, name);
}

/**
 * exs_profile_dup_builtin:
 * @name: (nullable): a profile's name
 *
 * Returns: (transfer full) (nullable): the built-in profile @name, or %NULL
 *   if @name is not one
 */
ExsProfile *
exs_profile_dup_builtin (const char *name)
{
  ExsProfile *p;
  int i;

  if (!exs_nick_lookup (builtin_names, name, &i))
    return NULL;
  p = exs_profile_new ();
  p->name = g_strdup (name);
  p->builtin = TRUE;
  p->width = builtins[i].width;
  p->height = builtins[i].height;
  p->video_kbps = builtins[i].video_kbps;
  return p;
}

/**
 * exs_profile_keyframe_frames:
 *
 * Returns: the keyframe interval in frames (at least 1); 0 s means 2 s
 */
guint
exs_profile_keyframe_frames (double keyframe_seconds, int fps)
{
  double seconds = keyframe_seconds > 0 ? keyframe_seconds : 2;

  return (guint) MAX (1.0, seconds * MAX (fps, 1) + 0.5);
}

/* ---- reading the JSON: each helper names its member in its error ---- */

static gboolean
invalid (GError **error, const char *name, const char *what)
{
  g_set_error (error, EXS_PROFILE_ERROR, EXS_PROFILE_ERROR_INVALID, "%s %s", name, what);
  return FALSE;
}

static gboolean
read_int (JsonObject *object, const char *name, gint64 min, gint64 max, gint64 *out, GError **error)
{
  JsonNode *node = json_object_get_member (object, name);
  g_autofree char *what = NULL;

  if (node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64
      && json_node_get_int (node) >= min && json_node_get_int (node) <= max)
    {
      *out = json_node_get_int (node);
      return TRUE;
    }
  what = g_strdup_printf ("must be a whole number from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT, min, max);
  return invalid (error, name, what);
}

static gboolean
read_nick (JsonObject *object, const char *name, const char *const *nicks, int *out, GError **error)
{
  JsonNode *node = json_object_get_member (object, name);
  const char *text = NULL;

  if (node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    text = json_node_get_string (node);
  if (exs_nick_lookup (nicks, text, out))
    return TRUE;
  {
    g_autofree char *list = g_strjoinv ("\", \"", (char **) nicks);
    g_autofree char *what = g_strdup_printf ("must be one of \"%s\"", list);

    return invalid (error, name, what);
  }
}

static gboolean
read_name (JsonObject *object, char **out, GError **error)
{
  JsonNode *node = json_object_get_member (object, "name");
  const char *text;
  gsize len;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return invalid (error, "name", "must be a string");
  text = json_node_get_string (node);
  len = strlen (text);
  if (len == 0 || len > EXS_PROFILE_MAX_NAME || text[0] == ' ' || text[len - 1] == ' '
      || strspn (text, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ._-") != len)
    return invalid (error, "name",
                    "must be 1 to 64 letters, digits, spaces, dots, dashes or underscores, "
                    "not starting or ending with a space");
  g_free (*out);
  *out = g_strdup (text);
  return TRUE;
}

static gboolean
read_quality (JsonObject *object, guint *out, GError **error)
{
  gint64 v;

  if (JSON_NODE_HOLDS_NULL (json_object_get_member (object, "video_quality")))
    {
      *out = 0;
      return TRUE;
    }
  if (!read_int (object, "video_quality", 1, 51, &v, error))
    {
      g_prefix_error (error, "(null for a bit rate) ");
      return FALSE;
    }
  *out = (guint) v;
  return TRUE;
}

static gboolean
read_keyframe (JsonObject *object, double *out, GError **error)
{
  JsonNode *node = json_object_get_member (object, "keyframe_interval");
  double v = -1;

  if (node && JSON_NODE_HOLDS_VALUE (node)
      && (json_node_get_value_type (node) == G_TYPE_DOUBLE || json_node_get_value_type (node) == G_TYPE_INT64))
    v = json_node_get_double (node);
  /* HLS cuts a segment every 2 s of running time, on a keyframe: the
   * interval must divide it */
  if (v == 0.5 || v == 1 || v == 2)
    {
      *out = v;
      return TRUE;
    }
  return invalid (error, "keyframe_interval",
                  "must be 0.5, 1 or 2 seconds (a keyframe must fall on every 2-second HLS segment boundary)");
}

static gboolean
read_channels (JsonObject *object, int *out, GError **error)
{
  static const char *const layouts[] = { "stereo", "5.1", NULL };
  int i;

  if (!read_nick (object, "audio_channels", layouts, &i, error))
    return FALSE;
  *out = i == 0 ? 2 : 6;
  return TRUE;
}

static gboolean
read_rate (JsonObject *object, int *out, GError **error)
{
  gint64 v = 0;
  JsonNode *node = json_object_get_member (object, "audio_sample_rate");

  if (node && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64)
    v = json_node_get_int (node);
  if (v != 32000 && v != 44100 && v != 48000)
    return invalid (error, "audio_sample_rate", "must be 32000, 44100 or 48000 (what AC-3 and AAC share)");
  *out = (int) v;
  return TRUE;
}

/* The member each field reads; also the list of known members. */
static const char *const members[] = { "name", "width", "height", "fps", "video_codec", "video_bitrate_kbps",
                                       "video_quality", "keyframe_interval", "audio_codec", "audio_channels",
                                       "audio_sample_rate", "audio_bitrate_kbps", NULL };

static gboolean
read_member (ExsProfile *p, JsonObject *object, const char *name, GError **error)
{
  gint64 v = 0;
  int nick = 0;

  if (g_str_equal (name, "name"))
    return read_name (object, &p->name, error);
  if (g_str_equal (name, "width") && read_int (object, name, 128, 3840, &v, error))
    return p->width = (int) v, TRUE;
  if (g_str_equal (name, "height") && read_int (object, name, 96, 2160, &v, error))
    return p->height = (int) v, TRUE;
  if (g_str_equal (name, "fps") && read_int (object, name, 1, 60, &v, error))
    return p->fps = (int) v, TRUE;
  if (g_str_equal (name, "video_codec") && read_nick (object, name, video_codec_nicks, &nick, error))
    return p->video_codec = (ExsVideoCodec) nick, TRUE;
  if (g_str_equal (name, "video_bitrate_kbps") && read_int (object, name, 100, 50000, &v, error))
    return p->video_kbps = (guint) v, TRUE;
  if (g_str_equal (name, "video_quality"))
    return read_quality (object, &p->video_quality, error);
  if (g_str_equal (name, "keyframe_interval"))
    return read_keyframe (object, &p->keyframe_seconds, error);
  if (g_str_equal (name, "audio_codec") && read_nick (object, name, audio_codec_nicks, &nick, error))
    return p->audio_codec = (ExsAudioCodec) nick, TRUE;
  if (g_str_equal (name, "audio_channels"))
    return read_channels (object, &p->audio_channels, error);
  if (g_str_equal (name, "audio_sample_rate"))
    return read_rate (object, &p->audio_rate, error);
  if (g_str_equal (name, "audio_bitrate_kbps") && read_int (object, name, 32, EXS_PROFILE_AC3_MAX_KBPS, &v, error))
    return p->audio_kbps = (guint) v, TRUE;
  return FALSE; /* a read_* above set the error */
}

/* What no single member shows: the combinations. */
static gboolean
check_combination (const ExsProfile *p, char **field, GError **error)
{
  const char *at = NULL;

  if (p->width % 2 != 0)
    at = "width", invalid (error, "width", "must be even: 4:2:0 video has one colour sample per 2×2 pixels");
  else if (p->height % 2 != 0)
    at = "height", invalid (error, "height", "must be even: 4:2:0 video has one colour sample per 2×2 pixels");
  else if (p->audio_codec == EXS_AUDIO_CODEC_AAC && p->audio_kbps > EXS_PROFILE_AAC_MAX_KBPS)
    at = "audio_bitrate_kbps", invalid (error, at, "must be at most 512 for AAC");
  else if (p->audio_codec == EXS_AUDIO_CODEC_AC3 && p->audio_kbps > EXS_PROFILE_AC3_MAX_KBPS)
    at = "audio_bitrate_kbps", invalid (error, at, "must be at most 640 for AC-3");
  if (at == NULL)
    return TRUE;
  *field = g_strdup (at);
  return FALSE;
}

/**
 * exs_profile_update_from_json:
 * @creating: a new profile: "name" is required
 * @field: (out) (transfer full): on failure, the member at fault
 *
 * Applies the members present in @object to @profile, after checking each
 * and their combination; on failure @profile may be half changed (callers
 * work on a copy).
 *
 * Returns: whether all members were valid
 */
gboolean
exs_profile_update_from_json (ExsProfile *profile, JsonObject *object, gboolean creating, char **field,
                              GError **error)
{
  g_autoptr (GList) names = json_object_get_members (object);

  g_return_val_if_fail (profile != NULL, FALSE);
  g_return_val_if_fail (field != NULL && *field == NULL, FALSE);
  for (GList *l = names; l; l = l->next)
    if (!g_strv_contains (members, l->data))
      {
        g_autofree char *list = g_strjoinv (", ", (char **) members);
        *field = g_strdup (l->data);
        g_set_error (error, EXS_PROFILE_ERROR, EXS_PROFILE_ERROR_INVALID, "unknown field “%s”; profiles have %s",
                     (char *) l->data, list);
        return FALSE;
      }
  if (creating && !json_object_has_member (object, "name"))
    {
      *field = g_strdup ("name");
      return invalid (error, "name", "is required");
    }
  for (guint i = 0; members[i]; i++)
    if (json_object_has_member (object, members[i]) && !read_member (profile, object, members[i], error))
      {
        *field = g_strdup (members[i]);
        return FALSE;
      }
  return check_combination (profile, field, error);
}

/**
 * exs_profile_to_json:
 *
 * Returns: (transfer full): @profile under the API's member names
 */
JsonObject *
exs_profile_to_json (const ExsProfile *p)
{
  JsonObject *o = json_object_new ();

  json_object_set_string_member (o, "name", p->name);
  json_object_set_boolean_member (o, "builtin", p->builtin);
  json_object_set_int_member (o, "width", p->width);
  json_object_set_int_member (o, "height", p->height);
  json_object_set_int_member (o, "fps", p->fps);
  json_object_set_string_member (o, "video_codec", exs_video_codec_to_string (p->video_codec));
  json_object_set_int_member (o, "video_bitrate_kbps", p->video_kbps);
  if (p->video_quality)
    json_object_set_int_member (o, "video_quality", p->video_quality);
  else
    json_object_set_null_member (o, "video_quality");
  json_object_set_double_member (o, "keyframe_interval", p->keyframe_seconds);
  json_object_set_string_member (o, "audio_codec", exs_audio_codec_to_string (p->audio_codec));
  json_object_set_string_member (o, "audio_channels", p->audio_channels == 6 ? "5.1" : "stereo");
  json_object_set_int_member (o, "audio_sample_rate", p->audio_rate);
  json_object_set_int_member (o, "audio_bitrate_kbps", p->audio_kbps);
  return o;
}
