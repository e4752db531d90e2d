/* exs-api-channels.c: /api/channels — list, create, read, update, delete.
 *
 * Channels are addressed by number as users see them (/api/channels/1984.1).
 * Bodies are JSON objects; every field is checked before anything is written,
 * and a bad one is a 422 that names the field and the rule. A duplicate number
 * is a 409. Writes are single statements, so they are atomic and quick enough
 * for the main loop.
 */
#include "config.h"

#include "exs-api-context.h"
#include "exs-api-format.h"
#include "exs-api-channels-private.h"
#include "exs-api-errors.h"

#include "exs-channel-number.h"
#include "exs-channel-store.h"
#include "exs-http-json.h"
#include "exs-profile.h"
#include "exs-upstream-url.h"

#include <string.h>

#define MAX_NAME_CHARS 200
#define MAX_GROUP_CHARS 100
#define MAX_LOGO_BYTES 2048
#define MAX_UPSTREAM_URL_BYTES 2048
#define MAX_TVG_ID_CHARS 200

static const char *const streaming_modes[] = { "both", "iptv", "hdhomerun", NULL };
static const char *const transcode_modes[] = { "auto", "transcode", "remux", NULL };
static const char *const known_fields[] = { "number", "name", "group", "logo", "enabled", "always_on",
                                            "streaming_mode", "profile", "transcode_mode", "upstream_url",
                                            "upstream_tvg_id",
                                            /* ExsChannelMedia's members (issue 20) */
                                            "audio_languages", "audio_tracks", "subtitle_languages",
                                            "subtitle_mode", "watermark", "loudness_target_lufs", "deinterlace",
                                            "scaling", "error_screen", NULL };

/* Copies the media settings' members, flat, onto @o. */
static void
set_media (JsonObject *o, const ExsChannelMedia *media)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  JsonObjectIter iter;
  const char *name;
  JsonNode *value;

  json_builder_begin_object (b);
  exs_channel_media_add_to_json (media, b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  json_object_iter_init (&iter, json_node_get_object (root));
  while (json_object_iter_next (&iter, &name, &value))
    json_object_set_member (o, name, json_node_copy (value));
}

/* Applies the media members present in @body; on failure *@field is the
 * member at fault, which exs_channel_media_update_from_json() puts first in
 * its message ("watermark.opacity must be ..."). */
static gboolean
apply_media (JsonObject *body, ExsChannelMedia *media, char **field, GError **error)
{
  g_autoptr (GError) local = NULL;

  if (exs_channel_media_update_from_json (media, body, &local))
    return TRUE;
  *field = g_strndup (local->message, strcspn (local->message, " "));
  g_set_error_literal (error, EXS_HTTP_ERROR, EXS_HTTP_ERROR_INVALID_FIELD, local->message);
  return FALSE;
}

/**
 * exs_api_channels_set_settings:
 *
 * Sets the channel's own settings on @o under the API's names: number,
 * name, group, logo, enabled, always_on, streaming_mode, profile,
 * transcode_mode and the media settings (audio_languages ... error_screen,
 * see exs-channel-media.h): what a channel reply and a schedule export share.
 */
void
exs_api_channels_set_settings (JsonObject *o, const ExsChannelRecord *r)
{
  json_object_set_string_member (o, "number", r->number);
  json_object_set_string_member (o, "name", r->name);
  json_object_set_string_member (o, "group", r->group_title);
  json_object_set_string_member (o, "logo", r->logo);
  json_object_set_boolean_member (o, "enabled", r->enabled);
  json_object_set_boolean_member (o, "always_on", r->always_on);
  json_object_set_string_member (o, "streaming_mode", r->streaming_mode);
  json_object_set_string_member (o, "profile", r->profile);
  json_object_set_string_member (o, "transcode_mode", r->transcode_mode);
  set_media (o, r->media);
  /* only on upstream live channels: a scheduled channel's export stays as it was */
  if (r->upstream_url != NULL)
    json_object_set_string_member (o, "upstream_url", r->upstream_url);
  if (r->upstream_tvg_id != NULL)
    json_object_set_string_member (o, "upstream_tvg_id", r->upstream_tvg_id);
}

