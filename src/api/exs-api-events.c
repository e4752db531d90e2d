/* exs-api-events.c: GET /api/events, the web UI's live updates as
 * server-sent events (text/event-stream), straight from libsoup: the
 * response is chunked, each event is one chunk appended to the message body
 * and the message is unpaused to write it.
 *
 * Events:
 *   status  on connect, then whenever it changed: channels (state, health,
 *           viewers, now/next), the pipeline pool and the problems. The
 *           server looks every STATUS_TICK_MS while anyone listens and sends
 *           only a different document, so a burst of changes is one event
 *           and there are at most 2 a second;
 *   scan    a library scan's progress, when it changed;
 *   log     one log line (with ?logs=1), from the server's log ring.
 * At most MAX_CLIENTS listen (503 past that); a client more than
 * MAX_BACKLOG_BYTES behind is dropped; a ": keepalive" comment goes out every
 * KEEPALIVE_S so proxies and browsers keep the stream open.
 */
#include "config.h"

#include "exs-api-context.h"
#include "exs-api-format.h"
#include "exs-channel-manager.h"
#include "exs-channel-store.h"
#include "exs-http-json.h"
#include "exs-json-members.h"
#include "exs-library-store.h"
#include "exs-log-ring.h"

#include <string.h>

#define MAX_CLIENTS 32
#define MAX_BACKLOG_BYTES (1024 * 1024)
#define STATUS_TICK_MS 500
#define KEEPALIVE_S 15
#define US G_USEC_PER_SEC

typedef struct _Hub Hub;

typedef struct
{
  Hub *hub;
  SoupServerMessage *msg; /* owned */
  gboolean logs;
  guint64 queued_bytes; /* appended but not yet written */
  gulong finished_id, wrote_id;
  GSource *hangup; /* the socket turned readable: the page went away */
} Client;

struct _Hub
{
  ExsApiContext *ctx;
  GPtrArray *clients; /* Client*, owned */
  char *last_status;  /* the last status sent, as JSON text */
  GHashTable *last_scan; /* library id (gint64*) -> JSON text */
  gboolean scan_primed;  /* last_scan holds every library seen since listening began */
  guint tick_id, keepalive_id;
  gulong log_id;
};

/* ---- the status document ---- */

static const char *
state_name (ExsChannel *channel)
{
  if (channel == NULL)
    return "stopped";
  switch (exs_channel_get_state (channel))
    {
    case EXS_CHANNEL_STARTING:
      return "starting";
    case EXS_CHANNEL_PROGRAMME:
    case EXS_CHANNEL_OFFLINE:
      return "playing";
    case EXS_CHANNEL_ERROR_SCREEN:
      return "error-screen";
    case EXS_CHANNEL_STOPPED:
    default:
      return "stopped";
    }
}

static const char *
health_name (ExsChannelHealth health)
{
  switch (health)
    {
    case EXS_CHANNEL_HEALTHY:
      return "healthy";
    case EXS_CHANNEL_DEGRADED:
      return "degraded";
    default:
      return "failing";
    }
}

static JsonNode *
programme_node (const ExsPlayoutItem *it, const char *channel_name)
{
  JsonObject *o;
  JsonNode *n;
  g_autofree char *start = NULL;
  g_autofree char *stop = NULL;

  if (it == NULL)
    return json_node_new (JSON_NODE_NULL);
  o = json_object_new ();
  start = exs_api_format_time (it->start_us / US);
  stop = exs_api_format_time (it->stop_us / US);
  json_object_set_string_member (o, "title", it->title ? it->title : channel_name);
  json_object_set_string_member (o, "start", start);
  json_object_set_string_member (o, "stop", stop);
  exs_api_set_id_or_null (o, "media_id", it->media_item_id);
  n = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (n, o);
  return n;
}

