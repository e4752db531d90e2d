/* exs-settings.c: the one list of settings.
 *
 * Every setting the program reads is declared here once, with its type, default,
 * limits and a one-line description. ExsConfig validates against this table, the
 * commented data/exstreamtv.conf is generated from it (and a test checks they
 * agree), and docs/configuration.md lists the same names. Names and defaults
 * follow EXStreamTV 2.6 where it had them; its [ffmpeg] section is our
 * [pipeline_pool] and is still accepted under the old names.
 */
#include "config.h"

#include "exs-settings.h"

#include <math.h>
#include <string.h>

static const char *const throttle_modes[] = { "realtime", "burst", "adaptive", "disabled", NULL };
static const char *const encoder_modes[] = { "auto", "software", NULL };
static const char *const visual_modes[] = { "text", "static", "test_pattern", "slate", NULL };
static const char *const audio_modes[] = { "silent", "sine_wave", "white_noise", "beep", NULL };
static const char *const risk_levels[] = { "low", "medium", "high", NULL };

static gboolean
check_device_id (const char *value, const char **allowed)
{
  *allowed = "empty (generated once per install) or 8 hexadecimal digits";
  if (value[0] == '\0')
    return TRUE;
  if (strlen (value) != 8)
    return FALSE;
  for (const char *p = value; *p; p++)
    if (!g_ascii_isxdigit (*p))
      return FALSE;
  return TRUE;
}

static gboolean
check_time_zone (const char *value, const char **allowed)
{
  GTimeZone *tz;

  *allowed = "empty (the system time zone) or an IANA time zone such as Europe/London";
  if (value[0] == '\0')
    return TRUE;
  tz = g_time_zone_new_identifier (value);
  if (tz == NULL)
    return FALSE;
  g_time_zone_unref (tz);
  return TRUE;
}

static gboolean
check_bind (const char *value, const char **allowed)
{
  *allowed = "an IP address such as 0.0.0.0 (all interfaces), 127.0.0.1 or ::1";
  return g_hostname_is_ip_address (value);
}

static gboolean
check_ai_url (const char *value, const char **allowed)
{
  *allowed = "an http:// or https:// URL ending before /chat/completions, e.g. http://127.0.0.1:11434/v1";
  return g_str_has_prefix (value, "http://") || g_str_has_prefix (value, "https://");
}

static gboolean
check_http_url (const char *value, const char **allowed)
{
  *allowed = "an http:// or https:// URL, e.g. https://archive.org";
  return g_str_has_prefix (value, "http://") || g_str_has_prefix (value, "https://");
}

static gboolean
check_base_url (const char *value, const char **allowed)
{
  *allowed = "empty (taken from the Host header each client uses) or an http:// URL";
  return value[0] == '\0' || g_str_has_prefix (value, "http://")
         || g_str_has_prefix (value, "https://");
}

#define B(sec, key, def, desc) { sec, key, EXS_SETTING_BOOL, def, 0, 0, NULL, NULL, desc, NULL, NULL }
#define I(sec, key, def, lo, hi, desc) { sec, key, EXS_SETTING_INT, def, lo, hi, NULL, NULL, desc, NULL, NULL }
#define IS(sec, key, def, lo, hi, desc, ss, sk) { sec, key, EXS_SETTING_INT, def, lo, hi, NULL, NULL, desc, ss, sk }
#define D(sec, key, def, lo, hi, desc) { sec, key, EXS_SETTING_DOUBLE, def, lo, hi, NULL, NULL, desc, NULL, NULL }
#define DS(sec, key, def, lo, hi, desc, ss, sk) { sec, key, EXS_SETTING_DOUBLE, def, lo, hi, NULL, NULL, desc, ss, sk }
#define S(sec, key, def, chk, desc) { sec, key, EXS_SETTING_STRING, def, 0, 0, NULL, chk, desc, NULL, NULL }
#define E(sec, key, def, ch, desc) { sec, key, EXS_SETTING_ENUM, def, 0, 0, ch, NULL, desc, NULL, NULL }
#define SECRET(sec, key, desc) { sec, key, EXS_SETTING_STRING, "", 0, 0, NULL, NULL, desc, NULL, NULL, TRUE }

