/* exs-library-scan-walk.h: a scan's first step — find the media files under
 * a library's folders — and the choice of which of them to look at again */
#pragma once

#include <gio/gio.h>

#include "exs-library-scan-private.h"
#include "exs-library-store.h"

G_BEGIN_DECLS

typedef struct
{
  GPtrArray *files;        /* (element-type ExsScanFile) media files, sorted per folder */
  GPtrArray *issues;       /* (element-type ExsLibraryIssue) folders, loops, unreadable files */
  GPtrArray *dirs;         /* (element-type filename) every folder walked, for the watches */
  GHashTable *root_errors; /* (element-type filename utf8) library folder → why it was not walked */
  gboolean complete;       /* FALSE: cancelled before the walk ended */
} ExsScanWalk;

ExsScanWalk *exs_library_scan_walk (const ExsLibraryRecord *library,
                                    GCancellable           *cancellable);
void exs_scan_walk_free (ExsScanWalk *walk);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExsScanWalk, exs_scan_walk_free)

GPtrArray *exs_library_scan_select (ExsScanWalk *walk,
                                    GHashTable  *stored,
                                    gboolean     full,
                                    guint       *unchanged);
gboolean exs_library_scan_is_media_name (const char *name);

G_END_DECLS
