/* test-preferences.c: exstreamtv-preferences driven as a user would, under Xvfb.
 *
 * meson runs this binary inside xvfb-run and dbus-run-session. Each case starts
 * the real server (tests/common harness) or none, starts the real app pointed
 * at it, and reads and drives the window through the accessibility tree
 * (AT-SPI, the same interface screen readers use): it clicks the Channels tab
 * and buttons with their Action interface, types with EditableText, and checks
 * what the server's API says afterwards. Screenshots (`import -window root`)
 * are left in the build dir for a person to look at.
 */
#include "config.h"

#include "exs-fake-media-server.h"
#include "exs-test-server.h"

#include <atspi/atspi.h>
#include <glib/gstdio.h>
#include <string.h>

/* at-spi2-core 2.46 declares none */
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtspiAccessible, g_object_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (AtspiComponent, g_object_unref)

#define APP_DEADLINE_S 90
/* the app's health request gives up after 1.5 s (exs-prefs-window.c); a
 * busy machine adds to it (2.05 s seen beside two encodes), a regression to
 * libsoup's own timeouts (a minute) would not fit */
#define STOPPED_BUDGET_S 5.0
#define MEDIA_SERVER_TOKEN "jellyfin-API-key-0123456789abcdef"

typedef struct
{
  GSubprocess *process;
  AtspiAccessible *app;
  gint64 started_us;
  char *log_path;
} App;

static const char *
app_binary (void)
{
  const char *bin = g_getenv ("EXSTREAMTV_PREFERENCES_BIN");
  g_assert_nonnull (bin);
  return bin;
}

static void
screenshot (const char *name)
{
  g_autofree char *dir = g_strdup (g_getenv ("EXS_SCREENSHOT_DIR") ? g_getenv ("EXS_SCREENSHOT_DIR") : g_get_tmp_dir ());
  g_autofree char *file = g_strdup_printf ("%s/preferences-%s.png", dir, name);
  const char *argv[] = { "import", "-window", "root", file, NULL };
  g_autoptr (GError) error = NULL;
  int status = 0;

  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_test_message ("screenshot: %s", file);
}

/* Names in GTK 4.8 can carry the mnemonic label too ("_Add Channel Add Channel"). */
/* The library form's source buttons are GtkToggleButtons in a group; GTK
 * 4.8 gives them the push button role on AT-SPI. */
#define SOURCE_BUTTON "push button"

static gboolean
matches (AtspiAccessible *o, const char *role, const char *name)
{
  g_autofree char *r = atspi_accessible_get_role_name (o, NULL);
  g_autofree char *n = NULL;

  /* the name only when the role fits: each is a D-Bus call, and forms are big */
  if (r == NULL || (role && !g_str_equal (r, role)))
    return FALSE;
  n = atspi_accessible_get_name (o, NULL);
  return n && strstr (n, name) != NULL;
}

/* GTK 4.8 sets no SHOWING state; a widget that is not on screen (a hidden
 * stack page, a closed dialog) has an empty extent. */
static gboolean
is_showing (AtspiAccessible *o)
{
  g_autoptr (AtspiComponent) component = atspi_accessible_get_component_iface (o);
  AtspiRect *rect = component ? atspi_component_get_extents (component, ATSPI_COORD_TYPE_WINDOW, NULL) : NULL;
  gboolean showing = rect && rect->width > 0 && rect->height > 0;

  g_free (rect);
  return showing;
}

static AtspiAccessible *
find (AtspiAccessible *root, const char *role, const char *name, gboolean showing, int depth)
{
  int n;

  if (matches (root, role, name) && (!showing || is_showing (root)))
    return g_object_ref (root);
  if (depth > 60)
    return NULL;
  n = atspi_accessible_get_child_count (root, NULL);
  for (int j = 0; j < n; j++)
    {
      /* the app's newest window (an open form) first */
      int i = depth == 0 ? n - 1 - j : j;
      g_autoptr (AtspiAccessible) child = atspi_accessible_get_child_at_index (root, i, NULL);
      AtspiAccessible *found = child ? find (child, role, name, showing, depth + 1) : NULL;
      if (found)
        return found;
    }
  return NULL;
}

/* For a failed wait: the roles and names of what the app shows (newest
 * window first), in the log. */
static void
dump_tree (AtspiAccessible *o, int depth, guint *budget)
{
  g_autofree char *r = atspi_accessible_get_role_name (o, NULL);
  g_autofree char *n = atspi_accessible_get_name (o, NULL);
  int count;

  if (*budget == 0 || (depth > 0 && !is_showing (o)))
    return;
  (*budget)--;
  g_test_message ("%*s%s “%s”", depth * 2, "", r ? r : "?", n ? n : "");
  count = atspi_accessible_get_child_count (o, NULL);
  for (int j = 0; j < count && depth < 60; j++)
    {
      int i = depth == 0 ? count - 1 - j : j;
      g_autoptr (AtspiAccessible) child = atspi_accessible_get_child_at_index (o, i, NULL);
      if (child)
        dump_tree (child, depth + 1, budget);
    }
}

/* For a failed wait: whether the app is still running (else how it
 * ended) and the end of its log, so that a lost window can be told from a
 * crashed app. */
static void
report_app (App *app)
{
  g_autofree char *log = NULL;
  gsize len = 0;

  if (g_subprocess_get_identifier (app->process) != NULL)
    g_test_message ("the app (pid %s) is still running", g_subprocess_get_identifier (app->process));
  else if (g_subprocess_get_if_signaled (app->process))
    g_test_message ("the app was killed by signal %d", g_subprocess_get_term_sig (app->process));
  else
    g_test_message ("the app exited with status %d", g_subprocess_get_exit_status (app->process));
  if (g_file_get_contents (app->log_path, &log, &len, NULL))
    g_test_message ("the app's log, its end:\n%s", log + (len > 4000 ? len - 4000 : 0));
}

