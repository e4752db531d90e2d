/* exs-xmltv.c: writes the XMLTV guide with libxml2's xmlTextWriter.
 *
 * The programmes come from the same ExsPlayoutSource the channel engine plays,
 * so the guide is what plays. Shape (xmltv.dtd 1.2.1, protocols.md §4):
 * every <channel> before every <programme>; a channel's display-names are its
 * name, "<number> <name>" and the bare number (Jellyfin maps HDHomeRun
 * channels by the last numeric display-name, Plex users by "<n> <name>");
 * times "YYYYMMDDHHMMSS +ZZZZ" in [server] time_zone. Filler marked
 * hide_in_guide is folded into the programme before it; offline time and
 * channels with nothing scheduled show the channel's name, so every channel
 * has programmes (tv_validate_file wants that) and none is "Unknown Airing";
 * programmes never overlap, whatever the source returns. Pure function of its inputs:
 * safe in a worker thread as long as the source is; ExsIptvService runs it in
 * a GTask, the benchmark and the unit tests call it directly.
 */
#include "config.h"

#include "exs-xmltv.h"

#include "exs-base-url.h"
#include "exs-channel-store.h"
#include "exs-guide-text.h"
#include "exs-m3u.h"

#include <libxml/xmlwriter.h>

G_DEFINE_QUARK (exs-xmltv-error-quark, exs_xmltv_error)

typedef struct
{
  gint64 start_us;
  gint64 stop_us;
  const ExsPlayoutItem *item; /* NULL: the channel's name stands in */
} GuideEntry;

/* "YYYYMMDDHHMMSS +ZZZZ" for @us in @tz, written into @out (at least
 * XMLTV_TIME_SIZE bytes). The same text as g_date_time_format (local,
 * "%Y%m%d%H%M%S %z") without its two GDateTimes and format parse per time:
 * a 500-channel guide writes 60 000 of them (issue 21). The date is
 * Howard Hinnant's days-to-civil algorithm. */
#define XMLTV_TIME_SIZE 32

static void
format_time (gint64 us, GTimeZone *tz, char out[XMLTV_TIME_SIZE])
{
  gint64 utc_s = us / G_USEC_PER_SEC;
  gint interval = g_time_zone_find_interval (tz, G_TIME_TYPE_UNIVERSAL, utc_s);
  gint32 offset = interval >= 0 ? g_time_zone_get_offset (tz, interval) : 0;
  gint64 local_s = utc_s + offset;
  gint64 days = local_s >= 0 ? local_s / 86400 : (local_s - 86399) / 86400;
  gint64 secs = local_s - days * 86400;
  gint64 z = days + 719468;
  gint64 era = (z >= 0 ? z : z - 146096) / 146097;
  gint64 doe = z - era * 146097;
  gint64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  gint64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  gint64 mp = (5 * doy + 2) / 153;
  gint64 day = doy - (153 * mp + 2) / 5 + 1;
  gint64 month = mp < 10 ? mp + 3 : mp - 9;
  gint64 year = yoe + era * 400 + (month <= 2);
  gint32 off_min = ABS (offset) / 60;
  const int fields[] = { (int) month, (int) day, (int) (secs / 3600), (int) (secs / 60 % 60), (int) (secs % 60) };
  char *p = out;

  if (year < 0 || year > 9999)
    {
      g_snprintf (out, XMLTV_TIME_SIZE, "%04" G_GINT64_FORMAT "%02d%02d%02d%02d%02d %c%02d%02d", year, fields[0],
                  fields[1], fields[2], fields[3], fields[4], offset < 0 ? '-' : '+', off_min / 60, off_min % 60);
      return;
    }
  /* digits by hand: snprintf's format parse was a tenth of the guide */
  *p++ = (char) ('0' + year / 1000);
  *p++ = (char) ('0' + year / 100 % 10);
  *p++ = (char) ('0' + year / 10 % 10);
  *p++ = (char) ('0' + year % 10);
  for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
    {
      *p++ = (char) ('0' + fields[i] / 10);
      *p++ = (char) ('0' + fields[i] % 10);
    }
  *p++ = ' ';
  *p++ = offset < 0 ? '-' : '+';
  *p++ = (char) ('0' + off_min / 600 % 10);
  *p++ = (char) ('0' + off_min / 60 % 10);
  *p++ = (char) ('0' + off_min % 60 / 10);
  *p++ = (char) ('0' + off_min % 10);
  *p = '\0';
}

