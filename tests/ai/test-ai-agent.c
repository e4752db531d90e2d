/* The AI agent on the real server against a fake model: a libsoup server in
 * this process (its own thread and main context) answers
 * /v1/chat/completions with scripted replies, chosen by the channel the
 * session is about and the step (how many assistant messages came back).
 *
 *   301  two read tools, then restart_channel (low risk, auto-heal on), then an answer citing them
 *   302  rebuild_playout (medium risk): waits for approval, then approved (and 310 rejected)
 *   303  an unknown tool                 304  arguments that break the schema
 *   305  a path outside the data dir     306  tool calls past max_steps
 *   307  a reply that is not JSON        308  no reply at all (timeout)
 *   309  through the CLI: `exstreamtv diagnose 309`
 *   312–314  rebuild_playout waits; decided after a restart of the server
 *        (312 approved, 313's channel deleted and left "running" by a dead
 *        server, 314 waited too long)
 * Each refused case must be recorded and must run nothing (the restart
 * guard's counter of the channel stays 0).
 */
#include "config.h"

#include "exs-fake-model.h"
#include "exs-test-server.h"

#include <sqlite3.h>
#include <string.h>

#define API_KEY "sk-test-secret-4711"

static ExsTestServer *server;
static ExsTestServer *first_server; /* stopped by the restart case */
static const char *const *server_env;

/* ---- the model's script ---- */

static ExsFakeModel *fake;

/* The script: what the model says at @step (0-based) of a session about @channel. */
#define CALL exs_fake_model_call
#define SAY exs_fake_model_completion

static char *
script (int channel, guint step)
{
  switch (channel)
    {
    case 301:
      if (step == 0)
        return SAY (NULL, CALL ("call_h", "channel_health", "{\"channel\": \"301\"}"),
                    CALL ("call_l", "channel_logs", "{\"channel\": \"301\", \"limit\": 20}"), NULL);
      if (step == 1)
        return SAY (NULL, CALL ("call_r", "restart_channel", "{\"channel\": \"301\"}"), NULL);
      return SAY ("Channel 301 was stopped with no output [call_h]; its log had nothing alarming [call_l]. "
                  "I restarted it through the restart guard [call_r].", NULL);
    case 302:
    case 310:
    case 312:
    case 313:
    case 314:
      if (step == 0)
        {
          g_autofree char *args = g_strdup_printf ("{\"channel\": \"%d\"}", channel);
          return SAY (NULL, CALL ("call_p", "rebuild_playout", args), NULL);
        }
      return SAY ("The playout should be rebuilt; that needs your approval.", NULL);
    case 303:
      if (step == 0)
        return SAY (NULL, CALL ("call_x", "format_disk", "{\"device\": \"/dev/sda\"}"), NULL);
      return SAY ("I could not do it.", NULL);
    case 304:
      if (step == 0)
        return SAY (NULL, CALL ("call_a", "restart_channel", "{\"channel\": \"$(reboot)\"}"),
                    CALL ("call_b", "restart_channel", "{\"channel\": \"304\", \"force\": true}"),
                    CALL ("call_c", "restart_channel", "not json at all"), NULL);
      return SAY ("Nothing worked.", NULL);
    case 305:
      if (step == 0)
        return SAY (NULL, CALL ("call_e", "media_stream_facts", "{\"path\": \"/etc/passwd\"}"),
                    CALL ("call_f", "media_stream_facts", "{\"path\": \"../../../etc/shadow\"}"), NULL);
      return SAY ("No facts.", NULL);
    case 306:
      return SAY (NULL, CALL (step == 0 ? "call_1" : step == 1 ? "call_2" : "call_3", "channel_health",
                              "{\"channel\": \"306\"}"), NULL);
    case 307:
      return g_strdup ("{\"choices\": [ this is not JSON");
    case 308:
      return NULL; /* never answers: the agent's timeout must end the session */
    case 311:
      if (step == 0)
        return SAY (NULL, CALL ("call_s", "channel_logs", "{\"channel\": \"311\"}"), NULL);
      return SAY ("Nothing to see [call_s].", NULL);
    case 309:
      if (step == 0)
        return SAY (NULL, CALL ("call_q", "channel_health", "{\"channel\": \"309\"}"), NULL);
      return SAY ("Channel 309 is stopped: nobody watches it [call_q].", NULL);
    default:
      return g_strdup ("{}");
    }
}

