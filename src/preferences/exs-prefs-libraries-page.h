/* exs-prefs-libraries-page.h: the Libraries page */
#pragma once

#include <adwaita.h>

#include "exs-prefs-client.h"

G_BEGIN_DECLS

#define EXS_TYPE_PREFS_LIBRARIES_PAGE (exs_prefs_libraries_page_get_type ())
G_DECLARE_FINAL_TYPE (ExsPrefsLibrariesPage, exs_prefs_libraries_page, EXS, PREFS_LIBRARIES_PAGE, AdwBin)

void exs_prefs_libraries_page_setup (ExsPrefsLibrariesPage *self,
                                     ExsPrefsClient        *client);
void exs_prefs_libraries_page_set_running (ExsPrefsLibrariesPage *self,
                                           gboolean               running);
void exs_prefs_libraries_page_refresh (ExsPrefsLibrariesPage *self);

G_END_DECLS
