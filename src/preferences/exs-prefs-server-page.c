/* exs-prefs-server-page.c: ExsPrefsServerPage, the server as the desktop sees it.
 *
 * Shows whether the server runs and a switch that starts or stops it (through
 * the window's win.start-server / win.stop-server), "start at login", the port
 * and bind address (written to the server's config file, which the server
 * reads at its next start), the M3U, XMLTV and HDHomeRun addresses with copy
 * buttons, and "Open in Browser", which asks the server for a one-time login
 * link (POST /api/auth/login-links) and falls back to the plain /web/ page.
 */
#include "config.h"

#include "exs-prefs-server-page.h"

#include "exs-prefs-window.h"

#include <glib/gi18n.h>

struct _ExsPrefsServerPage
{
  AdwBin parent_instance;

  AdwActionRow *status_row;
  GtkSwitch *run_switch;
  GtkSwitch *autostart_switch;
  GtkSpinButton *port_spin;
  AdwEntryRow *bind_row;
  AdwActionRow *m3u_row;
  AdwActionRow *xmltv_row;
  AdwActionRow *hdhr_row;
  GtkButton *browser_button;

  ExsPrefsClient *client;
  ExsPrefsService *service;
  char *config_file;
  GCancellable *cancellable;
  gboolean updating; /* switches being set from the server's state, not by the user */
};

G_DEFINE_FINAL_TYPE (ExsPrefsServerPage, exs_prefs_server_page, ADW_TYPE_BIN)

static gboolean
on_run_switch_state_set_cb (GtkSwitch *sw, gboolean state, ExsPrefsServerPage *self)
{
  if (self->updating)
    return FALSE;
  gtk_widget_activate_action (GTK_WIDGET (self), state ? "win.start-server" : "win.stop-server", NULL);
  return FALSE;
}

void
exs_prefs_server_page_set_running (ExsPrefsServerPage *self, gboolean running, const char *detail)
{
  self->updating = TRUE;
  gtk_switch_set_active (self->run_switch, running);
  gtk_switch_set_state (self->run_switch, running);
  self->updating = FALSE;
  if (detail)
    adw_action_row_set_subtitle (self->status_row, detail);
  gtk_widget_set_sensitive (GTK_WIDGET (self->browser_button), running);
}

static void
on_autostart_set_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ExsPrefsServerPage) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!exs_prefs_service_set_autostart_finish (EXS_PREFS_SERVICE (source), result, &error))
    {
      g_autofree char *msg = g_strdup_printf (_("Cannot change “start at login”: %s"), error->message);
      exs_prefs_window_toast (GTK_WIDGET (self), msg);
      self->updating = TRUE;
      gtk_switch_set_active (self->autostart_switch, !gtk_switch_get_active (self->autostart_switch));
      self->updating = FALSE;
    }
}

static void
on_autostart_notify_cb (GtkSwitch *sw, GParamSpec *pspec, ExsPrefsServerPage *self)
{
  if (self->updating)
    return;
  exs_prefs_service_set_autostart_async (self->service, gtk_switch_get_active (sw), self->cancellable,
                                         on_autostart_set_cb, g_object_ref (self));
}

static void
on_autostart_got_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ExsPrefsServerPage) self = user_data;
  g_autoptr (GError) error = NULL;
  gboolean enabled = FALSE;

  if (!exs_prefs_service_get_autostart_finish (EXS_PREFS_SERVICE (source), result, &enabled, &error))
    {
      g_debug ("autostart state: %s", error->message);
      return;
    }
  self->updating = TRUE;
  gtk_switch_set_active (self->autostart_switch, enabled);
  self->updating = FALSE;
}

static void
copy_url (GtkWidget *button, AdwActionRow *row)
{
  const char *url = adw_action_row_get_subtitle (row);

  gdk_clipboard_set_text (gtk_widget_get_clipboard (button), url);
  exs_prefs_window_toast (button, _("Address copied"));
}

static void
on_copy_m3u_clicked_cb (GtkButton *button, ExsPrefsServerPage *self)
{
  copy_url (GTK_WIDGET (button), self->m3u_row);
}

static void
on_copy_xmltv_clicked_cb (GtkButton *button, ExsPrefsServerPage *self)
{
  copy_url (GTK_WIDGET (button), self->xmltv_row);
}

static void
on_copy_hdhr_clicked_cb (GtkButton *button, ExsPrefsServerPage *self)
{
  copy_url (GTK_WIDGET (button), self->hdhr_row);
}

static void
on_login_link_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ExsPrefsServerPage) self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) reply = exs_prefs_client_request_finish (EXS_PREFS_CLIENT (source), result, &error);
  g_autofree char *url = NULL;
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));

  if (reply && JSON_NODE_HOLDS_OBJECT (reply)
      && json_object_has_member (json_node_get_object (reply), "url"))
    url = g_strdup (json_object_get_string_member (json_node_get_object (reply), "url"));
  if (url == NULL || !(g_str_has_prefix (url, "http://") || g_str_has_prefix (url, "https://")))
    {
      /* a server without the login links: the page asks for the token */
      g_free (url);
      url = g_strconcat (exs_prefs_client_get_base_url (self->client), "/web/", NULL);
    }
  gtk_show_uri (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL, url, GDK_CURRENT_TIME);
}

