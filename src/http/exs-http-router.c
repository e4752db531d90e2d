/* exs-http-router.c: ExsHttpRouter, the route table of ExsHttpServer.
 *
 * A route is "GET,HEAD /api/channels/{number}". A request path is looked up
 * exactly as libsoup hands it over: libsoup has already percent-decoded it
 * (once), so the router never decodes again. The path is split into
 * segments once, and both the route and the admin decision come from those
 * same segments, so no spelling of a path (%2561pi, //api, /./api, /API,
 * api;x) can be routed to an admin handler without being seen as admin.
 * Plain functions on the main thread; the fuzz harness fuzz/fuzz-http-path.c
 * drives it with the real route table shape.
 */
#include "config.h"

#include "exs-http-router.h"

#include <string.h>

typedef struct
{
  char **methods;   /* NULL-terminated, upper case */
  char **segments;  /* pattern split on '/', first is "" */
  guint flags;
  gboolean admin;   /* under /api and not public */
  GCallback handler;
  gpointer user_data;
} Route;

struct _ExsHttpRouter
{
  GPtrArray *routes; /* Route*, owned, in the order added */
};

static void
route_free (Route *r)
{
  g_strfreev (r->methods);
  g_strfreev (r->segments);
  g_free (r);
}

ExsHttpRouter *
exs_http_router_new (void)
{
  ExsHttpRouter *self = g_new0 (ExsHttpRouter, 1);

  self->routes = g_ptr_array_new_with_free_func ((GDestroyNotify) route_free);
  return self;
}

void
exs_http_router_free (ExsHttpRouter *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->routes);
  g_free (self);
}

/**
 * exs_http_router_add:
 * @methods: comma-separated methods, e.g. "GET,HEAD"
 * @pattern: a path with {name} captures, e.g. "/iptv/channel/{number}.ts"
 * @public_flag: the bit of @flags that makes an /api route open
 * @user_data: (transfer none): kept for the handler
 */
void
exs_http_router_add (ExsHttpRouter *self,
                     const char    *methods,
                     const char    *pattern,
                     guint          flags,
                     guint          public_flag,
                     GCallback      handler,
                     gpointer       user_data)
{
  Route *r;

  g_return_if_fail (pattern[0] == '/');
  r = g_new0 (Route, 1);
  r->methods = g_strsplit (methods, ",", -1);
  for (guint i = 0; r->methods[i]; i++)
    g_strstrip (r->methods[i]);
  r->segments = g_strsplit (pattern, "/", -1);
  r->flags = flags;
  r->admin = r->segments[1] != NULL && g_str_equal (r->segments[1], "api") && !(flags & public_flag);
  r->handler = handler;
  r->user_data = user_data;
  g_ptr_array_add (self->routes, r);
}

/* Matches one pattern segment such as "{number}.ts" against a path segment. */
static gboolean
match_segment (const char *pattern, const char *segment, GHashTable *params)
{
  const char *open = strchr (pattern, '{');
  const char *close;
  gsize prefix_len, suffix_len, seg_len = strlen (segment);
  g_autofree char *name = NULL;

  if (open == NULL)
    return g_str_equal (pattern, segment);
  close = strchr (open, '}');
  g_assert (close != NULL);
  prefix_len = (gsize) (open - pattern);
  suffix_len = strlen (close + 1);
  if (seg_len < prefix_len + suffix_len + 1)
    return FALSE;
  if (strncmp (segment, pattern, prefix_len) != 0 || strcmp (segment + seg_len - suffix_len, close + 1) != 0)
    return FALSE;
  name = g_strndup (open + 1, (gsize) (close - open - 1));
  g_hash_table_replace (params, g_steal_pointer (&name),
                        g_strndup (segment + prefix_len, seg_len - prefix_len - suffix_len));
  return TRUE;
}

