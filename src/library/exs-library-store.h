/* exs-library-store.h: libraries and their folders as rows */
#pragma once

#include "exs-database.h"

G_BEGIN_DECLS

typedef struct
{
  char *path;
  char *error;           /* (nullable) why the last scan could not read it */
} ExsLibraryPath;

typedef struct
{
  gint64 id;
  char *name;
  char *kind;            /* "movies", "shows", "music_videos", "other_videos" or "music" (songs) */
  char *source;          /* "local" (later "plex", "jellyfin", "emby") */
  GPtrArray *paths;      /* (element-type ExsLibraryPath) */
  gint64 created_at;
  gint64 updated_at;
  gint64 last_scan_started_at;   /* 0: never */
  gint64 last_scan_finished_at;  /* 0: never */
  char *last_scan_error;         /* (nullable) */
  guint last_found, last_probed, last_unchanged, last_failed, last_missing, last_restored, last_issues;
  gint64 item_count;     /* items present */
  gint64 missing_count;  /* items whose file has vanished */
} ExsLibraryRecord;

ExsLibraryRecord *exs_library_record_new (void);
void exs_library_record_free (ExsLibraryRecord *record);
void exs_library_record_add_path (ExsLibraryRecord *record,
                                  const char       *path);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExsLibraryRecord, exs_library_record_free)

/* A problem a scan met (a folder, a loop, a file it could not store). */
typedef struct
{
  char *path;            /* UTF-8 display form */
  char *reason;
  gint64 created_at;     /* unix seconds; 0 until stored */
} ExsLibraryIssue;

ExsLibraryIssue *exs_library_issue_new (const char *path,
                                        char       *reason);
void exs_library_issue_free (ExsLibraryIssue *issue);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExsLibraryIssue, exs_library_issue_free)

/* The counters of one scan, as stored on the library. */
typedef struct
{
  guint found, probed, unchanged, failed, missing, restored, issues;
} ExsLibraryScanCounts;

extern const char *const exs_library_kinds[];

GPtrArray *exs_library_store_list (ExsDatabase  *db,
                                   GError      **error);
ExsLibraryRecord *exs_library_store_get (ExsDatabase  *db,
                                         gint64        id,
                                         GError      **error);
gboolean exs_library_store_exists (ExsDatabase  *db,
                                   gint64        id,
                                   GError      **error);
gint64 exs_library_store_find (ExsDatabase  *db,
                               const char   *name,
                               GError      **error);
gboolean exs_library_store_insert (ExsDatabase       *db,
                                   ExsLibraryRecord  *record,
                                   GError           **error);
gboolean exs_library_store_update (ExsDatabase       *db,
                                   ExsLibraryRecord  *record,
                                   GError           **error);
gboolean exs_library_store_delete (ExsDatabase  *db,
                                   gint64        id,
                                   GError      **error);
gint64 exs_library_store_ensure (ExsDatabase  *db,
                                 const char   *name,
                                 const char   *kind,
                                 const char   *path,
                                 GError      **error);
gboolean exs_library_store_mark_scan_started (ExsDatabase  *db,
                                              gint64        id,
                                              gint64        now,
                                              GError      **error);
gboolean exs_library_store_save_scan (ExsDatabase                 *db,
                                      const ExsLibraryRecord      *record,
                                      GHashTable                  *path_errors,
                                      GPtrArray                   *issues,
                                      const char                  *scan_error,
                                      const ExsLibraryScanCounts  *counts,
                                      gint64                       now,
                                      GError                     **error);
GPtrArray *exs_library_store_list_issues (ExsDatabase  *db,
                                          gint64        id,
                                          guint         limit,
                                          GError      **error);
const char *exs_library_item_kind (const char *library_kind);

G_END_DECLS

/* A Plex, Jellyfin or Emby library's settings (src/media-servers): the
 * source_config JSON, which holds the server's token. */
G_BEGIN_DECLS
char *exs_library_store_dup_source_config (ExsDatabase  *db,
                                           gint64        id,
                                           GError      **error);
gboolean exs_library_store_set_source_config (ExsDatabase  *db,
                                              gint64        id,
                                              const char   *json,
                                              GError      **error);
G_END_DECLS
