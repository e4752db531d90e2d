/* exs-prefs-channels-page.c: ExsPrefsChannelsPage, the server's channels.
 *
 * One row per channel (GET /api/channels) with what plays now (the playout's
 * "now") and its viewers (GET /api/sessions); a switch enables or disables it
 * (PATCH), buttons edit (ExsPrefsChannelDialog) or remove it (DELETE, after a
 * confirmation). Rows are rebuilt only when the list itself changed, so
 * keyboard focus survives the periodic refresh. Channels whose restart guard
 * reports failures raise a GNotification, once until they recover.
 */
#include "config.h"

#include "exs-prefs-channels-page.h"

#include "exs-prefs-channel-dialog.h"
#include "exs-prefs-window.h"

#include <glib/gi18n.h>

#define MAX_DETAILED_CHANNELS 64 /* now-playing and health asked for at most this many */
#define HEALTH_EVERY_REFRESHES 3
#define FAILING_AFTER_FAILURES 3

struct _ExsPrefsChannelsPage
{
  AdwBin parent_instance;

  GtkStack *stack;
  AdwPreferencesGroup *group;
  AdwActionRow *empty_row;

  ExsPrefsClient *client;
  GCancellable *cancellable;
  char *last_list;       /* the last /api/channels answer, to rebuild only on change */
  GPtrArray *rows;       /* AdwActionRow, in list order */
  GHashTable *by_number; /* number -> AdwActionRow (borrowed) */
  GHashTable *failing;   /* numbers already notified as failing */
  guint refreshes;
  gboolean busy;
};

G_DEFINE_FINAL_TYPE (ExsPrefsChannelsPage, exs_prefs_channels_page, ADW_TYPE_BIN)

typedef struct
{
  char *now;
  gint64 viewers;
  gboolean enabled;
} RowInfo;

static void
row_info_free (RowInfo *info)
{
  g_free (info->now);
  g_free (info);
}

static void
update_subtitle (AdwActionRow *row)
{
  RowInfo *info = g_object_get_data (G_OBJECT (row), "exs-info");
  g_autoptr (GString) s = g_string_new (NULL);

  if (!info->enabled)
    g_string_append (s, _("Disabled"));
  else if (info->now && info->now[0])
    g_string_append_printf (s, _("Now: %s"), info->now);
  else
    g_string_append (s, _("Nothing scheduled"));
  if (info->viewers > 0)
    {
      g_string_append (s, " · ");
      g_string_append_printf (s, g_dngettext (GETTEXT_PACKAGE, "%d viewer", "%d viewers", (gulong) info->viewers),
                              (int) info->viewers);
    }
  adw_action_row_set_subtitle (row, s->str);
}

static void
on_changed_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ExsPrefsChannelsPage) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) reply = exs_prefs_client_request_finish (EXS_PREFS_CLIENT (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (reply == NULL)
    exs_prefs_window_toast (GTK_WIDGET (self), error->message);
  exs_prefs_channels_page_refresh (self);
}

static gboolean
on_enabled_state_set_cb (GtkSwitch *sw, gboolean state, ExsPrefsChannelsPage *self)
{
  const char *number = g_object_get_data (G_OBJECT (sw), "exs-number");
  g_autofree char *path = exs_prefs_client_channel_path (number, NULL);
  g_autoptr (JsonNode) body = json_node_init_object (json_node_alloc (), json_object_new ());

  json_object_set_boolean_member (json_node_get_object (body), "enabled", state);
  exs_prefs_client_request_async (self->client, "PATCH", path, body, 10000, self->cancellable, on_changed_cb,
                                  g_object_ref (self));
  return FALSE;
}

static void
on_dialog_saved_cb (ExsPrefsChannelDialog *dialog, const char *number, ExsPrefsChannelsPage *self)
{
  g_autofree char *msg = g_strdup_printf (_("Channel %s saved"), number);

  exs_prefs_window_toast (GTK_WIDGET (self), msg);
  exs_prefs_channels_page_refresh (self);
}

static void
open_dialog (ExsPrefsChannelsPage *self, JsonObject *channel)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  ExsPrefsChannelDialog *dialog = exs_prefs_channel_dialog_new (GTK_WINDOW (root), self->client, channel);

  g_signal_connect_object (dialog, "saved", G_CALLBACK (on_dialog_saved_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_add_clicked_cb (GtkButton *button, ExsPrefsChannelsPage *self)
{
  open_dialog (self, NULL);
}

static void
on_edit_clicked_cb (GtkButton *button, ExsPrefsChannelsPage *self)
{
  open_dialog (self, g_object_get_data (G_OBJECT (button), "exs-channel"));
}

static void
on_remove_response_cb (AdwMessageDialog *dialog, const char *response, ExsPrefsChannelsPage *self)
{
  const char *number = g_object_get_data (G_OBJECT (dialog), "exs-number");
  g_autofree char *path = NULL;

  if (!g_str_equal (response, "remove"))
    return;
  path = exs_prefs_client_channel_path (number, NULL);
  exs_prefs_client_request_async (self->client, "DELETE", path, NULL, 10000, self->cancellable, on_changed_cb,
                                  g_object_ref (self));
}

static void
on_remove_clicked_cb (GtkButton *button, ExsPrefsChannelsPage *self)
{
  const char *number = g_object_get_data (G_OBJECT (button), "exs-number");
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))), NULL, NULL);

  adw_message_dialog_format_heading (ADW_MESSAGE_DIALOG (dialog), _("Remove channel %s?"), number);
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (dialog),
                               _("Players and tuners lose it; its schedule is kept."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "remove", _("_Remove"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "exs-number", g_strdup (number), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_remove_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static GtkWidget *
icon_button (const char *icon, const char *tooltip, const char *a11y_label)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_widget_add_css_class (button, "flat");
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y_label, -1);
  return button;
}

