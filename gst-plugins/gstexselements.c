/* gstexselements.c: registers each element of the exs plugin. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstexselements.h"

#include "gstexstsmerge.h"
#include "gstexstsmux.h"

gboolean
exs_register_elements (GstPlugin *plugin)
{
  gboolean ret = FALSE;

  ret |= GST_ELEMENT_REGISTER (exstsmerge, plugin);
  ret |= GST_ELEMENT_REGISTER (exstsmux, plugin);
  return ret;
}
