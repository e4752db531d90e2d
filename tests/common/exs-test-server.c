/* exs-test-server.c: starts the real server on 127.0.0.1 with a free port and
 * a temporary data dir, talks HTTP to it, and stops it with SIGTERM.
 *
 * A server never outlives its test: it dies with the test process
 * (PR_SET_PDEATHSIG), and a test that aborts (a failed g_assert, a crash,
 * meson's timeout) kills its servers, removes their data dirs and prints the
 * tail of their logs from a signal handler. At shutdown the server's exit
 * status must be 0 (a crash or a sanitizer report during shutdown fails the
 * test); the log of a failed test is kept and named. */
#include "config.h"

#include "exs-test-server.h"

#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define START_TIMEOUT_US (120 * G_USEC_PER_SEC)

const char *
exs_test_server_binary (void)
{
  const char *bin = g_getenv ("EXSTREAMTV_BIN");

  g_assert_nonnull (bin);
  return bin;
}

char *
exs_test_make_temp_dir (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("exstreamtv-test-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

void
exs_test_remove_tree (const char *path)
{
  g_autoptr (GFile) file = g_file_new_for_path (path);
  g_autoptr (GFileEnumerator) e = NULL;
  GFileInfo *info;

  e = g_file_enumerate_children (file, G_FILE_ATTRIBUTE_STANDARD_NAME "," G_FILE_ATTRIBUTE_STANDARD_TYPE,
                                 G_FILE_QUERY_INFO_NOFOLLOW_SYMLINKS, NULL, NULL);
  while (e && (info = g_file_enumerator_next_file (e, NULL, NULL)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, g_file_info_get_name (info), NULL);
      if (g_file_info_get_file_type (info) == G_FILE_TYPE_DIRECTORY)
        exs_test_remove_tree (child);
      else
        g_unlink (child);
      g_object_unref (info);
    }
  g_rmdir (path);
}

/* ---- servers alive, for the abort path (async-signal-safe data only) ---- */

#define MAX_LIVE 64

typedef struct
{
  volatile pid_t pid; /* still to be killed on abort; 0: none */
  pid_t owner;        /* the server this slot is for; 0: slot free */
  char *rm_argv[4];   /* rm -rf DATA_DIR, or NULL when the test owns the dir */
  char *tail_argv[5]; /* tail -n 40 LOG */
  char *note;         /* "# server log kept: LOG\n" */
} LiveServer;

static LiveServer live[MAX_LIVE];
static pid_t test_pid;

static void
run_and_wait (char *const *argv)
{
  pid_t child = fork ();
  int status;

  if (child == 0)
    {
      dup2 (STDERR_FILENO, STDOUT_FILENO);
      execv (argv[0], argv);
      _exit (127);
    }
  if (child > 0)
    waitpid (child, &status, 0);
}

static void
on_fatal_signal (int sig)
{
  for (guint i = 0; i < MAX_LIVE; i++)
    {
      pid_t pid = live[i].pid;
      int status;

      if (pid <= 0)
        continue;
      live[i].pid = 0;
      kill (pid, SIGKILL);
      waitpid (pid, &status, 0);
      if (write (STDERR_FILENO, live[i].note, strlen (live[i].note)) < 0)
        continue;
      run_and_wait (live[i].tail_argv);
      if (live[i].rm_argv[0])
        run_and_wait (live[i].rm_argv);
    }
  signal (sig, SIG_DFL);
  raise (sig);
}

static void
install_fatal_handlers (void)
{
  static const int sigs[] = { SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTERM, SIGINT };
  static gsize done = 0;

  if (!g_once_init_enter (&done))
    return;
  test_pid = getpid ();
  for (guint i = 0; i < G_N_ELEMENTS (sigs); i++)
    {
      struct sigaction sa = { 0 };
      struct sigaction old = { 0 };

      sigaction (sigs[i], NULL, &old);
      if (old.sa_handler != SIG_DFL) /* a sanitizer's or the test's own */
        continue;
      sa.sa_handler = on_fatal_signal;
      sigemptyset (&sa.sa_mask);
      sigaction (sigs[i], &sa, NULL);
    }
  g_once_init_leave (&done, 1);
}

static LiveServer *
live_add (ExsTestServer *s, pid_t pid)
{
  for (guint i = 0; i < MAX_LIVE; i++)
    if (live[i].owner == 0 && live[i].note == NULL)
      {
        LiveServer *l = &live[i];

        if (s->own_data_dir)
          {
            l->rm_argv[0] = g_strdup ("/bin/rm");
            l->rm_argv[1] = g_strdup ("-rf");
            l->rm_argv[2] = g_strdup (s->data_dir);
          }
        l->tail_argv[0] = g_strdup ("/usr/bin/tail");
        l->tail_argv[1] = g_strdup ("-n");
        l->tail_argv[2] = g_strdup ("40");
        l->tail_argv[3] = g_strdup (s->log_path);
        l->note = g_strdup_printf ("# test aborted: server %d killed, its log kept: %s (last lines follow)\n",
                                   (int) pid, s->log_path);
        l->owner = pid;
        l->pid = pid;
        return l;
      }
  return NULL;
}

static void
live_remove (pid_t pid)
{
  for (guint i = 0; i < MAX_LIVE; i++)
    if (live[i].note != NULL && live[i].owner == pid)
      {
        live[i].pid = 0;
        live[i].owner = 0;
        for (guint j = 0; j < 3; j++)
          g_clear_pointer (&live[i].rm_argv[j], g_free);
        for (guint j = 0; j < 4; j++)
          g_clear_pointer (&live[i].tail_argv[j], g_free);
        g_clear_pointer (&live[i].note, g_free);
        return;
      }
}

/* In the child, between fork and exec: die with the test. */
static void
child_setup (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (getppid () != test_pid)
    _exit (1); /* the test died before prctl() took hold */
}

static GPtrArray *config_homes; /* private XDG_CONFIG_HOMEs, removed at exit */

static void
remove_config_homes (void)
{
  for (guint i = 0; config_homes && i < config_homes->len; i++)
    exs_test_remove_tree (config_homes->pdata[i]);
}

/* An empty XDG_CONFIG_HOME of the server's own: a server that writes its
 * configuration (PATCH /api/settings, the desktop app) must not change what
 * the next test's server reads. */
static const char *
new_config_home (void)
{
  g_autoptr (GError) error = NULL;
  char *dir = g_dir_make_tmp ("exstreamtv-test-config-XXXXXX", &error);

  g_assert_no_error (error);
  if (config_homes == NULL)
    {
      config_homes = g_ptr_array_new_with_free_func (g_free);
      atexit (remove_config_homes);
    }
  g_ptr_array_add (config_homes, dir);
  return dir;
}

static GSubprocessLauncher *
make_launcher (const char *const *extra_env, const char *log_path)
{
  GSubprocessLauncher *l = g_subprocess_launcher_new (log_path ? G_SUBPROCESS_FLAGS_STDERR_MERGE
                                                               : G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                                                     | G_SUBPROCESS_FLAGS_STDERR_MERGE);

  /* No user config or environment leaks into a test. */
  g_subprocess_launcher_unsetenv (l, "EXSTREAMTV_SERVER_PORT");
  g_subprocess_launcher_setenv (l, "XDG_CONFIG_HOME", new_config_home (), TRUE);
  /* Port 65001 and SSDP multicast are the host's; a test that wants them
   * turns them on (in its own network namespace). */
  g_subprocess_launcher_setenv (l, "EXSTREAMTV_HDHOMERUN_DISCOVERY_ENABLED", "false", TRUE);
  g_subprocess_launcher_setenv (l, "EXSTREAMTV_HDHOMERUN_SSDP_ENABLED", "false", TRUE);
  for (guint i = 0; extra_env && extra_env[i]; i++)
    {
      g_auto (GStrv) kv = g_strsplit (extra_env[i], "=", 2);
      g_subprocess_launcher_setenv (l, kv[0], kv[1] ? kv[1] : "", TRUE);
    }
  if (log_path)
    g_subprocess_launcher_set_stdout_file_path (l, log_path);
  install_fatal_handlers ();
  g_subprocess_launcher_set_child_setup (l, child_setup, NULL, NULL);
  return l;
}

static GPtrArray *
server_argv (const char *data_dir, const char *const *extra_args, const char *const *extra_env)
{
  GPtrArray *argv = g_ptr_array_new ();
  gboolean has_port = FALSE, has_bind = FALSE;

  /* A test that sets the port through the environment or a file says so. */
  for (guint i = 0; extra_env && extra_env[i]; i++)
    has_port |= g_str_has_prefix (extra_env[i], "EXSTREAMTV_SERVER_PORT=")
                || g_str_has_prefix (extra_env[i], "EXSTREAMTV_FORCE_NO_TEST_PORT=");

  for (guint i = 0; extra_args && extra_args[i]; i++)
    {
      has_port |= g_str_has_prefix (extra_args[i], "--port");
      has_bind |= g_str_has_prefix (extra_args[i], "--bind");
    }
  g_ptr_array_add (argv, (char *) exs_test_server_binary ());
  g_ptr_array_add (argv, (char *) "--data-dir");
  g_ptr_array_add (argv, (char *) data_dir);
  if (!has_port)
    g_ptr_array_add (argv, (char *) "--port=0");
  if (!has_bind)
    g_ptr_array_add (argv, (char *) "--bind=127.0.0.1");
  for (guint i = 0; extra_args && extra_args[i]; i++)
    g_ptr_array_add (argv, (char *) extra_args[i]);
  g_ptr_array_add (argv, NULL);
  return argv;
}

static guint
parse_port (const char *log)
{
  const char *p = strstr (log, " listening on http://");
  const char *colon;

  if (p == NULL)
    return 0;
  p += strlen (" listening on http://");
  colon = strchr (p, '/');
  if (colon == NULL)
    return 0;
  while (colon > p && colon[-1] != ':')
    colon--;
  return (guint) g_ascii_strtoull (colon, NULL, 10);
}

/* A --demo server in a data dir of the harness's own gets the clips that
 * tests/meson.build made once (EXS_TEST_DEMO_CLIPS, make-demo-clips.c), so it
 * does not encode them again; a test that passes its own data dir gets a
 * server that makes them itself. */
static void
copy_demo_clips (const char *data_dir, const char *const *extra_args)
{
  const char *clips = g_getenv ("EXS_TEST_DEMO_CLIPS");
  g_autofree char *demo = g_build_filename (data_dir, "demo", NULL);
  g_autoptr (GDir) dir = NULL;
  g_autoptr (GError) error = NULL;
  gboolean wanted = FALSE;
  const char *name;

  for (guint i = 0; extra_args && extra_args[i]; i++)
    wanted |= g_str_equal (extra_args[i], "--demo");
  if (!wanted || clips == NULL)
    return;
  dir = g_dir_open (clips, 0, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_mkdir_with_parents (demo, 0755), ==, 0);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *from = g_build_filename (clips, name, NULL);
      g_autofree char *to = g_build_filename (demo, name, NULL);
      g_autoptr (GFile) src = g_file_new_for_path (from);
      g_autoptr (GFile) dest = g_file_new_for_path (to);

      g_assert_true (g_file_copy (src, dest, G_FILE_COPY_NONE, NULL, NULL, NULL, &error));
      g_assert_no_error (error);
    }
}

/**
 * exs_test_server_try_start:
 * @exit_status: (out): the exit status if the server stopped instead of listening
 * @output: (out) (optional): what it printed
 *
 * Returns: (nullable): the server, or %NULL if it exited before listening
 */
ExsTestServer *
exs_test_server_try_start (const char *data_dir, const char *const *extra_args, const char *const *extra_env,
                           int *exit_status, char **output)
{
  ExsTestServer *s = g_new0 (ExsTestServer, 1);
  g_autoptr (GSubprocessLauncher) launcher = NULL;
  g_autoptr (GPtrArray) argv = NULL;
  g_autoptr (GError) error = NULL;
  gint64 deadline = g_get_monotonic_time () + START_TIMEOUT_US;

  s->own_data_dir = data_dir == NULL;
  s->data_dir = data_dir ? g_strdup (data_dir) : exs_test_make_temp_dir ();
  if (s->own_data_dir)
    copy_demo_clips (s->data_dir, extra_args);
  {
    g_autofree char *base = g_path_get_basename (s->data_dir);
    s->log_path = g_strdup_printf ("%s/%s-%d.log", g_get_tmp_dir (), base, g_random_int_range (0, 1 << 30));
  }
  launcher = make_launcher (extra_env, s->log_path);
  argv = server_argv (s->data_dir, extra_args, extra_env);
  s->process = g_subprocess_launcher_spawnv (launcher, (const char *const *) argv->pdata, &error);
  g_assert_no_error (error);
  s->pid = (int) g_ascii_strtoll (g_subprocess_get_identifier (s->process), NULL, 10);
  live_add (s, (pid_t) s->pid);

  while (g_get_monotonic_time () < deadline)
    {
      g_autofree char *log = NULL;

      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_file_get_contents (s->log_path, &log, NULL, NULL);
      if (log && (s->port = parse_port (log)) != 0)
        break;
      if (g_subprocess_get_identifier (s->process) == NULL)
        {
          *exit_status = g_subprocess_get_if_exited (s->process) ? g_subprocess_get_exit_status (s->process) : -1;
          if (output)
            *output = g_steal_pointer (&log);
          live_remove ((pid_t) s->pid);
          g_clear_object (&s->process); /* it has exited: nothing to stop or check */
          exs_test_server_free (s);
          return NULL;
        }
      g_usleep (20000);
    }
  g_assert_cmpuint (s->port, !=, 0);

  {
    g_autofree char *token_path = g_build_filename (s->data_dir, "api-token", NULL);
    g_file_get_contents (token_path, &s->token, NULL, &error);
    g_assert_no_error (error);
    g_strstrip (s->token);
  }
  s->base_url = g_strdup_printf ("http://127.0.0.1:%u", s->port);
  s->session = soup_session_new_with_options ("timeout", 60, NULL);
  return s;
}

/**
 * exs_test_server_count_connections:
 *
 * The clients' connections @s holds open: the rows of the kernel's TCP
 * tables whose local end is the server's port and that an open socket still
 * owns (inode not 0), the listener aside. Sockets the server opens and
 * closes for itself (encoder probes, its own HTTP clients) never have that
 * local port, so they cannot move this count, as they move a count of
 * descriptors.
 */
guint
exs_test_server_count_connections (ExsTestServer *s)
{
  const char *tables[] = { "/proc/net/tcp", "/proc/net/tcp6" };
  guint n = 0;

  for (guint t = 0; t < G_N_ELEMENTS (tables); t++)
    {
      g_autofree char *text = NULL;
      g_auto (GStrv) lines = NULL;

      if (!g_file_get_contents (tables[t], &text, NULL, NULL))
        continue;
      lines = g_strsplit (text, "\n", -1);
      for (guint i = 1; lines[i] != NULL; i++)
        {
          g_auto (GStrv) f = g_strsplit_set (g_strstrip (lines[i]), " ", -1);
          g_autoptr (GPtrArray) cols = g_ptr_array_new ();
          const char *colon;

          for (guint k = 0; f[k] != NULL; k++)
            if (f[k][0] != '\0')
              g_ptr_array_add (cols, f[k]);
          if (cols->len < 10)
            continue;
          colon = strrchr (cols->pdata[1], ':');
          if (colon == NULL || g_ascii_strtoull (colon + 1, NULL, 16) != s->port)
            continue;
          if (g_str_equal (cols->pdata[3], "0A") || g_str_equal (cols->pdata[9], "0"))
            continue; /* the listener, or a socket no descriptor holds */
          n++;
        }
    }
  return n;
}

/**
 * exs_test_server_wait_for_connections:
 *
 * Waits (20 s at most) until @s holds at most @most of the clients'
 * connections, and asserts that it does.
 */
void
exs_test_server_wait_for_connections (ExsTestServer *s, guint most)
{
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  guint n;

  while ((n = exs_test_server_count_connections (s)) > most && g_get_monotonic_time () < deadline)
    g_usleep (20000);
  g_assert_cmpuint (n, <=, most);
}

/**
 * exs_test_server_start:
 * @data_dir: (nullable): a data dir to use; %NULL makes (and later removes) one
 *
 * Starts the server and fails the test if it does not start listening.
 */
ExsTestServer *
exs_test_server_start (const char *data_dir, const char *const *extra_args, const char *const *extra_env)
{
  int status = 0;
  g_autofree char *output = NULL;
  ExsTestServer *s = exs_test_server_try_start (data_dir, extra_args, extra_env, &status, &output);

  if (s == NULL)
    g_error ("the server exited with %d before listening:\n%s", status, output ? output : "");
  return s;
}

char *
exs_test_server_read_log (ExsTestServer *s)
{
  char *log = NULL;

  g_file_get_contents (s->log_path, &log, NULL, NULL);
  return log;
}

static void
on_wait_cb (GObject *source, GAsyncResult *res, gpointer data)
{
  gboolean *done = data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), res, NULL);
  *done = TRUE;
}

