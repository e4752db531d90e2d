/* exs-iptv-service.c: ExsIptvService, the routes IPTV players use.
 *
 *   GET /iptv/channels.m3u           the playlist (exs-m3u.c)
 *   GET /iptv/xmltv.xml[.gz]         the guide (exs-xmltv.c), built in a GTask
 *                                    thread, cached for [iptv]
 *                                    guide_cache_seconds, with
 *                                    ETag/Last-Modified and 304s
 *   GET /iptv/channel/{number}.ts    the stream, from the ExsStreamProvider
 *   GET /iptv/channel/{number}.m3u8  HLS of the same pipeline, from the provider
 *   GET /iptv/channel/{number}/hls/{file}   its segments
 * (the stream routes follow exs-stream-route.h: one lookup, one 404 text)
 *
 * The guide is built once, whatever Host header clients use: icons given as
 * paths are written with a placeholder base URL, replaced by the client's
 * when the guide is sent (a few outputs are kept, bounded). Keyed by Host, a
 * client could make the server build one whole guide per made-up header.
 *
 * The guide window starts at the top of the current hour, so it only changes
 * when the hour or the playout does, and its ETag (a hash of the bytes) lets
 * clients skip unchanged guides. Created by ExsApplication after the
 * database and the HTTP server; the playout source is set when the scheduler
 * exists. Main thread only, except the guide build.
 */
#include "config.h"

#include "exs-iptv-service.h"
#include "exs-background.h"

#include "exs-base-url.h"
#include "exs-channel-store.h"
#include "exs-database.h"
#include "exs-http-json.h"
#include "exs-m3u.h"
#include "exs-upstream-guide.h"
#include "exs-xmltv.h"

#include <string.h>
#include <sqlite3.h>
#include <zlib.h>

#define MAX_OUTPUTS 8
#define HOUR_US ((gint64)3600 * G_USEC_PER_SEC)

typedef struct
{
  SoupServerMessage *msg; /* owned */
  gboolean gzip;
  char *base_url;
  gulong finished_id;
  gboolean gone;
} Waiter;

typedef struct _ZipJob ZipJob;

/* The guide as one client base URL sees it. */
typedef struct
{
  GBytes *xml;
  GBytes *gz; /* made when first asked for, in a worker thread */
  char *etag;
  ZipJob *zipping; /* not owned: the compression under way, or NULL */
} Output;

/* Compresses one Output's bytes off the main thread (5 MB for 500
 * channels: ~150 ms that would stall every other request); the requests
 * asking for them wait with their headers already set. */
struct _ZipJob
{
  GBytes *xml;
  GBytes *gz;         /* result, NULL if zlib failed */
  Output *output;     /* not owned; NULL once the output is dropped */
  GPtrArray *waiters; /* Waiter* */
};

typedef struct
{
  GBytes *xml;       /* with the placeholder base URL */
  GHashTable *outputs; /* base URL -> Output*, at most MAX_OUTPUTS */
  char *etag;        /* quoted hash of the xml */
  gint64 modified_s; /* unix seconds when the bytes last changed */
  gint64 built_us;   /* monotonic */
  guint64 db_version; /* the database's data version the build started at */
  gboolean building;
  GPtrArray *waiters; /* Waiter* */
} Guide;

typedef struct
{
  GPtrArray *channels; /* ExsChannelRecord*, copies */
  ExsPlayoutSource *source;
  gint64 from_us;
  gint64 to_us;
  char *base_url;
  GTimeZone *tz;
  guint64 db_version;
  /* results */
  GBytes *xml;
  char *etag;
} BuildJob;

struct _ExsIptvService
{
  GObject parent_instance;

  ExsConfig *config;           /* owned */
  ExsDatabase *database;       /* owned */
  ExsStreamProvider *provider; /* owned, nullable: the channel engine */
  ExsPlayoutSource *source;    /* owned, nullable */
  GHashTable *guides;          /* the placeholder → the one Guide */
  char *placeholder;           /* the base URL guides are built with */
  /* the last playlist sent, while the database is unchanged */
  GBytes *m3u;
  char *m3u_base_url;
  guint64 m3u_db_version;
  GCancellable *cancellable;
};

