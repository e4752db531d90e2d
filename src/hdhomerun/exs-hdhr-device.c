/* exs-hdhr-device.c: ExsHdhrDevice, the HDHomeRun tuner we pretend to be.
 *
 * Holds the identity (DeviceID with its check digit, DeviceAuth, the UPnP
 * UDN derived from the ID, TunerCount) that discover.json, the UDP reply and
 * SSDP all announce, and serves the HTTP API Plex, Jellyfin and Emby use
 * (protocols.md §1):
 *   GET  /discover.json  /lineup.json  /lineup_status.json  /device.xml
 *   GET|POST /lineup.post                     (200; there is nothing to scan)
 *   GET|HEAD /auto/v{number}  /tuner{n}/v{number}   the stream, from the ExsStreamProvider
 * A stream request for a channel not already playing gets 503 with
 * X-HDHomeRun-Error: 805 when TunerCount distinct channels already play.
 * Created by ExsApplication after the database; ExsHdhrDiscovery and ExsSsdp
 * read its identity. Main thread only.
 */
#include "config.h"

#include "exs-hdhr-device.h"

#include "exs-base-url.h"
#include "exs-channel-store.h"
#include "exs-hdhr-device-id.h"
#include "exs-http-json.h"

#include <libxml/xmlwriter.h>
#include <string.h>

struct _ExsHdhrDevice
{
  GObject parent_instance;

  ExsConfig *config;
  ExsDatabase *database;
  ExsStreamProvider *provider; /* owned, nullable: the channel engine */
  guint32 id;
  char *id_string;
  char *auth;
  char *udn;
  guint tuner_count;
  guint http_port;
  GHashTable *tuner_clients; /* channel number → "ip:port" of its latest HDHomeRun viewer */
};

G_DEFINE_TYPE (ExsHdhrDevice, exs_hdhr_device, G_TYPE_OBJECT)

static void
exs_hdhr_device_dispose (GObject *object)
{
  ExsHdhrDevice *self = EXS_HDHR_DEVICE (object);

  g_clear_object (&self->config);
  g_clear_object (&self->database);
  g_clear_object (&self->provider);
  G_OBJECT_CLASS (exs_hdhr_device_parent_class)->dispose (object);
}

static void
exs_hdhr_device_finalize (GObject *object)
{
  ExsHdhrDevice *self = EXS_HDHR_DEVICE (object);

  g_free (self->id_string);
  g_free (self->auth);
  g_free (self->udn);
  g_hash_table_unref (self->tuner_clients);
  G_OBJECT_CLASS (exs_hdhr_device_parent_class)->finalize (object);
}

static void
exs_hdhr_device_class_init (ExsHdhrDeviceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = exs_hdhr_device_dispose;
  object_class->finalize = exs_hdhr_device_finalize;
}

