/* exs-api-libraries.c: /api/libraries — add, list, read, change folders,
 * remove, scan, and the issues the last scan recorded.
 *
 * A library's JSON carries its folders (each with the error the last scan
 * met, if any), item counts and a "scan" object: live counters while a scan
 * runs ("state": "scanning"), the last scan's counters otherwise ("idle").
 * Writes are one small transaction on the main loop; scanning itself runs in
 * ExsLibraryScanner's threads.
 */
#include "config.h"

#include "exs-api-library-private.h"
#include "exs-api-errors.h"

#include "exs-json-members.h"
#include "exs-library-scan-url.h"
#include "exs-library-scanner.h"
#include "exs-library-store.h"

#include <string.h>

#define MAX_NAME_CHARS 200
#define MAX_PATHS 64
#define MAX_PATH_BYTES 4096
#define MAX_ISSUES 1000

static const char *const known_fields[] = { "name", "kind", "paths", "scan", "source", NULL };
/* the sources this file can add; the others come from their own routes */
static const char *const addable_sources[] = { "local", "url", NULL };

static void
set_time (JsonObject *o, const char *member, gint64 t)
{
  if (t > 0)
    {
      g_autofree char *s = exs_api_format_time (t);
      json_object_set_string_member (o, member, s);
    }
  else
    json_object_set_null_member (o, member);
}

static JsonObject *
scan_to_json (ExsApiContext *ctx, const ExsLibraryRecord *r)
{
  JsonObject *o = json_object_new ();
  ExsLibraryScanProgress p;
  gboolean busy = ctx->library_scanner != NULL
                  && exs_library_scanner_get_progress (ctx->library_scanner, r->id, &p);

  if (busy && p.scanning)
    {
      json_object_set_string_member (o, "state", "scanning");
      json_object_set_boolean_member (o, "queued", p.queued);
      set_time (o, "started_at", p.started_at);
    }
  else
    {
      if (!busy)
        memset (&p, 0, sizeof p);
      json_object_set_string_member (o, "state", busy ? "scanning" : "idle");
      json_object_set_boolean_member (o, "queued", busy);
      /* not started yet: the counters are the last scan's */
      p.found = r->last_found;
      p.probed = r->last_probed;
      p.unchanged = r->last_unchanged;
      p.failed = r->last_failed;
      p.missing = r->last_missing;
      p.restored = r->last_restored;
      p.issues = r->last_issues;
      set_time (o, "started_at", r->last_scan_started_at);
    }
  set_time (o, "finished_at", r->last_scan_finished_at);
  exs_json_set_string_or_null (o, "error", r->last_scan_error);
  json_object_set_int_member (o, "found", p.found);
  json_object_set_int_member (o, "probed", p.probed);
  json_object_set_int_member (o, "unchanged", p.unchanged);
  json_object_set_int_member (o, "failed", p.failed);
  json_object_set_int_member (o, "missing", p.missing);
  json_object_set_int_member (o, "restored", p.restored);
  json_object_set_int_member (o, "issues", p.issues);
  return o;
}

static JsonObject *
library_to_json (const ExsLibraryRecord *r, ExsApiContext *ctx)
{
  JsonObject *o = json_object_new ();
  JsonArray *paths = json_array_new ();

  json_object_set_int_member (o, "id", r->id);
  json_object_set_string_member (o, "name", r->name);
  json_object_set_string_member (o, "kind", r->kind);
  json_object_set_string_member (o, "source", r->source);
  for (guint i = 0; i < r->paths->len; i++)
    {
      ExsLibraryPath *p = r->paths->pdata[i];
      JsonObject *po = json_object_new ();
      json_object_set_string_member (po, "path", p->path);
      exs_json_set_string_or_null (po, "error", p->error);
      json_array_add_object_element (paths, po);
    }
  json_object_set_array_member (o, "paths", paths);
  json_object_set_int_member (o, "items", r->item_count);
  json_object_set_int_member (o, "missing", r->missing_count);
  json_object_set_object_member (o, "scan", scan_to_json (ctx, r));
  set_time (o, "created_at", r->created_at);
  set_time (o, "updated_at", r->updated_at);
  _exs_api_media_servers_describe (ctx, r, o);
  return o;
}

