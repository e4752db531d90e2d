/* exs-api-preview.c: POST /api/schedules/preview, what a schedule document
 * would play over the next hours, before it is saved — the web UI's
 * schedule editor shows it beside the form.
 *
 *   {"schedule": <the document PUT /api/schedules takes>, "hours": 24}
 *   -> {"programmes": [{"start", "stop", "title", "kind", ...}], "problems": [...]}
 * The same playout plan the builder runs, over the library as it is now,
 * from the current second, with nothing written. 422 names the field, with
 * "schedule." before the document's own path ("schedule.items[2].count").
 */
#include "config.h"

#include "exs-api-context.h"
#include "exs-api-format.h"
#include "exs-http-json.h"
#include "exs-playout-guide.h"
#include "exs-playout-plan.h"
#include "exs-schedule.h"

#include <string.h>

#define MAX_PREVIEW_HOURS 168

/* what GET /api/schedules adds to a document; the editor may send them back */
static const char *const read_only_fields[] = { "id", "channels", "problems", "created_at", "updated_at" };
#define MAX_PREVIEW_ITEMS 5000

static void
reply_document_error (SoupServerMessage *msg, const GError *error)
{
  const char *colon = strstr (error->message, ": ");
  g_autofree char *path = colon ? g_strndup (error->message, (gsize) (colon - error->message)) : NULL;
  g_autofree char *field =
      path && path[0] ? g_strconcat ("schedule", path[0] == '[' ? "" : ".", path, NULL) : g_strdup ("schedule");

  exs_http_reply_field_error (msg, 422, field, "schedule.%s", error->message);
}

static JsonObject *
item_to_json (const ExsPlayoutItem *it)
{
  static const char *const kinds[] = { "programme", "filler", "offline" };
  JsonObject *o = json_object_new ();
  g_autofree char *start = exs_api_format_time (it->start_us / G_USEC_PER_SEC);
  g_autofree char *stop = exs_api_format_time (it->stop_us / G_USEC_PER_SEC);

  json_object_set_string_member (o, "start", start);
  json_object_set_string_member (o, "stop", stop);
  json_object_set_string_member (o, "title", it->title ? it->title : "");
  if (it->sub_title)
    json_object_set_string_member (o, "subtitle", it->sub_title);
  json_object_set_string_member (o, "kind", kinds[it->kind]);
  if (it->media_item_id > 0)
    json_object_set_int_member (o, "media_id", it->media_item_id);
  return o;
}

static void
handle_preview (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  ExsApiContext *ctx = data;
  g_autoptr (JsonObject) body = exs_http_read_json_object (msg);
  g_autoptr (ExsSchedule) schedule = NULL;
  g_autoptr (ExsMediaCache) cache = NULL;
  g_autoptr (ExsPlayoutPlan) plan = NULL;
  g_autoptr (ExsPlayoutCursor) cursor = NULL;
  g_autoptr (GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) exs_playout_item_free);
  g_autoptr (GPtrArray) anchors = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) shown = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) reply = json_object_new ();
  JsonNode *doc;
  JsonArray *programmes, *problems;
  GPtrArray *plan_problems;
  gint64 hours = 24, now;

  if (body == NULL)
    return;
  if (ctx->playout_builder == NULL)
    {
      exs_http_reply_error (msg, 503, NULL, "the playout builder is not running");
      return;
    }
  doc = json_object_get_member (body, "schedule");
  if (doc == NULL || !JSON_NODE_HOLDS_OBJECT (doc))
    {
      exs_http_reply_field_error (msg, 422, "schedule", "schedule must be a schedule document");
      return;
    }
  if (!exs_http_json_get_int (msg, body, "hours", 1, MAX_PREVIEW_HOURS, &hours))
    return;
  for (guint i = 0; i < G_N_ELEMENTS (read_only_fields); i++)
    json_object_remove_member (json_node_get_object (doc), read_only_fields[i]);
  schedule = exs_schedule_new_from_json (json_node_get_object (doc), &error);
  if (schedule == NULL)
    {
      reply_document_error (msg, error);
      return;
    }
  cache = exs_media_cache_new (ctx->database);
  plan = exs_playout_plan_new (schedule, cache, exs_playout_builder_get_time_zone (ctx->playout_builder), 0,
                               "Preview", &error);
  if (plan == NULL)
    {
      reply_document_error (msg, error);
      return;
    }
  now = g_get_real_time ();
  now -= now % G_USEC_PER_SEC;
  cursor = exs_playout_plan_begin (plan, now, items, anchors);
  exs_playout_plan_build (plan, cursor, now + hours * 3600 * G_USEC_PER_SEC, items, anchors);

  /* as the guide shows it, and no further than asked */
  shown = exs_playout_items_for_guide (items, TRUE);
  programmes = json_array_new ();
  for (guint i = 0; i < shown->len && i < MAX_PREVIEW_ITEMS; i++)
    {
      const ExsPlayoutItem *it = shown->pdata[i];
      if (it->start_us >= now + hours * 3600 * G_USEC_PER_SEC)
        break;
      json_array_add_object_element (programmes, item_to_json (it));
    }
  problems = json_array_new ();
  plan_problems = exs_playout_plan_get_problems (plan);
  for (guint i = 0; i < plan_problems->len; i++)
    json_array_add_string_element (problems, plan_problems->pdata[i]);
  json_object_set_array_member (reply, "programmes", programmes);
  json_object_set_array_member (reply, "problems", problems);
  exs_http_reply_object (msg, 200, reply);
}

void
exs_api_preview_register (ExsHttpServer *server, ExsApiContext *context)
{
  exs_http_server_add_route (server, "POST", "/api/schedules/preview", EXS_HTTP_ROUTE_DEFAULT, handle_preview,
                             context);
}
