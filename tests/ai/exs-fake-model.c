/* exs-fake-model.c: a scripted stand-in for an OpenAI-compatible
 * /v1/chat/completions endpoint, for the AI tests. A libsoup server on
 * 127.0.0.1 (port 0) in its own thread and main context, so a test may
 * block on the real server or iterate its own loop meanwhile. The script
 * picks the reply from the channel the session is about and the step;
 * every request body and Authorization header is kept for the test. */
#include "config.h"

#include "exs-fake-model.h"

#include <stdlib.h>
#include <string.h>

struct _ExsFakeModel
{
  GMutex lock;            /* guards port, requests, auth, paused */
  GCond ready;
  guint port;
  ExsFakeModelScript script;
  GPtrArray *requests;    /* "channel\nbody" of every request */
  GPtrArray *auth;        /* Authorization headers seen */
  GPtrArray *paused;      /* SoupServerMessage* never answered */
  GMainContext *context;
  GMainLoop *loop;
  GThread *thread;
};

JsonNode *
exs_fake_model_call (const char *id, const char *name, const char *arguments)
{
  JsonObject *c = json_object_new ();
  JsonObject *f = json_object_new ();
  JsonNode *n = json_node_new (JSON_NODE_OBJECT);

  json_object_set_string_member (f, "name", name);
  json_object_set_string_member (f, "arguments", arguments);
  json_object_set_string_member (c, "id", id);
  json_object_set_string_member (c, "type", "function");
  json_object_set_object_member (c, "function", f);
  json_node_take_object (n, c);
  return n;
}

/* A completion: tool calls (NULL-terminated nodes, taken) or an answer. */
char *
exs_fake_model_completion (const char *answer, ...)
{
  g_autoptr (JsonObject) root = json_object_new ();
  JsonObject *choice = json_object_new ();
  JsonObject *message = json_object_new ();
  JsonObject *usage = json_object_new ();
  JsonArray *choices = json_array_new ();
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  va_list ap;
  JsonNode *call;

  json_object_set_string_member (message, "role", "assistant");
  if (answer)
    json_object_set_string_member (message, "content", answer);
  else
    {
      JsonArray *calls = json_array_new ();
      json_object_set_null_member (message, "content");
      va_start (ap, answer);
      while ((call = va_arg (ap, JsonNode *)) != NULL)
        json_array_add_element (calls, call);
      va_end (ap);
      json_object_set_array_member (message, "tool_calls", calls);
    }
  json_object_set_object_member (choice, "message", message);
  json_object_set_string_member (choice, "finish_reason", answer ? "stop" : "tool_calls");
  json_array_add_object_element (choices, choice);
  json_object_set_array_member (root, "choices", choices);
  json_object_set_int_member (usage, "prompt_tokens", 100);
  json_object_set_int_member (usage, "completion_tokens", 20);
  json_object_set_object_member (root, "usage", usage);
  json_node_set_object (node, root);
  return json_to_string (node, FALSE);
}

static void
on_completion_cb (SoupServer *soup, SoupServerMessage *msg, const char *path, GHashTable *query, gpointer data)
{
  ExsFakeModel *fake = data;
  g_autoptr (GBytes) bytes = soup_message_body_flatten (soup_server_message_get_request_body (msg));
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GRegex) re = g_regex_new ("Channel ([0-9]+) ", 0, 0, NULL);
  const char *auth = soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Authorization");
  JsonArray *messages;
  guint step = 0;
  int channel = 0;
  char *reply;

  if (!json_parser_load_from_data (parser, g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), NULL))
    {
      soup_server_message_set_status (msg, 400, NULL);
      return;
    }
  messages = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "messages");
  for (guint i = 0; i < json_array_get_length (messages); i++)
    {
      JsonObject *m = json_array_get_object_element (messages, i);
      const char *role = json_object_get_string_member (m, "role");
      g_autoptr (GMatchInfo) match = NULL;

      step += g_str_equal (role, "assistant");
      if (g_str_equal (role, "user") && g_regex_match (re, json_object_get_string_member (m, "content"), 0, &match))
        {
          g_autofree char *n = g_match_info_fetch (match, 1);
          channel = atoi (n);
        }
    }
  g_mutex_lock (&fake->lock);
  g_ptr_array_add (fake->auth, g_strdup (auth ? auth : ""));
  g_ptr_array_add (fake->requests, g_strdup_printf ("%d\n%.*s", channel, (int) g_bytes_get_size (bytes),
                                                    (const char *) g_bytes_get_data (bytes, NULL)));
  g_mutex_unlock (&fake->lock);
  reply = fake->script (channel, step);
  if (reply == NULL)
    {
      /* never answers: the agent's timeout must end the session */
      soup_server_message_pause (msg);
      g_mutex_lock (&fake->lock);
      g_ptr_array_add (fake->paused, g_object_ref (msg));
      g_mutex_unlock (&fake->lock);
      return;
    }
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_TAKE, reply, strlen (reply));
}

