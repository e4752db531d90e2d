/* exs-hdhr-discovery.c: ExsHdhrDiscovery, port 65001 as a real tuner speaks it.
 *
 * UDP: a discovery request (type 2, good CRC) asking for a tuner or any
 * device, and for our ID or any ID, gets a reply sent unicast to the asker:
 * DEVICE_TYPE, DEVICE_ID, TUNER_COUNT (1 byte), BASE_URL (scheme, IPv4 and
 * port only: libhdhomerun 2022 drops one longer than 28 characters),
 * LINEUP_URL and DEVICE_AUTH_STR (protocols.md §2.5–2.7). BASE_URL names the
 * local address the request arrived on, found by asking the kernel which
 * source address it would use towards the asker (a connected UDP socket, no
 * packet sent).
 *
 * TCP: the control channel. Each frame is a GETSET request; we answer the
 * names clients ask first (/sys/model — every `hdhomerun_config <ip> …`
 * starts with it — /sys/hwmodel, /sys/version, /sys/copyright,
 * /sys/features, help, /tuner<n>/status and its siblings). Sets are refused:
 * tuning happens over HTTP. Unknown names get the device's own error text.
 *
 * Both sockets are non-blocking and driven by the main loop (a GSocket source
 * for UDP, a GSocketService for TCP). Created and started by ExsApplication
 * when [hdhomerun] discovery_enabled is on.
 */
#include "config.h"

#include "exs-hdhr-discovery.h"

#include "exs-hdhr-packet.h"

#include <string.h>

#define MAX_CONNECTIONS 16
#define CONNECTION_IDLE_SECONDS 60
#define MAX_BASE_URL_CHARS 28
/* Replies waiting for a client that does not read: past this the client is
 * dropped (one read of 1460 bytes of "help" requests makes ~60 KiB). */
#define MAX_QUEUED_OUTPUT (64 * 1024)
/* UDP sources remembered for the reply rate limit; a flood of spoofed
 * sources fills it, and then new sources wait for the next window. */
#define MAX_RATE_SOURCES 1024
#define DEFAULT_REPLIES_PER_SECOND 5

typedef struct
{
  ExsHdhrDiscovery *owner; /* borrowed; the owner outlives its connections */
  GSocketConnection *conn;
  GByteArray *in;
  GByteArray *out;     /* queued while a write is pending */
  GByteArray *writing; /* the buffer being written */
  guint8 read_buf[EXS_HDHR_MAX_PACKET];
  GCancellable *cancellable;
  gboolean closed;
  gboolean reading;    /* a read is pending; none is while output is queued */
  int ref_count; /* the owner's list holds one, each pending read or write one */
} Connection;

struct _ExsHdhrDiscovery
{
  GObject parent_instance;

  ExsHdhrDevice *device;
  char *public_base_url;
  GSocket *udp;
  GSource *udp_source;
  GSocketService *tcp;
  GPtrArray *connections;     /* Connection*, owned */
  GInetAddress *bind_address; /* nullable: any */
  guint port;
  /* UDP replies per source address in the current one-second window */
  GHashTable *replies_sent;   /* address string -> count (GUINT_TO_POINTER) */
  gint64 window_start_us;
  guint replies_per_second;
};

G_DEFINE_TYPE (ExsHdhrDiscovery, exs_hdhr_discovery, G_TYPE_OBJECT)

static void connection_close (Connection *c);

static Connection *
connection_ref (Connection *c)
{
  c->ref_count++;
  return c;
}

static void
connection_unref (Connection *c)
{
  if (--c->ref_count > 0)
    return;
  g_cancellable_cancel (c->cancellable);
  g_object_unref (c->cancellable);
  if (!c->closed)
    g_io_stream_close (G_IO_STREAM (c->conn), NULL, NULL);
  g_object_unref (c->conn);
  g_byte_array_unref (c->in);
  g_byte_array_unref (c->out);
  if (c->writing)
    g_byte_array_unref (c->writing);
  g_free (c);
}

