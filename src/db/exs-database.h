/* exs-database.h: the SQLite file, its migrations and typed queries */
#pragma once

#include <glib-object.h>
#include <sqlite3.h>

G_BEGIN_DECLS

#define EXS_DATABASE_ERROR (exs_database_error_quark ())

typedef enum
{
  EXS_DATABASE_ERROR_OPEN,
  EXS_DATABASE_ERROR_TOO_NEW,   /* written by a newer exstreamtv; left untouched */
  EXS_DATABASE_ERROR_MIGRATION,
  EXS_DATABASE_ERROR_QUERY,
  EXS_DATABASE_ERROR_CONSTRAINT, /* e.g. a duplicate channel number */
  EXS_DATABASE_ERROR_NOT_FOUND,
} ExsDatabaseError;

/* One schema step. Each runs in its own transaction; versions only grow.
 * Subsystems own blocks of versions (see exs-migrations.c). */
typedef struct
{
  int version;
  const char *name;
  const char *sql;
} ExsMigration;

#define EXS_TYPE_DATABASE (exs_database_get_type ())
G_DECLARE_FINAL_TYPE (ExsDatabase, exs_database, EXS, DATABASE, GObject)

GQuark exs_database_error_quark (void);

ExsDatabase *exs_database_open (const char  *path,
                                GError     **error);
ExsDatabase *exs_database_open_with_migrations (const char         *path,
                                                const ExsMigration *migrations,
                                                guint               n_migrations,
                                                GError            **error);
void exs_database_close (ExsDatabase *self);
ExsDatabase *exs_database_open_worker (const char  *path,
                                       GError     **error);

const ExsMigration *exs_database_get_migrations (guint *n_migrations);
int exs_database_get_schema_version (ExsDatabase *self);
const char *exs_database_get_path (ExsDatabase *self);
sqlite3 *exs_database_get_handle (ExsDatabase *self);
gboolean exs_database_is_ok (ExsDatabase *self);

gboolean exs_database_exec (ExsDatabase  *self,
                            const char   *sql,
                            GError      **error);
sqlite3_stmt *exs_database_prepare (ExsDatabase  *self,
                                    const char   *sql,
                                    GError      **error);
gboolean exs_database_step_done (ExsDatabase   *self,
                                 sqlite3_stmt  *stmt,
                                 GError       **error);
gboolean exs_database_begin (ExsDatabase  *self,
                             GError      **error);
gboolean exs_database_commit (ExsDatabase  *self,
                              GError      **error);
void exs_database_rollback (ExsDatabase *self);
gboolean exs_database_finish (ExsDatabase  *self,
                              gboolean      written,
                              GError      **error);

gboolean exs_database_savepoint (ExsDatabase  *self,
                                 const char   *name,
                                 GError      **error);
void exs_database_rollback_to (ExsDatabase *self,
                               const char  *name);
gboolean exs_database_release (ExsDatabase  *self,
                               const char   *name,
                               GError      **error);

char *exs_database_dup_column (sqlite3_stmt *stmt,
                               int           column);
void exs_database_bind_text (sqlite3_stmt *stmt,
                             int           index,
                             const char   *text);
void exs_database_bind_int64 (sqlite3_stmt *stmt,
                              int           index,
                              gint64        value,
                              gboolean      present);
gboolean exs_database_step_failed (ExsDatabase  *self,
                                   GError      **error,
                                   const char   *what);
gboolean exs_database_rows_done (ExsDatabase  *self,
                                 int           rc,
                                 GError      **error,
                                 const char   *what);

gboolean exs_database_step_changed (ExsDatabase  *self,
                                    sqlite3_stmt *stmt,
                                    GError      **error,
                                    const char   *not_found,
                                    ...) G_GNUC_PRINTF (4, 5);
gboolean exs_database_step_written (ExsDatabase   *self,
                                    sqlite3_stmt  *stmt,
                                    gboolean       insert,
                                    gint64        *id,
                                    GError       **error,
                                    const char    *not_found,
                                    ...) G_GNUC_PRINTF (6, 7);
gboolean exs_database_exec_int64s (ExsDatabase  *self,
                                   const char   *sql,
                                   gint64        first,
                                   gint64        second,
                                   GError      **error);
