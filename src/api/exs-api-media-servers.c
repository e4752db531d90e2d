/* exs-api-media-servers.c: Plex, Jellyfin and Emby libraries over the API.
 *
 *   POST /api/media-servers/remote-libraries   ask a server for its libraries (before adding one)
 *   POST /api/media-servers/libraries          add a server library (and sync it)
 *   GET  /api/libraries/{id}/media-server      its server settings ("token_set", never the token)
 *   PUT  /api/libraries/{id}/media-server      change them (and sync)
 *   GET  /api/libraries/{id}/remote-libraries  the server's libraries, which are chosen
 *
 * POST /api/libraries/{id}/scan syncs such a library (hook in
 * exs-api-libraries.c), and its JSON gains a "media_server" object. Asking
 * a server runs in a worker thread while the request waits (paused); the
 * token is checked, stored and sent to the server, never returned or logged.
 */
#include "config.h"

#include "exs-api-library-private.h"
#include "exs-api-errors.h"

#include "exs-json-members.h"
#include "exs-library-store.h"
#include "exs-media-server-config.h"
#include "exs-remote-item.h"
#include "exs-media-server-sync.h"

#define MAX_NAME_CHARS 200

static const char *const server_fields[] = { "url", "token", "remote_libraries", "path_mappings",
                                             "timeout_seconds", NULL };

static gboolean
check_known (SoupServerMessage *msg, JsonObject *body, const char *const *also, const char *what)
{
  g_autoptr (GPtrArray) known = g_ptr_array_new ();

  for (guint i = 0; server_fields[i]; i++)
    g_ptr_array_add (known, (gpointer) server_fields[i]);
  for (guint i = 0; also && also[i]; i++)
    g_ptr_array_add (known, (gpointer) also[i]);
  g_ptr_array_add (known, NULL);
  return _exs_api_check_fields (msg, body, (const char *const *) known->pdata, what);
}

/* Applies @body's server settings to @config, answering 422 naming the field when one is wrong. */
static gboolean
apply_or_reply (SoupServerMessage *msg, ExsMediaServerConfig *config, JsonObject *body)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *field = NULL;

  if (exs_media_server_config_apply_json (config, body, &field, &error))
    return TRUE;
  exs_http_reply_field_error (msg, 422, field, "%s", error->message);
  return FALSE;
}

static gboolean
source_or_reply (SoupServerMessage *msg, JsonObject *body, ExsMediaServerKind *kind)
{
  g_autofree char *source = NULL;

  if (!exs_http_json_get_text (msg, body, "source", 32, TRUE, &source))
    return FALSE;
  if (exs_media_server_kind_from_source (source, kind))
    return TRUE;
  exs_http_reply_field_error (msg, 422, "source", "source must be plex, jellyfin or emby, not “%s”", source);
  return FALSE;
}

static gboolean
complete_or_reply (SoupServerMessage *msg, const ExsMediaServerConfig *config)
{
  if (config->url == NULL)
    exs_http_reply_field_error (msg, 422, "url", "url is required: the server's address, e.g. http://nas:8096");
  else if (config->token == NULL)
    exs_http_reply_field_error (msg, 422, "token", "token is required: the server's token or API key");
  return config->url != NULL && config->token != NULL;
}

static void
reply_media_server_error (SoupServerMessage *msg, const GError *error)
{
  guint status = 502;
  const char *code = "media_server_error";

  if (g_error_matches (error, EXS_MEDIA_SERVER_ERROR, EXS_MEDIA_SERVER_ERROR_UNREACHABLE))
    status = 504, code = "media_server_unreachable";
  else if (g_error_matches (error, EXS_MEDIA_SERVER_ERROR, EXS_MEDIA_SERVER_ERROR_UNAUTHORIZED))
    code = "media_server_refused_token";
  else if (g_error_matches (error, EXS_MEDIA_SERVER_ERROR, EXS_MEDIA_SERVER_ERROR_INVALID))
    status = 422, code = NULL;
  exs_http_reply_error (msg, status, code, "%s", error->message);
}

/* ---- asking a server for its libraries ------------------------------------ */

typedef struct
{
  SoupServerMessage *msg;
  GPtrArray *selected;   /* (nullable) (element-type utf8) the library's chosen ids */
} ListRequest;

static void
list_request_free (ListRequest *r)
{
  g_object_unref (r->msg);
  g_clear_pointer (&r->selected, g_ptr_array_unref);
  g_free (r);
}