static JsonObject *
channel_to_json (const ExsChannelRecord *r)
{
  JsonObject *o = json_object_new ();
  g_autofree char *created = exs_api_format_time (r->created_at);
  g_autofree char *updated = exs_api_format_time (r->updated_at);
  g_autofree char *url = g_strdup_printf ("/iptv/channel/%s.ts", r->number);

  json_object_set_int_member (o, "id", r->id);
  exs_api_channels_set_settings (o, r);
  json_object_set_string_member (o, "stream_path", url);
  json_object_set_string_member (o, "created_at", created);
  json_object_set_string_member (o, "updated_at", updated);
  return o;
}

/* Reads a string member; NULL in *out if absent. */
static gboolean
get_string (JsonObject *body, const char *field, const char **out, GError **error)
{
  JsonNode *node = json_object_get_member (body, field);

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, EXS_HTTP_ERROR, EXS_HTTP_ERROR_INVALID_FIELD, "%s must be a string", field);
      return FALSE;
    }
  *out = json_node_get_string (node);
  return TRUE;
}

static gboolean
get_choice (JsonObject *body, const char *field, const char *const *choices, char **target, GError **error)
{
  const char *value = NULL;

  if (!get_string (body, field, &value, error))
    return FALSE;
  if (value == NULL)
    return TRUE;
  if (!g_strv_contains (choices, value))
    {
      g_autofree char *list = g_strjoinv (", ", (char **) choices);
      g_set_error (error, EXS_HTTP_ERROR, EXS_HTTP_ERROR_INVALID_FIELD, "%s must be one of %s, not “%s”", field, list,
                   value);
      return FALSE;
    }
  g_free (*target);
  *target = g_strdup (value);
  return TRUE;
}

/* The form of `profile`; whether it names one is
 * exs_api_profiles_check_channel()'s (it needs the database). */
static gboolean
get_profile_name (JsonObject *body, char **target, GError **error)
{
  const char *value = NULL;

  if (!get_string (body, "profile", &value, error))
    return FALSE;
  if (value == NULL)
    return TRUE;
  if (*value == '\0' || strlen (value) > EXS_PROFILE_MAX_NAME)
    {
      g_set_error (error, EXS_HTTP_ERROR, EXS_HTTP_ERROR_INVALID_FIELD,
                   "profile must name a profile (GET /api/profiles lists them)");
      return FALSE;
    }
  g_free (*target);
  *target = g_strdup (value);
  return TRUE;
}

static gboolean
get_number (JsonObject *body, gboolean required, char **target, GError **error)
{
  JsonNode *node = json_object_get_member (body, "number");
  g_autofree char *text = NULL;
  char *canon = NULL;

  if (node == NULL)
    {
      if (required)
        g_set_error (error, EXS_HTTP_ERROR, EXS_HTTP_ERROR_INVALID_FIELD,
                     "number is required; " EXS_CHANNEL_NUMBER_RULE);
      return !required;
    }
  if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_STRING)
    text = g_strdup (json_node_get_string (node));
  else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64
           && json_node_get_int (node) >= 0)
    text = g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  else
    {
      g_set_error (error, EXS_HTTP_ERROR, EXS_HTTP_ERROR_INVALID_FIELD,
                   "number must be a string such as \"102\" or \"1984.1\"; " EXS_CHANNEL_NUMBER_RULE);
      return FALSE;
    }
  if (!exs_channel_number_parse (text, &canon, NULL, NULL, NULL))
    {
      g_set_error (error, EXS_HTTP_ERROR, EXS_HTTP_ERROR_INVALID_FIELD,
                   "number “%s” is not a valid channel number: " EXS_CHANNEL_NUMBER_RULE, text);
      return FALSE;
    }
  g_free (*target);
  *target = canon;
  return TRUE;
}

static gboolean
get_logo (JsonObject *body, char **target, GError **error)
{
  const char *logo = NULL;

  if (!get_string (body, "logo", &logo, error))
    return FALSE;
  if (logo == NULL)
    return TRUE;
  if (strlen (logo) > MAX_LOGO_BYTES || exs_http_json_has_control_chars (logo)
      || !(logo[0] == '\0' || g_str_has_prefix (logo, "http://") || g_str_has_prefix (logo, "https://")
           || (logo[0] == '/' && logo[1] != '/')))
    {
      g_set_error (error, EXS_HTTP_ERROR, EXS_HTTP_ERROR_INVALID_FIELD,
                   "logo must be empty, an http(s) URL or a path on this server, at most %d bytes", MAX_LOGO_BYTES);
      return FALSE;
    }
  g_free (*target);
  *target = g_strdup (logo);
  return TRUE;
}

/* upstream_url: an http(s) URL with a host, or null / "" for a scheduled
 * channel; upstream_tvg_id: short text, or null / "" for none. */
