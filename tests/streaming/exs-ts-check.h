/* exs-ts-check.h: a small MPEG-TS checker for the engine tests */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  guint64 packets;
  guint sync_errors;
  guint cc_errors;
  guint pat_count;
  guint pcr_count;
  double max_pcr_gap_s;  /* between consecutive PCRs */
  double max_pcr_pes_gap_s; /* between consecutive PES PTS on the PCR PID (the
                             * video): frames an overloaded machine never made */
  double max_pat_gap_s;  /* between PATs, on the PCR clock */
  gboolean starts_with_pat;
  gboolean first_pes_random_access; /* the first PES starts a keyframe (random access indicator) */
  double first_pcr_s;
  double last_pcr_s;
  double pcr_covered_s; /* stream time received: PCR steps under 1 s added up, across restarts */
} ExsTsReport;

gboolean exs_ts_check_file (const char  *path,
                            ExsTsReport *report,
                            GError     **error);

G_END_DECLS
