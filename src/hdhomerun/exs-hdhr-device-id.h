/* exs-hdhr-device-id.h: HDHomeRun device IDs and their check digit */
#pragma once

#include "exs-config.h"
#include "exs-database.h"

G_BEGIN_DECLS

#define EXS_HDHR_SETTING_DEVICE_ID "hdhomerun.device_id"
#define EXS_HDHR_SETTING_DEVICE_AUTH "hdhomerun.device_auth"

gboolean exs_hdhr_device_id_is_valid (guint32 id);
guint32 exs_hdhr_device_id_with_check_digit (guint32 id);
gboolean exs_hdhr_device_id_parse (const char *text, guint32 *id);
guint32 exs_hdhr_device_id_generate (void);
gboolean exs_hdhr_device_id_ensure (ExsConfig *config, ExsDatabase *database, guint32 *device_id,
                                    char **device_auth, GError **error);

G_END_DECLS
