/* exs-api-collections.c: /api/collections — manual collections (a list of
 * items, shows and seasons) and smart ones (a saved query), their items in
 * play order, and /api/collections/preview to try a query before saving it.
 * The scheduler reads the same order through exs_collection_resolve().
 */
#include "config.h"

#include "exs-api-library-private.h"
#include "exs-api-errors.h"

#include "exs-fs.h"
#include "exs-json-members.h"
#include "exs-media-store.h"

#define MAX_NAME_CHARS 200
#define MAX_QUERY_CHARS 2000
#define MAX_MEMBERS 10000

static const char *const known_fields[] = { "name", "kind", "query", "members", NULL };
static const char *const kinds[] = { "manual", "smart", NULL };

static JsonObject *
collection_to_json (const ExsCollectionRecord *r, ExsApiContext *ctx)
{
  JsonObject *o = json_object_new ();
  g_autofree char *created = exs_api_format_time (r->created_at);
  g_autofree char *updated = exs_api_format_time (r->updated_at);
  g_autoptr (GArray) ids = exs_collection_resolve (ctx->database, r->id, NULL);

  json_object_set_int_member (o, "id", r->id);
  json_object_set_string_member (o, "name", r->name);
  json_object_set_string_member (o, "kind", r->kind);
  exs_json_set_string_or_null (o, "query", r->query);
  if (g_str_equal (r->kind, "manual"))
    {
      JsonArray *members = json_array_new ();
      for (guint i = 0; i < r->members->len; i++)
        {
          ExsCollectionMember *m = &g_array_index (r->members, ExsCollectionMember, i);
          JsonObject *mo = json_object_new ();
          if (m->media_item_id > 0)
            json_object_set_int_member (mo, "media_item_id", m->media_item_id);
          if (m->show_id > 0)
            json_object_set_int_member (mo, "show_id", m->show_id);
          if (m->season >= 0)
            json_object_set_int_member (mo, "season", m->season);
          json_array_add_object_element (members, mo);
        }
      json_object_set_array_member (o, "members", members);
    }
  json_object_set_int_member (o, "items", ids ? (gint64) ids->len : 0);
  json_object_set_string_member (o, "created_at", created);
  json_object_set_string_member (o, "updated_at", updated);
  return o;
}

static gboolean
get_member_id (SoupServerMessage *msg, JsonObject *mo, const char *name, const char *field, gint64 *out)
{
  g_autoptr (GError) error = NULL;

  if (exs_http_json_check_int (mo, name, 0, G_MAXINT64, out, &error))
    return TRUE;
  exs_http_reply_field_error (msg, 422, field, "%s.%s", field, error->message);
  return FALSE;
}

typedef gboolean (*ExistsFunc) (ExsDatabase *db, gint64 id, GError **error);

/* Whether the row @id that member @field names exists (asked of @exists);
 * otherwise FALSE after a reply: the store's error, or a 422 naming @noun. */
static gboolean
exists_or_reply (ExsApiContext *ctx, SoupServerMessage *msg, ExistsFunc exists, gint64 id, const char *field,
                 const char *noun)
{
  g_autoptr (GError) error = NULL;

  if (exists (ctx->database, id, &error))
    return TRUE;
  if (error)
    exs_http_reply_gerror (msg, error);
  else
    exs_http_reply_field_error (msg, 422, field, "%s: there is no %s %" G_GINT64_FORMAT, field, noun, id);
  return FALSE;
}

/* "members": [{"media_item_id": 1} | {"show_id": 2} | {"show_id": 2, "season": 1}] */
static gboolean
get_members (ExsApiContext *ctx, SoupServerMessage *msg, JsonObject *body, ExsCollectionRecord *r)
{
  static const char *const member_fields[] = { "media_item_id", "show_id", "season", NULL };
  JsonNode *node = json_object_get_member (body, "members");
  JsonArray *arr;

  g_array_set_size (r->members, 0);
  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (node) || json_array_get_length (json_node_get_array (node)) > MAX_MEMBERS)
    {
      exs_http_reply_field_error (msg, 422, "members", "members must be a list of at most %d objects such as "
                                  "{\"media_item_id\": 1}, {\"show_id\": 2} or {\"show_id\": 2, \"season\": 1}",
                                  MAX_MEMBERS);
      return FALSE;
    }
  arr = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (arr); i++)
    {
      JsonNode *e = json_array_get_element (arr, i);
      g_autofree char *field = g_strdup_printf ("members[%u]", i);
      ExsCollectionMember m = { 0, 0, -1 };
      gint64 season = -1;
      JsonObject *mo;

      if (!JSON_NODE_HOLDS_OBJECT (e))
        {
          exs_http_reply_field_error (msg, 422, field, "%s must be an object such as {\"media_item_id\": 1}", field);
          return FALSE;
        }
      mo = json_node_get_object (e);
      if (!_exs_api_check_fields (msg, mo, member_fields, "collection members")
          || !get_member_id (msg, mo, "media_item_id", field, &m.media_item_id)
          || !get_member_id (msg, mo, "show_id", field, &m.show_id)
          || !get_member_id (msg, mo, "season", field, &season))
        return FALSE;
      m.season = json_object_has_member (mo, "season") ? (int) MIN (season, G_MAXINT) : -1;
      if ((m.media_item_id > 0) == (m.show_id > 0) || (m.media_item_id > 0 && m.season >= 0))
        {
          exs_http_reply_field_error (msg, 422, field,
                                      "%s must name either a media_item_id, or a show_id with an optional season",
                                      field);
          return FALSE;
        }
      if ((m.media_item_id > 0
           && !exists_or_reply (ctx, msg, exs_media_store_item_exists, m.media_item_id, field, "media item"))
          || (m.show_id > 0 && !exists_or_reply (ctx, msg, exs_media_store_show_exists, m.show_id, field, "show")))
        return FALSE;
      g_array_append_val (r->members, m);
    }
  return TRUE;
}

