/* The exstreamtv process as a user runs it: options, configuration errors,
 * SIGTERM, the instance lock, the token, --demo and the command-line client. */
#include "config.h"

#include "exs-test-server.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>

static guint
free_port (void)
{
  g_autoptr (GSocket) s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) bound = NULL;

  g_assert_true (g_socket_bind (s, any, TRUE, NULL));
  bound = g_socket_get_local_address (s, NULL);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

static int
run (const char *const *argv, const char *const *env, char **out)
{
  return exs_test_run_command (argv, env, out);
}

static void
test_version_and_help (void)
{
  const char *version[] = { exs_test_server_binary (), "--version", NULL };
  const char *help[] = { exs_test_server_binary (), "--help", NULL };
  const char *conf[] = { exs_test_server_binary (), "--print-default-config", NULL };
  g_autofree char *out1 = NULL;
  g_autofree char *out2 = NULL;
  g_autofree char *out3 = NULL;

  g_assert_cmpint (run (version, NULL, &out1), ==, 0);
  g_assert_cmpstr (g_strstrip (out1), ==, "exstreamtv " PACKAGE_VERSION);
  g_assert_cmpint (run (help, NULL, &out2), ==, 0);
  g_assert_nonnull (strstr (out2, "--data-dir"));
  g_assert_nonnull (strstr (out2, "channel list"));
  g_assert_cmpint (run (conf, NULL, &out3), ==, 0);
  g_assert_nonnull (strstr (out3, "[session_manager]"));
}

static void
test_bad_configuration_exits_2 (void)
{
  g_autofree char *dir = exs_test_make_temp_dir ();
  g_autofree char *conf = g_build_filename (dir, "bad.conf", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.conf", NULL);
  const char *with_file[] = { exs_test_server_binary (), "--data-dir", dir, "--config", conf, NULL };
  const char *with_missing[] = { exs_test_server_binary (), "--data-dir", dir, "--config", missing, NULL };
  const char *bad_option[] = { exs_test_server_binary (), "--data-dir", dir, "--port", "70000", NULL };
  const char *bad_int[] = { exs_test_server_binary (), "--data-dir", dir, "--port", "http", NULL };
  const char *bad_bind[] = { exs_test_server_binary (), "--data-dir", dir, "--bind", "my-laptop", NULL };
  const char *plain[] = { exs_test_server_binary (), "--data-dir", dir, NULL };
  const char *bad_env[] = { "EXSTREAMTV_SESSION_MANAGER_IDLE_TIMEOUT_SECONDS=soon", NULL };
  const char *unknown_option[] = { exs_test_server_binary (), "--colour", NULL };
  g_autofree char *o1 = NULL, *o2 = NULL, *o3 = NULL, *o4 = NULL, *o5 = NULL, *o6 = NULL, *o7 = NULL;

  g_file_set_contents (conf, "[stream_throttler]\nmode = warp\n", -1, NULL);
  g_assert_cmpint (run (with_file, NULL, &o1), ==, 2);
  g_assert_nonnull (strstr (o1, "mode"));
  g_assert_nonnull (strstr (o1, conf));
  g_assert_nonnull (strstr (o1, "realtime, burst, adaptive, disabled"));

  g_assert_cmpint (run (with_missing, NULL, &o2), ==, 2);
  g_assert_nonnull (strstr (o2, missing));

  g_assert_cmpint (run (bad_option, NULL, &o3), ==, 2);
  g_assert_nonnull (strstr (o3, "option --port"));
  g_assert_nonnull (strstr (o3, "0 to 65535"));

  g_assert_cmpint (run (bad_int, NULL, &o4), ==, 2);
  g_assert_cmpint (run (bad_bind, NULL, &o5), ==, 2);
  g_assert_nonnull (strstr (o5, "IP address"));

  g_assert_cmpint (run (plain, bad_env, &o6), ==, 2);
  g_assert_nonnull (strstr (o6, "EXSTREAMTV_SESSION_MANAGER_IDLE_TIMEOUT_SECONDS"));

  g_assert_cmpint (run (unknown_option, NULL, &o7), ==, 2);
  exs_test_remove_tree (dir);
}

static guint
listening_port (ExsTestServer *s)
{
  return s->port;
}

static void
test_precedence_in_the_server (void)
{
  g_autofree char *dir = exs_test_make_temp_dir ();
  g_autofree char *conf = g_build_filename (dir, "x.conf", NULL);
  g_autofree char *conf_text = NULL;
  g_autofree char *env_port = NULL;
  g_autofree char *cli_port = NULL;
  guint p_file = free_port (), p_env = free_port (), p_cli = free_port ();
  const char *file_args[] = { "--config", conf, "--port", NULL, NULL };

  conf_text = g_strdup_printf ("[server]\nport = %u\n", p_file);
  g_file_set_contents (conf, conf_text, -1, NULL);
  env_port = g_strdup_printf ("EXSTREAMTV_SERVER_PORT=%u", p_env);
  cli_port = g_strdup_printf ("%u", p_cli);

  {
    /* file only: "--port" is dropped by ending the list early */
    const char *args[] = { "--config", conf, NULL };
    const char *env[] = { "EXSTREAMTV_FORCE_NO_TEST_PORT=1", NULL };
    g_autoptr (ExsTestServer) s = exs_test_server_start (dir, args, env);
    g_assert_cmpuint (listening_port (s), ==, p_file);
    exs_test_server_stop (s, NULL);
  }
  {
    const char *args[] = { "--config", conf, NULL };
    const char *env[] = { env_port, NULL };
    g_autoptr (ExsTestServer) s = exs_test_server_start (dir, args, env);
    g_assert_cmpuint (listening_port (s), ==, p_env);
    exs_test_server_stop (s, NULL);
  }
  {
    const char *env[] = { env_port, NULL };
    g_autoptr (ExsTestServer) s = NULL;
    file_args[3] = cli_port;
    s = exs_test_server_start (dir, file_args, env);
    g_assert_cmpuint (listening_port (s), ==, p_cli);
    exs_test_server_stop (s, NULL);
  }
  exs_test_remove_tree (dir);
}

static void
test_sigterm_is_quick_and_clean (void)
{
  g_autoptr (ExsTestServer) s = exs_test_server_start (NULL, NULL, NULL);
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) idle = NULL;
  double seconds = 0;
  int status;

  /* an idle keep-alive client must not hold the shutdown up */
  idle = g_socket_client_connect_to_host (client, "127.0.0.1", (guint16) s->port, NULL, NULL);
  g_assert_nonnull (idle);
  {
    g_autoptr (ExsTestReply) r = exs_test_server_request (s, "GET", "/api/health", NULL, FALSE);
    g_assert_cmpuint (r->status, ==, 200);
  }
  status = exs_test_server_stop (s, &seconds);
  g_test_message ("stopped in %.3f s", seconds);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpfloat (seconds, <, 15.0); /* on its own, not killed at 20 s; how fast is bench/'s */
  {
    g_autofree char *log = exs_test_server_read_log (s);
    g_assert_nonnull (strstr (log, "stopped"));
  }
}

