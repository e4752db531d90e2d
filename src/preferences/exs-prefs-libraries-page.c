/* exs-prefs-libraries-page.c: ExsPrefsLibrariesPage, the media libraries.
 *
 * One expander row per library (GET /api/libraries): its kind, item count and
 * scan progress (live counters while it scans), and inside it the folders
 * with the error the last scan met, the files that failed (media with
 * scan_state "error") and the library's issues. Buttons rescan or remove it;
 * "Add Library" opens ExsPrefsLibraryDialog (a folder chooser, the portal in
 * the Flatpak). A scan that ends with failures or issues raises a GNotification.
 */
#include "config.h"

#include "exs-prefs-libraries-page.h"

#include "exs-prefs-library-dialog.h"
#include "exs-prefs-window.h"

#include <glib/gi18n.h>

#define MAX_FAILED_SHOWN 500

struct _ExsPrefsLibrariesPage
{
  AdwBin parent_instance;

  GtkStack *stack;
  AdwPreferencesGroup *group;
  AdwActionRow *empty_row;

  ExsPrefsClient *client;
  GCancellable *cancellable;
  char *last_shape;      /* what the rows show apart from live counters */
  GPtrArray *rows;       /* AdwExpanderRow */
  GHashTable *by_id;     /* id -> AdwExpanderRow (borrowed) */
  GHashTable *scanning;  /* ids seen scanning, to notice a scan's end */
  gboolean busy;
};

G_DEFINE_FINAL_TYPE (ExsPrefsLibrariesPage, exs_prefs_libraries_page, ADW_TYPE_BIN)

static const char *
kind_label (const char *kind)
{
  if (g_strcmp0 (kind, "movies") == 0)
    return _("Movies");
  if (g_strcmp0 (kind, "shows") == 0)
    return _("TV shows");
  if (g_strcmp0 (kind, "music_videos") == 0)
    return _("Music videos");
  return _("Other videos");
}

static JsonObject *
scan_of (JsonObject *lib)
{
  return json_object_has_member (lib, "scan") && JSON_NODE_HOLDS_OBJECT (json_object_get_member (lib, "scan"))
           ? json_object_get_object_member (lib, "scan") : NULL;
}

static gboolean
is_scanning (JsonObject *lib)
{
  JsonObject *scan = scan_of (lib);
  return scan && g_strcmp0 (json_object_get_string_member_with_default (scan, "state", ""), "scanning") == 0;
}

static char *
library_subtitle (JsonObject *lib)
{
  JsonObject *scan = scan_of (lib);
  gint64 items = json_object_get_int_member_with_default (lib, "items", 0);
  GString *s = g_string_new (kind_label (json_object_get_string_member_with_default (lib, "kind", "")));

  g_string_append (s, " · ");
  g_string_append_printf (s, g_dngettext (GETTEXT_PACKAGE, "%d item", "%d items", (gulong) items), (int) items);
  if (scan && is_scanning (lib))
    {
      g_string_append (s, " · ");
      g_string_append_printf (s, _("Scanning: %d found, %d probed, %d failed"),
                              (int) json_object_get_int_member_with_default (scan, "found", 0),
                              (int) json_object_get_int_member_with_default (scan, "probed", 0),
                              (int) json_object_get_int_member_with_default (scan, "failed", 0));
    }
  else if (scan && json_object_get_int_member_with_default (scan, "failed", 0) > 0)
    {
      gint64 failed = json_object_get_int_member_with_default (scan, "failed", 0);
      g_string_append (s, " · ");
      g_string_append_printf (s, g_dngettext (GETTEXT_PACKAGE, "%d file failed", "%d files failed", (gulong) failed),
                              (int) failed);
    }
  return g_string_free (s, FALSE);
}

