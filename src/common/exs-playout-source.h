/* exs-playout-source.h: "which item, at which offset, at this instant" —
 * the one question the channel engine and the guide ask of a channel's playout.
 *
 * Implemented by the scheduling subsystem (the real playout) and, until and
 * besides that, by simple sources such as a looping list of files. Times are
 * UTC microseconds since the Unix epoch (g_get_real_time() scale).
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

typedef enum
{
  EXS_PLAYOUT_ITEM_PROGRAMME,
  EXS_PLAYOUT_ITEM_FILLER,
  EXS_PLAYOUT_ITEM_OFFLINE, /* nothing scheduled: the engine shows the offline screen */
} ExsPlayoutItemKind;

typedef struct
{
  gint64 start_us;         /* when the item starts on the channel */
  gint64 stop_us;          /* == the next item's start_us */
  ExsPlayoutItemKind kind;
  char *uri;               /* file:// or http(s)://; NULL when OFFLINE */
  gint64 in_point_us;      /* position in the media at start_us (usually 0) */
  gint64 media_item_id;    /* library id, 0 if none */

  /* guide data (all nullable) */
  char *title;
  char *sub_title;         /* episode title */
  char *description;
  char **categories;       /* NULL-terminated */
  int season_number;       /* -1 if none */
  int episode_number;      /* -1 if none */
  char *artwork_url;
  gboolean hide_in_guide;  /* filler configured to be hidden or grouped */
  char *media;             /* (nullable) its schedule item's override of the channel's media settings,
                            * canonical JSON (src/scheduling/exs-schedule-media.c) */
} ExsPlayoutItem;

#define EXS_TYPE_PLAYOUT_ITEM (exs_playout_item_get_type ())
GType exs_playout_item_get_type (void);
ExsPlayoutItem *exs_playout_item_new (void);
ExsPlayoutItem *exs_playout_item_copy (const ExsPlayoutItem *item);
void exs_playout_item_free (ExsPlayoutItem *item);
gint64 exs_playout_item_offset_at (const ExsPlayoutItem *item,
                                   gint64                at_us);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExsPlayoutItem, exs_playout_item_free)

#define EXS_TYPE_PLAYOUT_SOURCE (exs_playout_source_get_type ())
G_DECLARE_INTERFACE (ExsPlayoutSource, exs_playout_source, EXS, PLAYOUT_SOURCE, GObject)

struct _ExsPlayoutSourceInterface
{
  GTypeInterface parent_iface;

  ExsPlayoutItem *(*lookup) (ExsPlayoutSource  *self,
                             const char        *channel_number,
                             gint64             at_us,
                             GError           **error);
  GPtrArray *(*list) (ExsPlayoutSource  *self,
                      const char        *channel_number,
                      gint64             from_us,
                      gint64             to_us,
                      GError           **error);
};

ExsPlayoutItem *exs_playout_source_lookup (ExsPlayoutSource  *self,
                                           const char        *channel_number,
                                           gint64             at_us,
                                           GError           **error);
GPtrArray *exs_playout_source_list (ExsPlayoutSource  *self,
                                    const char        *channel_number,
                                    gint64             from_us,
                                    gint64             to_us,
                                    GError           **error);

G_END_DECLS
