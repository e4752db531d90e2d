/* exs-web-sessions.c: ExsWebSessions, who is logged in to the web UI.
 *
 * Two kinds of secret, both 256 random bits from the kernel, both kept only
 * as their SHA-256 (so a lookup leaks no timing about the secret itself and a
 * memory dump holds nothing usable):
 *   - one-time login links: redeemed once, within EXS_WEB_LINK_LIFETIME_S, at
 *     most EXS_WEB_MAX_LINKS outstanding;
 *   - sessions: the value of the HttpOnly, SameSite=Strict cookie a redeemed
 *     link (or the admin token) buys; they end on logout, after a week
 *     unused, or when MAX_SESSIONS newer ones push them out.
 * A cookie authenticates /api/ like the bearer token does, except that a
 * state-changing request (not GET/HEAD) must come from the server's own
 * origin: the CSRF rule. Memory only: a restart logs everyone out.
 * Main thread only.
 */
#include "config.h"

#include "exs-web-sessions.h"

#include "exs-fs.h"
#include "exs-http-error.h"

#include <string.h>

#define SECRET_BYTES 32
#define MAX_SESSIONS 256
#define SESSION_IDLE_US (7 * G_TIME_SPAN_DAY)

typedef struct
{
  gint64 expires_us; /* monotonic */
  char *next;        /* nullable */
} Link;

typedef struct
{
  gint64 last_used_us; /* monotonic */
} Session;

struct _ExsWebSessions
{
  GObject parent_instance;

  GHashTable *links;    /* sha256 hex -> Link* */
  GHashTable *sessions; /* sha256 hex -> Session* */
};

G_DEFINE_TYPE (ExsWebSessions, exs_web_sessions, G_TYPE_OBJECT)

static void
link_free (Link *l)
{
  g_free (l->next);
  g_free (l);
}

static void
exs_web_sessions_finalize (GObject *object)
{
  ExsWebSessions *self = EXS_WEB_SESSIONS (object);

  g_hash_table_unref (self->links);
  g_hash_table_unref (self->sessions);
  G_OBJECT_CLASS (exs_web_sessions_parent_class)->finalize (object);
}

static void
exs_web_sessions_class_init (ExsWebSessionsClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = exs_web_sessions_finalize;
}

static void
exs_web_sessions_init (ExsWebSessions *self)
{
  self->links = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) link_free);
  self->sessions = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
}

ExsWebSessions *
exs_web_sessions_new (void)
{
  return g_object_new (EXS_TYPE_WEB_SESSIONS, NULL);
}

static char *
digest (const char *secret)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, secret, -1);
}

static gboolean
is_secret_shaped (const char *text)
{
  if (text == NULL || strlen (text) != SECRET_BYTES * 2)
    return FALSE;
  for (const char *p = text; *p; p++)
    if (!g_ascii_isxdigit (*p))
      return FALSE;
  return TRUE;
}

static void
prune_links (ExsWebSessions *self)
{
  gint64 now = g_get_monotonic_time ();
  GHashTableIter it;
  Link *l;

  g_hash_table_iter_init (&it, self->links);
  while (g_hash_table_iter_next (&it, NULL, (gpointer *) &l))
    if (l->expires_us <= now)
      g_hash_table_iter_remove (&it);
}

/**
 * exs_web_sessions_is_safe_next:
 *
 * Returns: whether @next may be redirected to after a login: a path inside
 *   the web UI, never another host ("//evil", "/web/../api") or a scheme
 */
gboolean
exs_web_sessions_is_safe_next (const char *next)
{
  if (next == NULL || !g_str_has_prefix (next, "/web/") || strlen (next) > 512)
    return FALSE;
  if (strstr (next, "..") || strchr (next, '\\') || strstr (next, "//"))
    return FALSE;
  for (const char *p = next; *p; p++)
    if ((guchar) *p < 0x21 || (guchar) *p == 0x7f)
      return FALSE;
  return TRUE;
}

