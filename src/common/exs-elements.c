/* exs-elements.c: which GStreamer elements the server needs, checked once at
 * start-up so that a missing package is one clear line instead of a channel
 * that never starts ("no element clockoverlay").
 *
 * The package names here are the ones scripts/debian-packages.txt must
 * install; tests/packages/check-packages.sh holds the list to that. */
#include "config.h"

#include "exs-elements.h"

#include <gio/gio.h>
#include <gst/gst.h>
#include <string.h>

G_DEFINE_QUARK (exs-elements-error-quark, exs_elements_error)

static const ExsElement elements[] = {
  /* the channel engine: slate, mixing, encoding, muxing, delivery */
  { "videotestsrc", "gstreamer1.0-plugins-base", EXS_ELEMENT_REQUIRED, "the error screen" },
  { "audiotestsrc", "gstreamer1.0-plugins-base", EXS_ELEMENT_REQUIRED, "the error screen's tone" },
  { "imagefreeze", "gstreamer1.0-plugins-good", EXS_ELEMENT_REQUIRED, "the error screen" },
  { "compositor", "gstreamer1.0-plugins-base", EXS_ELEMENT_REQUIRED, "mixing programme and error screen" },
  { "audiomixer", "gstreamer1.0-plugins-base", EXS_ELEMENT_REQUIRED, "mixing programme and error screen" },
  { "videoconvert", "gstreamer1.0-plugins-base", EXS_ELEMENT_REQUIRED, "channel video" },
  { "videoscale", "gstreamer1.0-plugins-base", EXS_ELEMENT_REQUIRED, "channel video" },
  { "audioconvert", "gstreamer1.0-plugins-base", EXS_ELEMENT_REQUIRED, "channel audio" },
  { "audioresample", "gstreamer1.0-plugins-base", EXS_ELEMENT_REQUIRED, "channel audio" },
  { "volume", "gstreamer1.0-plugins-base", EXS_ELEMENT_REQUIRED, "channel audio" },
  { "x264enc", "gstreamer1.0-plugins-ugly", EXS_ELEMENT_REQUIRED, "H.264 encoding" },
  { "h264parse", "gstreamer1.0-plugins-bad", EXS_ELEMENT_REQUIRED, "H.264 parsing" },
  { "avenc_aac", "gstreamer1.0-libav", EXS_ELEMENT_REQUIRED, "AAC encoding" },
  { "aacparse", "gstreamer1.0-plugins-good", EXS_ELEMENT_REQUIRED, "AAC parsing" },
  { "mpegtsmux", "gstreamer1.0-plugins-bad", EXS_ELEMENT_REQUIRED, "MPEG-TS muxing" },
  { "multisocketsink", "gstreamer1.0-plugins-base", EXS_ELEMENT_REQUIRED, "sending to viewers" },
  { "hlssink2", "gstreamer1.0-plugins-bad", EXS_ELEMENT_REQUIRED, "HLS" },
  { "splitmuxsink", "gstreamer1.0-plugins-good", EXS_ELEMENT_REQUIRED, "HLS" },
  /* reading the library */
  { "uridecodebin3", "gstreamer1.0-plugins-base", EXS_ELEMENT_REQUIRED, "playing media files" },
  { "urisourcebin", "gstreamer1.0-plugins-base", EXS_ELEMENT_REQUIRED, "playing media files" },
  { "decodebin", "gstreamer1.0-plugins-base", EXS_ELEMENT_REQUIRED, "playing media files" },
  { "parsebin", "gstreamer1.0-plugins-base", EXS_ELEMENT_REQUIRED, "remuxing media files" },
  { "qtdemux", "gstreamer1.0-plugins-good", EXS_ELEMENT_REQUIRED, "reading MP4 files" },
  { "matroskademux", "gstreamer1.0-plugins-good", EXS_ELEMENT_REQUIRED, "reading Matroska files" },
  { "tsdemux", "gstreamer1.0-plugins-bad", EXS_ELEMENT_REQUIRED, "reading MPEG-TS files and upstream streams" },
  { "avdec_h264", "gstreamer1.0-libav", EXS_ELEMENT_REQUIRED, "decoding H.264" },
  { "avdec_aac", "gstreamer1.0-libav", EXS_ELEMENT_REQUIRED, "decoding AAC" },
  /* the demo clips */
  { "mp4mux", "gstreamer1.0-plugins-good", EXS_ELEMENT_REQUIRED, "making the demo clips" },
  { "matroskamux", "gstreamer1.0-plugins-good", EXS_ELEMENT_REQUIRED, "making the demo clips" },
  /* text on the error screen and the demo clips: without them it shows no
   * clock or title, but it shows */
  { "clockoverlay", "gstreamer1.0-x", EXS_ELEMENT_OPTIONAL, "the error screen's clock and text" },
  { "textoverlay", "gstreamer1.0-x", EXS_ELEMENT_OPTIONAL, "the error screen's text and demo titles" },
  { "timeoverlay", "gstreamer1.0-x", EXS_ELEMENT_OPTIONAL, "the demo clips' time code" },
  /* Plex, Jellyfin and Emby items stream over HTTP (src/media-servers) */
  { "souphttpsrc", "gstreamer1.0-plugins-good", EXS_ELEMENT_OPTIONAL, "playing Plex, Jellyfin and Emby items" },
};