static void
on_browser_clicked_cb (GtkButton *button, ExsPrefsServerPage *self)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) body = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "next");
  json_builder_add_string_value (b, "/web/");
  json_builder_end_object (b);
  body = json_builder_get_root (b);
  exs_prefs_client_request_async (self->client, "POST", "/api/auth/login-links", body, 3000, self->cancellable,
                                  on_login_link_cb, g_object_ref (self));
}

/* Port and bind address go to the server's config file (comments kept). */
static void
on_save_address_clicked_cb (GtkButton *button, ExsPrefsServerPage *self)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (self->config_file);
  const char *bind = gtk_editable_get_text (GTK_EDITABLE (self->bind_row));
  GInetAddress *addr = g_inet_address_new_from_string (bind);

  if (addr == NULL)
    {
      g_autofree char *msg = g_strdup_printf (_("“%s” is not an IP address (e.g. 0.0.0.0 for every network, 127.0.0.1 for this computer only)"), bind);
      exs_prefs_window_toast (GTK_WIDGET (self), msg);
      return;
    }
  g_object_unref (addr);
  if (!g_key_file_load_from_file (kf, self->config_file, G_KEY_FILE_KEEP_COMMENTS, &error)
      && !g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_autofree char *msg = g_strdup_printf (_("Cannot read %s: %s"), self->config_file, error->message);
      exs_prefs_window_toast (GTK_WIDGET (self), msg);
      return;
    }
  g_clear_error (&error);
  g_key_file_set_integer (kf, "server", "port", gtk_spin_button_get_value_as_int (self->port_spin));
  g_key_file_set_string (kf, "server", "host", bind);
  g_mkdir_with_parents (dir, 0700);
  if (!g_key_file_save_to_file (kf, self->config_file, &error))
    {
      g_autofree char *msg = g_strdup_printf (_("Cannot write %s: %s"), self->config_file, error->message);
      exs_prefs_window_toast (GTK_WIDGET (self), msg);
      return;
    }
  exs_prefs_window_toast (GTK_WIDGET (self), _("Saved. The server uses the new address after a restart."));
}

static void
load_address (ExsPrefsServerPage *self)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GUri) uri = g_uri_parse (exs_prefs_client_get_base_url (self->client), G_URI_FLAGS_NONE, NULL);
  g_autofree char *host = NULL;
  int port = uri ? g_uri_get_port (uri) : 8411;

  if (g_key_file_load_from_file (kf, self->config_file, G_KEY_FILE_NONE, NULL))
    host = g_key_file_get_string (kf, "server", "host", NULL);
  gtk_spin_button_set_value (self->port_spin, port > 0 ? port : 8411);
  gtk_editable_set_text (GTK_EDITABLE (self->bind_row), host ? host : "0.0.0.0");
}

void
exs_prefs_server_page_setup (ExsPrefsServerPage *self, ExsPrefsClient *client, ExsPrefsService *service,
                             const char *config_file)
{
  const char *base = exs_prefs_client_get_base_url (client);
  g_autofree char *m3u = g_strconcat (base, "/iptv/channels.m3u", NULL);
  g_autofree char *xmltv = g_strconcat (base, "/iptv/xmltv.xml", NULL);

  g_set_object (&self->client, client);
  g_set_object (&self->service, service);
  self->config_file = g_strdup (config_file);
  adw_action_row_set_subtitle (self->m3u_row, m3u);
  adw_action_row_set_subtitle (self->xmltv_row, xmltv);
  adw_action_row_set_subtitle (self->hdhr_row, base);
  load_address (self);
  exs_prefs_service_get_autostart_async (service, self->cancellable, on_autostart_got_cb, g_object_ref (self));
}

static void
exs_prefs_server_page_dispose (GObject *object)
{
  ExsPrefsServerPage *self = EXS_PREFS_SERVER_PAGE (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), EXS_TYPE_PREFS_SERVER_PAGE);
  G_OBJECT_CLASS (exs_prefs_server_page_parent_class)->dispose (object);
}

static void
exs_prefs_server_page_finalize (GObject *object)
{
  ExsPrefsServerPage *self = EXS_PREFS_SERVER_PAGE (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->client);
  g_clear_object (&self->service);
  g_free (self->config_file);
  G_OBJECT_CLASS (exs_prefs_server_page_parent_class)->finalize (object);
}

static void
exs_prefs_server_page_class_init (ExsPrefsServerPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = exs_prefs_server_page_dispose;
  object_class->finalize = exs_prefs_server_page_finalize;
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/exstreamtv/ExStreamTV/exs-prefs-server-page.ui");
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsServerPage, status_row);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsServerPage, run_switch);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsServerPage, autostart_switch);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsServerPage, port_spin);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsServerPage, bind_row);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsServerPage, m3u_row);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsServerPage, xmltv_row);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsServerPage, hdhr_row);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsServerPage, browser_button);
  gtk_widget_class_bind_template_callback (widget_class, on_run_switch_state_set_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_autostart_notify_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_copy_m3u_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_copy_xmltv_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_copy_hdhr_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_browser_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_save_address_clicked_cb);
}

static void
exs_prefs_server_page_init (ExsPrefsServerPage *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
}
