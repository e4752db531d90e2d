/* exs-prefs-m3u-dialog.c: ExsPrefsM3uDialog, importing upstream live channels.
 *
 * An M3U playlist on this computer (typed, or picked in the file chooser:
 * the portal inside the Flatpak) is read without
 * blocking (at most the server's 4 MiB) and sent with the optional XMLTV
 * guide and first number to POST /api/channels/import-m3u; each #EXTINF
 * becomes a channel relaying its URL. The server's 422 shows under the row it
 * names; "saved" carries its answer (created and skipped channels).
 */
#include "config.h"

#include "exs-prefs-m3u-dialog.h"

#include <glib/gi18n.h>

#define MAX_PLAYLIST_BYTES (4 * 1024 * 1024) /* the server's limit */

struct _ExsPrefsM3uDialog
{
  ExsPrefsFormDialog parent_instance;

  AdwPreferencesGroup *import_group;

  GCancellable *cancellable; /* the file read */
  JsonObject *body;          /* the fields, while the file is read */
  guint8 *buffer;            /* MAX_PLAYLIST_BYTES + 1 */
};

G_DEFINE_FINAL_TYPE (ExsPrefsM3uDialog, exs_prefs_m3u_dialog, EXS_TYPE_PREFS_FORM_DIALOG)

static const ExsPrefsField import_fields[] = {
  { "file", EXS_PREFS_FIELD_TEXT, N_("Playlist file (an M3U on this computer)") },
  { "guide", EXS_PREFS_FIELD_TEXT, N_("Guide: an XMLTV URL or a file on the server (empty: the playlist's)"), NULL, NULL,
    NULL, EXS_PREFS_FIELD_OMIT_IF_EMPTY },
  { "first_number", EXS_PREFS_FIELD_TEXT, N_("First number for channels without one (optional)"), NULL, NULL, NULL,
    EXS_PREFS_FIELD_OMIT_IF_EMPTY },
};

static GtkEditable *
file_row (ExsPrefsM3uDialog *self)
{
  return GTK_EDITABLE (exs_prefs_form_fields_get_row (exs_prefs_form_dialog_get_fields (EXS_PREFS_FORM_DIALOG (self)),
                                                      "file"));
}

static void
file_error (ExsPrefsM3uDialog *self, const char *message)
{
  exs_prefs_form_fields_show_error (exs_prefs_form_dialog_get_fields (EXS_PREFS_FORM_DIALOG (self)), "file", message);
  g_clear_pointer (&self->body, json_object_unref);
  gtk_widget_set_sensitive (GTK_WIDGET (exs_prefs_form_dialog_get_save_button (EXS_PREFS_FORM_DIALOG (self))), TRUE);
}

static void
on_read_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ExsPrefsM3uDialog) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) node = NULL;
  g_autofree char *text = NULL;
  gsize n = 0;

  if (!g_input_stream_read_all_finish (G_INPUT_STREAM (source), result, &n, &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        file_error (self, error->message);
      return;
    }
  g_input_stream_close_async (G_INPUT_STREAM (source), G_PRIORITY_DEFAULT, NULL, NULL, NULL);
  if (n > MAX_PLAYLIST_BYTES || !g_utf8_validate ((const char *) self->buffer, (gssize) n, NULL))
    {
      file_error (self, n > MAX_PLAYLIST_BYTES ? _("The playlist is larger than the server takes (4 MiB).")
                                               : _("The playlist is not UTF-8 text."));
      return;
    }
  text = g_strndup ((const char *) self->buffer, n);
  json_object_set_string_member (self->body, "m3u", text);
  node = json_node_init_object (json_node_alloc (), self->body);
  g_clear_pointer (&self->body, json_object_unref);
  gtk_widget_set_sensitive (GTK_WIDGET (exs_prefs_form_dialog_get_save_button (EXS_PREFS_FORM_DIALOG (self))), TRUE);
  exs_prefs_form_dialog_submit (EXS_PREFS_FORM_DIALOG (self), node);
}

static void
on_opened_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ExsPrefsM3uDialog) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GFileInputStream) stream = g_file_read_finish (G_FILE (source), result, &error);

  if (stream == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        file_error (self, error->message);
      return;
    }
  g_input_stream_read_all_async (G_INPUT_STREAM (stream), self->buffer, MAX_PLAYLIST_BYTES + 1, G_PRIORITY_DEFAULT,
                                 self->cancellable, on_read_cb, g_object_ref (self));
}

