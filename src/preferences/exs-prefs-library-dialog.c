/* exs-prefs-library-dialog.c: ExsPrefsLibraryDialog, the "add a library" form.
 *
 * The folder comes from GtkFileChooserNative (GTK 4.8 has no GtkFileDialog),
 * which is the file chooser portal inside the Flatpak; or a URL row makes a
 * URL library (source "url": a media or M3U URL, archive:ID, ytdl:page).
 * POST /api/libraries starts the first scan; the server's validation message
 * stays in the form.
 */
#include "config.h"

#include "exs-prefs-library-dialog.h"

#include <glib/gi18n.h>

static const char *const kinds[] = { "movies", "shows", "music_videos", "other_videos", "music" };

struct _ExsPrefsLibraryDialog
{
  ExsPrefsFormDialog parent_instance;

  AdwEntryRow *name_row;
  AdwComboRow *kind_row;
  AdwActionRow *folder_row;
  AdwEntryRow *url_row;

  GtkFileChooserNative *chooser;
  char *folder;
};

G_DEFINE_FINAL_TYPE (ExsPrefsLibraryDialog, exs_prefs_library_dialog, EXS_TYPE_PREFS_FORM_DIALOG)

static void
on_chooser_response_cb (GtkNativeDialog *chooser, int response, ExsPrefsLibraryDialog *self)
{
  g_autoptr (GFile) file = NULL;

  if (response == GTK_RESPONSE_ACCEPT)
    file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
  if (file)
    {
      g_autofree char *base = g_file_get_basename (file);
      g_free (self->folder);
      self->folder = g_file_get_path (file);
      adw_action_row_set_subtitle (self->folder_row, self->folder ? self->folder : "");
      if (gtk_editable_get_text (GTK_EDITABLE (self->name_row))[0] == '\0' && base)
        gtk_editable_set_text (GTK_EDITABLE (self->name_row), base);
    }
  g_clear_object (&self->chooser);
}

static void
on_choose_clicked_cb (GtkButton *button, ExsPrefsLibraryDialog *self)
{
  if (self->chooser)
    return;
  self->chooser = gtk_file_chooser_native_new (_("Choose a Media Folder"), GTK_WINDOW (self),
                                               GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, _("_Choose"), _("_Cancel"));
  g_signal_connect (self->chooser, "response", G_CALLBACK (on_chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
exs_prefs_library_dialog_save (ExsPrefsFormDialog *dialog)
{
  ExsPrefsLibraryDialog *self = EXS_PREFS_LIBRARY_DIALOG (dialog);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) body = NULL;
  guint kind = adw_combo_row_get_selected (self->kind_row);
  g_autofree char *url = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->url_row))));

  if (self->folder == NULL && url[0] == '\0')
    {
      exs_prefs_form_dialog_show_error (dialog, _("Choose a folder or give a URL first."));
      return;
    }
  json_builder_begin_object (b);
  if (url[0] != '\0')
    {
      /* a URL library; the server checks the entry and says what is wrong */
      json_builder_set_member_name (b, "source");
      json_builder_add_string_value (b, "url");
    }
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, gtk_editable_get_text (GTK_EDITABLE (self->name_row)));
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, kinds[kind < G_N_ELEMENTS (kinds) ? kind : 0]);
  json_builder_set_member_name (b, "paths");
  json_builder_begin_array (b);
  json_builder_add_string_value (b, url[0] != '\0' ? url : self->folder);
  json_builder_end_array (b);
  json_builder_end_object (b);
  body = json_builder_get_root (b);
  exs_prefs_form_dialog_submit (dialog, body);
}

static void
exs_prefs_library_dialog_dispose (GObject *object)
{
  ExsPrefsLibraryDialog *self = EXS_PREFS_LIBRARY_DIALOG (object);

  if (self->chooser)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  G_OBJECT_CLASS (exs_prefs_library_dialog_parent_class)->dispose (object);
}

static void
exs_prefs_library_dialog_finalize (GObject *object)
{
  g_free (EXS_PREFS_LIBRARY_DIALOG (object)->folder);
  G_OBJECT_CLASS (exs_prefs_library_dialog_parent_class)->finalize (object);
}

static void
exs_prefs_library_dialog_class_init (ExsPrefsLibraryDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  ExsPrefsFormDialogClass *form_class = EXS_PREFS_FORM_DIALOG_CLASS (klass);

  object_class->dispose = exs_prefs_library_dialog_dispose;
  object_class->finalize = exs_prefs_library_dialog_finalize;
  form_class->save = exs_prefs_library_dialog_save;
  exs_prefs_form_dialog_class_set_template (form_class, "/io/github/exstreamtv/ExStreamTV/exs-prefs-library-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsLibraryDialog, name_row);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsLibraryDialog, kind_row);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsLibraryDialog, folder_row);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsLibraryDialog, url_row);
  gtk_widget_class_bind_template_callback (widget_class, on_choose_clicked_cb);
}

static void
exs_prefs_library_dialog_init (ExsPrefsLibraryDialog *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * exs_prefs_library_dialog_new:
 *
 * Returns: (transfer none): the dialog, owned by the toplevel list
 */
ExsPrefsLibraryDialog *
exs_prefs_library_dialog_new (GtkWindow *parent, ExsPrefsClient *client)
{
  ExsPrefsLibraryDialog *self = g_object_new (EXS_TYPE_PREFS_LIBRARY_DIALOG, "transient-for", parent, "modal", TRUE,
                                              "client", client, NULL);

  exs_prefs_form_dialog_set_target (EXS_PREFS_FORM_DIALOG (self), "POST", "/api/libraries");
  return self;
}
