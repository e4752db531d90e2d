/* exs-demo.h: the demo lineup — clips made with GStreamer and channels that use them */
#pragma once

#include <gio/gio.h>

#include "exs-database.h"

G_BEGIN_DECLS

#define EXS_DEMO_ERROR (exs_demo_error_quark ())

typedef enum
{
  EXS_DEMO_ERROR_CLIP, /* GStreamer could not make a demo clip (the message says which and why) */
} ExsDemoError;

GQuark exs_demo_error_quark (void);

typedef struct
{
  const char *file_name;  /* in <data-dir>/demo/ */
  const char *title;
  const char *container;  /* "mp4" or "mkv" */
  int width;
  int height;
  int fps;
  int audio_rate;         /* 0: no audio track */
  int audio_channels;
  int seconds;
  const char *pattern;    /* videotestsrc pattern */
  const char *wave;       /* audiotestsrc wave */
  double freq;
} ExsDemoClip;

typedef struct
{
  const char *number;
  const char *name;
  const char *group;
} ExsDemoChannel;

const ExsDemoClip *exs_demo_get_clips (guint *n_clips);
const ExsDemoChannel *exs_demo_get_channels (guint *n_channels);

gboolean exs_demo_make_clip (const ExsDemoClip  *clip,
                             const char         *path,
                             GCancellable       *cancellable,
                             GError            **error);
void exs_demo_ensure_clips_async (const char          *demo_dir,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data);
gboolean exs_demo_ensure_clips_finish (GAsyncResult  *result,
                                       GError       **error);
guint exs_demo_create_channels (ExsDatabase  *db,
                                GError      **error);

G_END_DECLS
