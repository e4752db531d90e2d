/* exs-library-scan-url.c: the walk step of a URL library's scan (source
 * "url"), in the scan's thread.
 *
 * Each entry of the library (its "paths") is one of:
 *   http(s)://…/film.mp4        a media file, probed by GstDiscoverer over HTTP;
 *   http(s)://…/list.m3u(8)     an M3U listing media URLs (relative ones are
 *                               resolved against it; #EXTINF titles kept); an
 *                               HLS playlist is itself one item;
 *   archive:IDENTIFIER or https://archive.org/details/IDENTIFIER
 *                               an Archive.org item (its video files, with the
 *                               item's title, description and year) or a
 *                               collection (its items, by the advancedsearch API);
 *   ytdl:https://…              a page yt-dlp supports, resolved when probed
 *                               and again at play time (exs-ytdlp.c).
 * The result has the shape of a folder walk (ExsScanWalk), so the probe and
 * write steps and the missing/restored bookkeeping are the local ones. An
 * entry that cannot be read (404, not an M3U, bad JSON, too big, too many
 * redirects, a timeout) is a scan issue and a path error; the scan goes on.
 * Bounded: MAX_ITEMS URLs per library, MAX_LIST_BYTES per M3U or JSON
 * answer, MAX_REDIRECTS per request, the timeout per request.
 */
#include "config.h"

#include "exs-library-scan-url.h"

#include "exs-ytdlp.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

#define MAX_ITEMS 10000
#define MAX_LIST_BYTES (4 * 1024 * 1024)
#define MAX_REDIRECTS 5
#define MAX_COLLECTION_ITEMS 500
#define MAX_IDENTIFIER_CHARS 100

typedef struct
{
  ExsScanWalk *out;
  const ExsUrlScanOptions *options;
  GCancellable *cancellable;
  SoupSession *session;
  const char *root;       /* the library entry being read */
  GHashTable *seen;       /* URIs already listed */
} UrlWalk;

static gboolean
is_http (const char *url)
{
  return g_str_has_prefix (url, "http://") || g_str_has_prefix (url, "https://");
}

/* The last path segment of @url, unescaped: what the name parser reads. */
static char *
url_basename (const char *url)
{
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  const char *path = uri ? g_uri_get_path (uri) : "";
  const char *slash = strrchr (path, '/');
  const char *base = slash ? slash + 1 : path;

  return g_strdup (base[0] ? base : (uri && g_uri_get_host (uri) ? g_uri_get_host (uri) : url));
}

static gboolean
path_has_suffix (const char *url, const char *const *suffixes)
{
  g_autoptr (GUri) uri = g_uri_parse (url, G_URI_FLAGS_NONE, NULL);
  const char *path = uri ? g_uri_get_path (uri) : "";

  for (guint i = 0; suffixes[i]; i++)
    if (g_str_has_suffix (path, suffixes[i]))
      return TRUE;
  return FALSE;
}

static gboolean
valid_identifier (const char *id)
{
  if (id[0] == '\0' || strlen (id) > MAX_IDENTIFIER_CHARS)
    return FALSE;
  for (const char *c = id; *c; c++)
    if (!g_ascii_isalnum (*c) && *c != '.' && *c != '_' && *c != '-')
      return FALSE;
  return TRUE;
}

/* The Archive.org identifier @entry names ("archive:ID", ".../details/ID"), or NULL. */
static char *
archive_identifier (const char *entry)
{
  const char *details;

  if (g_str_has_prefix (entry, EXS_ARCHIVE_ORG_PREFIX))
    return g_strdup (entry + strlen (EXS_ARCHIVE_ORG_PREFIX));
  if (is_http (entry) && strstr (entry, "archive.org/details/") != NULL)
    {
      details = strstr (entry, "/details/") + strlen ("/details/");
      return g_strndup (details, strcspn (details, "/?#"));
    }
  return NULL;
}