/**
 * exs_test_server_stop:
 * @seconds: (out) (optional): how long the server took to exit after SIGTERM
 *
 * Returns: the exit status (-1 if it was killed after 20 s)
 */
int
exs_test_server_stop (ExsTestServer *s, double *seconds)
{
  gint64 start = g_get_monotonic_time ();
  gboolean done = FALSE;
  int status;

  if (s->process == NULL)
    return -1;
  g_subprocess_send_signal (s->process, SIGTERM);
  g_subprocess_wait_async (s->process, NULL, on_wait_cb, &done);
  while (!done && g_get_monotonic_time () - start < 20 * G_USEC_PER_SEC)
    g_main_context_iteration (NULL, FALSE) || (g_usleep (1000), TRUE);
  if (seconds)
    *seconds = (double) (g_get_monotonic_time () - start) / G_USEC_PER_SEC;
  if (!done)
    {
      g_subprocess_force_exit (s->process);
      while (!done)
        g_main_context_iteration (NULL, TRUE);
      status = -1;
    }
  else
    status = g_subprocess_get_if_exited (s->process) ? g_subprocess_get_exit_status (s->process) : -1;
  g_clear_object (&s->process);
  live_remove ((pid_t) s->pid);
  s->stopped = TRUE;
  s->exit_status = status;
  return status;
}

