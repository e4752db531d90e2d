/* exs-prefs-channel-dialog.c: ExsPrefsChannelDialog, the add/edit channel form.
 *
 * POSTs a new channel or PATCHes the one being edited; the server validates
 * (number format, duplicates, lengths) and its message is shown in the form,
 * which stays open so nothing typed is lost. Emits "saved" with the number.
 */
#include "config.h"

#include "exs-prefs-channel-dialog.h"

#include <glib/gi18n.h>

struct _ExsPrefsChannelDialog
{
  AdwWindow parent_instance;

  AdwWindowTitle *window_title;
  AdwEntryRow *number_row;
  AdwEntryRow *name_row;
  AdwEntryRow *group_row;
  AdwEntryRow *upstream_row;
  GtkSwitch *enabled_switch;
  GtkSwitch *always_on_switch;
  GtkLabel *error_label;
  GtkButton *save_button;

  ExsPrefsClient *client;
  char *editing; /* the number being edited, or NULL when adding */
  GCancellable *cancellable;
};

G_DEFINE_FINAL_TYPE (ExsPrefsChannelDialog, exs_prefs_channel_dialog, ADW_TYPE_WINDOW)

enum { SIGNAL_SAVED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
on_saved_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ExsPrefsChannelDialog) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) reply = exs_prefs_client_request_finish (EXS_PREFS_CLIENT (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), TRUE);
  if (reply == NULL)
    {
      gtk_label_set_text (self->error_label, error->message);
      gtk_widget_set_visible (GTK_WIDGET (self->error_label), TRUE);
      return;
    }
  g_signal_emit (self, signals[SIGNAL_SAVED], 0,
                 json_object_get_string_member_with_default (json_node_get_object (reply), "number", ""));
  gtk_window_destroy (GTK_WINDOW (self));
}

static void
on_save_clicked_cb (GtkButton *button, ExsPrefsChannelDialog *self)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) body = NULL;
  g_autofree char *path = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "number");
  json_builder_add_string_value (b, gtk_editable_get_text (GTK_EDITABLE (self->number_row)));
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, gtk_editable_get_text (GTK_EDITABLE (self->name_row)));
  json_builder_set_member_name (b, "group");
  json_builder_add_string_value (b, gtk_editable_get_text (GTK_EDITABLE (self->group_row)));
  /* empty: a scheduled channel; a URL: an upstream live channel */
  json_builder_set_member_name (b, "upstream_url");
  json_builder_add_string_value (b, gtk_editable_get_text (GTK_EDITABLE (self->upstream_row)));
  json_builder_set_member_name (b, "enabled");
  json_builder_add_boolean_value (b, gtk_switch_get_active (self->enabled_switch));
  json_builder_set_member_name (b, "always_on");
  json_builder_add_boolean_value (b, gtk_switch_get_active (self->always_on_switch));
  json_builder_end_object (b);
  body = json_builder_get_root (b);

  gtk_widget_set_visible (GTK_WIDGET (self->error_label), FALSE);
  gtk_widget_set_sensitive (GTK_WIDGET (self->save_button), FALSE);
  if (self->editing)
    path = exs_prefs_client_channel_path (self->editing, NULL);
  exs_prefs_client_request_async (self->client, self->editing ? "PATCH" : "POST", path ? path : "/api/channels", body,
                                  10000, self->cancellable, on_saved_cb, g_object_ref (self));
}

static void
on_cancel_clicked_cb (GtkButton *button, ExsPrefsChannelDialog *self)
{
  gtk_window_close (GTK_WINDOW (self));
}

static void
exs_prefs_channel_dialog_dispose (GObject *object)
{
  ExsPrefsChannelDialog *self = EXS_PREFS_CHANNEL_DIALOG (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), EXS_TYPE_PREFS_CHANNEL_DIALOG);
  G_OBJECT_CLASS (exs_prefs_channel_dialog_parent_class)->dispose (object);
}

static void
exs_prefs_channel_dialog_finalize (GObject *object)
{
  ExsPrefsChannelDialog *self = EXS_PREFS_CHANNEL_DIALOG (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->client);
  g_free (self->editing);
  G_OBJECT_CLASS (exs_prefs_channel_dialog_parent_class)->finalize (object);
}

static void
exs_prefs_channel_dialog_class_init (ExsPrefsChannelDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = exs_prefs_channel_dialog_dispose;
  object_class->finalize = exs_prefs_channel_dialog_finalize;
  signals[SIGNAL_SAVED] = g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 1, G_TYPE_STRING);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/exstreamtv/ExStreamTV/exs-prefs-channel-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsChannelDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsChannelDialog, number_row);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsChannelDialog, name_row);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsChannelDialog, group_row);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsChannelDialog, upstream_row);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsChannelDialog, enabled_switch);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsChannelDialog, always_on_switch);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsChannelDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsChannelDialog, save_button);
  gtk_widget_class_bind_template_callback (widget_class, on_save_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_clicked_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
exs_prefs_channel_dialog_init (ExsPrefsChannelDialog *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * exs_prefs_channel_dialog_new:
 *
 * Returns: (transfer none): the dialog, owned by the toplevel list
 */
ExsPrefsChannelDialog *
exs_prefs_channel_dialog_new (GtkWindow *parent, ExsPrefsClient *client, JsonObject *channel)
{
  ExsPrefsChannelDialog *self = g_object_new (EXS_TYPE_PREFS_CHANNEL_DIALOG, "transient-for", parent, "modal", TRUE,
                                              NULL);

  self->client = g_object_ref (client);
  if (channel)
    {
      self->editing = g_strdup (json_object_get_string_member (channel, "number"));
      adw_window_title_set_title (self->window_title, _("Edit Channel"));
      gtk_window_set_title (GTK_WINDOW (self), _("Edit Channel"));
      gtk_button_set_label (self->save_button, _("_Save"));
      gtk_editable_set_text (GTK_EDITABLE (self->number_row), self->editing);
      gtk_editable_set_text (GTK_EDITABLE (self->name_row), json_object_get_string_member_with_default (channel, "name", ""));
      gtk_editable_set_text (GTK_EDITABLE (self->group_row), json_object_get_string_member_with_default (channel, "group", ""));
      gtk_editable_set_text (GTK_EDITABLE (self->upstream_row),
                             json_object_get_string_member_with_default (channel, "upstream_url", ""));
      gtk_switch_set_active (self->enabled_switch, json_object_get_boolean_member_with_default (channel, "enabled", TRUE));
      gtk_switch_set_active (self->always_on_switch,
                             json_object_get_boolean_member_with_default (channel, "always_on", FALSE));
    }
  return self;
}
