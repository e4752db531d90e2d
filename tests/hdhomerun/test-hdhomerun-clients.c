/* test-hdhomerun-clients.c: the HDHomeRun tuner as real clients see it.
 *
 * Runs in a private network namespace this test makes for itself with
 * unshare(CLONE_NEWNET) before anything else: loopback only, multicast on
 * lo, so port 65001 and SSDP's 239.255.255.250 never touch a real interface
 * and nothing else on the machine can answer in our place. That needs root
 * (CAP_SYS_ADMIN); without it the test fails and says so.
 *
 * Clients: hdhomerun_config (UDP discovery, TCP control), gssdp's
 * GSSDPResourceBrowser (the library gssdp-discover is built on; Debian 12's
 * gssdp-tools does not ship gssdp-discover), curl-like HTTP via libsoup for
 * the JSON, checked field by field against protocols.md §1. */
#include "config.h"

#include "exs-hdhr-device-id.h"
#include "exs-hdhr-packet.h"
#include "exs-test-server.h"
#include "../streaming/exs-ts-check.h"

#include <errno.h>
#include <fcntl.h>
#include <libgssdp/gssdp.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

static ExsTestServer *server;
static char *data_dir;
static char *device_id;

static const char *const server_env[] = {
  "EXSTREAMTV_HDHOMERUN_DISCOVERY_ENABLED=true",
  "EXSTREAMTV_HDHOMERUN_SSDP_ENABLED=true",
  "EXSTREAMTV_HDHOMERUN_TUNER_COUNT=3",
  /* every client here asks from 127.0.0.1, many times a second */
  "EXSTREAMTV_HDHOMERUN_DISCOVERY_REPLIES_PER_SECOND=1000",
  NULL,
};

static void
run_ok (const char *const *argv)
{
  g_autofree char *output = NULL;
  int status = exs_test_run_command (argv, NULL, &output);

  if (status != 0)
    g_error ("%s failed (%d): %s", argv[0], status, output);
}

static void
create_channel (const char *json)
{
  g_autoptr (ExsTestReply) r
      = exs_test_server_request (server, "POST", "/api/channels", json, TRUE);

  if (r->status != 201)
    g_error ("cannot create %s: %u %s", json, r->status, r->body);
}

static JsonObject *
get_object (const char *path, ExsTestReply **reply)
{
  *reply = exs_test_server_request (server, "GET", path, NULL, FALSE);
  g_assert_cmpuint ((*reply)->status, ==, 200);
  return exs_test_reply_object (*reply);
}

static void
assert_string_member (JsonObject *o, const char *name, const char *want)
{
  JsonNode *n = json_object_get_member (o, name);

  if (n == NULL || json_node_get_value_type (n) != G_TYPE_STRING)
    g_error ("%s is missing or not a string", name);
  if (want)
    g_assert_cmpstr (json_node_get_string (n), ==, want);
}

static void
test_discover_json (void)
{
  g_autoptr (ExsTestReply) r = NULL;
  JsonObject *o = get_object ("/discover.json", &r);
  g_autofree char *lineup = g_strconcat (server->base_url, "/lineup.json", NULL);
  guint32 id;

  assert_string_member (o, "FriendlyName", "EXStreamTV");
  assert_string_member (o, "ModelNumber", "HDTC-2US");
  assert_string_member (o, "FirmwareName", "hdhomeruntc_atsc");
  assert_string_member (o, "FirmwareVersion", NULL);
  assert_string_member (o, "DeviceID", NULL);
  assert_string_member (o, "DeviceAuth", NULL);
  assert_string_member (o, "BaseURL", server->base_url);
  assert_string_member (o, "LineupURL", lineup);
  g_assert_cmpuint (strlen (json_object_get_string_member (o, "DeviceAuth")), ==, 24);
  g_assert_cmpint (json_node_get_value_type (json_object_get_member (o, "TunerCount")), ==,
                   G_TYPE_INT64);
  g_assert_cmpint (json_object_get_int_member (o, "TunerCount"), ==, 3);
  g_assert_true (exs_hdhr_device_id_parse (json_object_get_string_member (o, "DeviceID"), &id));
  g_assert_true (exs_hdhr_device_id_is_valid (id));
  g_assert_cmpstr (json_object_get_string_member (o, "DeviceID"), ==, device_id);
  g_assert_cmpstr (soup_message_headers_get_content_type (r->headers, NULL), ==,
                   "application/json");
}

