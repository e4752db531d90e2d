/* exs-http-error.c: the HTTP layer's error domain, and the lookup of a
 * GError's HTTP status in the table the API installs (exs-api-errors.c).
 */
#include "config.h"

#include "exs-http-error.h"

G_DEFINE_QUARK (exs-http-error-quark, exs_http_error)

/* Written once on the main thread before the server listens, read-only
 * afterwards; installing the same table again (a test's second server) is
 * harmless. */
static const ExsHttpErrorStatus *status_table;
static gsize status_rows;

/**
 * exs_http_set_error_statuses:
 * @table: (array length=n_rows): rows that live as long as the process
 *
 * Sets the table exs_http_status_for_error() reads.
 */
void
exs_http_set_error_statuses (const ExsHttpErrorStatus *table, gsize n_rows)
{
  g_return_if_fail (table != NULL || n_rows == 0);

  status_table = table;
  status_rows = n_rows;
}

/**
 * exs_http_status_for_error:
 *
 * Returns: the status of the row matching @error's domain and code, else of
 *   the domain's %EXS_HTTP_ERROR_ANY_CODE row, else 500: an error nobody
 *   expected is the server's fault, never a "not found"
 */
guint
exs_http_status_for_error (const GError *error)
{
  guint fallback = 500;

  g_return_val_if_fail (error != NULL, 500);

  for (gsize i = 0; i < status_rows; i++)
    {
      const ExsHttpErrorStatus *row = &status_table[i];

      if (row->domain () != error->domain)
        continue;
      if (row->code == error->code)
        return row->status;
      if (row->code == EXS_HTTP_ERROR_ANY_CODE)
        fallback = row->status;
    }
  return fallback;
}
