/* exs-hls-viewers.c: ExsHlsViewers, the sessions of HLS viewers.
 *
 * An HLS player holds no connection: it fetches the playlist and a segment
 * every EXS_HLS_TARGET_SECONDS. So a viewer here is a client address and
 * user agent fetching one channel's HLS; it ends when it has fetched nothing
 * for EXS_HLS_VIEWER_IDLE_SEGMENTS segment intervals. ExsHlsOutput calls
 * exs_hls_viewers_admit() for every request it serves and
 * exs_hls_viewers_add_bytes() for what it sends; GET /api/sessions lists them
 * beside the TS viewers (kind "hls", id "hls-N"), and DELETE
 * /api/sessions/hls-N refuses that viewer's requests (403) for
 * EXS_HLS_VIEWER_BAN_SECONDS — the nearest HLS has to hanging up.
 * At most MAX_VIEWERS are kept (the least recently seen goes).
 * One per process (exs_hls_viewers_get_default()), main thread only.
 */
#include "config.h"

#include "exs-hls-viewers.h"

#include "exs-hls-output.h"

#include <string.h>

#define MAX_VIEWERS 1024
#define MAX_USER_AGENT 256

typedef struct
{
  char *id;        /* "hls-N" */
  char *channel;
  char *client;
  char *user_agent; /* nullable */
  gint64 since_real_us;
  gint64 last_mono_us;
  gint64 banned_until_mono_us; /* 0: not banned */
  guint64 bytes;
} Viewer;

struct _ExsHlsViewers
{
  GObject parent_instance;

  gint64 idle_us;
  guint64 next_id;
  GHashTable *viewers; /* key (channel, client, user agent) → Viewer* */
};

G_DEFINE_TYPE (ExsHlsViewers, exs_hls_viewers, G_TYPE_OBJECT)

static void
viewer_free (Viewer *v)
{
  g_free (v->id);
  g_free (v->channel);
  g_free (v->client);
  g_free (v->user_agent);
  g_free (v);
}

static void
exs_hls_viewers_finalize (GObject *object)
{
  g_hash_table_unref (EXS_HLS_VIEWERS (object)->viewers);
  G_OBJECT_CLASS (exs_hls_viewers_parent_class)->finalize (object);
}

static void
exs_hls_viewers_class_init (ExsHlsViewersClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = exs_hls_viewers_finalize;
}

static void
exs_hls_viewers_init (ExsHlsViewers *self)
{
  self->viewers = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) viewer_free);
}

/**
 * exs_hls_viewers_new:
 * @idle_us: how long a viewer that fetches nothing lasts
 *
 * Returns: (transfer full): an empty list
 */
ExsHlsViewers *
exs_hls_viewers_new (gint64 idle_us)
{
  ExsHlsViewers *self = g_object_new (EXS_TYPE_HLS_VIEWERS, NULL);

  self->idle_us = idle_us;
  return self;
}

/**
 * exs_hls_viewers_get_default:
 *
 * Returns: (transfer none): the process's list, made on first use, whose
 *   viewers end after EXS_HLS_VIEWER_IDLE_SEGMENTS segment intervals
 */
ExsHlsViewers *
exs_hls_viewers_get_default (void)
{
  static ExsHlsViewers *viewers;

  if (viewers == NULL)
    viewers = exs_hls_viewers_new ((gint64) EXS_HLS_VIEWER_IDLE_SEGMENTS * EXS_HLS_TARGET_SECONDS * G_USEC_PER_SEC);
  return viewers;
}

static char *
user_agent_of (SoupServerMessage *msg)
{
  const char *ua = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "User-Agent");

  return ua ? g_utf8_make_valid (ua, MIN (strlen (ua), MAX_USER_AGENT)) : NULL;
}

static char *
key_of (const char *channel, const char *client, const char *user_agent)
{
  return g_strjoin ("\x1f", channel, client, user_agent ? user_agent : "", NULL);
}

/* Drops the viewers gone idle and the bans that have run out. */
static void
prune (ExsHlsViewers *self, gint64 now)
{
  GHashTableIter iter;
  Viewer *v;

  g_hash_table_iter_init (&iter, self->viewers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &v))
    if (v->banned_until_mono_us ? v->banned_until_mono_us <= now : v->last_mono_us + self->idle_us <= now)
      g_hash_table_iter_remove (&iter);
}

static void
drop_least_recent (ExsHlsViewers *self)
{
  GHashTableIter iter;
  gpointer key, oldest_key = NULL;
  Viewer *v;
  gint64 oldest = G_MAXINT64;

  g_hash_table_iter_init (&iter, self->viewers);
  while (g_hash_table_iter_next (&iter, &key, (gpointer *) &v))
    if (v->last_mono_us < oldest)
      {
        oldest = v->last_mono_us;
        oldest_key = key;
      }
  if (oldest_key)
    g_hash_table_remove (self->viewers, oldest_key);
}

