/* exs-upstream-guide.c: the XMLTV of upstream live channels, in our guide.
 *
 * ExsUpstreamGuide is the ExsPlayoutSource the guide is built from
 * (ExsIptvService): for a channel with an upstream_tvg_id it lists the
 * programmes the upstream's XMLTV gives for that id (the guide says what
 * the upstream says); for every other channel it asks our own playout.
 * The sources are the upstream_guides rows (an M3U import adds its guide: an
 * http(s) URL or a file on this server); they are fetched and parsed in a
 * worker thread at start, after each import and every
 * [upstream] guide_refresh_minutes, then swapped in whole; the refresh is
 * noted in the database, whose data version tells ExsIptvService that its
 * cached guide is stale, and "changed" is emitted. A source that fails
 * keeps what it gave last time.
 *
 * The XMLTV is hostile input: fetched with a deadline and at most
 * EXS_UPSTREAM_GUIDE_MAX_BYTES, read with libxml2's streaming reader
 * (no network, no DTD, no entity expansion, nesting and text bounded), at
 * most EXS_UPSTREAM_GUIDE_MAX_PROGRAMMES programmes; bad programmes (no
 * channel, a time that does not parse, stop before start) are skipped.
 * list() runs in the guide's worker thread: the tables it reads are
 * immutable once published, swapped under a lock.
 */
#include "config.h"

#include "exs-upstream-guide.h"
#include "exs-background.h"

#include "exs-channel-store.h"
#include "exs-upstream-store.h"

#include <libsoup/soup.h>
#include <libxml/xmlreader.h>
#include <string.h>

#define FETCH_TIMEOUT_S 60
#define MAX_DEPTH 8
#define MAX_TEXT_CHARS 2000
#define MAX_CATEGORIES 8

struct _ExsUpstreamGuide
{
  GObject parent_instance;

  ExsConfig *config;
  ExsDatabase *database;
  ExsPlayoutSource *inner;   /* nullable */
  GCancellable *cancellable;
  guint timer_id;
  gboolean refreshing;
  gboolean again;            /* asked for while refreshing */

  GMutex lock;               /* guards the two tables below (not their contents: immutable) */
  GHashTable *tvg_ids;       /* channel number -> tvg id */
  GHashTable *programmes;    /* tvg id -> GPtrArray of ExsPlayoutItem, by start */
};

