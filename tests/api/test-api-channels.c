/* /api/channels through the real server: CRUD by number, every bad input. */
#include "config.h"

#include "exs-test-server.h"

#include <string.h>

static ExsTestServer *server;

static ExsTestReply *
req (const char *method, const char *path, const char *body)
{
  return exs_test_server_request (server, method, path, body, TRUE);
}

static void
expect (ExsTestReply *r, guint status)
{
  if (r->status != status)
    g_error ("expected %u, got %u: %s", status, r->status, r->body);
}

static void
test_crud (void)
{
  g_autoptr (ExsTestReply) created =
      req ("POST", "/api/channels",
           "{\"number\": \" 0121 \", \"name\": \"  Films  \", \"group\": \"Movies\", \"always_on\": true}");
  g_autoptr (ExsTestReply) got = NULL;
  g_autoptr (ExsTestReply) patched = NULL;
  g_autoptr (ExsTestReply) deleted = NULL;
  g_autoptr (ExsTestReply) gone = NULL;
  JsonObject *o;

  expect (created, 201);
  o = exs_test_reply_object (created);
  g_assert_cmpstr (json_object_get_string_member (o, "number"), ==, "121");
  g_assert_cmpstr (json_object_get_string_member (o, "name"), ==, "Films");
  g_assert_cmpstr (json_object_get_string_member (o, "group"), ==, "Movies");
  g_assert_true (json_object_get_boolean_member (o, "always_on"));
  g_assert_true (json_object_get_boolean_member (o, "enabled"));
  g_assert_cmpstr (json_object_get_string_member (o, "streaming_mode"), ==, "both");
  g_assert_cmpstr (json_object_get_string_member (o, "stream_path"), ==, "/iptv/channel/121.ts");
  g_assert_cmpstr (soup_message_headers_get_one (created->headers, "Location"), ==, "/api/channels/121");

  got = req ("GET", "/api/channels/%20121", NULL);
  expect (got, 200);
  g_assert_cmpstr (json_object_get_string_member (exs_test_reply_object (got), "name"), ==, "Films");

  patched = req ("PATCH", "/api/channels/121", "{\"name\": \"Film Four\", \"enabled\": false, \"number\": \"1984.1\"}");
  expect (patched, 200);
  o = exs_test_reply_object (patched);
  g_assert_cmpstr (json_object_get_string_member (o, "number"), ==, "1984.1");
  g_assert_cmpstr (json_object_get_string_member (o, "name"), ==, "Film Four");
  g_assert_false (json_object_get_boolean_member (o, "enabled"));
  g_assert_cmpstr (json_object_get_string_member (o, "group"), ==, "Movies"); /* untouched */

  deleted = req ("DELETE", "/api/channels/1984.1", NULL);
  expect (deleted, 204);
  gone = req ("GET", "/api/channels/1984.1", NULL);
  expect (gone, 404);
  g_assert_cmpstr (exs_test_reply_error_code (gone), ==, "not_found");
}

static void
test_numeric_json_number (void)
{
  g_autoptr (ExsTestReply) r = req ("POST", "/api/channels", "{\"number\": 7, \"name\": \"Seven\"}");
  g_autoptr (ExsTestReply) d = NULL;

  expect (r, 201);
  g_assert_cmpstr (json_object_get_string_member (exs_test_reply_object (r), "number"), ==, "7");
  d = req ("DELETE", "/api/channels/7", NULL);
  expect (d, 204);
}

static void
test_invalid_numbers (void)
{
  const char *bodies[] = {
    "{\"number\": \"abc\", \"name\": \"x\"}",    "{\"number\": \"1.2.3\", \"name\": \"x\"}",
    "{\"number\": \"-5\", \"name\": \"x\"}",     "{\"number\": \"\", \"name\": \"x\"}",
    "{\"number\": \"   \", \"name\": \"x\"}",    "{\"number\": 1984.1, \"name\": \"x\"}",
    "{\"number\": -3, \"name\": \"x\"}",         "{\"number\": null, \"name\": \"x\"}",
    "{\"number\": [1], \"name\": \"x\"}",        "{\"name\": \"no number\"}",
    "{\"number\": \"123456\", \"name\": \"x\"}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr (ExsTestReply) r = req ("POST", "/api/channels", bodies[i]);
      JsonObject *err;

      if (r->status != 422)
        g_error ("%s gave %u: %s", bodies[i], r->status, r->body);
      err = json_object_get_object_member (exs_test_reply_object (r), "error");
      g_assert_cmpstr (json_object_get_string_member (err, "code"), ==, "validation_failed");
      g_assert_cmpstr (json_object_get_string_member (err, "field"), ==, "number");
      g_assert_nonnull (strstr (json_object_get_string_member (err, "message"), "channel number"));
    }
}

