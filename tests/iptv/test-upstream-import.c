/* test-upstream-import.c: upstream live channels from an M3U, and their
 * XMLTV merged into our guide.
 *
 * Through the real server: POST /api/channels/import-m3u (and the CLI's
 * `channel import-m3u`) with a playlist holding good and bad lines and a
 * guide file; the channels appear, the bad lines are reported by number,
 * /iptv/xmltv.xml passes tv_validate_file and holds the upstream's
 * programmes for those channels (and only theirs). The XMLTV reader is also
 * fed hostile documents directly.
 */
#include "config.h"

#include "exs-http-error.h"
#include "exs-iptv-check.h"
#include "exs-test-server.h"
#include "exs-upstream-guide.h"
#include "exs-upstream-m3u.h"

#include <string.h>

static const char playlist[] =
    "#EXTM3U\n"
    "#EXTINF:-1 tvg-id=\"news.example\" tvg-chno=\"120\" tvg-logo=\"http://logos.example/news.png\" "
    "group-title=\"News\",News 24\n"
    "http://127.0.0.1:9/news/index.m3u8\n"
    "#EXTINF:-1 tvg-id=\"sport.example\" group-title=\"Sport\",Sport, \"Live\"\n"
    "#EXTVLCOPT:http-user-agent=Test\n"
    "http://127.0.0.1:9/sport.ts\n"
    "#EXTINF:-1,Broken\n"
    "file:///etc/passwd\n"
    "http://127.0.0.1:9/orphan.ts\n"
    "#EXTINF:-1,Last without URL\n";

/* An XMLTV guide for news.example (two programmes from this hour) and
 * another channel nobody imported. */
static char *
make_guide (void)
{
  gint64 hour = g_get_real_time () / G_USEC_PER_SEC / 3600 * 3600;
  g_autoptr (GDateTime) t0 = g_date_time_new_from_unix_utc (hour);
  g_autoptr (GDateTime) t1 = g_date_time_add_hours (t0, 1);
  g_autoptr (GDateTime) t2 = g_date_time_add_hours (t0, 2);
  g_autofree char *s0 = g_date_time_format (t0, "%Y%m%d%H%M%S +0000");
  g_autofree char *s1 = g_date_time_format (t1, "%Y%m%d%H%M%S +0000");
  g_autofree char *s2 = g_date_time_format (t2, "%Y%m%d%H%M%S +0000");

  return g_strdup_printf (
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<tv>\n"
      "<channel id=\"news.example\"><display-name>News 24</display-name></channel>\n"
      "<programme start=\"%s\" stop=\"%s\" channel=\"news.example\"><title lang=\"en\">Morning News</title>"
      "<desc>Headlines &amp; weather</desc><category>News</category>"
      "<episode-num system=\"xmltv_ns\">1.4.</episode-num></programme>\n"
      "<programme start=\"%s\" stop=\"%s\" channel=\"news.example\"><title>Business Hour</title></programme>\n"
      "<programme start=\"%s\" stop=\"%s\" channel=\"other.example\"><title>Not Imported</title></programme>\n"
      "<programme start=\"garbage\" stop=\"%s\" channel=\"news.example\"><title>Bad Time</title></programme>\n"
      "</tv>\n",
      s0, s1, s1, s2, s0, s1, s1);
}

typedef struct
{
  ExsTestServer *server;
  const char *needle;
} GuideWait;

static gboolean
guide_has (gpointer user_data)
{
  GuideWait *w = user_data;
  g_autoptr (ExsTestReply) r = exs_test_server_request (w->server, "GET", "/iptv/xmltv.xml", NULL, FALSE);

  return r->status == 200 && strstr (r->body, w->needle) != NULL;
}

