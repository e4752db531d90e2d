/* exs-fake-media-server.h: a local libsoup server answering as Plex,
 * Jellyfin or Emby do (the JSON shapes of their public API documentation),
 * serving a real media file, in its own thread */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _ExsFakeMediaServer ExsFakeMediaServer;

/* @source: "plex", "jellyfin" or "emby"; @media: the file every item streams */
ExsFakeMediaServer *exs_fake_media_server_new (const char *source,
                                               const char *token,
                                               const char *media);
void exs_fake_media_server_free (ExsFakeMediaServer *fake);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExsFakeMediaServer, exs_fake_media_server_free)

const char *exs_fake_media_server_get_url (ExsFakeMediaServer *fake);
/* the server's film library and show library ids */
const char *exs_fake_media_server_movies_id (ExsFakeMediaServer *fake);
const char *exs_fake_media_server_shows_id (ExsFakeMediaServer *fake);

void exs_fake_media_server_add_movie (ExsFakeMediaServer *fake,
                                      const char         *id,
                                      const char         *title,
                                      int                 year,
                                      const char         *server_path);
void exs_fake_media_server_add_show (ExsFakeMediaServer *fake,
                                     const char         *id,
                                     const char         *title);
void exs_fake_media_server_add_episode (ExsFakeMediaServer *fake,
                                        const char         *id,
                                        const char         *show_id,
                                        int                 season,
                                        int                 episode,
                                        const char         *title,
                                        const char         *server_path);
void exs_fake_media_server_add_collection (ExsFakeMediaServer *fake,
                                           const char         *id,
                                           const char         *title,
                                           const char *const  *members);
void exs_fake_media_server_retitle (ExsFakeMediaServer *fake,
                                    const char         *id,
                                    const char         *title);
void exs_fake_media_server_remove (ExsFakeMediaServer *fake,
                                   const char         *id);
/* answers after @ms; 0: at once */
void exs_fake_media_server_set_delay (ExsFakeMediaServer *fake,
                                      guint               ms);
/* closes the connection of every request after the next @n; -1: never */
void exs_fake_media_server_die_after (ExsFakeMediaServer *fake,
                                      int                 n);
guint exs_fake_media_server_count (ExsFakeMediaServer *fake,
                                   const char         *what);

G_END_DECLS
