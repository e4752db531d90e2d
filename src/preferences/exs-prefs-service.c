/* exs-prefs-service.c: ExsPrefsService, how the app starts and stops the server.
 *
 * On a host install the server runs as the systemd user unit exstreamtv.service:
 * it is started with org.freedesktop.systemd1's StartUnit and "start at login"
 * is EnableUnitFiles/DisableUnitFiles, all over the session bus. If there is no
 * systemd user instance (or the app was pointed at another data dir) the app
 * starts the server itself. Inside the Flatpak the app starts the server in its
 * sandbox and asks the Background portal to let it keep running, and to start
 * it at login. Stopping sends SIGTERM to the pid in the data dir's instance
 * lock, the same for every case (a clean exit, so systemd does not restart it).
 */
#include "config.h"

#include "exs-prefs-service.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#define UNIT_NAME "exstreamtv.service"
#define SYSTEMD_NAME "org.freedesktop.systemd1"
#define SYSTEMD_PATH "/org/freedesktop/systemd1"
#define SYSTEMD_MANAGER "org.freedesktop.systemd1.Manager"
#define PORTAL_NAME "org.freedesktop.portal.Desktop"
#define PORTAL_PATH "/org/freedesktop/portal/desktop"
#define PORTAL_BACKGROUND "org.freedesktop.portal.Background"
#define DBUS_TIMEOUT_MS 5000

struct _ExsPrefsService
{
  GObject parent_instance;

  char *data_dir;
  GStrv server_args;
  gboolean sandboxed;
  GSubprocess *server; /* one this app started itself, reaped when it exits */
};

G_DEFINE_FINAL_TYPE (ExsPrefsService, exs_prefs_service, G_TYPE_OBJECT)

static void
exs_prefs_service_finalize (GObject *object)
{
  ExsPrefsService *self = EXS_PREFS_SERVICE (object);

  g_clear_object (&self->server);
  g_free (self->data_dir);
  g_strfreev (self->server_args);
  G_OBJECT_CLASS (exs_prefs_service_parent_class)->finalize (object);
}

static void
exs_prefs_service_class_init (ExsPrefsServiceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = exs_prefs_service_finalize;
}

static void
exs_prefs_service_init (ExsPrefsService *self)
{
  self->sandboxed = g_file_test ("/.flatpak-info", G_FILE_TEST_EXISTS);
}

/**
 * exs_prefs_service_new:
 *
 * Returns: (transfer full): the service controller for @data_dir
 */
ExsPrefsService *
exs_prefs_service_new (const char *data_dir, const char *const *server_args)
{
  ExsPrefsService *self = g_object_new (EXS_TYPE_PREFS_SERVICE, NULL);

  self->data_dir = g_strdup (data_dir);
  self->server_args = g_strdupv ((char **) server_args);
  return self;
}

gboolean
exs_prefs_service_is_sandboxed (ExsPrefsService *self)
{
  return self->sandboxed;
}

/* The server binary: $EXSTREAMTV_BIN, else next to this executable, else $PATH. */
static char *
server_binary (void)
{
  const char *env = g_getenv ("EXSTREAMTV_BIN");
  g_autofree char *self_exe = g_file_read_link ("/proc/self/exe", NULL);

  if (env && env[0])
    return g_strdup (env);
  if (self_exe)
    {
      g_autofree char *dir = g_path_get_dirname (self_exe);
      g_autofree char *beside = g_build_filename (dir, "exstreamtv", NULL);
      if (g_file_test (beside, G_FILE_TEST_IS_EXECUTABLE))
        return g_steal_pointer (&beside);
    }
  return g_strdup ("exstreamtv");
}

static void
on_server_exited_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ExsPrefsService) self = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  if (self->server == G_SUBPROCESS (source))
    g_clear_object (&self->server);
}

