/* exs-media-server-artwork.h: Plex artwork through this server's
 * /artwork/{library}/{path} route, which adds the token */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define EXS_MEDIA_SERVER_ARTWORK_MAX_BYTES (16 * 1024 * 1024)

char *exs_media_server_artwork_route (gint64      library_id,
                                      const char *server_path);
char *exs_media_server_artwork_path (const char *encoded);

G_END_DECLS
