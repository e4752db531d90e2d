/* exs-api-logos.c: channel logos hosted by the server.
 *
 *   PUT    /api/channels/{number}/logo  a PNG, JPEG or SVG body (<= 512 KiB),
 *                                       or JSON {"media_id": N}: that item's
 *                                       poster or thumbnail from the library
 *   DELETE /api/channels/{number}/logo
 *   GET    /logos/{number}.png          public, for players and guides
 * The type is decided by the bytes, never by the name or the declared
 * Content-Type (which must agree with them). An SVG must parse (libxml2, no
 * network, no DTD) and carry nothing active: no script or foreignObject, no
 * on* event attribute, no reference outside the document. The file lives in
 * <data dir>/logos/<number>.<png|jpg|svg> and the channel's "logo" becomes
 * /logos/<number>.png, which the M3U tvg-logo and the XMLTV icon already
 * write in absolute form.
 */
#include "config.h"

#include "exs-api-channels-private.h"
#include "exs-api-context.h"
#include "exs-channel-number.h"
#include "exs-channel-store.h"
#include "exs-fs.h"
#include "exs-http-json.h"

#include <glib/gstdio.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

#define MAX_LOGO_BYTES (512 * 1024)
#define MAX_SVG_NODES 20000

typedef enum
{
  LOGO_NONE,
  LOGO_PNG,
  LOGO_JPEG,
  LOGO_SVG,
} LogoKind;

static const char *const kind_ext[] = { NULL, "png", "jpg", "svg" };
static const char *const kind_type[] = { NULL, "image/png", "image/jpeg", "image/svg+xml" };

static LogoKind
sniff (const guint8 *data, gsize len)
{
  static const guint8 png[] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
  gsize i = 0;

  if (len >= sizeof png && memcmp (data, png, sizeof png) == 0)
    return LOGO_PNG;
  if (len >= 3 && data[0] == 0xff && data[1] == 0xd8 && data[2] == 0xff)
    return LOGO_JPEG;
  /* text that starts (after a BOM and blanks) with "<": maybe SVG */
  if (len >= 3 && data[0] == 0xef && data[1] == 0xbb && data[2] == 0xbf)
    i = 3;
  while (i < len && g_ascii_isspace (data[i]))
    i++;
  if (i < len && data[i] == '<')
    return LOGO_SVG;
  return LOGO_NONE;
}

static gboolean
reference_is_local (const char *value)
{
  while (value && g_ascii_isspace (*value))
    value++;
  return value == NULL || value[0] == '#' || value[0] == '\0';
}

/* "url(" pointing anywhere but into the document, or an @import */
static gboolean
css_is_external (const char *css)
{
  g_autofree char *lower = g_ascii_strdown (css, -1);
  const char *p = lower;

  if (strstr (lower, "@import"))
    return TRUE;
  while ((p = strstr (p, "url(")) != NULL)
    {
      p += 4;
      while (*p == ' ' || *p == '"' || *p == '\'')
        p++;
      if (*p != '#')
        return TRUE;
    }
  return FALSE;
}

/* "javascript:" and the like, however spaced or cased */
static gboolean
value_is_active (const char *value)
{
  g_autoptr (GString) squeezed = g_string_new (NULL);

  for (const char *p = value; *p; p++)
    if (!g_ascii_isspace (*p))
      g_string_append_c (squeezed, g_ascii_tolower (*p));
  return strstr (squeezed->str, "javascript:") || strstr (squeezed->str, "vbscript:")
         || strstr (squeezed->str, "data:text/html");
}

