/* exs-hdhr-device.h: the emulated HDHomeRun tuner and its HTTP API */
#pragma once

#include "exs-config.h"
#include "exs-database.h"
#include "exs-http-server.h"
#include "exs-stream-route.h"

G_BEGIN_DECLS

#define EXS_HDHR_MODEL_NUMBER "HDTC-2US"
#define EXS_HDHR_FIRMWARE_NAME "hdhomeruntc_atsc"
#define EXS_HDHR_FIRMWARE_VERSION "20200225"
#define EXS_HDHR_ERROR_ALL_TUNERS_IN_USE "805 All Tuners In Use"

#define EXS_TYPE_HDHR_DEVICE (exs_hdhr_device_get_type ())
G_DECLARE_FINAL_TYPE (ExsHdhrDevice, exs_hdhr_device, EXS, HDHR_DEVICE, GObject)

ExsHdhrDevice *exs_hdhr_device_new (ExsConfig *config, ExsDatabase *database,
                                    ExsStreamProvider *provider, GError **error);
void exs_hdhr_device_register (ExsHdhrDevice *self, ExsHttpServer *server);

guint32 exs_hdhr_device_get_id (ExsHdhrDevice *self);
const char *exs_hdhr_device_get_id_string (ExsHdhrDevice *self);
const char *exs_hdhr_device_get_auth (ExsHdhrDevice *self);
const char *exs_hdhr_device_get_udn (ExsHdhrDevice *self);
const char *exs_hdhr_device_get_friendly_name (ExsHdhrDevice *self);
guint exs_hdhr_device_get_tuner_count (ExsHdhrDevice *self);
guint exs_hdhr_device_get_http_port (ExsHdhrDevice *self);
void exs_hdhr_device_set_http_port (ExsHdhrDevice *self, guint port);
char **exs_hdhr_device_dup_tuner_channels (ExsHdhrDevice *self);
char *exs_hdhr_device_dup_tuner_client (ExsHdhrDevice *self,
                                       const char    *number);

G_END_DECLS
