/* exs-cli-upstream.c: `exstreamtv channel import-m3u FILE` — upstream live
 * channels from an M3U playlist, through POST /api/channels/import-m3u.
 *
 * FILE is read here (- is stdin) and sent as the body's "m3u"; --guide names
 * the XMLTV of those channels (an http(s) URL, or a file: made absolute, as
 * the server reads it). Prints what was created and each skipped line with
 * its number; exits 1 when the server refuses the import, 2 on wrong usage.
 */
#include "config.h"

#include "exs-cli-private.h"

#include "exs-application.h"

#include <gio/gunixinputstream.h>

static char *
read_playlist (const char *file, gsize *length, GError **error)
{
  g_autoptr (GInputStream) in = NULL;
  g_autoptr (GOutputStream) out = g_memory_output_stream_new_resizable ();

  if (g_str_equal (file, "-"))
    in = g_unix_input_stream_new (0, FALSE);
  else
    {
      g_autoptr (GFile) f = g_file_new_for_commandline_arg (file);
      in = G_INPUT_STREAM (g_file_read (f, NULL, error));
      if (in == NULL)
        return NULL;
    }
  if (g_output_stream_splice (out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, NULL, error) < 0)
    return NULL;
  *length = g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out));
  /* a NUL after the data: the JSON string needs one */
  g_output_stream_write_all (out, "", 1, NULL, NULL, NULL);
  return g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (out));
}

int
exs_cli_upstream_import (ExsCliClient *c, int argc, char **argv)
{
  g_autofree char *guide = NULL;
  g_autofree char *first = NULL;
  const GOptionEntry entries[] = {
    { "guide", 'g', 0, G_OPTION_ARG_STRING, &guide, N_("The channels' XMLTV guide"), N_("URL|FILE") },
    { "first-number", 'n', 0, G_OPTION_ARG_STRING, &first, N_("Number channels without tvg-chno from here"),
      N_("NUMBER") },
    { NULL }
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonBuilder) b = json_builder_new ();
  g_autoptr (JsonNode) body = NULL;
  g_autoptr (JsonNode) reply = NULL;
  g_autofree char *text = NULL;
  JsonArray *created, *skipped;
  gsize length = 0;
  guint status;

  if (!exs_cli_parse_options (entries, _("FILE"), &argc, &argv))
    return EXS_EXIT_USAGE;
  if (argc != 2)
    return exs_cli_usage_error (_("channel import-m3u needs one FILE (- for stdin)"));
  text = read_playlist (argv[1], &length, &error);
  if (text == NULL)
    {
      g_printerr (_("%s: %s\n"), argv[1], error->message);
      return EXS_EXIT_FAILURE;
    }
  if (!g_utf8_validate_len (text, length, NULL))
    {
      g_printerr (_("%s: not UTF-8 text\n"), argv[1]);
      return EXS_EXIT_FAILURE;
    }
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "m3u");
  json_builder_add_string_value (b, text);
  if (guide)
    {
      g_autofree char *abs = g_str_has_prefix (guide, "http://") || g_str_has_prefix (guide, "https://")
                                 ? g_strdup (guide)
                                 : g_canonicalize_filename (guide, NULL);
      json_builder_set_member_name (b, "guide");
      json_builder_add_string_value (b, abs);
    }
  if (first)
    {
      json_builder_set_member_name (b, "first_number");
      json_builder_add_string_value (b, first);
    }
  json_builder_end_object (b);
  body = json_builder_get_root (b);
  if (!exs_cli_call (c, "POST", "/api/channels/import-m3u", body, &status, &reply))
    return EXS_EXIT_FAILURE;
  if ((status != 200 && status != 201) || reply == NULL)
    return exs_cli_report_failure (status, reply);
  created = json_object_get_array_member (json_node_get_object (reply), "created");
  skipped = json_object_get_array_member (json_node_get_object (reply), "skipped");
  for (guint i = 0; i < json_array_get_length (created); i++)
    {
      JsonObject *o = json_array_get_object_element (created, i);
      g_print (_("added channel %s (%s)\n"), json_object_get_string_member (o, "number"),
               json_object_get_string_member (o, "name"));
    }
  for (guint i = 0; i < json_array_get_length (skipped); i++)
    {
      JsonObject *o = json_array_get_object_element (skipped, i);
      g_print (_("%s:%" G_GINT64_FORMAT ": skipped: %s\n"), argv[1], json_object_get_int_member (o, "line"),
               json_object_get_string_member (o, "reason"));
    }
  g_print (_("%u channels added, %u lines skipped\n"), json_array_get_length (created),
           json_array_get_length (skipped));
  return EXIT_SUCCESS;
}
