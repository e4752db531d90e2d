/* exs-prefs-library-dialog.h: add a library from a folder */
#pragma once

#include <adwaita.h>

#include "exs-prefs-form-dialog.h"

G_BEGIN_DECLS

#define EXS_TYPE_PREFS_LIBRARY_DIALOG (exs_prefs_library_dialog_get_type ())
G_DECLARE_FINAL_TYPE (ExsPrefsLibraryDialog, exs_prefs_library_dialog, EXS, PREFS_LIBRARY_DIALOG, ExsPrefsFormDialog)

ExsPrefsLibraryDialog *exs_prefs_library_dialog_new (GtkWindow      *parent,
                                                     ExsPrefsClient *client);

G_END_DECLS
