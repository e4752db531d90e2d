/* exs-media-server-sync.c: ExsMediaServerSync, which keeps the Plex,
 * Jellyfin and Emby libraries in step with their servers.
 *
 * Created by ExsApplication beside the library scanner; the API
 * (POST /api/libraries/{id}/scan, and after adding or changing a server
 * library) and start-up ask it to sync. Syncs run one at a time, each in a
 * GTask thread with its own SQLite connection and its own client
 * (ExsPlexClient or ExsJellyfinClient, synchronous libsoup calls bounded in
 * time, size and count): the main loop never waits on a server.
 *
 * A sync first reads everything the chosen server libraries hold, then
 * writes (exs-media-server-write.c). A server that cannot be read — down, a
 * refused token, a reply cut off, too slow — leaves the library as it was:
 * nothing is written but the error, which the library's "scan" JSON shows.
 *
 * It also tells ExsMediaServerSrc each library's server, token and path
 * mappings (exs_media_server_sync_load_sources()), so channels can play the
 * items.
 */
#include "config.h"

#include "exs-media-server-sync.h"
#include "exs-background.h"

#include "exs-library-store.h"
#include "exs-media-server-client.h"
#include "exs-media-server-src.h"
#include "exs-media-server-write.h"

struct _ExsMediaServerSync
{
  GObject parent_instance;

  ExsDatabase *database;
  GQueue queue;          /* gint64 library ids waiting, as pointers to gint64 */
  gint64 current;        /* the library syncing now; 0: none */
  GCancellable *cancellable;
  gboolean stopped;
};

