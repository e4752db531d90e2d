/* test-service-unit.c: the systemd user unit and the man page, as installed.
 *
 * The unit this build configured passes `systemd-analyze --user verify`
 * (with the man page it points to on MANPATH), wants nothing the user
 * manager lacks, and installs to a folder `systemctl --user` searches. The
 * man page renders without groff warnings and lists every option of
 * `exstreamtv --help`. README's examples work as written. */
#include "config.h"

#include "exs-test-server.h"

#include <glib/gstdio.h>
#include <string.h>

static char *
build_root (void)
{
  g_autofree char *app = g_path_get_dirname (exs_test_server_binary ()); /* build/src/app */
  g_autofree char *src = g_path_get_dirname (app);

  return g_path_get_dirname (src);
}

static char *
source_file (const char *relative)
{
  const char *src = g_getenv ("EXSTREAMTV_SOURCE_DIR");

  g_assert_nonnull (src);
  return g_build_filename (src, relative, NULL);
}

/* XDG_RUNTIME_DIR for a user manager of our own (systemd-analyze --user) */
static char *
runtime_dir_env (char **dir)
{
  g_autoptr (GError) error = NULL;

  *dir = g_dir_make_tmp ("exs-runtime-XXXXXX", &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (*dir, 0700), ==, 0);
  return g_strdup_printf ("XDG_RUNTIME_DIR=%s", *dir);
}

static void
test_unit_verifies (void)
{
  g_autofree char *root = build_root ();
  g_autofree char *unit_path = g_build_filename (root, "data", "exstreamtv.service", NULL);
  g_autofree char *man_src = source_file ("data/exstreamtv.1");
  g_autofree char *work = exs_test_make_temp_dir ();
  g_autofree char *man1 = g_build_filename (work, "man", "man1", NULL);
  g_autofree char *man_copy = g_build_filename (man1, "exstreamtv.1", NULL);
  g_autofree char *unit_copy = g_build_filename (work, "exstreamtv.service", NULL);
  g_autofree char *unit = NULL;
  g_autofree char *man = NULL;
  g_autofree char *runtime = NULL;
  g_autofree char *runtime_env = runtime_dir_env (&runtime);
  g_autofree char *manpath_env = g_strdup_printf ("MANPATH=%s/man", work);
  g_autofree char *exec_line = NULL;
  g_autofree char *out = NULL;
  g_auto (GStrv) lines = NULL;
  GString *tested = g_string_new (NULL);
  const char *env[] = { runtime_env, manpath_env, NULL };
  const char *verify[] = { "systemd-analyze", "--user", "verify", unit_copy, NULL };

  g_assert_true (g_file_get_contents (unit_path, &unit, NULL, NULL));
  g_assert_true (g_file_get_contents (man_src, &man, NULL, NULL));
  /* the user manager has no network-online.target */
  g_assert_null (strstr (unit, "network-online"));
  g_assert_nonnull (strstr (unit, "Documentation=man:exstreamtv(1)\n"));
  /* the installed binary is not there yet: point ExecStart at the built one */
  lines = g_strsplit (unit, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      if (g_str_has_prefix (lines[i], "ExecStart="))
        g_string_append_printf (tested, "ExecStart=%s\n", exs_test_server_binary ());
      else
        g_string_append_printf (tested, "%s%s", lines[i], lines[i + 1] ? "\n" : "");
    }
  g_assert_cmpint (g_mkdir_with_parents (man1, 0700), ==, 0);
  g_assert_true (g_file_set_contents (man_copy, man, -1, NULL));
  g_assert_true (g_file_set_contents (unit_copy, tested->str, -1, NULL));
  g_string_free (tested, TRUE);

  if (exs_test_run_command (verify, env, &out) != 0 || *g_strstrip (out))
    g_error ("systemd-analyze --user verify: %s", out);
  exs_test_remove_tree (work);
  exs_test_remove_tree (runtime);
}

