/* exs-library-scanner.c: ExsLibraryScanner, which turns folders into media items.
 *
 * Created by ExsApplication after the database; the /api/libraries routes
 * ask it to scan and read its progress. One library is scanned at a time, in
 * a GTask thread with its own SQLite connection:
 *
 *   1. walk the folders (following symlinks, each directory once, so a loop
 *      is a recorded issue and not a hang), noting each media file's size,
 *      mtime and NFO;
 *   2. compare with the items already stored: a file whose size, mtime and NFO
 *      are unchanged is not touched again (an NFO-only change re-reads the
 *      metadata without probing);
 *   3. hand the rest to 2–4 worker threads, each with its own GstDiscoverer
 *      (timeout per file), which also parse the file name and the NFO, find
 *      artwork and sidecar subtitles;
 *   4. write the results in batched transactions, each item with its streams
 *      and chapters inside one savepoint, so a library is never half-written;
 *   5. when the walk was complete, mark items whose file vanished as missing
 *      (kept for history; they come back when the file does) and store the
 *      counters and issues on the library.
 *
 * Bad input never stops a scan: unreadable, empty, truncated or non-media
 * files become items in the "error" state with the reason; folders that are
 * absent or vanish, loops and unreadable folders become library issues.
 *
 * After each scan the main thread watches every folder seen with a
 * GFileMonitor; changes, debounced, queue an incremental rescan.
 */
#include "config.h"

#include "exs-library-scanner.h"

#include "exs-fs.h"
#include "exs-library-store.h"
#include "exs-media-name.h"
#include "exs-media-probe.h"
#include "exs-nfo.h"

#include <dirent.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WRITE_BATCH 32
#define MAX_WATCHED_FOLDERS 8192
#define MAX_DEPTH 32

static const char *const media_extensions[] = {
  "mp4", "m4v", "mkv", "webm", "avi", "mov", "ts", "m2ts", "mts", "mpg", "mpeg", "wmv",
  "flv", "ogv", "ogm", "3gp", "vob", "divx", "asf", "m2v", NULL
};

/* ---- one scan ------------------------------------------------------------ */

typedef struct
{
  char *path;
  char *reason;
} Issue;

typedef struct
{
  gint64 id;
  gint64 size;
  gint64 mtime;
  gint64 nfo_mtime;
  gboolean missing;
  gboolean error;
  gboolean seen;
} Existing;

/* A file to look at, and what the worker found. */
typedef struct
{
  char *path;          /* file system encoding */
  char *uri;
  char *rel;           /* UTF-8 display form, relative to its root */
  char *root;
  gint64 size;
  gint64 mtime;        /* microseconds */
  char *nfo_path;      /* (nullable) */
  gint64 nfo_mtime;
  gboolean probe;      /* FALSE: only the metadata changed */
  gboolean name_not_utf8;

  gboolean skipped;    /* cancelled before it was looked at */
  gboolean vanished;
  ExsMediaFacts *facts;
  char *probe_error;
  ExsMediaName name;
  gboolean name_parsed_episode;
  ExsNfo *nfo;
  char *nfo_error;
  char *poster, *thumb, *fanart;
} WorkItem;

typedef struct
{
  gatomicrefcount refs;
  gint64 library_id;
  gboolean full;
  char *db_path;
  guint n_workers;
  guint timeout_s;
  GCancellable *cancellable;

  GMutex lock; /* protects progress */
  ExsLibraryScanProgress progress;

  /* written by the scan thread before it returns; read by the main thread after */
  GPtrArray *dirs;
  char *error;

  gboolean forgotten; /* main thread only: the library was removed meanwhile */

  GMutex done_lock; /* protects done, for stop() to wait on */
  GCond done_cond;
  gboolean done;
} ScanJob;

static int sentinel;

static void
issue_free (Issue *i)
{
  g_free (i->path);
  g_free (i->reason);
  g_free (i);
}

static void
work_item_free (WorkItem *w)
{
  g_free (w->path);
  g_free (w->uri);
  g_free (w->rel);
  g_free (w->root);
  g_free (w->nfo_path);
  exs_media_facts_free (w->facts);
  g_free (w->probe_error);
  exs_media_name_clear (&w->name);
  exs_nfo_free (w->nfo);
  g_free (w->nfo_error);
  g_free (w->poster);
  g_free (w->thumb);
  g_free (w->fanart);
  g_free (w);
}

static ScanJob *
scan_job_ref (ScanJob *job)
{
  g_atomic_ref_count_inc (&job->refs);
  return job;
}

static void
scan_job_unref (ScanJob *job)
{
  if (!g_atomic_ref_count_dec (&job->refs))
    return;
  g_free (job->db_path);
  g_clear_object (&job->cancellable);
  g_mutex_clear (&job->lock);
  g_mutex_clear (&job->done_lock);
  g_cond_clear (&job->done_cond);
  g_clear_pointer (&job->dirs, g_ptr_array_unref);
  g_free (job->error);
  g_free (job);
}

static void
add_issue (GPtrArray *issues, const char *path, const char *format, ...) G_GNUC_PRINTF (3, 4);

static void
add_issue (GPtrArray *issues, const char *path, const char *format, ...)
{
  Issue *i = g_new0 (Issue, 1);
  va_list args;

  i->path = g_filename_display_name (path);
  va_start (args, format);
  i->reason = g_strdup_vprintf (format, args);
  va_end (args);
  g_debug ("scan issue: %s: %s", i->path, i->reason);
  g_ptr_array_add (issues, i);
}

static gboolean
is_media_name (const char *name)
{
  const char *dot = strrchr (name, '.');

  if (dot == NULL || name[0] == '.')
    return FALSE;
  for (guint i = 0; media_extensions[i]; i++)
    if (g_ascii_strcasecmp (dot + 1, media_extensions[i]) == 0)
      return TRUE;
  return FALSE;
}

static char *
stem_of (const char *name)
{
  const char *dot = strrchr (name, '.');

  return dot ? g_strndup (name, (gsize) (dot - name)) : g_strdup (name);
}

static gint64
mtime_us (const struct stat *st)
{
  return (gint64) st->st_mtim.tv_sec * G_USEC_PER_SEC + st->st_mtim.tv_nsec / 1000;
}

/* ---- walking ------------------------------------------------------------- */

typedef struct
{
  ScanJob *job;
  const char *library_kind;
  const char *root;
  GHashTable *visited;  /* "dev:ino" of directories already walked */
  GPtrArray *files;     /* (element-type WorkItem), not yet classified */
  GPtrArray *issues;
  GPtrArray *dirs;
} Walk;