static void
test_import_and_guide (void)
{
  g_autoptr (ExsTestServer) server = exs_test_server_start (NULL, NULL, NULL);
  g_autofree char *guide = make_guide ();
  g_autofree char *guide_path = g_build_filename (server->data_dir, "upstream-guide.xml", NULL);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autofree char *body = NULL;
  g_autoptr (ExsTestReply) r = NULL;
  g_autoptr (ExsTestReply) xml = NULL;
  g_autofree char *xml_path = NULL;
  JsonObject *o;
  JsonArray *created, *skipped;
  GuideWait wait = { server, "Morning News" };

  g_assert_true (g_file_set_contents (guide_path, guide, -1, NULL));
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "m3u");
  json_builder_add_string_value (b, playlist);
  json_builder_set_member_name (b, "guide");
  json_builder_add_string_value (b, guide_path);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  body = json_to_string (root, FALSE);

  r = exs_test_server_request (server, "POST", "/api/channels/import-m3u", body, TRUE);
  g_assert_cmpuint (r->status, ==, 201);
  o = exs_test_reply_object (r);
  created = json_object_get_array_member (o, "created");
  skipped = json_object_get_array_member (o, "skipped");
  g_assert_cmpuint (json_array_get_length (created), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (created, 0), "number"), ==, "120");
  /* no tvg-chno: after the highest number in use or in the playlist */
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (created, 1), "number"), ==, "121");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (created, 1), "name"), ==,
                   "Sport, \"Live\"");
  g_assert_cmpuint (json_array_get_length (skipped), ==, 3);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (skipped, 0), "line"), ==, 8);
  g_assert_nonnull (strstr (json_object_get_string_member (json_array_get_object_element (skipped, 0), "reason"),
                            "http:// or https://"));
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (skipped, 1), "line"), ==, 9);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (skipped, 2), "line"), ==, 10);

  {
    g_autoptr (ExsTestReply) ch = exs_test_server_request (server, "GET", "/api/channels/120", NULL, TRUE);
    JsonObject *c = exs_test_reply_object (ch);

    g_assert_cmpuint (ch->status, ==, 200);
    g_assert_cmpstr (json_object_get_string_member (c, "upstream_url"), ==, "http://127.0.0.1:9/news/index.m3u8");
    g_assert_cmpstr (json_object_get_string_member (c, "upstream_tvg_id"), ==, "news.example");
    g_assert_cmpstr (json_object_get_string_member (c, "group"), ==, "News");
    g_assert_cmpstr (json_object_get_string_member (c, "logo"), ==, "http://logos.example/news.png");
  }

  /* a second import of the same playlist: channel 120 is taken, and reported */
  {
    g_autoptr (ExsTestReply) again = exs_test_server_request (server, "POST", "/api/channels/import-m3u", body, TRUE);
    g_assert_cmpuint (again->status, ==, 201);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (exs_test_reply_object (again), "created")),
                      ==, 1); /* Sport has no number of its own: it gets the next free one */
  }

  /* the guide: the upstream's programmes for channel 120, valid XMLTV */
  g_assert_true (exs_test_wait_for (guide_has, &wait, 30));
  xml = exs_test_server_request (server, "GET", "/iptv/xmltv.xml", NULL, FALSE);
  xml_path = exs_check_write_temp ("merged.xml", xml->body, strlen (xml->body));
  exs_check_xmltv_validates (xml_path);
  exs_check_remove_temp (xml_path);
  g_assert_nonnull (strstr (xml->body, "channel=\"120.exstreamtv\">\n    <title>Morning News</title>"));
  g_assert_nonnull (strstr (xml->body, "<desc>Headlines &amp; weather</desc>"));
  g_assert_nonnull (strstr (xml->body, "<episode-num system=\"onscreen\">S02E05</episode-num>"));
  g_assert_nonnull (strstr (xml->body, "<title>Business Hour</title>"));
  g_assert_null (strstr (xml->body, "Not Imported"));
  g_assert_null (strstr (xml->body, "Bad Time"));

  /* /api/guide (the web guide's data) says what the XMLTV says for channel 120 */
  {
    g_autoptr (ExsTestReply) api = exs_test_server_request (server, "GET", "/api/guide?channel=120&hours=3", NULL, TRUE);
    JsonArray *channels, *programmes;
    JsonObject *first;

    g_assert_cmpuint (api->status, ==, 200);
    channels = json_object_get_array_member (exs_test_reply_object (api), "channels");
    g_assert_cmpuint (json_array_get_length (channels), ==, 1);
    programmes = json_object_get_array_member (json_array_get_object_element (channels, 0), "programmes");
    g_assert_cmpuint (json_array_get_length (programmes), >=, 2);
    first = json_array_get_object_element (programmes, 0);
    g_assert_cmpstr (json_object_get_string_member (first, "title"), ==, "Morning News");
    g_assert_cmpstr (json_object_get_string_member (first, "description"), ==, "Headlines & weather");
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (programmes, 1), "title"), ==,
                     "Business Hour");
    g_assert_null (strstr (api->body, "Not Imported"));
  }
}

