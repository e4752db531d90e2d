/* exs-fs.h: small file helpers shared by subsystems */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

gboolean exs_fs_write_private_file (const char  *path,
                                    const char  *contents,
                                    GError     **error);
char *exs_fs_random_hex (gsize n_bytes);
gboolean exs_fs_has_extension (const char        *name,
                               const char *const *extensions);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (sqlite3_stmt, sqlite3_finalize)

G_END_DECLS
