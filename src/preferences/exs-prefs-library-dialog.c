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

static const char *const kinds[] = { "movies", "shows", "music_videos", "other_videos" };

struct _ExsPrefsLibraryDialog
{
  AdwWindow parent_instance;

  AdwEntryRow *name_row;
  AdwComboRow *kind_row;
  AdwActionRow *folder_row;
  AdwEntryRow *url_row;
  GtkLabel *error_label;
  GtkButton *save_button;

  ExsPrefsClient *client;
  GtkFileChooserNative *chooser;
  char *folder;
  GCancellable *cancellable;
};

G_DEFINE_FINAL_TYPE (ExsPrefsLibraryDialog, exs_prefs_library_dialog, ADW_TYPE_WINDOW)

enum { SIGNAL_SAVED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
show_error (ExsPrefsLibraryDialog *self, const char *message)
{
  gtk_label_set_text (self->error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
}

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
on_saved_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ExsPrefsLibraryDialog) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) reply = exs_prefs_client_request_finish (EXS_PREFS_CLIENT (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), TRUE);
  if (reply == NULL)
    {
      show_error (self, error->message);
      return;
    }
  g_signal_emit (self, signals[SIGNAL_SAVED], 0);
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
on_save_clicked_cb (GtkButton *button, ExsPrefsLibraryDialog *self)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) body = NULL;
  guint kind = adw_combo_row_get_selected (self->kind_row);
  g_autofree char *url = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (self->url_row))));

  if (self->folder == NULL && url[0] == '\0')
    {
      show_error (self, _("Choose a folder or give a URL first."));
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
  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), FALSE);
  exs_prefs_client_request_async (self->client, "POST", "/api/libraries", body, 10000, self->cancellable, on_saved_cb,
                                  g_object_ref (self));
}

static void
on_cancel_clicked_cb (GtkButton *button, ExsPrefsLibraryDialog *self)
{
  gtk_window_close (GTK_WINDOW (self));
}

static void
exs_prefs_library_dialog_dispose (GObject *object)
{
  ExsPrefsLibraryDialog *self = EXS_PREFS_LIBRARY_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  if (self->chooser)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
  g_clear_object (&self->chooser);
  gtk_widget_dispose_template (GTK_WIDGET (self), EXS_TYPE_PREFS_LIBRARY_DIALOG);
  G_OBJECT_CLASS (exs_prefs_library_dialog_parent_class)->dispose (object);
}

static void
exs_prefs_library_dialog_finalize (GObject *object)
{
  ExsPrefsLibraryDialog *self = EXS_PREFS_LIBRARY_DIALOG (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->client);
  g_free (self->folder);
  G_OBJECT_CLASS (exs_prefs_library_dialog_parent_class)->finalize (object);
}

static void
exs_prefs_library_dialog_class_init (ExsPrefsLibraryDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = exs_prefs_library_dialog_dispose;
  object_class->finalize = exs_prefs_library_dialog_finalize;
  signals[SIGNAL_SAVED] = g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 0);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/exstreamtv/ExStreamTV/exs-prefs-library-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsLibraryDialog, name_row);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsLibraryDialog, kind_row);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsLibraryDialog, folder_row);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsLibraryDialog, url_row);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsLibraryDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsLibraryDialog, save_button);
  gtk_widget_class_bind_template_callback (widget_class, on_save_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_choose_clicked_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
exs_prefs_library_dialog_init (ExsPrefsLibraryDialog *self)
{
  self->cancellable = g_cancellable_new ();
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
                                              NULL);

  self->client = g_object_ref (client);
  return self;
}
