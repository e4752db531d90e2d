/* make-demo-clips: the demo clips, made once for the whole suite.
 *
 *   make-demo-clips DIR STAMP
 *
 * Makes the demo lineup's clips in DIR with the server's own code
 * (exs_demo_ensure_clips_async(): existing clips are kept) and then writes
 * STAMP. tests/meson.build runs it before the tests; the harness copies the
 * clips into the data dir of each --demo server it starts, so that every such
 * test does not encode the same four minutes of video again (about 50 s of
 * CPU each on the 2-core CI machine). Making them is still tested: demo/demo
 * makes and checks each clip, and app/application's demo lineup starts a
 * server that makes its own.
 */
#include "config.h"

#include "exs-demo.h"

#include <gst/gst.h>

typedef struct
{
  GMainLoop *loop;
  GError *error;
} Made;

static void
on_clips_ready_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Made *made = user_data;

  exs_demo_ensure_clips_finish (result, &made->error);
  g_main_loop_quit (made->loop);
}

int
main (int argc, char **argv)
{
  Made made = { NULL, NULL };
  g_autoptr (GError) error = NULL;

  gst_init (&argc, &argv);
  if (argc != 3)
    {
      g_printerr ("usage: %s DIR STAMP\n", argv[0]);
      return 2;
    }
  made.loop = g_main_loop_new (NULL, FALSE);
  exs_demo_ensure_clips_async (argv[1], NULL, on_clips_ready_cb, &made);
  g_main_loop_run (made.loop);
  g_main_loop_unref (made.loop);
  if (made.error != NULL)
    {
      g_printerr ("make-demo-clips: %s\n", made.error->message);
      g_error_free (made.error);
      return 1;
    }
  if (!g_file_set_contents (argv[2], "demo clips made\n", -1, &error))
    {
      g_printerr ("make-demo-clips: %s\n", error->message);
      return 1;
    }
  return 0;
}
