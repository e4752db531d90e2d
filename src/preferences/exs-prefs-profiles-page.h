/* exs-prefs-profiles-page.h: the Profiles page */
#pragma once

#include <adwaita.h>

#include "exs-prefs-list-page.h"

G_BEGIN_DECLS

#define EXS_TYPE_PREFS_PROFILES_PAGE (exs_prefs_profiles_page_get_type ())
G_DECLARE_FINAL_TYPE (ExsPrefsProfilesPage, exs_prefs_profiles_page, EXS, PREFS_PROFILES_PAGE, ExsPrefsListPage)

G_END_DECLS
