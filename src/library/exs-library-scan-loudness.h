/* exs-library-scan-loudness.h: the scan's loudness step (EBU R 128 / BS.1770) */
#pragma once

#include <gio/gio.h>

#include "exs-database.h"

G_BEGIN_DECLS

#define EXS_LOUDNESS_MAX_SECONDS_PER_FILE 60 /* wall time; a longer file is judged by what was read */

gboolean exs_library_measure_loudness (const char    *path,
                                       guint          max_seconds,
                                       GCancellable  *cancellable,
                                       double        *lufs,
                                       GError       **error);
guint exs_library_scan_loudness (ExsDatabase  *db,
                                 gint64        library_id,
                                 GCancellable *cancellable);

G_END_DECLS
