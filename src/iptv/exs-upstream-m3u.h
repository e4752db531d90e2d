/* exs-upstream-m3u.h: reading an M3U of upstream live channels */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One channel of the playlist; every string is non-NULL (maybe ""). */
typedef struct
{
  guint line;     /* of its URL, from 1 */
  char *name;
  char *url;      /* checked: http(s) */
  char *tvg_id;
  char *logo;     /* as given; the caller checks it */
  char *group;
  char *number;   /* tvg-chno (or channel-number) as given, or "" */
} ExsUpstreamM3uEntry;

void exs_upstream_m3u_entry_free (ExsUpstreamM3uEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExsUpstreamM3uEntry, exs_upstream_m3u_entry_free)

/* A line that was skipped, and why. */
typedef struct
{
  guint line;
  char *reason;
} ExsUpstreamM3uProblem;

void exs_upstream_m3u_problem_free (ExsUpstreamM3uProblem *problem);

#define EXS_UPSTREAM_M3U_MAX_BYTES (4 * 1024 * 1024)
#define EXS_UPSTREAM_M3U_MAX_ENTRIES 5000
#define EXS_UPSTREAM_M3U_MAX_LINE 8192
#define EXS_UPSTREAM_M3U_MAX_PROBLEMS 200

GPtrArray *exs_upstream_m3u_parse (const char  *text,
                                   gsize        length,
                                   GPtrArray  **problems,
                                   char       **guide_url,
                                   GError     **error);

G_END_DECLS
