/* exs-cli-profiles.c: `exstreamtv profiles [list | show NAME | add JSON |
 * set NAME JSON | remove NAME]`.
 *
 * The formats channels send, through the running server's /api/profiles:
 * every check is the API's, and a bad field exits 1 with the server's
 * message naming it (docs/api/profiles.md).
 */
#include "config.h"

#include "exs-cli-private.h"

#include "exs-application.h"

static void
print_row (JsonObject *p)
{
  JsonNode *quality = json_object_get_member (p, "video_quality");
  g_autofree char *rate = JSON_NODE_HOLDS_NULL (quality)
                              ? g_strdup_printf ("%" G_GINT64_FORMAT " kbps",
                                                 json_object_get_int_member (p, "video_bitrate_kbps"))
                              : g_strdup_printf ("quality %" G_GINT64_FORMAT, json_node_get_int (quality));

  /* data lines, not translated (scripts read them) */
  g_print ("%-20s  %4" G_GINT64_FORMAT "x%-4" G_GINT64_FORMAT " %2" G_GINT64_FORMAT " fps  %-4s %-12s  %3g s  %-3s %-6s "
           "%" G_GINT64_FORMAT " kbps%s\n",
           json_object_get_string_member (p, "name"), json_object_get_int_member (p, "width"),
           json_object_get_int_member (p, "height"), json_object_get_int_member (p, "fps"),
           json_object_get_string_member (p, "video_codec"), rate,
           json_object_get_double_member (p, "keyframe_interval"), json_object_get_string_member (p, "audio_codec"),
           json_object_get_string_member (p, "audio_channels"), json_object_get_int_member (p, "audio_bitrate_kbps"),
           json_object_get_boolean_member (p, "builtin") ? "  (built in)" : "");
}

static char *
profile_path (const char *name)
{
  g_autofree char *esc = g_uri_escape_string (name, NULL, FALSE);

  return g_strconcat ("/api/profiles/", esc, NULL);
}

/* One request; prints the reply (a list, or the profile) when it is @ok. */
static int
request (ExsCliClient *c, const char *method, const char *path, const char *json, guint ok)
{
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (JsonNode) reply = NULL;
  g_autoptr (GError) error = NULL;

  if (json && (body = json_from_string (json, &error)) == NULL)
    {
      g_autofree char *msg = g_strdup_printf (_("the profile must be a JSON object: %s"), error->message);
      return exs_cli_usage_error (msg);
    }
  if (!exs_cli_request (c, method, path, body, ok, &reply))
    return EXS_EXIT_FAILURE;
  if (reply && json_object_has_member (json_node_get_object (reply), "profiles"))
    {
      JsonArray *arr = json_object_get_array_member (json_node_get_object (reply), "profiles");

      for (guint i = 0; i < json_array_get_length (arr); i++)
        print_row (json_array_get_object_element (arr, i));
    }
  else if (reply)
    print_row (json_node_get_object (reply));
  return EXIT_SUCCESS;
}

int
exs_cli_profiles_run (ExsCliClient *c, int argc, char **argv)
{
  g_autofree char *path = argc >= 3 ? profile_path (argv[2]) : NULL;

  if (argc == 1 || (argc == 2 && g_str_equal (argv[1], "list")))
    return request (c, "GET", "/api/profiles", NULL, 200);
  if (argc == 3 && g_str_equal (argv[1], "show"))
    return request (c, "GET", path, NULL, 200);
  if (argc == 3 && g_str_equal (argv[1], "add"))
    return request (c, "POST", "/api/profiles", argv[2], 201);
  if (argc == 4 && g_str_equal (argv[1], "set"))
    return request (c, "PATCH", path, argv[3], 200);
  if (argc == 3 && g_str_equal (argv[1], "remove"))
    {
      int status = request (c, "DELETE", path, NULL, 204);

      if (status == EXIT_SUCCESS)
        g_print (_("removed profile %s\n"), argv[2]);
      return status;
    }
  return exs_cli_usage_error (_("profiles takes: list, show NAME, add JSON, set NAME JSON or remove NAME"));
}
