/* exs-metrics.c: ExsMetrics, the process's numbers.
 *
 * One instance, made by ExsApplication and handed (borrowed) to whoever counts
 * something: the pipeline pool, the restart guard, the session manager, the
 * engine (streams started/succeeded/failed), the HTTP layer (tune and first
 * byte timings), the scheduler (playout and guide build timings).
 *
 * Counters and gauges carry at most one label (channel, reason, state), which
 * is all our series need, and are written as Prometheus text 0.0.4 for
 * /metrics. Timings go to exs_metrics_observe(): each named operation keeps
 * its last samples (bounded) with the time they were taken, so
 * /metrics/performance can give p50/p95/p99 over any recent window, and
 * /metrics exposes them as a summary. Every entry point takes the lock, so
 * worker threads may count and observe too.
 */
#include "config.h"

#include "exs-metrics.h"

#include <math.h>
#include <string.h>

#define MAX_SAMPLES_PER_OPERATION 4096
#define OPERATION_METRIC "exstreamtv_operation_duration_seconds"

typedef struct
{
  char *label_name;  /* nullable */
  char *label_value; /* nullable */
  double value;
} Series;

typedef struct
{
  char *name;
  ExsMetricType type;
  char *help;
  GHashTable *series; /* "name\x1fvalue" or "" → Series */
} Family;

typedef struct
{
  gint64 at_us;
  double seconds;
} Sample;

typedef struct
{
  GArray *samples; /* ring of Sample, oldest at @head once full */
  guint head;
  guint64 count;
  double sum;
} Operation;

typedef struct
{
  ExsMetricsCollector func;
  gpointer data;
} Collector;

struct _ExsMetrics
{
  GObject parent_instance;

  GMutex lock; /* protects families and operations */
  GHashTable *families;   /* name → Family */
  GHashTable *operations; /* name → Operation */
  GArray *collectors;     /* Collector; main thread only */
};

G_DEFINE_TYPE (ExsMetrics, exs_metrics, G_TYPE_OBJECT)

static void
series_free (Series *s)
{
  g_free (s->label_name);
  g_free (s->label_value);
  g_free (s);
}

static void
family_free (Family *f)
{
  g_free (f->name);
  g_free (f->help);
  g_hash_table_unref (f->series);
  g_free (f);
}

static void
operation_free (Operation *op)
{
  g_array_unref (op->samples);
  g_free (op);
}

static void
exs_metrics_finalize (GObject *object)
{
  ExsMetrics *self = EXS_METRICS (object);

  g_hash_table_unref (self->families);
  g_hash_table_unref (self->operations);
  g_array_unref (self->collectors);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (exs_metrics_parent_class)->finalize (object);
}

static void
exs_metrics_class_init (ExsMetricsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = exs_metrics_finalize;
}

static void
exs_metrics_init (ExsMetrics *self)
{
  g_mutex_init (&self->lock);
  self->families = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) family_free);
  self->operations = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) operation_free);
  self->collectors = g_array_new (FALSE, FALSE, sizeof (Collector));
}

/**
 * exs_metrics_new:
 *
 * Returns: (transfer full): an empty set of metrics
 */
ExsMetrics *
exs_metrics_new (void)
{
  return g_object_new (EXS_TYPE_METRICS, NULL);
}

static gboolean
valid_metric_name (const char *name)
{
  if (name == NULL || !(g_ascii_isalpha (name[0]) || name[0] == '_' || name[0] == ':'))
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!(g_ascii_isalnum (*p) || *p == '_' || *p == ':'))
      return FALSE;
  return TRUE;
}

static Family *
family_lookup_locked (ExsMetrics *self, const char *name, ExsMetricType type, const char *help)
{
  Family *f = g_hash_table_lookup (self->families, name);

  if (f == NULL)
    {
      f = g_new0 (Family, 1);
      f->name = g_strdup (name);
      f->type = type;
      f->help = g_strdup (help ? help : name);
      f->series = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) series_free);
      g_hash_table_insert (self->families, f->name, f);
    }
  return f;
}

/* A series' key in its family: "name\x1fvalue", or "" without a label. */
static char *
series_key (const char *label_name, const char *label_value)
{
  if (label_name == NULL)
    return g_strdup ("");
  return g_strconcat (label_name, "\x1f", label_value ? label_value : "", NULL);
}

static Series *
series_lookup_locked (Family *f, const char *label_name, const char *label_value, gboolean create)
{
  g_autofree char *key = series_key (label_name, label_value);
  Series *s = g_hash_table_lookup (f->series, key);

  if (s == NULL && create)
    {
      s = g_new0 (Series, 1);
      s->label_name = g_strdup (label_name);
      s->label_value = label_name ? g_strdup (label_value ? label_value : "") : NULL;
      g_hash_table_insert (f->series, g_steal_pointer (&key), s);
    }
  return s;
}