/**
 * exs_web_sessions_create_link:
 * @next: (nullable): where the link lands; must pass
 *   exs_web_sessions_is_safe_next()
 *
 * Returns: (transfer full) (nullable): a one-time code, or %NULL with
 *   %EXS_HTTP_ERROR_INVALID_FIELD (bad @next) or %EXS_HTTP_ERROR_TOO_MANY
 *   (too many outstanding)
 */
char *
exs_web_sessions_create_link (ExsWebSessions *self, const char *next, GError **error)
{
  g_autofree char *code = NULL;
  Link *l;

  if (next != NULL && !exs_web_sessions_is_safe_next (next))
    {
      g_set_error (error, EXS_HTTP_ERROR, EXS_HTTP_ERROR_INVALID_FIELD,
                   "next must be a path in the web UI, starting with /web/");
      return NULL;
    }
  prune_links (self);
  if (g_hash_table_size (self->links) >= EXS_WEB_MAX_LINKS)
    {
      g_set_error (error, EXS_HTTP_ERROR, EXS_HTTP_ERROR_TOO_MANY,
                   "%d login links are already outstanding; use one or wait %d minutes", EXS_WEB_MAX_LINKS,
                   EXS_WEB_LINK_LIFETIME_S / 60);
      return NULL;
    }
  code = exs_fs_random_hex (SECRET_BYTES);
  l = g_new0 (Link, 1);
  l->expires_us = g_get_monotonic_time () + EXS_WEB_LINK_LIFETIME_S * G_TIME_SPAN_SECOND;
  l->next = g_strdup (next);
  g_hash_table_replace (self->links, digest (code), l);
  return g_steal_pointer (&code);
}

/**
 * exs_web_sessions_redeem_link:
 * @next: (out) (transfer full) (optional) (nullable): where the link lands
 *
 * Uses up @code: a second redeem of the same code fails.
 *
 * Returns: (transfer full) (nullable): a new session id, or %NULL if the
 *   code is unknown, used or expired
 */
char *
exs_web_sessions_redeem_link (ExsWebSessions *self, const char *code, char **next)
{
  g_autofree char *key = NULL;
  gpointer stolen_key = NULL, value = NULL;
  Link *l;

  if (next)
    *next = NULL;
  if (!is_secret_shaped (code))
    return NULL;
  prune_links (self);
  key = digest (code);
  if (!g_hash_table_steal_extended (self->links, key, &stolen_key, &value))
    return NULL;
  g_free (stolen_key);
  l = value;
  if (next)
    *next = g_steal_pointer (&l->next);
  link_free (l);
  return exs_web_sessions_create_session (self);
}

static void
evict_oldest_session (ExsWebSessions *self)
{
  GHashTableIter it;
  const char *key, *oldest = NULL;
  Session *s;
  gint64 oldest_us = G_MAXINT64;

  g_hash_table_iter_init (&it, self->sessions);
  while (g_hash_table_iter_next (&it, (gpointer *) &key, (gpointer *) &s))
    if (s->last_used_us < oldest_us)
      {
        oldest_us = s->last_used_us;
        oldest = key;
      }
  if (oldest)
    g_hash_table_remove (self->sessions, oldest);
}

/**
 * exs_web_sessions_create_session:
 *
 * Returns: (transfer full): a new session id, the cookie's value
 */
char *
exs_web_sessions_create_session (ExsWebSessions *self)
{
  char *id = exs_fs_random_hex (SECRET_BYTES);
  Session *s = g_new0 (Session, 1);

  while (g_hash_table_size (self->sessions) >= MAX_SESSIONS)
    evict_oldest_session (self);
  s->last_used_us = g_get_monotonic_time ();
  g_hash_table_replace (self->sessions, digest (id), s);
  return id;
}

