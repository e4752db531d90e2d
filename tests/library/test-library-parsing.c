/* File-name parsing and NFO reading: the two sources of an item's metadata.
 * Pure functions, so these run without GStreamer or a database. */
#include "config.h"

#include "exs-media-name.h"
#include "exs-media-query.h"
#include "exs-nfo.h"

#include <string.h>

typedef struct
{
  const char *path;
  const char *show;
  int show_year;
  int season;
  int episode;
  int episode_end;
  const char *title;
} EpisodeCase;

static void
test_episode_names (void)
{
  static const EpisodeCase cases[] = {
    { "The Simpsons (1989)/Season 01/The Simpsons - S01E02 - Bart the Genius.mkv", "The Simpsons", 1989, 1, 2, -1,
      "Bart the Genius" },
    { "Show (2004)/Season 02/Show.S02E05.720p.mkv", "Show", 2004, 2, 5, -1, "720p" },
    { "Show/Season 1/s01e01-e02 - Double.mp4", "Show", 0, 1, 1, 2, "Double" },
    { "Show/Season 1/Show S01E03E04.mp4", "Show", 0, 1, 3, 4, "Episode 3–4" },
    { "Firefly/Firefly 1x02 The Train Job.avi", "Firefly", 0, 1, 2, -1, "The Train Job" },
    { "Firefly/Specials/Firefly - S00E01 - Here's How It Was.mkv", "Firefly", 0, 0, 1, -1, "Here's How It Was" },
    { "Firefly/Specials/Firefly - S01E09 - Extra.mkv", "Firefly", 0, 0, 9, -1, "Extra" },
    { "Cosmos/Season 03/07 - The Backbone of Night.mp4", "Cosmos", 0, 3, 7, -1, "The Backbone of Night" },
    { "Doctor.Who.2005.S02E03.School.Reunion.mkv", "Doctor Who", 2005, 2, 3, -1, "School Reunion" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const EpisodeCase *c = &cases[i];
      g_auto (ExsMediaName) n = { 0 };

      g_test_message ("%s", c->path);
      g_assert_true (exs_media_name_parse_episode (c->path, &n));
      g_assert_cmpstr (n.show_title, ==, c->show);
      g_assert_cmpint (n.show_year, ==, c->show_year);
      g_assert_cmpint (n.season, ==, c->season);
      g_assert_cmpint (n.episode, ==, c->episode);
      g_assert_cmpint (n.episode_end, ==, c->episode_end);
      g_assert_cmpstr (n.title, ==, c->title);
    }
}

static void
test_episode_without_number (void)
{
  g_auto (ExsMediaName) n = { 0 };

  g_assert_false (exs_media_name_parse_episode ("Show/Behind the scenes.mkv", &n));
  g_assert_cmpstr (n.title, ==, "Behind the scenes");
  g_assert_cmpint (n.episode, ==, -1);
}

static void
test_movie_names (void)
{
  static const struct { const char *path, *title; int year; } cases[] = {
    { "Alien (1979).mkv", "Alien", 1979 },
    { "Blade.Runner.1982.1080p.BluRay.x264.mkv", "Blade Runner", 1982 },
    { "Heat (1995)/movie.mkv", "Heat", 1995 },
    { "Heat (1995)/Heat.mkv", "Heat", 1995 },
    { "Films/Some Home Video.mp4", "Some Home Video", 0 },
    { "2001 A Space Odyssey (1968).mkv", "2001 A Space Odyssey", 1968 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto (ExsMediaName) n = { 0 };

      g_test_message ("%s", cases[i].path);
      exs_media_name_parse_movie (cases[i].path, &n);
      g_assert_cmpstr (n.title, ==, cases[i].title);
      g_assert_cmpint (n.year, ==, cases[i].year);
    }
}

static void
test_sort_title (void)
{
  g_autofree char *a = exs_media_name_sort_title ("The Simpsons");
  g_autofree char *b = exs_media_name_sort_title ("A Bug's Life");
  g_autofree char *c = exs_media_name_sort_title ("The");

  g_assert_cmpstr (a, ==, "simpsons");
  g_assert_cmpstr (b, ==, "bug's life");
  g_assert_cmpstr (c, ==, "the");
}

static void
test_nfo_movie (void)
{
  const char *xml = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
                    "<movie>\n  <title>Alien</title>\n  <sorttitle>Alien 1</sorttitle>\n"
                    "  <plot>In space no one can hear you scream.</plot>\n  <year>1979</year>\n"
                    "  <runtime>117</runtime>\n  <mpaa>R</mpaa>\n  <studio>20th Century Fox</studio>\n"
                    "  <genre>Horror</genre>\n  <genre>Science Fiction / Thriller</genre>\n"
                    "  <tag>halloween</tag>\n</movie>\n"
                    "https://www.themoviedb.org/movie/348\n";
  g_autoptr (GError) error = NULL;
  g_autoptr (ExsNfo) nfo = exs_nfo_parse_data (xml, strlen (xml), -1, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (nfo->kind, ==, "movie");
  g_assert_cmpstr (nfo->title, ==, "Alien");
  g_assert_cmpstr (nfo->sort_title, ==, "Alien 1");
  g_assert_cmpstr (nfo->plot, ==, "In space no one can hear you scream.");
  g_assert_cmpint (nfo->year, ==, 1979);
  g_assert_cmpint (nfo->runtime_minutes, ==, 117);
  g_assert_cmpstr (nfo->content_rating, ==, "R");
  g_assert_cmpstr (nfo->studio, ==, "20th Century Fox");
  g_assert_cmpuint (nfo->genres->len, ==, 3);
  g_assert_cmpstr (nfo->genres->pdata[0], ==, "Horror");
  g_assert_cmpstr (nfo->genres->pdata[1], ==, "Science Fiction");
  g_assert_cmpstr (nfo->genres->pdata[2], ==, "Thriller");
  g_assert_cmpuint (nfo->tags->len, ==, 1);
  g_assert_cmpstr (nfo->tags->pdata[0], ==, "halloween");
}

static void
test_nfo_multi_episode (void)
{
  const char *xml = "<episodedetails><title>One</title><season>1</season><episode>1</episode>"
                    "<aired>2004-09-22</aired></episodedetails>\n"
                    "<episodedetails><title>Two</title><season>1</season><episode>2</episode></episodedetails>\n";
  g_autoptr (ExsNfo) first = exs_nfo_parse_data (xml, strlen (xml), 1, NULL);
  g_autoptr (ExsNfo) second = exs_nfo_parse_data (xml, strlen (xml), 2, NULL);
  g_autoptr (ExsNfo) any = exs_nfo_parse_data (xml, strlen (xml), -1, NULL);

  g_assert_cmpstr (first->title, ==, "One");
  g_assert_cmpint (first->year, ==, 2004);
  g_assert_cmpstr (second->title, ==, "Two");
  g_assert_cmpint (second->episode, ==, 2);
  g_assert_cmpstr (any->title, ==, "One");
}

static void
test_nfo_malformed (void)
{
  static const char *const bad[] = {
    "<movie><title>Broken</movie>",
    "this is not xml at all",
    "<foo><title>x</title></foo>",
    "",
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (ExsNfo) nfo = exs_nfo_parse_data (bad[i], strlen (bad[i]), -1, &error);

      g_assert_null (nfo);
      g_assert_error (error, EXS_NFO_ERROR, EXS_NFO_ERROR_MALFORMED);
    }
}

/* Found by fuzz/fuzz-media-query: huge duration parts overflowed a gint64. */
static void
test_query_duration_bounds (void)
{
  g_autoptr (ExsMediaQuery) ok = exs_media_query_compile ("duration:>1:30:00", NULL, NULL);
  g_autoptr (ExsMediaQuery) huge = NULL;
  g_autoptr (ExsMediaQuery) many = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_nonnull (ok);
  huge = exs_media_query_compile ("duration:6:7:44444444444444444444443", NULL, &error);
  g_assert_null (huge);
  g_assert_error (error, EXS_MEDIA_QUERY_ERROR, EXS_MEDIA_QUERY_ERROR_SYNTAX);
  g_clear_error (&error);
  many = exs_media_query_compile ("duration:>9999999:0", NULL, &error);
  g_assert_null (many);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/library/names/episodes", test_episode_names);
  g_test_add_func ("/library/names/episode-without-number", test_episode_without_number);
  g_test_add_func ("/library/names/movies", test_movie_names);
  g_test_add_func ("/library/names/sort-title", test_sort_title);
  g_test_add_func ("/library/query/duration-bounds", test_query_duration_bounds);
  g_test_add_func ("/library/nfo/movie", test_nfo_movie);
  g_test_add_func ("/library/nfo/multi-episode", test_nfo_multi_episode);
  g_test_add_func ("/library/nfo/malformed-is-an-error", test_nfo_malformed);
  return g_test_run ();
}