static gboolean
apply_body (ExsApiContext *ctx, SoupServerMessage *msg, JsonObject *body, ExsCollectionRecord *r, gboolean creating)
{
  g_autofree char *query = NULL;

  if (!_exs_api_check_fields (msg, body, known_fields, "collections")
      || !exs_http_json_get_text (msg, body, "name", MAX_NAME_CHARS, creating || json_object_has_member (body, "name"),
                             &r->name)
      || !exs_http_json_get_text (msg, body, "kind", 16, creating, &r->kind)
      || !exs_http_json_get_text (msg, body, "query", MAX_QUERY_CHARS, FALSE, &query))
    return FALSE;
  if (!g_strv_contains (kinds, r->kind))
    {
      exs_http_reply_field_error (msg, 422, "kind", "kind must be manual or smart, not “%s”", r->kind);
      return FALSE;
    }
  if (g_str_equal (r->kind, "smart"))
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (ExsMediaQuery) q = NULL;
      int position = 0;

      if (json_object_has_member (body, "members"))
        {
          exs_http_reply_field_error (msg, 422, "members", "a smart collection has a query, not members");
          return FALSE;
        }
      if (query)
        {
          g_free (r->query);
          r->query = g_steal_pointer (&query);
        }
      if (r->query == NULL || r->query[0] == '\0')
        {
          exs_http_reply_field_error (msg, 422, "query", "a smart collection needs a query such as genre:comedy");
          return FALSE;
        }
      q = exs_media_query_compile (r->query, &position, &error);
      if (q == NULL)
        {
          _exs_api_reply_query_error (msg, "query", error, position);
          return FALSE;
        }
      g_array_set_size (r->members, 0);
      return TRUE;
    }
  if (query)
    {
      exs_http_reply_field_error (msg, 422, "query", "a manual collection has members, not a query");
      return FALSE;
    }
  g_clear_pointer (&r->query, g_free);
  if (!creating && !json_object_has_member (body, "members"))
    return TRUE; /* keep the members */
  return get_members (ctx, msg, body, r);
}

static void
reply_collection (ExsApiContext *ctx, SoupServerMessage *msg, guint status, const ExsCollectionRecord *r)
{
  g_autoptr (JsonObject) o = collection_to_json (r, ctx);

  exs_http_reply_object (msg, status, o);
}

static void
handle_list (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  ExsApiContext *ctx = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) list = exs_collection_store_list (ctx->database, &error);

  exs_http_reply_records (msg, "collections", list, error, (ExsHttpRecordToJson) collection_to_json, ctx);
}

static void
handle_create (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  ExsApiContext *ctx = data;
  g_autoptr (JsonObject) body = exs_http_read_json_object (msg);
  g_autoptr (ExsCollectionRecord) r = exs_collection_record_new ();
  g_autoptr (GError) error = NULL;

  if (body == NULL || !apply_body (ctx, msg, body, r, TRUE))
    return;
  if (!exs_collection_store_insert (ctx->database, r, &error))
    {
      exs_api_reply_write_error (msg, error, "name", "a collection called “%s” already exists", r->name);
      return;
    }
  exs_http_set_location (msg, "/api/collections/%" G_GINT64_FORMAT, r->id);
  reply_collection (ctx, msg, 201, r);
}

static ExsCollectionRecord *
lookup_or_reply (ExsApiContext *ctx, SoupServerMessage *msg, GHashTable *params)
{
  return _exs_api_lookup_by_id (ctx, msg, params, "collection", (ExsApiGetById) exs_collection_store_get);
}