static void
test_second_instance_refused (void)
{
  g_autoptr (ExsTestServer) first = exs_test_server_start (NULL, NULL, NULL);
  g_autofree char *output = NULL;
  int status = 0;
  ExsTestServer *second = exs_test_server_try_start (first->data_dir, NULL, NULL, &status, &output);

  g_assert_null (second);
  g_assert_cmpint (status, ==, 1);
  g_assert_nonnull (strstr (output, "already running"));
  g_assert_nonnull (strstr (output, first->data_dir));
  {
    /* the first one is unharmed */
    g_autoptr (ExsTestReply) r = exs_test_server_request (first, "GET", "/api/health", NULL, FALSE);
    g_assert_cmpuint (r->status, ==, 200);
  }
}

/* --show-token before the server ever ran there (issue 15): it says there
 * is none yet and makes none; once the server made one, it prints the one
 * the server accepts. */
static void
test_show_token_never_makes_one (void)
{
  g_autofree char *dir = exs_test_make_temp_dir ();
  g_autofree char *token_path = g_build_filename (dir, "api-token", NULL);
  const char *show[] = { exs_test_server_binary (), "--data-dir", dir, "--show-token", NULL };
  g_autofree char *none = NULL;
  g_autofree char *shown = NULL;

  g_assert_cmpint (run (show, NULL, &none), ==, 1);
  g_test_message ("%s", none);
  g_assert_nonnull (strstr (none, "no admin token"));
  g_assert_nonnull (strstr (none, dir));
  g_assert_false (g_file_test (token_path, G_FILE_TEST_EXISTS));
  {
    g_autoptr (ExsTestServer) s = exs_test_server_start (dir, NULL, NULL);
    g_autoptr (ExsTestReply) r = NULL;
    g_autofree char *auth = NULL;
    g_autoptr (SoupMessage) msg = NULL;
    g_autofree char *url = g_strdup_printf ("%s/api/channels", s->base_url);

    g_assert_cmpint (run (show, NULL, &shown), ==, 0);
    g_strstrip (shown);
    msg = soup_message_new ("GET", url);
    auth = g_strdup_printf ("Bearer %s", shown);
    soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
    g_bytes_unref (soup_session_send_and_read (s->session, msg, NULL, NULL));
    g_assert_cmpuint (soup_message_get_status (msg), ==, 200);
  }
}