static void
exs_hdhr_discovery_dispose (GObject *object)
{
  ExsHdhrDiscovery *self = EXS_HDHR_DISCOVERY (object);

  exs_hdhr_discovery_stop (self);
  g_clear_object (&self->device);
  G_OBJECT_CLASS (exs_hdhr_discovery_parent_class)->dispose (object);
}

static void
exs_hdhr_discovery_finalize (GObject *object)
{
  ExsHdhrDiscovery *self = EXS_HDHR_DISCOVERY (object);

  g_ptr_array_unref (self->connections);
  g_free (self->public_base_url);
  g_hash_table_unref (self->replies_sent);
  G_OBJECT_CLASS (exs_hdhr_discovery_parent_class)->finalize (object);
}

static void
exs_hdhr_discovery_class_init (ExsHdhrDiscoveryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = exs_hdhr_discovery_dispose;
  object_class->finalize = exs_hdhr_discovery_finalize;
}

static void
exs_hdhr_discovery_init (ExsHdhrDiscovery *self)
{
  self->connections = g_ptr_array_new_with_free_func ((GDestroyNotify)connection_unref);
  self->replies_sent = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->replies_per_second = DEFAULT_REPLIES_PER_SECOND;
}

/**
 * exs_hdhr_discovery_set_replies_per_second:
 *
 * UDP discovery answers at most this many requests per second from one
 * source address ([hdhomerun] discovery_replies_per_second): a request is
 * 8 bytes and its reply ~110, so an unlimited responder amplifies floods
 * sent with a forged source.
 */
void
exs_hdhr_discovery_set_replies_per_second (ExsHdhrDiscovery *self, guint replies)
{
  self->replies_per_second = MAX (replies, 1);
}

/**
 * exs_hdhr_discovery_new:
 * @public_base_url: (nullable): [server] public_base_url, used as BASE_URL
 *   when it fits the 28 characters clients keep
 *
 * Returns: (transfer full): a responder, not listening yet
 */
ExsHdhrDiscovery *
exs_hdhr_discovery_new (ExsHdhrDevice *device, const char *public_base_url)
{
  ExsHdhrDiscovery *self = g_object_new (EXS_TYPE_HDHR_DISCOVERY, NULL);

  self->device = g_object_ref (device);
  self->public_base_url = g_strdup (public_base_url);
  return self;
}

/* ---- UDP discovery ---- */

/* The local IPv4 address the kernel would use to answer @peer. */
static char *
local_ip_towards (ExsHdhrDiscovery *self, GSocketAddress *peer)
{
  g_autoptr (GSocket) probe = NULL;
  g_autoptr (GSocketAddress) local = NULL;
  GInetAddress *peer_ip;

  if (self->bind_address != NULL && !g_inet_address_get_is_any (self->bind_address))
    return g_inet_address_to_string (self->bind_address);
  if (!G_IS_INET_SOCKET_ADDRESS (peer))
    return g_strdup ("127.0.0.1");
  peer_ip = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (peer));
  /* A broadcast sent inside a namespace may arrive from 0.0.0.0. */
  if (g_inet_address_get_is_any (peer_ip))
    return g_strdup ("127.0.0.1");
  probe = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
  if (probe == NULL || !g_socket_connect (probe, peer, NULL, NULL)
      || (local = g_socket_get_local_address (probe, NULL)) == NULL)
    return g_strdup ("127.0.0.1");
  return g_inet_address_to_string (
      g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (local)));
}

static char *
base_url_for_peer (ExsHdhrDiscovery *self, GSocketAddress *peer)
{
  g_autofree char *ip = NULL;

  if (self->public_base_url && self->public_base_url[0]
      && strlen (self->public_base_url) <= MAX_BASE_URL_CHARS
      && g_str_has_prefix (self->public_base_url, "http://")
      && strchr (self->public_base_url + 7, '/') == NULL)
    return g_strdup (self->public_base_url);
  ip = local_ip_towards (self, peer);
  return g_strdup_printf ("http://%s:%u", ip, exs_hdhr_device_get_http_port (self->device));
}

