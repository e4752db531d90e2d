/* The subtitle files the library and the engine read themselves: sidecar
 * names next to a media file (exs-subtitle-sidecar.c) and the track flags
 * of a Matroska file (exs-matroska-tracks.c) — the forced flag written by
 * ffmpeg, read back by our EBML walk; damaged and foreign files refused. */
#include "config.h"

#include "exs-matroska-tracks.h"
#include "exs-subtitle-sidecar.h"
#include "exs-test-server.h"

#include <glib/gstdio.h>

static void
touch (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, "1\n00:00:01,000 --> 00:00:02,000\nx\n\n", -1, NULL));
}

static void
test_sidecars (void)
{
  g_autofree char *dir = exs_test_make_temp_dir ();
  g_autofree char *media = g_build_filename (dir, "Film (2001).mkv", NULL);
  g_autoptr (GPtrArray) found = NULL;
  static const struct
  {
    const char *name, *codec, *language;
    gboolean forced, sdh;
  } want[] = {
    { "Film (2001).en.forced.srt", "subrip", "en", TRUE, FALSE },
    { "Film (2001).eng.sdh.ass", "ass", "eng", FALSE, TRUE },
    { "Film (2001).fr.vtt", "webvtt", "fr", FALSE, FALSE },
    { "Film (2001).srt", "subrip", NULL, FALSE, FALSE },
  };
  const char *const others[] = { "Film (2001).mkv", "Film (2001).nfo", "Film (2001)-trailer.en.srt",
                                 "Film (2001).en.sub", "Other.en.srt", "Film.en.srt", NULL };

  for (guint i = 0; i < G_N_ELEMENTS (want); i++)
    touch (dir, want[i].name);
  for (guint i = 0; others[i]; i++)
    touch (dir, others[i]);
  found = exs_subtitle_sidecars_find (media);
  g_assert_cmpuint (found->len, ==, G_N_ELEMENTS (want));
  for (guint i = 0; i < found->len; i++)
    {
      ExsSubtitleSidecar *s = found->pdata[i];
      g_autofree char *path = g_build_filename (dir, want[i].name, NULL);

      g_assert_cmpstr (s->path, ==, path);
      g_assert_cmpstr (s->codec, ==, want[i].codec);
      g_assert_cmpstr (s->language, ==, want[i].language);
      g_assert_cmpint (s->forced, ==, want[i].forced);
      g_assert_cmpint (s->sdh, ==, want[i].sdh);
    }
  /* a folder that cannot be read: none, no error */
  g_ptr_array_unref (found);
  found = exs_subtitle_sidecars_find ("/nonexistent-exs-folder/Film.mkv");
  g_assert_cmpuint (found->len, ==, 0);
  exs_test_remove_tree (dir);
}

static void
run (const char *const *argv)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *err = NULL;
  int status = 0;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                               NULL, NULL, &err, &status, &error));
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("%s: %s", argv[0], err);
}

static void
test_matroska_forced (void)
{
  g_autofree char *dir = exs_test_make_temp_dir ();
  g_autofree char *srt = g_build_filename (dir, "a.srt", NULL);
  g_autofree char *mkv = g_build_filename (dir, "tracks.mkv", NULL);
  g_autofree char *mp4 = g_build_filename (dir, "not.mp4", NULL);
  g_autofree char *cut = g_build_filename (dir, "cut.mkv", NULL);
  g_autoptr (GArray) tracks = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *data = NULL;
  g_autofree char *id = NULL;
  const ExsMatroskaTrack *t;
  gsize len;

  touch (dir, "a.srt");
  {
    const char *argv[] = { "ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=d=1:s=64x48", "-i", srt,
                           "-i", srt, "-map", "0", "-map", "1", "-map", "2", "-c:v", "mpeg4", "-c:s", "srt",
                           "-disposition:s:0", "0", "-disposition:s:1", "forced", mkv, NULL };
    run (argv);
  }
  tracks = exs_matroska_read_tracks (mkv, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (tracks->len, ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      t = &g_array_index (tracks, ExsMatroskaTrack, i);
      g_assert_cmpuint (t->number, ==, i + 1);
      g_assert_cmpuint (t->type, ==, i == 0 ? 1 : 17);
      g_assert_cmpint (t->forced, ==, i == 2);
      g_assert_cmpuint (t->uid, !=, 0);
    }
  /* matroskademux's stream ids name number and UID */
  t = &g_array_index (tracks, ExsMatroskaTrack, 2);
  id = g_strdup_printf ("0123abcd/%03" G_GUINT64_FORMAT ":%03" G_GUINT64_FORMAT, t->number, t->uid);
  g_assert_true (exs_matroska_track_for_stream_id (tracks, id) == t);
  g_assert_null (exs_matroska_track_for_stream_id (tracks, "0123abcd/009:1"));
  g_assert_null (exs_matroska_track_for_stream_id (tracks, "no-slash"));
  g_assert_null (exs_matroska_track_for_stream_id (tracks, NULL));

  /* not Matroska; cut inside its header; missing: refused with an error */
  {
    const char *argv[] = { "ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=d=1:s=64x48", "-c:v",
                           "mpeg4", mp4, NULL };
    run (argv);
  }
  g_clear_pointer (&tracks, g_array_unref);
  tracks = exs_matroska_read_tracks (mp4, &error);
  g_assert_null (tracks);
  g_assert_error (error, EXS_MATROSKA_ERROR, EXS_MATROSKA_ERROR_INVALID);
  g_clear_error (&error);
  g_assert_true (g_file_get_contents (mkv, &data, &len, NULL));
  g_assert_true (g_file_set_contents (cut, data, 60, NULL));
  tracks = exs_matroska_read_tracks (cut, &error);
  g_assert_null (tracks);
  g_assert_error (error, EXS_MATROSKA_ERROR, EXS_MATROSKA_ERROR_INVALID);
  g_clear_error (&error);
  tracks = exs_matroska_read_tracks ("/nonexistent-exs-folder/x.mkv", &error);
  g_assert_null (tracks);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  exs_test_remove_tree (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/library/subtitle-files/sidecars", test_sidecars);
  g_test_add_func ("/library/subtitle-files/matroska-forced", test_matroska_forced);
  return g_test_run ();
}