G_DEFINE_TYPE (ExsIptvService, exs_iptv_service, G_TYPE_OBJECT)

static Guide *guide_get (ExsIptvService *self);
static guint64 database_version (ExsIptvService *self);
static void start_guide_build (ExsIptvService *self, Guide *g, GPtrArray *channels);

static void
waiter_free (Waiter *w)
{
  if (!w->gone)
    g_signal_handler_disconnect (w->msg, w->finished_id);
  g_object_unref (w->msg);
  g_free (w->base_url);
  g_free (w);
}

static void
output_free (Output *o)
{
  if (o->zipping != NULL)
    o->zipping->output = NULL;
  g_clear_pointer (&o->xml, g_bytes_unref);
  g_clear_pointer (&o->gz, g_bytes_unref);
  g_free (o->etag);
  g_free (o);
}

static void
guide_free (Guide *g)
{
  g_clear_pointer (&g->xml, g_bytes_unref);
  g_hash_table_unref (g->outputs);
  g_free (g->etag);
  g_ptr_array_unref (g->waiters);
  g_free (g);
}

static void
zip_job_free (ZipJob *job)
{
  g_bytes_unref (job->xml);
  g_clear_pointer (&job->gz, g_bytes_unref);
  if (job->output != NULL)
    job->output->zipping = NULL;
  g_ptr_array_unref (job->waiters);
  g_free (job);
}

static void
build_job_free (BuildJob *job)
{
  g_ptr_array_unref (job->channels);
  g_clear_object (&job->source);
  g_free (job->base_url);
  g_time_zone_unref (job->tz);
  g_clear_pointer (&job->xml, g_bytes_unref);
  g_free (job->etag);
  g_free (job);
}

static void
exs_iptv_service_dispose (GObject *object)
{
  ExsIptvService *self = EXS_IPTV_SERVICE (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->source);
  g_clear_object (&self->provider);
  g_clear_object (&self->database);
  g_clear_object (&self->config);
  G_OBJECT_CLASS (exs_iptv_service_parent_class)->dispose (object);
}

static void
exs_iptv_service_finalize (GObject *object)
{
  ExsIptvService *self = EXS_IPTV_SERVICE (object);

  g_hash_table_unref (self->guides);
  g_free (self->placeholder);
  g_clear_pointer (&self->m3u, g_bytes_unref);
  g_free (self->m3u_base_url);
  g_object_unref (self->cancellable);
  G_OBJECT_CLASS (exs_iptv_service_parent_class)->finalize (object);
}

static void
exs_iptv_service_class_init (ExsIptvServiceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = exs_iptv_service_dispose;
  object_class->finalize = exs_iptv_service_finalize;
}

static void
exs_iptv_service_init (ExsIptvService *self)
{
  self->guides
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)guide_free);
  self->cancellable = g_cancellable_new ();
  self->placeholder = g_strdup_printf ("http://exs-base-%08x%08x.invalid", g_random_int (), g_random_int ());
}

/**
 * exs_iptv_service_new:
 * @provider: (nullable) (transfer none): the channel engine; without one the
 *   stream routes answer 503 engine_unavailable
 *
 * Returns: (transfer full): the service, with no routes registered yet
 */
ExsIptvService *
exs_iptv_service_new (ExsConfig *config, ExsDatabase *database, ExsStreamProvider *provider)
{
  ExsIptvService *self;

  g_return_val_if_fail (EXS_IS_CONFIG (config), NULL);
  g_return_val_if_fail (EXS_IS_DATABASE (database), NULL);
  g_return_val_if_fail (provider == NULL || EXS_IS_STREAM_PROVIDER (provider), NULL);

  self = g_object_new (EXS_TYPE_IPTV_SERVICE, NULL);
  self->config = g_object_ref (config);
  self->database = g_object_ref (database);
  self->provider = provider ? g_object_ref (provider) : NULL;
  return self;
}

/**
 * exs_iptv_service_set_playout_source:
 * @source: (nullable): where the guide's programmes come from. Its list() is
 *   called from a worker thread, so it must be thread-safe.
 *
 * Drops the cached guide and starts building the new one in the background.
 */
