/* exs-prefs-m3u-dialog.h: import upstream live channels from an M3U playlist */
#pragma once

#include <adwaita.h>

#include "exs-prefs-form-dialog.h"

G_BEGIN_DECLS

#define EXS_TYPE_PREFS_M3U_DIALOG (exs_prefs_m3u_dialog_get_type ())
G_DECLARE_FINAL_TYPE (ExsPrefsM3uDialog, exs_prefs_m3u_dialog, EXS, PREFS_M3U_DIALOG, ExsPrefsFormDialog)

/* Returns: (transfer none): the dialog, owned by the toplevel list; "saved"
 * gives the server's answer ({"created", "skipped", "guide"}) */
ExsPrefsM3uDialog *exs_prefs_m3u_dialog_new (GtkWindow      *parent,
                                             ExsPrefsClient *client);

G_END_DECLS