enum
{
  SIGNAL_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void exs_upstream_guide_source_init (ExsPlayoutSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (ExsUpstreamGuide, exs_upstream_guide, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (EXS_TYPE_PLAYOUT_SOURCE, exs_upstream_guide_source_init))

/* ---- reading XMLTV ---- */

/* "YYYYMMDDhhmmss +zzzz" (seconds and the zone optional) → UTC µs, or -1. */
static gint64
parse_time (const char *text)
{
  int y, mo, d, h = 0, mi = 0, s = 0, n = 0;
  g_autoptr (GTimeZone) tz = NULL;
  g_autoptr (GDateTime) dt = NULL;
  const char *rest;

  if (text == NULL || sscanf (text, "%4d%2d%2d%2d%2d%n", &y, &mo, &d, &h, &mi, &n) < 5 || n != 12)
    return -1;
  rest = text + 12;
  if (g_ascii_isdigit (rest[0]) && g_ascii_isdigit (rest[1]))
    {
      s = (rest[0] - '0') * 10 + (rest[1] - '0');
      rest += 2;
    }
  while (*rest == ' ')
    rest++;
  if ((rest[0] == '+' || rest[0] == '-') && strlen (rest) >= 5)
    {
      g_autofree char *id = g_strdup_printf ("%c%c%c:%c%c", rest[0], rest[1], rest[2], rest[3], rest[4]);
      tz = g_time_zone_new_identifier (id);
    }
  if (tz == NULL)
    tz = g_time_zone_new_utc ();
  dt = g_date_time_new (tz, y, mo, d, h, mi, s);
  return dt ? g_date_time_to_unix (dt) * G_USEC_PER_SEC : -1;
}

/* The text of the element the reader is on, bounded. */
static char *
element_text (xmlTextReaderPtr reader)
{
  g_autofree char *raw = (char *) xmlTextReaderReadString (reader);
  glong n;

  if (raw == NULL)
    return NULL;
  if (!g_utf8_validate (raw, -1, NULL))
    return NULL;
  n = g_utf8_strlen (raw, -1);
  return g_strstrip (g_utf8_substring (raw, 0, MIN (n, MAX_TEXT_CHARS)));
}

static char *
attribute (xmlTextReaderPtr reader, const char *name)
{
  xmlChar *v = xmlTextReaderGetAttribute (reader, BAD_CAST name);
  char *out = v && g_utf8_validate ((char *) v, -1, NULL) ? g_strndup ((char *) v, MAX_TEXT_CHARS) : NULL;

  xmlFree (v);
  return out;
}

/* episode-num system="xmltv_ns": "season.episode.part", counted from 0. */
static void
parse_episode (const char *text, ExsPlayoutItem *item)
{
  g_auto (GStrv) parts = text ? g_strsplit (text, ".", 3) : NULL;

  if (parts == NULL || g_strv_length (parts) < 2)
    return;
  if (*g_strstrip (parts[0]) && g_ascii_isdigit (parts[0][0]))
    item->season_number = (int) g_ascii_strtoll (parts[0], NULL, 10) + 1;
  if (*g_strstrip (parts[1]) && g_ascii_isdigit (parts[1][0]))
    item->episode_number = (int) g_ascii_strtoll (parts[1], NULL, 10) + 1;
}

static int
compare_start (gconstpointer a, gconstpointer b)
{
  const ExsPlayoutItem *x = *(ExsPlayoutItem *const *) a, *y = *(ExsPlayoutItem *const *) b;

  return x->start_us < y->start_us ? -1 : x->start_us > y->start_us;
}

/* Reads one <programme> (the reader is on its start tag) into a new item,
 * or NULL when it is unusable. *channel gets its channel attribute. */
static ExsPlayoutItem *
read_programme (xmlTextReaderPtr reader, char **channel)
{
  g_autoptr (ExsPlayoutItem) item = exs_playout_item_new ();
  g_autofree char *start = attribute (reader, "start");
  g_autofree char *stop = attribute (reader, "stop");
  g_autoptr (GStrvBuilder) categories = g_strv_builder_new ();
  guint n_categories = 0;
  int depth = xmlTextReaderDepth (reader);

  *channel = attribute (reader, "channel");
  item->start_us = parse_time (start);
  item->stop_us = parse_time (stop);
  /* upstream programmes are not ours: FILLER keeps "previously-shown" off,
   * and nothing hides them */
  item->kind = EXS_PLAYOUT_ITEM_FILLER;
  item->hide_in_guide = FALSE;
  if (xmlTextReaderIsEmptyElement (reader))
    goto done;
  while (xmlTextReaderRead (reader) == 1 && xmlTextReaderDepth (reader) > depth)
    {
      const char *name;

      if (xmlTextReaderNodeType (reader) != XML_READER_TYPE_ELEMENT || xmlTextReaderDepth (reader) != depth + 1)
        continue;
      name = (const char *) xmlTextReaderConstLocalName (reader);
      if (g_strcmp0 (name, "title") == 0 && item->title == NULL)
        item->title = element_text (reader);
      else if (g_strcmp0 (name, "sub-title") == 0 && item->sub_title == NULL)
        item->sub_title = element_text (reader);
      else if (g_strcmp0 (name, "desc") == 0 && item->description == NULL)
        item->description = element_text (reader);
      else if (g_strcmp0 (name, "category") == 0 && n_categories < MAX_CATEGORIES)
        {
          g_autofree char *c = element_text (reader);
          if (c && *c)
            {
              g_strv_builder_add (categories, c);
              n_categories++;
            }
        }
      else if (g_strcmp0 (name, "icon") == 0 && item->artwork_url == NULL)
        item->artwork_url = attribute (reader, "src");
      else if (g_strcmp0 (name, "episode-num") == 0)
        {
          g_autofree char *system = attribute (reader, "system");
          if (g_strcmp0 (system, "xmltv_ns") == 0)
            {
              g_autofree char *ns = element_text (reader);
              parse_episode (ns, item);
            }
        }
    }
done:
  if (n_categories > 0)
    item->categories = g_strv_builder_end (categories);
  if (*channel == NULL || **channel == '\0' || item->start_us < 0 || item->stop_us <= item->start_us)
    return NULL;
  if (item->title == NULL || item->title[0] == '\0')
    {
      g_free (item->title);
      item->title = g_strdup (*channel);
    }
  return g_steal_pointer (&item);
}

/**
 * exs_upstream_guide_parse:
 *
 * Reads an XMLTV document with libxml2's streaming reader, safely (no
 * network, no DTD, no entity expansion, depth and counts bounded).
 *
 * Returns: (transfer full) (nullable): tvg id → its programmes (a
 *   GPtrArray of ExsPlayoutItem, sorted by start); %NULL with @error when
 *   the document is not XMLTV
 */
GHashTable *
exs_upstream_guide_parse (const char *data, gsize length, guint max_programmes, GError **error)
{
  g_autoptr (GHashTable) out
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  xmlTextReaderPtr reader;
  gboolean saw_tv = FALSE;
  guint n = 0;
  int rc;

  if (length > EXS_UPSTREAM_GUIDE_MAX_BYTES || length > G_MAXINT)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE, "the guide is over %d bytes",
                   EXS_UPSTREAM_GUIDE_MAX_BYTES);
      return NULL;
    }
  reader = xmlReaderForMemory (data, (int) length, NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (reader == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "the guide cannot be read as XML");
      return NULL;
    }
  while ((rc = xmlTextReaderRead (reader)) == 1)
    {
      const char *name;

      if (xmlTextReaderNodeType (reader) != XML_READER_TYPE_ELEMENT)
        continue;
      if (xmlTextReaderDepth (reader) > MAX_DEPTH)
        {
          rc = -1;
          break;
        }
      name = (const char *) xmlTextReaderConstLocalName (reader);
      if (xmlTextReaderDepth (reader) == 0)
        {
          saw_tv = g_strcmp0 (name, "tv") == 0;
          if (!saw_tv)
            break;
          continue;
        }
      if (xmlTextReaderDepth (reader) == 1 && g_strcmp0 (name, "programme") == 0)
        {
          g_autofree char *channel = NULL;
          ExsPlayoutItem *item = read_programme (reader, &channel);
          GPtrArray *list;

          if (item == NULL)
            continue;
          list = g_hash_table_lookup (out, channel);
          if (list == NULL)
            {
              list = g_ptr_array_new_with_free_func ((GDestroyNotify) exs_playout_item_free);
              g_hash_table_insert (out, g_steal_pointer (&channel), list);
            }
          g_ptr_array_add (list, item);
          if (++n >= max_programmes)
            break;
        }
    }
  xmlFreeTextReader (reader);
  if (rc < 0 || !saw_tv)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   rc < 0 ? "the guide is not well-formed XML (or nested too deep)" : "the guide is not XMLTV (no <tv>)");
      return NULL;
    }
  {
    GHashTableIter iter;
    gpointer list;

    g_hash_table_iter_init (&iter, out);
    while (g_hash_table_iter_next (&iter, NULL, &list))
      g_ptr_array_sort (list, compare_start);
  }
  return g_steal_pointer (&out);
}

