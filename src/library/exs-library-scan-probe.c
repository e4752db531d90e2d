/* exs-library-scan-probe.c: the probe step of a library scan.
 *
 * 1–8 worker threads, each with its own GstDiscoverer (a timeout per file),
 * take files from a queue and look at them: the file is still there,
 * not empty, readable and not a cut-short MP4 (exs_media_check_file), then
 * its stream facts (exs_media_probe) and sidecar subtitles; the file name
 * is parsed as an episode or a film, the NFO read, artwork found beside it.
 * Files whose NFO alone changed are not probed. A URL library's items are
 * probed over HTTP instead (exs_library_scan_probe_url()). Bad input becomes
 * probe_error on the file, never a failure. Workers touch no database.
 */
#include "config.h"

#include "exs-library-scan-probe.h"

#include "exs-library-scan-url.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

struct _ExsScanProbe
{
  GAsyncQueue *in;
  GAsyncQueue *out;
  GPtrArray *threads;
};

typedef struct
{
  GAsyncQueue *in;
  GAsyncQueue *out;
  GCancellable *cancellable;
  char *library_kind;
  guint timeout_s;
} Worker;

static int sentinel;

static void
find_artwork (ExsScanFile *item, gboolean episode)
{
  g_autofree char *dir = g_path_get_dirname (item->path);
  g_autofree char *base = g_path_get_basename (item->path);
  g_autofree char *stem = _exs_scan_stem_of (base);
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

  item->thumb = _exs_scan_find_beside (dir, thumbs);
  if (episode)
    return; /* an episode's poster and fanart are its show's */
  item->poster = _exs_scan_find_beside (dir, posters);
  item->fanart = _exs_scan_find_beside (dir, fanarts);
}

/* Stream facts of a file to probe, or probe_error; vanished when it is gone. */
static void
probe_streams (GstDiscoverer *disc, ExsScanFile *item)
{
  g_autoptr (GError) check_error = NULL;
  g_autoptr (GError) error = NULL;
  struct stat st;
  gint64 started;

  if (stat (item->path, &st) != 0)
    {
      item->vanished = errno == ENOENT;
      if (!item->vanished)
        item->probe_error = g_strdup_printf ("cannot read: %s", g_strerror (errno));
      return;
    }
  if (st.st_size == 0)
    item->probe_error = g_strdup ("empty file (0 bytes)");
  else if (access (item->path, R_OK) != 0)
    item->probe_error = g_strdup_printf ("cannot read: %s", g_strerror (errno));
  else if (disc == NULL)
    item->probe_error = g_strdup ("no GstDiscoverer available");
  else if (!exs_media_check_file (item->path, &check_error))
    item->probe_error = g_strdup (check_error->message);
  if (item->probe_error)
    return;

  started = g_get_monotonic_time ();
  item->facts = exs_media_probe (disc, item->uri, &error);
  if (g_get_monotonic_time () - started > 2 * G_USEC_PER_SEC)
    g_message ("probing %s took %.1f s%s%s", item->rel, (double) (g_get_monotonic_time () - started) / G_USEC_PER_SEC,
               error ? ": " : "", error ? error->message : "");
  if (item->facts == NULL)
    item->probe_error = g_strdup (error->message);
  else
    exs_media_facts_add_sidecar_subtitles (item->facts, item->path);
}

/**
 * exs_library_scan_probe_file:
 * @discoverer: (nullable): the worker's discoverer; %NULL makes every file
 *   to probe an error
 * @library_kind: "shows" parses the name as an episode, others as a film
 *
 * Looks at one file and fills in what it found. Blocking.
 */
void
exs_library_scan_probe_file (GstDiscoverer *disc, const char *library_kind, ExsScanFile *item)
{
  gboolean shows = g_str_equal (library_kind, "shows");

  if (item->probe)
    {
      if (item->remote)
        exs_library_scan_probe_url (disc, item);
      else
        probe_streams (disc, item);
      if (item->vanished)
        return;
    }

  if (shows)
    item->name_parsed_episode = exs_media_name_parse_episode (item->rel, &item->name);
  else
    exs_media_name_parse_movie (item->rel, &item->name);

  _exs_scan_music_probe (item, library_kind);
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
  if (!item->remote)
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
      ExsScanFile *item = p;

      if (g_cancellable_is_cancelled (wk->cancellable))
        item->skipped = TRUE;
      else
        exs_library_scan_probe_file (disc, wk->library_kind, item);
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

/**
 * exs_library_scan_probe_start:
 * @n_workers: threads to start (at most one per file)
 * @timeout_s: the longest one file may take in GstDiscoverer
 * @cancellable: files taken after it is cancelled come back skipped
 * @files: (element-type ExsScanFile): the files to look at, all taken from
 *   the array (it is left empty); at least one
 *
 * Returns: (transfer full): the running step; take each file back with
 *   exs_scan_probe_pop(), then call exs_scan_probe_finish()
 */
ExsScanProbe *
exs_library_scan_probe_start (const char *library_kind, guint n_workers, guint timeout_s, GCancellable *cancellable,
                              GPtrArray *files)
{
  ExsScanProbe *probe = g_new0 (ExsScanProbe, 1);
  guint n = MAX (MIN (n_workers, files->len), 1);

  /* Files left in a queue when the last reference goes (a cancelled scan)
   * are freed with it; the sentinels are all taken by the workers. */
  probe->in = g_async_queue_new_full ((GDestroyNotify) _exs_scan_file_free);
  probe->out = g_async_queue_new_full ((GDestroyNotify) _exs_scan_file_free);
  probe->threads = g_ptr_array_new ();
  for (guint i = 0; i < n; i++)
    {
      Worker *wk = g_new0 (Worker, 1);
      wk->in = g_async_queue_ref (probe->in);
      wk->out = g_async_queue_ref (probe->out);
      wk->cancellable = g_object_ref (cancellable);
      wk->library_kind = g_strdup (library_kind);
      wk->timeout_s = timeout_s;
      g_ptr_array_add (probe->threads, g_thread_new ("exs-scan-worker", worker_main, wk));
    }
  {
    gsize len = 0;
    gpointer *taken = g_ptr_array_steal (files, &len);
    for (gsize i = 0; i < len; i++)
      g_async_queue_push (probe->in, taken[i]);
    g_free (taken);
  }
  for (guint i = 0; i < n; i++)
    g_async_queue_push (probe->in, &sentinel);
  return probe;
}

/**
 * exs_scan_probe_pop:
 *
 * Returns: (transfer full) (nullable): the next file looked at, or %NULL
 *   when none came within @timeout_us
 */
ExsScanFile *
exs_scan_probe_pop (ExsScanProbe *probe, guint64 timeout_us)
{
  return g_async_queue_timeout_pop (probe->out, timeout_us);
}

/**
 * exs_scan_probe_finish:
 * @wait: join the workers (every file came back); otherwise they are left to
 *   end on their own, holding their own references (a probe stuck after a
 *   cancel is not waited for)
 *
 * Frees @probe and the files still queued.
 */
void
exs_scan_probe_finish (ExsScanProbe *probe, gboolean wait)
{
  for (guint i = 0; i < probe->threads->len; i++)
    {
      if (wait)
        g_thread_join (probe->threads->pdata[i]);
      else
        g_thread_unref (probe->threads->pdata[i]);
    }
  g_ptr_array_unref (probe->threads);
  g_async_queue_unref (probe->in);
  g_async_queue_unref (probe->out);
  g_free (probe);
}