static gboolean
spawn_server (ExsPrefsService *self, GError **error)
{
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_INHERIT);
  g_autoptr (GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *log = g_build_filename (self->data_dir, "server.log", NULL);

  if (self->server)
    return TRUE;
  g_ptr_array_add (argv, server_binary ());
  for (guint i = 0; self->server_args && self->server_args[i]; i++)
    g_ptr_array_add (argv, g_strdup (self->server_args[i]));
  g_ptr_array_add (argv, NULL);
  g_mkdir_with_parents (self->data_dir, 0700);
  g_subprocess_launcher_set_stdout_file_path (launcher, log);
  g_subprocess_launcher_take_stderr_fd (launcher, -1);
  g_subprocess_launcher_set_flags (launcher, G_SUBPROCESS_FLAGS_STDERR_MERGE);
  self->server = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, error);
  if (self->server == NULL)
    return FALSE;
  g_subprocess_wait_async (self->server, NULL, on_server_exited_cb, g_object_ref (self));
  return TRUE;
}

static GVariant *
background_options (gboolean autostart)
{
  GVariantBuilder opts;
  const char *cmd[] = { "exstreamtv", NULL };

  g_variant_builder_init (&opts, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&opts, "{sv}", "reason",
                         g_variant_new_string (_("Keep the TV channel server running for your players")));
  g_variant_builder_add (&opts, "{sv}", "autostart", g_variant_new_boolean (autostart));
  g_variant_builder_add (&opts, "{sv}", "commandline", g_variant_new_strv (cmd, -1));
  return g_variant_builder_end (&opts);
}

static void
on_dbus_call_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);

  if (reply == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, g_steal_pointer (&reply), (GDestroyNotify) g_variant_unref);
}

/* Calls a method on the session bus; the task returns the reply GVariant. */
static void
session_call (GTask *task, const char *name, const char *path, const char *iface, const char *method,
              GVariant *params, const char *reply_type)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GDBusConnection) bus = g_bus_get_sync (G_BUS_TYPE_SESSION, NULL, &error);

  if (bus == NULL)
    {
      g_variant_unref (g_variant_ref_sink (params));
      g_task_return_error (task, g_steal_pointer (&error));
      g_object_unref (task);
      return;
    }
  g_dbus_connection_call (bus, name, path, iface, method, params, G_VARIANT_TYPE (reply_type),
                          G_DBUS_CALL_FLAGS_NONE, DBUS_TIMEOUT_MS, g_task_get_cancellable (task), on_dbus_call_cb,
                          task);
}

