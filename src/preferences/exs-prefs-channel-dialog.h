/* exs-prefs-channel-dialog.h: add or edit one channel */
#pragma once

#include <adwaita.h>

#include "exs-prefs-form-dialog.h"

G_BEGIN_DECLS

#define EXS_TYPE_PREFS_CHANNEL_DIALOG (exs_prefs_channel_dialog_get_type ())
G_DECLARE_FINAL_TYPE (ExsPrefsChannelDialog, exs_prefs_channel_dialog, EXS, PREFS_CHANNEL_DIALOG, ExsPrefsFormDialog)

/* @channel: (nullable): the channel to edit (its API JSON); %NULL adds one */
ExsPrefsChannelDialog *exs_prefs_channel_dialog_new (GtkWindow      *parent,
                                                     ExsPrefsClient *client,
                                                     JsonObject     *channel);

G_END_DECLS