static void
test_invalid_fields (void)
{
  const struct { const char *body; const char *field; } cases[] = {
    { "{\"number\": \"8\"}", "name" },
    { "{\"number\": \"8\", \"name\": \"   \"}", "name" },
    { "{\"number\": \"8\", \"name\": 5}", "name" },
    { "{\"number\": \"8\", \"name\": \"a\\nb\"}", "name" },
    { "{\"number\": \"8\", \"name\": \"x\", \"enabled\": \"yes\"}", "enabled" },
    { "{\"number\": \"8\", \"name\": \"x\", \"streaming_mode\": \"radio\"}", "streaming_mode" },
    { "{\"number\": \"8\", \"name\": \"x\", \"profile\": \"4k\"}", "profile" },
    { "{\"number\": \"8\", \"name\": \"x\", \"transcode_mode\": \"magic\"}", "transcode_mode" },
    { "{\"number\": \"8\", \"name\": \"x\", \"logo\": \"javascript:alert(1)\"}", "logo" },
    { "{\"number\": \"8\", \"name\": \"x\", \"colour\": \"red\"}", "colour" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (ExsTestReply) r = req ("POST", "/api/channels", cases[i].body);
      JsonObject *err;

      if (r->status != 422)
        g_error ("%s gave %u: %s", cases[i].body, r->status, r->body);
      err = json_object_get_object_member (exs_test_reply_object (r), "error");
      g_assert_cmpstr (json_object_get_string_member (err, "field"), ==, cases[i].field);
    }
  {
    /* a name of 201 characters */
    g_autofree char *name = g_strnfill (201, 'n');
    g_autofree char *body = g_strdup_printf ("{\"number\": \"8\", \"name\": \"%s\"}", name);
    g_autoptr (ExsTestReply) r = req ("POST", "/api/channels", body);
    expect (r, 422);
  }
  {
    /* nothing was written by any of them */
    g_autoptr (ExsTestReply) r = req ("GET", "/api/channels/8", NULL);
    expect (r, 404);
  }
}

static void
test_duplicates (void)
{
  g_autoptr (ExsTestReply) a = req ("POST", "/api/channels", "{\"number\": \"300\", \"name\": \"A\"}");
  g_autoptr (ExsTestReply) b = req ("POST", "/api/channels", "{\"number\": \"0300\", \"name\": \"B\"}");
  g_autoptr (ExsTestReply) c = req ("POST", "/api/channels", "{\"number\": \"301\", \"name\": \"C\"}");
  g_autoptr (ExsTestReply) d = req ("PATCH", "/api/channels/301", "{\"number\": \"300\"}");
  g_autoptr (ExsTestReply) e = req ("GET", "/api/channels/300", NULL);

  expect (a, 201);
  expect (b, 409);
  g_assert_cmpstr (exs_test_reply_error_code (b), ==, "conflict");
  expect (c, 201);
  expect (d, 409);
  expect (e, 200);
  g_assert_cmpstr (json_object_get_string_member (exs_test_reply_object (e), "name"), ==, "A");
}

static void
test_unknown_channel (void)
{
  const char *paths[] = { "/api/channels/999", "/api/channels/abc", "/api/channels/1.2.3" };

  for (guint i = 0; i < G_N_ELEMENTS (paths); i++)
    {
      g_autoptr (ExsTestReply) g = req ("GET", paths[i], NULL);
      g_autoptr (ExsTestReply) p = req ("PATCH", paths[i], "{\"name\": \"x\"}");
      g_autoptr (ExsTestReply) d = req ("DELETE", paths[i], NULL);
      expect (g, 404);
      expect (p, 404);
      expect (d, 404);
    }
}

static void
test_list_order (void)
{
  const char *numbers[] = { "1984.1", "102", "2", "10", "1984", "1984.2", "5" };
  g_autoptr (ExsTestReply) list = NULL;
  JsonArray *arr;
  g_autoptr (GPtrArray) seen = g_ptr_array_new ();

  for (guint i = 0; i < G_N_ELEMENTS (numbers); i++)
    {
      g_autofree char *body = g_strdup_printf ("{\"number\": \"%s\", \"name\": \"Ch %s\"}", numbers[i], numbers[i]);
      g_autoptr (ExsTestReply) r = req ("POST", "/api/channels", body);
      expect (r, 201);
    }
  list = req ("GET", "/api/channels", NULL);
  expect (list, 200);
  arr = json_object_get_array_member (exs_test_reply_object (list), "channels");
  for (guint i = 0; i < json_array_get_length (arr); i++)
    g_ptr_array_add (seen, (char *) json_object_get_string_member (json_array_get_object_element (arr, i), "number"));
  g_ptr_array_add (seen, NULL);
  {
    g_autofree char *joined = g_strjoinv (" ", (char **) seen->pdata);
    /* 300/301 come from the duplicates test */
    g_assert_cmpstr (joined, ==, "2 5 10 102 300 301 1984 1984.1 1984.2");
  }
  g_assert_cmpint (json_object_get_int_member (exs_test_reply_object (list), "total"), ==, 9);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  server = exs_test_server_start (NULL, NULL, NULL);
  g_test_add_func ("/api/channels/create-read-update-delete", test_crud);
  g_test_add_func ("/api/channels/json-integer-number-accepted", test_numeric_json_number);
  g_test_add_func ("/api/channels/invalid-numbers-are-422", test_invalid_numbers);
  g_test_add_func ("/api/channels/invalid-fields-are-422-naming-field", test_invalid_fields);
  g_test_add_func ("/api/channels/duplicates-are-409", test_duplicates);
  g_test_add_func ("/api/channels/unknown-channel-is-404", test_unknown_channel);
  g_test_add_func ("/api/channels/list-in-numeric-order", test_list_order);
  status = g_test_run ();
  exs_test_server_free (server);
  return status;
}
