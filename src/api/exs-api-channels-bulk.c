/* exs-api-channels-bulk.c: PATCH /api/channels, one edit to many channels
 * (the web UI's "select many, set group/profile/filler/enabled/always-on").
 *
 *   {"numbers": ["100", "101"], "set": {"group": "News", "enabled": false}}
 *   -> 200 {"updated": 2, "schedules_updated": 0}
 * Every channel must exist and every field pass the single-channel rules
 * before anything is written; the writes are one transaction.
 *
 * Channels have no filler of their own: "fallback_filler" (a preset name, or
 * null for offline) is set in the schedule each channel plays, which must
 * define that preset; a schedule also played by a channel outside the
 * selection is refused, so a bulk edit never changes an unselected channel.
 * The channels of the changed schedules then rebuild their playouts (what is
 * on now stays).
 */
#include "config.h"

#include "exs-api-context.h"
#include "exs-api-channels-private.h"
#include "exs-channel-number.h"
#include "exs-schedule-store.h"

#define MAX_BULK 1000

#define FILLER_FIELD "fallback_filler"

static const char *const bulk_fields[] = { "group", "profile", "enabled", "always_on", "streaming_mode",
                                           "transcode_mode", FILLER_FIELD, NULL };

typedef struct
{
  gint64 id;
  ExsSchedule *schedule;
} ScheduleEdit;

static void
schedule_edit_free (ScheduleEdit *e)
{
  exs_schedule_free (e->schedule);
  g_free (e);
}

/* The listed channels, or NULL after a 422 naming numbers[i]. */
static GPtrArray *
load_channels (ExsApiContext *ctx, SoupServerMessage *msg, JsonArray *numbers)
{
  g_autoptr (GPtrArray) records = g_ptr_array_new_with_free_func ((GDestroyNotify) exs_channel_record_free);
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint n = json_array_get_length (numbers);

  if (n == 0 || n > MAX_BULK)
    {
      exs_http_reply_field_error (msg, 422, "numbers", "numbers lists 1 to %d channel numbers", MAX_BULK);
      return NULL;
    }
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (numbers, i);
      g_autofree char *field = g_strdup_printf ("numbers[%u]", i);
      g_autofree char *canonical = NULL;
      g_autoptr (GError) error = NULL;
      ExsChannelRecord *r;

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING
          || !exs_channel_number_parse (json_node_get_string (node), &canonical, NULL, NULL, NULL))
        {
          exs_http_reply_field_error (msg, 422, field, "%s must be a channel number as a string (" EXS_CHANNEL_NUMBER_RULE
                                      ")", field);
          return NULL;
        }
      if (g_hash_table_contains (seen, canonical))
        continue;
      r = exs_channel_store_get (ctx->database, canonical, &error);
      if (r == NULL)
        {
          exs_http_reply_field_error (msg, 422, field, "there is no channel %s", canonical);
          return NULL;
        }
      g_ptr_array_add (records, r);
      g_hash_table_add (seen, g_steal_pointer (&canonical));
    }
  return g_steal_pointer (&records);
}

/* The schedules the selected channels play, each with its fallback filler
 * set to @name (NULL: offline); NULL after a 422 naming set.fallback_filler. */
static GPtrArray *
plan_filler (ExsApiContext *ctx, SoupServerMessage *msg, GPtrArray *records, const char *name)
{
  g_autoptr (GPtrArray) edits = g_ptr_array_new_with_free_func ((GDestroyNotify) schedule_edit_free);
  g_autoptr (GHashTable) selected = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) done = g_hash_table_new (g_int64_hash, g_int64_equal);
  const char *field = "set." FILLER_FIELD;

  for (guint i = 0; i < records->len; i++)
    g_hash_table_add (selected, ((ExsChannelRecord *) records->pdata[i])->number);
  for (guint i = 0; i < records->len; i++)
    {
      const char *number = ((ExsChannelRecord *) records->pdata[i])->number;
      g_autoptr (GError) error = NULL;
      g_autoptr (ExsPlayoutAssignment) a = exs_schedule_store_get_assignment (ctx->database, number, &error);
      g_autoptr (ExsScheduleRecord) record = NULL;
      g_auto (GStrv) users = NULL;
      ScheduleEdit *edit;

      if (a == NULL)
        {
          exs_http_reply_gerror (msg, error);
          return NULL;
        }
      if (a->schedule_id == 0)
        {
          exs_http_reply_field_error (msg, 422, field,
                                      "channel %s plays no schedule, and filler presets live in schedules: "
                                      "give it a schedule first",
                                      number);
          return NULL;
        }
      if (g_hash_table_contains (done, &a->schedule_id))
        continue;
      record = exs_schedule_store_get (ctx->database, a->schedule_id, &error);
      if (record == NULL)
        {
          exs_http_reply_gerror (msg, error);
          return NULL;
        }
      users = exs_schedule_store_channels_using (ctx->database, a->schedule_id, &error);
      if (users == NULL)
        {
          exs_http_reply_gerror (msg, error);
          return NULL;
        }
      for (guint u = 0; users && users[u]; u++)
        if (!g_hash_table_contains (selected, users[u]))
          {
            exs_http_reply_field_error (msg, 422, field,
                                        "schedule “%s” of channel %s is also played by channel %s, which is not "
                                        "selected: select it too, or edit the schedule",
                                        record->name, number, users[u]);
            return NULL;
          }
      edit = g_new0 (ScheduleEdit, 1);
      edit->id = a->schedule_id;
      edit->schedule = exs_schedule_new_from_data (record->document, &error);
      if (edit->schedule == NULL)
        {
          schedule_edit_free (edit);
          exs_http_reply_error (msg, 500, NULL, "schedule “%s” cannot be read: %s", record->name, error->message);
          return NULL;
        }
      g_ptr_array_add (edits, edit);
      g_hash_table_add (done, &edit->id);
      if (name && exs_schedule_find_filler (edit->schedule, name) == NULL)
        {
          exs_http_reply_field_error (msg, 422, field, "schedule “%s” of channel %s has no filler preset “%s”",
                                      record->name, number, name);
          return NULL;
        }
      g_free (edit->schedule->fallback);
      edit->schedule->fallback = g_strdup (name);
    }
  return g_steal_pointer (&edits);
}

