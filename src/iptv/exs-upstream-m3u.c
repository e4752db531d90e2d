/* exs-upstream-m3u.c: reads an extended M3U of upstream live channels.
 *
 *   #EXTM3U url-tvg="http://…/guide.xml"
 *   #EXTINF:-1 tvg-id="news.example" tvg-chno="12" tvg-logo="http://…" group-title="News",News 24
 *   http://example.net/news/index.m3u8
 *
 * The playlist is hostile input: the whole text is bounded
 * (EXS_UPSTREAM_M3U_MAX_BYTES, refused whole above it), as are each line,
 * the number of channels and the number of problems kept. A line that cannot
 * be used (a URL that is not http(s), an #EXTINF with no URL after it, a URL
 * with no #EXTINF, text that is not UTF-8) is recorded with its line number
 * and skipped; the rest is imported. Other directives (#EXTVLCOPT, #EXTGRP…)
 * are ignored. Used by the /api/channels/import-m3u route; a pure function,
 * tested on its own in tests/iptv/test-upstream-m3u.c.
 */
#include "config.h"

#include "exs-upstream-m3u.h"

#include "exs-http-error.h"
#include "exs-upstream-url.h"

#include <string.h>

#define MAX_URL_BYTES 2048

void
exs_upstream_m3u_entry_free (ExsUpstreamM3uEntry *e)
{
  if (e == NULL)
    return;
  g_free (e->name);
  g_free (e->url);
  g_free (e->tvg_id);
  g_free (e->logo);
  g_free (e->group);
  g_free (e->number);
  g_free (e);
}

void
exs_upstream_m3u_problem_free (ExsUpstreamM3uProblem *p)
{
  if (p == NULL)
    return;
  g_free (p->reason);
  g_free (p);
}

static void
add_problem (GPtrArray *problems, guint line, const char *format, ...) G_GNUC_PRINTF (3, 4);

static void
add_problem (GPtrArray *problems, guint line, const char *format, ...)
{
  ExsUpstreamM3uProblem *p;
  va_list args;

  if (problems->len >= EXS_UPSTREAM_M3U_MAX_PROBLEMS)
    return;
  p = g_new0 (ExsUpstreamM3uProblem, 1);
  p->line = line;
  va_start (args, format);
  p->reason = g_strdup_vprintf (format, args);
  va_end (args);
  g_ptr_array_add (problems, p);
}

/* The value of attribute @key="…" in @attrs (the part of an #EXTINF or
 * #EXTM3U line before its title), or "" if it is not there. */
static char *
attribute (const char *attrs, gsize attrs_len, const char *key)
{
  gsize key_len = strlen (key);

  for (const char *p = attrs; p + key_len + 2 <= attrs + attrs_len; p++)
    {
      const char *value, *end;

      if ((p != attrs && !g_ascii_isspace (p[-1])) || g_ascii_strncasecmp (p, key, key_len) != 0
          || p[key_len] != '=' || p[key_len + 1] != '"')
        continue;
      value = p + key_len + 2;
      end = memchr (value, '"', (gsize) (attrs + attrs_len - value));
      if (end == NULL)
        return g_strdup ("");
      return g_strstrip (g_strndup (value, (gsize) (end - value)));
    }
  return g_strdup ("");
}

/* Where the title starts: after the first comma outside quotes. */
static const char *
title_of (const char *line)
{
  gboolean quoted = FALSE;

  for (const char *p = line; *p; p++)
    {
      if (*p == '"')
        quoted = !quoted;
      else if (*p == ',' && !quoted)
        return p + 1;
    }
  return NULL;
}

static ExsUpstreamM3uEntry *
entry_from_extinf (const char *extinf)
{
  ExsUpstreamM3uEntry *e = g_new0 (ExsUpstreamM3uEntry, 1);
  const char *title = title_of (extinf);
  gsize attrs_len = title ? (gsize) (title - 1 - extinf) : strlen (extinf);

  e->name = g_strstrip (g_strdup (title ? title : ""));
  e->tvg_id = attribute (extinf, attrs_len, "tvg-id");
  e->logo = attribute (extinf, attrs_len, "tvg-logo");
  e->group = attribute (extinf, attrs_len, "group-title");
  e->number = attribute (extinf, attrs_len, "tvg-chno");
  if (e->number[0] == '\0')
    {
      g_free (e->number);
      e->number = attribute (extinf, attrs_len, "channel-number");
    }
  if (e->name[0] == '\0')
    {
      g_free (e->name);
      e->name = attribute (extinf, attrs_len, "tvg-name");
    }
  return e;
}

