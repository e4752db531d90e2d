/* exs-api-media.c: /api/media (list and search items, with paging and sort),
 * /api/media/{id} (one item with its streams and chapters) and /api/shows.
 *
 * ?q= takes the query language of docs/query-language.md; a syntax error is
 * a 422 that says at which character. Reads are indexed queries on the main
 * connection, one page at a time.
 */
#include "config.h"

#include "exs-api-library-private.h"

#include "exs-library-store.h"
#include "exs-media-store.h"

static const struct
{
  const char *name;
  ExsMediaSort sort;
} sorts[] = {
  { "title", EXS_MEDIA_SORT_TITLE },       { "year", EXS_MEDIA_SORT_YEAR },
  { "added", EXS_MEDIA_SORT_ADDED },       { "duration", EXS_MEDIA_SORT_DURATION },
  { "episode", EXS_MEDIA_SORT_EPISODE },
};

static gboolean
get_library_filter (ExsApiContext *ctx, SoupServerMessage *msg, GHashTable *query, gint64 *library_id)
{
  const char *text = query ? g_hash_table_lookup (query, "library") : NULL;
  g_autoptr (GError) error = NULL;

  *library_id = 0;
  if (text == NULL || text[0] == '\0')
    return TRUE;
  if (!exs_api_parse_id (text, library_id))
    {
      exs_http_reply_field_error (msg, 422, "library", "library must be a library id such as 1, not “%s”", text);
      return FALSE;
    }
  if (exs_library_store_exists (ctx->database, *library_id, &error))
    return TRUE;
  if (error)
    exs_http_reply_gerror (msg, error);
  else
    exs_http_reply_error (msg, 404, NULL, "no library with id %" G_GINT64_FORMAT, *library_id);
  return FALSE;
}

static void
handle_list (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  ExsApiContext *ctx = data;
  const char *q = query ? g_hash_table_lookup (query, "q") : NULL;
  const char *sort_text = query ? g_hash_table_lookup (query, "sort") : NULL;
  const char *missing = query ? g_hash_table_lookup (query, "include_missing") : NULL;
  g_autoptr (ExsMediaQuery) compiled = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GArray) ids = NULL;
  g_autoptr (JsonObject) root = NULL;
  ExsMediaSort sort = EXS_MEDIA_SORT_TITLE;
  gboolean descending = FALSE;
  gboolean include_missing = missing && (g_str_equal (missing, "true") || g_str_equal (missing, "1"));
  JsonArray *items;
  gint64 library_id, total = 0;
  guint offset, limit;
  int position = 0;

  if (!_exs_api_get_paging (msg, query, &offset, &limit) || !get_library_filter (ctx, msg, query, &library_id))
    return;
  if (sort_text)
    {
      const char *name = sort_text[0] == '-' ? sort_text + 1 : sort_text;
      gboolean found = FALSE;

      descending = sort_text[0] == '-';
      for (guint i = 0; i < G_N_ELEMENTS (sorts); i++)
        if (g_str_equal (name, sorts[i].name))
          {
            sort = sorts[i].sort;
            found = TRUE;
          }
      if (!found)
        {
          exs_http_reply_field_error (msg, 422, "sort",
                                      "sort must be title, year, added, duration or episode (a leading - reverses "
                                      "it), not “%s”", sort_text);
          return;
        }
    }
  if (q && q[0])
    {
      compiled = exs_media_query_compile (q, &position, &error);
      if (compiled == NULL)
        {
          _exs_api_reply_query_error (msg, "q", error, position);
          return;
        }
    }
  ids = exs_media_store_search (ctx->database, compiled, library_id, include_missing, sort, descending, offset, limit,
                                &total, &error);
  if (ids == NULL)
    {
      exs_http_reply_gerror (msg, error);
      return;
    }
  items = exs_media_store_items_to_json (ctx->database, ids, FALSE, &error);
  if (items == NULL)
    {
      exs_http_reply_gerror (msg, error);
      return;
    }
  root = _exs_api_page (items, total, offset, limit);
  exs_http_reply_object (msg, 200, root);
}

static void
handle_get (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  ExsApiContext *ctx = data;
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonArray) items = NULL;
  gint64 id;

  if (!exs_api_path_id (msg, params, "media item", &id))
    return;
  g_array_append_val (ids, id);
  items = exs_media_store_items_to_json (ctx->database, ids, TRUE, &error);
  if (items == NULL)
    {
      exs_http_reply_gerror (msg, error);
      return;
    }
  if (json_array_get_length (items) == 0)
    {
      exs_http_reply_error (msg, 404, NULL, "no media item with id %" G_GINT64_FORMAT, id);
      return;
    }
  exs_http_reply_object (msg, 200, json_array_get_object_element (items, 0));
}

static void
handle_shows (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  ExsApiContext *ctx = data;
  g_autoptr (GError) error = NULL;
  JsonArray *arr;
  gint64 library_id;

  if (!get_library_filter (ctx, msg, query, &library_id))
    return;
  arr = exs_media_store_shows_to_json (ctx->database, library_id, &error);
  if (arr == NULL)
    {
      exs_http_reply_gerror (msg, error);
      return;
    }
  exs_http_reply_list (msg, "shows", arr);
}

void
exs_api_media_register (ExsHttpServer *server, ExsApiContext *context)
{
  exs_http_server_add_route (server, "GET,HEAD", "/api/media", 0, handle_list, context);
  exs_http_server_add_route (server, "GET,HEAD", "/api/media/{id}", 0, handle_get, context);
  exs_http_server_add_route (server, "GET,HEAD", "/api/shows", 0, handle_shows, context);
}