/**
 * exs_test_server_expect_exit:
 *
 * Says that @exit_status (not 0) is what this server's shutdown should end
 * with; exs_test_server_free() fails the test on any other.
 */
void
exs_test_server_expect_exit (ExsTestServer *s, int exit_status)
{
  s->expected_exit_status = exit_status;
}

/* the last lines of the server's log, to stderr, for a failed test */
static void
print_log_tail (ExsTestServer *s, const char *why)
{
  g_autofree char *log = exs_test_server_read_log (s);
  const char *tail = log ? log + strlen (log) : NULL;
  guint lines = 0;

  while (tail && tail > log && lines <= 40)
    if (*--tail == '\n')
      lines++;
  g_printerr ("# %s; server log kept: %s\n%s\n", why, s->log_path, tail ? tail : "(empty)");
}

/**
 * exs_test_wait_for:
 * @condition: called on each main-context turn until it returns %TRUE
 *
 * Runs the default main context until @condition holds or @timeout_seconds
 * pass: the way a test waits, instead of a fixed sleep.
 *
 * Returns: whether the condition held in time
 */
gboolean
exs_test_wait_for (gboolean (*condition) (gpointer user_data), gpointer user_data, double timeout_seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) (timeout_seconds * G_USEC_PER_SEC);

  while (!condition (user_data))
    {
      if (g_get_monotonic_time () >= deadline)
        return FALSE;
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (G_USEC_PER_SEC / 10);
    }
  return TRUE;
}

