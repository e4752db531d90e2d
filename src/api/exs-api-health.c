/* exs-api-health.c: GET /api/health — the one API call that needs no token.
 *
 * Says whether the server and its database work, and which channels are not
 * healthy (with the reason), for monitors and for the README's first curl.
 * It tells nothing private.
 */
#include "config.h"

#include "exs-api-context.h"

#include "exs-elements.h"
#include "exs-http-json.h"

/* GStreamer elements that are not installed: each degrades a feature (a
 * missing required one stops the server at start-up). */
static JsonArray *
missing_elements (void)
{
  g_autoptr (GPtrArray) missing = exs_elements_dup_missing ();
  JsonArray *array = json_array_new ();

  for (guint i = 0; i < missing->len; i++)
    {
      const ExsElement *e = missing->pdata[i];
      JsonObject *o = json_object_new ();

      json_object_set_string_member (o, "element", e->name);
      json_object_set_string_member (o, "package", e->package);
      json_object_set_boolean_member (o, "required", e->need == EXS_ELEMENT_REQUIRED);
      json_object_set_string_member (o, "purpose", e->purpose);
      json_array_add_object_element (array, o);
    }
  return array;
}

static void
handle_health (ExsHttpServer     *server,
               SoupServerMessage *msg,
               GHashTable        *params,
               GHashTable        *query,
               gpointer           user_data)
{
  ExsApiContext *ctx = user_data;
  g_autoptr (JsonObject) root = json_object_new ();
  JsonObject *db = json_object_new ();
  gboolean db_ok = exs_database_is_ok (ctx->database);

  JsonArray *problems = ctx->health ? exs_health_monitor_dup_problems (ctx->health) : json_array_new ();

  /* degraded: the server works but a channel does not play as it should
   * (an outage on the error screen, falling behind, restarting) */
  json_object_set_string_member (root, "status",
                                 !db_ok ? "unavailable" : json_array_get_length (problems) ? "degraded" : "ok");
  json_object_set_array_member (root, "channels", problems);
  json_object_set_string_member (root, "version", PACKAGE_VERSION);
  json_object_set_int_member (root, "uptime_seconds",
                              (g_get_monotonic_time () - ctx->started_monotonic_us) / G_USEC_PER_SEC);
  json_object_set_boolean_member (db, "ok", db_ok);
  json_object_set_int_member (db, "schema_version", exs_database_get_schema_version (ctx->database));
  json_object_set_object_member (root, "database", db);
  json_object_set_array_member (root, "missing_elements", missing_elements ());
  exs_http_reply_object (msg, db_ok ? 200 : 503, root);
}

void
exs_api_health_register (ExsHttpServer *server, ExsApiContext *context)
{
  exs_http_server_add_route (server, "GET,HEAD", "/api/health", EXS_HTTP_ROUTE_PUBLIC, handle_health, context);
}