static void
exs_hdhr_device_init (ExsHdhrDevice *self)
{
  self->tuner_clients = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

/* A stable UPnP UDN: the device ID, then a hash of it (UUID v5 layout). */
static char *
make_udn (guint32 id)
{
  g_autofree char *seed = g_strdup_printf ("exstreamtv-hdhomerun:%08X", id);
  g_autofree char *h = g_compute_checksum_for_string (G_CHECKSUM_SHA1, seed, -1);

  return g_strdup_printf ("uuid:%08x-%.4s-5%.3s-8%.3s-%.12s", id, h, h + 4, h + 7, h + 10);
}

/**
 * exs_hdhr_device_new:
 * @provider: (nullable) (transfer none): the channel engine; without one
 *   streams answer 503 engine_unavailable and no tuner is ever busy
 *
 * Returns: (transfer full) (nullable): the device; %NULL if its identity
 * could not be stored
 */
ExsHdhrDevice *
exs_hdhr_device_new (ExsConfig *config, ExsDatabase *database, ExsStreamProvider *provider,
                     GError **error)
{
  g_autoptr (ExsHdhrDevice) self = NULL;

  g_return_val_if_fail (EXS_IS_CONFIG (config), NULL);
  g_return_val_if_fail (EXS_IS_DATABASE (database), NULL);
  g_return_val_if_fail (provider == NULL || EXS_IS_STREAM_PROVIDER (provider), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (EXS_TYPE_HDHR_DEVICE, NULL);
  self->config = g_object_ref (config);
  self->database = g_object_ref (database);
  self->provider = provider ? g_object_ref (provider) : NULL;
  if (!exs_hdhr_device_id_ensure (config, database, &self->id, &self->auth, error))
    return NULL;
  self->id_string = g_strdup_printf ("%08X", self->id);
  self->udn = make_udn (self->id);
  self->tuner_count = (guint)exs_config_get_int (config, "hdhomerun", "tuner_count");
  self->http_port = (guint)exs_config_get_int (config, "server", "port");
  return g_steal_pointer (&self);
}

guint32
exs_hdhr_device_get_id (ExsHdhrDevice *self)
{
  return self->id;
}

const char *
exs_hdhr_device_get_id_string (ExsHdhrDevice *self)
{
  return self->id_string;
}

const char *
exs_hdhr_device_get_auth (ExsHdhrDevice *self)
{
  return self->auth;
}

const char *
exs_hdhr_device_get_udn (ExsHdhrDevice *self)
{
  return self->udn;
}

const char *
exs_hdhr_device_get_friendly_name (ExsHdhrDevice *self)
{
  return exs_config_get_string (self->config, "hdhomerun", "friendly_name");
}

guint
exs_hdhr_device_get_tuner_count (ExsHdhrDevice *self)
{
  return self->tuner_count;
}

/* The port the HTTP server really listens on (it may have picked one). */
void
exs_hdhr_device_set_http_port (ExsHdhrDevice *self, guint port)
{
  self->http_port = port;
}

guint
exs_hdhr_device_get_http_port (ExsHdhrDevice *self)
{
  return self->http_port;
}

/**
 * exs_hdhr_device_dup_tuner_channels:
 *
 * Returns: (transfer full): the channels holding tuners now, at most
 *   TunerCount, in tuner order
 */
/* The channels playing now; none without an engine. */
static char **
dup_playing (ExsHdhrDevice *self)
{
  return self->provider ? exs_stream_provider_dup_playing (self->provider) : g_new0 (char *, 1);
}

char **
exs_hdhr_device_dup_tuner_channels (ExsHdhrDevice *self)
{
  char **playing = dup_playing (self);
  guint n = g_strv_length (playing);

  for (guint i = self->tuner_count; i < n; i++)
    g_clear_pointer (&playing[i], g_free);
  return playing;
}

static char *
base_url_for (ExsHdhrDevice *self, SoupServerMessage *msg)
{
  return exs_base_url_for_message (
      msg, exs_config_get_string (self->config, "server", "public_base_url"));
}

static void
reply_hdhr_json (SoupServerMessage *msg, JsonNode *root)
{
  soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                "Access-Control-Allow-Origin", "*");
  exs_http_reply_json (msg, 200, root);
}

static void
handle_discover (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params,
                 GHashTable *query, gpointer user_data)
{
  ExsHdhrDevice *self = user_data;
  g_autofree char *base_url = base_url_for (self, msg);
  g_autofree char *lineup_url = g_strconcat (base_url, "/lineup.json", NULL);
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "FriendlyName");
  json_builder_add_string_value (b, exs_hdhr_device_get_friendly_name (self));
  json_builder_set_member_name (b, "Manufacturer");
  json_builder_add_string_value (b, "EXStreamTV");
  json_builder_set_member_name (b, "ModelNumber");
  json_builder_add_string_value (b, EXS_HDHR_MODEL_NUMBER);
  json_builder_set_member_name (b, "FirmwareName");
  json_builder_add_string_value (b, EXS_HDHR_FIRMWARE_NAME);
  json_builder_set_member_name (b, "FirmwareVersion");
  json_builder_add_string_value (b, EXS_HDHR_FIRMWARE_VERSION);
  json_builder_set_member_name (b, "DeviceID");
  json_builder_add_string_value (b, self->id_string);
  json_builder_set_member_name (b, "DeviceAuth");
  json_builder_add_string_value (b, self->auth);
  json_builder_set_member_name (b, "BaseURL");
  json_builder_add_string_value (b, base_url);
  json_builder_set_member_name (b, "LineupURL");
  json_builder_add_string_value (b, lineup_url);
  json_builder_set_member_name (b, "TunerCount");
  json_builder_add_int_value (b, self->tuner_count);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  reply_hdhr_json (msg, root);
}