/* Waits until the app's tree has a (showing, if asked) role+name. */
static AtspiAccessible *
wait_for (App *app, const char *role, const char *name, gboolean showing)
{
  gint64 deadline = g_get_monotonic_time () + APP_DEADLINE_S * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      AtspiAccessible *found;
      atspi_accessible_clear_cache (app->app);
      found = find (app->app, role, name, showing, 0);
      if (found)
        return found;
      g_usleep (50 * 1000);
    }
  screenshot ("failed");
  report_app (app);
  {
    guint budget = 400;
    atspi_accessible_clear_cache (app->app);
    dump_tree (app->app, 0, &budget);
  }
  g_error ("the window never showed a %s named “%s”", role ? role : "widget", name);
  return NULL;
}

/* One walk of the tree for several showing @role accessibles named
 * @names[i] (substrings): fills the empty slots of @found. Each call is a
 * D-Bus round trip, so a form's rows are looked up together. */
static void
find_many (AtspiAccessible *root, const char *role, const char *const *names, AtspiAccessible **found, int depth)
{
  g_autofree char *r = atspi_accessible_get_role_name (root, NULL);
  int n;

  if (r && g_str_equal (r, role))
    {
      g_autofree char *name = atspi_accessible_get_name (root, NULL);
      for (guint i = 0; name && names[i]; i++)
        if (found[i] == NULL && strstr (name, names[i]) && is_showing (root))
          found[i] = g_object_ref (root);
      return;
    }
  if (depth > 60)
    return;
  n = atspi_accessible_get_child_count (root, NULL);
  for (int j = 0; j < n; j++)
    {
      int i = depth == 0 ? n - 1 - j : j;
      g_autoptr (AtspiAccessible) child = atspi_accessible_get_child_at_index (root, i, NULL);
      if (child)
        find_many (child, role, names, found, depth + 1);
    }
}

static void
expect (App *app, const char *role, const char *name)
{
  g_autoptr (AtspiAccessible) found = wait_for (app, role, name, TRUE);
}

static void
click (AtspiAccessible *o)
{
  g_autoptr (GError) error = NULL;

  atspi_action_do_action (ATSPI_ACTION (o), 0, &error);
  g_assert_no_error (error);
}

static void
click_when_shown (App *app, const char *role, const char *name)
{
  g_autoptr (AtspiAccessible) found = wait_for (app, role, name, TRUE);

  click (found);
}

static void
type_into (AtspiAccessible *o, const char *text)
{
  g_autoptr (GError) error = NULL;

  g_assert_true (atspi_editable_text_set_text_contents (ATSPI_EDITABLE_TEXT (o), text, &error));
  g_assert_no_error (error);
}

/* Types @texts[i] into the entry row titled @titles[i], all found in one walk. */
static void
fill_rows (App *app, const char *const *titles, const char *const *texts)
{
  guint n = g_strv_length ((char **) titles);
  g_autofree AtspiAccessible **found = g_new0 (AtspiAccessible *, n);
  gint64 deadline = g_get_monotonic_time () + APP_DEADLINE_S * G_USEC_PER_SEC;
  guint missing = n;

  while (missing > 0 && g_get_monotonic_time () < deadline)
    {
      atspi_accessible_clear_cache (app->app);
      find_many (app->app, "text", titles, found, 0);
      missing = 0;
      for (guint i = 0; i < n; i++)
        missing += found[i] == NULL;
    }
  for (guint i = 0; i < n; i++)
    {
      if (found[i] == NULL)
        {
          screenshot ("failed");
          report_app (app);
          g_error ("the window never showed a text named “%s”", titles[i]);
        }
      type_into (found[i], texts[i]);
      g_object_unref (found[i]);
    }
}

static App *
app_start (const char *data_dir, const char *url, const char *const *extra_env)
{
  App *app = g_new0 (App, 1);
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr (AtspiAccessible) desktop = atspi_get_desktop (0); /* starts the registry first */
  g_autoptr (GError) error = NULL;
  gint64 deadline;

  /* as the harness does for its servers: no user config, and a server the
   * app starts keeps off port 65001 and SSDP multicast */
  {
    g_autofree char *config_home = g_build_filename (data_dir, "xdg-config", NULL);
    g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", config_home, TRUE);
  }
  g_subprocess_launcher_unsetenv (launcher, "EXSTREAMTV_SERVER_PORT");
  g_subprocess_launcher_setenv (launcher, "EXSTREAMTV_HDHOMERUN_DISCOVERY_ENABLED", "false", TRUE);
  g_subprocess_launcher_setenv (launcher, "EXSTREAMTV_HDHOMERUN_SSDP_ENABLED", "false", TRUE);
  g_subprocess_launcher_setenv (launcher, "GSETTINGS_BACKEND", "memory", TRUE);
  g_subprocess_launcher_setenv (launcher, "GDK_BACKEND", "x11", TRUE);
  g_subprocess_launcher_setenv (launcher, "GTK_A11Y", "atspi", TRUE);
  g_subprocess_launcher_setenv (launcher, "G_DEBUG", "fatal-criticals", TRUE);
  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG", "exs-preferences", TRUE);
  app->log_path = g_build_filename (data_dir, "preferences.log", NULL);
  /* GLib writes debug messages to stdout, which is this test's TAP */
  g_subprocess_launcher_set_stdout_file_path (launcher, app->log_path);
  for (guint i = 0; extra_env && extra_env[i]; i += 2)
    g_subprocess_launcher_setenv (launcher, extra_env[i], extra_env[i + 1], TRUE);
  app->started_us = g_get_monotonic_time ();
  app->process = g_subprocess_launcher_spawn (launcher, &error, app_binary (), "--data-dir", data_dir, "--url", url,
                                              NULL);
  g_assert_no_error (error);

  deadline = g_get_monotonic_time () + APP_DEADLINE_S * G_USEC_PER_SEC;
  while (app->app == NULL && g_get_monotonic_time () < deadline)
    {
      int n;
      atspi_accessible_clear_cache (desktop);
      n = atspi_accessible_get_child_count (desktop, NULL);
      for (int i = 0; i < n && app->app == NULL; i++)
        {
          g_autoptr (AtspiAccessible) a = atspi_accessible_get_child_at_index (desktop, i, NULL);
          g_autofree char *pid = g_strdup_printf ("%u", a ? atspi_accessible_get_process_id (a, NULL) : 0);
          if (a && g_strcmp0 (pid, g_subprocess_get_identifier (app->process)) == 0)
            app->app = g_object_ref (a);
        }
      if (app->app == NULL)
        {
          g_assert_nonnull (g_subprocess_get_identifier (app->process)); /* it must not have died */
          g_usleep (50 * 1000);
        }
    }
  g_assert_nonnull (app->app);
  return app;
}