static gboolean
item_is_named (const ExsPlayoutItem *item)
{
  return item->kind != EXS_PLAYOUT_ITEM_OFFLINE && item->title != NULL && item->title[0] != '\0';
}

/* Turns the playout's items into guide entries: hidden filler folded into
 * the entry before it, unnamed and offline stretches merged. */
static GArray *
make_entries (GPtrArray *items, gint64 from_us, gint64 to_us)
{
  GArray *entries = g_array_new (FALSE, FALSE, sizeof (GuideEntry));

  for (guint i = 0; items && i < items->len; i++)
    {
      const ExsPlayoutItem *item = items->pdata[i];
      GuideEntry *prev
          = entries->len ? &g_array_index (entries, GuideEntry, entries->len - 1) : NULL;
      GuideEntry e = { item->start_us, item->stop_us, item_is_named (item) ? item : NULL };

      /* A guide never overlaps (the seeds' guides did, and clients showed
       * garbage): an item starting inside the previous one starts where
       * that one stops, and one wholly inside it is dropped. */
      if (prev && e.start_us < prev->stop_us)
        e.start_us = prev->stop_us;
      if (e.stop_us <= e.start_us || e.stop_us <= from_us || e.start_us >= to_us)
        continue;
      if (prev && prev->stop_us == e.start_us
          && ((item->hide_in_guide && item->kind == EXS_PLAYOUT_ITEM_FILLER)
              || (prev->item == NULL && e.item == NULL)))
        {
          prev->stop_us = e.stop_us;
          continue;
        }
      g_array_append_val (entries, e);
    }
  if (entries->len == 0)
    {
      GuideEntry e = { from_us, to_us, NULL };
      g_array_append_val (entries, e);
    }
  return entries;
}

static void
write_text_element (xmlTextWriterPtr w, const char *name, const char *text, ExsGuideTextFlags flags)
{
  g_autofree char *clean = exs_guide_text_clean (text, flags);

  if (clean[0] == '\0')
    return;
  xmlTextWriterWriteElement (w, BAD_CAST name, BAD_CAST clean);
}

static void
write_icon (xmlTextWriterPtr w, const char *base_url, const char *url)
{
  g_autofree char *abs = exs_base_url_absolute (base_url, url);
  g_autofree char *clean = abs ? exs_guide_text_clean (abs, EXS_GUIDE_TEXT_ONE_LINE) : NULL;

  if (clean == NULL || clean[0] == '\0')
    return;
  xmlTextWriterStartElement (w, BAD_CAST "icon");
  xmlTextWriterWriteAttribute (w, BAD_CAST "src", BAD_CAST clean);
  xmlTextWriterEndElement (w);
}

static void
write_channel (xmlTextWriterPtr w, const ExsChannelRecord *c, const char *id, const char *base_url)
{
  g_autofree char *name = exs_guide_text_clean (c->name, EXS_GUIDE_TEXT_ONE_LINE);
  g_autofree char *numbered = g_strdup_printf ("%s %s", c->number, name);

  xmlTextWriterStartElement (w, BAD_CAST "channel");
  xmlTextWriterWriteAttribute (w, BAD_CAST "id", BAD_CAST id);
  if (name[0] != '\0')
    {
      xmlTextWriterWriteElement (w, BAD_CAST "display-name", BAD_CAST name);
      xmlTextWriterWriteElement (w, BAD_CAST "display-name", BAD_CAST numbered);
    }
  xmlTextWriterWriteElement (w, BAD_CAST "display-name", BAD_CAST c->number);
  write_icon (w, base_url, c->logo);
  xmlTextWriterEndElement (w);
}

