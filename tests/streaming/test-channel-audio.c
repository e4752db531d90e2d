/* A channel's audio (issue 20): which track of an item it plays, every track
 * on its own PID with its language, and loudness normalised to a target.
 *
 * Real channels (exs_channel_new with ExsChannelMedia) over a file-list
 * playout of clips made here with GStreamer; the channel's MPEG-TS is taken
 * from its mux and read by ffprobe and ffmpeg: the PMT's languages
 * (ffprobe's language tags come from its ISO 639 descriptors), each PID's
 * tone decoded (its frequency from zero crossings), ffmpeg's ebur128 filter
 * per programme, and the TS checker's continuity counters. The loudness
 * items are measured by the real library scan (libebur128) first. */
#include "config.h"

#include "exs-channel.h"
#include "exs-engine-fixture.h"
#include "exs-file-list-source.h"
#include "exs-fs.h"
#include "exs-library-scan-loudness.h"
#include "exs-library-scanner.h"
#include "exs-library-store.h"
#include "exs-test-server.h"
#include "exs-ts-check.h"

#include <glib/gstdio.h>
#include <gst/gst.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define ITEM_S 5.0

typedef struct
{
  const char *language; /* NULL: untagged */
  int freq;
  double volume;
} Track;

/* A clip of ITEM_S with @tracks AAC tracks (each a tone, tagged with its
 * language) and, with @subtitles, two SRT tracks (eng, fra): 320×240, or
 * the 480p profile's 854×480 @for_remux. */
static char *
make_clip_for (const char *dir, const char *name, const Track *tracks, guint n_tracks, gboolean subtitles,
               gboolean for_remux)
{
  char *path = g_build_filename (dir, name, NULL);
  GString *d = g_string_new (NULL);
  int frames = (int) (ITEM_S * 25);

  g_string_append_printf (d,
                          "videotestsrc pattern=blue num-buffers=%d ! video/x-raw,format=I420,width=%d,height=%d,"
                          "framerate=25/1 ! x264enc speed-preset=ultrafast key-int-max=25 bitrate=300 threads=1 "
                          "! h264parse ! queue ! mux. ",
                          frames, for_remux ? 854 : 320, for_remux ? 480 : 240);
  for (guint i = 0; i < n_tracks; i++)
    {
      g_string_append_printf (d,
                              "audiotestsrc wave=sine freq=%d volume=%.4f samplesperbuffer=1024 num-buffers=%d "
                              "! audio/x-raw,rate=48000,channels=2 ! ",
                              tracks[i].freq, tracks[i].volume, (int) (ITEM_S * 48000 / 1024 + 1));
      if (tracks[i].language)
        g_string_append_printf (d, "taginject tags=\"language-code=%s\" ! ", tracks[i].language);
      g_string_append (d, "audioconvert ! avenc_aac ! aacparse ! queue ! mux. ");
    }
  if (subtitles)
    {
      static const char *const languages[] = { "eng", "fra" };
      const char *srt = "1\n00:00:00,500 --> 00:00:02,000\nHello\n\n2\n00:00:02,500 --> 00:00:04,000\nAgain\n";

      for (guint i = 0; i < G_N_ELEMENTS (languages); i++)
        {
          g_autofree char *file = g_strdup_printf ("%s.%s.srt", path, languages[i]);

          g_assert_true (g_file_set_contents (file, srt, -1, NULL));
          g_string_append_printf (d, "filesrc location=%s ! subparse ! taginject tags=\"language-code=%s\" "
                                  "! queue ! mux. ", file, languages[i]);
        }
    }
  g_string_append_printf (d, "matroskamux name=mux ! filesink location=%s", path);
  exs_test_make_media (d->str, path);
  g_string_free (d, TRUE);
  return path;
}

static char *
make_clip (const char *dir, const char *name, const Track *tracks, guint n_tracks, gboolean subtitles)
{
  return make_clip_for (dir, name, tracks, n_tracks, subtitles, FALSE);
}

/* ---- the channel, and its output as a file ---- */

static gboolean
write_buffer (GstBuffer **buffer, guint index, gpointer user_data)
{
  GstMapInfo map;

  if (gst_buffer_map (*buffer, &map, GST_MAP_READ))
    {
      fwrite (map.data, 1, map.size, user_data);
      gst_buffer_unmap (*buffer, &map);
    }
  return TRUE;
}

