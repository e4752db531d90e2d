/* exs-file-list-source.c: ExsFileListSource, the playout used until (and
 * besides) the scheduling subsystem's real one.
 *
 * Per channel number it plays an ordered list of files in a loop anchored at a
 * fixed epoch, so every lookup of the same instant gives the same answer and
 * tuning in mid-programme lands at the right offset. Durations come from
 * GstDiscoverer, probed in a GTask thread (never on the main loop); until they
 * are known, lookup() answers with short OFFLINE items. The demo channels
 * (--demo) use it over the demo clips. The channel manager only sees the
 * ExsPlayoutSource interface.
 */
#include "config.h"

#include "exs-file-list-source.h"
#include "exs-background.h"

#include "exs-channel-number.h"
#include "exs-demo.h"

#include <gst/pbutils/pbutils.h>
#include <string.h>

typedef struct
{
  char *path;
  char *uri;
  char *title;
  gint64 duration_us; /* 0 while not probed */
  gint64 media_item_id; /* the library's id, 0 if none */
  char *media;          /* (nullable) a schedule item's media override, as ExsPlayoutItem.media */
} Entry;

typedef struct
{
  char *number;
  GPtrArray *entries; /* Entry* */
  gint64 epoch_us;
  gint64 total_us;    /* 0 while not every entry is probed */
  guint generation;
} ChannelList;

struct _ExsFileListSource
{
  GObject parent_instance;

  GHashTable *channels; /* normalised number -> ChannelList*; main thread only */
  GCancellable *cancellable;
};

static void exs_file_list_source_iface_init (ExsPlayoutSourceInterface *iface);

G_DEFINE_TYPE_WITH_CODE (ExsFileListSource, exs_file_list_source, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (EXS_TYPE_PLAYOUT_SOURCE, exs_file_list_source_iface_init))

static void
entry_free (Entry *e)
{
  g_free (e->path);
  g_free (e->uri);
  g_free (e->title);
  g_free (e->media);
  g_free (e);
}

static void
channel_list_free (ChannelList *c)
{
  g_free (c->number);
  g_ptr_array_unref (c->entries);
  g_free (c);
}

static void
recompute_total (ChannelList *c)
{
  gint64 total = 0;

  for (guint i = 0; i < c->entries->len; i++)
    {
      Entry *e = c->entries->pdata[i];
      if (e->duration_us <= 0)
        {
          c->total_us = 0;
          return;
        }
      total += e->duration_us;
    }
  c->total_us = total;
}

/* ---- probing, in a worker thread ---- */

typedef struct
{
  char *number;
  guint generation;
  GStrv paths;
  gint64 *durations; /* out */
} ProbeJob;

static void
probe_job_free (ProbeJob *job)
{
  g_free (job->number);
  g_strfreev (job->paths);
  g_free (job->durations);
  g_free (job);
}

/* A file name, or already a URI (an HTTP source). */
static char *
path_to_uri (const char *path)
{
  if (g_uri_peek_scheme (path) != NULL)
    return g_strdup (path);
  return g_filename_to_uri (path, NULL, NULL);
}

static void
probe_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ProbeJob *job = task_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GstDiscoverer) disc = gst_discoverer_new (10 * GST_SECOND, &error);
  guint n = g_strv_length (job->paths);

  job->durations = g_new0 (gint64, n);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *uri = path_to_uri (job->paths[i]);
      g_autoptr (GstDiscovererInfo) info = NULL;
      g_autoptr (GError) local = NULL;

      job->durations[i] = EXS_FILE_LIST_UNKNOWN_DURATION_US;
      if (disc == NULL || uri == NULL || g_cancellable_is_cancelled (cancellable))
        continue;
      info = gst_discoverer_discover_uri (disc, uri, &local);
      if (info && gst_discoverer_info_get_result (info) == GST_DISCOVERER_OK
          && GST_CLOCK_TIME_IS_VALID (gst_discoverer_info_get_duration (info))
          && gst_discoverer_info_get_duration (info) > 0)
        job->durations[i] = (gint64) (gst_discoverer_info_get_duration (info) / GST_USECOND);
      else
        g_debug ("cannot probe %s: %s", job->paths[i], local ? local->message : "no duration");
    }
  g_task_return_boolean (task, TRUE);
}

static void
on_probe_done_cb (GObject *object, GAsyncResult *result, gpointer user_data)
{
  ExsFileListSource *self = EXS_FILE_LIST_SOURCE (object);
  ProbeJob *job = g_task_get_task_data (G_TASK (result));
  ChannelList *c;

  if (!g_task_propagate_boolean (G_TASK (result), NULL))
    return;
  if (self->channels == NULL)
    return;
  c = g_hash_table_lookup (self->channels, job->number);
  if (c == NULL || c->generation != job->generation)
    return; /* replaced meanwhile */
  for (guint i = 0; i < c->entries->len; i++)
    {
      Entry *e = c->entries->pdata[i];
      if (e->duration_us <= 0)
        e->duration_us = job->durations[i];
    }
  recompute_total (c);
  g_debug ("channel %s: %u files, loop of %.1f s", c->number, c->entries->len, c->total_us / 1e6);
}

