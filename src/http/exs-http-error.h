/* exs-http-error.h: the errors of the HTTP layer, and the one table that
 * turns any subsystem's GError into an HTTP status.
 *
 * Each subsystem declares its own domain next to its code (EXS_DATABASE_ERROR,
 * EXS_SCHEDULE_ERROR, EXS_SESSION_ERROR, ...). The HTTP layer sits below most
 * of them, so it cannot name their codes; the API (src/api/exs-api-errors.c)
 * installs the table once at start-up and every route answers a GError with
 * exs_http_reply_gerror(), which looks the status up here.
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

#define EXS_HTTP_ERROR (exs_http_error_quark ())

typedef enum
{
  EXS_HTTP_ERROR_INVALID_BODY,    /* the body is not a JSON object we can read (400) */
  EXS_HTTP_ERROR_INVALID_FIELD,   /* a member of the body has a wrong type or value (422) */
  EXS_HTTP_ERROR_INVALID_ADDRESS, /* server.bind_address is not an IP address */
  EXS_HTTP_ERROR_TOO_MANY,        /* a bounded table (login links) is full (429) */
} ExsHttpError;

GQuark exs_http_error_quark (void);

/* One row of the error → status table. @domain is the domain's quark
 * function so the table can be a static constant. */
typedef struct
{
  GQuark (*domain) (void);
  gint code;
  guint status;
} ExsHttpErrorStatus;

/* Any code of the domain (a row's default when no exact code matches). */
#define EXS_HTTP_ERROR_ANY_CODE (-1)

void exs_http_set_error_statuses (const ExsHttpErrorStatus *table,
                                  gsize                     n_rows);
guint exs_http_status_for_error (const GError *error);

G_END_DECLS