/**
 * exs_library_url_entry_check:
 * @why: (out) (optional): what is wrong, for the API to say
 *
 * Returns: whether @entry is something a URL library can hold
 */
gboolean
exs_library_url_entry_check (const char *entry, char **why)
{
  g_autofree char *id = archive_identifier (entry);
  const char *url = g_str_has_prefix (entry, EXS_YTDLP_URI_PREFIX) ? entry + strlen (EXS_YTDLP_URI_PREFIX) : entry;
  g_autoptr (GUri) uri = NULL;

  if (id)
    {
      if (valid_identifier (id))
        return TRUE;
      if (why)
        *why = g_strdup_printf ("“%s” is not an Archive.org identifier (letters, digits, . _ -; at most %d)", id,
                                MAX_IDENTIFIER_CHARS);
      return FALSE;
    }
  uri = is_http (url) ? g_uri_parse (url, G_URI_FLAGS_NONE, NULL) : NULL;
  if (uri == NULL || g_uri_get_host (uri) == NULL || g_uri_get_host (uri)[0] == '\0')
    {
      if (why)
        *why = g_strdup_printf ("“%s” is not an http:// or https:// URL, archive:IDENTIFIER or ytdl:URL", entry);
      return FALSE;
    }
  return TRUE;
}

/* Adds the media URL @uri (a "ytdl:" one or http(s)) with optional metadata. */
static void
add_item (UrlWalk *w, const char *uri, const char *title, const char *plot, int year, gint64 size, gint64 mtime)
{
  const char *url = g_str_has_prefix (uri, EXS_YTDLP_URI_PREFIX) ? uri + strlen (EXS_YTDLP_URI_PREFIX) : uri;
  ExsScanFile *item;

  if (!g_hash_table_add (w->seen, g_strdup (uri)))
    return;
  if (w->out->files->len >= MAX_ITEMS)
    {
      if (w->out->files->len == MAX_ITEMS)
        _exs_scan_add_issue (w->out->issues, w->root, "more than %d URLs; the rest are left out", MAX_ITEMS);
      return;
    }
  item = g_new0 (ExsScanFile, 1);
  item->remote = TRUE;
  item->path = g_strdup (url);
  item->uri = g_strdup (uri);
  item->rel = url_basename (url);
  item->root = g_strdup (w->root);
  item->size = size;
  item->mtime = mtime;
  if (title || plot || year > 0)
    {
      item->nfo = exs_nfo_new ("movie");
      item->nfo->title = g_strdup (title);
      item->nfo->plot = g_strdup (plot);
      item->nfo->year = year;
    }
  g_ptr_array_add (w->out->files, item);
}

/* GETs @url (following at most MAX_REDIRECTS redirects to http(s) URLs),
 * at most @max_bytes of it. */
static GBytes *
fetch (UrlWalk *w, const char *url, gsize max_bytes, char **content_type, GError **error)
{
  g_autofree char *current = g_strdup (url);

  for (guint hop = 0;; hop++)
    {
      g_autoptr (SoupMessage) msg = soup_message_new ("GET", current);
      g_autoptr (GInputStream) in = NULL;
      g_autoptr (GByteArray) buf = NULL;
      guint status;
      guint8 chunk[16384];
      gssize n;

      if (msg == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "not a valid URL: %s", current);
          return NULL;
        }
      soup_message_add_flags (msg, SOUP_MESSAGE_NO_REDIRECT);
      in = soup_session_send (w->session, msg, w->cancellable, error);
      if (in == NULL)
        return NULL;
      status = soup_message_get_status (msg);
      if (SOUP_STATUS_IS_REDIRECTION (status))
        {
          const char *location
              = soup_message_headers_get_one (soup_message_get_response_headers (msg), "Location");
          g_autofree char *next = location ? g_uri_resolve_relative (current, location, G_URI_FLAGS_NONE, NULL) : NULL;

          g_input_stream_close (in, NULL, NULL);
          if (hop >= MAX_REDIRECTS)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_TOO_MANY_LINKS, "more than %d redirects", MAX_REDIRECTS);
              return NULL;
            }
          if (next == NULL || !is_http (next))
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "HTTP %u redirects nowhere usable", status);
              return NULL;
            }
          g_free (current);
          current = g_steal_pointer (&next);
          continue;
        }
      if (status != SOUP_STATUS_OK)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "HTTP %u %s", status,
                       soup_message_get_reason_phrase (msg) ? soup_message_get_reason_phrase (msg) : "");
          return NULL;
        }
      if (content_type)
        *content_type = g_strdup (soup_message_headers_get_content_type (soup_message_get_response_headers (msg), NULL));
      buf = g_byte_array_new ();
      while ((n = g_input_stream_read (in, chunk, sizeof chunk, w->cancellable, error)) > 0)
        {
          if (buf->len + (gsize) n > max_bytes)
            {
              g_set_error (error, G_IO_ERROR, G_IO_ERROR_MESSAGE_TOO_LARGE, "larger than %" G_GSIZE_FORMAT " bytes",
                           max_bytes);
              return NULL;
            }
          g_byte_array_append (buf, chunk, (guint) n);
        }
      if (n < 0)
        return NULL;
      return g_byte_array_free_to_bytes (g_steal_pointer (&buf));
    }
}