void
exs_iptv_service_set_playout_source (ExsIptvService *self, ExsPlayoutSource *source)
{
  g_autoptr (GPtrArray) channels = NULL;

  g_return_if_fail (EXS_IS_IPTV_SERVICE (self));
  g_set_object (&self->source, source);
  g_hash_table_remove_all (self->guides);
  /* Built now, in the background, so that the first client after start
   * need not wait for all of it (500 channels: a few hundred ms). If the
   * database fails, the first request reports it. */
  if (source != NULL && (channels = exs_channel_store_list (self->database, NULL)) != NULL)
    start_guide_build (self, guide_get (self), channels);
}

/* Stops building guides; waiting requests are answered 503 by the HTTP server stop. */
void
exs_iptv_service_stop (ExsIptvService *self)
{
  g_return_if_fail (EXS_IS_IPTV_SERVICE (self));
  g_cancellable_cancel (self->cancellable);
}

static char *
base_url_for (ExsIptvService *self, SoupServerMessage *msg)
{
  return exs_base_url_for_message (
      msg, exs_config_get_string (self->config, "server", "public_base_url"));
}

static GPtrArray *
list_channels (ExsIptvService *self, SoupServerMessage *msg)
{
  g_autoptr (GError) error = NULL;
  GPtrArray *channels = exs_channel_store_list (self->database, &error);

  if (channels == NULL)
    exs_http_reply_gerror (msg, error);
  return channels;
}

/* ---- the playlist ---- */

/* The playlist is kept while the database's data version and the
 * client's base URL stay the same: 500 channels are ~80 kB of text and a
 * database read that players ask for again and again. */
static void
handle_m3u (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query,
            gpointer user_data)
{
  ExsIptvService *self = user_data;
  g_autofree char *base_url = base_url_for (self, msg);
  guint64 version = database_version (self);

  if (self->m3u == NULL || version == G_MAXUINT64 || version != self->m3u_db_version || g_strcmp0 (base_url, self->m3u_base_url) != 0)
    {
      g_autoptr (GPtrArray) channels = list_channels (self, msg);
      char *text;

      if (channels == NULL)
        return;
      text = exs_m3u_build (channels, base_url);
      g_clear_pointer (&self->m3u, g_bytes_unref);
      self->m3u = g_bytes_new_take (text, strlen (text));
      g_free (self->m3u_base_url);
      self->m3u_base_url = g_steal_pointer (&base_url);
      self->m3u_db_version = version;
    }
  soup_server_message_set_status (msg, 200, NULL);
  soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Cache-Control",
                                "no-cache");
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Content-Disposition", "inline; filename=\"channels.m3u\"");
  soup_server_message_set_response (msg, "audio/x-mpegurl; charset=utf-8", SOUP_MEMORY_COPY,
                                    g_bytes_get_data (self->m3u, NULL), g_bytes_get_size (self->m3u));
}

/* ---- the guide ---- */

