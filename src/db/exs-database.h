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

char *exs_database_dup_setting (ExsDatabase *self,
                                const char  *key);
gboolean exs_database_set_setting (ExsDatabase  *self,
                                   const char   *key,
                                   const char   *value,
                                   GError      **error);

gboolean exs_database_clear_not_found (GError **error);

G_END_DECLS