void
exs_test_server_free (ExsTestServer *s)
{
  gboolean in_test;

  if (s == NULL)
    return;
  if (s->process)
    exs_test_server_stop (s, NULL);
  g_clear_object (&s->session);
  if (s->own_data_dir)
    exs_test_remove_tree (s->data_dir);
  in_test = g_test_get_path () != NULL && g_test_get_path ()[0] != '\0';
  if (s->stopped && s->exit_status != s->expected_exit_status)
    {
      /* a crash, a hang or a sanitizer report while shutting down */
      g_autofree char *why = g_strdup_printf ("the server exited with %d at shutdown, not %d", s->exit_status,
                                              s->expected_exit_status);
      print_log_tail (s, why);
      if (in_test)
        g_test_fail_printf ("%s", why);
      else /* a server shared by the whole program, freed after g_test_run() */
        g_error ("%s", why);
    }
  else if (in_test && g_test_failed () && s->log_path)
    print_log_tail (s, "the test failed");
  /* EXS_TEST_KEEP_LOGS=1 keeps the server's output for a post-mortem */
  else if (s->log_path && g_getenv ("EXS_TEST_KEEP_LOGS") == NULL)
    g_unlink (s->log_path);
  else if (s->log_path)
    g_printerr ("# server log kept: %s\n", s->log_path);
  g_free (s->log_path);
  g_free (s->data_dir);
  g_free (s->token);
  g_free (s->base_url);
  g_free (s);
}