static void
walk_dir (Walk *w, const char *dir_path, const char *rel_prefix, int depth)
{
  DIR *dir;
  struct dirent *de;
  struct stat st;
  g_autofree char *key = NULL;
  g_autoptr (GHashTable) names = NULL;
  g_autoptr (GPtrArray) media = NULL;
  g_autoptr (GPtrArray) subdirs = NULL;

  if (g_cancellable_is_cancelled (w->job->cancellable))
    return;
  if (depth > MAX_DEPTH)
    {
      add_issue (w->issues, dir_path, "folders nested deeper than %d levels are not scanned", MAX_DEPTH);
      return;
    }
  if (stat (dir_path, &st) != 0)
    {
      add_issue (w->issues, dir_path, "folder vanished or cannot be read: %s", g_strerror (errno));
      return;
    }
  key = g_strdup_printf ("%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT, (guint64) st.st_dev, (guint64) st.st_ino);
  if (g_hash_table_contains (w->visited, key))
    {
      add_issue (w->issues, dir_path, "folder already scanned through another path (a symlink loop?); skipped");
      return;
    }
  g_hash_table_add (w->visited, g_steal_pointer (&key));

  dir = opendir (dir_path);
  if (dir == NULL)
    {
      add_issue (w->issues, dir_path, "cannot open folder: %s", g_strerror (errno));
      return;
    }
  g_ptr_array_add (w->dirs, g_strdup (dir_path));
  names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  media = g_ptr_array_new_with_free_func (g_free);
  subdirs = g_ptr_array_new_with_free_func (g_free);
  while ((de = readdir (dir)) != NULL)
    {
      const char *name = de->d_name;

      if (name[0] == '.')
        continue;
      g_hash_table_add (names, g_strdup (name));
      if (de->d_type == DT_DIR)
        g_ptr_array_add (subdirs, g_strdup (name));
      else if (de->d_type == DT_LNK || de->d_type == DT_UNKNOWN)
        {
          g_autofree char *full = g_build_filename (dir_path, name, NULL);
          if (stat (full, &st) != 0)
            {
              if (errno == ELOOP)
                add_issue (w->issues, full, "symlink loop");
              else if (de->d_type == DT_LNK)
                add_issue (w->issues, full, "broken symlink: %s", g_strerror (errno));
              continue;
            }
          if (S_ISDIR (st.st_mode))
            g_ptr_array_add (subdirs, g_strdup (name));
          else if (S_ISREG (st.st_mode) && is_media_name (name))
            g_ptr_array_add (media, g_strdup (name));
        }
      else if (de->d_type == DT_REG && is_media_name (name))
        g_ptr_array_add (media, g_strdup (name));
    }
  closedir (dir);

  g_ptr_array_sort (media, (GCompareFunc) g_strcmp0);
  for (guint i = 0; i < media->len; i++)
    {
      const char *name = media->pdata[i];
      g_autofree char *full = g_build_filename (dir_path, name, NULL);
      g_autofree char *display = g_filename_display_name (name);
      g_autofree char *stem = stem_of (name);
      g_autofree char *nfo_name = g_strconcat (stem, ".nfo", NULL);
      WorkItem *item;

      if (stat (full, &st) != 0)
        {
          add_issue (w->issues, full, "file vanished or cannot be read: %s", g_strerror (errno));
          continue;
        }
      item = g_new0 (WorkItem, 1);
      item->path = g_steal_pointer (&full);
      item->uri = g_filename_to_uri (item->path, NULL, NULL);
      item->rel = rel_prefix[0] ? g_strconcat (rel_prefix, "/", display, NULL) : g_strdup (display);
      item->root = g_strdup (w->root);
      item->size = st.st_size;
      item->mtime = mtime_us (&st);
      item->name_not_utf8 = !g_utf8_validate (name, -1, NULL);
      if (g_hash_table_contains (names, nfo_name))
        item->nfo_path = g_build_filename (dir_path, nfo_name, NULL);
      else if (!g_str_equal (w->library_kind, "shows") && g_hash_table_contains (names, "movie.nfo"))
        item->nfo_path = g_build_filename (dir_path, "movie.nfo", NULL);
      if (item->nfo_path && stat (item->nfo_path, &st) == 0)
        item->nfo_mtime = mtime_us (&st);
      if (item->uri == NULL)
        {
          add_issue (w->issues, item->path, "cannot make a URI of this path");
          work_item_free (item);
          continue;
        }
      g_ptr_array_add (w->files, item);
    }

  g_ptr_array_sort (subdirs, (GCompareFunc) g_strcmp0);
  for (guint i = 0; i < subdirs->len; i++)
    {
      const char *name = subdirs->pdata[i];
      g_autofree char *full = g_build_filename (dir_path, name, NULL);
      g_autofree char *display = g_filename_display_name (name);
      g_autofree char *rel = rel_prefix[0] ? g_strconcat (rel_prefix, "/", display, NULL) : g_strdup (display);

      walk_dir (w, full, rel, depth + 1);
    }
}

/* ---- workers ------------------------------------------------------------- */

typedef struct
{
  GAsyncQueue *in;
  GAsyncQueue *out;
  GCancellable *cancellable;
  char *library_kind;
  guint timeout_s;
} Worker;

static char *
find_beside (const char *dir, const char *const *candidates)
{
  for (guint i = 0; candidates[i]; i++)
    {
      g_autofree char *p = g_build_filename (dir, candidates[i], NULL);
      if (g_file_test (p, G_FILE_TEST_IS_REGULAR))
        return g_filename_display_name (p);
    }
  return NULL;
}

static void
find_artwork (WorkItem *item, gboolean episode)
{
  g_autofree char *dir = g_path_get_dirname (item->path);
  g_autofree char *base = g_path_get_basename (item->path);
  g_autofree char *stem = stem_of (base);
  g_autofree char *s_poster_jpg = g_strconcat (stem, "-poster.jpg", NULL);
  g_autofree char *s_poster_png = g_strconcat (stem, "-poster.png", NULL);
  g_autofree char *s_fanart_jpg = g_strconcat (stem, "-fanart.jpg", NULL);
  g_autofree char *s_thumb_jpg = g_strconcat (stem, "-thumb.jpg", NULL);
  g_autofree char *s_thumb_png = g_strconcat (stem, "-thumb.png", NULL);
  g_autofree char *s_jpg = g_strconcat (stem, ".jpg", NULL);
  g_autofree char *s_tbn = g_strconcat (stem, ".tbn", NULL);
  const char *posters[] = { s_poster_jpg, s_poster_png, "poster.jpg", "poster.png", "folder.jpg", NULL };
  const char *fanarts[] = { s_fanart_jpg, "fanart.jpg", "fanart.png", NULL };
  const char *thumbs[] = { s_thumb_jpg, s_thumb_png, s_jpg, s_tbn, NULL };

  item->thumb = find_beside (dir, thumbs);
  if (episode)
    return; /* an episode's poster and fanart are its show's */
  item->poster = find_beside (dir, posters);
  item->fanart = find_beside (dir, fanarts);
}

static void
look_at (Worker *wk, GstDiscoverer *disc, WorkItem *item)
{
  gboolean shows = g_str_equal (wk->library_kind, "shows");
  g_autoptr (GError) check_error = NULL;
  struct stat st;

  if (item->probe)
    {
      if (stat (item->path, &st) != 0)
        {
          item->vanished = errno == ENOENT;
          if (!item->vanished)
            item->probe_error = g_strdup_printf ("cannot read: %s", g_strerror (errno));
        }
      else if (st.st_size == 0)
        item->probe_error = g_strdup ("empty file (0 bytes)");
      else if (access (item->path, R_OK) != 0)
        item->probe_error = g_strdup_printf ("cannot read: %s", g_strerror (errno));
      else if (disc == NULL)
        item->probe_error = g_strdup ("no GstDiscoverer available");
      else if (!exs_media_check_file (item->path, &check_error))
        item->probe_error = g_strdup (check_error->message);
      else
        {
          g_autoptr (GError) error = NULL;
          gint64 started = g_get_monotonic_time ();
          item->facts = exs_media_probe (disc, item->uri, &error);
          if (g_get_monotonic_time () - started > 2 * G_USEC_PER_SEC)
            g_message ("probing %s took %.1f s%s%s", item->rel,
                       (double) (g_get_monotonic_time () - started) / G_USEC_PER_SEC, error ? ": " : "",
                       error ? error->message : "");
          if (item->facts == NULL)
            item->probe_error = g_strdup (error->message);
          else
            exs_media_facts_add_sidecar_subtitles (item->facts, item->path);
        }
      if (item->vanished)
        return;
    }

  if (shows)
    item->name_parsed_episode = exs_media_name_parse_episode (item->rel, &item->name);
  else
    exs_media_name_parse_movie (item->rel, &item->name);

  if (item->nfo_path)
    {
      g_autoptr (GError) error = NULL;
      item->nfo = exs_nfo_parse_file (item->nfo_path, item->name.episode, &error);
      if (item->nfo == NULL)
        {
          g_autofree char *base = g_path_get_basename (item->nfo_path);
          g_autofree char *display = g_filename_display_name (base);
          item->nfo_error = g_strdup_printf ("%s: %s; used the file name instead", display, error->message);
        }
    }
  find_artwork (item, shows);
}

static gpointer
worker_main (gpointer data)
{
  Worker *wk = data;
  g_autoptr (GError) error = NULL;
  GstDiscoverer *disc = gst_discoverer_new (wk->timeout_s * GST_SECOND, &error);
  gpointer p;

  if (disc == NULL)
    g_warning ("cannot create a GstDiscoverer: %s", error->message);
  while ((p = g_async_queue_pop (wk->in)) != &sentinel)
    {
      WorkItem *item = p;

      if (g_cancellable_is_cancelled (wk->cancellable))
        item->skipped = TRUE;
      else
        look_at (wk, disc, item);
      g_async_queue_push (wk->out, item);
    }
  g_clear_object (&disc);
  g_async_queue_unref (wk->in);
  g_async_queue_unref (wk->out);
  g_object_unref (wk->cancellable);
  g_free (wk->library_kind);
  g_free (wk);
  return NULL;
}

/* ---- writing ------------------------------------------------------------- */

typedef struct
{
  ExsDatabase *db;
  ExsLibraryRecord *library;
  GHashTable *shows;          /* show key → id (gint64 *) */
  GHashTable *shows_refreshed;/* show keys whose tvshow.nfo was read this scan */
  GPtrArray *issues;
  gint64 now;
} Writer;

static void
bind_text_or_null (sqlite3_stmt *stmt, int i, const char *text)
{
  if (text && text[0])
    sqlite3_bind_text (stmt, i, text, -1, SQLITE_TRANSIENT);
  else
    sqlite3_bind_null (stmt, i);
}

static void
bind_int_or_null (sqlite3_stmt *stmt, int i, gint64 v, gboolean present)
{
  if (present)
    sqlite3_bind_int64 (stmt, i, v);
  else
    sqlite3_bind_null (stmt, i);
}

static gboolean
exec_bound (Writer *wr, const char *sql, gint64 id, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = exs_database_prepare (wr->db, sql, error);

  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, id);
  return exs_database_step_done (wr->db, stmt, error);
}

