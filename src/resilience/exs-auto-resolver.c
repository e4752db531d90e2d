/* exs-auto-resolver.c: ExsAutoResolver, the seeds' "AI auto-resolver" made
 * small, predictable and bounded.
 *
 * Made by ExsApplication; the engine reports events (a source failed, a
 * hardware encoder failed, a network source stalled, the output stalled) and
 * the pool's "pressure" signal is watched. A fixed table of rules maps a
 * pattern to an action with a risk level:
 *
 *   pattern                                   action                        risk
 *   3 source failures of a channel in 10 min  skip_item                     low
 *   a hardware encoder failed                 switch_to_software_encoder    medium
 *   a network source stalled                  reconnect_source              low
 *   the channel's output stalled              restart_channel (the guard)   medium
 *   pool pressure                             refuse_new_prewarm            low
 *
 * An action is taken only if the resolver is enabled, its risk is at most
 * auto_resolver.max_risk and the channel has had fewer than
 * max_actions_per_hour actions in the last hour; restart_channel goes through
 * the restart guard like every restart. Taken actions are announced with the
 * "action" signal (the engine performs them). Every decision, taken or not,
 * is logged and kept (the last 200) for GET /api/resolver.
 */
#include "config.h"

#include "exs-auto-resolver.h"

#include "exs-json-members.h"

#define MAX_DECISIONS 200
#define SOURCE_FAILURES_PATTERN 3
#define SOURCE_FAILURES_WINDOW_US (600 * G_USEC_PER_SEC)
#define HOUR_US ((gint64) 3600 * G_USEC_PER_SEC)

typedef struct
{
  ExsResolverEvent event;
  const char *pattern;
  const char *action;
  ExsRisk risk;
} Rule;

static const Rule rules[] = {
  { EXS_RESOLVER_SOURCE_FAILED, "source failing repeatedly", "skip_item", EXS_RISK_LOW },
  { EXS_RESOLVER_ENCODER_FAILED, "hardware encoder failing", "switch_to_software_encoder", EXS_RISK_MEDIUM },
  { EXS_RESOLVER_SOURCE_STALLED, "network source stalled", "reconnect_source", EXS_RISK_LOW },
  { EXS_RESOLVER_OUTPUT_STALLED, "channel output stalled", "restart_channel", EXS_RISK_MEDIUM },
  { EXS_RESOLVER_POOL_PRESSURE, "pipeline pool under pressure", "refuse_new_prewarm", EXS_RISK_LOW },
};

typedef struct
{
  GArray *source_failures; /* gint64 */
  GArray *actions;         /* gint64 */
} ChannelMemory;

struct _ExsAutoResolver
{
  GObject parent_instance;

  ExsRestartGuard *guard; /* nullable */
  ExsMetrics *metrics;    /* nullable */
  ExsPipelinePool *pool;  /* nullable; watched */
  gboolean enabled;
  ExsRisk max_risk;
  guint max_actions_per_hour;
  ExsClock clock;
  GHashTable *channels; /* number ("" for server-wide) → ChannelMemory */
  GQueue decisions;     /* JsonObject, newest last */
  guint64 n_decisions;
};

enum
{
  SIGNAL_ACTION,
  SIGNAL_HAND_OVER,
  N_SIGNALS
};

/* a failure no rule matches goes to the AI agent (when it is on) */
static const Rule hand_over_rule = { 0, "no rule matches", "ai_diagnose", EXS_RISK_LOW };
static guint signals[N_SIGNALS];

G_DEFINE_TYPE (ExsAutoResolver, exs_auto_resolver, G_TYPE_OBJECT)

static void
channel_memory_free (ChannelMemory *m)
{
  g_array_unref (m->source_failures);
  g_array_unref (m->actions);
  g_free (m);
}

static void
exs_auto_resolver_dispose (GObject *object)
{
  ExsAutoResolver *self = EXS_AUTO_RESOLVER (object);

  if (self->pool)
    g_signal_handlers_disconnect_by_data (self->pool, self);
  g_clear_object (&self->pool);
  g_clear_object (&self->guard);
  g_clear_object (&self->metrics);
  G_OBJECT_CLASS (exs_auto_resolver_parent_class)->dispose (object);
}

