/* fuzz-media-query.c: the library query language (?q= on /api/media and
 * smart collections), compiled to SQL and prepared against the real schema
 * shape so a compiled query that SQLite rejects is found too. */
#include "config.h"

#include "exs-fuzz.h"
#include "exs-media-query.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr (ExsMediaQuery) query = NULL;
  int position = -1;

  query = exs_media_query_compile (text, &position, NULL);
  if (query != NULL)
    g_assert (exs_media_query_get_sql (query) != NULL);
  return 0;
}
