/* exs-schedule-content.c: reads what a schedule's content references point to
 * from the library tables (collections, shows, seasons, items, lists) and walks
 * it in the chosen playback order.
 *
 * Used by the playout builder in its worker thread. Nothing here fails the
 * build for bad content: deleted or missing media, zero-length items and empty
 * collections are left out and written to the problems list, and an empty leaf
 * simply has no units (the builder then plays filler or offline).
 *
 * Orders are pure functions of (seed, leaf key, pass, position): a shuffle's
 * permutation for pass N is always the same, so the cursor only needs the two
 * integers to continue exactly, across rebuilds and restarts.
 */
#include "config.h"

#include "exs-schedule-content.h"

#include "exs-fs.h"
#include "exs-media-query.h"
#include "exs-media-store.h"

#include <stdlib.h>
#include <string.h>

/* splitmix64: a tiny, well-known mixer; ours so results never depend on
 * the GLib version's GRand. */
static guint64
mix64 (guint64 x)
{
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

guint64
exs_hash64 (guint64 a, guint64 b, guint64 c)
{
  return mix64 (mix64 (mix64 (a) ^ b) ^ c);
}

static void
facts_free (ExsMediaFacts *f)
{
  g_free (f->uri);
  g_free (f->title);
  g_free (f->path);
  g_free (f->plot);
  g_free (f->show_title);
  g_free (f->artwork);
  g_strfreev (f->genres);
  g_free (f->chapters_us);
  g_free (f);
}

ExsMediaCache *
exs_media_cache_new (ExsDatabase *database)
{
  ExsMediaCache *c = g_new0 (ExsMediaCache, 1);

  c->database = g_object_ref (database);
  c->facts = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, (GDestroyNotify) facts_free);
  c->problems = g_ptr_array_new_with_free_func (g_free);
  return c;
}

void
exs_media_cache_free (ExsMediaCache *c)
{
  if (c == NULL)
    return;
  g_clear_pointer (&c->by_id, sqlite3_finalize);
  g_clear_pointer (&c->genres, sqlite3_finalize);
  g_clear_pointer (&c->chapters, sqlite3_finalize);
  g_hash_table_unref (c->facts);
  g_ptr_array_unref (c->problems);
  g_object_unref (c->database);
  g_free (c);
}

static char *
col_text (sqlite3_stmt *s, int i)
{
  const char *t = (const char *) sqlite3_column_text (s, i);
  return t && t[0] ? g_strdup (t) : NULL;
}

static void
add_problem (ExsMediaCache *c, const char *where, const char *format, ...) G_GNUC_PRINTF (3, 4);

static void
add_problem (ExsMediaCache *c, const char *where, const char *format, ...)
{
  g_autofree char *msg = NULL;
  char *full;
  va_list args;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  full = g_strdup_printf ("%s: %s", where, msg);
  for (guint i = 0; i < c->problems->len; i++)
    if (g_str_equal (c->problems->pdata[i], full))
      {
        g_free (full);
        return;
      }
  g_ptr_array_add (c->problems, full);
}