static void
test_token (void)
{
  g_autoptr (ExsTestServer) s = exs_test_server_start (NULL, NULL, NULL);
  g_autofree char *token_path = g_build_filename (s->data_dir, "api-token", NULL);
  g_autofree char *log = exs_test_server_read_log (s);
  g_autofree char *shown = NULL;
  const char *show[] = { exs_test_server_binary (), "--data-dir", s->data_dir, "--show-token", NULL };
  struct stat st;

  g_assert_cmpint (g_stat (token_path, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);
  g_assert_cmpuint (strlen (s->token), ==, 64);
  /* never printed (stdout goes to the journal); the first start says where it is */
  g_assert_null (strstr (log, s->token));
  g_assert_nonnull (strstr (log, token_path));
  g_assert_nonnull (strstr (log, "--show-token"));
  g_assert_cmpint (run (show, NULL, &shown), ==, 0);
  g_assert_cmpstr (g_strstrip (shown), ==, s->token);

  /* a restart keeps the token and does not print it again */
  exs_test_server_stop (s, NULL);
  {
    g_autoptr (ExsTestServer) again = exs_test_server_start (s->data_dir, NULL, NULL);
    g_autofree char *log2 = exs_test_server_read_log (again);
    g_assert_cmpstr (again->token, ==, s->token);
    g_assert_null (strstr (log2, s->token));
  }
}

static void
test_demo_lineup (void)
{
  const char *args[] = { "--demo", NULL };
  /* a data dir of its own: the server makes the demo clips itself (the
   * harness copies the suite's into the dirs it makes) */
  g_autofree char *dir = exs_test_make_temp_dir ();
  g_autoptr (ExsTestServer) s = exs_test_server_start (dir, args, NULL);
  g_autoptr (ExsTestReply) anon = exs_test_server_request (s, "GET", "/api/channels", NULL, FALSE);
  g_autoptr (ExsTestReply) list = exs_test_server_request (s, "GET", "/api/channels", NULL, TRUE);
  JsonArray *arr;
  double seconds;

  g_assert_cmpuint (anon->status, ==, 401);
  g_assert_cmpuint (list->status, ==, 200);
  arr = json_object_get_array_member (exs_test_reply_object (list), "channels");
  g_assert_cmpuint (json_array_get_length (arr), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (arr, 2), "number"), ==, "1984.1");
  /* shutting down while the demo clips are still being made is still quick */
  g_assert_cmpint (exs_test_server_stop (s, &seconds), ==, 0);
  g_assert_cmpfloat (seconds, <, 15.0); /* on its own, not killed at 20 s; how fast is bench/'s */

  {
    /* --demo again adds nothing twice */
    g_autoptr (ExsTestServer) again = exs_test_server_start (s->data_dir, args, NULL);
    g_autoptr (ExsTestReply) l2 = exs_test_server_request (again, "GET", "/api/channels", NULL, TRUE);
    g_assert_cmpint (json_object_get_int_member (exs_test_reply_object (l2), "total"), ==, 3);
  }
  exs_test_remove_tree (dir);
}

static void
test_newer_database_refused (void)
{
  g_autofree char *dir = exs_test_make_temp_dir ();
  g_autofree char *db_path = g_build_filename (dir, "exstreamtv.db", NULL);
  g_autofree char *output = NULL;
  sqlite3 *db;
  int status = 0;
  ExsTestServer *s;

  g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
  sqlite3_exec (db, "PRAGMA user_version = 4242", NULL, NULL, NULL);
  sqlite3_close (db);
  s = exs_test_server_try_start (dir, NULL, NULL, &status, &output);
  g_assert_null (s);
  g_assert_cmpint (status, ==, 1);
  g_assert_nonnull (strstr (output, "4242"));
  g_assert_nonnull (strstr (output, "newer"));
  exs_test_remove_tree (dir);
}

