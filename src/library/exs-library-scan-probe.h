/* exs-library-scan-probe.h: a scan's second step — look at each file
 * (GstDiscoverer stream facts, file name, NFO, artwork) in worker threads */
#pragma once

#include <gio/gio.h>
#include <gst/pbutils/pbutils.h>

#include "exs-library-scan-private.h"

G_BEGIN_DECLS

typedef struct _ExsScanProbe ExsScanProbe;

void exs_library_scan_probe_file (GstDiscoverer *discoverer,
                                  const char    *library_kind,
                                  ExsScanFile   *file);

ExsScanProbe *exs_library_scan_probe_start (const char   *library_kind,
                                            guint         n_workers,
                                            guint         timeout_s,
                                            GCancellable *cancellable,
                                            GPtrArray    *files);
ExsScanFile *exs_scan_probe_pop (ExsScanProbe *probe,
                                 guint64       timeout_us);
void exs_scan_probe_finish (ExsScanProbe *probe,
                            gboolean      wait);

G_END_DECLS