static void
add_problem (JsonArray *problems, const char *kind, const char *channel, gint64 library_id, const char *message)
{
  JsonObject *p = json_object_new ();

  json_object_set_string_member (p, "kind", kind);
  if (channel)
    json_object_set_string_member (p, "channel", channel);
  if (library_id > 0)
    json_object_set_int_member (p, "library_id", library_id);
  json_object_set_string_member (p, "message", message);
  json_array_add_object_element (problems, p);
}

static JsonObject *
channel_status (ExsApiContext *ctx, const ExsChannelRecord *c, JsonArray *problems)
{
  JsonObject *o = json_object_new ();
  ExsChannel *channel = ctx->channel_manager ? exs_channel_manager_get_channel (ctx->channel_manager, c->number) : NULL;
  gboolean running = channel && exs_channel_get_state (channel) != EXS_CHANNEL_STOPPED;
  /* the monitor only knows running channels */
  ExsChannelHealth health = ctx->health && running ? exs_health_monitor_get_status (ctx->health, c->number)
                                                   : EXS_CHANNEL_HEALTHY;
  g_autofree char *reason = ctx->channel_manager
                                ? exs_channel_manager_dup_pipeline_reason (ctx->channel_manager, c->number)
                                : NULL;
  g_autoptr (ExsPlayoutItem) now = NULL;
  g_autoptr (ExsPlayoutItem) next = NULL;
  g_auto (GStrv) schedule_problems = NULL;

  if (ctx->playout_source && c->enabled)
    {
      now = exs_playout_source_lookup (ctx->playout_source, c->number, g_get_real_time (), NULL);
      if (now)
        next = exs_playout_source_lookup (ctx->playout_source, c->number, now->stop_us, NULL);
    }
  json_object_set_string_member (o, "number", c->number);
  json_object_set_string_member (o, "name", c->name);
  json_object_set_string_member (o, "group", c->group_title ? c->group_title : "");
  json_object_set_boolean_member (o, "enabled", c->enabled);
  json_object_set_boolean_member (o, "always_on", c->always_on);
  json_object_set_string_member (o, "state", state_name (channel));
  json_object_set_string_member (o, "health", health_name (health));
  exs_json_set_string_or_null (o, "reason", reason);
  json_object_set_int_member (o, "viewers", ctx->sessions ? exs_session_manager_count_channel (ctx->sessions, c->number)
                                                          : 0);
  json_object_set_member (o, "now", programme_node (now, c->name));
  json_object_set_member (o, "next", programme_node (next, c->name));

  if (health != EXS_CHANNEL_HEALTHY)
    {
      g_autofree char *m = g_strdup_printf ("channel %s is %s%s%s", c->number, health_name (health),
                                            reason ? ": " : "", reason ? reason : "");
      add_problem (problems, "source", c->number, 0, m);
    }
  schedule_problems = ctx->playout_builder && c->enabled
                          ? exs_playout_builder_dup_problems (ctx->playout_builder, c->number)
                          : NULL;
  for (guint i = 0; schedule_problems && schedule_problems[i]; i++)
    add_problem (problems, "schedule", c->number, 0, schedule_problems[i]);
  return o;
}

static void
add_library_problems (ExsApiContext *ctx, JsonArray *problems)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) libraries = exs_library_store_list (ctx->database, &error);

  if (libraries == NULL)
    {
      g_autofree char *m = g_strdup_printf ("cannot read the libraries: %s", error->message);
      add_problem (problems, "database", NULL, 0, m);
      return;
    }
  for (guint i = 0; i < libraries->len; i++)
    {
      const ExsLibraryRecord *l = libraries->pdata[i];
      g_autofree char *m = NULL;

      if (l->last_scan_error)
        m = g_strdup_printf ("library “%s”: the last scan stopped: %s", l->name, l->last_scan_error);
      else if (l->last_failed > 0 || l->last_issues > 0)
        m = g_strdup_printf ("library “%s”: %u files could not be read, %u other issues", l->name, l->last_failed,
                             l->last_issues);
      if (m)
        add_problem (problems, "library", NULL, l->id, m);
    }
}