static ExsLibraryRecord *lookup_or_reply (ExsApiContext *ctx, SoupServerMessage *msg, GHashTable *params);

ExsLibraryRecord *
_exs_api_library_lookup (ExsApiContext *ctx, SoupServerMessage *msg, GHashTable *params)
{
  return lookup_or_reply (ctx, msg, params);
}

static void
reply_library (ExsApiContext *ctx, SoupServerMessage *msg, guint status, gint64 id)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ExsLibraryRecord) r = exs_library_store_get (ctx->database, id, &error);
  g_autoptr (JsonObject) o = NULL;

  if (r == NULL)
    {
      exs_http_reply_gerror (msg, error);
      return;
    }
  o = library_to_json (r, ctx);
  exs_http_reply_object (msg, status, o);
}

void
_exs_api_library_reply (ExsApiContext *ctx, SoupServerMessage *msg, guint status, gint64 id)
{
  reply_library (ctx, msg, status, id);
}

/* "paths": a non-empty array of absolute folder paths, normalised, without repeats. */
static gboolean
get_paths (SoupServerMessage *msg, JsonObject *body, gboolean required, ExsLibraryRecord *r, gboolean *given)
{
  JsonNode *node = json_object_get_member (body, "paths");
  JsonArray *arr;
  g_autoptr (GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);

  *given = node != NULL;
  if (node == NULL)
    {
      if (required)
        exs_http_reply_field_error (msg, 422, "paths", "paths is required: a list of folders such as [\"/srv/films\"]");
      return !required;
    }
  if (!JSON_NODE_HOLDS_ARRAY (node))
    {
      exs_http_reply_field_error (msg, 422, "paths", "paths must be a list of folders such as [\"/srv/films\"]");
      return FALSE;
    }
  arr = json_node_get_array (node);
  if (json_array_get_length (arr) == 0 || json_array_get_length (arr) > MAX_PATHS)
    {
      exs_http_reply_field_error (msg, 422, "paths", "a library needs from 1 to %d folders", MAX_PATHS);
      return FALSE;
    }
  g_ptr_array_set_size (r->paths, 0);
  for (guint i = 0; i < json_array_get_length (arr); i++)
    {
      JsonNode *e = json_array_get_element (arr, i);
      const char *path;
      g_autofree char *canon = NULL;
      g_autofree char *field = g_strdup_printf ("paths[%u]", i);

      if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_STRING)
        {
          exs_http_reply_field_error (msg, 422, field, "%s must be a string", field);
          return FALSE;
        }
      path = json_node_get_string (e);
      if (g_str_equal (r->source, "url"))
        {
          g_autofree char *why = NULL;

          if (strlen (path) > MAX_PATH_BYTES || !exs_library_url_entry_check (path, &why))
            {
              exs_http_reply_field_error (msg, 422, field, "%s: %s", field,
                                          why ? why : "longer than 4096 bytes");
              return FALSE;
            }
          for (guint k = 0; k < seen->len; k++)
            if (g_str_equal (seen->pdata[k], path))
              {
                exs_http_reply_field_error (msg, 422, field, "%s repeats %s", field, path);
                return FALSE;
              }
          g_ptr_array_add (seen, g_strdup (path));
          exs_library_record_add_path (r, path);
          continue;
        }
      if (!g_path_is_absolute (path) || strlen (path) > MAX_PATH_BYTES)
        {
          exs_http_reply_field_error (msg, 422, field,
                                      "%s must be an absolute folder path on the server (such as /srv/films), "
                                      "not “%s”", field, path);
          return FALSE;
        }
      for (const char *c = path; *c; c++)
        if ((guchar) *c < 0x20)
          {
            exs_http_reply_field_error (msg, 422, field, "%s must not contain control characters", field);
            return FALSE;
          }
      canon = g_canonicalize_filename (path, NULL);
      for (guint k = 0; k < seen->len; k++)
        if (g_str_equal (seen->pdata[k], canon))
          {
            exs_http_reply_field_error (msg, 422, field, "%s repeats the folder %s", field, canon);
            return FALSE;
          }
      g_ptr_array_add (seen, g_strdup (canon));
      exs_library_record_add_path (r, canon);
    }
  return TRUE;
}

