/* exs-api-library-private.h: helpers shared by the library route families
 * (libraries, media, collections): ids in paths, checked body fields, paging */
#pragma once

#include "exs-api-context.h"
#include "exs-api-format.h"
#include "exs-http-json.h"
#include "exs-library-store.h"

G_BEGIN_DECLS

typedef gpointer (*ExsApiGetById) (ExsDatabase *database,
                                   gint64       id,
                                   GError     **error);
gpointer _exs_api_lookup_by_id (ExsApiContext     *ctx,
                                SoupServerMessage *msg,
                                GHashTable        *params,
                                const char        *what,
                                ExsApiGetById      get);
gboolean _exs_api_check_fields (SoupServerMessage  *msg,
                                JsonObject         *body,
                                const char *const  *known,
                                const char         *what);
gboolean _exs_api_get_paging (SoupServerMessage *msg,
                              GHashTable        *query,
                              guint             *offset,
                              guint             *limit);
void _exs_api_reply_query_error (SoupServerMessage *msg,
                                 const char        *field,
                                 const GError      *error,
                                 int                position);
/* exs-api-libraries.c and exs-api-media-servers.c */
void _exs_api_library_reply (ExsApiContext     *ctx,
                             SoupServerMessage *msg,
                             guint              status,
                             gint64             id);
ExsLibraryRecord *_exs_api_library_lookup (ExsApiContext     *ctx,
                                           SoupServerMessage *msg,
                                           GHashTable        *params);
gboolean _exs_api_media_servers_scan (ExsApiContext          *ctx,
                                      SoupServerMessage      *msg,
                                      const ExsLibraryRecord *r);
void _exs_api_media_servers_describe (ExsApiContext          *ctx,
                                      const ExsLibraryRecord *r,
                                      JsonObject             *o);
JsonObject *_exs_api_page (JsonArray *items,
                           gint64     total,
                           guint      offset,
                           guint      limit);

G_END_DECLS
