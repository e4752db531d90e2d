/* The engine's seams for the application (the ExsChannelAdmission interface, restart-wanted,
 * exs_channel_restart, pipeline-started/stopping, viewer-bytes), with the
 * real HTTP server and curl as the viewer. The resilience layer itself is
 * tested through the server in tests/app/test-supervisor.c. */
#include "config.h"

#include "exs-engine-fixture.h"

#include <string.h>

/* The admission the test plays: it refuses a start when told to, hands out
 * tickets it can watch, and counts sessions, drops and refusals. */
#define TEST_TYPE_ADMISSION (test_admission_get_type ())
G_DECLARE_FINAL_TYPE (TestAdmission, test_admission, TEST, ADMISSION, GObject)

struct _TestAdmission
{
  GObject parent_instance;
  guint starts;
  gboolean refuse_next;
  GObject *ticket;      /* weak */
  guint refused;
  guint64 viewer_session;
  guint dropped;
  ExsStreamClient last_client;
};

static void test_admission_iface_init (ExsChannelAdmissionInterface *iface);

G_DEFINE_TYPE_WITH_CODE (TestAdmission, test_admission, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (EXS_TYPE_CHANNEL_ADMISSION, test_admission_iface_init))

static void
admission_start_async (ExsChannelAdmission *admission, const char *number, gboolean prewarm,
                       GCancellable *cancellable, GAsyncReadyCallback callback, gpointer callback_data)
{
  TestAdmission *h = TEST_ADMISSION (admission);
  g_autoptr (GTask) task = g_task_new (NULL, cancellable, callback, callback_data);

  h->starts++;
  g_assert_false (prewarm);
  if (h->refuse_next)
    {
      h->refuse_next = FALSE;
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_BUSY, "no room for %s", number);
      return;
    }
  h->ticket = g_object_new (G_TYPE_OBJECT, NULL);
  g_object_add_weak_pointer (h->ticket, (gpointer *) &h->ticket);
  g_task_return_pointer (task, h->ticket, g_object_unref);
}

