/* PATCH /api/channels through the real server: one edit to many channels,
 * all or nothing. */
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

int
main (int argc, char **argv)
{
  const char *numbers[] = { "200", "201", "202", "203" };
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
  ret = g_test_run ();
  exs_test_server_stop (server, NULL);
  exs_test_server_free (server);
  return ret;
}
