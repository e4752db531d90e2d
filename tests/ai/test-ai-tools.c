/* The tool registry and its schema check, without a server: unknown tools
 * and bad arguments never reach a handler; "data-path" arguments stay in
 * the data dir (symbolic links included); redaction hides paths. */
#include "config.h"

#include "exs-ai-agent.h"
#include "exs-ai-schema.h"
#include "exs-ai-tool-registry.h"
#include "exs-ai-tools.h"
#include "exs-auto-resolver.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

static guint handler_runs;

static JsonNode *
echo_handler (JsonObject *args, gpointer data, GError **error)
{
  JsonNode *n = json_node_new (JSON_NODE_OBJECT);

  handler_runs++;
  json_node_set_object (n, args);
  return n;
}

static JsonNode *
parse (const char *text)
{
  g_autoptr (JsonParser) p = json_parser_new ();

  g_assert_true (json_parser_load_from_data (p, text, -1, NULL));
  return json_node_copy (json_parser_get_root (p));
}

static ExsAiToolRegistry *
make_registry (const char *data_dir)
{
  ExsAiToolRegistry *r = exs_ai_tool_registry_new (data_dir);

  exs_ai_tool_registry_add (r, "probe",
                            "test",
                            "{\"type\": \"object\", \"properties\": {"
                            "\"channel\": {\"type\": \"string\", \"pattern\": \"^[0-9]{1,5}$\", \"maxLength\": 5},"
                            "\"mode\": {\"type\": \"string\", \"enum\": [\"fast\", \"slow\"]},"
                            "\"count\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\": 10},"
                            "\"path\": {\"type\": \"string\", \"format\": \"data-path\"}},"
                            "\"required\": [\"channel\"]}",
                            EXS_AI_RISK_READ, echo_handler, NULL);
  return r;
}

static void
expect_refused (ExsAiToolRegistry *r, const char *tool, const char *args, int code, const char *why_part)
{
  g_autoptr (JsonNode) node = parse (args);
  g_autoptr (GError) error = NULL;
  guint before = handler_runs;
  g_autoptr (JsonNode) result = exs_ai_tool_registry_run (r, tool, node, &error);

  g_assert_null (result);
  g_assert_error (error, EXS_AI_ERROR, code);
  if (strstr (error->message, why_part) == NULL)
    g_error ("“%s” lacks “%s”", error->message, why_part);
  g_assert_cmpuint (handler_runs, ==, before);
}

static void
test_schema (void)
{
  g_autofree char *dir = g_dir_make_tmp ("exs-ai-XXXXXX", NULL);
  g_autofree char *inside = g_build_filename (dir, "media", "clip.mkv", NULL);
  g_autofree char *ok_args = g_strdup_printf ("{\"channel\": \"12\", \"mode\": \"fast\", \"count\": 3, \"path\": \"%s\"}",
                                              inside);
  g_autoptr (ExsAiToolRegistry) r = make_registry (dir);
  g_autoptr (JsonNode) ok = parse (ok_args);
  g_autoptr (JsonNode) result = NULL;
  g_autoptr (GError) error = NULL;

  result = exs_ai_tool_registry_run (r, "probe", ok, &error);
  g_assert_no_error (error);
  g_assert_nonnull (result);
  g_assert_cmpuint (handler_runs, ==, 1);

  expect_refused (r, "rm", "{}", EXS_AI_ERROR_UNKNOWN_TOOL, "no tool");
  expect_refused (r, "probe", "{}", EXS_AI_ERROR_INVALID_ARGUMENTS, "required “channel”");
  expect_refused (r, "probe", "{\"channel\": 12}", EXS_AI_ERROR_INVALID_ARGUMENTS, "must be a string");
  expect_refused (r, "probe", "{\"channel\": \"12a\"}", EXS_AI_ERROR_INVALID_ARGUMENTS, "does not match");
  expect_refused (r, "probe", "{\"channel\": \"123456\"}", EXS_AI_ERROR_INVALID_ARGUMENTS, "longer than 5");
  expect_refused (r, "probe", "{\"channel\": \"1\", \"mode\": \"turbo\"}", EXS_AI_ERROR_INVALID_ARGUMENTS,
                  "allowed values");
  expect_refused (r, "probe", "{\"channel\": \"1\", \"count\": 11}", EXS_AI_ERROR_INVALID_ARGUMENTS, "above 10");
  expect_refused (r, "probe", "{\"channel\": \"1\", \"count\": 1.5}", EXS_AI_ERROR_INVALID_ARGUMENTS, "whole number");
  expect_refused (r, "probe", "{\"channel\": \"1\", \"shell\": \"ls\"}", EXS_AI_ERROR_INVALID_ARGUMENTS,
                  "does not take");
  expect_refused (r, "probe", "[1, 2]", EXS_AI_ERROR_INVALID_ARGUMENTS, "must be an object");
  expect_refused (r, "probe", "{\"channel\": \"1\", \"path\": \"/etc/passwd\"}", EXS_AI_ERROR_INVALID_ARGUMENTS,
                  "outside the data dir");
  expect_refused (r, "probe", "{\"channel\": \"1\", \"path\": \"media/../../x\"}", EXS_AI_ERROR_INVALID_ARGUMENTS,
                  "outside the data dir");

  /* switched off: refused like an unknown tool */
  exs_ai_tool_registry_set_offered (r, "probe", FALSE);
  expect_refused (r, "probe", ok_args, EXS_AI_ERROR_UNKNOWN_TOOL, "no tool");
  {
    g_autoptr (JsonArray) offered = exs_ai_tool_registry_dup_tools_json (r);
    g_assert_cmpuint (json_array_get_length (offered), ==, 0);
  }
  g_rmdir (dir);
}