static gboolean
type_matches (GArray *tlvs)
{
  const ExsHdhrTlv *type = exs_hdhr_packet_find (tlvs, EXS_HDHR_TAG_DEVICE_TYPE);
  const ExsHdhrTlv *multi = exs_hdhr_packet_find (tlvs, EXS_HDHR_TAG_MULTI_TYPE);
  guint32 t;

  if (type == NULL && multi == NULL)
    return TRUE;
  if (exs_hdhr_tlv_get_u32 (type, &t)
      && (t == EXS_HDHR_DEVICE_TYPE_TUNER || t == EXS_HDHR_DEVICE_TYPE_WILDCARD))
    return TRUE;
  for (gsize i = 0; multi && i + 4 <= multi->length; i += 4)
    {
      ExsHdhrTlv one = { EXS_HDHR_TAG_DEVICE_TYPE, 4, multi->value + i };
      if (exs_hdhr_tlv_get_u32 (&one, &t)
          && (t == EXS_HDHR_DEVICE_TYPE_TUNER || t == EXS_HDHR_DEVICE_TYPE_WILDCARD))
        return TRUE;
    }
  return FALSE;
}

static gboolean
id_matches (ExsHdhrDiscovery *self, GArray *tlvs)
{
  const ExsHdhrTlv *tlv = exs_hdhr_packet_find (tlvs, EXS_HDHR_TAG_DEVICE_ID);
  guint32 id;

  if (tlv == NULL)
    return TRUE;
  if (!exs_hdhr_tlv_get_u32 (tlv, &id))
    return FALSE;
  return id == EXS_HDHR_DEVICE_ID_WILDCARD || id == exs_hdhr_device_get_id (self->device);
}

static GByteArray *
make_discover_reply (ExsHdhrDiscovery *self, GSocketAddress *peer)
{
  g_autofree char *base_url = base_url_for_peer (self, peer);
  g_autofree char *lineup_url = g_strconcat (base_url, "/lineup.json", NULL);
  GByteArray *p = exs_hdhr_packet_new (EXS_HDHR_TYPE_DISCOVER_RPY);
  guint8 tuners = (guint8)MIN (exs_hdhr_device_get_tuner_count (self->device), 255);

  exs_hdhr_packet_add_u32 (p, EXS_HDHR_TAG_DEVICE_TYPE, EXS_HDHR_DEVICE_TYPE_TUNER);
  exs_hdhr_packet_add_u32 (p, EXS_HDHR_TAG_DEVICE_ID, exs_hdhr_device_get_id (self->device));
  exs_hdhr_packet_add_tlv (p, EXS_HDHR_TAG_TUNER_COUNT, &tuners, 1);
  exs_hdhr_packet_add_string (p, EXS_HDHR_TAG_BASE_URL, base_url, FALSE);
  exs_hdhr_packet_add_string (p, EXS_HDHR_TAG_LINEUP_URL, lineup_url, FALSE);
  exs_hdhr_packet_add_string (p, EXS_HDHR_TAG_DEVICE_AUTH_STR,
                              exs_hdhr_device_get_auth (self->device), FALSE);
  exs_hdhr_packet_finish (p);
  return p;
}

/* Whether @peer may get one more reply in this second. */
static gboolean
reply_allowed (ExsHdhrDiscovery *self, GSocketAddress *peer)
{
  gint64 now = g_get_monotonic_time ();
  g_autofree char *source = NULL;
  guint n;

  if (!G_IS_INET_SOCKET_ADDRESS (peer))
    return FALSE;
  if (now - self->window_start_us >= G_USEC_PER_SEC)
    {
      g_hash_table_remove_all (self->replies_sent);
      self->window_start_us = now;
    }
  source = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (peer)));
  n = GPOINTER_TO_UINT (g_hash_table_lookup (self->replies_sent, source));
  if (n >= self->replies_per_second
      || (n == 0 && g_hash_table_size (self->replies_sent) >= MAX_RATE_SOURCES))
    return FALSE;
  g_hash_table_insert (self->replies_sent, g_steal_pointer (&source), GUINT_TO_POINTER (n + 1));
  return TRUE;
}

