/* exs-prefs-application.c: ExsPrefsApplication, the desktop app's GApplication.
 *
 * Reads the same configuration the server and the CLI read (the config file,
 * then EXSTREAMTV_* variables, then --data-dir/--url) to find the server's URL
 * and its data dir, then opens one ExsPrefsWindow. Unique on the session bus
 * as io.github.exstreamtv.ExStreamTV (and D-Bus activatable), so a second
 * launch raises the open window.
 */
#include "config.h"

#include "exs-prefs-application.h"

#include "exs-config.h"
#include "exs-paths.h"
#include "exs-prefs-resources.h"
#include "exs-prefs-window.h"

#include <glib/gi18n.h>

struct _ExsPrefsApplication
{
  AdwApplication parent_instance;

  char *opt_data_dir;
  char *opt_url;
  char *opt_config;
};

G_DEFINE_FINAL_TYPE (ExsPrefsApplication, exs_prefs_application, ADW_TYPE_APPLICATION)

static void
exs_prefs_application_finalize (GObject *object)
{
  ExsPrefsApplication *self = EXS_PREFS_APPLICATION (object);

  g_free (self->opt_data_dir);
  g_free (self->opt_url);
  g_free (self->opt_config);
  G_OBJECT_CLASS (exs_prefs_application_parent_class)->finalize (object);
}

static int
exs_prefs_application_handle_local_options (GApplication *app, GVariantDict *options)
{
  ExsPrefsApplication *self = EXS_PREFS_APPLICATION (app);

  g_variant_dict_lookup (options, "data-dir", "^ay", &self->opt_data_dir);
  g_variant_dict_lookup (options, "url", "s", &self->opt_url);
  g_variant_dict_lookup (options, "config", "^ay", &self->opt_config);
  if (g_variant_dict_contains (options, "version"))
    {
      g_print ("exstreamtv-preferences %s\n", PACKAGE_VERSION);
      return 0;
    }
  return -1;
}

/* Where the server is and where its data dir is, as the CLI finds them. */
static void
find_server (ExsPrefsApplication *self, char **url, char **data_dir, GStrv *server_args)
{
  g_autoptr (ExsConfig) config = exs_config_new ();
  g_autofree char *path = self->opt_config ? g_strdup (self->opt_config) : exs_paths_default_config_file ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GStrvBuilder) args = g_strv_builder_new ();

  if (!exs_config_load_file (config, path, FALSE, &error) || !exs_config_load_environment (config, NULL, &error))
    g_warning (_("Cannot read the configuration %s: %s"), path, error->message);
  if (self->opt_data_dir)
    {
      exs_config_set (config, "server", "data_dir", self->opt_data_dir, "option --data-dir", NULL);
      g_strv_builder_add (args, "--data-dir");
      g_strv_builder_add (args, self->opt_data_dir);
    }
  if (self->opt_url)
    {
      /* a server this app starts must listen where the app looks for it */
      g_autoptr (GUri) uri = g_uri_parse (self->opt_url, G_URI_FLAGS_NONE, NULL);
      if (uri && g_uri_get_port (uri) > 0)
        {
          g_autofree char *port = g_strdup_printf ("%d", g_uri_get_port (uri));
          g_strv_builder_add_many (args, "--port", port, "--bind", g_uri_get_host (uri), NULL);
        }
    }
  if (self->opt_config)
    {
      g_strv_builder_add (args, "--config");
      g_strv_builder_add (args, self->opt_config);
    }
  *url = self->opt_url ? g_strdup (self->opt_url) : exs_paths_server_url (config);
  *data_dir = exs_paths_data_dir (config);
  *server_args = g_strv_builder_end (args);
}

static void
exs_prefs_application_activate (GApplication *app)
{
  ExsPrefsApplication *self = EXS_PREFS_APPLICATION (app);
  GtkWindow *window = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (window == NULL)
    {
      g_autofree char *url = NULL;
      g_autofree char *data_dir = NULL;
      g_autofree char *config_file = self->opt_config ? g_strdup (self->opt_config) : exs_paths_default_config_file ();
      g_auto (GStrv) server_args = NULL;

      find_server (self, &url, &data_dir, &server_args);
      window = GTK_WINDOW (exs_prefs_window_new (self, url, data_dir, config_file, (const char *const *) server_args));
    }
  gtk_window_present (window);
}

static void
on_quit_cb (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static void
on_about_cb (GSimpleAction *action, GVariant *param, gpointer user_data)
{
  GtkApplication *app = user_data;
  const char *developers[] = { _("The EXStreamTV contributors"), NULL };

  adw_show_about_window (gtk_application_get_active_window (app),
                         "application-name", _("EXStreamTV"),
                         "application-icon", EXS_PREFS_APP_ID,
                         "version", PACKAGE_VERSION,
                         "comments", _("Live TV channels from your media library"),
                         "website", "https://github.com/exstreamtv/exstreamtv",
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "developers", developers,
                         /* Translators: put your names here, one per line */
                         "translator-credits", _("translator-credits"),
                         NULL);
}

static void
exs_prefs_application_startup (GApplication *app)
{
  const GActionEntry entries[] = {
    { "quit", on_quit_cb, NULL, NULL, NULL, { 0 } },
    { "about", on_about_cb, NULL, NULL, NULL, { 0 } },
  };
  const char *quit_accels[] = { "<Control>q", NULL };

  /* the .ui templates, help overlay and icons (before GTK looks for them) */
  exs_prefs_register_resource ();
  G_APPLICATION_CLASS (exs_prefs_application_parent_class)->startup (app);
  g_action_map_add_action_entries (G_ACTION_MAP (app), entries, G_N_ELEMENTS (entries), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_window_set_default_icon_name (EXS_PREFS_APP_ID);
}

static void
exs_prefs_application_class_init (ExsPrefsApplicationClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  object_class->finalize = exs_prefs_application_finalize;
  app_class->handle_local_options = exs_prefs_application_handle_local_options;
  app_class->activate = exs_prefs_application_activate;
  app_class->startup = exs_prefs_application_startup;
}

static void
exs_prefs_application_init (ExsPrefsApplication *self)
{
  const GOptionEntry entries[] = {
    { "data-dir", 'd', 0, G_OPTION_ARG_FILENAME, NULL, N_("The server's data folder (default $XDG_DATA_HOME/exstreamtv)"), N_("DIR") },
    { "url", 0, 0, G_OPTION_ARG_STRING, NULL, N_("The server's address (default from the configuration)"), N_("URL") },
    { "config", 'c', 0, G_OPTION_ARG_FILENAME, NULL, N_("The server's configuration file"), N_("FILE") },
    { "version", 'V', 0, G_OPTION_ARG_NONE, NULL, N_("Print the version and exit"), NULL },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
}

/**
 * exs_prefs_application_new:
 *
 * Returns: (transfer full): the application
 */
ExsPrefsApplication *
exs_prefs_application_new (void)
{
  return g_object_new (EXS_TYPE_PREFS_APPLICATION, "application-id", EXS_PREFS_APP_ID, "flags",
                       G_APPLICATION_DEFAULT_FLAGS, "resource-base-path", "/io/github/exstreamtv/ExStreamTV",
                       NULL);
}
