/* exs-api-context.c: registers every /api/ route family on the HTTP server. */
#include "config.h"

#include "exs-api-context.h"

#include <string.h>

void
exs_api_register_all (ExsHttpServer *server, ExsApiContext *context)
{
  exs_api_health_register (server, context);
  exs_api_channels_register (server, context);
  exs_api_metrics_register (server, context);
  exs_api_operations_register (server, context);
  exs_api_libraries_register (server, context);
  exs_api_media_register (server, context);
  exs_api_collections_register (server, context);
  exs_api_schedules_register (server, context);
  exs_api_auth_register (server, context);
  exs_api_guide_register (server, context);
  exs_api_events_register (server, context);
  exs_api_logs_register (server, context);
  exs_api_settings_register (server, context);
  exs_api_logos_register (server, context);
  exs_api_channels_bulk_register (server, context);
  exs_api_sessions_register (server, context);
  exs_api_preview_register (server, context);
  exs_api_folders_register (server, context);
  exs_api_ai_register (server, context);
  exs_api_web_register (server, context);
}

/**
 * exs_api_format_time:
 *
 * Returns: (transfer full): @unix_seconds as ISO 8601 UTC ("2026-11-21T19:00:00Z")
 */
char *
exs_api_format_time (gint64 unix_seconds)
{
  g_autoptr (GDateTime) dt = g_date_time_new_from_unix_utc (unix_seconds);

  return g_date_time_format (dt, "%Y-%m-%dT%H:%M:%SZ");
}

/**
 * exs_api_format_time_us:
 *
 * Returns: (transfer full): "2026-11-21T19:00:00Z", with milliseconds
 *   ("…:00.250Z") when the instant has them
 */
char *
exs_api_format_time_us (gint64 us)
{
  gint64 s = us >= 0 ? us / G_USEC_PER_SEC : -((-us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
  g_autofree char *base = exs_api_format_time (s);
  int ms = (int) ((us - s * G_USEC_PER_SEC) / 1000);

  if (ms == 0)
    return g_steal_pointer (&base);
  base[strlen (base) - 1] = '\0';
  return g_strdup_printf ("%s.%03dZ", base, ms);
}

/* Sets @field to @value, or to null when there is none. */
void
exs_api_set_string_or_null (JsonObject *o, const char *field, const char *value)
{
  if (value)
    json_object_set_string_member (o, field, value);
  else
    json_object_set_null_member (o, field);
}