static void
test_lineup (void)
{
  g_autoptr (ExsTestReply) r = exs_test_server_request (server, "GET", "/lineup.json", NULL, FALSE);
  g_autoptr (ExsTestReply) status = NULL;
  g_autoptr (ExsTestReply) post = NULL;
  g_autoptr (ExsTestReply) get = NULL;
  JsonArray *a;
  const char *numbers[] = { "5", "121", "200", "1984.1" };
  JsonObject *st;

  g_assert_cmpuint (r->status, ==, 200);
  a = json_node_get_array (r->json);
  g_assert_cmpuint (json_array_get_length (a), ==, G_N_ELEMENTS (numbers));
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonObject *c = json_array_get_object_element (a, i);
      g_autofree char *url = g_strdup_printf ("%s/auto/v%s", server->base_url, numbers[i]);

      assert_string_member (c, "GuideNumber", numbers[i]);
      assert_string_member (c, "GuideName", NULL);
      assert_string_member (c, "URL", url);
      g_assert_null (strchr (json_object_get_string_member (c, "URL"), '?'));
      g_assert_cmpint (json_object_get_int_member (c, "HD"), ==, 1);
    }

  st = get_object ("/lineup_status.json", &status);
  g_assert_cmpint (json_object_get_int_member (st, "ScanInProgress"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (st, "ScanPossible"), ==, 1);
  assert_string_member (st, "Source", "Cable");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (st, "SourceList")), ==, 1);

  post = exs_test_server_request (server, "POST", "/lineup.post?scan=start&source=Cable", NULL,
                                  FALSE);
  g_assert_cmpuint (post->status, ==, 200);
  get = exs_test_server_request (server, "GET", "/lineup.post?scan=abort", NULL, FALSE);
  g_assert_cmpuint (get->status, ==, 200);
}

static void
test_device_xml (void)
{
  g_autoptr (ExsTestReply) r = exs_test_server_request (server, "GET", "/device.xml", NULL, FALSE);
  xmlDocPtr doc = xmlReadMemory (r->body, (int)strlen (r->body), "device.xml", NULL, 0);
  xmlNodePtr root = xmlDocGetRootElement (doc);
  g_autofree char *want_udn = g_strdup_printf ("uuid:%s-", device_id);
  gboolean saw_type = FALSE, saw_udn = FALSE;

  g_assert_cmpuint (r->status, ==, 200);
  g_assert_cmpstr ((const char *)root->name, ==, "root");
  g_assert_cmpstr ((const char *)root->ns->href, ==, "urn:schemas-upnp-org:device-1-0");
  for (xmlNodePtr n = root->children; n; n = n->next)
    {
      if (n->type != XML_ELEMENT_NODE || !xmlStrEqual (n->name, BAD_CAST "device"))
        continue;
      for (xmlNodePtr d = n->children; d; d = d->next)
        {
          g_autofree char *text
              = d->type == XML_ELEMENT_NODE ? (char *)xmlNodeGetContent (d) : NULL;
          if (text && xmlStrEqual (d->name, BAD_CAST "deviceType"))
            saw_type = g_str_equal (text, "urn:schemas-upnp-org:device:MediaServer:1");
          if (text && xmlStrEqual (d->name, BAD_CAST "UDN"))
            saw_udn = g_ascii_strncasecmp (text, want_udn, strlen (want_udn)) == 0;
        }
    }
  g_assert_true (saw_type);
  g_assert_true (saw_udn);
  xmlFreeDoc (doc);
}

