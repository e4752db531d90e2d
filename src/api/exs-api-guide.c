/* exs-api-guide.c: GET /api/guide, every channel's programmes over a window
 * for the web UI's EPG grid.
 *
 * The programmes are the playout's, through the same ExsPlayoutSource and
 * exs_playout_items_for_guide() as /api/channels/{n}/schedule and the XMLTV
 * guide, so the grid never shows something the channel does not play; an
 * upstream live channel's are its upstream's XMLTV programmes, through the
 * ExsUpstreamGuide the XMLTV guide is built from (issue 19).
 *   ?from=<ISO 8601> (default: now, down to the half hour)
 *   &hours=1..48 (default 24)
 *   &channel=100,101 (default: all)   &include_disabled=1
 *   &offset=N&limit=M: only the listed channels N to N+M-1 (the rows the grid
 *   shows), with "total" the number of channels listed without them
 */
#include "config.h"

#include "exs-api-context.h"
#include "exs-api-format.h"
#include "exs-channel-number.h"
#include "exs-channel-store.h"
#include "exs-http-json.h"
#include "exs-json-members.h"
#include "exs-playout-guide.h"
#include "exs-upstream-guide.h"

#include <string.h>

#define US G_USEC_PER_SEC
#define MAX_HOURS 48
#define MAX_CHANNEL_FILTER 500
/* a week of half-hour programmes on 500 channels is far below; 20-second
 * clips on 500 channels over 48 h are 4 million: ask for less */
#define MAX_PROGRAMMES 60000

/* the guide's programme: XMLTV's names (subtitle, media_id), no season or episode when there is none */
static JsonObject *
programme_to_json (const ExsPlayoutItem *it, const char *fallback_title)
{
  JsonObject *o = exs_api_programme_to_json (it, fallback_title);

  exs_json_set_string_or_null (o, "subtitle", it->sub_title);
  exs_api_set_id_or_null (o, "media_id", it->media_item_id);
  if (it->season_number >= 0)
    json_object_set_int_member (o, "season", it->season_number);
  if (it->episode_number >= 0)
    json_object_set_int_member (o, "episode", it->episode_number);
  return o;
}

static gboolean
parse_window (SoupServerMessage *msg, GHashTable *query, gint64 *from, gint64 *to)
{
  const char *from_text = query ? g_hash_table_lookup (query, "from") : NULL;
  const char *hours_text = query ? g_hash_table_lookup (query, "hours") : NULL;
  guint64 hours = 24;

  if (from_text)
    {
      g_autoptr (GTimeZone) utc = g_time_zone_new_utc ();
      g_autoptr (GDateTime) dt = g_date_time_new_from_iso8601 (from_text, utc);

      if (dt == NULL)
        {
          exs_http_reply_field_error (msg, 422, "from",
                                      "from must be an ISO 8601 date and time such as 2026-11-21T19:00:00Z, "
                                      "not “%s”", from_text);
          return FALSE;
        }
      *from = g_date_time_to_unix (dt) * US;
    }
  else
    *from = (g_get_real_time () / US / 1800) * 1800 * US;
  if (hours_text && (!g_ascii_string_to_unsigned (hours_text, 10, 1, MAX_HOURS, &hours, NULL)))
    {
      exs_http_reply_field_error (msg, 422, "hours", "hours must be a whole number from 1 to %d, not “%s”", MAX_HOURS,
                                  hours_text);
      return FALSE;
    }
  *to = *from + (gint64) hours * 3600 * US;
  return TRUE;
}

/* ?offset=&limit= : the range of listed channels; limit 0 is "all" */
static gboolean
parse_range (SoupServerMessage *msg, GHashTable *query, guint64 *offset, guint64 *limit)
{
  const char *offset_text = query ? g_hash_table_lookup (query, "offset") : NULL;
  const char *limit_text = query ? g_hash_table_lookup (query, "limit") : NULL;

  *offset = 0;
  *limit = 0;
  if (offset_text && !g_ascii_string_to_unsigned (offset_text, 10, 0, G_MAXINT32, offset, NULL))
    {
      exs_http_reply_field_error (msg, 422, "offset", "offset must be a whole number from 0, not “%s”", offset_text);
      return FALSE;
    }
  if (limit_text && !g_ascii_string_to_unsigned (limit_text, 10, 1, MAX_CHANNEL_FILTER, limit, NULL))
    {
      exs_http_reply_field_error (msg, 422, "limit", "limit must be a whole number from 1 to %d, not “%s”",
                                  MAX_CHANNEL_FILTER, limit_text);
      return FALSE;
    }
  return TRUE;
}