static void
exs_prefs_m3u_dialog_save (ExsPrefsFormDialog *dialog)
{
  ExsPrefsM3uDialog *self = EXS_PREFS_M3U_DIALOG (dialog);
  g_autoptr (JsonNode) fields = exs_prefs_form_dialog_read_fields (dialog);
  g_autoptr (GFile) file = NULL;
  const char *path;

  if (fields == NULL || self->body != NULL)
    return;
  self->body = json_object_ref (json_node_get_object (fields));
  path = json_object_get_string_member (self->body, "file");
  if (path[0] == '\0')
    {
      file_error (self, _("Give the playlist file first."));
      return;
    }
  file = g_file_new_for_commandline_arg (path);
  json_object_remove_member (self->body, "file");
  if (self->buffer == NULL)
    self->buffer = g_malloc (MAX_PLAYLIST_BYTES + 1);
  gtk_widget_set_sensitive (GTK_WIDGET (exs_prefs_form_dialog_get_save_button (dialog)), FALSE);
  g_file_read_async (file, G_PRIORITY_DEFAULT, self->cancellable, on_opened_cb, g_object_ref (self));
}

static void
on_playlist_chosen (ExsPrefsFormDialog *dialog, GFile *file)
{
  g_autofree char *path = g_file_get_path (file);

  if (path)
    gtk_editable_set_text (file_row (EXS_PREFS_M3U_DIALOG (dialog)), path);
}

static void
on_choose_clicked_cb (GtkButton *button, ExsPrefsM3uDialog *self)
{
  exs_prefs_form_dialog_choose_file (EXS_PREFS_FORM_DIALOG (self), _("Choose an M3U Playlist"),
                                     GTK_FILE_CHOOSER_ACTION_OPEN, on_playlist_chosen);
}

static void
exs_prefs_m3u_dialog_dispose (GObject *object)
{
  ExsPrefsM3uDialog *self = EXS_PREFS_M3U_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  G_OBJECT_CLASS (exs_prefs_m3u_dialog_parent_class)->dispose (object);
}

static void
exs_prefs_m3u_dialog_finalize (GObject *object)
{
  ExsPrefsM3uDialog *self = EXS_PREFS_M3U_DIALOG (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->body, json_object_unref);
  g_free (self->buffer);
  G_OBJECT_CLASS (exs_prefs_m3u_dialog_parent_class)->finalize (object);
}

static void
exs_prefs_m3u_dialog_class_init (ExsPrefsM3uDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  ExsPrefsFormDialogClass *form_class = EXS_PREFS_FORM_DIALOG_CLASS (klass);

  object_class->dispose = exs_prefs_m3u_dialog_dispose;
  object_class->finalize = exs_prefs_m3u_dialog_finalize;
  form_class->save = exs_prefs_m3u_dialog_save;
  exs_prefs_form_dialog_class_set_template (form_class, "/io/github/exstreamtv/ExStreamTV/exs-prefs-m3u-dialog.ui");
  gtk_widget_class_bind_template_child (GTK_WIDGET_CLASS (klass), ExsPrefsM3uDialog, import_group);
}

static void
exs_prefs_m3u_dialog_init (ExsPrefsM3uDialog *self)
{
  GtkWidget *choose = gtk_button_new_with_mnemonic (_("C_hoose…"));

  gtk_widget_init_template (GTK_WIDGET (self));
  self->cancellable = g_cancellable_new ();
  exs_prefs_form_dialog_add_fields (EXS_PREFS_FORM_DIALOG (self), self->import_group, import_fields,
                                    G_N_ELEMENTS (import_fields));
  gtk_widget_set_valign (choose, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (choose), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Choose the playlist file"),
                                  -1);
  g_signal_connect (choose, "clicked", G_CALLBACK (on_choose_clicked_cb), self);
  adw_entry_row_add_suffix (ADW_ENTRY_ROW (file_row (self)), choose);
}

/**
 * exs_prefs_m3u_dialog_new:
 *
 * Returns: (transfer none): the dialog, owned by the toplevel list
 */
ExsPrefsM3uDialog *
exs_prefs_m3u_dialog_new (GtkWindow *parent, ExsPrefsClient *client)
{
  ExsPrefsM3uDialog *self = g_object_new (EXS_TYPE_PREFS_M3U_DIALOG, "transient-for", parent, "modal", TRUE, "client",
                                          client, NULL);

  exs_prefs_form_dialog_set_target (EXS_PREFS_FORM_DIALOG (self), "POST", "/api/channels/import-m3u");
  return self;
}
