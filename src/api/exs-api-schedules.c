/* exs-api-schedules.c: /api/schedules, channel playouts, the channel schedule
 * (guide) endpoint, and the declarative export/import document.
 *
 * Schedules are JSON documents validated by exs-schedule.c; an invalid one is
 * a 422 whose "field" is the path of the bad member ("items[2].count").
 * Anything that builds a playout (assigning, rebuild, reset, import) runs in
 * the playout builder's worker thread: the request is paused and answered
 * when the build is done, so the main loop never waits on it.
 */
#include "config.h"

#include "exs-api-channels-private.h"
#include "exs-api-lineup-profiles.h"
#include "exs-api-context.h"
#include "exs-api-errors.h"
#include "exs-api-format.h"

#include "exs-channel-number.h"
#include "exs-channel-store.h"
#include "exs-http-json.h"
#include "exs-json-members.h"
#include "exs-playout-guide.h"
#include "exs-schedule-store.h"

#include <string.h>

#define US G_GINT64_CONSTANT (1000000)
#define MAX_RANGE_US (14 * 24 * 3600 * US)

static const char *const read_only_fields[] = { "id", "channels", "problems", "created_at", "updated_at" };
static const char *const playout_modes[] = { "continuous", "on_demand", NULL };

/* a playout's item: what plays (uri, in point) as well as the guide's fields */
static JsonObject *
programme_to_json (const ExsPlayoutItem *it)
{
  JsonObject *o = exs_api_programme_to_json (it, "");

  exs_json_set_string_or_null (o, "sub_title", it->sub_title);
  if (it->season_number >= 0)
    json_object_set_int_member (o, "season", it->season_number);
  else
    json_object_set_null_member (o, "season");
  if (it->episode_number >= 0)
    json_object_set_int_member (o, "episode", it->episode_number);
  else
    json_object_set_null_member (o, "episode");
  exs_api_set_id_or_null (o, "media_item_id", it->media_item_id);
  exs_json_set_string_or_null (o, "uri", it->uri);
  json_object_set_int_member (o, "in_point_ms", it->in_point_us / 1000);
  return o;
}

static JsonArray *
strv_to_json (char **strv)
{
  JsonArray *a = json_array_new ();

  for (guint i = 0; strv && strv[i]; i++)
    json_array_add_string_element (a, strv[i]);
  return a;
}

/* A schedule error "items[2].count: must be …" → 422 naming items[2].count */
static void
reply_schedule_error (SoupServerMessage *msg, const GError *error, const char *prefix)
{
  const char *colon = strstr (error->message, ": ");
  g_autofree char *field = colon ? g_strndup (error->message, (gsize) (colon - error->message)) : g_strdup ("");
  g_autofree char *full = g_strconcat (prefix, prefix[0] && field[0] && field[0] != '[' ? "." : "", field, NULL);

  exs_http_reply_field_error (msg, 422, full[0] ? full : "document", "%s%s%s", prefix, prefix[0] ? "." : "",
                              error->message);
}

/* ---- schedules ---- */

/* Returns: (transfer full) (nullable): %NULL with @error when the database
 * cannot say which channels play the schedule */
static JsonObject *
schedule_record_to_json (ExsApiContext *ctx, const ExsScheduleRecord *r, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *o;
  g_auto (GStrv) numbers = exs_schedule_store_channels_using (ctx->database, r->id, error);
  JsonArray *problems;
  g_autofree char *created = exs_api_format_time (r->created_at);
  g_autofree char *updated = exs_api_format_time (r->updated_at);

  if (numbers == NULL)
    return NULL;
  problems = json_array_new ();
  if (!json_parser_load_from_data (parser, r->document, -1, NULL))
    o = json_object_new ();
  else
    o = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
  json_object_set_int_member (o, "id", r->id);
  json_object_set_array_member (o, "channels", strv_to_json (numbers));
  for (guint i = 0; numbers[i]; i++)
    {
      g_auto (GStrv) p = ctx->playout_builder ? exs_playout_builder_dup_problems (ctx->playout_builder, numbers[i])
                                              : NULL;
      for (guint j = 0; p && p[j]; j++)
        {
          g_autofree char *line = g_strdup_printf ("channel %s: %s", numbers[i], p[j]);
          json_array_add_string_element (problems, line);
        }
    }
  json_object_set_array_member (o, "problems", problems);
  json_object_set_string_member (o, "created_at", created);
  json_object_set_string_member (o, "updated_at", updated);
  return o;
}

