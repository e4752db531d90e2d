/* exs-cli-private.h: what the command families of the CLI share */
#pragma once

#include <glib/gi18n.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

typedef struct
{
  SoupSession *session;
  char *base_url;
  char *token;
} ExsCliClient;

#define EXS_CLI_LIBRARY_USAGE                                                                              \
  N_("  library list                         List libraries and their scan state\n"                           \
  "  library show ID                      Show one library (folders, counts, last scan)\n"                 \
  "  library add NAME KIND FOLDER…        Add a library (KIND: movies, shows, music_videos,\n"            \
  "                                       other_videos, music) and scan it [--no-scan]\n"                  \
  "  library add --url NAME KIND URL…     Add a URL library: media or M3U URLs, archive:ID, ytdl:PAGE\n"   \
  "  library add-server NAME KIND --source plex|jellyfin|emby --url URL --token-file FILE\n"               \
  "                                       [--remote-library ID]… [--map SERVER_PATH=LOCAL_PATH]… [--no-sync]\n" \
  "                                       Add a Plex, Jellyfin or Emby library and sync it\n"                \
  "  library remote ID                    List the server libraries a media-server library can sync\n"     \
  "  library paths ID FOLDER…             Replace a library's folders and rescan\n"                        \
  "  library scan ID [--full] [--wait]    Scan now (--full probes every file again)\n"                     \
  "  library remove ID                    Remove a library and its items\n")

#define EXS_CLI_PROFILES_USAGE                                                                             \
  N_("  profiles [list]                      List the profiles (the formats channels send)\n"                 \
  "  profiles show NAME                   Show one profile\n"                                             \
  "  profiles add JSON                    Make a profile, e.g. '{\"name\": \"HEVC\", \"video_codec\": \"hevc\"}'\n" \
  "  profiles set NAME JSON               Change a profile's fields\n"                                    \
  "  profiles remove NAME                 Remove a profile no channel uses\n")

#define EXS_CLI_AI_USAGE                                                                                   \
  N_("  diagnose NUMBER [--question TEXT]    Ask the AI agent why a channel misbehaves (docs/ai.md)\n")

gboolean exs_cli_call (ExsCliClient  *client,
                       const char    *method,
                       const char    *path,
                       JsonNode      *body,
                       guint         *status,
                       JsonNode     **reply);
gboolean exs_cli_request (ExsCliClient  *client,
                          const char    *method,
                          const char    *path,
                          JsonNode      *body,
                          guint          expected,
                          JsonNode     **reply);
int exs_cli_show (ExsCliClient *client,
                  const char   *path);
/* Prints one record of a list as a line. */
typedef void (*ExsCliPrintRow) (JsonObject *row);
int exs_cli_list (ExsCliClient  *client,
                  const char    *path,
                  const char    *member,
                  const char    *header,
                  ExsCliPrintRow print_row,
                  const char    *empty);
int exs_cli_remove (ExsCliClient *client,
                    const char   *path,
                    const char   *done);
gboolean exs_cli_parse_options (const GOptionEntry *entries,
                                const char         *parameters,
                                int                *argc,
                                char             ***argv);
int exs_cli_report_failure (guint     status,
                            JsonNode *reply);
int exs_cli_usage_error (const char *message);
int exs_cli_ai_run (ExsCliClient  *client,
                    int            argc,
                    char         **argv);
int exs_cli_profiles_run (ExsCliClient  *client,
                          int            argc,
                          char         **argv);
int exs_cli_upstream_import (ExsCliClient  *client,
                             int            argc,
                             char         **argv);
int exs_cli_library_run (ExsCliClient  *client,
                         int            argc,
                         char         **argv);

G_END_DECLS
