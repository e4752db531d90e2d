/* exs-test-library.h: a real SQLite file with library rows for scheduling tests and benchmarks */
#pragma once

#include "exs-database.h"

G_BEGIN_DECLS

typedef struct
{
  char *dir;
  char *path;
  ExsDatabase *db;
  gboolean own_dir;
} ExsTestLibrary;

ExsTestLibrary *exs_test_library_new (void);
ExsTestLibrary *exs_test_library_new_in (const char *data_dir);
void exs_test_library_close (ExsTestLibrary *lib);
void exs_test_library_free (ExsTestLibrary *lib);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExsTestLibrary, exs_test_library_free)

gint64 exs_test_library_add_show (ExsTestLibrary *lib,
                                  const char     *title);
gint64 exs_test_library_add_item (ExsTestLibrary *lib,
                                  gint64          show_id,
                                  int             season,
                                  int             episode,
                                  const char     *title,
                                  gint64          duration_ms);
gint64 exs_test_library_add_collection (ExsTestLibrary *lib,
                                        const char     *name);
void exs_test_library_add_member (ExsTestLibrary *lib,
                                  gint64          collection_id,
                                  gint64          media_item_id,
                                  gint64          show_id);
void exs_test_library_add_chapter (ExsTestLibrary *lib,
                                   gint64          media_item_id,
                                   int             idx,
                                   gint64          start_ms);
void exs_test_library_exec (ExsTestLibrary *lib,
                            const char     *sql);
void exs_test_library_add_channel (ExsTestLibrary *lib,
                                   const char     *number,
                                   const char     *name);
gint64 exs_test_library_add_schedule (ExsTestLibrary *lib,
                                      const char     *json,
                                      const char     *channel_number,
                                      const char     *mode,
                                      gint64          seed);

G_END_DECLS
