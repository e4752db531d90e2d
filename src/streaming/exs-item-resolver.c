/* exs-item-resolver.c: ExsItemResolver, the play-time step between a
 * playout item's URI and the URI its bin opens.
 *
 * Most URIs play as they are. A "ytdl:https://…" item (a page from a URL
 * library, see src/library/exs-library-scan-url.c) is resolved with yt-dlp
 * (src/library/exs-ytdlp.c: a GSubprocess with a timeout) each time it is
 * about to play; the media URL is cached until it expires (its expire=
 * query parameter, a minute early) or, when it says nothing, for the
 * configured TTL. A failure (no yt-dlp, a timeout, a page it cannot play)
 * is cached for FAILURE_CACHE_US so retries do not hammer the site, and
 * comes back as a GError: the channel fails that item (the error screen,
 * then the next item), never the channel.
 *
 * Used from the channel engine's item chain (exs-channel-items.c) on the
 * main context; one resolver per process (exs_item_resolver_get_default),
 * configured by ExsApplication from [library] ytdlp_* settings.
 */
#include "config.h"

#include "exs-item-resolver.h"

#include "exs-ytdlp.h"

#include <string.h>

#define FAILURE_CACHE_US (30 * G_USEC_PER_SEC)
#define EXPIRY_MARGIN_S 60
#define MAX_CACHED 1024

typedef struct
{
  char *url;            /* (nullable) the media URL, or NULL for a failure */
  GError *error;        /* (nullable) */
  gint64 valid_until;   /* monotonic µs */
} Entry;

struct _ExsItemResolver
{
  GObject parent_instance;

  guint timeout_s;
  guint cache_seconds;
  GHashTable *cache;   /* page URI → Entry; main context only */
};

G_DEFINE_FINAL_TYPE (ExsItemResolver, exs_item_resolver, G_TYPE_OBJECT)

static void
entry_free (Entry *e)
{
  g_free (e->url);
  g_clear_error (&e->error);
  g_free (e);
}

static void
exs_item_resolver_finalize (GObject *object)
{
  ExsItemResolver *self = EXS_ITEM_RESOLVER (object);

  g_hash_table_unref (self->cache);
  G_OBJECT_CLASS (exs_item_resolver_parent_class)->finalize (object);
}

static void
exs_item_resolver_class_init (ExsItemResolverClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = exs_item_resolver_finalize;
}

static void
exs_item_resolver_init (ExsItemResolver *self)
{
  self->timeout_s = 30;
  self->cache_seconds = 3600;
  self->cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) entry_free);
}

/**
 * exs_item_resolver_get_default:
 *
 * Returns: (transfer none): the process's resolver
 */
ExsItemResolver *
exs_item_resolver_get_default (void)
{
  static gsize once;
  static ExsItemResolver *resolver;

  if (g_once_init_enter (&once))
    {
      resolver = g_object_new (EXS_TYPE_ITEM_RESOLVER, NULL);
      g_once_init_leave (&once, 1);
    }
  return resolver;
}

/**
 * exs_item_resolver_configure:
 * @timeout_s: the longest yt-dlp may take
 * @cache_seconds: how long a media URL without an expire= time is reused
 */
void
exs_item_resolver_configure (ExsItemResolver *self, guint timeout_s, guint cache_seconds)
{
  g_return_if_fail (EXS_IS_ITEM_RESOLVER (self));

  self->timeout_s = MAX (timeout_s, 1);
  self->cache_seconds = cache_seconds;
}

/* Returns: whether @uri must be resolved before it can play */
gboolean
exs_item_resolver_needs (const char *uri)
{
  return uri != NULL && g_str_has_prefix (uri, EXS_YTDLP_URI_PREFIX);
}

/* Drops every cached answer (tests; a changed yt-dlp). */
void
exs_item_resolver_forget (ExsItemResolver *self)
{
  g_return_if_fail (EXS_IS_ITEM_RESOLVER (self));

  g_hash_table_remove_all (self->cache);
}

static void
on_ytdlp_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  ExsItemResolver *self = g_task_get_source_object (task);
  const char *uri = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (ExsYtdlpInfo) info = exs_ytdlp_resolve_finish (result, &error);
  gint64 now = g_get_monotonic_time ();
  Entry *e = g_new0 (Entry, 1);

  if (g_hash_table_size (self->cache) >= MAX_CACHED)
    g_hash_table_remove_all (self->cache);
  if (info)
    {
      gint64 left_s = info->expires_at > 0 ? info->expires_at - g_get_real_time () / G_USEC_PER_SEC - EXPIRY_MARGIN_S
                                           : (gint64) self->cache_seconds;
      e->url = g_strdup (info->url);
      e->valid_until = now + MAX (left_s, 0) * G_USEC_PER_SEC;
      g_debug ("%s → %s (for %" G_GINT64_FORMAT " s)", uri, info->url, MAX (left_s, 0));
      g_task_return_pointer (task, g_strdup (info->url), g_free);
    }
  else
    {
      e->error = g_error_copy (error);
      e->valid_until = now + FAILURE_CACHE_US;
      g_message ("cannot resolve %s: %s", uri, error->message);
      g_task_return_error (task, g_steal_pointer (&error));
    }
  g_hash_table_replace (self->cache, g_strdup (uri), e);
}

/**
 * exs_item_resolver_resolve_async:
 * @uri: a playout item's URI
 *
 * Finds the URI to play for @uri: @uri itself when it needs nothing, a
 * cached answer, or a new yt-dlp run. Always answers later, on the
 * thread-default main context.
 */
void
exs_item_resolver_resolve_async (ExsItemResolver *self, const char *uri, GCancellable *cancellable,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = NULL;
  Entry *e;

  g_return_if_fail (EXS_IS_ITEM_RESOLVER (self));
  g_return_if_fail (uri != NULL);

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, exs_item_resolver_resolve_async);
  if (!exs_item_resolver_needs (uri))
    {
      g_task_return_pointer (task, g_strdup (uri), g_free);
      return;
    }
  e = g_hash_table_lookup (self->cache, uri);
  if (e && e->valid_until > g_get_monotonic_time ())
    {
      if (e->url)
        g_task_return_pointer (task, g_strdup (e->url), g_free);
      else
        g_task_return_error (task, g_error_copy (e->error));
      return;
    }
  g_task_set_task_data (task, g_strdup (uri), g_free);
  exs_ytdlp_resolve_async (uri + strlen (EXS_YTDLP_URI_PREFIX), self->timeout_s, cancellable, on_ytdlp_done_cb,
                           g_steal_pointer (&task));
}

/**
 * exs_item_resolver_resolve_finish:
 *
 * Returns: (transfer full) (nullable): the URI to play, or %NULL with @error
 *   saying why the item cannot play
 */
char *
exs_item_resolver_resolve_finish (ExsItemResolver *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}
