/* exs-prefs-window.c: ExsPrefsWindow, the app's one window.
 *
 * Owns the API client and the service controller, watches the server (GET
 * /api/health every 2 s with a 1.5 s deadline, so a stopped server is reported
 * within 2 s of opening) and hands the state to its four pages: Server,
 * Channels, Libraries and Profiles. The win.start-server / win.stop-server actions are
 * what the switches, the "Start Server" buttons and the keyboard use.
 */
#include "config.h"

#include "exs-prefs-window.h"

#include "exs-prefs-channels-page.h"
#include "exs-prefs-client.h"
#include "exs-prefs-libraries-page.h"
#include "exs-prefs-profiles-page.h"
#include "exs-prefs-server-page.h"
#include "exs-prefs-service.h"

#include <glib/gi18n.h>

#define HEALTH_INTERVAL_S 2
#define HEALTH_TIMEOUT_MS 1500
#define REFRESH_EVERY_TICKS 2
#define MISSED_BEFORE_STOPPED 3 /* a running server that misses this many checks in a row is stopped */

struct _ExsPrefsWindow
{
  AdwApplicationWindow parent_instance;

  AdwToastOverlay *toasts;
  AdwViewStack *stack;
  ExsPrefsServerPage *server_page;
  ExsPrefsChannelsPage *channels_page;
  ExsPrefsLibrariesPage *libraries_page;
  ExsPrefsProfilesPage *profiles_page;

  ExsPrefsClient *client;
  ExsPrefsService *service;
  GCancellable *cancellable;
  guint tick_id;
  guint ticks;
  gboolean checking;
  gboolean known;   /* a health check has answered (or failed) at least once */
  gboolean running;
  guint missed;     /* health checks in a row a running server did not answer */
  gint64 opened_us;
};

G_DEFINE_FINAL_TYPE (ExsPrefsWindow, exs_prefs_window, ADW_TYPE_APPLICATION_WINDOW)

void
exs_prefs_window_toast (GtkWidget *widget, const char *message)
{
  GtkRoot *root = gtk_widget_get_root (widget);

  if (EXS_IS_PREFS_WINDOW (root))
    adw_toast_overlay_add_toast (EXS_PREFS_WINDOW (root)->toasts, adw_toast_new (message));
}

static void
set_running (ExsPrefsWindow *self, gboolean running, const char *detail)
{
  gboolean changed = !self->known || running != self->running;

  if (!self->known)
    g_debug ("server state known %" G_GINT64_FORMAT " ms after the window opened: %s",
             (g_get_monotonic_time () - self->opened_us) / 1000, running ? "running" : "stopped");

  self->known = TRUE;
  self->running = running;
  exs_prefs_server_page_set_running (self->server_page, running, detail);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.stop-server", running);
  if (changed)
    {
      exs_prefs_list_page_set_running (EXS_PREFS_LIST_PAGE (self->channels_page), running);
      exs_prefs_list_page_set_running (EXS_PREFS_LIST_PAGE (self->libraries_page), running);
      exs_prefs_list_page_set_running (EXS_PREFS_LIST_PAGE (self->profiles_page), running);
    }
}

static void
on_health_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ExsPrefsWindow *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) reply = exs_prefs_client_request_finish (EXS_PREFS_CLIENT (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self->checking = FALSE;
  if (reply && JSON_NODE_HOLDS_OBJECT (reply))
    {
      JsonObject *o = json_node_get_object (reply);
      g_autofree char *detail = g_strdup_printf (_("Running — version %s, at %s"),
                                                 json_object_get_string_member_with_default (o, "version", "?"),
                                                 exs_prefs_client_get_base_url (EXS_PREFS_CLIENT (source)));
      self->missed = 0;
      set_running (self, TRUE, detail);
      if (self->ticks % REFRESH_EVERY_TICKS == 0)
        {
          exs_prefs_list_page_refresh (EXS_PREFS_LIST_PAGE (self->channels_page));
          exs_prefs_list_page_refresh (EXS_PREFS_LIST_PAGE (self->libraries_page));
        }
    }
  else if (g_error_matches (error, EXS_PREFS_CLIENT_ERROR, EXS_PREFS_CLIENT_ERROR_NO_TOKEN))
    set_running (self, FALSE, _("Stopped — it has not been started yet"));
  else if (self->running && ++self->missed < MISSED_BEFORE_STOPPED
           && !g_error_matches (error, EXS_PREFS_CLIENT_ERROR, EXS_PREFS_CLIENT_ERROR_REFUSED))
    /* a busy server answers late now and then: not stopped yet */
    exs_prefs_server_page_set_running (self->server_page, TRUE, _("Running, but not answering right now…"));
  else
    {
      g_autofree char *detail = g_strdup_printf (_("Stopped — nothing answers at %s"),
                                                 exs_prefs_client_get_base_url (EXS_PREFS_CLIENT (source)));
      g_debug ("health: %s", error->message);
      set_running (self, FALSE, detail);
    }
}

static void
check_health (ExsPrefsWindow *self)
{
  if (self->checking)
    return;
  self->checking = TRUE;
  exs_prefs_client_request_async (self->client, "GET", "/api/health", NULL, HEALTH_TIMEOUT_MS, self->cancellable,
                                  on_health_cb, self);
}

static gboolean
on_tick_cb (gpointer user_data)
{
  ExsPrefsWindow *self = user_data;

  self->ticks++;
  check_health (self);
  return G_SOURCE_CONTINUE;
}

static void
on_started_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ExsPrefsWindow) self = user_data;
  g_autoptr (GError) error = NULL;

  if (!exs_prefs_service_start_finish (EXS_PREFS_SERVICE (source), result, &error))
    {
      g_autofree char *msg = g_strdup_printf (_("Cannot start the server: %s"), error->message);
      exs_prefs_window_toast (GTK_WIDGET (self), msg);
      exs_prefs_server_page_set_running (self->server_page, self->running, NULL);
      return;
    }
  exs_prefs_window_toast (GTK_WIDGET (self), _("Starting the server…"));
  check_health (self);
}

