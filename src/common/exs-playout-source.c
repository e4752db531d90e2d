/* exs-playout-source.c: the ExsPlayoutSource interface and ExsPlayoutItem.
 *
 * A source answers for a channel number and an instant with the item covering
 * it (never a gap: an OFFLINE item covers time with nothing scheduled), and
 * lists the items overlapping a range for the guide. lookup() is on the
 * engine's hot path at every item boundary and must be cheap (O(log n)).
 */
#include "config.h"

#include "exs-playout-source.h"

G_DEFINE_BOXED_TYPE (ExsPlayoutItem, exs_playout_item, exs_playout_item_copy, exs_playout_item_free)

G_DEFINE_INTERFACE (ExsPlayoutSource, exs_playout_source, G_TYPE_OBJECT)

static void
exs_playout_source_default_init (ExsPlayoutSourceInterface *iface)
{
}

/**
 * exs_playout_item_new:
 *
 * Returns: (transfer full): an OFFLINE item with no times set
 */
ExsPlayoutItem *
exs_playout_item_new (void)
{
  ExsPlayoutItem *item = g_new0 (ExsPlayoutItem, 1);

  item->kind = EXS_PLAYOUT_ITEM_OFFLINE;
  item->season_number = -1;
  item->episode_number = -1;
  return item;
}

ExsPlayoutItem *
exs_playout_item_copy (const ExsPlayoutItem *item)
{
  ExsPlayoutItem *c = g_new0 (ExsPlayoutItem, 1);

  *c = *item;
  c->uri = g_strdup (item->uri);
  c->title = g_strdup (item->title);
  c->sub_title = g_strdup (item->sub_title);
  c->description = g_strdup (item->description);
  c->categories = g_strdupv (item->categories);
  c->artwork_url = g_strdup (item->artwork_url);
  c->media = g_strdup (item->media);
  return c;
}

void
exs_playout_item_free (ExsPlayoutItem *item)
{
  if (item == NULL)
    return;
  g_free (item->uri);
  g_free (item->title);
  g_free (item->sub_title);
  g_free (item->description);
  g_strfreev (item->categories);
  g_free (item->artwork_url);
  g_free (item->media);
  g_free (item);
}

/**
 * exs_playout_item_offset_at:
 *
 * Returns: the position in the media (µs) to play at @at_us
 */
gint64
exs_playout_item_offset_at (const ExsPlayoutItem *item, gint64 at_us)
{
  return item->in_point_us + CLAMP (at_us - item->start_us, 0, item->stop_us - item->start_us);
}

/**
 * exs_playout_source_lookup:
 *
 * Returns: (transfer full) (nullable): the item covering @at_us on the
 *   channel, or %NULL with @error if the channel is unknown to the source
 */
ExsPlayoutItem *
exs_playout_source_lookup (ExsPlayoutSource *self, const char *channel_number, gint64 at_us, GError **error)
{
  g_return_val_if_fail (EXS_IS_PLAYOUT_SOURCE (self), NULL);
  return EXS_PLAYOUT_SOURCE_GET_IFACE (self)->lookup (self, channel_number, at_us, error);
}

/**
 * exs_playout_source_list:
 *
 * Returns: (transfer full) (element-type ExsPlayoutItem) (nullable): the items
 *   overlapping [@from_us, @to_us), in order, without gaps or overlaps
 */
GPtrArray *
exs_playout_source_list (ExsPlayoutSource *self, const char *channel_number, gint64 from_us, gint64 to_us,
                         GError **error)
{
  g_return_val_if_fail (EXS_IS_PLAYOUT_SOURCE (self), NULL);
  return EXS_PLAYOUT_SOURCE_GET_IFACE (self)->list (self, channel_number, from_us, to_us, error);
}
