/* exs-session-manager.c: ExsSessionManager, the viewers' ledger.
 *
 * EXStreamTV 2.6's SessionManager. Made by ExsApplication; the channel engine
 * opens a session when a viewer connects (viewer-added), adds the bytes the
 * viewer was sent, records errors and closes it (viewer-removed). A channel
 * takes at most max_sessions_per_channel (50) viewers; the next one is refused
 * with EXS_SESSION_ERROR_CHANNEL_FULL (the HTTP layer answers 503).
 *
 * States: created → active (bytes flow) ⇄ idle (nothing for 30 s) ⇄ error
 * (recovered by more bytes; three errors end it) → disconnected. Every
 * cleanup_interval_seconds (60) a timer marks idle sessions and ends those
 * silent for idle_timeout_seconds (300), emitting "session-expired" so the
 * engine drops that viewer's socket, and forgets ended sessions. Time comes
 * from an injectable clock so tests are exact. Main thread only.
 */
#include "config.h"

#include "exs-session-manager.h"

#define MAX_ERRORS 3
#define IDLE_AFTER_US (30 * G_USEC_PER_SEC)

typedef struct
{
  guint64 id;
  char *channel_number;
  char *client_address;
  ExsSessionState state;
  gint64 created_us;
  gint64 last_activity_us;
  gint64 ended_us;
  guint64 bytes_sent;
  guint errors;
  char *last_error;
  char *end_reason;
} Session;

struct _ExsSessionManager
{
  GObject parent_instance;

  guint max_per_channel;
  gint64 idle_timeout_us;
  guint cleanup_interval_s;
  ExsClock clock;
  ExsMetrics *metrics; /* nullable */

  GHashTable *sessions; /* guint64* id → Session */
  guint64 next_id;
  guint64 total_bytes_sent;
  guint64 total_opened;
  guint cleanup_id;
};

