/* The web UI's editing aids through the real server with the demo: the
 * server-side folder picker and the schedule preview. */
#include "config.h"

#include "exs-api-test.h"

#include <glib/gstdio.h>
#include <string.h>

static ExsTestServer *server;

static ExsTestReply *
req (const char *method, const char *path, const char *body)
{
  return exs_test_server_request (server, method, path, body, TRUE);
}

static void
expect_field (ExsTestReply *r, guint status, const char *field)
{
  exs_api_test_expect (r, status);
  if (field)
    g_assert_cmpstr (exs_api_test_error_field (r), ==, field);
}

static void
test_folders (void)
{
  g_autofree char *dir = exs_test_make_temp_dir ();
  g_autofree char *b = g_build_filename (dir, "b-shows", NULL);
  g_autofree char *a = g_build_filename (dir, "a-movies", NULL);
  g_autofree char *file = g_build_filename (dir, "notes.txt", NULL);
  g_autofree char *link = g_build_filename (dir, "c-link", NULL);
  g_autofree char *esc = g_uri_escape_string (dir, "/", FALSE);
  g_autofree char *path = g_strdup_printf ("/api/fs/folders?path=%s", esc);
  g_autofree char *via_dots = g_strdup_printf ("/api/fs/folders?path=%s/a-movies/..", esc);
  g_autofree char *of_file = g_strdup_printf ("/api/fs/folders?path=%s/notes.txt", esc);
  g_autofree char *missing = g_strdup_printf ("/api/fs/folders?path=%s/nope", esc);
  g_autoptr (ExsTestReply) r = NULL;
  g_autoptr (ExsTestReply) dots = NULL;
  g_autoptr (ExsTestReply) root = req ("GET", "/api/fs/folders", NULL);
  g_autoptr (ExsTestReply) r_file = NULL;
  g_autoptr (ExsTestReply) r_missing = NULL;
  g_autoptr (ExsTestReply) relative = req ("GET", "/api/fs/folders?path=srv", NULL);
  g_autoptr (ExsTestReply) anonymous = exs_test_server_request (server, "GET", "/api/fs/folders", NULL, FALSE);
  JsonArray *folders;

  g_assert_cmpint (g_mkdir (b, 0700), ==, 0);
  g_assert_cmpint (g_mkdir (a, 0700), ==, 0);
  g_assert_true (g_file_set_contents (file, "x", 1, NULL));
  g_assert_cmpint (symlink (a, link), ==, 0);

  r = req ("GET", path, NULL);
  expect_field (r, 200, NULL);
  g_assert_cmpstr (json_object_get_string_member (exs_test_reply_object (r), "path"), ==, dir);
  folders = json_object_get_array_member (exs_test_reply_object (r), "folders");
  g_assert_cmpuint (json_array_get_length (folders), ==, 3); /* not the file */
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (folders, 0), "name"), ==, "a-movies");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (folders, 0), "path"), ==, a);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (folders, 1), "name"), ==, "b-shows");
  g_assert_false (json_object_get_boolean_member (exs_test_reply_object (r), "truncated"));
  dots = req ("GET", via_dots, NULL);
  expect_field (dots, 200, NULL);
  g_assert_cmpstr (json_object_get_string_member (exs_test_reply_object (dots), "path"), ==, dir);
  expect_field (root, 200, NULL);
  g_assert_cmpstr (json_object_get_string_member (exs_test_reply_object (root), "path"), ==, "/");
  g_assert_true (json_node_is_null (json_object_get_member (exs_test_reply_object (root), "parent")));

  r_file = req ("GET", of_file, NULL);
  expect_field (r_file, 422, "path");
  r_missing = req ("GET", missing, NULL);
  expect_field (r_missing, 404, "path");
  expect_field (relative, 422, "path");
  expect_field (anonymous, 401, NULL);
  exs_test_remove_tree (dir);
}

static void
test_preview (void)
{
  g_autoptr (ExsTestReply) list = req ("GET", "/api/schedules", NULL);
  g_autoptr (JsonObject) body = json_object_new ();
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr (ExsTestReply) r = NULL;
  g_autoptr (ExsTestReply) bad = NULL;
  g_autoptr (ExsTestReply) bad_hours = NULL;
  g_autoptr (ExsTestReply) after = NULL;
  g_autofree char *text = NULL;
  JsonArray *schedules, *progs;
  guint n_schedules;

  expect_field (list, 200, NULL);
  schedules = json_object_get_array_member (exs_test_reply_object (list), "schedules");
  n_schedules = json_array_get_length (schedules);
  g_assert_cmpuint (n_schedules, >, 0);
  json_object_set_member (body, "schedule", json_node_copy (json_array_get_element (schedules, 0)));
  json_object_set_int_member (body, "hours", 2);
  json_node_set_object (node, body);
  text = json_to_string (node, FALSE);
  r = req ("POST", "/api/schedules/preview", text);
  expect_field (r, 200, NULL);
  progs = json_object_get_array_member (exs_test_reply_object (r), "programmes");
  g_assert_cmpuint (json_array_get_length (progs), >, 2);
  for (guint i = 0; i < json_array_get_length (progs); i++)
    {
      JsonObject *p = json_array_get_object_element (progs, i);
      g_assert_cmpstr (json_object_get_string_member (p, "start"), <, json_object_get_string_member (p, "stop"));
      g_assert_cmpuint (strlen (json_object_get_string_member (p, "title")), >, 0);
      if (i > 0) /* back to back */
        g_assert_cmpstr (json_object_get_string_member (p, "start"), ==,
                         json_object_get_string_member (json_array_get_object_element (progs, i - 1), "stop"));
    }

  bad = req ("POST", "/api/schedules/preview", "{\"schedule\": {\"name\": \"x\", \"items\": [{\"mode\": \"flood\"}]}}");
  expect_field (bad, 422, "schedule.items[0].content");
  bad_hours = req ("POST", "/api/schedules/preview", "{\"schedule\": {\"name\": \"x\", \"items\": []}, \"hours\": 0}");
  expect_field (bad_hours, 422, "hours");
  after = req ("GET", "/api/schedules", NULL); /* nothing was saved */
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (exs_test_reply_object (after), "schedules")),
                    ==, n_schedules);
}

int
main (int argc, char **argv)
{
  const char *const args[] = { "--demo", NULL };
  int ret;

  g_test_init (&argc, &argv, NULL);
  server = exs_test_server_start (NULL, args, NULL);
  g_test_add_func ("/tools/folders", test_folders);
  g_test_add_func ("/tools/schedule-preview", test_preview);
  ret = g_test_run ();
  exs_test_server_stop (server, NULL);
  exs_test_server_free (server);
  return ret;
}