/* ---- helpers ---- */

static void
expect (ExsTestReply *r, guint status)
{
  if (r->status != status)
    g_error ("expected %u, got %u: %s", status, r->status, r->body);
}

static void
add_channel (const char *number)
{
  g_autofree char *body = g_strdup_printf ("{\"number\": \"%s\", \"name\": \"AI test %s\"}", number, number);
  g_autoptr (ExsTestReply) r = exs_test_server_request (server, "POST", "/api/channels", body, TRUE);

  expect (r, 201);
}

static gint64
diagnose (const char *number)
{
  g_autofree char *body = g_strdup_printf ("{\"channel\": \"%s\"}", number);
  g_autoptr (ExsTestReply) r = NULL;

  add_channel (number);
  r = exs_test_server_request (server, "POST", "/api/ai/diagnose", body, TRUE);
  expect (r, 202);
  return json_object_get_int_member (exs_test_reply_object (r), "id");
}

typedef struct
{
  gint64 id;
  ExsTestReply *last;
} Poll;

static gboolean
session_finished (gpointer data)
{
  Poll *p = data;
  g_autofree char *path = g_strdup_printf ("/api/ai/sessions/%" G_GINT64_FORMAT, p->id);

  g_clear_pointer (&p->last, exs_test_reply_free);
  p->last = exs_test_server_request (server, "GET", path, NULL, TRUE);
  expect (p->last, 200);
  return !g_str_equal (json_object_get_string_member (exs_test_reply_object (p->last), "state"), "running");
}

/* Waits for the session to end; returns its record (owned by the reply). */
static ExsTestReply *
wait_session (gint64 id)
{
  Poll p = { id, NULL };

  if (!exs_test_wait_for (session_finished, &p, 60))
    g_error ("session %" G_GINT64_FORMAT " still runs: %s", id, p.last ? p.last->body : "");
  return p.last;
}

static JsonObject *
call_at (JsonObject *session, guint i)
{
  return json_array_get_object_element (json_object_get_array_member (session, "calls"), i);
}

static gint64
restarts_of (const char *number)
{
  g_autofree char *path = g_strdup_printf ("/api/channels/%s/health", number);
  g_autoptr (ExsTestReply) r = exs_test_server_request (server, "GET", path, NULL, TRUE);

  expect (r, 200);
  return json_object_get_int_member (json_object_get_object_member (exs_test_reply_object (r), "restarts"),
                                     "restarts_total");
}

/* ---- the cases ---- */

static void
test_reads_then_restart (void)
{
  g_autoptr (ExsTestReply) r = wait_session (diagnose ("301"));
  JsonObject *s = exs_test_reply_object (r);
  JsonArray *actions = json_object_get_array_member (s, "actions");
  JsonArray *cited = json_object_get_array_member (s, "cited");

  g_assert_cmpstr (json_object_get_string_member (s, "state"), ==, "answered");
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (s, "calls")), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (call_at (s, 0), "outcome"), ==, "ok");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (call_at (s, 0), "result"), "channel"),
                   ==, "301");
  g_assert_cmpstr (json_object_get_string_member (call_at (s, 1), "outcome"), ==, "ok");
  g_assert_true (json_object_has_member (json_object_get_object_member (call_at (s, 1), "result"), "lines"));
  g_assert_cmpstr (json_object_get_string_member (call_at (s, 2), "outcome"), ==, "taken");
  g_assert_cmpint (json_array_get_length (actions), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (actions, 0), "state"), ==, "taken");
  g_assert_true (json_object_get_boolean_member (s, "verified"));
  g_assert_cmpint (json_array_get_length (cited), ==, 3);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (s, "tokens"), "total"), ==, 360);
  g_assert_nonnull (strstr (json_object_get_string_member (s, "answer"), "[call_r]"));
  /* through the guard: it counted the restart */
  g_assert_cmpint (restarts_of ("301"), ==, 1);
}

