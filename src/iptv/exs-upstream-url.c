/* exs-upstream-url.c: what an upstream live channel's URL may be.
 *
 * Used by the channel API (the upstream_url field) and the M3U import: an
 * absolute http or https URL with a host, no control characters or spaces,
 * at most @max_bytes. The engine hands it to GStreamer's http source, so
 * file:// or anything else that reads this machine is refused.
 */
#include "config.h"

#include "exs-upstream-url.h"

#include "exs-http-error.h"

#include <string.h>

gboolean
exs_upstream_url_check (const char *url, gsize max_bytes, GError **error)
{
  g_autoptr (GUri) uri = NULL;
  const char *scheme;

  g_return_val_if_fail (url != NULL, FALSE);

  if (strlen (url) > max_bytes)
    {
      g_set_error (error, EXS_HTTP_ERROR, EXS_HTTP_ERROR_INVALID_FIELD,
                   "upstream_url must be at most %" G_GSIZE_FORMAT " bytes", max_bytes);
      return FALSE;
    }
  for (const char *p = url; *p; p++)
    if ((guchar) *p <= 0x20 || *p == 0x7f)
      {
        g_set_error (error, EXS_HTTP_ERROR, EXS_HTTP_ERROR_INVALID_FIELD,
                     "upstream_url must not hold spaces or control characters");
        return FALSE;
      }
  uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  scheme = uri ? g_uri_get_scheme (uri) : NULL;
  if (scheme == NULL || !(g_ascii_strcasecmp (scheme, "http") == 0 || g_ascii_strcasecmp (scheme, "https") == 0)
      || g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    {
      g_set_error (error, EXS_HTTP_ERROR, EXS_HTTP_ERROR_INVALID_FIELD,
                   "upstream_url must be an http:// or https:// URL with a host (an HLS playlist or an MPEG-TS "
                   "stream), not “%.80s”",
                   url);
      return FALSE;
    }
  return TRUE;
}
