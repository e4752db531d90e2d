/* exs-memory.c: giving freed memory back to the system.
 *
 * A channel's pipeline allocates from the malloc arenas of its streaming
 * threads; when it stops, glibc keeps those pages mapped for reuse. A
 * server that starts and stops channels all day (linger, on-demand tunes)
 * then creeps up in RSS — measured +40 MB over 40 tunes of one channel, and
 * ~100 MB kept after the demo clips are made — which also feeds the
 * long-run monitor's containment check. malloc_trim() returns the free
 * pages of every arena; it takes a few milliseconds, so it is called at
 * such moments only, never per buffer.
 */
#include "config.h"

#include "exs-memory.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

/**
 * exs_memory_give_back:
 *
 * Returns free heap pages to the system, where the C library can (glibc);
 * does nothing elsewhere. Call after a large structure (a pipeline) is gone.
 */
void
exs_memory_give_back (void)
{
#ifdef __GLIBC__
  malloc_trim (0);
#endif
}
