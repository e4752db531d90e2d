/* exs-http-json.c: JSON in and out of the API.
 *
 * Every API error, from any subsystem, has one shape:
 *   {"error": {"code": "not_found", "message": "no channel numbered 7"}}
 * with the matching status. A GError from any subsystem maps onto its status
 * through exs_http_status_for_error() so handlers stay short.
 */
#include "config.h"

#include "exs-http-json.h"

#include "exs-http-error.h"
#include "exs-json-depth.h"

void
exs_http_reply_json (SoupServerMessage *msg, guint status, JsonNode *root)
{
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  gsize len = 0;
  char *text;

  json_generator_set_root (gen, root);
  json_generator_set_pretty (gen, TRUE);
  text = json_generator_to_data (gen, &len);
  soup_server_message_set_status (msg, status, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Cache-Control", "no-store");
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, text, len);
}

void
exs_http_reply_object (SoupServerMessage *msg, guint status, JsonObject *object)
{
  g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (root, object);
  exs_http_reply_json (msg, status, root);
}

/**
 * exs_http_reply_list:
 * @member: the name the list goes under ("channels", "libraries", …)
 * @items: (transfer full): the list
 *
 * Answers 200 with the API's list shape: {"<member>": [...], "total": n}.
 */
void
exs_http_reply_list (SoupServerMessage *msg, const char *member, JsonArray *items)
{
  g_autoptr (JsonObject) root = json_object_new ();

  json_object_set_int_member (root, "total", json_array_get_length (items));
  json_object_set_array_member (root, member, items);
  exs_http_reply_object (msg, 200, root);
}

/**
 * exs_http_reply_records:
 * @records: (nullable): the records a store listed; %NULL when it failed
 * @error: (nullable): why the store failed, when @records is %NULL
 * @to_json: turns one record into its JSON (called with @user_data)
 *
 * Answers a store's list the API's way: @error's status when the store
 * failed, else exs_http_reply_list() of each record through @to_json.
 */
void
exs_http_reply_records (SoupServerMessage *msg, const char *member, GPtrArray *records, const GError *error,
                        ExsHttpRecordToJson to_json, gpointer user_data)
{
  JsonArray *arr;

  if (records == NULL)
    {
      exs_http_reply_gerror (msg, error);
      return;
    }
  arr = json_array_sized_new (records->len);
  for (guint i = 0; i < records->len; i++)
    json_array_add_object_element (arr, to_json (records->pdata[i], user_data));
  exs_http_reply_list (msg, member, arr);
}

/**
 * exs_http_reply_no_content:
 * @error: (nullable): why the request failed
 *
 * Answers 204 when @error is %NULL (a delete or an action done), else
 * @error with its status.
 */
void
exs_http_reply_no_content (SoupServerMessage *msg, const GError *error)
{
  if (error != NULL)
    exs_http_reply_gerror (msg, error);
  else
    soup_server_message_set_status (msg, 204, NULL);
}

/* Sets the Location header of a 201 to the path @format makes. */
void
exs_http_set_location (SoupServerMessage *msg, const char *format, ...)
{
  g_autofree char *location = NULL;
  va_list args;

  va_start (args, format);
  location = g_strdup_vprintf (format, args);
  va_end (args);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Location", location);
}

const char *
exs_http_error_code_for_status (guint status)
{
  switch (status)
    {
    case 400: return "bad_request";
    case 401: return "unauthorized";
    case 403: return "forbidden";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 409: return "conflict";
    case 411: return "length_required";
    case 413: return "payload_too_large";
    case 415: return "unsupported_media_type";
    case 422: return "validation_failed";
    case 503: return "service_unavailable";
    default: return status >= 500 ? "internal_error" : "error";
    }
}

/* The one error body: {"error": {"code", "message"[, "field"]}}. */
static void G_GNUC_PRINTF (5, 0)
reply_error_va (SoupServerMessage *msg, guint status, const char *code, const char *field, const char *format,
                va_list args)
{
  g_autoptr (JsonObject) outer = json_object_new ();
  JsonObject *inner = json_object_new ();
  g_autofree char *message = g_strdup_vprintf (format, args);

  json_object_set_string_member (inner, "code", code ? code : exs_http_error_code_for_status (status));
  json_object_set_string_member (inner, "message", message);
  if (field != NULL)
    json_object_set_string_member (inner, "field", field);
  json_object_set_object_member (outer, "error", inner);
  exs_http_reply_object (msg, status, outer);
}

/**
 * exs_http_reply_error:
 * @code: (nullable): a stable machine-readable code; %NULL derives it from @status
 */
