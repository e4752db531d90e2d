/* exs-media-server-config.h: a Plex, Jellyfin or Emby library's settings,
 * kept as the library's source_config JSON: the server, its token, which of
 * its libraries to sync and the path mappings */
#pragma once

#include <json-glib/json-glib.h>

#include "exs-path-mapping.h"

G_BEGIN_DECLS

#define EXS_MEDIA_SERVER_ERROR (exs_media_server_error_quark ())
GQuark exs_media_server_error_quark (void);

typedef enum
{
  EXS_MEDIA_SERVER_ERROR_INVALID,      /* a setting is wrong (the message names it) */
  EXS_MEDIA_SERVER_ERROR_UNREACHABLE,  /* cannot connect, or it timed out */
  EXS_MEDIA_SERVER_ERROR_UNAUTHORIZED, /* the server refused the token (401/403) */
  EXS_MEDIA_SERVER_ERROR_BAD_REPLY,    /* an HTTP error, a reply too big or not the JSON expected */
  EXS_MEDIA_SERVER_ERROR_TOO_MANY,     /* more items than a library may hold */
} ExsMediaServerError;

typedef enum
{
  EXS_MEDIA_SERVER_PLEX,
  EXS_MEDIA_SERVER_JELLYFIN,
  EXS_MEDIA_SERVER_EMBY,
} ExsMediaServerKind;

#define EXS_MEDIA_SERVER_MAX_URL 2048
#define EXS_MEDIA_SERVER_MAX_TOKEN 512
#define EXS_MEDIA_SERVER_MAX_SELECTED 64

typedef struct
{
  ExsMediaServerKind kind;
  char *url;             /* http(s)://host:port[/prefix], no trailing slash */
  char *token;           /* (nullable) Plex token or Jellyfin/Emby API key: never shown or logged */
  GPtrArray *libraries;  /* (element-type utf8) the server library ids to sync; empty: all of the kind */
  ExsPathMappings *mappings;
  guint timeout_s;       /* per request */
} ExsMediaServerConfig;

ExsMediaServerConfig *exs_media_server_config_new (ExsMediaServerKind kind);
void exs_media_server_config_free (ExsMediaServerConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExsMediaServerConfig, exs_media_server_config_free)

ExsMediaServerConfig *exs_media_server_config_copy (const ExsMediaServerConfig *config);
gboolean exs_media_server_kind_from_source (const char         *source,
                                            ExsMediaServerKind *kind);
const char *exs_media_server_kind_to_source (ExsMediaServerKind kind);
const char *exs_media_server_kind_to_name (ExsMediaServerKind kind);

ExsMediaServerConfig *exs_media_server_config_from_json (ExsMediaServerKind   kind,
                                                         const char          *json,
                                                         GError             **error);
gboolean exs_media_server_config_apply_json (ExsMediaServerConfig  *config,
                                             JsonObject            *object,
                                             char                 **field,
                                             GError               **error);
char *exs_media_server_config_to_json (const ExsMediaServerConfig *config);
JsonObject *exs_media_server_config_to_public_json (const ExsMediaServerConfig *config);

G_END_DECLS

G_BEGIN_DECLS
void exs_media_server_auth_header (ExsMediaServerKind   kind,
                                   const char          *token,
                                   const char         **name,
                                   char               **value);
G_END_DECLS
