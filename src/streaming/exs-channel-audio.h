/* exs-channel-audio.h: a channel's audio PIDs, which track of an item each
 * carries, and the item's loudness gain (part of ExsChannel; only its files
 * include this, through exs-channel-private.h) */
#pragma once

#include <gst/gst.h>

#include "exs-database.h"

G_BEGIN_DECLS

#define EXS_CHANNEL_AUDIO_MAX_PIDS 8
#define EXS_CHANNEL_AUDIO_MAX_GAIN_DB 20.0 /* |target − measured| is clamped to this */

struct _ExsChannel;
struct _Item;

/* The channel's side: fixed while its pipeline runs. PID 0 is the
 * pipeline's own audio branch (amix, self->aslots); PIDs 1.. are added by
 * exs-channel-audio.c when audio_tracks is "all". */
typedef struct
{
  guint n_pids;                                        /* 1 unless audio_tracks is "all" */
  char *pid_language[EXS_CHANNEL_AUDIO_MAX_PIDS];      /* owned: its ISO 639 code in the PMT, NULL: none */
  GstPad *extra_slots[EXS_CHANNEL_AUDIO_MAX_PIDS][2];  /* owned: PID k ≥ 1's mixer pads, per item slot */
  ExsDatabase *library;                                /* owned, nullable: measured loudness per item */
} ExsChannelAudio;

/* An item's side: fixed before its bin runs, except where marked. */
typedef struct
{
  guint n_pids;
  GstPad *slots[EXS_CHANNEL_AUDIO_MAX_PIDS]; /* borrowed: the item's pad on each PID's mixer */
  gboolean all;                              /* every track with a PID of its language */
  GStrv languages;                           /* owned: the channel's, in ISO 639-1 where one exists */
  double volume;                             /* linear gain for the loudness target; 1.0: unity */
  GHashTable *pid_of_stream;                 /* stream-id → PID + 1; under the item's lock */
  guint linked;                              /* bit k: PID k is linked; under the item's lock */
  GstStreamCollection *collection;           /* owned, nullable: chosen from late; under the item's lock */
} ExsItemAudio;

void _exs_channel_audio_configure (struct _ExsChannel *self);
char *_exs_channel_audio_description (struct _ExsChannel *self,
                                      const char         *acaps,
                                      const char         *encoder);
char *_exs_channel_audio_tag (struct _ExsChannel *self,
                                    guint               pid);
void _exs_channel_audio_build (struct _ExsChannel *self);
void _exs_channel_audio_clear (struct _ExsChannel *self);
void _exs_channel_audio_finalize (struct _ExsChannel *self);

void _exs_channel_audio_setup_item (struct _ExsChannel *self,
                                    struct _Item       *item);
void _exs_channel_audio_clear_item (struct _Item *item);
GstPad *_exs_channel_audio_claim_slot (struct _Item *item,
                                       GstPad       *pad);
GstElement *_exs_channel_audio_make_volume (struct _Item *item);
gboolean _exs_channel_audio_pick_remux (struct _Item *item,
                                        GstPad       *pad,
                                        gboolean     *needs_choice);

G_END_DECLS