/* Streaming thread: the mux's output goes to the file @user_data. */
static GstPadProbeReturn
on_mux_buffer_cb (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  if (info->type & GST_PAD_PROBE_TYPE_BUFFER_LIST)
    gst_buffer_list_foreach (GST_PAD_PROBE_INFO_BUFFER_LIST (info), write_buffer, user_data);
  else
    {
      GstBuffer *buffer = GST_PAD_PROBE_INFO_BUFFER (info);
      write_buffer (&buffer, 0, user_data);
    }
  return GST_PAD_PROBE_OK;
}

static void
on_pipeline_started_cb (ExsChannel *channel, GstElement *pipeline, GstPad *mux_src, GstPad *video, gpointer user_data)
{
  gst_pad_add_probe (mux_src, GST_PAD_PROBE_TYPE_BUFFER | GST_PAD_PROBE_TYPE_BUFFER_LIST, on_mux_buffer_cb, user_data,
                     NULL);
}

/* Runs the main loop until the output file holds @seconds of stream (its
 * PCR, restarts added up), or fails after a deadline far above it: under
 * load the channel may take longer than @seconds of wall time to send it. */
static void
wait_for_stream (FILE *out, const char *path, double seconds)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) ((4 * seconds + 60) * G_USEC_PER_SEC);
  double got = 0;

  exs_test_iterate (seconds);
  for (;;)
    {
      g_autoptr (GError) error = NULL;
      ExsTsReport r = { 0 };

      fflush (out); /* the streaming thread writes it; stdio locks the FILE */
      if (exs_ts_check_file (path, &r, &error))
        got = r.pcr_covered_s;
      if (got >= seconds)
        return;
      if (g_get_monotonic_time () > deadline)
        g_error ("%s: only %.1f s of stream, %.1f s wanted", path, got, seconds);
      exs_test_iterate (0.25);
    }
}

/* Plays @paths (ITEM_S each, in a loop, the first @join_s in; with
 * @overrides, each file's schedule item override) on a channel with @media
 * for @seconds of its output; returns the MPEG-TS file. */
static char *
play_with (const char *dir, const ExsChannelMedia *media, const char *const *paths, const gint64 *ids,
           const char *const *overrides, ExsDatabase *library, double join_s, double seconds, gboolean remux)
{
  g_autoptr (ExsFileListSource) source = exs_file_list_source_new ();
  g_autoptr (ExsChannel) channel = NULL;
  g_autoptr (GError) error = NULL;
  gint64 durations[8];
  ExsChannelOptions options = { .name = "Audio", .media = media, .remux = remux };
  ExsChannelProfile profile;
  char *out_path = g_build_filename (dir, "out.ts", NULL);
  FILE *out = fopen (out_path, "wb");
  guint n = g_strv_length ((char **) paths);

  g_assert_nonnull (out);
  g_assert_cmpuint (n, <=, G_N_ELEMENTS (durations));
  for (guint i = 0; i < n; i++)
    durations[i] = (gint64) (ITEM_S * G_USEC_PER_SEC);
  exs_file_list_source_set_channel (source, "90", paths, durations, g_get_real_time () - (gint64) (join_s * G_USEC_PER_SEC));
  if (ids)
    exs_file_list_source_set_media_item_ids (source, "90", ids);
  if (overrides)
    exs_file_list_source_set_media_overrides (source, "90", overrides);
  exs_channel_profile_from_name ("480p", &profile);
  profile.fps = 10; /* the audio is the point: keep the CPU for it */
  channel = exs_channel_new ("90", &profile, &options, EXS_PLAYOUT_SOURCE (source));
  exs_channel_set_library (channel, library);
  g_signal_connect (channel, "pipeline-started", G_CALLBACK (on_pipeline_started_cb), out);
  g_assert_true (exs_channel_start (channel, &error));
  g_assert_no_error (error);
  wait_for_stream (out, out_path, seconds + 0.5);
  if (remux)
    g_assert_false (exs_channel_is_remuxing (channel)); /* the callers' items need encoding */
  exs_channel_stop (channel);
  fclose (out);
  return out_path;
}

