/* exs-playout-guide.h: playout items as a guide shows them */
#pragma once

#include "exs-playout-source.h"

G_BEGIN_DECLS

GPtrArray *exs_playout_items_for_guide (GPtrArray *items,
                                        gboolean   show_filler);

G_END_DECLS