static void
test_streams (void)
{
  g_autoptr (ExsTestReply) head
      = exs_test_server_request (server, "HEAD", "/auto/v1984.1", NULL, FALSE);
  g_autoptr (ExsTestReply) head_tuner
      = exs_test_server_request (server, "HEAD", "/tuner2/v121", NULL, FALSE);
  g_autoptr (ExsTestReply) bad_tuner
      = exs_test_server_request (server, "HEAD", "/tuner3/v121", NULL, FALSE);
  g_autoptr (ExsTestReply) unknown
      = exs_test_server_request (server, "GET", "/auto/v7", NULL, FALSE);
  g_autoptr (ExsTestReply) iptv_only
      = exs_test_server_request (server, "GET", "/auto/v102", NULL, FALSE);
  g_autofree char *v1984 = g_strdup_printf ("%s/auto/v1984.1", server->base_url);
  g_autofree char *v121 = g_strdup_printf ("%s/tuner2/v121?transcode=native&duration=30", server->base_url);
  g_autofree char *probed = NULL;
  g_autofree char *probed2 = NULL;
  g_autofree char *ranged = NULL;
  const char *probe[] = { "ffprobe", "-v", "error", "-show_entries", "stream=codec_name,width,height", "-of",
                          "csv=p=0", v1984, NULL };
  const char *probe2[] = { "ffprobe", "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0",
                           v121, NULL };
  /* what Plex and ffmpeg send: Range from 0 and an Icy-MetaData request */
  const char *range[] = { "curl", "-s", "-m", "4", "-D", "-", "-o", "/dev/null", "-H", "Range: bytes=0-", "-H",
                          "Icy-MetaData: 1", v1984, NULL };

  g_assert_cmpuint (head->status, ==, 200);
  g_assert_cmpstr (soup_message_headers_get_content_type (head->headers, NULL), ==, "video/MP2T");
  g_assert_cmpuint (head_tuner->status, ==, 200);
  g_assert_cmpuint (bad_tuner->status, ==, 404);
  g_assert_cmpuint (unknown->status, ==, 404);
  g_assert_cmpuint (iptv_only->status, ==, 404);

  /* the decimal channel and one above 120 stream like any other */
  g_assert_cmpint (exs_test_run_command (probe, NULL, &probed), ==, 0);
  g_assert_nonnull (strstr (probed, "h264,1280,720"));
  g_assert_nonnull (strstr (probed, "aac"));
  g_assert_cmpint (exs_test_run_command (probe2, NULL, &probed2), ==, 0);
  g_assert_nonnull (strstr (probed2, "h264"));
  exs_test_run_command (range, NULL, &ranged); /* curl -m ends it: exit 28 */
  g_assert_true (g_str_has_prefix (ranged, "HTTP/1.1 200"));
  g_assert_nonnull (strstr (ranged, "video/MP2T"));
  g_assert_null (strstr (ranged, "Content-Length"));
}

/* ?duration=N (Plex recordings, issue 15 item 3): the server ends the
 * stream N seconds after the request; curl sees a complete response (exit
 * 0) with video in it. A duration that is not a number of seconds is 400. */
/* ?duration=N ends the stream N seconds after the request (Plex
 * recordings): curl sees the server end it (exit 0, not its own -m), and the
 * recording holds stream, never more than N s of it plus the GOP a viewer
 * starts with. Measured on the stream's PCR, not the wall clock. */
static void
test_duration (void)
{
  g_autofree char *url = g_strdup_printf ("%s/auto/v5?duration=8", server->base_url);
  g_autofree char *bad_url = g_strdup_printf ("%s/auto/v5?duration=soon", server->base_url);
  g_autofree char *dir = exs_test_make_temp_dir ();
  g_autofree char *file = g_build_filename (dir, "rec.ts", NULL);
  const char *record[] = { "curl", "-s", "-m", "120", "-o", file, "-w", "%{http_code} %{size_download}", url, NULL };
  const char *bad[] = { "curl", "-s", "-w", " %{http_code}", bad_url, NULL };
  g_autofree char *out = NULL;
  g_autofree char *bad_out = NULL;
  g_autoptr (GError) error = NULL;
  ExsTsReport r;
  int status = exs_test_run_command (record, NULL, &out);

  g_test_message ("curl %s: %d, %s", url, status, out);
  g_assert_cmpint (status, ==, 0);  /* 28 would be curl's own -m */
  g_assert_true (g_str_has_prefix (out, "200 "));
  g_assert_cmpint (g_ascii_strtoll (out + 4, NULL, 10), >, 10000);
  g_assert_true (exs_ts_check_file (file, &r, &error));
  g_test_message ("the recording holds %.2f s of stream", r.pcr_covered_s);
  g_assert_cmpuint (r.sync_errors, ==, 0);
  g_assert_cmpfloat (r.pcr_covered_s, >, 0.5);
  g_assert_cmpfloat (r.pcr_covered_s, <=, 8 + 2.5);
  exs_test_run_command (bad, NULL, &bad_out);
  g_assert_true (g_str_has_suffix (bad_out, " 400"));
  g_assert_nonnull (strstr (bad_out, "duration"));
  exs_test_remove_tree (dir);
}

