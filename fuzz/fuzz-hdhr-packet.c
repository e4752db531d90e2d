/* fuzz-hdhr-packet.c: the TCP/UDP 65001 frame and TLV parser.
 *
 * Any LAN client can send these bytes. The input is treated as a stream of
 * frames, as the TCP control connection reads it.
 */
#include "config.h"

#include "exs-fuzz.h"
#include "exs-hdhr-packet.h"

#include <string.h>
#include <zlib.h>

static void
parse_frame (const guint8 *frame, gsize length)
{
  g_autoptr (GArray) tlvs = NULL;
  guint16 type = 0;

  if (!exs_hdhr_packet_parse (frame, length, &type, &tlvs))
    return;
  for (guint i = 0; i < tlvs->len; i++)
    {
      const ExsHdhrTlv *tlv = &g_array_index (tlvs, ExsHdhrTlv, i);
      g_autofree char *text = exs_hdhr_tlv_dup_string (tlv);
      guint32 value;

      if (text != NULL)
        g_assert (g_utf8_validate (text, -1, NULL));
      exs_hdhr_tlv_get_u32 (tlv, &value);
      g_assert (exs_hdhr_packet_find (tlvs, tlv->tag) != NULL);
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  gsize offset = 0;

  while (offset < size)
    {
      gssize frame = exs_hdhr_packet_frame_length (data + offset, size - offset);
      g_autofree guint8 *fixed = NULL;
      guint32 crc;

      if (frame <= 0 || (gsize) frame > size - offset)
        break;
      parse_frame (data + offset, (gsize) frame);
      /* The fuzzer cannot guess CRCs: also try the frame with a good one. */
      fixed = g_memdup2 (data + offset, (gsize) frame);
      crc = (guint32) crc32 (0, fixed, (uInt) frame - 4);
      for (guint i = 0; i < 4; i++)
        fixed[frame - 4 + i] = (guint8) (crc >> (8 * i));
      parse_frame (fixed, (gsize) frame);
      offset += (gsize) frame;
    }
  return 0;
}