static void
on_libraries_listed_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  ListRequest *r = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) libraries = exs_media_server_list_libraries_finish (result, &error);

  if (libraries == NULL)
    reply_media_server_error (r->msg, error);
  else
    {
      JsonArray *arr = json_array_new ();

      for (guint i = 0; i < libraries->len; i++)
        {
          ExsRemoteLibrary *l = libraries->pdata[i];
          JsonObject *o = json_object_new ();

          json_object_set_string_member (o, "id", l->id);
          json_object_set_string_member (o, "title", l->title);
          exs_json_set_string_or_null (o, "kind", l->kind);
          if (r->selected)
            json_object_set_boolean_member (
                o, "selected", g_ptr_array_find_with_equal_func (r->selected, l->id, g_str_equal, NULL));
          json_array_add_object_element (arr, o);
        }
      exs_http_reply_list (r->msg, "remote_libraries", arr);
    }
  soup_server_message_unpause (r->msg);
  list_request_free (r);
}

static void
list_libraries (SoupServerMessage *msg, const ExsMediaServerConfig *config, gboolean with_selection)
{
  ListRequest *r = g_new0 (ListRequest, 1);

  r->msg = g_object_ref (msg);
  if (with_selection)
    r->selected = g_ptr_array_ref (config->libraries);
  soup_server_message_pause (msg);
  exs_media_server_list_libraries_async (config, NULL, on_libraries_listed_cb, r);
}

static void
handle_probe (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  static const char *const also[] = { "source", NULL };
  g_autoptr (JsonObject) body = exs_http_read_json_object (msg);
  g_autoptr (ExsMediaServerConfig) config = NULL;
  ExsMediaServerKind kind;

  if (body == NULL || !check_known (msg, body, also, "media server requests") || !source_or_reply (msg, body, &kind))
    return;
  config = exs_media_server_config_new (kind);
  if (!apply_or_reply (msg, config, body) || !complete_or_reply (msg, config))
    return;
  list_libraries (msg, config, FALSE);
}

/* ---- one library ---------------------------------------------------------- */

static ExsLibraryRecord *
server_library_or_reply (ExsApiContext *ctx, SoupServerMessage *msg, GHashTable *params,
                         ExsMediaServerConfig **config)
{
  g_autoptr (ExsLibraryRecord) r = _exs_api_library_lookup (ctx, msg, params);
  g_autoptr (GError) error = NULL;

  if (r == NULL)
    return NULL;
  if (ctx->media_server_sync == NULL)
    {
      exs_http_reply_error (msg, 503, NULL, "media-server libraries are not available in this server");
      return NULL;
    }
  *config = exs_media_server_sync_dup_config (ctx->media_server_sync, r->id, &error);
  if (*config == NULL)
    {
      exs_http_reply_error (msg, 409, NULL, "%s", error->message);
      return NULL;
    }
  return g_steal_pointer (&r);
}

static void
after_change (ExsApiContext *ctx, gint64 id, gboolean sync)
{
  g_autoptr (GError) error = NULL;

  if (!exs_media_server_sync_load_sources (ctx->media_server_sync, &error))
    g_warning ("cannot reload the media-server libraries: %s", error->message);
  if (sync)
    exs_media_server_sync_start (ctx->media_server_sync, id);
}

static void
handle_create (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  static const char *const also[] = { "name", "kind", "source", "sync", NULL };
  ExsApiContext *ctx = data;
  g_autoptr (JsonObject) body = exs_http_read_json_object (msg);
  g_autoptr (ExsLibraryRecord) r = NULL;
  g_autoptr (ExsMediaServerConfig) config = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *json = NULL;
  ExsMediaServerKind kind;
  gboolean sync = TRUE;

  if (body == NULL || !check_known (msg, body, also, "media server libraries"))
    return;
  if (ctx->media_server_sync == NULL)
    {
      exs_http_reply_error (msg, 503, NULL, "media-server libraries are not available in this server");
      return;
    }
  r = exs_library_record_new ();
  if (!exs_http_json_get_text (msg, body, "name", MAX_NAME_CHARS, TRUE, &r->name)
      || !exs_http_json_get_text (msg, body, "kind", 32, TRUE, &r->kind) || !source_or_reply (msg, body, &kind)
      || !exs_http_json_get_bool (msg, body, "sync", &sync))
    return;
  if (g_strcmp0 (r->kind, "movies") != 0 && g_strcmp0 (r->kind, "shows") != 0)
    {
      exs_http_reply_field_error (msg, 422, "kind", "a media-server library holds movies or shows, not “%s”", r->kind);
      return;
    }
  config = exs_media_server_config_new (kind);
  if (!apply_or_reply (msg, config, body) || !complete_or_reply (msg, config))
    return;
  g_free (r->source);
  r->source = g_strdup (exs_media_server_kind_to_source (kind));
  json = exs_media_server_config_to_json (config);
  /* the insert is its own transaction; a library without its settings is removed again */
  if (exs_library_store_insert (ctx->database, r, &error)
      && !exs_library_store_set_source_config (ctx->database, r->id, json, &error)
      && !exs_library_store_delete (ctx->database, r->id, NULL))
    g_warning ("library %s was added without its server settings", r->name);
  if (error)
    {
      exs_api_reply_write_error (msg, error, "name", "a library called “%s” already exists", r->name);
      return;
    }
  after_change (ctx, r->id, sync);
  exs_http_set_location (msg, "/api/libraries/%" G_GINT64_FORMAT, r->id);
  _exs_api_library_reply (ctx, msg, 201, r->id);
}