enum
{
  SIGNAL_SESSION_EXPIRED,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_TYPE (ExsSessionManager, exs_session_manager, G_TYPE_OBJECT)

G_DEFINE_QUARK (exs-session-error-quark, exs_session_error)

static void
session_free (Session *s)
{
  g_free (s->channel_number);
  g_free (s->client_address);
  g_free (s->last_error);
  g_free (s->end_reason);
  g_free (s);
}

static void
exs_session_manager_dispose (GObject *object)
{
  ExsSessionManager *self = EXS_SESSION_MANAGER (object);

  exs_session_manager_stop (self);
  g_clear_object (&self->metrics);
  G_OBJECT_CLASS (exs_session_manager_parent_class)->dispose (object);
}

static void
exs_session_manager_finalize (GObject *object)
{
  g_hash_table_unref (EXS_SESSION_MANAGER (object)->sessions);
  G_OBJECT_CLASS (exs_session_manager_parent_class)->finalize (object);
}

static void
exs_session_manager_class_init (ExsSessionManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = exs_session_manager_dispose;
  object_class->finalize = exs_session_manager_finalize;

  /**
   * ExsSessionManager::session-expired:
   * @session_id: the session
   * @channel_number: its channel
   * @reason: "idle" or "errors"
   *
   * The manager ended a session on its own: the engine should drop the viewer.
   */
  signals[SIGNAL_SESSION_EXPIRED] = g_signal_new ("session-expired", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                                  NULL, NULL, NULL, G_TYPE_NONE, 3, G_TYPE_UINT64, G_TYPE_STRING,
                                                  G_TYPE_STRING);
}

static void
exs_session_manager_init (ExsSessionManager *self)
{
  self->sessions = g_hash_table_new_full (g_int64_hash, g_int64_equal, NULL, (GDestroyNotify) session_free);
  self->next_id = 1;
}

static gboolean
on_cleanup_timeout_cb (gpointer user_data)
{
  exs_session_manager_cleanup (user_data);
  return G_SOURCE_CONTINUE;
}

/**
 * exs_session_manager_new:
 * @cleanup_interval_seconds: 0 for no timer (call exs_session_manager_cleanup())
 *
 * Returns: (transfer full): a session manager
 */
ExsSessionManager *
exs_session_manager_new (guint max_sessions_per_channel, guint idle_timeout_seconds, guint cleanup_interval_seconds)
{
  ExsSessionManager *self = g_object_new (EXS_TYPE_SESSION_MANAGER, NULL);

  self->max_per_channel = MAX (max_sessions_per_channel, 1);
  self->idle_timeout_us = (gint64) idle_timeout_seconds * G_USEC_PER_SEC;
  self->cleanup_interval_s = cleanup_interval_seconds;
  if (cleanup_interval_seconds > 0)
    self->cleanup_id = g_timeout_add_seconds (cleanup_interval_seconds, on_cleanup_timeout_cb, self);
  return self;
}

/**
 * exs_session_manager_new_from_config:
 *
 * Returns: (transfer full): a session manager configured from [session_manager]
 */
ExsSessionManager *
exs_session_manager_new_from_config (ExsConfig *config)
{
  return exs_session_manager_new (
      (guint) exs_config_get_int (config, "session_manager", "max_sessions_per_channel"),
      (guint) exs_config_get_int (config, "session_manager", "idle_timeout_seconds"),
      (guint) exs_config_get_int (config, "session_manager", "cleanup_interval_seconds"));
}

void
exs_session_manager_set_clock (ExsSessionManager *self, ExsClockFunc clock, gpointer clock_data)
{
  g_return_if_fail (EXS_IS_SESSION_MANAGER (self));
  exs_clock_set (&self->clock, clock, clock_data);
}

void
exs_session_manager_set_metrics (ExsSessionManager *self, ExsMetrics *metrics)
{
  g_return_if_fail (EXS_IS_SESSION_MANAGER (self));
  g_set_object (&self->metrics, metrics);
  if (metrics == NULL)
    return;
  exs_metrics_declare (metrics, "exstreamtv_viewer_sessions", EXS_METRIC_GAUGE, "Viewers connected, per channel.");
  exs_metrics_declare (metrics, "exstreamtv_viewer_sessions_opened_total", EXS_METRIC_COUNTER,
                       "Viewer sessions opened.");
  exs_metrics_declare (metrics, "exstreamtv_viewer_sessions_refused_total", EXS_METRIC_COUNTER,
                       "Viewers refused because their channel had max_sessions_per_channel.");
  exs_metrics_declare (metrics, "exstreamtv_viewer_sessions_expired_total", EXS_METRIC_COUNTER,
                       "Viewer sessions ended by the manager, by reason (idle, errors).");
  exs_metrics_declare (metrics, "exstreamtv_bytes_sent_total", EXS_METRIC_COUNTER, "Stream bytes sent to viewers.");
  /* unlabelled counters have a sample (0) from the start */
  exs_metrics_counter_add (metrics, "exstreamtv_viewer_sessions_opened_total", NULL, NULL, 0);
  exs_metrics_counter_add (metrics, "exstreamtv_viewer_sessions_refused_total", NULL, NULL, 0);
  exs_metrics_counter_add (metrics, "exstreamtv_bytes_sent_total", NULL, NULL, 0);
}

const char *
exs_session_state_to_string (ExsSessionState state)
{
  static const char *const names[] = { "created", "active", "idle", "error", "disconnected" };

  return state <= EXS_SESSION_STATE_DISCONNECTED ? names[state] : "unknown";
}

static gboolean
is_live (Session *s)
{
  return s->state != EXS_SESSION_STATE_DISCONNECTED;
}

guint
exs_session_manager_count_channel (ExsSessionManager *self, const char *channel_number)
{
  GHashTableIter iter;
  Session *s;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &s))
    if (is_live (s) && g_str_equal (s->channel_number, channel_number))
      n++;
  return n;
}

guint
exs_session_manager_count_live (ExsSessionManager *self)
{
  GHashTableIter iter;
  Session *s;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &s))
    n += is_live (s);
  return n;
}

static void
update_channel_gauge (ExsSessionManager *self, const char *channel_number)
{
  if (self->metrics)
    exs_metrics_gauge_set (self->metrics, "exstreamtv_viewer_sessions", "channel", channel_number,
                           exs_session_manager_count_channel (self, channel_number));
}

/**
 * exs_session_manager_open:
 * @client_address: (nullable): the viewer's address, for the API
 *
 * Returns: the new session's id (never 0), or 0 with @error set when the
 *   channel is full
 */
