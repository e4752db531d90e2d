/* exs-prefs-list-page.c: ExsPrefsListPage, what the app's list pages share.
 *
 * A page shows "The Server Is Stopped" while the server is down and a group of
 * rows while it runs; it asks the server for its list (the class's list_path)
 * one request at a time and hands the array to the subclass's update(). The
 * subclasses (ExsPrefsChannelsPage, ExsPrefsLibrariesPage) build the rows and
 * change things through exs_prefs_list_page_change() and
 * exs_prefs_list_page_confirm_remove(), which report failures as toasts and
 * refresh the list afterwards.
 */
#include "config.h"

#include "exs-prefs-list-page.h"

#include "exs-prefs-window.h"

#include <glib/gi18n.h>
#include <string.h>

#define CHANGE_TIMEOUT_MS 10000
#define LIST_TIMEOUT_MS 5000

typedef struct
{
  GtkStack *stack;
  AdwStatusPage *offline_page;
  AdwPreferencesGroup *group;
  GtkBox *header_box;
  GtkButton *add_button;
  AdwActionRow *empty_row;

  ExsPrefsClient *client;
  GCancellable *cancellable;
  GPtrArray *rows;     /* GtkWidget, in list order */
  GHashTable *by_key;  /* key -> row (borrowed) */
  GHashTable *flagged; /* keys flagged, see exs_prefs_list_page_flag() */
  char *shape;         /* what the rows show, to rebuild only on change */
  gboolean busy;       /* a list request is under way */
} ExsPrefsListPagePrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (ExsPrefsListPage, exs_prefs_list_page, ADW_TYPE_BIN)

void
exs_prefs_list_page_set_texts (ExsPrefsListPage *self, const char *offline_description, const char *title,
                               const char *add_label, const char *empty_title, const char *empty_subtitle)
{
  ExsPrefsListPagePrivate *priv = exs_prefs_list_page_get_instance_private (self);

  adw_status_page_set_description (priv->offline_page, offline_description);
  adw_preferences_group_set_title (priv->group, title);
  gtk_button_set_label (priv->add_button, add_label);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (priv->empty_row), empty_title);
  adw_action_row_set_subtitle (priv->empty_row, empty_subtitle);
}

ExsPrefsClient *
exs_prefs_list_page_get_client (ExsPrefsListPage *self)
{
  ExsPrefsListPagePrivate *priv = exs_prefs_list_page_get_instance_private (self);

  return priv->client;
}

GCancellable *
exs_prefs_list_page_get_cancellable (ExsPrefsListPage *self)
{
  ExsPrefsListPagePrivate *priv = exs_prefs_list_page_get_instance_private (self);

  return priv->cancellable;
}

