/* exs-media-server-write.h: a sync's write step — the server's catalog into
 * the library tables, through the library stores */
#pragma once

#include "exs-database.h"
#include "exs-library-store.h"
#include "exs-remote-item.h"

G_BEGIN_DECLS

char *exs_media_server_item_uri (gint64               library_id,
                                 const ExsRemoteItem *item);
char *exs_media_server_uri_identity (const char *uri);
gboolean exs_media_server_write_catalog (ExsDatabase             *db,
                                         const ExsLibraryRecord  *library,
                                         const char              *server_name,
                                         ExsRemoteCatalog        *catalog,
                                         ExsLibraryScanCounts    *counts,
                                         GError                 **error);
gboolean exs_media_server_write_failure (ExsDatabase             *db,
                                         const ExsLibraryRecord  *library,
                                         const char              *message,
                                         GError                 **error);

G_END_DECLS