static GBytes *
gzip_bytes (GBytes *in)
{
  gsize in_len = 0;
  const guint8 *data = g_bytes_get_data (in, &in_len);
  z_stream z = { 0 };
  uLong bound;
  guint8 *out;

  if (deflateInit2 (&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    return NULL;
  bound = deflateBound (&z, (uLong)in_len);
  out = g_malloc (bound);
  z.next_in = (Bytef *)data;
  z.avail_in = (uInt)in_len;
  z.next_out = out;
  z.avail_out = (uInt)bound;
  if (deflate (&z, Z_FINISH) != Z_STREAM_END)
    {
      deflateEnd (&z);
      g_free (out);
      return NULL;
    }
  deflateEnd (&z);
  return g_bytes_new_take (out, z.total_out);
}

static void
build_guide_thread (GTask *task, gpointer source_object, gpointer task_data,
                    GCancellable *cancellable)
{
  BuildJob *job = task_data;
  g_autoptr (GError) error = NULL;
  g_autofree char *hash = NULL;

  job->xml = exs_xmltv_build (job->channels, job->source, job->from_us, job->to_us, job->base_url,
                              job->tz, &error);
  if (job->xml == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  hash = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, job->xml);
  job->etag = g_strdup_printf ("\"%.32s\"", hash);
  g_task_return_boolean (task, TRUE);
}

/* RFC 9110: If-None-Match wins over If-Modified-Since. */
static gboolean
not_modified (SoupServerMessage *msg, const char *etag, gint64 modified_s)
{
  SoupMessageHeaders *h = soup_server_message_get_request_headers (msg);
  const char *inm = soup_message_headers_get_one (h, "If-None-Match");
  const char *ims = soup_message_headers_get_one (h, "If-Modified-Since");

  if (inm != NULL)
    {
      g_auto (GStrv) tags = g_strsplit (inm, ",", -1);
      for (guint i = 0; tags[i]; i++)
        {
          const char *t = g_strstrip (tags[i]);
          if (g_str_has_prefix (t, "W/"))
            t += 2;
          if (g_str_equal (t, "*") || g_str_equal (t, etag))
            return TRUE;
        }
      return FALSE;
    }
  if (ims != NULL)
    {
      g_autoptr (GDateTime) since = soup_date_time_new_from_http_string (ims);
      return since != NULL && modified_s <= g_date_time_to_unix (since);
    }
  return FALSE;
}

/* The guide with @base_url in place of the placeholder, made once per base
 * URL while the guide stays the same. */
static Output *
output_for (Guide *g, const char *placeholder, const char *base_url)
{
  Output *o = g_hash_table_lookup (g->outputs, base_url);
  GString *text;

  if (o != NULL)
    return o;
  if (g_hash_table_size (g->outputs) >= MAX_OUTPUTS)
    g_hash_table_remove_all (g->outputs);
  text = g_string_new_len (g_bytes_get_data (g->xml, NULL), (gssize) g_bytes_get_size (g->xml));
  g_string_replace (text, placeholder, base_url, 0);
  o = g_new0 (Output, 1);
  o->etag = g_strdup_printf ("%.25s%08x\"", g->etag, (guint) crc32 (0, (const Bytef *) base_url, (uInt) strlen (base_url)));
  o->xml = g_string_free_to_bytes (text);
  g_hash_table_insert (g->outputs, g_strdup (base_url), o);
  return o;
}

/* Whether the client takes a gzip-encoded body (Accept-Encoding: gzip, not
 * with q=0): the guide's plain .xml is then sent compressed, ~20× smaller. */
static gboolean
accepts_gzip (SoupServerMessage *msg)
{
  const char *ae = soup_message_headers_get_list (soup_server_message_get_request_headers (msg), "Accept-Encoding");
  GSList *unacceptable = NULL;
  GSList *acceptable;
  gboolean yes = FALSE;

  if (ae == NULL)
    return FALSE;
  acceptable = soup_header_parse_quality_list (ae, &unacceptable);
  for (GSList *l = acceptable; l && !yes; l = l->next)
    yes = g_ascii_strcasecmp (l->data, "gzip") == 0 || g_ascii_strcasecmp (l->data, "x-gzip") == 0;
  soup_header_free_list (acceptable);
  soup_header_free_list (unacceptable);
  return yes;
}

static void on_waiter_finished_cb (SoupServerMessage *msg, gpointer user_data);

static void
send_guide_body (SoupServerMessage *msg, GBytes *body, gboolean gzip)
{
  if (body == NULL)
    {
      exs_http_reply_error (msg, 500, NULL, "the guide could not be compressed");
      return;
    }
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (
      msg, gzip ? "application/gzip" : "application/xml; charset=utf-8", SOUP_MEMORY_COPY,
      g_bytes_get_data (body, NULL), g_bytes_get_size (body));
  if (gzip)
    soup_message_headers_replace (soup_server_message_get_response_headers (msg), "Content-Disposition",
                                  "attachment; filename=\"xmltv.xml.gz\"");
}

static Waiter *
waiter_new (SoupServerMessage *msg, gboolean gzip, const char *base_url)
{
  Waiter *w = g_new0 (Waiter, 1);

  w->msg = g_object_ref (msg);
  w->gzip = gzip;
  w->base_url = g_strdup (base_url);
  w->finished_id = g_signal_connect (msg, "finished", G_CALLBACK (on_waiter_finished_cb), w);
  return w;
}

static void
zip_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  ZipJob *job = task_data;

  job->gz = gzip_bytes (job->xml);
  g_task_return_boolean (task, TRUE);
}

static void
on_zipped_cb (GObject *source_object, GAsyncResult *result, gpointer user_data)
{
  GTask *task = G_TASK (result);
  ZipJob *job = g_task_get_task_data (task);

  if (!g_task_propagate_boolean (task, NULL))
    return; /* cancelled: the server is stopping */
  if (job->output != NULL && job->gz != NULL)
    job->output->gz = g_bytes_ref (job->gz);
  for (guint i = 0; i < job->waiters->len; i++)
    {
      Waiter *w = job->waiters->pdata[i];
      if (w->gone)
        continue;
      send_guide_body (w->msg, job->gz, w->gzip);
      soup_server_message_unpause (w->msg);
    }
}

/* Answers @msg from @g, or, while its compressed bytes are being made,
 * pauses it (unless @paused says it already is) and returns FALSE: it is
 * answered and unpaused when they are ready. */
static gboolean
reply_guide (ExsIptvService *self, SoupServerMessage *msg, Guide *g, gboolean gzip, const char *base_url,
             gboolean paused)
{
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);
  gboolean encoded = !gzip && accepts_gzip (msg);
  g_autoptr (GDateTime) modified = g_date_time_new_from_unix_utc (g->modified_s);
  g_autofree char *last_modified = soup_date_time_to_string (modified, SOUP_DATE_HTTP);
  Output *o = output_for (g, self->placeholder, base_url);
  g_autofree char *etag = gzip || encoded ? g_strdup_printf ("%.*s-gz\"", (int)strlen (o->etag) - 1, o->etag)
                                          : g_strdup (o->etag);
  GBytes *body;

  if (!gzip)
    soup_message_headers_replace (h, "Vary", "Accept-Encoding");
  if (encoded)
    soup_message_headers_replace (h, "Content-Encoding", "gzip");
  soup_message_headers_replace (h, "ETag", etag);
  soup_message_headers_replace (h, "Last-Modified", last_modified);
  soup_message_headers_replace (h, "Cache-Control", "no-cache");
  if (not_modified (msg, etag, g->modified_s))
    {
      soup_server_message_set_status (msg, 304, NULL);
      return TRUE;
    }
  if ((gzip || encoded) && o->gz == NULL)
    {
      if (o->zipping == NULL)
        {
          g_autoptr (GTask) task = g_task_new (self, self->cancellable, on_zipped_cb, NULL);
          o->zipping = g_new0 (ZipJob, 1);
          o->zipping->xml = g_bytes_ref (o->xml);
          o->zipping->output = o;
          o->zipping->waiters = g_ptr_array_new_with_free_func ((GDestroyNotify) waiter_free);
          g_task_set_task_data (task, o->zipping, (GDestroyNotify) zip_job_free);
          g_task_set_return_on_cancel (task, FALSE);
          exs_task_run_in_thread (task, zip_thread);
        }
      g_ptr_array_add (o->zipping->waiters, waiter_new (msg, gzip, base_url));
      if (!paused)
        soup_server_message_pause (msg);
      return FALSE;
    }
  body = gzip || encoded ? o->gz : o->xml;
  send_guide_body (msg, body, gzip);
  return TRUE;
}