/* Reads set.fallback_filler (a preset name or null) and takes it out of
 * @set; FALSE after a 422. */
static gboolean
take_filler (SoupServerMessage *msg, JsonObject *set, gboolean *present, char **name)
{
  JsonNode *node = json_object_get_member (set, FILLER_FIELD);

  *present = node != NULL;
  *name = NULL;
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_NULL (node))
    {
      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING
          || json_node_get_string (node)[0] == '\0')
        {
          exs_http_reply_field_error (msg, 422, "set." FILLER_FIELD,
                                      FILLER_FIELD " must be a filler preset's name, or null for offline");
          return FALSE;
        }
      *name = g_strdup (json_node_get_string (node));
    }
  json_object_remove_member (set, FILLER_FIELD);
  return TRUE;
}

static void
handle_bulk (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  ExsApiContext *ctx = data;
  g_autoptr (JsonObject) body = exs_http_read_json_object (msg);
  g_autoptr (GPtrArray) records = NULL;
  g_autoptr (GList) members = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) reply = NULL;
  g_autoptr (GPtrArray) edits = NULL;
  g_autofree char *filler = NULL;
  gboolean set_filler = FALSE;
  JsonNode *numbers, *set;

  if (body == NULL)
    return;
  numbers = json_object_get_member (body, "numbers");
  set = json_object_get_member (body, "set");
  if (numbers == NULL || !JSON_NODE_HOLDS_ARRAY (numbers))
    {
      exs_http_reply_field_error (msg, 422, "numbers", "numbers must be a list of channel numbers");
      return;
    }
  if (set == NULL || !JSON_NODE_HOLDS_OBJECT (set) || json_object_get_size (json_node_get_object (set)) == 0)
    {
      exs_http_reply_field_error (msg, 422, "set", "set must be an object with the fields to change");
      return;
    }
  members = json_object_get_members (json_node_get_object (set));
  for (GList *l = members; l; l = l->next)
    if (!g_strv_contains (bulk_fields, l->data))
      {
        g_autofree char *field = g_strdup_printf ("set.%s", (char *) l->data);
        g_autofree char *list = g_strjoinv (", ", (char **) bulk_fields);
        exs_http_reply_field_error (msg, 422, field, "%s cannot be set on many channels at once; these can: %s",
                                    (char *) l->data, list);
        return;
      }
  records = load_channels (ctx, msg, json_node_get_array (numbers));
  if (records == NULL || !take_filler (msg, json_node_get_object (set), &set_filler, &filler))
    return;
  for (guint i = 0; i < records->len; i++)
    if (!exs_api_channels_apply (ctx, msg, json_node_get_object (set), records->pdata[i]))
      return;
  if (set_filler && (edits = plan_filler (ctx, msg, records, filler)) == NULL)
    return;

  if (!exs_database_begin (ctx->database, &error))
    {
      exs_http_reply_gerror (msg, error);
      return;
    }
  for (guint i = 0; i < records->len; i++)
    {
      ExsChannelRecord *r = records->pdata[i];
      if (!exs_channel_store_update (ctx->database, r->number, r, &error))
        {
          exs_database_rollback (ctx->database);
          exs_http_reply_gerror (msg, error);
          return;
        }
    }
  for (guint i = 0; edits && i < edits->len; i++)
    {
      ScheduleEdit *e = edits->pdata[i];
      if (!exs_schedule_store_update (ctx->database, e->id, e->schedule, &error))
        {
          exs_database_rollback (ctx->database);
          exs_http_reply_gerror (msg, error);
          return;
        }
    }
  if (!exs_database_commit (ctx->database, &error))
    {
      exs_database_rollback (ctx->database);
      exs_http_reply_gerror (msg, error);
      return;
    }
  g_message ("%u channels changed at once", records->len);
  if (edits && edits->len)
    g_message ("fallback filler of %u schedules set to %s", edits->len, filler ? filler : "offline");
  for (guint i = 0; edits && i < edits->len; i++)
    {
      g_autoptr (GError) users_error = NULL;
      g_auto (GStrv) users
          = exs_schedule_store_channels_using (ctx->database, ((ScheduleEdit *) edits->pdata[i])->id, &users_error);

      if (users == NULL)
        g_warning ("cannot rebuild the playouts of schedule %" G_GINT64_FORMAT ": %s",
                   ((ScheduleEdit *) edits->pdata[i])->id, users_error->message);

      for (guint u = 0; ctx->playout_builder && users && users[u]; u++)
        exs_playout_builder_build_async (ctx->playout_builder, users[u], EXS_PLAYOUT_BUILD_REBUILD, NULL, NULL, NULL);
    }
  reply = json_object_new ();
  json_object_set_int_member (reply, "updated", records->len);
  json_object_set_int_member (reply, "schedules_updated", edits ? edits->len : 0);
  exs_http_reply_object (msg, 200, reply);
}

void
exs_api_channels_bulk_register (ExsHttpServer *server, ExsApiContext *context)
{
  exs_http_server_add_route (server, "PATCH", "/api/channels", EXS_HTTP_ROUTE_DEFAULT, handle_bulk, context);
}
