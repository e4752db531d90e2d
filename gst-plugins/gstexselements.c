/* gstexselements.c: registers each element of the exs plugin. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "gstexselements.h"

gboolean
exs_register_elements (GstPlugin *plugin)
{
  /* Elements are added here as GST_ELEMENT_REGISTER (name, plugin). */
  return TRUE;
}
