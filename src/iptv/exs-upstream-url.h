/* exs-upstream-url.h: the one rule for an upstream live channel's URL */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean exs_upstream_url_check (const char  *url,
                                 gsize        max_bytes,
                                 GError     **error);

G_END_DECLS