static void
test_cli (void)
{
  g_autoptr (ExsTestServer) s = exs_test_server_start (NULL, NULL, NULL);
  g_autofree char *url = g_strdup_printf ("--url=%s", s->base_url);
  const char *bin = exs_test_server_binary ();
  const char *add[] = { bin, "--data-dir", s->data_dir, url, "channel", "add", "1984.1", "Retro TV", "--group",
                        "Classics", NULL };
  const char *add_bad[] = { bin, "--data-dir", s->data_dir, url, "channel", "add", "1.2.3", "Bad", NULL };
  const char *add_dup[] = { bin, "--data-dir", s->data_dir, url, "channel", "add", "1984.1", "Again", NULL };
  const char *list[] = { bin, "--data-dir", s->data_dir, url, "channel", "list", NULL };
  const char *rm[] = { bin, "--data-dir", s->data_dir, url, "channel", "remove", "1984.1", NULL };
  const char *rm_missing[] = { bin, "--data-dir", s->data_dir, url, "channel", "remove", "1984.1", NULL };
  const char *usage[] = { bin, "--data-dir", s->data_dir, url, "channel", "frobnicate", NULL };
  const char *unknown[] = { bin, "--data-dir", s->data_dir, url, "juggle", NULL };
  const char *no_server[] = { bin, "--data-dir", s->data_dir, "--url=http://127.0.0.1:1", "channel", "list", NULL };
  g_autofree char *o1 = NULL, *o2 = NULL, *o3 = NULL, *o4 = NULL, *o5 = NULL, *o6 = NULL, *o7 = NULL, *o8 = NULL,
                  *o9 = NULL;

  g_assert_cmpint (run (add, NULL, &o1), ==, 0);
  g_assert_nonnull (strstr (o1, "added channel 1984.1"));
  g_assert_cmpint (run (add_bad, NULL, &o2), ==, 1);
  g_assert_nonnull (strstr (o2, "not a valid channel number"));
  g_assert_cmpint (run (add_dup, NULL, &o3), ==, 1);
  g_assert_nonnull (strstr (o3, "409"));
  g_assert_cmpint (run (list, NULL, &o4), ==, 0);
  g_assert_nonnull (strstr (o4, "Retro TV"));
  g_assert_nonnull (strstr (o4, "Classics"));
  g_assert_cmpint (run (rm, NULL, &o5), ==, 0);
  g_assert_cmpint (run (rm_missing, NULL, &o6), ==, 1);
  g_assert_cmpint (run (usage, NULL, &o7), ==, 2);
  g_assert_cmpint (run (unknown, NULL, &o8), ==, 2);
  g_assert_cmpint (run (no_server, NULL, &o9), ==, 1);
  g_assert_nonnull (strstr (o9, "cannot reach the server"));

  {
    /* the CLI finds the server from the same configuration (port), no --url */
    g_autofree char *port_env = g_strdup_printf ("EXSTREAMTV_SERVER_PORT=%u", s->port);
    const char *env[] = { port_env, NULL };
    const char *plain[] = { bin, "--data-dir", s->data_dir, "channel", "list", NULL };
    g_autofree char *o10 = NULL;
    g_assert_cmpint (run (plain, env, &o10), ==, 0);
    g_assert_nonnull (strstr (o10, "NUMBER"));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/app/version-help-and-default-config", test_version_and_help);
  g_test_add_func ("/app/bad-configuration-exits-2-naming-key-and-source", test_bad_configuration_exits_2);
  g_test_add_func ("/app/precedence-cli-env-file", test_precedence_in_the_server);
  g_test_add_func ("/app/sigterm-stops-within-2s", test_sigterm_is_quick_and_clean);
  g_test_add_func ("/app/second-instance-refused", test_second_instance_refused);
  g_test_add_func ("/app/token-private-printed-once", test_token);
  g_test_add_func ("/app/show-token-never-makes-one", test_show_token_never_makes_one);
  g_test_add_func ("/app/demo-lineup", test_demo_lineup);
  g_test_add_func ("/app/newer-database-refused", test_newer_database_refused);
  g_test_add_func ("/app/cli-channel-commands", test_cli);
  return g_test_run ();
}
