/* exs-media-probe.c: turns a GstDiscovererInfo into the facts the channel
 * engine needs to choose between remuxing and transcoding and to pick tracks:
 * duration, container, every video/audio/subtitle stream with short codec
 * names, and the chapters of the file's table of contents. Sidecar subtitle
 * files (.srt, .ass, .ssa, .vtt next to the media, optionally with a
 * language: "Film.en.srt") are added as external subtitle streams.
 * Called from the scanner's worker threads, each with its own discoverer.
 */
#include "config.h"

#include "exs-media-probe.h"

#include "exs-fs.h"
#include "exs-subtitle-sidecar.h"

#include <gio/gio.h>
#include <stdio.h>
#include <string.h>

static void
stream_facts_free (ExsStreamFacts *s)
{
  g_free (s->kind);
  g_free (s->codec);
  g_free (s->profile);
  g_free (s->language);
  g_free (s->title);
  g_free (s->external_path);
  g_free (s);
}

static void
chapter_facts_free (ExsChapterFacts *c)
{
  g_free (c->title);
  g_free (c);
}

/**
 * exs_media_facts_new:
 *
 * Returns: (transfer full): empty facts, ready to take streams and chapters
 */
ExsMediaFacts *
exs_media_facts_new (void)
{
  ExsMediaFacts *facts = g_new0 (ExsMediaFacts, 1);

  facts->streams = g_ptr_array_new_with_free_func ((GDestroyNotify) stream_facts_free);
  facts->chapters = g_ptr_array_new_with_free_func ((GDestroyNotify) chapter_facts_free);
  return facts;
}

void
exs_media_facts_free (ExsMediaFacts *facts)
{
  if (facts == NULL)
    return;
  g_free (facts->container);
  g_free (facts->title);
  g_clear_pointer (&facts->tags, gst_tag_list_unref);
  g_ptr_array_unref (facts->streams);
  g_ptr_array_unref (facts->chapters);
  g_free (facts);
}