static void
exs_auto_resolver_finalize (GObject *object)
{
  ExsAutoResolver *self = EXS_AUTO_RESOLVER (object);

  g_hash_table_unref (self->channels);
  g_queue_clear_full (&self->decisions, (GDestroyNotify) json_object_unref);
  G_OBJECT_CLASS (exs_auto_resolver_parent_class)->finalize (object);
}

static void
exs_auto_resolver_class_init (ExsAutoResolverClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = exs_auto_resolver_dispose;
  object_class->finalize = exs_auto_resolver_finalize;

  /**
   * ExsAutoResolver::action:
   * @action: "skip_item", "switch_to_software_encoder", "reconnect_source",
   *   "restart_channel" (already approved by the restart guard) or
   *   "refuse_new_prewarm"
   * @channel_number: (nullable): the channel, %NULL for server-wide actions
   * @detail: what was seen
   *
   * An action was decided and approved: the engine carries it out.
   */
  signals[SIGNAL_ACTION] = g_signal_new ("action", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                         G_TYPE_NONE, 3, G_TYPE_STRING, G_TYPE_STRING, G_TYPE_STRING);
  /**
   * ExsAutoResolver::hand-over:
   * @channel_number: the channel
   * @detail: what failed
   *
   * A failure none of the rules matched (exs_auto_resolver_hand_over()):
   * the AI agent may diagnose it.
   */
  signals[SIGNAL_HAND_OVER] = g_signal_new ("hand-over", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                                            NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_STRING);
}

static void
exs_auto_resolver_init (ExsAutoResolver *self)
{
  self->channels = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) channel_memory_free);
  g_queue_init (&self->decisions);
}

/**
 * exs_auto_resolver_new:
 * @guard: (nullable): where restart_channel actions are asked for
 *
 * Returns: (transfer full): a resolver
 */
ExsAutoResolver *
exs_auto_resolver_new (ExsRestartGuard *guard, gboolean enabled, ExsRisk max_risk, guint max_actions_per_hour)
{
  ExsAutoResolver *self = g_object_new (EXS_TYPE_AUTO_RESOLVER, NULL);

  self->guard = guard ? g_object_ref (guard) : NULL;
  self->enabled = enabled;
  self->max_risk = max_risk;
  self->max_actions_per_hour = MAX (max_actions_per_hour, 1);
  return self;
}

static ExsRisk
risk_from_string (const char *s)
{
  return g_str_equal (s, "high") ? EXS_RISK_HIGH : g_str_equal (s, "low") ? EXS_RISK_LOW : EXS_RISK_MEDIUM;
}

static const char *
risk_to_string (ExsRisk r)
{
  return r == EXS_RISK_HIGH ? "high" : r == EXS_RISK_LOW ? "low" : "medium";
}

/**
 * exs_auto_resolver_new_from_config:
 *
 * Returns: (transfer full): a resolver configured from [auto_resolver]
 */
ExsAutoResolver *
exs_auto_resolver_new_from_config (ExsConfig *config, ExsRestartGuard *guard)
{
  return exs_auto_resolver_new (guard, exs_config_get_boolean (config, "auto_resolver", "enabled"),
                                risk_from_string (exs_config_get_string (config, "auto_resolver", "max_risk")),
                                (guint) exs_config_get_int (config, "auto_resolver", "max_actions_per_hour"));
}

void
exs_auto_resolver_set_clock (ExsAutoResolver *self, ExsClockFunc clock, gpointer clock_data)
{
  exs_clock_set (&self->clock, clock, clock_data);
}

void
exs_auto_resolver_set_metrics (ExsAutoResolver *self, ExsMetrics *metrics)
{
  g_set_object (&self->metrics, metrics);
  if (metrics)
    exs_metrics_declare (metrics, "exstreamtv_resolver_decisions_total", EXS_METRIC_COUNTER,
                         "Auto-resolver decisions, by outcome (taken, needs_approval, rate_limited, "
                         "refused_by_guard, disabled).");
}