static void
on_changed_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ExsPrefsLibrariesPage) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) reply = exs_prefs_client_request_finish (EXS_PREFS_CLIENT (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (reply == NULL)
    exs_prefs_window_toast (GTK_WIDGET (self), error->message);
  exs_prefs_libraries_page_refresh (self);
}

static char *
library_path (GObject *widget, const char *suffix)
{
  return g_strdup_printf ("/api/libraries/%" G_GINT64_FORMAT "%s",
                          (gint64) GPOINTER_TO_SIZE (g_object_get_data (widget, "exs-id")), suffix);
}

static void
on_scan_clicked_cb (GtkButton *button, ExsPrefsLibrariesPage *self)
{
  g_autofree char *path = library_path (G_OBJECT (button), "/scan");

  exs_prefs_client_request_async (self->client, "POST", path, NULL, 10000, self->cancellable, on_changed_cb,
                                  g_object_ref (self));
}

static void
on_remove_response_cb (AdwMessageDialog *dialog, const char *response, ExsPrefsLibrariesPage *self)
{
  g_autofree char *path = NULL;

  if (!g_str_equal (response, "remove"))
    return;
  path = library_path (G_OBJECT (dialog), "");
  exs_prefs_client_request_async (self->client, "DELETE", path, NULL, 10000, self->cancellable, on_changed_cb,
                                  g_object_ref (self));
}

static void
on_remove_clicked_cb (GtkButton *button, ExsPrefsLibrariesPage *self)
{
  GtkWidget *dialog = adw_message_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))), NULL, NULL);

  adw_message_dialog_format_heading (ADW_MESSAGE_DIALOG (dialog), _("Remove the library “%s”?"),
                                     (const char *) g_object_get_data (G_OBJECT (button), "exs-name"));
  adw_message_dialog_set_body (ADW_MESSAGE_DIALOG (dialog),
                               _("Its items leave every channel's schedule. The files on disk are not touched."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog), "cancel", _("_Cancel"), "remove", _("_Remove"), NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "remove", ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "cancel");
  g_object_set_data (G_OBJECT (dialog), "exs-id", g_object_get_data (G_OBJECT (button), "exs-id"));
  g_signal_connect_object (dialog, "response", G_CALLBACK (on_remove_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
on_dialog_saved_cb (ExsPrefsLibraryDialog *dialog, ExsPrefsLibrariesPage *self)
{
  exs_prefs_window_toast (GTK_WIDGET (self), _("Library added; scanning it now"));
  exs_prefs_libraries_page_refresh (self);
}

static void
on_add_clicked_cb (GtkButton *button, ExsPrefsLibrariesPage *self)
{
  ExsPrefsLibraryDialog *dialog = exs_prefs_library_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                                                self->client);

  g_signal_connect_object (dialog, "saved", G_CALLBACK (on_dialog_saved_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
}

static void
add_detail_row (AdwExpanderRow *row, const char *title, const char *subtitle, gboolean problem)
{
  GtkWidget *detail = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (detail), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (detail), title);
  if (subtitle)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (detail), subtitle);
  if (problem)
    adw_action_row_add_prefix (ADW_ACTION_ROW (detail), gtk_image_new_from_icon_name ("dialog-warning-symbolic"));
  adw_expander_row_add_row (row, detail);
}

static void
on_failed_media_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ExsPrefsLibrariesPage) self = user_data;
  g_autoptr (JsonNode) reply = exs_prefs_client_request_finish (EXS_PREFS_CLIENT (source), result, NULL);
  AdwExpanderRow *row;
  JsonArray *items;
  gint64 id;

  if (reply == NULL || !JSON_NODE_HOLDS_OBJECT (reply)
      || !json_object_has_member (json_node_get_object (reply), "items"))
    return;
  items = json_object_get_array_member (json_node_get_object (reply), "items");
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);
      if (item == NULL || g_strcmp0 (json_object_get_string_member_with_default (item, "scan_state", ""), "error") != 0)
        continue;
      id = json_object_get_int_member_with_default (item, "library_id", 0);
      row = g_hash_table_lookup (self->by_id, GSIZE_TO_POINTER ((gsize) id));
      if (row)
        add_detail_row (row, json_object_get_string_member_with_default (item, "title", "?"),
                        json_object_get_string_member_with_default (item, "scan_message", NULL), TRUE);
    }
}

typedef struct
{
  ExsPrefsLibrariesPage *self; /* a reference */
  gint64 id;
} IssuesCall;

