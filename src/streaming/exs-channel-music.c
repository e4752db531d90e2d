/* exs-channel-music.c: a song on a channel — its cover art (or a generated
 * background) with the artist and title drawn on it, over the song's audio.
 *
 * Part of ExsChannel (exs-channel-private.h). An item whose stream
 * collection has audio and no video (a song from a music library, or any
 * audio file) gets a picture branch of its own beside its decodebin:
 * appsrc (one RGBA frame) → imagefreeze (repeats it, takes a new one) →
 * textoverlay (artist and title) → videoconvert → the item's caps, linked
 * to the video slot like a decoded stream. The frame is drawn with
 * gdk-pixbuf: a gradient whose colour comes from the artist, the cover
 * scaled into a square above the text. The cover is the song's embedded
 * image tag, else cover.jpg / folder.jpg beside a local file. The tags
 * (artist, title, cover) are read from the collection and from each tag
 * event on the song's audio pad: a later tag event redraws the frame. The
 * playout item's title and episode title (the artist as show, the song's
 * title) stand in until the tags come.
 *
 * Threads: the branch is built in decodebin3's select-stream signal and
 * redrawn from the audio pad's streaming thread; ItemMusic's lock guards
 * what both touch.
 */
#include "config.h"

#include "exs-channel-private.h"

#include "exs-song-tags.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <gst/app/gstappsrc.h>
#include <math.h>
#include <string.h>

#define MAX_COVER_BYTES (16 * 1024 * 1024) /* an embedded image larger than this is not decoded */

struct _ItemMusic
{
  GMutex lock;          /* guards everything below but built */
  gint built;           /* atomic: the picture branch exists */
  ExsSongTags *song;
  GdkPixbuf *cover;     /* (nullable) decoded, scaled to the cover square */
  gboolean cover_tried; /* the image beside the file was looked for */
  char *path;           /* (nullable) the song's local file */
  char *fallback_artist, *fallback_title;
  GstElement *appsrc;   /* (nullable) owned reference */
  GstElement *text;     /* (nullable) owned reference: textoverlay */
  char *shown_text;
  int width, height, fps;
};

void
_exs_channel_music_free (ItemMusic *m)
{
  if (m == NULL)
    return;
  g_mutex_clear (&m->lock);
  exs_song_tags_free (m->song);
  g_clear_object (&m->cover);
  g_free (m->path);
  g_free (m->fallback_artist);
  g_free (m->fallback_title);
  gst_clear_object (&m->appsrc);
  gst_clear_object (&m->text);
  g_free (m->shown_text);
  g_free (m);
}

static int
cover_side (const ItemMusic *m)
{
  return MAX (2, MIN (m->height * 62 / 100, m->width * 8 / 10)) & ~1;
}

/* The loader's image, scaled down as it is read to at most @side. */
static void
on_size_prepared_cb (GdkPixbufLoader *loader, int width, int height, gpointer user_data)
{
  int side = GPOINTER_TO_INT (user_data);

  if (width > side || height > side)
    {
      double k = MIN ((double) side / width, (double) side / height);
      gdk_pixbuf_loader_set_size (loader, MAX (1, (int) (width * k)), MAX (1, (int) (height * k)));
    }
}

/* Returns: (transfer full): @pixbuf scaled (up or down) to fill a @side square's width or height */
static GdkPixbuf *
fit_square (GdkPixbuf *pixbuf, int side)
{
  int w = gdk_pixbuf_get_width (pixbuf), h = gdk_pixbuf_get_height (pixbuf);
  double k = MIN ((double) side / w, (double) side / h);

  return gdk_pixbuf_scale_simple (pixbuf, MAX (1, (int) (w * k)), MAX (1, (int) (h * k)), GDK_INTERP_BILINEAR);
}