guint64
exs_session_manager_open (ExsSessionManager *self,
                          const char        *channel_number,
                          const char        *client_address,
                          GError           **error)
{
  Session *s;
  gint64 now;

  g_return_val_if_fail (EXS_IS_SESSION_MANAGER (self), 0);
  g_return_val_if_fail (channel_number != NULL, 0);

  if (exs_session_manager_count_channel (self, channel_number) >= self->max_per_channel)
    {
      if (self->metrics)
        exs_metrics_counter_inc (self->metrics, "exstreamtv_viewer_sessions_refused_total", NULL, NULL);
      g_set_error (error, EXS_SESSION_ERROR, EXS_SESSION_ERROR_CHANNEL_FULL,
                   "channel %s already has %u viewers, its limit (session_manager.max_sessions_per_channel)",
                   channel_number, self->max_per_channel);
      return 0;
    }
  now = exs_clock_now (&self->clock);
  s = g_new0 (Session, 1);
  s->id = self->next_id++;
  s->channel_number = g_strdup (channel_number);
  s->client_address = g_strdup (client_address ? client_address : "");
  s->state = EXS_SESSION_STATE_CREATED;
  s->created_us = now;
  s->last_activity_us = now;
  g_hash_table_insert (self->sessions, &s->id, s);
  self->total_opened++;
  g_debug ("session %" G_GUINT64_FORMAT ": viewer %s on channel %s", s->id, s->client_address, channel_number);
  if (self->metrics)
    exs_metrics_counter_inc (self->metrics, "exstreamtv_viewer_sessions_opened_total", NULL, NULL);
  update_channel_gauge (self, channel_number);
  return s->id;
}

static Session *
lookup_live (ExsSessionManager *self, guint64 id)
{
  Session *s = g_hash_table_lookup (self->sessions, &id);

  return s && is_live (s) ? s : NULL;
}

/* Bytes delivered to the viewer: the session is active again. */
void
exs_session_manager_add_bytes (ExsSessionManager *self, guint64 session_id, guint64 bytes)
{
  Session *s;

  g_return_if_fail (EXS_IS_SESSION_MANAGER (self));
  s = lookup_live (self, session_id);
  if (s == NULL)
    return;
  s->bytes_sent += bytes;
  self->total_bytes_sent += bytes;
  if (bytes > 0)
    {
      s->last_activity_us = exs_clock_now (&self->clock);
      s->state = EXS_SESSION_STATE_ACTIVE;
    }
  if (self->metrics)
    exs_metrics_counter_add (self->metrics, "exstreamtv_bytes_sent_total", NULL, NULL, (double) bytes);
}

static void
end_session (ExsSessionManager *self, Session *s, const char *reason, gboolean expired)
{
  s->state = EXS_SESSION_STATE_DISCONNECTED;
  s->ended_us = exs_clock_now (&self->clock);
  g_free (s->end_reason);
  s->end_reason = g_strdup (reason);
  g_debug ("session %" G_GUINT64_FORMAT " on channel %s ended: %s", s->id, s->channel_number, reason);
  update_channel_gauge (self, s->channel_number);
  if (expired)
    {
      if (self->metrics)
        exs_metrics_counter_inc (self->metrics, "exstreamtv_viewer_sessions_expired_total", "reason", reason);
      g_signal_emit (self, signals[SIGNAL_SESSION_EXPIRED], 0, s->id, s->channel_number, reason);
    }
}

void
exs_session_manager_record_error (ExsSessionManager *self, guint64 session_id, const char *message)
{
  Session *s;

  g_return_if_fail (EXS_IS_SESSION_MANAGER (self));
  s = lookup_live (self, session_id);
  if (s == NULL)
    return;
  s->errors++;
  g_free (s->last_error);
  s->last_error = g_strdup (message);
  s->state = EXS_SESSION_STATE_ERROR;
  if (s->errors >= MAX_ERRORS)
    end_session (self, s, "errors", TRUE);
}

/* The viewer left (or was dropped by the engine). */
void
exs_session_manager_close (ExsSessionManager *self, guint64 session_id, const char *reason)
{
  Session *s;

  g_return_if_fail (EXS_IS_SESSION_MANAGER (self));
  s = lookup_live (self, session_id);
  if (s)
    end_session (self, s, reason ? reason : "disconnected", FALSE);
}

/**
 * exs_session_manager_cleanup:
 *
 * Marks quiet sessions idle, ends those quiet for idle_timeout_seconds and
 * forgets ended ones. Runs every cleanup_interval_seconds by itself.
 *
 * Returns: how many sessions it ended or forgot
 */
guint
exs_session_manager_cleanup (ExsSessionManager *self)
{
  g_autoptr (GPtrArray) expired = g_ptr_array_new ();
  gint64 now = exs_clock_now (&self->clock);
  GHashTableIter iter;
  Session *s;
  guint n = 0;

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &s))
    {
      gint64 quiet = now - s->last_activity_us;

      if (!is_live (s))
        {
          g_hash_table_iter_remove (&iter);
          n++;
        }
      else if (quiet >= self->idle_timeout_us)
        g_ptr_array_add (expired, s);
      else if (quiet >= MIN (IDLE_AFTER_US, self->idle_timeout_us / 2) && s->state != EXS_SESSION_STATE_ERROR)
        s->state = EXS_SESSION_STATE_IDLE;
    }
  /* Ended outside the iteration: handlers may call back into us. */
  for (guint i = 0; i < expired->len; i++)
    {
      end_session (self, expired->pdata[i], "idle", TRUE);
      n++;
    }
  return n;
}

