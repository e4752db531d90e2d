/* exs-api-library-util.c: the checks the library route families share, so
 * that a bad id, field, page or query is answered the same way everywhere. */
#include "config.h"

#include "exs-api-library-private.h"

#define MAX_LIMIT 500
#define DEFAULT_LIMIT 50

/**
 * _exs_api_lookup_by_id:
 * @what: the thing's name in the 404 ("library", "collection")
 * @get: the store's getter, which sets a not-found error for an unknown id
 *
 * The record whose id the path's {id} names; answers 404 for an id that
 * is not a positive whole number and the store's error otherwise.
 *
 * Returns: (transfer full) (nullable): the record, %NULL once answered
 */
gpointer
_exs_api_lookup_by_id (ExsApiContext *ctx, SoupServerMessage *msg, GHashTable *params, const char *what,
                       ExsApiGetById get)
{
  g_autoptr (GError) error = NULL;
  gpointer record;
  gint64 id;

  if (!exs_api_path_id (msg, params, what, &id))
    return NULL;
  record = get (ctx->database, id, &error);
  if (record == NULL)
    exs_http_reply_gerror (msg, error);
  return record;
}

gboolean
_exs_api_check_fields (SoupServerMessage *msg, JsonObject *body, const char *const *known, const char *what)
{
  g_autoptr (GList) members = json_object_get_members (body);

  for (GList *l = members; l; l = l->next)
    if (!g_strv_contains (known, l->data))
      {
        g_autofree char *list = g_strjoinv (", ", (char **) known);
        exs_http_reply_field_error (msg, 422, l->data, "unknown field “%s”; %s have %s", (char *) l->data, what,
                                    list);
        return FALSE;
      }
  return TRUE;
}

static gboolean
get_uint (SoupServerMessage *msg, GHashTable *query, const char *name, guint max, guint *out)
{
  const char *text = query ? g_hash_table_lookup (query, name) : NULL;
  guint64 v;

  if (text == NULL)
    return TRUE;
  if (!g_ascii_string_to_unsigned (text, 10, 0, max, &v, NULL))
    {
      exs_http_reply_field_error (msg, 422, name, "%s must be a whole number from 0 to %u", name, max);
      return FALSE;
    }
  *out = (guint) v;
  return TRUE;
}

/* ?offset= (default 0) and ?limit= (default 50, at most 500) */
gboolean
_exs_api_get_paging (SoupServerMessage *msg, GHashTable *query, guint *offset, guint *limit)
{
  *offset = 0;
  *limit = DEFAULT_LIMIT;
  if (!get_uint (msg, query, "offset", G_MAXINT32, offset) || !get_uint (msg, query, "limit", MAX_LIMIT, limit))
    return FALSE;
  return TRUE;
}

/* 422 naming the field and the 1-based character where the query went wrong. */
void
_exs_api_reply_query_error (SoupServerMessage *msg, const char *field, const GError *error, int position)
{
  g_autoptr (JsonObject) outer = json_object_new ();
  JsonObject *inner = json_object_new ();
  g_autofree char *message = g_strdup_printf ("%s: %s (see docs/query-language.md)", field, error->message);

  json_object_set_string_member (inner, "code", "invalid_query");
  json_object_set_string_member (inner, "message", message);
  json_object_set_string_member (inner, "field", field);
  json_object_set_int_member (inner, "position", position);
  json_object_set_object_member (outer, "error", inner);
  exs_http_reply_object (msg, 422, outer);
}

/* Returns: (transfer full): {"items": @items, "total", "offset", "limit"} */
JsonObject *
_exs_api_page (JsonArray *items, gint64 total, guint offset, guint limit)
{
  JsonObject *o = json_object_new ();

  json_object_set_array_member (o, "items", items);
  json_object_set_int_member (o, "total", total);
  json_object_set_int_member (o, "offset", offset);
  json_object_set_int_member (o, "limit", limit);
  return o;
}
