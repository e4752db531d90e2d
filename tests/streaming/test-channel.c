/* ExsChannel as a GObject: its state is a registered enum property whose
 * notify::state follows every transition, and its modes are enums parsed once
 * from the option strings into the pipeline they choose. Real channels, real
 * pipelines; the playout is a file list (a missing file, or none at all). */
#include "config.h"

#include "exs-channel.h"
#include "exs-file-list-source.h"

#include <gio/gio.h>
#include <gst/gst.h>
#include <string.h>

#define DEADLINE_US (60 * G_USEC_PER_SEC)

typedef struct
{
  GArray *seen; /* ExsChannelState, in the order notify::state reported them */
} States;

static void
on_state_cb (ExsChannel *channel, GParamSpec *pspec, States *states)
{
  ExsChannelState state;

  g_assert_cmpstr (g_param_spec_get_name (pspec), ==, "state");
  g_object_get (channel, "state", &state, NULL);
  g_assert_cmpint (state, ==, exs_channel_get_state (channel));
  g_array_append_val (states->seen, state);
}

static gboolean
seen (States *states, ExsChannelState state)
{
  for (guint i = 0; i < states->seen->len; i++)
    if (g_array_index (states->seen, ExsChannelState, i) == state)
      return TRUE;
  return FALSE;
}

static ExsChannel *
new_channel (ExsPlayoutSource *source, const char *number, const ExsChannelOptions *options)
{
  ExsChannelProfile profile;

  exs_channel_profile_from_name ("480p", &profile);
  profile.fps = 10; /* this test watches states, not pictures: keep the CPU for the others */
  return exs_channel_new (number, &profile, options, source);
}

static void
test_state_is_enum (void)
{
  GObjectClass *klass = g_type_class_ref (EXS_TYPE_CHANNEL);
  GParamSpec *pspec = g_object_class_find_property (klass, "state");
  GEnumClass *states = g_type_class_ref (EXS_TYPE_CHANNEL_STATE);
  static const char *const nicks[] = { "stopped", "starting", "programme", "error-screen", "offline" };

  g_assert_nonnull (pspec);
  g_assert_true (G_IS_PARAM_SPEC_ENUM (pspec));
  g_assert_true (G_PARAM_SPEC_VALUE_TYPE (pspec) == EXS_TYPE_CHANNEL_STATE);
  g_assert_cmpint (G_PARAM_SPEC_ENUM (pspec)->default_value, ==, EXS_CHANNEL_STOPPED);
  g_assert_true (pspec->flags & G_PARAM_READABLE);
  g_assert_false (pspec->flags & G_PARAM_WRITABLE);
  g_assert_cmpuint (states->n_values, ==, G_N_ELEMENTS (nicks));
  for (guint i = 0; i < G_N_ELEMENTS (nicks); i++)
    {
      GEnumValue *v = g_enum_get_value_by_nick (states, nicks[i]);

      g_assert_nonnull (v);
      g_assert_cmpint (v->value, ==, (int) i);
      /* the strings the API and the logs use are the enum's nicks */
      g_assert_cmpstr (exs_channel_state_to_string (v->value), ==, nicks[i]);
    }
  g_type_class_unref (states);
  g_type_class_unref (klass);
}

static void
test_mode_nicks (void)
{
  static const struct
  {
    GType (*get_type) (void);
    const char *nicks[5];
  } modes[] = {
    /* what the API reports as "pipeline" */
    { exs_channel_pipeline_mode_get_type, { "encoding", "remux" } },
    /* the channels table's transcode_mode values */
    { exs_channel_transcode_mode_get_type, { "auto", "transcode", "remux" } },
    /* the values exs-settings.c allows for error_screen.* and stream_throttler.mode */
    { exs_channel_visual_mode_get_type, { "text", "static", "test_pattern", "slate" } },
    { exs_channel_audio_mode_get_type, { "silent", "sine_wave", "white_noise", "beep" } },
    { exs_channel_throttle_mode_get_type, { "realtime", "burst", "adaptive", "disabled" } },
  };

  for (guint m = 0; m < G_N_ELEMENTS (modes); m++)
    {
      GEnumClass *klass = g_type_class_ref (modes[m].get_type ());
      guint n = 0;

      g_assert_true (G_TYPE_IS_ENUM (modes[m].get_type ()));
      for (; n < G_N_ELEMENTS (modes[m].nicks) && modes[m].nicks[n]; n++)
        {
          GEnumValue *v = g_enum_get_value_by_nick (klass, modes[m].nicks[n]);
          g_assert_nonnull (v);
          g_assert_cmpint (v->value, ==, (int) n);
        }
      g_assert_cmpuint (klass->n_values, ==, n);
      g_type_class_unref (klass);
    }
  g_assert_cmpint (exs_channel_transcode_mode_from_string ("remux"), ==, EXS_CHANNEL_TRANSCODE_REMUX);
  g_assert_cmpint (exs_channel_transcode_mode_from_string ("auto"), ==, EXS_CHANNEL_TRANSCODE_AUTO);
  g_assert_cmpint (exs_channel_transcode_mode_from_string ("transcode"), ==, EXS_CHANNEL_TRANSCODE_TRANSCODE);
  g_assert_cmpint (exs_channel_transcode_mode_from_string (NULL), ==, EXS_CHANNEL_TRANSCODE_TRANSCODE);
  g_assert_cmpint (exs_channel_transcode_mode_from_string ("REMUX"), ==, EXS_CHANNEL_TRANSCODE_TRANSCODE);
  g_assert_cmpstr (exs_channel_pipeline_mode_to_string (EXS_CHANNEL_PIPELINE_ENCODING), ==, "encoding");
  g_assert_cmpstr (exs_channel_pipeline_mode_to_string (EXS_CHANNEL_PIPELINE_REMUX), ==, "remux");
}