/* Where this build installs the unit is a folder the user manager searches. */
static void
test_unit_installed_where_searched (void)
{
  g_autofree char *root = build_root ();
  g_autofree char *intro = g_build_filename (root, "meson-info", "intro-installed.json", NULL);
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *runtime = NULL;
  g_autofree char *runtime_env = runtime_dir_env (&runtime);
  const char *env[] = { runtime_env, NULL };
  const char *paths[] = { "systemd-analyze", "--user", "unit-paths", NULL };
  g_autofree char *searched = NULL;
  g_autofree char *unit_dir = NULL;
  g_autofree char *needle = NULL;
  gboolean man_installed = FALSE;
  JsonObject *installed;
  GList *keys;

  g_assert_true (json_parser_load_from_file (parser, intro, &error));
  g_assert_no_error (error);
  installed = json_node_get_object (json_parser_get_root (parser));
  keys = json_object_get_members (installed);
  for (GList *l = keys; l; l = l->next)
    {
      const char *to = json_object_get_string_member (installed, l->data);
      if (g_str_has_suffix (l->data, "/exstreamtv.service"))
        unit_dir = g_path_get_dirname (to);
      man_installed |= g_str_has_suffix (to, "/man1/exstreamtv.1");
    }
  g_list_free (keys);
  g_assert_nonnull (unit_dir);
  g_assert_true (man_installed);
  g_assert_cmpint (exs_test_run_command (paths, env, &searched), ==, 0);
  g_test_message ("the unit goes to %s", unit_dir);
  needle = g_strdup_printf ("\n%s\n", unit_dir);
  {
    g_autofree char *framed = g_strdup_printf ("\n%s\n", searched);
    if (strstr (framed, needle) == NULL)
      g_error ("%s is not searched by systemctl --user:\n%s", unit_dir, searched);
  }
  exs_test_remove_tree (runtime);
}

static void
test_man_page (void)
{
  g_autofree char *man = source_file ("data/exstreamtv.1");
  g_autofree char *text = NULL;
  g_autofree char *help = NULL;
  g_autofree char *warnings = NULL;
  g_autoptr (GRegex) option = g_regex_new ("--([a-z][a-z-]+)", 0, 0, NULL);
  g_autoptr (GMatchInfo) match = NULL;
  const char *lint[] = { "groff", "-man", "-ww", "-z", man, NULL };
  const char *show_help[] = { exs_test_server_binary (), "--help", NULL };

  g_assert_cmpint (exs_test_run_command (lint, NULL, &warnings), ==, 0);
  g_assert_cmpstr (g_strstrip (warnings), ==, "");
  g_assert_true (g_file_get_contents (man, &text, NULL, NULL));
  g_assert_cmpint (exs_test_run_command (show_help, NULL, &help), ==, 0);
  for (g_regex_match (option, help, 0, &match); g_match_info_matches (match); g_match_info_next (match, NULL))
    {
      g_autofree char *name = g_match_info_fetch (match, 1);
      g_auto (GStrv) parts = g_strsplit (name, "-", -1);
      g_autofree char *escaped = g_strjoinv ("\\-", parts); /* as groff source spells it */
      if (strstr (text, escaped) == NULL)
        g_error ("exstreamtv(1) does not document --%s", name);
    }
}

/* README's examples work as written after scripts/quickstart.sh run
 * (issue 15): every channel URL names a demo channel that answers, and no
 * command before "Running as a service" (which installs it) calls a bare
 * `exstreamtv`, which is not on PATH then. */
static void
test_readme_examples (void)
{
  g_autofree char *readme_path = source_file ("README.md");
  g_autofree char *readme = NULL;
  g_autoptr (GRegex) channel_url = g_regex_new ("http://HOST:8411(/iptv/channel/[0-9.]+\\.(ts|m3u8))", 0, 0, NULL);
  g_autoptr (GMatchInfo) match = NULL;
  const char *args[] = { "--demo", NULL };
  g_autoptr (ExsTestServer) s = exs_test_server_start (NULL, args, NULL);
  g_auto (GStrv) lines = NULL;
  gboolean in_code = FALSE;
  guint urls = 0;

  g_assert_true (g_file_get_contents (readme_path, &readme, NULL, NULL));
  for (g_regex_match (channel_url, readme, 0, &match); g_match_info_matches (match); g_match_info_next (match, NULL))
    {
      g_autofree char *path = g_match_info_fetch (match, 1);
      g_autoptr (ExsTestReply) r = exs_test_server_request (s, "HEAD", path, NULL, FALSE);
      g_test_message ("HEAD %s: %u", path, r->status);
      g_assert_cmpuint (r->status, ==, 200);
      urls++;
    }
  g_assert_cmpuint (urls, >, 0);
  lines = g_strsplit (readme, "\n", -1);
  for (guint i = 0; lines[i] && !g_str_has_prefix (lines[i], "### Running as a service"); i++)
    {
      if (g_str_has_prefix (lines[i], "```"))
        in_code = !in_code;
      else if (in_code && (g_str_has_prefix (lines[i], "exstreamtv ") || strstr (lines[i], "$(exstreamtv ")))
        g_error ("README line %u calls exstreamtv, which quickstart.sh run does not put on PATH: %s", i + 1, lines[i]);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/app/service/unit-verifies", test_unit_verifies);
  g_test_add_func ("/app/service/unit-installed-where-searched", test_unit_installed_where_searched);
  g_test_add_func ("/app/service/man-page-lists-every-option", test_man_page);
  g_test_add_func ("/app/readme/examples-work-after-quickstart", test_readme_examples);
  return g_test_run ();
}