/* ---- M3U ------------------------------------------------------------------------ */

static void
read_m3u (UrlWalk *w, const char *url)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) body = fetch (w, url, MAX_LIST_BYTES, NULL, &error);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  g_autofree char *title = NULL;
  guint found = 0;

  if (body == NULL)
    {
      _exs_scan_add_issue (w->out->issues, url, "cannot read the M3U: %s", error->message);
      g_hash_table_insert (w->out->root_errors, g_strdup (w->root), g_strdup_printf ("M3U: %s", error->message));
      return;
    }
  text = g_utf8_make_valid (g_bytes_get_data (body, NULL), (gssize) g_bytes_get_size (body));
  if (strstr (text, "#EXT-X-TARGETDURATION") || strstr (text, "#EXT-X-STREAM-INF"))
    {
      add_item (w, url, NULL, NULL, 0, 0, 0); /* HLS: one programme, GStreamer plays the playlist */
      return;
    }
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] && !g_cancellable_is_cancelled (w->cancellable); i++)
    {
      char *line = g_strstrip (lines[i]);
      g_autofree char *resolved = NULL;

      if (g_str_has_prefix (line, "#EXTINF:"))
        {
          char *comma = strchr (line, ',');
          g_free (title);
          title = comma && comma[1] ? g_strdup (g_strstrip (comma + 1)) : NULL;
          continue;
        }
      if (line[0] == '\0' || line[0] == '#')
        continue;
      resolved = g_uri_resolve_relative (url, line, G_URI_FLAGS_NONE, NULL);
      if (resolved == NULL || !is_http (resolved))
        _exs_scan_add_issue (w->out->issues, url, "line %u is not an http(s) URL: %.200s", i + 1, line);
      else
        {
          add_item (w, resolved, title, NULL, 0, 0, 0);
          found++;
        }
      g_clear_pointer (&title, g_free);
    }
  if (found == 0)
    {
      _exs_scan_add_issue (w->out->issues, url, "the M3U lists no http(s) URLs");
      g_hash_table_insert (w->out->root_errors, g_strdup (w->root), g_strdup ("the M3U lists no http(s) URLs"));
    }
}

/* ---- Archive.org -------------------------------------------------------------- */

static JsonNode *
fetch_json (UrlWalk *w, const char *url, GError **error)
{
  g_autoptr (GBytes) body = fetch (w, url, MAX_LIST_BYTES, NULL, error);
  g_autoptr (JsonParser) parser = NULL;
  JsonNode *root;

  if (body == NULL)
    return NULL;
  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, g_bytes_get_data (body, NULL), (gssize) g_bytes_get_size (body), error))
    return NULL;
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "the answer is not a JSON object");
      return NULL;
    }
  return json_node_copy (root);
}