static gboolean
svg_node_is_safe (xmlNode *node, guint *count, char **why)
{
  for (xmlNode *n = node; n; n = n->next)
    {
      if (++*count > MAX_SVG_NODES)
        {
          *why = g_strdup ("it has too many elements");
          return FALSE;
        }
      if (n->type == XML_ENTITY_REF_NODE || n->type == XML_DTD_NODE)
        {
          *why = g_strdup ("it uses entities");
          return FALSE;
        }
      if (n->type != XML_ELEMENT_NODE)
        {
          if ((n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) && n->parent
              && g_ascii_strcasecmp ((const char *) n->parent->name, "style") == 0 && n->content
              && css_is_external ((const char *) n->content))
            {
              *why = g_strdup ("its style loads something from outside");
              return FALSE;
            }
          continue;
        }
      if (g_ascii_strcasecmp ((const char *) n->name, "script") == 0
          || g_ascii_strcasecmp ((const char *) n->name, "foreignObject") == 0)
        {
          *why = g_strdup_printf ("it contains a <%s> element", n->name);
          return FALSE;
        }
      for (xmlAttr *a = n->properties; a; a = a->next)
        {
          g_autofree char *value = (char *) xmlNodeGetContent ((xmlNode *) a);

          if (g_ascii_strncasecmp ((const char *) a->name, "on", 2) == 0)
            {
              *why = g_strdup_printf ("it has an event attribute (%s)", a->name);
              return FALSE;
            }
          if ((g_ascii_strcasecmp ((const char *) a->name, "href") == 0
               || g_ascii_strcasecmp ((const char *) a->name, "src") == 0)
              && !reference_is_local (value))
            {
              *why = g_strdup_printf ("it refers to something outside itself (%s=\"%.60s\")", a->name, value);
              return FALSE;
            }
          if (value && value_is_active (value))
            {
              *why = g_strdup_printf ("its %s attribute holds a script URL", a->name);
              return FALSE;
            }
          /* <set>/<animate> can write an href or an event handler later */
          if (g_ascii_strcasecmp ((const char *) a->name, "attributeName") == 0 && value
              && (g_ascii_strncasecmp (value, "on", 2) == 0 || g_str_has_suffix (value, "href")))
            {
              *why = g_strdup_printf ("it animates the %s attribute", value);
              return FALSE;
            }
          if (value && css_is_external (value))
            {
              *why = g_strdup_printf ("its %s attribute loads something from outside", a->name);
              return FALSE;
            }
        }
      if (!svg_node_is_safe (n->children, count, why))
        return FALSE;
    }
  return TRUE;
}

/**
 * exs_api_logo_check_svg:
 * @why: (out) (transfer full): what is wrong, when it is
 *
 * Returns: whether @data is an SVG document with nothing active in it
 */
