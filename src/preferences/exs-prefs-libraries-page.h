/* exs-prefs-libraries-page.h: the Libraries page */
#pragma once

#include <adwaita.h>

#include "exs-prefs-list-page.h"

G_BEGIN_DECLS

#define EXS_TYPE_PREFS_LIBRARIES_PAGE (exs_prefs_libraries_page_get_type ())
G_DECLARE_FINAL_TYPE (ExsPrefsLibrariesPage, exs_prefs_libraries_page, EXS, PREFS_LIBRARIES_PAGE, ExsPrefsListPage)

G_END_DECLS