/* Whether channel 5 has a viewer's session, and so holds a tuner. */
static gboolean
channel_5_has_viewer (gpointer user_data)
{
  g_autoptr (ExsTestReply) r = exs_test_server_request (user_data, "GET", "/api/sessions?channel=5", NULL, TRUE);

  g_assert_cmpuint (r->status, ==, 200);
  return json_array_get_length (json_object_get_array_member (exs_test_reply_object (r), "sessions")) > 0;
}

/* TunerCount distinct channels playing: the next channel gets 503 with the
 * HDHomeRun error header; the channels already playing still tune. */
static void
test_busy_tuners (void)
{
  const char *env[] = { "EXSTREAMTV_HDHOMERUN_TUNER_COUNT=1", NULL };
  g_autoptr (ExsTestServer) s = exs_test_server_start (NULL, NULL, env);
  g_autofree char *v5 = g_strdup_printf ("%s/auto/v5", s->base_url);
  g_autofree char *v121 = g_strdup_printf ("%s/auto/v121", s->base_url);
  const char *watch[] = { "curl", "-s", "-m", "30", "-o", "/dev/null", v5, NULL };
  const char *busy[] = { "curl", "-s", "-m", "5", "-D", "-", "-o", "/dev/null", v121, NULL };
  const char *same[] = { "curl", "-s", "-m", "3", "-D", "-", "-o", "/dev/null", v5, NULL };
  g_autoptr (GSubprocess) viewer = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *refused = NULL;
  g_autofree char *shared = NULL;
  const char *bodies[] = { "{\"number\": \"5\", \"name\": \"Five\"}", "{\"number\": \"121\", \"name\": \"Above 120\"}" };

  for (guint i = 0; i < G_N_ELEMENTS (bodies); i++)
    {
      g_autoptr (ExsTestReply) r = exs_test_server_request (s, "POST", "/api/channels", bodies[i], TRUE);
      g_assert_cmpuint (r->status, ==, 201);
    }
  viewer = g_subprocess_newv (watch, G_SUBPROCESS_FLAGS_NONE, &error);
  g_assert_no_error (error);
  /* channel 5 gets the tuner first, then a second channel is refused */
  g_assert_true (exs_test_wait_for (channel_5_has_viewer, s, 60));
  for (guint tries = 0; tries < 100; tries++)
    {
      g_autofree char *out = NULL;
      exs_test_run_command (busy, NULL, &out);
      if (g_str_has_prefix (out, "HTTP/1.1 503"))
        {
          refused = g_steal_pointer (&out);
          break;
        }
      g_usleep (100000);
    }
  g_assert_nonnull (refused);
  g_assert_nonnull (strstr (refused, "X-HDHomeRun-Error: 805 All Tuners In Use"));
  exs_test_run_command (same, NULL, &shared);
  g_assert_true (g_str_has_prefix (shared, "HTTP/1.1 200"));
  g_subprocess_force_exit (viewer);
  g_subprocess_wait (viewer, NULL, NULL);
}

static char *
hdhomerun_config (int *status, const char *a, const char *b, const char *c)
{
  const char *argv[] = { "hdhomerun_config", a, b, c, NULL };
  char *output = NULL;

  *status = exs_test_run_command (argv, NULL, &output);
  return g_strstrip (output);
}

