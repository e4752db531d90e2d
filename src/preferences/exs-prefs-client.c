/* exs-prefs-client.c: ExsPrefsClient, how the preferences app talks to the server.
 *
 * Every request is a libsoup 3 async call on the main loop with a deadline of
 * its own, so a server that is stopped, hung or far away never blocks the UI:
 * the caller hears back within timeout_ms. The admin token is read from the
 * data dir (exs-paths, the same code the CLI uses) on first use and again after
 * a 401, since the server makes it at its first start. Replies are bounded in
 * size before they are parsed.
 */
#include "config.h"

#include "exs-prefs-client.h"

#include "exs-paths.h"

#include <glib/gi18n.h>
#include <libsoup/soup.h>
#include <string.h>

#define MAX_REPLY_BYTES (8 * 1024 * 1024)

struct _ExsPrefsClient
{
  GObject parent_instance;

  char *base_url;
  char *data_dir;
  char *token;
  SoupSession *session;
};

G_DEFINE_FINAL_TYPE (ExsPrefsClient, exs_prefs_client, G_TYPE_OBJECT)

/* An HTTP error carries the member the server's 422 names ("field"). */
typedef struct
{
  char *field;
} ExsPrefsClientErrorPrivate;

static void
exs_prefs_client_error_private_init (ExsPrefsClientErrorPrivate *priv)
{
  priv->field = NULL;
}

static void
exs_prefs_client_error_private_copy (const ExsPrefsClientErrorPrivate *src, ExsPrefsClientErrorPrivate *dest)
{
  dest->field = g_strdup (src->field);
}

static void
exs_prefs_client_error_private_clear (ExsPrefsClientErrorPrivate *priv)
{
  g_clear_pointer (&priv->field, g_free);
}

G_DEFINE_EXTENDED_ERROR (ExsPrefsClientError, exs_prefs_client_error)

/**
 * exs_prefs_client_error_get_field:
 *
 * Returns: (transfer none) (nullable): the member a server's error names
 * (`"watermark.opacity"`), or %NULL
 */
const char *
exs_prefs_client_error_get_field (const GError *error)
{
  ExsPrefsClientErrorPrivate *priv = error ? exs_prefs_client_error_get_private (error) : NULL;

  return priv ? priv->field : NULL;
}

typedef struct
{
  SoupMessage *msg;
  GCancellable *cancellable; /* ours: cancelled by the deadline or the caller's */
  GCancellable *caller_cancellable;
  gulong caller_handler;
  guint timeout_id;
  gboolean timed_out;
} Request;

static void
request_free (Request *r)
{
  g_clear_handle_id (&r->timeout_id, g_source_remove);
  if (r->caller_handler)
    g_cancellable_disconnect (r->caller_cancellable, r->caller_handler);
  g_clear_object (&r->caller_cancellable);
  g_clear_object (&r->cancellable);
  g_clear_object (&r->msg);
  g_free (r);
}

static void
exs_prefs_client_finalize (GObject *object)
{
  ExsPrefsClient *self = EXS_PREFS_CLIENT (object);

  g_clear_object (&self->session);
  g_free (self->base_url);
  g_free (self->data_dir);
  g_free (self->token);
  G_OBJECT_CLASS (exs_prefs_client_parent_class)->finalize (object);
}

static void
exs_prefs_client_class_init (ExsPrefsClientClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = exs_prefs_client_finalize;
}

static void
exs_prefs_client_init (ExsPrefsClient *self)
{
  self->session = soup_session_new_with_options ("user-agent", "exstreamtv-preferences/" PACKAGE_VERSION,
                                                 "max-conns", 8, NULL);
}

/**
 * exs_prefs_client_new:
 * @base_url: e.g. `http://127.0.0.1:8411`
 * @data_dir: where the server keeps its token
 *
 * Returns: (transfer full): a client
 */
ExsPrefsClient *
exs_prefs_client_new (const char *base_url, const char *data_dir)
{
  ExsPrefsClient *self = g_object_new (EXS_TYPE_PREFS_CLIENT, NULL);

  self->base_url = g_strdup (base_url);
  while (g_str_has_suffix (self->base_url, "/"))
    self->base_url[strlen (self->base_url) - 1] = '\0';
  self->data_dir = g_strdup (data_dir);
  return self;
}

const char *
exs_prefs_client_get_base_url (ExsPrefsClient *self)
{
  return self->base_url;
}

const char *
exs_prefs_client_get_data_dir (ExsPrefsClient *self)
{
  return self->data_dir;
}

/**
 * exs_prefs_client_channel_path:
 * @suffix: (nullable): e.g. `/health`
 *
 * Returns: (transfer full): `/api/channels/<number escaped><suffix>`
 */
char *
exs_prefs_client_channel_path (const char *number, const char *suffix)
{
  g_autofree char *esc = g_uri_escape_string (number, NULL, FALSE);
  return g_strconcat ("/api/channels/", esc, suffix, NULL);
}

static gboolean
on_deadline_cb (gpointer user_data)
{
  Request *r = user_data;

  r->timeout_id = 0;
  r->timed_out = TRUE;
  g_cancellable_cancel (r->cancellable);
  return G_SOURCE_REMOVE;
}

static void
on_caller_cancelled_cb (GCancellable *caller, gpointer user_data)
{
  g_cancellable_cancel (G_CANCELLABLE (user_data));
}

