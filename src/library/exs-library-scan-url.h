/* exs-library-scan-url.h: the first step of a scan for a URL library — the
 * http(s) media URLs its entries name (directly, in an M3U, on Archive.org,
 * or as yt-dlp pages) */
#pragma once

#include <gio/gio.h>

#include "exs-library-scan-walk.h"

G_BEGIN_DECLS

#define EXS_ARCHIVE_ORG_PREFIX "archive:"

typedef struct
{
  const char *archive_org_url; /* base URL of Archive.org's API ("https://archive.org") */
  guint timeout_s;             /* per HTTP request and per yt-dlp run */
} ExsUrlScanOptions;

ExsScanWalk *exs_library_scan_urls (const ExsLibraryRecord  *library,
                                    const ExsUrlScanOptions *options,
                                    GCancellable            *cancellable);
void exs_library_scan_probe_url (GstDiscoverer *discoverer,
                                 ExsScanFile   *item);
gboolean exs_library_url_entry_check (const char  *entry,
                                      char       **why);

G_END_DECLS
