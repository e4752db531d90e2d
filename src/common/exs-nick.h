/* exs-nick.h: enum values written as names ("fit", "crop", "stretch") */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean exs_nick_lookup (const char *const *nicks,
                          const char        *nick,
                          int               *value);

G_END_DECLS