static char *
play_on (const char *dir, const ExsChannelMedia *media, const char *const *paths, const gint64 *ids,
         ExsDatabase *library, double join_s, double seconds, gboolean remux)
{
  return play_with (dir, media, paths, ids, NULL, library, join_s, seconds, remux);
}

static char *
play (const char *dir, const ExsChannelMedia *media, const char *const *paths, const gint64 *ids,
      ExsDatabase *library, double join_s, double seconds)
{
  return play_on (dir, media, paths, ids, library, join_s, seconds, FALSE);
}

/* ---- what the output holds ---- */

/* The language of each audio stream, in stream order ("und" if none).
 * ffprobe lists each stream twice, once under its program. */
static GPtrArray *
audio_languages (const char *ts)
{
  const char *argv[] = { "ffprobe", "-v", "error", "-select_streams", "a", "-show_entries",
                         "stream=index:stream_tags=language", "-of", "compact", ts, NULL };
  g_autofree char *out = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GTree) by_index = g_tree_new_full ((GCompareDataFunc) g_strcmp0, NULL, g_free, g_free);
  GPtrArray *languages = g_ptr_array_new_with_free_func (g_free);

  g_assert_cmpint (exs_test_run_async (argv, &out), ==, 0);
  g_test_message ("ffprobe audio streams:\n%s", out);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      const char *index = strstr (lines[i], "index=");
      const char *tag = strstr (lines[i], "tag:language=");

      if (index == NULL)
        continue;
      if (tag || g_tree_lookup (by_index, index + 6) == NULL)
        g_tree_replace (by_index, g_strndup (index + 6, strcspn (index + 6, "|")),
                        g_strdup (tag ? tag + strlen ("tag:language=") : "und"));
    }
  for (GTreeNode *n = g_tree_node_first (by_index); n; n = g_tree_node_next (n))
    g_ptr_array_add (languages, g_strdup (g_tree_node_value (n)));
  return languages;
}

/* The tone of audio stream @index between @from_s and @from_s + 1.5 s of
 * the output, in Hz (zero crossings / 2 over the stretches that are not
 * silent: a channel on an overloaded machine fills late audio with
 * silence), or 0 when all of it is silent. */
static double
tone_at (const char *dir, const char *ts, guint index, double from_s)
{
  g_autofree char *raw = g_build_filename (dir, "tone.raw", NULL);
  g_autofree char *map = g_strdup_printf ("0:a:%u", index);
  g_autofree char *from = g_strdup_printf ("%.2f", from_s);
  const char *argv[] = { "ffmpeg", "-v", "error", "-y", "-ss", from, "-t", "1.5", "-i", ts, "-map", map, "-ac", "1",
                         "-ar", "48000", "-f", "s16le", raw, NULL };
  const gsize block = 480; /* 10 ms */
  g_autofree char *out = NULL;
  g_autofree gint16 *pcm = NULL;
  gsize len = 0, n, sounding = 0;
  guint crossings = 0;

  g_assert_cmpint (exs_test_run_async (argv, &out), ==, 0);
  g_assert_true (g_file_get_contents (raw, (char **) &pcm, &len, NULL));
  n = len / 2;
  for (gsize b = 0; b + block <= n; b += block)
    {
      double energy = 0;

      for (gsize i = b; i < b + block; i++)
        energy += (double) pcm[i] * pcm[i];
      if (sqrt (energy / block) < 100)
        continue;
      sounding += block;
      for (gsize i = MAX (b, 1); i < b + block; i++)
        if ((pcm[i - 1] < 0) != (pcm[i] < 0))
          crossings++;
    }
  if (sounding < 48000 / 4)
    return 0; /* under a quarter of a second of sound */
  return crossings / 2.0 / (sounding / 48000.0);
}

/* Integrated loudness of audio stream 0 between @from_s and @to_s. */
static double
loudness_between (const char *ts, double from_s, double to_s)
{
  g_autofree char *from = g_strdup_printf ("%.2f", from_s);
  g_autofree char *length = g_strdup_printf ("%.2f", to_s - from_s);
  const char *argv[] = { "ffmpeg", "-hide_banner", "-nostats", "-ss", from, "-t", length, "-i", ts, "-map", "0:a:0",
                         "-af", "ebur128", "-f", "null", "-", NULL };
  g_autofree char *out = NULL;
  const char *summary, *i;

  g_assert_cmpint (exs_test_run_async (argv, &out), ==, 0);
  summary = strstr (out, "Integrated loudness:");
  g_assert_nonnull (summary);
  i = strstr (summary, "I:");
  g_assert_nonnull (i);
  return g_ascii_strtod (i + 2, NULL);
}

