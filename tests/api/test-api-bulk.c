/* PATCH /api/channels through the real server: one edit to many channels,
 * all or nothing; the gap filler set in the schedules they play. */
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
channel (const char *number)
{
  g_autofree char *path = g_strdup_printf ("/api/channels/%s", number);
  g_autoptr (ExsTestReply) r = req ("GET", path, NULL);

  exs_api_test_expect (r, 200);
  return json_object_ref (exs_test_reply_object (r));
}

static void
test_set_many (void)
{
  g_autoptr (ExsTestReply) r =
      req ("PATCH", "/api/channels",
           "{\"numbers\": [\"200\", \"201\", \"0202\", \"200\"], \"set\": {\"group\": \"News\", \"profile\": \"720p\","
           " \"enabled\": false, \"always_on\": true}}");
  const char *numbers[] = { "200", "201", "202" };

  exs_api_test_expect (r, 200);
  g_assert_cmpint (json_object_get_int_member (exs_test_reply_object (r), "updated"), ==, 3);
  for (guint i = 0; i < G_N_ELEMENTS (numbers); i++)
    {
      g_autoptr (JsonObject) c = channel (numbers[i]);
      g_assert_cmpstr (json_object_get_string_member (c, "group"), ==, "News");
      g_assert_cmpstr (json_object_get_string_member (c, "profile"), ==, "720p");
      g_assert_false (json_object_get_boolean_member (c, "enabled"));
      g_assert_true (json_object_get_boolean_member (c, "always_on"));
    }
  {
    g_autoptr (JsonObject) untouched = channel ("203");
    g_assert_cmpstr (json_object_get_string_member (untouched, "group"), ==, "Before");
  }
}

static void
test_all_or_nothing (void)
{
  const char *cases[][2] = {
    { "{\"numbers\": [\"203\", \"999\"], \"set\": {\"group\": \"X\"}}", "numbers[1]" },
    { "{\"numbers\": [\"203\", 5], \"set\": {\"group\": \"X\"}}", "numbers[1]" },
    { "{\"numbers\": [\"203\"], \"set\": {\"profile\": \"4k\"}}", "profile" },
    { "{\"numbers\": [\"203\"], \"set\": {\"enabled\": \"yes\"}}", "enabled" },
    { "{\"numbers\": [\"203\"], \"set\": {\"number\": \"5\"}}", "set.number" },
    { "{\"numbers\": [\"203\"], \"set\": {\"filler_presets\": []}}", "set.filler_presets" },
    { "{\"numbers\": [\"203\"], \"set\": {}}", "set" },
    { "{\"numbers\": [], \"set\": {\"group\": \"X\"}}", "numbers" },
    { "{\"set\": {\"group\": \"X\"}}", "numbers" },
  };
  g_autoptr (JsonObject) after = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (ExsTestReply) r = req ("PATCH", "/api/channels", cases[i][0]);
      exs_api_test_expect (r, 422);
      g_assert_cmpstr (exs_api_test_error_field (r), ==, cases[i][1]);
    }
  after = channel ("203");
  g_assert_cmpstr (json_object_get_string_member (after, "group"), ==, "Before");
  g_assert_cmpstr (json_object_get_string_member (after, "profile"), ==, "1080p");
}

/* A schedule with filler presets "bumpers" and "idents"; its id. */
static gint64
make_schedule (const char *name)
{
  g_autofree char *body = g_strdup_printf (
      "{\"name\": \"%s\", \"fallback_filler\": \"idents\","
      " \"fillers\": [{\"name\": \"bumpers\", \"items\": [{\"collection\": 1}]},"
      "  {\"name\": \"idents\", \"items\": [{\"collection\": 1}]}],"
      " \"items\": [{\"content\": {\"collection\": 1}, \"mode\": \"one\"}]}",
      name);
  g_autoptr (ExsTestReply) r = req ("POST", "/api/schedules", body);

  exs_api_test_expect (r, 201);
  return json_object_get_int_member (exs_test_reply_object (r), "id");
}

static void
assign (const char *number, gint64 schedule_id)
{
  g_autofree char *path = g_strdup_printf ("/api/channels/%s/playout", number);
  g_autofree char *body = g_strdup_printf ("{\"schedule_id\": %" G_GINT64_FORMAT "}", schedule_id);
  g_autoptr (ExsTestReply) r = req ("PUT", path, body);

  g_assert_cmpuint (r->status, <, 300);
}

