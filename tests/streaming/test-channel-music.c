/* Music (issue 20): songs from a music library play over their cover art
 * (or a generated background) with the artist and title on the frame.
 *
 * FLAC, MP3 and Opus songs are made here with GStreamer, their tags set
 * through the encoders' GstTagSetter: the FLAC song has a red cover
 * embedded (a PNG in its PICTURE block), the Opus song a blue cover.jpg
 * beside it, the MP3 song none. The real library scan (GstDiscoverer)
 * files them; the store lists artist, album, title and cover. A channel
 * plays the three through the real /iptv/ route; ffmpeg takes 1 frame a
 * second of what a viewer gets: each song's frame is found by the colour in
 * the cover square (red, blue, or the background), the words under it are
 * white and differ from song to song, and the audio decodes without an
 * error and is not silent. */
#include "config.h"

#include "exs-channel-store.h"
#include "exs-engine-fixture.h"
#include "exs-file-list-source.h"
#include "exs-fs.h"
#include "exs-library-scanner.h"
#include "exs-library-store.h"
#include "exs-media-store.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gst/gst.h>
#include <gst/tag/tag.h>
#include <math.h>
#include <string.h>

#define SONG_S 5.0
#define W 854 /* the 480p profile */
#define H 480

/* A square image of one colour, as PNG or JPEG bytes. */
static GBytes *
solid_image (guint32 rgba, const char *type)
{
  g_autoptr (GdkPixbuf) pixbuf = gdk_pixbuf_new (GDK_COLORSPACE_RGB, FALSE, 8, 64, 64);
  g_autoptr (GError) error = NULL;
  char *data = NULL;
  gsize len = 0;

  gdk_pixbuf_fill (pixbuf, rgba);
  g_assert_true (gdk_pixbuf_save_to_buffer (pixbuf, &data, &len, type, &error, NULL));
  g_assert_no_error (error);
  return g_bytes_new_take (data, len);
}

/* A song of SONG_S (a tone of @freq) through @encoder, its tags given to
 * the element named "tagger"; @cover: (nullable) PNG bytes embedded. */
static char *
make_song (const char *dir, const char *name, const char *encoder, int freq, const char *artist, const char *title,
           guint track, GBytes *cover)
{
  char *path = g_build_filename (dir, name, NULL);
  g_autofree char *desc = g_strdup_printf ("audiotestsrc wave=sine freq=%d volume=0.3 num-buffers=%d "
                                           "samplesperbuffer=1024 ! audio/x-raw,rate=48000,channels=2 ! "
                                           "audioconvert ! audioresample ! %s ! filesink location=\"%s\"",
                                           freq, (int) (SONG_S * 48000 / 1024), encoder, path);
  g_autoptr (GError) error = NULL;
  g_autoptr (GstElement) pipeline = gst_parse_launch_full (desc, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &error);
  g_autoptr (GstElement) tagger = NULL;
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GstMessage) msg = NULL;

  g_assert_no_error (error);
  tagger = gst_bin_get_by_name (GST_BIN (pipeline), "tagger");
  g_assert_true (GST_IS_TAG_SETTER (tagger));
  gst_tag_setter_add_tags (GST_TAG_SETTER (tagger), GST_TAG_MERGE_REPLACE, GST_TAG_ARTIST, artist, GST_TAG_TITLE,
                           title, GST_TAG_ALBUM, "Test Album", GST_TAG_TRACK_NUMBER, track, NULL);
  if (cover)
    {
      g_autoptr (GstSample) sample = gst_tag_image_data_to_image_sample (
          g_bytes_get_data (cover, NULL), (guint) g_bytes_get_size (cover), GST_TAG_IMAGE_TYPE_FRONT_COVER);
      g_assert_nonnull (sample);
      gst_tag_setter_add_tags (GST_TAG_SETTER (tagger), GST_TAG_MERGE_APPEND, GST_TAG_IMAGE, sample, NULL);
    }
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  bus = gst_element_get_bus (pipeline);
  msg = gst_bus_timed_pop_filtered (bus, 120 * GST_SECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  g_assert_nonnull (msg);
  g_assert_cmpint (GST_MESSAGE_TYPE (msg), ==, GST_MESSAGE_EOS);
  gst_element_set_state (pipeline, GST_STATE_NULL);
  return path;
}