static void
on_changed_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ExsPrefsListPage) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) reply = exs_prefs_client_request_finish (EXS_PREFS_CLIENT (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (reply == NULL)
    exs_prefs_window_toast (GTK_WIDGET (self), error->message);
  exs_prefs_list_page_refresh (self);
}

void
exs_prefs_list_page_change (ExsPrefsListPage *self, const char *method, const char *path, JsonNode *body)
{
  ExsPrefsListPagePrivate *priv = exs_prefs_list_page_get_instance_private (self);

  exs_prefs_client_request_async (priv->client, method, path, body, CHANGE_TIMEOUT_MS, priv->cancellable,
                                  on_changed_cb, g_object_ref (self));
}

void
exs_prefs_list_page_get (ExsPrefsListPage *self, const char *path, guint timeout_ms, GAsyncReadyCallback callback)
{
  ExsPrefsListPagePrivate *priv = exs_prefs_list_page_get_instance_private (self);

  exs_prefs_client_request_async (priv->client, "GET", path, NULL, timeout_ms, priv->cancellable, callback,
                                  g_object_ref (self));
}

static void
on_remove_response_cb (AdwMessageDialog *dialog, const char *response, ExsPrefsListPage *self)
{
  if (g_str_equal (response, "remove"))
    exs_prefs_list_page_change (self, "DELETE", g_object_get_data (G_OBJECT (dialog), "exs-path"), NULL);
}

void
exs_prefs_list_page_confirm_remove (ExsPrefsListPage *self, const char *heading, const char *body, const char *path)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))), heading, body);

  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "remove", _("_Remove"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data_full (G_OBJECT (dialog), "exs-path", g_strdup (path), g_free);
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_remove_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

void
exs_prefs_list_page_add_header_button (ExsPrefsListPage *self, GtkWidget *button)
{
  ExsPrefsListPagePrivate *priv = exs_prefs_list_page_get_instance_private (self);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_box_prepend (priv->header_box, button);
}

GtkWidget *
exs_prefs_list_page_icon_button (const char *icon, const char *tooltip, const char *a11y_label)
{
  GtkWidget *button = gtk_button_new_from_icon_name (icon);

  gtk_widget_set_valign (button, GTK_ALIGN_CENTER);
  gtk_widget_set_tooltip_text (button, tooltip);
  gtk_widget_add_css_class (button, "flat");
  gtk_accessible_update_property (GTK_ACCESSIBLE (button), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y_label, -1);
  return button;
}

static void
on_dialog_saved_cb (ExsPrefsFormDialog *dialog, JsonObject *reply, ExsPrefsListPage *self)
{
  const char *toast = g_object_get_data (G_OBJECT (dialog), "exs-toast");
  const char *member = g_object_get_data (G_OBJECT (dialog), "exs-member");
  const char *mark = member ? strstr (toast, "%s") : NULL;
  g_autofree char *text = NULL;

  /* the reply's member in place of "%s" (a translated text is no format to trust) */
  if (mark)
    {
      g_autofree char *head = g_strndup (toast, mark - toast);
      text = g_strconcat (head, reply ? json_object_get_string_member_with_default (reply, member, "") : "", mark + 2,
                          NULL);
    }
  exs_prefs_window_toast (GTK_WIDGET (self), text ? text : toast);
  exs_prefs_list_page_refresh (self);
}

void
exs_prefs_list_page_present (ExsPrefsListPage *self, ExsPrefsFormDialog *dialog, const char *toast, const char *member)
{
  g_object_set_data_full (G_OBJECT (dialog), "exs-toast", g_strdup (toast), g_free);
  g_object_set_data_full (G_OBJECT (dialog), "exs-member", g_strdup (member), g_free);
  g_signal_connect_object (dialog, "saved", G_CALLBACK (on_dialog_saved_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

gboolean
exs_prefs_list_page_reshape (ExsPrefsListPage *self, const char *shape)
{
  ExsPrefsListPagePrivate *priv = exs_prefs_list_page_get_instance_private (self);

  if (g_strcmp0 (shape, priv->shape) == 0)
    return FALSE;
  g_free (priv->shape);
  priv->shape = g_strdup (shape);
  for (guint i = 0; i < priv->rows->len; i++)
    adw_preferences_group_remove (priv->group, priv->rows->pdata[i]);
  g_ptr_array_set_size (priv->rows, 0);
  g_hash_table_remove_all (priv->by_key);
  return TRUE;
}

void
exs_prefs_list_page_add_row (ExsPrefsListPage *self, const char *key, GtkWidget *row)
{
  ExsPrefsListPagePrivate *priv = exs_prefs_list_page_get_instance_private (self);

  adw_preferences_group_add (priv->group, row);
  g_ptr_array_add (priv->rows, row);
  g_hash_table_insert (priv->by_key, g_strdup (key), row);
}

GtkWidget *
exs_prefs_list_page_lookup_row (ExsPrefsListPage *self, const char *key)
{
  ExsPrefsListPagePrivate *priv = exs_prefs_list_page_get_instance_private (self);

  return g_hash_table_lookup (priv->by_key, key);
}

gboolean
exs_prefs_list_page_flag (ExsPrefsListPage *self, const char *key, gboolean flagged)
{
  ExsPrefsListPagePrivate *priv = exs_prefs_list_page_get_instance_private (self);

  return flagged ? g_hash_table_add (priv->flagged, g_strdup (key)) : g_hash_table_remove (priv->flagged, key);
}

GPtrArray *
exs_prefs_list_page_get_rows (ExsPrefsListPage *self)
{
  ExsPrefsListPagePrivate *priv = exs_prefs_list_page_get_instance_private (self);

  return priv->rows;
}

void
exs_prefs_list_page_update_empty (ExsPrefsListPage *self)
{
  ExsPrefsListPagePrivate *priv = exs_prefs_list_page_get_instance_private (self);

  gtk_widget_set_visible (GTK_WIDGET (priv->empty_row), priv->rows->len == 0);
}

static void
on_list_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ExsPrefsListPage) self = user_data;
  ExsPrefsListPagePrivate *priv = exs_prefs_list_page_get_instance_private (self);
  ExsPrefsListPageClass *klass = EXS_PREFS_LIST_PAGE_GET_CLASS (self);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) reply = exs_prefs_client_request_finish (EXS_PREFS_CLIENT (source), result, &error);
  JsonObject *o;

  priv->busy = FALSE;
  if (reply == NULL || !JSON_NODE_HOLDS_OBJECT (reply))
    {
      if (error && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_debug ("%s: %s", klass->list_path, error->message);
      return;
    }
  o = json_node_get_object (reply);
  if (json_object_has_member (o, klass->list_member)
      && JSON_NODE_HOLDS_ARRAY (json_object_get_member (o, klass->list_member)))
    klass->update (self, json_object_get_array_member (o, klass->list_member));
}

void
exs_prefs_list_page_refresh (ExsPrefsListPage *self)
{
  ExsPrefsListPagePrivate *priv = exs_prefs_list_page_get_instance_private (self);

  if (priv->client == NULL || priv->busy)
    return;
  priv->busy = TRUE;
  exs_prefs_list_page_get (self, EXS_PREFS_LIST_PAGE_GET_CLASS (self)->list_path, LIST_TIMEOUT_MS, on_list_cb);
}

void
exs_prefs_list_page_set_running (ExsPrefsListPage *self, gboolean running)
{
  ExsPrefsListPagePrivate *priv = exs_prefs_list_page_get_instance_private (self);

  gtk_stack_set_visible_child_name (priv->stack, running ? "list" : "offline");
  if (running)
    exs_prefs_list_page_refresh (self);
}

void
exs_prefs_list_page_setup (ExsPrefsListPage *self, ExsPrefsClient *client)
{
  ExsPrefsListPagePrivate *priv = exs_prefs_list_page_get_instance_private (self);

  g_set_object (&priv->client, client);
}

static void
on_add_clicked_cb (GtkButton *button, ExsPrefsListPage *self)
{
  EXS_PREFS_LIST_PAGE_GET_CLASS (self)->add (self);
}

static void
exs_prefs_list_page_dispose (GObject *object)
{
  ExsPrefsListPage *self = EXS_PREFS_LIST_PAGE (object);
  ExsPrefsListPagePrivate *priv = exs_prefs_list_page_get_instance_private (self);

  g_cancellable_cancel (priv->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), EXS_TYPE_PREFS_LIST_PAGE);
  G_OBJECT_CLASS (exs_prefs_list_page_parent_class)->dispose (object);
}

static void
exs_prefs_list_page_finalize (GObject *object)
{
  ExsPrefsListPage *self = EXS_PREFS_LIST_PAGE (object);
  ExsPrefsListPagePrivate *priv = exs_prefs_list_page_get_instance_private (self);

  g_clear_object (&priv->cancellable);
  g_clear_object (&priv->client);
  g_ptr_array_unref (priv->rows);
  g_hash_table_unref (priv->by_key);
  g_hash_table_unref (priv->flagged);
  g_free (priv->shape);
  G_OBJECT_CLASS (exs_prefs_list_page_parent_class)->finalize (object);
}

static void
exs_prefs_list_page_class_init (ExsPrefsListPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = exs_prefs_list_page_dispose;
  object_class->finalize = exs_prefs_list_page_finalize;
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/exstreamtv/ExStreamTV/exs-prefs-list-page.ui");
  gtk_widget_class_bind_template_child_private (widget_class, ExsPrefsListPage, stack);
  gtk_widget_class_bind_template_child_private (widget_class, ExsPrefsListPage, offline_page);
  gtk_widget_class_bind_template_child_private (widget_class, ExsPrefsListPage, group);
  gtk_widget_class_bind_template_child_private (widget_class, ExsPrefsListPage, header_box);
  gtk_widget_class_bind_template_child_private (widget_class, ExsPrefsListPage, add_button);
  gtk_widget_class_bind_template_child_private (widget_class, ExsPrefsListPage, empty_row);
  gtk_widget_class_bind_template_callback (widget_class, on_add_clicked_cb);
}

static void
exs_prefs_list_page_init (ExsPrefsListPage *self)
{
  ExsPrefsListPagePrivate *priv = exs_prefs_list_page_get_instance_private (self);

  priv->cancellable = g_cancellable_new ();
  priv->rows = g_ptr_array_new ();
  priv->by_key = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  priv->flagged = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gtk_widget_init_template (GTK_WIDGET (self));
}