/**
 * exs_api_events_dup_status:
 *
 * Returns: (transfer full): the "status" event's document
 */
JsonObject *
exs_api_events_dup_status (ExsApiContext *ctx)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) channels = exs_channel_store_list (ctx->database, &error);
  JsonObject *root = json_object_new ();
  JsonArray *arr = json_array_new ();
  JsonArray *problems = json_array_new ();
  JsonObject *pool = json_object_new ();

  if (channels == NULL)
    {
      /* the page must not show "no channels" when the database failed */
      g_autofree char *m = g_strdup_printf ("cannot read the channels: %s", error->message);
      add_problem (problems, "database", NULL, 0, m);
    }
  for (guint i = 0; channels && i < channels->len; i++)
    json_array_add_object_element (arr, channel_status (ctx, channels->pdata[i], problems));
  add_library_problems (ctx, problems);
  json_object_set_int_member (pool, "running", ctx->pool ? exs_pipeline_pool_get_in_use (ctx->pool) : 0);
  json_object_set_int_member (pool, "max", ctx->pool ? exs_pipeline_pool_get_capacity (ctx->pool) : 0);
  json_object_set_array_member (root, "channels", arr);
  json_object_set_object_member (root, "pool", pool);
  json_object_set_array_member (root, "problems", problems);
  return root;
}

/* ---- clients ---- */

static char *
to_text (JsonObject *o)
{
  g_autoptr (JsonNode) n = json_node_new (JSON_NODE_OBJECT);

  json_node_set_object (n, o);
  return json_to_string (n, FALSE);
}

static void
client_write (Client *c, const char *text)
{
  gsize len = strlen (text);

  if (c->queued_bytes + len > MAX_BACKLOG_BYTES)
    {
      GSocket *sock = soup_server_message_get_socket (c->msg);

      g_message ("an event stream client fell %" G_GUINT64_FORMAT " bytes behind; dropping it", c->queued_bytes);
      if (sock)
        g_socket_shutdown (sock, TRUE, TRUE, NULL);
      return;
    }
  c->queued_bytes += len;
  soup_message_body_append (soup_server_message_get_response_body (c->msg), SOUP_MEMORY_COPY, text, len);
  soup_server_message_unpause (c->msg);
}

static void
client_send (Client *c, const char *event, const char *data)
{
  g_autofree char *text = g_strdup_printf ("event: %s\ndata: %s\n\n", event, data);

  client_write (c, text);
}

static void
broadcast (Hub *hub, const char *event, const char *data, gboolean logs_only)
{
  for (guint i = 0; i < hub->clients->len; i++)
    {
      Client *c = hub->clients->pdata[i];
      if (!logs_only || c->logs)
        client_send (c, event, data);
    }
}

static void
send_scan_changes (Hub *hub)
{
  g_autoptr (GPtrArray) libraries = NULL;
  g_autoptr (GError) error = NULL;

  if (hub->ctx->library_scanner == NULL)
    return;
  libraries = exs_library_store_list (hub->ctx->database, &error);
  if (libraries == NULL)
    {
      /* the status event carries it as a problem; this runs twice a second */
      g_debug ("scan changes: %s", error->message);
      return;
    }
  for (guint i = 0; i < libraries->len; i++)
    {
      const ExsLibraryRecord *l = libraries->pdata[i];
      ExsLibraryScanProgress p = { 0 };
      g_autoptr (JsonObject) o = json_object_new ();
      g_autofree char *text = NULL;
      const char *state;

      if (exs_library_scanner_get_progress (hub->ctx->library_scanner, l->id, &p) && (p.scanning || p.queued))
        state = p.scanning ? "scanning" : "queued";
      else if (l->last_scan_finished_at == 0)
        continue; /* never scanned yet: nothing to tell */
      else
        {
          state = l->last_scan_error ? "failed" : "done";
          p.found = l->last_found;
          p.probed = l->last_probed;
          p.failed = l->last_failed;
        }
      json_object_set_int_member (o, "library_id", l->id);
      json_object_set_string_member (o, "state", state);
      json_object_set_int_member (o, "found", p.found);
      json_object_set_int_member (o, "probed", p.probed);
      json_object_set_int_member (o, "failed", p.failed);
      text = to_text (o);
      if (g_strcmp0 (g_hash_table_lookup (hub->last_scan, &l->id), text) != 0)
        {
          /* the first look only remembers: listeners do not need old news;
           * after that a new library or a change is news */
          if (hub->scan_primed || p.scanning || p.queued)
            broadcast (hub, "scan", text, FALSE);
          g_hash_table_replace (hub->last_scan, g_memdup2 (&l->id, sizeof l->id), g_steal_pointer (&text));
        }
    }
  hub->scan_primed = TRUE;
}

