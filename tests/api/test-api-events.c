/* GET /api/events through the real server with the demo lineup: a status
 * event on connect, a change arrives by itself, log lines with ?logs=1, and
 * the listener limit. */
#include "config.h"

#include "exs-test-server.h"

#include <glib/gstdio.h>
#include <string.h>

static ExsTestServer *server;

typedef struct
{
  SoupSession *session;
  SoupMessage *msg;
  GInputStream *body;
  GDataInputStream *lines;
} Listener;

static Listener *
listen_events (const char *query, guint *status)
{
  g_autofree char *url = g_strconcat (server->base_url, "/api/events", query, NULL);
  g_autofree char *auth = g_strconcat ("Bearer ", server->token, NULL);
  g_autoptr (GError) error = NULL;
  Listener *l = g_new0 (Listener, 1);

  /* a read waits at most this long: the generous deadline */
  l->session = soup_session_new_with_options ("timeout", 30, NULL);
  l->msg = soup_message_new ("GET", url);
  soup_message_headers_replace (soup_message_get_request_headers (l->msg), "Authorization", auth);
  l->body = soup_session_send (l->session, l->msg, NULL, &error);
  g_assert_no_error (error);
  *status = soup_message_get_status (l->msg);
  l->lines = g_data_input_stream_new (l->body);
  return l;
}

static void
listener_free (Listener *l)
{
  g_input_stream_close (l->body, NULL, NULL);
  g_object_unref (l->lines);
  g_object_unref (l->body);
  g_object_unref (l->msg);
  g_object_unref (l->session);
  g_free (l);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Listener, listener_free)

/* Reads the next event (skipping comments); returns its data, parsed. */
static JsonNode *
next_event (Listener *l, char **name)
{
  g_autofree char *event = NULL;
  g_autofree char *data = NULL;

  for (;;)
    {
      g_autoptr (GError) error = NULL;
      g_autofree char *line = g_data_input_stream_read_line_utf8 (l->lines, NULL, NULL, &error);

      g_assert_no_error (error);
      g_assert_nonnull (line); /* the stream must not end */
      if (g_str_has_prefix (line, "event: "))
        {
          g_free (event);
          event = g_strdup (line + 7);
        }
      else if (g_str_has_prefix (line, "data: "))
        {
          g_free (data);
          data = g_strdup (line + 6);
        }
      else if (line[0] == '\0' && data != NULL)
        {
          g_autoptr (JsonParser) p = json_parser_new ();
          g_assert_true (json_parser_load_from_data (p, data, -1, NULL));
          *name = g_steal_pointer (&event);
          return json_node_copy (json_parser_get_root (p));
        }
    }
}

/* Waits (up to the read timeout, and at most max_events) for an event of
 * this name whose data satisfies the check. */
static JsonNode *
wait_for (Listener *l, const char *wanted, gboolean (*check) (JsonObject *, gpointer), gpointer data)
{
  for (guint i = 0; i < 500; i++)
    {
      g_autofree char *name = NULL;
      g_autoptr (JsonNode) n = next_event (l, &name);

      if (g_strcmp0 (name, wanted) == 0 && (check == NULL || check (json_node_get_object (n), data)))
        return g_steal_pointer (&n);
    }
  g_error ("no %s event matched", wanted);
  return NULL;
}

static JsonObject *
find_channel (JsonObject *status, const char *number)
{
  JsonArray *channels = json_object_get_array_member (status, "channels");

  for (guint i = 0; i < json_array_get_length (channels); i++)
    {
      JsonObject *c = json_array_get_object_element (channels, i);
      if (g_str_equal (json_object_get_string_member (c, "number"), number))
        return c;
    }
  return NULL;
}

static gboolean
channel_named (JsonObject *status, gpointer name)
{
  JsonObject *c = find_channel (status, "101");

  return c && g_strcmp0 (json_object_get_string_member (c, "name"), name) == 0;
}

static void
test_status_and_change (void)
{
  guint status = 0;
  g_autoptr (Listener) l = listen_events ("", &status);
  g_autoptr (JsonNode) first = NULL;
  g_autoptr (JsonNode) changed = NULL;
  g_autoptr (ExsTestReply) patch = NULL;
  g_autofree char *name = NULL;
  JsonObject *c, *pool;

  g_assert_cmpuint (status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (soup_message_get_response_headers (l->msg), NULL), ==,
                   "text/event-stream");
  first = next_event (l, &name);
  g_assert_cmpstr (name, ==, "status");
  c = find_channel (json_node_get_object (first), "100");
  g_assert_nonnull (c);
  g_assert_cmpstr (json_object_get_string_member (c, "name"), ==, "Demo Mix");
  g_assert_cmpstr (json_object_get_string_member (c, "state"), ==, "stopped");
  g_assert_cmpstr (json_object_get_string_member (c, "health"), ==, "healthy");
  g_assert_cmpint (json_object_get_int_member (c, "viewers"), ==, 0);
  g_assert_true (json_object_has_member (c, "now"));
  g_assert_true (json_object_has_member (c, "next"));
  pool = json_object_get_object_member (json_node_get_object (first), "pool");
  g_assert_cmpint (json_object_get_int_member (pool, "max"), >, 0);
  g_assert_true (json_object_has_member (json_node_get_object (first), "problems"));

  patch = exs_test_server_request (server, "PATCH", "/api/channels/101", "{\"name\": \"Renamed Live\"}", TRUE);
  g_assert_cmpuint (patch->status, ==, 200);
  changed = wait_for (l, "status", channel_named, (gpointer) "Renamed Live");
  g_assert_nonnull (changed);
}

