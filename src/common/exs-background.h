/* exs-background.h: work the server runs in worker threads, counted so
 * that shutdown can wait for it. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

void exs_task_run_in_thread (GTask           *task,
                             GTaskThreadFunc  func);
gboolean exs_background_wait (gint64 timeout_us);

G_END_DECLS
