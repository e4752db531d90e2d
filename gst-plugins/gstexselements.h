/* gstexselements.h: the element registrations of the exs plugin */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

gboolean exs_register_elements (GstPlugin *plugin);

G_END_DECLS