/* Returns the facts for @id, or NULL (with a problem noted) when it cannot play. */
static ExsMediaFacts *
load_facts (ExsMediaCache *c, gint64 id, const char *where, GError **error)
{
  ExsMediaFacts *f = g_hash_table_lookup (c->facts, &id);
  int rc, missing;

  if (f != NULL)
    return f->duration_us > 0 ? f : NULL;
  if (c->by_id == NULL)
    {
      c->by_id = exs_database_prepare (
          c->database,
          "SELECT m.uri, m.title, m.path, m.plot, m.show_id, s.title, m.season_number, m.episode_number,"
          " m.year, COALESCE(m.poster, m.thumb, s.poster, m.fanart), m.duration_ms, m.missing"
          " FROM media_items m LEFT JOIN shows s ON s.id = m.show_id WHERE m.id = ?",
          error);
      c->genres = exs_database_prepare (c->database,
                                        "SELECT DISTINCT genre FROM media_genres WHERE media_item_id = ?1"
                                        " OR show_id = (SELECT show_id FROM media_items WHERE id = ?1) ORDER BY genre",
                                        error);
      c->chapters = exs_database_prepare (
          c->database, "SELECT start_ms FROM media_chapters WHERE media_item_id = ? AND start_ms > 0 ORDER BY start_ms",
          error);
      if (c->by_id == NULL || c->genres == NULL || c->chapters == NULL)
        return NULL;
    }
  sqlite3_reset (c->by_id);
  sqlite3_bind_int64 (c->by_id, 1, id);
  rc = sqlite3_step (c->by_id);
  f = g_new0 (ExsMediaFacts, 1);
  f->id = id;
  f->season = f->episode = -1;
  g_hash_table_insert (c->facts, &f->id, f);
  if (rc != SQLITE_ROW)
    {
      sqlite3_reset (c->by_id);
      add_problem (c, where, "media item %" G_GINT64_FORMAT " does not exist (deleted?)", id);
      f->genres = g_new0 (char *, 1);
      return NULL;
    }
  f->uri = col_text (c->by_id, 0);
  f->title = col_text (c->by_id, 1);
  f->path = col_text (c->by_id, 2);
  f->plot = col_text (c->by_id, 3);
  f->show_id = sqlite3_column_int64 (c->by_id, 4);
  f->show_title = col_text (c->by_id, 5);
  if (sqlite3_column_type (c->by_id, 6) != SQLITE_NULL)
    f->season = sqlite3_column_int (c->by_id, 6);
  if (sqlite3_column_type (c->by_id, 7) != SQLITE_NULL)
    f->episode = sqlite3_column_int (c->by_id, 7);
  f->year = sqlite3_column_int (c->by_id, 8);
  f->artwork = col_text (c->by_id, 9);
  f->duration_us = sqlite3_column_int64 (c->by_id, 10) * 1000;
  missing = sqlite3_column_int (c->by_id, 11);
  /* A statement left on a row keeps the connection's read snapshot open;
   * the playout builder's BEGIN IMMEDIATE after it then fails at once with
   * "database is locked" if the server's main connection wrote meanwhile
   * (the busy handler cannot help a stale snapshot). */
  sqlite3_reset (c->by_id);
  if (missing)
    {
      add_problem (c, where, "media item %" G_GINT64_FORMAT " (%s) is missing from disk; left out", id,
                   f->title ? f->title : "");
      f->duration_us = 0;
    }
  else if (f->duration_us <= 0)
    {
      add_problem (c, where, "media item %" G_GINT64_FORMAT " (%s) has no duration; left out", id,
                   f->title ? f->title : "");
      f->duration_us = 0;
    }
  {
    g_autoptr (GPtrArray) genres = g_ptr_array_new ();
    g_autoptr (GArray) chapters = g_array_new (FALSE, FALSE, sizeof (gint64));
    sqlite3_reset (c->genres);
    sqlite3_bind_int64 (c->genres, 1, id);
    while (sqlite3_step (c->genres) == SQLITE_ROW)
      g_ptr_array_add (genres, exs_database_dup_column (c->genres, 0));
    g_ptr_array_add (genres, NULL);
    f->genres = (char **) g_ptr_array_free (g_steal_pointer (&genres), FALSE);
    sqlite3_reset (c->chapters);
    sqlite3_bind_int64 (c->chapters, 1, id);
    while (sqlite3_step (c->chapters) == SQLITE_ROW)
      {
        gint64 us = sqlite3_column_int64 (c->chapters, 0) * 1000;
        if (us < f->duration_us)
          g_array_append_val (chapters, us);
      }
    f->n_chapters = chapters->len;
    f->chapters_us = (gint64 *) (void *) g_array_free (g_steal_pointer (&chapters), FALSE);
  }
  return f->duration_us > 0 ? f : NULL;
}

static gboolean
collect_ids (ExsMediaCache *c, const char *sql, gint64 a, gint64 b, gboolean bind_b, GArray *ids, GError **error)
{
  g_autoptr (sqlite3_stmt) s = exs_database_prepare (c->database, sql, error);
  int rc;

  if (s == NULL)
    return FALSE;
  sqlite3_bind_int64 (s, 1, a);
  if (bind_b)
    sqlite3_bind_int64 (s, 2, b);
  while ((rc = sqlite3_step (s)) == SQLITE_ROW)
    {
      gint64 id = sqlite3_column_int64 (s, 0);
      g_array_append_val (ids, id);
    }
  if (rc != SQLITE_DONE)
    {
      g_set_error (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_QUERY, "reading the library: %s",
                   sqlite3_errmsg (exs_database_get_handle (c->database)));
      return FALSE;
    }
  return TRUE;
}

/* Whether @sql finds a row for @id; %FALSE with @error when the database
 * cannot say (a failed read is not "deleted"). */
