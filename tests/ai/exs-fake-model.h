/* exs-fake-model.h: a scripted OpenAI-compatible endpoint for the AI tests */
#pragma once

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

/**
 * ExsFakeModelScript:
 * @channel: the channel the session's question names ("Channel N ")
 * @step: how many assistant messages the request holds
 *
 * Returns: (transfer full) (nullable): the reply body; %NULL never answers
 *   (the request is left paused)
 */
typedef char *(*ExsFakeModelScript) (int   channel,
                                     guint step);

typedef struct _ExsFakeModel ExsFakeModel;

ExsFakeModel *exs_fake_model_start (ExsFakeModelScript script);
guint exs_fake_model_get_port (ExsFakeModel *fake);
char *exs_fake_model_dup_base_url (ExsFakeModel *fake);
GPtrArray *exs_fake_model_dup_requests (ExsFakeModel *fake,
                                        int           channel);
char *exs_fake_model_dup_first_auth (ExsFakeModel *fake);
void exs_fake_model_stop (ExsFakeModel *fake);

JsonNode *exs_fake_model_call (const char *id,
                               const char *name,
                               const char *arguments);
char *exs_fake_model_completion (const char *answer,
                                 ...) G_GNUC_NULL_TERMINATED;

G_END_DECLS
