/* exs-iptv-service.h: the IPTV routes — playlist, guide, streams, HLS */
#pragma once

#include "exs-config.h"
#include "exs-database.h"
#include "exs-http-server.h"
#include "exs-playout-source.h"
#include "exs-stream-route.h"

G_BEGIN_DECLS

#define EXS_TYPE_IPTV_SERVICE (exs_iptv_service_get_type ())
G_DECLARE_FINAL_TYPE (ExsIptvService, exs_iptv_service, EXS, IPTV_SERVICE, GObject)

ExsIptvService *exs_iptv_service_new (ExsConfig *config, ExsDatabase *database,
                                      ExsStreamProvider *provider);
void exs_iptv_service_register (ExsIptvService *self, ExsHttpServer *server);
void exs_iptv_service_set_playout_source (ExsIptvService *self, ExsPlayoutSource *source);
void exs_iptv_service_stop (ExsIptvService *self);

G_END_DECLS