static gboolean
write_labels (Writer *wr, const char *table, const char *column, const char *owner, gint64 id, GPtrArray *labels,
              GError **error)
{
  g_autofree char *del_sql = g_strdup_printf ("DELETE FROM %s WHERE %s = ?", table, owner);
  g_autofree char *ins_sql = g_strdup_printf ("INSERT INTO %s (%s, %s) VALUES (?, ?)", table, owner, column);
  g_autoptr (sqlite3_stmt) ins = NULL;

  if (!exec_bound (wr, del_sql, id, error))
    return FALSE;
  if (labels == NULL || labels->len == 0)
    return TRUE;
  ins = exs_database_prepare (wr->db, ins_sql, error);
  if (ins == NULL)
    return FALSE;
  for (guint i = 0; i < labels->len; i++)
    {
      sqlite3_reset (ins);
      sqlite3_bind_int64 (ins, 1, id);
      sqlite3_bind_text (ins, 2, labels->pdata[i], -1, SQLITE_TRANSIENT);
      if (!exs_database_step_done (wr->db, ins, error))
        return FALSE;
    }
  return TRUE;
}

/* Finds or creates the item's show, reading tvshow.nfo and artwork in its folder once per scan. */
static gboolean
ensure_show (Writer *wr, WorkItem *item, gint64 *show_id, GError **error)
{
  const char *key = item->name.show_folder ? item->name.show_folder : item->name.show_title;
  gint64 *known = g_hash_table_lookup (wr->shows, key);
  g_autofree char *folder = NULL;
  g_autofree char *folder_fs = NULL;
  g_autofree char *nfo_path = NULL;
  g_autoptr (ExsNfo) nfo = NULL;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  const char *posters[] = { "poster.jpg", "poster.png", "folder.jpg", NULL };
  const char *fanarts[] = { "fanart.jpg", "fanart.png", NULL };
  g_autofree char *poster = NULL;
  g_autofree char *fanart = NULL;
  const char *title;

  if (known && g_hash_table_contains (wr->shows_refreshed, key))
    {
      *show_id = *known;
      return TRUE;
    }
  if (item->name.show_folder)
    {
      /* the show folder's real (file system) name is the first component of the path under the root */
      const char *rest = item->path + strlen (item->root) + 1;
      const char *slash = strchr (rest, '/');
      folder_fs = slash ? g_strndup (item->path, (gsize) (slash - item->path)) : g_strdup (item->root);
      folder = g_filename_display_name (folder_fs);
      nfo_path = g_build_filename (folder_fs, "tvshow.nfo", NULL);
      if (g_file_test (nfo_path, G_FILE_TEST_IS_REGULAR))
        {
          g_autoptr (GError) local = NULL;
          nfo = exs_nfo_parse_file (nfo_path, -1, &local);
          if (nfo == NULL)
            add_issue (wr->issues, nfo_path, "%s; used the folder name instead", local->message);
        }
      poster = find_beside (folder_fs, posters);
      fanart = find_beside (folder_fs, fanarts);
    }
  title = nfo && nfo->title ? nfo->title : item->name.show_title;

  if (known)
    {
      stmt = exs_database_prepare (wr->db,
                                   "UPDATE shows SET title = ?, sort_title = ?, year = ?, plot = ?, "
                                   "content_rating = ?, studio = ?, folder = ?, poster = ?, fanart = ? WHERE id = ?",
                                   error);
    }
  else
    stmt = exs_database_prepare (wr->db,
                                 "INSERT INTO shows (title, sort_title, year, plot, content_rating, studio, folder, "
                                 "poster, fanart, library_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                 error);
  if (stmt == NULL)
    return FALSE;
  {
    g_autofree char *sort = exs_media_name_sort_title (nfo && nfo->sort_title ? nfo->sort_title : title);
    int year = nfo && nfo->year ? nfo->year : item->name.show_year;
    sqlite3_bind_text (stmt, 1, title, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text (stmt, 2, sort, -1, SQLITE_TRANSIENT);
    bind_int_or_null (stmt, 3, year, year > 0);
    bind_text_or_null (stmt, 4, nfo ? nfo->plot : NULL);
    bind_text_or_null (stmt, 5, nfo ? nfo->content_rating : NULL);
    bind_text_or_null (stmt, 6, nfo ? nfo->studio : NULL);
    bind_text_or_null (stmt, 7, folder);
    bind_text_or_null (stmt, 8, poster);
    bind_text_or_null (stmt, 9, fanart);
    sqlite3_bind_int64 (stmt, 10, known ? *known : wr->library->id);
  }
  if (!exs_database_step_done (wr->db, stmt, error))
    return FALSE;
  if (!known)
    {
      known = g_new (gint64, 1);
      *known = sqlite3_last_insert_rowid (exs_database_get_handle (wr->db));
      g_hash_table_insert (wr->shows, g_strdup (key), known);
    }
  g_hash_table_add (wr->shows_refreshed, g_strdup (key));
  *show_id = *known;
  return write_labels (wr, "media_genres", "genre", "show_id", *show_id, nfo ? nfo->genres : NULL, error)
         && write_labels (wr, "media_tags", "tag", "show_id", *show_id, nfo ? nfo->tags : NULL, error);
}

static gboolean
write_streams (Writer *wr, gint64 id, ExsMediaFacts *facts, GError **error)
{
  g_autoptr (sqlite3_stmt) ins = NULL;
  g_autoptr (sqlite3_stmt) ch = NULL;

  if (!exec_bound (wr, "DELETE FROM media_streams WHERE media_item_id = ?", id, error)
      || !exec_bound (wr, "DELETE FROM media_chapters WHERE media_item_id = ?", id, error))
    return FALSE;
  ins = exs_database_prepare (wr->db,
                              "INSERT INTO media_streams (media_item_id, kind, idx, codec, profile, width, height, "
                              "fps_num, fps_den, interlaced, channels, sample_rate, language, external_path, title) "
                              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                              error);
  if (ins == NULL)
    return FALSE;
  for (guint i = 0; i < facts->streams->len; i++)
    {
      ExsStreamFacts *s = facts->streams->pdata[i];
      gboolean video = g_str_equal (s->kind, "video");
      gboolean audio = g_str_equal (s->kind, "audio");
      g_autofree char *external = s->external_path ? g_filename_display_name (s->external_path) : NULL;

      sqlite3_reset (ins);
      sqlite3_bind_int64 (ins, 1, id);
      sqlite3_bind_text (ins, 2, s->kind, -1, SQLITE_STATIC);
      sqlite3_bind_int (ins, 3, s->index);
      bind_text_or_null (ins, 4, s->codec);
      bind_text_or_null (ins, 5, s->profile);
      bind_int_or_null (ins, 6, s->width, video);
      bind_int_or_null (ins, 7, s->height, video);
      bind_int_or_null (ins, 8, s->fps_num, video);
      bind_int_or_null (ins, 9, s->fps_den, video);
      bind_int_or_null (ins, 10, s->interlaced, video);
      bind_int_or_null (ins, 11, s->channels, audio);
      bind_int_or_null (ins, 12, s->sample_rate, audio);
      bind_text_or_null (ins, 13, s->language);
      bind_text_or_null (ins, 14, external);
      bind_text_or_null (ins, 15, s->title);
      if (!exs_database_step_done (wr->db, ins, error))
        return FALSE;
    }
  ch = exs_database_prepare (wr->db,
                             "INSERT INTO media_chapters (media_item_id, idx, start_ms, end_ms, title) "
                             "VALUES (?, ?, ?, ?, ?)",
                             error);
  if (ch == NULL)
    return FALSE;
  for (guint i = 0; i < facts->chapters->len; i++)
    {
      ExsChapterFacts *c = facts->chapters->pdata[i];

      sqlite3_reset (ch);
      sqlite3_bind_int64 (ch, 1, id);
      sqlite3_bind_int (ch, 2, (int) i);
      sqlite3_bind_int64 (ch, 3, c->start_ms);
      bind_int_or_null (ch, 4, c->end_ms, c->end_ms >= 0);
      bind_text_or_null (ch, 5, c->title);
      if (!exs_database_step_done (wr->db, ch, error))
        return FALSE;
    }
  return TRUE;
}

static const char *UPSERT_SQL =
    "INSERT INTO media_items (library_id, kind, uri, path, size, mtime, title, sort_title, plot, year, "
    "  content_rating, studio, show_id, season_number, episode_number, episode_number_end, duration_ms, "
    "  container, scan_state, scan_message, poster, thumb, fanart, added_at, updated_at, probe_count, "
    "  probed_at, nfo_mtime, missing) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, "
    "  ?22, ?23, ?24, ?24, ?25, ?26, ?27, 0) "
    "ON CONFLICT (uri) DO UPDATE SET kind = excluded.kind, path = excluded.path, size = excluded.size, "
    "  mtime = excluded.mtime, title = excluded.title, sort_title = excluded.sort_title, plot = excluded.plot, "
    "  year = excluded.year, content_rating = excluded.content_rating, studio = excluded.studio, "
    "  show_id = excluded.show_id, season_number = excluded.season_number, "
    "  episode_number = excluded.episode_number, episode_number_end = excluded.episode_number_end, "
    "  duration_ms = CASE WHEN ?28 THEN excluded.duration_ms ELSE media_items.duration_ms END, "
    "  container = CASE WHEN ?28 THEN excluded.container ELSE media_items.container END, "
    "  scan_state = excluded.scan_state, scan_message = excluded.scan_message, poster = excluded.poster, "
    "  thumb = excluded.thumb, fanart = excluded.fanart, updated_at = excluded.updated_at, "
    "  probe_count = media_items.probe_count + excluded.probe_count, "
    "  probed_at = coalesce (excluded.probed_at, media_items.probed_at), nfo_mtime = excluded.nfo_mtime, "
    "  missing = 0, missing_since = NULL "
    "WHERE media_items.library_id = excluded.library_id "
    "RETURNING id";

static gboolean
write_item (Writer *wr, WorkItem *item, GError **error)
{
  const char *library_kind = wr->library->kind;
  gboolean episode = g_str_equal (library_kind, "shows");
  ExsNfo *nfo = item->nfo;
  g_autoptr (GPtrArray) messages = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (sqlite3_stmt) stmt = NULL;
  g_autofree char *path = g_filename_display_name (item->path);
  g_autofree char *sort = NULL;
  g_autofree char *message = NULL;
  const char *state = "ok";
  const char *title;
  gint64 show_id = 0;
  gint64 id;
  int season, number, year;
  int rc;

  if (item->probe_error)
    {
      state = "error";
      g_ptr_array_add (messages, g_strdup_printf ("cannot be played: %s", item->probe_error));
    }
  if (item->nfo_error)
    g_ptr_array_add (messages, g_strdup (item->nfo_error));
  if (item->name_not_utf8)
    g_ptr_array_add (messages, g_strdup ("the file name is not valid UTF-8; shown with replacement characters"));
  if (episode && !item->name_parsed_episode && !(nfo && nfo->episode >= 0))
    g_ptr_array_add (messages, g_strdup ("no season and episode number in the file name (S01E02, 1x02) or NFO"));
  if (messages->len > 0 && g_str_equal (state, "ok"))
    state = "warning";
  if (messages->len > 0)
    {
      g_ptr_array_add (messages, NULL);
      message = g_strjoinv ("; ", (char **) messages->pdata);
    }

  if (episode && item->name.show_title && !ensure_show (wr, item, &show_id, error))
    return FALSE;

  title = nfo && nfo->title ? nfo->title : item->name.title;
  if (title == NULL || title[0] == '\0')
    title = path;
  sort = exs_media_name_sort_title (nfo && nfo->sort_title ? nfo->sort_title : title);
  season = nfo && nfo->season >= 0 ? nfo->season : item->name.season;
  number = nfo && nfo->episode >= 0 ? nfo->episode : item->name.episode;
  year = nfo && nfo->year > 0 ? nfo->year : item->name.year;

  stmt = exs_database_prepare (wr->db, UPSERT_SQL, error);
  if (stmt == NULL)
    return FALSE;
  sqlite3_bind_int64 (stmt, 1, wr->library->id);
  sqlite3_bind_text (stmt, 2, exs_library_item_kind (library_kind), -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, item->uri, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 4, path, -1, SQLITE_TRANSIENT);
  sqlite3_bind_int64 (stmt, 5, item->size);
  sqlite3_bind_int64 (stmt, 6, item->mtime);
  sqlite3_bind_text (stmt, 7, title, -1, SQLITE_TRANSIENT);
  sqlite3_bind_text (stmt, 8, sort, -1, SQLITE_TRANSIENT);
  bind_text_or_null (stmt, 9, nfo ? nfo->plot : NULL);
  bind_int_or_null (stmt, 10, year, year > 0);
  bind_text_or_null (stmt, 11, nfo ? nfo->content_rating : NULL);
  bind_text_or_null (stmt, 12, nfo ? nfo->studio : NULL);
  bind_int_or_null (stmt, 13, show_id, show_id > 0);
  bind_int_or_null (stmt, 14, season, episode && season >= 0);
  bind_int_or_null (stmt, 15, number, episode && number >= 0);
  bind_int_or_null (stmt, 16, item->name.episode_end, episode && item->name.episode_end > 0);
  if (item->facts)
    sqlite3_bind_int64 (stmt, 17, item->facts->duration_ms > 0 ? item->facts->duration_ms
                                  : nfo && nfo->runtime_minutes > 0 ? (gint64) nfo->runtime_minutes * 60000 : 0);
  else
    sqlite3_bind_int64 (stmt, 17, 0);
  bind_text_or_null (stmt, 18, item->facts ? item->facts->container : NULL);
  sqlite3_bind_text (stmt, 19, state, -1, SQLITE_STATIC);
  bind_text_or_null (stmt, 20, message);
  bind_text_or_null (stmt, 21, item->poster);
  bind_text_or_null (stmt, 22, item->thumb);
  bind_text_or_null (stmt, 23, item->fanart);
  sqlite3_bind_int64 (stmt, 24, wr->now);
  sqlite3_bind_int (stmt, 25, item->probe ? 1 : 0);
  bind_int_or_null (stmt, 26, wr->now, item->probe);
  bind_int_or_null (stmt, 27, item->nfo_mtime, item->nfo_path != NULL);
  sqlite3_bind_int (stmt, 28, item->facts != NULL);

  rc = sqlite3_step (stmt);
  if (rc == SQLITE_DONE)
    {
      add_issue (wr->issues, item->path, "already part of another library; left there");
      return TRUE;
    }
  if (rc != SQLITE_ROW)
    {
      g_set_error (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_QUERY, "cannot store %s: %s", path,
                   sqlite3_errmsg (exs_database_get_handle (wr->db)));
      return FALSE;
    }
  id = sqlite3_column_int64 (stmt, 0);
  g_clear_pointer (&stmt, sqlite3_finalize);

  if (item->facts && !write_streams (wr, id, item->facts, error))
    return FALSE;
  return write_labels (wr, "media_genres", "genre", "media_item_id", id, nfo ? nfo->genres : NULL, error)
         && write_labels (wr, "media_tags", "tag", "media_item_id", id, nfo ? nfo->tags : NULL, error);
}

static void reload_shows (ExsDatabase *db, gint64 library_id, GHashTable *out);

/* Writes @batch in one transaction, each item in its own savepoint. */
static gboolean
write_batch (Writer *wr, GPtrArray *batch, GError **error)
{
  if (batch->len == 0)
    return TRUE;
  wr->now = g_get_real_time () / G_USEC_PER_SEC;
  if (!exs_database_begin (wr->db, error))
    return FALSE;
  for (guint i = 0; i < batch->len; i++)
    {
      g_autoptr (GError) local = NULL;

      exs_database_exec (wr->db, "SAVEPOINT item", NULL);
      if (!write_item (wr, batch->pdata[i], &local))
        {
          WorkItem *item = batch->pdata[i];
          exs_database_exec (wr->db, "ROLLBACK TO item", NULL);
          add_issue (wr->issues, item->path, "not stored: %s", local->message);
          /* the show cache may name a row rolled back with this item */
          g_hash_table_remove_all (wr->shows_refreshed);
          g_hash_table_remove_all (wr->shows);
          reload_shows (wr->db, wr->library->id, wr->shows);
        }
      exs_database_exec (wr->db, "RELEASE item", NULL);
    }
  if (!exs_database_commit (wr->db, error))
    {
      exs_database_rollback (wr->db);
      return FALSE;
    }
  g_ptr_array_set_size (batch, 0);
  return TRUE;
}

/* ---- the scan thread ----------------------------------------------------- */

static void
progress_update (ScanJob *job, void (*apply) (ExsLibraryScanProgress *p, guint n), guint n)
{
  g_mutex_lock (&job->lock);
  apply (&job->progress, n);
  g_mutex_unlock (&job->lock);
}

static void add_probed (ExsLibraryScanProgress *p, guint n) { p->probed += n; }
static void add_failed (ExsLibraryScanProgress *p, guint n) { p->failed += n; }
static void set_found (ExsLibraryScanProgress *p, guint n) { p->found = n; }
static void set_unchanged (ExsLibraryScanProgress *p, guint n) { p->unchanged = n; }
static void set_missing (ExsLibraryScanProgress *p, guint n) { p->missing = n; }
static void set_restored (ExsLibraryScanProgress *p, guint n) { p->restored = n; }
static void set_issues (ExsLibraryScanProgress *p, guint n) { p->issues = n; }

static GHashTable *
load_existing (ExsDatabase *db, gint64 library_id, GError **error)
{
  g_autoptr (sqlite3_stmt) stmt = exs_database_prepare (
      db, "SELECT uri, id, size, mtime, nfo_mtime, missing, scan_state = 'error' FROM media_items WHERE library_id = ?",
      error);
  g_autoptr (GHashTable) out = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  int rc;

  if (stmt == NULL)
    return NULL;
  sqlite3_bind_int64 (stmt, 1, library_id);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      Existing *e = g_new0 (Existing, 1);
      e->id = sqlite3_column_int64 (stmt, 1);
      e->size = sqlite3_column_int64 (stmt, 2);
      e->mtime = sqlite3_column_int64 (stmt, 3);
      e->nfo_mtime = sqlite3_column_int64 (stmt, 4);
      e->missing = sqlite3_column_int (stmt, 5);
      e->error = sqlite3_column_int (stmt, 6);
      g_hash_table_insert (out, g_strdup ((const char *) sqlite3_column_text (stmt, 0)), e);
    }
  if (rc != SQLITE_DONE)
    {
      g_set_error (error, EXS_DATABASE_ERROR, EXS_DATABASE_ERROR_QUERY, "cannot read the library's items: %s",
                   sqlite3_errmsg (exs_database_get_handle (db)));
      return NULL;
    }
  return g_steal_pointer (&out);
}

static void
reload_shows (ExsDatabase *db, gint64 library_id, GHashTable *out)
{
  g_autoptr (sqlite3_stmt) stmt =
      exs_database_prepare (db, "SELECT coalesce (folder, title), id FROM shows WHERE library_id = ?", NULL);

  if (stmt == NULL)
    return;
  sqlite3_bind_int64 (stmt, 1, library_id);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      gint64 *id = g_new (gint64, 1);
      *id = sqlite3_column_int64 (stmt, 1);
      g_hash_table_insert (out, g_strdup ((const char *) sqlite3_column_text (stmt, 0)), id);
    }
}

