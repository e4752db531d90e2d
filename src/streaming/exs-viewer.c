/* exs-viewer.c: ExsViewer, one client connection to a channel.
 *
 * Created by the channel manager when it steals a /iptv/channel/N.ts (or
 * HDHomeRun) connection from libsoup; owned by its ExsChannel while the
 * channel's multisocketsink serves it. Holds the stolen GIOStream (whose last
 * reference closes the fd), the socket, the start time, the bytes sent and a
 * state. The session manager follows viewers through the channel's
 * viewer-added/viewer-removed signals. Main thread only.
 */
#include "config.h"

#include "exs-viewer.h"

struct _ExsViewer
{
  GObject parent_instance;

  guint64 id;
  char *channel_number;
  char *remote_address;
  GSocket *socket;
  GIOStream *stream;
  gint64 started_us;
  guint64 bytes_sent;
  gint64 requested_us;  /* when its HTTP request arrived (monotonic) */
  guint64 session_id;   /* the application's session for it; 0: none */
  ExsViewerState state;
  char *close_reason;
};

enum
{
  PROP_0,
  PROP_STATE,
  PROP_BYTES_SENT,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

G_DEFINE_TYPE (ExsViewer, exs_viewer, G_TYPE_OBJECT)

static void
exs_viewer_dispose (GObject *object)
{
  ExsViewer *self = EXS_VIEWER (object);

  exs_viewer_close (self, NULL);
  g_clear_object (&self->socket);
  G_OBJECT_CLASS (exs_viewer_parent_class)->dispose (object);
}

static void
exs_viewer_finalize (GObject *object)
{
  ExsViewer *self = EXS_VIEWER (object);

  g_free (self->channel_number);
  g_free (self->remote_address);
  g_free (self->close_reason);
  G_OBJECT_CLASS (exs_viewer_parent_class)->finalize (object);
}

static void
exs_viewer_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  ExsViewer *self = EXS_VIEWER (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_int (value, self->state);
      break;
    case PROP_BYTES_SENT:
      g_value_set_uint64 (value, self->bytes_sent);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
exs_viewer_class_init (ExsViewerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = exs_viewer_dispose;
  object_class->finalize = exs_viewer_finalize;
  object_class->get_property = exs_viewer_get_property;
  props[PROP_STATE] = g_param_spec_int ("state", NULL, NULL, EXS_VIEWER_CONNECTING, EXS_VIEWER_CLOSED,
                                        EXS_VIEWER_CONNECTING, G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  props[PROP_BYTES_SENT] = g_param_spec_uint64 ("bytes-sent", NULL, NULL, 0, G_MAXUINT64, 0,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
exs_viewer_init (ExsViewer *self)
{
}

/**
 * exs_viewer_new:
 * @socket: (transfer none): the client's socket
 * @stream: (transfer full): the connection stolen from libsoup
 */
ExsViewer *
exs_viewer_new (const char *channel_number, GSocket *socket, GIOStream *stream)
{
  static guint64 next_id = 1;
  ExsViewer *self = g_object_new (EXS_TYPE_VIEWER, NULL);
  g_autoptr (GSocketAddress) addr = g_socket_get_remote_address (socket, NULL);

  self->id = next_id++;
  self->channel_number = g_strdup (channel_number);
  self->socket = g_object_ref (socket);
  self->stream = stream;
  self->started_us = g_get_real_time ();
  if (addr && G_IS_INET_SOCKET_ADDRESS (addr))
    {
      g_autofree char *ip = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (addr)));
      self->remote_address =
          g_strdup_printf ("%s:%u", ip, (guint) g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (addr)));
    }
  else
    self->remote_address = g_strdup ("unknown");
  return self;
}

guint64
exs_viewer_get_id (ExsViewer *self)
{
  return self->id;
}

const char *
exs_viewer_get_channel_number (ExsViewer *self)
{
  return self->channel_number;
}

const char *
exs_viewer_get_remote_address (ExsViewer *self)
{
  return self->remote_address;
}

/**
 * exs_viewer_get_socket:
 *
 * Returns: (transfer none): the client's socket
 */
GSocket *
exs_viewer_get_socket (ExsViewer *self)
{
  return self->socket;
}

/**
 * exs_viewer_get_stream:
 *
 * Returns: (transfer none) (nullable): the connection, NULL once closed
 */
GIOStream *
exs_viewer_get_stream (ExsViewer *self)
{
  return self->stream;
}

gint64
exs_viewer_get_started_us (ExsViewer *self)
{
  return self->started_us;
}

guint64
exs_viewer_get_bytes_sent (ExsViewer *self)
{
  return self->bytes_sent;
}

void
exs_viewer_set_bytes_sent (ExsViewer *self, guint64 bytes)
{
  if (bytes == self->bytes_sent)
    return;
  self->bytes_sent = bytes;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_BYTES_SENT]);
}

ExsViewerState
exs_viewer_get_state (ExsViewer *self)
{
  return self->state;
}

void
exs_viewer_set_state (ExsViewer *self, ExsViewerState state)
{
  if (state == self->state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_STATE]);
}

/**
 * exs_viewer_get_close_reason:
 *
 * Returns: (nullable): why the viewer left ("closed", "slow", "error",
 *   "stopped", ...), NULL while connected
 */
const char *
exs_viewer_get_close_reason (ExsViewer *self)
{
  return self->close_reason;
}

/* Closes the connection (idempotent); the fd goes with the last reference. */
void
exs_viewer_close (ExsViewer *self, const char *reason)
{
  if (self->stream == NULL)
    return;
  if (reason && self->close_reason == NULL)
    self->close_reason = g_strdup (reason);
  g_io_stream_close (self->stream, NULL, NULL);
  g_clear_object (&self->stream);
  exs_viewer_set_state (self, EXS_VIEWER_CLOSED);
}

/**
 * exs_viewer_set_requested_us:
 * @monotonic_us: when the viewer's request arrived (g_get_monotonic_time()),
 *   for the tune time
 */
void
exs_viewer_set_requested_us (ExsViewer *self, gint64 monotonic_us)
{
  self->requested_us = monotonic_us;
}

gint64
exs_viewer_get_requested_us (ExsViewer *self)
{
  return self->requested_us;
}

/**
 * exs_viewer_set_session_id:
 * @session_id: the session the application opened for this viewer
 */
void
exs_viewer_set_session_id (ExsViewer *self, guint64 session_id)
{
  self->session_id = session_id;
}

guint64
exs_viewer_get_session_id (ExsViewer *self)
{
  return self->session_id;
}