/**
 * exs_metrics_declare:
 * @name: a Prometheus metric name; counters end in _total
 * @help: one line for the # HELP comment
 *
 * Declares a family so it is listed (with its help) even before its first
 * sample. Declaring twice is harmless.
 */
void
exs_metrics_declare (ExsMetrics *self, const char *name, ExsMetricType type, const char *help)
{
  Family *f;

  g_return_if_fail (EXS_IS_METRICS (self));
  g_return_if_fail (valid_metric_name (name));

  g_mutex_lock (&self->lock);
  f = family_lookup_locked (self, name, type, help);
  if (help && !g_str_equal (f->help, help))
    {
      g_free (f->help);
      f->help = g_strdup (help);
    }
  g_mutex_unlock (&self->lock);
}

/**
 * exs_metrics_counter_add:
 * @label_name: (nullable): e.g. "channel"
 * @label_value: (nullable): e.g. "1984.1"
 *
 * Adds @value (>= 0) to a counter series, creating it at 0 first.
 */
void
exs_metrics_counter_add (ExsMetrics *self,
                         const char *name,
                         const char *label_name,
                         const char *label_value,
                         double      value)
{
  g_return_if_fail (EXS_IS_METRICS (self));
  g_return_if_fail (valid_metric_name (name));
  g_return_if_fail (value >= 0);

  g_mutex_lock (&self->lock);
  series_lookup_locked (family_lookup_locked (self, name, EXS_METRIC_COUNTER, NULL), label_name, label_value, TRUE)
      ->value += value;
  g_mutex_unlock (&self->lock);
}

void
exs_metrics_counter_inc (ExsMetrics *self, const char *name, const char *label_name, const char *label_value)
{
  exs_metrics_counter_add (self, name, label_name, label_value, 1);
}

void
exs_metrics_gauge_set (ExsMetrics *self,
                       const char *name,
                       const char *label_name,
                       const char *label_value,
                       double      value)
{
  g_return_if_fail (EXS_IS_METRICS (self));
  g_return_if_fail (valid_metric_name (name));

  g_mutex_lock (&self->lock);
  series_lookup_locked (family_lookup_locked (self, name, EXS_METRIC_GAUGE, NULL), label_name, label_value, TRUE)
      ->value = value;
  g_mutex_unlock (&self->lock);
}

/* Drops one series, e.g. a stopped channel's breaker state. */
void
exs_metrics_remove_series (ExsMetrics *self, const char *name, const char *label_name, const char *label_value)
{
  Family *f;

  g_return_if_fail (EXS_IS_METRICS (self));

  g_mutex_lock (&self->lock);
  f = g_hash_table_lookup (self->families, name);
  if (f)
    {
      g_autofree char *key = series_key (label_name, label_value);
      g_hash_table_remove (f->series, key);
    }
  g_mutex_unlock (&self->lock);
}

/**
 * exs_metrics_get_value:
 *
 * Returns: the series' current value, or 0 if it does not exist
 */
double
exs_metrics_get_value (ExsMetrics *self, const char *name, const char *label_name, const char *label_value)
{
  Family *f;
  Series *s = NULL;
  double v;

  g_return_val_if_fail (EXS_IS_METRICS (self), 0);

  g_mutex_lock (&self->lock);
  f = g_hash_table_lookup (self->families, name);
  if (f)
    s = series_lookup_locked (f, label_name, label_value, FALSE);
  v = s ? s->value : 0;
  g_mutex_unlock (&self->lock);
  return v;
}

/**
 * exs_metrics_observe:
 * @operation: what was timed: "tune", "first_byte", "playout_build", "guide_build", …
 * @seconds: how long it took
 *
 * Records one timing. Callable from any thread.
 */
void
exs_metrics_observe (ExsMetrics *self, const char *operation, double seconds)
{
  Operation *op;
  Sample sample = { g_get_monotonic_time (), seconds };

  g_return_if_fail (EXS_IS_METRICS (self));
  g_return_if_fail (operation != NULL && operation[0] != '\0');

  g_mutex_lock (&self->lock);
  op = g_hash_table_lookup (self->operations, operation);
  if (op == NULL)
    {
      op = g_new0 (Operation, 1);
      op->samples = g_array_sized_new (FALSE, FALSE, sizeof (Sample), 64);
      g_hash_table_insert (self->operations, g_strdup (operation), op);
    }
  if (op->samples->len < MAX_SAMPLES_PER_OPERATION)
    g_array_append_val (op->samples, sample);
  else
    {
      g_array_index (op->samples, Sample, op->head) = sample;
      op->head = (op->head + 1) % MAX_SAMPLES_PER_OPERATION;
    }
  op->count++;
  op->sum += seconds;
  g_mutex_unlock (&self->lock);
}

