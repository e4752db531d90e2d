/* exs-prefs-form-dialog.h: the base of the app's add/edit forms */
#pragma once

#include <adwaita.h>

#include "exs-prefs-client.h"
#include "exs-prefs-form-fields.h"

G_BEGIN_DECLS

#define EXS_TYPE_PREFS_FORM_DIALOG (exs_prefs_form_dialog_get_type ())
G_DECLARE_DERIVABLE_TYPE (ExsPrefsFormDialog, exs_prefs_form_dialog, EXS, PREFS_FORM_DIALOG, AdwWindow)

struct _ExsPrefsFormDialogClass
{
  AdwWindowClass parent_class;

  /* the Save button was clicked: check the form, then exs_prefs_form_dialog_submit();
   * by default the fields' body is sent */
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
/* Makes an add form an edit form: PATCH @path, titled @title, saved with "Save". */
void exs_prefs_form_dialog_set_editing (ExsPrefsFormDialog *self,
                                        const char         *title,
                                        const char         *path);
/* Adds rows for @table to @group (see ExsPrefsFormFields); a 422 naming one
 * of their members shows next to its row.
 * Returns: (transfer none): the dialog's fields */
ExsPrefsFormFields *exs_prefs_form_dialog_add_fields (ExsPrefsFormDialog  *self,
                                                      AdwPreferencesGroup *group,
                                                      const ExsPrefsField *table,
                                                      gsize                n);
/* Returns: (transfer none) (nullable): the rows made by add_fields() */
ExsPrefsFormFields *exs_prefs_form_dialog_get_fields (ExsPrefsFormDialog *self);
/* Returns: (transfer full) (nullable): an object of the fields' values, or
 * %NULL when one cannot be read (its message shown next to it) */
JsonNode *exs_prefs_form_dialog_read_fields (ExsPrefsFormDialog *self);

/* Asks the server for @method @path (@body may be NULL) for the form
 * (cancelled when it closes); @callback gets a reference to the dialog as
 * its user data. */
void exs_prefs_form_dialog_request (ExsPrefsFormDialog  *self,
                                    const char          *method,
                                    const char          *path,
                                    JsonNode            *body,
                                    GAsyncReadyCallback  callback);

typedef void (*ExsPrefsFileChosen) (ExsPrefsFormDialog *self,
                                    GFile              *file);
/* Asks for a file or folder (@action) with GtkFileChooserNative (the portal
 * inside the Flatpak); @chosen is called with what was accepted. One at a time. */
void exs_prefs_form_dialog_choose_file (ExsPrefsFormDialog   *self,
                                        const char           *title,
                                        GtkFileChooserAction  action,
                                        ExsPrefsFileChosen    chosen);

/* Sends @body to the target: the server's error is shown in the form;
 * success emits "saved" with the reply's JSON object and closes the dialog. */
void exs_prefs_form_dialog_submit (ExsPrefsFormDialog *self,
                                   JsonNode           *body);

G_END_DECLS
