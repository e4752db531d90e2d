/* exs-api-upstream.c: POST /api/channels/import-m3u — upstream live channels
 * from an M3U playlist.
 *
 * Body: {"m3u": "<the playlist's text>", "guide": "<XMLTV: an http(s) URL or
 * an absolute file path on this server>" (optional; else the playlist's
 * url-tvg), "first_number": "100" (optional)}. Each #EXTINF + URL becomes a
 * channel with that upstream_url, named and numbered as the playlist says
 * (tvg-chno; without one, the next free number from first_number, or after
 * the highest number in use and in the playlist), with its tvg-id, logo and group. Lines that
 * cannot be used, and channels whose number is taken, are reported in
 * "skipped" with their line number; the rest are created, in one
 * transaction. The guide source is stored and fetched at once
 * (ExsUpstreamGuide). The body limit of the server bounds the playlist; the
 * parser (src/iptv/exs-upstream-m3u.c) bounds lines and counts.
 */
#include "config.h"

#include "exs-api-context.h"

#include "exs-channel-number.h"
#include "exs-channel-store.h"
#include "exs-http-json.h"
#include "exs-json-members.h"
#include "exs-upstream-guide.h"
#include "exs-upstream-m3u.h"
#include "exs-upstream-store.h"
#include "exs-upstream-url.h"

#include <string.h>

#define MAX_NAME_CHARS 200
#define MAX_GROUP_CHARS 100
#define MAX_TEXT_BYTES 2048

static const char *const known_fields[] = { "m3u", "guide", "first_number", NULL };

/* @text cut to @max_chars characters, without control characters. */
static char *
clip (const char *text, glong max_chars)
{
  g_autofree char *copy = g_utf8_substring (text, 0, MIN (g_utf8_strlen (text, -1), max_chars));

  for (char *p = copy; *p; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = ' ';
  return g_strstrip (g_steal_pointer (&copy));
}

/* A string member (NULL if absent and not @required); else answers 422. */
static gboolean
get_string (SoupServerMessage *msg, JsonObject *body, const char *field, gboolean required, const char **out)
{
  JsonNode *node = json_object_get_member (body, field);

  *out = NULL;
  if (node == NULL && !required)
    return TRUE;
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      exs_http_reply_field_error (msg, 422, field, "%s must be a string%s", field, required ? " (required)" : "");
      return FALSE;
    }
  *out = json_node_get_string (node);
  return TRUE;
}

/* The guide source: an http(s) URL, or an absolute path of a readable file. */
static gboolean
check_guide (const char *guide, GError **error)
{
  if (g_str_has_prefix (guide, "/"))
    {
      if (strlen (guide) > MAX_TEXT_BYTES || !g_file_test (guide, G_FILE_TEST_IS_REGULAR))
        {
          g_set_error (error, EXS_HTTP_ERROR, EXS_HTTP_ERROR_INVALID_FIELD,
                       "guide “%.200s” is not a file on the server", guide);
          return FALSE;
        }
      return TRUE;
    }
  if (!exs_upstream_url_check (guide, MAX_TEXT_BYTES, error))
    {
      g_prefix_error (error, "guide: ");
      return FALSE;
    }
  return TRUE;
}

/* The highest major number in use, plus one. */
static guint
next_free_major (GPtrArray *channels)
{
  guint next = 1;

  for (guint i = 0; i < channels->len; i++)
    {
      guint major = 0;
      const ExsChannelRecord *r = channels->pdata[i];

      if (exs_channel_number_parse (r->number, NULL, &major, NULL, NULL))
        next = MAX (next, major + 1);
    }
  return next;
}

static JsonObject *
skipped_json (guint line, const char *reason)
{
  JsonObject *o = json_object_new ();

  json_object_set_int_member (o, "line", line);
  json_object_set_string_member (o, "reason", reason);
  return o;
}

static ExsChannelRecord *
record_for (const ExsUpstreamM3uEntry *e, const char *number)
{
  ExsChannelRecord *r = exs_channel_record_new ();

  r->number = g_strdup (number);
  g_free (r->name);
  r->name = e->name[0] ? clip (e->name, MAX_NAME_CHARS) : g_strdup_printf ("Channel %s", number);
  g_free (r->group_title);
  r->group_title = clip (e->group, MAX_GROUP_CHARS);
  if (exs_upstream_url_check (e->logo, MAX_TEXT_BYTES, NULL))
    {
      g_free (r->logo);
      r->logo = g_strdup (e->logo);
    }
  r->upstream_url = g_strdup (e->url);
  r->upstream_tvg_id = e->tvg_id[0] ? clip (e->tvg_id, MAX_NAME_CHARS) : NULL;
  return r;
}