static void
handle_list (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  ExsApiContext *ctx = data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) libraries = exs_library_store_list (ctx->database, &error);

  exs_http_reply_records (msg, "libraries", libraries, error, (ExsHttpRecordToJson) library_to_json, ctx);
}

static void
handle_create (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  ExsApiContext *ctx = data;
  g_autoptr (JsonObject) body = exs_http_read_json_object (msg);
  g_autoptr (ExsLibraryRecord) r = NULL;
  g_autoptr (GError) error = NULL;
  gboolean scan = TRUE, given;

  if (body == NULL || !_exs_api_check_fields (msg, body, known_fields, "libraries"))
    return;
  r = exs_library_record_new ();
  if (!exs_http_json_get_text (msg, body, "source", 32, FALSE, &r->source))
    return;
  if (r->source == NULL)
    r->source = g_strdup ("local");
  if (!g_strv_contains (addable_sources, r->source))
    {
      exs_http_reply_field_error (msg, 422, "source", "source must be local or url, not “%s”", r->source);
      return;
    }
  if (!exs_http_json_get_text (msg, body, "name", MAX_NAME_CHARS, TRUE, &r->name)
      || !exs_http_json_get_text (msg, body, "kind", 32, TRUE, &r->kind) || !get_paths (msg, body, TRUE, r, &given)
      || !exs_http_json_get_bool (msg, body, "scan", &scan))
    return;
  if (!g_strv_contains (exs_library_kinds, r->kind))
    {
      g_autofree char *list = g_strjoinv (", ", (char **) exs_library_kinds);
      exs_http_reply_field_error (msg, 422, "kind", "kind must be one of %s, not “%s”", list, r->kind);
      return;
    }
  if (!exs_library_store_insert (ctx->database, r, &error))
    {
      exs_api_reply_write_error (msg, error, "name", "a library called “%s” already exists", r->name);
      return;
    }
  if (scan && ctx->library_scanner)
    exs_library_scanner_scan (ctx->library_scanner, r->id, FALSE);
  exs_http_set_location (msg, "/api/libraries/%" G_GINT64_FORMAT, r->id);
  reply_library (ctx, msg, 201, r->id);
}

static ExsLibraryRecord *
lookup_or_reply (ExsApiContext *ctx, SoupServerMessage *msg, GHashTable *params)
{
  return _exs_api_lookup_by_id (ctx, msg, params, "library", (ExsApiGetById) exs_library_store_get);
}

static void
handle_get (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  g_autoptr (ExsLibraryRecord) r = lookup_or_reply (data, msg, params);
  g_autoptr (JsonObject) o = NULL;

  if (r == NULL)
    return;
  o = library_to_json (r, data);
  exs_http_reply_object (msg, 200, o);
}

static void
handle_update (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  ExsApiContext *ctx = data;
  g_autoptr (ExsLibraryRecord) r = lookup_or_reply (ctx, msg, params);
  g_autoptr (JsonObject) body = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *kind = NULL;
  g_autofree char *source = NULL;
  gboolean paths_given = FALSE, scan = TRUE;

  if (r == NULL)
    return;
  body = exs_http_read_json_object (msg);
  if (body == NULL || !_exs_api_check_fields (msg, body, known_fields, "libraries"))
    return;
  if (!exs_http_json_get_text (msg, body, "name", MAX_NAME_CHARS, json_object_has_member (body, "name"), &r->name)
      || !exs_http_json_get_text (msg, body, "kind", 32, FALSE, &kind)
      || !exs_http_json_get_text (msg, body, "source", 32, FALSE, &source)
      || !get_paths (msg, body, FALSE, r, &paths_given) || !exs_http_json_get_bool (msg, body, "scan", &scan))
    return;
  if (source && !g_str_equal (source, r->source))
    {
      exs_http_reply_field_error (msg, 422, "source",
                                  "a library's source cannot change (it is %s); add a new library instead", r->source);
      return;
    }
  if (kind && !g_str_equal (kind, r->kind))
    {
      exs_http_reply_field_error (msg, 422, "kind",
                                  "a library's kind cannot change (it is %s); add a new library instead", r->kind);
      return;
    }
  if (!exs_library_store_update (ctx->database, r, &error))
    {
      exs_api_reply_write_error (msg, error, "name", "a library called “%s” already exists", r->name);
      return;
    }
  if (paths_given && scan && ctx->library_scanner)
    exs_library_scanner_scan (ctx->library_scanner, r->id, FALSE);
  reply_library (ctx, msg, 200, r->id);
}