static ExsSchedule *
read_schedule_body (SoupServerMessage *msg)
{
  g_autoptr (JsonObject) body = exs_http_read_json_object (msg);
  g_autoptr (GError) error = NULL;
  ExsSchedule *s;

  if (body == NULL)
    return NULL;
  for (guint i = 0; i < G_N_ELEMENTS (read_only_fields); i++)
    json_object_remove_member (body, read_only_fields[i]);
  s = exs_schedule_new_from_json (body, &error);
  if (s == NULL)
    reply_schedule_error (msg, error, "");
  return s;
}

static void
rebuild_channels (ExsApiContext *ctx, char **numbers)
{
  for (guint i = 0; ctx->playout_builder && numbers && numbers[i]; i++)
    exs_playout_builder_build_async (ctx->playout_builder, numbers[i], EXS_PLAYOUT_BUILD_REBUILD, NULL, NULL, NULL);
}

static void
handle_schedules_list (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query,
                       gpointer data)
{
  ExsApiContext *ctx = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) list = exs_schedule_store_list (ctx->database, &error);
  g_autoptr (JsonObject) root = json_object_new ();
  JsonArray *arr;

  if (list == NULL)
    {
      exs_http_reply_gerror (msg, error);
      return;
    }
  arr = json_array_sized_new (list->len);
  json_object_set_array_member (root, "schedules", arr);
  for (guint i = 0; i < list->len; i++)
    {
      JsonObject *o = schedule_record_to_json (ctx, list->pdata[i], &error);

      if (o == NULL)
        {
          exs_http_reply_gerror (msg, error);
          return;
        }
      json_array_add_object_element (arr, o);
    }
  json_object_set_int_member (root, "total", list->len);
  exs_http_reply_object (msg, 200, root);
}

static void
reply_schedule (ExsApiContext *ctx, SoupServerMessage *msg, guint status, gint64 id)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ExsScheduleRecord) r = exs_schedule_store_get (ctx->database, id, &error);
  g_autoptr (JsonObject) o = NULL;

  if (r == NULL)
    {
      exs_http_reply_gerror (msg, error);
      return;
    }
  o = schedule_record_to_json (ctx, r, &error);
  if (o == NULL)
    {
      exs_http_reply_gerror (msg, error);
      return;
    }
  exs_http_reply_object (msg, status, o);
}

static void
handle_schedules_create (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query,
                         gpointer data)
{
  ExsApiContext *ctx = data;
  g_autoptr (ExsSchedule) s = read_schedule_body (msg);
  g_autoptr (GError) error = NULL;
  gint64 id = 0;

  if (s == NULL)
    return;
  if (!exs_schedule_store_insert (ctx->database, s, &id, &error))
    {
      exs_api_reply_write_error (msg, error, "name", "%s", error->message);
      return;
    }
  exs_http_set_location (msg, "/api/schedules/%" G_GINT64_FORMAT, id);
  reply_schedule (ctx, msg, 201, id);
}

static void
handle_schedules_get (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query,
                      gpointer data)
{
  gint64 id;

  if (exs_api_path_id (msg, params, "schedule", &id))
    reply_schedule (data, msg, 200, id);
}

static void
handle_schedules_update (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query,
                         gpointer data)
{
  ExsApiContext *ctx = data;
  g_autoptr (ExsSchedule) s = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) numbers = NULL;
  gint64 id;

  if (!exs_api_path_id (msg, params, "schedule", &id) || (s = read_schedule_body (msg)) == NULL)
    return;
  if (!exs_schedule_store_update (ctx->database, id, s, &error))
    {
      exs_api_reply_write_error (msg, error, "name", "%s", error->message);
      return;
    }
  /* the channels that play it keep what is on now and follow the new schedule after it */
  numbers = exs_schedule_store_channels_using (ctx->database, id, &error);
  if (numbers == NULL)
    {
      exs_http_reply_gerror (msg, error);
      return;
    }
  rebuild_channels (ctx, numbers);
  reply_schedule (ctx, msg, 200, id);
}

