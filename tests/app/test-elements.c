/* The start-up element check, on the real server: a registry without one
 * plugin stands for a machine without its Debian package.
 *  - without gstreamer1.0-x (libgstpango: clockoverlay, textoverlay,
 *    timeoverlay) the server warns, /api/health lists them, and a channel
 *    still plays its error screen (without the clock);
 *  - without gstreamer1.0-plugins-ugly (x264enc) it stops at once with one
 *    line naming the package, and a non-zero exit status. */
#include "config.h"

#include "exs-test-server.h"

#include <glib/gstdio.h>
#include <string.h>

typedef struct
{
  char *plugins; /* a plugin folder: links to every system plugin but some */
  char *env[4];
} Registry;

static Registry *
registry_without (const char *const *left_out)
{
  const char *system = g_getenv ("EXS_TEST_GST_PLUGINS_DIR");
  g_autoptr (GDir) dir = NULL;
  g_autoptr (GError) error = NULL;
  Registry *r = g_new0 (Registry, 1);
  const char *name;

  g_assert_nonnull (system);
  r->plugins = exs_test_make_temp_dir ();
  dir = g_dir_open (system, 0, &error);
  g_assert_no_error (error);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *from = g_build_filename (system, name, NULL);
      g_autofree char *to = g_build_filename (r->plugins, name, NULL);

      if (!g_str_has_suffix (name, ".so") || g_strv_contains (left_out, name))
        continue;
      g_assert_cmpint (symlink (from, to), ==, 0);
    }
  r->env[0] = g_strdup_printf ("GST_PLUGIN_SYSTEM_PATH_1_0=%s", r->plugins);
  r->env[1] = g_strdup_printf ("GST_REGISTRY_1_0=%s/registry.bin", r->plugins);
  r->env[2] = g_strdup ("GST_REGISTRY_FORK=no");
  return r;
}

static void
registry_free (Registry *r)
{
  exs_test_remove_tree (r->plugins);
  g_free (r->plugins);
  for (guint i = 0; r->env[i]; i++)
    g_free (r->env[i]);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Registry, registry_free)

static void
test_optional_missing_degrades (void)
{
  const char *const left_out[] = { "libgstpango.so", NULL };
  const char *const args[] = { "--demo", NULL };
  g_autoptr (Registry) reg = registry_without (left_out);
  g_autoptr (ExsTestServer) s = exs_test_server_start (NULL, args, (const char *const *) reg->env);
  g_autoptr (ExsTestReply) health = exs_test_server_request (s, "GET", "/api/health", NULL, FALSE);
  g_autofree char *url = g_strdup_printf ("%s/iptv/channel/100.ts", s->base_url);
  const char *probe[] = { "ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height", "-of",
                          "csv=p=0", url, NULL };
  g_autofree char *out = NULL;
  g_autofree char *log = NULL;
  JsonArray *missing;
  gboolean listed = FALSE;

  g_assert_cmpuint (health->status, ==, 200);
  missing = json_object_get_array_member (exs_test_reply_object (health), "missing_elements");
  g_assert_nonnull (missing);
  for (guint i = 0; i < json_array_get_length (missing); i++)
    {
      JsonObject *o = json_array_get_object_element (missing, i);

      if (g_str_equal (json_object_get_string_member (o, "element"), "clockoverlay"))
        {
          g_assert_cmpstr (json_object_get_string_member (o, "package"), ==, "gstreamer1.0-x");
          g_assert_false (json_object_get_boolean_member (o, "required"));
          listed = TRUE;
        }
    }
  g_assert_true (listed);
  log = exs_test_server_read_log (s);
  g_assert_nonnull (strstr (log, "warning: GStreamer element clockoverlay is missing (install gstreamer1.0-x)"));

  /* the channel starts: its error screen plays without the clock */
  g_assert_cmpint (exs_test_run_command (probe, NULL, &out), ==, 0);
  g_test_message ("ffprobe: %s", out);
  g_assert_nonnull (strstr (out, "h264,1280,720"));
  g_assert_nonnull (strstr (out, "aac"));
  g_assert_cmpint (exs_test_server_stop (s, NULL), ==, 0);
}

static void
test_required_missing_stops (void)
{
  const char *const left_out[] = { "libgstx264.so", NULL };
  g_autoptr (Registry) reg = registry_without (left_out);
  g_autofree char *output = NULL;
  g_autofree char *line = NULL;
  int status = 0;
  ExsTestServer *s = exs_test_server_try_start (NULL, NULL, (const char *const *) reg->env, &status, &output);

  g_assert_null (s);
  g_test_message ("exit %d: %s", status, output);
  g_assert_cmpint (status, !=, 0);
  line = g_strdup_printf ("exstreamtv: missing GStreamer element x264enc: install gstreamer1.0-plugins-ugly "
                          "(apt-get install gstreamer1.0-plugins-ugly)\n");
  g_assert_cmpstr (output, ==, line);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/app/elements/optional-missing-degrades", test_optional_missing_degrades);
  g_test_add_func ("/app/elements/required-missing-stops", test_required_missing_stops);
  return g_test_run ();
}
