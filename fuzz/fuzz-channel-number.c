/* fuzz-channel-number.c: channel numbers, as they come in URLs, JSON and
 * HDHomeRun "vchannel" values. Checks that a parsed number normalizes to
 * itself and compares equal to itself. */
#include "config.h"

#include "exs-channel-number.h"
#include "exs-fuzz.h"

#include <string.h>

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autofree char *normalized = NULL;
  g_autofree char *again = NULL;
  const char *half = text + strlen (text) / 2;
  guint major = 0, minor = 0;
  gboolean has_minor = FALSE;

  if (exs_channel_number_parse (text, &normalized, &major, &minor, &has_minor))
    {
      again = exs_channel_number_normalize (normalized);
      g_assert (again != NULL && g_str_equal (again, normalized));
      g_assert (exs_channel_number_compare (text, normalized) == 0);
    }
  exs_channel_number_compare (text, half);
  return 0;
}