static void
handle_delete (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  ExsApiContext *ctx = data;
  g_autoptr (ExsLibraryRecord) r = lookup_or_reply (ctx, msg, params);
  g_autoptr (GError) error = NULL;

  if (r == NULL)
    return;
  if (ctx->library_scanner)
    exs_library_scanner_forget (ctx->library_scanner, r->id);
  exs_library_store_delete (ctx->database, r->id, &error);
  exs_http_reply_no_content (msg, error);
}

static void
handle_scan (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  static const char *const scan_fields[] = { "full", NULL };
  ExsApiContext *ctx = data;
  g_autoptr (ExsLibraryRecord) r = lookup_or_reply (ctx, msg, params);
  gboolean full = FALSE;

  if (r == NULL)
    return;
  if (soup_server_message_get_request_body (msg)->length > 0)
    {
      g_autoptr (JsonObject) body = exs_http_read_json_object (msg);
      if (body == NULL || !_exs_api_check_fields (msg, body, scan_fields, "scan requests")
          || !exs_http_json_get_bool (msg, body, "full", &full))
        return;
    }
  if (_exs_api_media_servers_scan (ctx, msg, r))
    return;
  if (!g_strv_contains (addable_sources, r->source))
    {
      exs_http_reply_error (msg, 409, NULL, "library %s is a %s library; only local and URL libraries are scanned here",
                            r->name, r->source);
      return;
    }
  if (ctx->library_scanner == NULL)
    {
      exs_http_reply_error (msg, 503, NULL, "the library scanner is not running");
      return;
    }
  exs_library_scanner_scan (ctx->library_scanner, r->id, full);
  reply_library (ctx, msg, 202, r->id);
}

static JsonObject *
issue_to_json (const ExsLibraryIssue *issue)
{
  JsonObject *o = json_object_new ();

  json_object_set_string_member (o, "path", issue->path);
  json_object_set_string_member (o, "reason", issue->reason);
  set_time (o, "created_at", issue->created_at);
  return o;
}

static void
handle_issues (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  ExsApiContext *ctx = data;
  g_autoptr (ExsLibraryRecord) r = lookup_or_reply (ctx, msg, params);
  g_autoptr (GPtrArray) issues = NULL;
  g_autoptr (GError) error = NULL;

  if (r == NULL)
    return;
  issues = exs_library_store_list_issues (ctx->database, r->id, MAX_ISSUES, &error);
  exs_http_reply_records (msg, "issues", issues, error, (ExsHttpRecordToJson) issue_to_json, NULL);
}

void
exs_api_libraries_register (ExsHttpServer *server, ExsApiContext *context)
{
  exs_http_server_add_route (server, "GET,HEAD", "/api/libraries", 0, handle_list, context);
  exs_http_server_add_route (server, "POST", "/api/libraries", 0, handle_create, context);
  exs_http_server_add_route (server, "GET,HEAD", "/api/libraries/{id}", 0, handle_get, context);
  exs_http_server_add_route (server, "PUT,PATCH", "/api/libraries/{id}", 0, handle_update, context);
  exs_http_server_add_route (server, "DELETE", "/api/libraries/{id}", 0, handle_delete, context);
  exs_http_server_add_route (server, "POST", "/api/libraries/{id}/scan", 0, handle_scan, context);
  exs_http_server_add_route (server, "GET,HEAD", "/api/libraries/{id}/issues", 0, handle_issues, context);
}
