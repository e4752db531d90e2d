/* exs-channel-media.c: ExsChannelMedia, a channel's media settings.
 *
 * The per-channel fields of issue 20 (audio and subtitle choice, watermark,
 * loudness, deinterlacing, scaling, the channel's own error screen) in one
 * place: their defaults, their checks (each error names the field, so the
 * API answers 422 with it) and their JSON, which is both the API's channel
 * members and what the channel store keeps in its `media` column. The
 * engine reads the struct; nothing else parses these fields.
 */
#include "config.h"

#include "exs-channel-media.h"

#include "exs-nick.h"

#include <math.h>
#include <string.h>

G_DEFINE_QUARK (exs-channel-media-error-quark, exs_channel_media_error)

#define MAX_LANGUAGES 16
#define MAX_TEXT 4096

static const char *const audio_tracks_nicks[] = { "preferred", "all", NULL };
static const char *const subtitle_mode_nicks[] = { "off", "forced", "always", NULL };
static const char *const scaling_nicks[] = { "fit", "crop", "stretch", NULL };
static const char *const deinterlace_nicks[] = { "auto", "off", "yadif", "greedyh", "linear", "vfir", NULL };
static const char *const position_nicks[] = { "top-left", "top-right", "bottom-left", "bottom-right", NULL };
static const char *const visual_mode_nicks[] = { "text", "static", "test_pattern", "slate", NULL };
static const char *const audio_mode_nicks[] = { "silent", "sine_wave", "white_noise", "beep", NULL };

const char *
exs_subtitle_mode_to_string (ExsSubtitleMode value)
{
  return subtitle_mode_nicks[value];
}

const char *
exs_deinterlace_to_string (ExsDeinterlace value)
{
  return deinterlace_nicks[value];
}

ExsChannelMedia *
exs_channel_media_new (void)
{
  ExsChannelMedia *media = g_new0 (ExsChannelMedia, 1);

  media->loudness_target_lufs = EXS_CHANNEL_MEDIA_DEFAULT_LUFS;
  return media;
}

static ExsWatermark *
watermark_new (void)
{
  ExsWatermark *w = g_new0 (ExsWatermark, 1);

  w->position = EXS_WATERMARK_BOTTOM_RIGHT;
  w->size = 0.1;
  w->opacity = 1.0;
  w->margin = 0.02;
  return w;
}

static void
watermark_free (ExsWatermark *w)
{
  if (w == NULL)
    return;
  g_free (w->image);
  g_free (w);
}

static void
error_screen_free (ExsErrorScreen *e)
{
  if (e == NULL)
    return;
  g_free (e->visual_mode);
  g_free (e->audio_mode);
  g_free (e->title);
  g_free (e->subtitle);
  g_free (e->background);
  g_free (e->image);
  g_free (e);
}

void
exs_channel_media_free (ExsChannelMedia *media)
{
  if (media == NULL)
    return;
  g_strfreev (media->audio_languages);
  g_strfreev (media->subtitle_languages);
  watermark_free (media->watermark);
  error_screen_free (media->error_screen);
  g_free (media);
}

ExsChannelMedia *
exs_channel_media_copy (const ExsChannelMedia *media)
{
  ExsChannelMedia *copy;

  g_return_val_if_fail (media != NULL, NULL);
  copy = g_memdup2 (media, sizeof *media);
  copy->audio_languages = g_strdupv (media->audio_languages);
  copy->subtitle_languages = g_strdupv (media->subtitle_languages);
  if (media->watermark)
    {
      copy->watermark = g_memdup2 (media->watermark, sizeof *media->watermark);
      copy->watermark->image = g_strdup (media->watermark->image);
    }
  if (media->error_screen)
    {
      const ExsErrorScreen *e = media->error_screen;

      copy->error_screen = g_new0 (ExsErrorScreen, 1);
      copy->error_screen->visual_mode = g_strdup (e->visual_mode);
      copy->error_screen->audio_mode = g_strdup (e->audio_mode);
      copy->error_screen->title = g_strdup (e->title);
      copy->error_screen->subtitle = g_strdup (e->subtitle);
      copy->error_screen->background = g_strdup (e->background);
      copy->error_screen->image = g_strdup (e->image);
    }
  return copy;
}

