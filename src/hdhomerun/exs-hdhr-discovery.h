/* exs-hdhr-discovery.h: the native HDHomeRun protocol — UDP discovery and TCP control */
#pragma once

#include "exs-hdhr-device.h"

G_BEGIN_DECLS

#define EXS_TYPE_HDHR_DISCOVERY (exs_hdhr_discovery_get_type ())
G_DECLARE_FINAL_TYPE (ExsHdhrDiscovery, exs_hdhr_discovery, EXS, HDHR_DISCOVERY, GObject)

ExsHdhrDiscovery *exs_hdhr_discovery_new (ExsHdhrDevice *device, const char *public_base_url);
gboolean exs_hdhr_discovery_start (ExsHdhrDiscovery *self, const char *bind_address, guint port,
                                   GError **error);
void exs_hdhr_discovery_set_replies_per_second (ExsHdhrDiscovery *self, guint replies);
guint exs_hdhr_discovery_get_port (ExsHdhrDiscovery *self);
void exs_hdhr_discovery_stop (ExsHdhrDiscovery *self);

G_END_DECLS
