/* exs-memory.h: giving freed memory back to the system */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void exs_memory_configure (void);
void exs_memory_give_back (void);

G_END_DECLS
