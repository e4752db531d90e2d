/* exs-system-stats.c: cheap reads of /proc for the pool's guards and the
 * long-run monitor. Each is a few microseconds (one small file or one
 * directory listing), so they run on the main loop before each start and
 * every 30 s; none of them allocates per call beyond a line buffer. */
#include "config.h"

#include "exs-system-stats.h"

#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/**
 * exs_system_read_memory:
 *
 * Reads MemTotal and MemAvailable from /proc/meminfo.
 */
gboolean
exs_system_read_memory (guint64 *total_bytes, guint64 *available_bytes)
{
  FILE *f = fopen ("/proc/meminfo", "re");
  char line[256];
  guint64 total = 0, available = 0;
  gboolean have_total = FALSE, have_available = FALSE;

  if (f == NULL)
    return FALSE;
  while (fgets (line, sizeof line, f) && !(have_total && have_available))
    {
      unsigned long long kb;
      if (sscanf (line, "MemTotal: %llu kB", &kb) == 1)
        total = kb * 1024, have_total = TRUE;
      else if (sscanf (line, "MemAvailable: %llu kB", &kb) == 1)
        available = kb * 1024, have_available = TRUE;
    }
  fclose (f);
  if (!have_total || !have_available || total == 0)
    return FALSE;
  *total_bytes = total;
  *available_bytes = available;
  return TRUE;
}

/* Fraction of memory in use (1 - MemAvailable/MemTotal); 0 if unknown. */
double
exs_system_memory_used_fraction (void)
{
  guint64 total, available;

  if (!exs_system_read_memory (&total, &available))
    return 0;
  return 1.0 - (double) available / (double) total;
}

/* Open file descriptors of this process (entries of /proc/self/fd). */
guint
exs_system_count_open_fds (void)
{
  DIR *d = opendir ("/proc/self/fd");
  struct dirent *e;
  guint n = 0;

  if (d == NULL)
    return 0;
  while ((e = readdir (d)) != NULL)
    if (e->d_name[0] != '.')
      n++;
  closedir (d);
  return n > 0 ? n - 1 : 0; /* not counting the directory's own descriptor */
}

/* The soft RLIMIT_NOFILE. */
guint64
exs_system_fd_limit (void)
{
  struct rlimit rl;

  if (getrlimit (RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
    return G_MAXUINT32;
  return rl.rlim_cur;
}

/* Resident set size of this process, from /proc/self/statm. */
guint64
exs_system_read_rss_bytes (void)
{
  FILE *f = fopen ("/proc/self/statm", "re");
  unsigned long long size = 0, resident = 0;

  if (f == NULL)
    return 0;
  if (fscanf (f, "%llu %llu", &size, &resident) != 2)
    resident = 0;
  fclose (f);
  return resident * (guint64) sysconf (_SC_PAGESIZE);
}
