/* exs-prefs-service.h: starting and stopping the server from the desktop */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define EXS_TYPE_PREFS_SERVICE (exs_prefs_service_get_type ())
G_DECLARE_FINAL_TYPE (ExsPrefsService, exs_prefs_service, EXS, PREFS_SERVICE, GObject)

/* @server_args: (nullable): extra arguments for a server this app starts
 * itself (e.g. --data-dir, --port when pointed at a non-default server) */
ExsPrefsService *exs_prefs_service_new (const char         *data_dir,
                                        const char *const  *server_args);
gboolean exs_prefs_service_is_sandboxed (ExsPrefsService *self);

void exs_prefs_service_start_async (ExsPrefsService     *self,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data);
gboolean exs_prefs_service_start_finish (ExsPrefsService  *self,
                                         GAsyncResult     *result,
                                         GError          **error);
gboolean exs_prefs_service_stop (ExsPrefsService  *self,
                                 GError          **error);

void exs_prefs_service_get_autostart_async (ExsPrefsService     *self,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
gboolean exs_prefs_service_get_autostart_finish (ExsPrefsService  *self,
                                                 GAsyncResult     *result,
                                                 gboolean         *enabled,
                                                 GError          **error);
void exs_prefs_service_set_autostart_async (ExsPrefsService     *self,
                                            gboolean             enabled,
                                            GCancellable        *cancellable,
                                            GAsyncReadyCallback  callback,
                                            gpointer             user_data);
gboolean exs_prefs_service_set_autostart_finish (ExsPrefsService  *self,
                                                 GAsyncResult     *result,
                                                 GError          **error);

G_END_DECLS