static void
test_hdhomerun_config (void)
{
  int status;
  g_autofree char *found = hdhomerun_config (&status, "discover", "127.0.0.1", NULL);
  g_autofree char *want = g_strdup_printf ("hdhomerun device %s found at 127.0.0.1", device_id);
  g_autofree char *model = NULL, *hwmodel = NULL, *version = NULL, *tuner = NULL, *help = NULL,
                  *unknown = NULL;
  g_autofree char *no_tuner = NULL, *set = NULL;

  g_assert_cmpstr (found, ==, want);
  g_assert_cmpint (status, ==, 0);
  model = hdhomerun_config (&status, "127.0.0.1", "get", "/sys/model");
  g_assert_cmpstr (model, ==, "hdhomeruntc_atsc");
  g_assert_cmpint (status, ==, 0);
  hwmodel = hdhomerun_config (&status, "127.0.0.1", "get", "/sys/hwmodel");
  g_assert_cmpstr (hwmodel, ==, "HDTC-2US");
  version = hdhomerun_config (&status, "127.0.0.1", "get", "/sys/version");
  g_assert_cmpstr (version, ==, "20200225");
  tuner = hdhomerun_config (&status, "127.0.0.1", "get", "/tuner2/status");
  g_assert_cmpstr (tuner, ==, "ch=none lock=none ss=0 snq=0 seq=0 bps=0 pps=0");
  help = hdhomerun_config (&status, "127.0.0.1", "get", "help");
  g_assert_nonnull (strstr (help, "/sys/model"));
  g_assert_nonnull (strstr (help, "/tuner<n>/status"));
  unknown = hdhomerun_config (&status, "127.0.0.1", "get", "/sys/nonsense");
  g_assert_cmpint (status, !=, 0);
  g_assert_nonnull (strstr (unknown, "ERROR: unknown getset variable"));
  no_tuner = hdhomerun_config (&status, "127.0.0.1", "get", "/tuner3/status");
  g_assert_cmpint (status, !=, 0);
  set = hdhomerun_config (&status, "127.0.0.1", "set", "/tuner0/channel");
  g_assert_cmpint (status, !=, 0);
}

/* A tuner streaming to an HTTP viewer (issue 15, item 9): hdhomerun_config
 * sees it in use — its channel in status, the viewer as target and lockkey. */
static void
test_tuner_in_use (void)
{
  g_autofree char *url = g_strdup_printf ("%s/auto/v1984.1", server->base_url);
  const char *watch[] = { "curl", "-s", "-m", "30", "-o", "/dev/null", url, NULL };
  g_autoptr (GSubprocess) viewer = g_subprocess_newv (watch, G_SUBPROCESS_FLAGS_NONE, NULL);
  gint64 deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  int tuner = -1, status;

  while (tuner < 0 && g_get_monotonic_time () < deadline)
    {
      for (int t = 0; t < 3 && tuner < 0; t++)
        {
          g_autofree char *name = g_strdup_printf ("/tuner%d/status", t);
          g_autofree char *st = hdhomerun_config (&status, "127.0.0.1", "get", name);
          if (g_str_has_prefix (st, "ch=auto:v1984.1 "))
            tuner = t;
        }
      if (tuner < 0)
        g_usleep (G_USEC_PER_SEC / 5);
    }
  g_assert_cmpint (tuner, >=, 0);
  {
    g_autofree char *lk = g_strdup_printf ("/tuner%d/lockkey", tuner);
    g_autofree char *tg = g_strdup_printf ("/tuner%d/target", tuner);
    g_autofree char *lockkey = hdhomerun_config (&status, "127.0.0.1", "get", lk);
    g_autofree char *target = hdhomerun_config (&status, "127.0.0.1", "get", tg);
    g_test_message ("tuner%d: lockkey %s, target %s", tuner, lockkey, target);
    g_assert_cmpstr (lockkey, ==, "127.0.0.1");
    g_assert_true (g_str_has_prefix (target, "tcp://127.0.0.1:"));
  }
  g_subprocess_force_exit (viewer);
  g_subprocess_wait (viewer, NULL, NULL);
}

static GSocket *
udp_send (GByteArray *request)
{
  GSocket *s = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, NULL);
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) to = g_inet_socket_address_new (lo, 65001);
  g_autoptr (GError) error = NULL;

  g_socket_send_to (s, to, (const char *)request->data, request->len, NULL, &error);
  g_assert_no_error (error);
  return s;
}

static GBytes *
udp_receive (GSocket *s)
{
  g_autoptr (GError) error = NULL;
  char buf[1500];
  gssize n = g_socket_receive (s, buf, sizeof buf, NULL, &error);

  g_assert_no_error (error);
  return g_bytes_new (buf, (gsize)n);
}

