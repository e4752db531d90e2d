/* exs-hdhr-packet.h: frames and TLVs of the native HDHomeRun protocol (port 65001) */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

enum
{
  EXS_HDHR_TYPE_DISCOVER_REQ = 0x0002,
  EXS_HDHR_TYPE_DISCOVER_RPY = 0x0003,
  EXS_HDHR_TYPE_GETSET_REQ = 0x0004,
  EXS_HDHR_TYPE_GETSET_RPY = 0x0005,
};

enum
{
  EXS_HDHR_TAG_DEVICE_TYPE = 0x01,
  EXS_HDHR_TAG_DEVICE_ID = 0x02,
  EXS_HDHR_TAG_GETSET_NAME = 0x03,
  EXS_HDHR_TAG_GETSET_VALUE = 0x04,
  EXS_HDHR_TAG_ERROR_MESSAGE = 0x05,
  EXS_HDHR_TAG_TUNER_COUNT = 0x10,
  EXS_HDHR_TAG_GETSET_LOCKKEY = 0x15,
  EXS_HDHR_TAG_LINEUP_URL = 0x27,
  EXS_HDHR_TAG_BASE_URL = 0x2A,
  EXS_HDHR_TAG_DEVICE_AUTH_STR = 0x2B,
  EXS_HDHR_TAG_MULTI_TYPE = 0x2D,
};

#define EXS_HDHR_DEVICE_TYPE_TUNER 0x00000001u
#define EXS_HDHR_DEVICE_TYPE_WILDCARD 0xFFFFFFFFu
#define EXS_HDHR_DEVICE_ID_WILDCARD 0xFFFFFFFFu
#define EXS_HDHR_MAX_PACKET 1460
#define EXS_HDHR_MAX_PAYLOAD 1452

typedef struct
{
  guint8 tag;
  gsize length;
  const guint8 *value;
} ExsHdhrTlv;

/* Writing: start, add TLVs, finish (appends the CRC). */
GByteArray *exs_hdhr_packet_new (guint16 type);
void exs_hdhr_packet_add_tlv (GByteArray *packet, guint8 tag, const void *value, gsize length);
void exs_hdhr_packet_add_u32 (GByteArray *packet, guint8 tag, guint32 value);
void exs_hdhr_packet_add_string (GByteArray *packet, guint8 tag, const char *value,
                                 gboolean with_nul);
void exs_hdhr_packet_finish (GByteArray *packet);

/* Reading. */
gssize exs_hdhr_packet_frame_length (const guint8 *data, gsize length);
gboolean exs_hdhr_packet_parse (const guint8 *data, gsize length, guint16 *type, GArray **tlvs);
const ExsHdhrTlv *exs_hdhr_packet_find (GArray *tlvs, guint8 tag);
gboolean exs_hdhr_tlv_get_u32 (const ExsHdhrTlv *tlv, guint32 *value);
char *exs_hdhr_tlv_dup_string (const ExsHdhrTlv *tlv);

G_END_DECLS