static const char *
container_name (const char *caps_name)
{
  static const struct { const char *caps, *name; } map[] = {
    { "video/quicktime", "mp4" },      { "video/x-matroska", "matroska" }, { "video/webm", "webm" },
    { "video/mpegts", "mpegts" },      { "video/x-msvideo", "avi" },      { "video/mpeg", "mpeg" },
    { "video/x-flv", "flv" },          { "application/ogg", "ogg" },      { "video/x-ms-asf", "asf" },
    { "audio/x-m4a", "mp4" },          { "application/x-id3", "mp3" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (map); i++)
    if (g_str_equal (caps_name, map[i].caps))
      return map[i].name;
  return caps_name;
}

static char *
codec_name (const GstStructure *s)
{
  const char *name = gst_structure_get_name (s);
  int v = 0, layer = 0;
  const char *format;

  if (g_str_equal (name, "video/x-h264"))
    return g_strdup ("h264");
  if (g_str_equal (name, "video/x-h265"))
    return g_strdup ("hevc");
  if (g_str_equal (name, "video/mpeg"))
    {
      gst_structure_get_int (s, "mpegversion", &v);
      return g_strdup (v == 4 ? "mpeg4" : v == 2 ? "mpeg2video" : "mpeg1video");
    }
  if (g_str_equal (name, "audio/mpeg"))
    {
      gst_structure_get_int (s, "mpegversion", &v);
      gst_structure_get_int (s, "layer", &layer);
      if (v == 2 || v == 4)
        return g_strdup ("aac");
      return g_strdup (layer == 2 ? "mp2" : "mp3");
    }
  if (g_str_equal (name, "text/x-raw"))
    {
      format = gst_structure_get_string (s, "format");
      return g_strdup (format && g_str_equal (format, "pango-markup") ? "subrip" : "text");
    }
  if (g_str_equal (name, "application/x-ssa") || g_str_equal (name, "application/x-ass"))
    return g_strdup ("ass");
  if (g_str_equal (name, "subpicture/x-pgs"))
    return g_strdup ("pgs");
  if (g_str_equal (name, "subpicture/x-dvd"))
    return g_strdup ("dvdsub");
  if (g_str_equal (name, "subpicture/x-dvb"))
    return g_strdup ("dvbsub");
  if (g_str_equal (name, "application/x-subtitle-vtt"))
    return g_strdup ("webvtt");
  if (g_str_equal (name, "audio/x-raw"))
    return g_strdup ("pcm");
  if (g_str_has_prefix (name, "video/x-") || g_str_has_prefix (name, "audio/x-"))
    return g_strdup (name + strlen ("video/x-")); /* ac3, eac3, dts, opus, vorbis, flac, vp8, vp9, av1, ... */
  return g_strdup (name);
}

static ExsStreamFacts *
stream_facts_new (const char *kind, int index, GstDiscovererStreamInfo *info)
{
  ExsStreamFacts *f = g_new0 (ExsStreamFacts, 1);
  g_autoptr (GstCaps) caps = gst_discoverer_stream_info_get_caps (info);
  const GstTagList *tags = gst_discoverer_stream_info_get_tags (info);

  f->kind = g_strdup (kind);
  f->index = index;
  if (caps && gst_caps_get_size (caps) > 0)
    {
      const GstStructure *s = gst_caps_get_structure (caps, 0);
      const char *profile = gst_structure_get_string (s, "profile");
      f->codec = codec_name (s);
      f->profile = g_strdup (profile);
    }
  else
    f->codec = g_strdup ("unknown");
  if (tags)
    gst_tag_list_get_string (tags, GST_TAG_TITLE, &f->title);
  return f;
}

static void
add_toc_entries (ExsMediaFacts *facts, GList *entries)
{
  for (GList *l = entries; l; l = l->next)
    {
      GstTocEntry *e = l->data;
      gint64 start = -1, stop = -1;

      if (gst_toc_entry_get_entry_type (e) == GST_TOC_ENTRY_TYPE_CHAPTER)
        {
          ExsChapterFacts *c = g_new0 (ExsChapterFacts, 1);
          GstTagList *tags = gst_toc_entry_get_tags (e);

          gst_toc_entry_get_start_stop_times (e, &start, &stop);
          c->start_ms = start >= 0 ? start / GST_MSECOND : 0;
          c->end_ms = stop >= 0 ? stop / GST_MSECOND : -1;
          if (tags)
            gst_tag_list_get_string (tags, GST_TAG_TITLE, &c->title);
          g_ptr_array_add (facts->chapters, c);
        }
      add_toc_entries (facts, gst_toc_entry_get_sub_entries (e));
    }
}

/**
 * exs_media_probe:
 * @uri: a file:// URI
 *
 * Blocks for up to the discoverer's timeout; call it off the main loop.
 *
 * Returns: (transfer full) (nullable): the facts, or %NULL with @error saying
 *   why the file cannot be used (no streams, not media, timeout, ...)
 */
ExsMediaFacts *
exs_media_probe (GstDiscoverer *discoverer, const char *uri, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GstDiscovererInfo) info = gst_discoverer_discover_uri (discoverer, uri, &local);
  g_autoptr (ExsMediaFacts) facts = NULL;
  GstDiscovererStreamInfo *top;
  GList *list;
  const GstToc *toc;
  const GstTagList *tags;
  int i;

  if (info == NULL || gst_discoverer_info_get_result (info) != GST_DISCOVERER_OK)
    {
      GstDiscovererResult r = info ? gst_discoverer_info_get_result (info) : GST_DISCOVERER_ERROR;
      const char *why = local ? local->message : "unknown error";
      if (r == GST_DISCOVERER_TIMEOUT)
        why = "timed out while probing";
      else if (r == GST_DISCOVERER_MISSING_PLUGINS)
        why = "a GStreamer plugin needed to read it is missing";
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s", why);
      return NULL;
    }

  facts = exs_media_facts_new ();
  facts->duration_ms = (gint64) (gst_discoverer_info_get_duration (info) / GST_MSECOND);

  top = gst_discoverer_info_get_stream_info (info);
  if (top)
    {
      g_autoptr (GstCaps) caps = gst_discoverer_stream_info_get_caps (top);
      if (caps && gst_caps_get_size (caps) > 0)
        facts->container = g_strdup (container_name (gst_structure_get_name (gst_caps_get_structure (caps, 0))));
      gst_discoverer_stream_info_unref (top);
    }
  tags = gst_discoverer_info_get_tags (info);
  if (tags)
    {
      gst_tag_list_get_string (tags, GST_TAG_TITLE, &facts->title);
      facts->tags = gst_tag_list_copy (tags);
    }

  list = gst_discoverer_info_get_video_streams (info);
  i = 0;
  for (GList *l = list; l; l = l->next)
    {
      GstDiscovererVideoInfo *v = l->data;
      ExsStreamFacts *f;

      if (gst_discoverer_video_info_is_image (v))
        continue; /* cover art in the file is no video track */
      f = stream_facts_new ("video", i++, l->data);
      f->width = (int) gst_discoverer_video_info_get_width (v);
      f->height = (int) gst_discoverer_video_info_get_height (v);
      f->fps_num = (int) gst_discoverer_video_info_get_framerate_num (v);
      f->fps_den = (int) gst_discoverer_video_info_get_framerate_denom (v);
      f->interlaced = gst_discoverer_video_info_is_interlaced (v);
      g_ptr_array_add (facts->streams, f);
    }
  gst_discoverer_stream_info_list_free (list);

  list = gst_discoverer_info_get_audio_streams (info);
  i = 0;
  for (GList *l = list; l; l = l->next)
    {
      GstDiscovererAudioInfo *a = l->data;
      ExsStreamFacts *f = stream_facts_new ("audio", i++, l->data);

      f->channels = (int) gst_discoverer_audio_info_get_channels (a);
      f->sample_rate = (int) gst_discoverer_audio_info_get_sample_rate (a);
      f->language = g_strdup (gst_discoverer_audio_info_get_language (a));
      g_ptr_array_add (facts->streams, f);
    }
  gst_discoverer_stream_info_list_free (list);

  list = gst_discoverer_info_get_subtitle_streams (info);
  i = 0;
  for (GList *l = list; l; l = l->next)
    {
      ExsStreamFacts *f = stream_facts_new ("subtitle", i++, l->data);

      f->language = g_strdup (gst_discoverer_subtitle_info_get_language (l->data));
      g_ptr_array_add (facts->streams, f);
    }
  gst_discoverer_stream_info_list_free (list);

  if (facts->streams->len == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "no audio or video streams");
      return NULL;
    }
  {
    gboolean any_av = FALSE;
    for (guint k = 0; k < facts->streams->len; k++)
      {
        ExsStreamFacts *f = facts->streams->pdata[k];
        any_av |= !g_str_equal (f->kind, "subtitle");
      }
    if (!any_av)
      {
        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "no audio or video streams");
        return NULL;
      }
  }

  toc = gst_discoverer_info_get_toc (info);
  if (toc)
    add_toc_entries (facts, gst_toc_get_entries (toc));
  return g_steal_pointer (&facts);
}