/* ?channel=100,101 as canonical numbers; NULL for "all" */
static gboolean
parse_channel_filter (SoupServerMessage *msg, GHashTable *query, GHashTable **out)
{
  const char *text = query ? g_hash_table_lookup (query, "channel") : NULL;
  g_auto (GStrv) parts = NULL;

  *out = NULL;
  if (text == NULL)
    return TRUE;
  parts = g_strsplit (text, ",", MAX_CHANNEL_FILTER + 1);
  if (g_strv_length (parts) > MAX_CHANNEL_FILTER)
    {
      exs_http_reply_field_error (msg, 422, "channel", "at most %d channels at once", MAX_CHANNEL_FILTER);
      return FALSE;
    }
  *out = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; parts[i]; i++)
    {
      char *canonical = NULL;

      if (!exs_channel_number_parse (parts[i], &canonical, NULL, NULL, NULL))
        {
          exs_http_reply_field_error (msg, 422, "channel", "“%s” is not a channel number (" EXS_CHANNEL_NUMBER_RULE ")",
                                      parts[i]);
          g_clear_pointer (out, g_hash_table_unref);
          return FALSE;
        }
      g_hash_table_add (*out, canonical);
    }
  return TRUE;
}

static JsonArray *
channel_programmes (ExsApiContext *ctx, const ExsChannelRecord *c, gint64 from, gint64 to, guint *budget)
{
  g_autoptr (GPtrArray) items = NULL;
  g_autoptr (GPtrArray) guide = NULL;
  g_autoptr (GError) error = NULL;
  JsonArray *arr = json_array_new ();

  if (ctx->playout_source == NULL)
    return arr;
  /* upstream channels' programmes from their XMLTV, the others' from our playout */
  items = exs_playout_source_list (ctx->upstream_guide ? EXS_PLAYOUT_SOURCE (ctx->upstream_guide)
                                                       : ctx->playout_source,
                                   c->number, from, to, &error);
  if (items == NULL)
    {
      g_debug ("guide for channel %s: %s", c->number, error ? error->message : "no playout");
      return arr;
    }
  guide = exs_playout_items_for_guide (items, FALSE);
  if (guide->len > *budget)
    {
      json_array_unref (arr);
      return NULL;
    }
  *budget -= guide->len;
  for (guint i = 0; i < guide->len; i++)
    json_array_add_object_element (arr, programme_to_json (guide->pdata[i], c->name));
  return arr;
}

static void
handle_guide (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  ExsApiContext *ctx = data;
  const char *disabled_text = query ? g_hash_table_lookup (query, "include_disabled") : NULL;
  gboolean include_disabled = g_strcmp0 (disabled_text, "1") == 0 || g_strcmp0 (disabled_text, "true") == 0;
  g_autoptr (GHashTable) only = NULL;
  g_autoptr (GPtrArray) channels = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) root = json_object_new ();
  g_autofree char *from_text = NULL;
  g_autofree char *to_text = NULL;
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  JsonArray *arr;
  gint64 from, to;
  guint64 offset, limit, listed = 0;
  guint budget = MAX_PROGRAMMES;
  gsize len = 0;
  char *text;

  if (!parse_window (msg, query, &from, &to) || !parse_range (msg, query, &offset, &limit)
      || !parse_channel_filter (msg, query, &only))
    return;
  channels = exs_channel_store_list (ctx->database, &error);
  if (channels == NULL)
    {
      exs_http_reply_gerror (msg, error);
      return;
    }
  if (ctx->upstream_guide)
    exs_upstream_guide_set_channels (ctx->upstream_guide, channels); /* which lists which tvg-id */
  from_text = exs_api_format_time_us (from);
  to_text = exs_api_format_time_us (to);
  json_object_set_string_member (root, "from", from_text);
  json_object_set_string_member (root, "to", to_text);
  arr = json_array_sized_new (channels->len);
  for (guint i = 0; i < channels->len; i++)
    {
      const ExsChannelRecord *c = channels->pdata[i];
      JsonObject *o;
      JsonArray *programmes;

      if ((!c->enabled && !include_disabled) || (only && !g_hash_table_contains (only, c->number)))
        continue;
      if (listed++ < offset || (limit && listed > offset + limit))
        continue;
      programmes = channel_programmes (ctx, c, from, to, &budget);
      if (programmes == NULL)
        {
          json_array_unref (arr);
          exs_http_reply_field_error (msg, 422, "hours",
                                      "this window holds more than %d programmes; ask for fewer hours or "
                                      "fewer channels (channel=100,101)",
                                      MAX_PROGRAMMES);
          return;
        }
      o = json_object_new ();
      json_object_set_string_member (o, "number", c->number);
      json_object_set_string_member (o, "name", c->name);
      json_object_set_string_member (o, "group", c->group_title ? c->group_title : "");
      exs_json_set_string_or_null (o, "logo", c->logo && c->logo[0] ? c->logo : NULL);
      json_object_set_boolean_member (o, "enabled", c->enabled);
      json_object_set_array_member (o, "programmes", programmes);
      json_array_add_object_element (arr, o);
    }
  json_object_set_array_member (root, "channels", arr);
  json_object_set_int_member (root, "total", (gint64) listed);
  /* compact: the largest answer the API gives */
  json_node_set_object (node, root);
  json_generator_set_root (gen, node);
  text = json_generator_to_data (gen, &len);
  soup_server_message_set_status (msg, 200, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Cache-Control", "no-store");
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, text, len);
}

void
exs_api_guide_register (ExsHttpServer *server, ExsApiContext *context)
{
  exs_http_server_add_route (server, "GET,HEAD", "/api/guide", EXS_HTTP_ROUTE_DEFAULT, handle_guide, context);
}
