/* exs-guide-text.h: text from the library made safe for playlists and guides */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  EXS_GUIDE_TEXT_ONE_LINE = 0,      /* newlines and tabs become spaces */
  EXS_GUIDE_TEXT_KEEP_NEWLINES = 1, /* for <desc> */
} ExsGuideTextFlags;

char *exs_guide_text_clean (const char *text, ExsGuideTextFlags flags);

G_END_DECLS
