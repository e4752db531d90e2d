/* data/grafana/exstreamtv-dashboard.json: valid JSON that Grafana can
 * import, and every metric it graphs is one the real server exports. */
#include "config.h"

#include "exs-test-server.h"

#include <string.h>

static JsonObject *
load_dashboard (JsonParser *parser)
{
  g_autofree char *path = g_build_filename (g_getenv ("EXSTREAMTV_SOURCE_DIR"), "data", "grafana",
                                            "exstreamtv-dashboard.json", NULL);
  g_autoptr (GError) error = NULL;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_node_get_object (json_parser_get_root (parser));
}

static void
test_dashboard (void)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *d = load_dashboard (parser);
  g_autoptr (ExsTestServer) server = exs_test_server_start (NULL, NULL, NULL);
  g_autoptr (ExsTestReply) metrics = exs_test_server_request (server, "GET", "/metrics", NULL, FALSE);
  g_autoptr (GRegex) name_re = g_regex_new ("exstreamtv_[a-z_]+", 0, 0, NULL);
  g_autoptr (GHashTable) ids = g_hash_table_new (g_direct_hash, g_direct_equal);
  JsonArray *panels;
  guint checked = 0;

  g_assert_cmpuint (metrics->status, ==, 200);
  g_assert_cmpstr (json_object_get_string_member (d, "title"), ==, "EXStreamTV");
  g_assert_nonnull (json_object_get_string_member (d, "uid"));
  g_assert_cmpint (json_object_get_int_member (d, "schemaVersion"), >=, 30);
  panels = json_object_get_array_member (d, "panels");
  g_assert_cmpuint (json_array_get_length (panels), >=, 10);
  for (guint i = 0; i < json_array_get_length (panels); i++)
    {
      JsonObject *p = json_array_get_object_element (panels, i);
      JsonArray *targets = json_object_get_array_member (p, "targets");
      gint64 id = json_object_get_int_member (p, "id");

      g_assert_false (g_hash_table_contains (ids, GINT_TO_POINTER (id))); /* ids are unique */
      g_hash_table_add (ids, GINT_TO_POINTER (id));
      g_assert_true (json_object_has_member (p, "gridPos"));
      g_assert_cmpuint (json_array_get_length (targets), >, 0);
      for (guint t = 0; t < json_array_get_length (targets); t++)
        {
          const char *expr = json_object_get_string_member (json_array_get_object_element (targets, t), "expr");
          g_autoptr (GMatchInfo) m = NULL;

          g_regex_match (name_re, expr, 0, &m);
          g_assert_true (g_match_info_matches (m));
          while (g_match_info_matches (m))
            {
              g_autofree char *name = g_match_info_fetch (m, 0);
              g_autofree char *type_line = g_strdup_printf ("# TYPE %s ", name);

              if (strstr (metrics->body, type_line) == NULL)
                g_error ("panel “%s” graphs %s, which /metrics does not export",
                         json_object_get_string_member (p, "title"), name);
              checked++;
              g_match_info_next (m, NULL);
            }
        }
    }
  g_assert_cmpuint (checked, >=, 20);
  exs_test_server_stop (server, NULL);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/data/grafana-dashboard", test_dashboard);
  return g_test_run ();
}
