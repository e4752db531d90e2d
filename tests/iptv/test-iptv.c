/* test-iptv.c: the playlist and guide writers, checked by real clients.
 *
 * The guide is built from a real ExsPlayoutSource (ExsMemoryPlayout) full of
 * awkward titles and must pass tv_validate_file; the playlist must come out
 * of VLC's parser with every name intact and every URL on our stream route. */
#include "config.h"

#include "exs-channel-store.h"
#include "exs-guide-text.h"
#include "exs-iptv-check.h"
#include "exs-m3u.h"
#include "exs-memory-playout.h"
#include "exs-test-server.h"
#include "exs-xmltv.h"

#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <string.h>

#define HOUR_US ((gint64)3600 * G_USEC_PER_SEC)
#define BASE "http://192.168.1.10:8411"

static ExsChannelRecord *
make_channel (const char *number, const char *name, const char *mode, gboolean enabled)
{
  ExsChannelRecord *c = exs_channel_record_new ();

  g_free (c->number);
  c->number = g_strdup (number);
  g_free (c->name);
  c->name = g_strdup (name);
  g_free (c->group_title);
  c->group_title = g_strdup ("Group, \"quoted\" & 'odd'");
  g_free (c->streaming_mode);
  c->streaming_mode = g_strdup (mode);
  c->enabled = enabled;
  return c;
}

static GPtrArray *
awkward_channels (void)
{
  GPtrArray *a = g_ptr_array_new_with_free_func ((GDestroyNotify)exs_channel_record_free);

  g_ptr_array_add (a, make_channel ("5", "Tom & Jerry's \"Cartoon\", Network", "both", TRUE));
  g_ptr_array_add (a, make_channel ("102", "Café 📺 Ünïcode", "iptv", TRUE));
  g_ptr_array_add (a, make_channel ("121", "Line\nBreak Channel", "both", TRUE));
  g_ptr_array_add (a, make_channel ("150", "#1 Hits", "both", TRUE));
  g_ptr_array_add (a, make_channel ("200", "Only HDHomeRun", "hdhomerun", TRUE));
  g_ptr_array_add (a, make_channel ("300", "Switched Off", "both", FALSE));
  g_ptr_array_add (a, make_channel ("1984.1", "Retro <1984>", "both", TRUE));
  g_free (((ExsChannelRecord *)a->pdata[6])->logo);
  ((ExsChannelRecord *)a->pdata[6])->logo = g_strdup ("/logos/1984.1.png");
  return a;
}

static void
test_text_clean (void)
{
  g_autofree char *a = exs_guide_text_clean ("  a\001b\tc\n\nd\xc2\x85 e\xef\xbf\xbd f\xff  ",
                                             EXS_GUIDE_TEXT_ONE_LINE);
  g_autofree char *b = exs_guide_text_clean ("one \n two\r\n", EXS_GUIDE_TEXT_KEEP_NEWLINES);
  g_autofree char *c = exs_guide_text_clean (NULL, 0);

  g_assert_cmpstr (a, ==, "a b c d e f");
  g_assert_cmpstr (b, ==, "one\ntwo");
  g_assert_cmpstr (c, ==, "");
}

static void
test_m3u_shape (void)
{
  g_autoptr (GPtrArray) channels = awkward_channels ();
  g_autofree char *m3u = exs_m3u_build (channels, BASE);
  g_auto (GStrv) lines = g_strsplit (m3u, "\n", -1);
  guint entries = 0;

  g_assert_cmpstr (lines[0], ==,
                   "#EXTM3U url-tvg=\"" BASE "/iptv/xmltv.xml\" x-tvg-url=\"" BASE
                   "/iptv/xmltv.xml\"");
  for (guint i = 1; lines[i] && lines[i][0]; i += 2)
    {
      const char *extinf = lines[i];
      const char *url = lines[i + 1];
      const char *name = strrchr (extinf, ',');
      g_autoptr (GRegex) attr
          = g_regex_new ("^#EXTINF:-1( [a-z-]+=\"[^\"']+\")+,[^,\"]+$", 0, 0, NULL);

      g_assert_true (g_regex_match (attr, extinf, 0, NULL));
      g_assert_nonnull (strstr (extinf, " tvg-id=\""));
      g_assert_nonnull (strstr (extinf, " tvg-chno=\""));
      g_assert_nonnull (strstr (extinf, " tvg-name=\""));
      g_assert_nonnull (strstr (extinf, " group-title=\""));
      g_assert_true (g_str_has_prefix (url, BASE "/iptv/channel/"));
      g_assert_true (g_str_has_suffix (url, ".ts"));
      g_assert_null (strchr (name + 1, '\''));
      entries++;
    }
  /* 5, 102, 121, 150 and 1984.1: not the HDHomeRun-only or disabled ones */
  g_assert_cmpuint (entries, ==, 5);
  g_assert_nonnull (strstr (m3u, "tvg-id=\"1984.1.exstreamtv\" tvg-chno=\"1984.1\""));
  g_assert_nonnull (strstr (m3u, "tvg-logo=\"" BASE "/logos/1984.1.png\""));
  g_assert_null (strstr (m3u, "Only HDHomeRun"));
  g_assert_null (strstr (m3u, "Switched Off"));
}

