/* exs-schedule.h: a schedule — what a channel plays, as items, orders, modes and filler.
 *
 * A schedule is a document (JSON on the API and in the database, see
 * docs/design/scheduling.md); ExsSchedule is its parsed, validated form that
 * the playout builder walks. Parsing is strict: every error names the field
 * ("items[2].count") so the API can answer 422 with it.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define EXS_SCHEDULE_ERROR (exs_schedule_error_quark ())

typedef enum
{
  EXS_SCHEDULE_ERROR_INVALID, /* message starts with the field path, then ": " */
  EXS_SCHEDULE_ERROR_NOT_FOUND,
  EXS_SCHEDULE_ERROR_CONFLICT,
} ExsScheduleError;

typedef enum
{
  EXS_CONTENT_COLLECTION,
  EXS_CONTENT_SHOW,
  EXS_CONTENT_SEASON,
  EXS_CONTENT_MEDIA_ITEM,
  EXS_CONTENT_PLAYLIST, /* "another list": media items in the order given */
} ExsContentKind;

typedef enum
{
  EXS_PICK_SINGLE,
  EXS_PICK_BALANCE,  /* each draw goes to the member furthest below its weight share */
  EXS_PICK_WEIGHTED, /* each draw is a seeded weighted random choice */
} ExsContentPick;

typedef enum
{
  EXS_ORDER_CHRONOLOGICAL,
  EXS_ORDER_SEASON_EPISODE,
  EXS_ORDER_SHUFFLE,          /* a new permutation per pass: no repeat until all played */
  EXS_ORDER_SHUFFLE_IN_ORDER, /* shows interleaved at random, each show's episodes in order */
  EXS_ORDER_RANDOM,           /* each draw independent */
} ExsPlaybackOrder;

typedef enum
{
  EXS_MODE_FLOOD,    /* until the next fixed start (forever if there is none) */
  EXS_MODE_ONE,
  EXS_MODE_MULTIPLE, /* count items */
  EXS_MODE_DURATION, /* items that fit in duration, then the tail */
  EXS_MODE_BLOCK,    /* duration with a filler tail: a block of fixed minutes */
} ExsScheduleMode;

typedef enum
{
  EXS_TAIL_NONE,
  EXS_TAIL_OFFLINE,
  EXS_TAIL_FILLER,
} ExsTailMode;

/* One source of media: a collection, a show, a season, an item or a list. */
typedef struct
{
  ExsContentKind kind;
  gint64 id;        /* collection, show or media item id */
  int season;       /* EXS_CONTENT_SEASON */
  gint64 *ids;      /* EXS_CONTENT_PLAYLIST */
  guint n_ids;
  guint weight;     /* balance, weighted and filler members; 1 by default */
  guint cooldown_minutes; /* filler members: not picked again within this time */
} ExsContentRef;

typedef struct
{
  char *title;               /* custom guide title (nullable) */
  ExsContentPick pick;
  ExsContentRef *contents;   /* 1 for EXS_PICK_SINGLE */
  guint n_contents;
  ExsPlaybackOrder order;
  ExsScheduleMode mode;
  guint count;               /* EXS_MODE_MULTIPLE */
  gint64 duration_ms;        /* EXS_MODE_DURATION and EXS_MODE_BLOCK */
  ExsTailMode tail;
  int start_time_s;          /* fixed start: seconds after local midnight; -1 none */
  guint pad_to_minutes;      /* 0: no padding; else pad to the next :00/:30/… boundary */
  char *pre_roll;            /* filler preset names (nullable) */
  char *mid_roll;
  char *post_roll;
  char *tail_filler;
  char *media;               /* (nullable) canonical JSON: the channel's media settings it overrides
                              * for its programmes (exs-schedule-media.c) */
} ExsScheduleItem;

typedef struct
{
  char *name;
  ExsContentRef *members;   /* weighted, with cooldowns */
  guint n_members;
  guint count;              /* pre/post/mid-roll: items per break */
  guint every_minutes;      /* mid-roll: a break every N minutes; 0 = at chapter marks */
  gboolean hide_in_guide;
} ExsFillerPreset;

typedef struct
{
  char *name;
  gint64 max_lateness_ms;   /* how late a fixed start may be */
  gboolean keep_multi_part; /* play "Part 1", "Part 2"… together */
  char *fallback;           /* filler preset for any gap (nullable: offline) */
  GPtrArray *items;         /* ExsScheduleItem* */
  GPtrArray *fillers;       /* ExsFillerPreset* */
} ExsSchedule;

GQuark exs_schedule_error_quark (void);

ExsSchedule *exs_schedule_new_from_json (JsonObject  *object,
                                         GError     **error);
ExsSchedule *exs_schedule_new_from_data (const char  *json,
                                         GError     **error);
JsonObject *exs_schedule_to_json (const ExsSchedule *self);
char *exs_schedule_to_data (const ExsSchedule *self);
void exs_schedule_free (ExsSchedule *self);
const ExsFillerPreset *exs_schedule_find_filler (const ExsSchedule *self,
                                                 const char        *name);
gboolean exs_schedule_has_fixed_starts (const ExsSchedule *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExsSchedule, exs_schedule_free)

const char *exs_playback_order_to_string (ExsPlaybackOrder order);
const char *exs_schedule_mode_to_string (ExsScheduleMode mode);

G_END_DECLS
