/* exs-schedule-store.h: schedules and channel assignments as rows */
#pragma once

#include "exs-database.h"
#include "exs-schedule.h"

G_BEGIN_DECLS

typedef struct
{
  gint64 id;
  char *name;
  char *document;   /* canonical JSON */
  gint64 created_at; /* unix seconds */
  gint64 updated_at;
} ExsScheduleRecord;

typedef struct
{
  gint64 channel_id;
  char *number;
  char *name;
  gint64 schedule_id; /* 0: none */
  char *schedule_name;
  char *mode;         /* "continuous" or "on_demand" */
  gint64 seed;
  char *problems;     /* JSON array text */
  gint64 built_until_us;
} ExsPlayoutAssignment;

void exs_schedule_record_free (ExsScheduleRecord *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExsScheduleRecord, exs_schedule_record_free)
void exs_playout_assignment_free (ExsPlayoutAssignment *a);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExsPlayoutAssignment, exs_playout_assignment_free)

GPtrArray *exs_schedule_store_list (ExsDatabase  *db,
                                    GError      **error);
ExsScheduleRecord *exs_schedule_store_get (ExsDatabase  *db,
                                           gint64        id,
                                           GError      **error);
ExsScheduleRecord *exs_schedule_store_get_by_name (ExsDatabase  *db,
                                                   const char   *name,
                                                   GError      **error);
gboolean exs_schedule_store_insert (ExsDatabase        *db,
                                    const ExsSchedule  *schedule,
                                    gint64             *id_out,
                                    GError            **error);
gboolean exs_schedule_store_update (ExsDatabase        *db,
                                    gint64              id,
                                    const ExsSchedule  *schedule,
                                    GError            **error);
gboolean exs_schedule_store_delete (ExsDatabase  *db,
                                    gint64        id,
                                    GError      **error);

ExsPlayoutAssignment *exs_schedule_store_get_assignment (ExsDatabase  *db,
                                                         const char   *number,
                                                         GError      **error);
GPtrArray *exs_schedule_store_list_assignments (ExsDatabase  *db,
                                                GError      **error);
gboolean exs_schedule_store_assign (ExsDatabase  *db,
                                    const char   *number,
                                    gint64        schedule_id,
                                    const char   *mode,
                                    gint64        seed,
                                    GError      **error);
char **exs_schedule_store_channels_using (ExsDatabase  *db,
                                          gint64        schedule_id,
                                          GError      **error);

G_END_DECLS
