/* test-hdhomerun.c: device IDs, the 65001 frame, and the tuner rules.
 *
 * The frame tests compare with the bytes captured from real clients in
 * protocols.md §2.3–2.6. The tuner tests run the real ExsHttpServer, a real
 * SQLite file and ExsHdhrDevice in this process, with a stand-in for the
 * channel engine: an ExsStreamProvider (the interface ExsChannelManager
 * implements) with a playing list the test controls and a serve that answers
 * with TS null packets and notes the typed request it got. The real engine
 * behind these routes is tested in tests/streaming/test-stream-route.c. */
#include "config.h"

#include "exs-channel-store.h"
#include "exs-config.h"
#include "exs-database.h"
#include "exs-hdhr-device-id.h"
#include "exs-hdhr-device.h"
#include "exs-hdhr-packet.h"
#include "exs-http-server.h"
#include "exs-test-server.h"

#include <string.h>

static void
test_check_digit (void)
{
  guint32 id;

  g_assert_true (exs_hdhr_device_id_is_valid (0x10439EFD));
  g_assert_true (exs_hdhr_device_id_is_valid (0x124205A5));
  g_assert_true (exs_hdhr_device_id_is_valid (0x1053C0CA));
  g_assert_true (exs_hdhr_device_id_is_valid (0xFFFFFFFF));
  g_assert_true (exs_hdhr_device_id_is_valid (0x12345674));
  g_assert_false (exs_hdhr_device_id_is_valid (0x12345678));
  g_assert_cmphex (exs_hdhr_device_id_with_check_digit (0x12345678), ==, 0x12345674);
  g_assert_true (exs_hdhr_device_id_parse ("1053c0ca", &id));
  g_assert_cmphex (id, ==, 0x1053C0CA);
  g_assert_false (exs_hdhr_device_id_parse ("1053C0C", &id));
  g_assert_false (exs_hdhr_device_id_parse ("1053C0CG", &id));
  for (int i = 0; i < 1000; i++)
    {
      id = exs_hdhr_device_id_generate ();
      g_assert_true (exs_hdhr_device_id_is_valid (id));
      /* not one of libhdhomerun's legacy ranges (0x100–0x103, 0x111, 0x120–0x122) */
      g_assert_cmphex (id >> 20, ==, 0x105);
    }
}

static void
assert_bytes (GByteArray *got, const guint8 *want, gsize len)
{
  g_assert_cmpmem (got->data, got->len, want, len);
}

static void
test_discover_request_vector (void)
{
  static const guint8 legacy[] = { 0x00, 0x02, 0x00, 0x0c, 0x01, 0x04, 0xff, 0xff, 0xff, 0xff,
                                   0x02, 0x04, 0xff, 0xff, 0xff, 0xff, 0x73, 0xcc, 0x7d, 0x8f };
  static const guint8 modern[]
      = { 0x00, 0x02, 0x00, 0x06, 0x01, 0x04, 0xff, 0xff, 0xff, 0xff, 0x4c, 0x20, 0xcb, 0x4e };
  g_autoptr (GByteArray) p = exs_hdhr_packet_new (EXS_HDHR_TYPE_DISCOVER_REQ);
  g_autoptr (GByteArray) q = exs_hdhr_packet_new (EXS_HDHR_TYPE_DISCOVER_REQ);
  g_autoptr (GArray) tlvs = NULL;
  guint16 type;
  guint32 v;

  exs_hdhr_packet_add_u32 (p, EXS_HDHR_TAG_DEVICE_TYPE, 0xFFFFFFFF);
  exs_hdhr_packet_add_u32 (p, EXS_HDHR_TAG_DEVICE_ID, 0xFFFFFFFF);
  exs_hdhr_packet_finish (p);
  assert_bytes (p, legacy, sizeof legacy);
  exs_hdhr_packet_add_u32 (q, EXS_HDHR_TAG_DEVICE_TYPE, 0xFFFFFFFF);
  exs_hdhr_packet_finish (q);
  assert_bytes (q, modern, sizeof modern);

  g_assert_true (exs_hdhr_packet_parse (legacy, sizeof legacy, &type, &tlvs));
  g_assert_cmpuint (type, ==, EXS_HDHR_TYPE_DISCOVER_REQ);
  g_assert_cmpuint (tlvs->len, ==, 2);
  g_assert_true (exs_hdhr_tlv_get_u32 (exs_hdhr_packet_find (tlvs, EXS_HDHR_TAG_DEVICE_ID), &v));
  g_assert_cmphex (v, ==, 0xFFFFFFFF);
}