/**
 * exs_file_list_source_set_media_item_ids:
 * @ids: (array): the library id of each file of the channel's list, in its
 *   order (0: not a library item)
 *
 * Tells which library items the files of @channel_number's list are, so
 * that its items carry media_item_id like a scheduled playout's do.
 */
void
exs_file_list_source_set_media_item_ids (ExsFileListSource *self, const char *channel_number, const gint64 *ids)
{
  g_autofree char *number = exs_channel_number_normalize (channel_number);
  ChannelList *c = number ? g_hash_table_lookup (self->channels, number) : NULL;

  g_return_if_fail (c != NULL);
  for (guint i = 0; i < c->entries->len; i++)
    ((Entry *) c->entries->pdata[i])->media_item_id = ids[i];
}

/**
 * exs_file_list_source_set_media_overrides:
 * @media: (array): for each file of the channel's list, in its order, the
 *   media override its items carry (ExsPlayoutItem.media), or %NULL
 *
 * Lets a file list play some files as a schedule item with a "media"
 * override would (tests of the engine's side of it).
 */
void
exs_file_list_source_set_media_overrides (ExsFileListSource *self, const char *channel_number,
                                          const char *const *media)
{
  g_autofree char *number = exs_channel_number_normalize (channel_number);
  ChannelList *c = number ? g_hash_table_lookup (self->channels, number) : NULL;

  g_return_if_fail (c != NULL);
  for (guint i = 0; i < c->entries->len; i++)
    {
      Entry *e = c->entries->pdata[i];
      g_free (e->media);
      e->media = g_strdup (media[i]);
    }
}

/**
 * exs_file_list_source_set_channel:
 * @paths: the files (or URIs: HTTP sources), in play order
 * @durations_us: (nullable) (array): a duration per file, 0 to probe it
 * @epoch_us: when the first file first started (UTC µs)
 *
 * Sets (or replaces) the list of @channel_number; durations not given are
 * probed in a worker thread, and lookups answer OFFLINE until they are known.
 */
void
exs_file_list_source_set_channel (ExsFileListSource *self, const char *channel_number, const char *const *paths,
                                  const gint64 *durations_us, gint64 epoch_us)
{
  g_autofree char *number = exs_channel_number_normalize (channel_number);
  ChannelList *old, *c;
  gboolean need_probe = FALSE;

  g_return_if_fail (number != NULL);
  old = g_hash_table_lookup (self->channels, number);
  c = g_new0 (ChannelList, 1);
  c->number = g_strdup (number);
  c->entries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  c->epoch_us = epoch_us;
  c->generation = old ? old->generation + 1 : 1;
  for (guint i = 0; paths[i]; i++)
    {
      Entry *e = g_new0 (Entry, 1);
      g_autofree char *base = g_path_get_basename (paths[i]);
      char *dot = strrchr (base, '.');

      if (dot)
        *dot = '\0';
      e->path = g_strdup (paths[i]);
      e->uri = path_to_uri (paths[i]);
      e->title = g_strdup (base);
      e->duration_us = durations_us ? durations_us[i] : 0;
      need_probe |= e->duration_us <= 0;
      g_ptr_array_add (c->entries, e);
    }
  recompute_total (c);
  g_hash_table_replace (self->channels, g_strdup (number), c);

  if (need_probe)
    {
      g_autoptr (GTask) task = g_task_new (self, self->cancellable, on_probe_done_cb, NULL);
      ProbeJob *job = g_new0 (ProbeJob, 1);

      job->number = g_strdup (number);
      job->generation = c->generation;
      job->paths = g_strdupv ((char **) paths);
      g_task_set_task_data (task, job, (GDestroyNotify) probe_job_free);
      exs_task_run_in_thread (task, probe_thread);
    }
}

/**
 * exs_file_list_source_is_ready:
 *
 * Returns: whether every duration of the channel's list is known
 */
gboolean
exs_file_list_source_is_ready (ExsFileListSource *self, const char *channel_number)
{
  g_autofree char *number = exs_channel_number_normalize (channel_number);
  ChannelList *c = number ? g_hash_table_lookup (self->channels, number) : NULL;

  return c != NULL && c->total_us > 0;
}