/* Sends one datagram to 127.0.0.1:65001 and returns the reply (the test
 * fails if none comes within 10 s). */
static GBytes *
udp_exchange (GByteArray *request)
{
  g_autoptr (GSocket) s = udp_send (request);

  g_assert_true (g_socket_condition_timed_wait (s, G_IO_IN, 10 * G_USEC_PER_SEC, NULL, NULL));
  return udp_receive (s);
}

/* Whether the server answered @request. No timeout decides it: a request it
 * must answer (@answered) follows from another socket, and the server reads
 * its socket in order, so once that reply is in, a reply to @request would
 * have come first. */
static gboolean
udp_answered (GByteArray *request, GByteArray *answered)
{
  g_autoptr (GSocket) s = udp_send (request);
  g_autoptr (GBytes) after = udp_exchange (answered);

  return g_socket_condition_check (s, G_IO_IN) != 0;
}

static GByteArray *
discover_request (guint32 type, gboolean with_id, guint32 id, gboolean corrupt)
{
  GByteArray *p = exs_hdhr_packet_new (EXS_HDHR_TYPE_DISCOVER_REQ);

  exs_hdhr_packet_add_u32 (p, EXS_HDHR_TAG_DEVICE_TYPE, type);
  if (with_id)
    exs_hdhr_packet_add_u32 (p, EXS_HDHR_TAG_DEVICE_ID, id);
  exs_hdhr_packet_finish (p);
  if (corrupt)
    p->data[p->len - 1] ^= 0xff;
  return p;
}

static void
test_discovery_packets (void)
{
  guint32 id = (guint32)g_ascii_strtoull (device_id, NULL, 16);
  g_autoptr (GByteArray) modern = discover_request (0xFFFFFFFF, FALSE, 0, FALSE);
  g_autoptr (GByteArray) ours = discover_request (1, TRUE, id, FALSE);
  g_autoptr (GByteArray) other = discover_request (0xFFFFFFFF, TRUE, 0x12345674, FALSE);
  g_autoptr (GByteArray) storage = discover_request (5, FALSE, 0, FALSE);
  g_autoptr (GByteArray) bad_crc = discover_request (0xFFFFFFFF, FALSE, 0, TRUE);
  g_autoptr (GBytes) reply = udp_exchange (modern);
  g_autoptr (GBytes) reply2 = udp_exchange (ours);
  g_autoptr (GArray) tlvs = NULL;
  g_autofree char *base = NULL;
  g_autofree char *lineup = NULL;
  g_autofree char *want_lineup = g_strconcat (server->base_url, "/lineup.json", NULL);
  const ExsHdhrTlv *tuners;
  guint16 type;
  guint32 v;

  g_assert_nonnull (reply);
  g_assert_nonnull (reply2);
  g_assert_false (udp_answered (other, modern));
  g_assert_false (udp_answered (storage, modern));
  g_assert_false (udp_answered (bad_crc, modern));
  g_assert_true (udp_answered (ours, modern)); /* the check itself can see a reply */
  g_assert_true (exs_hdhr_packet_parse (g_bytes_get_data (reply, NULL), g_bytes_get_size (reply),
                                        &type, &tlvs));
  g_assert_cmpuint (type, ==, EXS_HDHR_TYPE_DISCOVER_RPY);
  g_assert_true (exs_hdhr_tlv_get_u32 (exs_hdhr_packet_find (tlvs, EXS_HDHR_TAG_DEVICE_TYPE), &v));
  g_assert_cmphex (v, ==, 1);
  g_assert_true (exs_hdhr_tlv_get_u32 (exs_hdhr_packet_find (tlvs, EXS_HDHR_TAG_DEVICE_ID), &v));
  g_assert_cmphex (v, ==, id);
  tuners = exs_hdhr_packet_find (tlvs, EXS_HDHR_TAG_TUNER_COUNT);
  g_assert_cmpuint (tuners->length, ==, 1);
  g_assert_cmpuint (tuners->value[0], ==, 3);
  base = exs_hdhr_tlv_dup_string (exs_hdhr_packet_find (tlvs, EXS_HDHR_TAG_BASE_URL));
  g_assert_cmpstr (base, ==, server->base_url);
  g_assert_cmpuint (strlen (base), <=, 28);
  lineup = exs_hdhr_tlv_dup_string (exs_hdhr_packet_find (tlvs, EXS_HDHR_TAG_LINEUP_URL));
  g_assert_cmpstr (lineup, ==, want_lineup);
  g_assert_cmpuint (exs_hdhr_packet_find (tlvs, EXS_HDHR_TAG_DEVICE_AUTH_STR)->length, ==, 24);
}