/* Reading the JSON: each helper takes the member @name of @object (present),
 * checks it and names the field ("watermark.size") in its error. */

static gboolean
invalid (GError **error, const char *prefix, const char *name, const char *what)
{
  g_set_error (error, EXS_CHANNEL_MEDIA_ERROR, EXS_CHANNEL_MEDIA_ERROR_INVALID, "%s%s %s", prefix, name, what);
  return FALSE;
}

static JsonNode *
value_member (JsonObject *object, const char *name, GType type)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != type)
    return NULL;
  return node;
}

static gboolean
read_nick (JsonObject *object, const char *prefix, const char *name, const char *const *nicks, int *out,
           GError **error)
{
  JsonNode *node = value_member (object, name, G_TYPE_STRING);
  const char *text = node ? json_node_get_string (node) : NULL;

  if (exs_nick_lookup (nicks, text, out))
    return TRUE;
  {
    g_autofree char *list = g_strjoinv ("\", \"", (char **) nicks);
    g_autofree char *what = g_strdup_printf ("must be one of \"%s\"", list);

    return invalid (error, prefix, name, what);
  }
}

static gboolean
read_number (JsonObject *object, const char *prefix, const char *name, double min, double max, double *out,
             GError **error)
{
  JsonNode *node = json_object_get_member (object, name);
  g_autofree char *what = NULL;
  double v;

  if (node && JSON_NODE_HOLDS_VALUE (node)
      && (json_node_get_value_type (node) == G_TYPE_DOUBLE || json_node_get_value_type (node) == G_TYPE_INT64))
    {
      v = json_node_get_double (node);
      if (isfinite (v) && v >= min && v <= max)
        {
          *out = v;
          return TRUE;
        }
    }
  what = g_strdup_printf ("must be a number from %g to %g", min, max);
  return invalid (error, prefix, name, what);
}

static gboolean
read_count (JsonObject *object, const char *prefix, const char *name, guint max, guint *out, GError **error)
{
  JsonNode *node = value_member (object, name, G_TYPE_INT64);
  g_autofree char *what = NULL;

  if (node && json_node_get_int (node) >= 0 && json_node_get_int (node) <= max)
    {
      *out = (guint) json_node_get_int (node);
      return TRUE;
    }
  what = g_strdup_printf ("must be a whole number from 0 to %u", max);
  return invalid (error, prefix, name, what);
}

static gboolean
read_bool (JsonObject *object, const char *prefix, const char *name, gboolean *out, GError **error)
{
  JsonNode *node = value_member (object, name, G_TYPE_BOOLEAN);

  if (node == NULL)
    return invalid (error, prefix, name, "must be true or false");
  *out = json_node_get_boolean (node);
  return TRUE;
}

/* a string or null (NULL out); bounded, no control characters */
static gboolean
read_text (JsonObject *object, const char *prefix, const char *name, char **out, GError **error)
{
  JsonNode *node = json_object_get_member (object, name);
  const char *text;

  if (JSON_NODE_HOLDS_NULL (node))
    {
      g_clear_pointer (out, g_free);
      return TRUE;
    }
  if (!value_member (object, name, G_TYPE_STRING))
    return invalid (error, prefix, name, "must be a string or null");
  text = json_node_get_string (node);
  if (strlen (text) > MAX_TEXT || !g_utf8_validate (text, -1, NULL))
    return invalid (error, prefix, name, "must be valid UTF-8 of at most 4096 bytes");
  for (const char *c = text; *c; c++)
    if ((guchar) *c < 0x20)
      return invalid (error, prefix, name, "must not hold control characters");
  g_free (*out);
  *out = *text ? g_strdup (text) : NULL;
  return TRUE;
}

