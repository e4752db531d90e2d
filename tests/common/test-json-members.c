/* Optional JSON members: a missing text is written as null, never left out. */
#include "config.h"

#include "exs-json-members.h"

static void
test_string_or_null (void)
{
  g_autoptr (JsonObject) o = json_object_new ();

  exs_json_set_string_or_null (o, "title", "News at Ten");
  exs_json_set_string_or_null (o, "subtitle", NULL);
  exs_json_set_string_or_null (o, "empty", "");

  g_assert_cmpstr (json_object_get_string_member (o, "title"), ==, "News at Ten");
  g_assert_true (json_object_has_member (o, "subtitle"));
  g_assert_true (json_object_get_null_member (o, "subtitle"));
  g_assert_false (json_object_get_null_member (o, "empty"));
  g_assert_cmpstr (json_object_get_string_member (o, "empty"), ==, "");

  /* a second call replaces the first */
  exs_json_set_string_or_null (o, "title", NULL);
  g_assert_true (json_object_get_null_member (o, "title"));
  g_assert_cmpuint (json_object_get_size (o), ==, 3);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/common/json-members/string-or-null", test_string_or_null);
  return g_test_run ();
}