static void
test_medium_risk_waits_for_approval (void)
{
  g_autoptr (ExsTestReply) r = wait_session (diagnose ("302"));
  JsonObject *s = exs_test_reply_object (r);
  JsonObject *a = json_array_get_object_element (json_object_get_array_member (s, "actions"), 0);
  g_autofree char *approve = g_strdup_printf ("/api/ai/sessions/%" G_GINT64_FORMAT "/actions/1/approve",
                                              json_object_get_int_member (s, "id"));
  g_autoptr (ExsTestReply) ok = NULL;
  g_autoptr (ExsTestReply) again = NULL;
  g_autoptr (ExsTestReply) r2 = NULL;
  g_autoptr (ExsTestReply) reject = NULL;
  g_autofree char *reject_path = NULL;

  g_assert_cmpstr (json_object_get_string_member (s, "state"), ==, "waiting_approval");
  g_assert_cmpstr (json_object_get_string_member (a, "tool"), ==, "rebuild_playout");
  g_assert_cmpstr (json_object_get_string_member (a, "risk"), ==, "medium");
  g_assert_cmpstr (json_object_get_string_member (a, "state"), ==, "waiting_approval");
  g_assert_false (json_object_has_member (a, "result"));
  g_assert_false (json_object_get_boolean_member (s, "verified")); /* it cites nothing that ran */

  ok = exs_test_server_request (server, "POST", approve, NULL, TRUE);
  expect (ok, 200);
  a = json_array_get_object_element (json_object_get_array_member (exs_test_reply_object (ok), "actions"), 0);
  g_assert_cmpstr (json_object_get_string_member (a, "state"), ==, "taken");
  g_assert_cmpstr (json_object_get_string_member (exs_test_reply_object (ok), "state"), ==, "answered");
  again = exs_test_server_request (server, "POST", approve, NULL, TRUE);
  expect (again, 404); /* no longer waiting */

  r2 = wait_session (diagnose ("310"));
  reject_path = g_strdup_printf ("/api/ai/sessions/%" G_GINT64_FORMAT "/actions/1/reject",
                                 json_object_get_int_member (exs_test_reply_object (r2), "id"));
  reject = exs_test_server_request (server, "POST", reject_path, NULL, TRUE);
  expect (reject, 200);
  a = json_array_get_object_element (json_object_get_array_member (exs_test_reply_object (reject), "actions"), 0);
  g_assert_cmpstr (json_object_get_string_member (a, "state"), ==, "rejected");
  g_assert_false (json_object_has_member (a, "result"));
}

static JsonObject *
action_of (ExsTestReply *r)
{
  return json_array_get_object_element (json_object_get_array_member (exs_test_reply_object (r), "actions"), 0);
}

static ExsTestReply *
decide (gint64 id, const char *verb)
{
  g_autofree char *path = g_strdup_printf ("/api/ai/sessions/%" G_GINT64_FORMAT "/actions/1/%s", id, verb);

  return exs_test_server_request (server, "POST", path, NULL, TRUE);
}

static ExsTestReply *
get_session (gint64 id)
{
  g_autofree char *path = g_strdup_printf ("/api/ai/sessions/%" G_GINT64_FORMAT, id);
  ExsTestReply *r = exs_test_server_request (server, "GET", path, NULL, TRUE);

  expect (r, 200);
  return r;
}

/* While the server is stopped: session @id started two hours ago, and
 * session @running_id looks as if the server had died during it. */
