/* exs-api-context.h: what the API route families need from the application */
#pragma once

#include "exs-config.h"
#include "exs-database.h"
#include "exs-http-server.h"

G_BEGIN_DECLS

/* Borrowed pointers, owned by ExsApplication, valid while the server runs.
 * Subsystems add their object here when they gain routes. */
typedef struct
{
  ExsConfig *config;
  ExsDatabase *database;
  gint64 started_monotonic_us;
  gpointer channel_manager; /* ExsChannelManager* (src/streaming): streams, e.g. exs_channel_manager_serve() */
} ExsApiContext;

void exs_api_register_all (ExsHttpServer *server,
                           ExsApiContext *context);

void exs_api_channels_register (ExsHttpServer *server,
                                ExsApiContext *context);
void exs_api_health_register (ExsHttpServer *server,
                              ExsApiContext *context);

char *exs_api_format_time (gint64 unix_seconds);

G_END_DECLS