static void
write_episode_numbers (xmlTextWriterPtr w, int season, int episode)
{
  g_autofree char *ns = NULL;
  g_autofree char *onscreen = NULL;

  if (episode < 1)
    return;
  /* xmltv_ns counts from 0; onscreen is what a person reads. */
  if (season >= 1)
    {
      ns = g_strdup_printf ("%d.%d.", season - 1, episode - 1);
      onscreen = g_strdup_printf ("S%02dE%02d", season, episode);
    }
  else
    {
      ns = g_strdup_printf (".%d.", episode - 1);
      onscreen = g_strdup_printf ("E%02d", episode);
    }
  xmlTextWriterStartElement (w, BAD_CAST "episode-num");
  xmlTextWriterWriteAttribute (w, BAD_CAST "system", BAD_CAST "xmltv_ns");
  xmlTextWriterWriteString (w, BAD_CAST ns);
  xmlTextWriterEndElement (w);
  xmlTextWriterStartElement (w, BAD_CAST "episode-num");
  xmlTextWriterWriteAttribute (w, BAD_CAST "system", BAD_CAST "onscreen");
  xmlTextWriterWriteString (w, BAD_CAST onscreen);
  xmlTextWriterEndElement (w);
}

static void
write_programme (xmlTextWriterPtr w, const GuideEntry *e, const ExsChannelRecord *c, const char *id,
                 const char *base_url, GTimeZone *tz)
{
  char start[XMLTV_TIME_SIZE];
  char stop[XMLTV_TIME_SIZE];
  g_autofree char *title
      = exs_guide_text_clean (e->item ? e->item->title : c->name, EXS_GUIDE_TEXT_ONE_LINE);
  const ExsPlayoutItem *item = e->item;

  format_time (e->start_us, tz, start);
  format_time (e->stop_us, tz, stop);
  xmlTextWriterStartElement (w, BAD_CAST "programme");
  xmlTextWriterWriteAttribute (w, BAD_CAST "start", BAD_CAST start);
  xmlTextWriterWriteAttribute (w, BAD_CAST "stop", BAD_CAST stop);
  xmlTextWriterWriteAttribute (w, BAD_CAST "channel", BAD_CAST id);
  xmlTextWriterWriteElement (w, BAD_CAST "title", BAD_CAST (title[0] ? title : c->number));
  if (item != NULL)
    {
      write_text_element (w, "sub-title", item->sub_title, EXS_GUIDE_TEXT_ONE_LINE);
      write_text_element (w, "desc", item->description, EXS_GUIDE_TEXT_KEEP_NEWLINES);
      for (guint i = 0; item->categories && item->categories[i]; i++)
        write_text_element (w, "category", item->categories[i], EXS_GUIDE_TEXT_ONE_LINE);
      /* Library artwork is a file on this server: its path would show the
       * folder layout and 404 (issue 14), so only web artwork is listed,
       * and a media server's artwork through this server's /artwork route
       * (which adds the token the server wants; made absolute). */
      if (item->artwork_url != NULL
          && (g_str_has_prefix (item->artwork_url, "http://") || g_str_has_prefix (item->artwork_url, "https://")
              || g_str_has_prefix (item->artwork_url, "/artwork/")))
        write_icon (w, base_url, item->artwork_url);
      write_episode_numbers (w, item->season_number, item->episode_number);
      if (item->kind == EXS_PLAYOUT_ITEM_PROGRAMME)
        {
          xmlTextWriterStartElement (w, BAD_CAST "previously-shown");
          xmlTextWriterEndElement (w);
        }
    }
  xmlTextWriterEndElement (w);
}