ExsTestReply *
exs_test_server_request (ExsTestServer *s, const char *method, const char *path, const char *json_body,
                         gboolean with_token)
{
  g_autofree char *url = g_strconcat (s->base_url, path, NULL);
  g_autoptr (SoupMessage) msg = soup_message_new (method, url);
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;
  ExsTestReply *r = g_new0 (ExsTestReply, 1);

  g_assert_nonnull (msg);
  if (with_token)
    {
      g_autofree char *auth = g_strconcat ("Bearer ", s->token, NULL);
      soup_message_headers_replace (soup_message_get_request_headers (msg), "Authorization", auth);
    }
  if (json_body)
    {
      g_autoptr (GBytes) b = g_bytes_new (json_body, strlen (json_body));
      soup_message_set_request_body_from_bytes (msg, "application/json", b);
    }
  bytes = soup_session_send_and_read (s->session, msg, NULL, &error);
  g_assert_no_error (error);
  r->status = soup_message_get_status (msg);
  r->headers = soup_message_headers_ref (soup_message_get_response_headers (msg));
  r->body = g_bytes_get_size (bytes) > 0 ? g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes))
                                          : g_strdup ("");
  if (r->body[0] != '\0')
    {
      g_autoptr (JsonParser) p = json_parser_new ();
      if (json_parser_load_from_data (p, r->body, -1, NULL) && json_parser_get_root (p))
        r->json = json_node_copy (json_parser_get_root (p));
    }
  return r;
}

