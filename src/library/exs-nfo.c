/* exs-nfo.c: reads Kodi-style NFO files.
 *
 * Real NFOs are not always well-formed XML: a scraper URL is often appended
 * after the root element, and a multi-episode file holds several
 * <episodedetails> roots one after the other. So the text (without its XML
 * declaration) is wrapped in one <nfo> element and parsed with libxml2 in
 * recover-free, network-free mode; the root whose <episode> matches the
 * wanted one is used (or the first). A file that still does not parse is a
 * GError, and the scanner falls back to the file name and records a warning.
 */
#include "config.h"

#include "exs-nfo.h"

#include <glib/gstdio.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

G_DEFINE_QUARK (exs-nfo-error-quark, exs_nfo_error)

#define MAX_NFO_BYTES (4 * 1024 * 1024)

void
exs_nfo_free (ExsNfo *nfo)
{
  if (nfo == NULL)
    return;
  g_free (nfo->kind);
  g_free (nfo->title);
  g_free (nfo->sort_title);
  g_free (nfo->show_title);
  g_free (nfo->plot);
  g_free (nfo->studio);
  g_free (nfo->content_rating);
  g_ptr_array_unref (nfo->genres);
  g_ptr_array_unref (nfo->tags);
  g_free (nfo);
}

static char *
node_text (xmlNode *node)
{
  xmlChar *content = xmlNodeGetContent (node);
  char *text;

  if (content == NULL)
    return NULL;
  text = g_strstrip (g_strdup ((const char *) content));
  xmlFree (content);
  if (text[0] == '\0' || !g_utf8_validate (text, -1, NULL))
    {
      g_free (text);
      return NULL;
    }
  return text;
}

static gboolean
is (xmlNode *node, const char *name)
{
  return node->type == XML_ELEMENT_NODE && g_ascii_strcasecmp ((const char *) node->name, name) == 0;
}

static int
parse_int (const char *text, int fallback)
{
  char *end = NULL;
  gint64 v;

  if (text == NULL)
    return fallback;
  v = g_ascii_strtoll (text, &end, 10);
  if (end == text || v < 0 || v > G_MAXINT)
    return fallback;
  return (int) v;
}

static void
take_string (char **target, char *text)
{
  if (text == NULL)
    return;
  g_free (*target);
  *target = text;
}

static void
add_unique (GPtrArray *list, char *text)
{
  if (text == NULL)
    return;
  /* "Comedy / Drama" in one element is common */
  if (strchr (text, '/'))
    {
      g_auto (GStrv) split = g_strsplit (text, "/", -1);
      g_free (text);
      for (guint i = 0; split[i]; i++)
        {
          char *t = g_strstrip (g_strdup (split[i]));
          if (t[0])
            add_unique (list, t);
          else
            g_free (t);
        }
      return;
    }
  for (guint i = 0; i < list->len; i++)
    if (g_utf8_collate (list->pdata[i], text) == 0)
      {
        g_free (text);
        return;
      }
  g_ptr_array_add (list, text);
}

/**
 * exs_nfo_new:
 * @kind: the root element it stands for ("movie", ...)
 *
 * Returns: (transfer full): empty metadata, for sources that are not NFO
 *   files (Archive.org, yt-dlp) to fill in
 */
ExsNfo *
exs_nfo_new (const char *kind)
{
  ExsNfo *nfo = g_new0 (ExsNfo, 1);

  nfo->kind = g_strdup (kind);
  nfo->season = -1;
  nfo->episode = -1;
  nfo->genres = g_ptr_array_new_with_free_func (g_free);
  nfo->tags = g_ptr_array_new_with_free_func (g_free);
  return nfo;
}

static ExsNfo *
nfo_from_element (xmlNode *root)
{
  g_autofree char *kind = g_ascii_strdown ((const char *) root->name, -1);
  ExsNfo *nfo = exs_nfo_new (kind);

  for (xmlNode *c = root->children; c; c = c->next)
    {
      if (c->type != XML_ELEMENT_NODE)
        continue;
      if (is (c, "title"))
        take_string (&nfo->title, node_text (c));
      else if (is (c, "sorttitle"))
        take_string (&nfo->sort_title, node_text (c));
      else if (is (c, "showtitle"))
        take_string (&nfo->show_title, node_text (c));
      else if (is (c, "plot") || (is (c, "outline") && nfo->plot == NULL))
        take_string (&nfo->plot, node_text (c));
      else if (is (c, "studio") && nfo->studio == NULL)
        take_string (&nfo->studio, node_text (c));
      else if (is (c, "mpaa") || (is (c, "certification") && nfo->content_rating == NULL))
        take_string (&nfo->content_rating, node_text (c));
      else if (is (c, "genre"))
        add_unique (nfo->genres, node_text (c));
      else if (is (c, "tag"))
        add_unique (nfo->tags, node_text (c));
      else if (is (c, "season"))
        {
          g_autofree char *t = node_text (c);
          nfo->season = parse_int (t, -1);
        }
      else if (is (c, "episode"))
        {
          g_autofree char *t = node_text (c);
          nfo->episode = parse_int (t, -1);
        }
      else if (is (c, "runtime"))
        {
          g_autofree char *t = node_text (c);
          nfo->runtime_minutes = parse_int (t, 0);
        }
      else if (is (c, "year"))
        {
          g_autofree char *t = node_text (c);
          int y = parse_int (t, 0);
          if (y >= 1800 && y <= 2200)
            nfo->year = y;
        }
      else if ((is (c, "premiered") || is (c, "aired")) && nfo->year == 0)
        {
          g_autofree char *t = node_text (c);
          int y = t && strlen (t) >= 4 ? parse_int (t, 0) : 0;
          if (y >= 1800 && y <= 2200)
            nfo->year = y;
        }
    }
  return nfo;
}

