/* exs-api-artwork.c: GET /artwork/{library}/{path} — a Plex library's
 * artwork, fetched from its server with the token and passed on.
 *
 * The Plex sync stores artwork as this route (exs-media-server-artwork.c),
 * so the media API, /api/guide and the XMLTV guide show a path on this
 * server and never the Plex server's address with its token. Public, like
 * /logos/ (a guide client fetches icons without a token); it only fetches
 * Plex artwork paths (/library/metadata/<n>/thumb…) of a Plex library, from
 * that library's server, with the token as the X-Plex-Token header: nothing
 * else of the server can be reached through it. The image is read in the
 * main loop asynchronously, at most EXS_MEDIA_SERVER_ARTWORK_MAX_BYTES, with
 * the library's request timeout; anything but an image is a 502.
 */
#include "config.h"

#include "exs-api-context.h"

#include "exs-http-json.h"
#include "exs-library-store.h"
#include "exs-media-server-artwork.h"
#include "exs-media-server-config.h"

#include <libsoup/soup.h>

#define CHUNK (64 * 1024)

typedef struct
{
  SoupServerMessage *msg;
  SoupSession *session;
  SoupMessage *request;
  GByteArray *body;
  char *content_type;
} Fetch;

static void
fetch_free (Fetch *f)
{
  g_object_unref (f->msg);
  g_object_unref (f->session);
  g_object_unref (f->request);
  g_byte_array_unref (f->body);
  g_free (f->content_type);
  g_free (f);
}

/* Answers the paused request and lets go of the fetch. */
static void
fetch_done (Fetch *f, guint status, const char *why)
{
  if (why)
    exs_http_reply_error (f->msg, status, "artwork_unavailable", "the media server's artwork: %s", why);
  else
    {
      soup_server_message_set_status (f->msg, 200, NULL);
      soup_message_headers_replace (soup_server_message_get_response_headers (f->msg), "Cache-Control",
                                    "public, max-age=3600");
      soup_server_message_set_response (f->msg, f->content_type, SOUP_MEMORY_COPY, (const char *) f->body->data,
                                        f->body->len);
    }
  soup_server_message_unpause (f->msg);
  fetch_free (f);
}

static void
on_read_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Fetch *f = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) chunk = g_input_stream_read_bytes_finish (G_INPUT_STREAM (source), result, &error);

  if (chunk == NULL)
    {
      fetch_done (f, 502, error->message);
      return;
    }
  if (g_bytes_get_size (chunk) == 0)
    {
      fetch_done (f, 200, NULL);
      return;
    }
  if (f->body->len + g_bytes_get_size (chunk) > EXS_MEDIA_SERVER_ARTWORK_MAX_BYTES)
    {
      fetch_done (f, 502, "larger than 16 MiB");
      return;
    }
  g_byte_array_append (f->body, g_bytes_get_data (chunk, NULL), (guint) g_bytes_get_size (chunk));
  g_input_stream_read_bytes_async (G_INPUT_STREAM (source), CHUNK, G_PRIORITY_DEFAULT, NULL, on_read_cb, f);
}

static void
on_sent_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Fetch *f = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GInputStream) stream = soup_session_send_finish (SOUP_SESSION (source), result, &error);
  const char *type;
  guint status;

  if (stream == NULL)
    {
      fetch_done (f, 502, error->message);
      return;
    }
  status = soup_message_get_status (f->request);
  type = soup_message_headers_get_content_type (soup_message_get_response_headers (f->request), NULL);
  if (status != 200)
    {
      g_autofree char *why = g_strdup_printf ("the server answered %u", status);
      fetch_done (f, status == 404 ? 404 : 502, why);
      return;
    }
  if (type == NULL || !g_str_has_prefix (type, "image/"))
    {
      fetch_done (f, 502, "the server's answer is not an image");
      return;
    }
  f->content_type = g_strdup (type);
  g_input_stream_read_bytes_async (stream, CHUNK, G_PRIORITY_DEFAULT, NULL, on_read_cb, f);
}

static void
handle_artwork (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  ExsApiContext *ctx = data;
  const char *library_text = g_hash_table_lookup (params, "library");
  g_autofree char *path = exs_media_server_artwork_path (g_hash_table_lookup (params, "path"));
  g_autoptr (ExsLibraryRecord) library = NULL;
  g_autoptr (ExsMediaServerConfig) config = NULL;
  g_autofree char *json = NULL;
  g_autofree char *url = NULL;
  g_autoptr (GError) error = NULL;
  ExsMediaServerKind kind;
  guint64 id = 0;
  Fetch *f;

  if (path == NULL || !g_ascii_string_to_unsigned (library_text, 10, 1, G_MAXINT64, &id, NULL))
    {
      exs_http_reply_error (msg, 404, "not_found", "no such artwork");
      return;
    }
  library = exs_library_store_get (ctx->database, (gint64) id, &error);
  if (library == NULL && !exs_database_clear_not_found (&error))
    {
      exs_http_reply_gerror (msg, error);
      return;
    }
  if (library == NULL || !exs_media_server_kind_from_source (library->source, &kind) || kind != EXS_MEDIA_SERVER_PLEX
      || (json = exs_library_store_dup_source_config (ctx->database, library->id, &error)) == NULL
      || (config = exs_media_server_config_from_json (kind, json, &error)) == NULL)
    {
      exs_http_reply_error (msg, 404, "not_found", "no such artwork");
      return;
    }
  url = g_strconcat (config->url, path, NULL);
  f = g_new0 (Fetch, 1);
  f->msg = g_object_ref (msg);
  f->session = soup_session_new_with_options ("timeout", MAX (config->timeout_s, 1), "idle-timeout", 5, NULL);
  f->request = soup_message_new ("GET", url);
  f->body = g_byte_array_new ();
  if (f->request == NULL)
    {
      fetch_free (f);
      exs_http_reply_error (msg, 404, "not_found", "no such artwork");
      return;
    }
  if (config->token)
    soup_message_headers_replace (soup_message_get_request_headers (f->request), "X-Plex-Token", config->token);
  soup_server_message_pause (msg);
  soup_session_send_async (f->session, f->request, G_PRIORITY_DEFAULT, NULL, on_sent_cb, f);
}

void
exs_api_artwork_register (ExsHttpServer *server, ExsApiContext *context)
{
  exs_http_server_add_route (server, "GET,HEAD", "/artwork/{library}/{path}", EXS_HTTP_ROUTE_DEFAULT, handle_artwork,
                             context);
}
