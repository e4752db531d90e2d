/* Channel logos and the log ring through the real server: uploads checked
 * by their bytes, SVGs with anything active refused, the hosted URL used by
 * the M3U and XMLTV; /api/logs filtered by level and channel. */
#include "config.h"

#include "exs-api-test.h"

#include <string.h>

static ExsTestServer *server;

/* a real 1×1 PNG */
static const guint8 png[] = "\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x01\x00\x00"
                            "\x00\x01\x08\x02\x00\x00\x00\x90\x77\x53\xde\x00\x00\x00\x0c\x49\x44\x41\x54\x78\x9c\x63"
                            "\xf8\xcf\xc0\x00\x00\x03\x01\x01\x00\xc9\xfe\x92\xef\x00\x00\x00\x00\x49\x45\x4e\x44\xae"
                            "\x42\x60\x82";
#define PNG_LEN (sizeof png - 1)

static const char safe_svg[] = "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
                               "xmlns:xlink=\"http://www.w3.org/1999/xlink\" viewBox=\"0 0 10 10\">"
                               "<defs><linearGradient id=\"g\"><stop offset=\"0\"/></linearGradient></defs>"
                               "<rect width=\"10\" height=\"10\" fill=\"url(#g)\"/><use xlink:href=\"#g\"/></svg>";

static ExsTestReply *
req (const char *method, const char *path, const char *body)
{
  return exs_test_server_request (server, method, path, body, TRUE);
}

static ExsTestReply *
put_logo (const char *number, const char *content_type, const void *data, gsize len)
{
  g_autofree char *path = g_strdup_printf ("/api/channels/%s/logo", number);
  g_autofree char *auth = g_strconcat ("Bearer ", server->token, NULL);
  const char *headers[] = { "Authorization", auth, NULL };

  return exs_api_test_send (server, "PUT", path, headers, content_type, data, len);
}

static void
test_png_hosted_and_used (void)
{
  g_autoptr (ExsTestReply) put = put_logo ("100", "image/png", png, PNG_LEN);
  g_autoptr (ExsTestReply) got = exs_test_server_request (server, "GET", "/logos/100.png", NULL, FALSE);
  g_autoptr (ExsTestReply) channel = req ("GET", "/api/channels/100", NULL);
  g_autoptr (ExsTestReply) m3u = exs_test_server_request (server, "GET", "/iptv/channels.m3u", NULL, FALSE);
  g_autoptr (ExsTestReply) xmltv = exs_test_server_request (server, "GET", "/iptv/xmltv.xml", NULL, FALSE);
  g_autoptr (ExsTestReply) lineup = exs_test_server_request (server, "GET", "/lineup.json", NULL, FALSE);

  g_autofree char *absolute = g_strdup_printf ("%s/logos/100.png", server->base_url);
  g_autofree char *tvg = g_strdup_printf ("tvg-logo=\"%s\"", absolute);
  g_autofree char *icon = g_strdup_printf ("<icon src=\"%s\"/>", absolute);

  exs_api_test_expect (put, 204);
  exs_api_test_expect (got, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (got->headers, NULL), ==, "image/png");
  g_assert_cmpstr (soup_message_headers_get_one (got->headers, "X-Content-Type-Options"), ==, "nosniff");
  g_assert_cmpuint (soup_message_headers_get_content_length (got->headers), ==, PNG_LEN);
  g_assert_cmpint (memcmp (got->body, png, 8), ==, 0);
  exs_api_test_expect (channel, 200);
  g_assert_cmpstr (json_object_get_string_member (exs_test_reply_object (channel), "logo"), ==, "/logos/100.png");
  exs_api_test_expect (m3u, 200);
  g_assert_nonnull (strstr (m3u->body, tvg));
  exs_api_test_expect (xmltv, 200);
  g_assert_nonnull (strstr (xmltv->body, icon));
  exs_api_test_expect (lineup, 200);
  g_assert_true (JSON_NODE_HOLDS_ARRAY (lineup->json));
  for (guint i = 0; i < json_array_get_length (json_node_get_array (lineup->json)); i++)
    {
      JsonObject *entry = json_array_get_object_element (json_node_get_array (lineup->json), i);
      if (g_str_equal (json_object_get_string_member (entry, "GuideNumber"), "100"))
        g_assert_cmpstr (json_object_get_string_member (entry, "LogoURL"), ==, absolute);
      else
        g_assert_false (json_object_has_member (entry, "LogoURL")); /* no logo, no member */
    }
}