static void
edit_sessions (const char *data_dir, gint64 id, gint64 running_id)
{
  g_autofree char *db_path = g_build_filename (data_dir, "exstreamtv.db", NULL);
  g_autofree char *sql = g_strdup_printf (
    "UPDATE ai_sessions SET record = json_set (record, '$.created_at', "
    "strftime ('%%Y-%%m-%%dT%%H:%%M:%%SZ', 'now', '-2 hours')) WHERE id = %" G_GINT64_FORMAT ";"
    "UPDATE ai_sessions SET state = 'running', record = json_set (record, '$.state', 'running') "
    "WHERE id = %" G_GINT64_FORMAT, id, running_id);
  sqlite3 *db = NULL;

  g_assert_cmpint (sqlite3_open (db_path, &db), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_changes (db), ==, 1);
  sqlite3_close (db);
}

/* Actions waiting for approval are decided after a real restart of the
 * server on the same data dir: approved (it runs), or refused as stale when
 * the channel is gone or it waited more than an hour — and that is kept. */
static void
test_approval_survives_restart (void)
{
  g_autofree char *dir = g_strdup (server->data_dir);
  g_autoptr (ExsTestReply) s312 = wait_session (diagnose ("312"));
  g_autoptr (ExsTestReply) s313 = wait_session (diagnose ("313"));
  g_autoptr (ExsTestReply) s314 = wait_session (diagnose ("314"));
  gint64 id312 = json_object_get_int_member (exs_test_reply_object (s312), "id");
  gint64 id313 = json_object_get_int_member (exs_test_reply_object (s313), "id");
  gint64 id314 = json_object_get_int_member (exs_test_reply_object (s314), "id");
  g_autoptr (ExsTestReply) ok = NULL, again = NULL, gone = NULL, old = NULL, kept313 = NULL, kept314 = NULL;
  g_autoptr (ExsTestReply) del = NULL;

  g_assert_cmpstr (json_object_get_string_member (action_of (s312), "state"), ==, "waiting_approval");
  g_assert_cmpint (exs_test_server_stop (server, NULL), ==, 0);
  first_server = server; /* freed last: it removes the data dir */
  edit_sessions (dir, id314, id313);
  server = exs_test_server_start (dir, NULL, server_env);

  ok = decide (id312, "approve");
  expect (ok, 200);
  g_assert_cmpstr (json_object_get_string_member (action_of (ok), "state"), ==, "taken");
  g_assert_true (json_object_has_member (action_of (ok), "result"));
  g_assert_cmpstr (json_object_get_string_member (exs_test_reply_object (ok), "state"), ==, "answered");
  again = decide (id312, "approve");
  expect (again, 404);

  del = exs_test_server_request (server, "DELETE", "/api/channels/313", NULL, TRUE);
  g_assert_cmpint (del->status, <, 300);
  gone = decide (id313, "approve");
  expect (gone, 409);
  g_assert_cmpstr (exs_test_reply_error_code (gone), ==, "refused");
  g_assert_nonnull (strstr (gone->body, "stale"));
  g_assert_nonnull (strstr (gone->body, "313"));
  kept313 = get_session (id313);
  /* it was "running" when the server stopped: marked cancelled at start */
  g_assert_cmpstr (json_object_get_string_member (exs_test_reply_object (kept313), "state"), ==, "cancelled");
  g_assert_nonnull (strstr (json_object_get_string_member (exs_test_reply_object (kept313), "error"), "stopped"));
  g_assert_cmpstr (json_object_get_string_member (action_of (kept313), "state"), ==, "refused");
  g_assert_nonnull (strstr (json_object_get_string_member (action_of (kept313), "why"), "no channel 313"));

  old = decide (id314, "approve");
  expect (old, 409);
  g_assert_nonnull (strstr (old->body, "more than 60 minutes"));
  kept314 = get_session (id314);
  g_assert_cmpstr (json_object_get_string_member (action_of (kept314), "state"), ==, "refused");
  g_assert_false (json_object_has_member (action_of (kept314), "result"));
}

