/* exs-schedule-content.h: the media a schedule can play, read from the library tables,
 * and the enumerators that walk it in a playback order.
 *
 * An ExsScheduleContent is loaded once per build (in the builder's worker
 * thread) and is read-only afterwards, apart from the per-leaf permutation
 * cache. Enumerator state is two integers per leaf (position, pass) kept in
 * the playout cursor, so the order continues exactly after a restart.
 */
#pragma once

#include "exs-database.h"
#include "exs-schedule.h"

G_BEGIN_DECLS

typedef struct
{
  gint64 id;
  char *uri;
  gint64 duration_us;
  char *title;          /* media title (may be empty) */
  char *path;           /* file path (nullable) */
  char *plot;
  gint64 show_id;       /* 0 if none */
  char *show_title;
  int season;           /* -1 if none */
  int episode;          /* -1 if none */
  int year;
  char *artwork;
  char **genres;        /* NULL-terminated, never NULL */
  gint64 *chapters_us;  /* chapter starts after 0, ascending */
  guint n_chapters;
} ExsMediaFacts;

/* What one leaf (a content reference in a given order) plays: units of one or
 * more media items (a multi-part episode is one unit). */
typedef struct
{
  ExsPlaybackOrder order;
  guint64 key;              /* seeds its shuffles; stable for the schedule's shape */
  GPtrArray *media;         /* ExsMediaFacts*, borrowed from the content, in base order */
  guint *unit_start;        /* n_units + 1 offsets into media */
  gint64 *unit_duration_us;
  guint n_units;
  guint *unit_group;        /* shuffle_in_order: the show each unit belongs to */
  guint n_groups;
  /* permutation cache (shuffle orders) */
  gint64 cached_pass;
  guint *perm;
} ExsLeafContent;

typedef struct
{
  GHashTable *facts;        /* id → ExsMediaFacts* */
  GPtrArray *problems;      /* char*: what was wrong with the content */
  sqlite3_stmt *by_id;
  sqlite3_stmt *genres;
  sqlite3_stmt *chapters;
  ExsDatabase *database;
} ExsMediaCache;

ExsMediaCache *exs_media_cache_new (ExsDatabase *database);
void exs_media_cache_free (ExsMediaCache *cache);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExsMediaCache, exs_media_cache_free)

ExsLeafContent *exs_leaf_content_load (ExsMediaCache        *cache,
                                       const ExsContentRef  *ref,
                                       ExsPlaybackOrder      order,
                                       gboolean              keep_multi_part,
                                       guint64               key,
                                       const char           *where,
                                       GError              **error);
void exs_leaf_content_free (ExsLeafContent *leaf);

/* Enumerator: *pos and *pass are the leaf's cursor state. */
guint exs_leaf_content_peek (ExsLeafContent *leaf,
                             guint64         seed,
                             gint64          pos,
                             gint64          pass);
void exs_leaf_content_advance (ExsLeafContent *leaf,
                               gint64         *pos,
                               gint64         *pass);
gint64 exs_leaf_content_draws (const ExsLeafContent *leaf,
                               gint64                pos,
                               gint64                pass);

guint64 exs_hash64 (guint64 a,
                    guint64 b,
                    guint64 c);

G_END_DECLS
