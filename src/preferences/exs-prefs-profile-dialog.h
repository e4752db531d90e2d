/* exs-prefs-profile-dialog.h: add or edit one profile (the format a channel sends) */
#pragma once

#include <adwaita.h>

#include "exs-prefs-form-dialog.h"

G_BEGIN_DECLS

#define EXS_TYPE_PREFS_PROFILE_DIALOG (exs_prefs_profile_dialog_get_type ())
G_DECLARE_FINAL_TYPE (ExsPrefsProfileDialog, exs_prefs_profile_dialog, EXS, PREFS_PROFILE_DIALOG, ExsPrefsFormDialog)

/* @profile: (nullable): the profile to edit (its API JSON); %NULL adds one.
 * Returns: (transfer none): the dialog, owned by the toplevel list */
ExsPrefsProfileDialog *exs_prefs_profile_dialog_new (GtkWindow      *parent,
                                                     ExsPrefsClient *client,
                                                     JsonObject     *profile);

G_END_DECLS