/* Returns: (transfer full) (nullable): @sample's image (JPEG, PNG, …) decoded to fit a @side square */
static GdkPixbuf *
decode_cover (GstSample *sample, int side)
{
  GstBuffer *buffer = gst_sample_get_buffer (sample);
  g_autoptr (GdkPixbufLoader) loader = gdk_pixbuf_loader_new ();
  g_autoptr (GError) error = NULL;
  GstMapInfo map;
  gboolean ok;

  if (buffer == NULL || gst_buffer_get_size (buffer) > MAX_COVER_BYTES || !gst_buffer_map (buffer, &map, GST_MAP_READ))
    return NULL;
  g_signal_connect (loader, "size-prepared", G_CALLBACK (on_size_prepared_cb), GINT_TO_POINTER (side));
  ok = gdk_pixbuf_loader_write (loader, map.data, map.size, &error);
  gst_buffer_unmap (buffer, &map);
  if (!gdk_pixbuf_loader_close (loader, ok ? &error : NULL) || !ok)
    {
      GST_DEBUG ("the song's cover image cannot be read: %s", error ? error->message : "?");
      return NULL;
    }
  return fit_square (gdk_pixbuf_loader_get_pixbuf (loader), side);
}

/* Under the lock: the cover beside a local file, once. */
static void
find_cover_beside (ItemMusic *m)
{
  g_autofree char *beside = NULL;
  g_autoptr (GError) error = NULL;

  if (m->cover || m->cover_tried || m->path == NULL)
    return;
  m->cover_tried = TRUE;
  beside = exs_song_find_cover_beside (m->path);
  if (beside == NULL)
    return;
  m->cover = gdk_pixbuf_new_from_file_at_scale (beside, cover_side (m), cover_side (m), TRUE, &error);
  if (m->cover == NULL)
    GST_DEBUG ("cover %s cannot be read: %s", beside, error->message);
  else
    GST_DEBUG ("%s: the cover beside it, %s", m->path, beside);
}

/* A colour of the artist's own: the same artist always looks the same. */
static void
artist_colour (const char *artist, guint8 rgb[3])
{
  guint h = g_str_hash (artist ? artist : "");
  double hue = (h % 360) / 60.0;
  double x = 1.0 - fabs (fmod (hue, 2.0) - 1.0);
  double r = 0, g = 0, b = 0;

  switch ((int) hue)
    {
    case 0: r = 1, g = x; break;
    case 1: r = x, g = 1; break;
    case 2: g = 1, b = x; break;
    case 3: g = x, b = 1; break;
    case 4: r = x, b = 1; break;
    default: r = 1, b = x; break;
    }
  rgb[0] = (guint8) (60 + 120 * r);
  rgb[1] = (guint8) (60 + 120 * g);
  rgb[2] = (guint8) (60 + 120 * b);
}

/* Under the lock. Returns: (transfer full): the frame: gradient, cover */
static GstBuffer *
draw_frame (ItemMusic *m, const char *artist)
{
  gsize stride = (gsize) m->width * 4;
  GstBuffer *buffer = gst_buffer_new_allocate (NULL, stride * m->height, NULL);
  guint8 rgb[3];
  GstMapInfo map;

  artist_colour (artist, rgb);
  gst_buffer_map (buffer, &map, GST_MAP_WRITE);
  for (int y = 0; y < m->height; y++)
    {
      double k = 1.0 - 0.75 * y / m->height; /* darker towards the text */
      guint8 *row = map.data + (gsize) y * stride;

      for (int x = 0; x < m->width; x++)
        {
          row[4 * x] = (guint8) (rgb[0] * k);
          row[4 * x + 1] = (guint8) (rgb[1] * k);
          row[4 * x + 2] = (guint8) (rgb[2] * k);
          row[4 * x + 3] = 255;
        }
    }
  if (m->cover)
    {
      int w = gdk_pixbuf_get_width (m->cover), h = gdk_pixbuf_get_height (m->cover);
      int x0 = (m->width - w) / 2, y0 = m->height * 8 / 100 + (cover_side (m) - h) / 2;
      int channels = gdk_pixbuf_get_n_channels (m->cover), src_stride = gdk_pixbuf_get_rowstride (m->cover);
      const guint8 *src = gdk_pixbuf_read_pixels (m->cover);

      for (int y = 0; y < h && y0 + y < m->height; y++)
        for (int x = 0; x < w && x0 + x < m->width; x++)
          {
            const guint8 *p = src + (gsize) y * src_stride + (gsize) x * channels;
            guint8 *q = map.data + (gsize) (y0 + y) * stride + (gsize) (x0 + x) * 4;
            guint a = channels == 4 ? p[3] : 255;

            for (int c = 0; c < 3; c++)
              q[c] = (guint8) ((p[c] * a + q[c] * (255 - a)) / 255);
          }
    }
  gst_buffer_unmap (buffer, &map);
  return buffer;
}

