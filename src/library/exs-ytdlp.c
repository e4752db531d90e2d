/* exs-ytdlp.c: runs yt-dlp to turn a web page (any site it supports) into a
 * media URL GStreamer can play, with the page's title, description, year
 * and length.
 *
 * yt-dlp runs as a GSubprocess (never on the calling thread's time: the
 * async form suits the main loop, the sync form runs its own main context
 * for the scanner's worker threads), with a deadline after which it is
 * killed, and its JSON output bounded. Used by the library scan (URL
 * libraries, "ytdl:" paths) and by the channel engine's item resolver
 * (src/streaming/exs-item-resolver.c), which caches the answer until the
 * URL expires.
 */
#include "config.h"

#include "exs-ytdlp.h"

#include <json-glib/json-glib.h>
#include <stdlib.h>
#include <string.h>

#define MAX_OUTPUT_BYTES (16 * 1024 * 1024)
#define MAX_REASON_CHARS 300

G_DEFINE_QUARK (exs-ytdlp-error-quark, exs_ytdlp_error)

void
exs_ytdlp_info_free (ExsYtdlpInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->url);
  g_free (info->title);
  g_free (info->description);
  g_free (info);
}

/**
 * exs_ytdlp_url_expiry:
 *
 * Returns: the unix time in @url's expire= query parameter (as the URLs of
 *   YouTube and others carry), or 0 when it has none
 */
gint64
exs_ytdlp_url_expiry (const char *url)
{
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_ENCODED_QUERY, NULL);
  g_autoptr (GHashTable) params = NULL;
  const char *query = uri ? g_uri_get_query (uri) : NULL;
  const char *value;
  char *end = NULL;
  gint64 t;

  if (query == NULL)
    return 0;
  params = g_uri_parse_params (query, -1, "&", G_URI_PARAMS_NONE, NULL);
  value = params ? g_hash_table_lookup (params, "expire") : NULL;
  if (value == NULL)
    return 0;
  t = g_ascii_strtoll (value, &end, 10);
  return end && *end == '\0' && t > 0 ? t : 0;
}