static void
assert_continuous (const char *ts)
{
  g_autoptr (GError) error = NULL;
  ExsTsReport r;

  g_assert_true (exs_ts_check_file (ts, &r, &error));
  g_assert_no_error (error);
  g_test_message ("%" G_GUINT64_FORMAT " packets, %.1f s of PCR, %u continuity errors", r.packets, r.pcr_covered_s,
                  r.cc_errors);
  g_assert_cmpuint (r.sync_errors, ==, 0);
  g_assert_cmpuint (r.cc_errors, ==, 0);
}

static const Track three[] = { { "eng", 440, 0.3 }, { "fra", 660, 0.3 }, { "jpn", 1000, 0.3 } };

static void
assert_tone (double hz, double want)
{
  g_test_message ("tone %.0f Hz (want %.0f)", hz, want);
  g_assert_cmpfloat (fabs (hz - want), <, want * 0.05 + 1);
}

/* jpn preferred: one audio PID, labelled jpn, playing the Japanese track;
 * a language the item lacks falls back to its default (first) track. */
static void
test_preferred_language (void)
{
  g_autofree char *dir = exs_test_make_temp_dir ();
  g_autofree char *clip = make_clip (dir, "three.mkv", three, 3, TRUE);
  const char *paths[] = { clip, NULL };
  g_autoptr (ExsChannelMedia) media = exs_channel_media_new ();
  g_autofree char *ts = NULL;
  g_autoptr (GPtrArray) languages = NULL;

  media->audio_languages = g_strsplit ("jpn,eng", ",", -1);
  ts = play (dir, media, paths, NULL, NULL, 0, 4.0);
  languages = audio_languages (ts);
  g_assert_cmpuint (languages->len, ==, 1);
  g_assert_cmpstr (languages->pdata[0], ==, "jpn");
  assert_tone (tone_at (dir, ts, 0, 2.0), 1000);
  g_free (ts);

  /* German is not there: the item's default track (English) */
  g_strfreev (media->audio_languages);
  media->audio_languages = g_strsplit ("deu", ",", -1);
  ts = play (dir, media, paths, NULL, NULL, 0, 4.0);
  assert_tone (tone_at (dir, ts, 0, 2.0), 440);
}

/* "all": three audio PIDs (eng, fra, jpn) with their languages, each its
 * track — joined mid-programme, so the item is sought first; across a
 * boundary into an item with English only, fra and jpn go silent and the
 * PIDs stay, with 0 continuity errors. */
#define JOIN_S 2.0
static void
test_all_tracks (void)
{
  g_autofree char *dir = exs_test_make_temp_dir ();
  g_autofree char *clip = make_clip (dir, "three.mkv", three, 3, TRUE);
  const Track english[] = { { "eng", 550, 0.3 } };
  g_autofree char *second = make_clip (dir, "english.mkv", english, 1, FALSE);
  const char *paths[] = { clip, second, NULL };
  g_autoptr (ExsChannelMedia) media = exs_channel_media_new ();
  g_autofree char *ts = NULL;
  g_autoptr (GPtrArray) languages = NULL;
  const char *want[] = { "eng", "fre", "jpn" }; /* mpegtsmux writes ISO 639-2/B */
  const double tones[] = { 440, 660, 1000 };

  media->audio_languages = g_strsplit ("eng,fra,jpn", ",", -1);
  media->audio_tracks = EXS_AUDIO_TRACKS_ALL;
  ts = play (dir, media, paths, NULL, NULL, JOIN_S, 2 * ITEM_S + 1);
  languages = audio_languages (ts);
  g_assert_cmpuint (languages->len, ==, 3);
  for (guint k = 0; k < 3; k++)
    {
      g_assert_cmpstr (languages->pdata[k], ==, want[k]);
      assert_tone (tone_at (dir, ts, k, 1.0), tones[k]);
    }
  /* the second item: English only */
  assert_tone (tone_at (dir, ts, 0, ITEM_S - JOIN_S + 2.0), 550);
  g_assert_cmpfloat (tone_at (dir, ts, 1, ITEM_S - JOIN_S + 2.0), ==, 0);
  g_assert_cmpfloat (tone_at (dir, ts, 2, ITEM_S - JOIN_S + 2.0), ==, 0);
  assert_continuous (ts);
}

