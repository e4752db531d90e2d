/* exs-channel-picture.c: what a channel does to its items' pictures.
 *
 * Part of ExsChannel (exs-channel-private.h), reading the channel's
 * ExsChannelMedia (issue 20):
 *   - each item's video chain: deinterlace (interlaced frames only: the
 *     element's "auto" mode passes progressive ones through untouched; "off"
 *     weaves the fields as they are), then
 *     the scaling mode onto the channel's frame — fit (letterbox/pillarbox,
 *     videoscale's borders), crop (aspectratiocrop to the frame's shape
 *     first) or stretch (no borders: the shape changes) — then the
 *     watermark (exs-channel-watermark.c) on the items it belongs to;
 *   - the channel's own error screen: its modes, title and subtitle replace
 *     the server's [error_screen] ones, and its background colour or image
 *     becomes the slate's picture.
 */
#include "config.h"

#include "exs-channel-private.h"

#include "exs-channel-watermark.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <stdlib.h>
#include <string.h>

static GstElement *
add_element (GstBin *bin, const char *factory)
{
  GstElement *e = gst_element_factory_make (factory, NULL);

  if (e)
    gst_bin_add (bin, e);
  return e;
}

/**
 * _exs_channel_picture_add_video:
 * @chain: the item's video chain so far; the elements are appended
 * @n: its length
 *
 * Streaming thread. Adds deinterlacing and the scaling elements (an
 * element that cannot be made is left NULL: the caller reports it). The
 * capsfilter that fixes the frame's size comes after them.
 *
 * Returns: the chain's new length
 */
guint
_exs_channel_picture_add_video (ExsChannel *self, GstBin *bin, const ExsChannelProfile *profile, GstElement **chain,
                                guint n)
{
  const ExsChannelMedia *media = self->media;
  GstElement *e;

  chain[n++] = add_element (bin, "videoconvert");
  /* always there: the compositor takes progressive frames only (an
   * interlaced item without it failed to link). "off" weaves the two fields
   * back into one frame, as they came: the combing stays. */
  e = chain[n++] = add_element (bin, "deinterlace");
  /* a frame per frame, not per field: the channel's rate is the frame rate,
   * and the compositor would drop every other one */
  if (e)
    gst_util_set_object_arg (G_OBJECT (e), "fields", "top");
  if (e && media->deinterlace == EXS_DEINTERLACE_OFF)
    gst_util_set_object_arg (G_OBJECT (e), "method", "weave");
  else if (e && media->deinterlace != EXS_DEINTERLACE_AUTO)
    gst_util_set_object_arg (G_OBJECT (e), "method", exs_deinterlace_to_string (media->deinterlace));
  if (media->scaling == EXS_SCALING_CROP)
    {
      e = chain[n++] = add_element (bin, "aspectratiocrop");
      if (e)
        g_object_set (e, "aspect-ratio", profile->width, profile->height, NULL);
    }
  e = chain[n++] = add_element (bin, "videoscale");
  if (e)
    g_object_set (e, "add-borders", media->scaling == EXS_SCALING_FIT, NULL);
  return n;
}

/**
 * _exs_channel_picture_add_watermark:
 *
 * Streaming thread. Appends the watermark's overlay to an item's finished
 * video chain when the item carries one.
 *
 * Returns: the chain's new length
 */
guint
_exs_channel_picture_add_watermark (ExsChannel *self, Item *item, GstElement **chain, guint n)
{
  GstElement *overlay;

  if (self->watermark == NULL || !exs_channel_watermark_shows_on (self->watermark, item->pi->kind)
      || _exs_channel_item_media (self, item)->watermark == NULL) /* a schedule item turned it off */
    return n;
  overlay = exs_channel_watermark_make_overlay (self->watermark, self->t0_us, item->offset);
  if (overlay == NULL)
    return n; /* gdkpixbufoverlay missing: the picture without its mark beats no picture */
  gst_bin_add (GST_BIN (item->bin), overlay);
  chain[n++] = overlay;
  return n;
}