static gboolean
on_udp_readable_cb (GSocket *socket, GIOCondition condition, gpointer user_data)
{
  ExsHdhrDiscovery *self = user_data;

  for (;;)
    {
      guint8 buf[EXS_HDHR_MAX_PACKET];
      g_autoptr (GSocketAddress) peer = NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (GArray) tlvs = NULL;
      g_autoptr (GByteArray) reply = NULL;
      gssize n = g_socket_receive_from (socket, &peer, (char *)buf, sizeof buf, NULL, &error);
      guint16 type;

      if (n < 0)
        {
          if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
            g_debug ("discovery socket: %s", error->message);
          break;
        }
      if (!exs_hdhr_packet_parse (buf, (gsize)n, &type, &tlvs)
          || type != EXS_HDHR_TYPE_DISCOVER_REQ)
        continue; /* not ours to answer, not even with an error */
      if (!type_matches (tlvs) || !id_matches (self, tlvs))
        continue;
      if (!reply_allowed (self, peer))
        {
          g_debug ("discovery request dropped: over %u replies a second to that source", self->replies_per_second);
          continue;
        }
      reply = make_discover_reply (self, peer);
      if (g_socket_send_to (socket, peer, (const char *)reply->data, reply->len, NULL, &error) < 0)
        g_debug ("cannot answer a discovery request: %s", error->message);
    }
  return G_SOURCE_CONTINUE;
}

/* ---- TCP control ---- */

static char *
tuner_value (ExsHdhrDiscovery *self, guint tuner, const char *what)
{
  g_auto (GStrv) channels = exs_hdhr_device_dup_tuner_channels (self->device);
  const char *number = tuner < g_strv_length (channels) ? channels[tuner] : NULL;

  if (g_str_equal (what, "status"))
    return number ? g_strdup_printf ("ch=auto:v%s lock=8vsb ss=100 snq=100 seq=100 bps=0 pps=0",
                                     number)
                  : g_strdup ("ch=none lock=none ss=0 snq=0 seq=0 bps=0 pps=0");
  if (g_str_equal (what, "vchannel"))
    return g_strdup (number ? number : "none");
  if (g_str_equal (what, "channel"))
    return number ? g_strdup_printf ("auto:v%s", number) : g_strdup ("none");
  if (g_str_equal (what, "streaminfo"))
    return g_strdup (number ? "1: 0 HTTP\n" : "none\n");
  if (g_str_equal (what, "target") || g_str_equal (what, "lockkey"))
    {
      /* in use by an HTTP viewer (/auto/, /tuner<n>/): locked by it,
       * streaming to it */
      g_autofree char *client = number ? exs_hdhr_device_dup_tuner_client (self->device, number) : NULL;
      if (client == NULL)
        return g_strdup ("none");
      if (what[0] == 't')
        return g_strdup_printf ("tcp://%s", client);
      *strrchr (client, ':') = '\0';
      return g_steal_pointer (&client);
    }
  if (g_str_equal (what, "program"))
    return g_strdup ("0");
  if (g_str_equal (what, "channelmap"))
    return g_strdup ("us-cable");
  if (g_str_equal (what, "filter"))
    return g_strdup ("0x0000-0x1FFF");
  if (g_str_equal (what, "debug"))
    return g_strdup ("tun: ch=none\n");
  return NULL;
}

