/* exs-library-scan-write.h: a scan's last step — store what the probe found,
 * in batched transactions, then the missing files, issues and counters */
#pragma once

#include "exs-database.h"
#include "exs-library-scan-private.h"
#include "exs-library-store.h"

G_BEGIN_DECLS

typedef struct _ExsScanWriter ExsScanWriter;

ExsScanWriter *exs_scan_writer_new (ExsDatabase             *db,
                                    const ExsLibraryRecord  *library,
                                    GPtrArray               *issues,
                                    GError                 **error);
void exs_scan_writer_free (ExsScanWriter *writer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExsScanWriter, exs_scan_writer_free)

gboolean exs_scan_writer_write (ExsScanWriter  *writer,
                                GPtrArray      *batch,
                                GError        **error);
gboolean exs_scan_writer_finish (ExsScanWriter         *writer,
                                 GHashTable            *stored,
                                 gboolean               complete,
                                 GHashTable            *root_errors,
                                 const char            *scan_error,
                                 ExsLibraryScanCounts  *counts,
                                 GError               **error);

G_END_DECLS
