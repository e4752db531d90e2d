/* exs-web-sessions.h: browser sessions and one-time login links for the web UI */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

#define EXS_WEB_SESSION_COOKIE "exs_session"
#define EXS_WEB_LINK_LIFETIME_S 300
#define EXS_WEB_MAX_LINKS 32

typedef enum
{
  EXS_WEB_AUTH_NONE,            /* no valid session cookie */
  EXS_WEB_AUTH_OK,              /* a valid cookie, and the request may use it */
  EXS_WEB_AUTH_ORIGIN_MISMATCH, /* a valid cookie on a state-changing request from another origin */
} ExsWebAuth;

#define EXS_TYPE_WEB_SESSIONS (exs_web_sessions_get_type ())
G_DECLARE_FINAL_TYPE (ExsWebSessions, exs_web_sessions, EXS, WEB_SESSIONS, GObject)

ExsWebSessions *exs_web_sessions_new (void);

char *exs_web_sessions_create_link (ExsWebSessions  *self,
                                    const char      *next,
                                    GError         **error);
char *exs_web_sessions_redeem_link (ExsWebSessions  *self,
                                    const char      *code,
                                    char           **next);
char *exs_web_sessions_create_session (ExsWebSessions *self);
void exs_web_sessions_revoke (ExsWebSessions *self,
                              const char     *session_id);
guint exs_web_sessions_count (ExsWebSessions *self);

ExsWebAuth exs_web_sessions_authorize (ExsWebSessions    *self,
                                       SoupServerMessage *msg);
char *exs_web_sessions_dup_cookie (SoupServerMessage *msg);
gboolean exs_web_sessions_origin_matches (SoupServerMessage *msg);
void exs_web_sessions_set_cookie (SoupServerMessage *msg,
                                  const char        *session_id);
void exs_web_sessions_clear_cookie (SoupServerMessage *msg);
gboolean exs_web_sessions_is_safe_next (const char *next);

G_END_DECLS