static void
on_issues_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  IssuesCall *call = user_data;
  g_autoptr (ExsPrefsLibrariesPage) self = call->self;
  g_autoptr (JsonNode) reply = exs_prefs_client_request_finish (EXS_PREFS_CLIENT (source), result, NULL);
  AdwExpanderRow *row = g_hash_table_lookup (self->by_id, GSIZE_TO_POINTER ((gsize) call->id));
  JsonArray *issues = NULL;

  g_free (call);
  if (reply && JSON_NODE_HOLDS_OBJECT (reply) && json_object_has_member (json_node_get_object (reply), "issues"))
    issues = json_object_get_array_member (json_node_get_object (reply), "issues");
  for (guint i = 0; row && issues && i < json_array_get_length (issues); i++)
    {
      JsonObject *issue = json_array_get_object_element (issues, i);
      if (issue)
        add_detail_row (row, json_object_get_string_member_with_default (issue, "path", "?"),
                        json_object_get_string_member_with_default (issue, "reason", NULL), TRUE);
    }
}

static GtkWidget *
make_row (ExsPrefsLibrariesPage *self, JsonObject *lib)
{
  gint64 id = json_object_get_int_member_with_default (lib, "id", 0);
  const char *name = json_object_get_string_member_with_default (lib, "name", "?");
  GtkWidget *row = adw_expander_row_new ();
  g_autofree char *subtitle = library_subtitle (lib);
  g_autofree char *scan_label = g_strdup_printf (_("Scan the library “%s” again"), name);
  g_autofree char *remove_label = g_strdup_printf (_("Remove the library “%s”"), name);
  GtkWidget *scan = gtk_button_new_from_icon_name ("view-refresh-symbolic");
  GtkWidget *remove = gtk_button_new_from_icon_name ("user-trash-symbolic");
  JsonArray *paths = json_object_has_member (lib, "paths") ? json_object_get_array_member (lib, "paths") : NULL;
  JsonObject *scan_state = scan_of (lib);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), subtitle);
  if (is_scanning (lib))
    {
      GtkWidget *spinner = gtk_spinner_new ();
      gtk_spinner_start (GTK_SPINNER (spinner));
      gtk_accessible_update_property (GTK_ACCESSIBLE (spinner), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Scanning"), -1);
      adw_expander_row_add_prefix (ADW_EXPANDER_ROW (row), spinner);
    }
  for (GtkWidget *b = scan; b; b = b == scan ? remove : NULL)
    {
      gtk_widget_set_valign (b, GTK_ALIGN_CENTER);
      gtk_widget_add_css_class (b, "flat");
      g_object_set_data (G_OBJECT (b), "exs-id", GSIZE_TO_POINTER ((gsize) id));
      g_object_set_data_full (G_OBJECT (b), "exs-name", g_strdup (name), g_free);
    }
  gtk_widget_set_tooltip_text (scan, _("Scan again"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (scan), GTK_ACCESSIBLE_PROPERTY_LABEL, scan_label, -1);
  gtk_widget_set_tooltip_text (remove, _("Remove"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (remove), GTK_ACCESSIBLE_PROPERTY_LABEL, remove_label, -1);
  g_signal_connect (scan, "clicked", G_CALLBACK (on_scan_clicked_cb), self);
  g_signal_connect (remove, "clicked", G_CALLBACK (on_remove_clicked_cb), self);
  adw_expander_row_add_action (ADW_EXPANDER_ROW (row), remove);
  adw_expander_row_add_action (ADW_EXPANDER_ROW (row), scan);

  for (guint i = 0; paths && i < json_array_get_length (paths); i++)
    {
      JsonObject *p = json_array_get_object_element (paths, i);
      const char *err = p && json_object_has_member (p, "error") && !json_object_get_null_member (p, "error")
                          ? json_object_get_string_member (p, "error") : NULL;
      if (p)
        add_detail_row (ADW_EXPANDER_ROW (row), json_object_get_string_member_with_default (p, "path", "?"),
                        err ? err : _("Folder"), err != NULL);
      if (err)
        adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), TRUE);
    }
  if (scan_state && json_object_get_int_member_with_default (scan_state, "failed", 0) > 0 && !is_scanning (lib))
    {
      g_autofree char *path = g_strdup_printf ("/api/media?library=%" G_GINT64_FORMAT "&limit=%d", id, MAX_FAILED_SHOWN);
      /* problems are shown opened */
      adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), TRUE);
      exs_prefs_client_request_async (self->client, "GET", path, NULL, 10000, self->cancellable, on_failed_media_cb,
                                      g_object_ref (self));
    }
  if (scan_state && json_object_get_int_member_with_default (scan_state, "issues", 0) > 0)
    {
      g_autofree char *path = g_strdup_printf ("/api/libraries/%" G_GINT64_FORMAT "/issues", id);
      IssuesCall *call = g_new0 (IssuesCall, 1);
      adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), TRUE);
      call->self = g_object_ref (self);
      call->id = id;
      exs_prefs_client_request_async (self->client, "GET", path, NULL, 10000, self->cancellable, on_issues_cb, call);
    }
  return row;
}