static gboolean
offered_on_hdhomerun (const ExsChannelRecord *c)
{
  return c->enabled
         && (g_strcmp0 (c->streaming_mode, "both") == 0
             || g_strcmp0 (c->streaming_mode, "hdhomerun") == 0);
}

static void
handle_lineup (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query,
               gpointer user_data)
{
  ExsHdhrDevice *self = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) channels = exs_channel_store_list (self->database, &error);
  g_autofree char *base_url = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  if (channels == NULL)
    {
      exs_http_reply_gerror (msg, error);
      return;
    }
  base_url = base_url_for (self, msg);
  json_builder_begin_array (b);
  for (guint i = 0; i < channels->len; i++)
    {
      const ExsChannelRecord *c = channels->pdata[i];
      g_autofree char *url = NULL;

      if (!offered_on_hdhomerun (c))
        continue;
      /* No query string: Plex appends its own (protocols.md §1.3). */
      url = g_strdup_printf ("%s/auto/v%s", base_url, c->number);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "GuideNumber");
      json_builder_add_string_value (b, c->number);
      json_builder_set_member_name (b, "GuideName");
      json_builder_add_string_value (b, c->name);
      json_builder_set_member_name (b, "URL");
      json_builder_add_string_value (b, url);
      json_builder_set_member_name (b, "HD");
      json_builder_add_int_value (b, g_strcmp0 (c->profile, "480p") != 0 ? 1 : 0);
      {
        /* the channel's logo, absolute (a hosted one is /logos/N.png) */
        g_autofree char *logo = exs_base_url_absolute (base_url, c->logo);
        if (logo)
          {
            json_builder_set_member_name (b, "LogoURL");
            json_builder_add_string_value (b, logo);
          }
      }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  root = json_builder_get_root (b);
  reply_hdhr_json (msg, root);
}

static void
handle_lineup_status (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params,
                      GHashTable *query, gpointer user_data)
{
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) root = NULL;

  json_builder_begin_object (b);
  json_builder_set_member_name (b, "ScanInProgress");
  json_builder_add_int_value (b, 0);
  json_builder_set_member_name (b, "ScanPossible");
  json_builder_add_int_value (b, 1);
  json_builder_set_member_name (b, "Source");
  json_builder_add_string_value (b, "Cable");
  json_builder_set_member_name (b, "SourceList");
  json_builder_begin_array (b);
  json_builder_add_string_value (b, "Cable");
  json_builder_end_array (b);
  json_builder_end_object (b);
  root = json_builder_get_root (b);
  reply_hdhr_json (msg, root);
}

/* Plex POSTs ?scan=start during setup and calls the device missing on
 * anything but 200; our lineup is always "scanned". */
static void
handle_lineup_post (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params,
                    GHashTable *query, gpointer user_data)
{
  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/json", SOUP_MEMORY_STATIC, "{}", 2);
}