static void
handle_import (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  ExsApiContext *ctx = data;
  g_autoptr (JsonObject) body = exs_http_read_json_object (msg);
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) entries = NULL;
  g_autoptr (GPtrArray) problems = NULL;
  g_autoptr (GPtrArray) existing = NULL;
  g_autoptr (GHashTable) taken = NULL;
  g_autofree char *playlist_guide = NULL;
  const char *m3u, *guide = NULL, *first = NULL;
  JsonArray *created, *skipped;
  g_autoptr (JsonObject) reply = NULL;
  guint next;

  if (body == NULL)
    return;
  {
    g_autoptr (GList) members = json_object_get_members (body);
    for (GList *l = members; l; l = l->next)
      if (!g_strv_contains (known_fields, l->data))
        {
          exs_http_reply_field_error (msg, 422, l->data, "unknown field “%s”; an import has m3u, guide, first_number",
                                      (char *) l->data);
          return;
        }
  }
  if (!get_string (msg, body, "m3u", TRUE, &m3u) || !get_string (msg, body, "guide", FALSE, &guide)
      || !get_string (msg, body, "first_number", FALSE, &first))
    return;
  entries = exs_upstream_m3u_parse (m3u, strlen (m3u), &problems, &playlist_guide, &error);
  if (entries == NULL)
    {
      exs_http_reply_field_error (msg, 422, "m3u", "%s", error->message);
      return;
    }
  if (guide != NULL && *guide == '\0')
    guide = NULL;
  if (guide != NULL && !check_guide (guide, &error))
    {
      exs_http_reply_field_error (msg, 422, "guide", "%s", error->message);
      return;
    }
  if (guide == NULL)
    guide = playlist_guide;
  existing = exs_channel_store_list (ctx->database, &error);
  if (existing == NULL)
    {
      exs_http_reply_gerror (msg, error);
      return;
    }
  next = next_free_major (existing);
  /* and after the playlist's own numbers, so they keep theirs */
  for (guint i = 0; i < entries->len; i++)
    {
      guint major = 0;
      if (exs_channel_number_parse (((ExsUpstreamM3uEntry *) entries->pdata[i])->number, NULL, &major, NULL, NULL))
        next = MAX (next, major + 1);
    }
  if (first != NULL)
    {
      guint major = 0;
      gboolean has_minor = TRUE;

      if (!exs_channel_number_parse (first, NULL, &major, NULL, &has_minor) || has_minor)
        {
          exs_http_reply_field_error (msg, 422, "first_number",
                                      "first_number must be a whole channel number such as \"100\"");
          return;
        }
      next = major;
    }
  taken = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < existing->len; i++)
    g_hash_table_add (taken, g_strdup (((ExsChannelRecord *) existing->pdata[i])->number));

  reply = json_object_new ();
  created = json_array_new ();
  skipped = json_array_new ();
  json_object_set_array_member (reply, "created", created);
  json_object_set_array_member (reply, "skipped", skipped);
  for (guint i = 0; i < problems->len; i++)
    {
      ExsUpstreamM3uProblem *p = problems->pdata[i];
      json_array_add_object_element (skipped, skipped_json (p->line, p->reason));
    }
  if (!exs_database_begin (ctx->database, &error))
    {
      exs_http_reply_gerror (msg, error);
      return;
    }
  for (guint i = 0; i < entries->len; i++)
    {
      ExsUpstreamM3uEntry *e = entries->pdata[i];
      g_autofree char *number = NULL;
      g_autoptr (ExsChannelRecord) r = NULL;
      JsonObject *o;

      if (e->number[0] && exs_channel_number_parse (e->number, &number, NULL, NULL, NULL)
          && g_hash_table_contains (taken, number))
        {
          g_autofree char *why = g_strdup_printf ("channel %s already exists", number);
          json_array_add_object_element (skipped, skipped_json (e->line, why));
          continue;
        }
      if (number == NULL)
        {
          while (number == NULL || g_hash_table_contains (taken, number))
            {
              g_free (number);
              number = g_strdup_printf ("%u", next++);
            }
        }
      r = record_for (e, number);
      if (!exs_channel_store_insert (ctx->database, r, &error))
        {
          exs_database_rollback (ctx->database);
          exs_http_reply_gerror (msg, error);
          return;
        }
      g_hash_table_add (taken, g_strdup (r->number));
      o = json_object_new ();
      json_object_set_string_member (o, "number", r->number);
      json_object_set_string_member (o, "name", r->name);
      json_object_set_string_member (o, "upstream_url", r->upstream_url);
      if (r->upstream_tvg_id)
        json_object_set_string_member (o, "upstream_tvg_id", r->upstream_tvg_id);
      json_array_add_object_element (created, o);
    }
  if ((guide != NULL && !exs_upstream_store_add_guide (ctx->database, guide, &error))
      || !exs_database_commit (ctx->database, &error))
    {
      exs_database_rollback (ctx->database);
      exs_http_reply_gerror (msg, error);
      return;
    }
  exs_json_set_string_or_null (reply, "guide", guide);
  if (ctx->upstream_guide != NULL)
    exs_upstream_guide_refresh (ctx->upstream_guide);
  exs_http_reply_object (msg, json_array_get_length (created) > 0 ? 201 : 200, reply);
}

void
exs_api_upstream_register (ExsHttpServer *server, ExsApiContext *context)
{
  exs_http_server_add_route (server, "POST", "/api/channels/import-m3u", 0, handle_import, context);
}
