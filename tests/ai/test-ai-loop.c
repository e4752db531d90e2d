/* ExsAiAgent's loop in this process, against the fake model
 * (exs-fake-model.c), with tools of the test's own: nothing runs in
 * containment mode (neither by itself nor when approved), an approval
 * waits until containment ends, a step with too many calls is cut, and
 * sessions_per_hour and one session per channel hold. */
#include "config.h"

#include "exs-ai-agent.h"
#include "exs-fake-model.h"

#include <string.h>

static ExsFakeModel *fake;
static guint act_runs;

static char *
script (int channel, guint step)
{
  switch (channel)
    {
    case 400:
      if (step == 0)
        return exs_fake_model_completion (NULL, exs_fake_model_call ("c1", "act_low", "{}"), NULL);
      return exs_fake_model_completion ("Tried to act [c1].", NULL);
    case 401:
      if (step == 0)
        return exs_fake_model_completion (NULL, exs_fake_model_call ("c2", "act_medium", "{}"), NULL);
      return exs_fake_model_completion ("Acting needs your approval.", NULL);
    case 402:
      if (step == 0)
        return exs_fake_model_completion (
          NULL, exs_fake_model_call ("l1", "look", "{}"), exs_fake_model_call ("l2", "look", "{}"),
          exs_fake_model_call ("l3", "look", "{}"), exs_fake_model_call ("l4", "look", "{}"),
          exs_fake_model_call ("l5", "look", "{}"), exs_fake_model_call ("l6", "look", "{}"),
          exs_fake_model_call ("l7", "look", "{}"), exs_fake_model_call ("l8", "look", "{}"),
          exs_fake_model_call ("l9", "look", "{}"), NULL);
      return exs_fake_model_completion ("All is well [l1].", NULL);
    default:
      return g_strdup ("{}");
    }
}

static JsonNode *
act (JsonObject *args, gpointer data, GError **error)
{
  JsonObject *o = json_object_new ();
  JsonNode *n = json_node_new (JSON_NODE_OBJECT);

  act_runs++;
  json_object_set_boolean_member (o, "done", TRUE);
  json_node_take_object (n, o);
  return n;
}

typedef struct
{
  ExsConfig *config;
  ExsAiToolRegistry *registry;
  ExsPipelinePool *pool;
  ExsAiAgent *agent;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autofree char *url = exs_fake_model_dup_base_url (fake);
  const char *const settings[][3] = {
    { "ai", "enabled", "true" }, { "ai", "base_url", url }, { "ai", "max_steps", "4" },
    { "ai", "timeout_seconds", "20" }, { "ai_auto_heal", "enabled", "true" },
  };
  const char *no_args = "{\"type\": \"object\", \"properties\": {}}";

  f->config = exs_config_new ();
  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    g_assert_true (exs_config_set (f->config, settings[i][0], settings[i][1], settings[i][2], "test", NULL));
  f->registry = exs_ai_tool_registry_new (NULL);
  exs_ai_tool_registry_add (f->registry, "act_low", "test", no_args, EXS_AI_RISK_LOW, act, NULL);
  exs_ai_tool_registry_add (f->registry, "act_medium", "test", no_args, EXS_AI_RISK_MEDIUM, act, NULL);
  exs_ai_tool_registry_add (f->registry, "look", "test", no_args, EXS_AI_RISK_READ, act, NULL);
  f->pool = exs_pipeline_pool_new (10, 5, 0.99, 0, 0.8, 1);
  f->agent = exs_ai_agent_new_from_config (f->config, f->registry, NULL);
  exs_ai_agent_set_pool (f->agent, f->pool);
  act_runs = 0;
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_clear_object (&f->agent);
  g_clear_object (&f->pool);
  g_clear_object (&f->registry);
  g_clear_object (&f->config);
}

/* Runs a session to its end on this thread's main loop; returns its record. */
static JsonObject *
run_session (Fixture *f, const char *channel)
{
  g_autoptr (GError) error = NULL;
  ExsAiSession *session = exs_ai_agent_diagnose (f->agent, channel, "api", NULL, &error);
  gint64 deadline = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

  g_assert_no_error (error);
  while (exs_ai_session_is_running (session) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_false (exs_ai_session_is_running (session));
  return exs_ai_session_dup_json (session);
}

static JsonObject *
element (JsonObject *session, const char *array, guint i)
{
  return json_array_get_object_element (json_object_get_array_member (session, array), i);
}

static void
test_containment_refuses_low_risk (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonObject) s = NULL;

  exs_pipeline_pool_set_containment (f->pool, TRUE, "test: memory grows");
  s = run_session (f, "400");
  g_assert_cmpstr (json_object_get_string_member (element (s, "calls", 0), "outcome"), ==, "refused");
  g_assert_nonnull (strstr (json_object_get_string_member (element (s, "calls", 0), "why"), "containment"));
  g_assert_cmpstr (json_object_get_string_member (element (s, "actions", 0), "state"), ==, "refused");
  g_assert_cmpuint (act_runs, ==, 0);
  g_assert_false (json_object_get_boolean_member (s, "verified")); /* [c1] ran nothing */

  /* out of containment the same low-risk call runs by itself */
  exs_pipeline_pool_set_containment (f->pool, FALSE, NULL);
  g_clear_pointer (&s, json_object_unref);
  s = run_session (f, "400");
  g_assert_cmpstr (json_object_get_string_member (element (s, "calls", 0), "outcome"), ==, "taken");
  g_assert_cmpuint (act_runs, ==, 1);
  g_assert_true (json_object_get_boolean_member (s, "verified"));
}