static gboolean
get_upstream (JsonObject *body, const char *field, char **target, GError **error)
{
  JsonNode *node = json_object_get_member (body, field);
  gboolean url = g_str_equal (field, "upstream_url");
  const char *value = NULL;

  if (node != NULL && JSON_NODE_HOLDS_NULL (node))
    {
      g_clear_pointer (target, g_free);
      return TRUE;
    }
  if (!get_string (body, field, &value, error))
    return FALSE;
  if (value == NULL)
    return TRUE;
  if (*value == '\0')
    {
      g_clear_pointer (target, g_free);
      return TRUE;
    }
  if (url && !exs_upstream_url_check (value, MAX_UPSTREAM_URL_BYTES, error))
    return FALSE;
  if (!url && (g_utf8_strlen (value, -1) > MAX_TVG_ID_CHARS || exs_http_json_has_control_chars (value)))
    {
      g_set_error (error, EXS_HTTP_ERROR, EXS_HTTP_ERROR_INVALID_FIELD,
                   "upstream_tvg_id must be text of at most %d characters without control characters",
                   MAX_TVG_ID_CHARS);
      return FALSE;
    }
  g_free (*target);
  *target = g_strdup (value);
  return TRUE;
}

/**
 * exs_api_channel_apply_json:
 * @also_allowed: (nullable): members the caller reads itself (the import
 *   document's "schedule", "playout_mode", "seed")
 * @field: (out) (transfer full): on failure, the member at fault
 *
 * The one set of checks for a channel's fields, used by /api/channels and by
 * /api/import: applies the members present in @body to @r, all or nothing
 * for the caller (it writes @r only; the caller stores it).
 */
gboolean
exs_api_channel_apply_json (JsonObject *body, ExsChannelRecord *r, gboolean creating, const char *const *also_allowed,
                            char **field, GError **error)
{
  g_autoptr (GList) members = json_object_get_members (body);
  const char *at = NULL;

  for (GList *l = members; l; l = l->next)
    if (!g_strv_contains (known_fields, l->data) && !(also_allowed && g_strv_contains (also_allowed, l->data)))
      {
        g_autofree char *list = g_strjoinv (", ", (char **) known_fields);
        *field = g_strdup (l->data);
        g_set_error (error, EXS_HTTP_ERROR, EXS_HTTP_ERROR_INVALID_FIELD, "unknown field “%s”; channels have %s",
                     (char *) l->data, list);
        return FALSE;
      }

  if (!get_number (body, creating, &r->number, error))
    at = "number";
  else if (!exs_http_json_check_text (body, "name", MAX_NAME_CHARS, creating || json_object_has_member (body, "name"),
                                      &r->name, error))
    at = "name";
  else if (!exs_http_json_check_text (body, "group", MAX_GROUP_CHARS, FALSE, &r->group_title, error))
    at = "group";
  else if (!exs_http_json_check_bool (body, "enabled", &r->enabled, error))
    at = "enabled";
  else if (!exs_http_json_check_bool (body, "always_on", &r->always_on, error))
    at = "always_on";
  else if (!get_choice (body, "streaming_mode", streaming_modes, &r->streaming_mode, error))
    at = "streaming_mode";
  else if (!get_profile_name (body, &r->profile, error))
    at = "profile";
  else if (!get_choice (body, "transcode_mode", transcode_modes, &r->transcode_mode, error))
    at = "transcode_mode";
  else if (!get_logo (body, &r->logo, error))
    at = "logo";
  else if (!get_upstream (body, "upstream_url", &r->upstream_url, error))
    at = "upstream_url";
  else if (!get_upstream (body, "upstream_tvg_id", &r->upstream_tvg_id, error))
    at = "upstream_tvg_id";
  else if (!apply_media (body, r->media, field, error))
    return FALSE;
  if (at == NULL)
    return TRUE;
  *field = g_strdup (at);
  return FALSE;
}

/* Applies the fields present in @body to @r; answers 422 on the first bad one. */
static gboolean
apply_body (ExsApiContext *ctx, SoupServerMessage *msg, JsonObject *body, ExsChannelRecord *r, gboolean creating)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *field = NULL;

  if (exs_api_channel_apply_json (body, r, creating, NULL, &field, &error)
      && exs_api_profiles_check_channel (ctx->database, body, &field, &error))
    return TRUE;
  exs_http_reply_field_error (msg, 422, field, "%s", error->message);
  return FALSE;
}