/* The server's error, with the field it names. */
static GError *
server_error (SoupMessage *msg, GBytes *bytes)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  gsize len = 0;
  const char *data = bytes ? g_bytes_get_data (bytes, &len) : NULL;

  if (data && json_parser_load_from_data (parser, data, (gssize) len, NULL)
      && JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      JsonObject *root = json_node_get_object (json_parser_get_root (parser));
      JsonNode *node = json_object_get_member (root, "error");
      JsonObject *err = node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *message = err ? json_object_get_string_member_with_default (err, "message", NULL) : NULL;
      if (message)
        {
          GError *error = g_error_new (EXS_PREFS_CLIENT_ERROR, EXS_PREFS_CLIENT_ERROR_HTTP, "%s", message);
          exs_prefs_client_error_get_private (error)->field
            = g_strdup (json_object_get_string_member_with_default (err, "field", NULL));
          return error;
        }
    }
  return g_error_new (EXS_PREFS_CLIENT_ERROR, EXS_PREFS_CLIENT_ERROR_HTTP, "%u %s", soup_message_get_status (msg),
                      soup_status_get_phrase (soup_message_get_status (msg)));
}

static void
on_sent_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  ExsPrefsClient *self = g_task_get_source_object (task);
  Request *r = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = soup_session_send_and_read_finish (SOUP_SESSION (source), result, &error);
  guint status;
  gsize len = 0;
  const char *data;

  if (bytes == NULL)
    {
      if (r->timed_out)
        g_task_return_new_error (task, EXS_PREFS_CLIENT_ERROR, EXS_PREFS_CLIENT_ERROR_UNREACHABLE,
                                 _("The server at %s did not answer in time"), self->base_url);
      else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else
        g_task_return_new_error (task, EXS_PREFS_CLIENT_ERROR,
                                 g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED)
                                   ? EXS_PREFS_CLIENT_ERROR_REFUSED : EXS_PREFS_CLIENT_ERROR_UNREACHABLE,
                                 _("Cannot reach the server at %s: %s"), self->base_url, error->message);
      return;
    }
  status = soup_message_get_status (r->msg);
  if (status == SOUP_STATUS_UNAUTHORIZED)
    g_clear_pointer (&self->token, g_free); /* read it again next time */
  if (status >= 300)
    {
      g_task_return_error (task, server_error (r->msg, bytes));
      return;
    }
  data = g_bytes_get_data (bytes, &len);
  if (len == 0)
    {
      g_task_return_pointer (task, json_node_init_object (json_node_alloc (), json_object_new ()),
                             (GDestroyNotify) json_node_unref);
      return;
    }
  if (len > MAX_REPLY_BYTES)
    {
      g_task_return_new_error (task, EXS_PREFS_CLIENT_ERROR, EXS_PREFS_CLIENT_ERROR_HTTP,
                               _("The server's answer is too large"));
      return;
    }
  {
    g_autoptr (JsonParser) parser = json_parser_new ();
    if (!json_parser_load_from_data (parser, data, (gssize) len, &error) || json_parser_get_root (parser) == NULL)
      {
        g_task_return_new_error (task, EXS_PREFS_CLIENT_ERROR, EXS_PREFS_CLIENT_ERROR_HTTP,
                                 _("The server's answer is not JSON: %s"), error ? error->message : "");
        return;
      }
    g_task_return_pointer (task, json_node_copy (json_parser_get_root (parser)), (GDestroyNotify) json_node_unref);
  }
}

/**
 * exs_prefs_client_request_async:
 * @body: (nullable): a JSON body
 * @timeout_ms: the deadline for the whole exchange
 *
 * Sends `METHOD base_url+path` with the admin token. Never blocks.
 */
void
exs_prefs_client_request_async (ExsPrefsClient *self, const char *method, const char *path, JsonNode *body,
                                guint timeout_ms, GCancellable *cancellable, GAsyncReadyCallback callback,
                                gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (self, cancellable, callback, user_data);
  g_autofree char *url = g_strconcat (self->base_url, path, NULL);
  g_autoptr (GError) error = NULL;
  Request *r;

  g_task_set_source_tag (task, exs_prefs_client_request_async);
  if (self->token == NULL)
    self->token = exs_paths_read_token (self->data_dir, &error);
  if (self->token == NULL)
    {
      g_task_return_new_error (task, EXS_PREFS_CLIENT_ERROR, EXS_PREFS_CLIENT_ERROR_NO_TOKEN,
                               _("No admin token in %s: has the server been started with this data folder?"),
                               self->data_dir);
      return;
    }
  r = g_new0 (Request, 1);
  r->msg = soup_message_new (method, url);
  g_task_set_task_data (task, r, (GDestroyNotify) request_free);
  if (r->msg == NULL)
    {
      g_task_return_new_error (task, EXS_PREFS_CLIENT_ERROR, EXS_PREFS_CLIENT_ERROR_UNREACHABLE,
                               _("“%s” is not a valid server address"), url);
      return;
    }
  {
    g_autofree char *auth = g_strconcat ("Bearer ", self->token, NULL);
    soup_message_headers_replace (soup_message_get_request_headers (r->msg), "Authorization", auth);
  }
  if (body)
    {
      char *text = json_to_string (body, FALSE);
      gsize n = strlen (text);
      g_autoptr (GBytes) bytes = g_bytes_new_take (text, n);
      soup_message_set_request_body_from_bytes (r->msg, "application/json", bytes);
    }
  r->cancellable = g_cancellable_new ();
  if (cancellable)
    {
      r->caller_cancellable = g_object_ref (cancellable);
      r->caller_handler = g_cancellable_connect (cancellable, G_CALLBACK (on_caller_cancelled_cb),
                                                 g_object_ref (r->cancellable), g_object_unref);
    }
  r->timeout_id = g_timeout_add (timeout_ms, on_deadline_cb, r);
  soup_session_send_and_read_async (self->session, r->msg, G_PRIORITY_DEFAULT, r->cancellable, on_sent_cb,
                                    g_steal_pointer (&task));
}

JsonNode *
exs_prefs_client_request_finish (ExsPrefsClient *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
