/* exs-prefs-application.h: exstreamtv-preferences, the desktop app */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define EXS_PREFS_APP_ID "io.github.exstreamtv.ExStreamTV"

#define EXS_TYPE_PREFS_APPLICATION (exs_prefs_application_get_type ())
G_DECLARE_FINAL_TYPE (ExsPrefsApplication, exs_prefs_application, EXS, PREFS_APPLICATION, AdwApplication)

ExsPrefsApplication *exs_prefs_application_new (void);

G_END_DECLS
