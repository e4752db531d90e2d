/* exs-plex-client.h: a Plex Media Server's sections, films, shows, episodes,
 * collections and playlists */
#pragma once

#include "exs-media-server-client.h"

G_BEGIN_DECLS

#define EXS_TYPE_PLEX_CLIENT (exs_plex_client_get_type ())
G_DECLARE_FINAL_TYPE (ExsPlexClient, exs_plex_client, EXS, PLEX_CLIENT, ExsMediaServerClient)

G_END_DECLS