/* Each refused call: recorded with why, no result, no action, no restart. */
static void
assert_refused (JsonObject *s, guint i, const char *why_part)
{
  JsonObject *c = call_at (s, i);

  g_assert_cmpstr (json_object_get_string_member (c, "outcome"), ==, "refused");
  if (strstr (json_object_get_string_member (c, "why"), why_part) == NULL)
    g_error ("call %u: “%s” lacks “%s”", i, json_object_get_string_member (c, "why"), why_part);
  g_assert_false (json_object_has_member (c, "result"));
}

static void
test_unknown_tool (void)
{
  g_autoptr (ExsTestReply) r = wait_session (diagnose ("303"));
  JsonObject *s = exs_test_reply_object (r);

  g_assert_cmpstr (json_object_get_string_member (s, "state"), ==, "answered");
  assert_refused (s, 0, "there is no tool “format_disk”");
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (s, "actions")), ==, 0);
  g_assert_false (json_object_get_boolean_member (s, "verified"));
  g_assert_nonnull (strstr (json_object_get_string_member (s, "error"), "unverified"));
}

static void
test_schema_breaking_arguments (void)
{
  g_autoptr (ExsTestReply) r = wait_session (diagnose ("304"));
  JsonObject *s = exs_test_reply_object (r);

  assert_refused (s, 0, "does not match");
  assert_refused (s, 1, "“force”");
  assert_refused (s, 2, "not a JSON object");
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (s, "actions")), ==, 0);
  g_assert_cmpint (restarts_of ("304"), ==, 0);
}

static void
test_path_outside_data_dir (void)
{
  g_autoptr (ExsTestReply) r = wait_session (diagnose ("305"));
  JsonObject *s = exs_test_reply_object (r);

  assert_refused (s, 0, "outside the data dir");
  assert_refused (s, 1, "outside the data dir");
}

static void
test_step_limit (void)
{
  g_autoptr (ExsTestReply) r = wait_session (diagnose ("306"));
  JsonObject *s = exs_test_reply_object (r);

  g_assert_cmpstr (json_object_get_string_member (s, "state"), ==, "step_limit");
  g_assert_cmpint (json_object_get_int_member (s, "steps"), ==, 3);
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (s, "calls")), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (call_at (s, 1), "outcome"), ==, "ok");
  assert_refused (s, 2, "max_steps");
  g_assert_true (json_object_get_null_member (s, "answer"));
}

static void
test_garbage_reply (void)
{
  g_autoptr (ExsTestReply) r = wait_session (diagnose ("307"));
  JsonObject *s = exs_test_reply_object (r);

  g_assert_cmpstr (json_object_get_string_member (s, "state"), ==, "failed");
  g_assert_nonnull (strstr (json_object_get_string_member (s, "error"), "not a JSON object"));
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (s, "calls")), ==, 0);
}

static void
test_model_never_answers (void)
{
  gint64 id = diagnose ("308");
  g_autoptr (ExsTestReply) busy = exs_test_server_request (server, "POST", "/api/ai/diagnose",
                                                           "{\"channel\": \"308\"}", TRUE);
  g_autoptr (ExsTestReply) r = NULL;
  JsonObject *s;

  expect (busy, 409); /* one session per channel */
  r = wait_session (id);
  s = exs_test_reply_object (r);
  g_assert_cmpstr (json_object_get_string_member (s, "state"), ==, "timed_out");
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (s, "calls")), ==, 0);
  g_assert_cmpint (restarts_of ("308"), ==, 0);
}

static void
test_cli_diagnose (void)
{
  g_autofree char *out = NULL;
  const char *argv[] = { exs_test_server_binary (), "--data-dir", server->data_dir, "--url", server->base_url,
                         "diagnose", "309", NULL };

  add_channel ("309");
  g_assert_cmpint (exs_test_run_command (argv, NULL, &out), ==, 0);
  g_assert_nonnull (strstr (out, "answered"));
  g_assert_nonnull (strstr (out, "[call_q] channel_health: ok"));
  g_assert_nonnull (strstr (out, "nobody watches it [call_q]"));
}