static const char *
get_string (JsonObject *o, const char *member)
{
  JsonNode *n = json_object_get_member (o, member);

  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

/**
 * exs_ytdlp_info_parse:
 * @json: what `yt-dlp --dump-json` printed for one video
 *
 * Returns: (transfer full) (nullable): the media URL and facts, or %NULL
 *   with %EXS_YTDLP_ERROR_BAD_OUTPUT
 */
ExsYtdlpInfo *
exs_ytdlp_info_parse (const char *json, gsize length, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local = NULL;
  g_autoptr (ExsYtdlpInfo) info = g_new0 (ExsYtdlpInfo, 1);
  JsonNode *root, *n;
  JsonObject *o;
  const char *date;

  if (!json_parser_load_from_data (parser, json, (gssize) length, &local))
    {
      g_set_error (error, EXS_YTDLP_ERROR, EXS_YTDLP_ERROR_BAD_OUTPUT, "yt-dlp printed no JSON: %s",
                   local->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, EXS_YTDLP_ERROR, EXS_YTDLP_ERROR_BAD_OUTPUT, "yt-dlp printed JSON but not an object");
      return NULL;
    }
  o = json_node_get_object (root);
  info->url = g_strdup (get_string (o, "url"));
  if (info->url == NULL || !(g_str_has_prefix (info->url, "http://") || g_str_has_prefix (info->url, "https://")))
    {
      g_set_error (error, EXS_YTDLP_ERROR, EXS_YTDLP_ERROR_BAD_OUTPUT,
                   "yt-dlp found no single http(s) media URL on the page (it may need two streams merged)");
      return NULL;
    }
  info->title = g_strdup (get_string (o, "title"));
  info->description = g_strdup (get_string (o, "description"));
  n = json_object_get_member (o, "duration");
  if (n && JSON_NODE_HOLDS_VALUE (n)
      && (json_node_get_value_type (n) == G_TYPE_DOUBLE || json_node_get_value_type (n) == G_TYPE_INT64))
    info->duration_ms = (gint64) (json_node_get_double (n) * 1000.0);
  date = get_string (o, "upload_date"); /* YYYYMMDD */
  if (date && strlen (date) >= 4 && g_ascii_isdigit (date[0]))
    info->year = (int) g_ascii_strtoll (date, NULL, 10) / 10000;
  if (info->year < 1800 || info->year > 3000)
    info->year = 0;
  info->expires_at = exs_ytdlp_url_expiry (info->url);
  return g_steal_pointer (&info);
}

/* ---- running it -------------------------------------------------------------- */

typedef struct
{
  GSubprocess *process;
  GSource *timeout;   /* in the caller's thread-default context */
  gboolean timed_out;
  guint timeout_s;
} Run;

static void
stop_timeout (Run *run)
{
  if (run->timeout)
    g_source_destroy (run->timeout);
  g_clear_pointer (&run->timeout, g_source_unref);
}

static void
run_free (Run *run)
{
  stop_timeout (run);
  g_clear_object (&run->process);
  g_free (run);
}

static gboolean
on_timeout_cb (gpointer user_data)
{
  Run *run = user_data;

  run->timed_out = TRUE;
  g_subprocess_force_exit (run->process);
  return G_SOURCE_REMOVE;
}

/* The last line yt-dlp wrote to stderr ("ERROR: ..."), shortened. */
static char *
last_line (const char *text)
{
  g_auto (GStrv) lines = g_strsplit (text ? text : "", "\n", -1);
  const char *last = "";

  char *advice;

  for (guint i = 0; lines[i]; i++)
    if (g_strstrip (lines[i])[0] != '\0')
      last = lines[i];
  /* its plea to report bugs upstream says nothing about this page */
  advice = strstr (last, "; please report this issue");
  if (advice)
    *advice = '\0';
  if (g_utf8_strlen (last, -1) > MAX_REASON_CHARS)
    {
      g_autofree char *cut = g_utf8_substring (last, 0, MAX_REASON_CHARS);
      return g_strconcat (cut, "…", NULL);
    }
  return g_utf8_make_valid (last, -1);
}

static void
on_communicate_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  Run *run = g_task_get_task_data (task);
  g_autoptr (GBytes) out = NULL;
  g_autoptr (GBytes) err = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *reason = NULL;
  ExsYtdlpInfo *info;
  gsize len = 0;
  const char *data;

  stop_timeout (run);
  if (!g_subprocess_communicate_finish (G_SUBPROCESS (source), result, &out, &err, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (run->timed_out)
    {
      g_task_return_new_error (task, EXS_YTDLP_ERROR, EXS_YTDLP_ERROR_TIMED_OUT,
                               "yt-dlp did not answer within %u s", run->timeout_s);
      return;
    }
  if (!g_subprocess_get_successful (run->process))
    {
      gsize elen = 0;
      const char *etext = err ? g_bytes_get_data (err, &elen) : NULL;
      g_autofree char *copy = etext ? g_strndup (etext, MIN (elen, 64 * 1024)) : NULL;

      reason = last_line (copy);
      g_task_return_new_error (task, EXS_YTDLP_ERROR, EXS_YTDLP_ERROR_FAILED, "yt-dlp cannot play this page: %s",
                               reason[0] ? reason : "it exited with an error");
      return;
    }
  data = out ? g_bytes_get_data (out, &len) : NULL;
  if (data == NULL || len == 0 || len > MAX_OUTPUT_BYTES)
    {
      g_task_return_new_error (task, EXS_YTDLP_ERROR, EXS_YTDLP_ERROR_BAD_OUTPUT,
                               len ? "yt-dlp printed more than %d MiB" : "yt-dlp printed nothing",
                               MAX_OUTPUT_BYTES / (1024 * 1024));
      return;
    }
  info = exs_ytdlp_info_parse (data, len, &error);
  if (info == NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, info, (GDestroyNotify) exs_ytdlp_info_free);
}

/**
 * exs_ytdlp_resolve_async:
 * @page_url: an http(s) page yt-dlp supports (or a direct media URL)
 * @timeout_s: yt-dlp is killed after this long
 *
 * Runs `yt-dlp --dump-json` on @page_url in the thread-default main context.
 * Errors: %EXS_YTDLP_ERROR_NOT_INSTALLED when there is no yt-dlp on PATH,
 * TIMED_OUT, FAILED (with yt-dlp's own reason) or BAD_OUTPUT.
 */
void
exs_ytdlp_resolve_async (const char *page_url, guint timeout_s, GCancellable *cancellable,
                         GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);
  g_autoptr (GError) error = NULL;
  Run *run = g_new0 (Run, 1);
  /* one progressive format (audio and video in one file): GStreamer plays one URL */
  const char *argv[] = { "yt-dlp", "--ignore-config", "--no-cache-dir", "--no-playlist", "--no-warnings",
                         "--no-progress", "--skip-download", "--dump-json", "--format",
                         "best[vcodec!=none][acodec!=none]/best", "--", page_url, NULL };

  g_task_set_source_tag (task, exs_ytdlp_resolve_async);
  g_task_set_task_data (task, run, (GDestroyNotify) run_free);
  run->timeout_s = MAX (timeout_s, 1);
  if (!(g_str_has_prefix (page_url, "http://") || g_str_has_prefix (page_url, "https://")))
    {
      g_task_return_new_error (task, EXS_YTDLP_ERROR, EXS_YTDLP_ERROR_FAILED,
                               "only http:// and https:// pages are handed to yt-dlp, not “%s”", page_url);
      return;
    }
  run->process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  if (run->process == NULL)
    {
      if (g_error_matches (error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT))
        g_task_return_new_error (task, EXS_YTDLP_ERROR, EXS_YTDLP_ERROR_NOT_INSTALLED,
                                 "yt-dlp is not installed (Debian package yt-dlp), so %s cannot be played",
                                 page_url);
      else
        g_task_return_new_error (task, EXS_YTDLP_ERROR, EXS_YTDLP_ERROR_FAILED, "cannot run yt-dlp: %s",
                                 error->message);
      return;
    }
  run->timeout = g_timeout_source_new_seconds (run->timeout_s);
  g_source_set_callback (run->timeout, on_timeout_cb, run, NULL);
  g_source_attach (run->timeout, g_main_context_get_thread_default ());
  g_subprocess_communicate_async (run->process, NULL, cancellable, on_communicate_cb, g_steal_pointer (&task));
}

/**
 * exs_ytdlp_resolve_finish:
 *
 * Returns: (transfer full) (nullable): what yt-dlp found
 */
ExsYtdlpInfo *
exs_ytdlp_resolve_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
on_sync_done_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/**
 * exs_ytdlp_resolve_sync:
 *
 * exs_ytdlp_resolve_async() for a worker thread: blocks it (never call it
 * on the main loop), iterating a main context of its own.
 *
 * Returns: (transfer full) (nullable): what yt-dlp found
 */
ExsYtdlpInfo *
exs_ytdlp_resolve_sync (const char *page_url, guint timeout_s, GCancellable *cancellable, GError **error)
{
  g_autoptr (GMainContext) context = g_main_context_new ();
  g_autoptr (GAsyncResult) result = NULL;

  g_main_context_push_thread_default (context);
  exs_ytdlp_resolve_async (page_url, timeout_s, cancellable, on_sync_done_cb, &result);
  while (result == NULL)
    g_main_context_iteration (context, TRUE);
  g_main_context_pop_thread_default (context);
  return exs_ytdlp_resolve_finish (result, error);
}