/* A remux channel cannot choose among an item's audio tracks (parsebin
 * shows no languages in time): with jpn preferred and three tracks, it
 * moves to encoding by itself, and from then on the Japanese track plays,
 * on one PID labelled jpn. */
static void
test_remux_moves_to_encoding (void)
{
  g_autofree char *dir = exs_test_make_temp_dir ();
  g_autofree char *clip = make_clip_for (dir, "three.mkv", three, 3, TRUE, TRUE);
  const char *paths[] = { clip, NULL };
  g_autoptr (ExsChannelMedia) media = exs_channel_media_new ();
  g_autofree char *ts = NULL;
  g_autoptr (GPtrArray) languages = NULL;

  media->audio_languages = g_strsplit ("jpn", ",", -1);
  ts = play_on (dir, media, paths, NULL, NULL, 0, 2 * ITEM_S, TRUE);
  languages = audio_languages (ts);
  for (guint k = 0; k < languages->len; k++)
    g_assert_cmpstr (languages->pdata[k], ==, "jpn");
  /* the next item, on the encoding pipeline */
  assert_tone (tone_at (dir, ts, 0, 2 * ITEM_S - 2.0), 1000);
}

/* Two programmes of the same three-track clip, the channel preferring
 * English; the second's schedule item overrides audio_languages with jpn:
 * the first plays the English track, the second the Japanese one. The PID
 * keeps the channel's label (a PMT language is fixed while the channel
 * runs). */
