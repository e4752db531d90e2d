/* exs-media-server-client.h: the base class of the Plex and Jellyfin/Emby
 * clients — one server's libraries and items, read over HTTP */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "exs-media-server-config.h"
#include "exs-remote-item.h"

G_BEGIN_DECLS

#define EXS_MEDIA_SERVER_PAGE_SIZE 200
#define EXS_MEDIA_SERVER_MAX_ITEMS 100000
#define EXS_MEDIA_SERVER_MAX_REPLY (32 * 1024 * 1024)

#define EXS_TYPE_MEDIA_SERVER_CLIENT (exs_media_server_client_get_type ())
G_DECLARE_DERIVABLE_TYPE (ExsMediaServerClient, exs_media_server_client, EXS, MEDIA_SERVER_CLIENT, GObject)

/* Called on each entry of a paged listing; FALSE (with @error) stops it. */
typedef gboolean (*ExsMediaServerEntryFunc) (ExsMediaServerClient  *self,
                                             JsonObject            *entry,
                                             gpointer               data,
                                             GError               **error);

/* How a server pages its listings: the same for every listing of one kind of server */
typedef struct
{
  const char *start_param;   /* the query parameter of the page's first index */
  const char *size_param;    /* the query parameter of the page's size */
  const char *container;     /* (nullable) the reply's member that holds the page; NULL: the reply itself */
  const char *entries;       /* the page's array of entries */
  gboolean entries_required; /* a page without @entries: TRUE a bad reply, FALSE the end */
  const char *total;         /* the page's count of every entry (may be missing) */
} ExsMediaServerPaging;

struct _ExsMediaServerClientClass
{
  GObjectClass parent_class;

  /* (element-type ExsRemoteLibrary) (transfer full) (nullable) */
  GPtrArray *(*list_libraries) (ExsMediaServerClient  *self,
                                GCancellable          *cancellable,
                                GError               **error);
  /* adds the films or shows/episodes, and the collections, of @library to @catalog */
  gboolean (*read_library) (ExsMediaServerClient    *self,
                            const ExsRemoteLibrary  *library,
                            ExsRemoteCatalog        *catalog,
                            GCancellable            *cancellable,
                            GError                 **error);
  /* how the server pages listings, for exs_media_server_client_for_each_entry() */
  const ExsMediaServerPaging *paging;
};

ExsMediaServerClient *exs_media_server_client_new (const ExsMediaServerConfig *config);
const ExsMediaServerConfig *exs_media_server_client_get_config (ExsMediaServerClient *self);

GPtrArray *exs_media_server_client_list_libraries (ExsMediaServerClient  *self,
                                                   GCancellable          *cancellable,
                                                   GError               **error);
gboolean exs_media_server_client_read_library (ExsMediaServerClient    *self,
                                               const ExsRemoteLibrary  *library,
                                               ExsRemoteCatalog        *catalog,
                                               GCancellable            *cancellable,
                                               GError                 **error);

/* for the subclasses */
JsonNode *exs_media_server_client_get_json (ExsMediaServerClient  *self,
                                            const char            *path,
                                            const char            *query,
                                            GHashTable            *headers,
                                            GCancellable          *cancellable,
                                            GError               **error);
char *exs_media_server_client_dup_url (ExsMediaServerClient *self,
                                       const char           *path);
gboolean exs_media_server_client_count_item (ExsMediaServerClient  *self,
                                             ExsRemoteCatalog      *catalog,
                                             GError               **error);
gboolean exs_media_server_client_for_each_entry (ExsMediaServerClient     *self,
                                                 const char               *path,
                                                 const char               *query,
                                                 ExsMediaServerEntryFunc   func,
                                                 gpointer                  data,
                                                 GCancellable             *cancellable,
                                                 GError                  **error);
void exs_media_server_add_collection (GPtrArray  *found,
                                      const char *id,
                                      const char *title,
                                      gboolean    playlist);
void exs_media_server_add_member (ExsRemoteCollection *collection,
                                  char                *id);

/* JSON readers that accept a missing or mistyped member */
const char *exs_json_text (JsonObject *o,
                           const char *member);
gint64 exs_json_int (JsonObject *o,
                     const char *member,
                     gint64      fallback);
double exs_json_double (JsonObject *o,
                        const char *member);
JsonArray *exs_json_array (JsonObject *o,
                           const char *member);
JsonObject *exs_json_object (JsonObject *o,
                             const char *member);
JsonObject *exs_json_first_object (JsonObject *o,
                                   const char *member);
char *exs_json_dup_id (JsonObject *o,
                       const char *member);

G_END_DECLS
