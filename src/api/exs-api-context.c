/* exs-api-context.c: registers every /api/ route family on the HTTP server. */
#include "config.h"

#include "exs-api-context.h"

#include "exs-api-errors.h"

void
exs_api_register_all (ExsHttpServer *server, ExsApiContext *context)
{
  exs_api_errors_install ();
  exs_api_health_register (server, context);
  exs_api_channels_register (server, context);
  exs_api_profiles_register (server, context);
  exs_api_upstream_register (server, context);
  exs_api_metrics_register (server, context);
  exs_api_operations_register (server, context);
  exs_api_libraries_register (server, context);
  exs_api_media_servers_register (server, context);
  exs_api_media_register (server, context);
  exs_api_collections_register (server, context);
  exs_api_schedules_register (server, context);
  exs_api_auth_register (server, context);
  exs_api_guide_register (server, context);
  exs_api_events_register (server, context);
  exs_api_logs_register (server, context);
  exs_api_settings_register (server, context);
  exs_api_logos_register (server, context);
  exs_api_artwork_register (server, context);
  exs_api_channels_bulk_register (server, context);
  exs_api_sessions_register (server, context);
  exs_api_preview_register (server, context);
  exs_api_folders_register (server, context);
  exs_api_ai_register (server, context);
  exs_api_web_register (server, context);
}
