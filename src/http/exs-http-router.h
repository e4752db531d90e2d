/* exs-http-router.h: the route table: a decoded path and a method to a handler */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef struct _ExsHttpRouter ExsHttpRouter;

typedef enum
{
  EXS_HTTP_LOOKUP_FOUND,
  EXS_HTTP_LOOKUP_WRONG_METHOD, /* the path exists; see allow */
  EXS_HTTP_LOOKUP_NOT_FOUND,
  EXS_HTTP_LOOKUP_BAD_PATH,     /* not UTF-8, or a control character */
} ExsHttpLookupResult;

/**
 * ExsHttpRouteMatch:
 * @admin: whether the request is for the admin API: its route is under /api
 *   and not public, or, with no route, its first segment is "api" in any case.
 *   Decided on the same segments the route was matched on.
 * @params: (element-type utf8 utf8) (nullable): the pattern's {captures}
 * @allow: (nullable): for WRONG_METHOD, the methods the path takes ("GET, HEAD")
 */
typedef struct
{
  ExsHttpLookupResult result;
  gboolean admin;
  guint flags;
  GCallback handler;
  gpointer user_data;
  GHashTable *params;
  char *allow;
} ExsHttpRouteMatch;

ExsHttpRouter *exs_http_router_new (void);
void exs_http_router_free (ExsHttpRouter *self);
void exs_http_router_add (ExsHttpRouter *self,
                          const char    *methods,
                          const char    *pattern,
                          guint          flags,
                          guint          public_flag,
                          GCallback      handler,
                          gpointer       user_data);
char **exs_http_router_split_path (const char *path);
ExsHttpRouteMatch *exs_http_router_lookup (ExsHttpRouter *self,
                                           const char    *method,
                                           const char    *path);
void exs_http_route_match_free (ExsHttpRouteMatch *match);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExsHttpRouter, exs_http_router_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExsHttpRouteMatch, exs_http_route_match_free)

G_END_DECLS
