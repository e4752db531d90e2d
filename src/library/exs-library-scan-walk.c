/* exs-library-scan-walk.c: the walk step of a library scan, in the scan's
 * thread.
 *
 * Walks each folder of a library (following symlinks, each directory once,
 * so a loop is a recorded issue and not a hang; at most MAX_DEPTH levels),
 * noting each media file's size, mtime and NFO. Folders that are absent or
 * unreadable become issues and root errors, never a failure. Then
 * exs_library_scan_select() compares the files with what is stored: a file
 * whose size, mtime and NFO are unchanged is not looked at again.
 *
 * Also home of the small helpers the steps share (exs-library-scan-private.h).
 */
#include "config.h"

#include "exs-library-scan-walk.h"

#include "exs-fs.h"
#include "exs-media-store-write.h"

#include <dirent.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_DEPTH 32

static const char *const media_extensions[] = {
  "mp4", "m4v", "mkv", "webm", "avi", "mov", "ts", "m2ts", "mts", "mpg", "mpeg", "wmv",
  "flv", "ogv", "ogm", "3gp", "vob", "divx", "asf", "m2v", NULL
};

/* ---- shared by the steps --------------------------------------------------- */

void
_exs_scan_file_free (ExsScanFile *w)
{
  if (w == NULL)
    return;
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
  exs_song_tags_free (w->song);
  g_free (w->cover);
  g_free (w);
}

void
_exs_scan_add_issue (GPtrArray *issues, const char *path, const char *format, ...)
{
  ExsLibraryIssue *i;
  va_list args;

  va_start (args, format);
  i = exs_library_issue_new (path, g_strdup_vprintf (format, args));
  va_end (args);
  g_debug ("scan issue: %s: %s", i->path, i->reason);
  g_ptr_array_add (issues, i);
}

/* Returns: (transfer full): @name without its extension */
char *
_exs_scan_stem_of (const char *name)
{
  const char *dot = strrchr (name, '.');

  return dot ? g_strndup (name, (gsize) (dot - name)) : g_strdup (name);
}

/* Returns: (transfer full) (nullable): the display name of the first of
 *   @candidates that is a regular file in @dir */
char *
_exs_scan_find_beside (const char *dir, const char *const *candidates)
{
  for (guint i = 0; candidates[i]; i++)
    {
      g_autofree char *p = g_build_filename (dir, candidates[i], NULL);
      if (g_file_test (p, G_FILE_TEST_IS_REGULAR))
        return g_filename_display_name (p);
    }
  return NULL;
}

/* ---- the walk ---------------------------------------------------------------- */

/* Whether @name has one of the media extensions (and is not hidden). */
gboolean
exs_library_scan_is_media_name (const char *name)
{
  return name[0] != '.' && exs_fs_has_extension (name, media_extensions);
}

/* Whether the walk of a library of @library_kind takes the file @name:
 * song files in a music library, video files elsewhere. */
static gboolean
takes_name (const char *library_kind, const char *name)
{
  if (g_str_equal (library_kind, "music"))
    return exs_song_is_audio_name (name);
  return exs_library_scan_is_media_name (name);
}

static gint64
mtime_us (const struct stat *st)
{
  return (gint64) st->st_mtim.tv_sec * G_USEC_PER_SEC + st->st_mtim.tv_nsec / 1000;
}

typedef struct
{
  ExsScanWalk *out;
  GCancellable *cancellable;
  const char *library_kind;
  const char *root;
  GHashTable *visited;  /* "dev:ino" of directories already walked */
} Walk;

/* The file @name in @dir_path, with its NFO (the same stem, or movie.nfo beside a film). */
static ExsScanFile *
file_new (Walk *w, const char *dir_path, const char *name, const char *rel_prefix, GHashTable *names)
{
  g_autofree char *full = g_build_filename (dir_path, name, NULL);
  g_autofree char *display = g_filename_display_name (name);
  g_autofree char *stem = _exs_scan_stem_of (name);
  g_autofree char *nfo_name = g_strconcat (stem, ".nfo", NULL);
  ExsScanFile *item;
  struct stat st;

  if (stat (full, &st) != 0)
    {
      _exs_scan_add_issue (w->out->issues, full, "file vanished or cannot be read: %s", g_strerror (errno));
      return NULL;
    }
  item = g_new0 (ExsScanFile, 1);
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
      _exs_scan_add_issue (w->out->issues, item->path, "cannot make a URI of this path");
      _exs_scan_file_free (item);
      return NULL;
    }
  return item;
}

/* Whether @dir_path is a folder not walked yet (by device and inode), noting it. */
static gboolean
enter_dir (Walk *w, const char *dir_path, int depth)
{
  struct stat st;
  char *key;

  if (depth > MAX_DEPTH)
    {
      _exs_scan_add_issue (w->out->issues, dir_path, "folders nested deeper than %d levels are not scanned",
                           MAX_DEPTH);
      return FALSE;
    }
  if (stat (dir_path, &st) != 0)
    {
      _exs_scan_add_issue (w->out->issues, dir_path, "folder vanished or cannot be read: %s", g_strerror (errno));
      return FALSE;
    }
  key = g_strdup_printf ("%" G_GUINT64_FORMAT ":%" G_GUINT64_FORMAT, (guint64) st.st_dev, (guint64) st.st_ino);
  if (!g_hash_table_add (w->visited, key))
    {
      _exs_scan_add_issue (w->out->issues, dir_path,
                           "folder already scanned through another path (a symlink loop?); skipped");
      return FALSE;
    }
  return TRUE;
}

