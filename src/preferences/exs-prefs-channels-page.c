/* exs-prefs-channels-page.c: ExsPrefsChannelsPage, the server's channels.
 *
 * One row per channel (GET /api/channels) with what plays now (the playout's
 * "now") and its viewers (GET /api/sessions); a switch enables or disables it
 * (PATCH), buttons edit (ExsPrefsChannelDialog) or remove it (DELETE, after a
 * confirmation); "Import M3U" makes upstream live channels from a playlist
 * (ExsPrefsM3uDialog). Rows are rebuilt only when the list itself changed, so
 * keyboard focus survives the periodic refresh. Channels whose restart guard
 * reports failures raise a GNotification, once until they recover.
 */
#include "config.h"

#include "exs-prefs-channels-page.h"

#include "exs-prefs-channel-dialog.h"
#include "exs-prefs-m3u-dialog.h"
#include "exs-prefs-window.h"

#include <glib/gi18n.h>

#define MAX_DETAILED_CHANNELS 64 /* now-playing and health asked for at most this many */
#define HEALTH_EVERY_REFRESHES 3
#define FAILING_AFTER_FAILURES 3
#define DETAILS_TIMEOUT_MS 5000

struct _ExsPrefsChannelsPage
{
  ExsPrefsListPage parent_instance;

  guint refreshes; /* health is asked for every HEALTH_EVERY_REFRESHES */
};

G_DEFINE_FINAL_TYPE (ExsPrefsChannelsPage, exs_prefs_channels_page, EXS_TYPE_PREFS_LIST_PAGE)

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

static gboolean
on_enabled_state_set_cb (GtkSwitch *sw, gboolean state, ExsPrefsChannelsPage *self)
{
  const char *number = g_object_get_data (G_OBJECT (sw), "exs-number");
  g_autofree char *path = exs_prefs_client_channel_path (number, NULL);
  g_autoptr (JsonNode) body = json_node_init_object (json_node_alloc (), json_object_new ());

  json_object_set_boolean_member (json_node_get_object (body), "enabled", state);
  exs_prefs_list_page_change (EXS_PREFS_LIST_PAGE (self), "PATCH", path, body);
  return FALSE;
}

static void
open_dialog (ExsPrefsChannelsPage *self, JsonObject *channel)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  ExsPrefsChannelDialog *dialog =
    exs_prefs_channel_dialog_new (GTK_WINDOW (root), exs_prefs_list_page_get_client (EXS_PREFS_LIST_PAGE (self)), channel);

  exs_prefs_list_page_present (EXS_PREFS_LIST_PAGE (self), EXS_PREFS_FORM_DIALOG (dialog), _("Channel %s saved"), "number");
}

static void
on_imported_cb (ExsPrefsM3uDialog *dialog, JsonObject *reply, ExsPrefsChannelsPage *self)
{
  JsonNode *created = reply ? json_object_get_member (reply, "created") : NULL;
  JsonNode *skipped = reply ? json_object_get_member (reply, "skipped") : NULL;
  guint n_created = created && JSON_NODE_HOLDS_ARRAY (created) ? json_array_get_length (json_node_get_array (created)) : 0;
  guint n_skipped = skipped && JSON_NODE_HOLDS_ARRAY (skipped) ? json_array_get_length (json_node_get_array (skipped)) : 0;
  g_autofree char *made = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u channel imported", "%u channels imported",
                                                        n_created), n_created);
  g_autofree char *left = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "%u line skipped", "%u lines skipped",
                                                        n_skipped), n_skipped);
  g_autofree char *msg = n_skipped ? g_strdup_printf ("%s, %s", made, left) : g_strdup (made);

  exs_prefs_window_toast (GTK_WIDGET (self), msg);
  exs_prefs_list_page_refresh (EXS_PREFS_LIST_PAGE (self));
}