/* "jpn,eng" (or null / ""): ISO 639 codes of two or three letters */
static gboolean
read_languages (JsonObject *object, const char *name, GStrv *out, GError **error)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) parts = NULL;
  g_autoptr (GStrvBuilder) codes = g_strv_builder_new ();
  guint n = 0;

  if (!read_text (object, "", name, &text, error))
    return FALSE;
  parts = g_strsplit (text ? text : "", ",", -1);
  for (guint i = 0; parts[i]; i++)
    {
      g_autofree char *code = g_ascii_strdown (g_strstrip (parts[i]), -1);
      size_t len = strlen (code);

      if (len == 0)
        continue;
      if (len < 2 || len > 3 || strspn (code, "abcdefghijklmnopqrstuvwxyz") != len || ++n > MAX_LANGUAGES)
        return invalid (error, "", name, "must be up to 16 ISO 639 language codes separated by commas, as \"jpn,eng\"");
      g_strv_builder_add (codes, code);
    }
  g_strfreev (*out);
  *out = n ? g_strv_builder_end (codes) : NULL;
  return TRUE;
}

/* a nick member of @o, if present, kept as its string */
static gboolean
read_nick_text (JsonObject *o, const char *p, const char *name, const char *const *nicks, char **out,
                GError **error)
{
  int i;

  if (!json_object_has_member (o, name))
    return TRUE;
  if (!read_nick (o, p, name, nicks, &i, error))
    return FALSE;
  g_free (*out);
  *out = g_strdup (nicks[i]);
  return TRUE;
}

/* Reads one of the member objects (watermark, error screen) into *@out,
 * making it when there is none yet. */
typedef gboolean (*ObjectReader) (JsonObject *o, gpointer *out, GError **error);

/* The member @name of @object, if present: null frees *@out with
 * @free_func, an object is read by @read. */
static gboolean
read_object_member (JsonObject *object, const char *name, ObjectReader read, GDestroyNotify free_func, gpointer *out,
                    GError **error)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL)
    return TRUE;
  if (JSON_NODE_HOLDS_NULL (node))
    {
      g_clear_pointer (out, free_func);
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return invalid (error, "", name, "must be an object or null");
  return read (json_node_get_object (node), out, error);
}

static gboolean
read_watermark (JsonObject *o, ExsWatermark **out, GError **error)
{
  const char *p = "watermark.";
  ExsWatermark *w;
  int position;

  if (*out == NULL)
    *out = watermark_new ();
  w = *out;
  if (json_object_has_member (o, "image") && !read_text (o, p, "image", &w->image, error))
    return FALSE;
  if (w->image == NULL)
    return invalid (error, p, "image", "is required: the path of a PNG");
  if (json_object_has_member (o, "position"))
    {
      if (!read_nick (o, p, "position", position_nicks, &position, error))
        return FALSE;
      w->position = position;
    }
  return (!json_object_has_member (o, "size") || read_number (o, p, "size", 0.01, 1.0, &w->size, error))
         && (!json_object_has_member (o, "opacity") || read_number (o, p, "opacity", 0.0, 1.0, &w->opacity, error))
         && (!json_object_has_member (o, "margin") || read_number (o, p, "margin", 0.0, 0.5, &w->margin, error))
         && (!json_object_has_member (o, "programmes_only")
             || read_bool (o, p, "programmes_only", &w->programmes_only, error))
         && (!json_object_has_member (o, "every_minutes")
             || read_count (o, p, "every_minutes", 24 * 60, &w->every_minutes, error))
         && (!json_object_has_member (o, "show_seconds")
             || read_count (o, p, "show_seconds", 3600, &w->show_seconds, error))
         && (w->every_minutes == 0 || (w->show_seconds > 0 && w->show_seconds <= w->every_minutes * 60)
             || invalid (error, p, "show_seconds", "must be from 1 to every_minutes × 60 when every_minutes is set"));
}

static gboolean
read_colour (JsonObject *o, const char *p, char **out, GError **error)
{
  if (!read_text (o, p, "background", out, error))
    return FALSE;
  if (*out && (strlen (*out) != 7 || (*out)[0] != '#' || strspn (*out + 1, "0123456789abcdefABCDEF") != 6))
    return invalid (error, p, "background", "must be a colour as \"#rrggbb\"");
  return TRUE;
}

