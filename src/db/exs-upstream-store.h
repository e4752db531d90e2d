/* exs-upstream-store.h: the XMLTV guides of upstream live channels */
#pragma once

#include "exs-database.h"

G_BEGIN_DECLS

gboolean exs_upstream_store_add_guide (ExsDatabase  *db,
                                       const char   *source,
                                       GError      **error);
gboolean exs_upstream_store_note_refresh (ExsDatabase  *db,
                                          GError      **error);
GStrv exs_upstream_store_list_guides (ExsDatabase  *db,
                                      GError      **error);

G_END_DECLS
