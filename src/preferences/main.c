/* main.c: the exstreamtv-preferences executable. */
#include "config.h"

#include "exs-prefs-application.h"

#include <glib/gi18n.h>
#include <locale.h>

int
main (int argc, char **argv)
{
  g_autoptr (ExsPrefsApplication) app = NULL;

  setlocale (LC_ALL, "");
  /* EXSTREAMTV_LOCALEDIR: the build's po/ (meson devenv, the tests) */
  bindtextdomain (GETTEXT_PACKAGE, g_getenv ("EXSTREAMTV_LOCALEDIR") ? g_getenv ("EXSTREAMTV_LOCALEDIR") : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  app = exs_prefs_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
