/* exs-demo.c: the demo lineup a newcomer sees at once.
 *
 * --demo makes a dozen short clips with GStreamer itself — test patterns with
 * the clip's name and a running clock burnt in, tones — in the formats a real
 * library mixes (H.264/AAC in MP4 and MKV, 720p and 1080p, 25 and 30 fps,
 * 44.1 and 48 kHz, mono and stereo, one without audio), and three channels.
 * Clips are encoded in a worker thread (never on the main loop), written to a
 * temporary name and renamed, so a half-made clip is never seen; existing ones
 * are kept. Later subsystems build on the same list (a demo library over the
 * clips, schedules, streams).
 */
#include "config.h"

#include "exs-demo.h"
#include "exs-background.h"

#include "exs-channel-store.h"
#include "exs-elements.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <gst/gst.h>

G_DEFINE_QUARK (exs-demo-error-quark, exs_demo_error)

static const ExsDemoClip clips[] = {
  { "01-test-card.mp4", "Test Card", "mp4", 1280, 720, 30, 48000, 2, 20, "smpte", "sine", 440 },
  { "02-ball-game.mp4", "Ball Game", "mp4", 1280, 720, 25, 48000, 2, 20, "ball", "sine", 523.25 },
  { "03-snow-day.mkv", "Snow Day", "mkv", 1280, 720, 30, 44100, 2, 20, "snow", "pink-noise", 0 },
  { "04-full-hd-bars.mp4", "Full HD Bars", "mp4", 1920, 1080, 30, 48000, 2, 20, "smpte100", "sine", 330 },
  { "05-silent-film.mp4", "Silent Film", "mp4", 1280, 720, 25, 0, 0, 20, "pinwheel", "silence", 0 },
  { "06-mono-news.mkv", "Mono News", "mkv", 1280, 720, 25, 44100, 1, 20, "bar", "sine", 660 },
  { "07-gradient-hour.mp4", "Gradient Hour", "mp4", 1280, 720, 30, 48000, 1, 20, "gradient", "sine", 880 },
  { "08-circle-show.mkv", "Circle Show", "mkv", 1280, 720, 30, 48000, 2, 20, "circular", "sine", 392 },
  { "09-checkers.mp4", "Checkers", "mp4", 1280, 720, 25, 48000, 2, 20, "checkers-8", "square", 220 },
  { "10-spokes.mkv", "Spokes", "mkv", 1280, 720, 25, 48000, 2, 20, "spokes", "triangle", 294 },
  { "11-colors.mp4", "Colors", "mp4", 1280, 720, 30, 44100, 2, 20, "colors", "sine", 494 },
  { "12-zone-plate.mkv", "Zone Plate", "mkv", 1280, 720, 30, 48000, 2, 20, "zone-plate", "sine", 587 },
};

static const ExsDemoChannel channels[] = {
  { "100", "Demo Mix", "Demo" },
  { "101", "Demo Patterns", "Demo" },
  { "1984.1", "Demo Retro", "Demo" },
};

const ExsDemoClip *
exs_demo_get_clips (guint *n_clips)
{
  *n_clips = G_N_ELEMENTS (clips);
  return clips;
}

const ExsDemoChannel *
exs_demo_get_channels (guint *n_channels)
{
  *n_channels = G_N_ELEMENTS (channels);
  return channels;
}

