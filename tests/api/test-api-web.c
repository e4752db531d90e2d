/* The web UI's front door through the real server: its pages and their
 * headers, one-time login links, the session cookie and the CSRF rule. */
#include "config.h"

#include "exs-api-test.h"

#include <string.h>

static ExsTestServer *server;

/* A request with the headers a browser would send, redirects not followed. */
static ExsTestReply *
browser (const char *method, const char *path, const char *cookie, const char *origin, const char *body)
{
  const char *headers[5] = { NULL };
  guint n = 0;

  if (cookie)
    {
      headers[n++] = "Cookie";
      headers[n++] = cookie;
    }
  if (origin)
    {
      headers[n++] = "Origin";
      headers[n++] = origin;
    }
  return exs_api_test_send (server, method, path, headers, "application/json", body, body ? strlen (body) : 0);
}

static char *
own_origin (void)
{
  return g_strdup_printf ("http://127.0.0.1:%u", server->port);
}

/* Asks for a one-time link and returns its path and query. */
static char *
new_login_path (const char *body)
{
  g_autoptr (ExsTestReply) r = exs_test_server_request (server, "POST", "/api/auth/login-links", body, TRUE);
  const char *url;

  exs_api_test_expect (r, 201);
  url = json_object_get_string_member (exs_test_reply_object (r), "url");
  g_assert_true (g_str_has_prefix (url, server->base_url));
  g_assert_cmpint (json_object_get_int_member (exs_test_reply_object (r), "expires_in"), ==, 300);
  return g_strdup (url + strlen (server->base_url));
}

/* Follows a login link; returns "exs_session=…" for a Cookie header. */
static char *
log_in (void)
{
  g_autofree char *path = new_login_path (NULL);
  g_autoptr (ExsTestReply) r = browser ("GET", path, NULL, NULL, NULL);
  const char *set = soup_message_headers_get_one (r->headers, "Set-Cookie");

  exs_api_test_expect (r, 303);
  g_assert_nonnull (set);
  return g_strndup (set, strcspn (set, ";"));
}

static void
test_redirects_and_pages (void)
{
  g_autoptr (ExsTestReply) root = browser ("GET", "/", NULL, NULL, NULL);
  g_autoptr (ExsTestReply) web = browser ("GET", "/web", NULL, NULL, NULL);
  g_autoptr (ExsTestReply) dash = browser ("GET", "/web/", NULL, NULL, NULL);
  g_autoptr (ExsTestReply) deep = browser ("GET", "/web/watch/100", NULL, NULL, NULL);
  g_autoptr (ExsTestReply) asset = browser ("GET", "/web/assets/no-such-file.js", NULL, NULL, NULL);
  g_autoptr (ExsTestReply) sneaky = browser ("GET", "/web/assets/..%2f..%2findex.html", NULL, NULL, NULL);
  const char *csp;

  exs_api_test_expect (root, 302);
  g_assert_cmpstr (soup_message_headers_get_one (root->headers, "Location"), ==, "/web/");
  exs_api_test_expect (web, 302);
  exs_api_test_expect (dash, 200);
  exs_api_test_expect (deep, 200);
  g_assert_cmpstr (dash->body, ==, deep->body); /* every page is index.html */
  g_assert_cmpstr (soup_message_headers_get_content_type (deep->headers, NULL), ==, "text/html");
  g_assert_nonnull (strstr (deep->body, "<html"));
  csp = soup_message_headers_get_one (deep->headers, "Content-Security-Policy");
  g_assert_nonnull (csp);
  g_assert_true (g_str_has_prefix (csp, "default-src 'self';"));
  g_assert_nonnull (strstr (csp, "frame-ancestors 'none'"));
  g_assert_null (strstr (csp, "unsafe-inline"));
  g_assert_cmpstr (soup_message_headers_get_one (deep->headers, "X-Content-Type-Options"), ==, "nosniff");
  g_assert_cmpstr (soup_message_headers_get_one (deep->headers, "Referrer-Policy"), ==, "same-origin");
  exs_api_test_expect (asset, 404); /* an unknown asset is not index.html */
  g_assert_nonnull (soup_message_headers_get_one (asset->headers, "Content-Security-Policy"));
  g_assert_true (sneaky->status == 400 || sneaky->status == 404); /* no way out of assets/ */
}