static const ExsSetting settings[] = {
  S ("server", "host", "0.0.0.0", check_bind,
     "Address to listen on; 0.0.0.0 means every interface (IPv4 and IPv6). --bind overrides it."),
  I ("server", "port", "8411", 0, 65535,
     "HTTP port for the API, the web UI, streams, the playlist, the guide and HDHomeRun. 0 picks a free port."),
  S ("server", "data_dir", "", NULL,
     "Where the database, token, backups and demo media live; empty means $XDG_DATA_HOME/exstreamtv."),
  S ("server", "public_base_url", "", check_base_url,
     "Base URL written into playlists and lineups; empty builds it from the Host header each client used."),
  S ("server", "time_zone", "", check_time_zone,
     "Time zone for schedules and the guide; empty means the system's."),
  I ("server", "max_request_body_bytes", "1048576", 1024, 268435456,
     "Largest API request body accepted; larger requests get 413."),
  I ("server", "request_timeout_s", "15", 1, 3600,
     "Seconds a connection has to send a whole request (headers and body); slower ones are closed."),
  I ("server", "max_connections", "512", 8, 65536,
     "HTTP connections open at once, streams included; more are closed as they arrive."),
  I ("server", "max_connections_per_client", "64", 1, 65536,
     "HTTP connections open at once from one IP address, streams included."),

  I ("library", "scan_workers", "2", 1, 8,
     "GstDiscoverer worker threads probing files during a library scan."),
  I ("library", "probe_timeout_seconds", "8", 1, 120,
     "Longest one file may take to probe; a file that takes longer is recorded as unplayable."),
  B ("library", "scan_on_start", "true",
     "Rescan every local library at start-up (only new and changed files are probed)."),
  B ("library", "watch_folders", "true",
     "Watch library folders and rescan what changed without a manual scan."),
  I ("library", "watch_debounce_ms", "2000", 100, 600000,
     "How long library folders must stay quiet after a change before the rescan starts."),
  S ("library", "archive_org_url", "https://archive.org", check_http_url,
     "Base URL of Archive.org's API (metadata/, advancedsearch.php, download/) for archive: entries of URL libraries."),
  I ("library", "ytdlp_timeout_seconds", "30", 1, 600,
     "Longest yt-dlp may take to resolve a ytdl: page before the item shows the error screen."),
  I ("library", "ytdlp_cache_seconds", "3600", 0, 86400,
     "How long a page resolved by yt-dlp is reused when its media URL carries no expire= time."),
  I ("scheduling", "horizon_hours", "48", 1, 744,
     "How far ahead playouts (and so the guide) are built; extended in the background as time passes."),
  I ("scheduling", "extend_check_seconds", "300", 10, 86400,
     "How often the playout builder checks for playouts whose horizon is running short."),

  I ("channels", "linger_seconds", "30", 0, 86400,
     "How long a channel keeps running after its last viewer leaves (always-on channels never stop)."),
  I ("channels", "viewer_stall_seconds", "20", 1, 3600,
     "A viewer that accepts no data for this long is dropped (a slow one first skips ahead to a keyframe)."),
  I ("channels", "remux_retry_seconds", "60", 1, 86400,
     "A remux channel moved to encoding because an item failed goes back to remuxing this long later, "
     "once a programme plays well (an item in another format keeps it encoding)."),
  I ("channels", "max_encoding_fallbacks", "0", 0, 10000,
     "At most this many remux channels encode at once because an item failed on the remux path (on a "
     "busy machine items fail by being late, and encoding them only adds load); others start over on "
     "the remux path. 0: one per CPU core."),

  I ("upstream", "reconnect_initial_ms", "1000", 100, 60000,
     "An upstream live channel whose source fails reconnects after this long, then twice that, and so on."),
  I ("upstream", "reconnect_max_ms", "30000", 100, 600000,
     "The longest wait between an upstream live channel's reconnections."),
  I ("upstream", "stall_ms", "2000", 200, 60000,
     "A connected upstream that sends nothing for this long has failed: the error screen shows and it "
     "reconnects (a closed or refused connection fails at once)."),
  I ("upstream", "guide_refresh_minutes", "60", 1, 10080,
     "How often the upstream channels' XMLTV guides are fetched again."),

  I ("session_manager", "max_sessions_per_channel", "50", 1, 10000,
     "Most viewers one channel serves at once."),
  I ("session_manager", "idle_timeout_seconds", "300", 5, 86400,
     "A viewer that receives nothing for this long is disconnected."),
  I ("session_manager", "cleanup_interval_seconds", "60", 1, 3600,
     "How often idle and closed viewer sessions are cleaned up."),

  B ("stream_throttler", "enabled", "true",
     "false: the same as mode = disabled (a live channel still plays at real time)."),
  I ("stream_throttler", "target_bitrate_bps", "4000000", 100000, 200000000,
     "Kept for 2.6 configurations (EXSTREAMTV_THROTTLE_BITRATE); it has no effect: the channel engine sizes its keyframe buffer from the stream itself."),
  E ("stream_throttler", "mode", "realtime", throttle_modes,
     "realtime; burst (a new viewer first gets 3 s from the keyframe buffer); adaptive (as realtime); disabled (as burst: a live channel cannot be read faster than it plays)."),

  I ("iptv", "guide_days", "2", 1, 14, "Days of programmes in the XMLTV guide (/iptv/xmltv.xml)."),
  I ("iptv", "guide_cache_seconds", "60", 0, 3600,
     "How long a built guide is reused before it is built again (clients get 304 while it is unchanged)."),

  B ("hdhomerun", "enabled", "true", "Emulate an HDHomeRun tuner (HTTP lineup for Plex, Jellyfin and Emby)."),
  S ("hdhomerun", "device_id", "", check_device_id,
     "HDHomeRun DeviceID; empty generates one with a valid check digit at first start and keeps it."),
  I ("hdhomerun", "tuner_count", "4", 1, 64,
     "Tuners announced; this many distinct channels can play at once through HDHomeRun paths."),
  S ("hdhomerun", "friendly_name", "EXStreamTV", NULL, "Name shown by Plex, Jellyfin and Emby."),
  B ("hdhomerun", "ssdp_enabled", "true", "Announce the tuner with SSDP/UPnP."),
  B ("hdhomerun", "discovery_enabled", "true",
     "Answer the native HDHomeRun discovery and control protocol (UDP and TCP)."),
  I ("hdhomerun", "discovery_port", "65001", 0, 65535,
     "Port of the native HDHomeRun protocol (65001 is what clients use)."),
  I ("hdhomerun", "discovery_replies_per_second", "5", 1, 1000,
     "UDP discovery replies per second to one source address; more requests are dropped."),

  B ("database_backup", "enabled", "true", "Back up the database periodically."),
  I ("database_backup", "interval_hours", "24", 1, 8760, "Hours between backups."),
  I ("database_backup", "keep_count", "7", 1, 1000, "Backups kept; older ones are deleted."),
  B ("database_backup", "compress", "true", "Gzip the backups."),

  IS ("pipeline_pool", "max_pipelines", "150", 1, 10000,
      "Most channel pipelines running at once (also limited by memory and file descriptors).",
      "ffmpeg", "max_processes"),
  DS ("pipeline_pool", "spawns_per_second", "5", 0.1, 1000,
      "Channel starts allowed per second (token bucket).", "ffmpeg", "spawns_per_second"),
  DS ("pipeline_pool", "memory_guard_threshold", "0.85", 0.1, 1.0,
      "Refuse new channel starts above this fraction of memory in use.", "ffmpeg", "memory_guard_threshold"),
  IS ("pipeline_pool", "fd_guard_reserve", "100", 0, 100000,
      "File descriptors kept free; a start that would eat into them is refused.", "ffmpeg", "fd_guard_reserve"),
  DS ("pipeline_pool", "pool_pressure_threshold", "0.8", 0.1, 1.0,
      "Warn (log and metric) when this fraction of the pool is in use.", "ffmpeg", "pool_pressure_threshold"),
  D ("pipeline_pool", "slot_wait_seconds", "10", 0, 300,
     "How long a tune waits for a free slot before it gets 503."),
  I ("pipeline_pool", "prewarm_stagger_seconds", "1", 0, 60,
     "Seconds between starts of always-on channels at start-up."),
  I ("pipeline_pool", "prewarm_max_concurrent", "5", 1, 100,
     "Always-on channels started at once at start-up."),
  E ("pipeline_pool", "encoder", "auto", encoder_modes,
     "auto probes hardware encoders (nvcodec, va, qsv, vaapi) before x264enc; software forces x264enc."),

  I ("circuit_breaker", "failure_threshold", "5", 1, 1000, "Failures that open a channel's breaker."),
  I ("circuit_breaker", "window_seconds", "300", 1, 86400, "Window in which those failures are counted."),
  I ("circuit_breaker", "open_seconds", "120", 1, 86400, "How long an open breaker blocks restarts before half-open."),

  I ("restart_guard", "max_restarts", "10", 1, 10000, "Most channel restarts in any window, all channels together."),
  I ("restart_guard", "window_seconds", "60", 1, 86400, "That window."),
  I ("restart_guard", "cooldown_seconds", "30", 0, 86400, "Least time between two restarts of one channel."),
  I ("restart_guard", "max_restarts_per_stream", "5", 1, 1000, "Most restarts of one channel run."),

  I ("health", "check_interval_seconds", "30", 1, 3600,
     "How often each running channel's fps, speed, bit rate and dropped frames are checked."),
  I ("health", "stall_seconds", "180", 5, 86400,
     "A channel with no output for this long is unhealthy and restarted through the restart guard."),
  I ("health", "sample_interval_seconds", "30", 1, 3600,
     "How often the long-run monitor samples RSS, open files and pipelines."),
  I ("health", "sample_count", "20", 2, 1000,
     "Samples in the long-run window (20 × 30 s = 10 minutes)."),
  I ("health", "leak_threshold_mb", "100", 1, 1000000,
     "RSS growth within the window that starts containment mode (only always-on channels may start)."),

  B ("auto_resolver", "enabled", "true",
     "Act on known failure patterns (skip a failing item, software encoder, reconnect, restart)."),
  E ("auto_resolver", "max_risk", "medium", risk_levels,
     "Riskiest action taken without a person; riskier ones are only listed at /api/resolver."),
  I ("auto_resolver", "max_actions_per_hour", "6", 1, 1000, "Most actions the resolver takes per channel per hour."),

  B ("ai", "enabled", "false",
     "The AI troubleshooting agent (docs/ai.md): POST /api/ai/diagnose, `exstreamtv diagnose`, failures the auto-resolver has no rule for."),
  S ("ai", "base_url", "http://127.0.0.1:11434/v1", check_ai_url,
     "OpenAI-compatible chat-completions endpoint (Ollama, llama.cpp's server, vLLM or a hosted service)."),
  S ("ai", "model", "qwen2.5:7b", NULL, "Model name sent to that endpoint; it must support tool calls."),
  SECRET ("ai", "api_key",
          "Sent as a bearer token when not empty; never shown by the API nor written to the log."),
  I ("ai", "max_steps", "8", 1, 50, "Most model calls in one session; a model still calling tools then is stopped."),
  I ("ai", "timeout_seconds", "120", 5, 3600, "Longest one session may talk to the model."),
  I ("ai", "sessions_per_hour", "6", 1, 1000, "Most sessions started per hour, all channels together."),
  B ("ai", "redact_paths", "false",
     "Replace file paths, URIs and titles with placeholders before anything is sent to the model."),
  B ("ai_auto_heal", "enabled", "false",
     "Let the agent run low-risk actions (restart through the guard, skip an item, rescan) without a person; others always wait for approval."),
  B ("ai_auto_heal", "use_error_screen_fallback", "true",
     "Offer the agent the switch_to_error_screen tool."),
  B ("ai_auto_heal", "hot_swap_enabled", "true", "Offer the agent the skip_item tool (move off a failing item)."),

  E ("error_screen", "visual_mode", "text", visual_modes, "What a channel shows when its source fails."),
  E ("error_screen", "audio_mode", "silent", audio_modes, "What a channel plays when its source fails."),
  S ("error_screen", "title", "Technical Difficulties", NULL, "Error screen title."),
  S ("error_screen", "subtitle", "We'll be right back", NULL, "Error screen subtitle."),
};

