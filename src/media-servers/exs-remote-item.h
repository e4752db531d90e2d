/* exs-remote-item.h: what a Plex, Jellyfin or Emby server says about its
 * libraries, shows, films and episodes, in one shape for every kind of server */
#pragma once

#include <glib.h>

#include "exs-media-probe.h"

G_BEGIN_DECLS

/* One of the server's own libraries (a Plex section, a Jellyfin view). */
typedef struct
{
  char *id;              /* the server's id: Plex section key, Jellyfin/Emby ItemId */
  char *title;
  char *kind;            /* (nullable) our library kind: "movies" or "shows"; NULL: not video we sync */
} ExsRemoteLibrary;

typedef struct
{
  char *id;              /* the server's id of the show (ratingKey, SeriesId) */
  char *title;
  char *sort_title;      /* (nullable) */
  int year;              /* 0: unknown */
  char *plot;            /* (nullable), like every text below */
  char *content_rating;
  char *studio;
  char *path;            /* the show's folder on the server */
  char *poster;          /* artwork URL on the server (no token) */
  char *fanart;
  double rating;         /* 0: none */
  GPtrArray *genres;     /* (element-type utf8) */
} ExsRemoteShow;

typedef struct
{
  char *id;              /* the server's id of the film or episode */
  char *title;
  char *sort_title;      /* (nullable), like every text below but stream_path */
  char *plot;
  int year;              /* 0: unknown */
  char *content_rating;
  char *studio;
  double rating;         /* 0: none */
  char *show_id;         /* episodes: the server's id of the show */
  int season;            /* -1: none */
  int episode;           /* -1: none */
  gint64 size;           /* bytes; 0: unknown */
  gint64 stamp;          /* changes whenever the server changes the item (updatedAt, Etag) */
  char *server_path;     /* the file's path on the server's disk (for path mappings) */
  char *stream_path;     /* what to GET on the server for the file itself (no token) */
  char *poster;
  char *thumb;
  char *fanart;
  GPtrArray *genres;     /* (element-type utf8) */
  ExsMediaFacts *facts;  /* duration, container and streams as the server gives them */
} ExsRemoteItem;

/* A server collection or playlist, by its members' server ids. */
typedef struct
{
  char *id;
  char *title;
  gboolean playlist;
  GPtrArray *item_ids;   /* (element-type utf8) in the server's order */
} ExsRemoteCollection;

ExsRemoteLibrary *exs_remote_library_new (const char *id,
                                          const char *title,
                                          const char *kind);
void exs_remote_library_free (ExsRemoteLibrary *library);
ExsRemoteShow *exs_remote_show_new (void);
void exs_remote_show_free (ExsRemoteShow *show);
ExsRemoteItem *exs_remote_item_new (void);
void exs_remote_item_free (ExsRemoteItem *item);
ExsRemoteCollection *exs_remote_collection_new (const char *id,
                                                const char *title,
                                                gboolean    playlist);
void exs_remote_collection_free (ExsRemoteCollection *collection);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExsRemoteLibrary, exs_remote_library_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExsRemoteShow, exs_remote_show_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExsRemoteItem, exs_remote_item_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExsRemoteCollection, exs_remote_collection_free)

/* What one sync read from the server: every show, item and collection of
 * the libraries it syncs. */
typedef struct
{
  GHashTable *shows;        /* server id → ExsRemoteShow */
  GPtrArray *items;         /* (element-type ExsRemoteItem) */
  GPtrArray *collections;   /* (element-type ExsRemoteCollection) */
} ExsRemoteCatalog;

ExsRemoteCatalog *exs_remote_catalog_new (void);
void exs_remote_catalog_free (ExsRemoteCatalog *catalog);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExsRemoteCatalog, exs_remote_catalog_free)

G_END_DECLS