static void
handle_schedules_delete (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query,
                         gpointer data)
{
  ExsApiContext *ctx = data;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) numbers = NULL;
  gint64 id;

  if (!exs_api_path_id (msg, params, "schedule", &id))
    return;
  numbers = exs_schedule_store_channels_using (ctx->database, id, &error);
  if (numbers == NULL || !exs_schedule_store_delete (ctx->database, id, &error))
    {
      exs_http_reply_gerror (msg, error);
      return;
    }
  rebuild_channels (ctx, numbers);
  soup_server_message_set_status (msg, 204, NULL);
}

/* ---- channel playouts ---- */

static ExsPlayoutAssignment *
channel_or_reply (ExsApiContext *ctx, SoupServerMessage *msg, GHashTable *params, char **canonical)
{
  const char *number = g_hash_table_lookup (params, "number");
  g_autoptr (GError) error = NULL;
  ExsPlayoutAssignment *a;

  if (!exs_channel_number_parse (number, canonical, NULL, NULL, NULL))
    {
      exs_http_reply_error (msg, 404, NULL, "no channel numbered “%s” (" EXS_CHANNEL_NUMBER_RULE ")", number);
      return NULL;
    }
  a = exs_schedule_store_get_assignment (ctx->database, *canonical, &error);
  if (a == NULL)
    exs_http_reply_gerror (msg, error);
  return a;
}

static void
reply_playout (ExsApiContext *ctx, SoupServerMessage *msg, const char *number)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ExsPlayoutAssignment) a = exs_schedule_store_get_assignment (ctx->database, number, &error);
  g_autoptr (JsonObject) o = NULL;
  g_auto (GStrv) problems = NULL;
  g_autofree char *built = NULL;

  if (a == NULL)
    {
      exs_http_reply_gerror (msg, error);
      return;
    }
  o = json_object_new ();
  json_object_set_string_member (o, "channel", a->number);
  if (a->schedule_id)
    json_object_set_int_member (o, "schedule_id", a->schedule_id);
  else
    json_object_set_null_member (o, "schedule_id");
  exs_json_set_string_or_null (o, "schedule", a->schedule_name);
  json_object_set_string_member (o, "mode", a->mode);
  json_object_set_int_member (o, "seed", a->seed);
  if (ctx->playout_builder)
    {
      gint64 until = exs_playout_builder_get_built_until (ctx->playout_builder, a->number);
      g_autoptr (ExsPlayoutItem) now = exs_playout_source_lookup (ctx->playout_source, a->number, g_get_real_time (), NULL);
      problems = exs_playout_builder_dup_problems (ctx->playout_builder, a->number);
      if (until > 0)
        {
          built = exs_api_format_time_us (until);
          json_object_set_string_member (o, "built_until", built);
        }
      else
        json_object_set_null_member (o, "built_until");
      if (now)
        json_object_set_object_member (o, "now", programme_to_json (now));
    }
  json_object_set_array_member (o, "problems", strv_to_json (problems));
  exs_http_reply_object (msg, 200, o);
}

typedef struct
{
  ExsApiContext *ctx;
  SoupServerMessage *msg;
  char *number;
} PendingBuild;

static void
on_build_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  PendingBuild *p = user_data;
  g_autoptr (GError) error = NULL;

  if (!exs_playout_builder_build_finish (EXS_PLAYOUT_BUILDER (source), result, &error))
    exs_http_reply_gerror (p->msg, error);
  else
    reply_playout (p->ctx, p->msg, p->number);
  soup_server_message_unpause (p->msg);
  g_object_unref (p->msg);
  g_free (p->number);
  g_free (p);
}

/* Builds in the worker thread and answers with the playout when done. */
static void
build_and_reply (ExsApiContext *ctx, SoupServerMessage *msg, const char *number, ExsPlayoutBuildKind kind)
{
  PendingBuild *p;

  if (ctx->playout_builder == NULL)
    {
      exs_http_reply_error (msg, 503, NULL, "the playout builder is not running");
      return;
    }
  p = g_new0 (PendingBuild, 1);
  p->ctx = ctx;
  p->msg = g_object_ref (msg);
  p->number = g_strdup (number);
  soup_server_message_pause (msg);
  exs_playout_builder_build_async (ctx->playout_builder, number, kind, NULL, on_build_done_cb, p);
}

static void
handle_playout_get (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query,
                    gpointer data)
{
  g_autofree char *number = NULL;
  g_autoptr (ExsPlayoutAssignment) a = channel_or_reply (data, msg, params, &number);

  if (a)
    reply_playout (data, msg, a->number);
}