static void
on_pool_pressure_cb (ExsPipelinePool *pool, guint in_use, guint capacity, gpointer user_data)
{
  g_autofree char *detail = g_strdup_printf ("%u of %u pipelines in use", in_use, capacity);

  exs_auto_resolver_report (user_data, EXS_RESOLVER_POOL_PRESSURE, NULL, detail);
}

void
exs_auto_resolver_watch_pool (ExsAutoResolver *self, ExsPipelinePool *pool)
{
  g_return_if_fail (self->pool == NULL);
  self->pool = g_object_ref (pool);
  g_signal_connect (pool, "pressure", G_CALLBACK (on_pool_pressure_cb), self);
}

static ChannelMemory *
memory_for (ExsAutoResolver *self, const char *number)
{
  ChannelMemory *m = g_hash_table_lookup (self->channels, number ? number : "");

  if (m == NULL)
    {
      m = g_new0 (ChannelMemory, 1);
      m->source_failures = g_array_new (FALSE, FALSE, sizeof (gint64));
      m->actions = g_array_new (FALSE, FALSE, sizeof (gint64));
      g_hash_table_insert (self->channels, g_strdup (number ? number : ""), m);
    }
  return m;
}

static void
record (ExsAutoResolver *self, const Rule *rule, const char *number, const char *detail, const char *outcome,
        const char *why)
{
  JsonObject *o = json_object_new ();
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *when = g_date_time_format (now, "%Y-%m-%dT%H:%M:%SZ");

  json_object_set_int_member (o, "id", (gint64) ++self->n_decisions);
  json_object_set_string_member (o, "time", when);
  exs_json_set_string_or_null (o, "channel_number", number);
  json_object_set_string_member (o, "pattern", rule->pattern);
  json_object_set_string_member (o, "action", rule->action);
  json_object_set_string_member (o, "risk", risk_to_string (rule->risk));
  json_object_set_string_member (o, "outcome", outcome);
  json_object_set_string_member (o, "detail", detail ? detail : "");
  if (why)
    json_object_set_string_member (o, "why", why);
  g_queue_push_tail (&self->decisions, o);
  while (self->decisions.length > MAX_DECISIONS)
    json_object_unref (g_queue_pop_head (&self->decisions));
  g_message ("auto-resolver: %s%s%s → %s (%s risk): %s%s%s", rule->pattern, number ? " on channel " : "",
             number ? number : "", rule->action, risk_to_string (rule->risk), outcome, why ? " — " : "",
             why ? why : "");
  if (self->metrics)
    exs_metrics_counter_inc (self->metrics, "exstreamtv_resolver_decisions_total", "outcome", outcome);
}

/**
 * exs_auto_resolver_report:
 * @channel_number: (nullable): %NULL for server-wide events
 * @detail: (nullable): what happened, for the decision log
 *
 * Feeds one event; a rule whose pattern it completes is decided at once.
 */