static const char *
member_string (JsonObject *o, const char *name)
{
  JsonNode *n = o ? json_object_get_member (o, name) : NULL;

  if (n && JSON_NODE_HOLDS_ARRAY (n) && json_array_get_length (json_node_get_array (n)) > 0)
    n = json_array_get_element (json_node_get_array (n), 0); /* Archive.org repeats some fields */
  if (n == NULL || !JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (n);
}

static gint64
member_number (JsonObject *o, const char *name)
{
  const char *s = member_string (o, name);

  return s ? g_ascii_strtoll (s, NULL, 10) : 0;
}

/* The year in "1950", "1950-03-01" or "03/01/1950", or 0. */
static int
year_of (const char *text)
{
  for (const char *c = text; c && *c; c++)
    if (g_ascii_isdigit (c[0]) && g_ascii_isdigit (c[1]) && g_ascii_isdigit (c[2]) && g_ascii_isdigit (c[3])
        && !g_ascii_isdigit (c[4]))
      {
        int y = (int) g_ascii_strtoll (c, NULL, 10);
        if (y >= 1800 && y <= 3000)
          return y;
      }
  return 0;
}

/* The video files of an item: one per programme (a derivative stands for
 * its original; an MP4 is preferred among them), in listing order. */
static GPtrArray *
pick_videos (JsonArray *files)
{
  g_autoptr (GHashTable) chosen = g_hash_table_new (g_str_hash, g_str_equal); /* programme → JsonObject */
  GPtrArray *order = g_ptr_array_new ();

  for (guint i = 0; files && i < json_array_get_length (files); i++)
    {
      JsonNode *n = json_array_get_element (files, i);
      JsonObject *f = JSON_NODE_HOLDS_OBJECT (n) ? json_node_get_object (n) : NULL;
      const char *name = member_string (f, "name");
      const char *original = member_string (f, "original");
      const char *key;
      JsonObject *have;

      if (name == NULL || strchr (name, '/') != NULL || !exs_library_scan_is_media_name (name))
        continue;
      key = original && exs_library_scan_is_media_name (original) ? original : name;
      have = g_hash_table_lookup (chosen, key);
      if (have == NULL)
        {
          g_hash_table_insert (chosen, (gpointer) key, f);
          g_ptr_array_add (order, (gpointer) key);
        }
      else if (g_str_has_suffix (name, ".mp4") && !g_str_has_suffix (member_string (have, "name"), ".mp4"))
        g_hash_table_insert (chosen, (gpointer) key, f);
    }
  for (guint i = 0; i < order->len; i++)
    order->pdata[i] = g_hash_table_lookup (chosen, order->pdata[i]);
  return order;
}

static void read_archive (UrlWalk *w, const char *id, guint depth);

static void
read_collection (UrlWalk *w, const char *id, guint depth)
{
  g_autofree char *base = g_strdup (w->options->archive_org_url);
  g_autofree char *q = g_uri_escape_string (id, NULL, TRUE);
  g_autofree char *url = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) root = NULL;
  JsonObject *response;
  JsonNode *docs;

  if (g_str_has_suffix (base, "/"))
    base[strlen (base) - 1] = '\0';
  url = g_strdup_printf ("%s/advancedsearch.php?q=collection%%3A%s&fl%%5B%%5D=identifier&rows=%d&page=1&output=json",
                         base, q, MAX_COLLECTION_ITEMS);
  root = fetch_json (w, url, &error);
  response = root ? json_object_get_object_member (json_node_get_object (root), "response") : NULL;
  docs = response ? json_object_get_member (response, "docs") : NULL;
  if (docs == NULL || !JSON_NODE_HOLDS_ARRAY (docs))
    {
      _exs_scan_add_issue (w->out->issues, w->root, "cannot list the Archive.org collection %s: %s", id,
                           error ? error->message : "no response.docs in the answer");
      g_hash_table_insert (w->out->root_errors, g_strdup (w->root), g_strdup ("cannot list the collection"));
      return;
    }
  for (guint i = 0; i < json_array_get_length (json_node_get_array (docs)); i++)
    {
      JsonNode *d = json_array_get_element (json_node_get_array (docs), i);
      const char *member = JSON_NODE_HOLDS_OBJECT (d) ? member_string (json_node_get_object (d), "identifier") : NULL;

      if (g_cancellable_is_cancelled (w->cancellable) || w->out->files->len >= MAX_ITEMS)
        break;
      if (member && valid_identifier (member))
        read_archive (w, member, depth + 1);
    }
}