static void
app_stop (App *app)
{
  g_subprocess_send_signal (app->process, SIGTERM);
  g_subprocess_wait (app->process, NULL, NULL);
  g_clear_object (&app->app);
  g_clear_object (&app->process);
  g_free (app->log_path);
  g_free (app);
}

static void
show_tab (App *app, const char *tab)
{
  g_autoptr (AtspiAccessible) t = wait_for (app, "page tab", tab, FALSE);
  click (t);
}

/* What the API says of one channel or library: "NAME enabled|disabled", "NAME", or "gone". */
static char *
api_state (ExsTestServer *server, const char *path)
{
  g_autoptr (ExsTestReply) reply = exs_test_server_request (server, "GET", path, NULL, TRUE);
  JsonObject *o;

  if (reply->status == 404)
    return g_strdup ("gone");
  g_assert_cmpuint (reply->status, ==, 200);
  o = exs_test_reply_object (reply);
  if (!json_object_has_member (o, "enabled"))
    return g_strdup (json_object_get_string_member (o, "name"));
  return g_strdup_printf ("%s %s", json_object_get_string_member (o, "name"),
                          json_object_get_boolean_member (o, "enabled") ? "enabled" : "disabled");
}

/* Waits until what the app did reaches the server. */
static void
wait_api (ExsTestServer *server, const char *path, const char *expected)
{
  gint64 deadline = g_get_monotonic_time () + APP_DEADLINE_S * G_USEC_PER_SEC;
  g_autofree char *state = api_state (server, path);

  while (!g_str_equal (state, expected) && g_get_monotonic_time () < deadline)
    {
      g_usleep (50 * 1000);
      g_free (state);
      state = api_state (server, path);
    }
  g_assert_cmpstr (state, ==, expected);
}

/* The JSON of @member ("watermark.image", "paths.0.path") in what GET @path
 * answers: "gone" for a 404, "absent" when it has no such member. */
static char *
api_member (ExsTestServer *server, const char *path, const char *member)
{
  g_autoptr (ExsTestReply) reply = exs_test_server_request (server, "GET", path, NULL, TRUE);
  g_auto (GStrv) parts = g_strsplit (member, ".", -1);
  g_autoptr (JsonNode) root = NULL;
  JsonNode *node;

  if (reply->status == 404)
    return g_strdup ("gone");
  g_assert_cmpuint (reply->status, ==, 200);
  root = json_from_string (reply->body, NULL);
  node = root;
  for (guint i = 0; node && parts[i]; i++)
    {
      if (JSON_NODE_HOLDS_OBJECT (node))
        node = json_object_get_member (json_node_get_object (node), parts[i]);
      else if (JSON_NODE_HOLDS_ARRAY (node) && g_ascii_isdigit (parts[i][0])
               && g_ascii_strtoull (parts[i], NULL, 10) < json_array_get_length (json_node_get_array (node)))
        node = json_array_get_element (json_node_get_array (node), g_ascii_strtoull (parts[i], NULL, 10));
      else
        node = NULL;
    }
  return node ? json_to_string (node, FALSE) : g_strdup ("absent");
}

/* Waits until @member of GET @path is @expected (its JSON). */
static void
wait_member (ExsTestServer *server, const char *path, const char *member, const char *expected)
{
  gint64 deadline = g_get_monotonic_time () + APP_DEADLINE_S * G_USEC_PER_SEC;
  g_autofree char *value = api_member (server, path, member);

  while (!g_str_equal (value, expected) && g_get_monotonic_time () < deadline)
    {
      g_usleep (50 * 1000);
      g_free (value);
      value = api_member (server, path, member);
    }
  g_assert_cmpstr (value, ==, expected);
}

