/* URL libraries (source "url") scanned by the real scanner against a local
 * libsoup server: media URLs, an M3U (relative and absolute entries, #EXTINF
 * titles), a 404, a file that is not media, a server that never answers, a
 * redirect loop, Archive.org items and a collection in their recorded JSON
 * shapes, a yt-dlp page (the real yt-dlp, its generic extractor, on
 * loopback) and yt-dlp missing from PATH. Every bad URL is an item in the
 * error state and a scan issue; the scan goes on and the good ones play. */
#include "config.h"

#include "exs-demo.h"
#include "exs-fs.h"
#include "exs-library-scanner.h"
#include "exs-library-store.h"
#include "exs-test-server.h"
#include "exs-ytdlp.h"

#include <gst/gst.h>
#include <libsoup/soup.h>
#include <string.h>

static char *tmp;
static ExsDatabase *db;
static ExsLibraryScanner *scanner;
static SoupServer *http;
static char *base;       /* http://127.0.0.1:PORT */
static GBytes *clip;
static guint slow_requests;

static const ExsDemoClip mp4_clip = { "c.mp4", "T", "mp4", 320, 240, 25, 48000, 2, 1, "smpte", "sine", 440 };

/* Archive.org's /metadata/{id} answer for a film with an original and its
 * MP4 derivative (one programme), a thumbnail and the item's metadata. */
static const char archive_item[] =
  "{\"created\": 1700000000, \"d1\": \"ia800000.us.archive.org\", \"dir\": \"/1/items/filmitem\","
  " \"files\": ["
  "  {\"name\": \"Night_Film.mpeg\", \"source\": \"original\", \"format\": \"MPEG2\", \"size\": \"1000\"},"
  "  {\"name\": \"Night_Film.mp4\", \"source\": \"derivative\", \"format\": \"h.264\", \"original\": \"Night_Film.mpeg\","
  "   \"size\": \"%" G_GSIZE_FORMAT "\", \"mtime\": \"1700000001\", \"length\": \"2.00\"},"
  "  {\"name\": \"Night_Film.thumbs/Night_Film_000001.jpg\", \"source\": \"derivative\", \"format\": \"Thumbnail\"},"
  "  {\"name\": \"filmitem_meta.xml\", \"source\": \"metadata\", \"format\": \"Metadata\"}],"
  " \"files_count\": 4, \"item_size\": 2000,"
  " \"metadata\": {\"identifier\": \"filmitem\", \"mediatype\": \"movies\", \"collection\": [\"feature_films\", \"mycoll\"],"
  "  \"title\": \"Night of the Test\", \"description\": \"A film about tests.\", \"date\": \"1959-06-01\","
  "  \"year\": \"1959\", \"subject\": [\"horror\", \"test\"]},"
  " \"server\": \"ia800000.us.archive.org\", \"uniq\": 1, \"workable_servers\": [\"ia800000.us.archive.org\"]}";

static const char archive_second[] =
  "{\"files\": [{\"name\": \"short.mp4\", \"source\": \"original\", \"format\": \"MPEG4\", \"title\": \"A Short\"}],"
  " \"metadata\": {\"identifier\": \"shortitem\", \"mediatype\": \"movies\", \"title\": \"Shorts\","
  "  \"description\": [\"First paragraph.\", \"Second.\"], \"date\": \"03/01/1962\"}}";

static const char archive_collection[] =
  "{\"files\": [], \"metadata\": {\"identifier\": \"mycoll\", \"mediatype\": \"collection\", \"title\": \"My Collection\"}}";

static const char archive_search[] =
  "{\"responseHeader\": {\"status\": 0, \"QTime\": 5, \"params\": {\"query\": \"collection:mycoll\", \"fields\": \"identifier\","
  " \"wt\": \"json\", \"rows\": \"500\", \"start\": 0}},"
  " \"response\": {\"numFound\": 2, \"start\": 0, \"docs\": [{\"identifier\": \"filmitem\"}, {\"identifier\": \"shortitem\"}]}}";

static void
send_text (SoupServerMessage *msg, const char *type, const char *text)
{
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, type, SOUP_MEMORY_COPY, text, strlen (text));
}