#undef B
#undef I
#undef IS
#undef D
#undef DS
#undef S
#undef E
#undef SECRET

const ExsSetting *
exs_settings_get_all (guint *n_settings)
{
  *n_settings = G_N_ELEMENTS (settings);
  return settings;
}

const ExsSetting *
exs_settings_lookup (const char *section, const char *key)
{
  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    if (g_str_equal (settings[i].section, section) && g_str_equal (settings[i].key, key))
      return &settings[i];
  return NULL;
}

/* Looks up EXStreamTV 2.6 names, e.g. [ffmpeg] max_processes. */
const ExsSetting *
exs_settings_lookup_alias (const char *section, const char *key)
{
  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    if (settings[i].seed_section && g_str_equal (settings[i].seed_section, section)
        && g_str_equal (settings[i].seed_key, key))
      return &settings[i];
  return NULL;
}

static char *
format_number (double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (v == floor (v) && fabs (v) < 1e15)
    return g_strdup_printf ("%.0f", v);
  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%g", v));
}

/**
 * exs_settings_describe_allowed:
 *
 * Returns: (transfer full): what values @setting takes, as a sentence fragment.
 */
char *
exs_settings_describe_allowed (const ExsSetting *s)
{
  g_autofree char *lo = NULL;
  g_autofree char *hi = NULL;
  const char *allowed = NULL;

  switch (s->type)
    {
    case EXS_SETTING_BOOL:
      return g_strdup ("true or false");
    case EXS_SETTING_INT:
      lo = format_number (s->min);
      hi = format_number (s->max);
      return g_strdup_printf ("a whole number from %s to %s", lo, hi);
    case EXS_SETTING_DOUBLE:
      lo = format_number (s->min);
      hi = format_number (s->max);
      return g_strdup_printf ("a number from %s to %s", lo, hi);
    case EXS_SETTING_ENUM:
      {
        g_autofree char *list = g_strjoinv (", ", (char **) s->choices);
        return g_strdup_printf ("one of %s", list);
      }
    case EXS_SETTING_STRING:
    default:
      if (s->check)
        {
          s->check ("", &allowed);
          return g_strdup (allowed);
        }
      return g_strdup ("any text");
    }
}