static const char help_text[] = "Supported configuration options:\n"
                                "/lineup/location\n"
                                "/sys/copyright\n"
                                "/sys/features\n"
                                "/sys/hwmodel\n"
                                "/sys/model\n"
                                "/sys/version\n"
                                "/tuner<n>/channel\n"
                                "/tuner<n>/channelmap\n"
                                "/tuner<n>/debug\n"
                                "/tuner<n>/filter\n"
                                "/tuner<n>/lockkey\n"
                                "/tuner<n>/program\n"
                                "/tuner<n>/status\n"
                                "/tuner<n>/streaminfo\n"
                                "/tuner<n>/target\n"
                                "/tuner<n>/vchannel\n"
                                "Tune over HTTP: GET /auto/v<channel number> (see /lineup.json).\n";

/* Returns: (transfer full) (nullable): the value of @name, %NULL if unknown */
static char *
getset_value (ExsHdhrDiscovery *self, const char *name)
{
  guint64 tuner;
  const char *slash;
  g_autofree char *index = NULL;

  if (g_str_equal (name, "help"))
    return g_strdup (help_text);
  if (g_str_equal (name, "/sys/model"))
    return g_strdup (EXS_HDHR_FIRMWARE_NAME);
  if (g_str_equal (name, "/sys/hwmodel"))
    return g_strdup (EXS_HDHR_MODEL_NUMBER);
  if (g_str_equal (name, "/sys/version"))
    return g_strdup (EXS_HDHR_FIRMWARE_VERSION);
  if (g_str_equal (name, "/sys/copyright"))
    return g_strdup (PACKAGE_NAME " " PACKAGE_VERSION
                                  " (GPL-3.0-or-later), an HDHomeRun-compatible channel server");
  if (g_str_equal (name, "/sys/features"))
    return g_strdup ("channelmap: us-cable\nmodulation: 8vsb\n");
  if (g_str_equal (name, "/lineup/location"))
    return g_strdup ("none");
  if (!g_str_has_prefix (name, "/tuner") || (slash = strchr (name + 6, '/')) == NULL)
    return NULL;
  index = g_strndup (name + 6, (gsize)(slash - (name + 6)));
  if (!g_ascii_string_to_unsigned (index, 10, 0, exs_hdhr_device_get_tuner_count (self->device) - 1,
                                   &tuner, NULL))
    return NULL;
  return tuner_value (self, (guint)tuner, slash + 1);
}

static GByteArray *
make_getset_reply (ExsHdhrDiscovery *self, GArray *tlvs)
{
  g_autofree char *name
      = exs_hdhr_tlv_dup_string (exs_hdhr_packet_find (tlvs, EXS_HDHR_TAG_GETSET_NAME));
  const ExsHdhrTlv *set = exs_hdhr_packet_find (tlvs, EXS_HDHR_TAG_GETSET_VALUE);
  GByteArray *p = exs_hdhr_packet_new (EXS_HDHR_TYPE_GETSET_RPY);
  g_autofree char *value = NULL;

  if (name == NULL)
    {
      exs_hdhr_packet_add_string (p, EXS_HDHR_TAG_ERROR_MESSAGE, "ERROR: missing getset name",
                                  TRUE);
      exs_hdhr_packet_finish (p);
      return p;
    }
  exs_hdhr_packet_add_string (p, EXS_HDHR_TAG_GETSET_NAME, name, TRUE);
  value = getset_value (self, name);
  if (value == NULL)
    exs_hdhr_packet_add_string (p, EXS_HDHR_TAG_ERROR_MESSAGE, "ERROR: unknown getset variable",
                                TRUE);
  else if (set != NULL)
    exs_hdhr_packet_add_string (p, EXS_HDHR_TAG_ERROR_MESSAGE,
                                "ERROR: read-only: this tuner is tuned over HTTP (/auto/v<number>)",
                                TRUE);
  else
    exs_hdhr_packet_add_string (p, EXS_HDHR_TAG_GETSET_VALUE, value, TRUE);
  exs_hdhr_packet_finish (p);
  return p;
}

static void connection_write_next (Connection *c);
static void connection_read_next (Connection *c);

