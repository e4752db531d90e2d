/* exs-api-profiles.c: /api/profiles — the formats channels send.
 *
 * GET lists the built-in profiles ("480p", "720p", "1080p", read-only)
 * and users' ones; POST makes one, PATCH changes one (a rename follows into
 * the channels that use it), DELETE removes one no channel uses. Every field
 * is checked before anything is written: a bad one, or a combination this
 * machine cannot encode (HEVC without an HEVC encoder, 5.1 AAC with a stereo
 * encoder), is a 422 naming the field; a taken name, a built-in changed or a
 * profile in use deleted is a 409. Also the channel API's check that a
 * channel's `profile` names a profile (exs_api_profiles_check_channel()).
 */
#include "config.h"

#include "exs-api-context.h"

#include "exs-channel.h"
#include "exs-http-json.h"
#include "exs-profile-store.h"

/* Answers @error: 409 for the store's refusals, else by its domain. */
static void
reply_store_error (SoupServerMessage *msg, const GError *error)
{
  if (error->domain == EXS_PROFILE_STORE_ERROR)
    exs_http_reply_field_error (msg, 409, "name", "%s", error->message);
  else
    exs_http_reply_gerror (msg, error);
}

/* Applies @body to @profile and checks what this machine can encode;
 * answers 422 naming the field on the first problem. */
static gboolean
apply_body (SoupServerMessage *msg, JsonObject *body, ExsProfile *profile, gboolean creating)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *field = NULL;

  if (exs_profile_update_from_json (profile, body, creating, &field, &error)
      && exs_channel_profile_check_support (profile, &field, &error))
    return TRUE;
  exs_http_reply_field_error (msg, 422, field, "%s", error->message);
  return FALSE;
}

static void
reply_profile (SoupServerMessage *msg, guint status, const ExsProfile *profile)
{
  g_autoptr (JsonObject) o = exs_profile_to_json (profile);

  exs_http_reply_object (msg, status, o);
}

static void
handle_list (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  ExsApiContext *ctx = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) profiles = exs_profile_store_list (ctx->database, &error);

  exs_http_reply_records (msg, "profiles", profiles, error, (ExsHttpRecordToJson) exs_profile_to_json, NULL);
}

static ExsProfile *
lookup_or_reply (ExsApiContext *ctx, SoupServerMessage *msg, GHashTable *params)
{
  const char *name = g_hash_table_lookup (params, "name");
  g_autoptr (GError) error = NULL;
  ExsProfile *profile = exs_profile_store_get (ctx->database, name, &error);

  if (profile == NULL)
    exs_http_reply_gerror (msg, error);
  return profile;
}

static void
handle_get (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  g_autoptr (ExsProfile) profile = lookup_or_reply (data, msg, params);

  if (profile != NULL)
    reply_profile (msg, 200, profile);
}

static void
handle_create (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  ExsApiContext *ctx = data;
  g_autoptr (JsonObject) body = exs_http_read_json_object (msg);
  g_autoptr (ExsProfile) profile = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *escaped = NULL;

  if (body == NULL)
    return;
  profile = exs_profile_new ();
  if (!apply_body (msg, body, profile, TRUE))
    return;
  if (!exs_profile_store_insert (ctx->database, profile, &error))
    {
      reply_store_error (msg, error);
      return;
    }
  escaped = g_uri_escape_string (profile->name, NULL, FALSE);
  exs_http_set_location (msg, "/api/profiles/%s", escaped);
  reply_profile (msg, 201, profile);
}

static void
handle_update (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  ExsApiContext *ctx = data;
  g_autoptr (ExsProfile) profile = lookup_or_reply (ctx, msg, params);
  g_autoptr (JsonObject) body = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *old_name = NULL;

  if (profile == NULL)
    return;
  if (profile->builtin)
    {
      exs_http_reply_field_error (msg, 409, "name", "profile %s is built in and cannot be changed; make a new one "
                                  "instead", profile->name);
      return;
    }
  body = exs_http_read_json_object (msg);
  if (body == NULL)
    return;
  old_name = g_strdup (profile->name);
  if (!apply_body (msg, body, profile, FALSE))
    return;
  if (!exs_profile_store_update (ctx->database, old_name, profile, &error))
    {
      reply_store_error (msg, error);
      return;
    }
  reply_profile (msg, 200, profile);
}

static void
handle_delete (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  ExsApiContext *ctx = data;
  g_autoptr (GError) error = NULL;

  if (!exs_profile_store_delete (ctx->database, g_hash_table_lookup (params, "name"), &error))
    {
      reply_store_error (msg, error);
      return;
    }
  soup_server_message_set_status (msg, 204, NULL);
}

/**
 * exs_api_profiles_check_channel:
 * @body: a channel's JSON (POST or PATCH /api/channels, bulk, import)
 * @field: (out) (transfer full): "profile" on failure
 *
 * Whether @body's `profile`, when present, names a profile (built in or a
 * user's). The checks of its form are exs_api_channel_apply_json()'s.
 *
 * Returns: %FALSE with @error set (a 422's message) when it names none
 */
gboolean
exs_api_profiles_check_channel (ExsDatabase *database, JsonObject *body, char **field, GError **error)
{
  JsonNode *node = json_object_get_member (body, "profile");
  g_autoptr (ExsProfile) profile = NULL;
  g_autoptr (GError) local = NULL;
  const char *name;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    return TRUE;
  name = json_node_get_string (node);
  profile = exs_profile_store_get (database, name, &local);
  if (profile != NULL)
    return TRUE;
  *field = g_strdup ("profile");
  if (!g_error_matches (local, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  g_set_error (error, EXS_HTTP_ERROR, EXS_HTTP_ERROR_INVALID_FIELD,
               "profile “%s” is not a profile; GET /api/profiles lists them (480p, 720p, 1080p and yours)", name);
  return FALSE;
}

void
exs_api_profiles_register (ExsHttpServer *server, ExsApiContext *context)
{
  exs_http_server_add_route (server, "GET,HEAD", "/api/profiles", 0, handle_list, context);
  exs_http_server_add_route (server, "POST", "/api/profiles", 0, handle_create, context);
  exs_http_server_add_route (server, "GET,HEAD", "/api/profiles/{name}", 0, handle_get, context);
  exs_http_server_add_route (server, "PUT,PATCH", "/api/profiles/{name}", 0, handle_update, context);
  exs_http_server_add_route (server, "DELETE", "/api/profiles/{name}", 0, handle_delete, context);
}
