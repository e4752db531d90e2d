/* exs-test-server.h: the real exstreamtv binary, started for a test */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct
{
  GSubprocess *process;
  char *data_dir;
  char *log_path;
  gboolean own_data_dir;
  guint port;
  char *token;
  char *base_url;
  SoupSession *session;
  /* added later; set by the harness */
  gboolean stopped;      /* exs_test_server_stop() has run */
  int exit_status;       /* what it returned; exs_test_server_free() fails the test unless it is 0 */
  int expected_exit_status; /* 0 unless exs_test_server_expect_exit() says otherwise */
  int pid;
} ExsTestServer;

typedef struct
{
  guint status;
  JsonNode *json;             /* nullable */
  char *body;
  SoupMessageHeaders *headers;
} ExsTestReply;

const char *exs_test_server_binary (void);
char *exs_test_make_temp_dir (void);
void exs_test_remove_tree (const char *path);

ExsTestServer *exs_test_server_start (const char         *data_dir,
                                      const char *const  *extra_args,
                                      const char *const  *extra_env);
ExsTestServer *exs_test_server_try_start (const char         *data_dir,
                                          const char *const  *extra_args,
                                          const char *const  *extra_env,
                                          int                *exit_status,
                                          char              **output);
int exs_test_server_stop (ExsTestServer *server,
                          double        *seconds);
void exs_test_server_free (ExsTestServer *server);
char *exs_test_server_read_log (ExsTestServer *server);
guint exs_test_server_count_connections (ExsTestServer *server);
void exs_test_server_wait_for_connections (ExsTestServer *server,
                                           guint          most);
void exs_test_server_expect_exit (ExsTestServer *server,
                                  int            exit_status);
gboolean exs_test_wait_for (gboolean (*condition) (gpointer user_data),
                            gpointer   user_data,
                            double     timeout_seconds);

ExsTestReply *exs_test_server_request (ExsTestServer *server,
                                       const char    *method,
                                       const char    *path,
                                       const char    *json_body,
                                       gboolean       with_token);
char *exs_test_server_raw (ExsTestServer *server,
                           const char    *raw_request);
void exs_test_reply_free (ExsTestReply *reply);
const char *exs_test_reply_error_code (ExsTestReply *reply);
JsonObject *exs_test_reply_object (ExsTestReply *reply);

int exs_test_run_command (const char *const *argv,
                          const char *const *extra_env,
                          char             **output);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExsTestReply, exs_test_reply_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExsTestServer, exs_test_server_free)

G_END_DECLS