static GHashTable *
match_route (const Route *r, char **segments)
{
  g_autoptr (GHashTable) params = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  guint n = g_strv_length (segments);

  if (n != g_strv_length (r->segments))
    return NULL;
  for (guint i = 0; i < n; i++)
    if (!match_segment (r->segments[i], segments[i], params))
      return NULL;
  return g_steal_pointer (&params);
}

/**
 * exs_http_router_split_path:
 * @path: the path as libsoup decoded it
 *
 * Splits on '/' without decoding again; one trailing slash is ignored
 * (/api/channels/ is /api/channels).
 *
 * Returns: (transfer full) (nullable): the segments, the first one "", or
 * %NULL if @path is not UTF-8, has a control character or is not absolute
 */
char **
exs_http_router_split_path (const char *path)
{
  g_auto (GStrv) parts = NULL;
  guint n;

  if (path == NULL || path[0] != '/' || !g_utf8_validate (path, -1, NULL))
    return NULL;
  for (const char *p = path; *p; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      return NULL;
  parts = g_strsplit (path, "/", -1);
  n = g_strv_length (parts);
  if (n > 2 && parts[n - 1][0] == '\0')
    {
      g_free (parts[n - 1]);
      parts[n - 1] = NULL;
    }
  return g_steal_pointer (&parts);
}

static void
add_allowed (GString *allow, char **methods)
{
  for (guint m = 0; methods[m]; m++)
    {
      g_auto (GStrv) have = g_strsplit (allow->str, ", ", -1);

      if (g_strv_contains ((const char *const *) have, methods[m]))
        continue;
      if (allow->len)
        g_string_append (allow, ", ");
      g_string_append (allow, methods[m]);
    }
}

/**
 * exs_http_router_lookup:
 * @path: the request path as libsoup decoded it
 *
 * Returns: (transfer full): what the path and method lead to
 */
ExsHttpRouteMatch *
exs_http_router_lookup (ExsHttpRouter *self, const char *method, const char *path)
{
  g_autoptr (ExsHttpRouteMatch) m = g_new0 (ExsHttpRouteMatch, 1);
  g_auto (GStrv) segments = exs_http_router_split_path (path);
  g_autoptr (GString) allow = g_string_new (NULL);
  gboolean wrong_method_admin = FALSE;

  if (segments == NULL)
    {
      m->result = EXS_HTTP_LOOKUP_BAD_PATH;
      /* a path we cannot read is treated as admin until proven otherwise */
      m->admin = TRUE;
      return g_steal_pointer (&m);
    }
  for (guint i = 0; i < self->routes->len; i++)
    {
      const Route *r = self->routes->pdata[i];
      GHashTable *params = match_route (r, segments);

      if (params == NULL)
        continue;
      if (!g_strv_contains ((const char *const *) r->methods, method))
        {
          add_allowed (allow, r->methods);
          wrong_method_admin |= r->admin;
          g_hash_table_unref (params);
          continue;
        }
      m->result = EXS_HTTP_LOOKUP_FOUND;
      m->admin = r->admin;
      m->flags = r->flags;
      m->handler = r->handler;
      m->user_data = r->user_data;
      m->params = params;
      return g_steal_pointer (&m);
    }
  if (allow->len > 0)
    {
      m->result = EXS_HTTP_LOOKUP_WRONG_METHOD;
      m->admin = wrong_method_admin;
      m->allow = g_string_free (g_steal_pointer (&allow), FALSE);
      return g_steal_pointer (&m);
    }
  m->result = EXS_HTTP_LOOKUP_NOT_FOUND;
  m->admin = segments[1] != NULL && g_ascii_strcasecmp (segments[1], "api") == 0;
  return g_steal_pointer (&m);
}

void
exs_http_route_match_free (ExsHttpRouteMatch *match)
{
  if (match == NULL)
    return;
  g_clear_pointer (&match->params, g_hash_table_unref);
  g_free (match->allow);
  g_free (match);
}