static void
test_checked_by_bytes (void)
{
  static const char jpeg[] = "\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9";
  g_autoptr (ExsTestReply) renamed = put_logo ("101", "image/svg+xml", png, PNG_LEN);
  g_autoptr (ExsTestReply) text = put_logo ("101", "image/png", "hello, not an image", 19);
  g_autoptr (ExsTestReply) ok_jpeg = put_logo ("101", "image/jpeg", jpeg, sizeof jpeg - 1);
  g_autoptr (ExsTestReply) got = exs_test_server_request (server, "GET", "/logos/101.png", NULL, FALSE);
  g_autofree guint8 *big = g_malloc0 (600 * 1024);
  g_autoptr (ExsTestReply) too_big = NULL;
  g_autoptr (ExsTestReply) no_channel = put_logo ("555", "image/png", png, PNG_LEN);

  exs_api_test_expect (renamed, 415);
  g_assert_cmpstr (exs_test_reply_error_code (renamed), ==, "type-mismatch");
  exs_api_test_expect (text, 415);
  exs_api_test_expect (ok_jpeg, 204);
  exs_api_test_expect (got, 200); /* the URL stays .png; the type is the real one */
  g_assert_cmpstr (soup_message_headers_get_content_type (got->headers, NULL), ==, "image/jpeg");
  memcpy (big, png, PNG_LEN);
  too_big = put_logo ("101", "image/png", big, 600 * 1024);
  exs_api_test_expect (too_big, 413);
  exs_api_test_expect (no_channel, 404);
}

static void
test_svg_checked (void)
{
  const char *bad[] = {
    "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>",
    "<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>",
    "<svg xmlns=\"http://www.w3.org/2000/svg\"><foreignObject><p>x</p></foreignObject></svg>",
    "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\">"
    "<image xlink:href=\"http://evil.example/a.png\"/></svg>",
    "<svg xmlns=\"http://www.w3.org/2000/svg\"><a href=\" JaVaScript:alert(1)\"><rect/></a></svg>",
    "<svg xmlns=\"http://www.w3.org/2000/svg\"><style>@import url(http://evil.example/x.css);</style></svg>",
    "<svg xmlns=\"http://www.w3.org/2000/svg\"><rect style=\"fill:url(http://evil.example/f)\"/></svg>",
    "<svg xmlns=\"http://www.w3.org/2000/svg\"><set attributeName=\"onmouseover\" to=\"alert(1)\"/></svg>",
    "<!DOCTYPE svg [<!ENTITY a \"aaaa\">]><svg xmlns=\"http://www.w3.org/2000/svg\">&a;</svg>",
    "<html><body>not svg</body></html>",
    "<svg xmlns=\"http://www.w3.org/2000/svg\"><unclosed></svg>",
  };
  g_autoptr (ExsTestReply) good = put_logo ("102", "image/svg+xml", safe_svg, strlen (safe_svg));
  g_autoptr (ExsTestReply) got = exs_test_server_request (server, "GET", "/logos/102.png", NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (ExsTestReply) r = put_logo ("102", "image/svg+xml", bad[i], strlen (bad[i]));
      if (r->status != 422)
        g_error ("SVG %u was taken (%u): %s", i, r->status, bad[i]);
      g_assert_cmpstr (exs_test_reply_error_code (r), ==, "unsafe-svg");
    }
  exs_api_test_expect (good, 204);
  exs_api_test_expect (got, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (got->headers, NULL), ==, "image/svg+xml");
  g_assert_nonnull (strstr (soup_message_headers_get_one (got->headers, "Content-Security-Policy"),
                            "default-src 'none'"));
  g_assert_cmpstr (got->body, ==, safe_svg); /* the refused ones replaced nothing */
}