/**
 * exs_xmltv_build:
 * @channels: (element-type ExsChannelRecord): the channels, in guide order;
 *   disabled ones are left out
 * @source: (nullable): the playout; %NULL: every channel shows its name
 * @from_us: (in): start of the guide window, UTC µs
 * @to_us: (in): its end
 * @base_url: for icons given as paths
 * @time_zone: the zone the times are written in
 *
 * Returns: (transfer full): the guide, UTF-8 XML; the data is followed by a
 *   NUL that its size does not count
 */
GBytes *
exs_xmltv_build (GPtrArray *channels, ExsPlayoutSource *source, gint64 from_us, gint64 to_us,
                 const char *base_url, GTimeZone *time_zone, GError **error)
{
  /* ~250 bytes per programme hour: grown once or twice, not a hundred times */
  xmlBufferPtr buf = xmlBufferCreateSize (
      (size_t) (4096 + MAX (to_us - from_us, 0) / ((gint64) G_USEC_PER_SEC * 3600) * 256 * channels->len));
  xmlTextWriterPtr w = xmlNewTextWriterMemory (buf, 0);
  xmlChar *content;
  gsize length;
  g_autoptr (GPtrArray) listed = g_ptr_array_new ();
  g_autoptr (GPtrArray) ids = g_ptr_array_new_with_free_func (g_free);
  GBytes *bytes;

  for (guint i = 0; i < channels->len; i++)
    {
      const ExsChannelRecord *c = channels->pdata[i];
      if (!c->enabled)
        continue;
      g_ptr_array_add (listed, (gpointer)c);
      g_ptr_array_add (ids, exs_xmltv_channel_id (c->number));
    }

  xmlTextWriterSetIndent (w, 1);
  xmlTextWriterSetIndentString (w, BAD_CAST "  ");
  xmlTextWriterStartDocument (w, "1.0", "UTF-8", NULL);
  xmlTextWriterWriteDTD (w, BAD_CAST "tv", NULL, BAD_CAST "xmltv.dtd", NULL);
  xmlTextWriterStartElement (w, BAD_CAST "tv");
  xmlTextWriterWriteAttribute (w, BAD_CAST "generator-info-name",
                               BAD_CAST PACKAGE_NAME "/" PACKAGE_VERSION);
  xmlTextWriterWriteAttribute (w, BAD_CAST "generator-info-url", BAD_CAST base_url);

  for (guint i = 0; i < listed->len; i++)
    write_channel (w, listed->pdata[i], ids->pdata[i], base_url);

  for (guint i = 0; i < listed->len; i++)
    {
      const ExsChannelRecord *c = listed->pdata[i];
      g_autoptr (GPtrArray) items = NULL;
      g_autoptr (GArray) entries = NULL;
      g_autoptr (GError) local_error = NULL;

      if (source != NULL)
        {
          items = exs_playout_source_list (source, c->number, from_us, to_us, &local_error);
          if (items == NULL && local_error != NULL)
            g_debug ("guide for channel %s: %s; it shows as off the air", c->number,
                     local_error->message);
        }
      entries = make_entries (items, from_us, to_us);
      for (guint e = 0; e < entries->len; e++)
        write_programme (w, &g_array_index (entries, GuideEntry, e), c, ids->pdata[i], base_url,
                         time_zone);
    }

  xmlTextWriterEndElement (w);
  if (xmlTextWriterEndDocument (w) < 0)
    {
      xmlFreeTextWriter (w);
      xmlBufferFree (buf);
      g_set_error (error, EXS_XMLTV_ERROR, EXS_XMLTV_ERROR_WRITE, "libxml2 could not write the guide");
      return NULL;
    }
  xmlFreeTextWriter (w);
  /* handed over, not copied (5 MB for 500 channels); NUL-terminated past
   * its size, so callers may treat it as a string */
  length = (gsize) xmlBufferLength (buf);
  content = xmlBufferDetach (buf);
  xmlBufferFree (buf);
  bytes = g_bytes_new_with_free_func (content, length, (GDestroyNotify) xmlFree, content);
  return bytes;
}