static void
test_m3u_vlc (void)
{
  g_autoptr (GPtrArray) channels = awkward_channels ();
  g_autofree char *m3u = exs_m3u_build (channels, "http://127.0.0.1:9");
  g_autofree char *path = exs_check_write_temp ("channels.m3u", m3u, strlen (m3u));
  g_autoptr (GPtrArray) entries = exs_check_vlc_playlist (path);
  const char *names[] = { "Tom & Jerry’s ”Cartoon”‚ Network", "Café 📺 Ünïcode",
                          "Line Break Channel", "＃1 Hits", "Retro <1984>" };
  const char *numbers[] = { "5", "102", "121", "150", "1984.1" };

  g_assert_cmpuint (entries->len, ==, G_N_ELEMENTS (names));
  for (guint i = 0; i < entries->len; i++)
    {
      ExsVlcEntry *e = entries->pdata[i];
      g_autofree char *url = g_strdup_printf ("http://127.0.0.1:9/iptv/channel/%s.ts", numbers[i]);

      g_assert_cmpstr (e->name, ==, names[i]);
      g_assert_cmpstr (e->url, ==, url);
    }
  exs_check_remove_temp (path);
}

static GBytes *
build_guide (GPtrArray *channels, ExsPlayoutSource *source, gint64 from, gint64 to,
             const char *zone)
{
  g_autoptr (GTimeZone) tz = g_time_zone_new_identifier (zone);
  g_autoptr (GError) error = NULL;
  GBytes *xml = exs_xmltv_build (channels, source, from, to, BASE, tz, &error);

  g_assert_no_error (error);
  g_assert_nonnull (xml);
  return xml;
}

static void
test_xmltv_validates (void)
{
  g_autoptr (GPtrArray) channels = awkward_channels ();
  g_autoptr (ExsMemoryPlayout) playout = exs_memory_playout_new ();
  gint64 from = g_get_real_time () / HOUR_US * HOUR_US;
  gint64 to = from + 3 * 24 * HOUR_US;
  g_autoptr (GBytes) xml = NULL;
  g_autofree char *path = NULL;
  gsize len;
  const char *data;

  for (guint i = 0; i < channels->len; i++)
    exs_memory_playout_fill (playout, ((ExsChannelRecord *)channels->pdata[i])->number, from, to,
                             7 + i);
  xml = build_guide (channels, EXS_PLAYOUT_SOURCE (playout), from, to, "Europe/London");
  data = g_bytes_get_data (xml, &len);
  g_assert_nonnull (strstr (data, "<title>Tom &amp; Jerry's &quot;Big&quot; Day</title>"));
  g_assert_nonnull (strstr (data, "📺 Emoji Hour 🎉"));
  g_assert_nonnull (strstr (data, "<channel id=\"1984.1.exstreamtv\">"));
  g_assert_null (strstr (data, "Switched Off"));
  path = exs_check_write_temp ("guide.xml", data, len);
  exs_check_xmltv_validates (path);
  exs_check_remove_temp (path);
}

/* The guide shows what plays: every visible item of the playout starts a
 * programme at the same instant, hidden filler extends the programme before
 * it, and the programmes tile the window without gaps. */