/**
 * exs_settings_default_config:
 *
 * Returns: (transfer full): the commented default configuration file.
 */
char *
exs_settings_default_config (void)
{
  GString *out = g_string_new (NULL);
  const char *section = NULL;

  g_string_append (out,
                   "# EXStreamTV configuration.\n"
                   "#\n"
                   "# Every setting is shown commented out with its default. Uncomment a line to\n"
                   "# change it. Precedence: command line, then environment\n"
                   "# (EXSTREAMTV_<SECTION>_<KEY>, e.g. EXSTREAMTV_SERVER_PORT=8500), then this\n"
                   "# file, then the defaults. `exstreamtv --print-default-config` prints this file.\n");
  for (guint i = 0; i < G_N_ELEMENTS (settings); i++)
    {
      const ExsSetting *s = &settings[i];
      g_autofree char *allowed = exs_settings_describe_allowed (s);

      if (g_strcmp0 (section, s->section) != 0)
        {
          section = s->section;
          g_string_append_printf (out, "\n[%s]\n", section);
        }
      g_string_append_printf (out, "\n# %s\n# Allowed: %s.\n", s->description, allowed);
      if (s->seed_section)
        g_string_append_printf (out, "# (EXStreamTV 2.6: [%s] %s)\n", s->seed_section, s->seed_key);
      g_string_append_printf (out, "#%s = %s\n", s->key, s->default_value);
    }
  return g_string_free (out, FALSE);
}
