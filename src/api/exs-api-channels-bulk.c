/* exs-api-channels-bulk.c: PATCH /api/channels, one edit to many channels
 * (the web UI's "select many, set group/profile/enabled/always-on").
 *
 *   {"numbers": ["100", "101"], "set": {"group": "News", "enabled": false}}
 *   -> 200 {"updated": 2}
 * Every channel must exist and every field pass the single-channel rules
 * before anything is written; the writes are one transaction.
 */
#include "config.h"

#include "exs-api-context.h"
#include "exs-api-channels-private.h"
#include "exs-channel-number.h"

#define MAX_BULK 1000

static const char *const bulk_fields[] = { "group", "profile", "enabled", "always_on", "streaming_mode",
                                           "transcode_mode", NULL };

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

static void
handle_bulk (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  ExsApiContext *ctx = data;
  g_autoptr (JsonObject) body = exs_http_read_json_object (msg);
  g_autoptr (GPtrArray) records = NULL;
  g_autoptr (GList) members = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) reply = NULL;
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
  if (records == NULL)
    return;
  for (guint i = 0; i < records->len; i++)
    if (!exs_api_channels_apply (msg, json_node_get_object (set), records->pdata[i]))
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
  if (!exs_database_commit (ctx->database, &error))
    {
      exs_database_rollback (ctx->database);
      exs_http_reply_gerror (msg, error);
      return;
    }
  g_message ("%u channels changed at once", records->len);
  reply = json_object_new ();
  json_object_set_int_member (reply, "updated", records->len);
  exs_http_reply_object (msg, 200, reply);
}

void
exs_api_channels_bulk_register (ExsHttpServer *server, ExsApiContext *context)
{
  exs_http_server_add_route (server, "PATCH", "/api/channels", EXS_HTTP_ROUTE_DEFAULT, handle_bulk, context);
}