static GObject *
admission_start_finish (ExsChannelAdmission *admission, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static guint64
admission_open_viewer (ExsChannelAdmission *admission, const char *number, const ExsStreamRequest *request,
                       GError **error)
{
  TestAdmission *h = TEST_ADMISSION (admission);

  g_assert_cmpstr (request->address, ==, "127.0.0.1");
  g_assert_true (g_str_has_prefix (request->user_agent, "curl/"));
  h->last_client = request->client;
  return ++h->viewer_session;
}

static void
admission_viewer_dropped (ExsChannelAdmission *admission, guint64 session_id)
{
  TEST_ADMISSION (admission)->dropped++;
}

static void
admission_refuse (ExsChannelAdmission *admission, const char *number, const ExsStreamRequest *request,
                  const GError *error)
{
  g_assert_cmpstr (number, ==, "31");
  TEST_ADMISSION (admission)->refused++;
  soup_server_message_set_status (request->msg, 503, NULL);
  soup_server_message_set_response (request->msg, "text/plain", SOUP_MEMORY_COPY, error->message,
                                    strlen (error->message));
}

static void
test_admission_iface_init (ExsChannelAdmissionInterface *iface)
{
  iface->start_async = admission_start_async;
  iface->start_finish = admission_start_finish;
  iface->open_viewer = admission_open_viewer;
  iface->viewer_dropped = admission_viewer_dropped;
  iface->refuse = admission_refuse;
}

static void
test_admission_class_init (TestAdmissionClass *klass)
{
}

static void
test_admission_init (TestAdmission *self)
{
}

typedef struct
{
  guint pipelines_started;
  guint pipelines_stopping;
  guint restarts_wanted;
  guint64 bytes;
  guint64 session_seen;
  GObject *pipelines[4]; /* weak: every pipeline must be finalized once stopped */
} Seen;

static void
on_pipeline_started_cb (ExsChannel *c, GstElement *pipeline, GstPad *output, GstPad *video, Seen *seen)
{
  g_assert_true (GST_IS_PIPELINE (pipeline));
  g_assert_true (GST_IS_PAD (output));
  g_assert_cmpuint (seen->pipelines_started, <, G_N_ELEMENTS (seen->pipelines));
  seen->pipelines[seen->pipelines_started] = G_OBJECT (pipeline);
  g_object_add_weak_pointer (G_OBJECT (pipeline), (gpointer *) &seen->pipelines[seen->pipelines_started]);
  seen->pipelines_started++;
}

static void
on_pipeline_stopping_cb (ExsChannel *c, GstElement *pipeline, Seen *seen)
{
  seen->pipelines_stopping++;
}

static void
on_viewer_bytes_cb (ExsChannel *c, ExsViewer *viewer, guint64 bytes, Seen *seen)
{
  g_assert_cmpuint (bytes, >, 0);
  seen->bytes += bytes;
  seen->session_seen = exs_viewer_get_session_id (viewer);
}

static void
test_admission_and_supervised_restart (void)
{
  const char *const overrides[] = { "channels", "linger_seconds", "0", NULL };
  g_autoptr (ExsEngineFixture) f = exs_engine_fixture_new (overrides);
  g_autofree char *clip = g_build_filename (f->dir, "clip.mp4", NULL);
  g_autofree char *desc = exs_test_clip_description ("ball", 854, 480, 30, 48000, 2, 30.0, "mp4", clip);
  const char *paths[] = { clip, NULL };
  const gint64 durations[] = { 30 * G_USEC_PER_SEC };
  g_autofree char *url = NULL;
  g_autoptr (GSubprocess) viewer = NULL;
  g_autoptr (TestAdmission) admission = g_object_new (TEST_TYPE_ADMISSION, NULL);
  TestAdmission *h = admission;
  Seen seen = { 0 };
  ExsChannel *channel;
  guint64 bytes_before;

  exs_test_make_media (desc, clip);
  exs_engine_fixture_add_channel (f, "31", TRUE);
  exs_file_list_source_set_channel (f->source, "31", paths, durations, g_get_real_time ());
  admission->refuse_next = TRUE;
  exs_channel_manager_set_admission (f->manager, EXS_CHANNEL_ADMISSION (admission));
  url = exs_engine_fixture_url (f, "31");

  /* refused: the refuse hook answers, nothing runs */
  {
    const char *argv[] = { "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", url, NULL };
    g_autofree char *out = NULL;

    g_assert_cmpint (exs_test_run_async (argv, &out), ==, 0);
    g_assert_cmpstr (out, ==, "503");
  }
  g_assert_cmpuint (h->starts, ==, 1);
  g_assert_cmpuint (h->refused, ==, 1);
  g_assert_null (exs_channel_manager_get_channel (f->manager, "31"));

  /* admitted: the ticket lives while the channel runs */
  {
    const char *argv[] = { "curl", "-s", "-o", "/dev/null", "--max-time", "30", url, NULL };
    viewer = exs_test_spawn (argv);
  }
  while ((channel = exs_channel_manager_get_channel (f->manager, "31")) == NULL
         || exs_channel_get_n_viewers (channel) == 0)
    exs_test_iterate (0.1);
  g_assert_cmpuint (h->starts, ==, 2);
  g_assert_nonnull (h->ticket);
  exs_channel_set_self_restart (channel, FALSE);
  g_signal_connect (channel, "pipeline-started", G_CALLBACK (on_pipeline_started_cb), &seen);
  g_signal_connect (channel, "pipeline-stopping", G_CALLBACK (on_pipeline_stopping_cb), &seen);
  g_signal_connect (channel, "viewer-bytes", G_CALLBACK (on_viewer_bytes_cb), &seen);
  for (gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
       seen.bytes == 0 && g_get_monotonic_time () < deadline;)
    exs_test_iterate (0.1);
  g_assert_cmpuint (seen.bytes, >, 0);
  g_assert_cmpuint (seen.session_seen, ==, h->viewer_session);

  /* a restart on request: a new pipeline, the viewer stays and keeps getting bytes */
  exs_channel_restart (channel, "test");
  g_assert_cmpuint (seen.pipelines_stopping, ==, 1);
  g_assert_cmpuint (seen.pipelines_started, ==, 1);
  bytes_before = seen.bytes;
  for (gint64 deadline = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
       seen.bytes <= bytes_before && g_get_monotonic_time () < deadline;)
    exs_test_iterate (0.1);
  g_assert_cmpuint (exs_channel_get_n_viewers (channel), ==, 1);
  g_assert_cmpuint (seen.bytes, >, bytes_before);
  g_assert_nonnull (h->ticket);

  /* the viewer leaves, the channel stops (linger 0), the ticket is dropped */
  g_subprocess_force_exit (viewer);
  exs_test_wait (viewer);
  for (guint i = 0; i < 50 && h->ticket != NULL; i++)
    exs_test_iterate (0.1);
  g_assert_null (h->ticket);
  g_assert_null (exs_channel_manager_get_channel (f->manager, "31"));
  g_assert_cmpuint (h->dropped, ==, 0); /* it reached its channel: its session ends with viewer-removed */
  g_assert_cmpint (h->last_client, ==, EXS_STREAM_CLIENT_IPTV); /* the typed request reached the admission */

  /* nothing of a stopped pipeline stays behind: its elements, threads and
   * sockets go with it (a 24/7 server starts and stops channels all day) */
  for (guint i = 0; i < 50 && (seen.pipelines[0] || seen.pipelines[1]); i++)
    exs_test_iterate (0.1);
  g_assert_null (seen.pipelines[0]);
  g_assert_null (seen.pipelines[1]);
  exs_channel_manager_set_admission (f->manager, NULL);
}

/* Every element a channel's pipeline ever held, items included. Elements
 * are added from streaming threads (decodebins), hence the lock. */
typedef struct
{
  GMutex lock;
  GPtrArray *elements; /* GWeakRef* */
} Tracked;

static void
track (Tracked *t, GstElement *element)
{
  GWeakRef *ref = g_new0 (GWeakRef, 1);

  g_weak_ref_init (ref, element);
  g_mutex_lock (&t->lock);
  g_ptr_array_add (t->elements, ref);
  g_mutex_unlock (&t->lock);
}

static void
on_deep_element_added_cb (GstBin *pipeline, GstBin *bin, GstElement *element, Tracked *t)
{
  track (t, element);
}

static void
on_tracked_pipeline_started_cb (ExsChannel *c, GstElement *pipeline, GstPad *output, GstPad *video, Tracked *t)
{
  g_autoptr (GstIterator) it = gst_bin_iterate_recurse (GST_BIN (pipeline));
  GValue v = G_VALUE_INIT;

  track (t, pipeline);
  while (gst_iterator_next (it, &v) == GST_ITERATOR_OK)
    {
      track (t, g_value_get_object (&v));
      g_value_reset (&v);
    }
  g_value_unset (&v);
  g_signal_connect (pipeline, "deep-element-added", G_CALLBACK (on_deep_element_added_cb), t);
}

static guint
n_alive (Tracked *t)
{
  guint n = 0;

  g_mutex_lock (&t->lock);
  for (guint i = 0; i < t->elements->len; i++)
    {
      g_autoptr (GObject) o = g_weak_ref_get (t->elements->pdata[i]);
      if (o != NULL)
        {
          g_test_message ("still alive: %s", GST_OBJECT_NAME (o));
          n++;
        }
    }
  g_mutex_unlock (&t->lock);
  return n;
}

static void
weak_ref_free (GWeakRef *ref)
{
  g_weak_ref_clear (ref);
  g_free (ref);
}

/* Items come and go every 1.5 s, a restart replaces the pipeline, the last
 * viewer leaves: afterwards nothing of the pipeline is left — no element,
 * no item, so no thread, socket or buffer either. */
static void
test_stop_frees_everything (void)
{
  const char *const overrides[] = { "channels", "linger_seconds", "0", NULL };
  g_autoptr (ExsEngineFixture) f = exs_engine_fixture_new (overrides);
  g_autofree char *a = g_build_filename (f->dir, "a.mp4", NULL);
  g_autofree char *b = g_build_filename (f->dir, "b.mkv", NULL);
  g_autofree char *da = exs_test_clip_description ("ball", 640, 360, 25, 44100, 1, 1.5, "mp4", a);
  g_autofree char *db = exs_test_clip_description ("smpte", 1280, 720, 30, 48000, 2, 1.5, "mkv", b);
  const char *paths[] = { a, b, NULL };
  const gint64 durations[] = { 3 * G_USEC_PER_SEC / 2, 3 * G_USEC_PER_SEC / 2 };
  g_autofree char *url = NULL;
  g_autoptr (GSubprocess) viewer = NULL;
  Tracked t = { .elements = g_ptr_array_new_with_free_func ((GDestroyNotify) weak_ref_free) };
  ExsChannel *channel;

  g_mutex_init (&t.lock);
  exs_test_make_media (da, a);
  exs_test_make_media (db, b);
  exs_engine_fixture_add_channel (f, "32", TRUE);
  exs_file_list_source_set_channel (f->source, "32", paths, durations, g_get_real_time ());
  url = exs_engine_fixture_url (f, "32");
  {
    const char *argv[] = { "curl", "-s", "-o", "/dev/null", "--max-time", "30", url, NULL };
    viewer = exs_test_spawn (argv);
  }
  while ((channel = exs_channel_manager_get_channel (f->manager, "32")) == NULL
         || exs_channel_get_n_viewers (channel) == 0)
    exs_test_iterate (0.1);
  g_signal_connect (channel, "pipeline-started", G_CALLBACK (on_tracked_pipeline_started_cb), &t);
  exs_channel_restart (channel, "test");
  exs_test_iterate (6.0); /* four items on, four retired */
  g_assert_cmpuint (exs_channel_get_n_viewers (channel), ==, 1);

  g_subprocess_force_exit (viewer);
  exs_test_wait (viewer);
  for (guint i = 0; i < 50 && exs_channel_manager_get_channel (f->manager, "32") != NULL; i++)
    exs_test_iterate (0.1);
  g_assert_null (exs_channel_manager_get_channel (f->manager, "32"));
  /* retired items stop on GStreamer's thread pool: give them a moment */
  for (guint i = 0; i < 50 && n_alive (&t) > 0; i++)
    exs_test_iterate (0.1);
  g_assert_cmpuint (t.elements->len, >, 40); /* the pipeline and several items were tracked */
  g_assert_cmpuint (n_alive (&t), ==, 0);
  g_ptr_array_unref (t.elements);
  g_mutex_clear (&t.lock);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gst_init (&argc, &argv);
  g_test_add_func ("/streaming/engine-hooks/admission-and-supervised-restart", test_admission_and_supervised_restart);
  g_test_add_func ("/streaming/engine-hooks/stop-frees-everything", test_stop_frees_everything);
  return g_test_run ();
}
