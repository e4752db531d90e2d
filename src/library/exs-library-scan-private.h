/* exs-library-scan-private.h: what the steps of a library scan share — the
 * file being scanned (ExsScanFile) and the issue list — between the walk,
 * probe and write steps and ExsLibraryScanner. Not for use outside
 * src/library and its tests. */
#pragma once

#include "exs-library-store.h"
#include "exs-media-name.h"
#include "exs-media-probe.h"
#include "exs-nfo.h"
#include "exs-song-tags.h"

G_BEGIN_DECLS

/* A media file found by the walk, and what the probe step learnt of it. */
typedef struct
{
  char *path;          /* file system encoding */
  char *uri;
  char *rel;           /* UTF-8 display form, relative to its root */
  char *root;
  gint64 size;
  gint64 mtime;        /* microseconds */
  char *nfo_path;      /* (nullable) */
  gint64 nfo_mtime;
  gboolean probe;      /* FALSE: only the metadata changed */
  gboolean name_not_utf8;
  gboolean remote;     /* a URL library's item: path and uri are its URL (uri "ytdl:…" for yt-dlp), no
                        * file to stat; nfo may come filled from the source (Archive.org) */

  /* set by the probe step */
  gboolean skipped;    /* cancelled before it was looked at */
  gboolean vanished;
  ExsMediaFacts *facts;
  char *probe_error;
  ExsMediaName name;
  gboolean name_parsed_episode;
  ExsNfo *nfo;
  char *nfo_error;
  char *poster, *thumb, *fanart;
  ExsSongTags *song;   /* (nullable) a music library's song (exs-library-scan-music.c) */
  char *cover;         /* (nullable) a song's cover: "embedded" or the image beside it (display form) */
} ExsScanFile;

void _exs_scan_file_free (ExsScanFile *file);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExsScanFile, _exs_scan_file_free)

void _exs_scan_add_issue (GPtrArray  *issues,
                          const char *path,
                          const char *format,
                          ...) G_GNUC_PRINTF (3, 4);
char *_exs_scan_stem_of (const char *name);
void _exs_scan_music_probe (ExsScanFile *item,
                            const char  *library_kind);
char *_exs_scan_find_beside (const char        *dir,
                             const char *const *candidates);

G_END_DECLS