static void
test_discover_reply_vector (void)
{
  /* protocols.md §2.6, byte for byte, CRC 84 9d c7 0d */
  g_autoptr (GByteArray) p = exs_hdhr_packet_new (EXS_HDHR_TYPE_DISCOVER_RPY);
  guint8 tuners = 2;

  exs_hdhr_packet_add_u32 (p, EXS_HDHR_TAG_DEVICE_TYPE, 1);
  exs_hdhr_packet_add_u32 (p, EXS_HDHR_TAG_DEVICE_ID, 0x12345674);
  exs_hdhr_packet_add_tlv (p, EXS_HDHR_TAG_TUNER_COUNT, &tuners, 1);
  exs_hdhr_packet_add_string (p, EXS_HDHR_TAG_BASE_URL, "http://127.0.0.1:5004", FALSE);
  exs_hdhr_packet_add_string (p, EXS_HDHR_TAG_LINEUP_URL, "http://127.0.0.1:5004/lineup.json",
                              FALSE);
  exs_hdhr_packet_finish (p);
  g_assert_cmpuint (p->len, ==, 4 + 0x49 + 4);
  g_assert_cmpmem (p->data, 4, "\x00\x03\x00\x49", 4);
  g_assert_cmpmem (p->data + p->len - 4, 4, "\x84\x9d\xc7\x0d", 4);
}

static void
test_tlv_lengths_and_bad_frames (void)
{
  g_autoptr (GByteArray) p = exs_hdhr_packet_new (EXS_HDHR_TYPE_GETSET_RPY);
  g_autofree char *long_value = g_strnfill (199, 'x');
  g_autoptr (GArray) tlvs = NULL;
  g_autofree char *value = NULL;
  guint16 type;
  guint8 swapped[4];

  exs_hdhr_packet_add_string (p, EXS_HDHR_TAG_GETSET_VALUE, long_value, TRUE);
  exs_hdhr_packet_finish (p);
  /* length 200 is written C8 01 */
  g_assert_cmpuint (p->data[4], ==, EXS_HDHR_TAG_GETSET_VALUE);
  g_assert_cmpuint (p->data[5], ==, 0xC8);
  g_assert_cmpuint (p->data[6], ==, 0x01);
  g_assert_true (exs_hdhr_packet_parse (p->data, p->len, &type, &tlvs));
  value = exs_hdhr_tlv_dup_string (exs_hdhr_packet_find (tlvs, EXS_HDHR_TAG_GETSET_VALUE));
  g_assert_cmpstr (value, ==, long_value);

  /* a big-endian CRC, a flipped bit, a short frame: all rejected */
  memcpy (swapped, p->data + p->len - 4, 4);
  for (int i = 0; i < 4; i++)
    p->data[p->len - 4 + i] = swapped[3 - i];
  g_clear_pointer (&tlvs, g_array_unref);
  g_assert_false (exs_hdhr_packet_parse (p->data, p->len, &type, &tlvs));
  for (int i = 0; i < 4; i++)
    p->data[p->len - 4 + i] = swapped[i];
  p->data[10] ^= 1;
  g_assert_false (exs_hdhr_packet_parse (p->data, p->len, &type, &tlvs));
  g_assert_false (exs_hdhr_packet_parse (p->data, 7, &type, &tlvs));
}

