/* exs-iptv-check.h: real clients checking our playlist and guide (VLC, tv_validate_file) */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  char *name;
  char *url;
} ExsVlcEntry;

char *exs_check_write_temp (const char *name, const char *contents, gsize length);
void exs_check_remove_temp (const char *path);
void exs_check_xmltv_validates (const char *path);
GPtrArray *exs_check_vlc_playlist (const char *path);

G_END_DECLS