static void
handle_get (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  g_autoptr (ExsMediaServerConfig) config = NULL;
  g_autoptr (ExsLibraryRecord) r = server_library_or_reply (data, msg, params, &config);
  g_autoptr (JsonObject) o = NULL;

  if (r == NULL)
    return;
  o = exs_media_server_config_to_public_json (config);
  exs_http_reply_object (msg, 200, o);
}

static void
handle_update (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  static const char *const also[] = { "sync", NULL };
  ExsApiContext *ctx = data;
  g_autoptr (ExsMediaServerConfig) config = NULL;
  g_autoptr (ExsLibraryRecord) r = server_library_or_reply (ctx, msg, params, &config);
  g_autoptr (JsonObject) body = NULL;
  g_autoptr (JsonObject) o = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *json = NULL;
  gboolean sync = TRUE;

  if (r == NULL || (body = exs_http_read_json_object (msg)) == NULL
      || !check_known (msg, body, also, "media server settings") || !exs_http_json_get_bool (msg, body, "sync", &sync)
      || !apply_or_reply (msg, config, body))
    return;
  json = exs_media_server_config_to_json (config);
  if (!exs_library_store_set_source_config (ctx->database, r->id, json, &error))
    {
      exs_http_reply_gerror (msg, error);
      return;
    }
  after_change (ctx, r->id, sync);
  o = exs_media_server_config_to_public_json (config);
  exs_http_reply_object (msg, 200, o);
}

static void
handle_remote_libraries (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query,
                         gpointer data)
{
  g_autoptr (ExsMediaServerConfig) config = NULL;
  g_autoptr (ExsLibraryRecord) r = server_library_or_reply (data, msg, params, &config);

  if (r == NULL || !complete_or_reply (msg, config))
    return;
  list_libraries (msg, config, TRUE);
}

/**
 * _exs_api_media_servers_scan:
 *
 * Returns: %TRUE when @r is a media-server library and the request was
 *   answered (its sync queued: 202)
 */
gboolean
_exs_api_media_servers_scan (ExsApiContext *ctx, SoupServerMessage *msg, const ExsLibraryRecord *r)
{
  ExsMediaServerKind kind;
  g_autoptr (JsonObject) o = NULL;

  if (!exs_media_server_kind_from_source (r->source, &kind))
    return FALSE;
  if (ctx->media_server_sync == NULL)
    {
      exs_http_reply_error (msg, 503, NULL, "media-server libraries are not available in this server");
      return TRUE;
    }
  exs_media_server_sync_start (ctx->media_server_sync, r->id);
  _exs_api_library_reply (ctx, msg, 202, r->id);
  return TRUE;
}

/**
 * _exs_api_media_servers_describe:
 *
 * Adds "media_server" (the public settings) to a Plex, Jellyfin or Emby
 * library's JSON @o, and says "scanning" while it syncs.
 */
void
_exs_api_media_servers_describe (ExsApiContext *ctx, const ExsLibraryRecord *r, JsonObject *o)
{
  g_autoptr (ExsMediaServerConfig) config = NULL;
  g_autoptr (GError) error = NULL;
  ExsMediaServerKind kind;
  JsonObject *scan = json_object_get_object_member (o, "scan");

  if (ctx->media_server_sync == NULL || !exs_media_server_kind_from_source (r->source, &kind))
    return;
  config = exs_media_server_sync_dup_config (ctx->media_server_sync, r->id, &error);
  if (config)
    json_object_set_object_member (o, "media_server", exs_media_server_config_to_public_json (config));
  if (scan && exs_media_server_sync_is_busy (ctx->media_server_sync, r->id))
    json_object_set_string_member (scan, "state", "scanning");
}

void
exs_api_media_servers_register (ExsHttpServer *server, ExsApiContext *context)
{
  exs_http_server_add_route (server, "POST", "/api/media-servers/remote-libraries", 0, handle_probe, context);
  exs_http_server_add_route (server, "POST", "/api/media-servers/libraries", 0, handle_create, context);
  exs_http_server_add_route (server, "GET", "/api/libraries/{id}/media-server", 0, handle_get, context);
  exs_http_server_add_route (server, "PUT", "/api/libraries/{id}/media-server", 0, handle_update, context);
  exs_http_server_add_route (server, "GET", "/api/libraries/{id}/remote-libraries", 0, handle_remote_libraries,
                             context);
}