/* Bad imports are 422s naming the field; nothing is created. */
static void
test_import_refusals (void)
{
  g_autoptr (ExsTestServer) server = exs_test_server_start (NULL, NULL, NULL);
  const struct
  {
    const char *body;
    const char *field;
  } cases[] = {
    { "{}", "m3u" },
    { "{\"m3u\": 5}", "m3u" },
    { "{\"m3u\": \"#EXTM3U\\n#EXTINF:-1,x\\nrtsp://cam/1\\n\"}", "m3u" },
    { "{\"m3u\": \"#EXTINF:-1,x\\nhttp://a.example/x.ts\\n\", \"guide\": \"/no/such/file.xml\"}", "guide" },
    { "{\"m3u\": \"#EXTINF:-1,x\\nhttp://a.example/x.ts\\n\", \"guide\": \"ftp://a.example/g.xml\"}", "guide" },
    { "{\"m3u\": \"#EXTINF:-1,x\\nhttp://a.example/x.ts\\n\", \"first_number\": \"1.5\"}", "first_number" },
    { "{\"m3u\": \"#EXTINF:-1,x\\nhttp://a.example/x.ts\\n\", \"extra\": 1}", "extra" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (ExsTestReply) r
          = exs_test_server_request (server, "POST", "/api/channels/import-m3u", cases[i].body, TRUE);
      JsonObject *error;

      g_assert_cmpuint (r->status, ==, 422);
      error = json_object_get_object_member (exs_test_reply_object (r), "error");
      g_assert_cmpstr (json_object_get_string_member (error, "field"), ==, cases[i].field);
    }
  {
    g_autoptr (ExsTestReply) list = exs_test_server_request (server, "GET", "/api/channels", NULL, TRUE);
    g_assert_cmpuint (json_array_get_length (json_object_get_array_member (exs_test_reply_object (list), "channels")),
                      ==, 0);
  }
  /* and the channel field itself */
  {
    g_autoptr (ExsTestReply) r = exs_test_server_request (
        server, "POST", "/api/channels", "{\"number\": \"7\", \"name\": \"x\", \"upstream_url\": \"file:///etc/passwd\"}",
        TRUE);
    g_assert_cmpuint (r->status, ==, 422);
    g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (exs_test_reply_object (r), "error"),
                                                    "field"),
                     ==, "upstream_url");
  }
}

/* The CLI reads the file and reports each skipped line with its number. */
static void
test_cli_import (void)
{
  g_autoptr (ExsTestServer) server = exs_test_server_start (NULL, NULL, NULL);
  g_autofree char *path = g_build_filename (server->data_dir, "list.m3u", NULL);
  const char *argv[] = { exs_test_server_binary (), "--data-dir", server->data_dir, "--url", server->base_url,
                         "channel", "import-m3u", path, "--first-number", "300", NULL };
  g_autofree char *out = NULL;

  g_assert_true (g_file_set_contents (path, playlist, -1, NULL));
  g_assert_cmpint (exs_test_run_command (argv, NULL, &out), ==, 0);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "added channel 120 (News 24)"));
  g_assert_nonnull (strstr (out, "added channel 300 (Sport, \"Live\")"));
  g_assert_nonnull (strstr (out, "list.m3u:8: skipped:"));
  g_assert_nonnull (strstr (out, "2 channels added, 3 lines skipped"));
}

