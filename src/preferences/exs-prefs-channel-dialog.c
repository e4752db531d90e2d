/* exs-prefs-channel-dialog.c: ExsPrefsChannelDialog, the add/edit channel form.
 *
 * POSTs a new channel or PATCHes the one being edited; the server validates
 * (number format, duplicates, lengths) and ExsPrefsFormDialog shows its
 * message in the form. Emits "saved" with the channel's API JSON.
 */
#include "config.h"

#include "exs-prefs-channel-dialog.h"

#include <glib/gi18n.h>

struct _ExsPrefsChannelDialog
{
  ExsPrefsFormDialog parent_instance;

  AdwWindowTitle *window_title;
  AdwEntryRow *number_row;
  AdwEntryRow *name_row;
  AdwEntryRow *group_row;
  AdwEntryRow *upstream_row;
  GtkSwitch *enabled_switch;
  GtkSwitch *always_on_switch;
};

G_DEFINE_FINAL_TYPE (ExsPrefsChannelDialog, exs_prefs_channel_dialog, EXS_TYPE_PREFS_FORM_DIALOG)

static void
exs_prefs_channel_dialog_save (ExsPrefsFormDialog *dialog)
{
  ExsPrefsChannelDialog *self = EXS_PREFS_CHANNEL_DIALOG (dialog);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) body = NULL;

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
  exs_prefs_form_dialog_submit (dialog, body);
}

static void
exs_prefs_channel_dialog_class_init (ExsPrefsChannelDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  ExsPrefsFormDialogClass *form_class = EXS_PREFS_FORM_DIALOG_CLASS (klass);

  form_class->save = exs_prefs_channel_dialog_save;
  exs_prefs_form_dialog_class_set_template (form_class, "/io/github/exstreamtv/ExStreamTV/exs-prefs-channel-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsChannelDialog, window_title);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsChannelDialog, number_row);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsChannelDialog, name_row);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsChannelDialog, group_row);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsChannelDialog, upstream_row);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsChannelDialog, enabled_switch);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsChannelDialog, always_on_switch);
}

static void
exs_prefs_channel_dialog_init (ExsPrefsChannelDialog *self)
{
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
                                              "client", client, NULL);

  exs_prefs_form_dialog_set_target (EXS_PREFS_FORM_DIALOG (self), "POST", "/api/channels");
  if (channel)
    {
      const char *number = json_object_get_string_member (channel, "number");
      g_autofree char *path = exs_prefs_client_channel_path (number, NULL);
      exs_prefs_form_dialog_set_target (EXS_PREFS_FORM_DIALOG (self), "PATCH", path);
      adw_window_title_set_title (self->window_title, _("Edit Channel"));
      gtk_window_set_title (GTK_WINDOW (self), _("Edit Channel"));
      gtk_button_set_label (exs_prefs_form_dialog_get_save_button (EXS_PREFS_FORM_DIALOG (self)), _("_Save"));
      gtk_editable_set_text (GTK_EDITABLE (self->number_row), number);
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