static void
test_xmltv_matches_playout (void)
{
  g_autoptr (GPtrArray) channels
      = g_ptr_array_new_with_free_func ((GDestroyNotify)exs_channel_record_free);
  g_autoptr (ExsMemoryPlayout) playout = exs_memory_playout_new ();
  gint64 from = (gint64)1767225600 * G_USEC_PER_SEC; /* 2026-01-01 00:00 UTC */
  gint64 to = from + 48 * HOUR_US;
  g_autoptr (GBytes) xml = NULL;
  g_autoptr (GPtrArray) items = NULL;
  xmlDocPtr doc;
  xmlXPathContextPtr ctx;
  xmlXPathObjectPtr programmes;
  guint expected = 0, p = 0;
  g_autofree char *prev_stop = NULL;

  g_ptr_array_add (channels, make_channel ("1984.1", "Retro", "both", TRUE));
  exs_memory_playout_fill (playout, "1984.1", from, to, 42);
  xml = build_guide (channels, EXS_PLAYOUT_SOURCE (playout), from, to, "UTC");
  doc = xmlReadMemory (g_bytes_get_data (xml, NULL), (int)g_bytes_get_size (xml), "guide.xml", NULL,
                       0);
  g_assert_nonnull (doc);
  ctx = xmlXPathNewContext (doc);
  programmes = xmlXPathEvalExpression (BAD_CAST "/tv/programme", ctx);

  items = exs_playout_source_list (EXS_PLAYOUT_SOURCE (playout), "1984.1", from, to, NULL);
  for (guint i = 0; i < items->len; i++)
    {
      ExsPlayoutItem *item = items->pdata[i];
      ExsPlayoutItem *prev = i > 0 ? items->pdata[i - 1] : NULL;
      gboolean folded = (item->kind == EXS_PLAYOUT_ITEM_FILLER && item->hide_in_guide && i > 0)
                        || (item->kind == EXS_PLAYOUT_ITEM_OFFLINE && prev
                            && prev->kind == EXS_PLAYOUT_ITEM_OFFLINE);
      g_autoptr (GDateTime) start = g_date_time_new_from_unix_utc (item->start_us / G_USEC_PER_SEC);
      g_autofree char *want = g_date_time_format (start, "%Y%m%d%H%M%S +0000");
      xmlNodePtr node;
      g_autofree char *got = NULL;

      if (folded)
        continue;
      g_assert_cmpint (p, <, programmes->nodesetval->nodeNr);
      node = programmes->nodesetval->nodeTab[p++];
      got = (char *)xmlGetProp (node, BAD_CAST "start");
      g_assert_cmpstr (got, ==, want);
      expected++;
    }
  g_assert_cmpint (programmes->nodesetval->nodeNr, ==, expected);
  for (int i = 0; i < programmes->nodesetval->nodeNr; i++)
    {
      xmlNodePtr node = programmes->nodesetval->nodeTab[i];
      g_autofree char *start = (char *)xmlGetProp (node, BAD_CAST "start");
      char *stop = (char *)xmlGetProp (node, BAD_CAST "stop");

      if (prev_stop)
        g_assert_cmpstr (start, ==, prev_stop);
      g_free (prev_stop);
      prev_stop = g_strdup (stop);
      xmlFree (stop);
    }
  xmlXPathFreeObject (programmes);
  xmlXPathFreeContext (ctx);
  xmlFreeDoc (doc);
}

static void
test_xmltv_episode_numbers (void)
{
  g_autoptr (GPtrArray) channels
      = g_ptr_array_new_with_free_func ((GDestroyNotify)exs_channel_record_free);
  g_autoptr (ExsMemoryPlayout) playout = exs_memory_playout_new ();
  g_autoptr (ExsPlayoutItem) item = exs_playout_item_new ();
  g_autoptr (GBytes) xml = NULL;
  const char *data;

  g_ptr_array_add (channels, make_channel ("7.2", "Seven", "both", TRUE));
  item->kind = EXS_PLAYOUT_ITEM_PROGRAMME;
  item->start_us = (gint64)1767225600 * G_USEC_PER_SEC;
  item->stop_us = item->start_us + HOUR_US;
  item->title = g_strdup ("Show");
  item->season_number = 2;
  item->episode_number = 5;
  exs_memory_playout_add (playout, "7.2", item);
  xml = build_guide (channels, EXS_PLAYOUT_SOURCE (playout), item->start_us, item->stop_us,
                     "America/New_York");
  data = g_bytes_get_data (xml, NULL);
  g_assert_nonnull (strstr (data, "<episode-num system=\"xmltv_ns\">1.4.</episode-num>"));
  g_assert_nonnull (strstr (data, "<episode-num system=\"onscreen\">S02E05</episode-num>"));
  g_assert_nonnull (strstr (data, "<previously-shown/>"));
  g_assert_nonnull (strstr (data, "start=\"20251231190000 -0500\" stop=\"20251231200000 -0500\""));
}

/* Library artwork is a path on the server: the public guide must not show
 * it (issue 14, 7); web artwork is listed as it is. */