static void
handle_get (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  g_autoptr (ExsCollectionRecord) r = lookup_or_reply (data, msg, params);

  if (r)
    reply_collection (data, msg, 200, r);
}

static void
handle_update (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  ExsApiContext *ctx = data;
  g_autoptr (ExsCollectionRecord) r = lookup_or_reply (ctx, msg, params);
  g_autoptr (JsonObject) body = NULL;
  g_autoptr (GError) error = NULL;

  if (r == NULL)
    return;
  body = exs_http_read_json_object (msg);
  if (body == NULL || !apply_body (ctx, msg, body, r, FALSE))
    return;
  if (!exs_collection_store_update (ctx->database, r, &error))
    {
      exs_api_reply_write_error (msg, error, "name", "a collection called “%s” already exists", r->name);
      return;
    }
  reply_collection (ctx, msg, 200, r);
}

static void
handle_delete (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  ExsApiContext *ctx = data;
  g_autoptr (ExsCollectionRecord) r = lookup_or_reply (ctx, msg, params);
  g_autoptr (GError) error = NULL;

  if (r == NULL)
    return;
  exs_collection_store_delete (ctx->database, r->id, &error);
  exs_http_reply_no_content (msg, error);
}

/* One page of @ids as items. */
static void
reply_ids_page (ExsApiContext *ctx, SoupServerMessage *msg, GHashTable *query, GArray *ids)
{
  g_autoptr (GArray) page = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) root = NULL;
  JsonArray *items;
  guint offset, limit;

  if (!_exs_api_get_paging (msg, query, &offset, &limit))
    return;
  for (guint i = offset; i < ids->len && i < (guint64) offset + limit; i++)
    g_array_append_val (page, g_array_index (ids, gint64, i));
  items = exs_media_store_items_to_json (ctx->database, page, FALSE, &error);
  if (items == NULL)
    {
      exs_http_reply_gerror (msg, error);
      return;
    }
  root = _exs_api_page (items, ids->len, offset, limit);
  exs_http_reply_object (msg, 200, root);
}

static void
handle_items (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  ExsApiContext *ctx = data;
  g_autoptr (ExsCollectionRecord) r = lookup_or_reply (ctx, msg, params);
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) ids = NULL;

  if (r == NULL)
    return;
  ids = exs_collection_resolve (ctx->database, r->id, &error);
  if (ids == NULL)
    {
      exs_http_reply_gerror (msg, error);
      return;
    }
  reply_ids_page (ctx, msg, query, ids);
}

/* GET /api/collections/preview?q=... or POST {"query": "..."} */
static void
handle_preview (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  static const char *const preview_fields[] = { "query", NULL };
  ExsApiContext *ctx = data;
  g_autofree char *text = NULL;
  g_autoptr (ExsMediaQuery) q = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) ids = NULL;
  const char *field = "q";
  int position = 0;

  if (g_str_equal (soup_server_message_get_method (msg), "POST"))
    {
      g_autoptr (JsonObject) body = exs_http_read_json_object (msg);
      field = "query";
      if (body == NULL || !_exs_api_check_fields (msg, body, preview_fields, "previews")
          || !exs_http_json_get_text (msg, body, "query", MAX_QUERY_CHARS, TRUE, &text))
        return;
    }
  else
    text = g_strdup (query ? g_hash_table_lookup (query, "q") : NULL);
  if (text == NULL)
    {
      exs_http_reply_field_error (msg, 422, field, "%s is required: a query such as genre:comedy", field);
      return;
    }
  q = exs_media_query_compile (text, &position, &error);
  if (q == NULL)
    {
      _exs_api_reply_query_error (msg, field, error, position);
      return;
    }
  ids = exs_collection_resolve_query (ctx->database, text, &error);
  if (ids == NULL)
    {
      exs_http_reply_gerror (msg, error);
      return;
    }
  reply_ids_page (ctx, msg, query, ids);
}

void
exs_api_collections_register (ExsHttpServer *server, ExsApiContext *context)
{
  exs_http_server_add_route (server, "GET,HEAD", "/api/collections", 0, handle_list, context);
  exs_http_server_add_route (server, "POST", "/api/collections", 0, handle_create, context);
  exs_http_server_add_route (server, "GET,HEAD,POST", "/api/collections/preview", 0, handle_preview, context);
  exs_http_server_add_route (server, "GET,HEAD", "/api/collections/{id}", 0, handle_get, context);
  exs_http_server_add_route (server, "PUT,PATCH", "/api/collections/{id}", 0, handle_update, context);
  exs_http_server_add_route (server, "DELETE", "/api/collections/{id}", 0, handle_delete, context);
  exs_http_server_add_route (server, "GET,HEAD", "/api/collections/{id}/items", 0, handle_items, context);
}