static char *
clip_pipeline (const ExsDemoClip *c, const char *path)
{
  GString *s = g_string_new (NULL);
  g_autofree char *quoted = g_strescape (path, NULL);
  int frames = c->seconds * c->fps;
  const char *mux = g_str_equal (c->container, "mkv") ? "matroskamux" : "mp4mux";

  g_string_append_printf (s, "videotestsrc pattern=%s num-buffers=%d ! video/x-raw,width=%d,height=%d,framerate=%d/1 ",
                          c->pattern, frames, c->width, c->height, c->fps);
  /* the title and time code need gstreamer1.0-x; without it (a warning at
   * start-up) the clips are made without them */
  if (exs_elements_have ("textoverlay"))
    g_string_append_printf (s,
                            "! textoverlay text=\"%s\" valignment=top halignment=center font-desc=\"Sans Bold %d\" "
                            "shaded-background=true ",
                            c->title, c->height / 16);
  if (exs_elements_have ("timeoverlay"))
    g_string_append_printf (s,
                            "! timeoverlay valignment=bottom halignment=right font-desc=\"Sans %d\" "
                            "shaded-background=true ",
                            c->height / 24);
  g_string_append_printf (s,
                          "! videoconvert ! video/x-raw,format=I420 "
                          "! x264enc speed-preset=ultrafast key-int-max=%d bitrate=1500 threads=1 "
                          "! video/x-h264,profile=main ! h264parse ! queue ! mux. ",
                          c->fps * 2);
  if (c->audio_rate > 0)
    {
      int samples = 1024;
      int buffers = (c->seconds * c->audio_rate + samples - 1) / samples;
      g_string_append_printf (s,
                              "audiotestsrc wave=%s freq=%g volume=0.3 samplesperbuffer=%d num-buffers=%d "
                              "! audio/x-raw,rate=%d,channels=%d ! audioconvert ! avenc_aac bitrate=128000 "
                              "! aacparse ! queue ! mux. ",
                              c->wave, c->freq > 0 ? c->freq : 440.0, samples, buffers, c->audio_rate,
                              c->audio_channels);
    }
  g_string_append_printf (s, "%s name=mux ! filesink location=\"%s\"", mux, quoted);
  return g_string_free (s, FALSE);
}

/**
 * exs_demo_make_clip:
 *
 * Encodes @clip to @path, blocking; call it from a worker thread. Tests use
 * it to make media too.
 */
gboolean
exs_demo_make_clip (const ExsDemoClip *clip, const char *path, GCancellable *cancellable, GError **error)
{
  g_autofree char *tmp = g_strconcat (path, ".part", NULL);
  g_autofree char *desc = clip_pipeline (clip, tmp);
  g_autoptr (GstElement) pipeline = NULL;
  g_autoptr (GstBus) bus = NULL;
  g_autoptr (GError) parse_error = NULL;
  gboolean ok = FALSE;

  /* FATAL_ERRORS: without it a missing element still gives a pipeline *and*
   * sets the error, and the next g_set_error() would land on top of it */
  pipeline = gst_parse_launch_full (desc, NULL, GST_PARSE_FLAG_FATAL_ERRORS, &parse_error);
  if (pipeline == NULL)
    {
      g_set_error (error, EXS_DEMO_ERROR, EXS_DEMO_ERROR_CLIP, "cannot make demo clip %s: %s", clip->file_name,
                   parse_error ? parse_error->message : "no pipeline");
      return FALSE;
    }
  gst_object_ref_sink (pipeline);
  bus = gst_element_get_bus (pipeline);
  gst_element_set_state (pipeline, GST_STATE_PLAYING);
  while (TRUE)
    {
      g_autoptr (GstMessage) m =
          gst_bus_timed_pop_filtered (bus, 200 * GST_MSECOND, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        break;
      if (m == NULL)
        continue;
      if (GST_MESSAGE_TYPE (m) == GST_MESSAGE_EOS)
        {
          ok = TRUE;
          break;
        }
      {
        g_autoptr (GError) gerr = NULL;
        gst_message_parse_error (m, &gerr, NULL);
        g_set_error (error, EXS_DEMO_ERROR, EXS_DEMO_ERROR_CLIP, "cannot make demo clip %s: %s", clip->file_name,
                     gerr->message);
        break;
      }
    }
  gst_element_set_state (pipeline, GST_STATE_NULL);
  if (ok && g_rename (tmp, path) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot rename %s: %s", tmp,
                   g_strerror (saved));
      ok = FALSE;
    }
  if (!ok)
    g_unlink (tmp);
  return ok;
}

/* The clips are made by as many threads as there are cores (at most 4):
 * each takes the next missing clip until none is left or one fails. */