/* The demo lineup: channel 100 plays every clip, 101 and 1984.1 a half each. */
void
exs_file_list_source_add_demo_channels (ExsFileListSource *self, const char *demo_dir)
{
  const gint64 epoch_us = G_GINT64_CONSTANT (1767225600) * G_USEC_PER_SEC; /* 2026-01-01 00:00 UTC */
  g_autoptr (GPtrArray) all = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) odd = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) even = g_ptr_array_new_with_free_func (g_free);
  guint n;
  const ExsDemoClip *clips = exs_demo_get_clips (&n);

  for (guint i = 0; i < n; i++)
    {
      g_ptr_array_add (all, g_build_filename (demo_dir, clips[i].file_name, NULL));
      g_ptr_array_add (i % 2 ? odd : even, g_build_filename (demo_dir, clips[i].file_name, NULL));
    }
  g_ptr_array_add (all, NULL);
  g_ptr_array_add (odd, NULL);
  g_ptr_array_add (even, NULL);
  exs_file_list_source_set_channel (self, "100", (const char *const *) all->pdata, NULL, epoch_us);
  exs_file_list_source_set_channel (self, "101", (const char *const *) even->pdata, NULL, epoch_us);
  exs_file_list_source_set_channel (self, "1984.1", (const char *const *) odd->pdata, NULL, epoch_us);
}

/* ---- ExsPlayoutSource ---- */

static ExsPlayoutItem *
item_at (ChannelList *c, gint64 at_us)
{
  ExsPlayoutItem *item = exs_playout_item_new ();
  gint64 pos, acc = 0;

  if (c->total_us <= 0)
    {
      /* not probed yet: one second of offline at a time */
      item->start_us = at_us - at_us % G_USEC_PER_SEC;
      item->stop_us = item->start_us + G_USEC_PER_SEC;
      item->title = g_strdup ("Starting soon");
      return item;
    }
  pos = (at_us - c->epoch_us) % c->total_us;
  if (pos < 0)
    pos += c->total_us;
  for (guint i = 0; i < c->entries->len; i++)
    {
      Entry *e = c->entries->pdata[i];

      if (pos < acc + e->duration_us)
        {
          item->kind = EXS_PLAYOUT_ITEM_PROGRAMME;
          item->start_us = at_us - (pos - acc);
          item->stop_us = item->start_us + e->duration_us;
          item->uri = g_strdup (e->uri);
          item->title = g_strdup (e->title);
          item->media_item_id = e->media_item_id;
          item->media = g_strdup (e->media);
          return item;
        }
      acc += e->duration_us;
    }
  g_assert_not_reached ();
}

static ExsPlayoutItem *
file_list_lookup (ExsPlayoutSource *source, const char *channel_number, gint64 at_us, GError **error)
{
  ExsFileListSource *self = EXS_FILE_LIST_SOURCE (source);
  g_autofree char *number = exs_channel_number_normalize (channel_number);
  ChannelList *c = number ? g_hash_table_lookup (self->channels, number) : NULL;

  if (c == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "channel %s has no file list", channel_number);
      return NULL;
    }
  return item_at (c, at_us);
}

static GPtrArray *
file_list_list (ExsPlayoutSource *source, const char *channel_number, gint64 from_us, gint64 to_us, GError **error)
{
  ExsFileListSource *self = EXS_FILE_LIST_SOURCE (source);
  g_autofree char *number = exs_channel_number_normalize (channel_number);
  ChannelList *c = number ? g_hash_table_lookup (self->channels, number) : NULL;
  GPtrArray *items;
  gint64 t = from_us;

  if (c == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "channel %s has no file list", channel_number);
      return NULL;
    }
  items = g_ptr_array_new_with_free_func ((GDestroyNotify) exs_playout_item_free);
  while (t < to_us)
    {
      ExsPlayoutItem *item = item_at (c, t);
      t = item->stop_us;
      g_ptr_array_add (items, item);
    }
  return items;
}

static void
exs_file_list_source_iface_init (ExsPlayoutSourceInterface *iface)
{
  iface->lookup = file_list_lookup;
  iface->list = file_list_list;
}

static void
exs_file_list_source_dispose (GObject *object)
{
  ExsFileListSource *self = EXS_FILE_LIST_SOURCE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->channels, g_hash_table_unref);
  G_OBJECT_CLASS (exs_file_list_source_parent_class)->dispose (object);
}

static void
exs_file_list_source_class_init (ExsFileListSourceClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = exs_file_list_source_dispose;
}

static void
exs_file_list_source_init (ExsFileListSource *self)
{
  self->channels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) channel_list_free);
  self->cancellable = g_cancellable_new ();
}

ExsFileListSource *
exs_file_list_source_new (void)
{
  return g_object_new (EXS_TYPE_FILE_LIST_SOURCE, NULL);
}