/* Any thread: draws what is known now and hands it to the branch. */
static void
redraw (ItemMusic *m, gboolean new_frame)
{
  const char *artist, *title;
  g_autofree char *text = NULL;
  g_autofree char *e_artist = NULL, *e_title = NULL;
  GstBuffer *frame = NULL;
  GstElement *appsrc = NULL, *overlay = NULL;

  g_mutex_lock (&m->lock);
  artist = m->song && m->song->artist ? m->song->artist : m->fallback_artist;
  title = m->song && m->song->title ? m->song->title : m->fallback_title;
  e_artist = g_markup_escape_text (artist ? artist : "", -1);
  e_title = g_markup_escape_text (title ? title : "", -1);
  text = artist && title ? g_strdup_printf ("<b>%s</b>\n%s", e_artist, e_title)
                         : g_strdup (artist ? e_artist : e_title);
  if (m->appsrc && new_frame)
    {
      frame = draw_frame (m, artist);
      appsrc = gst_object_ref (m->appsrc);
    }
  if (m->text && g_strcmp0 (text, m->shown_text) != 0)
    {
      g_free (m->shown_text);
      m->shown_text = g_strdup (text);
      overlay = gst_object_ref (m->text);
    }
  g_mutex_unlock (&m->lock);
  if (overlay)
    {
      g_object_set (overlay, "text", text, NULL);
      gst_object_unref (overlay);
    }
  if (appsrc)
    {
      gst_app_src_push_buffer (GST_APP_SRC (appsrc), frame);
      gst_object_unref (appsrc);
    }
}

/* Any thread: takes what @tags say of the song; redraws when it changed. */
static void
take_tags (ItemMusic *m, const GstTagList *tags)
{
  gboolean changed, new_cover = FALSE;
  g_autoptr (GstSample) sample = NULL;
  GdkPixbuf *cover = NULL;
  int side;

  if (tags == NULL)
    return;
  g_mutex_lock (&m->lock);
  if (m->song == NULL)
    m->song = exs_song_tags_new (NULL);
  changed = exs_song_tags_merge (m->song, tags);
  side = cover_side (m);
  if (m->cover == NULL || !m->cover_tried)
    sample = exs_song_tags_dup_cover (tags);
  g_mutex_unlock (&m->lock);

  /* an embedded cover wins over the image beside the file */
  if (sample && (cover = decode_cover (sample, side)))
    {
      g_mutex_lock (&m->lock);
      if (!m->cover_tried || m->cover == NULL)
        {
          g_clear_object (&m->cover);
          m->cover = cover;
          m->cover_tried = TRUE;
          new_cover = TRUE;
          GST_DEBUG ("%s: its embedded cover, %" GST_PTR_FORMAT, m->path, gst_sample_get_caps (sample));
        }
      else
        g_object_unref (cover);
      g_mutex_unlock (&m->lock);
    }
  if (changed || new_cover)
    redraw (m, TRUE);
}

/* Streaming thread: tag events on the song's audio pad. */
static GstPadProbeReturn
on_audio_tags_cb (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Item *item = user_data;
  GstEvent *event = GST_PAD_PROBE_INFO_EVENT (info);

  if (GST_EVENT_TYPE (event) == GST_EVENT_TAG)
    {
      GstTagList *tags;
      gst_event_parse_tag (event, &tags);
      take_tags (item->music, tags);
    }
  return GST_PAD_PROBE_OK;
}