/**
 * exs_media_facts_add_sidecar_subtitles:
 * @media_path: the media file, in the file system's encoding
 *
 * Adds "Film.srt", "Film.en.srt", "Film.eng.forced.ass", ... lying next to
 * @media_path (exs_subtitle_sidecars_find()) as external subtitle streams,
 * in name order.
 */
void
exs_media_facts_add_sidecar_subtitles (ExsMediaFacts *facts, const char *media_path)
{
  g_autoptr (GPtrArray) sidecars = exs_subtitle_sidecars_find (media_path);
  int index = 0;

  for (guint k = 0; k < facts->streams->len; k++)
    if (g_str_equal (((ExsStreamFacts *) facts->streams->pdata[k])->kind, "subtitle"))
      index++;
  for (guint k = 0; k < sidecars->len; k++)
    {
      ExsSubtitleSidecar *sc = sidecars->pdata[k];
      ExsStreamFacts *f = g_new0 (ExsStreamFacts, 1);

      f->kind = g_strdup ("subtitle");
      f->index = index++;
      f->codec = g_strdup (sc->codec);
      f->external_path = g_strdup (sc->path);
      f->language = g_strdup (sc->language);
      g_ptr_array_add (facts->streams, f);
    }
}

/* Walks the top-level boxes of an MP4/MOV file: a file that ends inside a
 * box, or that has no moov box, is truncated. */
static gboolean
check_isobmff (FILE *f, gint64 file_size, GError **error)
{
  gint64 offset = 0;
  gboolean moov = FALSE;
  int boxes = 0;

  while (offset < file_size && boxes++ < 100000)
    {
      guint8 head[16];
      gint64 size;
      char type[5] = { 0 };

      if (fseeko (f, offset, SEEK_SET) != 0 || fread (head, 1, 8, f) != 8)
        break;
      size = ((gint64) head[0] << 24) | (head[1] << 16) | (head[2] << 8) | head[3];
      memcpy (type, head + 4, 4);
      if (size == 1)
        {
          if (fread (head + 8, 1, 8, f) != 8)
            break;
          size = 0;
          for (int i = 8; i < 16; i++)
            size = (size << 8) | head[i];
        }
      else if (size == 0)
        size = file_size - offset;
      if (size < 8)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "damaged MP4: a box of %" G_GINT64_FORMAT
                       " bytes at offset %" G_GINT64_FORMAT, size, offset);
          return FALSE;
        }
      if (g_str_equal (type, "moov"))
        moov = TRUE;
      if (offset + size > file_size)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "truncated: the file ends inside its “%s” box (%" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
                       " bytes present)%s",
                       g_str_is_ascii (type) ? type : "?", file_size - offset, size,
                       moov ? "" : " and has no index (moov box); an unfinished download or recording?");
          return FALSE;
        }
      offset += size;
    }
  if (!moov)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                   "no index (moov box): an unfinished download or recording?");
      return FALSE;
    }
  return TRUE;
}

/**
 * exs_media_check_file:
 * @path: a local file, in the file system's encoding
 *
 * Cheap checks before probing, for damage that makes GstDiscoverer wait for
 * its whole timeout: an MP4/MOV file cut short. Other containers pass.
 *
 * Returns: %FALSE with @error saying what is wrong
 */
gboolean
exs_media_check_file (const char *path, GError **error)
{
  static const char *const isobmff[] = { "mp4", "m4v", "mov", "3gp", NULL };
  FILE *f;
  gint64 size;
  guint8 head[8];
  gboolean ok = TRUE;

  if (!exs_fs_has_extension (path, isobmff))
    return TRUE;
  f = fopen (path, "rb");
  if (f == NULL)
    return TRUE; /* the probe reports why */
  if (fseeko (f, 0, SEEK_END) == 0 && (size = ftello (f)) > 8 && fseeko (f, 0, SEEK_SET) == 0
      && fread (head, 1, 8, f) == 8 && memcmp (head + 4, "ftyp", 4) == 0)
    ok = check_isobmff (f, size, error); /* only files that say they are MP4 */
  fclose (f);
  return ok;
}
