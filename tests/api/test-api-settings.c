/* GET/PATCH /api/settings through the real server: the settings table as
 * the web UI sees it, validation naming the key, the file written back. */
#include "config.h"

#include "exs-api-test.h"

#include <string.h>

static ExsTestServer *server;
static char *config_path;

static ExsTestReply *
req (const char *method, const char *path, const char *body)
{
  return exs_test_server_request (server, method, path, body, TRUE);
}

static JsonObject *
find_setting (ExsTestReply *r, const char *key)
{
  JsonArray *arr = json_object_get_array_member (exs_test_reply_object (r), "settings");

  for (guint i = 0; i < json_array_get_length (arr); i++)
    {
      JsonObject *s = json_array_get_object_element (arr, i);
      if (g_str_equal (json_object_get_string_member (s, "key"), key))
        return s;
    }
  g_error ("no setting %s", key);
  return NULL;
}

static void
test_list (void)
{
  g_autoptr (ExsTestReply) r = req ("GET", "/api/settings", NULL);
  JsonObject *days, *mode, *host;
  JsonArray *allowed;

  exs_api_test_expect (r, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (exs_test_reply_object (r), "settings")), >=,
                    30);
  days = find_setting (r, "iptv.guide_days");
  g_assert_cmpint (json_object_get_int_member (days, "value"), ==, 3); /* from the file */
  g_assert_cmpint (json_object_get_int_member (days, "default"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (days, "min"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (days, "max"), ==, 14);
  g_assert_cmpstr (json_object_get_string_member (days, "type"), ==, "int");
  g_assert_cmpstr (json_object_get_string_member (days, "source"), ==, "file");
  g_assert_false (json_object_get_boolean_member (days, "restart_required"));
  g_assert_cmpuint (strlen (json_object_get_string_member (days, "description")), >, 10);

  mode = find_setting (r, "stream_throttler.mode");
  allowed = json_object_get_array_member (mode, "allowed");
  g_assert_cmpstr (json_array_get_string_element (allowed, 0), ==, "realtime");
  g_assert_true (json_object_get_boolean_member (mode, "restart_required"));

  host = find_setting (r, "server.host");
  g_assert_cmpstr (json_object_get_string_member (host, "source"), ==, "option"); /* the harness's --bind */
  g_assert_cmpstr (json_object_get_string_member (find_setting (r, "hdhomerun.discovery_enabled"), "source"), ==,
                   "environment");
}

static void
test_bad_values_name_the_key (void)
{
  const char *cases[][2] = {
    { "{\"iptv.guide_days\": 99}", "iptv.guide_days" },
    { "{\"iptv.guide_days\": \"many\"}", "iptv.guide_days" },
    { "{\"stream_throttler.mode\": \"fast\"}", "stream_throttler.mode" },
    { "{\"no_such.setting\": 1}", "no_such.setting" },
    { "{\"iptv\": 1}", "iptv" },
    { "{\"hdhomerun.enabled\": {\"a\": 1}}", "hdhomerun.enabled" },
    { "{\"server.host\": \"127.0.0.2\"}", "server.host" }, /* set by --bind */
    { "{\"hdhomerun.discovery_enabled\": true}", "hdhomerun.discovery_enabled" }, /* by the environment */
    /* all or nothing: the first is fine, the second is not */
    { "{\"iptv.guide_days\": 5, \"iptv.guide_cache_seconds\": -1}", "iptv.guide_cache_seconds" },
  };
  g_autoptr (ExsTestReply) after = NULL;
  g_autofree char *file = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (ExsTestReply) r = req ("PATCH", "/api/settings", cases[i][0]);
      exs_api_test_expect (r, 422);
      g_assert_cmpstr (exs_api_test_error_field (r), ==, cases[i][1]);
    }
  after = req ("GET", "/api/settings", NULL);
  g_assert_cmpint (json_object_get_int_member (find_setting (after, "iptv.guide_days"), "value"), ==, 3);
  g_assert_true (g_file_get_contents (config_path, &file, NULL, NULL));
  g_assert_nonnull (strstr (file, "guide_days = 3"));
}

