/* exs-channel-watermark.c: a channel's watermark (issue 20).
 *
 * The channel loads its PNG once, scaled to its frame (size × frame width,
 * the image's shape kept), and each programme item (each item, unless
 * programmes_only) gets a gdkpixbufoverlay at the end of its video chain,
 * after the scaling, so the mark sits at the same place on every item and
 * never on the error screen. An intermittent mark (every N minutes for M
 * seconds) follows the wall clock of each frame — the channel's timeline,
 * so it runs on across item boundaries — and fades in and out by changing
 * the overlay's alpha; hidden, the alpha is 0 and the overlay blends
 * nothing. The alpha is set only when it changes: each change rebuilds the
 * overlay's composition.
 */
#include "config.h"

#include "exs-channel-watermark.h"

#include "exs-running-time.h"

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <math.h>

#define FADE_S 1.0

struct _ExsChannelWatermark
{
  ExsWatermark settings; /* image not owned: NULL */
  GdkPixbuf *pixbuf;     /* scaled to the frame */
  int x, y;              /* its top-left corner on the frame */
};

/* What the overlay's buffer probe needs: its own copy, freed with the probe. */
typedef struct
{
  ExsWatermark settings;
  gint64 t0_us;
  GstClockTimeDiff offset;
  double alpha; /* last set; -1 before the first frame */
} Timing;

/**
 * exs_channel_watermark_new:
 * @settings: the channel's watermark
 *
 * Loads and scales the image.
 *
 * Returns: (transfer full) (nullable): the watermark, or NULL with @error
 *   when the image cannot be read
 */
ExsChannelWatermark *
exs_channel_watermark_new (const ExsWatermark *settings, int frame_width, int frame_height, GError **error)
{
  g_autoptr (ExsChannelWatermark) self = g_new0 (ExsChannelWatermark, 1);
  g_autoptr (GdkPixbuf) image = NULL;
  int w, h, margin;

  g_return_val_if_fail (settings != NULL && settings->image != NULL, NULL);
  image = gdk_pixbuf_new_from_file (settings->image, error);
  if (image == NULL)
    return NULL;
  w = MAX (1, (int) lround (settings->size * frame_width));
  h = MAX (1, (int) lround ((double) w * gdk_pixbuf_get_height (image) / gdk_pixbuf_get_width (image)));
  h = MIN (h, frame_height);
  self->pixbuf = gdk_pixbuf_scale_simple (image, w, h, GDK_INTERP_BILINEAR);
  if (self->pixbuf == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE, "cannot scale %s", settings->image);
      return NULL;
    }
  self->settings = *settings;
  self->settings.image = NULL;
  margin = (int) lround (settings->margin * frame_width);
  if (settings->position == EXS_WATERMARK_TOP_RIGHT || settings->position == EXS_WATERMARK_BOTTOM_RIGHT)
    self->x = MAX (0, frame_width - w - margin);
  else
    self->x = MIN (margin, frame_width - w);
  if (settings->position == EXS_WATERMARK_BOTTOM_LEFT || settings->position == EXS_WATERMARK_BOTTOM_RIGHT)
    self->y = MAX (0, frame_height - h - margin);
  else
    self->y = MIN (margin, frame_height - h);
  return g_steal_pointer (&self);
}

void
exs_channel_watermark_free (ExsChannelWatermark *self)
{
  if (self == NULL)
    return;
  g_clear_object (&self->pixbuf);
  g_free (self);
}

/* Whether an item of @kind carries the mark. */
gboolean
exs_channel_watermark_shows_on (const ExsChannelWatermark *self, ExsPlayoutItemKind kind)
{
  return kind == EXS_PLAYOUT_ITEM_PROGRAMME || (kind == EXS_PLAYOUT_ITEM_FILLER && !self->settings.programmes_only);
}

/**
 * exs_channel_watermark_alpha_at:
 * @wall_us: a frame's wall time (UTC µs)
 *
 * Returns: the mark's alpha on that frame: the opacity when permanent; an
 *   intermittent one shows for show_seconds at the start of each
 *   every_minutes of the clock, fading in and out over a second (a quarter
 *   of the showing when shorter), and 0 between.
 */
double
exs_channel_watermark_alpha_at (const ExsWatermark *s, gint64 wall_us)
{
  double period, phase, fade, ramp;

  if (s->every_minutes == 0)
    return s->opacity;
  period = s->every_minutes * 60.0;
  phase = fmod ((double) wall_us / G_USEC_PER_SEC, period);
  if (phase < 0)
    phase += period;
  if (phase >= s->show_seconds)
    return 0.0;
  fade = MIN (FADE_S, s->show_seconds / 4.0);
  ramp = MIN (1.0, MIN (phase, s->show_seconds - phase) / fade);
  return s->opacity * ramp;
}

/* Streaming thread: the alpha of this frame, set when it changes. */
static GstPadProbeReturn
on_overlay_buffer_cb (GstPad *pad, GstPadProbeInfo *info, gpointer user_data)
{
  Timing *t = user_data;
  GstBuffer *buf = GST_PAD_PROBE_INFO_BUFFER (info);
  GstClockTime rt = exs_buffer_running_time (pad, buf);
  double alpha;

  if (!GST_CLOCK_TIME_IS_VALID (rt))
    return GST_PAD_PROBE_OK;
  alpha = exs_channel_watermark_alpha_at (&t->settings, t->t0_us + ((gint64) rt + t->offset) / GST_USECOND);
  if (fabs (alpha - t->alpha) > 0.004)
    {
      g_autoptr (GstElement) overlay = gst_pad_get_parent_element (pad);

      t->alpha = alpha;
      if (overlay)
        g_object_set (overlay, "alpha", alpha, NULL);
    }
  return GST_PAD_PROBE_OK;
}

/**
 * exs_channel_watermark_make_overlay:
 * @t0_us: the wall time of the channel's running time 0
 * @item_offset: the running time of the item's segment start on the channel
 *
 * Any thread.
 *
 * Returns: (transfer floating) (nullable): the overlay for one item's video,
 *   or NULL without gdkpixbufoverlay (gstreamer1.0-plugins-good)
 */
GstElement *
exs_channel_watermark_make_overlay (ExsChannelWatermark *self, gint64 t0_us, GstClockTimeDiff item_offset)
{
  GstElement *overlay = gst_element_factory_make ("gdkpixbufoverlay", NULL);
  g_autoptr (GstPad) sinkpad = NULL;
  Timing *t;

  if (overlay == NULL)
    return NULL;
  gst_util_set_object_arg (G_OBJECT (overlay), "positioning-mode", "pixels-absolute");
  g_object_set (overlay, "pixbuf", self->pixbuf, "offset-x", self->x, "offset-y", self->y, "alpha",
                self->settings.every_minutes ? 0.0 : self->settings.opacity, NULL);
  if (self->settings.every_minutes == 0)
    return overlay;
  t = g_new0 (Timing, 1);
  t->settings = self->settings;
  t->t0_us = t0_us;
  t->offset = item_offset;
  t->alpha = 0.0;
  sinkpad = gst_element_get_static_pad (overlay, "sink");
  gst_pad_add_probe (sinkpad, GST_PAD_PROBE_TYPE_BUFFER, on_overlay_buffer_cb, t, g_free);
  return overlay;
}
