/* exs-channel-number.h: channel numbers as users type them ("5", "102", "1984.1") */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define EXS_CHANNEL_NUMBER_RULE \
  "a channel number is one to five digits, optionally followed by a dot and one to five " \
  "digits (for example 5, 102 or 1984.1)"

gboolean exs_channel_number_parse (const char *text,
                                   char      **normalized,
                                   guint      *major,
                                   guint      *minor,
                                   gboolean   *has_minor);
char *exs_channel_number_normalize (const char *text);
int exs_channel_number_compare (const char *a,
                                const char *b);

G_END_DECLS
