/* exs-schedule-media.h: a schedule item's override of its channel's media
 * settings (audio and subtitle languages, subtitle mode, watermark off) */
#pragma once

#include "exs-channel-media.h"

G_BEGIN_DECLS

char *exs_schedule_media_parse (JsonNode    *node,
                                const char  *path,
                                GError     **error);
JsonNode *exs_schedule_media_to_json (const char *canonical);

G_END_DECLS
