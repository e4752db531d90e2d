/* exs-ai-client.h: an OpenAI-compatible chat-completions client with tool calls */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The most a reply may be; a longer one is refused as a bad reply. */
#define EXS_AI_CLIENT_MAX_REPLY_BYTES (1024 * 1024)

typedef struct
{
  gint64 prompt_tokens;
  gint64 completion_tokens;
} ExsAiUsage;

#define EXS_TYPE_AI_CLIENT (exs_ai_client_get_type ())
G_DECLARE_FINAL_TYPE (ExsAiClient, exs_ai_client, EXS, AI_CLIENT, GObject)

ExsAiClient *exs_ai_client_new (const char *base_url,
                                const char *model,
                                const char *api_key,
                                guint       timeout_seconds);
const char *exs_ai_client_get_model (ExsAiClient *self);
void exs_ai_client_complete_async (ExsAiClient         *self,
                                   JsonArray           *messages,
                                   JsonArray           *tools,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data);
JsonObject *exs_ai_client_complete_finish (ExsAiClient   *self,
                                           GAsyncResult  *result,
                                           ExsAiUsage    *usage,
                                           GError       **error);

G_END_DECLS