static void
on_waiter_finished_cb (SoupServerMessage *msg, gpointer user_data)
{
  Waiter *w = user_data;

  g_signal_handler_disconnect (msg, w->finished_id);
  w->gone = TRUE;
}

static void
on_guide_built_cb (GObject *source_object, GAsyncResult *result, gpointer user_data)
{
  g_autofree char *base_url = user_data;
  GTask *task = G_TASK (result);
  BuildJob *job = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  ExsIptvService *self;
  Guide *g;

  if (!g_task_propagate_boolean (task, &error)
      && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  self = EXS_IPTV_SERVICE (source_object);
  g = g_hash_table_lookup (self->guides, base_url);
  if (g == NULL)
    return; /* the cache was dropped (new playout source) while building */
  g->building = FALSE;
  if (error == NULL)
    {
      if (g->etag == NULL || !g_str_equal (g->etag, job->etag))
        {
          g_clear_pointer (&g->xml, g_bytes_unref);
          g_hash_table_remove_all (g->outputs);
          g_free (g->etag);
          g->xml = g_steal_pointer (&job->xml);
          g->etag = g_steal_pointer (&job->etag);
          g->modified_s = g_get_real_time () / G_USEC_PER_SEC;
        }
      g->built_us = g_get_monotonic_time ();
      g->db_version = job->db_version;
    }
  else
    g_warning ("cannot build the guide: %s", error->message);

  for (guint i = 0; i < g->waiters->len; i++)
    {
      Waiter *w = g->waiters->pdata[i];
      if (w->gone)
        continue;
      if (error == NULL && !reply_guide (self, w->msg, g, w->gzip, w->base_url, TRUE))
        continue; /* answered when compressed */
      if (error != NULL)
        exs_http_reply_error (w->msg, 500, NULL, "the guide could not be built: %s",
                              error->message);
      soup_server_message_unpause (w->msg);
    }
  g_ptr_array_set_size (g->waiters, 0);
}

static GPtrArray *
copy_channels (GPtrArray *channels)
{
  GPtrArray *copy = g_ptr_array_new_full (channels->len, (GDestroyNotify)exs_channel_record_free);

  for (guint i = 0; i < channels->len; i++)
    g_ptr_array_add (copy, exs_channel_record_copy (channels->pdata[i]));
  return copy;
}

static GTimeZone *
guide_time_zone (ExsIptvService *self)
{
  const char *name = exs_config_get_string (self->config, "server", "time_zone");
  GTimeZone *tz = name[0] ? g_time_zone_new_identifier (name) : NULL;

  return tz ? tz : g_time_zone_new_local ();
}

/* A number that changes whenever anything in the database does, through
 * this connection or another (the playout builder's): a guide built at
 * another version may be out of date (a channel or a playout changed). */
static guint64
database_version (ExsIptvService *self)
{
  sqlite3 *db = exs_database_get_handle (self->database);
  unsigned int version = 0;

  if (db == NULL || sqlite3_file_control (db, "main", SQLITE_FCNTL_DATA_VERSION, &version) != SQLITE_OK)
    return G_MAXUINT64; /* unknown: nothing cached is used */
  return version;
}

/* The one guide entry, made empty when missing. */
static Guide *
guide_get (ExsIptvService *self)
{
  Guide *g = g_hash_table_lookup (self->guides, self->placeholder);

  if (g == NULL)
    {
      g = g_new0 (Guide, 1);
      g->waiters = g_ptr_array_new_with_free_func ((GDestroyNotify)waiter_free);
      g->outputs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) output_free);
      g_hash_table_insert (self->guides, g_strdup (self->placeholder), g);
    }
  return g;
}