/* The id of the library named @name, once the API lists it. */
static gint64
wait_library (ExsTestServer *server, const char *name)
{
  gint64 deadline = g_get_monotonic_time () + APP_DEADLINE_S * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < deadline)
    {
      g_autoptr (ExsTestReply) list = exs_test_server_request (server, "GET", "/api/libraries", NULL, TRUE);
      JsonArray *arr = json_object_get_array_member (exs_test_reply_object (list), "libraries");

      for (guint i = 0; i < json_array_get_length (arr); i++)
        {
          JsonObject *lib = json_array_get_object_element (arr, i);
          if (g_str_equal (json_object_get_string_member (lib, "name"), name))
            return json_object_get_int_member (lib, "id");
        }
      g_usleep (50 * 1000);
    }
  g_error ("the server never listed a library named “%s”", name);
}

/* Types @text into the entry row titled @title (a substring). */
static void
type_into_row (App *app, const char *title, const char *text)
{
  g_autoptr (AtspiAccessible) entry = wait_for (app, "text", title, TRUE);

  type_into (entry, text);
}

/* The error row under a field: shows @message (a substring) right after the
 * row whose entry is titled @title. */
static void
expect_field_error (App *app, const char *title, const char *message)
{
  g_autoptr (AtspiAccessible) error_row = wait_for (app, "list item", message, TRUE);
  g_autoptr (AtspiAccessible) entry = wait_for (app, "text", title, TRUE);
  g_autoptr (AtspiAccessible) parent = atspi_accessible_get_parent (error_row, NULL);
  int index = atspi_accessible_get_index_in_parent (error_row, NULL);
  g_autoptr (AtspiAccessible) before = index > 0 ? atspi_accessible_get_child_at_index (parent, index - 1, NULL) : NULL;
  g_autoptr (AtspiAccessible) inside = before ? find (before, "text", title, FALSE, 0) : NULL;

  g_assert_nonnull (inside);
}

/* The window lists the server's channels; a channel added in the app reaches the API. */
static void
test_channels_shown_and_added (void)
{
  g_autoptr (ExsTestServer) server = exs_test_server_start (NULL, NULL, NULL);
  g_autoptr (ExsTestReply) r1 = exs_test_server_request (server, "POST", "/api/channels",
                                                         "{\"number\":\"100\",\"name\":\"Demo Mix\",\"group\":\"Demo\"}", TRUE);
  g_autoptr (ExsTestReply) r2 = exs_test_server_request (server, "POST", "/api/channels",
                                                         "{\"number\":\"1984.1\",\"name\":\"Retro TV\",\"enabled\":false}", TRUE);
  App *app;

  g_assert_cmpuint (r1->status, ==, 201);
  g_assert_cmpuint (r2->status, ==, 201);
  app = app_start (server->data_dir, server->base_url, NULL);
  expect (app, "label", "Running");
  {
    /* the addresses for players are the server's own */
    g_autofree char *m3u = g_strconcat (server->base_url, "/iptv/channels.m3u", NULL);
    g_autofree char *xmltv = g_strconcat (server->base_url, "/iptv/xmltv.xml", NULL);
    expect (app, "label", m3u);
    expect (app, "label", xmltv);
  }
  show_tab (app, "Channels");
  expect (app, "list item", "Demo Mix");
  expect (app, "list item", "Retro TV");
  expect (app, "label", "Disabled");
  screenshot ("channels");

  click_when_shown (app, "push button", "Add Channel");
  {
    g_autoptr (AtspiAccessible) number = wait_for (app, "text", "Number", TRUE);
    g_autoptr (AtspiAccessible) name = wait_for (app, "text", "Name", TRUE);
    g_autoptr (AtspiAccessible) group = wait_for (app, "text", "Group", TRUE);
    type_into (number, "555");
    type_into (name, "Added From The App");
    type_into (group, "Desktop");
  }
  screenshot ("add-channel");
  click_when_shown (app, "push button", "Add Add");
  wait_api (server, "/api/channels/555", "Added From The App enabled");
  /* and the list shows it without a restart */
  expect (app, "list item", "Added From The App");
  screenshot ("channel-added");

  /* disable, rename and remove, each through the window */
  click_when_shown (app, "check box", "Channel 100 enabled");
  wait_api (server, "/api/channels/100", "Demo Mix disabled");
  click_when_shown (app, "push button", "Edit channel 555");
  {
    g_autoptr (AtspiAccessible) name = wait_for (app, "text", "Name", TRUE);
    type_into (name, "Renamed In The App");
  }
  click_when_shown (app, "push button", "_Save");
  wait_api (server, "/api/channels/555", "Renamed In The App enabled");
  click_when_shown (app, "push button", "Remove channel 1984.1");
  click_when_shown (app, "push button", "_Remove");
  wait_api (server, "/api/channels/1984.1", "gone");
  expect (app, "list item", "Renamed In The App");
  app_stop (app);
  exs_test_server_stop (server, NULL);
}

/* A library's scan result (a file that cannot be played) is shown, and
 * removing it in the app removes it from the server. */
