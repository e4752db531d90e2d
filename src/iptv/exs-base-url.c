/* exs-base-url.c: absolute URLs for playlists, guides and lineups.
 *
 * Clients store the URLs we write (stream URLs in the M3U, the lineup's URL,
 * the guide's icons), so they must reach us from where the client is. Order:
 * [server] public_base_url if set; else the Host header the client sent,
 * unless it names an address that cannot work for that client (0.0.0.0, or a
 * loopback name while the client is not on loopback); else the local address
 * the connection arrived on. Used by the IPTV and HDHomeRun routes.
 */
#include "config.h"

#include "exs-base-url.h"

#include <string.h>

static gboolean
host_is_loopback_name (const char *host)
{
  return g_ascii_strcasecmp (host, "localhost") == 0 || g_str_has_prefix (host, "127.")
         || g_str_equal (host, "::1") || g_str_equal (host, "[::1]");
}

static gboolean
host_is_unspecified (const char *host)
{
  return g_str_equal (host, "0.0.0.0") || g_str_equal (host, "::") || g_str_equal (host, "[::]");
}

static gboolean
address_is_loopback (GSocketAddress *address)
{
  GInetAddress *inet;

  if (!G_IS_INET_SOCKET_ADDRESS (address))
    return FALSE;
  inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address));
  return g_inet_address_get_is_loopback (inet);
}

/* Host part of a Host header ("[::1]:80" → "[::1]", "tv.lan:8411" → "tv.lan"). */
static char *
host_part (const char *host_header)
{
  const char *colon;

  if (host_header[0] == '[')
    {
      const char *close = strchr (host_header, ']');
      return close ? g_strndup (host_header, (gsize)(close - host_header + 1)) : NULL;
    }
  colon = strrchr (host_header, ':');
  return colon ? g_strndup (host_header, (gsize)(colon - host_header)) : g_strdup (host_header);
}

static gboolean
host_header_is_sane (const char *host)
{
  if (host[0] == '\0' || strlen (host) > 255)
    return FALSE;
  for (const char *p = host; *p; p++)
    if (!(g_ascii_isalnum (*p) || strchr (".-:[]_", *p)))
      return FALSE;
  return TRUE;
}

static char *
local_address_url (SoupServerMessage *msg)
{
  GSocketAddress *local = soup_server_message_get_local_address (msg);
  g_autofree char *ip = NULL;
  GInetAddress *inet;
  guint16 port;

  if (!G_IS_INET_SOCKET_ADDRESS (local))
    return g_strdup ("http://127.0.0.1");
  inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local));
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
  ip = g_inet_address_to_string (inet);
  /* An IPv4 client on a dual-stack socket shows up as ::ffff:a.b.c.d. */
  if (g_str_has_prefix (ip, "::ffff:") && strchr (ip, '.'))
    return g_strdup_printf ("http://%s:%u", ip + 7, port);
  if (g_inet_address_get_family (inet) == G_SOCKET_FAMILY_IPV6)
    return g_strdup_printf ("http://[%s]:%u", ip, port);
  return g_strdup_printf ("http://%s:%u", ip, port);
}

/**
 * exs_base_url_for_message:
 * @public_base_url: (nullable): [server] public_base_url; empty or %NULL if unset
 *
 * Returns: (transfer full): "http://host:port", never ending in "/"
 */
char *
exs_base_url_for_message (SoupServerMessage *msg, const char *public_base_url)
{
  const char *host_header;
  g_autofree char *host = NULL;

  if (public_base_url != NULL && public_base_url[0] != '\0')
    {
      gsize len = strlen (public_base_url);
      while (len > 0 && public_base_url[len - 1] == '/')
        len--;
      return g_strndup (public_base_url, len);
    }

  host_header
      = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Host");
  if (host_header == NULL || !host_header_is_sane (host_header))
    return local_address_url (msg);
  host = host_part (host_header);
  if (host == NULL || host_is_unspecified (host))
    return local_address_url (msg);
  if (host_is_loopback_name (host)
      && !address_is_loopback (soup_server_message_get_remote_address (msg)))
    return local_address_url (msg);
  return g_strdup_printf ("http://%s", host_header);
}

/**
 * exs_base_url_absolute:
 * @url: (nullable): an absolute URL, a path starting with "/", or %NULL
 *
 * Returns: (transfer full) (nullable): @url made absolute against
 * @base_url; %NULL if @url is %NULL, empty or not something a client can fetch
 */
char *
exs_base_url_absolute (const char *base_url, const char *url)
{
  if (url == NULL || url[0] == '\0')
    return NULL;
  if (g_str_has_prefix (url, "http://") || g_str_has_prefix (url, "https://"))
    return g_strdup (url);
  if (url[0] == '/')
    return g_strconcat (base_url, url, NULL);
  return NULL;
}