static void
on_request_cb (SoupServer *server, SoupServerMessage *msg, const char *path, GHashTable *query, gpointer data)
{
  const char *q = query ? g_hash_table_lookup (query, "q") : NULL;

  if (g_str_has_prefix (path, "/media/") || g_str_has_prefix (path, "/download/"))
    {
      gsize len;
      const char *bytes = g_bytes_get_data (clip, &len);
      soup_server_message_set_status (msg, 200, NULL);
      soup_server_message_set_response (msg, "video/mp4", SOUP_MEMORY_COPY, bytes, len);
    }
  else if (g_str_equal (path, "/notmedia.mp4"))
    send_text (msg, "text/plain", "this is not a film, only text that claims to be one");
  else if (g_str_equal (path, "/slow.mp4"))
    {
      slow_requests++;
      soup_server_message_pause (msg); /* never answers: the probe times out */
    }
  else if (g_str_equal (path, "/list.m3u"))
    {
      g_autofree char *text = g_strdup_printf ("#EXTM3U\n#EXTINF:-1,Listed Film\nmedia/listed.mp4\n"
                                               "#EXTINF:-1 tvg-id=\"x\",Gone Film\n%s/gone.mp4\nftp://nope/x.mp4\n",
                                               base);
      send_text (msg, "audio/x-mpegurl", text);
    }
  else if (g_str_equal (path, "/loop.m3u"))
    {
      soup_server_message_set_redirect (msg, 302, "/loop.m3u");
    }
  else if (g_str_equal (path, "/page.html"))
    send_text (msg, "text/html",
               "<html><head><title>Page Film</title></head><body><video src=\"media/page.mp4\"></video></body></html>");
  else if (g_str_equal (path, "/metadata/filmitem"))
    {
      g_autofree char *text = g_strdup_printf (archive_item, g_bytes_get_size (clip));
      send_text (msg, "application/json", text);
    }
  else if (g_str_equal (path, "/metadata/shortitem"))
    send_text (msg, "application/json", archive_second);
  else if (g_str_equal (path, "/metadata/mycoll"))
    send_text (msg, "application/json", archive_collection);
  else if (g_str_has_prefix (path, "/metadata/"))
    send_text (msg, "application/json", "{}"); /* what Archive.org says of an unknown identifier */
  else if (g_str_equal (path, "/advancedsearch.php") && q && g_str_equal (q, "collection:mycoll"))
    send_text (msg, "application/json", archive_search);
  else
    soup_server_message_set_status (msg, 404, NULL);
}

/* @entry with "{base}" replaced by the local server's URL. */
static char *
expand_base (const char *entry)
{
  g_auto (GStrv) parts = g_strsplit (entry, "{base}", -1);
  return g_strjoinv (base, parts);
}

static gint64
add_url_library (const char *name, const char *kind, const char *const *entries)
{
  g_autoptr (ExsLibraryRecord) r = exs_library_record_new ();
  g_autoptr (GError) error = NULL;

  r->name = g_strdup (name);
  r->kind = g_strdup (kind);
  g_free (r->source);
  r->source = g_strdup ("url");
  for (guint i = 0; entries[i]; i++)
    {
      g_autofree char *e = expand_base (entries[i]);
      exs_library_record_add_path (r, e);
    }
  g_assert_true (exs_library_store_insert (db, r, &error));
  g_assert_no_error (error);
  return r->id;
}

typedef struct
{
  gint64 library_id;
  gboolean done;
} Waiter;

static void
on_scan_finished_cb (ExsLibraryScanner *s, gint64 library_id, const char *error, gpointer user_data)
{
  Waiter *w = user_data;

  g_assert_null (error);
  if (library_id == w->library_id)
    w->done = TRUE;
}