/* Reads {"schedule_id": id|null, "mode": …, "seed": n}; 422 on a bad field. */
static gboolean
read_assignment (ExsApiContext *ctx, SoupServerMessage *msg, JsonObject *body, const ExsPlayoutAssignment *a,
                 gint64 *schedule_id, const char **mode, gint64 *seed)
{
  g_autoptr (GList) members = json_object_get_members (body);
  JsonNode *n;

  for (GList *l = members; l; l = l->next)
    if (!g_str_equal (l->data, "schedule_id") && !g_str_equal (l->data, "mode") && !g_str_equal (l->data, "seed"))
      {
        exs_http_reply_field_error (msg, 422, l->data, "unknown field “%s”; a playout has schedule_id, mode and seed",
                                    (char *) l->data);
        return FALSE;
      }
  *schedule_id = a->schedule_id;
  *mode = a->mode;
  *seed = -1;
  if ((n = json_object_get_member (body, "schedule_id")) != NULL)
    {
      if (JSON_NODE_HOLDS_NULL (n))
        *schedule_id = 0;
      else if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_INT64 && json_node_get_int (n) > 0)
        {
          g_autoptr (GError) error = NULL;
          g_autoptr (ExsScheduleRecord) r = exs_schedule_store_get (ctx->database, json_node_get_int (n), &error);
          if (!exs_database_clear_not_found (&error))
            {
              exs_http_reply_gerror (msg, error);
              return FALSE;
            }
          if (r == NULL)
            {
              exs_http_reply_field_error (msg, 422, "schedule_id", "no schedule with id %" G_GINT64_FORMAT,
                                          json_node_get_int (n));
              return FALSE;
            }
          *schedule_id = r->id;
        }
      else
        {
          exs_http_reply_field_error (msg, 422, "schedule_id", "schedule_id must be a schedule's id or null");
          return FALSE;
        }
    }
  if ((n = json_object_get_member (body, "mode")) != NULL)
    {
      if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING
          || !g_strv_contains (playout_modes, json_node_get_string (n)))
        {
          exs_http_reply_field_error (msg, 422, "mode", "mode must be continuous or on_demand");
          return FALSE;
        }
      *mode = json_node_get_string (n);
    }
  return exs_http_json_get_int (msg, body, "seed", 0, G_MAXINT32, seed);
}

/* Reads an assignment from the request body and stores it; %FALSE when it
 * has already replied (bad body or a store error). */
static gboolean
assign_from_body (ExsApiContext *ctx, SoupServerMessage *msg, ExsPlayoutAssignment *a)
{
  g_autoptr (JsonObject) body = exs_http_read_json_object (msg);
  g_autoptr (GError) error = NULL;
  gint64 schedule_id, seed;
  const char *mode;

  if (body == NULL || !read_assignment (ctx, msg, body, a, &schedule_id, &mode, &seed))
    return FALSE;
  if (!exs_schedule_store_assign (ctx->database, a->number, schedule_id, mode, seed, &error))
    {
      exs_http_reply_gerror (msg, error);
      return FALSE;
    }
  return TRUE;
}

static void
handle_playout_put (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query,
                    gpointer data)
{
  g_autofree char *number = NULL;
  g_autoptr (ExsPlayoutAssignment) a = channel_or_reply (data, msg, params, &number);

  if (a == NULL || !assign_from_body (data, msg, a))
    return;
  /* a new schedule (or seed, or mode) starts over now */
  build_and_reply (data, msg, a->number, EXS_PLAYOUT_BUILD_RESET);
}

static void
handle_playout_rebuild (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query,
                        gpointer data)
{
  g_autofree char *number = NULL;
  g_autoptr (ExsPlayoutAssignment) a = channel_or_reply (data, msg, params, &number);

  if (a)
    build_and_reply (data, msg, a->number, EXS_PLAYOUT_BUILD_REBUILD);
}

/* POST reset: with a body, assigns it first (as PUT does) */
static void
handle_playout_reset (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query,
                      gpointer data)
{
  g_autofree char *number = NULL;
  g_autoptr (ExsPlayoutAssignment) a = channel_or_reply (data, msg, params, &number);

  if (a == NULL)
    return;
  if (soup_server_message_get_request_body (msg)->length > 0 && !assign_from_body (data, msg, a))
    return;
  build_and_reply (data, msg, a->number, EXS_PLAYOUT_BUILD_RESET);
}

/* ---- the guide: GET /api/channels/{number}/schedule ---- */