/**
 * _exs_channel_picture_setup:
 *
 * Main thread, from exs_channel_new(): the channel's error screen settings
 * over the server's, and its watermark loaded. A watermark that cannot be
 * read is left out with a warning: the channel still plays.
 */
void
_exs_channel_picture_setup (ExsChannel *self)
{
  const ExsErrorScreen *e = self->media->error_screen;
  const ExsWatermark *w = self->media->watermark;

  if (e)
    {
      GEnumValue *v;

      if (e->visual_mode
          && (v = g_enum_get_value_by_nick (g_type_class_peek (EXS_TYPE_CHANNEL_VISUAL_MODE), e->visual_mode)))
        self->visual_mode = v->value;
      if (e->audio_mode
          && (v = g_enum_get_value_by_nick (g_type_class_peek (EXS_TYPE_CHANNEL_AUDIO_MODE), e->audio_mode)))
        self->audio_mode = v->value;
      if (e->title)
        {
          g_free (self->title);
          self->title = g_strdup (e->title);
        }
      if (e->subtitle)
        {
          g_free (self->subtitle);
          self->subtitle = g_strdup (e->subtitle);
        }
    }
  if (w)
    {
      g_autoptr (GError) error = NULL;

      self->watermark = exs_channel_watermark_new (w, self->profile.width, self->profile.height, &error);
      if (self->watermark == NULL)
        g_warning ("channel %s: no watermark: %s", self->number, error->message);
    }
}

/* An image the slate can show: a file gdk-pixbuf reads, with a path the
 * pipeline description can quote. */
static gboolean
slate_image_usable (const char *number, const char *path, int *width, int *height)
{
  if (strpbrk (path, "\"\\") != NULL || gdk_pixbuf_get_file_info (path, width, height) == NULL)
    {
      g_warning ("channel %s: error_screen.image %s is not a readable image; showing the colour", number, path);
      return FALSE;
    }
  return *width > 0 && *height > 0;
}

/**
 * _exs_channel_picture_slate:
 * @vcaps: the channel's raw video caps
 *
 * Returns: (transfer full) (nullable): the slate's source as a pipeline
 *   description when the channel's error screen has a colour or an image,
 *   NULL for the server's slate
 */
char *
_exs_channel_picture_slate (ExsChannel *self, const char *vcaps)
{
  const ExsErrorScreen *e = self->media->error_screen;
  const ExsChannelProfile *p = &self->profile;
  guint32 rgb = 0x102a5a; /* the server's "text" slate */
  int iw, ih;
  GString *s;

  if (e == NULL || (e->background == NULL && e->image == NULL))
    return NULL;
  /* the colour replaces the plain screens, not the pattern or the snow */
  if (self->visual_mode == EXS_CHANNEL_VISUAL_TEST_PATTERN || self->visual_mode == EXS_CHANNEL_VISUAL_STATIC)
    return NULL;
  if (e->background)
    rgb = (guint32) strtoul (e->background + 1, NULL, 16);
  else if (self->visual_mode == EXS_CHANNEL_VISUAL_SLATE)
    rgb = 0;
  s = g_string_new (NULL);
  g_string_append_printf (s,
                          "videotestsrc num-buffers=1 pattern=solid-color foreground-color=0x%08x ! %s "
                          "! imagefreeze is-live=true",
                          0xff000000u | rgb, vcaps);
  if (e->image && slate_image_usable (self->number, e->image, &iw, &ih))
    {
      /* fitted inside the frame, its shape kept, centred */
      double scale = MIN ((double) p->width / iw, (double) p->height / ih);
      int w = MAX (1, (int) (iw * scale)), h = MAX (1, (int) (ih * scale));

      g_string_append_printf (s,
                              " ! gdkpixbufoverlay location=\"%s\" positioning-mode=pixels-absolute "
                              "offset-x=%d offset-y=%d overlay-width=%d overlay-height=%d",
                              e->image, (p->width - w) / 2, (p->height - h) / 2, w, h);
    }
  return g_string_free (s, FALSE);
}