/* ---- fetching ---- */

/* Worker thread: the bytes of @source (a file or an http(s) URL), bounded. */
static GBytes *
fetch (const char *source, GCancellable *cancellable, GError **error)
{
  g_autoptr (SoupSession) session = NULL;
  g_autoptr (SoupMessage) msg = NULL;
  g_autoptr (GInputStream) in = NULL;
  g_autoptr (GByteArray) buf = NULL;
  guint8 chunk[65536];
  gssize got;

  if (source[0] == '/')
    {
      g_autoptr (GFile) file = g_file_new_for_path (source);
      g_autoptr (GFileInfo) info
          = g_file_query_info (file, G_FILE_ATTRIBUTE_STANDARD_SIZE, G_FILE_QUERY_INFO_NONE, cancellable, error);
      char *data;
      gsize len;

      if (info == NULL)
        return NULL;
      if (g_file_info_get_size (info) > EXS_UPSTREAM_GUIDE_MAX_BYTES)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE, "%s is over %d bytes", source,
                       EXS_UPSTREAM_GUIDE_MAX_BYTES);
          return NULL;
        }
      if (!g_file_get_contents (source, &data, &len, error))
        return NULL;
      return g_bytes_new_take (data, len);
    }
  session = soup_session_new_with_options ("timeout", FETCH_TIMEOUT_S, "idle-timeout", FETCH_TIMEOUT_S, NULL);
  msg = soup_message_new ("GET", source);
  if (msg == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "“%s” is not a URL", source);
      return NULL;
    }
  in = soup_session_send (session, msg, cancellable, error);
  if (in == NULL)
    return NULL;
  if (!SOUP_STATUS_IS_SUCCESSFUL (soup_message_get_status (msg)))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s answered %u %s", source, soup_message_get_status (msg),
                   soup_message_get_reason_phrase (msg));
      return NULL;
    }
  buf = g_byte_array_new ();
  while ((got = g_input_stream_read (in, chunk, sizeof chunk, cancellable, error)) > 0)
    {
      if (buf->len + (gsize) got > EXS_UPSTREAM_GUIDE_MAX_BYTES)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE, "%s sent over %d bytes", source,
                       EXS_UPSTREAM_GUIDE_MAX_BYTES);
          return NULL;
        }
      g_byte_array_append (buf, chunk, (guint) got);
    }
  if (got < 0)
    return NULL;
  return g_byte_array_free_to_bytes (g_steal_pointer (&buf));
}

