/* exs-api-errors.c: the one place where error codes become HTTP statuses.
 *
 * Every subsystem raises errors in its own domain (EXS_DATABASE_ERROR,
 * EXS_SCHEDULE_ERROR, ...). A route that cannot do its work hands the GError
 * to exs_http_reply_gerror(), which answers with the status found here and a
 * JSON body carrying the error's message. A code missing from the table is a
 * 500: a failure nobody planned for is the server's fault, and must never
 * read as "not found". exs_api_register_all() installs the table.
 */
#include "config.h"

#include "exs-api-errors.h"

#include "exs-config.h"
#include "exs-database.h"
#include "exs-json-depth.h"
#include "exs-media-query.h"
#include "exs-pipeline-pool.h"
#include "exs-schedule.h"
#include "exs-session-manager.h"

#include "exs-http-json.h"

#include <gio/gio.h>

static const ExsHttpErrorStatus statuses[] = {
  /* the request itself */
  { exs_http_error_quark, EXS_HTTP_ERROR_INVALID_BODY, 400 },
  { exs_http_error_quark, EXS_HTTP_ERROR_INVALID_FIELD, 422 },
  { exs_http_error_quark, EXS_HTTP_ERROR_TOO_MANY, 429 },
  { exs_json_error_quark, EXS_JSON_ERROR_TOO_DEEP, 400 },
  { exs_config_error_quark, EXS_CONFIG_ERROR_INVALID_VALUE, 422 },
  { exs_schedule_error_quark, EXS_SCHEDULE_ERROR_INVALID, 422 },
  { exs_schedule_error_quark, EXS_SCHEDULE_ERROR_NOT_FOUND, 404 },
  { exs_schedule_error_quark, EXS_SCHEDULE_ERROR_CONFLICT, 409 },
  { exs_media_query_error_quark, EXS_MEDIA_QUERY_ERROR_SYNTAX, 422 },

  /* the stored data */
  { exs_database_error_quark, EXS_DATABASE_ERROR_NOT_FOUND, 404 },
  { exs_database_error_quark, EXS_DATABASE_ERROR_CONSTRAINT, 409 },
  { exs_database_error_quark, EXS_DATABASE_ERROR_OPEN, 503 },
  /* QUERY, MIGRATION, TOO_NEW: the database failed under us, 500 */

  /* not listed, so 500: EXS_BACKUP_ERROR (over HTTP only a backup the
   * server could not make; restores run from the CLI with the server
   * stopped), EXS_NFO_ERROR (a file in the library, not the request),
   * EXS_CHANNEL_ERROR (a pipeline that cannot be built) */

  /* room to serve: come back later */
  { exs_session_error_quark, EXS_HTTP_ERROR_ANY_CODE, 503 },
  { exs_pipeline_pool_error_quark, EXS_HTTP_ERROR_ANY_CODE, 503 },
  { g_io_error_quark, G_IO_ERROR_CANCELLED, 503 }, /* the server is stopping */
};

/* Makes exs_http_reply_gerror() answer from this table. */
void
exs_api_errors_install (void)
{
  exs_http_set_error_statuses (statuses, G_N_ELEMENTS (statuses));
}

/**
 * exs_api_reply_write_error:
 * @error: why a store's insert or update failed
 * @field: the body field that must be unique ("name", "number")
 *
 * Answers a failed write: a 409 naming @field, with the message @format
 * makes, when it broke a uniqueness constraint (the name or number is
 * taken), else @error with its status.
 */
void
exs_api_reply_write_error (SoupServerMessage *msg, const GError *error, const char *field, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  if (!g_error_matches (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_CONSTRAINT))
    {
      exs_http_reply_gerror (msg, error);
      return;
    }
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  exs_http_reply_field_error (msg, 409, field, "%s", message);
}