/* Stops the cleanup timer (shutdown). */
void
exs_session_manager_stop (ExsSessionManager *self)
{
  g_clear_handle_id (&self->cleanup_id, g_source_remove);
}

ExsSessionState
exs_session_manager_get_state (ExsSessionManager *self, guint64 session_id)
{
  Session *s = g_hash_table_lookup (self->sessions, &session_id);

  return s ? s->state : EXS_SESSION_STATE_DISCONNECTED;
}

static int
compare_sessions (gconstpointer a, gconstpointer b)
{
  const Session *x = *(Session *const *) a, *y = *(Session *const *) b;

  return x->id < y->id ? -1 : x->id > y->id;
}

/**
 * exs_session_manager_dup_sessions_json:
 * @channel_number: (nullable): only this channel's
 *
 * Returns: (transfer full): {"sessions": [...], "total_sessions", ...} for
 *   GET /api/sessions
 */
JsonObject *
exs_session_manager_dup_sessions_json (ExsSessionManager *self, const char *channel_number)
{
  g_autoptr (GPtrArray) list = g_ptr_array_new ();
  JsonObject *root = exs_session_manager_dup_summary_json (self, channel_number);
  JsonArray *arr = json_array_new ();
  gint64 now = exs_clock_now (&self->clock);
  GHashTableIter iter;
  Session *s;

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &s))
    if (channel_number == NULL || g_str_equal (channel_number, s->channel_number))
      g_ptr_array_add (list, s);
  g_ptr_array_sort (list, compare_sessions);
  for (guint i = 0; i < list->len; i++)
    {
      JsonObject *o = json_object_new ();
      gint64 end;

      s = list->pdata[i];
      end = is_live (s) ? now : s->ended_us;
      json_object_set_int_member (o, "id", (gint64) s->id);
      json_object_set_string_member (o, "channel_number", s->channel_number);
      json_object_set_string_member (o, "client_address", s->client_address);
      json_object_set_string_member (o, "state", exs_session_state_to_string (s->state));
      json_object_set_int_member (o, "bytes_sent", (gint64) s->bytes_sent);
      json_object_set_double_member (o, "duration_seconds", (end - s->created_us) / (double) G_USEC_PER_SEC);
      json_object_set_double_member (o, "idle_seconds", (now - s->last_activity_us) / (double) G_USEC_PER_SEC);
      json_object_set_int_member (o, "errors", s->errors);
      if (s->last_error)
        json_object_set_string_member (o, "last_error", s->last_error);
      if (s->end_reason)
        json_object_set_string_member (o, "end_reason", s->end_reason);
      json_array_add_object_element (arr, o);
    }
  json_object_set_array_member (root, "sessions", arr);
  return root;
}

/**
 * exs_session_manager_dup_summary_json:
 * @channel_number: (nullable): only this channel's
 *
 * Returns: (transfer full): the seeds' /api/ai/sessions shape:
 *   {"total_sessions", "sessions_by_channel": {number: n},
 *    "average_duration_seconds", "total_bytes_sent"}
 */
JsonObject *
exs_session_manager_dup_summary_json (ExsSessionManager *self, const char *channel_number)
{
  JsonObject *root = json_object_new ();
  JsonObject *by_channel = json_object_new ();
  gint64 now = exs_clock_now (&self->clock);
  GHashTableIter iter;
  Session *s;
  guint total = 0;
  double duration_sum = 0;
  guint64 bytes = 0;

  g_hash_table_iter_init (&iter, self->sessions);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &s))
    {
      if (channel_number && !g_str_equal (channel_number, s->channel_number))
        continue;
      bytes += s->bytes_sent;
      if (!is_live (s))
        continue;
      total++;
      duration_sum += (now - s->created_us) / (double) G_USEC_PER_SEC;
      json_object_set_int_member (by_channel, s->channel_number,
                                  (json_object_has_member (by_channel, s->channel_number)
                                       ? json_object_get_int_member (by_channel, s->channel_number)
                                       : 0)
                                      + 1);
    }
  json_object_set_int_member (root, "total_sessions", total);
  json_object_set_object_member (root, "sessions_by_channel", by_channel);
  json_object_set_double_member (root, "average_duration_seconds", total ? duration_sum / total : 0);
  /* All time for the whole server; the sessions still known for one channel. */
  json_object_set_int_member (root, "total_bytes_sent", (gint64) (channel_number ? bytes : self->total_bytes_sent));
  return root;
}
