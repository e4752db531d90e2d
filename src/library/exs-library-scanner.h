/* exs-library-scanner.h: scans local library folders and keeps them watched */
#pragma once

#include <gio/gio.h>

#include "exs-database.h"

G_BEGIN_DECLS

typedef struct
{
  gboolean scanning;      /* a scan of the library runs now */
  gboolean queued;        /* a scan is waiting (behind another, or a rescan after this one) */
  gint64 started_at;      /* unix seconds; 0 when not scanning */
  guint found;            /* media files found so far */
  guint probed;           /* files probed with GstDiscoverer (new or changed) */
  guint unchanged;        /* files skipped: same size and mtime as last time */
  guint failed;           /* files that could not be read as media */
  guint missing;          /* items newly marked missing */
  guint restored;         /* missing items whose file came back */
  guint issues;           /* problems recorded on the library (folders, loops, ...) */
} ExsLibraryScanProgress;

#define EXS_TYPE_LIBRARY_SCANNER (exs_library_scanner_get_type ())
G_DECLARE_FINAL_TYPE (ExsLibraryScanner, exs_library_scanner, EXS, LIBRARY_SCANNER, GObject)

ExsLibraryScanner *exs_library_scanner_new (ExsDatabase *database,
                                            guint        workers,
                                            guint        probe_timeout_seconds);
void exs_library_scanner_set_watching (ExsLibraryScanner *self,
                                       gboolean           watch,
                                       guint              debounce_ms);
void exs_library_scanner_set_archive_org_url (ExsLibraryScanner *self,
                                              const char        *url);
void exs_library_scanner_scan_all (ExsLibraryScanner *self);
void exs_library_scanner_scan (ExsLibraryScanner *self,
                               gint64             library_id,
                               gboolean           full);
gboolean exs_library_scanner_get_progress (ExsLibraryScanner      *self,
                                           gint64                  library_id,
                                           ExsLibraryScanProgress *progress);
gboolean exs_library_scanner_is_idle (ExsLibraryScanner *self);
void exs_library_scanner_forget (ExsLibraryScanner *self,
                                 gint64             library_id);
void exs_library_scanner_stop (ExsLibraryScanner *self);

G_END_DECLS