/**
 * exs_elements_get_all:
 * @n_elements: (out): how many
 *
 * Returns: (transfer none) (array length=n_elements): every element the server uses
 */
const ExsElement *
exs_elements_get_all (guint *n_elements)
{
  *n_elements = G_N_ELEMENTS (elements);
  return elements;
}

/* Any thread; gst_init() must have run. */
gboolean
exs_elements_have (const char *name)
{
  g_autoptr (GstElementFactory) f = gst_element_factory_find (name);

  return f != NULL;
}

/**
 * exs_elements_dup_missing:
 *
 * Returns: (transfer full) (element-type ExsElement): the entries (borrowed
 *   pointers into a static table) whose element is not installed
 */
GPtrArray *
exs_elements_dup_missing (void)
{
  GPtrArray *missing = g_ptr_array_new ();

  for (guint i = 0; i < G_N_ELEMENTS (elements); i++)
    if (!exs_elements_have (elements[i].name))
      g_ptr_array_add (missing, (gpointer) &elements[i]);
  return missing;
}

/**
 * exs_elements_check:
 * @missing_optional: (out) (transfer full) (optional): one line per missing optional element
 *
 * Returns: %FALSE with @error set when a required element is missing (the
 *   message names the element and the package to install)
 */
gboolean
exs_elements_check (GPtrArray **missing_optional, GError **error)
{
  g_autoptr (GPtrArray) missing = exs_elements_dup_missing ();
  g_autoptr (GPtrArray) optional = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GString) required = g_string_new (NULL);
  g_autoptr (GString) packages = g_string_new (NULL);

  for (guint i = 0; i < missing->len; i++)
    {
      const ExsElement *e = missing->pdata[i];
      g_autofree char *pkg = g_strconcat (" ", e->package, " ", NULL);

      if (e->need == EXS_ELEMENT_OPTIONAL)
        {
          g_ptr_array_add (optional, g_strdup_printf ("GStreamer element %s is missing (install %s): %s degrades",
                                                      e->name, e->package, e->purpose));
          continue;
        }
      g_string_append_printf (required, "%s%s", required->len ? ", " : "", e->name);
      if (strstr (packages->str, pkg) == NULL)
        g_string_append_printf (packages, " %s ", e->package);
    }
  if (missing_optional)
    *missing_optional = g_steal_pointer (&optional);
  if (required->len > 0)
    {
      g_autofree char *list = g_strstrip (g_strdup (packages->str));
      g_autofree char *words = NULL;
      g_auto (GStrv) parts = g_strsplit (list, "  ", -1);

      words = g_strjoinv (" ", parts);
      g_set_error (error, EXS_ELEMENTS_ERROR, EXS_ELEMENTS_ERROR_MISSING,
                   "missing GStreamer element%s %s: install %s (apt-get install %s)",
                   strchr (required->str, ',') ? "s" : "", required->str, words, words);
      return FALSE;
    }
  return TRUE;
}