/**
 * exs_metrics_add_collector:
 *
 * Registers a function run before each render. Main thread only.
 */
void
exs_metrics_add_collector (ExsMetrics *self, ExsMetricsCollector collector, gpointer user_data)
{
  Collector c = { collector, user_data };

  g_return_if_fail (EXS_IS_METRICS (self));
  g_array_append_val (self->collectors, c);
}

void
exs_metrics_remove_collector (ExsMetrics *self, ExsMetricsCollector collector, gpointer user_data)
{
  g_return_if_fail (EXS_IS_METRICS (self));

  for (guint i = 0; i < self->collectors->len; i++)
    {
      Collector *c = &g_array_index (self->collectors, Collector, i);
      if (c->func == collector && c->data == user_data)
        {
          g_array_remove_index (self->collectors, i);
          return;
        }
    }
}

static int
compare_string (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(char *const *) a, *(char *const *) b);
}

/* The keys of @table, sorted (borrowed strings). */
static GPtrArray *
sorted_keys (GHashTable *table)
{
  GPtrArray *keys = g_ptr_array_sized_new (g_hash_table_size (table));
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, table);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (keys, key);
  g_ptr_array_sort (keys, compare_string);
  return keys;
}

static int
compare_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y ? 1 : 0;
}

/* Nearest-rank percentile of sorted values. */
static double
percentile (const double *sorted, guint n, double p)
{
  guint rank;

  if (n == 0)
    return 0;
  rank = (guint) ceil (p / 100.0 * n);
  return sorted[CLAMP (rank, 1, n) - 1];
}

/* The samples of @op taken within @window_seconds (all if <= 0), sorted. */
static GArray *
window_values_locked (Operation *op, double window_seconds)
{
  gint64 since = window_seconds > 0 ? g_get_monotonic_time () - (gint64) (window_seconds * G_USEC_PER_SEC) : G_MININT64;
  GArray *values = g_array_sized_new (FALSE, FALSE, sizeof (double), op->samples->len);

  for (guint i = 0; i < op->samples->len; i++)
    {
      Sample *s = &g_array_index (op->samples, Sample, i);
      if (s->at_us >= since)
        g_array_append_val (values, s->seconds);
    }
  g_array_sort (values, compare_double);
  return values;
}

/* Prometheus text escaping: backslash and newline always, '"' too inside a
 * label value (@quoted), not in HELP text. */
static void
append_escaped (GString *out, const char *text, gboolean quoted)
{
  for (const char *p = text; *p; p++)
    {
      if (*p == '\\')
        g_string_append (out, "\\\\");
      else if (*p == '"' && quoted)
        g_string_append (out, "\\\"");
      else if (*p == '\n')
        g_string_append (out, "\\n");
      else
        g_string_append_c (out, *p);
    }
}

static void
append_number (GString *out, double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isnan (v))
    g_string_append (out, "NaN");
  else if (isinf (v))
    g_string_append (out, v > 0 ? "+Inf" : "-Inf");
  else if (v == floor (v) && fabs (v) < 1e15)
    g_string_append_printf (out, "%.0f", v);
  else
    g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.9g", v));
}

static void
render_family_locked (GString *out, Family *f)
{
  g_autoptr (GPtrArray) keys = sorted_keys (f->series);

  g_string_append_printf (out, "# HELP %s ", f->name);
  append_escaped (out, f->help, FALSE);
  g_string_append_printf (out, "\n# TYPE %s %s\n", f->name, f->type == EXS_METRIC_COUNTER ? "counter" : "gauge");
  for (guint i = 0; i < keys->len; i++)
    {
      Series *s = g_hash_table_lookup (f->series, keys->pdata[i]);

      g_string_append (out, f->name);
      if (s->label_name)
        {
          g_string_append_printf (out, "{%s=\"", s->label_name);
          append_escaped (out, s->label_value, TRUE);
          g_string_append (out, "\"}");
        }
      g_string_append_c (out, ' ');
      append_number (out, s->value);
      g_string_append_c (out, '\n');
    }
}