/**
 * exs_nfo_parse_data:
 * @episode: for multi-episode NFOs, the episode wanted; -1 for the first root
 *
 * Returns: (transfer full) (nullable): the metadata, or %NULL with
 *   %EXS_NFO_ERROR_MALFORMED when the text is not usable XML or has no
 *   known root element
 */
ExsNfo *
exs_nfo_parse_data (const char *data, gsize length, int episode, GError **error)
{
  g_autoptr (GString) text = g_string_new ("<nfo>");
  const char *body = data;
  const char *end = data + length;
  xmlDoc *doc;
  xmlNode *first = NULL, *chosen = NULL;
  ExsNfo *nfo;

  /* skip a BOM and the XML declaration(s); libxml2 refuses them mid-document */
  if (length >= 3 && memcmp (body, "\xEF\xBB\xBF", 3) == 0)
    body += 3;
  while (body < end)
    {
      const char *decl = g_strstr_len (body, end - body, "<?xml");
      const char *close;
      if (decl == NULL)
        break;
      g_string_append_len (text, body, decl - body);
      close = g_strstr_len (decl, end - decl, "?>");
      if (close == NULL)
        {
          body = end;
          break;
        }
      body = close + 2;
    }
  g_string_append_len (text, body, end - body);
  /* drop anything after the last closing tag (an appended scraper URL) */
  {
    const char *last = g_strrstr (text->str, ">");
    if (last)
      g_string_truncate (text, (gsize) (last - text->str) + 1);
  }
  g_string_append (text, "</nfo>");

  doc = xmlReadMemory (text->str, (int) text->len, "nfo", "UTF-8",
                       XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (doc == NULL)
    {
      const xmlError *e = xmlGetLastError ();
      g_autofree char *why = e && e->message ? g_strstrip (g_strdup (e->message)) : g_strdup ("unknown error");
      g_set_error (error, EXS_NFO_ERROR, EXS_NFO_ERROR_MALFORMED, "not well-formed XML (line %d: %s)",
                   e ? e->line : 0, why);
      return NULL;
    }
  for (xmlNode *c = xmlDocGetRootElement (doc)->children; c; c = c->next)
    {
      if (!(is (c, "movie") || is (c, "tvshow") || is (c, "episodedetails") || is (c, "musicvideo")))
        continue;
      if (first == NULL)
        first = c;
      if (episode >= 0 && chosen == NULL)
        for (xmlNode *f = c->children; f; f = f->next)
          if (is (f, "episode"))
            {
              g_autofree char *t = node_text (f);
              if (parse_int (t, -2) == episode)
                chosen = c;
            }
    }
  if (first == NULL)
    {
      xmlFreeDoc (doc);
      g_set_error (error, EXS_NFO_ERROR, EXS_NFO_ERROR_MALFORMED,
                   "no <movie>, <tvshow>, <episodedetails> or <musicvideo> element");
      return NULL;
    }
  nfo = nfo_from_element (chosen ? chosen : first);
  xmlFreeDoc (doc);
  return nfo;
}

/**
 * exs_nfo_parse_file:
 *
 * Returns: (transfer full) (nullable): the metadata of the NFO at @path
 */
ExsNfo *
exs_nfo_parse_file (const char *path, int episode, GError **error)
{
  g_autofree char *data = NULL;
  gsize length = 0;
  g_autoptr (GError) local = NULL;
  GStatBuf st;

  if (g_stat (path, &st) == 0 && st.st_size > MAX_NFO_BYTES)
    {
      g_set_error (error, EXS_NFO_ERROR, EXS_NFO_ERROR_READ, "larger than %d bytes", MAX_NFO_BYTES);
      return NULL;
    }
  if (!g_file_get_contents (path, &data, &length, &local))
    {
      g_set_error (error, EXS_NFO_ERROR, EXS_NFO_ERROR_READ, "%s", local->message);
      return NULL;
    }
  return exs_nfo_parse_data (data, length, episode, error);
}
