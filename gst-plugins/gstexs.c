/* gstexs.c: the "exs" plugin — EXStreamTV's own GStreamer elements.
 *
 * Elements register here with GST_ELEMENT_REGISTER as they are added (see
 * gstexselements.h). Installed to libdir/gstreamer-1.0; `meson devenv` and the
 * tests put the build dir on GST_PLUGIN_PATH.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstexselements.h"

static gboolean
plugin_init (GstPlugin *plugin)
{
  gboolean ret = FALSE;

  ret |= exs_register_elements (plugin);
  return ret;
}

GST_PLUGIN_DEFINE (GST_VERSION_MAJOR, GST_VERSION_MINOR, exs, "EXStreamTV channel elements", plugin_init,
                   "0.1.0", "LGPL", GST_PACKAGE_NAME, GST_PACKAGE_ORIGIN)