/* Hostile XMLTV: refused or read within bounds, never a crash or a fetch. */
static void
test_hostile_guides (void)
{
  g_autoptr (GString) deep = g_string_new ("<tv><programme start=\"20260101000000\" stop=\"20260101010000\" "
                                           "channel=\"a\">");
  const char *laughs = "<?xml version=\"1.0\"?><!DOCTYPE tv [<!ENTITY a \"aaaaaaaaaa\">"
                       "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
                       "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">]>"
                       "<tv><programme start=\"20260101000000\" stop=\"20260101010000\" channel=\"a\">"
                       "<title>&d;</title></programme></tv>";
  const char *external = "<?xml version=\"1.0\"?><!DOCTYPE tv [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
                         "<tv><programme start=\"20260101000000\" stop=\"20260101010000\" channel=\"a\">"
                         "<title>&x;</title></programme></tv>";
  g_autoptr (GError) error = NULL;
  g_autoptr (GHashTable) got = NULL;
  GPtrArray *list;

  for (int i = 0; i < 100000; i++)
    g_string_append (deep, "<desc>");
  got = exs_upstream_guide_parse (deep->str, deep->len, 1000, &error);
  g_assert_null (got);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  g_clear_error (&error);

  got = exs_upstream_guide_parse ("not xml at all", 14, 1000, &error);
  g_assert_null (got);
  g_clear_error (&error);
  got = exs_upstream_guide_parse ("<html><body/></html>", 20, 1000, &error);
  g_assert_null (got);
  g_clear_error (&error);

  /* entities: never expanded past the bounds, never read from a file;
   * libxml2 may refuse such a document outright, which is fine too */
  got = exs_upstream_guide_parse (laughs, strlen (laughs), 1000, &error);
  g_assert_true ((got == NULL) == (error != NULL));
  list = got ? g_hash_table_lookup (got, "a") : NULL;
  if (list != NULL)
    g_assert_cmpuint (strlen (((ExsPlayoutItem *) list->pdata[0])->title), <=, 2000 * 4);
  g_clear_pointer (&got, g_hash_table_unref);
  g_clear_error (&error);

  got = exs_upstream_guide_parse (external, strlen (external), 1000, &error);
  g_assert_true ((got == NULL) == (error != NULL));
  list = got ? g_hash_table_lookup (got, "a") : NULL;
  if (list != NULL)
    g_assert_null (strstr (((ExsPlayoutItem *) list->pdata[0])->title, "root:"));
  g_clear_pointer (&got, g_hash_table_unref);
  g_clear_error (&error);

  /* the count bound */
  {
    g_autoptr (GString) many = g_string_new ("<tv>");
    for (int i = 0; i < 50; i++)
      g_string_append (many, "<programme start=\"20260101000000\" stop=\"20260101010000\" channel=\"a\">"
                             "<title>x</title></programme>");
    g_string_append (many, "</tv>");
    got = exs_upstream_guide_parse (many->str, many->len, 10, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (((GPtrArray *) g_hash_table_lookup (got, "a"))->len, ==, 10);
  }
}

/* The M3U reader on its own: bounds and what it keeps. */
static void
test_m3u_bounds (void)
{
  g_autoptr (GString) big = g_string_new ("#EXTM3U url-tvg=\"http://g.example/guide.xml,http://other/\"\n");
  g_autoptr (GPtrArray) problems = NULL;
  g_autoptr (GPtrArray) entries = NULL;
  g_autofree char *guide = NULL;
  g_autoptr (GError) error = NULL;

  for (int i = 0; i < EXS_UPSTREAM_M3U_MAX_ENTRIES + 10; i++)
    g_string_append_printf (big, "#EXTINF:-1 tvg-chno=\"%d\",C%d\nhttp://s.example/%d.ts\n", i + 1, i, i);
  g_string_append (big, "#EXTINF:-1,");
  for (int i = 0; i < EXS_UPSTREAM_M3U_MAX_LINE; i++)
    g_string_append_c (big, 'x');
  g_string_append (big, "\n");
  entries = exs_upstream_m3u_parse (big->str, big->len, &problems, &guide, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (entries->len, ==, EXS_UPSTREAM_M3U_MAX_ENTRIES);
  g_assert_cmpstr (guide, ==, "http://g.example/guide.xml");
  g_assert_cmpuint (problems->len, >=, 1);
  g_clear_pointer (&entries, g_ptr_array_unref);
  g_clear_pointer (&problems, g_ptr_array_unref);
  g_clear_pointer (&guide, g_free);

  /* over the byte bound: refused whole */
  {
    gsize len = EXS_UPSTREAM_M3U_MAX_BYTES + 1;
    g_autofree char *huge = g_malloc0 (len + 1);

    memset (huge, '#', len);
    entries = exs_upstream_m3u_parse (huge, len, &problems, &guide, &error);
    g_assert_null (entries);
    g_assert_error (error, EXS_HTTP_ERROR, EXS_HTTP_ERROR_INVALID_FIELD);
    g_clear_error (&error);
  }
  /* not UTF-8, and nothing usable */
  {
    const char *bad = "#EXTINF:-1,\xff\xfe\nhttp://a/\n";
    entries = exs_upstream_m3u_parse (bad, strlen (bad), &problems, &guide, &error);
  }
  g_assert_null (entries);
  g_assert_nonnull (problems);
  g_assert_cmpuint (problems->len, >=, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/iptv/upstream/import-m3u-and-merged-guide", test_import_and_guide);
  g_test_add_func ("/iptv/upstream/import-refusals", test_import_refusals);
  g_test_add_func ("/iptv/upstream/cli-import", test_cli_import);
  g_test_add_func ("/iptv/upstream/hostile-guides", test_hostile_guides);
  g_test_add_func ("/iptv/upstream/m3u-bounds", test_m3u_bounds);
  return g_test_run ();
}