typedef struct
{
  GStrv sources;
  GHashTable *programmes; /* result */
  guint n;
} RefreshJob;

static void
refresh_job_free (RefreshJob *job)
{
  g_strfreev (job->sources);
  g_clear_pointer (&job->programmes, g_hash_table_unref);
  g_free (job);
}

static void
refresh_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  RefreshJob *job = task_data;

  job->programmes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  for (guint i = 0; job->sources[i] && job->n < EXS_UPSTREAM_GUIDE_MAX_PROGRAMMES; i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (GBytes) bytes = fetch (job->sources[i], cancellable, &error);
      g_autoptr (GHashTable) got = NULL;
      GHashTableIter iter;
      gpointer id, list;
      gsize len;
      const char *data = bytes ? g_bytes_get_data (bytes, &len) : NULL;

      if (bytes != NULL)
        got = exs_upstream_guide_parse (data, len, EXS_UPSTREAM_GUIDE_MAX_PROGRAMMES - job->n, &error);
      if (got == NULL)
        {
          g_warning ("upstream guide %s: %s", job->sources[i], error->message);
          continue;
        }
      /* the first source that lists an id has it */
      g_hash_table_iter_init (&iter, got);
      while (g_hash_table_iter_next (&iter, &id, &list))
        if (!g_hash_table_contains (job->programmes, id))
          {
            job->n += ((GPtrArray *) list)->len;
            g_hash_table_insert (job->programmes, g_strdup (id), g_ptr_array_ref (list));
          }
      g_debug ("upstream guide %s: %u channels", job->sources[i], g_hash_table_size (got));
    }
  g_task_return_boolean (task, TRUE);
}

static void start_refresh (ExsUpstreamGuide *self);

