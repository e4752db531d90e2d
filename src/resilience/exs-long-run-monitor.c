/* exs-long-run-monitor.c: ExsLongRunMonitor, leaks nobody would see.
 *
 * EXStreamTV 2.6's collect_system_metrics_task and
 * _update_long_run_baseline_and_detect_leaks. Made by ExsApplication; every
 * sample_interval_seconds (30) it records RSS (/proc/self/statm), open file
 * descriptors and running pipelines (the pool's in_use), keeping the last
 * sample_count (20, ten minutes). When RSS stays more than leak_threshold_mb
 * (100) above the lowest sample of the window, it enters containment mode.
 * Three refinements keep normal life from looking like a leak: nothing is
 * judged until a whole window has passed after the first (start-up — plugin
 * registry, playout builds, demo encoding — is not a leak); growth is
 * measured only against samples that ran at least as many pipelines (a
 * channel start legitimately adds ~100 MB for its encoder); and it is the
 * floor of the newest fifth of the window (4 samples, two minutes) that must
 * have risen, not one sample: the C library's arenas swing RSS by 100–200 MB
 * for a minute or two while channels start, stop and retire items (seen in
 * the 2 h soak), where a leak raises the floor and keeps it there. In containment it is
 * logged ("Long-run leak detection: RSS increased ~X MB - containment mode",
 * the seeds' line), exported (exstreamtv_containment_mode) and passed to the
 * pool, which then admits only always-on (prewarm) starts. It clears when the
 * growth falls below half the threshold. It also keeps the process gauges of
 * /metrics (RSS, FDs) current at every scrape.
 */
#include "config.h"

#include "exs-long-run-monitor.h"

#include "exs-memory.h"
#include "exs-system-stats.h"

typedef struct
{
  gint64 at_us;
  guint64 rss;
  guint fds;
  guint pipelines;
} Sample;

struct _ExsLongRunMonitor
{
  GObject parent_instance;

  guint interval_s;
  guint max_samples;
  guint64 taken; /* samples taken since start */
  guint64 threshold;
  ExsPipelinePool *pool; /* nullable */
  ExsMetrics *metrics;   /* nullable */
  GArray *samples;       /* Sample, oldest first */
  gboolean containment;
  guint64 growth;
  guint timer_id;
};

G_DEFINE_TYPE (ExsLongRunMonitor, exs_long_run_monitor, G_TYPE_OBJECT)

static void collect_metrics (ExsMetrics *metrics, gpointer user_data);

static void
exs_long_run_monitor_dispose (GObject *object)
{
  ExsLongRunMonitor *self = EXS_LONG_RUN_MONITOR (object);

  exs_long_run_monitor_stop (self);
  if (self->metrics)
    exs_metrics_remove_collector (self->metrics, collect_metrics, self);
  g_clear_object (&self->metrics);
  g_clear_object (&self->pool);
  G_OBJECT_CLASS (exs_long_run_monitor_parent_class)->dispose (object);
}

static void
exs_long_run_monitor_finalize (GObject *object)
{
  g_array_unref (EXS_LONG_RUN_MONITOR (object)->samples);
  G_OBJECT_CLASS (exs_long_run_monitor_parent_class)->finalize (object);
}

static void
exs_long_run_monitor_class_init (ExsLongRunMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = exs_long_run_monitor_dispose;
  object_class->finalize = exs_long_run_monitor_finalize;
}

static void
exs_long_run_monitor_init (ExsLongRunMonitor *self)
{
  self->samples = g_array_new (FALSE, FALSE, sizeof (Sample));
}

/**
 * exs_long_run_monitor_new:
 * @sample_interval_seconds: 0 for no timer (call exs_long_run_monitor_sample())
 *
 * Returns: (transfer full): a monitor
 */
ExsLongRunMonitor *
exs_long_run_monitor_new (guint sample_interval_seconds, guint sample_count, guint64 leak_threshold_bytes)
{
  ExsLongRunMonitor *self = g_object_new (EXS_TYPE_LONG_RUN_MONITOR, NULL);

  self->interval_s = sample_interval_seconds;
  self->max_samples = MAX (sample_count, 2);
  self->threshold = leak_threshold_bytes;
  return self;
}

