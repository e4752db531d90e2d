/* exs-library-scanner.c: ExsLibraryScanner, which turns folders into media items.
 *
 * Created by ExsApplication after the database; the /api/libraries routes
 * ask it to scan and read its progress. This file is the scanner object:
 * the queue (one library at a time), the progress counters, cancellation,
 * the "scan-finished" signal and the folder watches. One scan runs in a
 * GTask thread with its own SQLite connection, in steps that each live in
 * their own file:
 *
 *   1. walk (exs-library-scan-walk.c): find the media files under the
 *      library's folders, then select the new and changed ones;
 *   2. probe (exs-library-scan-probe.c): worker threads, each with its own
 *      GstDiscoverer, look at those files;
 *   3. write (exs-library-scan-write.c): store the results in batched
 *      transactions as they come, then missing files, issues and counters;
 *   4. loudness (exs-library-scan-loudness.c): measure the new and changed
 *      items' loudness (libebur128), bounded per file.
 *
 * A URL library (source "url") has no folders: its step 1 reads URLs, M3U
 * lists and Archive.org items instead (exs-library-scan-url.c).
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
#include "exs-background.h"

#include "exs-library-scan-loudness.h"
#include "exs-library-scan-probe.h"
#include "exs-library-scan-url.h"
#include "exs-library-scan-walk.h"
#include "exs-library-scan-write.h"
#include "exs-library-store.h"
#include "exs-media-store-write.h"

#include <string.h>

#define WRITE_BATCH 32
#define MAX_WATCHED_FOLDERS 8192

/* ---- one scan ------------------------------------------------------------ */

typedef struct
{
  gatomicrefcount refs;
  gint64 library_id;
  gboolean full;
  char *db_path;
  guint n_workers;
  guint timeout_s;
  char *archive_org_url;
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
  g_free (job->archive_org_url);
  g_clear_object (&job->cancellable);
  g_mutex_clear (&job->lock);
  g_mutex_clear (&job->done_lock);
  g_cond_clear (&job->done_cond);
  g_clear_pointer (&job->dirs, g_ptr_array_unref);
  g_free (job->error);
  g_free (job);
}

/* Adds to the live counters (under the job's lock). */
static void
progress_add (ScanJob *job, guint found, guint unchanged, guint probed, guint failed)
{
  g_mutex_lock (&job->lock);
  job->progress.found += found;
  job->progress.unchanged += unchanged;
  job->progress.probed += probed;
  job->progress.failed += failed;
  g_mutex_unlock (&job->lock);
}

static ExsLibraryScanCounts
progress_counts (ScanJob *job)
{
  ExsLibraryScanCounts c;

  g_mutex_lock (&job->lock);
  c.found = job->progress.found;
  c.probed = job->progress.probed;
  c.unchanged = job->progress.unchanged;
  c.failed = job->progress.failed;
  c.missing = job->progress.missing;
  c.restored = job->progress.restored;
  c.issues = job->progress.issues;
  g_mutex_unlock (&job->lock);
  return c;
}

/* Steps 2 and 3: probes @work in workers and writes what comes back in batches.
 * Returns whether every file came back; a write error stops it (in @write_error). */
static gboolean
probe_and_write (ScanJob *job, const ExsLibraryRecord *library, GPtrArray *work, GHashTable *stored,
                 ExsScanWriter *writer, GError **write_error)
{
  g_autoptr (GPtrArray) batch = g_ptr_array_new_with_free_func ((GDestroyNotify) _exs_scan_file_free);
  guint expected = work->len, received = 0;
  gboolean complete = TRUE;
  ExsScanProbe *probe;

  if (expected == 0)
    return TRUE;
  probe = exs_library_scan_probe_start (library->kind, job->n_workers, job->timeout_s, job->cancellable, work);
  while (received < expected)
    {
      ExsScanFile *item = exs_scan_probe_pop (probe, 100 * 1000);

      if (item == NULL)
        {
          if (g_cancellable_is_cancelled (job->cancellable))
            break;
          if (batch->len > 0 && !exs_scan_writer_write (writer, batch, write_error))
            break;
          continue;
        }
      received++;
      if (item->skipped || item->vanished)
        {
          ExsMediaFileState *e = g_hash_table_lookup (stored, item->uri);
          if (e && item->vanished)
            e->seen = FALSE;
          if (item->skipped)
            complete = FALSE;
          _exs_scan_file_free (item);
          continue;
        }
      progress_add (job, 0, 0, item->probe ? 1 : 0, item->probe_error ? 1 : 0);
      g_ptr_array_add (batch, item);
      if (batch->len >= WRITE_BATCH && !exs_scan_writer_write (writer, batch, write_error))
        break;
    }
  if (*write_error == NULL && !exs_scan_writer_write (writer, batch, write_error))
    complete = FALSE;
  exs_scan_probe_finish (probe, received >= expected);
  return complete && received >= expected;
}