static void
on_refreshed_cb (GObject *source_object, GAsyncResult *result, gpointer user_data)
{
  ExsUpstreamGuide *self = EXS_UPSTREAM_GUIDE (source_object);
  RefreshJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr (GError) error = NULL;

  self->refreshing = FALSE;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    return; /* cancelled: stopping */
  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->programmes, g_hash_table_unref);
  self->programmes = g_steal_pointer (&job->programmes);
  g_mutex_unlock (&self->lock);
  g_message ("upstream guides: %u programmes", job->n);
  /* the cached guide is rebuilt when the database's data version moves */
  if (!exs_upstream_store_note_refresh (self->database, &error))
    g_warning ("cannot note the upstream guides' refresh: %s", error->message);
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
  if (self->again)
    start_refresh (self);
}

static void
start_refresh (ExsUpstreamGuide *self)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GError) error = NULL;
  RefreshJob *job;
  GStrv sources;

  self->again = FALSE;
  sources = exs_upstream_store_list_guides (self->database, &error);
  if (sources == NULL)
    {
      g_warning ("cannot read the upstream guides: %s", error->message);
      return;
    }
  if (sources[0] == NULL)
    {
      g_strfreev (sources);
      return;
    }
  job = g_new0 (RefreshJob, 1);
  job->sources = sources;
  self->refreshing = TRUE;
  task = g_task_new (self, self->cancellable, on_refreshed_cb, NULL);
  g_task_set_task_data (task, job, (GDestroyNotify) refresh_job_free);
  exs_task_run_in_thread (task, refresh_thread);
}

/**
 * exs_upstream_guide_refresh:
 *
 * Fetches every upstream guide again, in the background; "changed" follows.
 */
void
exs_upstream_guide_refresh (ExsUpstreamGuide *self)
{
  g_return_if_fail (EXS_IS_UPSTREAM_GUIDE (self));

  if (g_cancellable_is_cancelled (self->cancellable))
    return;
  if (self->refreshing)
    self->again = TRUE;
  else
    start_refresh (self);
}

static gboolean
on_timer_cb (gpointer user_data)
{
  exs_upstream_guide_refresh (user_data);
  return G_SOURCE_CONTINUE;
}

/** exs_upstream_guide_start: refreshes now and every guide_refresh_minutes. */
void
exs_upstream_guide_start (ExsUpstreamGuide *self)
{
  g_return_if_fail (EXS_IS_UPSTREAM_GUIDE (self));

  exs_upstream_guide_refresh (self);
  if (self->timer_id == 0)
    self->timer_id = g_timeout_add_seconds (
        (guint) exs_config_get_int (self->config, "upstream", "guide_refresh_minutes") * 60, on_timer_cb, self);
}

void
exs_upstream_guide_stop (ExsUpstreamGuide *self)
{
  g_return_if_fail (EXS_IS_UPSTREAM_GUIDE (self));

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->timer_id, g_source_remove);
}

/**
 * exs_upstream_guide_set_channels:
 * @channels: (element-type ExsChannelRecord): every channel
 *
 * Main thread, before a guide build: which channel lists which tvg id.
 */
void
exs_upstream_guide_set_channels (ExsUpstreamGuide *self, GPtrArray *channels)
{
  GHashTable *ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  g_return_if_fail (EXS_IS_UPSTREAM_GUIDE (self));
  for (guint i = 0; i < channels->len; i++)
    {
      const ExsChannelRecord *r = channels->pdata[i];
      if (r->upstream_url != NULL && r->upstream_tvg_id != NULL)
        g_hash_table_insert (ids, g_strdup (r->number), g_strdup (r->upstream_tvg_id));
    }
  g_mutex_lock (&self->lock);
  g_clear_pointer (&self->tvg_ids, g_hash_table_unref);
  self->tvg_ids = ids;
  g_mutex_unlock (&self->lock);
}

guint
exs_upstream_guide_get_n_programmes (ExsUpstreamGuide *self)
{
  GHashTableIter iter;
  gpointer list;
  guint n = 0;

  g_mutex_lock (&self->lock);
  if (self->programmes)
    {
      g_hash_table_iter_init (&iter, self->programmes);
      while (g_hash_table_iter_next (&iter, NULL, &list))
        n += ((GPtrArray *) list)->len;
    }
  g_mutex_unlock (&self->lock);
  return n;
}