static GHashTable *
load_shows (ExsDatabase *db, gint64 library_id)
{
  GHashTable *out = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  reload_shows (db, library_id, out);
  return out;
}

/* The last transaction: missing and restored items, folder errors, issues, counters. */
static gboolean
finish_scan (Writer *wr, ScanJob *job, GHashTable *existing, gboolean complete, GHashTable *path_errors,
             const char *scan_error, GError **error)
{
  g_autoptr (sqlite3_stmt) restore = NULL;
  g_autoptr (sqlite3_stmt) lose = NULL;
  g_autoptr (sqlite3_stmt) stmt = NULL;
  GHashTableIter it;
  gpointer key, value;
  guint missing = 0, restored = 0;
  ExsLibraryScanProgress p;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  if (!exs_database_begin (wr->db, error))
    return FALSE;
  restore = exs_database_prepare (wr->db, "UPDATE media_items SET missing = 0, missing_since = NULL WHERE id = ?",
                                  error);
  lose = exs_database_prepare (wr->db, "UPDATE media_items SET missing = 1, missing_since = ? WHERE id = ?", error);
  if (restore == NULL || lose == NULL)
    goto fail;
  g_hash_table_iter_init (&it, existing);
  while (g_hash_table_iter_next (&it, &key, &value))
    {
      Existing *e = value;

      if (e->seen && e->missing)
        {
          restored++;
          sqlite3_reset (restore);
          sqlite3_bind_int64 (restore, 1, e->id);
          if (!exs_database_step_done (wr->db, restore, error))
            goto fail;
        }
      else if (complete && !e->seen && !e->missing)
        {
          missing++;
          sqlite3_reset (lose);
          sqlite3_bind_int64 (lose, 1, now);
          sqlite3_bind_int64 (lose, 2, e->id);
          if (!exs_database_step_done (wr->db, lose, error))
            goto fail;
        }
    }
  progress_update (job, set_missing, missing);
  progress_update (job, set_restored, restored);
  progress_update (job, set_issues, wr->issues->len);

  stmt = exs_database_prepare (wr->db, "UPDATE library_paths SET error = ? WHERE library_id = ? AND path = ?", error);
  if (stmt == NULL)
    goto fail;
  for (guint i = 0; i < wr->library->paths->len; i++)
    {
      ExsLibraryPath *lp = wr->library->paths->pdata[i];
      sqlite3_reset (stmt);
      bind_text_or_null (stmt, 1, g_hash_table_lookup (path_errors, lp->path));
      sqlite3_bind_int64 (stmt, 2, wr->library->id);
      sqlite3_bind_text (stmt, 3, lp->path, -1, SQLITE_TRANSIENT);
      if (!exs_database_step_done (wr->db, stmt, error))
        goto fail;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);

  if (!exec_bound (wr, "DELETE FROM library_scan_issues WHERE library_id = ?", wr->library->id, error))
    goto fail;
  stmt = exs_database_prepare (wr->db,
                               "INSERT INTO library_scan_issues (library_id, path, reason, created_at) "
                               "VALUES (?, ?, ?, ?)", error);
  if (stmt == NULL)
    goto fail;
  for (guint i = 0; i < wr->issues->len; i++)
    {
      Issue *is = wr->issues->pdata[i];
      sqlite3_reset (stmt);
      sqlite3_bind_int64 (stmt, 1, wr->library->id);
      sqlite3_bind_text (stmt, 2, is->path, -1, SQLITE_TRANSIENT);
      sqlite3_bind_text (stmt, 3, is->reason, -1, SQLITE_TRANSIENT);
      sqlite3_bind_int64 (stmt, 4, now);
      if (!exs_database_step_done (wr->db, stmt, error))
        goto fail;
    }
  g_clear_pointer (&stmt, sqlite3_finalize);

  g_mutex_lock (&job->lock);
  p = job->progress;
  g_mutex_unlock (&job->lock);
  stmt = exs_database_prepare (wr->db,
                               "UPDATE libraries SET last_scan_finished_at = ?, last_scan_error = ?, "
                               "last_scan_found = ?, last_scan_probed = ?, last_scan_unchanged = ?, "
                               "last_scan_failed = ?, last_scan_missing = ?, last_scan_restored = ?, "
                               "last_scan_issues = ? WHERE id = ?", error);
  if (stmt == NULL)
    goto fail;
  sqlite3_bind_int64 (stmt, 1, now);
  bind_text_or_null (stmt, 2, scan_error);
  sqlite3_bind_int (stmt, 3, (int) p.found);
  sqlite3_bind_int (stmt, 4, (int) p.probed);
  sqlite3_bind_int (stmt, 5, (int) p.unchanged);
  sqlite3_bind_int (stmt, 6, (int) p.failed);
  sqlite3_bind_int (stmt, 7, (int) p.missing);
  sqlite3_bind_int (stmt, 8, (int) p.restored);
  sqlite3_bind_int (stmt, 9, (int) p.issues);
  sqlite3_bind_int64 (stmt, 10, wr->library->id);
  if (!exs_database_step_done (wr->db, stmt, error) || !exs_database_commit (wr->db, error))
    goto fail;
  return TRUE;

fail:
  exs_database_rollback (wr->db);
  return FALSE;
}