gboolean
exs_api_logo_check_svg (const guint8 *data, gsize len, char **why)
{
  xmlDoc *doc;
  xmlNode *root;
  guint count = 0;
  gboolean ok;

  *why = NULL;
  /* no network, no DTD loading, no entity substitution */
  doc = xmlReadMemory ((const char *) data, (int) len, "logo.svg", NULL,
                       XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (doc == NULL)
    {
      *why = g_strdup ("it is not well-formed XML");
      return FALSE;
    }
  root = xmlDocGetRootElement (doc);
  if (doc->intSubset != NULL || doc->extSubset != NULL)
    {
      *why = g_strdup ("it has a DOCTYPE (entities are not allowed)");
      ok = FALSE;
    }
  else if (root == NULL || g_strcmp0 ((const char *) root->name, "svg") != 0)
    {
      *why = g_strdup ("its root element is not <svg>");
      ok = FALSE;
    }
  else
    ok = svg_node_is_safe (root, &count, why);
  xmlFreeDoc (doc);
  return ok;
}

static char *
logo_dir (ExsApiContext *ctx)
{
  return g_build_filename (ctx->data_dir, "logos", NULL);
}

static char *
logo_file (ExsApiContext *ctx, const char *number, LogoKind kind)
{
  g_autofree char *dir = logo_dir (ctx);
  g_autofree char *name = g_strdup_printf ("%s.%s", number, kind_ext[kind]);

  return g_build_filename (dir, name, NULL);
}

static void
remove_logo_files (ExsApiContext *ctx, const char *number)
{
  for (LogoKind k = LOGO_PNG; k <= LOGO_SVG; k++)
    {
      g_autofree char *path = logo_file (ctx, number, k);
      g_unlink (path);
    }
}

/* The library item's poster, else its thumbnail: a local file path. */
static char *
media_artwork_path (ExsApiContext *ctx, gint64 media_id)
{
  g_autoptr (sqlite3_stmt) s =
      exs_database_prepare (ctx->database, "SELECT COALESCE(poster, thumb) FROM media_items WHERE id = ?", NULL);
  char *path = NULL;

  if (s == NULL)
    return NULL;
  sqlite3_bind_int64 (s, 1, media_id);
  if (sqlite3_step (s) == SQLITE_ROW && sqlite3_column_text (s, 0))
    path = exs_database_dup_column (s, 0);
  if (path && g_str_has_prefix (path, "file://"))
    {
      char *local = g_filename_from_uri (path, NULL, NULL);
      g_free (path);
      path = local;
    }
  return path;
}

/* The logo's bytes from the request: the body itself, or library artwork. */
static GBytes *
read_logo_bytes (ExsApiContext *ctx, SoupServerMessage *msg, const char **declared)
{
  SoupMessageHeaders *h = soup_server_message_get_request_headers (msg);
  g_autoptr (GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  const char *ctype = soup_message_headers_get_content_type (h, NULL);
  g_autoptr (JsonObject) o = NULL;
  g_autofree char *path = NULL;
  g_autofree char *data = NULL;
  gsize len = 0;
  gint64 media_id;

  *declared = ctype;
  if (g_strcmp0 (ctype, "application/json") != 0)
    return g_steal_pointer (&body);
  *declared = NULL;
  o = exs_http_read_json_object (msg);
  if (o == NULL)
    return NULL;
  if (!json_object_has_member (o, "media_id") || !JSON_NODE_HOLDS_VALUE (json_object_get_member (o, "media_id"))
      || json_node_get_value_type (json_object_get_member (o, "media_id")) != G_TYPE_INT64)
    {
      exs_http_reply_field_error (msg, 422, "media_id", "send {\"media_id\": N} or the image itself");
      return NULL;
    }
  media_id = json_object_get_int_member (o, "media_id");
  path = media_artwork_path (ctx, media_id);
  if (path == NULL)
    {
      exs_http_reply_field_error (msg, 422, "media_id", "media item %" G_GINT64_FORMAT " has no poster or thumbnail",
                                  media_id);
      return NULL;
    }
  if (!g_file_get_contents (path, &data, &len, NULL))
    {
      exs_http_reply_field_error (msg, 422, "media_id", "the artwork of media item %" G_GINT64_FORMAT
                                  " cannot be read", media_id);
      return NULL;
    }
  return g_bytes_new_take (g_steal_pointer (&data), len);
}

static void
handle_put (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  ExsApiContext *ctx = data;
  g_autoptr (ExsChannelRecord) channel = exs_api_channels_lookup (ctx, msg, params);
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *why = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  const char *declared = NULL;
  const guint8 *raw;
  gsize len;
  LogoKind kind;

  if (channel == NULL || (bytes = read_logo_bytes (ctx, msg, &declared)) == NULL)
    return;
  raw = g_bytes_get_data (bytes, &len);
  if (len == 0 || len > MAX_LOGO_BYTES)
    {
      exs_http_reply_error (msg, len ? 413 : 422, NULL, "a logo is 1 byte to %d KiB; this one is %" G_GSIZE_FORMAT
                            " bytes", MAX_LOGO_BYTES / 1024, len);
      return;
    }
  kind = sniff (raw, len);
  if (kind == LOGO_SVG && !exs_api_logo_check_svg (raw, len, &why))
    {
      exs_http_reply_error (msg, 422, "unsafe-svg", "this SVG cannot be a logo: %s", why);
      return;
    }
  if (kind == LOGO_NONE)
    {
      exs_http_reply_error (msg, 415, NULL, "a logo must be a PNG, JPEG or SVG image; these bytes are none of them");
      return;
    }
  if (declared && g_strcmp0 (declared, kind_type[kind]) != 0)
    {
      exs_http_reply_error (msg, 415, "type-mismatch", "the body is %s but was sent as %s", kind_type[kind], declared);
      return;
    }
  dir = logo_dir (ctx);
  path = logo_file (ctx, channel->number, kind);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      exs_http_reply_error (msg, 500, NULL, "cannot create %s", dir);
      return;
    }
  remove_logo_files (ctx, channel->number);
  if (!g_file_set_contents_full (path, (const char *) raw, (gssize) len, G_FILE_SET_CONTENTS_CONSISTENT, 0600,
                                 &error))
    {
      exs_http_reply_error (msg, 500, NULL, "cannot save the logo: %s", error->message);
      return;
    }
  g_free (channel->logo);
  channel->logo = g_strdup_printf ("/logos/%s.png", channel->number);
  if (!exs_channel_store_update (ctx->database, channel->number, channel, &error))
    {
      exs_http_reply_gerror (msg, error);
      return;
    }
  g_message ("channel %s has a new logo (%s, %" G_GSIZE_FORMAT " bytes)", channel->number, kind_type[kind], len);
  soup_server_message_set_status (msg, 204, NULL);
}

static void
handle_delete (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  ExsApiContext *ctx = data;
  g_autoptr (ExsChannelRecord) channel = exs_api_channels_lookup (ctx, msg, params);
  g_autoptr (GError) error = NULL;
  g_autofree char *ours = NULL;

  if (channel == NULL)
    return;
  remove_logo_files (ctx, channel->number);
  ours = g_strdup_printf ("/logos/%s.png", channel->number);
  if (g_strcmp0 (channel->logo, ours) == 0)
    {
      g_free (channel->logo);
      channel->logo = g_strdup ("");
      if (!exs_channel_store_update (ctx->database, channel->number, channel, &error))
        {
          exs_http_reply_gerror (msg, error);
          return;
        }
    }
  soup_server_message_set_status (msg, 204, NULL);
}

static void
handle_get (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  ExsApiContext *ctx = data;
  const char *number = g_hash_table_lookup (params, "number");
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);
  g_autofree char *canonical = NULL;

  if (exs_channel_number_parse (number, &canonical, NULL, NULL, NULL))
    for (LogoKind k = LOGO_PNG; k <= LOGO_SVG; k++)
      {
        g_autofree char *path = logo_file (ctx, canonical, k);
        g_autofree char *contents = NULL;
        gsize len = 0;

        if (!g_file_get_contents (path, &contents, &len, NULL))
          continue;
        soup_message_headers_replace (h, "X-Content-Type-Options", "nosniff");
        /* an SVG opened on its own runs nothing */
        soup_message_headers_replace (h, "Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'");
        soup_message_headers_replace (h, "Cache-Control", "no-cache");
        soup_server_message_set_status (msg, 200, NULL);
        soup_server_message_set_response (msg, kind_type[k], SOUP_MEMORY_TAKE, g_steal_pointer (&contents), len);
        return;
      }
  exs_http_reply_error (msg, 404, NULL, "channel “%s” has no logo here", number);
}

void
exs_api_logos_register (ExsHttpServer *server, ExsApiContext *context)
{
  if (context->data_dir == NULL)
    return;
  exs_http_server_add_route (server, "PUT", "/api/channels/{number}/logo", EXS_HTTP_ROUTE_DEFAULT, handle_put, context);
  exs_http_server_add_route (server, "DELETE", "/api/channels/{number}/logo", EXS_HTTP_ROUTE_DEFAULT, handle_delete,
                             context);
  exs_http_server_add_route (server, "GET,HEAD", "/logos/{number}.png", EXS_HTTP_ROUTE_DEFAULT, handle_get, context);
}
