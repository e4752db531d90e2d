/* exs-api-errors.h: which HTTP status each subsystem's error codes answer */
#pragma once

#include "exs-http-error.h"

#include <libsoup/soup.h>

G_BEGIN_DECLS

void exs_api_errors_install (void);
void exs_api_reply_write_error (SoupServerMessage *msg,
                                const GError      *error,
                                const char        *field,
                                const char        *format,
                                ...) G_GNUC_PRINTF (4, 5);

G_END_DECLS