static gboolean
exists (ExsMediaCache *c, const char *sql, gint64 id, gboolean *found, GError **error)
{
  g_autoptr (sqlite3_stmt) s = exs_database_prepare (c->database, sql, error);
  int rc;

  if (s == NULL)
    return FALSE;
  sqlite3_bind_int64 (s, 1, id);
  rc = sqlite3_step (s);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      g_set_error (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_QUERY, "reading the library: %s",
                   sqlite3_errmsg (exs_database_get_handle (c->database)));
      return FALSE;
    }
  *found = rc == SQLITE_ROW;
  return TRUE;
}

#define SHOW_SQL "SELECT id FROM media_items WHERE show_id = ?1 ORDER BY season_number, episode_number, id"
#define SEASON_SQL \
  "SELECT id FROM media_items WHERE show_id = ?1 AND season_number = ?2 ORDER BY episode_number, id"

/* A smart collection is its saved query's result, in the library's order
 * (the same as the collection's page shows). A query that no longer
 * compiles is a problem of the schedule, not a failed build. */
static gboolean
resolve_smart (ExsMediaCache *c, gint64 collection_id, const char *where, GArray *ids, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GArray) found = exs_collection_resolve (c->database, collection_id, &local);

  if (found == NULL)
    {
      if (!g_error_matches (local, EXS_MEDIA_QUERY_ERROR, EXS_MEDIA_QUERY_ERROR_SYNTAX))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      add_problem (c, where, "smart collection %" G_GINT64_FORMAT ": %s", collection_id, local->message);
      return TRUE;
    }
  g_array_append_vals (ids, found->data, found->len);
  return TRUE;
}

static gboolean
resolve_ids (ExsMediaCache *c, const ExsContentRef *ref, const char *where, GArray *ids, GError **error)
{
  gboolean found = FALSE;

  switch (ref->kind)
    {
    case EXS_CONTENT_MEDIA_ITEM:
      g_array_append_val (ids, ref->id);
      return TRUE;
    case EXS_CONTENT_PLAYLIST:
      g_array_append_vals (ids, ref->ids, ref->n_ids);
      return TRUE;
    case EXS_CONTENT_SHOW:
    case EXS_CONTENT_SEASON:
      if (!exists (c, "SELECT 1 FROM shows WHERE id = ?", ref->id, &found, error))
        return FALSE;
      if (!found)
        {
          add_problem (c, where, "show %" G_GINT64_FORMAT " does not exist (deleted?)", ref->id);
          return TRUE;
        }
      if (ref->kind == EXS_CONTENT_SHOW)
        return collect_ids (c, SHOW_SQL, ref->id, 0, FALSE, ids, error);
      return collect_ids (c, SEASON_SQL, ref->id, ref->season, TRUE, ids, error);
    case EXS_CONTENT_COLLECTION:
      {
        g_autoptr (sqlite3_stmt) s = NULL;
        if (!exists (c, "SELECT 1 FROM collections WHERE id = ?", ref->id, &found, error))
          return FALSE;
        if (!found)
          {
            add_problem (c, where, "collection %" G_GINT64_FORMAT " does not exist (deleted?)", ref->id);
            return TRUE;
          }
        if (!exists (c, "SELECT 1 FROM collections WHERE id = ? AND kind = 'smart'", ref->id, &found, error))
          return FALSE;
        if (found)
          return resolve_smart (c, ref->id, where, ids, error);
        s = exs_database_prepare (c->database,
                                  "SELECT media_item_id, show_id, season_number FROM collection_members"
                                  " WHERE collection_id = ? ORDER BY position, id",
                                  error);
        if (s == NULL)
          return FALSE;
        sqlite3_bind_int64 (s, 1, ref->id);
        while (sqlite3_step (s) == SQLITE_ROW)
          {
            gint64 media = sqlite3_column_int64 (s, 0);
            gint64 show = sqlite3_column_int64 (s, 1);
            if (media > 0)
              g_array_append_val (ids, media);
            else if (sqlite3_column_type (s, 2) == SQLITE_NULL)
              {
                if (!collect_ids (c, SHOW_SQL, show, 0, FALSE, ids, error))
                  return FALSE;
              }
            else if (!collect_ids (c, SEASON_SQL, show, sqlite3_column_int64 (s, 2), TRUE, ids, error))
              return FALSE;
          }
        return TRUE;
      }
    }
  g_assert_not_reached ();
}