/* Every <script src> and stylesheet index.html names is served, typed. */
static void
test_assets_served (void)
{
  g_autoptr (ExsTestReply) index = browser ("GET", "/web/", NULL, NULL, NULL);
  g_autoptr (GRegex) re = g_regex_new ("(?:src|href)=\"(/web/assets/[^\"]+)\"", 0, 0, NULL);
  g_autoptr (GMatchInfo) m = NULL;
  guint seen = 0;

  exs_api_test_expect (index, 200);
  g_regex_match (re, index->body, 0, &m);
  while (g_match_info_matches (m))
    {
      g_autofree char *path = g_match_info_fetch (m, 1);
      g_autoptr (ExsTestReply) a = browser ("GET", path, NULL, NULL, NULL);
      const char *type = soup_message_headers_get_content_type (a->headers, NULL);

      exs_api_test_expect (a, 200);
      g_assert_true (g_str_equal (type, "text/javascript") || g_str_equal (type, "text/css")
                     || g_str_has_prefix (type, "image/"));
      g_assert_cmpstr (soup_message_headers_get_one (a->headers, "X-Content-Type-Options"), ==, "nosniff");
      seen++;
      g_match_info_next (m, NULL);
    }
  g_assert_cmpuint (seen, >, 0);
}

static void
test_link_works_once (void)
{
  g_autofree char *path = new_login_path ("{\"next\": \"/web/guide\"}");
  g_autoptr (ExsTestReply) first = browser ("GET", path, NULL, NULL, NULL);
  g_autoptr (ExsTestReply) again = browser ("GET", path, NULL, NULL, NULL);
  g_autoptr (ExsTestReply) forged = browser ("GET", "/web/login?code=00112233", NULL, NULL, NULL);
  g_autoptr (ExsTestReply) api = NULL;
  g_autofree char *cookie = NULL;
  const char *set;

  exs_api_test_expect (first, 303);
  g_assert_cmpstr (soup_message_headers_get_one (first->headers, "Location"), ==, "/web/guide");
  set = soup_message_headers_get_one (first->headers, "Set-Cookie");
  g_assert_nonnull (set);
  g_assert_true (g_str_has_prefix (set, "exs_session="));
  g_assert_nonnull (strstr (set, "; HttpOnly"));
  g_assert_nonnull (strstr (set, "; SameSite=Strict"));
  g_assert_nonnull (strstr (set, "; Path=/"));
  g_assert_cmpuint (strcspn (set, ";"), ==, strlen ("exs_session=") + 64); /* 256 bits */
  cookie = g_strndup (set, strcspn (set, ";"));

  exs_api_test_expect (again, 303);
  g_assert_cmpstr (soup_message_headers_get_one (again->headers, "Location"), ==, "/web/login?error=expired");
  g_assert_null (soup_message_headers_get_one (again->headers, "Set-Cookie"));
  exs_api_test_expect (forged, 303);
  g_assert_null (soup_message_headers_get_one (forged->headers, "Set-Cookie"));

  api = browser ("GET", "/api/channels", cookie, NULL, NULL);
  exs_api_test_expect (api, 200);
}

static void
test_link_rules (void)
{
  const char *bad_next[] = { "{\"next\": \"//evil.example/\"}", "{\"next\": \"https://evil.example/web/\"}",
                             "{\"next\": \"/web/../api/channels\"}", "{\"next\": \"/api/channels\"}",
                             "{\"next\": 5}" };
  g_autoptr (ExsTestReply) anonymous = exs_test_server_request (server, "POST", "/api/auth/login-links", NULL, FALSE);
  guint made = 0;

  exs_api_test_expect (anonymous, 401);
  for (guint i = 0; i < G_N_ELEMENTS (bad_next); i++)
    {
      g_autoptr (ExsTestReply) r = exs_test_server_request (server, "POST", "/api/auth/login-links", bad_next[i], TRUE);
      exs_api_test_expect (r, 422);
      g_assert_cmpstr (exs_api_test_error_field (r), ==, "next");
    }
  /* at most 32 outstanding (earlier tests used theirs) */
  for (guint i = 0; i < 40; i++)
    {
      g_autoptr (ExsTestReply) r = exs_test_server_request (server, "POST", "/api/auth/login-links", NULL, TRUE);
      if (r->status == 429)
        break;
      exs_api_test_expect (r, 201);
      made++;
    }
  g_assert_cmpuint (made, <=, 32);
  g_assert_cmpuint (made, >=, 28);
}

static void
test_cookie_csrf (void)
{
  g_autofree char *cookie = log_in ();
  g_autofree char *origin = own_origin ();
  g_autoptr (ExsTestReply) foreign =
      browser ("POST", "/api/channels", cookie, "http://evil.example", "{\"number\": \"901\", \"name\": \"CSRF\"}");
  g_autoptr (ExsTestReply) no_origin =
      browser ("POST", "/api/channels", cookie, NULL, "{\"number\": \"901\", \"name\": \"CSRF\"}");
  g_autoptr (ExsTestReply) lookalike = browser ("DELETE", "/api/channels/901", cookie, "http://127.0.0.1.evil.example",
                                                NULL);
  g_autoptr (ExsTestReply) check = NULL;
  g_autoptr (ExsTestReply) same = NULL;
  g_autoptr (ExsTestReply) gone = NULL;

  exs_api_test_expect (foreign, 403);
  g_assert_cmpstr (exs_test_reply_error_code (foreign), ==, "origin-mismatch");
  exs_api_test_expect (no_origin, 403);
  exs_api_test_expect (lookalike, 403);
  check = exs_test_server_request (server, "GET", "/api/channels/901", NULL, TRUE);
  exs_api_test_expect (check, 404); /* nothing was created */

  same = browser ("POST", "/api/channels", cookie, origin, "{\"number\": \"901\", \"name\": \"Same origin\"}");
  exs_api_test_expect (same, 201);
  gone = browser ("DELETE", "/api/channels/901", cookie, origin, NULL);
  exs_api_test_expect (gone, 204);
}