static gpointer
fake_thread (gpointer data)
{
  ExsFakeModel *fake = data;
  g_autoptr (SoupServer) soup = NULL;
  g_autoptr (GError) error = NULL;
  GSList *uris;

  g_main_context_push_thread_default (fake->context);
  soup = soup_server_new (NULL, NULL);
  soup_server_add_handler (soup, "/v1/chat/completions", on_completion_cb, fake, NULL);
  g_assert_true (soup_server_listen_local (soup, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error));
  uris = soup_server_get_uris (soup);
  g_mutex_lock (&fake->lock);
  fake->port = g_uri_get_port (uris->data);
  g_cond_signal (&fake->ready);
  g_mutex_unlock (&fake->lock);
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);
  g_main_loop_run (fake->loop);
  g_ptr_array_set_size (fake->paused, 0);
  soup_server_disconnect (soup);
  g_main_context_pop_thread_default (fake->context);
  return NULL;
}

/**
 * exs_fake_model_start:
 *
 * Returns: (transfer full): a running fake; its port is known on return
 */
ExsFakeModel *
exs_fake_model_start (ExsFakeModelScript script)
{
  ExsFakeModel *fake = g_new0 (ExsFakeModel, 1);

  g_mutex_init (&fake->lock);
  g_cond_init (&fake->ready);
  fake->script = script;
  fake->requests = g_ptr_array_new_with_free_func (g_free);
  fake->auth = g_ptr_array_new_with_free_func (g_free);
  fake->paused = g_ptr_array_new_with_free_func (g_object_unref);
  fake->context = g_main_context_new ();
  fake->loop = g_main_loop_new (fake->context, FALSE);
  fake->thread = g_thread_new ("fake-model", fake_thread, fake);
  g_mutex_lock (&fake->lock);
  while (fake->port == 0)
    g_cond_wait (&fake->ready, &fake->lock);
  g_mutex_unlock (&fake->lock);
  return fake;
}

guint
exs_fake_model_get_port (ExsFakeModel *fake)
{
  return fake->port;
}

/* Returns: (transfer full): http://127.0.0.1:PORT/v1 */
char *
exs_fake_model_dup_base_url (ExsFakeModel *fake)
{
  return g_strdup_printf ("http://127.0.0.1:%u/v1", fake->port);
}

/**
 * exs_fake_model_dup_requests:
 *
 * Returns: (transfer full) (element-type utf8): the bodies of the requests
 *   about @channel, in order
 */
GPtrArray *
exs_fake_model_dup_requests (ExsFakeModel *fake, int channel)
{
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *prefix = g_strdup_printf ("%d\n", channel);

  g_mutex_lock (&fake->lock);
  for (guint i = 0; i < fake->requests->len; i++)
    if (g_str_has_prefix (fake->requests->pdata[i], prefix))
      g_ptr_array_add (out, g_strdup ((char *) fake->requests->pdata[i] + strlen (prefix)));
  g_mutex_unlock (&fake->lock);
  return out;
}

/* Returns: (transfer full) (nullable): the first request's Authorization header */
char *
exs_fake_model_dup_first_auth (ExsFakeModel *fake)
{
  char *auth;

  g_mutex_lock (&fake->lock);
  auth = fake->auth->len ? g_strdup (fake->auth->pdata[0]) : NULL;
  g_mutex_unlock (&fake->lock);
  return auth;
}

static gboolean
quit_cb (gpointer data)
{
  ExsFakeModel *fake = data;

  g_main_loop_quit (fake->loop);
  return G_SOURCE_REMOVE;
}

void
exs_fake_model_stop (ExsFakeModel *fake)
{
  g_main_context_invoke (fake->context, quit_cb, fake);
  g_thread_join (fake->thread);
  g_main_loop_unref (fake->loop);
  g_main_context_unref (fake->context);
  g_ptr_array_unref (fake->requests);
  g_ptr_array_unref (fake->auth);
  g_ptr_array_unref (fake->paused);
  g_mutex_clear (&fake->lock);
  g_cond_clear (&fake->ready);
  g_free (fake);
}
