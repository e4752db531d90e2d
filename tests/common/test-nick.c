/* Enum values read from their names. */
#include "config.h"

#include "exs-nick.h"

static void
test_lookup (void)
{
  static const char *const nicks[] = { "fit", "crop", "stretch", NULL };
  int value = -1;

  g_assert_true (exs_nick_lookup (nicks, "fit", &value));
  g_assert_cmpint (value, ==, 0);
  g_assert_true (exs_nick_lookup (nicks, "stretch", &value));
  g_assert_cmpint (value, ==, 2);

  /* an unknown name, a different case or none leaves the value alone */
  value = 7;
  g_assert_false (exs_nick_lookup (nicks, "zoom", &value));
  g_assert_false (exs_nick_lookup (nicks, "Crop", &value));
  g_assert_false (exs_nick_lookup (nicks, "", &value));
  g_assert_false (exs_nick_lookup (nicks, NULL, &value));
  g_assert_cmpint (value, ==, 7);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/common/nick/lookup", test_lookup);
  return g_test_run ();
}
