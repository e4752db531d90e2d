/* exs-ts-check.c: reads a captured MPEG-TS and counts what a TV would mind:
 * lost sync, continuity-counter errors, PCR spacing and PAT spacing, and the
 * spacing of the frames on the PCR PID. */
#include "config.h"

#include "exs-ts-check.h"

#include <string.h>

gboolean
exs_ts_check_file (const char *path, ExsTsReport *r, GError **error)
{
  g_autofree guint8 *data = NULL;
  gsize len;
  int last_cc[8192];
  gboolean dup[8192] = { FALSE };
  gint64 last_pcr = -1, last_pat_pcr = -1, cur_pcr = -1, last_pes_pts = -1;
  int pcr_pid = -1;
  gboolean pes_seen = FALSE;
  guint pcr_gaps = 0; /* over 45 ms: the first five are named */

  memset (r, 0, sizeof *r);
  if (!g_file_get_contents (path, (char **) &data, &len, error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (last_cc); i++)
    last_cc[i] = -1;
  for (gsize off = 0; off + 188 <= len; off += 188)
    {
      const guint8 *p = data + off;
      guint pid, afc, cc;
      gboolean discontinuity = FALSE;

      if (p[0] != 0x47)
        {
          r->sync_errors++;
          /* resynchronise */
          while (off + 188 <= len && data[off] != 0x47)
            off++;
          off -= 188;
          continue;
        }
      r->packets++;
      pid = ((p[1] & 0x1f) << 8) | p[2];
      afc = (p[3] >> 4) & 3;
      cc = p[3] & 0xf;
      if (r->packets == 1)
        r->starts_with_pat = pid == 0;
      if ((afc & 2) && p[4] > 0)
        {
          discontinuity = (p[5] & 0x80) != 0;
          if ((p[5] & 0x10) && p[4] >= 7)
            {
              guint64 base = ((guint64) p[6] << 25) | ((guint64) p[7] << 17) | ((guint64) p[8] << 9)
                             | ((guint64) p[9] << 1) | (p[10] >> 7);
              guint ext = ((p[10] & 1) << 8) | p[11];
              gint64 pcr = (gint64) (base * 300 + ext);

              if (last_pcr >= 0 && (pcr - last_pcr) / 27e6 > 0.045 && ++pcr_gaps <= 5)
                g_test_message ("PCR gap of %.3f s at %.3f s", (pcr - last_pcr) / 27e6, pcr / 27e6);
              if (last_pcr >= 0)
                r->max_pcr_gap_s = MAX (r->max_pcr_gap_s, (pcr - last_pcr) / 27e6);
              /* a restart (a new pipeline: PCR jumps back or far ahead)
               * starts a new run; the runs add up */
              if (last_pcr >= 0 && pcr > last_pcr && (pcr - last_pcr) / 27e6 < 1.0)
                r->pcr_covered_s += (pcr - last_pcr) / 27e6;
              else
                r->first_pcr_s = pcr / 27e6;
              r->last_pcr_s = pcr / 27e6;
              last_pcr = cur_pcr = pcr;
              pcr_pid = (int) pid;
              r->pcr_count++;
            }
        }
      if (pid == 0x1fff)
        continue;
      if ((int) pid == pcr_pid && (p[1] & 0x40) && (afc & 1))
        {
          gsize at = 4 + ((afc & 2) ? 1 + p[4] : 0);

          /* a PES header with a PTS (33 bits in 5 bytes) */
          if (at + 14 <= 188 && p[at] == 0 && p[at + 1] == 0 && p[at + 2] == 1 && (p[at + 7] & 0x80))
            {
              const guint8 *t = p + at + 9;
              gint64 pts = ((gint64) (t[0] & 0x0e) << 29) | ((gint64) t[1] << 22) | ((gint64) (t[2] & 0xfe) << 14)
                           | ((gint64) t[3] << 7) | (t[4] >> 1);

              /* forward steps under 1 s (a restart starts again) */
              if (last_pes_pts >= 0 && pts > last_pes_pts && (pts - last_pes_pts) / 90e3 < 1.0)
                r->max_pcr_pes_gap_s = MAX (r->max_pcr_pes_gap_s, (pts - last_pes_pts) / 90e3);
              last_pes_pts = pts;
            }
        }
      if (!pes_seen && (p[1] & 0x40) && (afc & 1))
        {
          gsize at = 4 + ((afc & 2) ? 1 + p[4] : 0);

          if (at + 3 <= 188 && p[at] == 0 && p[at + 1] == 0 && p[at + 2] == 1)
            {
              pes_seen = TRUE;
              r->first_pes_random_access = (afc & 2) && p[4] > 0 && (p[5] & 0x40);
            }
        }
      if (pid == 0)
        {
          r->pat_count++;
          if (cur_pcr >= 0)
            {
              if (last_pat_pcr >= 0)
                r->max_pat_gap_s = MAX (r->max_pat_gap_s, (cur_pcr - last_pat_pcr) / 27e6);
              last_pat_pcr = cur_pcr;
            }
        }
      if (afc & 1)
        {
          /* one repeat of a counter is a duplicate packet, which
           * ISO/IEC 13818-1 allows */
          if (last_cc[pid] >= 0 && !discontinuity && cc != (guint) ((last_cc[pid] + 1) & 0xf)
              && !(cc == (guint) last_cc[pid] && !dup[pid]))
            {
              r->cc_errors++;
              if (r->cc_errors <= 5)
                g_test_message ("continuity error: PID 0x%x, packet %" G_GUINT64_FORMAT " at PCR %.3f s: %d -> %u",
                                pid, r->packets, cur_pcr / 27e6, last_cc[pid], cc);
            }
          dup[pid] = last_cc[pid] == (int) cc;
          last_cc[pid] = (int) cc;
        }
    }
  return TRUE;
}
