/* exs-cli-ai.c: `exstreamtv diagnose NUMBER [--question TEXT] [--no-wait]`.
 *
 * Asks the running server's AI agent for a diagnosis (POST
 * /api/ai/diagnose), then follows the session (GET /api/ai/sessions/{id})
 * until it ends, and prints the tool calls, the actions and the answer. An
 * action waiting for approval is printed with the request that approves it.
 * Exit 0 when the model answered, 1 when the session failed or was stopped.
 */
#include "config.h"

#include "exs-cli-private.h"

#include "exs-application.h"

#include <string.h>

#define POLL_US (G_USEC_PER_SEC / 2)
#define WAIT_US ((gint64) 3700 * G_USEC_PER_SEC) /* above the longest [ai] timeout_seconds */

static const char *
text_or (JsonObject *o, const char *field, const char *fallback)
{
  JsonNode *n = json_object_get_member (o, field);

  return n && JSON_NODE_HOLDS_VALUE (n) ? json_node_get_string (n) : fallback;
}

static void
print_session (JsonObject *s)
{
  JsonArray *calls = json_object_get_array_member (s, "calls");
  JsonArray *actions = json_object_get_array_member (s, "actions");
  const char *answer = text_or (s, "answer", NULL);

  /* data lines, not translated (scripts read them) */
  g_print ("AI session %" G_GINT64_FORMAT " on channel %s: %s (%" G_GINT64_FORMAT " steps, %" G_GINT64_FORMAT
           " tokens)\n",
           json_object_get_int_member (s, "id"), text_or (s, "channel", "-"), json_object_get_string_member (s, "state"),
           json_object_get_int_member (s, "steps"),
           json_object_get_int_member (json_object_get_object_member (s, "tokens"), "total"));
  for (guint i = 0; calls && i < json_array_get_length (calls); i++)
    {
      JsonObject *c = json_array_get_object_element (calls, i);
      g_print ("  [%s] %s: %s%s%s\n", json_object_get_string_member (c, "id"), json_object_get_string_member (c, "tool"),
               json_object_get_string_member (c, "outcome"), json_object_has_member (c, "why") ? " — " : "",
               text_or (c, "why", ""));
    }
  for (guint i = 0; actions && i < json_array_get_length (actions); i++)
    {
      JsonObject *a = json_array_get_object_element (actions, i);
      g_print ("  action %" G_GINT64_FORMAT ": %s (%s risk): %s\n", json_object_get_int_member (a, "n"),
               json_object_get_string_member (a, "tool"), json_object_get_string_member (a, "risk"),
               json_object_get_string_member (a, "state"));
      if (g_str_equal (json_object_get_string_member (a, "state"), "waiting_approval"))
        g_print ("    approve: POST /api/ai/sessions/%" G_GINT64_FORMAT "/actions/%" G_GINT64_FORMAT "/approve\n",
                 json_object_get_int_member (s, "id"), json_object_get_int_member (a, "n"));
    }
  if (json_object_has_member (s, "error") && text_or (s, "error", NULL))
    g_print ("  why: %s\n", text_or (s, "error", ""));
  if (answer)
    g_print ("\n%s%s\n", json_object_get_boolean_member (s, "verified") ? "" : _("(unverified: it cites no tool result) "),
             answer);
}

static gboolean
is_finished (JsonObject *s)
{
  return !g_str_equal (json_object_get_string_member (s, "state"), "running");
}

int
exs_cli_ai_run (ExsCliClient *c, int argc, char **argv)
{
  g_autofree char *question = NULL;
  gboolean no_wait = FALSE;
  const GOptionEntry entries[] = {
    { "question", 'q', 0, G_OPTION_ARG_STRING, &question, N_("What to ask besides the channel"), N_("TEXT") },
    { "no-wait", 0, 0, G_OPTION_ARG_NONE, &no_wait, N_("Print the session number and return at once"), NULL },
    { NULL }
  };
  g_autoptr (JsonObject) body = json_object_new ();
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr (JsonNode) reply = NULL;
  g_autofree char *path = NULL;
  gint64 deadline = g_get_monotonic_time () + WAIT_US;
  const char *state;

  if (!exs_cli_parse_options (entries, _("NUMBER"), &argc, &argv))
    return EXS_EXIT_USAGE;
  if (argc != 2)
    return exs_cli_usage_error (_("diagnose needs one channel NUMBER"));
  json_object_set_string_member (body, "channel", argv[1]);
  if (question)
    json_object_set_string_member (body, "question", question);
  json_node_set_object (node, body);
  if (!exs_cli_request (c, "POST", "/api/ai/diagnose?via=cli", node, 202, &reply))
    return EXS_EXIT_FAILURE;
  path = g_strdup_printf ("/api/ai/sessions/%" G_GINT64_FORMAT,
                          json_object_get_int_member (json_node_get_object (reply), "id"));
  if (no_wait)
    {
      g_print ("%s\n", path);
      return EXIT_SUCCESS;
    }
  while (!is_finished (json_node_get_object (reply)) && g_get_monotonic_time () < deadline)
    {
      g_usleep (POLL_US);
      g_clear_pointer (&reply, json_node_unref);
      if (!exs_cli_request (c, "GET", path, NULL, 200, &reply))
        return EXS_EXIT_FAILURE;
    }
  print_session (json_node_get_object (reply));
  state = json_object_get_string_member (json_node_get_object (reply), "state");
  return g_str_equal (state, "answered") || g_str_equal (state, "waiting_approval") ? EXIT_SUCCESS
                                                                                   : EXS_EXIT_FAILURE;
}
