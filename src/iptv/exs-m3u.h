/* exs-m3u.h: the extended M3U playlist IPTV players load */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean exs_m3u_channel_is_listed (const char *streaming_mode, gboolean enabled);
char *exs_m3u_build (GPtrArray *channels, const char *base_url);
char *exs_m3u_attribute_value (const char *text);
char *exs_xmltv_channel_id (const char *number);

G_END_DECLS