static gboolean
run_scan (ScanJob *job, GError **error)
{
  g_autoptr (ExsDatabase) db = exs_database_open_worker (job->db_path, error);
  g_autoptr (ExsLibraryRecord) library = NULL;
  g_autoptr (GHashTable) existing = NULL;
  g_autoptr (GHashTable) path_errors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (GHashTable) visited = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) work_item_free);
  g_autoptr (GPtrArray) issues = g_ptr_array_new_with_free_func ((GDestroyNotify) issue_free);
  g_autoptr (GPtrArray) work = g_ptr_array_new ();
  g_autoptr (GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) work_item_free);
  g_autoptr (GHashTable) shows = NULL;
  g_autoptr (GHashTable) shows_refreshed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GAsyncQueue) in = NULL;
  g_autoptr (GAsyncQueue) out = NULL;
  g_autoptr (GPtrArray) threads = g_ptr_array_new ();
  g_autoptr (GError) write_error = NULL;
  g_autofree char *scan_error = NULL;
  Writer wr = { 0 };
  guint unchanged = 0, received = 0, probed = 0, failed = 0;
  gboolean complete;

  if (db == NULL)
    return FALSE;
  library = exs_library_store_get (db, job->library_id, error);
  if (library == NULL)
    return FALSE;
  {
    g_autoptr (sqlite3_stmt) stmt = exs_database_prepare (
        db, "UPDATE libraries SET last_scan_started_at = ? WHERE id = ?", error);
    if (stmt == NULL)
      return FALSE;
    sqlite3_bind_int64 (stmt, 1, g_get_real_time () / G_USEC_PER_SEC);
    sqlite3_bind_int64 (stmt, 2, job->library_id);
    if (!exs_database_step_done (db, stmt, error))
      return FALSE;
  }
  existing = load_existing (db, job->library_id, error);
  if (existing == NULL)
    return FALSE;

  /* 1. walk */
  job->dirs = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < library->paths->len; i++)
    {
      ExsLibraryPath *lp = library->paths->pdata[i];
      Walk w = { job, library->kind, lp->path, visited, files, issues, job->dirs };
      struct stat st;

      if (stat (lp->path, &st) != 0)
        {
          g_hash_table_insert (path_errors, g_strdup (lp->path),
                               g_strdup_printf (errno == ENOENT ? "folder not found" : "cannot read folder: %s",
                                                g_strerror (errno)));
          add_issue (issues, lp->path, "%s", (char *) g_hash_table_lookup (path_errors, lp->path));
          continue;
        }
      if (!S_ISDIR (st.st_mode))
        {
          g_hash_table_insert (path_errors, g_strdup (lp->path), g_strdup ("not a folder"));
          add_issue (issues, lp->path, "not a folder");
          continue;
        }
      if (access (lp->path, R_OK | X_OK) != 0)
        {
          g_hash_table_insert (path_errors, g_strdup (lp->path),
                               g_strdup_printf ("cannot read folder: %s", g_strerror (errno)));
          add_issue (issues, lp->path, "cannot read folder: %s", g_strerror (errno));
          continue;
        }
      walk_dir (&w, lp->path, "", 0);
    }
  complete = !g_cancellable_is_cancelled (job->cancellable);
  progress_update (job, set_found, files->len);

  /* 2. classify; files keeps the unchanged ones, work takes the rest */
  for (guint i = 0; i < files->len;)
    {
      WorkItem *item = files->pdata[i];
      Existing *e = g_hash_table_lookup (existing, item->uri);

      if (e)
        e->seen = TRUE;
      /* An unchanged broken file stays broken: only a full scan tries it again. */
      if (e == NULL || job->full || e->size != item->size || e->mtime != item->mtime)
        item->probe = TRUE;
      else if (e->nfo_mtime != item->nfo_mtime)
        item->probe = FALSE;
      else
        {
          unchanged++;
          i++;
          continue;
        }
      g_ptr_array_add (work, g_ptr_array_steal_index (files, i));
    }
  progress_update (job, set_unchanged, unchanged);
  g_debug ("library %" G_GINT64_FORMAT ": %u files, %u unchanged, %u to look at", job->library_id,
           unchanged + work->len, unchanged, work->len);

  /* 3. probe in workers, 4. write in batches */
  wr.db = db;
  wr.library = library;
  shows = load_shows (db, job->library_id);
  wr.shows = shows;
  wr.shows_refreshed = shows_refreshed;
  wr.issues = issues;
  if (work->len > 0)
    {
      guint n = MIN (job->n_workers, work->len);

      /* Items left in a queue when the last reference goes (a cancelled
       * scan) are freed with it; the sentinels are all taken by the workers. */
      in = g_async_queue_new_full ((GDestroyNotify) work_item_free);
      out = g_async_queue_new_full ((GDestroyNotify) work_item_free);
      for (guint i = 0; i < n; i++)
        {
          Worker *wk = g_new0 (Worker, 1);
          wk->in = g_async_queue_ref (in);
          wk->out = g_async_queue_ref (out);
          wk->cancellable = g_object_ref (job->cancellable);
          wk->library_kind = g_strdup (library->kind);
          wk->timeout_s = job->timeout_s;
          g_ptr_array_add (threads, g_thread_new ("exs-scan-worker", worker_main, wk));
        }
      for (guint i = 0; i < work->len; i++)
        g_async_queue_push (in, work->pdata[i]);
      for (guint i = 0; i < n; i++)
        g_async_queue_push (in, &sentinel);

      while (received < work->len)
        {
          WorkItem *item = g_async_queue_timeout_pop (out, 100 * 1000);

          if (item == NULL)
            {
              if (g_cancellable_is_cancelled (job->cancellable))
                break;
              if (batch->len > 0 && write_error == NULL && !write_batch (&wr, batch, &write_error))
                break;
              continue;
            }
          received++;
          if (item->skipped || item->vanished)
            {
              Existing *e = g_hash_table_lookup (existing, item->uri);
              if (e && item->vanished)
                e->seen = FALSE;
              if (item->skipped)
                complete = FALSE;
              work_item_free (item);
              continue;
            }
          if (item->probe)
            probed++;
          if (item->probe_error)
            failed++;
          progress_update (job, add_probed, item->probe ? 1 : 0);
          progress_update (job, add_failed, item->probe_error ? 1 : 0);
          g_ptr_array_add (batch, item);
          if (batch->len >= WRITE_BATCH && !write_batch (&wr, batch, &write_error))
            break;
        }
      if (write_error == NULL && !write_batch (&wr, batch, &write_error))
        complete = FALSE;
      /* Workers stuck in a probe after a cancel are not waited for: they hold
       * their own references and finish on their own. */
      for (guint i = 0; i < threads->len; i++)
        {
          if (received >= work->len)
            g_thread_join (threads->pdata[i]);
          else
            g_thread_unref (threads->pdata[i]);
        }
      if (received < work->len)
        complete = FALSE;
    }
  if (write_error)
    {
      scan_error = g_strdup (write_error->message);
      complete = FALSE;
    }
  else if (!complete)
    scan_error = g_strdup ("scan cancelled before it finished");
  g_debug ("library %" G_GINT64_FORMAT ": probed %u, failed %u", job->library_id, probed, failed);

  /* 5. missing, restored, counters */
  if (!finish_scan (&wr, job, existing, complete, path_errors, scan_error, error))
    return FALSE;
  if (scan_error)
    {
      g_set_error (error, G_IO_ERROR, complete ? G_IO_ERROR_FAILED : G_IO_ERROR_CANCELLED, "%s", scan_error);
      return FALSE;
    }
  return TRUE;
}

