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
 *
 * Video frames (1.4 MB at 720p, 3 MB at 1080p) are the big allocations. glibc
 * raises its mmap threshold each time a mapped block is freed, so after the
 * first frames they came from the arenas, where they stay resident once
 * freed. A fixed threshold keeps them mapped and unmapped on free:
 * measured on one demo channel, 160 MB instead of 190–210 MB while playing
 * and 83 MB instead of 102–127 MB once stopped.
 */
#include "config.h"

#include "exs-memory.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

#define MMAP_THRESHOLD (256 * 1024)

/**
 * exs_memory_configure:
 *
 * Call once, first thing in main(): large blocks (video frames) are mapped
 * from the system and returned to it when freed.
 */
void
exs_memory_configure (void)
{
#ifdef __GLIBC__
  mallopt (M_MMAP_THRESHOLD, MMAP_THRESHOLD);
#endif
}

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