static gboolean
read_error_screen (JsonObject *o, ExsErrorScreen **out, GError **error)
{
  const char *p = "error_screen.";
  ExsErrorScreen *e;

  if (*out == NULL)
    *out = g_new0 (ExsErrorScreen, 1);
  e = *out;
  return read_nick_text (o, p, "visual_mode", visual_mode_nicks, &e->visual_mode, error)
         && read_nick_text (o, p, "audio_mode", audio_mode_nicks, &e->audio_mode, error)
         && (!json_object_has_member (o, "title") || read_text (o, p, "title", &e->title, error))
         && (!json_object_has_member (o, "subtitle") || read_text (o, p, "subtitle", &e->subtitle, error))
         && (!json_object_has_member (o, "background") || read_colour (o, p, &e->background, error))
         && (!json_object_has_member (o, "image") || read_text (o, p, "image", &e->image, error));
}

static gboolean
read_enum_member (JsonObject *object, const char *name, const char *const *nicks, int *field, GError **error)
{
  return !json_object_has_member (object, name) || read_nick (object, "", name, nicks, field, error);
}

/**
 * exs_channel_media_update_from_json:
 * @media: the settings to change
 * @object: a channel's JSON (the API's body or the schedule document's
 *   channel); members it lacks are left as they are, other members ignored
 * @error: EXS_CHANNEL_MEDIA_ERROR_INVALID naming the first bad field
 *
 * Checks every present field; on an error @media is left as it was.
 *
 * Returns: whether every field was valid
 */
gboolean
exs_channel_media_update_from_json (ExsChannelMedia *media, JsonObject *object, GError **error)
{
  g_autoptr (ExsChannelMedia) next = NULL;
  int tracks, subtitles, scaling, deinterlace;

  g_return_val_if_fail (media != NULL && object != NULL, FALSE);
  next = exs_channel_media_copy (media);
  tracks = next->audio_tracks;
  subtitles = next->subtitle_mode;
  scaling = next->scaling;
  deinterlace = next->deinterlace;
  if (json_object_has_member (object, "audio_languages")
      && !read_languages (object, "audio_languages", &next->audio_languages, error))
    return FALSE;
  if (json_object_has_member (object, "subtitle_languages")
      && !read_languages (object, "subtitle_languages", &next->subtitle_languages, error))
    return FALSE;
  if (!read_enum_member (object, "audio_tracks", audio_tracks_nicks, &tracks, error)
      || !read_enum_member (object, "subtitle_mode", subtitle_mode_nicks, &subtitles, error)
      || !read_enum_member (object, "scaling", scaling_nicks, &scaling, error)
      || !read_enum_member (object, "deinterlace", deinterlace_nicks, &deinterlace, error))
    return FALSE;
  next->audio_tracks = tracks;
  next->subtitle_mode = subtitles;
  next->scaling = scaling;
  next->deinterlace = deinterlace;
  if (json_object_has_member (object, "loudness_target_lufs"))
    {
      next->loudness = !JSON_NODE_HOLDS_NULL (json_object_get_member (object, "loudness_target_lufs"));
      if (next->loudness
          && !read_number (object, "", "loudness_target_lufs", -70.0, -5.0, &next->loudness_target_lufs, error))
        return FALSE;
    }
  if (!read_object_member (object, "watermark", (ObjectReader) read_watermark, (GDestroyNotify) watermark_free,
                           (gpointer *) &next->watermark, error)
      || !read_object_member (object, "error_screen", (ObjectReader) read_error_screen,
                              (GDestroyNotify) error_screen_free, (gpointer *) &next->error_screen, error))
    return FALSE;

  /* all good: take the new values */
  {
    ExsChannelMedia old = *media;

    *media = *next;
    *next = old;
  }
  return TRUE;
}

static void
add_languages (JsonBuilder *b, const char *name, GStrv codes)
{
  g_autofree char *text = codes ? g_strjoinv (",", codes) : NULL;

  json_builder_set_member_name (b, name);
  if (text)
    json_builder_add_string_value (b, text);
  else
    json_builder_add_null_value (b);
}