static void
on_import_clicked_cb (GtkButton *button, ExsPrefsChannelsPage *self)
{
  ExsPrefsM3uDialog *dialog = exs_prefs_m3u_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                                        exs_prefs_list_page_get_client (EXS_PREFS_LIST_PAGE (self)));

  g_signal_connect_object (dialog, "saved", G_CALLBACK (on_imported_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
exs_prefs_channels_page_add (ExsPrefsListPage *page)
{
  open_dialog (EXS_PREFS_CHANNELS_PAGE (page), NULL);
}

static void
on_edit_clicked_cb (GtkButton *button, ExsPrefsChannelsPage *self)
{
  open_dialog (self, g_object_get_data (G_OBJECT (button), "exs-channel"));
}

static void
on_remove_clicked_cb (GtkButton *button, ExsPrefsChannelsPage *self)
{
  const char *number = g_object_get_data (G_OBJECT (button), "exs-number");
  g_autofree char *heading = g_strdup_printf (_("Remove channel %s?"), number);
  g_autofree char *path = exs_prefs_client_channel_path (number, NULL);

  exs_prefs_list_page_confirm_remove (EXS_PREFS_LIST_PAGE (self), heading,
                                      _("Players and tuners lose it; its schedule is kept."), path);
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
  GtkWidget *edit = exs_prefs_list_page_icon_button ("document-edit-symbolic", _("Edit"), edit_label);
  GtkWidget *remove = exs_prefs_list_page_icon_button ("user-trash-symbolic", _("Remove"), remove_label);
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
  ExsPrefsListPage *page = EXS_PREFS_LIST_PAGE (self);

  for (guint i = 0; i < json_array_get_length (channels); i++)
    {
      JsonObject *ch = json_array_get_object_element (channels, i);
      if (ch && json_object_has_member (ch, "number") && json_object_has_member (ch, "name"))
        exs_prefs_list_page_add_row (page, json_object_get_string_member (ch, "number"), make_row (self, ch));
    }
  exs_prefs_list_page_update_empty (page);
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
  row = ADW_ACTION_ROW (exs_prefs_list_page_lookup_row (EXS_PREFS_LIST_PAGE (self),
                                                       json_object_get_string_member_with_default (o, "channel", "")));
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
  row = ADW_ACTION_ROW (exs_prefs_list_page_lookup_row (EXS_PREFS_LIST_PAGE (self), number));
  if (row == NULL)
    return;
  if (g_str_equal (status, "failed") || failures >= FAILING_AFTER_FAILURES)
    {
      if (exs_prefs_list_page_flag (EXS_PREFS_LIST_PAGE (self), number, TRUE))
        notify_failing (self, number, adw_preferences_row_get_title (ADW_PREFERENCES_ROW (row)));
    }
  else if (g_str_equal (status, "healthy"))
    exs_prefs_list_page_flag (EXS_PREFS_LIST_PAGE (self), number, FALSE);
}

static void
on_sessions_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ExsPrefsChannelsPage) self = user_data;
  g_autoptr (JsonNode) reply = exs_prefs_client_request_finish (EXS_PREFS_CLIENT (source), result, NULL);
  GPtrArray *rows = exs_prefs_list_page_get_rows (EXS_PREFS_LIST_PAGE (self));
  JsonObject *by = NULL;

  if (reply && JSON_NODE_HOLDS_OBJECT (reply) && json_object_has_member (json_node_get_object (reply), "sessions_by_channel"))
    by = json_object_get_object_member (json_node_get_object (reply), "sessions_by_channel");
  for (guint i = 0; i < rows->len; i++)
    {
      RowInfo *info = g_object_get_data (G_OBJECT (rows->pdata[i]), "exs-info");
      const char *number = g_object_get_data (G_OBJECT (rows->pdata[i]), "exs-number");
      info->viewers = by && json_object_has_member (by, number) ? json_object_get_int_member (by, number) : 0;
      update_subtitle (rows->pdata[i]);
    }
}

static void
request_details (ExsPrefsChannelsPage *self)
{
  ExsPrefsListPage *page = EXS_PREFS_LIST_PAGE (self);
  GPtrArray *rows = exs_prefs_list_page_get_rows (page);
  gboolean health = self->refreshes % HEALTH_EVERY_REFRESHES == 0;

  exs_prefs_list_page_get (page, "/api/sessions", DETAILS_TIMEOUT_MS, on_sessions_cb);
  for (guint i = 0; i < rows->len && i < MAX_DETAILED_CHANNELS; i++)
    {
      const char *number = g_object_get_data (G_OBJECT (rows->pdata[i]), "exs-number");
      g_autofree char *playout = exs_prefs_client_channel_path (number, "/playout");
      exs_prefs_list_page_get (page, playout, DETAILS_TIMEOUT_MS, on_playout_cb);
      if (health)
        {
          g_autofree char *path = exs_prefs_client_channel_path (number, "/health");
          exs_prefs_list_page_get (page, path, DETAILS_TIMEOUT_MS, on_health_cb);
        }
    }
}

static void
exs_prefs_channels_page_update (ExsPrefsListPage *page, JsonArray *channels)
{
  ExsPrefsChannelsPage *self = EXS_PREFS_CHANNELS_PAGE (page);
  g_autoptr (JsonNode) node = json_node_init_array (json_node_alloc (), channels);
  g_autofree char *text = json_to_string (node, FALSE);

  if (exs_prefs_list_page_reshape (page, text))
    rebuild (self, channels);
  self->refreshes++;
  request_details (self);
}

static void
exs_prefs_channels_page_class_init (ExsPrefsChannelsPageClass *klass)
{
  ExsPrefsListPageClass *page_class = EXS_PREFS_LIST_PAGE_CLASS (klass);

  page_class->list_path = "/api/channels";
  page_class->list_member = "channels";
  page_class->update = exs_prefs_channels_page_update;
  page_class->add = exs_prefs_channels_page_add;
}

static void
exs_prefs_channels_page_init (ExsPrefsChannelsPage *self)
{
  GtkWidget *import = gtk_button_new_with_mnemonic (_("_Import M3U…"));

  gtk_widget_set_tooltip_text (import, _("Make upstream live channels from an M3U playlist"));
  g_signal_connect (import, "clicked", G_CALLBACK (on_import_clicked_cb), self);
  exs_prefs_list_page_add_header_button (EXS_PREFS_LIST_PAGE (self), import);
  exs_prefs_list_page_set_texts (EXS_PREFS_LIST_PAGE (self), _("Start it to see and change your channels."),
                                 _("Channels"), _("_Add Channel"), _("No channels yet"),
                                 _("Add one, or start the server with --demo for a ready-made lineup"));
}