static void
test_library_failed_files_and_remove (void)
{
  /* Archive.org is asked on loopback, where nothing answers */
  const char *env[] = { "EXSTREAMTV_LIBRARY_ARCHIVE_ORG_URL=http://127.0.0.1:1", NULL };
  g_autoptr (ExsTestServer) server = exs_test_server_start (NULL, NULL, env);
  g_autofree char *folder = exs_test_make_temp_dir ();
  g_autofree char *broken = g_build_filename (folder, "broken.mkv", NULL);
  g_autofree char *body = NULL;
  g_autoptr (ExsTestReply) created = NULL;
  gint64 id;
  App *app;

  g_assert_true (g_file_set_contents (broken, "this is not a video", -1, NULL));
  body = g_strdup_printf ("{\"name\":\"Test Films\",\"kind\":\"movies\",\"paths\":[\"%s\"]}", folder);
  created = exs_test_server_request (server, "POST", "/api/libraries", body, TRUE);
  g_assert_cmpuint (created->status, ==, 201);
  id = json_object_get_int_member (exs_test_reply_object (created), "id");

  app = app_start (server->data_dir, server->base_url, NULL);
  show_tab (app, "Libraries");
  expect (app, "label", "1 file failed");
  /* a library with problems is shown opened, its failed files listed */
  expect (app, "label", "cannot be played");
  screenshot ("libraries");
  click_when_shown (app, "push button", "Remove the library");
  click_when_shown (app, "push button", "_Remove");
  {
    g_autofree char *path = g_strdup_printf ("/api/libraries/%" G_GINT64_FORMAT, id);
    wait_api (server, path, "gone");
  }
  expect (app, "list item", "No libraries yet");

  /* a URL library, an Archive.org item and a yt-dlp page, each added from
   * its own source button (loopback port 1: their scans only record the
   * failure) */
  {
    const char *const adds[][4] = {
      { "URLs", "Media or M3U URLs", "http://127.0.0.1:1/films/list.m3u http://127.0.0.1:1/b.mp4", "Web Films" },
      { "Archive.org", "Archive.org identifier", "night_of_the_living_dead", "Archive Film" },
      { "yt-dlp", "A page yt-dlp plays", "http://127.0.0.1:1/watch/1", "Page Film" },
    };
    const char *const expected[] = { "[\"http://127.0.0.1:1/films/list.m3u\",\"http://127.0.0.1:1/b.mp4\"]",
                                     "[\"archive:night_of_the_living_dead\"]",
                                     "[\"ytdl:http://127.0.0.1:1/watch/1\"]" };

    for (guint i = 0; i < G_N_ELEMENTS (adds); i++)
      {
        g_autofree char *path = NULL;
        g_autofree char *paths = NULL;
        gint64 lib;

        click_when_shown (app, "push button", "Add Library");
        click_when_shown (app, SOURCE_BUTTON, adds[i][0]);
        {
          const char *const titles[] = { adds[i][1], "Name", NULL };
          const char *const texts[] = { adds[i][2], adds[i][3], NULL };
          fill_rows (app, titles, texts);
        }
        if (i == 0)
          screenshot ("add-url-library");
        click_when_shown (app, "push button", "Add Add");
        lib = wait_library (server, adds[i][3]);
        path = g_strdup_printf ("/api/libraries/%" G_GINT64_FORMAT, lib);
        wait_member (server, path, "source", "\"url\"");
        {
          g_autoptr (ExsTestReply) r = exs_test_server_request (server, "GET", path, NULL, TRUE);
          JsonArray *arr = json_object_get_array_member (exs_test_reply_object (r), "paths");
          JsonArray *only = json_array_new ();
          g_autoptr (JsonNode) node = json_node_init_array (json_node_alloc (), only);
          for (guint j = 0; j < json_array_get_length (arr); j++)
            json_array_add_string_element (only,
                                           json_object_get_string_member (json_array_get_object_element (arr, j), "path"));
          json_array_unref (only);
          paths = json_to_string (node, FALSE);
        }
        g_assert_cmpstr (paths, ==, expected[i]);
        /* the page says where it is from and what its scan met */
        expect (app, "list item", adds[i][3]);
      }
  }
  app_stop (app);
  exs_test_server_stop (server, NULL);
  exs_test_remove_tree (folder);
}

/* A Jellyfin library added in the app: the server's libraries listed with
 * its token (a wrong one said), one picked, a path mapping; the API then
 * holds them, says the token is set and never shows it; the page shows the
 * synced items and, when the server dies, the failed sync. */
static void
test_media_server_library (void)
{
  g_autoptr (ExsTestServer) server = exs_test_server_start (NULL, NULL, NULL);
  g_autofree char *dir = exs_test_make_temp_dir ();
  g_autofree char *media = g_build_filename (dir, "clip.mp4", NULL);
  g_autoptr (ExsFakeMediaServer) fake = NULL;
  g_autofree char *path = NULL;
  g_autofree char *token_seen = NULL;
  g_autoptr (AtspiAccessible) token_row = NULL;
  gint64 id;
  App *app;

  g_assert_true (g_file_set_contents (media, "not played here", -1, NULL));
  fake = exs_fake_media_server_new ("jellyfin", MEDIA_SERVER_TOKEN, media);
  exs_fake_media_server_add_movie (fake, "m1", "A Film", 1999, "/data/films/A Film.mkv");
  exs_fake_media_server_add_movie (fake, "m2", "B Film", 2001, "/data/films/B Film.mkv");

  app = app_start (server->data_dir, server->base_url, NULL);
  show_tab (app, "Libraries");
  click_when_shown (app, "push button", "Add Library");
  click_when_shown (app, SOURCE_BUTTON, "Jellyfin");
  {
    /* a wrong key: the server's refusal is said in the form */
    const char *const titles[] = { "Name", "Server address", "API key", NULL };
    const char *const texts[] = { "NAS Films", exs_fake_media_server_get_url (fake), "wrong-key", NULL };
    fill_rows (app, titles, texts);
  }
  click_when_shown (app, "push button", "List the Server's Libraries");
  expect (app, "label", "refused the token");
  type_into_row (app, "API key", MEDIA_SERVER_TOKEN);
  click_when_shown (app, "push button", "List the Server's Libraries");
  /* films are picked for a film library; music cannot be */
  expect (app, "check box", "Films");
  expect (app, "label", "Neither films nor shows");
  click_when_shown (app, "push button", "Add Mapping");
  {
    const char *const titles[] = { "Mapping 1: path on the server", "Mapping 1: the same folder here", NULL };
    const char *const texts[] = { "/data/films", dir, NULL };
    fill_rows (app, titles, texts);
  }
  screenshot ("add-jellyfin-library");
  click_when_shown (app, "push button", "Add Add");

  id = wait_library (server, "NAS Films");
  path = g_strdup_printf ("/api/libraries/%" G_GINT64_FORMAT, id);
  wait_member (server, path, "source", "\"jellyfin\"");
  wait_member (server, path, "media_server.token_set", "true");
  wait_member (server, path, "media_server.remote_libraries", "[\"lib-films\"]");
  wait_member (server, path, "media_server.path_mappings.0.server_path", "\"/data/films\"");
  token_seen = api_member (server, path, "media_server.token");
  g_assert_cmpstr (token_seen, ==, "absent");
  expect (app, "label", "Jellyfin · Movies · 2 items");
  /* (inside the library's row, which need not be open) */
  g_clear_object (&token_row);
  token_row = wait_for (app, "label", "token set", FALSE);
  screenshot ("jellyfin-library");

  /* the server goes away: a sync leaves the library as it was, and says so */
  exs_fake_media_server_die_after (fake, 0);
  click_when_shown (app, "push button", "Sync the library “NAS Films” with its server");
  expect (app, "label", "The last sync failed");
  expect (app, "label", "left as it was");
  app_stop (app);
  exs_test_server_stop (server, NULL);
  exs_test_remove_tree (dir);
}

