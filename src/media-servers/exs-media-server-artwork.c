/* exs-media-server-artwork.c: the way Plex artwork reaches a browser or a
 * guide client.
 *
 * Plex serves artwork ("/library/metadata/7/thumb/1700000000") only to a
 * request with the server's token. A URL with the token in it would show
 * the token to whoever reads the guide or the API, and a URL without it
 * is a 401. So a Plex library's artwork is stored as a path on this server,
 *
 *   /artwork/<library id>/<the server path, base64url>
 *
 * and that route (src/api/exs-api-artwork.c) fetches it from the library's
 * server with the token as a request header and passes the image on. Only
 * artwork paths are accepted (exs_media_server_artwork_path()): the route
 * cannot be used to reach the rest of the server's API with the token.
 */
#include "config.h"

#include "exs-media-server-artwork.h"

#include <string.h>

#define MAX_PATH 512

/**
 * exs_media_server_artwork_route:
 * @server_path: an artwork path on the library's server ("/library/…")
 *
 * Returns: (transfer full) (nullable): this server's path for it, or %NULL
 *   when @server_path is not an artwork path
 */
char *
exs_media_server_artwork_route (gint64 library_id, const char *server_path)
{
  g_autofree char *encoded = NULL;
  g_autofree char *check = NULL;

  if (server_path == NULL || strlen (server_path) > MAX_PATH)
    return NULL;
  encoded = g_base64_encode ((const guchar *) server_path, strlen (server_path));
  g_strdelimit (encoded, "+", '-');
  g_strdelimit (encoded, "/", '_');
  g_strdelimit (encoded, "=", '\0'); /* no padding: cut at the first '=' */
  check = exs_media_server_artwork_path (encoded);
  if (check == NULL)
    return NULL;
  return g_strdup_printf ("/artwork/%" G_GINT64_FORMAT "/%s", library_id, encoded);
}

/* Whether @path is one of Plex's artwork paths:
 * /library/metadata/<digits>/<thumb|art|banner|clearLogo|poster>[/<digits>] */
static gboolean
is_artwork_path (const char *path)
{
  static const char *const kinds[] = { "thumb", "art", "banner", "clearLogo", "poster", NULL };
  g_auto (GStrv) parts = g_strsplit (path, "/", -1);
  guint n = g_strv_length (parts);

  if (n < 5 || n > 6 || parts[0][0] != '\0' || g_strcmp0 (parts[1], "library") != 0
      || g_strcmp0 (parts[2], "metadata") != 0 || !g_strv_contains (kinds, parts[4]))
    return FALSE;
  for (guint i = 3; i < n; i += (i == 3 ? 2 : 1))
    {
      if (parts[i][0] == '\0' || strlen (parts[i]) > 20)
        return FALSE;
      for (const char *c = parts[i]; *c; c++)
        if (!g_ascii_isdigit (*c))
          return FALSE;
    }
  return TRUE;
}

/**
 * exs_media_server_artwork_path:
 * @encoded: the route's last segment (base64url, no padding)
 *
 * Returns: (transfer full) (nullable): the artwork path on the server, or
 *   %NULL when @encoded is not one (bad base64, not an artwork path)
 */
char *
exs_media_server_artwork_path (const char *encoded)
{
  g_autofree char *padded = NULL;
  g_autofree guchar *raw = NULL;
  gsize len = strlen (encoded), raw_len = 0;

  if (len == 0 || len > MAX_PATH * 2 || strspn (encoded, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
                                            != len)
    return NULL;
  padded = g_strnfill (len + (4 - len % 4) % 4, '=');
  memcpy (padded, encoded, len);
  g_strdelimit (padded, "-", '+');
  g_strdelimit (padded, "_", '/');
  raw = g_base64_decode (padded, &raw_len);
  if (raw == NULL || raw_len == 0 || memchr (raw, '\0', raw_len) != NULL)
    return NULL;
  {
    g_autofree char *path = g_strndup ((const char *) raw, raw_len);
    return is_artwork_path (path) ? g_steal_pointer (&path) : NULL;
  }
}
