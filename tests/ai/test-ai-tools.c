/* The tool registry and its schema check, without a server: unknown tools
 * and bad arguments never reach a handler; "data-path" arguments stay in
 * the data dir (symbolic links included); redaction hides paths. */
#include "config.h"

#include "exs-ai-agent.h"
#include "exs-ai-schema.h"
#include "exs-ai-tool-registry.h"

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
  g_autofree char *c = exs_ai_agent_redact ("channel 1984.1: dropping viewer 192.168.1.20 and fe80::1 at 12:30");

  g_assert_cmpstr (a, ==, "cannot open [path]: no such file");
  g_assert_nonnull (strstr (a, "[path]"));
  g_assert_null (strstr (b, "anna"));
  g_assert_cmpstr (c, ==, "channel 1984.1: dropping viewer [address] and [address] at 12:30");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ai/tools/schema", test_schema);
  g_test_add_func ("/ai/tools/symlink-out-of-data-dir", test_symlink_out_of_data_dir);
  g_test_add_func ("/ai/tools/redact", test_redact);
  return g_test_run ();
}
