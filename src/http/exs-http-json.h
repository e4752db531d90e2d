/* exs-http-json.h: the API's JSON conventions — bodies in, bodies and errors out */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

#include "exs-http-error.h"

G_BEGIN_DECLS

void exs_http_reply_json (SoupServerMessage *msg,
                          guint              status,
                          JsonNode          *root);
void exs_http_reply_object (SoupServerMessage *msg,
                            guint              status,
                            JsonObject        *object);
void exs_http_reply_list (SoupServerMessage *msg,
                          const char        *member,
                          JsonArray         *items);
/* Returns: (transfer full): @record as JSON */
typedef JsonObject *(*ExsHttpRecordToJson) (gconstpointer record,
                                            gpointer      user_data);
void exs_http_reply_records (SoupServerMessage  *msg,
                             const char         *member,
                             GPtrArray          *records,
                             const GError       *error,
                             ExsHttpRecordToJson to_json,
                             gpointer            user_data);
void exs_http_reply_no_content (SoupServerMessage *msg,
                                const GError      *error);
void exs_http_set_location (SoupServerMessage *msg,
                            const char        *format,
                            ...) G_GNUC_PRINTF (2, 3);
void exs_http_reply_error (SoupServerMessage *msg,
                           guint              status,
                           const char        *code,
                           const char        *format,
                           ...) G_GNUC_PRINTF (4, 5);
void exs_http_reply_field_error (SoupServerMessage *msg,
                                 guint              status,
                                 const char        *field,
                                 const char        *format,
                                 ...) G_GNUC_PRINTF (4, 5);
void exs_http_reply_gerror (SoupServerMessage *msg,
                            const GError      *error);
gboolean exs_http_json_has_control_chars (const char *text);
gboolean exs_http_json_get_text (SoupServerMessage  *msg,
                                 JsonObject         *body,
                                 const char         *field,
                                 guint               max_chars,
                                 gboolean            required,
                                 char              **target);
gboolean exs_http_json_get_bool (SoupServerMessage *msg,
                                 JsonObject        *body,
                                 const char        *field,
                                 gboolean          *out);
gboolean exs_http_json_check_text (JsonObject  *body,
                                   const char  *field,
                                   guint        max_chars,
                                   gboolean     required,
                                   char       **target,
                                   GError     **error);
gboolean exs_http_json_check_bool (JsonObject  *body,
                                   const char  *field,
                                   gboolean    *out,
                                   GError     **error);
gboolean exs_http_json_check_int (JsonObject  *body,
                                  const char  *field,
                                  gint64       min,
                                  gint64       max,
                                  gint64      *out,
                                  GError     **error);
gboolean exs_http_json_get_int (SoupServerMessage *msg,
                                JsonObject        *body,
                                const char        *field,
                                gint64             min,
                                gint64             max,
                                gint64            *out);
JsonObject *exs_http_json_parse_object (const char  *data,
                                        gsize        len,
                                        GError     **error);
JsonObject *exs_http_read_json_object (SoupServerMessage *msg);
const char *exs_http_error_code_for_status (guint status);

G_END_DECLS