static gboolean
on_tick_cb (gpointer data)
{
  Hub *hub = data;
  g_autoptr (JsonObject) status = exs_api_events_dup_status (hub->ctx);
  g_autofree char *text = to_text (status);

  if (g_strcmp0 (text, hub->last_status) != 0)
    {
      broadcast (hub, "status", text, FALSE);
      g_free (hub->last_status);
      hub->last_status = g_steal_pointer (&text);
    }
  send_scan_changes (hub);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_keepalive_cb (gpointer data)
{
  Hub *hub = data;

  for (guint i = 0; i < hub->clients->len; i++)
    client_write (hub->clients->pdata[i], ": keepalive\n\n");
  return G_SOURCE_CONTINUE;
}

static void
on_log_line_cb (ExsLogRing *ring, JsonObject *line, gpointer data)
{
  Hub *hub = data;
  g_autofree char *text = to_text (line);

  broadcast (hub, "log", text, TRUE);
}

static void
hub_update_timers (Hub *hub)
{
  gboolean any = hub->clients->len > 0;

  if (any && hub->tick_id == 0)
    {
      hub->tick_id = g_timeout_add (STATUS_TICK_MS, on_tick_cb, hub);
      hub->keepalive_id = g_timeout_add_seconds (KEEPALIVE_S, on_keepalive_cb, hub);
      send_scan_changes (hub); /* remember how the libraries stand now: what follows is news */
    }
  else if (!any && hub->tick_id != 0)
    {
      g_clear_handle_id (&hub->tick_id, g_source_remove);
      g_clear_handle_id (&hub->keepalive_id, g_source_remove);
      g_clear_pointer (&hub->last_status, g_free);
      g_hash_table_remove_all (hub->last_scan);
      hub->scan_primed = FALSE;
    }
}

static void
client_free (Client *c)
{
  if (c->hangup)
    {
      g_source_destroy (c->hangup);
      g_source_unref (c->hangup);
    }
  g_signal_handler_disconnect (c->msg, c->finished_id);
  g_signal_handler_disconnect (c->msg, c->wrote_id);
  g_object_unref (c->msg);
  g_free (c);
}

static void
on_client_finished_cb (SoupServerMessage *msg, gpointer data)
{
  Client *c = data;
  Hub *hub = c->hub;

  g_ptr_array_remove (hub->clients, c);
  hub_update_timers (hub);
}

static void
on_client_wrote_cb (SoupServerMessage *msg, guint chunk_size, gpointer data)
{
  Client *c = data;

  c->queued_bytes -= MIN (c->queued_bytes, chunk_size);
}

/* An event stream's client sends nothing after its request, so a readable
 * socket means it closed. libsoup, paused between events, would only notice
 * at the next write: shut the socket and write now, which ends the message. */
static gboolean
on_client_readable_cb (GSocket *socket, GIOCondition condition, gpointer data)
{
  Client *c = data;
  char byte;
  gssize n = g_socket_receive_with_blocking (socket, &byte, 1, FALSE, NULL, NULL);

  if (n > 0)
    {
      /* not a hang-up (a pipelined request?): stop watching rather than spin */
      g_clear_pointer (&c->hangup, g_source_unref);
      return G_SOURCE_REMOVE;
    }
  if (n < 0 && !(condition & (G_IO_HUP | G_IO_ERR)))
    return G_SOURCE_CONTINUE; /* would block after all */
  g_socket_shutdown (socket, TRUE, TRUE, NULL);
  g_clear_pointer (&c->hangup, g_source_unref);
  client_write (c, ": bye\n\n");
  return G_SOURCE_REMOVE;
}

static void
watch_hangup (Client *c)
{
  GSocket *socket = soup_server_message_get_socket (c->msg);

  if (socket == NULL)
    return;
  c->hangup = g_socket_create_source (socket, G_IO_IN | G_IO_HUP | G_IO_ERR, NULL);
  g_source_set_callback (c->hangup, G_SOURCE_FUNC (on_client_readable_cb), c, NULL);
  g_source_attach (c->hangup, NULL);
}

static void
handle_events (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  Hub *hub = data;
  const char *logs = query ? g_hash_table_lookup (query, "logs") : NULL;
  SoupMessageHeaders *h = soup_server_message_get_response_headers (msg);
  g_autoptr (JsonObject) status = NULL;
  g_autofree char *text = NULL;
  Client *c;

  if (hub->clients->len >= MAX_CLIENTS)
    {
      soup_message_headers_replace (h, "Retry-After", "10");
      exs_http_reply_error (msg, 503, "too-many-listeners", "%d pages already listen to the events; close one",
                            MAX_CLIENTS);
      return;
    }
  c = g_new0 (Client, 1);
  c->hub = hub;
  c->msg = g_object_ref (msg);
  c->logs = g_strcmp0 (logs, "1") == 0;
  soup_server_message_set_status (msg, 200, NULL);
  soup_message_headers_set_content_type (h, "text/event-stream", NULL);
  soup_message_headers_replace (h, "Cache-Control", "no-store");
  soup_message_headers_replace (h, "X-Accel-Buffering", "no");
  soup_message_headers_set_encoding (h, SOUP_ENCODING_CHUNKED);
  soup_message_body_set_accumulate (soup_server_message_get_response_body (msg), FALSE);
  c->finished_id = g_signal_connect (msg, "finished", G_CALLBACK (on_client_finished_cb), c);
  c->wrote_id = g_signal_connect (msg, "wrote-body-data", G_CALLBACK (on_client_wrote_cb), c);
  g_ptr_array_add (hub->clients, c);
  hub_update_timers (hub);
  watch_hangup (c);

  /* a newcomer gets the whole picture at once; the others only changes */
  status = exs_api_events_dup_status (hub->ctx);
  text = to_text (status);
  client_write (c, "retry: 3000\n\n");
  client_send (c, "status", text);
  if (hub->last_status == NULL)
    hub->last_status = g_steal_pointer (&text);
}

static void
hub_free (Hub *hub)
{
  g_clear_handle_id (&hub->tick_id, g_source_remove);
  g_clear_handle_id (&hub->keepalive_id, g_source_remove);
  if (hub->log_id)
    g_signal_handler_disconnect (exs_log_ring_get_default (), hub->log_id);
  g_ptr_array_unref (hub->clients);
  g_hash_table_unref (hub->last_scan);
  g_free (hub->last_status);
  g_free (hub);
}

void
exs_api_events_register (ExsHttpServer *server, ExsApiContext *context)
{
  Hub *hub = g_new0 (Hub, 1);

  hub->ctx = context;
  hub->clients = g_ptr_array_new_with_free_func ((GDestroyNotify) client_free);
  hub->last_scan = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, g_free);
  hub->log_id = g_signal_connect (exs_log_ring_get_default (), "line", G_CALLBACK (on_log_line_cb), hub);
  /* the hub lives as long as the server that routes to it */
  g_object_set_data_full (G_OBJECT (server), "exs-api-events", hub, (GDestroyNotify) hub_free);
  exs_http_server_add_route (server, "GET", "/api/events", EXS_HTTP_ROUTE_DEFAULT, handle_events, hub);
}