static int
cmp_str (const char *a, const char *b)
{
  return g_strcmp0 (a ? a : "", b ? b : "");
}

static int
cmp_season_episode (gconstpointer pa, gconstpointer pb)
{
  const ExsMediaFacts *a = *(ExsMediaFacts **) pa, *b = *(ExsMediaFacts **) pb;
  int r;

  if ((r = cmp_str (a->show_title, b->show_title)) != 0)
    return r;
  if (a->show_id != b->show_id)
    return a->show_id < b->show_id ? -1 : 1;
  if (a->season != b->season)
    return a->season < b->season ? -1 : 1;
  if (a->episode != b->episode)
    return a->episode < b->episode ? -1 : 1;
  if ((r = cmp_str (a->title, b->title)) != 0)
    return r;
  return a->id < b->id ? -1 : a->id > b->id;
}

static int
cmp_chronological (gconstpointer pa, gconstpointer pb)
{
  const ExsMediaFacts *a = *(ExsMediaFacts **) pa, *b = *(ExsMediaFacts **) pb;

  if (a->year != b->year)
    return a->year < b->year ? -1 : 1;
  return cmp_season_episode (pa, pb);
}

/* "Title (2)", "Title Part 2", "Title Pt. 2" → 2; 0 when not a part */
static int
part_number (const char *title)
{
  static GRegex *re;
  g_autoptr (GMatchInfo) m = NULL;
  g_autofree char *num = NULL;

  if (title == NULL)
    return 0;
  if (g_once_init_enter (&re))
    g_once_init_leave (&re, g_regex_new ("(?:\\(|\\bpart\\s+|\\bpt\\.?\\s*)(\\d{1,2})\\)?\\s*$",
                                                 G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, NULL));
  if (!g_regex_match (re, title, 0, &m))
    return 0;
  num = g_match_info_fetch (m, 1);
  return atoi (num);
}

ExsLeafContent *
exs_leaf_content_load (ExsMediaCache *c, const ExsContentRef *ref, ExsPlaybackOrder order, gboolean keep_multi_part,
                       guint64 key, const char *where, GError **error)
{
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr (GArray) starts = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autoptr (GHashTable) groups = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  ExsLeafContent *leaf;

  if (!resolve_ids (c, ref, where, ids, error))
    return NULL;
  leaf = g_new0 (ExsLeafContent, 1);
  leaf->order = order;
  leaf->key = key;
  leaf->cached_pass = -1;
  leaf->media = g_ptr_array_new ();
  for (guint i = 0; i < ids->len; i++)
    {
      gint64 id = g_array_index (ids, gint64, i);
      ExsMediaFacts *f;
      if (ref->kind != EXS_CONTENT_PLAYLIST && g_hash_table_contains (seen, &id))
        continue;
      f = load_facts (c, id, where, error);
      if (f == NULL)
        {
          if (error && *error)
            {
              exs_leaf_content_free (leaf);
              return NULL;
            }
          continue;
        }
      g_hash_table_add (seen, &f->id);
      g_ptr_array_add (leaf->media, f);
    }
  if (leaf->media->len == 0)
    add_problem (c, where, "nothing to play (the content is empty or every item in it was left out)");

  if (!(ref->kind == EXS_CONTENT_PLAYLIST && order == EXS_ORDER_CHRONOLOGICAL))
    g_ptr_array_sort (leaf->media, order == EXS_ORDER_CHRONOLOGICAL ? cmp_chronological : cmp_season_episode);

  /* units: multi-part episodes stay together */
  for (guint i = 0; i < leaf->media->len; i++)
    {
      ExsMediaFacts *f = leaf->media->pdata[i];
      gboolean joins = FALSE;
      if (keep_multi_part && i > 0 && f->show_id != 0)
        {
          ExsMediaFacts *p = leaf->media->pdata[i - 1];
          int pn = part_number (f->title), pp = part_number (p->title);
          joins = p->show_id == f->show_id && p->season == f->season && pn > 1 && pn == pp + 1;
        }
      if (!joins)
        g_array_append_val (starts, i);
    }
  leaf->n_units = starts->len;
  g_array_append_val (starts, leaf->media->len);
  leaf->unit_start = (guint *) (void *) g_array_free (g_steal_pointer (&starts), FALSE);
  leaf->unit_duration_us = g_new0 (gint64, leaf->n_units);
  leaf->unit_group = g_new0 (guint, leaf->n_units);
  for (guint u = 0; u < leaf->n_units; u++)
    {
      ExsMediaFacts *first = leaf->media->pdata[leaf->unit_start[u]];
      gint64 show_key = first->show_id != 0 ? first->show_id : -first->id;
      gpointer g;
      for (guint i = leaf->unit_start[u]; i < leaf->unit_start[u + 1]; i++)
        leaf->unit_duration_us[u] += ((ExsMediaFacts *) leaf->media->pdata[i])->duration_us;
      if (!g_hash_table_lookup_extended (groups, &show_key, NULL, &g))
        {
          g = GUINT_TO_POINTER (leaf->n_groups++);
          g_hash_table_insert (groups, g_memdup2 (&show_key, sizeof show_key), g);
        }
      leaf->unit_group[u] = GPOINTER_TO_UINT (g);
    }
  return leaf;
}

