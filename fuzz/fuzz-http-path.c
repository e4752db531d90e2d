/* fuzz-http-path.c: the HTTP path splitter and router.
 *
 * The input is a request path as a client sends it. It is decoded once, as
 * libsoup does, and looked up in a table with the real routes' shapes. The
 * check that matters: no path reaches an admin handler (a route under /api
 * that is not public) without the lookup calling it admin.
 */
#include "config.h"

#include "exs-fuzz.h"
#include "exs-http-router.h"

#define PUBLIC 1u

typedef struct
{
  const char *methods;
  const char *pattern;
  guint flags;
} RouteShape;

static const RouteShape routes[] = {
  { "GET,HEAD", "/api/health", PUBLIC },
  { "GET,HEAD,POST", "/api/channels", 0 },
  { "GET,HEAD,PUT,PATCH,DELETE", "/api/channels/{number}", 0 },
  { "POST", "/api/channels/{number}/playout/rebuild", 0 },
  { "GET,HEAD", "/api/media/{id}", 0 },
  { "POST", "/api/import", 0 },
  { "GET,HEAD", "/iptv/channel/{number}.ts", 0 },
  { "GET,HEAD", "/iptv/channel/{number}/hls/{file}", 0 },
  { "GET,HEAD", "/iptv/xmltv.xml", 0 },
  { "GET,HEAD", "/tuner{n}/v{number}", 0 },
  { "GET,HEAD", "/auto/v{number}", 0 },
  { "GET,HEAD", "/metrics", PUBLIC },
  { "GET,HEAD", "/artwork/{id}", 0 },
};

static const char *const methods[] = { "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS" };

static ExsHttpRouter *
router_get (void)
{
  static ExsHttpRouter *router;

  if (router == NULL)
    {
      router = exs_http_router_new ();
      for (guint i = 0; i < G_N_ELEMENTS (routes); i++)
        exs_http_router_add (router, routes[i].methods, routes[i].pattern, routes[i].flags, PUBLIC,
                             G_CALLBACK (router_get), (gpointer) &routes[i]);
    }
  return router;
}

static void
check (const char *method, const char *path)
{
  g_autoptr (ExsHttpRouteMatch) m = exs_http_router_lookup (router_get (), method, path);

  if (m->result == EXS_HTTP_LOOKUP_FOUND)
    {
      const RouteShape *shape = m->user_data;
      gboolean admin_route = g_str_has_prefix (shape->pattern, "/api/") && !(shape->flags & PUBLIC);

      g_assert (m->params != NULL);
      g_assert (!admin_route || m->admin);
    }
  if (m->result == EXS_HTTP_LOOKUP_WRONG_METHOD)
    g_assert (m->allow != NULL && m->allow[0] != '\0');
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *raw = NULL;
  g_autofree char *decoded = NULL;
  const char *method;

  if (size < 1)
    return 0;
  method = methods[data[0] % G_N_ELEMENTS (methods)];
  raw = g_strndup ((const char *) data + 1, size - 1);
  check (method, raw);
  decoded = g_uri_unescape_string (raw, NULL);
  if (decoded != NULL)
    check (method, decoded);
  return 0;
}
