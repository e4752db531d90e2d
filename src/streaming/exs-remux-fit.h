/* exs-remux-fit.h: can a channel's coming items be remuxed? (from the library's facts) */
#pragma once

#include "exs-channel.h"
#include "exs-database.h"
#include "exs-playout-source.h"

G_BEGIN_DECLS

/* How far ahead a channel in transcode_mode "auto" looks when it starts. */
#define EXS_REMUX_FIT_LOOKAHEAD_US (4 * G_TIME_SPAN_HOUR)

gboolean exs_remux_fit_schedule (ExsDatabase             *database,
                                 ExsPlayoutSource        *playout,
                                 const char              *channel_number,
                                 const ExsChannelProfile *profile,
                                 gint64                   from_us,
                                 gint64                   to_us,
                                 char                   **why);

G_END_DECLS