static void
read_archive (UrlWalk *w, const char *id, guint depth)
{
  g_autofree char *base = g_strdup (w->options->archive_org_url);
  g_autofree char *url = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GPtrArray) videos = NULL;
  JsonObject *metadata;
  JsonNode *files;
  const char *title, *mediatype, *description;
  int year;

  if (g_str_has_suffix (base, "/"))
    base[strlen (base) - 1] = '\0';
  url = g_strdup_printf ("%s/metadata/%s", base, id);
  root = fetch_json (w, url, &error);
  metadata = root && json_object_has_member (json_node_get_object (root), "metadata")
                     && JSON_NODE_HOLDS_OBJECT (json_object_get_member (json_node_get_object (root), "metadata"))
                 ? json_object_get_object_member (json_node_get_object (root), "metadata")
                 : NULL;
  if (metadata == NULL)
    {
      /* an unknown identifier answers {} */
      _exs_scan_add_issue (w->out->issues, url, "no Archive.org item %s: %s", id,
                           error ? error->message : "the answer has no metadata");
      if (depth == 0)
        g_hash_table_insert (w->out->root_errors, g_strdup (w->root), g_strdup ("no such Archive.org item"));
      return;
    }
  mediatype = member_string (metadata, "mediatype");
  if (mediatype && g_str_equal (mediatype, "collection"))
    {
      if (depth == 0)
        read_collection (w, id, depth);
      else
        _exs_scan_add_issue (w->out->issues, url, "collection %s inside a collection is not followed", id);
      return;
    }
  title = member_string (metadata, "title");
  description = member_string (metadata, "description");
  year = year_of (member_string (metadata, "year"));
  if (year == 0)
    year = year_of (member_string (metadata, "date"));
  files = json_object_get_member (json_node_get_object (root), "files");
  videos = pick_videos (files && JSON_NODE_HOLDS_ARRAY (files) ? json_node_get_array (files) : NULL);
  if (videos->len == 0)
    {
      _exs_scan_add_issue (w->out->issues, url, "Archive.org item %s has no video files", id);
      return;
    }
  for (guint i = 0; i < videos->len; i++)
    {
      JsonObject *f = videos->pdata[i];
      const char *name = member_string (f, "name");
      g_autofree char *escaped = g_uri_escape_string (name, NULL, FALSE);
      g_autofree char *media = g_strdup_printf ("%s/download/%s/%s", base, id, escaped);
      g_autofree char *stem = _exs_scan_stem_of (name);
      const char *own = member_string (f, "title");
      g_autofree char *item_title = NULL;

      if (videos->len == 1)
        item_title = g_strdup (title ? title : own ? own : stem);
      else
        item_title = g_strdup_printf ("%s — %s", title ? title : id, own ? own : stem);
      add_item (w, media, item_title, description, year, member_number (f, "size"),
                member_number (f, "mtime") * G_USEC_PER_SEC);
    }
}

/* ---- the probe ------------------------------------------------------------------ */

/**
 * exs_library_scan_probe_url:
 * @discoverer: (nullable): the worker's GstDiscoverer (its timeout bounds a
 *   slow server)
 * @item: a remote item to probe
 *
 * The probe step for a URL library's item, in a scan worker thread: a
 * "ytdl:" page is first resolved with yt-dlp (its title, description and
 * year fill in what the item lacks; it may take a minute: a scan is in no
 * hurry, and Python starts slowly on a busy machine); then GstDiscoverer
 * reads the media over HTTP. Failures (404, not media, a timeout, no yt-dlp) become probe_error.
 */