static void
walk_dir (Walk *w, const char *dir_path, const char *rel_prefix, int depth)
{
  DIR *dir;
  struct dirent *de;
  struct stat st;
  g_autoptr (GHashTable) names = NULL;
  g_autoptr (GPtrArray) media = NULL;
  g_autoptr (GPtrArray) subdirs = NULL;

  if (g_cancellable_is_cancelled (w->cancellable) || !enter_dir (w, dir_path, depth))
    return;
  dir = opendir (dir_path);
  if (dir == NULL)
    {
      _exs_scan_add_issue (w->out->issues, dir_path, "cannot open folder: %s", g_strerror (errno));
      return;
    }
  g_ptr_array_add (w->out->dirs, g_strdup (dir_path));
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
                _exs_scan_add_issue (w->out->issues, full, "symlink loop");
              else if (de->d_type == DT_LNK)
                _exs_scan_add_issue (w->out->issues, full, "broken symlink: %s", g_strerror (errno));
              continue;
            }
          if (S_ISDIR (st.st_mode))
            g_ptr_array_add (subdirs, g_strdup (name));
          else if (S_ISREG (st.st_mode) && takes_name (w->library_kind, name))
            g_ptr_array_add (media, g_strdup (name));
        }
      else if (de->d_type == DT_REG && takes_name (w->library_kind, name))
        g_ptr_array_add (media, g_strdup (name));
    }
  closedir (dir);

  g_ptr_array_sort (media, (GCompareFunc) g_strcmp0);
  for (guint i = 0; i < media->len; i++)
    {
      ExsScanFile *item = file_new (w, dir_path, media->pdata[i], rel_prefix, names);
      if (item)
        g_ptr_array_add (w->out->files, item);
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

/* Why the library folder @path cannot be walked, or %NULL. */
static char *
check_root (const char *path)
{
  struct stat st;

  if (stat (path, &st) != 0)
    return errno == ENOENT ? g_strdup ("folder not found")
                           : g_strdup_printf ("cannot read folder: %s", g_strerror (errno));
  if (!S_ISDIR (st.st_mode))
    return g_strdup ("not a folder");
  if (access (path, R_OK | X_OK) != 0)
    return g_strdup_printf ("cannot read folder: %s", g_strerror (errno));
  return NULL;
}

/**
 * exs_library_scan_walk:
 * @library: the library, with its folders and kind (an NFO named movie.nfo
 *   belongs to every file of its folder except in a shows library)
 * @cancellable: (nullable): checked before each folder
 *
 * Blocking; runs in the scan thread. Touches no database.
 *
 * Returns: (transfer full): what the walk found
 */
ExsScanWalk *
exs_library_scan_walk (const ExsLibraryRecord *library, GCancellable *cancellable)
{
  ExsScanWalk *out = g_new0 (ExsScanWalk, 1);
  g_autoptr (GHashTable) visited = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  out->files = g_ptr_array_new_with_free_func ((GDestroyNotify) _exs_scan_file_free);
  out->issues = g_ptr_array_new_with_free_func ((GDestroyNotify) exs_library_issue_free);
  out->dirs = g_ptr_array_new_with_free_func (g_free);
  out->root_errors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < library->paths->len; i++)
    {
      ExsLibraryPath *lp = library->paths->pdata[i];
      Walk w = { out, cancellable, library->kind, lp->path, visited };
      char *why = check_root (lp->path);

      if (why)
        {
          _exs_scan_add_issue (out->issues, lp->path, "%s", why);
          g_hash_table_insert (out->root_errors, g_strdup (lp->path), why);
          continue;
        }
      walk_dir (&w, lp->path, "", 0);
    }
  out->complete = !g_cancellable_is_cancelled (cancellable);
  return out;
}

void
exs_scan_walk_free (ExsScanWalk *walk)
{
  if (walk == NULL)
    return;
  g_ptr_array_unref (walk->files);
  g_ptr_array_unref (walk->issues);
  g_ptr_array_unref (walk->dirs);
  g_hash_table_unref (walk->root_errors);
  g_free (walk);
}

/**
 * exs_library_scan_select:
 * @stored: (element-type utf8 ExsMediaFileState): uri → stored state
 *   (exs_media_store_load_file_states()); each file found is marked seen
 * @full: look at every file again
 * @unchanged: (out): how many files stay as they are
 *
 * Moves the files that need a look out of @walk->files: new ones, changed
 * ones (size or mtime: probed again) and those whose NFO alone changed
 * (metadata read again, not probed). An unchanged broken file stays broken:
 * only a full scan tries it again.
 *
 * Returns: (transfer full) (element-type ExsScanFile): the files to look at
 */
GPtrArray *
exs_library_scan_select (ExsScanWalk *walk, GHashTable *stored, gboolean full, guint *unchanged)
{
  GPtrArray *work = g_ptr_array_new_with_free_func ((GDestroyNotify) _exs_scan_file_free);
  GPtrArray *files = walk->files;

  *unchanged = 0;
  for (guint i = 0; i < files->len;)
    {
      ExsScanFile *item = files->pdata[i];
      ExsMediaFileState *e = g_hash_table_lookup (stored, item->uri);

      if (e)
        e->seen = TRUE;
      if (e == NULL || full || e->size != item->size || e->mtime != item->mtime)
        item->probe = TRUE;
      else if (e->nfo_mtime != item->nfo_mtime)
        item->probe = FALSE;
      else
        {
          (*unchanged)++;
          i++;
          continue;
        }
      g_ptr_array_add (work, g_ptr_array_steal_index (files, i));
    }
  return work;
}