static void
scan_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ScanJob *job = task_data;
  g_autoptr (GError) error = NULL;
  gboolean ok = run_scan (job, &error);

  if (!ok)
    job->error = g_strdup (error->message);
  g_mutex_lock (&job->done_lock);
  job->done = TRUE;
  g_cond_broadcast (&job->done_cond);
  g_mutex_unlock (&job->done_lock);
  g_task_return_boolean (task, TRUE);
}

/* ---- the scanner object (main thread) ------------------------------------ */

typedef struct
{
  gint64 library_id;
  GHashTable *monitors;  /* folder (file system encoding) → GFileMonitor */
  guint debounce_id;
  ExsLibraryScanner *scanner; /* unowned */
} Watch;

struct _ExsLibraryScanner
{
  GObject parent_instance;

  ExsDatabase *database;
  char *db_path;
  guint workers;
  guint timeout_s;
  gboolean watch;
  guint debounce_ms;
  gboolean stopping;

  ScanJob *current;          /* the scan running now, or NULL */
  gboolean current_rescan;   /* scan its library again when it ends */
  gboolean current_rescan_full;
  GQueue pending;            /* library ids (gint64 *) waiting */
  GHashTable *pending_full;  /* library ids that want a full rescan */
  GHashTable *watches;       /* library id → Watch */
  guint n_monitors;
};

