/* exs-hdhr-error.h: the errors of the HDHomeRun emulation that are not plain
 * socket I/O (those stay G_IO_ERROR) */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define EXS_HDHR_ERROR (exs_hdhr_error_quark ())

typedef enum
{
  EXS_HDHR_ERROR_NO_INTERFACE, /* no up, multicast-capable, non-loopback IPv4 interface to announce on */
} ExsHdhrError;

GQuark exs_hdhr_error_quark (void);

G_END_DECLS