gboolean exs_database_step_one (ExsDatabase  *self,
                                sqlite3_stmt *stmt,
                                GError      **error,
                                const char   *not_found,
                                ...) G_GNUC_PRINTF (4, 5);

/* Reads one row of a query: called for each row of exs_database_each_row(). */
typedef void (*ExsDatabaseRowFunc) (sqlite3_stmt *stmt,
                                    gpointer      user_data);
/* Makes one record of a row: for exs_database_collect_rows(). */
typedef gpointer (*ExsDatabaseRowReader) (sqlite3_stmt *stmt);

gboolean exs_database_each_row (ExsDatabase         *self,
                                const char          *sql,
                                gint64               id,
                                ExsDatabaseRowFunc   func,
                                gpointer             user_data,
                                const char          *what,
                                GError             **error);
/* Binds one row's parameters (2 and on) for exs_database_replace_rows(). */
typedef void (*ExsDatabaseRowBinder) (sqlite3_stmt *stmt,
                                      guint         index,
                                      gpointer      user_data);

gboolean exs_database_replace_rows (ExsDatabase           *self,
                                    const char            *delete_sql,
                                    const char            *insert_sql,
                                    gint64                 id,
                                    guint                  n_rows,
                                    ExsDatabaseRowBinder   bind,
                                    gpointer               user_data,
                                    GError               **error);
GPtrArray *exs_database_collect_rows (ExsDatabase          *self,
                                      sqlite3_stmt         *stmt,
                                      ExsDatabaseRowReader  read,
                                      GDestroyNotify        free_func,
                                      const char           *what,
                                      GError              **error);
GStrv exs_database_dup_strv (ExsDatabase   *self,
                             sqlite3_stmt  *stmt,
                             const char    *what,
                             GError       **error);
/* Reads one record's child rows (its folders, its members). */
typedef gboolean (*ExsDatabaseRecordLoader) (ExsDatabase  *self,
                                             gpointer      record,
                                             GError      **error);
/* A store's kind of record, said once for exs_database_list_records() and
 * exs_database_get_record(). */
typedef struct
{
  ExsDatabaseRowReader read;
  GDestroyNotify free_func;
  ExsDatabaseRecordLoader load; /* nullable: no child rows */
  const char *noun;             /* "library", for "no library with id 3" */
  const char *plural;           /* "libraries", for "cannot list libraries" */
} ExsDatabaseRecordType;

GPtrArray *exs_database_list_records (ExsDatabase                  *self,
                                      const char                   *sql,
                                      const ExsDatabaseRecordType  *type,
                                      GError                      **error);
gpointer exs_database_get_record (ExsDatabase                  *self,
                                  const char                   *sql,
                                  gint64                        id,
                                  const ExsDatabaseRecordType  *type,
                                  GError                      **error);
gpointer exs_database_get_record_by_key (ExsDatabase                  *self,
                                         const char                   *sql,
                                         const char                   *key,
                                         const ExsDatabaseRecordType  *type,
                                         GError                      **error,
                                         const char                   *not_found,
                                         ...) G_GNUC_PRINTF (6, 7);
gboolean exs_database_delete_record (ExsDatabase  *self,
                                     const char   *sql,
                                     gint64        id,
                                     const char   *noun,
                                     GError      **error);

/* What exs_database_inspect_file() finds in a file that may be a database. */
typedef struct
{
  char *quick_check;     /* SQLite's PRAGMA quick_check answer: "ok" when sound */
  gboolean has_channels; /* it has EXStreamTV's channels table */
  int schema_version;    /* PRAGMA user_version; -1 when unreadable */
} ExsDatabaseFileInfo;

void exs_database_file_info_clear (ExsDatabaseFileInfo *info);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ExsDatabaseFileInfo, exs_database_file_info_clear)

gboolean exs_database_copy_file (const char  *path,
                                 const char  *target,
                                 GError     **error);
gboolean exs_database_inspect_file (const char           *path,
                                    ExsDatabaseFileInfo  *info,
                                    GError              **error);
void exs_database_checkpoint_file (const char *path);

char *exs_database_dup_setting (ExsDatabase *self,
                                const char  *key);
gboolean exs_database_set_setting (ExsDatabase  *self,
                                   const char   *key,
                                   const char   *value,
                                   GError      **error);

gboolean exs_database_clear_not_found (GError **error);

G_END_DECLS