static void
scan_and_wait (gint64 library_id)
{
  Waiter w = { library_id, FALSE };
  gint64 deadline = g_get_monotonic_time () + 180 * G_USEC_PER_SEC;
  gulong id = g_signal_connect (scanner, "scan-finished", G_CALLBACK (on_scan_finished_cb), &w);

  exs_library_scanner_scan (scanner, library_id, FALSE);
  /* the local server answers on this thread's main context */
  while (!w.done && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_signal_handler_disconnect (scanner, id);
  g_assert_true (w.done);
}

static char *
q_text (const char *sql, const char *arg)
{
  g_autoptr (sqlite3_stmt) stmt = exs_database_prepare (db, sql, NULL);

  g_assert_nonnull (stmt);
  if (arg)
    sqlite3_bind_text (stmt, 1, arg, -1, SQLITE_TRANSIENT);
  if (sqlite3_step (stmt) != SQLITE_ROW || sqlite3_column_type (stmt, 0) == SQLITE_NULL)
    return NULL;
  return g_strdup ((const char *) sqlite3_column_text (stmt, 0));
}

/* "state|title|year|has duration|plot" of the item at @uri (base-relative). */
static char *
item_summary (const char *rel)
{
  g_autofree char *uri = g_str_has_prefix (rel, "ytdl:") ? g_strdup_printf ("ytdl:%s%s", base, rel + 5)
                                                         : g_strdup_printf ("%s%s", base, rel);
  return q_text ("SELECT scan_state || '|' || title || '|' || COALESCE (year, 0) || '|' || (duration_ms > 0)"
                 " || '|' || COALESCE (plot, '') FROM media_items WHERE uri = ?",
                 uri);
}

static char *
issues_text (gint64 library_id)
{
  g_autofree char *sql = g_strdup_printf ("SELECT group_concat (path || ': ' || reason, '\n') FROM library_scan_issues"
                                          " WHERE library_id = %" G_GINT64_FORMAT,
                                          library_id);
  char *text = q_text (sql, NULL);
  return text ? text : g_strdup ("");
}

static void
test_urls_and_m3u (void)
{
  const char *const entries[] = { "{base}/media/Plain.Film.1999.mp4", "{base}/missing.mp4", "{base}/notmedia.mp4",
                                  "{base}/slow.mp4", "{base}/list.m3u", "{base}/loop.m3u", NULL };
  gint64 id = add_url_library ("Web films", "movies", entries);
  g_autofree char *plain = NULL, *listed = NULL, *gone = NULL, *missing = NULL, *notmedia = NULL, *slow = NULL;
  g_autofree char *issues = NULL, *loop_error = NULL;

  scan_and_wait (id);
  plain = item_summary ("/media/Plain.Film.1999.mp4");
  listed = item_summary ("/media/listed.mp4");
  gone = item_summary ("/gone.mp4");
  missing = item_summary ("/missing.mp4");
  notmedia = item_summary ("/notmedia.mp4");
  slow = item_summary ("/slow.mp4");
  issues = issues_text (id);
  g_test_message ("issues:\n%s", issues);

  g_assert_cmpstr (plain, ==, "ok|Plain Film|1999|1|");
  g_assert_cmpstr (listed, ==, "ok|Listed Film|0|1|");
  g_assert_true (g_str_has_prefix (gone, "error|Gone Film|"));
  g_assert_true (g_str_has_prefix (missing, "error|"));
  g_assert_true (g_str_has_prefix (notmedia, "error|"));
  g_assert_true (g_str_has_prefix (slow, "error|"));
  g_assert_cmpuint (slow_requests, >=, 1);
  /* each bad URL is a scan issue saying why */
  g_assert_nonnull (strstr (issues, "/missing.mp4: cannot be played: "));
  g_assert_nonnull (strstr (issues, "/notmedia.mp4: cannot be played: "));
  g_assert_nonnull (strstr (issues, "/slow.mp4: cannot be played: timed out"));
  g_assert_nonnull (strstr (issues, "line 6 is not an http(s) URL: ftp://nope/x.mp4"));
  g_assert_nonnull (strstr (issues, "/loop.m3u: cannot read the M3U: more than 5 redirects"));
  loop_error = q_text ("SELECT error FROM library_paths WHERE path LIKE '%/loop.m3u'", NULL);
  g_assert_cmpstr (loop_error, ==, "M3U: more than 5 redirects");
  /* what schedules may use: the two good ones */
  {
    g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM playable_media_items WHERE library_id = %" G_GINT64_FORMAT,
                                            id);
    g_autofree char *n = q_text (sql, NULL);
    g_assert_cmpstr (n, ==, "2");
  }
}

static void
test_archive_org (void)
{
  const char *const entries[] = { "archive:filmitem", "archive:mycoll", "archive:bad id!", NULL };
  gint64 id;
  g_autofree char *film = NULL, *shorts = NULL, *issues = NULL, *count = NULL, *sql = NULL;

  id = add_url_library ("Archive", "movies", entries);
  scan_and_wait (id);
  film = item_summary ("/download/filmitem/Night_Film.mp4");
  shorts = item_summary ("/download/shortitem/short.mp4");
  issues = issues_text (id);
  g_test_message ("issues:\n%s", issues);
  g_assert_cmpstr (film, ==, "ok|Night of the Test|1959|1|A film about tests.");
  g_assert_cmpstr (shorts, ==, "ok|Shorts|1962|1|First paragraph.");
  /* the original MPEG-2 and the thumbnail are not programmes of their own */
  sql = g_strdup_printf ("SELECT count(*) FROM media_items WHERE library_id = %" G_GINT64_FORMAT, id);
  count = q_text (sql, NULL);
  g_assert_cmpstr (count, ==, "2");
  g_assert_nonnull (strstr (issues, "archive:bad id!: “bad id!” is not an Archive.org identifier"));
}

static void
test_archive_details_url (void)
{
  const char *const entries[] = { "https://archive.org/details/nosuchitem", NULL };
  gint64 id = add_url_library ("Archive details", "movies", entries);
  g_autofree char *issues = NULL;

  scan_and_wait (id);
  issues = issues_text (id);
  /* asked of the configured base (the local server), not archive.org */
  g_assert_nonnull (strstr (issues, "/metadata/nosuchitem: no Archive.org item nosuchitem"));
  g_assert_nonnull (strstr (issues, base));
}