static void
test_xmltv_no_local_artwork (void)
{
  g_autoptr (GPtrArray) channels
      = g_ptr_array_new_with_free_func ((GDestroyNotify)exs_channel_record_free);
  g_autoptr (ExsMemoryPlayout) playout = exs_memory_playout_new ();
  g_autoptr (ExsPlayoutItem) local = exs_playout_item_new ();
  g_autoptr (ExsPlayoutItem) web = exs_playout_item_new ();
  g_autoptr (GBytes) xml = NULL;
  const char *data;

  g_ptr_array_add (channels, make_channel ("7", "Seven", "both", TRUE));
  local->kind = web->kind = EXS_PLAYOUT_ITEM_PROGRAMME;
  local->start_us = (gint64)1767225600 * G_USEC_PER_SEC;
  local->stop_us = web->start_us = local->start_us + HOUR_US;
  web->stop_us = web->start_us + HOUR_US;
  local->title = g_strdup ("Local");
  web->title = g_strdup ("Web");
  local->artwork_url = g_strdup ("/srv/media/Shows/Secret Folder/poster.jpg");
  web->artwork_url = g_strdup ("https://images.example/poster.jpg");
  exs_memory_playout_add (playout, "7", local);
  exs_memory_playout_add (playout, "7", web);
  xml = build_guide (channels, EXS_PLAYOUT_SOURCE (playout), local->start_us, web->stop_us, "UTC");
  data = g_bytes_get_data (xml, NULL);
  g_assert_null (strstr (data, "/srv/media"));
  g_assert_null (strstr (data, "Secret Folder"));
  g_assert_nonnull (strstr (data, "<icon src=\"https://images.example/poster.jpg\"/>"));
}

/* A source that returns overlapping or repeated items (the seeds' bug)
 * still gives a guide whose programmes follow one another. */
static void
test_xmltv_never_overlaps (void)
{
  g_autoptr (GPtrArray) channels
      = g_ptr_array_new_with_free_func ((GDestroyNotify)exs_channel_record_free);
  g_autoptr (ExsMemoryPlayout) playout = exs_memory_playout_new ();
  gint64 t = (gint64)1767225600 * G_USEC_PER_SEC;
  gint64 spans[][2] = { { 0, 60 }, { 0, 60 }, { 30, 90 }, { 40, 50 }, { 90, 120 } };
  g_autoptr (GBytes) xml = NULL;
  g_autofree char *path = NULL;
  const char *data;

  g_ptr_array_add (channels, make_channel ("8.1", "Eight", "both", TRUE));
  for (guint i = 0; i < G_N_ELEMENTS (spans); i++)
    {
      g_autoptr (ExsPlayoutItem) item = exs_playout_item_new ();
      item->kind = EXS_PLAYOUT_ITEM_PROGRAMME;
      item->start_us = t + spans[i][0] * 60 * G_USEC_PER_SEC;
      item->stop_us = t + spans[i][1] * 60 * G_USEC_PER_SEC;
      item->title = g_strdup_printf ("Item %u", i);
      exs_memory_playout_add (playout, "8.1", item);
    }
  xml = build_guide (channels, EXS_PLAYOUT_SOURCE (playout), t, t + 2 * HOUR_US, "UTC");
  data = g_bytes_get_data (xml, NULL);
  g_assert_nonnull (strstr (data, "start=\"20260101000000 +0000\" stop=\"20260101010000 +0000\""));
  g_assert_nonnull (strstr (data, "start=\"20260101010000 +0000\" stop=\"20260101013000 +0000\""));
  g_assert_nonnull (strstr (data, "start=\"20260101013000 +0000\" stop=\"20260101020000 +0000\""));
  g_assert_null (strstr (data, "Item 1"));
  g_assert_null (strstr (data, "Item 3"));
  path = exs_check_write_temp ("guide.xml", data, strlen (data));
  exs_check_xmltv_validates (path);
  exs_check_remove_temp (path);
}

static void
test_xmltv_without_playout (void)
{
  g_autoptr (GPtrArray) channels = awkward_channels ();
  gint64 from = g_get_real_time () / HOUR_US * HOUR_US;
  g_autoptr (GBytes) xml = build_guide (channels, NULL, from, from + 24 * HOUR_US, "UTC");
  g_autofree char *path
      = exs_check_write_temp ("guide.xml", g_bytes_get_data (xml, NULL), g_bytes_get_size (xml));

  exs_check_xmltv_validates (path);
  exs_check_remove_temp (path);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/iptv/text/clean", test_text_clean);
  g_test_add_func ("/iptv/m3u/shape-and-escaping", test_m3u_shape);
  g_test_add_func ("/iptv/m3u/vlc-parses-every-entry", test_m3u_vlc);
  g_test_add_func ("/iptv/xmltv/tv-validate-file-ok", test_xmltv_validates);
  g_test_add_func ("/iptv/xmltv/guide-equals-playout", test_xmltv_matches_playout);
  g_test_add_func ("/iptv/xmltv/episode-numbers-and-zone", test_xmltv_episode_numbers);
  g_test_add_func ("/iptv/xmltv/never-overlaps", test_xmltv_never_overlaps);
  g_test_add_func ("/iptv/xmltv/no-local-artwork-paths", test_xmltv_no_local_artwork);
  g_test_add_func ("/iptv/xmltv/no-playout-still-valid", test_xmltv_without_playout);
  return g_test_run ();
}