/**
 * exs_long_run_monitor_new_from_config:
 *
 * Returns: (transfer full): a monitor configured from [health]
 */
ExsLongRunMonitor *
exs_long_run_monitor_new_from_config (ExsConfig *config)
{
  return exs_long_run_monitor_new ((guint) exs_config_get_int (config, "health", "sample_interval_seconds"),
                                   (guint) exs_config_get_int (config, "health", "sample_count"),
                                   (guint64) exs_config_get_int (config, "health", "leak_threshold_mb") * 1024 * 1024);
}

void
exs_long_run_monitor_set_pool (ExsLongRunMonitor *self, ExsPipelinePool *pool)
{
  g_set_object (&self->pool, pool);
}

void
exs_long_run_monitor_set_metrics (ExsLongRunMonitor *self, ExsMetrics *metrics)
{
  if (self->metrics)
    exs_metrics_remove_collector (self->metrics, collect_metrics, self);
  g_set_object (&self->metrics, metrics);
  if (metrics == NULL)
    return;
  exs_metrics_declare (metrics, "exstreamtv_process_resident_memory_bytes", EXS_METRIC_GAUGE,
                       "Resident memory of the server.");
  exs_metrics_declare (metrics, "exstreamtv_process_open_fds", EXS_METRIC_GAUGE, "Open file descriptors.");
  exs_metrics_declare (metrics, "exstreamtv_process_max_fds", EXS_METRIC_GAUGE, "The file descriptor limit.");
  exs_metrics_declare (metrics, "exstreamtv_containment_mode", EXS_METRIC_GAUGE,
                       "1 while the long-run monitor holds the server in containment mode.");
  exs_metrics_declare (metrics, "exstreamtv_long_run_rss_growth_bytes", EXS_METRIC_GAUGE,
                       "RSS growth over the long-run window (lowest of the newest fifth minus the lowest).");
  exs_metrics_add_collector (metrics, collect_metrics, self);
}

static void
collect_metrics (ExsMetrics *metrics, gpointer user_data)
{
  ExsLongRunMonitor *self = user_data;

  exs_metrics_gauge_set (metrics, "exstreamtv_process_resident_memory_bytes", NULL, NULL,
                         (double) exs_system_read_rss_bytes ());
  exs_metrics_gauge_set (metrics, "exstreamtv_process_open_fds", NULL, NULL, exs_system_count_open_fds ());
  exs_metrics_gauge_set (metrics, "exstreamtv_process_max_fds", NULL, NULL, (double) exs_system_fd_limit ());
  exs_metrics_gauge_set (metrics, "exstreamtv_containment_mode", NULL, NULL, self->containment);
  exs_metrics_gauge_set (metrics, "exstreamtv_long_run_rss_growth_bytes", NULL, NULL, (double) self->growth);
}

/* The lowest of the newest fifth of the window against the lowest of the
 * window that ran at least as many pipelines as that sample did. */
static guint64
measure_growth (ExsLongRunMonitor *self)
{
  guint n_recent = MAX (1, self->max_samples / 5);
  const Sample *floor = NULL;
  guint64 lowest;

  for (guint i = self->samples->len - MIN (n_recent, self->samples->len); i < self->samples->len; i++)
    {
      const Sample *o = &g_array_index (self->samples, Sample, i);
      if (floor == NULL || o->rss < floor->rss)
        floor = o;
    }
  lowest = floor->rss;
  for (guint i = 0; i < self->samples->len; i++)
    {
      const Sample *o = &g_array_index (self->samples, Sample, i);
      if (o->pipelines >= floor->pipelines)
        lowest = MIN (lowest, o->rss);
    }
  return floor->rss - lowest;
}