static gboolean
parse_instant (SoupServerMessage *msg, GHashTable *query, const char *field, gint64 *out)
{
  const char *text = query ? g_hash_table_lookup (query, field) : NULL;
  g_autoptr (GDateTime) dt = NULL;
  g_autoptr (GTimeZone) utc = g_time_zone_new_utc ();

  if (text == NULL)
    return TRUE;
  dt = g_date_time_new_from_iso8601 (text, utc);
  if (dt == NULL)
    {
      exs_http_reply_field_error (msg, 422, field,
                                  "%s must be an ISO 8601 date and time such as 2026-11-21T19:00:00Z, not “%s”", field,
                                  text);
      return FALSE;
    }
  *out = g_date_time_to_unix (dt) * US + g_date_time_get_microsecond (dt);
  return TRUE;
}

static void
handle_channel_schedule (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query,
                         gpointer data)
{
  ExsApiContext *ctx = data;
  g_autofree char *number = NULL;
  g_autoptr (ExsPlayoutAssignment) a = channel_or_reply (ctx, msg, params, &number);
  g_autoptr (GPtrArray) items = NULL;
  g_autoptr (GPtrArray) guide = NULL;
  g_autoptr (JsonObject) root = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *from_text = NULL;
  g_autofree char *to_text = NULL;
  const char *filler = query ? g_hash_table_lookup (query, "filler") : NULL;
  gint64 from = g_get_real_time (), to;
  JsonArray *arr;

  if (a == NULL || !parse_instant (msg, query, "from", &from))
    return;
  to = from + 24 * 3600 * US;
  if (!parse_instant (msg, query, "to", &to))
    return;
  if (to <= from)
    {
      exs_http_reply_field_error (msg, 422, "to", "to must be after from");
      return;
    }
  if (to - from > MAX_RANGE_US)
    {
      exs_http_reply_field_error (msg, 422, "to", "the range from … to is at most 14 days");
      return;
    }
  if (filler && !g_str_equal (filler, "show") && !g_str_equal (filler, "group"))
    {
      exs_http_reply_field_error (msg, 422, "filler", "filler must be show or group, not “%s”", filler);
      return;
    }
  if (ctx->playout_source == NULL)
    {
      exs_http_reply_error (msg, 503, NULL, "the playout builder is not running");
      return;
    }
  items = exs_playout_source_list (ctx->playout_source, a->number, from, to, &error);
  if (items == NULL)
    {
      exs_http_reply_gerror (msg, error);
      return;
    }
  guide = exs_playout_items_for_guide (items, g_strcmp0 (filler, "show") == 0);
  root = json_object_new ();
  from_text = exs_api_format_time_us (from);
  to_text = exs_api_format_time_us (to);
  json_object_set_string_member (root, "channel", a->number);
  json_object_set_string_member (root, "from", from_text);
  json_object_set_string_member (root, "to", to_text);
  arr = json_array_sized_new (guide->len);
  for (guint i = 0; i < guide->len; i++)
    {
      ExsPlayoutItem *it = guide->pdata[i];
      if (it->title == NULL)
        it->title = g_strdup (a->name); /* the last title layer: the channel's name */
      json_array_add_object_element (arr, programme_to_json (it));
    }
  json_object_set_array_member (root, "programmes", arr);
  exs_http_reply_object (msg, 200, root);
}

/* ---- export / import ---- */