static void
handle_device_xml (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params,
                   GHashTable *query, gpointer user_data)
{
  ExsHdhrDevice *self = user_data;
  g_autofree char *base_url = base_url_for (self, msg);
  xmlBufferPtr buf = xmlBufferCreate ();
  xmlTextWriterPtr w = xmlNewTextWriterMemory (buf, 0);

  xmlTextWriterSetIndent (w, 1);
  xmlTextWriterStartDocument (w, "1.0", "UTF-8", NULL);
  xmlTextWriterStartElement (w, BAD_CAST "root");
  xmlTextWriterWriteAttribute (w, BAD_CAST "xmlns", BAD_CAST "urn:schemas-upnp-org:device-1-0");
  xmlTextWriterStartElement (w, BAD_CAST "specVersion");
  xmlTextWriterWriteElement (w, BAD_CAST "major", BAD_CAST "1");
  xmlTextWriterWriteElement (w, BAD_CAST "minor", BAD_CAST "0");
  xmlTextWriterEndElement (w);
  xmlTextWriterWriteElement (w, BAD_CAST "URLBase", BAD_CAST base_url);
  xmlTextWriterStartElement (w, BAD_CAST "device");
  xmlTextWriterWriteElement (w, BAD_CAST "deviceType",
                             BAD_CAST "urn:schemas-upnp-org:device:MediaServer:1");
  xmlTextWriterWriteElement (w, BAD_CAST "friendlyName",
                             BAD_CAST exs_hdhr_device_get_friendly_name (self));
  xmlTextWriterWriteElement (w, BAD_CAST "manufacturer", BAD_CAST "EXStreamTV");
  xmlTextWriterWriteElement (w, BAD_CAST "manufacturerURL",
                             BAD_CAST "https://github.com/exstreamtv");
  xmlTextWriterWriteElement (w, BAD_CAST "modelName", BAD_CAST EXS_HDHR_MODEL_NUMBER);
  xmlTextWriterWriteElement (w, BAD_CAST "modelNumber", BAD_CAST EXS_HDHR_MODEL_NUMBER);
  xmlTextWriterWriteElement (w, BAD_CAST "serialNumber", BAD_CAST self->id_string);
  xmlTextWriterWriteElement (w, BAD_CAST "UDN", BAD_CAST self->udn);
  xmlTextWriterEndElement (w);
  xmlTextWriterEndElement (w);
  xmlTextWriterEndDocument (w);
  xmlFreeTextWriter (w);

  soup_server_message_set_status (msg, 200, NULL);
  soup_server_message_set_response (msg, "application/xml; charset=utf-8", SOUP_MEMORY_COPY,
                                    (const char *)xmlBufferContent (buf),
                                    (gsize)xmlBufferLength (buf));
  xmlBufferFree (buf);
}

static gboolean
tuners_all_busy (ExsHdhrDevice *self, const char *number)
{
  g_auto (GStrv) playing = dup_playing (self);

  if (g_strv_contains ((const char *const *)playing, number))
    return FALSE; /* another viewer of a playing channel shares its tuner */
  return g_strv_length (playing) >= self->tuner_count;
}

/* ?duration= longer than a week is not a recording */
#define MAX_DURATION_S (7 * 24 * 3600)

/* The viewer a tuner streams to, for port 65001's /tuner<n>/target and
 * lockkey; channels no longer playing are forgotten. */
static void
remember_tuner_client (ExsHdhrDevice *self, const char *number, SoupServerMessage *msg)
{
  g_auto (GStrv) playing = dup_playing (self);
  GSocketAddress *addr = soup_server_message_get_remote_address (msg);
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, self->tuner_clients);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    if (!g_strv_contains ((const char *const *) playing, key))
      g_hash_table_iter_remove (&iter);
  if (G_IS_INET_SOCKET_ADDRESS (addr))
    {
      g_autofree char *ip = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (addr)));
      g_hash_table_replace (self->tuner_clients, g_strdup (number),
                            g_strdup_printf ("%s:%u", ip, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (addr))));
    }
}