static gboolean
take_sticky_tags (GstPad *pad, GstEvent **event, gpointer user_data)
{
  if (GST_EVENT_TYPE (*event) == GST_EVENT_TAG)
    {
      GstTagList *tags;
      gst_event_parse_tag (*event, &tags);
      take_tags (user_data, tags);
    }
  return TRUE;
}

/* Streaming thread: an audio stream of a song brings its tags. */
static void
on_music_pad_added_cb (GstElement *decodebin, GstPad *pad, gpointer user_data)
{
  Item *item = user_data;
  g_autofree char *name = gst_pad_get_name (pad);
  g_autoptr (GstStream) stream = NULL;

  if (!g_str_has_prefix (name, "audio"))
    return;
  stream = gst_pad_get_stream (pad);
  if (stream)
    {
      g_autoptr (GstTagList) tags = gst_stream_get_tags (stream);
      take_tags (item->music, tags);
    }
  gst_pad_sticky_events_foreach (pad, take_sticky_tags, item->music);
  gst_pad_add_probe (pad, GST_PAD_PROBE_TYPE_EVENT_DOWNSTREAM, on_audio_tags_cb,
                     g_atomic_rc_box_acquire (item), (GDestroyNotify) _exs_channel_item_unref);
}

static GstElement *
add_element (Item *item, const char *factory)
{
  GstElement *e = gst_element_factory_make (factory, NULL);

  if (e)
    gst_bin_add (GST_BIN (item->bin), e);
  return e;
}

/* Streaming thread: the song's picture branch, on the item's video slot. */
static void
build_branch (ExsChannel *channel, Item *item)
{
  ItemMusic *m = item->music;
  GstElement *chain[8] = { NULL };
  guint n = 0;
  GstElement *text;
  g_autoptr (GstCaps) src_caps = NULL;
  g_autoptr (GstCaps) out_caps = NULL;
  g_autoptr (GstPad) target = NULL;

  src_caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "RGBA", "width", G_TYPE_INT, m->width,
                                  "height", G_TYPE_INT, m->height, "framerate", GST_TYPE_FRACTION, 0, 1,
                                  "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, "interlace-mode", G_TYPE_STRING,
                                  "progressive", NULL);
  out_caps = gst_caps_new_simple ("video/x-raw", "format", G_TYPE_STRING, "I420", "width", G_TYPE_INT, m->width,
                                  "height", G_TYPE_INT, m->height, "framerate", GST_TYPE_FRACTION, m->fps, 1,
                                  "pixel-aspect-ratio", GST_TYPE_FRACTION, 1, 1, NULL);
  chain[n++] = add_element (item, "appsrc");
  g_object_set (chain[0], "caps", src_caps, "format", GST_FORMAT_TIME, "is-live", FALSE, "block", FALSE, NULL);
  chain[n++] = add_element (item, "imagefreeze");
  if (chain[1])
    g_object_set (chain[1], "allow-replace", TRUE, NULL);
  /* textoverlay is optional (gstreamer1.0-x): the cover without its words beats no picture */
  text = add_element (item, "textoverlay");
  if (text)
    {
      gst_util_set_object_arg (G_OBJECT (text), "valignment", "bottom");
      gst_util_set_object_arg (G_OBJECT (text), "halignment", "center");
      g_object_set (text, "font-desc", "Sans Bold 22", "wait-text", FALSE, "ypad", m->height / 14, NULL);
      chain[n++] = text;
    }
  chain[n++] = add_element (item, "videoconvert");
  chain[n++] = add_element (item, "capsfilter");
  if (chain[n - 1])
    g_object_set (chain[n - 1], "caps", out_caps, NULL);
  n = _exs_channel_picture_add_watermark (channel, item, chain, n);
  for (guint i = 0; i < n; i++)
    if (chain[i] == NULL)
      {
        GST_WARNING ("item %u: an element of the song's picture is missing; the slate shows", item->id);
        return;
      }
  for (guint i = 1; i < n; i++)
    gst_element_link_pads (chain[i - 1], "src", chain[i], chain[i] == text ? "video_sink" : "sink");

  /* The appsrc pushes its one picture as soon as it plays: everything after
   * it must already be linked and running, or the picture meets an
   * inactive or unlinked pad, is dropped, and the slate shows for the
   * whole song (a busy machine showed it). So: linked first, then started
   * from the slot's end back to the appsrc. */
  target = gst_element_get_static_pad (chain[n - 1], "src");
  /* not from the decodebin: a seek of the song never flushes it, so it
   * passes at once (the tick seeks an item whose video does not ask) */
  if (!_exs_channel_item_link_stream (item, TRUE, item->vslot, target, TRUE))
    {
      GST_ELEMENT_ERROR (item->decodebin, CORE, NEGOTIATION, ("cannot link the song's picture"), (NULL));
      return;
    }

  g_mutex_lock (&m->lock);
  m->appsrc = gst_object_ref (chain[0]);
  m->text = text ? gst_object_ref (text) : NULL;
  find_cover_beside (m);
  g_mutex_unlock (&m->lock);
  redraw (m, TRUE);

  for (guint i = n; i > 0; i--)
    gst_element_sync_state_with_parent (chain[i - 1]);
  GST_DEBUG ("item %u: a song, shown over its cover", item->id);
}

