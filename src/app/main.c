/* main.c: the exstreamtv executable. */
#include "config.h"

#include "exs-application.h"

int
main (int argc, char **argv)
{
  g_autoptr (ExsApplication) app = exs_application_new ();

  return exs_application_run (app, argc, argv);
}