static void
on_written_cb (GObject *stream, GAsyncResult *result, gpointer user_data)
{
  Connection *c = user_data;
  g_autoptr (GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (stream), result, NULL, &error))
    connection_close (c);
  else
    {
      g_clear_pointer (&c->writing, g_byte_array_unref);
      connection_write_next (c);
      /* everything written: read the next requests */
      if (c->writing == NULL && !c->reading && !c->closed)
        connection_read_next (c);
    }
  connection_unref (c);
}


static void
connection_write_next (Connection *c)
{
  GOutputStream *out;

  if (c->writing != NULL || c->out->len == 0 || c->closed)
    return;
  c->writing = c->out;
  c->out = g_byte_array_new ();
  out = g_io_stream_get_output_stream (G_IO_STREAM (c->conn));
  g_output_stream_write_all_async (out, c->writing->data, c->writing->len, G_PRIORITY_DEFAULT,
                                   c->cancellable, on_written_cb, connection_ref (c));
}

/* Handles every complete frame in the input; FALSE if the peer speaks nonsense. */
static gboolean
connection_handle_input (Connection *c)
{
  for (;;)
    {
      gssize len = exs_hdhr_packet_frame_length (c->in->data, c->in->len);
      g_autoptr (GArray) tlvs = NULL;
      g_autoptr (GByteArray) reply = NULL;
      guint16 type;

      if (len < 0)
        return FALSE;
      if (len == 0 || (gsize)len > c->in->len)
        return TRUE;
      if (!exs_hdhr_packet_parse (c->in->data, (gsize)len, &type, &tlvs))
        return FALSE;
      if (type == EXS_HDHR_TYPE_GETSET_REQ)
        {
          reply = make_getset_reply (c->owner, tlvs);
          g_byte_array_append (c->out, reply->data, reply->len);
          if (c->out->len > MAX_QUEUED_OUTPUT)
            {
              g_debug ("control connection dropped: %u bytes of replies it does not read", c->out->len);
              return FALSE;
            }
        }
      g_byte_array_remove_range (c->in, 0, (guint)len);
    }
}

static void
on_read_cb (GObject *stream, GAsyncResult *result, gpointer user_data)
{
  Connection *c = user_data;
  g_autoptr (GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (stream), result, &error);

  c->reading = FALSE;
  if (n > 0 && !c->closed)
    g_byte_array_append (c->in, c->read_buf, (guint)n);
  if (n <= 0 || c->closed || !connection_handle_input (c))
    connection_close (c);
  else
    {
      /* A client that sends requests without reading the replies is not
       * read from until they are written (issue 14: 3.6 GB in 10 s). */
      connection_write_next (c);
      if (c->writing == NULL)
        connection_read_next (c);
    }
  connection_unref (c);
}

static void
connection_read_next (Connection *c)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (c->conn));

  c->reading = TRUE;
  g_input_stream_read_async (in, c->read_buf, sizeof c->read_buf, G_PRIORITY_DEFAULT,
                             c->cancellable, on_read_cb, connection_ref (c));
}

/* Closes now; the struct goes once pending callbacks have seen the cancel. */
static void
connection_close (Connection *c)
{
  if (c->closed)
    return;
  c->closed = TRUE;
  g_cancellable_cancel (c->cancellable);
  g_io_stream_close (G_IO_STREAM (c->conn), NULL, NULL);
  g_ptr_array_remove (c->owner->connections, c);
}

static gboolean
on_incoming_cb (GSocketService *service, GSocketConnection *conn, GObject *source_object,
                gpointer user_data)
{
  ExsHdhrDiscovery *self = user_data;
  Connection *c;

  if (self->connections->len >= MAX_CONNECTIONS)
    {
      g_debug ("control connection refused: %u already open", self->connections->len);
      g_io_stream_close (G_IO_STREAM (conn), NULL, NULL);
      return TRUE;
    }
  c = g_new0 (Connection, 1);
  c->ref_count = 1;
  c->owner = self;
  c->conn = g_object_ref (conn);
  c->in = g_byte_array_new ();
  c->out = g_byte_array_new ();
  c->cancellable = g_cancellable_new ();
  g_socket_set_timeout (g_socket_connection_get_socket (conn), CONNECTION_IDLE_SECONDS);
  g_ptr_array_add (self->connections, c);
  connection_read_next (c);
  return TRUE;
}

