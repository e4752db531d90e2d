/* exs-channel-subtitles.h: which subtitle track a channel burns into an item */
#pragma once

#include "exs-channel-media.h"

G_BEGIN_DECLS

/* One subtitle track an item could show: embedded in the media or a
 * sidecar file next to it. */
typedef struct
{
  const char *language; /* (nullable) any ISO 639 form: "en", "eng", "fre" */
  gboolean forced;      /* carries forced subtitles only */
  gboolean external;    /* a sidecar file */
} ExsSubtitleCandidate;

int exs_subtitle_choose (const ExsSubtitleCandidate *candidates,
                         guint                       n_candidates,
                         const char *const          *languages,
                         ExsSubtitleMode             mode);
gboolean exs_subtitle_language_equal (const char *a,
                                      const char *b);

G_END_DECLS