enum
{
  SIGNAL_SYNC_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (ExsMediaServerSync, exs_media_server_sync, G_TYPE_OBJECT)

static void start_next (ExsMediaServerSync *self);

static void
exs_media_server_sync_dispose (GObject *object)
{
  ExsMediaServerSync *self = EXS_MEDIA_SERVER_SYNC (object);

  exs_media_server_sync_stop (self);
  g_clear_object (&self->database);
  g_clear_object (&self->cancellable);
  G_OBJECT_CLASS (exs_media_server_sync_parent_class)->dispose (object);
}

static void
exs_media_server_sync_class_init (ExsMediaServerSyncClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = exs_media_server_sync_dispose;

  /**
   * ExsMediaServerSync::sync-finished:
   * @library_id: the library
   * @error: (nullable): why it could not sync, or %NULL
   */
  signals[SIGNAL_SYNC_FINISHED] = g_signal_new ("sync-finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                                NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_STRING);
}

static void
exs_media_server_sync_init (ExsMediaServerSync *self)
{
  g_queue_init (&self->queue);
}

ExsMediaServerSync *
exs_media_server_sync_new (ExsDatabase *database)
{
  ExsMediaServerSync *self = g_object_new (EXS_TYPE_MEDIA_SERVER_SYNC, NULL);

  self->database = g_object_ref (database);
  return self;
}

static ExsMediaServerConfig *
read_config (ExsDatabase *db, const ExsLibraryRecord *library, GError **error)
{
  g_autofree char *json = NULL;
  ExsMediaServerKind kind;

  if (!exs_media_server_kind_from_source (library->source, &kind))
    {
      g_set_error (error, EXS_MEDIA_SERVER_ERROR, EXS_MEDIA_SERVER_ERROR_INVALID,
                   "library %s is a %s library, not a Plex, Jellyfin or Emby one", library->name, library->source);
      return NULL;
    }
  json = exs_library_store_dup_source_config (db, library->id, error);
  return json ? exs_media_server_config_from_json (kind, json, error) : NULL;
}

/**
 * exs_media_server_sync_dup_config:
 *
 * Returns: (transfer full) (nullable): the settings of a Plex, Jellyfin or
 *   Emby library (with its token: never show it)
 */
ExsMediaServerConfig *
exs_media_server_sync_dup_config (ExsMediaServerSync *self, gint64 library_id, GError **error)
{
  g_autoptr (ExsLibraryRecord) library = exs_library_store_get (self->database, library_id, error);

  return library ? read_config (self->database, library, error) : NULL;
}

/* ---- one sync (worker thread) ------------------------------------------- */

/* Reads the server libraries @config chooses (all of @kind when it names none). */
static ExsRemoteCatalog *
read_server (ExsMediaServerClient *client, const ExsMediaServerConfig *config, const char *kind,
             GCancellable *cancellable, GError **error)
{
  g_autoptr (ExsRemoteCatalog) catalog = exs_remote_catalog_new ();
  g_autoptr (GPtrArray) remote = exs_media_server_client_list_libraries (client, cancellable, error);

  if (remote == NULL)
    return NULL;
  for (guint i = 0; i < config->libraries->len; i++)
    {
      gboolean found = FALSE;
      for (guint j = 0; j < remote->len; j++)
        found = found || g_str_equal (((ExsRemoteLibrary *) remote->pdata[j])->id, config->libraries->pdata[i]);
      if (!found)
        {
          g_set_error (error, EXS_MEDIA_SERVER_ERROR, EXS_MEDIA_SERVER_ERROR_BAD_REPLY,
                       "the server has no library with id “%s” (any more); choose its libraries again",
                       (const char *) config->libraries->pdata[i]);
          return NULL;
        }
    }
  for (guint j = 0; j < remote->len; j++)
    {
      ExsRemoteLibrary *r = remote->pdata[j];
      gboolean chosen = config->libraries->len > 0
                            ? g_ptr_array_find_with_equal_func (config->libraries, r->id, g_str_equal, NULL)
                            : g_strcmp0 (r->kind, kind) == 0;

      if (!chosen)
        continue;
      if (r->kind == NULL)
        {
          g_set_error (error, EXS_MEDIA_SERVER_ERROR, EXS_MEDIA_SERVER_ERROR_INVALID,
                       "the server library “%s” holds neither films nor shows", r->title);
          return NULL;
        }
      if (!exs_media_server_client_read_library (client, r, catalog, cancellable, error))
        return NULL;
    }
  return g_steal_pointer (&catalog);
}

static gboolean
run_sync (const char *db_path, gint64 library_id, GCancellable *cancellable, GError **error)
{
  g_autoptr (ExsDatabase) db = exs_database_open_worker (db_path, error);
  g_autoptr (ExsLibraryRecord) library = NULL;
  g_autoptr (ExsMediaServerConfig) config = NULL;
  g_autoptr (ExsMediaServerClient) client = NULL;
  g_autoptr (ExsRemoteCatalog) catalog = NULL;
  g_autoptr (GError) read_error = NULL;
  ExsLibraryScanCounts counts;
  const char *server;

  if (db == NULL || (library = exs_library_store_get (db, library_id, error)) == NULL
      || (config = read_config (db, library, error)) == NULL)
    return FALSE;
  server = exs_media_server_kind_to_name (config->kind);
  if (!exs_library_store_mark_scan_started (db, library_id, g_get_real_time () / G_USEC_PER_SEC, error))
    return FALSE;
  if (config->url == NULL || config->token == NULL)
    g_set_error (&read_error, EXS_MEDIA_SERVER_ERROR, EXS_MEDIA_SERVER_ERROR_INVALID,
                 "the library has no %s server address or token; set them first", server);
  else
    {
      client = exs_media_server_client_new (config);
      catalog = read_server (client, config, library->kind, cancellable, &read_error);
    }
  if (catalog == NULL)
    {
      g_autofree char *message = NULL;

      if (g_error_matches (read_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&read_error));
          return FALSE;
        }
      message = g_strdup_printf ("%s; the library was left as it was", read_error->message);
      g_message ("library %s: %s", library->name, message);
      if (!exs_media_server_write_failure (db, library, message, error))
        return FALSE;
      g_propagate_error (error, g_steal_pointer (&read_error));
      return FALSE;
    }
  if (!exs_media_server_write_catalog (db, library, server, catalog, &counts, error))
    return FALSE;
  g_message ("library %s: synced from %s: %u listed, %u written, %u unchanged, %u missing, %u restored",
             library->name, server, counts.found, counts.probed, counts.unchanged, counts.missing, counts.restored);
  return TRUE;
}

typedef struct
{
  char *db_path;
  gint64 library_id;
} SyncJob;

static void
sync_job_free (SyncJob *job)
{
  g_free (job->db_path);
  g_free (job);
}

static void
sync_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  SyncJob *job = data;
  GError *error = NULL;