/* ---- the tuner rules, in process ---- */

/* The stand-in engine: an ExsStreamProvider that says which channels play
 * and answers every stream with ten null packets, noting what it was asked. */
#define TEST_TYPE_STAND_IN (test_stand_in_get_type ())
G_DECLARE_FINAL_TYPE (TestStandIn, test_stand_in, TEST, STAND_IN, GObject)

struct _TestStandIn
{
  GObject parent_instance;
  GPtrArray *playing; /* the channels the stand-in engine says are playing */
  GPtrArray *served;  /* "number/tuner/duration/client" for every serve call */
};

static void test_stand_in_provider_init (ExsStreamProviderInterface *iface);

G_DEFINE_TYPE_WITH_CODE (TestStandIn, test_stand_in, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (EXS_TYPE_STREAM_PROVIDER, test_stand_in_provider_init))

static char **
stand_in_dup_playing (ExsStreamProvider *provider)
{
  TestStandIn *self = TEST_STAND_IN (provider);
  GStrvBuilder *b = g_strv_builder_new ();
  char **out;

  for (guint i = 0; i < self->playing->len; i++)
    g_strv_builder_add (b, self->playing->pdata[i]);
  out = g_strv_builder_end (b);
  g_strv_builder_unref (b);
  return out;
}

static void
stand_in_serve (ExsStreamProvider *provider, const ExsChannelRecord *channel, const ExsStreamRequest *request)
{
  TestStandIn *self = TEST_STAND_IN (provider);
  guint8 *ts = g_malloc (188 * 10);

  g_assert_false (request->head); /* the route answers HEAD itself */
  g_ptr_array_add (self->served, g_strdup_printf ("%s/%d/%" G_GINT64_FORMAT "/%s", channel->number, request->tuner,
                                                  request->duration_seconds,
                                                  exs_stream_client_to_string (request->client)));
  for (int i = 0; i < 10; i++)
    {
      guint8 *p = ts + i * 188;
      memset (p, 0xff, 188);
      p[0] = 0x47, p[1] = 0x1f, p[2] = 0xff, p[3] = 0x10; /* null packets */
    }
  soup_server_message_set_status (request->msg, 200, NULL);
  soup_server_message_set_response (request->msg, "video/MP2T", SOUP_MEMORY_TAKE, (char *)ts, 188 * 10);
}

static void
test_stand_in_provider_init (ExsStreamProviderInterface *iface)
{
  iface->serve = stand_in_serve;
  iface->dup_playing = stand_in_dup_playing;
}

static void
test_stand_in_finalize (GObject *object)
{
  TestStandIn *self = TEST_STAND_IN (object);

  g_ptr_array_unref (self->playing);
  g_ptr_array_unref (self->served);
  G_OBJECT_CLASS (test_stand_in_parent_class)->finalize (object);
}

static void
test_stand_in_class_init (TestStandInClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_stand_in_finalize;
}

static void
test_stand_in_init (TestStandIn *self)
{
  self->playing = g_ptr_array_new_with_free_func (g_free);
  self->served = g_ptr_array_new_with_free_func (g_free);
}

typedef struct
{
  char *dir;
  ExsConfig *config;
  ExsDatabase *db;
  ExsHttpServer *http;
  ExsHdhrDevice *device;
  TestStandIn *engine;
  GPtrArray *playing; /* borrowed from engine */
  GPtrArray *served;  /* borrowed from engine */
  SoupSession *session;
  char *base;
} Fixture;