enum
{
  SIGNAL_SCAN_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE (ExsLibraryScanner, exs_library_scanner, G_TYPE_OBJECT)

static void kick (ExsLibraryScanner *self);

static void
watch_free (Watch *w)
{
  g_clear_handle_id (&w->debounce_id, g_source_remove);
  if (w->monitors)
    {
      GHashTableIter it;
      gpointer value;

      g_hash_table_iter_init (&it, w->monitors);
      while (g_hash_table_iter_next (&it, NULL, &value))
        {
          g_signal_handlers_disconnect_by_data (value, w);
          g_file_monitor_cancel (value);
        }
      w->scanner->n_monitors -= g_hash_table_size (w->monitors);
      g_hash_table_unref (w->monitors);
    }
  g_free (w);
}

static void
exs_library_scanner_dispose (GObject *object)
{
  ExsLibraryScanner *self = EXS_LIBRARY_SCANNER (object);

  exs_library_scanner_stop (self);
  g_clear_pointer (&self->watches, g_hash_table_unref);
  g_clear_object (&self->database);
  G_OBJECT_CLASS (exs_library_scanner_parent_class)->dispose (object);
}

static void
exs_library_scanner_finalize (GObject *object)
{
  ExsLibraryScanner *self = EXS_LIBRARY_SCANNER (object);

  g_queue_clear_full (&self->pending, g_free);
  g_clear_pointer (&self->pending_full, g_hash_table_unref);
  g_free (self->db_path);
  G_OBJECT_CLASS (exs_library_scanner_parent_class)->finalize (object);
}

static void
exs_library_scanner_class_init (ExsLibraryScannerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = exs_library_scanner_dispose;
  object_class->finalize = exs_library_scanner_finalize;

  /**
   * ExsLibraryScanner::scan-finished:
   * @library_id: the library scanned
   * @error: (nullable): why the scan stopped early, or %NULL
   *
   * Emitted on the main context after a scan has written everything.
   */
  signals[SIGNAL_SCAN_FINISHED] = g_signal_new ("scan-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                                NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_STRING);
}

static void
exs_library_scanner_init (ExsLibraryScanner *self)
{
  g_queue_init (&self->pending);
  self->pending_full = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  self->watches = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, (GDestroyNotify) watch_free);
  self->watch = TRUE;
  self->debounce_ms = 1500;
}

/**
 * exs_library_scanner_new:
 * @workers: GstDiscoverer worker threads per scan (1–8)
 * @probe_timeout_seconds: the longest one file may take to probe
 *
 * Returns: (transfer full): a scanner writing to @database's file through its own connections
 */
ExsLibraryScanner *
exs_library_scanner_new (ExsDatabase *database, guint workers, guint probe_timeout_seconds)
{
  ExsLibraryScanner *self = g_object_new (EXS_TYPE_LIBRARY_SCANNER, NULL);

  self->database = g_object_ref (database);
  self->db_path = g_strdup (exs_database_get_path (database));
  self->workers = CLAMP (workers, 1, 8);
  self->timeout_s = MAX (probe_timeout_seconds, 1);
  return self;
}

/**
 * exs_library_scanner_set_watching:
 * @debounce_ms: how long folders must stay quiet before a rescan
 *
 * Whether folders are watched with GFileMonitor after each scan.
 */
void
exs_library_scanner_set_watching (ExsLibraryScanner *self, gboolean watch, guint debounce_ms)
{
  g_return_if_fail (EXS_IS_LIBRARY_SCANNER (self));

  self->watch = watch;
  self->debounce_ms = MAX (debounce_ms, 10);
  if (!watch)
    g_hash_table_remove_all (self->watches);
}

static gboolean
on_debounce_cb (gpointer user_data)
{
  Watch *w = user_data;

  w->debounce_id = 0;
  g_debug ("library %" G_GINT64_FORMAT ": folders changed, rescanning", w->library_id);
  exs_library_scanner_scan (w->scanner, w->library_id, FALSE);
  return G_SOURCE_REMOVE;
}

static void
on_monitor_changed_cb (GFileMonitor *monitor, GFile *file, GFile *other, GFileMonitorEvent event, gpointer user_data)
{
  Watch *w = user_data;

  if (event == G_FILE_MONITOR_EVENT_CHANGED || event == G_FILE_MONITOR_EVENT_PRE_UNMOUNT
      || event == G_FILE_MONITOR_EVENT_UNMOUNTED)
    return; /* wait for CHANGES_DONE_HINT: the file is still being written */
  g_clear_handle_id (&w->debounce_id, g_source_remove);
  w->debounce_id = g_timeout_add (w->scanner->debounce_ms, on_debounce_cb, w);
}

/* Watches exactly the folders the last scan walked. */
static void
update_watch (ExsLibraryScanner *self, gint64 library_id, GPtrArray *dirs)
{
  Watch *w = g_hash_table_lookup (self->watches, &library_id);
  g_autoptr (GHashTable) wanted = g_hash_table_new (g_str_hash, g_str_equal);
  GHashTableIter it;
  gpointer key, value;

  if (w == NULL)
    {
      gint64 *k = g_new (gint64, 1);
      *k = library_id;
      w = g_new0 (Watch, 1);
      w->library_id = library_id;
      w->scanner = self;
      w->monitors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
      g_hash_table_insert (self->watches, k, w);
    }
  for (guint i = 0; i < dirs->len; i++)
    g_hash_table_add (wanted, dirs->pdata[i]);

  g_hash_table_iter_init (&it, w->monitors);
  while (g_hash_table_iter_next (&it, &key, &value))
    if (!g_hash_table_contains (wanted, key))
      {
        g_signal_handlers_disconnect_by_data (value, w);
        g_file_monitor_cancel (value);
        g_hash_table_iter_remove (&it);
        self->n_monitors--;
      }
  for (guint i = 0; i < dirs->len; i++)
    {
      const char *dir = dirs->pdata[i];
      g_autoptr (GFile) file = NULL;
      g_autoptr (GError) error = NULL;
      GFileMonitor *monitor;

      if (g_hash_table_contains (w->monitors, dir))
        continue;
      if (self->n_monitors >= MAX_WATCHED_FOLDERS)
        {
          g_warning ("watching %u folders already; changes under %s are seen only by scans", self->n_monitors, dir);
          break;
        }
      file = g_file_new_for_path (dir);
      monitor = g_file_monitor_directory (file, G_FILE_MONITOR_WATCH_MOVES, NULL, &error);
      if (monitor == NULL)
        {
          g_debug ("cannot watch %s: %s", dir, error->message);
          continue;
        }
      g_signal_connect (monitor, "changed", G_CALLBACK (on_monitor_changed_cb), w);
      g_hash_table_insert (w->monitors, g_strdup (dir), monitor);
      self->n_monitors++;
    }
}

static void
on_scan_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  ExsLibraryScanner *self = EXS_LIBRARY_SCANNER (source);
  ScanJob *job = g_task_get_task_data (G_TASK (result));
  gint64 id = job->library_id;