/* Streaming thread of decodebin3: a collection with audio and no video is a
 * song; its picture branch is built once. Never chooses (-1). */
static gint
on_music_select_stream_cb (GstElement *decodebin, GstStreamCollection *collection, GstStream *stream,
                           gpointer user_data)
{
  Item *item = user_data;
  guint n = gst_stream_collection_get_size (collection);
  gboolean audio = FALSE, video = FALSE;
  g_autoptr (ExsChannel) channel = NULL;

  for (guint i = 0; i < n; i++)
    {
      GstStream *s = gst_stream_collection_get_stream (collection, i);
      GstStreamType type = gst_stream_get_stream_type (s);

      audio |= (type & GST_STREAM_TYPE_AUDIO) != 0;
      video |= (type & GST_STREAM_TYPE_VIDEO) != 0;
      if (type & GST_STREAM_TYPE_AUDIO)
        {
          g_autoptr (GstTagList) tags = gst_stream_get_tags (s);
          take_tags (item->music, tags);
        }
    }
  if (!audio || video || g_atomic_int_get (&item->dropping))
    return -1;
  channel = g_weak_ref_get (&item->channel);
  if (channel != NULL && g_atomic_int_compare_and_exchange (&item->music->built, 0, 1))
    build_branch (channel, item);
  return -1;
}

/**
 * _exs_channel_music_setup:
 *
 * Main thread, before the item's bin runs and before its audio choice
 * connects to the same signal (whose handlers that choose end the
 * emission): watches the item's streams for a song.
 */
void
_exs_channel_music_setup (ExsChannel *self, Item *item)
{
  ItemMusic *m;

  if (item->decodebin == NULL || item->remux)
    return;
  m = g_new0 (ItemMusic, 1);
  g_mutex_init (&m->lock);
  m->width = item->profile.width;
  m->height = item->profile.height;
  m->fps = MAX (item->profile.fps, 1);
  m->path = item->pi->uri && g_str_has_prefix (item->pi->uri, "file://")
                ? g_filename_from_uri (item->pi->uri, NULL, NULL)
                : NULL;
  /* the playout's words: an artist's songs are its show's episodes */
  m->fallback_artist = g_strdup (item->pi->sub_title ? item->pi->title : NULL);
  m->fallback_title = g_strdup (item->pi->sub_title ? item->pi->sub_title : item->pi->title);
  item->music = m;
  g_signal_connect_data (item->decodebin, "select-stream", G_CALLBACK (on_music_select_stream_cb),
                         g_atomic_rc_box_acquire (item), (GClosureNotify) _exs_channel_item_unref, 0);
  g_signal_connect_data (item->decodebin, "pad-added", G_CALLBACK (on_music_pad_added_cb),
                         g_atomic_rc_box_acquire (item), (GClosureNotify) _exs_channel_item_unref, 0);
}
