/* GET /api/guide through the real server with the demo lineup: the grid is
 * exactly each channel's playout, as the schedule API tells it. */
#include "config.h"

#include "exs-api-test.h"

#include <string.h>

static ExsTestServer *server;

static ExsTestReply *
req (const char *method, const char *path, const char *body)
{
  return exs_test_server_request (server, method, path, body, TRUE);
}

static JsonObject *
find_channel (JsonArray *channels, const char *number)
{
  for (guint i = 0; i < json_array_get_length (channels); i++)
    {
      JsonObject *c = json_array_get_object_element (channels, i);
      if (g_str_equal (json_object_get_string_member (c, "number"), number))
        return c;
    }
  return NULL;
}

static void
test_guide_is_the_playout (void)
{
  g_autoptr (ExsTestReply) guide = req ("GET", "/api/guide?from=2030-01-01T10:00:00Z&hours=6", NULL);
  JsonArray *channels;
  guint compared = 0;

  exs_api_test_expect (guide, 200);
  g_assert_cmpstr (json_object_get_string_member (exs_test_reply_object (guide), "from"), ==, "2030-01-01T10:00:00Z");
  g_assert_cmpstr (json_object_get_string_member (exs_test_reply_object (guide), "to"), ==, "2030-01-01T16:00:00Z");
  channels = json_object_get_array_member (exs_test_reply_object (guide), "channels");
  g_assert_cmpuint (json_array_get_length (channels), >=, 3); /* the demo's */
  for (guint i = 0; i < json_array_get_length (channels); i++)
    {
      JsonObject *c = json_array_get_object_element (channels, i);
      JsonArray *mine = json_object_get_array_member (c, "programmes");
      g_autofree char *path = g_strdup_printf ("/api/channels/%s/schedule?from=2030-01-01T10:00:00Z"
                                               "&to=2030-01-01T16:00:00Z",
                                               json_object_get_string_member (c, "number"));
      g_autoptr (ExsTestReply) sched = req ("GET", path, NULL);
      JsonArray *theirs;

      exs_api_test_expect (sched, 200);
      theirs = json_object_get_array_member (exs_test_reply_object (sched), "programmes");
      g_assert_cmpuint (json_array_get_length (mine), ==, json_array_get_length (theirs));
      g_assert_cmpuint (json_array_get_length (mine), >, 1);
      for (guint p = 0; p < json_array_get_length (mine); p++)
        {
          JsonObject *a = json_array_get_object_element (mine, p);
          JsonObject *b = json_array_get_object_element (theirs, p);

          g_assert_cmpstr (json_object_get_string_member (a, "start"), ==, json_object_get_string_member (b, "start"));
          g_assert_cmpstr (json_object_get_string_member (a, "stop"), ==, json_object_get_string_member (b, "stop"));
          g_assert_cmpstr (json_object_get_string_member (a, "title"), ==, json_object_get_string_member (b, "title"));
          g_assert_cmpstr (json_object_get_string_member (a, "kind"), ==, json_object_get_string_member (b, "kind"));
          g_assert_cmpint (json_object_get_int_member_with_default (a, "media_id", 0), ==,
                           json_object_get_int_member_with_default (b, "media_item_id", 0));
          compared++;
        }
    }
  g_assert_cmpuint (compared, >, 10);
}

/* What the grid shows now is what /api/channels/{n}/playout says is on. */
static void
test_now_matches_playout (void)
{
  g_autoptr (ExsTestReply) guide = req ("GET", "/api/guide?hours=1&channel=100", NULL);
  g_autoptr (ExsTestReply) playout = req ("GET", "/api/channels/100/playout", NULL);
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *now_text = g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");
  JsonObject *on_now;
  JsonArray *channels, *progs;
  JsonObject *current = NULL;

  exs_api_test_expect (guide, 200);
  exs_api_test_expect (playout, 200);
  channels = json_object_get_array_member (exs_test_reply_object (guide), "channels");
  g_assert_cmpuint (json_array_get_length (channels), ==, 1);
  progs = json_object_get_array_member (json_array_get_object_element (channels, 0), "programmes");
  on_now = json_object_get_object_member (exs_test_reply_object (playout), "now");
  g_assert_nonnull (on_now);
  for (guint i = 0; i < json_array_get_length (progs) && current == NULL; i++)
    {
      JsonObject *p = json_array_get_object_element (progs, i);
      if (g_strcmp0 (json_object_get_string_member (p, "start"), json_object_get_string_member (on_now, "start")) == 0)
        current = p;
    }
  g_assert_nonnull (current);
  g_assert_cmpstr (json_object_get_string_member (current, "stop"), ==, json_object_get_string_member (on_now, "stop"));
  g_assert_cmpstr (json_object_get_string_member (current, "title"), ==,
                   json_object_get_string_member (on_now, "title"));
  g_assert_cmpstr (json_object_get_string_member (current, "start"), <=, now_text);
}