static GtkWidget *
make_row (ExsPrefsChannelsPage *self, JsonObject *ch)
{
  const char *number = json_object_get_string_member (ch, "number");
  const char *name = json_object_get_string_member (ch, "name");
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *label = gtk_label_new (number);
  GtkWidget *sw = gtk_switch_new ();
  g_autofree char *edit_label = g_strdup_printf (_("Edit channel %s"), number);
  g_autofree char *remove_label = g_strdup_printf (_("Remove channel %s"), number);
  g_autofree char *enable_label = g_strdup_printf (_("Channel %s enabled"), number);
  GtkWidget *edit = icon_button ("document-edit-symbolic", _("Edit"), edit_label);
  GtkWidget *remove = icon_button ("user-trash-symbolic", _("Remove"), remove_label);
  RowInfo *info = g_new0 (RowInfo, 1);

  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  gtk_widget_add_css_class (label, "numeric");
  gtk_label_set_width_chars (GTK_LABEL (label), 7);
  gtk_label_set_xalign (GTK_LABEL (label), 0);
  adw_action_row_add_prefix (ADW_ACTION_ROW (row), label);

  info->enabled = json_object_get_boolean_member_with_default (ch, "enabled", TRUE);
  g_object_set_data_full (G_OBJECT (row), "exs-info", info, (GDestroyNotify) row_info_free);
  g_object_set_data_full (G_OBJECT (row), "exs-number", g_strdup (number), g_free);
  gtk_switch_set_active (GTK_SWITCH (sw), info->enabled);
  gtk_widget_set_valign (sw, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (sw), GTK_ACCESSIBLE_PROPERTY_LABEL, enable_label, -1);
  g_object_set_data_full (G_OBJECT (sw), "exs-number", g_strdup (number), g_free);
  g_signal_connect (sw, "state-set", G_CALLBACK (on_enabled_state_set_cb), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), sw);

  g_object_set_data_full (G_OBJECT (edit), "exs-channel", json_object_ref (ch), (GDestroyNotify) json_object_unref);
  g_signal_connect (edit, "clicked", G_CALLBACK (on_edit_clicked_cb), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), edit);
  g_object_set_data_full (G_OBJECT (remove), "exs-number", g_strdup (number), g_free);
  g_signal_connect (remove, "clicked", G_CALLBACK (on_remove_clicked_cb), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
  update_subtitle (ADW_ACTION_ROW (row));
  return row;
}