static Viewer *
lookup (ExsHlsViewers *self, const char *channel_number, SoupServerMessage *msg)
{
  const char *client = soup_server_message_get_remote_host (msg);
  g_autofree char *ua = user_agent_of (msg);
  g_autofree char *key = key_of (channel_number, client ? client : "", ua);

  return g_hash_table_lookup (self->viewers, key);
}

/**
 * exs_hls_viewers_admit:
 * @msg: an HLS request (playlist or segment) of @channel_number
 *
 * Counts the request: the viewer it comes from is made or kept alive.
 *
 * Returns: %FALSE if the administrator disconnected this viewer lately (the
 *   caller answers 403)
 */
gboolean
exs_hls_viewers_admit (ExsHlsViewers *self, const char *channel_number, SoupServerMessage *msg)
{
  const char *client = soup_server_message_get_remote_host (msg);
  g_autofree char *ua = user_agent_of (msg);
  g_autofree char *key = key_of (channel_number, client ? client : "", ua);
  gint64 now = g_get_monotonic_time ();
  Viewer *v;

  g_return_val_if_fail (EXS_IS_HLS_VIEWERS (self), TRUE);

  prune (self, now);
  v = g_hash_table_lookup (self->viewers, key);
  if (v && v->banned_until_mono_us)
    return FALSE;
  if (v == NULL)
    {
      if (g_hash_table_size (self->viewers) >= MAX_VIEWERS)
        drop_least_recent (self);
      v = g_new0 (Viewer, 1);
      v->id = g_strdup_printf ("hls-%" G_GUINT64_FORMAT, ++self->next_id);
      v->channel = g_strdup (channel_number);
      v->client = g_strdup (client ? client : "");
      v->user_agent = g_steal_pointer (&ua);
      v->since_real_us = g_get_real_time ();
      g_debug ("channel %s: HLS viewer %s (%s) started", channel_number, v->client, v->id);
      g_hash_table_insert (self->viewers, g_steal_pointer (&key), v);
    }
  v->last_mono_us = now;
  return TRUE;
}

/* What was sent to @msg's viewer (after exs_hls_viewers_admit()). */
void
exs_hls_viewers_add_bytes (ExsHlsViewers *self, const char *channel_number, SoupServerMessage *msg, guint64 bytes)
{
  Viewer *v = lookup (self, channel_number, msg);

  if (v)
    v->bytes += bytes;
}

/**
 * exs_hls_viewers_add_json:
 * @channel_number: (nullable): only this channel's viewers
 * @sessions: the GET /api/sessions array, to which each live HLS viewer is
 *   appended in its item shape (id "hls-N", "kind": "hls")
 */
void
exs_hls_viewers_add_json (ExsHlsViewers *self, const char *channel_number, JsonArray *sessions)
{
  GHashTableIter iter;
  Viewer *v;
  gint64 now = g_get_monotonic_time ();
  gint64 now_real = g_get_real_time ();

  prune (self, now);
  g_hash_table_iter_init (&iter, self->viewers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &v))
    {
      JsonObject *o;

      if (v->banned_until_mono_us || (channel_number && g_strcmp0 (channel_number, v->channel) != 0))
        continue;
      o = json_object_new ();
      json_object_set_string_member (o, "id", v->id);
      json_object_set_string_member (o, "channel_number", v->channel);
      json_object_set_string_member (o, "client_address", v->client);
      json_object_set_string_member (o, "state", "active");
      json_object_set_int_member (o, "bytes_sent", (gint64) v->bytes);
      json_object_set_double_member (o, "duration_seconds", (now_real - v->since_real_us) / (double) G_USEC_PER_SEC);
      json_object_set_double_member (o, "idle_seconds", (now - v->last_mono_us) / (double) G_USEC_PER_SEC);
      json_object_set_int_member (o, "errors", 0);
      json_object_set_string_member (o, "kind", "hls");
      if (v->user_agent)
        json_object_set_string_member (o, "user_agent", v->user_agent);
      else
        json_object_set_null_member (o, "user_agent");
      json_array_add_object_element (sessions, o);
    }
}

/**
 * exs_hls_viewers_disconnect:
 * @id: "hls-N"
 * @channel_number: (out) (optional) (transfer full): its channel
 * @client: (out) (optional) (transfer full): its address
 *
 * Ends that viewer and refuses its requests for EXS_HLS_VIEWER_BAN_SECONDS.
 *
 * Returns: %FALSE if no live HLS viewer has that id
 */
gboolean
exs_hls_viewers_disconnect (ExsHlsViewers *self, const char *id, char **channel_number, char **client)
{
  GHashTableIter iter;
  Viewer *v;
  gint64 now = g_get_monotonic_time ();

  prune (self, now);
  g_hash_table_iter_init (&iter, self->viewers);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &v))
    if (v->banned_until_mono_us == 0 && g_strcmp0 (v->id, id) == 0)
      {
        v->banned_until_mono_us = now + (gint64) EXS_HLS_VIEWER_BAN_SECONDS * G_USEC_PER_SEC;
        if (channel_number)
          *channel_number = g_strdup (v->channel);
        if (client)
          *client = g_strdup (v->client);
        return TRUE;
      }
  return FALSE;
}