/**
 * exs_api_channels_apply:
 *
 * Applies an update's fields to @record with the single-channel rules;
 * answers 422 naming the first bad field (for the bulk edit).
 */
gboolean
exs_api_channels_apply (ExsApiContext *ctx, SoupServerMessage *msg, JsonObject *body, ExsChannelRecord *record)
{
  return apply_body (ctx, msg, body, record, FALSE);
}

static void
reply_channel (SoupServerMessage *msg, guint status, const ExsChannelRecord *r)
{
  g_autoptr (JsonObject) o = channel_to_json (r);

  exs_http_reply_object (msg, status, o);
}

static void
handle_list (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  ExsApiContext *ctx = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) channels = exs_channel_store_list (ctx->database, &error);

  exs_http_reply_records (msg, "channels", channels, error, (ExsHttpRecordToJson) channel_to_json, NULL);
}

static void
handle_create (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  ExsApiContext *ctx = data;
  g_autoptr (JsonObject) body = exs_http_read_json_object (msg);
  g_autoptr (ExsChannelRecord) r = NULL;
  g_autoptr (GError) error = NULL;

  if (body == NULL)
    return;
  r = exs_channel_record_new ();
  if (!apply_body (ctx, msg, body, r, TRUE))
    return;
  if (!exs_channel_store_insert (ctx->database, r, &error))
    {
      exs_api_reply_write_error (msg, error, "number", "channel %s already exists", r->number);
      return;
    }
  exs_http_set_location (msg, "/api/channels/%s", r->number);
  reply_channel (msg, 201, r);
}

/**
 * exs_api_channels_lookup:
 * @params: the route's parameters, with "number"
 *
 * The channel a route's {number} names, for every route under a channel.
 *
 * Returns: (transfer full) (nullable): the channel, or %NULL after a reply
 *   (404 for a number that cannot be a channel's or names none)
 */
ExsChannelRecord *
exs_api_channels_lookup (ExsApiContext *ctx, SoupServerMessage *msg, GHashTable *params)
{
  const char *number = g_hash_table_lookup (params, "number");
  g_autoptr (GError) error = NULL;
  ExsChannelRecord *r;

  if (!exs_channel_number_parse (number, NULL, NULL, NULL, NULL))
    {
      exs_http_reply_error (msg, 404, NULL, "no channel numbered “%s” (" EXS_CHANNEL_NUMBER_RULE ")", number);
      return NULL;
    }
  r = exs_channel_store_get (ctx->database, number, &error);
  if (r == NULL)
    exs_http_reply_gerror (msg, error);
  return r;
}

static void
handle_get (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  g_autoptr (ExsChannelRecord) r = exs_api_channels_lookup (data, msg, params);

  if (r != NULL)
    reply_channel (msg, 200, r);
}

static void
handle_update (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  ExsApiContext *ctx = data;
  g_autoptr (ExsChannelRecord) r = NULL;
  g_autoptr (JsonObject) body = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *old_number = NULL;

  r = exs_api_channels_lookup (ctx, msg, params);
  if (r == NULL)
    return;
  body = exs_http_read_json_object (msg);
  if (body == NULL)
    return;
  old_number = g_strdup (r->number);
  if (!apply_body (ctx, msg, body, r, FALSE))
    return;
  if (!exs_channel_store_update (ctx->database, old_number, r, &error))
    {
      exs_api_reply_write_error (msg, error, "number", "channel %s already exists", r->number);
      return;
    }
  reply_channel (msg, 200, r);
}

static void
handle_delete (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  ExsApiContext *ctx = data;
  g_autoptr (ExsChannelRecord) r = exs_api_channels_lookup (ctx, msg, params);
  g_autoptr (GError) error = NULL;

  if (r == NULL)
    return;
  exs_channel_store_delete (ctx->database, r->number, &error);
  exs_http_reply_no_content (msg, error);
}

void
exs_api_channels_register (ExsHttpServer *server, ExsApiContext *context)
{
  exs_http_server_add_route (server, "GET,HEAD", "/api/channels", 0, handle_list, context);
  exs_http_server_add_route (server, "POST", "/api/channels", 0, handle_create, context);
  exs_http_server_add_route (server, "GET,HEAD", "/api/channels/{number}", 0, handle_get, context);
  exs_http_server_add_route (server, "PUT,PATCH", "/api/channels/{number}", 0, handle_update, context);
  exs_http_server_add_route (server, "DELETE", "/api/channels/{number}", 0, handle_delete, context);
}
