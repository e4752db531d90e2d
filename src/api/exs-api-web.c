/* exs-api-web.c: the web UI's pages and files, from the GResource the
 * front end (src/web) compiles into the binary.
 *
 *   GET /                   302 to /web/
 *   GET /web/assets/<file>  the bundle's files, typed by extension
 *   GET /web/login?code=…   redeems a one-time login link (ExsWebSessions):
 *                           sets the session cookie and 303s to next
 *   GET /web/<anything>     index.html: every page is a deep link
 * Every answer under /web/ carries the Content-Security-Policy and the other
 * browser-hardening headers. Files are held gzipped once asked for, so the
 * bundle goes over the wire compressed to a browser that accepts it.
 */
#include "config.h"

#include "exs-api-context.h"
#include "exs-http-json.h"
#include "exs-web-sessions.h"

#ifdef EXS_HAVE_WEB_UI
#include "exs-web-resources.h"
#endif

#include <string.h>

#define RESOURCE_ROOT "/io/github/exstreamtv/web"
#define MAX_DEPTH 6

#define CSP                                                                                                      \
  "default-src 'self'; img-src 'self' data:; media-src 'self' blob:; worker-src 'self' blob:; "                 \
  "style-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

static const struct
{
  const char *suffix;
  const char *type;
} content_types[] = {
  { ".html", "text/html; charset=utf-8" },
  { ".js", "text/javascript; charset=utf-8" },
  { ".mjs", "text/javascript; charset=utf-8" },
  { ".css", "text/css; charset=utf-8" },
  { ".json", "application/json" },
  { ".map", "application/json" },
  { ".svg", "image/svg+xml" },
  { ".png", "image/png" },
  { ".jpg", "image/jpeg" },
  { ".ico", "image/x-icon" },
  { ".webmanifest", "application/manifest+json" },
  { ".woff2", "font/woff2" },
  { ".txt", "text/plain; charset=utf-8" },
};

/* gzipped copies of resource files, made on first request; main thread only */
static GHashTable *gzipped;

static const char *
content_type_for (const char *path)
{
  for (guint i = 0; i < G_N_ELEMENTS (content_types); i++)
    if (g_str_has_suffix (path, content_types[i].suffix))
      return content_types[i].type;
  return "application/octet-stream";
}

/**
 * exs_api_web_set_page_headers:
 *
 * The headers every web UI answer carries.
 */
void
exs_api_web_set_page_headers (SoupServerMessage *msg)
{
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);

  soup_message_headers_replace (h, "Content-Security-Policy", CSP);
  soup_message_headers_replace (h, "X-Content-Type-Options", "nosniff");
  soup_message_headers_replace (h, "Referrer-Policy", "same-origin");
  soup_message_headers_replace (h, "X-Frame-Options", "DENY");
  soup_message_headers_replace (h, "Cross-Origin-Opener-Policy", "same-origin");
}

static GBytes *
lookup_file (const char *path)
{
#ifdef EXS_HAVE_WEB_UI
  return g_resource_lookup_data (exs_web_get_resource (), path, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
#else
  (void) path;
  return NULL;
#endif
}

static GBytes *
gzip_bytes (GBytes *plain)
{
  g_autoptr (GZlibCompressor) z = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 9);
  g_autoptr (GOutputStream) mem = g_memory_output_stream_new_resizable ();
  g_autoptr (GOutputStream) out = g_converter_output_stream_new (mem, G_CONVERTER (z));
  gsize len;
  const guint8 *data = g_bytes_get_data (plain, &len);

  if (!g_output_stream_write_all (out, data, len, NULL, NULL, NULL) || !g_output_stream_close (out, NULL, NULL))
    return NULL;
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (mem));
}

static gboolean
accepts_gzip (SoupServerMessage *msg)
{
  const char *ae = soup_message_headers_get_list (soup_server_message_get_request_headers (msg), "Accept-Encoding");

  return ae && soup_header_contains (ae, "gzip");
}

static void
reply_file (SoupServerMessage *msg, const char *path, GBytes *bytes, const char *cache_control)
{
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);
  GBytes *body = bytes;

  exs_api_web_set_page_headers (msg);
  soup_message_headers_replace (h, "Cache-Control", cache_control);
  soup_message_headers_replace (h, "Vary", "Accept-Encoding");
  if (g_bytes_get_size (bytes) > 1024 && accepts_gzip (msg))
    {
      GBytes *z;

      if (gzipped == NULL)
        gzipped = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_bytes_unref);
      z = g_hash_table_lookup (gzipped, path);
      if (z == NULL && (z = gzip_bytes (bytes)) != NULL)
        g_hash_table_insert (gzipped, g_strdup (path), z);
      if (z != NULL)
        {
          body = z;
          soup_message_headers_replace (h, "Content-Encoding", "gzip");
        }
    }
  soup_server_message_set_status (msg, 200, NULL);
  soup_message_headers_set_content_type (h, content_type_for (path), NULL);
  soup_message_body_append_bytes (soup_server_message_get_response_body (msg), body);
}

