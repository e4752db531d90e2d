/* exs-api-library-private.h: helpers shared by the library route families
 * (libraries, media, collections): ids in paths, checked body fields, paging */
#pragma once

#include "exs-api-context.h"
#include "exs-api-format.h"
#include "exs-http-json.h"

G_BEGIN_DECLS

gboolean _exs_api_parse_id (const char *text,
                            gint64     *id);
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
JsonObject *_exs_api_page (JsonArray *items,
                           gint64     total,
                           guint      offset,
                           guint      limit);

G_END_DECLS