  if (run_sync (job->db_path, job->library_id, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
on_sync_done_cb (GObject *source, GAsyncResult *result, gpointer data)
{
  ExsMediaServerSync *self = EXS_MEDIA_SERVER_SYNC (source);
  g_autoptr (GError) error = NULL;
  gint64 id = self->current;

  g_task_propagate_boolean (G_TASK (result), &error);
  self->current = 0;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_signal_emit (self, signals[SIGNAL_SYNC_FINISHED], 0, id, error ? error->message : NULL);
  start_next (self);
}

static void
start_next (ExsMediaServerSync *self)
{
  g_autoptr (GTask) task = NULL;
  g_autofree gint64 *id = NULL;
  SyncJob *job;

  if (self->current != 0 || self->stopped || g_queue_is_empty (&self->queue))
    return;
  id = g_queue_pop_head (&self->queue);
  self->current = *id;
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  job = g_new0 (SyncJob, 1);
  job->db_path = g_strdup (exs_database_get_path (self->database));
  job->library_id = *id;
  task = g_task_new (self, self->cancellable, on_sync_done_cb, NULL);
  g_task_set_source_tag (task, start_next);
  g_task_set_task_data (task, job, (GDestroyNotify) sync_job_free);
  exs_task_run_in_thread (task, sync_thread);
}

static gboolean
is_queued (ExsMediaServerSync *self, gint64 library_id)
{
  for (GList *l = self->queue.head; l; l = l->next)
    if (*(gint64 *) l->data == library_id)
      return TRUE;
  return FALSE;
}

/**
 * exs_media_server_sync_start:
 *
 * Queues a sync of a Plex, Jellyfin or Emby library (once: a library already
 * waiting is not queued twice).
 */
void
exs_media_server_sync_start (ExsMediaServerSync *self, gint64 library_id)
{
  g_return_if_fail (EXS_IS_MEDIA_SERVER_SYNC (self));

  if (self->stopped || is_queued (self, library_id))
    return;
  g_queue_push_tail (&self->queue, g_memdup2 (&library_id, sizeof library_id));
  start_next (self);
}

/* Calls @func on every Plex, Jellyfin and Emby library. */
static gboolean
for_each_server_library (ExsMediaServerSync *self, void (*func) (ExsMediaServerSync *, ExsLibraryRecord *),
                         GError **error)
{
  g_autoptr (GPtrArray) libraries = exs_library_store_list (self->database, error);
  ExsMediaServerKind kind;

  if (libraries == NULL)
    return FALSE;
  for (guint i = 0; i < libraries->len; i++)
    {
      ExsLibraryRecord *r = libraries->pdata[i];
      if (exs_media_server_kind_from_source (r->source, &kind))
        func (self, r);
    }
  return TRUE;
}

static void
queue_library (ExsMediaServerSync *self, ExsLibraryRecord *r)
{
  exs_media_server_sync_start (self, r->id);
}

/**
 * exs_media_server_sync_start_all:
 *
 * Queues a sync of every Plex, Jellyfin and Emby library (at start-up).
 */
void
exs_media_server_sync_start_all (ExsMediaServerSync *self)
{
  g_autoptr (GError) error = NULL;

  if (!for_each_server_library (self, queue_library, &error))
    g_warning ("cannot list the media-server libraries: %s", error->message);
}

gboolean
exs_media_server_sync_is_busy (ExsMediaServerSync *self, gint64 library_id)
{
  return self->current == library_id || is_queued (self, library_id);
}

gboolean
exs_media_server_sync_is_idle (ExsMediaServerSync *self)
{
  return self->current == 0 && g_queue_is_empty (&self->queue);
}

static void
register_source (ExsMediaServerSync *self, ExsLibraryRecord *r)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ExsMediaServerConfig) config = read_config (self->database, r, &error);

  if (config)
    exs_media_server_src_set_library (r->id, config);
  else
    g_warning ("library %s: %s", r->name, error->message);
}

/**
 * exs_media_server_sync_load_sources:
 *
 * Tells ExsMediaServerSrc the server, token and path mappings of every
 * Plex, Jellyfin and Emby library, forgetting the others (at start-up, and
 * after the API adds, changes or removes one).
 */
gboolean
exs_media_server_sync_load_sources (ExsMediaServerSync *self, GError **error)
{
  exs_media_server_src_forget_all ();
  return for_each_server_library (self, register_source, error);
}

/**
 * exs_media_server_sync_stop:
 *
 * Cancels the sync that runs and forgets the queue (at shutdown).
 */
void
exs_media_server_sync_stop (ExsMediaServerSync *self)
{
  self->stopped = TRUE;
  g_queue_clear_full (&self->queue, g_free);
  if (self->cancellable)
    g_cancellable_cancel (self->cancellable);
}

/* ---- listing a server's libraries (API) ----------------------------------- */

static void
list_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  g_autoptr (ExsMediaServerClient) client = exs_media_server_client_new (data);
  GError *error = NULL;
  GPtrArray *libraries = exs_media_server_client_list_libraries (client, cancellable, &error);

  if (libraries)
    g_task_return_pointer (task, libraries, (GDestroyNotify) g_ptr_array_unref);
  else
    g_task_return_error (task, error);
}

/**
 * exs_media_server_list_libraries_async:
 * @config: a server's address and token (copied)
 *
 * Asks the server for its libraries, in a worker thread.
 */
void
exs_media_server_list_libraries_async (const ExsMediaServerConfig *config, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, exs_media_server_list_libraries_async);
  g_task_set_task_data (task, exs_media_server_config_copy (config), (GDestroyNotify) exs_media_server_config_free);
  exs_task_run_in_thread (task, list_thread);
}

/**
 * exs_media_server_list_libraries_finish:
 *
 * Returns: (transfer full) (element-type ExsRemoteLibrary) (nullable): the
 *   server's libraries
 */
GPtrArray *
exs_media_server_list_libraries_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}