/**
 * exs_upstream_m3u_parse:
 * @problems: (out) (transfer full) (element-type ExsUpstreamM3uProblem): the
 *   lines skipped, and why (at most EXS_UPSTREAM_M3U_MAX_PROBLEMS)
 * @guide_url: (out) (transfer full) (nullable): the header's url-tvg (or
 *   x-tvg-url), when it names an http(s) URL
 *
 * Returns: (transfer full) (element-type ExsUpstreamM3uEntry) (nullable): the
 *   channels, in playlist order; %NULL (EXS_HTTP_ERROR_INVALID_FIELD) when
 *   the text is too big or holds no channel at all
 */
GPtrArray *
exs_upstream_m3u_parse (const char *text, gsize length, GPtrArray **problems, char **guide_url, GError **error)
{
  g_autoptr (GPtrArray) entries = g_ptr_array_new_with_free_func ((GDestroyNotify) exs_upstream_m3u_entry_free);
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func ((GDestroyNotify) exs_upstream_m3u_problem_free);
  g_autoptr (ExsUpstreamM3uEntry) pending = NULL;
  guint pending_line = 0, line_no = 0;
  const char *p = text, *end = text + length;

  *problems = NULL;
  *guide_url = NULL;
  if (length > EXS_UPSTREAM_M3U_MAX_BYTES)
    {
      g_set_error (error, EXS_HTTP_ERROR, EXS_HTTP_ERROR_INVALID_FIELD, "the playlist is over %d bytes",
                   EXS_UPSTREAM_M3U_MAX_BYTES);
      return NULL;
    }
  while (p < end)
    {
      const char *nl = memchr (p, '\n', (gsize) (end - p));
      gsize len = (gsize) ((nl ? nl : end) - p);
      g_autofree char *line = NULL;

      line_no++;
      if (len > EXS_UPSTREAM_M3U_MAX_LINE)
        {
          add_problem (found, line_no, "the line is over %d bytes", EXS_UPSTREAM_M3U_MAX_LINE);
          p = nl ? nl + 1 : end;
          continue;
        }
      line = g_strstrip (g_strndup (p, len));
      p = nl ? nl + 1 : end;
      if (line_no == 1 && g_str_has_prefix (line, "\xEF\xBB\xBF"))
        memmove (line, line + 3, strlen (line + 3) + 1); /* a UTF-8 byte-order mark */
      if (line[0] == '\0')
        continue;
      if (!g_utf8_validate (line, -1, NULL))
        {
          add_problem (found, line_no, "the line is not UTF-8 text");
          continue;
        }
      if (g_str_has_prefix (line, "#EXTM3U"))
        {
          g_autofree char *url = attribute (line, strlen (line), "url-tvg");
          if (url[0] == '\0')
            {
              g_free (url);
              url = attribute (line, strlen (line), "x-tvg-url");
            }
          /* several guides, comma-separated: the first */
          if (strchr (url, ','))
            *strchr (url, ',') = '\0';
          if (url[0] != '\0' && *guide_url == NULL && exs_upstream_url_check (url, MAX_URL_BYTES, NULL))
            *guide_url = g_steal_pointer (&url);
          continue;
        }
      if (g_str_has_prefix (line, "#EXTINF"))
        {
          if (pending != NULL)
            add_problem (found, pending_line, "#EXTINF “%s” has no URL after it", pending->name);
          g_clear_pointer (&pending, exs_upstream_m3u_entry_free);
          pending = entry_from_extinf (line);
          pending_line = line_no;
          continue;
        }
      if (line[0] == '#')
        continue;
      if (pending == NULL)
        {
          add_problem (found, line_no, "a URL without an #EXTINF line before it");
          continue;
        }
      {
        g_autoptr (GError) local = NULL;

        if (!exs_upstream_url_check (line, MAX_URL_BYTES, &local))
          {
            add_problem (found, line_no, "%s", local->message);
            g_clear_pointer (&pending, exs_upstream_m3u_entry_free);
            continue;
          }
      }
      if (entries->len >= EXS_UPSTREAM_M3U_MAX_ENTRIES)
        {
          add_problem (found, line_no, "more than %d channels: the rest is left out", EXS_UPSTREAM_M3U_MAX_ENTRIES);
          g_clear_pointer (&pending, exs_upstream_m3u_entry_free);
          break;
        }
      pending->url = g_strdup (line);
      pending->line = line_no;
      g_ptr_array_add (entries, g_steal_pointer (&pending));
    }
  if (pending != NULL)
    add_problem (found, pending_line, "#EXTINF “%s” has no URL after it", pending->name);
  if (entries->len == 0)
    {
      g_set_error (error, EXS_HTTP_ERROR, EXS_HTTP_ERROR_INVALID_FIELD,
                   "the playlist holds no channel (an #EXTINF line followed by an http(s) URL)%s",
                   found->len ? "; see its problems" : "");
      *problems = g_steal_pointer (&found);
      g_clear_pointer (guide_url, g_free);
      return NULL;
    }
  *problems = g_steal_pointer (&found);
  return g_steal_pointer (&entries);
}