static void
test_symlink_out_of_data_dir (void)
{
  g_autofree char *dir = g_dir_make_tmp ("exs-ai-XXXXXX", NULL);
  g_autofree char *link = g_build_filename (dir, "escape", NULL);
  g_autofree char *through = g_build_filename (link, "passwd", NULL);
  g_autofree char *plain = g_build_filename (dir, "exstreamtv.db", NULL);

  g_assert_cmpint (symlink ("/etc", link), ==, 0);
  g_assert_false (exs_ai_schema_path_in_dir (through, dir));
  g_assert_true (exs_ai_schema_path_in_dir (plain, dir));
  g_assert_false (exs_ai_schema_path_in_dir ("", dir));
  g_assert_false (exs_ai_schema_path_in_dir (plain, NULL));
  g_unlink (link);
  g_rmdir (dir);
}

static void
test_redact (void)
{
  g_autofree char *a = exs_ai_agent_redact ("cannot open /srv/media/Secret Film (2020).mkv: no such file");
  g_autofree char *b = exs_ai_agent_redact ("uri file:///home/anna/videos/x.mp4 failed");
  g_autofree char *d = exs_ai_agent_redact ("3/5 failures; /x/Dr.Who.S01E02.MKV done");
  g_autofree char *c = exs_ai_agent_redact ("channel 1984.1: dropping viewer 192.168.1.20 and fe80::1 at 12:30");

  g_assert_cmpstr (a, ==, "cannot open [path]: no such file");
  g_assert_nonnull (strstr (a, "[path]"));
  g_assert_cmpstr (b, ==, "uri [path] failed");
  g_assert_cmpstr (d, ==, "3/5 failures; [path] done");
  g_assert_cmpstr (c, ==, "channel 1984.1: dropping viewer [address] and [address] at 12:30");
}

static void
on_hand_over_cb (ExsAutoResolver *resolver, const char *number, const char *detail, GPtrArray *seen)
{
  g_ptr_array_add (seen, g_strdup_printf ("%s: %s", number, detail));
}

/* A failure no rule matches is recorded and handed over (only when enabled). */
static void
test_resolver_hand_over (void)
{
  g_autoptr (ExsAutoResolver) on = exs_auto_resolver_new (NULL, TRUE, EXS_RISK_MEDIUM, 6);
  g_autoptr (ExsAutoResolver) off = exs_auto_resolver_new (NULL, FALSE, EXS_RISK_MEDIUM, 6);
  g_autoptr (GPtrArray) seen = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (JsonObject) json = NULL;
  JsonObject *d;

  g_signal_connect (on, "hand-over", G_CALLBACK (on_hand_over_cb), seen);
  g_signal_connect (off, "hand-over", G_CALLBACK (on_hand_over_cb), seen);
  exs_auto_resolver_hand_over (on, "7", "pipeline error: not-negotiated");
  exs_auto_resolver_hand_over (off, "8", "pipeline error");
  g_assert_cmpuint (seen->len, ==, 1);
  g_assert_cmpstr (seen->pdata[0], ==, "7: pipeline error: not-negotiated");
  json = exs_auto_resolver_dup_json (on);
  d = json_array_get_object_element (json_object_get_array_member (json, "decisions"), 0);
  g_assert_cmpstr (json_object_get_string_member (d, "outcome"), ==, "handed_over");
  g_assert_cmpstr (json_object_get_string_member (d, "action"), ==, "ai_diagnose");
  g_assert_cmpuint (exs_auto_resolver_get_n_decisions (off), ==, 1); /* recorded as disabled */
}

/* The resolver's skip_item runs through the registry's tool; nothing else does. */
static void
test_resolver_actions_through_registry (void)
{
  g_autoptr (ExsAiToolRegistry) r = exs_ai_tool_registry_new (NULL);
  guint before = handler_runs;

  exs_ai_tool_registry_add (r, "skip_item", "test",
                            "{\"type\": \"object\", \"properties\": {\"channel\": {\"type\": \"string\", "
                            "\"pattern\": \"^[0-9]{1,5}$\"}}, \"required\": [\"channel\"]}",
                            EXS_AI_RISK_LOW, echo_handler, NULL);
  exs_ai_tools_run_resolver_action (r, "skip_item", "12", "3 failures");
  g_assert_cmpuint (handler_runs, ==, before + 1);
  exs_ai_tools_run_resolver_action (r, "restart_channel", "12", "stalled");   /* the guard did it */
  exs_ai_tools_run_resolver_action (r, "skip_item", NULL, "server-wide");
  exs_ai_tools_run_resolver_action (r, "skip_item", "12; reboot", "bad");    /* schema: refused */
  g_assert_cmpuint (handler_runs, ==, before + 1);
  exs_ai_tool_registry_set_offered (r, "skip_item", FALSE);                 /* hot_swap_enabled = false */
  exs_ai_tools_run_resolver_action (r, "skip_item", "12", "3 failures");
  g_assert_cmpuint (handler_runs, ==, before + 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ai/tools/schema", test_schema);
  g_test_add_func ("/ai/tools/symlink-out-of-data-dir", test_symlink_out_of_data_dir);
  g_test_add_func ("/ai/tools/redact", test_redact);
  g_test_add_func ("/ai/tools/resolver-hand-over", test_resolver_hand_over);
  g_test_add_func ("/ai/tools/resolver-actions-through-registry", test_resolver_actions_through_registry);
  return g_test_run ();
}