typedef struct
{
  const char *dir;
  GCancellable *cancellable;
  gint next;      /* atomic: index of the next clip to take */
  GMutex lock;    /* guards error */
  GError *error;  /* the first failure, owned */
} ClipWork;

static gpointer
clip_worker (gpointer data)
{
  ClipWork *w = data;
  guint i;

  while ((i = (guint) g_atomic_int_add (&w->next, 1)) < G_N_ELEMENTS (clips))
    {
      g_autofree char *path = g_build_filename (w->dir, clips[i].file_name, NULL);
      GError *error = NULL;
      gboolean failed;

      g_mutex_lock (&w->lock);
      failed = w->error != NULL;
      g_mutex_unlock (&w->lock);
      if (failed)
        break;
      if (g_file_test (path, G_FILE_TEST_EXISTS))
        continue;
      g_debug ("making demo clip %s", path);
      if (!exs_demo_make_clip (&clips[i], path, w->cancellable, &error))
        {
          g_mutex_lock (&w->lock);
          if (w->error == NULL)
            w->error = error;
          else
            g_error_free (error);
          g_mutex_unlock (&w->lock);
          break;
        }
    }
  return NULL;
}

static void
ensure_clips_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  ClipWork w = { task_data, cancellable, 0, { 0 }, NULL };
  guint n_threads = CLAMP (g_get_num_processors (), 1, 4);
  GThread *threads[4];

  if (g_mkdir_with_parents (w.dir, 0755) != 0)
    {
      g_task_return_new_error (task, G_IO_ERROR, g_io_error_from_errno (errno), "cannot create %s: %s", w.dir,
                               g_strerror (errno));
      return;
    }
  g_mutex_init (&w.lock);
  for (guint t = 0; t < n_threads; t++)
    threads[t] = g_thread_new ("exs-demo-clip", clip_worker, &w);
  for (guint t = 0; t < n_threads; t++)
    g_thread_join (threads[t]);
  g_mutex_clear (&w.lock);
  if (w.error)
    g_task_return_error (task, w.error);
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * exs_demo_ensure_clips_async:
 * @demo_dir: the folder for the clips (created if needed)
 *
 * Makes the clips that are missing, in a worker thread.
 */
void
exs_demo_ensure_clips_async (const char *demo_dir, GCancellable *cancellable, GAsyncReadyCallback callback,
                             gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_source_tag (task, exs_demo_ensure_clips_async);
  g_task_set_task_data (task, g_strdup (demo_dir), g_free);
  exs_task_run_in_thread (task, ensure_clips_thread);
}

gboolean
exs_demo_ensure_clips_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * exs_demo_create_channels:
 *
 * Adds the demo channels whose numbers are free, in one transaction.
 *
 * Returns: how many were added, or G_MAXUINT on error
 */
guint
exs_demo_create_channels (ExsDatabase *db, GError **error)
{
  guint added = 0;

  if (!exs_database_begin (db, error))
    return G_MAXUINT;
  for (guint i = 0; i < G_N_ELEMENTS (channels); i++)
    {
      g_autoptr (GError) local = NULL;
      g_autoptr (ExsChannelRecord) existing = exs_channel_store_get (db, channels[i].number, &local);
      g_autoptr (ExsChannelRecord) r = NULL;

      if (!exs_database_clear_not_found (&local))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          exs_database_rollback (db);
          return G_MAXUINT;
        }
      if (existing != NULL)
        continue;
      r = exs_channel_record_new ();
      r->number = g_strdup (channels[i].number);
      g_free (r->name);
      r->name = g_strdup (channels[i].name);
      g_free (r->group_title);
      r->group_title = g_strdup (channels[i].group);
      if (!exs_channel_store_insert (db, r, error))
        {
          exs_database_rollback (db);
          return G_MAXUINT;
        }
      added++;
    }
  if (!exs_database_commit (db, error))
    {
      exs_database_rollback (db);
      return G_MAXUINT;
    }
  return added;
}
