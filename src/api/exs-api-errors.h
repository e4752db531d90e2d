/* exs-api-errors.h: which HTTP status each subsystem's error codes answer */
#pragma once

#include "exs-http-error.h"

G_BEGIN_DECLS

void exs_api_errors_install (void);

G_END_DECLS