/* Builds @g from @channels in a worker thread; its waiters are answered
 * when it is done. */
static void
start_guide_build (ExsIptvService *self, Guide *g, GPtrArray *channels)
{
  g_autoptr (GTask) task = NULL;
  BuildJob *job = g_new0 (BuildJob, 1);

  job->channels = copy_channels (channels);
  if (EXS_IS_UPSTREAM_GUIDE (self->source))
    exs_upstream_guide_set_channels (EXS_UPSTREAM_GUIDE (self->source), channels); /* which lists which tvg-id */
  job->source = self->source ? g_object_ref (self->source) : NULL;
  job->from_us = g_get_real_time () / HOUR_US * HOUR_US;
  job->to_us
      = job->from_us + exs_config_get_int (self->config, "iptv", "guide_days") * 24 * HOUR_US;
  job->base_url = g_strdup (self->placeholder);
  job->tz = guide_time_zone (self);
  job->db_version = database_version (self);
  g->building = TRUE;
  g_debug ("building the guide (%u channels)", job->channels->len);
  task = g_task_new (self, self->cancellable, on_guide_built_cb, g_strdup (self->placeholder));
  g_task_set_task_data (task, job, (GDestroyNotify)build_job_free);
  g_task_set_return_on_cancel (task, FALSE);
  exs_task_run_in_thread (task, build_guide_thread);
}