/* The channel form's media fields and profile picker: what the API holds is
 * shown, what is typed reaches it, and a 422 is said under its field. */
static void
test_channel_media_fields (void)
{
  g_autoptr (ExsTestServer) server = exs_test_server_start (NULL, NULL, NULL);
  g_autoptr (ExsTestReply) profile = exs_test_server_request (
    server, "POST", "/api/profiles", "{\"name\":\"Small Screen\",\"width\":640,\"height\":360}", TRUE);
  g_autoptr (ExsTestReply) channel = exs_test_server_request (
    server, "POST", "/api/channels",
    "{\"number\":\"7\",\"name\":\"Anime\",\"profile\":\"Small Screen\",\"subtitle_mode\":\"always\","
    "\"scaling\":\"crop\",\"error_screen\":{\"title\":\"Back soon\"}}", TRUE);
  g_autofree char *log = NULL;
  App *app;

  g_assert_cmpuint (profile->status, ==, 201);
  g_assert_cmpuint (channel->status, ==, 201);
  app = app_start (server->data_dir, server->base_url, NULL);
  show_tab (app, "Channels");
  click_when_shown (app, "push button", "Edit channel 7");
  {
    g_autoptr (AtspiAccessible) title = wait_for (app, "text", "Error screen title", TRUE);
    int length = atspi_text_get_character_count (ATSPI_TEXT (title), NULL);
    g_autofree char *text = atspi_text_get_text (ATSPI_TEXT (title), 0, length, NULL);
    g_assert_cmpstr (text, ==, "Back soon");
  }
  click_when_shown (app, "check box", "Show a watermark");
  {
    /* the loudness out of range: the server's 422, under its row */
    const char *const titles[] = { "Audio languages in order", "Watermark image", "Opacity", "Loudness target", NULL };
    const char *const texts[] = { "jpn,eng", "/srv/tv/logo.png", "0.5", "-100", NULL };
    fill_rows (app, titles, texts);
  }
  click_when_shown (app, "push button", "_Save");
  expect_field_error (app, "Loudness target", "loudness_target_lufs");
  screenshot ("channel-field-error");
  type_into_row (app, "Loudness target", "-24");
  click_when_shown (app, "push button", "_Save");
  wait_member (server, "/api/channels/7", "audio_languages", "\"jpn,eng\"");
  wait_member (server, "/api/channels/7", "loudness_target_lufs", "-24.0");
  wait_member (server, "/api/channels/7", "watermark.image", "\"/srv/tv/logo.png\"");
  wait_member (server, "/api/channels/7", "watermark.opacity", "0.5");
  /* what the form showed and was not touched is kept */
  wait_member (server, "/api/channels/7", "subtitle_mode", "\"always\"");
  wait_member (server, "/api/channels/7", "scaling", "\"crop\"");
  wait_member (server, "/api/channels/7", "profile", "\"Small Screen\"");
  wait_member (server, "/api/channels/7", "error_screen.title", "\"Back soon\"");
  /* the picker offered the server's profiles, users' too */
  g_assert_true (g_file_get_contents (app->log_path, &log, NULL, NULL));
  g_assert_nonnull (strstr (log, "profiles offered: 480p, 720p, 1080p, Small Screen"));
  app_stop (app);
  exs_test_server_stop (server, NULL);
}

