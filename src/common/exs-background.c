/* exs-background.c: work the server runs in worker threads, counted so
 * that shutdown can wait for it.
 *
 * A worker still running when main() returns runs on while exit() calls
 * the libraries' destructors: a worker that loads a GStreamer plugin then
 * (an encoder probe, a playout build reading a file) makes the dynamic
 * linker run libgobject's constructor a second time ("cannot register
 * existing fundamental type 'gchar'"), and one that reads the database
 * finds it closed. Seen as a crash after "exstreamtv: stopped" in servers
 * the tests stop a few milliseconds after start. Every GTask thread the
 * server starts goes through exs_task_run_in_thread(), and the application
 * waits for them (exs_background_wait()) before it tears down.
 */
#include "config.h"

#include "exs-background.h"

static GMutex lock;
static GCond drained;
static guint running; /* under lock: started and not yet returned */

static void
background_end (void)
{
  g_mutex_lock (&lock);
  g_assert (running > 0);
  if (--running == 0)
    g_cond_broadcast (&drained);
  g_mutex_unlock (&lock);
}

/* The worker thread: the real function, then the count. */
static void
counted_thread (GTask *task, gpointer source_object, gpointer task_data, GCancellable *cancellable)
{
  GTaskThreadFunc func = (GTaskThreadFunc) g_object_get_data (G_OBJECT (task), "exs-background-func");

  func (task, source_object, task_data, cancellable);
  background_end ();
}

/**
 * exs_task_run_in_thread:
 *
 * g_task_run_in_thread(), counted from now (not from when a worker picks
 * the task up) until @func returns.
 */
void
exs_task_run_in_thread (GTask *task, GTaskThreadFunc func)
{
  g_mutex_lock (&lock);
  running++;
  g_mutex_unlock (&lock);
  g_object_set_data (G_OBJECT (task), "exs-background-func", (gpointer) func);
  g_task_run_in_thread (task, counted_thread);
}

/**
 * exs_background_wait:
 * @timeout_us: the longest wait
 *
 * Main thread, at shutdown (after cancelling what can be cancelled): runs
 * the default main context until no worker of exs_task_run_in_thread() is
 * running, or @timeout_us has passed (a worker may wait for the main loop,
 * so it keeps turning).
 *
 * Returns: whether none is running
 */
gboolean
exs_background_wait (gint64 timeout_us)
{
  gint64 deadline = g_get_monotonic_time () + timeout_us;
  gboolean done = FALSE;

  while (!done)
    {
      g_mutex_lock (&lock);
      done = running == 0;
      g_mutex_unlock (&lock);
      if (done || g_get_monotonic_time () > deadline)
        break;
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (2000);
    }
  return done;
}