void
exs_leaf_content_free (ExsLeafContent *leaf)
{
  if (leaf == NULL)
    return;
  g_ptr_array_unref (leaf->media);
  g_free (leaf->unit_start);
  g_free (leaf->unit_duration_us);
  g_free (leaf->unit_group);
  g_free (leaf->perm);
  g_free (leaf);
}

static void
build_perm (ExsLeafContent *leaf, guint64 seed, gint64 pass)
{
  guint64 state = exs_hash64 (seed, leaf->key, (guint64) pass);
  guint n = leaf->n_units;

  if (leaf->perm == NULL)
    leaf->perm = g_new (guint, MAX (n, 1));
  if (leaf->order == EXS_ORDER_SHUFFLE)
    {
      for (guint i = 0; i < n; i++)
        leaf->perm[i] = i;
      for (guint i = n; i > 1; i--)
        {
          guint j, t;
          state = mix64 (state);
          j = (guint) (state % i);
          t = leaf->perm[i - 1];
          leaf->perm[i - 1] = leaf->perm[j];
          leaf->perm[j] = t;
        }
    }
  else
    {
      /* shuffle in order: draw a show weighted by what it has left, play its next unit */
      g_autofree guint *left = g_new0 (guint, leaf->n_groups);
      g_autofree guint *next = g_new0 (guint, n + 1);
      g_autofree guint *head = g_new (guint, leaf->n_groups);
      for (guint g = 0; g < leaf->n_groups; g++)
        head[g] = G_MAXUINT;
      for (guint u = n; u-- > 0;)
        {
          guint g = leaf->unit_group[u];
          next[u] = head[g];
          head[g] = u;
          left[g]++;
        }
      for (guint i = 0; i < n; i++)
        {
          guint r, g = 0;
          state = mix64 (state);
          r = (guint) (state % (n - i));
          while (r >= left[g])
            r -= left[g++];
          leaf->perm[i] = head[g];
          head[g] = next[head[g]];
          left[g]--;
        }
    }
  leaf->cached_pass = pass;
}

/**
 * exs_leaf_content_peek:
 *
 * Returns: the unit the enumerator at (@pos, @pass) plays next; the leaf must
 *   have units
 */
guint
exs_leaf_content_peek (ExsLeafContent *leaf, guint64 seed, gint64 pos, gint64 pass)
{
  g_assert (leaf->n_units > 0);
  switch (leaf->order)
    {
    case EXS_ORDER_CHRONOLOGICAL:
    case EXS_ORDER_SEASON_EPISODE:
      return (guint) (pos % leaf->n_units);
    case EXS_ORDER_RANDOM:
      return (guint) (exs_hash64 (seed, leaf->key, (guint64) pos) % leaf->n_units);
    case EXS_ORDER_SHUFFLE:
    case EXS_ORDER_SHUFFLE_IN_ORDER:
      if (leaf->cached_pass != pass)
        build_perm (leaf, seed, pass);
      return leaf->perm[pos % leaf->n_units];
    }
  g_assert_not_reached ();
}

void
exs_leaf_content_advance (ExsLeafContent *leaf, gint64 *pos, gint64 *pass)
{
  (*pos)++;
  if (leaf->order != EXS_ORDER_RANDOM && *pos >= leaf->n_units)
    {
      *pos = 0;
      (*pass)++;
    }
}

/* How many units this enumerator has handed out since the start. */
gint64
exs_leaf_content_draws (const ExsLeafContent *leaf, gint64 pos, gint64 pass)
{
  if (leaf->order == EXS_ORDER_RANDOM)
    return pos;
  return pass * leaf->n_units + pos;
}