static gboolean
scan_done (JsonObject *scan, gpointer library_id)
{
  return json_object_get_int_member (scan, "library_id") == *(gint64 *) library_id
         && g_str_equal (json_object_get_string_member (scan, "state"), "done");
}

/* A library added while the page listens reports its scan by itself. */
static void
test_scan_events (void)
{
  guint status = 0;
  g_autoptr (Listener) l = listen_events ("", &status);
  g_autofree char *folder = g_build_filename (server->data_dir, "one-file", NULL);
  g_autofree char *file = g_build_filename (folder, "broken.mp4", NULL);
  g_autofree char *body = NULL;
  g_autoptr (ExsTestReply) created = NULL;
  g_autoptr (JsonNode) done = NULL;
  g_autofree char *first = NULL;
  g_autoptr (JsonNode) status_event = NULL;
  gint64 id;

  /* one file that is no media: a short scan that finds 1 and fails 1 */
  g_assert_cmpint (g_mkdir (folder, 0700), ==, 0);
  g_assert_true (g_file_set_contents (file, "this is not a video", -1, NULL));
  body = g_strdup_printf ("{\"name\": \"Watched\", \"kind\": \"other_videos\", \"paths\": [\"%s\"]}", folder);
  g_assert_cmpuint (status, ==, 200);
  status_event = next_event (l, &first); /* connected */
  created = exs_test_server_request (server, "POST", "/api/libraries", body, TRUE);
  g_assert_cmpuint (created->status, ==, 201);
  id = json_object_get_int_member (exs_test_reply_object (created), "id");
  done = wait_for (l, "scan", scan_done, &id);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (done), "found"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (done), "failed"), ==, 1);
}

static gboolean
message_contains (JsonObject *line, gpointer text)
{
  return strstr (json_object_get_string_member (line, "message"), text) != NULL;
}

static void
test_log_events (void)
{
  guint status = 0;
  g_autoptr (Listener) l = listen_events ("?logs=1", &status);
  g_autoptr (ExsTestReply) wrong = NULL;
  g_autoptr (JsonNode) line = NULL;

  g_assert_cmpuint (status, ==, 200);
  /* something the server logs on demand: a refused browser login */
  wrong = exs_test_server_request (server, "POST", "/api/auth/session", "{\"token\": \"wrong\"}", FALSE);
  g_assert_cmpuint (wrong->status, ==, 401);
  line = wait_for (l, "log", message_contains, (gpointer) "wrong token");
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (line), "level"), ==, "message");
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (line), "domain"), ==, "exs-api");
}

static void
test_listener_limit (void)
{
  g_autoptr (GPtrArray) open = g_ptr_array_new_with_free_func ((GDestroyNotify) listener_free);
  guint status = 0;
  g_autoptr (Listener) extra = NULL;

  /* 32 at most: fill up (one per loop, each confirmed by its first event) */
  while (open->len < 40)
    {
      Listener *l = listen_events ("", &status);

      if (status == 503)
        {
          extra = l;
          break;
        }
      g_assert_cmpuint (status, ==, 200);
      g_ptr_array_add (open, l);
    }
  g_assert_nonnull (extra);
  g_assert_cmpuint (open->len, ==, 32);
  /* one leaves, the next gets in */
  g_ptr_array_remove_index (open, 0);
  g_clear_pointer (&extra, listener_free);
  for (guint tries = 0; tries < 200; tries++)
    {
      Listener *l = listen_events ("", &status);
      if (status == 200)
        {
          g_ptr_array_add (open, l);
          break;
        }
      listener_free (l);
      g_usleep (50 * 1000); /* the server notices the closed stream on its own schedule */
    }
  g_assert_cmpuint (status, ==, 200);
}

int
main (int argc, char **argv)
{
  const char *const args[] = { "--demo", NULL };
  int ret;

  g_test_init (&argc, &argv, NULL);
  server = exs_test_server_start (NULL, args, NULL);
  g_test_add_func ("/events/status-and-change", test_status_and_change);
  g_test_add_func ("/events/log-events", test_log_events);
  g_test_add_func ("/events/scan-events", test_scan_events);
  g_test_add_func ("/events/listener-limit", test_listener_limit);
  ret = g_test_run ();
  exs_test_server_stop (server, NULL);
  exs_test_server_free (server);
  return ret;
}
