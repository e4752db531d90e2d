/* The real paths end to end, through the real server:
 *  - the XMLTV guide that the real playout builder scheduled (the --demo
 *    lineup) validates with tv_validate_file;
 *  - an old database file, made with the first steps of the program's own
 *    migrations, is upgraded by the server at start-up and keeps its rows. */
#include "config.h"

#include "exs-database.h"
#include "../iptv/exs-iptv-check.h"
#include "exs-test-server.h"

#include <string.h>

static gboolean
guide_has_programmes (gpointer data)
{
  ExsTestServer *s = data;
  g_autoptr (ExsTestReply) r = exs_test_server_request (s, "GET", "/iptv/xmltv.xml", NULL, FALSE);

  return r->status == 200 && strstr (r->body, "<title>Demo Shorts</title>") != NULL;
}

static void
test_xmltv_from_the_playout_builder (void)
{
  const char *const args[] = { "--demo", NULL };
  g_autoptr (ExsTestServer) s = exs_test_server_start (NULL, args, NULL);
  g_autoptr (ExsTestReply) guide = NULL;
  g_autofree char *path = NULL;
  guint programmes = 0;

  /* the server's own start-up build fills the guide */
  g_assert_true (exs_test_wait_for (guide_has_programmes, s, 120));
  guide = exs_test_server_request (s, "GET", "/iptv/xmltv.xml", NULL, FALSE);
  g_assert_cmpuint (guide->status, ==, 200);
  for (const char *p = guide->body; (p = strstr (p, "<programme ")) != NULL; p++)
    programmes++;
  g_test_message ("%u programmes", programmes);
  g_assert_cmpuint (programmes, >, 10);
  g_assert_nonnull (strstr (guide->body, "channel=\"1984.1.exstreamtv\""));
  g_assert_nonnull (strstr (guide->body, "<episode-num system=\"xmltv_ns\">"));
  path = exs_check_write_temp ("guide.xml", guide->body, strlen (guide->body));
  exs_check_xmltv_validates (path);
  exs_check_remove_temp (path);
  g_assert_cmpint (exs_test_server_stop (s, NULL), ==, 0);
}

/* Every older schema the program has shipped: the first @n steps of its
 * migrations, with a channel in it, upgraded by the real server. */
static void
test_schema_upgrade (void)
{
  guint n_all = 0;
  const ExsMigration *all = exs_database_get_migrations (&n_all);

  g_assert_cmpuint (n_all, >=, 2);
  for (guint n = 1; n < n_all; n++)
    {
      g_autofree char *dir = exs_test_make_temp_dir ();
      g_autofree char *path = g_build_filename (dir, "exstreamtv.db", NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (ExsDatabase) old = exs_database_open_with_migrations (path, all, n, &error);
      g_autoptr (ExsTestReply) health = NULL;
      g_autoptr (ExsTestReply) channel = NULL;
      g_autoptr (ExsTestReply) playout = NULL;
      g_autoptr (ExsTestServer) s = NULL;

      g_test_message ("from schema %d (%s)", all[n - 1].version, all[n - 1].name);
      g_assert_no_error (error);
      g_assert_cmpint (exs_database_get_schema_version (old), ==, all[n - 1].version);
      g_assert_true (exs_database_exec (old,
                                        "INSERT INTO channels (number, number_major, name, created_at, updated_at)"
                                        " VALUES ('7', 7, 'Kept across the upgrade', 0, 0)",
                                        &error));
      g_assert_no_error (error);
      exs_database_close (old);

      s = exs_test_server_start (dir, NULL, NULL);
      health = exs_test_server_request (s, "GET", "/api/health", NULL, FALSE);
      g_assert_cmpuint (health->status, ==, 200);
      g_assert_cmpint (json_object_get_int_member (
                           json_object_get_object_member (exs_test_reply_object (health), "database"),
                           "schema_version"),
                       ==, all[n_all - 1].version);
      channel = exs_test_server_request (s, "GET", "/api/channels/7", NULL, TRUE);
      g_assert_cmpuint (channel->status, ==, 200);
      g_assert_cmpstr (json_object_get_string_member (exs_test_reply_object (channel), "name"), ==,
                       "Kept across the upgrade");
      playout = exs_test_server_request (s, "GET", "/api/channels/7/playout", NULL, TRUE);
      g_assert_cmpuint (playout->status, ==, 200);
      g_assert_cmpint (exs_test_server_stop (s, NULL), ==, 0);
      exs_test_remove_tree (dir);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/app/real-paths/xmltv-from-the-playout-builder", test_xmltv_from_the_playout_builder);
  g_test_add_func ("/app/real-paths/schema-upgrade", test_schema_upgrade);
  return g_test_run ();
}
