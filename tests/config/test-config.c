/* ExsConfig: defaults, precedence, validation messages, the 2.6 aliases, and
 * that data/exstreamtv.conf is exactly the generated default. */
#include "config.h"

#include "exs-config.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

static char *
write_temp (const char *contents)
{
  g_autoptr (GError) error = NULL;
  char *path = NULL;
  int fd = g_file_open_tmp ("exs-config-XXXXXX.conf", &path, &error);

  g_assert_no_error (error);
  close (fd);
  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return path;
}

static void
test_defaults (void)
{
  g_autoptr (ExsConfig) c = exs_config_new ();

  g_assert_cmpint (exs_config_get_int (c, "server", "port"), ==, 8411);
  g_assert_cmpstr (exs_config_get_string (c, "server", "host"), ==, "0.0.0.0");
  g_assert_cmpint (exs_config_get_int (c, "session_manager", "max_sessions_per_channel"), ==, 50);
  g_assert_cmpint (exs_config_get_int (c, "session_manager", "idle_timeout_seconds"), ==, 300);
  g_assert_cmpint (exs_config_get_int (c, "session_manager", "cleanup_interval_seconds"), ==, 60);
  g_assert_true (exs_config_get_boolean (c, "stream_throttler", "enabled"));
  g_assert_cmpint (exs_config_get_int (c, "stream_throttler", "target_bitrate_bps"), ==, 4000000);
  g_assert_cmpstr (exs_config_get_string (c, "stream_throttler", "mode"), ==, "realtime");
  g_assert_cmpint (exs_config_get_int (c, "hdhomerun", "tuner_count"), ==, 4);
  g_assert_cmpint (exs_config_get_int (c, "database_backup", "interval_hours"), ==, 24);
  g_assert_cmpint (exs_config_get_int (c, "database_backup", "keep_count"), ==, 7);
  g_assert_cmpint (exs_config_get_int (c, "pipeline_pool", "max_pipelines"), ==, 150);
  g_assert_cmpfloat (exs_config_get_double (c, "pipeline_pool", "spawns_per_second"), ==, 5);
  g_assert_cmpfloat (exs_config_get_double (c, "pipeline_pool", "memory_guard_threshold"), ==, 0.85);
  g_assert_cmpint (exs_config_get_int (c, "pipeline_pool", "fd_guard_reserve"), ==, 100);
  g_assert_cmpint (exs_config_get_int (c, "circuit_breaker", "failure_threshold"), ==, 5);
  g_assert_cmpint (exs_config_get_int (c, "circuit_breaker", "window_seconds"), ==, 300);
  g_assert_cmpint (exs_config_get_int (c, "restart_guard", "max_restarts"), ==, 10);
  g_assert_cmpint (exs_config_get_int (c, "restart_guard", "window_seconds"), ==, 60);
  g_assert_cmpint (exs_config_get_int (c, "restart_guard", "cooldown_seconds"), ==, 30);
  g_assert_cmpstr (exs_config_get_origin (c, "server", "port"), ==, "the built-in default");
}

static void
test_precedence (void)
{
  g_autofree char *path = write_temp ("[server]\nport = 9000\nhost = 127.0.0.1\n"
                                      "[session_manager]\nidle_timeout_seconds = 120\n");
  g_autoptr (ExsConfig) c = exs_config_new ();
  g_autoptr (GError) error = NULL;
  const char *env[] = { "EXSTREAMTV_SERVER_PORT=9100", "EXSTREAMTV_SESSION_MANAGER_MAX_SESSIONS_PER_CHANNEL=7",
                        "UNRELATED=1", NULL };

  g_assert_true (exs_config_load_file (c, path, TRUE, &error));
  g_assert_cmpint (exs_config_get_int (c, "server", "port"), ==, 9000);
  g_assert_cmpstr (exs_config_get_origin (c, "server", "port"), ==, path);

  /* environment beats the file */
  g_assert_true (exs_config_load_environment (c, env, &error));
  g_assert_no_error (error);
  g_assert_cmpint (exs_config_get_int (c, "server", "port"), ==, 9100);
  g_assert_cmpint (exs_config_get_int (c, "session_manager", "max_sessions_per_channel"), ==, 7);
  /* the file still beats the defaults where the environment is silent */
  g_assert_cmpint (exs_config_get_int (c, "session_manager", "idle_timeout_seconds"), ==, 120);
  g_assert_cmpstr (exs_config_get_string (c, "server", "host"), ==, "127.0.0.1");

  /* the command line beats the environment */
  g_assert_true (exs_config_set (c, "server", "port", "9200", "option --port", &error));
  g_assert_cmpint (exs_config_get_int (c, "server", "port"), ==, 9200);
  g_assert_cmpstr (exs_config_get_origin (c, "server", "port"), ==, "option --port");
  g_unlink (path);
}