static char *
make_dir (const char *parent, const char *name)
{
  char *dir = g_build_filename (parent, name, NULL);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  return dir;
}

static void
on_scan_finished_cb (ExsLibraryScanner *scanner, gint64 library_id, const char *error, gpointer user_data)
{
  g_assert_null (error);
  *(gboolean *) user_data = TRUE;
}

/* The stored item of @path, as the API lists it. */
static JsonObject *
item_json (ExsDatabase *db, const char *path)
{
  g_autoptr (sqlite3_stmt) s = exs_database_prepare (db, "SELECT id FROM media_items WHERE path = ?", NULL);
  g_autoptr (GArray) ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonArray) items = NULL;
  gint64 id;

  exs_database_bind_text (s, 1, path);
  g_assert_cmpint (sqlite3_step (s), ==, SQLITE_ROW);
  id = sqlite3_column_int64 (s, 0);
  g_array_append_val (ids, id);
  items = exs_media_store_items_to_json (db, ids, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (json_array_get_length (items), ==, 1);
  return json_object_ref (json_array_get_object_element (items, 0));
}

static void
assert_song (JsonObject *item, const char *artist, const char *title, const char *cover_suffix)
{
  JsonObject *song = json_object_get_object_member (item, "song");
  JsonObject *show = json_object_get_object_member (item, "show");
  g_autoptr (JsonNode) node = json_node_init_object (json_node_alloc (), item);
  g_autofree char *text = json_to_string (node, FALSE);
  const char *cover;

  g_test_message ("%s: %s", artist, text);
  g_assert_cmpstr (json_object_get_string_member (item, "kind"), ==, "song");
  g_assert_cmpstr (json_object_get_string_member (item, "title"), ==, title);
  g_assert_cmpstr (json_object_get_string_member (item, "scan_state"), ==, "ok");
  g_assert_cmpint (json_object_get_int_member (item, "duration_ms"), >, 4000);
  g_assert_nonnull (song);
  g_assert_cmpstr (json_object_get_string_member (song, "artist"), ==, artist);
  g_assert_cmpstr (json_object_get_string_member (song, "album"), ==, "Test Album");
  g_assert_cmpint (json_object_get_int_member (song, "track"), >, 0);
  g_assert_nonnull (show); /* filed under its artist, as a show */
  g_assert_cmpstr (json_object_get_string_member (show, "title"), ==, artist);
  cover = json_object_get_string_member_with_default (song, "cover", NULL);
  if (cover_suffix == NULL)
    g_assert_null (cover);
  else
    g_assert_true (cover && g_str_has_suffix (cover, cover_suffix));
}

/* ---- the channel's frames ---- */

/* One frame a second of @ts, as RGB (W × H × 3 each); *@n: how many. */
static guint8 *
frames_of (const char *ts, guint *n)
{
  g_autofree char *raw = g_strconcat (ts, ".rgb", NULL);
  const char *argv[] = { "ffmpeg", "-v", "error", "-y", "-i", ts, "-vf", "fps=1", "-f", "rawvideo", "-pix_fmt",
                         "rgb24", raw, NULL };
  g_autofree char *out = NULL;
  guint8 *rgb = NULL;
  gsize len = 0;

  g_assert_cmpint (exs_test_run_async (argv, &out), ==, 0);
  g_assert_true (g_file_get_contents (raw, (char **) &rgb, &len, NULL));
  *n = len / (W * H * 3);
  return rgb;
}

static const guint8 *
at (const guint8 *frames, guint i, int x, int y)
{
  return frames + (gsize) i * W * H * 3 + ((gsize) y * W + x) * 3;
}

/* The middle of the cover square (exs-channel-music.c: a square of 62 % of
 * the height, 8 % from the top, centred). */
#define COVER_X (W / 2)
#define COVER_Y (H * 8 / 100 + H * 62 / 200)

static gboolean
is_colour (const guint8 *p, int r, int g, int b)
{
  return abs (p[0] - r) < 50 && abs (p[1] - g) < 50 && abs (p[2] - b) < 50;
}