/* Takes one sample now and updates containment. */
void
exs_long_run_monitor_sample (ExsLongRunMonitor *self)
{
  Sample s = { g_get_monotonic_time (), exs_system_read_rss_bytes (), exs_system_count_open_fds (),
               self->pool ? exs_pipeline_pool_get_in_use (self->pool) : 0 };

  g_array_append_val (self->samples, s);
  if (self->samples->len > self->max_samples)
    g_array_remove_range (self->samples, 0, self->samples->len - self->max_samples);
  self->growth = measure_growth (self);
  if (self->growth > self->threshold || self->containment)
    {
      /* Memory the C library holds free is not a leak: give it back and
       * look again. Without this a false alarm never cleared — nothing may
       * start in containment, so nothing stops and frees either (seen:
       * every tune refused for the rest of a reliability run). */
      exs_memory_give_back ();
      g_array_index (self->samples, Sample, self->samples->len - 1).rss = exs_system_read_rss_bytes ();
      self->growth = measure_growth (self);
    }
  /* Warming up: the first window is start-up, and only a window made
   * entirely of later samples is judged. */
  if (++self->taken < 2 * (guint64) self->max_samples)
    return;

  if (!self->containment && self->growth > self->threshold)
    {
      g_autofree char *reason = g_strdup_printf ("RSS grew by %" G_GUINT64_FORMAT " MB within %u samples",
                                                 self->growth / (1024 * 1024), self->samples->len);
      self->containment = TRUE;
      g_warning ("Long-run leak detection: RSS increased ~%" G_GUINT64_FORMAT "mb - containment mode "
                 "(only always-on channels may start until it clears)",
                 self->growth / (1024 * 1024));
      if (self->pool)
        exs_pipeline_pool_set_containment (self->pool, TRUE, reason);
    }
  else if (self->containment && self->growth < self->threshold / 2)
    {
      self->containment = FALSE;
      g_message ("Long-run leak detection: RSS growth back to ~%" G_GUINT64_FORMAT "mb - containment mode over",
                 self->growth / (1024 * 1024));
      if (self->pool)
        exs_pipeline_pool_set_containment (self->pool, FALSE, NULL);
    }
  g_debug ("long-run sample: RSS %" G_GUINT64_FORMAT " MB, %u FDs, %u pipelines", s.rss / (1024 * 1024), s.fds,
           s.pipelines);
}

static gboolean
on_sample_timeout_cb (gpointer user_data)
{
  exs_long_run_monitor_sample (user_data);
  return G_SOURCE_CONTINUE;
}

void
exs_long_run_monitor_start (ExsLongRunMonitor *self)
{
  if (self->timer_id == 0 && self->interval_s > 0)
    {
      exs_long_run_monitor_sample (self);
      self->timer_id = g_timeout_add_seconds (self->interval_s, on_sample_timeout_cb, self);
    }
}

void
exs_long_run_monitor_stop (ExsLongRunMonitor *self)
{
  g_clear_handle_id (&self->timer_id, g_source_remove);
}

gboolean
exs_long_run_monitor_get_containment (ExsLongRunMonitor *self)
{
  return self->containment;
}

/**
 * exs_long_run_monitor_dup_json:
 *
 * Returns: (transfer full): {"containment_mode", "rss_growth_bytes",
 *   "samples": [{"age_seconds", "rss_bytes", "open_fds", "pipelines"}]}
 */
JsonObject *
exs_long_run_monitor_dup_json (ExsLongRunMonitor *self)
{
  JsonObject *o = json_object_new ();
  JsonArray *arr = json_array_new ();
  gint64 now = g_get_monotonic_time ();

  for (guint i = 0; i < self->samples->len; i++)
    {
      Sample *s = &g_array_index (self->samples, Sample, i);
      JsonObject *so = json_object_new ();
      json_object_set_double_member (so, "age_seconds", (now - s->at_us) / (double) G_USEC_PER_SEC);
      json_object_set_int_member (so, "rss_bytes", (gint64) s->rss);
      json_object_set_int_member (so, "open_fds", s->fds);
      json_object_set_int_member (so, "pipelines", s->pipelines);
      json_array_add_object_element (arr, so);
    }
  json_object_set_boolean_member (o, "containment_mode", self->containment);
  json_object_set_int_member (o, "rss_growth_bytes", (gint64) self->growth);
  json_object_set_int_member (o, "leak_threshold_bytes", (gint64) self->threshold);
  json_object_set_array_member (o, "samples", arr);
  return o;
}