static void
add_channel (Fixture *f, const char *number, const char *mode, gboolean enabled)
{
  g_autoptr (ExsChannelRecord) c = exs_channel_record_new ();
  g_autoptr (GError) error = NULL;

  g_free (c->number);
  c->number = g_strdup (number);
  g_free (c->name);
  c->name = g_strdup_printf ("Channel %s", number);
  g_free (c->streaming_mode);
  c->streaming_mode = g_strdup (mode);
  c->enabled = enabled;
  exs_channel_store_insert (f->db, c, &error);
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *db_path = NULL;
  const char *numbers[] = { "1", "2", "3", "150", "1984.1", NULL };

  f->dir = exs_test_make_temp_dir ();
  db_path = g_build_filename (f->dir, "test.db", NULL);
  f->config = exs_config_new ();
  exs_config_set (f->config, "hdhomerun", "tuner_count", "2", "test", &error);
  g_assert_no_error (error);
  f->db = exs_database_open (db_path, &error);
  g_assert_no_error (error);
  for (int i = 0; numbers[i]; i++)
    add_channel (f, numbers[i], "both", TRUE);
  add_channel (f, "9", "iptv", TRUE);
  add_channel (f, "10", "both", FALSE);
  f->engine = g_object_new (TEST_TYPE_STAND_IN, NULL);
  f->playing = f->engine->playing;
  f->served = f->engine->served;
  f->device = exs_hdhr_device_new (f->config, f->db, EXS_STREAM_PROVIDER (f->engine), &error);
  g_assert_no_error (error);
  f->http = exs_http_server_new ("token", 1 << 20);
  exs_hdhr_device_register (f->device, f->http);
  exs_http_server_listen (f->http, "127.0.0.1", 0, &error);
  g_assert_no_error (error);
  f->base = g_strdup_printf ("http://127.0.0.1:%u", exs_http_server_get_port (f->http));
  f->session = soup_session_new ();
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_object_unref (f->session);
  exs_http_server_stop (f->http);
  g_object_unref (f->http);
  g_object_unref (f->device);
  exs_database_close (f->db);
  g_object_unref (f->db);
  g_object_unref (f->config);
  g_object_unref (f->engine);
  exs_test_remove_tree (f->dir);
  g_free (f->dir);
  g_free (f->base);
}

typedef struct
{
  SoupMessage *msg;
  GBytes *body;
  gboolean done;
} Pending;

static void
on_sent_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Pending *p = user_data;

  p->body = soup_session_send_and_read_finish (SOUP_SESSION (source), result, NULL);
  p->done = TRUE;
}

/* Sends a request to the in-process server, running the main loop meanwhile. */
static SoupMessage *
request (Fixture *f, const char *method, const char *path, const char *const *headers,
         GBytes **body)
{
  g_autofree char *url = g_strconcat (f->base, path, NULL);
  Pending p = { soup_message_new (method, url), NULL, FALSE };

  for (guint i = 0; headers && headers[i]; i += 2)
    soup_message_headers_replace (soup_message_get_request_headers (p.msg), headers[i],
                                  headers[i + 1]);
  soup_session_send_and_read_async (f->session, p.msg, G_PRIORITY_DEFAULT, NULL, on_sent_cb, &p);
  while (!p.done)
    g_main_context_iteration (NULL, TRUE);
  if (body)
    *body = p.body;
  else if (p.body)
    g_bytes_unref (p.body);
  return p.msg;
}

