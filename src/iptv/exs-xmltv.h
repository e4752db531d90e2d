/* exs-xmltv.h: the XMLTV guide, built from the channels and their playout */
#pragma once

#include "exs-playout-source.h"

G_BEGIN_DECLS

#define EXS_XMLTV_ERROR (exs_xmltv_error_quark ())

typedef enum
{
  EXS_XMLTV_ERROR_WRITE, /* libxml2 could not write the document */
} ExsXmltvError;

GQuark exs_xmltv_error_quark (void);

GBytes *exs_xmltv_build (GPtrArray *channels, ExsPlayoutSource *source, gint64 from_us,
                         gint64 to_us, const char *base_url, GTimeZone *time_zone, GError **error);

G_END_DECLS