static void
test_ytdlp_page (void)
{
  const char *const entries[] = { "ytdl:{base}/page.html", "ytdl:{base}/missing.html", NULL };
  gint64 id;
  g_autofree char *page = NULL, *missing = NULL, *issues = NULL;

  if (g_find_program_in_path ("yt-dlp") == NULL)
    g_error ("yt-dlp is not installed: apt install yt-dlp (scripts/debian-packages.txt lists it)");
  id = add_url_library ("Pages", "movies", entries);
  scan_and_wait (id);
  page = item_summary ("ytdl:/page.html");
  g_test_message ("page: %s", page);
  missing = item_summary ("ytdl:/missing.html");
  issues = issues_text (id);
  g_test_message ("issues:\n%s", issues);
  /* yt-dlp's generic extractor found the <video>; GStreamer probed it */
  g_assert_true (g_str_has_prefix (page, "ok|Page Film"));
  g_assert_true (g_str_has_suffix (page, "|1|"));
  g_assert_true (g_str_has_prefix (missing, "error|"));
  g_assert_nonnull (strstr (issues, "missing.html: cannot be played: yt-dlp cannot play this page: "));
}

static void
test_ytdlp_not_installed (void)
{
  const char *const entries[] = { "ytdl:{base}/page.html", NULL };
  g_autofree char *saved = g_strdup (g_getenv ("PATH"));
  g_autofree char *empty = g_build_filename (tmp, "empty-bin", NULL);
  g_autofree char *page = NULL, *issues = NULL;
  gint64 id;

  g_assert_cmpint (g_mkdir_with_parents (empty, 0755), ==, 0);
  id = add_url_library ("Pages without yt-dlp", "movies", entries);
  g_setenv ("PATH", empty, TRUE);
  scan_and_wait (id);
  g_setenv ("PATH", saved, TRUE);
  /* the same page, but in another library: its URI is already taken, so compare by library */
  {
    g_autofree char *sql = g_strdup_printf ("SELECT count(*) FROM media_items WHERE library_id = %" G_GINT64_FORMAT, id);
    g_autofree char *n = q_text (sql, NULL);
    g_assert_cmpstr (n, ==, "0");
  }
  issues = issues_text (id);
  g_test_message ("issues:\n%s", issues);
  g_assert_nonnull (strstr (issues, "page.html: cannot be played: yt-dlp is not installed (Debian package yt-dlp)"));
  (void) page;
}

int
main (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *db_path = NULL;
  g_autofree char *clip_path = NULL;
  g_autofree char *data = NULL;
  GSList *uris;
  gsize len;
  int status;

  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  /* loopback only, whatever the environment says */
  for (const char *const *v = (const char *const[]) { "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY",
                                                      "all_proxy", "ALL_PROXY", NULL };
       *v; v++)
    g_unsetenv (*v);

  tmp = exs_test_make_temp_dir ();
  clip_path = g_build_filename (tmp, "clip.mp4", NULL);
  g_assert_true (exs_demo_make_clip (&mp4_clip, clip_path, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (clip_path, &data, &len, NULL));
  clip = g_bytes_new_take (g_steal_pointer (&data), len);

  http = soup_server_new (NULL, NULL);
  soup_server_add_handler (http, NULL, on_request_cb, NULL, NULL);
  g_assert_true (soup_server_listen_local (http, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  g_assert_no_error (error);
  uris = soup_server_get_uris (http);
  base = g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uris->data));
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  db_path = g_build_filename (tmp, "library.db", NULL);
  db = exs_database_open (db_path, &error);
  g_assert_no_error (error);
  scanner = exs_library_scanner_new (db, 2, 3);
  exs_library_scanner_set_watching (scanner, FALSE, 1000);
  exs_library_scanner_set_archive_org_url (scanner, base);

  g_test_add_func ("/library/url/media-m3u-and-bad-urls", test_urls_and_m3u);
  g_test_add_func ("/library/url/archive-org-item-and-collection", test_archive_org);
  g_test_add_func ("/library/url/archive-org-details-url-uses-configured-base", test_archive_details_url);
  g_test_add_func ("/library/url/ytdlp-page-on-loopback", test_ytdlp_page);
  g_test_add_func ("/library/url/ytdlp-not-installed", test_ytdlp_not_installed);
  status = g_test_run ();

  exs_library_scanner_stop (scanner);
  g_clear_object (&scanner);
  g_clear_object (&db);
  g_clear_object (&http);
  g_bytes_unref (clip);
  exs_test_remove_tree (tmp);
  g_free (tmp);
  g_free (base);
  return status;
}