void
exs_library_scan_probe_url (GstDiscoverer *disc, ExsScanFile *item)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (ExsYtdlpInfo) info = NULL;
  const char *uri = item->uri;

  if (disc == NULL)
    {
      item->probe_error = g_strdup ("no GstDiscoverer available");
      return;
    }
  if (g_str_has_prefix (uri, EXS_YTDLP_URI_PREFIX))
    {
      guint64 timeout_ns = 0;

      g_object_get (disc, "timeout", &timeout_ns, NULL);
      info = exs_ytdlp_resolve_sync (uri + strlen (EXS_YTDLP_URI_PREFIX),
                                     MAX ((guint) (timeout_ns / GST_SECOND), 60), NULL, &error);
      if (info == NULL)
        {
          item->probe_error = g_strdup (error->message);
          return;
        }
      if (item->nfo == NULL && (info->title || info->description || info->year))
        {
          item->nfo = exs_nfo_new ("movie");
          item->nfo->title = g_strdup (info->title);
          item->nfo->plot = g_strdup (info->description);
          item->nfo->year = info->year;
        }
      uri = info->url;
    }
  item->facts = exs_media_probe (disc, uri, &error);
  if (item->facts == NULL)
    item->probe_error = g_strdup (error->message);
  else if (item->facts->duration_ms <= 0 && info)
    item->facts->duration_ms = info->duration_ms;
}

/* ---- the step ------------------------------------------------------------------- */

/**
 * exs_library_scan_urls:
 * @library: a library whose source is "url"
 * @options: the Archive.org base URL and the timeout
 * @cancellable: (nullable): checked between entries and requests
 *
 * Blocking (HTTP requests); runs in the scan thread. Touches no database.
 *
 * Returns: (transfer full): the URLs found, shaped as a walk (no folders)
 */
ExsScanWalk *
exs_library_scan_urls (const ExsLibraryRecord *library, const ExsUrlScanOptions *options, GCancellable *cancellable)
{
  ExsScanWalk *out = g_new0 (ExsScanWalk, 1);
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (SoupSession) session = soup_session_new_with_options ("timeout", MAX (options->timeout_s, 1),
                                                                   "idle-timeout", 30, "user-agent",
                                                                   "EXStreamTV/" PACKAGE_VERSION, NULL);
  static const char *const lists[] = { ".m3u", ".m3u8", ".M3U", ".M3U8", NULL };

  out->files = g_ptr_array_new_with_free_func ((GDestroyNotify) _exs_scan_file_free);
  out->issues = g_ptr_array_new_with_free_func ((GDestroyNotify) exs_library_issue_free);
  out->dirs = g_ptr_array_new_with_free_func (g_free);
  out->root_errors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < library->paths->len && !g_cancellable_is_cancelled (cancellable); i++)
    {
      const char *entry = ((ExsLibraryPath *) library->paths->pdata[i])->path;
      UrlWalk w = { out, options, cancellable, session, entry, seen };
      g_autofree char *id = archive_identifier (entry);
      g_autofree char *why = NULL;

      if (!exs_library_url_entry_check (entry, &why))
        {
          _exs_scan_add_issue (out->issues, entry, "%s", why);
          g_hash_table_insert (out->root_errors, g_strdup (entry), g_steal_pointer (&why));
        }
      else if (id)
        read_archive (&w, id, 0);
      else if (g_str_has_prefix (entry, EXS_YTDLP_URI_PREFIX))
        add_item (&w, entry, NULL, NULL, 0, 0, 0);
      else if (path_has_suffix (entry, lists))
        read_m3u (&w, entry);
      else
        add_item (&w, entry, NULL, NULL, 0, 0, 0);
    }
  out->complete = !g_cancellable_is_cancelled (cancellable);
  return out;
}