static void
test_busy_tuners (Fixture *f, gconstpointer data)
{
  g_autoptr (SoupMessage) busy = NULL;
  g_autoptr (SoupMessage) shared = NULL;
  g_autoptr (SoupMessage) head = NULL;
  g_autoptr (GBytes) body = NULL;

  g_ptr_array_add (f->playing, g_strdup ("1"));
  g_ptr_array_add (f->playing, g_strdup ("2"));

  busy = request (f, "GET", "/auto/v3", NULL, &body);
  g_assert_cmpuint (soup_message_get_status (busy), ==, 503);
  g_assert_cmpstr (
      soup_message_headers_get_one (soup_message_get_response_headers (busy), "X-HDHomeRun-Error"),
      ==, "805 All Tuners In Use");
  g_assert_nonnull (strstr (g_bytes_get_data (body, NULL), "all_tuners_in_use"));
  g_assert_cmpuint (f->served->len, ==, 0);

  /* a second viewer of a playing channel shares its tuner */
  shared = request (f, "GET", "/auto/v2", NULL, NULL);
  g_assert_cmpuint (soup_message_get_status (shared), ==, 200);
  g_assert_cmpuint (f->served->len, ==, 1);

  /* HEAD never takes a tuner */
  head = request (f, "HEAD", "/auto/v3", NULL, NULL);
  g_assert_cmpuint (soup_message_get_status (head), ==, 200);
  g_assert_cmpstr (
      soup_message_headers_get_content_type (soup_message_get_response_headers (head), NULL), ==,
      "video/MP2T");
  g_assert_cmpuint (f->served->len, ==, 1);

  /* one tuner frees up */
  g_ptr_array_remove_index (f->playing, 0);
  g_clear_object (&busy);
  busy = request (f, "GET", "/auto/v3", NULL, NULL);
  g_assert_cmpuint (soup_message_get_status (busy), ==, 200);
}

static void
test_stream_routes (Fixture *f, gconstpointer data)
{
  const char *lavf[]
      = { "Range", "bytes=0-", "Icy-MetaData", "1", "User-Agent", "Lavf/59.27.100", NULL };
  struct
  {
    const char *path;
    guint status;
    const char *served;
  } cases[] = {
    { "/auto/v1984.1", 200, "1984.1/-1/0/hdhomerun" },
    { "/auto/v150", 200, "150/-1/0/hdhomerun" },
    { "/tuner1/v1984.1", 200, "1984.1/1/0/hdhomerun" },
    { "/auto/v150?duration=60&transcode=heavy", 200, "150/-1/60/hdhomerun" },
    { "/auto/v0150", 200, "150/-1/0/hdhomerun" },
    { "/tuner2/v1", 404, NULL },  /* TunerCount is 2: tuners 0 and 1 */
    { "/auto/v7", 404, NULL },    /* no such channel */
    { "/auto/vnews", 404, NULL }, /* not a number */
    { "/auto/v9", 404, NULL },    /* IPTV only */
    { "/auto/v10", 404, NULL },   /* disabled */
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GBytes) body = NULL;
      g_autoptr (SoupMessage) msg = NULL;
      guint before = f->served->len; /* read before the request: a 404 must serve nothing */

      msg = request (f, "GET", cases[i].path, lavf, &body);

      g_test_message ("%s", cases[i].path);
      g_assert_cmpuint (soup_message_get_status (msg), ==, cases[i].status);
      if (cases[i].served)
        {
          g_assert_cmpuint (f->served->len, ==, before + 1);
          g_assert_cmpstr (f->served->pdata[f->served->len - 1], ==, cases[i].served);
          g_assert_cmpuint (g_bytes_get_size (body), ==, 1880);
          g_assert_cmpuint (((const guint8 *)g_bytes_get_data (body, NULL))[0], ==, 0x47);
        }
      else
        g_assert_cmpuint (f->served->len, ==, before);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hdhomerun/device-id/check-digit", test_check_digit);
  g_test_add_func ("/hdhomerun/packet/discover-request-bytes", test_discover_request_vector);
  g_test_add_func ("/hdhomerun/packet/discover-reply-bytes", test_discover_reply_vector);
  g_test_add_func ("/hdhomerun/packet/tlv-lengths-and-bad-frames", test_tlv_lengths_and_bad_frames);
  g_test_add ("/hdhomerun/tuners/busy-gives-805", Fixture, NULL, fixture_set_up, test_busy_tuners,
              fixture_tear_down);
  g_test_add ("/hdhomerun/tuners/stream-routes", Fixture, NULL, fixture_set_up, test_stream_routes,
              fixture_tear_down);
  return g_test_run ();
}
