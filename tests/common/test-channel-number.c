/* Channel numbers: the rule, normalisation and guide order. */
#include "config.h"

#include "exs-channel-number.h"

static void
test_valid (void)
{
  const struct { const char *in, *out; } cases[] = {
    { "5", "5" }, { "102", "102" }, { "1984.1", "1984.1" }, { "  121 ", "121" },
    { "\t7\n", "7" }, { "0102", "102" }, { "7.01", "7.1" }, { "99999.99999", "99999.99999" }, { "0", "0" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *n = exs_channel_number_normalize (cases[i].in);
      g_assert_cmpstr (n, ==, cases[i].out);
    }
}

static void
test_invalid (void)
{
  const char *cases[] = { "", "   ", "abc", "1.2.3", "-5", "+5", "5.", ".5", "1e3", "12a", "1 2",
                          "123456", "1.123456", "１２", "5,1", "0x10" };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *n = exs_channel_number_normalize (cases[i]);
      if (n != NULL)
        g_error ("“%s” was accepted as %s", cases[i], n);
    }
  g_assert_null (exs_channel_number_normalize (NULL));
}

static void
test_order (void)
{
  const char *sorted[] = { "2", "10", "102", "121", "1984", "1984.1", "1984.2", "1984.10", "2000" };

  for (guint i = 0; i < G_N_ELEMENTS (sorted); i++)
    for (guint j = 0; j < G_N_ELEMENTS (sorted); j++)
      {
        int c = exs_channel_number_compare (sorted[i], sorted[j]);
        g_assert_cmpint (c < 0 ? -1 : c > 0 ? 1 : 0, ==, i < j ? -1 : i > j ? 1 : 0);
      }
  g_assert_cmpint (exs_channel_number_compare (" 102", "0102"), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/common/channel-number/valid-and-normalised", test_valid);
  g_test_add_func ("/common/channel-number/invalid-refused", test_invalid);
  g_test_add_func ("/common/channel-number/numeric-order", test_order);
  return g_test_run ();
}
