/* exs-api-test.h: what the web UI's API tests share (on top of exs-test-server.h) */
#pragma once

#include "exs-test-server.h"

G_BEGIN_DECLS

ExsTestReply *exs_api_test_send (ExsTestServer     *server,
                                 const char        *method,
                                 const char        *path,
                                 const char *const *headers,
                                 const char        *content_type,
                                 const void        *body,
                                 gsize              body_len);
void exs_api_test_expect (ExsTestReply *reply,
                          guint         status);
const char *exs_api_test_error_field (ExsTestReply *reply);

G_END_DECLS