static void
start_server_action (GtkWidget *widget, const char *name, GVariant *param)
{
  ExsPrefsWindow *self = EXS_PREFS_WINDOW (widget);

  exs_prefs_service_start_async (self->service, self->cancellable, on_started_cb, g_object_ref (self));
}

static void
stop_server_action (GtkWidget *widget, const char *name, GVariant *param)
{
  ExsPrefsWindow *self = EXS_PREFS_WINDOW (widget);
  g_autoptr (GError) error = NULL;

  if (!exs_prefs_service_stop (self->service, &error))
    {
      exs_prefs_window_toast (widget, error->message);
      exs_prefs_server_page_set_running (self->server_page, self->running, NULL);
      return;
    }
  exs_prefs_window_toast (widget, _("Stopping the server…"));
}

static void
refresh_action (GtkWidget *widget, const char *name, GVariant *param)
{
  ExsPrefsWindow *self = EXS_PREFS_WINDOW (widget);

  self->ticks = 0;
  check_health (self);
}

static void
show_page_action (GtkWidget *widget, const char *name, GVariant *param)
{
  adw_view_stack_set_visible_child_name (EXS_PREFS_WINDOW (widget)->stack, g_variant_get_string (param, NULL));
}

static void
exs_prefs_window_dispose (GObject *object)
{
  ExsPrefsWindow *self = EXS_PREFS_WINDOW (object);

  g_clear_handle_id (&self->tick_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), EXS_TYPE_PREFS_WINDOW);
  G_OBJECT_CLASS (exs_prefs_window_parent_class)->dispose (object);
}

static void
exs_prefs_window_finalize (GObject *object)
{
  ExsPrefsWindow *self = EXS_PREFS_WINDOW (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->client);
  g_clear_object (&self->service);
  G_OBJECT_CLASS (exs_prefs_window_parent_class)->finalize (object);
}

static void
exs_prefs_window_class_init (ExsPrefsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = exs_prefs_window_dispose;
  object_class->finalize = exs_prefs_window_finalize;

  g_type_ensure (EXS_TYPE_PREFS_SERVER_PAGE);
  g_type_ensure (EXS_TYPE_PREFS_CHANNELS_PAGE);
  g_type_ensure (EXS_TYPE_PREFS_LIBRARIES_PAGE);
  g_type_ensure (EXS_TYPE_PREFS_PROFILES_PAGE);
  gtk_widget_class_set_template_from_resource (widget_class, "/io/github/exstreamtv/ExStreamTV/exs-prefs-window.ui");
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsWindow, toasts);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsWindow, server_page);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsWindow, channels_page);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsWindow, libraries_page);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsWindow, profiles_page);

  gtk_widget_class_install_action (widget_class, "win.start-server", NULL, start_server_action);
  gtk_widget_class_install_action (widget_class, "win.stop-server", NULL, stop_server_action);
  gtk_widget_class_install_action (widget_class, "win.refresh", NULL, refresh_action);
  gtk_widget_class_install_action (widget_class, "win.show-page", "s", show_page_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F5, 0, "win.refresh", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_r, GDK_CONTROL_MASK, "win.refresh", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_ALT_MASK, "win.show-page", "s", "server");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_2, GDK_ALT_MASK, "win.show-page", "s", "channels");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_3, GDK_ALT_MASK, "win.show-page", "s", "libraries");
}

static void
exs_prefs_window_init (ExsPrefsWindow *self)
{
  self->cancellable = g_cancellable_new ();
  gtk_widget_init_template (GTK_WIDGET (self));
}

/**
 * exs_prefs_window_new:
 *
 * Returns: (transfer full): the window, watching the server at @base_url
 */
ExsPrefsWindow *
exs_prefs_window_new (ExsPrefsApplication *app, const char *base_url, const char *data_dir, const char *config_file,
                      const char *const *server_args)
{
  ExsPrefsWindow *self = g_object_new (EXS_TYPE_PREFS_WINDOW, "application", app, NULL);

  self->opened_us = g_get_monotonic_time ();
  self->client = exs_prefs_client_new (base_url, data_dir);
  self->service = exs_prefs_service_new (data_dir, server_args);
  exs_prefs_server_page_setup (self->server_page, self->client, self->service, config_file);
  exs_prefs_list_page_setup (EXS_PREFS_LIST_PAGE (self->channels_page), self->client);
  exs_prefs_list_page_setup (EXS_PREFS_LIST_PAGE (self->libraries_page), self->client);
  exs_prefs_list_page_setup (EXS_PREFS_LIST_PAGE (self->profiles_page), self->client);
  exs_prefs_server_page_set_running (self->server_page, FALSE, _("Checking…"));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.stop-server", FALSE);
  check_health (self);
  self->tick_id = g_timeout_add_seconds (HEALTH_INTERVAL_S, on_tick_cb, self);
  return self;
}