void
exs_http_reply_error (SoupServerMessage *msg, guint status, const char *code, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  reply_error_va (msg, status, code, NULL, format, args);
  va_end (args);
}

/**
 * exs_http_reply_field_error:
 * @field: the request field at fault, added as "field" to the error object
 */
void
exs_http_reply_field_error (SoupServerMessage *msg, guint status, const char *field, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  reply_error_va (msg, status, NULL, field, format, args);
  va_end (args);
}

gboolean
exs_http_json_has_control_chars (const char *s)
{
  for (const char *p = s; *p; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      return TRUE;
  return FALSE;
}

/**
 * exs_http_json_check_text:
 * @target: (inout): replaced by the trimmed value when @field is present
 *
 * A trimmed single-line string member of at most @max_chars (absent or null:
 * left as it is, or an error if @required). The error message names @field.
 */
gboolean
exs_http_json_check_text (JsonObject *body, const char *field, guint max_chars, gboolean required, char **target,
                          GError **error)
{
  JsonNode *node = json_object_get_member (body, field);
  g_autofree char *trimmed = NULL;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    {
      if (required)
        g_set_error (error, EXS_HTTP_ERROR, EXS_HTTP_ERROR_INVALID_FIELD, "%s is required", field);
      return !required;
    }
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_STRING)
    {
      g_set_error (error, EXS_HTTP_ERROR, EXS_HTTP_ERROR_INVALID_FIELD, "%s must be a string", field);
      return FALSE;
    }
  trimmed = g_strstrip (g_strdup (json_node_get_string (node)));
  if (required && trimmed[0] == '\0')
    {
      g_set_error (error, EXS_HTTP_ERROR, EXS_HTTP_ERROR_INVALID_FIELD, "%s must not be empty", field);
      return FALSE;
    }
  if (g_utf8_strlen (trimmed, -1) > max_chars)
    {
      g_set_error (error, EXS_HTTP_ERROR, EXS_HTTP_ERROR_INVALID_FIELD, "%s is longer than %u characters", field,
                   max_chars);
      return FALSE;
    }
  if (exs_http_json_has_control_chars (trimmed))
    {
      g_set_error (error, EXS_HTTP_ERROR, EXS_HTTP_ERROR_INVALID_FIELD,
                   "%s must not contain control characters or line breaks", field);
      return FALSE;
    }
  g_free (*target);
  *target = g_steal_pointer (&trimmed);
  return TRUE;
}

/* A boolean member if present. */
gboolean
exs_http_json_check_bool (JsonObject *body, const char *field, gboolean *out, GError **error)
{
  JsonNode *node = json_object_get_member (body, field);

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_BOOLEAN)
    {
      g_set_error (error, EXS_HTTP_ERROR, EXS_HTTP_ERROR_INVALID_FIELD, "%s must be true or false", field);
      return FALSE;
    }
  *out = json_node_get_boolean (node);
  return TRUE;
}

/**
 * exs_http_json_get_text:
 *
 * exs_http_json_check_text() that answers 422 naming @field when wrong.
 */
gboolean
exs_http_json_get_text (SoupServerMessage *msg, JsonObject *body, const char *field, guint max_chars, gboolean required,
                        char **target)
{
  g_autoptr (GError) error = NULL;

  if (exs_http_json_check_text (body, field, max_chars, required, target, &error))
    return TRUE;
  exs_http_reply_field_error (msg, 422, field, "%s", error->message);
  return FALSE;
}

/* A boolean member if present; answers 422 naming @field when wrong. */
gboolean
exs_http_json_get_bool (SoupServerMessage *msg, JsonObject *body, const char *field, gboolean *out)
{
  g_autoptr (GError) error = NULL;

  if (exs_http_json_check_bool (body, field, out, &error))
    return TRUE;
  exs_http_reply_field_error (msg, 422, field, "%s", error->message);
  return FALSE;
}

/**
 * exs_http_reply_gerror:
 *
 * Answers @error with the status exs_http_status_for_error() finds for its
 * domain and code (the table in src/api/exs-api-errors.c); anything
 * unexpected is a 500 that says what went wrong.
 */
void
exs_http_reply_gerror (SoupServerMessage *msg, const GError *error)
{
  g_return_if_fail (error != NULL);

  exs_http_reply_error (msg, exs_http_status_for_error (error), NULL, "%s", error->message);
}

/**
 * exs_http_json_parse_object:
 *
 * Parses a request body: UTF-8, nested at most EXS_JSON_MAX_DEPTH levels
 * (checked before json-glib recurses), a JSON object at the top.
 *
 * Returns: (transfer full) (nullable): the object, or %NULL with @error set
 */
