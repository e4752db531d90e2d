/* exs-api-format.c: how the API writes values every route family shares —
 * instants (ISO 8601, UTC), optional ids, and the members of a
 * programme that the guide and the schedules' playouts both list; and how
 * it reads the record ids in its paths. Its own file so the route
 * families need nothing from exs-api-context.c, which only registers them. */
#include "config.h"

#include "exs-api-format.h"

#include "exs-http-json.h"
#include "exs-json-members.h"

#include <string.h>

/**
 * exs_api_format_time:
 *
 * Returns: (transfer full): @unix_seconds as ISO 8601 UTC ("2026-11-21T19:00:00Z")
 */
char *
exs_api_format_time (gint64 unix_seconds)
{
  g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (unix_seconds);

  return g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ");
}

/**
 * exs_api_format_time_us:
 *
 * Returns: (transfer full): "2026-11-21T19:00:00Z", with milliseconds
 *   ("…:00.250Z") when the instant has them
 */
char *
exs_api_format_time_us (gint64 us)
{
  gint64 s = us >= 0 ? us / G_USEC_PER_SEC : -((-us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
  g_autofree char *base = exs_api_format_time (s);
  int ms = (int) ((us - s * G_USEC_PER_SEC) / 1000);

  if (ms == 0)
    return g_steal_pointer (&base);
  base[strlen (base) - 1] = '\0';
  return g_strdup_printf ("%s.%03dZ", base, ms);
}

/**
 * exs_api_parse_id:
 * @text: (nullable): an id as a path or a query gives it
 *
 * Ids are positive decimal numbers ("12"); anything else ("0", "-1", "+1",
 * "12a") is no such thing.
 *
 * Returns: whether @text is an id, then in @id
 */
gboolean
exs_api_parse_id (const char *text, gint64 *id)
{
  guint64 v;

  if (text == NULL || !g_ascii_string_to_unsigned (text, 10, 1, G_MAXINT64, &v, NULL))
    return FALSE;
  *id = (gint64) v;
  return TRUE;
}

/**
 * exs_api_path_id:
 * @params: the route's captures, with {id}
 * @what: the thing's name in the 404 ("schedule", "media item")
 *
 * Reads the path's {id}; answers 404 when it cannot be one.
 *
 * Returns: whether @id was read; otherwise the request has its answer
 */
gboolean
exs_api_path_id (SoupServerMessage *msg, GHashTable *params, const char *what, gint64 *id)
{
  const char *text = g_hash_table_lookup (params, "id");

  if (exs_api_parse_id (text, id))
    return TRUE;
  exs_http_reply_error (msg, 404, NULL, "no %s with id “%s” (ids are positive whole numbers)", what, text);
  return FALSE;
}

/**
 * exs_api_set_id_or_null:
 * @id: a row id; 0 or less (none) is written as null
 */
void
exs_api_set_id_or_null (JsonObject *o, const char *field, gint64 id)
{
  if (id > 0)
    json_object_set_int_member (o, field, id);
  else
    json_object_set_null_member (o, field);
}

/**
 * exs_api_programme_to_json:
 * @fallback_title: the title of an item that has none
 *
 * The members every listing of programmes shares: start, stop, title,
 * description, artwork, kind and categories; each listing adds its own.
 *
 * Returns: (transfer full): a new object
 */
JsonObject *
exs_api_programme_to_json (const ExsPlayoutItem *item, const char *fallback_title)
{
  static const char *const kinds[] = { "programme", "filler", "offline" };
  JsonObject *o = json_object_new ();
  g_autofree char *start = exs_api_format_time_us (item->start_us);
  g_autofree char *stop = exs_api_format_time_us (item->stop_us);
  JsonArray *cats = json_array_new ();

  json_object_set_string_member (o, "start", start);
  json_object_set_string_member (o, "stop", stop);
  json_object_set_string_member (o, "title", item->title ? item->title : fallback_title);
  exs_json_set_string_or_null (o, "description", item->description);
  exs_json_set_string_or_null (o, "artwork", item->artwork_url);
  json_object_set_string_member (o, "kind", kinds[item->kind]);
  for (guint i = 0; item->categories && item->categories[i]; i++)
    json_array_add_string_element (cats, item->categories[i]);
  json_object_set_array_member (o, "categories", cats);
  return o;
}