static void
test_bad_values (void)
{
  const struct { const char *file, *needle; } cases[] = {
    { "[server]\nport = abc\n", "allowed is a whole number from 0 to 65535" },
    { "[server]\nport = 70000\n", "port in section [server]" },
    { "[server]\nhost = not-an-ip\n", "an IP address" },
    { "[stream_throttler]\nmode = turbo\n", "one of realtime, burst, adaptive, disabled" },
    { "[stream_throttler]\nenabled = maybe\n", "true or false" },
    { "[hdhomerun]\ndevice_id = XYZ\n", "8 hexadecimal digits" },
    { "[pipeline_pool]\nmemory_guard_threshold = 1.5\n", "a number from 0.1 to 1" },
    { "[server]\ntime_zone = Mars/Olympus\n", "IANA time zone" },
    { "[server\nport=1\n", "cannot read configuration file" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = write_temp (cases[i].file);
      g_autoptr (ExsConfig) c = exs_config_new ();
      g_autoptr (GError) error = NULL;

      g_assert_false (exs_config_load_file (c, path, TRUE, &error));
      g_assert_nonnull (error);
      if (strstr (error->message, cases[i].needle) == NULL || strstr (error->message, path) == NULL)
        g_error ("message for %s lacks “%s” or the path: %s", cases[i].file, cases[i].needle, error->message);
      g_unlink (path);
    }
}

static void
test_bad_environment (void)
{
  g_autoptr (ExsConfig) c = exs_config_new ();
  g_autoptr (GError) error = NULL;
  const char *env[] = { "EXSTREAMTV_SERVER_PORT=eighty", NULL };

  g_assert_false (exs_config_load_environment (c, env, &error));
  g_assert_error (error, EXS_CONFIG_ERROR, EXS_CONFIG_ERROR_INVALID_VALUE);
  g_assert_nonnull (strstr (error->message, "environment variable EXSTREAMTV_SERVER_PORT"));
}

/* The variables 2.6 users already set (issue 15, item 11) are honoured,
 * named in errors, and lose to the new names. */
static void
test_legacy_environment (void)
{
  g_autoptr (ExsConfig) c = exs_config_new ();
  g_autoptr (ExsConfig) both = exs_config_new ();
  g_autoptr (ExsConfig) bad = exs_config_new ();
  g_autoptr (GError) error = NULL;
  const char *env[] = { "EXSTREAMTV_MAX_SESSIONS=12", "EXSTREAMTV_THROTTLE_BITRATE=2500000",
                        "EXSTREAMTV_THROTTLE_MODE=burst", NULL };
  const char *env_both[] = { "EXSTREAMTV_MAX_SESSIONS=12", "EXSTREAMTV_SESSION_MANAGER_MAX_SESSIONS_PER_CHANNEL=30",
                             NULL };
  const char *env_bad[] = { "EXSTREAMTV_THROTTLE_MODE=warp", NULL };

  g_assert_true (exs_config_load_environment (c, env, &error));
  g_assert_no_error (error);
  g_assert_cmpint (exs_config_get_int (c, "session_manager", "max_sessions_per_channel"), ==, 12);
  g_assert_cmpint (exs_config_get_int (c, "stream_throttler", "target_bitrate_bps"), ==, 2500000);
  g_assert_cmpstr (exs_config_get_string (c, "stream_throttler", "mode"), ==, "burst");
  g_assert_cmpstr (exs_config_get_origin (c, "stream_throttler", "mode"), ==,
                   "environment variable EXSTREAMTV_THROTTLE_MODE");
  g_assert_true (exs_config_load_environment (both, env_both, &error));
  g_assert_cmpint (exs_config_get_int (both, "session_manager", "max_sessions_per_channel"), ==, 30);
  g_assert_false (exs_config_load_environment (bad, env_bad, &error));
  g_assert_nonnull (strstr (error->message, "EXSTREAMTV_THROTTLE_MODE"));
}

static void
test_missing_and_unknown (void)
{
  g_autoptr (ExsConfig) c = exs_config_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *path = write_temp ("[server]\nprot = 1\n[nonsense]\nx = 1\n");

  /* an absent default file is fine; an absent explicit one is not */
  g_assert_true (exs_config_load_file (c, "/nonexistent/exstreamtv.conf", FALSE, &error));
  g_assert_false (exs_config_load_file (c, "/nonexistent/exstreamtv.conf", TRUE, &error));
  g_assert_nonnull (strstr (error->message, "/nonexistent/exstreamtv.conf"));
  g_clear_error (&error);

  /* unknown keys are reported, not fatal */
  g_assert_true (exs_config_load_file (c, path, TRUE, &error));
  g_assert_cmpuint (exs_config_get_warnings (c)->len, ==, 2);
  g_assert_nonnull (strstr (exs_config_get_warnings (c)->pdata[0], "prot"));
  g_unlink (path);
}

static void
test_seed_aliases (void)
{
  g_autofree char *path = write_temp ("[ffmpeg]\nmax_processes = 40\nspawns_per_second = 2\n");
  g_autoptr (ExsConfig) c = exs_config_new ();
  g_autoptr (GError) error = NULL;
  const char *env[] = { "EXSTREAMTV_FFMPEG_FD_GUARD_RESERVE=50", NULL };

  g_assert_true (exs_config_load_file (c, path, TRUE, &error));
  g_assert_true (exs_config_load_environment (c, env, &error));
  g_assert_cmpint (exs_config_get_int (c, "pipeline_pool", "max_pipelines"), ==, 40);
  g_assert_cmpfloat (exs_config_get_double (c, "pipeline_pool", "spawns_per_second"), ==, 2);
  g_assert_cmpint (exs_config_get_int (c, "pipeline_pool", "fd_guard_reserve"), ==, 50);
  g_unlink (path);
}

static void
test_shipped_file_is_default (void)
{
  g_autofree char *shipped_path =
      g_build_filename (g_getenv ("EXSTREAMTV_SOURCE_DIR"), "data", "exstreamtv.conf", NULL);
  g_autofree char *shipped = NULL;
  g_autofree char *generated = exs_settings_default_config ();
  g_autoptr (ExsConfig) c = exs_config_new ();
  g_autoptr (GError) error = NULL;

  g_file_get_contents (shipped_path, &shipped, NULL, &error);
  g_assert_no_error (error);
  if (!g_str_equal (shipped, generated))
    g_error ("data/exstreamtv.conf is out of date: regenerate it with "
             "`exstreamtv --print-default-config > data/exstreamtv.conf`");
  /* and it loads without warnings (everything is commented out) */
  g_assert_true (exs_config_load_file (c, shipped_path, TRUE, &error));
  g_assert_cmpuint (exs_config_get_warnings (c)->len, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/config/defaults-follow-the-seeds", test_defaults);
  g_test_add_func ("/config/precedence-cli-env-file-defaults", test_precedence);
  g_test_add_func ("/config/bad-values-name-key-file-and-rule", test_bad_values);
  g_test_add_func ("/config/bad-environment-value", test_bad_environment);
  g_test_add_func ("/config/environment-2.6-names", test_legacy_environment);
  g_test_add_func ("/config/missing-file-and-unknown-keys", test_missing_and_unknown);
  g_test_add_func ("/config/seed-ffmpeg-section-aliases", test_seed_aliases);
  g_test_add_func ("/config/shipped-file-is-the-default", test_shipped_file_is_default);
  return g_test_run ();
}
