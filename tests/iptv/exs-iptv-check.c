/* exs-iptv-check.c: runs real clients on what we serve.
 *
 * tv_validate_file (xmltv-util) with the local DTD — it must say
 * "Validated ok." — and VLC's playlist parser: cvlc opens the M3U, and its
 * debug log names every entry it creates ("Creating an input for '<name>'")
 * and the URL it opens for it. VLC refuses to run as root, so as root it
 * runs as nobody. Each entry gets --run-time so a live stream cannot hold it. */
#include "config.h"

#include "exs-iptv-check.h"

#include "exs-test-server.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

/* Writes a world-readable file in its own temp dir (VLC may run as nobody). */
char *
exs_check_write_temp (const char *name, const char *contents, gsize length)
{
  g_autofree char *dir = exs_test_make_temp_dir ();
  char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;

  g_chmod (dir, 0755);
  g_file_set_contents (path, contents, (gssize)length, &error);
  g_assert_no_error (error);
  g_chmod (path, 0644);
  return path;
}

void
exs_check_remove_temp (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);

  exs_test_remove_tree (dir);
}

void
exs_check_xmltv_validates (const char *path)
{
  const char *argv[]
      = { "tv_validate_file", "--dtd-file", "/usr/share/xmltv/xmltv.dtd", path, NULL };
  g_autofree char *output = NULL;
  int status = exs_test_run_command (argv, NULL, &output);

  if (status != 0 || strstr (output, "Validated ok.") == NULL)
    g_error ("tv_validate_file rejected %s (exit %d):\n%s", path, status, output);
}

static void
vlc_entry_free (ExsVlcEntry *e)
{
  g_free (e->name);
  g_free (e->url);
  g_free (e);
}

/**
 * exs_check_vlc_playlist:
 *
 * Returns: (transfer full) (element-type ExsVlcEntry): the entries VLC
 * found, in order, with the URL it opened for each
 */
GPtrArray *
exs_check_vlc_playlist (const char *path)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_auto (GStrv) argv = NULL;
  g_autofree char *output = NULL;
  g_auto (GStrv) lines = NULL;
  GPtrArray *entries = g_ptr_array_new_with_free_func ((GDestroyNotify)vlc_entry_free);
  const char *env[] = { "HOME=/tmp", NULL };
  ExsVlcEntry *current = NULL;

  if (geteuid () == 0)
    {
      g_strv_builder_add_many (b, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                               NULL);
    }
  g_strv_builder_add_many (b, "timeout", "60", "cvlc", "-I", "dummy", "-vv", "--no-video",
                           "--no-audio", "--no-media-library", "--run-time=1",
                           "--network-caching=100", "--play-and-exit", path, "vlc://quit", NULL);
  argv = g_strv_builder_end (b);
  exs_test_run_command ((const char *const *)argv, env, &output);
  lines = g_strsplit (output, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      const char *p;

      if ((p = strstr (lines[i], "main input debug: Creating an input for '")) != NULL)
        {
          const char *start = p + strlen ("main input debug: Creating an input for '");
          const char *end = strrchr (start, '\'');

          current = NULL;
          if (end == NULL || g_str_has_prefix (start, "preparsing")
              || g_str_has_prefix (start, "vlc://"))
            continue;
          current = g_new0 (ExsVlcEntry, 1);
          current->name = g_strndup (start, (gsize)(end - start));
          g_ptr_array_add (entries, current);
        }
      else if (current && current->url == NULL
               && (p = strstr (lines[i], "main input debug: `")) != NULL
               && strstr (p, "' gives access") != NULL)
        {
          const char *start = p + strlen ("main input debug: `");
          current->url = g_strndup (start, (gsize)(strstr (start, "' gives access") - start));
        }
    }
  /* keep the playlist's entries, not the playlist file or VLC's media library */
  for (guint i = entries->len; i-- > 0;)
    {
      ExsVlcEntry *e = entries->pdata[i];
      if (e->url == NULL || !g_str_has_prefix (e->url, "http"))
        g_ptr_array_remove_index (entries, i);
    }
  if (entries->len == 0)
    g_error ("VLC found no entries in %s:\n%s", path, output);
  return entries;
}