typedef struct
{
  char *usn;
  char *location;
} SsdpFound;

static void
on_resource_available_cb (GSSDPResourceBrowser *browser, const char *usn, GList *locations,
                          gpointer user_data)
{
  SsdpFound *found = user_data;

  if (found->usn == NULL && locations != NULL)
    {
      found->usn = g_strdup (usn);
      found->location = g_strdup (locations->data);
    }
}

static gboolean
on_timeout_cb (gpointer user_data)
{
  *(gboolean *)user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_ssdp (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GInetAddress) lo = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSSDPClient) client
      = gssdp_client_new_for_address (lo, 0, GSSDP_UDA_VERSION_1_0, &error);
  g_autoptr (GSSDPResourceBrowser) browser = NULL;
  SsdpFound found = { NULL, NULL };
  gboolean timed_out = FALSE;
  guint timeout_id;
  g_autofree char *want_location = g_strconcat (server->base_url, "/device.xml", NULL);
  g_autoptr (ExsTestReply) xml = NULL;

  g_assert_no_error (error);
  browser = gssdp_resource_browser_new (client, "urn:schemas-upnp-org:device:MediaServer:1");
  g_signal_connect (browser, "resource-available", G_CALLBACK (on_resource_available_cb), &found);
  gssdp_resource_browser_set_active (browser, TRUE);
  timeout_id = g_timeout_add_seconds (10, on_timeout_cb, &timed_out);
  while (found.usn == NULL && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (timeout_id);
  g_assert_nonnull (found.usn);
  g_assert_true (g_str_has_prefix (found.usn, "uuid:"));
  g_assert_true (g_str_has_suffix (found.usn, "::urn:schemas-upnp-org:device:MediaServer:1"));
  g_assert_cmpstr (found.location, ==, want_location);
  xml = exs_test_server_request (server, "GET", "/device.xml", NULL, FALSE);
  {
    g_autofree char *udn = g_strndup (found.usn, strstr (found.usn, "::") - found.usn);
    g_autofree char *tag = g_strdup_printf ("<UDN>%s</UDN>", udn);
    g_assert_nonnull (strstr (xml->body, tag));
  }
  g_free (found.usn);
  g_free (found.location);
}

/* The ID is made once and kept; [hdhomerun] device_id overrides it. */
static void
test_device_id_stable (void)
{
  const char *env_override[] = { "EXSTREAMTV_HDHOMERUN_DEVICE_ID=1053C0CA", NULL };
  g_autoptr (ExsTestReply) again = NULL;
  g_autoptr (ExsTestReply) overridden = NULL;
  g_autoptr (ExsTestReply) disabled = NULL;
  const char *env_off[] = { "EXSTREAMTV_HDHOMERUN_ENABLED=false", NULL };
  double seconds = 0;

  /* SIGTERM with discovery, a control connection's listener and SSDP up */
  g_assert_cmpint (exs_test_server_stop (server, &seconds), ==, 0);
  g_assert_cmpfloat (seconds, <, 15.0); /* on its own, not killed at 20 s; how fast is bench/'s */
  exs_test_server_free (server);
  server = exs_test_server_start (data_dir, NULL, server_env);
  g_assert_cmpstr (
      json_object_get_string_member (get_object ("/discover.json", &again), "DeviceID"), ==,
      device_id);
  exs_test_server_stop (server, NULL);
  exs_test_server_free (server);

  server = exs_test_server_start (data_dir, NULL, env_override);
  g_assert_cmpstr (
      json_object_get_string_member (get_object ("/discover.json", &overridden), "DeviceID"), ==,
      "1053C0CA");
  exs_test_server_stop (server, NULL);
  exs_test_server_free (server);

  server = exs_test_server_start (data_dir, NULL, env_off);
  disabled = exs_test_server_request (server, "GET", "/discover.json", NULL, FALSE);
  g_assert_cmpuint (disabled->status, ==, 404);
}