static void
render_operations_locked (ExsMetrics *self, GString *out)
{
  static const double quantiles[] = { 0.5, 0.95, 0.99 };
  g_autoptr (GPtrArray) names = sorted_keys (self->operations);

  g_string_append (out, "# HELP " OPERATION_METRIC
                        " How long named operations took (tune, first_byte, playout_build, guide_build, …); "
                        "quantiles over the last 5 minutes.\n# TYPE " OPERATION_METRIC " summary\n");
  for (guint i = 0; i < names->len; i++)
    {
      Operation *op = g_hash_table_lookup (self->operations, names->pdata[i]);
      g_autoptr (GArray) values = window_values_locked (op, 300);

      for (guint q = 0; q < G_N_ELEMENTS (quantiles); q++)
        {
          char buf[G_ASCII_DTOSTR_BUF_SIZE];

          g_string_append (out, OPERATION_METRIC "{operation=\"");
          append_escaped (out, names->pdata[i], TRUE);
          g_string_append_printf (out, "\",quantile=\"%s\"} ", g_ascii_formatd (buf, sizeof buf, "%g", quantiles[q]));
          append_number (out, values->len ? percentile ((double *) values->data, values->len, quantiles[q] * 100)
                                          : NAN);
          g_string_append_c (out, '\n');
        }
      g_string_append (out, OPERATION_METRIC "_sum{operation=\"");
      append_escaped (out, names->pdata[i], TRUE);
      g_string_append (out, "\"} ");
      append_number (out, op->sum);
      g_string_append (out, "\n" OPERATION_METRIC "_count{operation=\"");
      append_escaped (out, names->pdata[i], TRUE);
      g_string_append (out, "\"} ");
      append_number (out, (double) op->count);
      g_string_append_c (out, '\n');
    }
}

/**
 * exs_metrics_render_prometheus:
 *
 * Runs the collectors, then writes every family in Prometheus text format
 * 0.0.4, sorted by name so that scrapes diff cleanly.
 *
 * Returns: (transfer full): the text
 */
char *
exs_metrics_render_prometheus (ExsMetrics *self)
{
  GString *out = g_string_new (NULL);
  g_autoptr (GPtrArray) names = NULL;

  g_return_val_if_fail (EXS_IS_METRICS (self), NULL);

  for (guint i = 0; i < self->collectors->len; i++)
    {
      Collector *c = &g_array_index (self->collectors, Collector, i);
      c->func (self, c->data);
    }

  g_mutex_lock (&self->lock);
  names = sorted_keys (self->families);
  for (guint i = 0; i < names->len; i++)
    render_family_locked (out, g_hash_table_lookup (self->families, names->pdata[i]));
  if (g_hash_table_size (self->operations) > 0)
    render_operations_locked (self, out);
  g_mutex_unlock (&self->lock);
  return g_string_free (out, FALSE);
}

static JsonObject *
operation_stats_locked (Operation *op, double window_seconds)
{
  g_autoptr (GArray) values = window_values_locked (op, window_seconds);
  JsonObject *o = json_object_new ();
  double *v = (double *) values->data;
  double sum = 0;

  for (guint i = 0; i < values->len; i++)
    sum += v[i];
  json_object_set_int_member (o, "count", values->len);
  json_object_set_int_member (o, "total_count", (gint64) op->count);
  if (values->len > 0)
    {
      json_object_set_double_member (o, "min_seconds", v[0]);
      json_object_set_double_member (o, "max_seconds", v[values->len - 1]);
      json_object_set_double_member (o, "mean_seconds", sum / values->len);
      json_object_set_double_member (o, "p50_seconds", percentile (v, values->len, 50));
      json_object_set_double_member (o, "p95_seconds", percentile (v, values->len, 95));
      json_object_set_double_member (o, "p99_seconds", percentile (v, values->len, 99));
    }
  return o;
}

/**
 * exs_metrics_dup_performance:
 * @operation: (nullable): only this operation; %NULL for all
 * @window_seconds: only samples this recent; <= 0 for every kept sample
 *
 * Returns: (transfer full): {"window_seconds", "operations": {name: {count,
 *   min/max/mean/p50/p95/p99_seconds}}}
 */
JsonObject *
exs_metrics_dup_performance (ExsMetrics *self, const char *operation, double window_seconds)
{
  JsonObject *root = json_object_new ();
  JsonObject *ops = json_object_new ();
  g_autoptr (GPtrArray) names = NULL;

  g_return_val_if_fail (EXS_IS_METRICS (self), root);

  g_mutex_lock (&self->lock);
  names = sorted_keys (self->operations);
  for (guint i = 0; i < names->len; i++)
    if (operation == NULL || g_str_equal (operation, names->pdata[i]))
      json_object_set_object_member (ops, names->pdata[i],
                                     operation_stats_locked (g_hash_table_lookup (self->operations, names->pdata[i]),
                                                             window_seconds));
  g_mutex_unlock (&self->lock);

  if (window_seconds > 0)
    json_object_set_double_member (root, "window_seconds", window_seconds);
  else
    json_object_set_null_member (root, "window_seconds");
  json_object_set_object_member (root, "operations", ops);
  return root;
}
