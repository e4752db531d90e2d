/* exs-log-ring.c: ExsLogRing, the last EXS_LOG_RING_SIZE log lines.
 *
 * Installed as GLib's structured log writer: every line the server would
 * print (g_message, g_warning, … and g_debug when G_MESSAGES_DEBUG shows it)
 * is kept here as well, then handed to the default writer as before. Lines
 * come from any thread, so the ring has a lock; the "line" signal is emitted
 * on the main context, batched through one idle source, so that listeners
 * (the event stream) never run inside someone else's log call.
 * A message longer than MAX_MESSAGE is cut; the channel a line is about is
 * taken from "channel N" in its text.
 */
#include "config.h"

#include "exs-log-ring.h"

#include <string.h>

#define MAX_MESSAGE 2000

typedef struct
{
  gint64 time_us; /* real time */
  GLogLevelFlags level;
  char *domain;  /* nullable */
  char *channel; /* nullable */
  char *message;
} Line;

struct _ExsLogRing
{
  GObject parent_instance;

  GMutex lock;
  Line *lines; /* EXS_LOG_RING_SIZE of them */
  guint head;  /* next slot to write */
  guint count; /* lines held, up to EXS_LOG_RING_SIZE */
  GQueue pending; /* Line* not yet announced; under lock */
  guint idle_id;  /* under lock */
  GRegex *channel_re;
};

enum
{
  SIGNAL_LINE,
  N_SIGNALS
};
static guint signals[N_SIGNALS];

G_DEFINE_TYPE (ExsLogRing, exs_log_ring, G_TYPE_OBJECT)

static void
line_clear (Line *l)
{
  g_clear_pointer (&l->domain, g_free);
  g_clear_pointer (&l->channel, g_free);
  g_clear_pointer (&l->message, g_free);
}

static void
line_free (Line *l)
{
  line_clear (l);
  g_free (l);
}

static void
exs_log_ring_finalize (GObject *object)
{
  ExsLogRing *self = EXS_LOG_RING (object);

  for (guint i = 0; i < EXS_LOG_RING_SIZE; i++)
    line_clear (&self->lines[i]);
  g_free (self->lines);
  g_queue_clear_full (&self->pending, (GDestroyNotify) line_free);
  g_regex_unref (self->channel_re);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (exs_log_ring_parent_class)->finalize (object);
}

static void
exs_log_ring_class_init (ExsLogRingClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = exs_log_ring_finalize;

  /**
   * ExsLogRing::line:
   * @line: the line as GET /api/logs shows it
   *
   * A new line, emitted on the main context.
   */
  signals[SIGNAL_LINE] = g_signal_new ("line", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                       G_TYPE_NONE, 1, JSON_TYPE_OBJECT);
}

static void
exs_log_ring_init (ExsLogRing *self)
{
  g_mutex_init (&self->lock);
  self->lines = g_new0 (Line, EXS_LOG_RING_SIZE);
  g_queue_init (&self->pending);
  self->channel_re = g_regex_new ("\\bchannel “?([0-9]{1,5}(?:\\.[0-9]{1,3})?)\\b", G_REGEX_OPTIMIZE, 0, NULL);
}

/**
 * exs_log_ring_get_default:
 *
 * Returns: (transfer none): the process's ring
 */
ExsLogRing *
exs_log_ring_get_default (void)
{
  static gsize once;
  static ExsLogRing *ring;

  if (g_once_init_enter (&once))
    {
      ring = g_object_new (EXS_TYPE_LOG_RING, NULL);
      g_once_init_leave (&once, 1);
    }
  return ring;
}

static const char *
level_name (GLogLevelFlags level)
{
  if (level & G_LOG_LEVEL_ERROR)
    return "error";
  if (level & G_LOG_LEVEL_CRITICAL)
    return "critical";
  if (level & G_LOG_LEVEL_WARNING)
    return "warning";
  if (level & G_LOG_LEVEL_MESSAGE)
    return "message";
  if (level & G_LOG_LEVEL_INFO)
    return "info";
  return "debug";
}

/**
 * exs_log_ring_parse_level:
 *
 * Returns: whether @name is one of debug, info, message, warning, critical
 *   (and error)
 */
gboolean
exs_log_ring_parse_level (const char *name, GLogLevelFlags *level)
{
  static const struct
  {
    const char *name;
    GLogLevelFlags level;
  } levels[] = {
    { "error", G_LOG_LEVEL_ERROR },     { "critical", G_LOG_LEVEL_CRITICAL }, { "warning", G_LOG_LEVEL_WARNING },
    { "message", G_LOG_LEVEL_MESSAGE }, { "info", G_LOG_LEVEL_INFO },         { "debug", G_LOG_LEVEL_DEBUG },
  };

  for (guint i = 0; i < G_N_ELEMENTS (levels); i++)
    if (g_strcmp0 (name, levels[i].name) == 0)
      {
        *level = levels[i].level;
        return TRUE;
      }
  return FALSE;
}