static JsonObject *
export_document (ExsApiContext *ctx, GError **error)
{
  g_autoptr (GPtrArray) schedules = exs_schedule_store_list (ctx->database, error);
  g_autoptr (GPtrArray) channels = NULL;
  g_autoptr (GPtrArray) assignments = NULL;
  JsonObject *root;
  JsonArray *sa, *ca;

  if (schedules == NULL || (channels = exs_channel_store_list (ctx->database, error)) == NULL
      || (assignments = exs_schedule_store_list_assignments (ctx->database, error)) == NULL)
    return NULL;
  root = json_object_new ();
  json_object_set_int_member (root, "version", 1);
  sa = json_array_new ();
  for (guint i = 0; i < schedules->len; i++)
    {
      g_autoptr (ExsSchedule) s = exs_schedule_new_from_data (((ExsScheduleRecord *) schedules->pdata[i])->document, NULL);
      if (s)
        json_array_add_object_element (sa, exs_schedule_to_json (s));
    }
  json_object_set_array_member (root, "schedules", sa);
  ca = json_array_new ();
  for (guint i = 0; i < channels->len; i++)
    {
      ExsChannelRecord *r = channels->pdata[i];
      JsonObject *o = json_object_new ();
      ExsPlayoutAssignment *a = NULL;
      for (guint j = 0; j < assignments->len && a == NULL; j++)
        if (g_str_equal (((ExsPlayoutAssignment *) assignments->pdata[j])->number, r->number))
          a = assignments->pdata[j];
      exs_api_channels_set_settings (o, r);
      exs_json_set_string_or_null (o, "schedule", a ? a->schedule_name : NULL);
      json_object_set_string_member (o, "playout_mode", a ? a->mode : "continuous");
      json_object_set_int_member (o, "seed", a ? a->seed : 0);
      json_array_add_object_element (ca, o);
    }
  json_object_set_array_member (root, "channels", ca);
  if ((ca = exs_api_lineup_export_profiles (ctx->database, channels, error)) == NULL)
    {
      json_object_unref (root);
      return NULL;
    }
  json_object_set_array_member (root, "profiles", ca);
  return root;
}

static void
handle_export (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) doc = export_document (data, &error);

  if (doc == NULL)
    exs_http_reply_gerror (msg, error);
  else
    exs_http_reply_object (msg, 200, doc);
}

typedef struct
{
  ExsChannelRecord *record;
  char *schedule;   /* nullable */
  char *mode;
  gint64 seed;
} ImportChannel;

static void
import_channel_free (ImportChannel *c)
{
  exs_channel_record_free (c->record);
  g_free (c->schedule);
  g_free (c->mode);
  g_free (c);
}


static gboolean
import_string (SoupServerMessage *msg, JsonObject *o, const char *path, const char *field, const char *const *choices,
               gboolean required, char **out)
{
  JsonNode *n = json_object_get_member (o, field);
  g_autofree char *p = g_strdup_printf ("%s.%s", path, field);

  if (n == NULL || JSON_NODE_HOLDS_NULL (n))
    {
      if (required)
        exs_http_reply_field_error (msg, 422, p, "%s is required", p);
      return !required;
    }
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING
      || (choices && !g_strv_contains (choices, json_node_get_string (n)))
      || (required && json_node_get_string (n)[0] == '\0'))
    {
      g_autofree char *list = choices ? g_strjoinv (", ", (char **) choices) : g_strdup ("a non-empty string");
      exs_http_reply_field_error (msg, 422, p, "%s must be %s%s", p, choices ? "one of " : "", list);
      return FALSE;
    }
  g_free (*out);
  *out = g_strdup (json_node_get_string (n));
  return TRUE;
}