static void
test_item_override (void)
{
  g_autofree char *dir = exs_test_make_temp_dir ();
  g_autofree char *a = make_clip (dir, "block-a.mkv", three, 3, FALSE);
  g_autofree char *b = g_build_filename (dir, "block-b.mkv", NULL);
  g_autoptr (GFile) from = g_file_new_for_path (a);
  g_autoptr (GFile) to = g_file_new_for_path (b);
  const char *paths[] = { a, b, NULL };
  const char *overrides[] = { NULL, "{\"audio_languages\":\"jpn\"}" };
  g_autoptr (ExsChannelMedia) media = exs_channel_media_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) languages = NULL;
  g_autofree char *ts = NULL;

  g_assert_true (g_file_copy (from, to, G_FILE_COPY_NONE, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  media->audio_languages = g_strsplit ("eng", ",", -1);
  ts = play_with (dir, media, paths, NULL, overrides, NULL, 0, 2 * ITEM_S + 0.5, FALSE);
  languages = audio_languages (ts);
  g_assert_cmpuint (languages->len, ==, 1);
  g_assert_cmpstr (languages->pdata[0], ==, "eng");
  assert_tone (tone_at (dir, ts, 0, 2.0), 440);           /* the channel's English */
  assert_tone (tone_at (dir, ts, 0, ITEM_S + 2.0), 1000); /* the schedule item's Japanese */
  assert_continuous (ts);
}

/* ---- loudness ---- */

static void
on_scan_finished_cb (ExsLibraryScanner *scanner, gint64 library_id, const char *error, gpointer user_data)
{
  gboolean *done = user_data;

  g_assert_null (error);
  *done = TRUE;
}

static gint64
item_id (ExsDatabase *db, const char *path, double *lufs)
{
  g_autoptr (sqlite3_stmt) s
      = exs_database_prepare (db, "SELECT id, loudness_lufs FROM media_items WHERE path = ?", NULL);
  gint64 id;

  exs_database_bind_text (s, 1, path);
  g_assert_cmpint (sqlite3_step (s), ==, SQLITE_ROW);
  id = sqlite3_column_int64 (s, 0);
  g_assert_cmpint (sqlite3_column_type (s, 1), ==, SQLITE_FLOAT);
  *lufs = sqlite3_column_double (s, 1);
  return id;
}

/* Two items 12 dB apart, measured by the library scan, both play within
 * ±2 LU of the channel's −24 LUFS target; 0 continuity errors across. */
static void
test_loudness (void)
{
  g_autofree char *dir = exs_test_make_temp_dir ();
  g_autofree char *media_dir = g_build_filename (dir, "media", NULL);
  g_autofree char *db_path = g_build_filename (dir, "test.db", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (ExsDatabase) db = NULL;
  g_autoptr (ExsLibraryScanner) scanner = NULL;
  g_autoptr (ExsChannelMedia) media = exs_channel_media_new ();
  const Track loud[] = { { "eng", 440, 0.5 } };
  const Track quiet[] = { { "eng", 440, 0.125 } }; /* −12 dB */
  g_autofree char *a = NULL, *b = NULL, *ts = NULL;
  gint64 ids[2];
  double measured[2];
  gint64 library_id;
  gboolean done = FALSE;

  g_assert_cmpint (g_mkdir_with_parents (media_dir, 0700), ==, 0);
  a = make_clip (media_dir, "loud.mkv", loud, 1, FALSE);
  b = make_clip (media_dir, "quiet.mkv", quiet, 1, FALSE);
  db = exs_database_open (db_path, &error);
  g_assert_no_error (error);
  library_id = exs_library_store_ensure (db, "Films", "movies", media_dir, &error);
  g_assert_no_error (error);
  scanner = exs_library_scanner_new (db, 1, 30);
  g_signal_connect (scanner, "scan-finished", G_CALLBACK (on_scan_finished_cb), &done);
  exs_library_scanner_scan (scanner, library_id, FALSE);
  for (gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
       !done && g_get_monotonic_time () < deadline;)
    exs_test_iterate (0.05);
  g_assert_true (done);
  ids[0] = item_id (db, a, &measured[0]);
  ids[1] = item_id (db, b, &measured[1]);
  g_test_message ("measured at scan: %.2f and %.2f LUFS", measured[0], measured[1]);
  g_assert_cmpfloat (fabs (measured[0] - measured[1] - 12.04), <, 0.5);

  {
    const char *paths[] = { a, b, NULL };
    const double target = -24.0;
    double first, second;

    media->loudness = TRUE;
    media->loudness_target_lufs = target;
    ts = play (dir, media, paths, ids, db, 0, 2 * ITEM_S + 0.5);
    first = loudness_between (ts, 1.0, ITEM_S - 0.5);
    second = loudness_between (ts, ITEM_S + 1.0, 2 * ITEM_S - 0.5);
    g_test_message ("on the channel: %.1f and %.1f LUFS (target %.0f)", first, second, target);
    g_assert_cmpfloat (fabs (first - target), <=, 2.0);
    g_assert_cmpfloat (fabs (second - target), <=, 2.0);
    assert_continuous (ts);
  }
  exs_library_scanner_stop (scanner);
}

/* The analysis on its own: a file without audio has no loudness (and is
 * not an error); a file that is not media is an error naming it. */
static void
test_measure_edges (void)
{
  g_autofree char *dir = exs_test_make_temp_dir ();
  g_autofree char *silent = make_clip (dir, "video-only.mkv", NULL, 0, FALSE);
  g_autofree char *junk = g_build_filename (dir, "junk.mkv", NULL);
  g_autoptr (GError) error = NULL;
  double lufs = 0;

  g_assert_true (exs_library_measure_loudness (silent, 30, NULL, &lufs, &error));
  g_assert_no_error (error);
  g_assert_true (isnan (lufs));
  g_assert_true (g_file_set_contents (junk, "not a film at all", -1, NULL));
  g_assert_false (exs_library_measure_loudness (junk, 30, NULL, &lufs, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "junk.mkv"));
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/streaming/channel-audio/measure-edges", test_measure_edges);
  g_test_add_func ("/streaming/channel-audio/preferred-language", test_preferred_language);
  g_test_add_func ("/streaming/channel-audio/all-tracks", test_all_tracks);
  g_test_add_func ("/streaming/channel-audio/schedule-item-override", test_item_override);
  g_test_add_func ("/streaming/channel-audio/remux-moves-to-encoding", test_remux_moves_to_encoding);
  g_test_add_func ("/streaming/channel-audio/loudness", test_loudness);
  return g_test_run ();
}
