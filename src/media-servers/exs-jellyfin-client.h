/* exs-jellyfin-client.h: a Jellyfin or Emby server's libraries, films,
 * series, episodes, collections (BoxSets) and playlists */
#pragma once

#include "exs-media-server-client.h"

G_BEGIN_DECLS

#define EXS_TYPE_JELLYFIN_CLIENT (exs_jellyfin_client_get_type ())
G_DECLARE_FINAL_TYPE (ExsJellyfinClient, exs_jellyfin_client, EXS, JELLYFIN_CLIENT, ExsMediaServerClient)

G_END_DECLS