/* Checks the whole document before anything is written. */
static gboolean
read_import (ExsApiContext *ctx, SoupServerMessage *msg, JsonObject *body, GPtrArray *schedules, GPtrArray *channels,
             GPtrArray *profiles)
{
  JsonNode *n = json_object_get_member (body, "schedules");
  JsonArray *a;

  if (!json_object_has_member (body, "version") || json_object_get_int_member (body, "version") != 1)
    {
      exs_http_reply_field_error (msg, 422, "version", "version must be 1");
      return FALSE;
    }
  {
    g_autoptr (GError) error = NULL;
    g_autofree char *field = NULL;

    if (!exs_api_lineup_read_profiles (body, profiles, &field, &error))
      {
        exs_http_reply_field_error (msg, 422, field, "%s", error->message);
        return FALSE;
      }
  }
  if (n == NULL || !JSON_NODE_HOLDS_ARRAY (n))
    {
      exs_http_reply_field_error (msg, 422, "schedules", "schedules must be a list of schedule documents");
      return FALSE;
    }
  a = json_node_get_array (n);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *prefix = g_strdup_printf ("schedules[%u]", i);
      JsonNode *e = json_array_get_element (a, i);
      ExsSchedule *s;
      if (!JSON_NODE_HOLDS_OBJECT (e))
        {
          exs_http_reply_field_error (msg, 422, prefix, "%s must be a schedule document", prefix);
          return FALSE;
        }
      s = exs_schedule_new_from_json (json_node_get_object (e), &error);
      if (s == NULL)
        {
          reply_schedule_error (msg, error, prefix);
          return FALSE;
        }
      g_ptr_array_add (schedules, s);
      for (guint j = 0; j + 1 < schedules->len; j++)
        if (g_str_equal (((ExsSchedule *) schedules->pdata[j])->name, s->name))
          {
            g_autofree char *p = g_strdup_printf ("%s.name", prefix);
            exs_http_reply_field_error (msg, 422, p, "two schedules are named “%s”", s->name);
            return FALSE;
          }
    }
  n = json_object_get_member (body, "channels");
  if (n == NULL || !JSON_NODE_HOLDS_ARRAY (n))
    {
      exs_http_reply_field_error (msg, 422, "channels", "channels must be a list");
      return FALSE;
    }
  a = json_node_get_array (n);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      g_autofree char *path = g_strdup_printf ("channels[%u]", i);
      JsonNode *e = json_array_get_element (a, i);
      JsonObject *o;
      ImportChannel *c;
      g_autoptr (GError) seed_error = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (e))
        {
          exs_http_reply_field_error (msg, 422, path, "%s must be an object", path);
          return FALSE;
        }
      o = json_node_get_object (e);
      c = g_new0 (ImportChannel, 1);
      c->record = exs_channel_record_new ();
      c->mode = g_strdup ("continuous");
      g_ptr_array_add (channels, c);
      {
        static const char *const import_fields[] = { "schedule", "playout_mode", "seed", NULL };
        g_autoptr (GError) error = NULL;
        g_autofree char *field = NULL;

        /* the same checks as POST /api/channels, then the import's own */
        if (!exs_api_channel_apply_json (o, c->record, TRUE, import_fields, &field, &error)
            || (!exs_api_lineup_names_profile (profiles, o)
                && !exs_api_profiles_check_channel (ctx->database, o, &field, &error)))
          {
            g_autofree char *p = g_strdup_printf ("%s.%s", path, field);
            exs_http_reply_field_error (msg, 422, p, "%s: %s", path, error->message);
            return FALSE;
          }
      }
      if (!import_string (msg, o, path, "schedule", NULL, FALSE, &c->schedule)
          || !import_string (msg, o, path, "playout_mode", playout_modes, FALSE, &c->mode))
        return FALSE;
      c->seed = -1;
      if (!exs_http_json_check_int (o, "seed", 0, G_MAXINT32, &c->seed, &seed_error))
        {
          g_autofree char *p = g_strdup_printf ("%s.seed", path);
          exs_http_reply_field_error (msg, 422, p, "%s.%s", path, seed_error->message);
          return FALSE;
        }
      if (c->schedule)
        {
          gboolean known = FALSE;
          for (guint j = 0; j < schedules->len && !known; j++)
            known = g_str_equal (((ExsSchedule *) schedules->pdata[j])->name, c->schedule);
          if (!known)
            {
              g_autoptr (GError) error = NULL;
              g_autoptr (ExsScheduleRecord) r = exs_schedule_store_get_by_name (ctx->database, c->schedule, &error);
              if (!exs_database_clear_not_found (&error))
                {
                  exs_http_reply_gerror (msg, error);
                  return FALSE;
                }
              if (r == NULL)
                {
                  g_autofree char *p = g_strdup_printf ("%s.schedule", path);
                  exs_http_reply_field_error (msg, 422, p, "no schedule named “%s” in the document or on the server",
                                              c->schedule);
                  return FALSE;
                }
            }
        }
    }
  return TRUE;
}

typedef struct
{
  ExsApiContext *ctx;
  SoupServerMessage *msg;
  guint pending;
  guint n_channels;
  guint n_schedules;
} PendingImport;

static void
import_release (PendingImport *p)
{
  g_autoptr (JsonObject) o = NULL;

  if (--p->pending > 0)
    return;
  o = json_object_new ();
  json_object_set_int_member (o, "schedules", p->n_schedules);
  json_object_set_int_member (o, "channels", p->n_channels);
  exs_http_reply_object (p->msg, 200, o);
  soup_server_message_unpause (p->msg);
  g_object_unref (p->msg);
  g_free (p);
}

static void
on_import_built_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GError) error = NULL;

  if (!exs_playout_builder_build_finish (EXS_PLAYOUT_BUILDER (source), result, &error))
    g_warning ("import: %s", error->message);
  import_release (user_data);
}