/* ---- life ---- */

/**
 * exs_hdhr_discovery_start:
 * @bind_address: the HTTP server's listen address ("0.0.0.0", "127.0.0.1", …)
 * @port: 65001 for real clients; 0 picks a free one (tests)
 *
 * Binds UDP and TCP on the same port.
 */
gboolean
exs_hdhr_discovery_start (ExsHdhrDiscovery *self, const char *bind_address, guint port,
                          GError **error)
{
  g_autoptr (GInetAddress) ip = g_inet_address_new_from_string (bind_address);
  g_autoptr (GSocketAddress) address = NULL;
  g_autoptr (GSocketAddress) bound = NULL;
  g_autoptr (GSocketAddress) tcp_address = NULL;

  g_return_val_if_fail (self->udp == NULL, FALSE);
  /* Discovery is IPv4 broadcast; "::" (every interface) means 0.0.0.0 here. */
  if (ip == NULL
      || (g_inet_address_get_family (ip) == G_SOCKET_FAMILY_IPV6 && g_inet_address_get_is_any (ip)))
    {
      g_clear_object (&ip);
      ip = g_inet_address_new_any (G_SOCKET_FAMILY_IPV4);
    }
  self->bind_address = g_object_ref (ip);
  address = g_inet_socket_address_new (ip, (guint16)port);

  self->udp = g_socket_new (g_inet_address_get_family (ip), G_SOCKET_TYPE_DATAGRAM,
                            G_SOCKET_PROTOCOL_UDP, error);
  if (self->udp == NULL)
    goto fail;
  g_socket_set_blocking (self->udp, FALSE);
  if (!g_socket_bind (self->udp, address, FALSE, error))
    goto fail;
  bound = g_socket_get_local_address (self->udp, error);
  if (bound == NULL)
    goto fail;
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));

  self->tcp = g_socket_service_new ();
  tcp_address = g_inet_socket_address_new (ip, (guint16)self->port);
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (self->tcp), tcp_address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL, NULL,
                                      error))
    goto fail;
  g_signal_connect (self->tcp, "incoming", G_CALLBACK (on_incoming_cb), self);
  g_socket_service_start (self->tcp);

  self->udp_source = g_socket_create_source (self->udp, G_IO_IN, NULL);
  g_source_set_callback (self->udp_source, (GSourceFunc)(void (*) (void))on_udp_readable_cb, self,
                         NULL);
  g_source_attach (self->udp_source, NULL);
  g_debug ("HDHomeRun discovery and control on %s port %u", bind_address, self->port);
  return TRUE;

fail:
  exs_hdhr_discovery_stop (self);
  return FALSE;
}

guint
exs_hdhr_discovery_get_port (ExsHdhrDiscovery *self)
{
  return self->port;
}

/* Stops answering and closes every control connection. */
void
exs_hdhr_discovery_stop (ExsHdhrDiscovery *self)
{
  if (self->udp_source)
    {
      g_source_destroy (self->udp_source);
      g_clear_pointer (&self->udp_source, g_source_unref);
    }
  if (self->udp)
    g_socket_close (self->udp, NULL);
  g_clear_object (&self->udp);
  if (self->tcp)
    {
      g_socket_service_stop (self->tcp);
      g_socket_listener_close (G_SOCKET_LISTENER (self->tcp));
      g_signal_handlers_disconnect_by_data (self->tcp, self);
    }
  g_clear_object (&self->tcp);
  while (self->connections->len > 0)
    connection_close (self->connections->pdata[self->connections->len - 1]);
  g_clear_object (&self->bind_address);
}
