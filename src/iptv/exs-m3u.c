/* exs-m3u.c: builds /iptv/channels.m3u from the channel list.
 *
 *   #EXTM3U url-tvg="<base>/iptv/xmltv.xml" x-tvg-url="<base>/iptv/xmltv.xml"
 *   #EXTINF:-1 tvg-id="1984.1.exstreamtv" tvg-chno="1984.1" tvg-name="News" tvg-logo="…"
 * group-title="News",News <base>/iptv/channel/1984.1.ts
 *
 * What the parsers tolerate (protocols.md §5): Kodi finds attributes by
 * substring and takes the name after the last quote's comma; Jellyfin's
 * regex needs double quotes and non-empty values and cuts the name at the
 * last comma; Threadfin turns every ' into ". So values never contain " or
 * ' (typographic quotes instead), names never contain a comma (U+201A, which
 * looks like one) and empty attributes are left out. Used by ExsIptvService
 * and the benchmark.
 */
#include "config.h"

#include "exs-m3u.h"

#include "exs-base-url.h"
#include "exs-channel-store.h"
#include "exs-guide-text.h"

#include <string.h>

/**
 * exs_m3u_channel_is_listed:
 *
 * Returns: whether a channel belongs in the playlist (and the guide)
 */
gboolean
exs_m3u_channel_is_listed (const char *streaming_mode, gboolean enabled)
{
  return enabled
         && (g_strcmp0 (streaming_mode, "both") == 0 || g_strcmp0 (streaming_mode, "iptv") == 0);
}

/**
 * exs_xmltv_channel_id:
 *
 * The guide's channel id and the playlist's tvg-id. tv_validate_file wants
 * at least one dot (protocols.md §4.4), so "5" alone will not do; the number
 * stays in front so people can read it.
 *
 * Returns: (transfer full): "<number>.exstreamtv"
 */
char *
exs_xmltv_channel_id (const char *number)
{
  return g_strconcat (number, ".exstreamtv", NULL);
}

/**
 * exs_m3u_attribute_value:
 *
 * Returns: (transfer full): @text on one line with the characters that break
 * M3U parsers (" ' ,) replaced by look-alikes
 */
char *
exs_m3u_attribute_value (const char *text)
{
  g_autofree char *clean = exs_guide_text_clean (text, EXS_GUIDE_TEXT_ONE_LINE);
  GString *out = g_string_sized_new (strlen (clean) + 8);

  for (const char *p = clean; *p; p++)
    {
      switch (*p)
        {
          case '"':
            g_string_append (out, "\xe2\x80\x9d"); /* ” */
            break;
          case '\'':
            g_string_append (out, "\xe2\x80\x99"); /* ’ */
            break;
          case ',':
            g_string_append (out, "\xe2\x80\x9a"); /* ‚ */
            break;
          case '#':
            /* harmless inside a value, but a name starting with # would look
             * like a directive to line-based parsers */
            g_string_append (out, out->len == 0 ? "\xef\xbc\x83" : "#");
            break;
          default:
            g_string_append_c (out, *p);
        }
    }
  return g_string_free (out, FALSE);
}

static void
append_attribute (GString *out, const char *name, const char *value)
{
  g_autofree char *v = exs_m3u_attribute_value (value);

  if (v[0] == '\0')
    return;
  g_string_append_printf (out, " %s=\"%s\"", name, v);
}

/**
 * exs_m3u_build:
 * @channels: (element-type ExsChannelRecord): all channels, in guide order
 * @base_url: "http://host:port"
 *
 * Returns: (transfer full): the playlist, UTF-8, lines ending in "\n"
 */
char *
exs_m3u_build (GPtrArray *channels, const char *base_url)
{
  GString *out = g_string_sized_new (256 + channels->len * 320);
  g_autofree char *guide = g_strconcat (base_url, "/iptv/xmltv.xml", NULL);

  g_string_append_printf (out, "#EXTM3U url-tvg=\"%s\" x-tvg-url=\"%s\"\n", guide, guide);
  for (guint i = 0; i < channels->len; i++)
    {
      const ExsChannelRecord *c = channels->pdata[i];
      g_autofree char *id = NULL;
      g_autofree char *name = NULL;
      g_autofree char *logo = NULL;
      g_autofree char *escaped_number = NULL;

      if (!exs_m3u_channel_is_listed (c->streaming_mode, c->enabled))
        continue;
      id = exs_xmltv_channel_id (c->number);
      name = exs_m3u_attribute_value (c->name);
      if (name[0] == '\0')
        {
          g_free (name);
          name = g_strdup (c->number);
        }
      logo = exs_base_url_absolute (base_url, c->logo);
      g_string_append (out, "#EXTINF:-1");
      append_attribute (out, "tvg-id", id);
      append_attribute (out, "tvg-chno", c->number);
      append_attribute (out, "tvg-name", name);
      append_attribute (out, "tvg-logo", logo);
      append_attribute (out, "group-title", c->group_title);
      g_string_append_printf (out, ",%s\n", name);
      escaped_number = g_uri_escape_string (c->number, NULL, FALSE);
      g_string_append_printf (out, "%s/iptv/channel/%s.ts\n", base_url, escaped_number);
    }
  return g_string_free (out, FALSE);
}
