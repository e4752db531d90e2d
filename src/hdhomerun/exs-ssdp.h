/* exs-ssdp.h: SSDP/UPnP announcements of the tuner (gssdp) */
#pragma once

#include "exs-hdhr-device.h"

G_BEGIN_DECLS

#define EXS_TYPE_SSDP (exs_ssdp_get_type ())
G_DECLARE_FINAL_TYPE (ExsSsdp, exs_ssdp, EXS, SSDP, GObject)

ExsSsdp *exs_ssdp_new (ExsHdhrDevice *device);
guint exs_ssdp_start (ExsSsdp *self, const char *bind_address, GError **error);
void exs_ssdp_stop (ExsSsdp *self);

G_END_DECLS