/* ---- ExsPlayoutSource ---- */

static ExsPlayoutItem *
guide_lookup (ExsPlayoutSource *source, const char *number, gint64 at_us, GError **error)
{
  ExsUpstreamGuide *self = EXS_UPSTREAM_GUIDE (source);

  if (self->inner == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "no playout");
      return NULL;
    }
  return exs_playout_source_lookup (self->inner, number, at_us, error);
}

/* Any thread (the guide build's worker). */
static GPtrArray *
guide_list (ExsPlayoutSource *source, const char *number, gint64 from_us, gint64 to_us, GError **error)
{
  ExsUpstreamGuide *self = EXS_UPSTREAM_GUIDE (source);
  g_autoptr (GHashTable) ids = NULL;
  g_autoptr (GHashTable) programmes = NULL;
  const char *tvg_id;
  GPtrArray *list, *out;

  g_mutex_lock (&self->lock);
  ids = self->tvg_ids ? g_hash_table_ref (self->tvg_ids) : NULL;
  programmes = self->programmes ? g_hash_table_ref (self->programmes) : NULL;
  g_mutex_unlock (&self->lock);

  tvg_id = ids ? g_hash_table_lookup (ids, number) : NULL;
  if (tvg_id == NULL)
    {
      if (self->inner == NULL)
        return g_ptr_array_new_with_free_func ((GDestroyNotify) exs_playout_item_free);
      return exs_playout_source_list (self->inner, number, from_us, to_us, error);
    }
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) exs_playout_item_free);
  list = programmes ? g_hash_table_lookup (programmes, tvg_id) : NULL;
  for (guint i = 0; list && i < list->len; i++)
    {
      const ExsPlayoutItem *item = list->pdata[i];
      if (item->stop_us > from_us && item->start_us < to_us)
        g_ptr_array_add (out, exs_playout_item_copy (item));
    }
  return out;
}

static void
exs_upstream_guide_source_init (ExsPlayoutSourceInterface *iface)
{
  iface->lookup = guide_lookup;
  iface->list = guide_list;
}

static void
exs_upstream_guide_dispose (GObject *object)
{
  ExsUpstreamGuide *self = EXS_UPSTREAM_GUIDE (object);

  exs_upstream_guide_stop (self);
  g_clear_object (&self->inner);
  g_clear_object (&self->database);
  g_clear_object (&self->config);
  G_OBJECT_CLASS (exs_upstream_guide_parent_class)->dispose (object);
}

static void
exs_upstream_guide_finalize (GObject *object)
{
  ExsUpstreamGuide *self = EXS_UPSTREAM_GUIDE (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->tvg_ids, g_hash_table_unref);
  g_clear_pointer (&self->programmes, g_hash_table_unref);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (exs_upstream_guide_parent_class)->finalize (object);
}

static void
exs_upstream_guide_class_init (ExsUpstreamGuideClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = exs_upstream_guide_dispose;
  object_class->finalize = exs_upstream_guide_finalize;
  /* the programmes changed: the guide should be built again */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                          NULL, G_TYPE_NONE, 0);
}

static void
exs_upstream_guide_init (ExsUpstreamGuide *self)
{
  g_mutex_init (&self->lock);
  self->cancellable = g_cancellable_new ();
}

/**
 * exs_upstream_guide_new:
 *
 * Returns: (transfer full): the guide source; nothing is fetched until
 *   exs_upstream_guide_start()
 */
ExsUpstreamGuide *
exs_upstream_guide_new (ExsConfig *config, ExsDatabase *database, ExsPlayoutSource *inner)
{
  ExsUpstreamGuide *self;

  g_return_val_if_fail (EXS_IS_CONFIG (config), NULL);
  g_return_val_if_fail (EXS_IS_DATABASE (database), NULL);

  self = g_object_new (EXS_TYPE_UPSTREAM_GUIDE, NULL);
  self->config = g_object_ref (config);
  self->database = g_object_ref (database);
  self->inner = inner ? g_object_ref (inner) : NULL;
  return self;
}
