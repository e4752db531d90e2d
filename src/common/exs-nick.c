/* exs-nick.c: reading an enum value from its name. Channel media settings,
 * profiles, schedules and media-server sources each keep their names in a
 * %NULL-terminated array indexed by the value, and read them back the
 * same way. */
#include "config.h"

#include "exs-nick.h"

/**
 * exs_nick_lookup:
 * @nicks: the names, indexed by value, %NULL-terminated
 * @nick: (nullable): the name to read
 * @value: (out): its index in @nicks; untouched when there is none
 *
 * Returns: whether @nick is one of @nicks
 */
gboolean
exs_nick_lookup (const char *const *nicks, const char *nick, int *value)
{
  for (int i = 0; nick && nicks[i]; i++)
    if (g_str_equal (nick, nicks[i]))
      {
        *value = i;
        return TRUE;
      }
  return FALSE;
}