/* Whether (x, y) is a letter: white (the background is never that light). */
static gboolean
is_text (const guint8 *fr, guint i, int x, int y)
{
  const guint8 *p = at (fr, i, x, y);

  return p[0] > 200 && p[1] > 200 && p[2] > 200;
}

/* Letters in the band under the cover: how many, and how many differ from frame @j's. */
static guint
text_pixels (const guint8 *fr, guint i, guint j, guint *differing)
{
  guint n = 0;

  *differing = 0;
  for (int y = H * 72 / 100; y < H; y++)
    for (int x = 0; x < W; x++)
      {
        gboolean here = is_text (fr, i, x, y);
        n += here;
        *differing += here != is_text (fr, j, x, y);
      }
  return n;
}

static void
test_songs_on_a_channel (void)
{
  g_autoptr (ExsEngineFixture) f = exs_engine_fixture_new (NULL);
  g_autofree char *music = make_dir (f->dir, "music");
  g_autofree char *alpha = make_dir (music, "Alpha Band");
  g_autofree char *beta = make_dir (music, "Beta");
  g_autofree char *gamma = make_dir (music, "Gamma");
  g_autoptr (GBytes) red = solid_image (0xff0000ff, "png");
  g_autoptr (GBytes) blue = solid_image (0x0000ffff, "jpeg");
  g_autofree char *side_cover = g_build_filename (gamma, "cover.jpg", NULL);
  g_autofree char *flac = NULL, *mp3 = NULL, *opus = NULL, *ts = NULL, *url = NULL, *out = NULL;
  g_autoptr (ExsLibraryScanner) scanner = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree guint8 *fr = NULL;
  guint n_frames = 0;
  gint64 library_id, durations[3], ids[3];
  gboolean done = FALSE;
  int red_frame = -1, blue_frame = -1, plain_frame = -1;

  flac = make_song (alpha, "01 First Light.flac", "flacenc name=tagger", 440, "Alpha Band", "First Light", 1, red);
  mp3 = make_song (beta, "02 Second.mp3", "lamemp3enc ! id3v2mux name=tagger", 660, "Beta", "Second Song", 2, NULL);
  opus = make_song (gamma, "03 Third.opus", "opusenc name=tagger ! oggmux", 880, "Gamma", "Third Song", 3, NULL);
  g_assert_true (g_file_set_contents (side_cover, g_bytes_get_data (blue, NULL), (gssize) g_bytes_get_size (blue),
                                      NULL));

  /* the scan: a music library takes the songs, with their tags and covers */
  library_id = exs_library_store_ensure (f->db, "Music", "music", music, &error);
  g_assert_no_error (error);
  scanner = exs_library_scanner_new (f->db, 1, 30);
  g_signal_connect (scanner, "scan-finished", G_CALLBACK (on_scan_finished_cb), &done);
  exs_library_scanner_scan (scanner, library_id, FALSE);
  for (gint64 deadline = g_get_monotonic_time () + 120 * G_USEC_PER_SEC; !done && g_get_monotonic_time () < deadline;)
    exs_test_iterate (0.05);
  g_assert_true (done);
  {
    const char *paths[] = { flac, mp3, opus };
    g_autoptr (JsonObject) a = item_json (f->db, flac);
    g_autoptr (JsonObject) b = item_json (f->db, mp3);
    g_autoptr (JsonObject) c = item_json (f->db, opus);

    assert_song (a, "Alpha Band", "First Light", "embedded");
    assert_song (b, "Beta", "Second Song", NULL);
    assert_song (c, "Gamma", "Third Song", "cover.jpg");
    for (guint i = 0; i < 3; i++)
      {
        g_autoptr (JsonObject) o = item_json (f->db, paths[i]);
        ids[i] = json_object_get_int_member (o, "id");
        durations[i] = (gint64) (SONG_S * G_USEC_PER_SEC);
      }
  }
  exs_library_scanner_stop (scanner);

  /* the channel: the three songs in a loop, watched for 2 loops' worth */
  {
    const char *paths[] = { flac, mp3, opus, NULL };
    exs_file_list_source_set_channel (f->source, "7", paths, durations, g_get_real_time ());
    exs_file_list_source_set_media_item_ids (f->source, "7", ids);
  }
  exs_engine_fixture_add_channel (f, "7", TRUE);
  url = exs_engine_fixture_url (f, "7");
  ts = g_build_filename (f->dir, "music.ts", NULL);
  {
    const char *argv[] = { "ffmpeg", "-v", "error", "-y", "-rw_timeout", "60000000", "-i", url, "-t", "16",
                           "-c", "copy", "-f", "mpegts", ts, NULL };
    g_assert_cmpint (exs_test_run_async (argv, &out), ==, 0);
    g_clear_pointer (&out, g_free);
  }

  fr = frames_of (ts, &n_frames);
  g_assert_cmpuint (n_frames, >=, 12);
  for (guint i = 0; i < n_frames; i++)
    {
      const guint8 *p = at (fr, i, COVER_X, COVER_Y);
      const guint8 *bg = at (fr, i, 20, COVER_Y);

      g_test_message ("frame %u: cover square %d,%d,%d, background %d,%d,%d", i, p[0], p[1], p[2], bg[0], bg[1],
                      bg[2]);
      if (is_colour (p, 255, 0, 0))
        red_frame = (int) i;
      else if (is_colour (p, 0, 0, 255))
        blue_frame = (int) i;
      else if (is_colour (p, bg[0], bg[1], bg[2]) && !is_colour (p, 0, 0, 0))
        plain_frame = (int) i; /* no cover: the generated background, not black */
    }
  g_assert_cmpint (red_frame, >=, 0);   /* the FLAC song's embedded cover */
  g_assert_cmpint (blue_frame, >=, 0);  /* the Opus song's cover.jpg */
  g_assert_cmpint (plain_frame, >=, 0); /* the MP3 song: no cover */
  {
    guint differ_rb, differ_rp, differ_bp;
    guint in_red = text_pixels (fr, (guint) red_frame, (guint) blue_frame, &differ_rb);
    guint in_blue = text_pixels (fr, (guint) blue_frame, (guint) plain_frame, &differ_bp);
    guint in_plain = text_pixels (fr, (guint) plain_frame, (guint) red_frame, &differ_rp);

    g_test_message ("letters: %u, %u, %u; differing %u, %u, %u", in_red, in_blue, in_plain, differ_rb, differ_bp,
                    differ_rp);
    g_assert_cmpuint (in_red, >, 200);
    g_assert_cmpuint (in_blue, >, 200);
    g_assert_cmpuint (in_plain, >, 200);
    g_assert_cmpuint (differ_rb, >, 200);
    g_assert_cmpuint (differ_bp, >, 200);
    g_assert_cmpuint (differ_rp, >, 200);
    /* nothing written over the cover itself */
    g_assert_false (is_text (fr, (guint) red_frame, COVER_X, COVER_Y));
  }

  /* the audio decodes cleanly and is the songs', not silence */
  {
    const char *argv[] = { "ffmpeg", "-v", "error", "-nostats", "-i", ts, "-map", "0:a:0", "-af", "volumedetect",
                           "-f", "null", "-", NULL };
    const char *loud[] = { "ffmpeg", "-hide_banner", "-nostats", "-i", ts, "-map", "0:a:0", "-af", "volumedetect",
                           "-f", "null", "-", NULL };
    const char *mean;

    g_assert_cmpint (exs_test_run_async (argv, &out), ==, 0);
    g_assert_cmpstr (g_strstrip (out), ==, "");
    g_clear_pointer (&out, g_free);
    g_assert_cmpint (exs_test_run_async (loud, &out), ==, 0);
    mean = strstr (out, "mean_volume:");
    g_assert_nonnull (mean);
    g_test_message ("%.*s", (int) strcspn (mean, "\n"), mean);
    g_assert_cmpfloat (g_ascii_strtod (mean + strlen ("mean_volume:"), NULL), >, -30.0);
  }
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/streaming/channel-music/songs-on-a-channel", test_songs_on_a_channel);
  return g_test_run ();
}