  if (self->current != job)
    return; /* forgotten or stopped meanwhile */
  self->current = NULL;
  if (job->error)
    g_message ("library %" G_GINT64_FORMAT " scan: %s", id, job->error);
  else
    g_debug ("library %" G_GINT64_FORMAT " scanned: %u found, %u probed, %u unchanged, %u failed, %u missing", id,
             job->progress.found, job->progress.probed, job->progress.unchanged, job->progress.failed,
             job->progress.missing);
  if (!self->stopping && !job->forgotten && self->watch && job->dirs)
    update_watch (self, id, job->dirs);
  if (self->current_rescan && !self->stopping && !job->forgotten)
    {
      self->current_rescan = FALSE;
      exs_library_scanner_scan (self, id, self->current_rescan_full);
    }
  g_signal_emit (self, signals[SIGNAL_SCAN_FINISHED], 0, id, job->error);
  scan_job_unref (job);
  kick (self);
}

static void
kick (ExsLibraryScanner *self)
{
  g_autofree gint64 *id = NULL;
  g_autoptr (GTask) task = NULL;
  ScanJob *job;

  if (self->current || self->stopping || g_queue_is_empty (&self->pending))
    return;
  id = g_queue_pop_head (&self->pending);
  job = g_new0 (ScanJob, 1);
  g_atomic_ref_count_init (&job->refs);
  job->library_id = *id;
  job->full = g_hash_table_remove (self->pending_full, id);
  job->db_path = g_strdup (self->db_path);
  job->n_workers = self->workers;
  job->timeout_s = self->timeout_s;
  job->cancellable = g_cancellable_new ();
  g_mutex_init (&job->lock);
  g_mutex_init (&job->done_lock);
  g_cond_init (&job->done_cond);
  job->progress.scanning = TRUE;
  job->progress.started_at = g_get_real_time () / G_USEC_PER_SEC;
  self->current = scan_job_ref (job);
  self->current_rescan = FALSE;
  self->current_rescan_full = FALSE;

  task = g_task_new (self, job->cancellable, on_scan_done_cb, NULL);
  g_task_set_source_tag (task, kick);
  g_task_set_task_data (task, job, (GDestroyNotify) scan_job_unref);
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, scan_thread);
}

static gboolean
is_pending (ExsLibraryScanner *self, gint64 library_id)
{
  for (GList *l = self->pending.head; l; l = l->next)
    if (*(gint64 *) l->data == library_id)
      return TRUE;
  return FALSE;
}

/**
 * exs_library_scanner_scan:
 * @full: probe every file again, not only new and changed ones
 *
 * Queues a scan of the library. A scan already queued is not queued twice; a
 * request while the library is being scanned runs once more afterwards.
 */
void
exs_library_scanner_scan (ExsLibraryScanner *self, gint64 library_id, gboolean full)
{
  g_return_if_fail (EXS_IS_LIBRARY_SCANNER (self));

  if (self->stopping)
    return;
  if (self->current && self->current->library_id == library_id)
    {
      self->current_rescan = TRUE;
      self->current_rescan_full |= full;
      return;
    }
  if (!is_pending (self, library_id))
    {
      gint64 *id = g_new (gint64, 1);
      *id = library_id;
      g_queue_push_tail (&self->pending, id);
    }
  if (full)
    {
      gint64 *id = g_new (gint64, 1);
      *id = library_id;
      g_hash_table_add (self->pending_full, id);
    }
  kick (self);
}

/**
 * exs_library_scanner_scan_all:
 *
 * Queues an incremental scan of every local library (at start-up: it catches
 * what changed while the server was down and starts the folder watches).
 */
void
exs_library_scanner_scan_all (ExsLibraryScanner *self)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) libraries = exs_library_store_list (self->database, &error);

  if (libraries == NULL)
    {
      g_warning ("cannot list libraries to scan: %s", error->message);
      return;
    }
  for (guint i = 0; i < libraries->len; i++)
    {
      ExsLibraryRecord *r = libraries->pdata[i];
      /* A library without folders has nothing on disk to check; scanning it
       * would only mark every item missing (the demo library is entered
       * from its clip table, not scanned). An explicit scan still does. */
      if (g_str_equal (r->source, "local") && r->paths->len > 0)
        exs_library_scanner_scan (self, r->id, FALSE);
    }
}

/**
 * exs_library_scanner_get_progress:
 *
 * Fills @progress with the live counters of the library's scan.
 *
 * Returns: whether the library is being scanned or waits for a scan
 */
gboolean
exs_library_scanner_get_progress (ExsLibraryScanner *self, gint64 library_id, ExsLibraryScanProgress *progress)
{
  g_return_val_if_fail (EXS_IS_LIBRARY_SCANNER (self), FALSE);

  memset (progress, 0, sizeof *progress);
  if (self->current && self->current->library_id == library_id)
    {
      g_mutex_lock (&self->current->lock);
      *progress = self->current->progress;
      g_mutex_unlock (&self->current->lock);
      progress->scanning = TRUE;
      progress->queued = self->current_rescan;
      return TRUE;
    }
  progress->queued = is_pending (self, library_id);
  return progress->queued;
}

/* Returns: whether no scan runs and none waits (tests poll this). */
gboolean
exs_library_scanner_is_idle (ExsLibraryScanner *self)
{
  return self->current == NULL && g_queue_is_empty (&self->pending);
}

/**
 * exs_library_scanner_forget:
 *
 * The library was removed: cancel its scan, drop it from the queue and stop
 * watching its folders.
 */
void
exs_library_scanner_forget (ExsLibraryScanner *self, gint64 library_id)
{
  g_return_if_fail (EXS_IS_LIBRARY_SCANNER (self));

  for (GList *l = self->pending.head; l;)
    {
      GList *next = l->next;
      if (*(gint64 *) l->data == library_id)
        {
          g_free (l->data);
          g_queue_delete_link (&self->pending, l);
        }
      l = next;
    }
  g_hash_table_remove (self->pending_full, &library_id);
  g_hash_table_remove (self->watches, &library_id);
  if (self->current && self->current->library_id == library_id)
    {
      self->current_rescan = FALSE;
      self->current->forgotten = TRUE;
      g_cancellable_cancel (self->current->cancellable);
    }
}

/**
 * exs_library_scanner_stop:
 *
 * Cancels the running scan, forgets queued ones and stops watching. Waits at
 * most 1 s for the scan thread to close its transaction (it checks for
 * cancellation between files), so shutdown stays quick. Safe to call twice.
 */
void
exs_library_scanner_stop (ExsLibraryScanner *self)
{
  ScanJob *job;

  g_return_if_fail (EXS_IS_LIBRARY_SCANNER (self));

  self->stopping = TRUE;
  g_queue_clear_full (&self->pending, g_free);
  g_queue_init (&self->pending);
  if (self->watches)
    g_hash_table_remove_all (self->watches);
  job = g_steal_pointer (&self->current);
  if (job == NULL)
    return;
  g_cancellable_cancel (job->cancellable);
  g_mutex_lock (&job->done_lock);
  {
    gint64 deadline = g_get_monotonic_time () + G_USEC_PER_SEC;
    while (!job->done)
      if (!g_cond_wait_until (&job->done_cond, &job->done_lock, deadline))
        break;
  }
  if (!job->done)
    g_message ("library scan still busy at shutdown; its last transaction is rolled back by SQLite");
  g_mutex_unlock (&job->done_lock);
  scan_job_unref (job);
}