/* Sends bytes as they are and returns everything until the server closes. */
char *
exs_test_server_raw (ExsTestServer *s, const char *raw)
{
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) conn = NULL;
  g_autoptr (GError) error = NULL;
  GString *out = g_string_new (NULL);
  char buf[4096];
  gssize n;

  g_socket_client_set_timeout (client, 10);
  conn = g_socket_client_connect_to_host (client, "127.0.0.1", (guint16) s->port, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (conn)), raw, strlen (raw), NULL, NULL,
                             &error);
  g_assert_no_error (error);
  while ((n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (conn)), buf, sizeof buf, NULL, NULL))
         > 0)
    {
      g_string_append_len (out, buf, n);
      /* Requests here are answered with a complete response; stop once it is in. */
      if (strstr (out->str, "\r\n\r\n") != NULL)
        {
          const char *cl = strstr (out->str, "Content-Length: ");
          const char *body = strstr (out->str, "\r\n\r\n") + 4;
          if (cl && (gsize) (out->str + out->len - body) >= g_ascii_strtoull (cl + 16, NULL, 10))
            break;
        }
    }
  return g_string_free (out, FALSE);
}

void
exs_test_reply_free (ExsTestReply *r)
{
  if (r == NULL)
    return;
  if (r->json)
    json_node_unref (r->json);
  if (r->headers)
    soup_message_headers_unref (r->headers);
  g_free (r->body);
  g_free (r);
}

JsonObject *
exs_test_reply_object (ExsTestReply *r)
{
  g_assert_nonnull (r->json);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (r->json));
  return json_node_get_object (r->json);
}

const char *
exs_test_reply_error_code (ExsTestReply *r)
{
  JsonObject *err;

  if (r->json == NULL || !JSON_NODE_HOLDS_OBJECT (r->json))
    return NULL;
  err = json_object_get_object_member (json_node_get_object (r->json), "error");
  return err ? json_object_get_string_member (err, "code") : NULL;
}

/**
 * exs_test_run_command:
 * @output: (out) (optional): stdout and stderr together
 *
 * Runs a command to completion (with a temporary XDG_CONFIG_HOME).
 * Returns: its exit status
 */
int
exs_test_run_command (const char *const *argv, const char *const *extra_env, char **output)
{
  g_autoptr (GSubprocessLauncher) l = make_launcher (extra_env, NULL);
  g_autoptr (GSubprocess) p = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *out = NULL;

  p = g_subprocess_launcher_spawnv (l, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (p, NULL, NULL, &out, NULL, &error);
  g_assert_no_error (error);
  if (output)
    *output = g_steal_pointer (&out);
  return g_subprocess_get_if_exited (p) ? g_subprocess_get_exit_status (p) : -1;
}
