/* exs-fuzz-replay.c: replays a fuzz corpus without libFuzzer.
 *
 * Usage: fuzz-replay-<name> DIR...   Every regular file under each DIR is
 * read and passed to LLVMFuzzerTestOneInput once. Built with the normal
 * compiler into the test suite, so every seed (including the one for each
 * crash found so far) runs on every `meson test`. Prints TAP.
 */
#include "config.h"

#include "exs-fuzz.h"

#include <glib.h>

static void
replay_dir (const char *path, guint *count)
{
  g_autoptr (GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir == NULL)
    return;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *file = g_build_filename (path, name, NULL);
      g_autofree char *data = NULL;
      gsize len = 0;

      if (g_file_test (file, G_FILE_TEST_IS_DIR))
        {
          replay_dir (file, count);
          continue;
        }
      if (!g_file_get_contents (file, &data, &len, NULL))
        continue;
      LLVMFuzzerTestOneInput ((const uint8_t *) data, len);
      (*count)++;
      g_print ("ok %u - %s\n", *count, file);
    }
}

int
main (int argc, char **argv)
{
  guint count = 0;

  for (int i = 1; i < argc; i++)
    replay_dir (argv[i], &count);
  if (count == 0)
    {
      g_print ("1..1\nnot ok 1 - no corpus files found\n");
      return 1;
    }
  g_print ("1..%u\n", count);
  return 0;
}
