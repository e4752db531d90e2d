/* exs-application.h: the server process — wires the subsystems and owns their lifetimes */
#pragma once

#include <glib-object.h>

#include "exs-playout-source.h"

G_BEGIN_DECLS

#define EXS_EXIT_FAILURE 1
#define EXS_EXIT_USAGE 2 /* bad options or configuration */

#define EXS_TYPE_APPLICATION (exs_application_get_type ())
G_DECLARE_FINAL_TYPE (ExsApplication, exs_application, EXS, APPLICATION, GObject)

ExsApplication *exs_application_new (void);
int exs_application_run (ExsApplication  *self,
                         int              argc,
                         char           **argv);
ExsPlayoutSource *exs_application_get_playout_source (ExsApplication *self);

G_END_DECLS