static gboolean
run_scan (ScanJob *job, GError **error)
{
  g_autoptr (ExsDatabase) db = exs_database_open_worker (job->db_path, error);
  g_autoptr (ExsLibraryRecord) library = NULL;
  g_autoptr (GHashTable) stored = NULL;
  g_autoptr (ExsScanWalk) walk = NULL;
  g_autoptr (GPtrArray) work = NULL;
  g_autoptr (ExsScanWriter) writer = NULL;
  g_autoptr (GError) write_error = NULL;
  g_autofree char *scan_error = NULL;
  ExsLibraryScanCounts counts;
  guint unchanged;
  gboolean complete;

  if (db == NULL)
    return FALSE;
  library = exs_library_store_get (db, job->library_id, error);
  if (library == NULL
      || !exs_library_store_mark_scan_started (db, job->library_id, g_get_real_time () / G_USEC_PER_SEC, error))
    return FALSE;
  stored = exs_media_store_load_file_states (db, job->library_id, error);
  if (stored == NULL)
    return FALSE;

  if (g_str_equal (library->source, "url"))
    {
      ExsUrlScanOptions options = { job->archive_org_url, job->timeout_s };
      walk = exs_library_scan_urls (library, &options, job->cancellable);
    }
  else
    walk = exs_library_scan_walk (library, job->cancellable);
  job->dirs = g_ptr_array_ref (walk->dirs);
  complete = walk->complete;
  progress_add (job, walk->files->len, 0, 0, 0);
  work = exs_library_scan_select (walk, stored, job->full, &unchanged);
  progress_add (job, 0, unchanged, 0, 0);
  g_debug ("library %" G_GINT64_FORMAT ": %u files, %u unchanged, %u to look at", job->library_id,
           unchanged + work->len, unchanged, work->len);

  writer = exs_scan_writer_new (db, library, walk->issues, error);
  if (writer == NULL)
    return FALSE;
  if (!probe_and_write (job, library, work, stored, writer, &write_error))
    complete = FALSE;
  if (write_error)
    {
      scan_error = g_strdup (write_error->message);
      complete = FALSE;
    }
  else if (!complete)
    scan_error = g_strdup ("scan cancelled before it finished");

  counts = progress_counts (job);
  g_debug ("library %" G_GINT64_FORMAT ": probed %u, failed %u", job->library_id, counts.probed, counts.failed);
  if (!exs_scan_writer_finish (writer, stored, complete, walk->root_errors, scan_error, &counts, error))
    return FALSE;
  /* 4. loudness (exs-library-scan-loudness.c): new and changed items */
  if (complete && scan_error == NULL)
    g_debug ("library %" G_GINT64_FORMAT ": measured the loudness of %u items", job->library_id,
             exs_library_scan_loudness (db, job->library_id, job->cancellable));
  g_mutex_lock (&job->lock);
  job->progress.missing = counts.missing;
  job->progress.restored = counts.restored;
  job->progress.issues = counts.issues;
  g_mutex_unlock (&job->lock);
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
  char *archive_org_url;
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
  g_free (self->archive_org_url);
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
  self->archive_org_url = g_strdup ("https://archive.org");
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

/**
 * exs_library_scanner_set_archive_org_url:
 * @url: the base of Archive.org's API (metadata/, advancedsearch.php and
 *   download/ lie under it); tests point it at a local server
 */
void
exs_library_scanner_set_archive_org_url (ExsLibraryScanner *self, const char *url)
{
  g_return_if_fail (EXS_IS_LIBRARY_SCANNER (self));
  g_return_if_fail (url != NULL);

  g_free (self->archive_org_url);
  self->archive_org_url = g_strdup (url);
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
  job->archive_org_url = g_strdup (self->archive_org_url);
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
  exs_task_run_in_thread (task, scan_thread);
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