static void
test_token_login_and_logout (void)
{
  g_autofree char *origin = own_origin ();
  g_autofree char *good = g_strdup_printf ("{\"token\": \"%s\"}", server->token);
  g_autoptr (ExsTestReply) wrong = browser ("POST", "/api/auth/session", NULL, origin, "{\"token\": \"nope\"}");
  g_autoptr (ExsTestReply) foreign = browser ("POST", "/api/auth/session", NULL, "http://evil.example", good);
  g_autoptr (ExsTestReply) anonymous = browser ("GET", "/api/auth/session", NULL, NULL, NULL);
  g_autoptr (ExsTestReply) ok = browser ("POST", "/api/auth/session", NULL, origin, good);
  g_autoptr (ExsTestReply) who = NULL;
  g_autoptr (ExsTestReply) out = NULL;
  g_autoptr (ExsTestReply) after = NULL;
  g_autofree char *cookie = NULL;
  const char *set;

  exs_api_test_expect (wrong, 401);
  g_assert_null (strstr (wrong->body, server->token));
  exs_api_test_expect (foreign, 403);
  g_assert_null (soup_message_headers_get_one (foreign->headers, "Set-Cookie"));
  exs_api_test_expect (anonymous, 401);
  exs_api_test_expect (ok, 204);
  set = soup_message_headers_get_one (ok->headers, "Set-Cookie");
  g_assert_nonnull (strstr (set, "HttpOnly"));
  cookie = g_strndup (set, strcspn (set, ";"));

  who = browser ("GET", "/api/auth/session", cookie, NULL, NULL);
  exs_api_test_expect (who, 200);
  g_assert_true (json_object_get_boolean_member (exs_test_reply_object (who), "authenticated"));
  out = browser ("DELETE", "/api/auth/session", cookie, origin, NULL);
  exs_api_test_expect (out, 204);
  after = browser ("GET", "/api/channels", cookie, NULL, NULL);
  exs_api_test_expect (after, 401);
}

static void
test_cli_login_url (void)
{
  g_autofree char *url_opt = g_strdup_printf ("--url=%s", server->base_url);
  const char *argv[] = { exs_test_server_binary (), "--data-dir", server->data_dir, url_opt, "login-url",
                         "--next", "/web/channels", NULL };
  const char *bad[] = { exs_test_server_binary (), "--data-dir", server->data_dir, url_opt, "login-url",
                        "--next", "http://evil.example/", NULL };
  g_autofree char *output = NULL;
  g_autofree char *bad_output = NULL;
  g_autofree char *path = NULL;
  g_autoptr (ExsTestReply) r = NULL;
  g_auto (GStrv) lines = NULL;

  g_assert_cmpint (exs_test_run_command (argv, NULL, &output), ==, 0);
  lines = g_strsplit (output, "\n", -1);
  g_assert_true (g_str_has_prefix (lines[0], server->base_url));
  path = g_strdup (lines[0] + strlen (server->base_url));
  g_assert_true (g_str_has_prefix (path, "/web/login?code="));
  r = browser ("GET", path, NULL, NULL, NULL);
  exs_api_test_expect (r, 303);
  g_assert_cmpstr (soup_message_headers_get_one (r->headers, "Location"), ==, "/web/channels");

  g_assert_cmpint (exs_test_run_command (bad, NULL, &bad_output), !=, 0);
  g_assert_nonnull (strstr (bad_output, "next"));
}

int
main (int argc, char **argv)
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  server = exs_test_server_start (NULL, NULL, NULL);
  g_test_add_func ("/web/redirects-and-pages", test_redirects_and_pages);
  g_test_add_func ("/web/assets-served", test_assets_served);
  g_test_add_func ("/web/login-link-works-once", test_link_works_once);
  g_test_add_func ("/web/cookie-csrf", test_cookie_csrf);
  g_test_add_func ("/web/token-login-and-logout", test_token_login_and_logout);
  g_test_add_func ("/web/cli-login-url", test_cli_login_url);
  g_test_add_func ("/web/login-link-rules", test_link_rules);
  ret = g_test_run ();
  exs_test_server_stop (server, NULL);
  exs_test_server_free (server);
  return ret;
}
