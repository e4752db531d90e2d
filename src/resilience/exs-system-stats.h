/* exs-system-stats.h: what /proc says about memory, file descriptors and RSS */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean exs_system_read_memory (guint64 *total_bytes,
                                 guint64 *available_bytes);
double exs_system_memory_used_fraction (void);
guint exs_system_count_open_fds (void);
guint64 exs_system_fd_limit (void);
guint64 exs_system_read_rss_bytes (void);

G_END_DECLS