static void
notify_scan_problems (JsonObject *lib)
{
  JsonObject *scan = scan_of (lib);
  gint64 failed = scan ? json_object_get_int_member_with_default (scan, "failed", 0) : 0;
  gint64 issues = scan ? json_object_get_int_member_with_default (scan, "issues", 0) : 0;
  g_autoptr (GNotification) n = NULL;
  g_autofree char *title = NULL;
  g_autofree char *body = NULL;
  g_autofree char *id = NULL;

  if (failed == 0 && issues == 0)
    return;
  title = g_strdup_printf (_("The scan of “%s” found problems"), json_object_get_string_member_with_default (lib, "name", "?"));
  body = g_strdup_printf (_("%d files cannot be played and %d folders or files had problems. See Libraries."),
                          (int) failed, (int) issues);
  id = g_strdup_printf ("scan-%" G_GINT64_FORMAT, json_object_get_int_member_with_default (lib, "id", 0));
  n = g_notification_new (title);
  g_notification_set_body (n, body);
  g_application_send_notification (g_application_get_default (), id, n);
}

/* What the rows show, apart from the counters of a running scan. */
static char *
shape_of (JsonArray *libs)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (libs); i++)
    {
      JsonObject *lib = json_array_get_object_element (libs, i);
      JsonObject *scan = lib ? scan_of (lib) : NULL;
      g_autoptr (JsonNode) paths = NULL;
      g_autofree char *paths_text = NULL;
      if (lib == NULL)
        continue;
      paths = json_object_has_member (lib, "paths") ? json_node_copy (json_object_get_member (lib, "paths")) : NULL;
      paths_text = paths ? json_to_string (paths, FALSE) : g_strdup ("");
      g_string_append_printf (s, "%" G_GINT64_FORMAT "|%s|%s|%d|%s|", json_object_get_int_member_with_default (lib, "id", 0),
                              json_object_get_string_member_with_default (lib, "name", ""),
                              json_object_get_string_member_with_default (lib, "kind", ""), is_scanning (lib), paths_text);
      if (!is_scanning (lib))
        g_string_append_printf (s, "%" G_GINT64_FORMAT "|%" G_GINT64_FORMAT "|%" G_GINT64_FORMAT ";",
                                json_object_get_int_member_with_default (lib, "items", 0),
                                scan ? json_object_get_int_member_with_default (scan, "failed", 0) : 0,
                                scan ? json_object_get_int_member_with_default (scan, "issues", 0) : 0);
    }
  return g_string_free (s, FALSE);
}

