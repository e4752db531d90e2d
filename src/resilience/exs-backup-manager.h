/* exs-backup-manager.h: online SQLite backups, gzip, rotation, restore */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "exs-config.h"
#include "exs-database.h"

G_BEGIN_DECLS

#define EXS_BACKUP_ERROR (exs_backup_error_quark ())

typedef enum
{
  EXS_BACKUP_ERROR_FAILED,
  EXS_BACKUP_ERROR_SERVER_RUNNING, /* restore needs the server stopped */
  EXS_BACKUP_ERROR_INVALID,        /* not a backup, or damaged */
  EXS_BACKUP_ERROR_TOO_NEW,        /* made by a newer exstreamtv */
  EXS_BACKUP_ERROR_NOT_FOUND,
} ExsBackupError;

#define EXS_TYPE_BACKUP_MANAGER (exs_backup_manager_get_type ())
G_DECLARE_FINAL_TYPE (ExsBackupManager, exs_backup_manager, EXS, BACKUP_MANAGER, GObject)

GQuark exs_backup_error_quark (void);

ExsBackupManager *exs_backup_manager_new (const char *database_path,
                                          const char *backup_dir,
                                          guint       keep_count,
                                          gboolean    compress);
ExsBackupManager *exs_backup_manager_new_from_config (ExsConfig  *config,
                                                      const char *data_dir);
const char *exs_backup_manager_get_backup_dir (ExsBackupManager *self);
void exs_backup_manager_start_schedule (ExsBackupManager *self,
                                        guint             interval_hours);
void exs_backup_manager_stop (ExsBackupManager *self);

void exs_backup_manager_create_async (ExsBackupManager    *self,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
char *exs_backup_manager_create_finish (ExsBackupManager  *self,
                                        GAsyncResult      *result,
                                        GError           **error);
JsonObject *exs_backup_manager_dup_list_json (ExsBackupManager *self);

/* Also used by the command line, without a manager. */
char *exs_backup_create (const char  *database_path,
                         const char  *backup_dir,
                         gboolean     compress,
                         guint        keep_count,
                         GError     **error);
GPtrArray *exs_backup_list (const char  *backup_dir,
                            GError     **error);
JsonObject *exs_backup_describe (const char *path);
gboolean exs_backup_restore (const char  *data_dir,
                             const char  *backup_path,
                             char       **saved_previous,
                             GError     **error);

int exs_backup_cli_run (ExsConfig  *config,
                        const char *data_dir,
                        int         argc,
                        char      **argv);

G_END_DECLS