/* the schedule's fallback_filler; NULL for null */
static char *
fallback_of (gint64 id)
{
  g_autofree char *path = g_strdup_printf ("/api/schedules/%" G_GINT64_FORMAT, id);
  g_autoptr (ExsTestReply) r = req ("GET", path, NULL);
  JsonObject *o;

  exs_api_test_expect (r, 200);
  o = exs_test_reply_object (r);
  if (!json_object_has_member (o, "fallback_filler") || json_object_get_null_member (o, "fallback_filler"))
    return NULL;
  return g_strdup (json_object_get_string_member (o, "fallback_filler"));
}

static void
test_fallback_filler (void)
{
  gint64 shared = make_schedule ("Shared by 210 and 211");
  gint64 own = make_schedule ("Only 212");
  const char *refused[][2] = {
    /* 213 plays no schedule */
    { "{\"numbers\": [\"212\", \"213\"], \"set\": {\"fallback_filler\": \"bumpers\"}}", "set.fallback_filler" },
    /* 211 plays the same schedule and is not selected */
    { "{\"numbers\": [\"210\", \"212\"], \"set\": {\"fallback_filler\": \"bumpers\"}}", "set.fallback_filler" },
    /* no such preset */
    { "{\"numbers\": [\"210\", \"211\"], \"set\": {\"fallback_filler\": \"promos\"}}", "set.fallback_filler" },
    { "{\"numbers\": [\"212\"], \"set\": {\"fallback_filler\": 5}}", "set.fallback_filler" },
    { "{\"numbers\": [\"212\"], \"set\": {\"fallback_filler\": \"\"}}", "set.fallback_filler" },
  };
  g_autofree char *before = NULL;

  assign ("210", shared);
  assign ("211", shared);
  assign ("212", own);
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr (ExsTestReply) r = req ("PATCH", "/api/channels", refused[i][0]);
      exs_api_test_expect (r, 422);
      g_assert_cmpstr (exs_api_test_error_field (r), ==, refused[i][1]);
    }
  before = fallback_of (own);
  g_assert_cmpstr (before, ==, "idents"); /* nothing was written */

  {
    g_autoptr (ExsTestReply) r = req (
        "PATCH", "/api/channels",
        "{\"numbers\": [\"210\", \"211\", \"212\"], \"set\": {\"fallback_filler\": \"bumpers\", \"group\": \"F\"}}");
    g_autofree char *a = NULL;
    g_autofree char *b = NULL;
    g_autoptr (JsonObject) c = channel ("211");

    exs_api_test_expect (r, 200);
    g_assert_cmpint (json_object_get_int_member (exs_test_reply_object (r), "updated"), ==, 3);
    g_assert_cmpint (json_object_get_int_member (exs_test_reply_object (r), "schedules_updated"), ==, 2);
    a = fallback_of (shared);
    b = fallback_of (own);
    g_assert_cmpstr (a, ==, "bumpers");
    g_assert_cmpstr (b, ==, "bumpers");
    g_assert_cmpstr (json_object_get_string_member (c, "group"), ==, "F");
  }
  {
    g_autoptr (ExsTestReply) r = req ("PATCH", "/api/channels",
                                      "{\"numbers\": [\"212\"], \"set\": {\"fallback_filler\": null}}");
    g_autofree char *b = NULL;

    exs_api_test_expect (r, 200);
    b = fallback_of (own);
    g_assert_null (b);
  }
}

int
main (int argc, char **argv)
{
  const char *numbers[] = { "200", "201", "202", "203", "210", "211", "212", "213" };
  int ret;

  g_test_init (&argc, &argv, NULL);
  server = exs_test_server_start (NULL, NULL, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (numbers); i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"number\": \"%s\", \"name\": \"Bulk %s\", \"group\": \"Before\", "
                                               "\"profile\": \"1080p\"}",
                                               numbers[i], numbers[i]);
      g_autoptr (ExsTestReply) r = req ("POST", "/api/channels", body);
      exs_api_test_expect (r, 201);
    }
  g_test_add_func ("/bulk/set-many", test_set_many);
  g_test_add_func ("/bulk/all-or-nothing", test_all_or_nothing);
  g_test_add_func ("/bulk/fallback-filler", test_fallback_filler);
  ret = g_test_run ();
  exs_test_server_stop (server, NULL);
  exs_test_server_free (server);
  return ret;
}