static void
test_change_saved (void)
{
  g_autoptr (ExsTestReply) live = req ("PATCH", "/api/settings", "{\"iptv.guide_days\": 5}");
  g_autoptr (ExsTestReply) later = req ("PATCH", "/api/settings", "{\"channels.linger_seconds\": 60}");
  g_autoptr (ExsTestReply) r = req ("GET", "/api/settings", NULL);
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autofree char *file = NULL;
  JsonObject *days, *linger;

  exs_api_test_expect (live, 200);
  g_assert_false (json_object_get_boolean_member (exs_test_reply_object (live), "restart_required"));
  exs_api_test_expect (later, 200);
  g_assert_true (json_object_get_boolean_member (exs_test_reply_object (later), "restart_required"));
  days = find_setting (r, "iptv.guide_days");
  g_assert_cmpint (json_object_get_int_member (days, "value"), ==, 5);
  g_assert_cmpstr (json_object_get_string_member (days, "source"), ==, "api");
  linger = find_setting (r, "channels.linger_seconds");
  g_assert_cmpint (json_object_get_int_member (linger, "value"), ==, 30); /* until a restart */
  g_assert_cmpint (json_object_get_int_member (linger, "pending"), ==, 60);

  g_assert_true (g_file_get_contents (config_path, &file, NULL, NULL));
  g_assert_nonnull (strstr (file, "# kept by the test")); /* comments survive */
  g_assert_true (g_key_file_load_from_data (kf, file, -1, G_KEY_FILE_NONE, NULL));
  g_assert_cmpint (g_key_file_get_integer (kf, "iptv", "guide_days", NULL), ==, 5);
  g_assert_cmpint (g_key_file_get_integer (kf, "channels", "linger_seconds", NULL), ==, 60);
}

/* A server whose configuration file sits under a missing folder tree (as
 * the test harness's XDG_CONFIG_HOME) saves nothing and makes no folders. */
static void
test_no_tree_made (void)
{
  const char *env[] = { "XDG_CONFIG_HOME=/nonexistent-exstreamtv-test", NULL };
  g_autoptr (ExsTestServer) sandboxed = exs_test_server_start (NULL, NULL, env);
  g_autoptr (ExsTestReply) r =
      exs_test_server_request (sandboxed, "PATCH", "/api/settings", "{\"iptv.guide_days\": 4}", TRUE);

  exs_api_test_expect (r, 500);
  g_assert_false (g_file_test ("/nonexistent-exstreamtv-test", G_FILE_TEST_EXISTS));
  exs_test_server_stop (sandboxed, NULL);
}

/* A restart reads what the page saved. */
static void
test_restart_reads_it (void)
{
  g_autoptr (ExsTestReply) r = NULL;
  const char *args[] = { "--config", config_path, NULL };
  g_autofree char *data_dir = g_strdup (server->data_dir);

  g_assert_cmpint (exs_test_server_stop (server, NULL), ==, 0);
  g_clear_pointer (&server, exs_test_server_free);
  server = exs_test_server_start (data_dir, args, NULL);
  r = req ("GET", "/api/settings", NULL);
  exs_api_test_expect (r, 200);
  g_assert_cmpint (json_object_get_int_member (find_setting (r, "channels.linger_seconds"), "value"), ==, 60);
  g_assert_false (json_object_has_member (find_setting (r, "channels.linger_seconds"), "pending"));
}

int
main (int argc, char **argv)
{
  g_autofree char *dir = NULL;
  const char *args[] = { "--config", NULL, NULL };
  int ret;

  g_test_init (&argc, &argv, NULL);
  dir = exs_test_make_temp_dir ();
  config_path = g_build_filename (dir, "exstreamtv.conf", NULL);
  g_assert_true (g_file_set_contents (config_path, "# kept by the test\n[iptv]\nguide_days = 3\n", -1, NULL));
  args[1] = config_path;
  server = exs_test_server_start (NULL, args, NULL);
  g_test_add_func ("/settings/list", test_list);
  g_test_add_func ("/settings/bad-values-name-the-key", test_bad_values_name_the_key);
  g_test_add_func ("/settings/change-saved", test_change_saved);
  g_test_add_func ("/settings/restart-reads-it", test_restart_reads_it);
  g_test_add_func ("/settings/no-tree-made", test_no_tree_made);
  ret = g_test_run ();
  exs_test_server_stop (server, NULL);
  exs_test_server_free (server);
  exs_test_remove_tree (dir);
  g_free (config_path);
  return ret;
}