void
exs_auto_resolver_report (ExsAutoResolver *self, ExsResolverEvent event, const char *channel_number,
                          const char *detail)
{
  const Rule *rule = NULL;
  ChannelMemory *m;
  gint64 now;
  g_autofree char *why = NULL;

  g_return_if_fail (EXS_IS_AUTO_RESOLVER (self));

  for (guint i = 0; i < G_N_ELEMENTS (rules); i++)
    if (rules[i].event == event)
      rule = &rules[i];
  g_return_if_fail (rule != NULL);

  now = exs_clock_now (&self->clock);
  m = memory_for (self, channel_number);
  if (event == EXS_RESOLVER_SOURCE_FAILED)
    {
      g_array_append_val (m->source_failures, now);
      if (exs_clock_forget_until (m->source_failures, now - SOURCE_FAILURES_WINDOW_US) < SOURCE_FAILURES_PATTERN)
        return; /* not a pattern yet */
      g_array_set_size (m->source_failures, 0);
    }

  if (!self->enabled)
    {
      record (self, rule, channel_number, detail, "disabled", "auto_resolver.enabled is false");
      return;
    }
  if (rule->risk > self->max_risk)
    {
      why = g_strdup_printf ("its risk is above auto_resolver.max_risk (%s); a person must decide",
                             risk_to_string (self->max_risk));
      record (self, rule, channel_number, detail, "needs_approval", why);
      return;
    }
  if (exs_clock_forget_until (m->actions, now - HOUR_US) >= self->max_actions_per_hour)
    {
      why = g_strdup_printf ("%u actions in the last hour (auto_resolver.max_actions_per_hour)",
                             self->max_actions_per_hour);
      record (self, rule, channel_number, detail, "rate_limited", why);
      return;
    }
  if (event == EXS_RESOLVER_OUTPUT_STALLED)
    {
      if (self->guard == NULL || channel_number == NULL)
        {
          record (self, rule, channel_number, detail, "refused_by_guard", "no restart guard");
          return;
        }
      /* Like every restart, through the guard; its "restart" signal does it. */
      if (exs_restart_guard_request_restart (self->guard, channel_number, rule->pattern, &why) != EXS_RESTART_ALLOWED)
        {
          record (self, rule, channel_number, detail, "refused_by_guard", why);
          return;
        }
    }
  g_array_append_val (m->actions, now);
  record (self, rule, channel_number, detail, "taken", NULL);
  g_signal_emit (self, signals[SIGNAL_ACTION], 0, rule->action, channel_number, detail ? detail : "");
}

/**
 * exs_auto_resolver_hand_over:
 * @detail: (nullable): what failed
 *
 * A channel failure none of the rules covers: recorded, then handed over
 * (the "hand-over" signal) when the resolver is enabled.
 */
void
exs_auto_resolver_hand_over (ExsAutoResolver *self, const char *channel_number, const char *detail)
{
  g_return_if_fail (EXS_IS_AUTO_RESOLVER (self) && channel_number != NULL);

  if (!self->enabled)
    {
      record (self, &hand_over_rule, channel_number, detail, "disabled", "auto_resolver.enabled is false");
      return;
    }
  record (self, &hand_over_rule, channel_number, detail, "handed_over", "to the AI agent, if [ai] enabled");
  g_signal_emit (self, signals[SIGNAL_HAND_OVER], 0, channel_number, detail ? detail : "");
}

guint
exs_auto_resolver_get_n_decisions (ExsAutoResolver *self)
{
  return self->decisions.length;
}

/**
 * exs_auto_resolver_dup_json:
 *
 * Returns: (transfer full): {"enabled", "max_risk", "max_actions_per_hour",
 *   "rules": [...], "decisions": [newest first]}
 */
JsonObject *
exs_auto_resolver_dup_json (ExsAutoResolver *self)
{
  JsonObject *o = json_object_new ();
  JsonArray *r = json_array_new ();
  JsonArray *d = json_array_new ();

  for (guint i = 0; i < G_N_ELEMENTS (rules); i++)
    {
      JsonObject *ro = json_object_new ();
      json_object_set_string_member (ro, "pattern", rules[i].pattern);
      json_object_set_string_member (ro, "action", rules[i].action);
      json_object_set_string_member (ro, "risk", risk_to_string (rules[i].risk));
      json_object_set_boolean_member (ro, "automatic", self->enabled && rules[i].risk <= self->max_risk);
      json_array_add_object_element (r, ro);
    }
  for (GList *l = self->decisions.tail; l; l = l->prev)
    json_array_add_object_element (d, json_object_ref (l->data));
  json_object_set_boolean_member (o, "enabled", self->enabled);
  json_object_set_string_member (o, "max_risk", risk_to_string (self->max_risk));
  json_object_set_int_member (o, "max_actions_per_hour", self->max_actions_per_hour);
  json_object_set_array_member (o, "rules", r);
  json_object_set_array_member (o, "decisions", d);
  return o;
}