static void
test_delete (void)
{
  g_autoptr (ExsTestReply) put = put_logo ("103", "image/png", png, PNG_LEN);
  g_autoptr (ExsTestReply) del = req ("DELETE", "/api/channels/103/logo", NULL);
  g_autoptr (ExsTestReply) got = exs_test_server_request (server, "GET", "/logos/103.png", NULL, FALSE);
  g_autoptr (ExsTestReply) channel = req ("GET", "/api/channels/103", NULL);
  g_autoptr (ExsTestReply) media = req ("PUT", "/api/channels/103/logo", "{\"media_id\": 999999}");

  exs_api_test_expect (put, 204);
  exs_api_test_expect (del, 204);
  exs_api_test_expect (got, 404);
  g_assert_cmpstr (json_object_get_string_member (exs_test_reply_object (channel), "logo"), ==, "");
  exs_api_test_expect (media, 422);
}

static gboolean
lines_contain (ExsTestReply *r, const char *text)
{
  JsonArray *lines = json_object_get_array_member (exs_test_reply_object (r), "lines");

  for (guint i = 0; i < json_array_get_length (lines); i++)
    if (strstr (json_object_get_string_member (json_array_get_object_element (lines, i), "message"), text))
      return TRUE;
  return FALSE;
}

static void
test_logs_filtered (void)
{
  g_autoptr (ExsTestReply) all = req ("GET", "/api/logs?level=debug", NULL);
  g_autoptr (ExsTestReply) messages = req ("GET", "/api/logs?level=message&channel=101", NULL);
  g_autoptr (ExsTestReply) warnings = req ("GET", "/api/logs?level=warning", NULL);
  g_autoptr (ExsTestReply) two = req ("GET", "/api/logs?limit=2", NULL);
  g_autoptr (ExsTestReply) bad = req ("GET", "/api/logs?level=loud", NULL);
  g_autoptr (ExsTestReply) bad_limit = req ("GET", "/api/logs?limit=0", NULL);
  JsonArray *lines;

  exs_api_test_expect (all, 200);
  g_assert_true (lines_contain (all, "channel 100 has a new logo"));
  exs_api_test_expect (messages, 200);
  g_assert_true (lines_contain (messages, "channel 101 has a new logo"));
  g_assert_false (lines_contain (messages, "channel 100 has a new logo")); /* another channel */
  lines = json_object_get_array_member (exs_test_reply_object (messages), "lines");
  for (guint i = 0; i < json_array_get_length (lines); i++)
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (lines, i), "channel"), ==, "101");
  exs_api_test_expect (warnings, 200);
  g_assert_false (lines_contain (warnings, "has a new logo")); /* a message is below a warning */
  lines = json_object_get_array_member (exs_test_reply_object (warnings), "lines");
  for (guint i = 0; i < json_array_get_length (lines); i++)
    {
      const char *level = json_object_get_string_member (json_array_get_object_element (lines, i), "level");
      g_assert_true (g_str_equal (level, "warning") || g_str_equal (level, "critical") || g_str_equal (level, "error"));
    }
  exs_api_test_expect (two, 200);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (exs_test_reply_object (two), "lines")), ==, 2);
  exs_api_test_expect (bad, 422);
  exs_api_test_expect (bad_limit, 422);
}

int
main (int argc, char **argv)
{
  const char *numbers[] = { "100", "101", "102", "103" };
  int ret;

  g_test_init (&argc, &argv, NULL);
  server = exs_test_server_start (NULL, NULL, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (numbers); i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"number\": \"%s\", \"name\": \"Logo %s\"}", numbers[i], numbers[i]);
      g_autoptr (ExsTestReply) r = req ("POST", "/api/channels", body);
      exs_api_test_expect (r, 201);
    }
  g_test_add_func ("/logos/png-hosted-and-used", test_png_hosted_and_used);
  g_test_add_func ("/logos/checked-by-bytes", test_checked_by_bytes);
  g_test_add_func ("/logos/svg-checked", test_svg_checked);
  g_test_add_func ("/logos/delete", test_delete);
  g_test_add_func ("/logs/filtered", test_logs_filtered);
  ret = g_test_run ();
  exs_test_server_stop (server, NULL);
  exs_test_server_free (server);
  return ret;
}
