/* exs-hdhr-packet.c: the frame of the native HDHomeRun protocol.
 *
 *   u16 type (BE) | u16 payload length N (BE) | N bytes of TLVs | CRC-32 (LE)
 *   TLV: u8 tag | length (1 byte < 128, else 2: low 7 bits | 0x80, then >> 7) | value
 *
 * The CRC is zlib's crc32 over type, length and payload, written least
 * significant byte first; clients drop a frame whose CRC is wrong or written
 * big-endian (protocols.md §2.1–2.3). Same framing on UDP discovery and the
 * TCP control channel; used by ExsHdhrDiscovery.
 */
#include "config.h"

#include "exs-hdhr-packet.h"

#include <string.h>
#include <zlib.h>

GByteArray *
exs_hdhr_packet_new (guint16 type)
{
  GByteArray *p = g_byte_array_sized_new (64);
  guint8 header[4] = { type >> 8, type & 0xff, 0, 0 };

  g_byte_array_append (p, header, 4);
  return p;
}

void
exs_hdhr_packet_add_tlv (GByteArray *packet, guint8 tag, const void *value, gsize length)
{
  g_return_if_fail (length < 0x4000);
  g_byte_array_append (packet, &tag, 1);
  if (length < 128)
    {
      guint8 l = (guint8)length;
      g_byte_array_append (packet, &l, 1);
    }
  else
    {
      guint8 l[2] = { (guint8)((length & 0x7f) | 0x80), (guint8)(length >> 7) };
      g_byte_array_append (packet, l, 2);
    }
  g_byte_array_append (packet, value, (guint)length);
}

void
exs_hdhr_packet_add_u32 (GByteArray *packet, guint8 tag, guint32 value)
{
  guint32 be = GUINT32_TO_BE (value);

  exs_hdhr_packet_add_tlv (packet, tag, &be, 4);
}

void
exs_hdhr_packet_add_string (GByteArray *packet, guint8 tag, const char *value, gboolean with_nul)
{
  exs_hdhr_packet_add_tlv (packet, tag, value, strlen (value) + (with_nul ? 1 : 0));
}

/* Fills in the payload length and appends the CRC. */
void
exs_hdhr_packet_finish (GByteArray *packet)
{
  guint payload = packet->len - 4;
  guint32 crc;
  guint8 trailer[4];

  packet->data[2] = (guint8)(payload >> 8);
  packet->data[3] = (guint8)(payload & 0xff);
  crc = (guint32)crc32 (0, packet->data, packet->len);
  trailer[0] = crc & 0xff;
  trailer[1] = (crc >> 8) & 0xff;
  trailer[2] = (crc >> 16) & 0xff;
  trailer[3] = (crc >> 24) & 0xff;
  g_byte_array_append (packet, trailer, 4);
}

/**
 * exs_hdhr_packet_frame_length:
 *
 * Returns: the length of the whole frame starting at @data, 0 if more bytes
 * are needed to know, -1 if it can never be a valid frame
 */
gssize
exs_hdhr_packet_frame_length (const guint8 *data, gsize length)
{
  gsize payload;

  if (length < 4)
    return 0;
  payload = ((gsize)data[2] << 8) | data[3];
  if (payload > EXS_HDHR_MAX_PAYLOAD)
    return -1;
  return (gssize)(payload + 8);
}

/**
 * exs_hdhr_packet_parse:
 * @tlvs: (out) (transfer full): ExsHdhrTlv pointing into @data
 *
 * Returns: whether @data is exactly one frame with a good CRC
 */
gboolean
exs_hdhr_packet_parse (const guint8 *data, gsize length, guint16 *type, GArray **tlvs)
{
  gssize frame = exs_hdhr_packet_frame_length (data, length);
  guint32 crc, sent;
  gsize pos, end;

  if (frame <= 0 || (gsize)frame != length)
    return FALSE;
  crc = (guint32)crc32 (0, data, (uInt)(length - 4));
  sent = (guint32)data[length - 4] | ((guint32)data[length - 3] << 8)
         | ((guint32)data[length - 2] << 16) | ((guint32)data[length - 1] << 24);
  if (crc != sent)
    return FALSE;
  *type = (guint16)((data[0] << 8) | data[1]);
  *tlvs = g_array_new (FALSE, FALSE, sizeof (ExsHdhrTlv));
  pos = 4;
  end = length - 4;
  while (pos + 2 <= end)
    {
      ExsHdhrTlv t;

      t.tag = data[pos++];
      t.length = data[pos++];
      if (t.length & 0x80)
        {
          if (pos >= end)
            break;
          t.length = (t.length & 0x7f) | ((gsize)data[pos++] << 7);
        }
      if (pos + t.length > end)
        break;
      t.value = data + pos;
      pos += t.length;
      g_array_append_val (*tlvs, t);
    }
  return TRUE;
}

const ExsHdhrTlv *
exs_hdhr_packet_find (GArray *tlvs, guint8 tag)
{
  for (guint i = 0; i < tlvs->len; i++)
    if (g_array_index (tlvs, ExsHdhrTlv, i).tag == tag)
      return &g_array_index (tlvs, ExsHdhrTlv, i);
  return NULL;
}

gboolean
exs_hdhr_tlv_get_u32 (const ExsHdhrTlv *tlv, guint32 *value)
{
  if (tlv == NULL || tlv->length != 4)
    return FALSE;
  *value = ((guint32)tlv->value[0] << 24) | ((guint32)tlv->value[1] << 16)
           | ((guint32)tlv->value[2] << 8) | tlv->value[3];
  return TRUE;
}

/* Returns: (transfer full) (nullable): the value up to its NUL, if valid UTF-8 */
char *
exs_hdhr_tlv_dup_string (const ExsHdhrTlv *tlv)
{
  g_autofree char *s = NULL;

  if (tlv == NULL)
    return NULL;
  s = g_strndup ((const char *)tlv->value, tlv->length);
  if (!g_utf8_validate (s, -1, NULL))
    return NULL;
  return g_steal_pointer (&s);
}
