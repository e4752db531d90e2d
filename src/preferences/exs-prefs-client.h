/* exs-prefs-client.h: the preferences app's async client of the server's REST API */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define EXS_PREFS_CLIENT_ERROR (exs_prefs_client_error_quark ())

typedef enum
{
  EXS_PREFS_CLIENT_ERROR_UNREACHABLE, /* no answer: wrong address, timed out */
  EXS_PREFS_CLIENT_ERROR_REFUSED,     /* nothing listens there: the server is not running */
  EXS_PREFS_CLIENT_ERROR_NO_TOKEN,    /* the data dir has no admin token yet */
  EXS_PREFS_CLIENT_ERROR_HTTP,        /* the server answered 4xx/5xx; the message is its own */
} ExsPrefsClientError;

#define EXS_TYPE_PREFS_CLIENT (exs_prefs_client_get_type ())
G_DECLARE_FINAL_TYPE (ExsPrefsClient, exs_prefs_client, EXS, PREFS_CLIENT, GObject)

GQuark exs_prefs_client_error_quark (void);
/* Returns: (transfer none) (nullable): the member a 422 names, "watermark.opacity" */
const char *exs_prefs_client_error_get_field (const GError *error);

ExsPrefsClient *exs_prefs_client_new (const char *base_url,
                                      const char *data_dir);
const char *exs_prefs_client_get_base_url (ExsPrefsClient *self);
const char *exs_prefs_client_get_data_dir (ExsPrefsClient *self);

void exs_prefs_client_request_async (ExsPrefsClient      *self,
                                     const char          *method,
                                     const char          *path,
                                     JsonNode            *body,
                                     guint                timeout_ms,
                                     GCancellable        *cancellable,
                                     GAsyncReadyCallback  callback,
                                     gpointer             user_data);
/* Returns: (transfer full) (nullable): the reply's JSON (an empty JSON
 * object for an empty 2xx reply), or %NULL with @error */
JsonNode *exs_prefs_client_request_finish (ExsPrefsClient  *self,
                                           GAsyncResult    *result,
                                           GError         **error);

char *exs_prefs_client_channel_path (const char *number,
                                     const char *suffix);

G_END_DECLS
