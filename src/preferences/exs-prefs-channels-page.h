/* exs-prefs-channels-page.h: the Channels page */
#pragma once

#include <adwaita.h>

#include "exs-prefs-list-page.h"

G_BEGIN_DECLS

#define EXS_TYPE_PREFS_CHANNELS_PAGE (exs_prefs_channels_page_get_type ())
G_DECLARE_FINAL_TYPE (ExsPrefsChannelsPage, exs_prefs_channels_page, EXS, PREFS_CHANNELS_PAGE, ExsPrefsListPage)

G_END_DECLS