/* A channel whose only file is missing: stopped → starting on start, the
 * error screen once the item fails (on the main loop, later), stopped again
 * on stop — each announced by notify::state. */
static void
test_notify_state (void)
{
  g_autoptr (ExsFileListSource) source = exs_file_list_source_new ();
  g_autofree char *missing = g_build_filename (g_get_tmp_dir (), "exs-test-channel-no-such-file.mp4", NULL);
  const char *const paths[] = { missing, NULL };
  const gint64 durations[] = { 600 * G_USEC_PER_SEC };
  ExsChannelOptions options = { .name = "Notify" };
  g_autoptr (ExsChannel) channel = NULL;
  g_autoptr (GError) error = NULL;
  States states = { g_array_new (FALSE, FALSE, sizeof (ExsChannelState)) };
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;

  exs_file_list_source_set_channel (source, "41", paths, durations, g_get_real_time ());
  channel = new_channel (EXS_PLAYOUT_SOURCE (source), "41", &options);
  g_signal_connect (channel, "notify::state", G_CALLBACK (on_state_cb), &states);
  g_assert_cmpint (exs_channel_get_state (channel), ==, EXS_CHANNEL_STOPPED);

  g_assert_true (exs_channel_start (channel, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (states.seen->len, >=, 1);
  g_assert_cmpint (g_array_index (states.seen, ExsChannelState, 0), ==, EXS_CHANNEL_STARTING);

  while (!seen (&states, EXS_CHANNEL_ERROR_SCREEN) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (seen (&states, EXS_CHANNEL_ERROR_SCREEN));
  g_assert_false (seen (&states, EXS_CHANNEL_PROGRAMME));

  g_array_set_size (states.seen, 0);
  exs_channel_stop (channel);
  g_assert_cmpuint (states.seen->len, ==, 1);
  g_assert_cmpint (g_array_index (states.seen, ExsChannelState, 0), ==, EXS_CHANNEL_STOPPED);

  /* no change, no notification */
  exs_channel_stop (channel);
  g_assert_cmpuint (states.seen->len, ==, 1);
  g_array_unref (states.seen);
}

typedef struct
{
  guint retry[3]; /* "retrying … (n)" messages seen, per n */
  guint failed;   /* "… failed: …" messages */
} Retries;

static void
on_streaming_message_cb (const char *domain, GLogLevelFlags level, const char *message, gpointer user_data)
{
  Retries *r = user_data;

  if (strstr (message, " failed: ") != NULL)
    r->failed++;
  if (strstr (message, ": retrying ") != NULL)
    for (guint n = 1; n < G_N_ELEMENTS (r->retry); n++)
      {
        g_autofree char *tail = g_strdup_printf (" (%u)", n);
        if (g_str_has_suffix (message, tail))
          r->retry[n]++;
      }
  g_log_default_handler (domain, level, message, NULL);
}

/* A failed item is retried once per failure: its retry starts 0.2 s after it
 * is added, and until then the tick still finds the failed item on the air —
 * which must not add a second retry with the same count. */
static void
test_one_retry_per_failure (void)
{
  g_autoptr (ExsFileListSource) source = exs_file_list_source_new ();
  g_autofree char *missing = g_build_filename (g_get_tmp_dir (), "exs-test-channel-retried-file.mp4", NULL);
  const char *const paths[] = { missing, NULL };
  const gint64 durations[] = { 600 * G_USEC_PER_SEC };
  ExsChannelOptions options = { .name = "Retries" };
  g_autoptr (ExsChannel) channel = NULL;
  g_autoptr (GError) error = NULL;
  Retries r = { { 0 } };
  gint64 deadline = g_get_monotonic_time () + DEADLINE_US;
  guint handler = g_log_set_handler ("exs-streaming", G_LOG_LEVEL_MESSAGE, on_streaming_message_cb, &r);

  exs_file_list_source_set_channel (source, "42", paths, durations, g_get_real_time ());
  channel = new_channel (EXS_PLAYOUT_SOURCE (source), "42", &options);
  g_assert_true (exs_channel_start (channel, &error));
  g_assert_no_error (error);
  /* the item and its two retries fail (a missing file fails at once); a
   * duplicate retry would be one of those three failures */
  while (r.failed < 3 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (r.retry[1], ==, 1);
  g_assert_cmpuint (r.retry[2], ==, 1);
  exs_channel_stop (channel);
  g_log_remove_handler ("exs-streaming", handler);
}

/* The first element made by @factory in @pipeline (transfer full), or NULL. */
static GstElement *
find_by_factory (GstElement *pipeline, const char *factory)
{
  g_autoptr (GstIterator) it = gst_bin_iterate_recurse (GST_BIN (pipeline));
  GValue value = G_VALUE_INIT;
  GstElement *found = NULL;

  while (found == NULL && gst_iterator_next (it, &value) == GST_ITERATOR_OK)
    {
      GstElement *e = g_value_get_object (&value);
      GstElementFactory *f = gst_element_get_factory (e);

      if (f && g_str_equal (GST_OBJECT_NAME (f), factory))
        found = gst_object_ref (e);
      g_value_reset (&value);
    }
  g_value_unset (&value);
  return found;
}

/* The first @factory element of @channel's pipeline has @nick as the value
 * of its enum property @property. */
static void
assert_enum_nick (ExsChannel *channel, const char *factory, const char *property, const char *nick)
{
  g_autoptr (GstElement) element = find_by_factory (exs_channel_get_pipeline (channel), factory);
  GValue value = G_VALUE_INIT;
  GParamSpec *pspec;
  GEnumValue *v;

  g_assert_nonnull (element);
  pspec = g_object_class_find_property (G_OBJECT_GET_CLASS (element), property);
  g_assert_true (G_IS_PARAM_SPEC_ENUM (pspec));
  g_value_init (&value, G_PARAM_SPEC_VALUE_TYPE (pspec));
  g_object_get_property (G_OBJECT (element), property, &value);
  v = g_enum_get_value (G_PARAM_SPEC_ENUM (pspec)->enum_class, g_value_get_enum (&value));
  g_assert_nonnull (v);
  g_assert_cmpstr (v->value_nick, ==, nick);
  g_value_unset (&value);
}

/* The mode strings of the options choose the slate's picture and sound and
 * how the sink starts a viewer; an unknown string is the default. */
static void
test_modes_choose_pipeline (void)
{
  static const struct
  {
    const char *visual, *audio, *throttle;
    const char *pattern, *wave, *sync_method;
  } cases[] = {
    { "test_pattern", "sine_wave", "burst", "smpte", "sine", "burst-keyframe" },
    { "static", "white_noise", "realtime", "snow", "white-noise", "latest-keyframe" },
    { "slate", "beep", "adaptive", "black", "ticks", "latest-keyframe" },
    { NULL, NULL, NULL, "solid-color", "silence", "latest-keyframe" },
    { "no-such-mode", "loud", "warp", "solid-color", "silence", "latest-keyframe" },
  };
  g_autoptr (ExsFileListSource) source = exs_file_list_source_new ();

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      ExsChannelOptions options = {
        .visual_mode = cases[i].visual, .audio_mode = cases[i].audio, .throttle_mode = cases[i].throttle
      };
      g_autoptr (ExsChannel) channel = new_channel (EXS_PLAYOUT_SOURCE (source), "42", &options);
      g_autoptr (GError) error = NULL;

      g_test_message ("visual %s, audio %s, throttle %s", cases[i].visual ? cases[i].visual : "(default)",
                      cases[i].audio ? cases[i].audio : "(default)",
                      cases[i].throttle ? cases[i].throttle : "(default)");
      g_assert_true (exs_channel_start (channel, &error));
      g_assert_no_error (error);
      /* no playout for 42: the offline screen, at once */
      g_assert_cmpint (exs_channel_get_state (channel), ==, EXS_CHANNEL_OFFLINE);
      g_assert_cmpint (exs_channel_get_pipeline_mode (channel), ==, EXS_CHANNEL_PIPELINE_ENCODING);
      assert_enum_nick (channel, "videotestsrc", "pattern", cases[i].pattern);
      assert_enum_nick (channel, "audiotestsrc", "wave", cases[i].wave);
      assert_enum_nick (channel, "multisocketsink", "sync-method", cases[i].sync_method);
      exs_channel_stop (channel);
    }
}

int
main (int argc, char **argv)
{
  gst_init (&argc, &argv);
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/streaming/channel/state-is-enum", test_state_is_enum);
  g_test_add_func ("/streaming/channel/mode-nicks", test_mode_nicks);
  g_test_add_func ("/streaming/channel/notify-state", test_notify_state);
  g_test_add_func ("/streaming/channel/modes-choose-pipeline", test_modes_choose_pipeline);
  g_test_add_func ("/streaming/channel/one-retry-per-failure", test_one_retry_per_failure);
  return g_test_run ();
}
