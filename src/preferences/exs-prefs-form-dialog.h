/* exs-prefs-form-dialog.h: the base of the app's add/edit forms */
#pragma once

#include <adwaita.h>

#include "exs-prefs-client.h"

G_BEGIN_DECLS

#define EXS_TYPE_PREFS_FORM_DIALOG (exs_prefs_form_dialog_get_type ())
G_DECLARE_DERIVABLE_TYPE (ExsPrefsFormDialog, exs_prefs_form_dialog, EXS, PREFS_FORM_DIALOG, AdwWindow)

struct _ExsPrefsFormDialogClass
{
  AdwWindowClass parent_class;

  /* the Save button was clicked: check the form, then exs_prefs_form_dialog_submit() */
  void (*save) (ExsPrefsFormDialog *self);
};

/* For the subclass's class_init: its template (@resource), whose
 * "error_label" and "save_button" and the "on_save_clicked_cb" and
 * "on_cancel_clicked_cb" handlers are the base's; Escape closes. The
 * subclass's init calls gtk_widget_init_template(). */
void exs_prefs_form_dialog_class_set_template (ExsPrefsFormDialogClass *klass,
                                               const char              *resource);

/* Returns: (transfer none): the client given at construction ("client") */
ExsPrefsClient *exs_prefs_form_dialog_get_client (ExsPrefsFormDialog *self);
GtkButton *exs_prefs_form_dialog_get_save_button (ExsPrefsFormDialog *self);

/* Shows @message in the form; nothing typed is lost. */
void exs_prefs_form_dialog_show_error (ExsPrefsFormDialog *self,
                                       const char         *message);
/* Where the form goes: @method @path (an add form POSTs to the collection, an edit
 * form PATCHes what it edits). */
void exs_prefs_form_dialog_set_target (ExsPrefsFormDialog *self,
                                       const char         *method,
                                       const char         *path);
/* Sends @body to the target: the server's error is shown in the form;
 * success emits "saved" with the reply's JSON object and closes the dialog. */
void exs_prefs_form_dialog_submit (ExsPrefsFormDialog *self,
                                   JsonNode           *body);

G_END_DECLS
