/* File helpers: extensions. */
#include "config.h"

#include "exs-fs.h"

static void
test_has_extension (void)
{
  static const char *const video[] = { "mp4", "mkv", NULL };

  g_assert_true (exs_fs_has_extension ("film.mp4", video));
  g_assert_true (exs_fs_has_extension ("/media/Film.Name.2001.MKV", video));
  g_assert_true (exs_fs_has_extension (".hidden.mp4", video)); /* hiding is the caller's rule */
  g_assert_false (exs_fs_has_extension ("film.mp4.part", video));
  g_assert_false (exs_fs_has_extension ("mp4", video));
  g_assert_false (exs_fs_has_extension ("film.", video));
  g_assert_false (exs_fs_has_extension ("/media/a.mp4/readme", video));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/common/fs/has-extension", test_has_extension);
  return g_test_run ();
}
