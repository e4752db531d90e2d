/* exs-api-context.h: what the API route families need from the application */
#pragma once

#include "exs-config.h"
#include "exs-channel-manager.h"
#include "exs-channel-store.h"
#include "exs-database.h"
#include "exs-http-server.h"
#include "exs-library-scanner.h"
#include "exs-media-server-sync.h"

#include "exs-auto-resolver.h"
#include "exs-backup-manager.h"
#include "exs-health-monitor.h"
#include "exs-long-run-monitor.h"
#include "exs-metrics.h"
#include "exs-pipeline-pool.h"
#include "exs-restart-guard.h"
#include "exs-session-manager.h"
#include "exs-playout-builder.h"
#include "exs-ai-agent.h"
#include "exs-upstream-guide.h"

G_BEGIN_DECLS

/* Borrowed pointers, owned by ExsApplication, valid while the server runs.
 * Subsystems add their object here when they gain routes. */
typedef struct
{
  ExsConfig *config;
  const char *config_path; /* (nullable) the file PATCH /api/settings writes */
  const char *data_dir;    /* (nullable) where hosted files (logos) live */
  ExsDatabase *database;
  ExsLibraryScanner *library_scanner; /* (nullable) */
  ExsMediaServerSync *media_server_sync; /* (nullable) Plex, Jellyfin and Emby libraries */
  gint64 started_monotonic_us;

  /* resilience and operations; each nullable (its routes are then absent) */
  ExsMetrics *metrics;
  ExsPipelinePool *pool;
  ExsRestartGuard *restart_guard;
  ExsSessionManager *sessions;
  ExsBackupManager *backups;
  ExsHealthMonitor *health;
  ExsLongRunMonitor *long_run;
  ExsAutoResolver *resolver;
  ExsPlayoutBuilder *playout_builder; /* scheduling: builds every channel's playout */
  ExsPlayoutSource *playout_source;   /* the same object: what plays when, for the engine and the guide */
  ExsChannelManager *channel_manager; /* nullable: the running channels (src/streaming) */
  ExsAiAgent *ai_agent;     /* (nullable) the AI troubleshooting agent (src/ai) */
  ExsUpstreamGuide *upstream_guide; /* (nullable) the upstream channels' XMLTV (src/iptv) */
} ExsApiContext;

void exs_api_register_all (ExsHttpServer *server,
                           ExsApiContext *context);

void exs_api_upstream_register (ExsHttpServer *server,
                                ExsApiContext *context);
void exs_api_channels_register (ExsHttpServer *server,
                                ExsApiContext *context);
void exs_api_profiles_register (ExsHttpServer *server,
                                ExsApiContext *context);
void exs_api_libraries_register (ExsHttpServer *server,
                                 ExsApiContext *context);
void exs_api_media_servers_register (ExsHttpServer *server,
                                     ExsApiContext *context);
void exs_api_media_register (ExsHttpServer *server,
                             ExsApiContext *context);
void exs_api_collections_register (ExsHttpServer *server,
                                   ExsApiContext *context);
void exs_api_health_register (ExsHttpServer *server,
                              ExsApiContext *context);
void exs_api_schedules_register (ExsHttpServer *server,
                                 ExsApiContext *context);

void exs_api_metrics_register (ExsHttpServer *server,
                               ExsApiContext *context);
void exs_api_operations_register (ExsHttpServer *server,
                                  ExsApiContext *context);

/* the web UI (issue 17) */
void exs_api_web_register (ExsHttpServer *server,
                           ExsApiContext *context);
void exs_api_web_set_page_headers (SoupServerMessage *msg);
void exs_api_auth_register (ExsHttpServer *server,
                            ExsApiContext *context);
void exs_api_guide_register (ExsHttpServer *server,
                             ExsApiContext *context);
void exs_api_events_register (ExsHttpServer *server,
                              ExsApiContext *context);
JsonObject *exs_api_events_dup_status (ExsApiContext *context);
void exs_api_logs_register (ExsHttpServer *server,
                            ExsApiContext *context);
void exs_api_settings_register (ExsHttpServer *server,
                                ExsApiContext *context);
void exs_api_artwork_register (ExsHttpServer *server,
                               ExsApiContext *context);
void exs_api_logos_register (ExsHttpServer *server,
                             ExsApiContext *context);
void exs_api_channels_bulk_register (ExsHttpServer *server,
                                     ExsApiContext *context);
void exs_api_sessions_register (ExsHttpServer *server,
                                ExsApiContext *context);
void exs_api_sessions_add_details (ExsApiContext *context,
                                   JsonObject    *root,
                                   const char    *channel_number);
void exs_api_preview_register (ExsHttpServer *server,
                               ExsApiContext *context);
void exs_api_folders_register (ExsHttpServer *server,
                               ExsApiContext *context);
void exs_api_ai_register (ExsHttpServer *server,
                          ExsApiContext *context);
void exs_api_ai_add_sessions (ExsApiContext *context,
                              const char    *channel,
                              JsonObject    *root);
gboolean exs_api_logo_check_svg (const guint8  *data,
                                 gsize          len,
                                 char         **why);

gboolean exs_api_channel_apply_json (JsonObject         *body,
                                     ExsChannelRecord   *record,
                                     gboolean            creating,
                                     const char *const  *also_allowed,
                                     char              **field,
                                     GError            **error);
gboolean exs_api_profiles_check_channel (ExsDatabase  *database,
                                         JsonObject   *body,
                                         char        **field,
                                         GError      **error);

G_END_DECLS