static void
rebuild (ExsPrefsChannelsPage *self, JsonArray *channels)
{
  for (guint i = 0; i < self->rows->len; i++)
    adw_preferences_group_remove (self->group, self->rows->pdata[i]);
  g_ptr_array_set_size (self->rows, 0);
  g_hash_table_remove_all (self->by_number);
  for (guint i = 0; i < json_array_get_length (channels); i++)
    {
      JsonObject *ch = json_array_get_object_element (channels, i);
      GtkWidget *row;
      if (ch == NULL || !json_object_has_member (ch, "number") || !json_object_has_member (ch, "name"))
        continue;
      row = make_row (self, ch);
      adw_preferences_group_add (self->group, row);
      g_ptr_array_add (self->rows, row);
      g_hash_table_insert (self->by_number, g_strdup (json_object_get_string_member (ch, "number")), row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->empty_row), self->rows->len == 0);
}

static void
on_playout_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ExsPrefsChannelsPage) self = user_data;
  g_autoptr (JsonNode) reply = exs_prefs_client_request_finish (EXS_PREFS_CLIENT (source), result, NULL);
  JsonObject *o, *now;
  AdwActionRow *row;
  RowInfo *info;

  if (reply == NULL || !JSON_NODE_HOLDS_OBJECT (reply))
    return;
  o = json_node_get_object (reply);
  row = g_hash_table_lookup (self->by_number, json_object_get_string_member_with_default (o, "channel", ""));
  if (row == NULL)
    return;
  info = g_object_get_data (G_OBJECT (row), "exs-info");
  now = json_object_has_member (o, "now") && JSON_NODE_HOLDS_OBJECT (json_object_get_member (o, "now"))
          ? json_object_get_object_member (o, "now") : NULL;
  g_free (info->now);
  info->now = g_strdup (now ? json_object_get_string_member_with_default (now, "title", "") : "");
  update_subtitle (row);
}

static void
notify_failing (ExsPrefsChannelsPage *self, const char *number, const char *name)
{
  g_autoptr (GNotification) n = NULL;
  g_autofree char *title = g_strdup_printf (_("Channel %s keeps failing"), number);
  g_autofree char *body = g_strdup_printf (_("“%s” could not play and is showing the error screen. Check its "
                                             "schedule and library files."), name);
  g_autofree char *id = g_strconcat ("channel-failing-", number, NULL);

  n = g_notification_new (title);
  g_notification_set_body (n, body);
  g_notification_set_priority (n, G_NOTIFICATION_PRIORITY_HIGH);
  g_application_send_notification (g_application_get_default (), id, n);
}

static void
on_health_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ExsPrefsChannelsPage) self = user_data;
  g_autoptr (JsonNode) reply = exs_prefs_client_request_finish (EXS_PREFS_CLIENT (source), result, NULL);
  JsonObject *o, *restarts;
  const char *number, *status;
  gint64 failures = 0;
  AdwActionRow *row;

  if (reply == NULL || !JSON_NODE_HOLDS_OBJECT (reply))
    return;
  o = json_node_get_object (reply);
  number = json_object_get_string_member_with_default (o, "channel_id", "");
  status = json_object_get_string_member_with_default (o, "status", "");
  restarts = json_object_has_member (o, "restarts") ? json_object_get_object_member (o, "restarts") : NULL;
  if (restarts)
    failures = json_object_get_int_member_with_default (restarts, "failures_in_window", 0);
  row = g_hash_table_lookup (self->by_number, number);
  if (row == NULL)
    return;
  if (g_str_equal (status, "failed") || failures >= FAILING_AFTER_FAILURES)
    {
      if (g_hash_table_add (self->failing, g_strdup (number)))
        notify_failing (self, number, adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)));
    }
  else if (g_str_equal (status, "healthy"))
    g_hash_table_remove (self->failing, number);
}

static void
on_sessions_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ExsPrefsChannelsPage) self = user_data;
  g_autoptr (JsonNode) reply = exs_prefs_client_request_finish (EXS_PREFS_CLIENT (source), result, NULL);
  JsonObject *by = NULL;

  if (reply && JSON_NODE_HOLDS_OBJECT (reply) && json_object_has_member (json_node_get_object (reply), "sessions_by_channel"))
    by = json_object_get_object_member (json_node_get_object (reply), "sessions_by_channel");
  for (guint i = 0; i < self->rows->len; i++)
    {
      RowInfo *info = g_object_get_data (G_OBJECT (self->rows->pdata[i]), "exs-info");
      const char *number = g_object_get_data (G_OBJECT (self->rows->pdata[i]), "exs-number");
      info->viewers = by && json_object_has_member (by, number) ? json_object_get_int_member (by, number) : 0;
      update_subtitle (self->rows->pdata[i]);
    }
}

