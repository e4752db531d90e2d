/* exs-prefs-window.h: the app's main window */
#pragma once

#include <adwaita.h>

#include "exs-prefs-application.h"

G_BEGIN_DECLS

#define EXS_TYPE_PREFS_WINDOW (exs_prefs_window_get_type ())
G_DECLARE_FINAL_TYPE (ExsPrefsWindow, exs_prefs_window, EXS, PREFS_WINDOW, AdwApplicationWindow)

ExsPrefsWindow *exs_prefs_window_new (ExsPrefsApplication *app,
                                      const char          *base_url,
                                      const char          *data_dir,
                                      const char          *config_file,
                                      const char *const   *server_args);
/* Shows @message as a toast in the window holding @widget. */
void exs_prefs_window_toast (GtkWidget  *widget,
                             const char *message);

G_END_DECLS