static void
add_text (JsonBuilder *b, const char *name, const char *text)
{
  if (text == NULL)
    return;
  json_builder_set_member_name (b, name);
  json_builder_add_string_value (b, text);
}

/**
 * exs_channel_media_add_to_json:
 * @builder: inside an object: every field is added as a member
 */
void
exs_channel_media_add_to_json (const ExsChannelMedia *media, JsonBuilder *b)
{
  g_return_if_fail (media != NULL && JSON_IS_BUILDER (b));
  add_languages (b, "audio_languages", media->audio_languages);
  add_text (b, "audio_tracks", audio_tracks_nicks[media->audio_tracks]);
  add_languages (b, "subtitle_languages", media->subtitle_languages);
  add_text (b, "subtitle_mode", subtitle_mode_nicks[media->subtitle_mode]);
  json_builder_set_member_name (b, "watermark");
  if (media->watermark)
    {
      const ExsWatermark *w = media->watermark;

      json_builder_begin_object (b);
      add_text (b, "image", w->image);
      add_text (b, "position", position_nicks[w->position]);
      json_builder_set_member_name (b, "size");
      json_builder_add_double_value (b, w->size);
      json_builder_set_member_name (b, "opacity");
      json_builder_add_double_value (b, w->opacity);
      json_builder_set_member_name (b, "margin");
      json_builder_add_double_value (b, w->margin);
      json_builder_set_member_name (b, "programmes_only");
      json_builder_add_boolean_value (b, w->programmes_only);
      json_builder_set_member_name (b, "every_minutes");
      json_builder_add_int_value (b, w->every_minutes);
      json_builder_set_member_name (b, "show_seconds");
      json_builder_add_int_value (b, w->show_seconds);
      json_builder_end_object (b);
    }
  else
    json_builder_add_null_value (b);
  json_builder_set_member_name (b, "loudness_target_lufs");
  if (media->loudness)
    json_builder_add_double_value (b, media->loudness_target_lufs);
  else
    json_builder_add_null_value (b);
  add_text (b, "deinterlace", deinterlace_nicks[media->deinterlace]);
  add_text (b, "scaling", scaling_nicks[media->scaling]);
  json_builder_set_member_name (b, "error_screen");
  if (media->error_screen)
    {
      const ExsErrorScreen *e = media->error_screen;

      json_builder_begin_object (b);
      add_text (b, "visual_mode", e->visual_mode);
      add_text (b, "audio_mode", e->audio_mode);
      add_text (b, "title", e->title);
      add_text (b, "subtitle", e->subtitle);
      add_text (b, "background", e->background);
      add_text (b, "image", e->image);
      json_builder_end_object (b);
    }
  else
    json_builder_add_null_value (b);
}

/**
 * exs_channel_media_to_string:
 *
 * Returns: (transfer full): the fields as one JSON object (the channel
 *   store's `media` column)
 */
char *
exs_channel_media_to_string (const ExsChannelMedia *media)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (b);
  exs_channel_media_add_to_json (media, b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  return json_to_string (root, FALSE);
}

/**
 * exs_channel_media_from_string:
 * @text: (nullable): what exs_channel_media_to_string() wrote; NULL or ""
 *   gives the defaults
 *
 * Returns: (transfer full) (nullable): the settings, or NULL with @error set
 */
ExsChannelMedia *
exs_channel_media_from_string (const char *text, GError **error)
{
  g_autoptr (ExsChannelMedia) media = exs_channel_media_new ();
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonNode *root;

  if (text == NULL || *text == '\0')
    return g_steal_pointer (&media);
  if (!json_parser_load_from_data (parser, text, -1, error))
    return NULL;
  root = json_parser_get_root (parser);
  if (!JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, EXS_CHANNEL_MEDIA_ERROR, EXS_CHANNEL_MEDIA_ERROR_INVALID, "media: not a JSON object");
      return NULL;
    }
  if (!exs_channel_media_update_from_json (media, json_node_get_object (root), error))
    return NULL;
  return g_steal_pointer (&media);
}