void
exs_web_sessions_revoke (ExsWebSessions *self, const char *session_id)
{
  g_autofree char *key = NULL;

  if (!is_secret_shaped (session_id))
    return;
  key = digest (session_id);
  g_hash_table_remove (self->sessions, key);
}

guint
exs_web_sessions_count (ExsWebSessions *self)
{
  return g_hash_table_size (self->sessions);
}

static gboolean
session_is_valid (ExsWebSessions *self, const char *session_id)
{
  g_autofree char *key = NULL;
  Session *s;
  gint64 now = g_get_monotonic_time ();

  if (!is_secret_shaped (session_id))
    return FALSE;
  key = digest (session_id);
  s = g_hash_table_lookup (self->sessions, key);
  if (s == NULL)
    return FALSE;
  if (now - s->last_used_us > SESSION_IDLE_US)
    {
      g_hash_table_remove (self->sessions, key);
      return FALSE;
    }
  s->last_used_us = now;
  return TRUE;
}

/**
 * exs_web_sessions_dup_cookie:
 *
 * Returns: (transfer full) (nullable): the request's exs_session cookie value
 */
char *
exs_web_sessions_dup_cookie (SoupServerMessage *msg)
{
  const char *header = soup_message_headers_get_list (soup_server_message_get_request_headers (msg), "Cookie");
  GHashTable *pairs;
  char *value;

  if (header == NULL)
    return NULL;
  pairs = soup_header_parse_semi_param_list (header);
  value = g_strdup (g_hash_table_lookup (pairs, EXS_WEB_SESSION_COOKIE));
  soup_header_free_param_list (pairs);
  return value;
}

/**
 * exs_web_sessions_origin_matches:
 *
 * Returns: whether the request's Origin is this server as the client reached
 *   it (http:// or https:// plus the Host header); %FALSE without an Origin
 */
gboolean
exs_web_sessions_origin_matches (SoupServerMessage *msg)
{
  SoupMessageHeaders *h = soup_server_message_get_request_headers (msg);
  const char *origin = soup_message_headers_get_one (h, "Origin");
  const char *host = soup_message_headers_get_one (h, "Host");
  const char *authority;

  if (origin == NULL || host == NULL || *host == '\0')
    return FALSE;
  if (g_str_has_prefix (origin, "http://"))
    authority = origin + 7;
  else if (g_str_has_prefix (origin, "https://"))
    authority = origin + 8;
  else
    return FALSE;
  return g_ascii_strcasecmp (authority, host) == 0;
}

/**
 * exs_web_sessions_authorize:
 *
 * The cookie half of the /api/ auth decision (the bearer token is the
 * other): is there a valid session cookie, and may this request use it?
 */
ExsWebAuth
exs_web_sessions_authorize (ExsWebSessions *self, SoupServerMessage *msg)
{
  g_autofree char *cookie = exs_web_sessions_dup_cookie (msg);
  const char *method = soup_server_message_get_method (msg);

  if (cookie == NULL || !session_is_valid (self, cookie))
    return EXS_WEB_AUTH_NONE;
  if (!g_str_equal (method, "GET") && !g_str_equal (method, "HEAD") && !exs_web_sessions_origin_matches (msg))
    return EXS_WEB_AUTH_ORIGIN_MISMATCH;
  return EXS_WEB_AUTH_OK;
}

void
exs_web_sessions_set_cookie (SoupServerMessage *msg, const char *session_id)
{
  g_autofree char *value =
      g_strdup_printf (EXS_WEB_SESSION_COOKIE "=%s; HttpOnly; SameSite=Strict; Path=/", session_id);

  soup_message_headers_append (soup_server_message_get_response_headers (msg), "Set-Cookie", value);
}

void
exs_web_sessions_clear_cookie (SoupServerMessage *msg)
{
  soup_message_headers_append (soup_server_message_get_response_headers (msg), "Set-Cookie",
                               EXS_WEB_SESSION_COOKIE "=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
}
