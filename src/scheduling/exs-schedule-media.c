/* exs-schedule-media.c: what a schedule item changes of its channel's media
 * settings for the programmes it plays.
 *
 * A schedule item may carry "media": {"audio_languages", "subtitle_languages",
 * "subtitle_mode", "watermark"} — the channel fields of the same names
 * (docs/api/engine.md), where "watermark" can only be null (no watermark on
 * these programmes). The schedule keeps it as canonical compact JSON (members
 * in that order), the playout copies it onto each programme it emits
 * (ExsPlayoutItem.media, playout_items.media), and the engine plays that
 * item with the channel's settings overridden (exs-channel-item-media.c).
 */
#include "config.h"

#include "exs-schedule-media.h"

#include "exs-schedule.h"

#include <string.h>

static const char *const members[] = { "audio_languages", "subtitle_languages", "subtitle_mode", "watermark", NULL };

static gboolean
fail (GError **error, const char *path, const char *member, const char *message)
{
  g_set_error (error, EXS_SCHEDULE_ERROR, EXS_SCHEDULE_ERROR_INVALID, "%s%s%s: %s", path, member ? "." : "",
               member ? member : "", message);
  return FALSE;
}

/**
 * exs_schedule_media_parse:
 * @node: (nullable): the item's "media" member
 * @path: the item's path in the document ("items[2].media")
 *
 * Returns: (transfer full) (nullable): the canonical override, %NULL with
 *   @error unset when there is none (absent, null or {})
 */
char *
exs_schedule_media_parse (JsonNode *node, const char *path, GError **error)
{
  g_autoptr (ExsChannelMedia) check = exs_channel_media_new ();
  g_autoptr (JsonObject) out = json_object_new ();
  g_autoptr (JsonNode) root = NULL;
  g_autoptr (GError) local = NULL;
  g_autoptr (GList) names = NULL;
  JsonObject *o;

  if (node == NULL || JSON_NODE_HOLDS_NULL (node))
    return NULL;
  if (!JSON_NODE_HOLDS_OBJECT (node))
    return fail (error, path, NULL, "must be an object: audio_languages, subtitle_languages, subtitle_mode, watermark"),
           NULL;
  o = json_node_get_object (node);
  names = json_object_get_members (o);
  for (GList *l = names; l; l = l->next)
    if (!g_strv_contains (members, l->data))
      return fail (error, path, l->data,
                   "unknown field; allowed here: audio_languages, subtitle_languages, subtitle_mode, watermark"),
             NULL;
  if (json_object_has_member (o, "watermark") && !JSON_NODE_HOLDS_NULL (json_object_get_member (o, "watermark")))
    return fail (error, path, "watermark", "a schedule item can only turn the watermark off (null)"), NULL;
  /* the channel's own rules for the values */
  if (!exs_channel_media_update_from_json (check, o, &local))
    {
      /* its message starts with the member at fault: "subtitle_mode must be …" */
      const char *space = strchr (local->message, ' ');
      g_autofree char *member = space ? g_strndup (local->message, (gsize) (space - local->message)) : NULL;

      if (member && g_strv_contains (members, member))
        return fail (error, path, member, space + 1), NULL;
      return fail (error, path, NULL, local->message), NULL;
    }
  for (guint i = 0; members[i]; i++)
    if (json_object_has_member (o, members[i]))
      json_object_set_member (out, members[i], json_node_copy (json_object_get_member (o, members[i])));
  if (json_object_get_size (out) == 0)
    return NULL;
  root = json_node_init_object (json_node_alloc (), out);
  return json_to_string (root, FALSE);
}

/**
 * exs_schedule_media_to_json:
 * @canonical: (nullable)
 *
 * Returns: (transfer full) (nullable): the override as the document shows it
 */
JsonNode *
exs_schedule_media_to_json (const char *canonical)
{
  return canonical ? json_from_string (canonical, NULL) : NULL;
}