static void
handle_import (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  ExsApiContext *ctx = data;
  g_autoptr (JsonObject) body = exs_http_read_json_object (msg);
  g_autoptr (GPtrArray) schedules = g_ptr_array_new_with_free_func ((GDestroyNotify) exs_schedule_free);
  g_autoptr (GPtrArray) channels = g_ptr_array_new_with_free_func ((GDestroyNotify) import_channel_free);
  g_autoptr (GPtrArray) profiles = g_ptr_array_new_with_free_func ((GDestroyNotify) exs_profile_free);
  g_autoptr (GError) error = NULL;
  PendingImport *p;

  if (body == NULL || !read_import (ctx, msg, body, schedules, channels, profiles))
    return;
  if (!exs_database_begin (ctx->database, &error))
    goto fail;
  if (!exs_api_lineup_save_profiles (ctx->database, profiles, &error))
    goto rollback;
  for (guint i = 0; i < schedules->len; i++)
    {
      ExsSchedule *s = schedules->pdata[i];
      g_autoptr (ExsScheduleRecord) r = exs_schedule_store_get_by_name (ctx->database, s->name, &error);
      if (!exs_database_clear_not_found (&error))
        goto rollback;
      if (r ? !exs_schedule_store_update (ctx->database, r->id, s, &error)
            : !exs_schedule_store_insert (ctx->database, s, NULL, &error))
        goto rollback;
    }
  for (guint i = 0; i < channels->len; i++)
    {
      ImportChannel *c = channels->pdata[i];
      g_autoptr (ExsChannelRecord) existing = exs_channel_store_get (ctx->database, c->record->number, &error);
      g_autoptr (ExsScheduleRecord) r = NULL;
      if (!exs_database_clear_not_found (&error))
        goto rollback;
      if (existing ? !exs_channel_store_update (ctx->database, c->record->number, c->record, &error)
                   : !exs_channel_store_insert (ctx->database, c->record, &error))
        goto rollback;
      if (c->schedule && (r = exs_schedule_store_get_by_name (ctx->database, c->schedule, &error)) == NULL)
        goto rollback;
      if (!exs_schedule_store_assign (ctx->database, c->record->number, r ? r->id : 0, c->mode, c->seed, &error))
        goto rollback;
    }
  if (!exs_database_commit (ctx->database, &error))
    goto rollback;

  p = g_new0 (PendingImport, 1);
  p->ctx = ctx;
  p->msg = g_object_ref (msg);
  p->n_channels = channels->len;
  p->n_schedules = schedules->len;
  p->pending = 1; /* held until every build has been started */
  soup_server_message_pause (msg);
  for (guint i = 0; ctx->playout_builder && i < channels->len; i++)
    {
      p->pending++;
      exs_playout_builder_build_async (ctx->playout_builder, ((ImportChannel *) channels->pdata[i])->record->number,
                                       EXS_PLAYOUT_BUILD_RESET, NULL, on_import_built_cb, p);
    }
  import_release (p);
  return;

rollback:
  exs_database_rollback (ctx->database);
fail:
  exs_http_reply_gerror (msg, error);
}

void
exs_api_schedules_register (ExsHttpServer *server, ExsApiContext *context)
{
  exs_http_server_add_route (server, "GET,HEAD", "/api/schedules", 0, handle_schedules_list, context);
  exs_http_server_add_route (server, "POST", "/api/schedules", 0, handle_schedules_create, context);
  exs_http_server_add_route (server, "GET,HEAD", "/api/schedules/{id}", 0, handle_schedules_get, context);
  exs_http_server_add_route (server, "PUT", "/api/schedules/{id}", 0, handle_schedules_update, context);
  exs_http_server_add_route (server, "DELETE", "/api/schedules/{id}", 0, handle_schedules_delete, context);
  exs_http_server_add_route (server, "GET,HEAD", "/api/channels/{number}/schedule", 0, handle_channel_schedule,
                             context);
  exs_http_server_add_route (server, "GET,HEAD", "/api/channels/{number}/playout", 0, handle_playout_get, context);
  exs_http_server_add_route (server, "PUT", "/api/channels/{number}/playout", 0, handle_playout_put, context);
  exs_http_server_add_route (server, "POST", "/api/channels/{number}/playout/rebuild", 0, handle_playout_rebuild,
                             context);
  exs_http_server_add_route (server, "POST", "/api/channels/{number}/playout/reset", 0, handle_playout_reset, context);
  exs_http_server_add_route (server, "GET,HEAD", "/api/export", 0, handle_export, context);
  exs_http_server_add_route (server, "POST", "/api/import", 0, handle_import, context);
}
