/* main.c: the exstreamtv executable. */
#include "config.h"

#include "exs-application.h"
#include "exs-memory.h"

int
main (int argc, char **argv)
{
  g_autoptr (ExsApplication) app = NULL;

  exs_memory_configure ();
  app = exs_application_new ();
  return exs_application_run (app, argc, argv);
}