/* The list, bad input, and the secret key: sent to the model, never shown. */
static void
test_api_and_secret (void)
{
  g_autoptr (ExsTestReply) list = exs_test_server_request (server, "GET", "/api/ai/sessions", NULL, TRUE);
  g_autoptr (ExsTestReply) one = exs_test_server_request (server, "GET", "/api/ai/sessions?channel_id=301", NULL, TRUE);
  g_autoptr (ExsTestReply) missing = exs_test_server_request (server, "GET", "/api/ai/sessions/999999", NULL, TRUE);
  g_autoptr (ExsTestReply) bad = exs_test_server_request (server, "POST", "/api/ai/diagnose", "{\"channel\": \"x\"}",
                                                          TRUE);
  g_autoptr (ExsTestReply) none = exs_test_server_request (server, "POST", "/api/ai/diagnose",
                                                           "{\"channel\": \"777\"}", TRUE);
  g_autoptr (ExsTestReply) anon = exs_test_server_request (server, "POST", "/api/ai/diagnose",
                                                           "{\"channel\": \"301\"}", FALSE);
  g_autoptr (ExsTestReply) settings = exs_test_server_request (server, "GET", "/api/settings", NULL, TRUE);
  g_autofree char *log = exs_test_server_read_log (server);
  g_autofree char *auth = exs_fake_model_dup_first_auth (fake);
  JsonArray *all;
  gboolean found = FALSE;

  expect (list, 200);
  g_assert_true (json_object_has_member (exs_test_reply_object (list), "total_sessions")); /* the seeds' shape */
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (exs_test_reply_object (list),
                                                                         "agent_sessions")), >=, 1);
  expect (one, 200);
  all = json_object_get_array_member (exs_test_reply_object (one), "agent_sessions");
  g_assert_cmpuint (json_array_get_length (all), ==, 1);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (all, 0), "channel"), ==, "301");
  expect (missing, 404);
  expect (bad, 422);
  expect (none, 404);
  expect (anon, 401);
  expect (settings, 200);
  all = json_object_get_array_member (exs_test_reply_object (settings), "settings");
  for (guint i = 0; i < json_array_get_length (all); i++)
    {
      JsonObject *o = json_array_get_object_element (all, i);
      if (g_str_equal (json_object_get_string_member (o, "key"), "ai.api_key"))
        {
          found = TRUE;
          g_assert_cmpstr (json_object_get_string_member (o, "value"), ==, "");
          g_assert_true (json_object_get_boolean_member (o, "is_set"));
        }
    }
  g_assert_true (found);
  g_assert_null (strstr (settings->body, API_KEY));
  g_assert_null (strstr (log, API_KEY));
  g_assert_cmpstr (auth, ==, "Bearer " API_KEY);
}

/* [ai] redact_paths: nothing that leaves the server names a path or an address. */
static void
test_redact_paths (void)
{
  g_autofree char *url = exs_fake_model_dup_base_url (fake);
  g_autofree char *url_env = g_strconcat ("EXSTREAMTV_AI_BASE_URL=", url, NULL);
  const char *env[] = { "EXSTREAMTV_AI_ENABLED=true", url_env, "EXSTREAMTV_AI_REDACT_PATHS=true", NULL };
  g_autoptr (GPtrArray) bodies = NULL;
  g_autoptr (ExsTestServer) other = exs_test_server_start (NULL, NULL, env);
  g_autoptr (ExsTestReply) ch = exs_test_server_request (other, "POST", "/api/channels",
                                                         "{\"number\": \"311\", \"name\": \"Private\"}", TRUE);
  g_autoptr (ExsTestReply) r = exs_test_server_request (
    other, "POST", "/api/ai/diagnose",
    "{\"channel\": \"311\", \"question\": \"why does /srv/media/Secret Film (2020).mkv stall for 192.168.1.20?\"}",
    TRUE);
  ExsTestServer *saved = server;
  g_autoptr (ExsTestReply) done = NULL;

  expect (ch, 201);
  expect (r, 202);
  server = other; /* wait_session() asks the current server */
  done = wait_session (json_object_get_int_member (exs_test_reply_object (r), "id"));
  server = saved;
  g_assert_cmpstr (json_object_get_string_member (exs_test_reply_object (done), "state"), ==, "answered");
  bodies = exs_fake_model_dup_requests (fake, 311);
  g_assert_cmpuint (bodies->len, ==, 2);
  for (guint i = 0; i < bodies->len; i++)
    {
      const char *body = bodies->pdata[i];
      g_assert_null (strstr (body, "/srv/media"));
      g_assert_null (strstr (body, "Secret Film"));
      g_assert_null (strstr (body, "192.168.1.20"));
      g_assert_nonnull (strstr (body, "[path]"));
      g_assert_nonnull (strstr (body, "[address]"));
    }
  exs_test_server_stop (other, NULL);
}

