/* exs-log-ring.h: the server's recent log lines, for GET /api/logs and the
 * web UI's live log */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define EXS_LOG_RING_SIZE 2000

#define EXS_TYPE_LOG_RING (exs_log_ring_get_type ())
G_DECLARE_FINAL_TYPE (ExsLogRing, exs_log_ring, EXS, LOG_RING, GObject)

ExsLogRing *exs_log_ring_get_default (void);
void exs_log_ring_install (ExsLogRing *self);
void exs_log_ring_add (ExsLogRing     *self,
                       GLogLevelFlags  level,
                       const char     *domain,
                       const char     *message);
JsonArray *exs_log_ring_query (ExsLogRing     *self,
                               GLogLevelFlags  most_verbose,
                               const char     *channel,
                               guint           limit);
gboolean exs_log_ring_parse_level (const char     *name,
                                   GLogLevelFlags *level);

G_END_DECLS