/* /proc files take one write(), not g_file_set_contents()'s rename */
static void
write_proc (const char *path, const char *text)
{
  int fd = open (path, O_WRONLY);

  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (write (fd, text, strlen (text)), ==, (gssize) strlen (text));
  close (fd);
}

static void
enter_private_network (void)
{
  const char *up[] = { "ip", "link", "set", "lo", "up", NULL };
  const char *multicast[] = { "ip", "link", "set", "lo", "multicast", "on", NULL };
  const char *route[] = { "ip", "route", "add", "224.0.0.0/4", "dev", "lo", NULL };

  uid_t uid = geteuid ();
  gid_t gid = getegid ();

  /* Without root, a user namespace of our own gives us the rights inside
   * the new network namespace (we are its root); nothing outside changes. */
  if (uid != 0)
    {
      g_autofree char *uid_map = g_strdup_printf ("0 %u 1\n", (guint) uid);
      g_autofree char *gid_map = g_strdup_printf ("0 %u 1\n", (guint) gid);

      if (unshare (CLONE_NEWUSER | CLONE_NEWNET) != 0)
        g_error ("this test needs its own network namespace (unshare(CLONE_NEWUSER | CLONE_NEWNET): %s); "
                 "enable unprivileged user namespaces or run it as root — it never uses a real interface",
                 g_strerror (errno));
      write_proc ("/proc/self/setgroups", "deny");
      write_proc ("/proc/self/uid_map", uid_map);
      write_proc ("/proc/self/gid_map", gid_map);
    }
  else if (unshare (CLONE_NEWNET) != 0)
    g_error (
        "this test needs its own network namespace (unshare(CLONE_NEWNET): %s); run it as root "
        "(CI does) — it never uses a real interface",
        g_strerror (errno));
  run_ok (up);
  run_ok (multicast);
  run_ok (route);
}

int
main (int argc, char **argv)
{
  g_autoptr (ExsTestReply) discover = NULL;
  int status;

  /* before GLib starts any thread: every thread must live in the namespace */
  g_test_init (&argc, &argv, NULL);
  enter_private_network ();
  data_dir = exs_test_make_temp_dir ();
  server = exs_test_server_start (data_dir, NULL, server_env);
  device_id = g_strdup (
      json_object_get_string_member (get_object ("/discover.json", &discover), "DeviceID"));
  create_channel ("{\"number\": \"5\", \"name\": \"Five\"}");
  create_channel ("{\"number\": \"102\", \"name\": \"IPTV only\", \"streaming_mode\": \"iptv\"}");
  create_channel ("{\"number\": \"121\", \"name\": \"Above 120\"}");
  create_channel (
      "{\"number\": \"200\", \"name\": \"HDHomeRun only\", \"streaming_mode\": \"hdhomerun\"}");
  create_channel ("{\"number\": \"300\", \"name\": \"Off\", \"enabled\": false}");
  create_channel ("{\"number\": \"1984.1\", \"name\": \"Retro\"}");

  g_test_add_func ("/hdhomerun/clients/discover-json-fields", test_discover_json);
  g_test_add_func ("/hdhomerun/clients/lineup-status-post", test_lineup);
  g_test_add_func ("/hdhomerun/clients/device-xml", test_device_xml);
  g_test_add_func ("/hdhomerun/clients/stream-routes", test_streams);
  g_test_add_func ("/hdhomerun/clients/duration-ends-the-stream", test_duration);
  g_test_add_func ("/hdhomerun/clients/busy-tuners-805", test_busy_tuners);
  g_test_add_func ("/hdhomerun/clients/hdhomerun-config", test_hdhomerun_config);
  g_test_add_func ("/hdhomerun/clients/tuner-in-use-by-http-viewer", test_tuner_in_use);
  g_test_add_func ("/hdhomerun/clients/discovery-packets", test_discovery_packets);
  g_test_add_func ("/hdhomerun/clients/ssdp-media-server", test_ssdp);
  g_test_add_func ("/hdhomerun/clients/device-id-stable", test_device_id_stable);
  status = g_test_run ();
  exs_test_server_stop (server, NULL);
  exs_test_server_free (server);
  exs_test_remove_tree (data_dir);
  return status;
}