static void
update (ExsPrefsLibrariesPage *self, JsonArray *libs)
{
  g_autofree char *shape = shape_of (libs);
  gboolean rebuild = g_strcmp0 (shape, self->last_shape) != 0;

  if (rebuild)
    {
      for (guint i = 0; i < self->rows->len; i++)
        adw_preferences_group_remove (self->group, self->rows->pdata[i]);
      g_ptr_array_set_size (self->rows, 0);
      g_hash_table_remove_all (self->by_id);
      g_free (self->last_shape);
      self->last_shape = g_steal_pointer (&shape);
    }
  for (guint i = 0; i < json_array_get_length (libs); i++)
    {
      JsonObject *lib = json_array_get_object_element (libs, i);
      gpointer key;
      if (lib == NULL)
        continue;
      key = GSIZE_TO_POINTER ((gsize) json_object_get_int_member_with_default (lib, "id", 0));
      if (rebuild)
        {
          GtkWidget *row = make_row (self, lib);
          adw_preferences_group_add (self->group, row);
          g_ptr_array_add (self->rows, row);
          g_hash_table_insert (self->by_id, key, row);
        }
      else
        {
          g_autofree char *subtitle = library_subtitle (lib);
          AdwExpanderRow *row = g_hash_table_lookup (self->by_id, key);
          if (row)
            adw_expander_row_set_subtitle (row, subtitle);
        }
      if (is_scanning (lib))
        g_hash_table_add (self->scanning, key);
      else if (g_hash_table_remove (self->scanning, key))
        notify_scan_problems (lib);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->empty_row), self->rows->len == 0);
}

static void
on_list_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ExsPrefsLibrariesPage) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) reply = exs_prefs_client_request_finish (EXS_PREFS_CLIENT (source), result, &error);
  JsonObject *o;

  self->busy = FALSE;
  if (reply == NULL || !JSON_NODE_HOLDS_OBJECT (reply))
    return;
  o = json_node_get_object (reply);
  if (json_object_has_member (o, "libraries") && JSON_NODE_HOLDS_ARRAY (json_object_get_member (o, "libraries")))
    update (self, json_object_get_array_member (o, "libraries"));
}

void
exs_prefs_libraries_page_refresh (ExsPrefsLibrariesPage *self)
{
  if (self->client == NULL || self->busy)
    return;
  self->busy = TRUE;
  exs_prefs_client_request_async (self->client, "GET", "/api/libraries", NULL, 5000, self->cancellable, on_list_cb,
                                  g_object_ref (self));
}

void
exs_prefs_libraries_page_set_running (ExsPrefsLibrariesPage *self, gboolean running)
{
  gtk_stack_set_visible_child_name (self->stack, running ? "list" : "offline");
  if (running)
    exs_prefs_libraries_page_refresh (self);
}

void
exs_prefs_libraries_page_setup (ExsPrefsLibrariesPage *self, ExsPrefsClient *client)
{
  g_set_object (&self->client, client);
}

static void
exs_prefs_libraries_page_dispose (GObject *object)
{
  ExsPrefsLibrariesPage *self = EXS_PREFS_LIBRARIES_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), EXS_TYPE_PREFS_LIBRARIES_PAGE);
  G_OBJECT_CLASS (exs_prefs_libraries_page_parent_class)->dispose (object);
}

static void
exs_prefs_libraries_page_finalize (GObject *object)
{
  ExsPrefsLibrariesPage *self = EXS_PREFS_LIBRARIES_PAGE (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->client);
  g_free (self->last_shape);
  g_ptr_array_unref (self->rows);
  g_hash_table_unref (self->by_id);
  g_hash_table_unref (self->scanning);
  G_OBJECT_CLASS (exs_prefs_libraries_page_parent_class)->finalize (object);
}

static void
exs_prefs_libraries_page_class_init (ExsPrefsLibrariesPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = exs_prefs_libraries_page_dispose;
  object_class->finalize = exs_prefs_libraries_page_finalize;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/io/github/exstreamtv/ExStreamTV/exs-prefs-libraries-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsLibrariesPage, stack);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsLibrariesPage, group);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsLibrariesPage, empty_row);
  gtk_widget_class_bind_template_callback (widget_class, on_add_clicked_cb);
}

static void
exs_prefs_libraries_page_init (ExsPrefsLibrariesPage *self)
{
  self->cancellable = g_cancellable_new ();
  self->rows = g_ptr_array_new ();
  self->by_id = g_hash_table_new (g_direct_hash, g_direct_equal);
  self->scanning = g_hash_table_new (g_direct_hash, g_direct_equal);
  gtk_widget_init_template (GTK_WIDGET (self));
}