JsonObject *
exs_http_json_parse_object (const char *data, gsize len, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local = NULL;
  JsonNode *root;

  if (len == 0)
    {
      g_set_error (error, EXS_HTTP_ERROR, EXS_HTTP_ERROR_INVALID_BODY, "the request needs a JSON object as its body");
      return NULL;
    }
  if (!g_utf8_validate_len (data, len, NULL))
    {
      g_set_error (error, EXS_HTTP_ERROR, EXS_HTTP_ERROR_INVALID_BODY, "the request body is not valid UTF-8");
      return NULL;
    }
  if (!exs_json_check_depth (data, (gssize) len, EXS_JSON_MAX_DEPTH, &local))
    {
      g_set_error (error, EXS_HTTP_ERROR, EXS_HTTP_ERROR_INVALID_BODY, "the request body is refused: %s",
                   local->message);
      return NULL;
    }
  if (!json_parser_load_from_data (parser, data, (gssize) len, &local))
    {
      g_set_error (error, EXS_HTTP_ERROR, EXS_HTTP_ERROR_INVALID_BODY, "the request body is not valid JSON: %s",
                   local->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, EXS_HTTP_ERROR, EXS_HTTP_ERROR_INVALID_BODY, "the request body must be a JSON object");
      return NULL;
    }
  return json_object_ref (json_node_get_object (root));
}

/* Whether a Content-Type (parameters allowed) is JSON. */
static gboolean
is_json_type (const char *ctype)
{
  return ctype != NULL
         && (g_ascii_strcasecmp (ctype, "application/json") == 0
             || (g_str_has_prefix (ctype, "application/") && g_str_has_suffix (ctype, "+json")));
}

/**
 * exs_http_read_json_object:
 *
 * Parses the request body as a JSON object. Only application/json (or
 * application/...+json) is taken: a browser sends a cross-site form
 * (x-www-form-urlencoded, multipart, text/plain) without a CORS preflight,
 * so reading those as JSON would let any web page on the LAN write to the
 * API. On failure it answers the request (415 for another content type, 400
 * with what is wrong) and returns %NULL.
 *
 * Returns: (transfer full) (nullable): the object
 */
JsonObject *
exs_http_read_json_object (SoupServerMessage *msg)
{
  SoupMessageBody *body = soup_server_message_get_request_body (msg);
  const char *ctype = soup_message_headers_get_content_type (soup_server_message_get_request_headers (msg), NULL);
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;
  JsonObject *object;
  gsize len = 0;
  const char *data;

  if (!is_json_type (ctype))
    {
      exs_http_reply_error (msg, 415, NULL, "the request body must be sent as Content-Type: application/json%s%s",
                            ctype ? ", not " : "", ctype ? ctype : "");
      return NULL;
    }
  bytes = soup_message_body_flatten (body);
  data = g_bytes_get_data (bytes, &len);
  object = exs_http_json_parse_object (data, len, &error);
  if (object == NULL)
    exs_http_reply_error (msg, 400, "invalid_json", "%s", error->message);
  return object;
}

/**
 * exs_http_json_check_int:
 * @min: the smallest value allowed
 * @max: the largest; %G_MAXINT64 for no bound
 * @out: (inout): set when @field is present and right
 *
 * A whole-number member if present (absent: left as it is). The error
 * message names @field and the range.
 */
gboolean
exs_http_json_check_int (JsonObject *body, const char *field, gint64 min, gint64 max, gint64 *out, GError **error)
{
  JsonNode *node = json_object_get_member (body, field);

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64
      || json_node_get_int (node) < min || json_node_get_int (node) > max)
    {
      if (max == G_MAXINT64)
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                     "%s must be a whole number of %" G_GINT64_FORMAT " or more", field, min);
      else
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                     "%s must be a whole number from %" G_GINT64_FORMAT " to %" G_GINT64_FORMAT, field, min, max);
      return FALSE;
    }
  *out = json_node_get_int (node);
  return TRUE;
}

/* exs_http_json_check_int() that answers 422 naming @field when wrong. */
gboolean
exs_http_json_get_int (SoupServerMessage *msg, JsonObject *body, const char *field, gint64 min, gint64 max,
                       gint64 *out)
{
  g_autoptr (GError) error = NULL;

  if (exs_http_json_check_int (body, field, min, max, out, &error))
    return TRUE;
  exs_http_reply_field_error (msg, 422, field, "%s", error->message);
  return FALSE;
}