static JsonObject *
line_to_json (const Line *l)
{
  JsonObject *o = json_object_new ();
  g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (l->time_us / G_USEC_PER_SEC);
  g_autofree char *base = g_date_time_format (dt, "%Y-%m-%dT%H:%M:%S");
  g_autofree char *time = g_strdup_printf ("%s.%03dZ", base, (int) (l->time_us % G_USEC_PER_SEC / 1000));

  json_object_set_string_member (o, "time", time);
  json_object_set_string_member (o, "level", level_name (l->level));
  json_object_set_string_member (o, "domain", l->domain ? l->domain : "");
  if (l->channel)
    json_object_set_string_member (o, "channel", l->channel);
  json_object_set_string_member (o, "message", l->message);
  return o;
}

static gboolean
on_announce_cb (gpointer data)
{
  ExsLogRing *self = data;
  GQueue batch = G_QUEUE_INIT;
  Line *l;

  g_mutex_lock (&self->lock);
  batch = self->pending;
  g_queue_init (&self->pending);
  self->idle_id = 0;
  g_mutex_unlock (&self->lock);
  while ((l = g_queue_pop_head (&batch)) != NULL)
    {
      g_autoptr (JsonObject) o = line_to_json (l);
      g_signal_emit (self, signals[SIGNAL_LINE], 0, o);
      line_free (l);
    }
  return G_SOURCE_REMOVE;
}

/**
 * exs_log_ring_add:
 * @domain: (nullable): the log domain
 *
 * Keeps one line (any thread).
 */
void
exs_log_ring_add (ExsLogRing *self, GLogLevelFlags level, const char *domain, const char *message)
{
  g_autoptr (GMatchInfo) m = NULL;
  Line *slot, *announce;
  gint64 now = g_get_real_time ();
  gsize len = strlen (message);
  g_autofree char *text = NULL;
  g_autofree char *channel = NULL;

  /* cut on a character boundary */
  if (len > MAX_MESSAGE)
    len = (gsize) (g_utf8_find_prev_char (message, message + MAX_MESSAGE + 1) - message);
  text = g_utf8_make_valid (message, (gssize) len);
  if (g_regex_match (self->channel_re, text, 0, &m))
    channel = g_match_info_fetch (m, 1);

  announce = g_new0 (Line, 1);
  announce->time_us = now;
  announce->level = level;
  announce->domain = g_strdup (domain);
  announce->channel = g_strdup (channel);
  announce->message = g_strdup (text);

  g_mutex_lock (&self->lock);
  slot = &self->lines[self->head];
  line_clear (slot);
  slot->time_us = now;
  slot->level = level;
  slot->domain = g_strdup (domain);
  slot->channel = g_steal_pointer (&channel);
  slot->message = g_steal_pointer (&text);
  self->head = (self->head + 1) % EXS_LOG_RING_SIZE;
  self->count = MIN (self->count + 1, EXS_LOG_RING_SIZE);
  /* listeners only need a bounded backlog too */
  if (self->pending.length < EXS_LOG_RING_SIZE)
    g_queue_push_tail (&self->pending, announce);
  else
    line_free (announce);
  if (self->idle_id == 0)
    self->idle_id = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, on_announce_cb, self, NULL);
  g_mutex_unlock (&self->lock);
}

/**
 * exs_log_ring_query:
 * @most_verbose: the most verbose level wanted (G_LOG_LEVEL_WARNING: warnings
 *   and worse)
 * @channel: (nullable): only lines about this channel
 * @limit: at most this many, the newest
 *
 * Returns: (transfer full): the lines, oldest first
 */
JsonArray *
exs_log_ring_query (ExsLogRing *self, GLogLevelFlags most_verbose, const char *channel, guint limit)
{
  g_autoptr (GPtrArray) picked = g_ptr_array_new ();
  JsonArray *arr;

  g_mutex_lock (&self->lock);
  arr = json_array_new ();
  /* newest first until the limit, then written out oldest first */
  for (guint i = 0; i < self->count && picked->len < limit; i++)
    {
      const Line *l = &self->lines[(self->head + EXS_LOG_RING_SIZE - 1 - i) % EXS_LOG_RING_SIZE];

      if ((l->level & G_LOG_LEVEL_MASK) > most_verbose)
        continue;
      if (channel && g_strcmp0 (l->channel, channel) != 0)
        continue;
      g_ptr_array_add (picked, (gpointer) l);
    }
  for (guint i = picked->len; i > 0; i--)
    json_array_add_object_element (arr, line_to_json (picked->pdata[i - 1]));
  g_mutex_unlock (&self->lock);
  return arr;
}

static GLogWriterOutput
ring_writer (GLogLevelFlags log_level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
  ExsLogRing *self = user_data;
  const char *domain = NULL, *message = NULL;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_str_equal (fields[i].key, "GLIB_DOMAIN") && fields[i].length < 0)
        domain = fields[i].value;
      else if (g_str_equal (fields[i].key, "MESSAGE") && fields[i].length < 0)
        message = fields[i].value;
    }
  /* what the console would not show (debug unless asked for) is not kept */
  if (message && !g_log_writer_default_would_drop (log_level, domain))
    exs_log_ring_add (self, log_level, domain, message);
  return g_log_writer_default (log_level, fields, n_fields, NULL);
}

/**
 * exs_log_ring_install:
 *
 * Makes @self GLib's log writer for the rest of the process (once).
 */
void
exs_log_ring_install (ExsLogRing *self)
{
  g_log_set_writer_func (ring_writer, g_object_ref (self), g_object_unref);
}