static void
test_disabled_by_default (void)
{
  g_autoptr (ExsTestServer) plain = exs_test_server_start (NULL, NULL, NULL);
  g_autoptr (ExsTestReply) ch = exs_test_server_request (plain, "POST", "/api/channels",
                                                         "{\"number\": \"5\", \"name\": \"Five\"}", TRUE);
  g_autoptr (ExsTestReply) r = exs_test_server_request (plain, "POST", "/api/ai/diagnose", "{\"channel\": \"5\"}", TRUE);

  expect (ch, 201);
  expect (r, 503);
  g_assert_cmpstr (exs_test_reply_error_code (r), ==, "ai_disabled");
  exs_test_server_stop (plain, NULL);
}

int
main (int argc, char **argv)
{
  g_autofree char *url_env = NULL;
  const char *env[] = { "EXSTREAMTV_AI_ENABLED=true", NULL /* the fake's URL */, "EXSTREAMTV_AI_MODEL=fake-model",
                        "EXSTREAMTV_AI_API_KEY=" API_KEY, "EXSTREAMTV_AI_MAX_STEPS=3",
                        "EXSTREAMTV_AI_TIMEOUT_SECONDS=5", "EXSTREAMTV_AI_SESSIONS_PER_HOUR=100",
                        "EXSTREAMTV_AI_AUTO_HEAL_ENABLED=true", NULL };
  int status;

  g_test_init (&argc, &argv, NULL);
  fake = exs_fake_model_start (script);
  {
    g_autofree char *url = exs_fake_model_dup_base_url (fake);
    url_env = g_strconcat ("EXSTREAMTV_AI_BASE_URL=", url, NULL);
  }
  env[1] = url_env;
  server_env = env;
  server = exs_test_server_start (NULL, NULL, env);
  g_test_add_func ("/ai/agent/reads-then-restart-through-guard", test_reads_then_restart);
  g_test_add_func ("/ai/agent/medium-risk-waits-for-approval", test_medium_risk_waits_for_approval);
  g_test_add_func ("/ai/agent/unknown-tool-refused", test_unknown_tool);
  g_test_add_func ("/ai/agent/schema-breaking-arguments-refused", test_schema_breaking_arguments);
  g_test_add_func ("/ai/agent/path-outside-data-dir-refused", test_path_outside_data_dir);
  g_test_add_func ("/ai/agent/step-limit", test_step_limit);
  g_test_add_func ("/ai/agent/garbage-reply", test_garbage_reply);
  g_test_add_func ("/ai/agent/model-never-answers", test_model_never_answers);
  g_test_add_func ("/ai/agent/cli-diagnose", test_cli_diagnose);
  g_test_add_func ("/ai/agent/api-and-secret", test_api_and_secret);
  g_test_add_func ("/ai/agent/redact-paths", test_redact_paths);
  g_test_add_func ("/ai/agent/disabled-by-default", test_disabled_by_default);
  g_test_add_func ("/ai/agent/approval-survives-restart", test_approval_survives_restart); /* last: restarts */
  status = g_test_run ();
  exs_test_server_stop (server, NULL);
  exs_test_server_free (server);
  g_clear_pointer (&first_server, exs_test_server_free);
  exs_fake_model_stop (fake);
  return status;
}