static void
test_disabled_hidden (void)
{
  g_autoptr (ExsTestReply) off = req ("PATCH", "/api/channels/101", "{\"enabled\": false}");
  g_autoptr (ExsTestReply) hidden = NULL;
  g_autoptr (ExsTestReply) shown = NULL;
  g_autoptr (ExsTestReply) on = NULL;
  JsonObject *c;

  exs_api_test_expect (off, 200);
  hidden = req ("GET", "/api/guide?hours=2", NULL);
  exs_api_test_expect (hidden, 200);
  g_assert_null (find_channel (json_object_get_array_member (exs_test_reply_object (hidden), "channels"), "101"));
  g_assert_nonnull (find_channel (json_object_get_array_member (exs_test_reply_object (hidden), "channels"), "100"));
  shown = req ("GET", "/api/guide?hours=2&include_disabled=1", NULL);
  exs_api_test_expect (shown, 200);
  c = find_channel (json_object_get_array_member (exs_test_reply_object (shown), "channels"), "101");
  g_assert_nonnull (c);
  g_assert_false (json_object_get_boolean_member (c, "enabled"));
  on = req ("PATCH", "/api/channels/101", "{\"enabled\": true}");
  exs_api_test_expect (on, 200);
}

static void
test_bad_queries (void)
{
  const char *cases[][2] = {
    { "/api/guide?hours=49", "hours" },
    { "/api/guide?hours=0", "hours" },
    { "/api/guide?hours=abc", "hours" },
    { "/api/guide?from=yesterday", "from" },
    { "/api/guide?channel=100,x%20y", "channel" },
    { "/api/guide?offset=-1", "offset" },
    { "/api/guide?limit=0", "limit" },
    { "/api/guide?limit=501", "limit" },
  };
  g_autoptr (ExsTestReply) anonymous = exs_test_server_request (server, "GET", "/api/guide", NULL, FALSE);

  exs_api_test_expect (anonymous, 401);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (ExsTestReply) r = req ("GET", cases[i][0], NULL);
      exs_api_test_expect (r, 422);
      g_assert_cmpstr (exs_api_test_error_field (r), ==, cases[i][1]);
    }
}

/* offset/limit: the rows a grid shows, the same channels in the same order
 * as the whole list, and "total" the whole list's length */
static void
test_channel_range (void)
{
  g_autoptr (ExsTestReply) all = req ("GET", "/api/guide?hours=1", NULL);
  g_autoptr (ExsTestReply) part = req ("GET", "/api/guide?hours=1&offset=1&limit=1", NULL);
  g_autoptr (ExsTestReply) past = req ("GET", "/api/guide?hours=1&offset=50&limit=10", NULL);
  JsonArray *every, *one;

  exs_api_test_expect (all, 200);
  exs_api_test_expect (part, 200);
  exs_api_test_expect (past, 200);
  every = json_object_get_array_member (exs_test_reply_object (all), "channels");
  one = json_object_get_array_member (exs_test_reply_object (part), "channels");
  g_assert_cmpuint (json_array_get_length (every), >=, 2);
  g_assert_cmpint (json_object_get_int_member (exs_test_reply_object (all), "total"), ==, json_array_get_length (every));
  g_assert_cmpint (json_object_get_int_member (exs_test_reply_object (part), "total"), ==, json_array_get_length (every));
  g_assert_cmpuint (json_array_get_length (one), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (one, 0), "number"), ==,
                   json_object_get_string_member (json_array_get_object_element (every, 1), "number"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (exs_test_reply_object (past), "channels")), ==,
                    0);
}

int
main (int argc, char **argv)
{
  const char *const args[] = { "--demo", NULL };
  int ret;

  g_test_init (&argc, &argv, NULL);
  server = exs_test_server_start (NULL, args, NULL);
  g_test_add_func ("/guide/is-the-playout", test_guide_is_the_playout);
  g_test_add_func ("/guide/now-matches-playout", test_now_matches_playout);
  g_test_add_func ("/guide/disabled-hidden", test_disabled_hidden);
  g_test_add_func ("/guide/bad-queries", test_bad_queries);
  g_test_add_func ("/guide/channel-range", test_channel_range);
  ret = g_test_run ();
  exs_test_server_stop (server, NULL);
  exs_test_server_free (server);
  return ret;
}
