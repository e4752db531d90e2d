/* exs-channel-item-media.c: the media settings one item plays with.
 *
 * Part of ExsChannel (exs-channel-private.h). A programme whose schedule
 * item overrides some of the channel's media settings (ExsPlayoutItem.media:
 * audio_languages, subtitle_languages, subtitle_mode, watermark off; see
 * src/scheduling/exs-schedule-media.c) plays with the channel's settings and
 * those over them; every other item with the channel's own. The audio
 * choice, the subtitles and the watermark read an item's settings through
 * _exs_channel_item_media(). What the pipeline fixes when it is built (the
 * audio PIDs and their PMT languages) stays the channel's.
 */
#include "config.h"

#include "exs-channel-private.h"

/**
 * _exs_channel_item_media_setup:
 *
 * Main thread, before the item's bin is built: its own settings when its
 * playout item carries an override.
 */
void
_exs_channel_item_media_setup (ExsChannel *self, Item *item)
{
  g_autoptr (JsonNode) node = NULL;
  g_autoptr (GError) error = NULL;

  if (item->pi->media == NULL || item->media != NULL)
    return;
  node = json_from_string (item->pi->media, &error);
  item->media = exs_channel_media_copy (self->media);
  if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node)
      || !exs_channel_media_update_from_json (item->media, json_node_get_object (node), &error))
    g_warning ("channel %s: item %u's media override is not used: %s", self->number, item->id,
               error ? error->message : "not an object");
  else
    GST_DEBUG_OBJECT (self->pipeline, "item %u plays with its schedule item's media: %s", item->id, item->pi->media);
}

/**
 * _exs_channel_item_media:
 *
 * Returns: (transfer none): the media settings @item plays with
 */
const ExsChannelMedia *
_exs_channel_item_media (ExsChannel *self, Item *item)
{
  return item->media ? item->media : self->media;
}
