/* exs-channel-number.c: parsing, normalising and ordering channel numbers.
 *
 * Every path that takes a channel number from a user or a client (the API, the
 * stream URLs, HDHomeRun tuner paths, the CLI) goes through here, so "  102 ",
 * "0102" and "102" are the same channel everywhere, and "1984.1" is a number,
 * never a float and never an int.
 */
#include "config.h"

#include "exs-channel-number.h"

#include <string.h>

#define MAX_DIGITS 5

static gboolean
parse_part (const char *s, gsize len, guint *value)
{
  guint v = 0;

  if (len == 0 || len > MAX_DIGITS)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    {
      if (!g_ascii_isdigit (s[i]))
        return FALSE;
      v = v * 10 + (guint) (s[i] - '0');
    }
  *value = v;
  return TRUE;
}

/**
 * exs_channel_number_parse:
 * @text: what the user typed (surrounding white space is allowed)
 * @normalized: (out) (optional) (transfer full): the canonical text: leading
 *   zeros of each part removed ("0102" → "102", "7.01" → "7.1")
 * @major: (out) (optional): the part before the dot
 * @minor: (out) (optional): the part after the dot, 0 if none
 * @has_minor: (out) (optional): whether there was a dot
 *
 * Returns: %TRUE if @text is a valid channel number (see EXS_CHANNEL_NUMBER_RULE)
 */
gboolean
exs_channel_number_parse (const char *text,
                          char      **normalized,
                          guint      *major,
                          guint      *minor,
                          gboolean   *has_minor)
{
  g_autofree char *copy = NULL;
  const char *dot;
  guint maj = 0, min = 0;
  gboolean with_minor;

  if (text == NULL)
    return FALSE;
  copy = g_strstrip (g_strdup (text));
  dot = strchr (copy, '.');
  with_minor = dot != NULL;
  if (!parse_part (copy, with_minor ? (gsize) (dot - copy) : strlen (copy), &maj))
    return FALSE;
  if (with_minor && !parse_part (dot + 1, strlen (dot + 1), &min))
    return FALSE;

  if (normalized)
    *normalized = with_minor ? g_strdup_printf ("%u.%u", maj, min) : g_strdup_printf ("%u", maj);
  if (major)
    *major = maj;
  if (minor)
    *minor = min;
  if (has_minor)
    *has_minor = with_minor;
  return TRUE;
}

/**
 * exs_channel_number_normalize:
 *
 * Returns: (transfer full) (nullable): the canonical form, or %NULL if invalid
 */
char *
exs_channel_number_normalize (const char *text)
{
  char *out = NULL;

  if (!exs_channel_number_parse (text, &out, NULL, NULL, NULL))
    return NULL;
  return out;
}

/**
 * exs_channel_number_compare:
 *
 * Orders channel numbers as a guide does: 2 < 10 < 102 < 1984 < 1984.1 < 1984.2 < 1984.10.
 * Invalid numbers sort after valid ones, by text.
 */
int
exs_channel_number_compare (const char *a, const char *b)
{
  guint amaj, amin, bmaj, bmin;
  gboolean aminor, bminor;
  gboolean aok = exs_channel_number_parse (a, NULL, &amaj, &amin, &aminor);
  gboolean bok = exs_channel_number_parse (b, NULL, &bmaj, &bmin, &bminor);

  if (!aok || !bok)
    {
      if (aok != bok)
        return aok ? -1 : 1;
      return g_strcmp0 (a, b);
    }
  if (amaj != bmaj)
    return amaj < bmaj ? -1 : 1;
  if (aminor != bminor)
    return aminor ? 1 : -1;
  if (amin != bmin)
    return amin < bmin ? -1 : 1;
  return 0;
}
