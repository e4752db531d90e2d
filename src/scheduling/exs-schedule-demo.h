/* exs-schedule-demo.h: real schedules for the demo channels */
#pragma once

#include "exs-database.h"

G_BEGIN_DECLS

gboolean exs_schedule_demo_install (ExsDatabase  *db,
                                    const char   *demo_dir,
                                    GError      **error);

G_END_DECLS
