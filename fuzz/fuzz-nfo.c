/* fuzz-nfo.c: Kodi NFO files, which sit in media folders the server scans. */
#include "config.h"

#include "exs-fuzz.h"
#include "exs-nfo.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (ExsNfo) nfo = exs_nfo_parse_data ((const char *) data, size, size > 0 ? data[0] % 4 : 1, NULL);

  if (nfo != NULL)
    g_assert (nfo->kind != NULL && nfo->genres != NULL && nfo->tags != NULL);
  return 0;
}
