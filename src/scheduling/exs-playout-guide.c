/* exs-playout-guide.c: from playout items to guide programmes.
 *
 * Used by GET /api/channels/{number}/schedule and meant for the XMLTV guide
 * too, so both show the same programmes. Filler marked hide_in_guide is
 * grouped into the programme before it (into the one after it at the start of
 * the range), and the parts of a programme cut by mid-rolls become one entry
 * again. The result still covers the same time without gaps.
 */
#include "config.h"

#include "exs-playout-guide.h"

/**
 * exs_playout_items_for_guide:
 * @items: (element-type ExsPlayoutItem): contiguous playout items, in order
 * @show_filler: keep every item as it is
 *
 * Returns: (transfer full) (element-type ExsPlayoutItem): the guide entries
 */
GPtrArray *
exs_playout_items_for_guide (GPtrArray *items, gboolean show_filler)
{
  GPtrArray *guide = g_ptr_array_new_with_free_func ((GDestroyNotify) exs_playout_item_free);
  g_autoptr (ExsPlayoutItem) lead = NULL; /* hidden filler before the first entry */

  for (guint i = 0; i < items->len; i++)
    {
      const ExsPlayoutItem *it = items->pdata[i];
      ExsPlayoutItem *last = guide->len ? guide->pdata[guide->len - 1] : NULL;
      ExsPlayoutItem *copy;

      if (show_filler)
        {
          g_ptr_array_add (guide, exs_playout_item_copy (it));
          continue;
        }
      if (it->hide_in_guide)
        {
          if (last)
            last->stop_us = it->stop_us;
          else if (lead)
            lead->stop_us = it->stop_us;
          else
            lead = exs_playout_item_copy (it);
          continue;
        }
      if (last && last->kind == EXS_PLAYOUT_ITEM_PROGRAMME && it->kind == EXS_PLAYOUT_ITEM_PROGRAMME
          && it->media_item_id == last->media_item_id && it->in_point_us > 0)
        {
          last->stop_us = it->stop_us; /* the next part of the same programme */
          continue;
        }
      copy = exs_playout_item_copy (it);
      if (lead)
        {
          copy->start_us = lead->start_us;
          g_clear_pointer (&lead, exs_playout_item_free);
        }
      g_ptr_array_add (guide, copy);
    }
  if (lead)
    g_ptr_array_add (guide, g_steal_pointer (&lead));
  return guide;
}