static void
request_details (ExsPrefsChannelsPage *self)
{
  GHashTableIter iter;
  gpointer number;
  guint n = 0;
  gboolean health = self->refreshes % HEALTH_EVERY_REFRESHES == 0;

  exs_prefs_client_request_async (self->client, "GET", "/api/sessions", NULL, 5000, self->cancellable,
                                  on_sessions_cb, g_object_ref (self));
  g_hash_table_iter_init (&iter, self->by_number);
  while (g_hash_table_iter_next (&iter, &number, NULL) && n++ < MAX_DETAILED_CHANNELS)
    {
      g_autofree char *playout = exs_prefs_client_channel_path (number, "/playout");
      exs_prefs_client_request_async (self->client, "GET", playout, NULL, 5000, self->cancellable, on_playout_cb,
                                      g_object_ref (self));
      if (health)
        {
          g_autofree char *path = exs_prefs_client_channel_path (number, "/health");
          exs_prefs_client_request_async (self->client, "GET", path, NULL, 5000, self->cancellable, on_health_cb,
                                          g_object_ref (self));
        }
    }
}

static void
on_list_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ExsPrefsChannelsPage) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) reply = exs_prefs_client_request_finish (EXS_PREFS_CLIENT (source), result, &error);
  g_autofree char *text = NULL;
  JsonObject *o;

  self->busy = FALSE;
  if (reply == NULL || !JSON_NODE_HOLDS_OBJECT (reply))
    {
      if (error && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("channels: %s", error->message);
      return;
    }
  o = json_node_get_object (reply);
  if (!json_object_has_member (o, "channels") || !JSON_NODE_HOLDS_ARRAY (json_object_get_member (o, "channels")))
    return;
  text = json_to_string (reply, FALSE);
  if (g_strcmp0 (text, self->last_list) != 0)
    {
      rebuild (self, json_object_get_array_member (o, "channels"));
      g_free (self->last_list);
      self->last_list = g_steal_pointer (&text);
    }
  self->refreshes++;
  request_details (self);
}

void
exs_prefs_channels_page_refresh (ExsPrefsChannelsPage *self)
{
  if (self->client == NULL || self->busy)
    return;
  self->busy = TRUE;
  exs_prefs_client_request_async (self->client, "GET", "/api/channels", NULL, 5000, self->cancellable, on_list_cb,
                                  g_object_ref (self));
}

void
exs_prefs_channels_page_set_running (ExsPrefsChannelsPage *self, gboolean running)
{
  gtk_stack_set_visible_child_name (self->stack, running ? "list" : "offline");
  if (running)
    exs_prefs_channels_page_refresh (self);
}

void
exs_prefs_channels_page_setup (ExsPrefsChannelsPage *self, ExsPrefsClient *client)
{
  g_set_object (&self->client, client);
}

static void
exs_prefs_channels_page_dispose (GObject *object)
{
  ExsPrefsChannelsPage *self = EXS_PREFS_CHANNELS_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), EXS_TYPE_PREFS_CHANNELS_PAGE);
  G_OBJECT_CLASS (exs_prefs_channels_page_parent_class)->dispose (object);
}

static void
exs_prefs_channels_page_finalize (GObject *object)
{
  ExsPrefsChannelsPage *self = EXS_PREFS_CHANNELS_PAGE (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->client);
  g_free (self->last_list);
  g_ptr_array_unref (self->rows);
  g_hash_table_unref (self->by_number);
  g_hash_table_unref (self->failing);
  G_OBJECT_CLASS (exs_prefs_channels_page_parent_class)->finalize (object);
}

static void
exs_prefs_channels_page_class_init (ExsPrefsChannelsPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = exs_prefs_channels_page_dispose;
  object_class->finalize = exs_prefs_channels_page_finalize;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/exstreamtv/ExStreamTV/exs-prefs-channels-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsChannelsPage, stack);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsChannelsPage, group);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsChannelsPage, empty_row);
  gtk_widget_class_bind_template_callback (widget_class, on_add_clicked_cb);
}

static void
exs_prefs_channels_page_init (ExsPrefsChannelsPage *self)
{
  self->cancellable = g_cancellable_new ();
  self->rows = g_ptr_array_new ();
  self->by_number = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->failing = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gtk_widget_init_template (GTK_WIDGET (self));
}