static void
on_start_unit_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  ExsPrefsService *self = g_task_get_source_object (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = g_task_propagate_pointer (G_TASK (result), &error);

  if (reply)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  /* No systemd user instance, or no unit installed: run it ourselves. */
  g_debug ("StartUnit %s failed (%s); starting the server directly", UNIT_NAME, error->message);
  g_clear_error (&error);
  if (!spawn_server (self, &error))
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

void
exs_prefs_service_start_async (ExsPrefsService *self, GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  g_autoptr (GError) error = NULL;

  if (self->sandboxed || (self->server_args && self->server_args[0]))
    {
      if (!spawn_server (self, &error))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        {
          if (self->sandboxed)
            {
              GTask *bg = g_task_new (self, NULL, NULL, NULL);
              session_call (bg, PORTAL_NAME, PORTAL_PATH, PORTAL_BACKGROUND, "RequestBackground",
                            g_variant_new ("(s@a{sv})", "", background_options (FALSE)), "(o)");
            }
          g_task_return_boolean (task, TRUE);
        }
      g_object_unref (task);
      return;
    }
  {
    GTask *inner = g_task_new (self, cancellable, on_start_unit_cb, task);
    session_call (inner, SYSTEMD_NAME, SYSTEMD_PATH, SYSTEMD_MANAGER, "StartUnit",
                  g_variant_new ("(ss)", UNIT_NAME, "replace"), "(o)");
  }
}

gboolean
exs_prefs_service_start_finish (ExsPrefsService *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* The pid of the server holding the data dir's lock, or 0 when none does. */
static pid_t
running_server_pid (ExsPrefsService *self)
{
  g_autofree char *path = g_build_filename (self->data_dir, "exstreamtv.lock", NULL);
  g_autofree char *text = NULL;
  g_autofree char *comm_path = NULL;
  g_autofree char *comm = NULL;
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  gboolean held;
  gint64 pid;

  if (fd < 0)
    return 0;
  held = flock (fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  close (fd);
  if (!held || !g_file_get_contents (path, &text, NULL, NULL))
    return 0;
  pid = g_ascii_strtoll (g_strstrip (text), NULL, 10);
  if (pid <= 1)
    return 0;
  /* never signal a recycled pid */
  comm_path = g_strdup_printf ("/proc/%" G_GINT64_FORMAT "/comm", pid);
  if (!g_file_get_contents (comm_path, &comm, NULL, NULL) || !g_str_has_prefix (comm, "exstreamtv"))
    return 0;
  return (pid_t) pid;
}

/**
 * exs_prefs_service_stop:
 *
 * Asks the running server to shut down (SIGTERM, the orderly path). Returns
 * at once; the caller watches the server's health to see it go.
 */
gboolean
exs_prefs_service_stop (ExsPrefsService *self, GError **error)
{
  pid_t pid = running_server_pid (self);

  if (pid == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   _("No server is running with the data folder %s"), self->data_dir);
      return FALSE;
    }
  if (kill (pid, SIGTERM) != 0)
    {
      int saved = errno;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), _("Cannot stop the server (pid %d): %s"),
                   (int) pid, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/* Inside the sandbox nothing can be asked back: the last choice is kept here. */
static char *
autostart_flag_file (void)
{
  return g_build_filename (g_get_user_config_dir (), "exstreamtv", "preferences-autostart", NULL);
}

static void
on_unit_file_state_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = g_task_propagate_pointer (G_TASK (result), &error);
  const char *state = NULL;

  if (reply == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  g_variant_get (reply, "(&s)", &state);
  g_task_return_int (task, g_str_equal (state, "enabled") || g_str_equal (state, "enabled-runtime"));
}

void
exs_prefs_service_get_autostart_async (ExsPrefsService *self, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  if (self->sandboxed)
    {
      g_autofree char *flag = autostart_flag_file ();
      g_task_return_int (task, g_file_test (flag, G_FILE_TEST_EXISTS));
      g_object_unref (task);
      return;
    }
  {
    GTask *inner = g_task_new (self, cancellable, on_unit_file_state_cb, task);
    session_call (inner, SYSTEMD_NAME, SYSTEMD_PATH, SYSTEMD_MANAGER, "GetUnitFileState",
                  g_variant_new ("(s)", UNIT_NAME), "(s)");
  }
}

gboolean
exs_prefs_service_get_autostart_finish (ExsPrefsService *self, GAsyncResult *result, gboolean *enabled,
                                        GError **error)
{
  g_autoptr (GError) local = NULL;
  gssize value = g_task_propagate_int (G_TASK (result), &local);

  if (local)
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  *enabled = value != 0;
  return TRUE;
}

static void
on_autostart_set_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = g_task_propagate_pointer (G_TASK (result), &error);

  if (reply == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

void
exs_prefs_service_set_autostart_async (ExsPrefsService *self, gboolean enabled, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);
  GTask *inner = g_task_new (self, cancellable, on_autostart_set_cb, task);
  const char *units[] = { UNIT_NAME, NULL };

  if (self->sandboxed)
    {
      g_autofree char *flag = autostart_flag_file ();
      g_autofree char *dir = g_path_get_dirname (flag);
      g_mkdir_with_parents (dir, 0700);
      if (enabled)
        g_file_set_contents (flag, "1\n", -1, NULL);
      else
        g_unlink (flag);
      session_call (inner, PORTAL_NAME, PORTAL_PATH, PORTAL_BACKGROUND, "RequestBackground",
                    g_variant_new ("(s@a{sv})", "", background_options (enabled)), "(o)");
    }
  else if (enabled)
    session_call (inner, SYSTEMD_NAME, SYSTEMD_PATH, SYSTEMD_MANAGER, "EnableUnitFiles",
                  g_variant_new ("(^asbb)", units, FALSE, TRUE), "(ba(sss))");
  else
    session_call (inner, SYSTEMD_NAME, SYSTEMD_PATH, SYSTEMD_MANAGER, "DisableUnitFiles",
                  g_variant_new ("(^asb)", units, FALSE), "(a(sss))");
}

gboolean
exs_prefs_service_set_autostart_finish (ExsPrefsService *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