static void
handle_xmltv (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query,
              gpointer user_data)
{
  ExsIptvService *self = user_data;
  const char *path = g_uri_get_path (soup_server_message_get_uri (msg));
  gboolean gzip = g_str_has_suffix (path, ".gz");
  gint64 max_age_us
      = exs_config_get_int (self->config, "iptv", "guide_cache_seconds") * G_USEC_PER_SEC;
  g_autofree char *base_url = base_url_for (self, msg);
  g_autoptr (GPtrArray) channels = NULL;
  g_autoptr (GError) error = NULL;
  Guide *g = guide_get (self);

  if (g->xml != NULL && !g->building && g_get_monotonic_time () - g->built_us < max_age_us
      && g->db_version != G_MAXUINT64 && g->db_version == database_version (self))
    {
      reply_guide (self, msg, g, gzip, base_url, FALSE);
      return;
    }
  /* a database failure is a 500, never a guide without channels; nor one
   * a build begun before the failure is still making */
  if ((channels = exs_channel_store_list (self->database, &error)) == NULL)
    {
      exs_http_reply_gerror (msg, error);
      return;
    }

  g_ptr_array_add (g->waiters, waiter_new (msg, gzip, base_url));
  soup_server_message_pause (msg);
  if (!g->building)
    start_guide_build (self, g, channels);
}

/* ---- streams ---- */

static void
handle_stream (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query,
               gpointer user_data)
{
  ExsIptvService *self = user_data;
  g_autoptr (ExsStreamRequest) request = exs_stream_request_new (msg, EXS_STREAM_CLIENT_IPTV);
  g_autoptr (ExsChannelRecord) channel
      = exs_stream_route_find_channel (self->database, g_hash_table_lookup (params, "number"), request);

  if (channel != NULL)
    exs_stream_route_serve (self->provider, channel, request);
}

static void
handle_hls (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query,
            gpointer user_data)
{
  ExsIptvService *self = user_data;
  const char *file = g_hash_table_lookup (params, "file");
  g_autoptr (ExsStreamRequest) request = exs_stream_request_new (msg, EXS_STREAM_CLIENT_HLS);
  g_autoptr (ExsChannelRecord) channel
      = exs_stream_route_find_channel (self->database, g_hash_table_lookup (params, "number"), request);

  if (channel == NULL)
    return;
  if (file != NULL && (strchr (file, '/') != NULL || file[0] == '.'))
    {
      exs_http_reply_error (msg, 404, NULL, "no HLS file “%.64s”", file);
      return;
    }
  request->hls_file = g_strdup (file ? file : "index.m3u8");
  exs_stream_route_serve (self->provider, channel, request);
}

/**
 * exs_iptv_service_register:
 *
 * Adds the IPTV routes. They are viewer-facing: no token, not under /api/.
 */
void
exs_iptv_service_register (ExsIptvService *self, ExsHttpServer *server)
{
  g_return_if_fail (EXS_IS_IPTV_SERVICE (self));
  g_return_if_fail (EXS_IS_HTTP_SERVER (server));

  exs_http_server_add_route (server, "GET,HEAD", "/iptv/channels.m3u", 0, handle_m3u, self);
  exs_http_server_add_route (server, "GET,HEAD", "/iptv/xmltv.xml", 0, handle_xmltv, self);
  exs_http_server_add_route (server, "GET,HEAD", "/iptv/xmltv.xml.gz", 0, handle_xmltv, self);
  exs_http_server_add_route (server, "GET,HEAD", "/iptv/channel/{number}.ts", 0, handle_stream,
                             self);
  exs_http_server_add_route (server, "GET,HEAD", "/iptv/channel/{number}.m3u8", 0, handle_hls,
                             self);
  exs_http_server_add_route (server, "GET,HEAD", "/iptv/channel/{number}/hls/{file}", 0, handle_hls,
                             self);
}