/* Profiles: added, refused with the field named, edited and removed in the app. */
static void
test_profiles (void)
{
  g_autoptr (ExsTestServer) server = exs_test_server_start (NULL, NULL, NULL);
  App *app = app_start (server->data_dir, server->base_url, NULL);

  show_tab (app, "Profiles");
  expect (app, "list item", "1080p");
  click_when_shown (app, "push button", "Add Profile");
  {
    const char *const titles[] = { "Profile name", "Width in pixels", NULL };
    const char *const texts[] = { "Kitchen TV", "1281", NULL };
    fill_rows (app, titles, texts);
  }
  click_when_shown (app, "push button", "Add Add");
  expect_field_error (app, "Width in pixels", "width");
  screenshot ("profile-field-error");
  {
    const char *const titles[] = { "Width in pixels", "Height in pixels", NULL };
    const char *const texts[] = { "960", "540", NULL };
    fill_rows (app, titles, texts);
  }
  click_when_shown (app, "push button", "Add Add");
  wait_member (server, "/api/profiles/Kitchen%20TV", "width", "960");
  wait_member (server, "/api/profiles/Kitchen%20TV", "height", "540");
  expect (app, "list item", "Kitchen TV");

  click_when_shown (app, "push button", "Edit the profile “Kitchen TV”");
  type_into_row (app, "Frames per second", "25");
  click_when_shown (app, "push button", "_Save");
  wait_member (server, "/api/profiles/Kitchen%20TV", "fps", "25");
  wait_member (server, "/api/profiles/Kitchen%20TV", "width", "960");
  click_when_shown (app, "push button", "Remove the profile “Kitchen TV”");
  click_when_shown (app, "push button", "_Remove");
  wait_member (server, "/api/profiles/Kitchen%20TV", "name", "gone");
  app_stop (app);
  exs_test_server_stop (server, NULL);
}

/* Upstream live channels from an M3U file picked in the app. */
static void
test_import_m3u (void)
{
  g_autoptr (ExsTestServer) server = exs_test_server_start (NULL, NULL, NULL);
  g_autofree char *dir = exs_test_make_temp_dir ();
  g_autofree char *m3u = g_build_filename (dir, "list.m3u", NULL);
  App *app;

  g_assert_true (g_file_set_contents (m3u,
                                      "#EXTM3U\n"
                                      "#EXTINF:-1 tvg-id=\"news.example\" tvg-chno=\"120\" group-title=\"News\",News 24\n"
                                      "http://127.0.0.1:1/news/index.m3u8\n"
                                      "#EXTINF:-1,No URL\n",
                                      -1, NULL));
  app = app_start (server->data_dir, server->base_url, NULL);
  show_tab (app, "Channels");
  click_when_shown (app, "push button", "Import M3U");
  type_into_row (app, "Playlist file", m3u);
  click_when_shown (app, "push button", "Import Import");
  wait_member (server, "/api/channels/120", "upstream_url", "\"http://127.0.0.1:1/news/index.m3u8\"");
  wait_member (server, "/api/channels/120", "upstream_tvg_id", "\"news.example\"");
  expect (app, "list item", "News 24");
  app_stop (app);
  exs_test_server_stop (server, NULL);
  exs_test_remove_tree (dir);
}

/* "Open in Browser" opens the server's web UI in the default browser (here a
 * script registered for http: URLs that writes down what it was given). */