static void
test_containment_holds_an_approval (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonObject) s = run_session (f, "401");
  gint64 id = json_object_get_int_member (s, "id");
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) refused = NULL;
  g_autoptr (JsonObject) approved = NULL;

  g_assert_cmpstr (json_object_get_string_member (s, "state"), ==, "waiting_approval");
  exs_pipeline_pool_set_containment (f->pool, TRUE, "test: memory grows");
  refused = exs_ai_agent_decide (f->agent, id, 1, TRUE, &error);
  g_assert_null (refused);
  g_assert_error (error, EXS_AI_ERROR, EXS_AI_ERROR_REFUSED);
  g_assert_cmpuint (act_runs, ==, 0);
  g_clear_error (&error);

  exs_pipeline_pool_set_containment (f->pool, FALSE, NULL);
  approved = exs_ai_agent_decide (f->agent, id, 1, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (json_object_get_string_member (element (approved, "actions", 0), "state"), ==, "taken");
  g_assert_cmpuint (act_runs, ==, 1);
}

static void
test_too_many_calls_in_one_step (Fixture *f, gconstpointer data)
{
  g_autoptr (JsonObject) s = run_session (f, "402");

  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (s, "calls")), ==, 9);
  g_assert_cmpstr (json_object_get_string_member (element (s, "calls", 7), "outcome"), ==, "ok");
  g_assert_cmpstr (json_object_get_string_member (element (s, "calls", 8), "outcome"), ==, "refused");
  g_assert_nonnull (strstr (json_object_get_string_member (element (s, "calls", 8), "why"), "more than 8"));
  g_assert_cmpuint (act_runs, ==, 8);
}

static void
test_rate_limit (Fixture *f, gconstpointer data)
{
  g_autoptr (ExsAiAgent) agent = NULL;
  g_autoptr (GError) error = NULL;
  ExsAiSession *first;

  g_assert_true (exs_config_set (f->config, "ai", "sessions_per_hour", "1", "test", NULL));
  agent = exs_ai_agent_new_from_config (f->config, f->registry, NULL);
  first = exs_ai_agent_diagnose (agent, "402", "api", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (first);
  g_assert_null (exs_ai_agent_diagnose (agent, "400", "api", NULL, &error));
  g_assert_error (error, EXS_AI_ERROR, EXS_AI_ERROR_RATE_LIMITED);
  g_clear_error (&error);
  g_assert_null (exs_ai_agent_diagnose (agent, "402", "api", NULL, &error)); /* still running */
  g_assert_error (error, EXS_AI_ERROR, EXS_AI_ERROR_BUSY);
  exs_ai_agent_shutdown (agent);
  g_assert_cmpstr (exs_ai_session_get_state (first), ==, "cancelled");
  /* the cancelled request still ends on the loop; wait for it to let go */
  g_object_add_weak_pointer (G_OBJECT (first), (gpointer *) &first);
  g_clear_object (&agent);
  {
    gint64 deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
    while (first != NULL && g_get_monotonic_time () < deadline)
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (G_USEC_PER_SEC / 100);
  }
  g_assert_null (first);
}

int
main (int argc, char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  fake = exs_fake_model_start (script);
  g_test_add ("/ai/loop/containment-refuses-low-risk", Fixture, NULL, fixture_set_up,
              test_containment_refuses_low_risk, fixture_tear_down);
  g_test_add ("/ai/loop/containment-holds-an-approval", Fixture, NULL, fixture_set_up,
              test_containment_holds_an_approval, fixture_tear_down);
  g_test_add ("/ai/loop/too-many-calls-in-one-step", Fixture, NULL, fixture_set_up, test_too_many_calls_in_one_step,
              fixture_tear_down);
  g_test_add ("/ai/loop/rate-limit", Fixture, NULL, fixture_set_up, test_rate_limit, fixture_tear_down);
  status = g_test_run ();
  exs_fake_model_stop (fake);
  return status;
}