/**
 * exs_hdhr_device_dup_tuner_client:
 * @number: a channel holding a tuner
 *
 * Returns: (transfer full) (nullable): "ip:port" of the HTTP viewer that
 *   tuned it through /auto/ or /tuner<n>/, %NULL if none did
 */
char *
exs_hdhr_device_dup_tuner_client (ExsHdhrDevice *self, const char *number)
{
  return g_strdup (g_hash_table_lookup (self->tuner_clients, number));
}

static void
handle_stream (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query,
               gpointer user_data)
{
  ExsHdhrDevice *self = user_data;
  const char *tuner_text = g_hash_table_lookup (params, "n");
  const char *duration = query ? g_hash_table_lookup (query, "duration") : NULL;
  g_autoptr (ExsStreamRequest) request = exs_stream_request_new (msg, EXS_STREAM_CLIENT_HDHOMERUN);
  g_autoptr (ExsChannelRecord) channel = NULL;

  if (tuner_text != NULL)
    {
      guint64 n = 0;
      if (!g_ascii_string_to_unsigned (tuner_text, 10, 0, self->tuner_count - 1, &n, NULL))
        {
          exs_http_reply_error (msg, 404, NULL, "no tuner %.16s: this device has tuners 0 to %u",
                                tuner_text, self->tuner_count - 1);
          return;
        }
      request->tuner = (int)n;
    }
  if (duration != NULL)
    {
      guint64 seconds = 0;
      if (!g_ascii_string_to_unsigned (duration, 10, 1, MAX_DURATION_S, &seconds, NULL))
        {
          exs_http_reply_error (msg, 400, NULL, "duration must be a whole number of seconds from 1 to %d, not “%.32s”",
                                MAX_DURATION_S, duration);
          return;
        }
      request->duration_seconds = (gint64) seconds;
    }
  /* ?transcode= (Jellyfin, for HDTC models) is ignored: the channel's profile decides. */

  channel = exs_stream_route_find_channel (self->database, g_hash_table_lookup (params, "number"), request);
  if (channel == NULL)
    return;
  /* HEAD takes no tuner: exs_stream_route_serve() answers it */
  if (!request->head && tuners_all_busy (self, channel->number))
    {
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "X-HDHomeRun-Error", EXS_HDHR_ERROR_ALL_TUNERS_IN_USE);
      exs_http_reply_error (msg, 503, "all_tuners_in_use",
                            "all %u tuners are in use by other channels ([hdhomerun] tuner_count)",
                            self->tuner_count);
      return;
    }
  if (!request->head)
    remember_tuner_client (self, channel->number, msg);
  exs_stream_route_serve (self->provider, channel, request);
}

/**
 * exs_hdhr_device_register:
 *
 * Adds the HDHomeRun routes: viewer-facing, no token, not under /api/.
 */
void
exs_hdhr_device_register (ExsHdhrDevice *self, ExsHttpServer *server)
{
  g_return_if_fail (EXS_IS_HDHR_DEVICE (self));
  g_return_if_fail (EXS_IS_HTTP_SERVER (server));

  exs_http_server_add_route (server, "GET,HEAD", "/discover.json", 0, handle_discover, self);
  exs_http_server_add_route (server, "GET,HEAD", "/lineup.json", 0, handle_lineup, self);
  exs_http_server_add_route (server, "GET,HEAD", "/lineup_status.json", 0, handle_lineup_status,
                             self);
  exs_http_server_add_route (server, "GET,POST", "/lineup.post", 0, handle_lineup_post, self);
  exs_http_server_add_route (server, "GET,HEAD", "/device.xml", 0, handle_device_xml, self);
  exs_http_server_add_route (server, "GET,HEAD", "/auto/v{number}", 0, handle_stream, self);
  exs_http_server_add_route (server, "GET,HEAD", "/tuner{n}/v{number}", 0, handle_stream, self);
}