static void
test_open_in_browser (void)
{
  g_autoptr (ExsTestServer) server = exs_test_server_start (NULL, NULL, NULL);
  g_autofree char *home = exs_test_make_temp_dir ();
  g_autofree char *apps = g_build_filename (home, "data", "applications", NULL);
  g_autofree char *config = g_build_filename (home, "config", NULL);
  g_autofree char *script = g_build_filename (home, "browser.sh", NULL);
  g_autofree char *opened = g_build_filename (home, "opened-url", NULL);
  g_autofree char *script_text = g_strdup_printf ("#!/bin/sh\nprintf '%%s' \"$1\" > '%s.part' && mv '%s.part' '%s'\n",
                                                  opened, opened, opened);
  g_autofree char *desktop = g_strdup_printf ("[Desktop Entry]\nType=Application\nName=Test Browser\nExec=%s %%u\n"
                                              "MimeType=x-scheme-handler/http;\n", script);
  g_autofree char *desktop_path = g_build_filename (apps, "exs-test-browser.desktop", NULL);
  g_autofree char *mimeapps = g_build_filename (config, "mimeapps.list", NULL);
  g_autofree char *data_home = g_build_filename (home, "data", NULL);
  g_autofree char *web = g_strconcat (server->base_url, "/web/", NULL);
  g_autofree char *url = NULL;
  const char *env[] = { "XDG_DATA_HOME", data_home, "XDG_CONFIG_HOME", config, NULL };
  gint64 deadline;
  App *app;

  g_assert_cmpint (g_mkdir_with_parents (apps, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (config, 0700), ==, 0);
  g_assert_true (g_file_set_contents (script, script_text, -1, NULL));
  g_assert_cmpint (g_chmod (script, 0700), ==, 0);
  g_assert_true (g_file_set_contents (desktop_path, desktop, -1, NULL));
  g_assert_true (g_file_set_contents (mimeapps, "[Default Applications]\nx-scheme-handler/http=exs-test-browser.desktop\n",
                                      -1, NULL));

  app = app_start (server->data_dir, server->base_url, env);
  expect (app, "label", "Running");
  click_when_shown (app, "push button", "Open in Browser");
  deadline = g_get_monotonic_time () + APP_DEADLINE_S * G_USEC_PER_SEC;
  while (!g_file_get_contents (opened, &url, NULL, NULL) && g_get_monotonic_time () < deadline)
    g_usleep (50 * 1000);
  g_assert_nonnull (url);
  g_test_message ("the browser was given %s", url);
  /* a one-time login link where the server has them, else the page itself */
  g_assert_true (g_str_has_prefix (url, web));
  app_stop (app);
  exs_test_server_stop (server, NULL);
  exs_test_remove_tree (home);
}

/* A port nobody listens on: the app says "stopped" and offers to start. */
static guint
free_port (GSocket **keep_listening)
{
  g_autoptr (GSocket) sock = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) addr = g_inet_socket_address_new (lo, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_true (g_socket_bind (sock, addr, FALSE, &error));
  bound = g_socket_get_local_address (sock, &error);
  g_assert_no_error (error);
  if (keep_listening)
    {
      g_assert_true (g_socket_listen (sock, &error));
      *keep_listening = g_object_ref (sock);
    }
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
}

/* The app's own account of how long after its window opened it knew the
 * server's state (its debug log); the whole start-up is only reported, since
 * it depends on how busy the machine is. */
static double
state_known_seconds (App *app)
{
  g_autofree char *log = NULL;
  const char *line;

  g_assert_true (g_file_get_contents (app->log_path, &log, NULL, NULL));
  line = strstr (log, "server state known ");
  g_assert_nonnull (line);
  return g_ascii_strtod (line + strlen ("server state known "), NULL) / 1000.0;
}

static void
check_stopped_quickly (const char *url, const char *name)
{
  g_autofree char *data_dir = exs_test_make_temp_dir ();
  g_autofree char *token = g_build_filename (data_dir, "api-token", NULL);
  App *app;
  g_autoptr (AtspiAccessible) status = NULL;
  double seconds, known;

  /* a token, as after a first run: the app really asks the address */
  g_assert_true (g_file_set_contents (token, "0123456789abcdef\n", -1, NULL));
  app = app_start (data_dir, url, NULL);
  status = wait_for (app, "label", "Stopped", TRUE);
  seconds = (g_get_monotonic_time () - app->started_us) / (double) G_USEC_PER_SEC;
  known = state_known_seconds (app);

  g_test_message ("%s: the window said “stopped” %.2f s after the app was started; the app knew %.3f s "
                  "after its window opened", name, seconds, known);
  g_assert_cmpfloat (known, <, STOPPED_BUDGET_S);
  show_tab (app, "Channels");
  expect (app, "label", "The Server Is Stopped");
  expect (app, "push button", "Start Server");
  screenshot (name);
  app_stop (app);
  exs_test_remove_tree (data_dir);
}

static void
test_stopped_server (void)
{
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", free_port (NULL));

  check_stopped_quickly (url, "stopped");
}

/* Something accepts the connection but never answers: the deadline still holds. */
static void
test_hung_server (void)
{
  g_autoptr (GSocket) listener = NULL;
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", free_port (&listener));

  check_stopped_quickly (url, "hung");
}

/* "Start Server" in the app starts the real server; the switch stops it. */
static void
test_start_and_stop_from_app (void)
{
  g_autofree char *data_dir = exs_test_make_temp_dir ();
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", free_port (NULL));
  const char *env[] = { "EXSTREAMTV_BIN", exs_test_server_binary (), NULL };
  App *app = app_start (data_dir, url, env);

  show_tab (app, "Channels");
  click_when_shown (app, "push button", "Start Server");
  expect (app, "list item", "No channels yet");
  show_tab (app, "Server");
  expect (app, "label", "Running");
  click_when_shown (app, "check box", "Run the channel server");
  expect (app, "label", "Stopped");
  app_stop (app);
  exs_test_remove_tree (data_dir);
}

/* Under LANGUAGE=de the command line and the window speak German. */
static void
test_german (void)
{
  g_autofree char *data_dir = exs_test_make_temp_dir ();
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u", free_port (NULL));
  const char *env[] = { "LANGUAGE", "de", "LC_ALL", "C.UTF-8", NULL };
  const char *cli[] = { exs_test_server_binary (), "--data-dir", data_dir, "--url", url, "channel", "list", NULL };
  const char *cli_env[] = { "LANGUAGE=de", "LC_ALL=C.UTF-8", "EXSTREAMTV_TOKEN=0123456789abcdef", NULL };
  g_autofree char *output = NULL;
  App *app;

  g_assert_nonnull (g_getenv ("EXSTREAMTV_LOCALEDIR"));
  g_assert_cmpint (exs_test_run_command (cli, cli_env, &output), !=, 0);
  g_assert_nonnull (strstr (output, "ist nicht erreichbar"));
  g_assert_nonnull (strstr (output, "Läuft er?"));

  app = app_start (data_dir, url, env);
  expect (app, "label", "Gestoppt");
  show_tab (app, "Sender");
  expect (app, "label", "Der Server ist gestoppt");
  expect (app, "push button", "Server starten");
  screenshot ("german");
  app_stop (app);
  exs_test_remove_tree (data_dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* libatspi warns (dbind) where GTK 4.8 lacks its Cache interface, then
   * falls back: only criticals stay fatal */
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR);
  g_assert_cmpint (atspi_init (), ==, 0);
  g_test_add_func ("/preferences/channels/shown-and-added", test_channels_shown_and_added);
  g_test_add_func ("/preferences/libraries/failed-files-and-remove", test_library_failed_files_and_remove);
  g_test_add_func ("/preferences/libraries/media-server", test_media_server_library);
  g_test_add_func ("/preferences/channels/media-fields-and-errors", test_channel_media_fields);
  g_test_add_func ("/preferences/channels/import-m3u", test_import_m3u);
  g_test_add_func ("/preferences/profiles/add-edit-remove", test_profiles);
  g_test_add_func ("/preferences/server/open-in-browser", test_open_in_browser);
  g_test_add_func ("/preferences/server/stopped-said-within-2s", test_stopped_server);
  g_test_add_func ("/preferences/server/hung-server-said-within-2s", test_hung_server);
  g_test_add_func ("/preferences/server/start-and-stop-from-app", test_start_and_stop_from_app);
  g_test_add_func ("/preferences/translations/german", test_german);
  return g_test_run ();
}