static void
reply_index (SoupServerMessage *msg)
{
  g_autoptr (GBytes) index = lookup_file (RESOURCE_ROOT "/index.html");

  if (index == NULL)
    {
      exs_api_web_set_page_headers (msg);
      exs_http_reply_error (msg, 503, "web-ui-missing", "this exstreamtv was built without its web UI (src/web)");
      return;
    }
  reply_file (msg, RESOURCE_ROOT "/index.html", index, "no-cache");
}

static void
redirect (SoupServerMessage *msg, guint status, const char *location)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Location", location);
  soup_server_message_set_status (msg, status, NULL);
}

/* "/" and "/web" go to "/web/", the dashboard (the router treats "/web/" as "/web") */
static void
handle_root (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  if (g_str_equal (g_uri_get_path (soup_server_message_get_uri (msg)), "/web/"))
    reply_index (msg);
  else
    redirect (msg, 302, "/web/");
}

/* The request path's segments after /web/assets, joined; NULL if any is
 * empty or a dot segment (a resource path has no "..", but say no anyway). */
static char *
asset_path (SoupServerMessage *msg)
{
  const char *raw = g_uri_get_path (soup_server_message_get_uri (msg));
  g_auto (GStrv) parts = g_strsplit (raw + strlen ("/web/assets/"), "/", -1);
  g_autoptr (GString) out = g_string_new (RESOURCE_ROOT "/assets");

  for (guint i = 0; parts[i]; i++)
    {
      g_autofree char *dec = g_uri_unescape_string (parts[i], NULL);

      if (dec == NULL || dec[0] == '\0' || g_str_equal (dec, ".") || g_str_equal (dec, "..") || strchr (dec, '/'))
        return NULL;
      g_string_append_c (out, '/');
      g_string_append (out, dec);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
handle_asset (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  g_autofree char *path = asset_path (msg);
  g_autoptr (GBytes) bytes = path ? lookup_file (path) : NULL;

  if (bytes == NULL)
    {
      exs_api_web_set_page_headers (msg);
      exs_http_reply_error (msg, 404, NULL, "no such file in the web UI");
      return;
    }
  reply_file (msg, path, bytes, "no-cache");
}

static void
handle_page (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  reply_index (msg);
}

/* /web/login?code=…&next=…: a one-time link; without a code, the login page. */
static void
handle_login (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  const char *code = query ? g_hash_table_lookup (query, "code") : NULL;
  g_autofree char *next = NULL;
  g_autofree char *session = NULL;

  if (code == NULL)
    {
      reply_index (msg);
      return;
    }
  exs_api_web_set_page_headers (msg);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Cache-Control", "no-store");
  session = exs_web_sessions_redeem_link (exs_http_server_get_web_sessions (server), code, &next);
  if (session == NULL)
    {
      g_message ("a login link was refused: used, expired or unknown");
      redirect (msg, 303, "/web/login?error=expired");
      return;
    }
  g_message ("a browser logged in with a one-time link");
  exs_web_sessions_set_cookie (msg, session);
  redirect (msg, 303, next ? next : "/web/");
}

void
exs_api_web_register (ExsHttpServer *server, ExsApiContext *context)
{
  g_autoptr (GString) pattern = g_string_new ("/web/assets");

  exs_http_server_add_route (server, "GET,HEAD", "/", EXS_HTTP_ROUTE_DEFAULT, handle_root, context);
  exs_http_server_add_route (server, "GET,HEAD", "/web", EXS_HTTP_ROUTE_DEFAULT, handle_root, context);
  exs_http_server_add_route (server, "GET,HEAD", "/web/login", EXS_HTTP_ROUTE_DEFAULT, handle_login, context);
  for (guint depth = 1; depth <= MAX_DEPTH; depth++)
    {
      g_string_append_printf (pattern, "/{p%u}", depth);
      exs_http_server_add_route (server, "GET,HEAD", pattern->str, EXS_HTTP_ROUTE_DEFAULT, handle_asset, context);
    }
  g_string_assign (pattern, "/web");
  for (guint depth = 1; depth <= MAX_DEPTH; depth++)
    {
      g_string_append_printf (pattern, "/{p%u}", depth);
      exs_http_server_add_route (server, "GET,HEAD", pattern->str, EXS_HTTP_ROUTE_DEFAULT, handle_page, context);
    }
}
