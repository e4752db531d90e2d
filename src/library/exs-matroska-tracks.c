/* exs-matroska-tracks.c: reads the Tracks element of a Matroska / WebM file
 * for the flags GStreamer 1.22's matroskademux parses but does not expose —
 * above all FlagForced, which says a subtitle track carries only the forced
 * subtitles (foreign dialogue, signs). ffprobe calls it "disposition forced".
 *
 * A small EBML walk over the file's header: the EBML header, the Segment's
 * children up to the first Cluster, each TrackEntry's number, UID, type and
 * flags. Bounded: at most EXS_MATROSKA_MAX_ELEMENTS elements, every size
 * checked against the file's. Called off the main loop (a streaming thread
 * of the channel engine, exs-channel-subtitles.c).
 *
 * matroskademux names its streams "<upstream id>/NNN:UID" from TrackNumber
 * and TrackUID, so exs_matroska_track_for_stream_id() finds a GstStream's
 * track.
 */
#include "config.h"

#include "exs-matroska-tracks.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define ID_EBML 0x1A45DFA3
#define ID_SEGMENT 0x18538067
#define ID_TRACKS 0x1654AE6B
#define ID_CLUSTER 0x1F43B675
#define ID_TRACK_ENTRY 0xAE
#define ID_TRACK_NUMBER 0xD7
#define ID_TRACK_UID 0x73C5
#define ID_TRACK_TYPE 0x83
#define ID_FLAG_FORCED 0x55AA
#define ID_FLAG_DEFAULT 0x88
#define UNKNOWN_SIZE G_MAXUINT64

G_DEFINE_QUARK (exs-matroska-error-quark, exs_matroska_error)

typedef struct
{
  FILE *file;
  guint64 file_size;
  guint elements;
} Reader;

/* A variable-length integer: an ID (marker kept) or a size (marker
 * dropped; all ones is "unknown"). */
static gboolean
read_vint (Reader *r, gboolean keep_marker, guint64 *value, guint *length)
{
  int first = fgetc (r->file);
  guint len = 1;
  guint64 v;
  gboolean all_ones;

  if (first == EOF || first == 0)
    return FALSE;
  while (!(first & (0x80 >> (len - 1))))
    len++;
  if (len > (keep_marker ? 4 : 8))
    return FALSE;
  v = keep_marker ? (guint64) first : (guint64) (first & (0xFF >> len));
  all_ones = v == (guint64) (0xFF >> len);
  for (guint i = 1; i < len; i++)
    {
      int c = fgetc (r->file);
      if (c == EOF)
        return FALSE;
      all_ones &= c == 0xFF;
      v = (v << 8) | (guint64) c;
    }
  *value = !keep_marker && all_ones ? UNKNOWN_SIZE : v;
  if (length)
    *length = len;
  return TRUE;
}

static gboolean
read_header (Reader *r, guint64 *id, guint64 *size)
{
  if (++r->elements > EXS_MATROSKA_MAX_ELEMENTS)
    return FALSE;
  return read_vint (r, TRUE, id, NULL) && read_vint (r, FALSE, size, NULL);
}

static gboolean
read_uint (Reader *r, guint64 size, guint64 *value)
{
  guint64 v = 0;

  if (size > 8)
    return FALSE;
  for (guint64 i = 0; i < size; i++)
    {
      int c = fgetc (r->file);
      if (c == EOF)
        return FALSE;
      v = (v << 8) | (guint64) c;
    }
  *value = v;
  return TRUE;
}

static gboolean
skip (Reader *r, guint64 size)
{
  return size != UNKNOWN_SIZE && size <= r->file_size && fseeko (r->file, (off_t) size, SEEK_CUR) == 0;
}

static gboolean
read_track_entry (Reader *r, guint64 end, GArray *tracks)
{
  ExsMatroskaTrack t = { .is_default = TRUE };

  while ((guint64) ftello (r->file) < end)
    {
      guint64 id, size, v;

      if (!read_header (r, &id, &size) || size == UNKNOWN_SIZE)
        return FALSE;
      switch (id)
        {
        case ID_TRACK_NUMBER:
        case ID_TRACK_UID:
        case ID_TRACK_TYPE:
        case ID_FLAG_FORCED:
        case ID_FLAG_DEFAULT:
          if (!read_uint (r, size, &v))
            return FALSE;
          if (id == ID_TRACK_NUMBER)
            t.number = v;
          else if (id == ID_TRACK_UID)
            t.uid = v;
          else if (id == ID_TRACK_TYPE)
            t.type = (guint) MIN (v, G_MAXUINT);
          else if (id == ID_FLAG_FORCED)
            t.forced = v != 0;
          else
            t.is_default = v != 0;
          break;
        default:
          if (!skip (r, size))
            return FALSE;
        }
    }
  g_array_append_val (tracks, t);
  return TRUE;
}

static gboolean
read_tracks (Reader *r, guint64 end, GArray *tracks)
{
  while ((guint64) ftello (r->file) < end)
    {
      guint64 id, size;

      if (!read_header (r, &id, &size) || size == UNKNOWN_SIZE)
        return FALSE;
      if (id == ID_TRACK_ENTRY)
        {
          if (!read_track_entry (r, (guint64) ftello (r->file) + size, tracks))
            return FALSE;
        }
      else if (!skip (r, size))
        return FALSE;
    }
  return TRUE;
}

/**
 * exs_matroska_read_tracks:
 * @path: a Matroska or WebM file, in the file system's encoding
 *
 * Returns: (transfer full) (element-type ExsMatroskaTrack): its tracks in
 *   file order, or %NULL with @error set when the file cannot be read or
 *   is not Matroska
 */
GArray *
exs_matroska_read_tracks (const char *path, GError **error)
{
  g_autoptr (GArray) tracks = g_array_new (FALSE, FALSE, sizeof (ExsMatroskaTrack));
  Reader r = { NULL, 0, 0 };
  guint64 id, size, segment_end;
  gboolean ok = FALSE;

  r.file = fopen (path, "rb");
  if (r.file == NULL)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno), "%s cannot be opened", path);
      return NULL;
    }
  if (fseeko (r.file, 0, SEEK_END) == 0)
    r.file_size = (guint64) ftello (r.file);
  rewind (r.file);
  if (read_header (&r, &id, &size) && id == ID_EBML && skip (&r, size) && read_header (&r, &id, &size)
      && id == ID_SEGMENT)
    {
      segment_end = size == UNKNOWN_SIZE ? r.file_size : (guint64) ftello (r.file) + size;
      ok = TRUE;
      while (ok && (guint64) ftello (r.file) < segment_end && tracks->len == 0)
        {
          if (!read_header (&r, &id, &size) || id == ID_CLUSTER)
            break;
          if (id == ID_TRACKS)
            ok = size != UNKNOWN_SIZE && read_tracks (&r, (guint64) ftello (r.file) + size, tracks);
          else
            ok = skip (&r, size);
        }
    }
  fclose (r.file);
  if (!ok)
    {
      g_set_error (error, EXS_MATROSKA_ERROR, EXS_MATROSKA_ERROR_INVALID, "%s is not a readable Matroska file",
                   path);
      return NULL;
    }
  return g_steal_pointer (&tracks);
}

/**
 * exs_matroska_track_for_stream_id:
 * @tracks: (element-type ExsMatroskaTrack): from exs_matroska_read_tracks()
 * @stream_id: a GstStream's id from matroskademux ("…/002:1234")
 *
 * Returns: (nullable) (transfer none): the stream's track
 */
const ExsMatroskaTrack *
exs_matroska_track_for_stream_id (GArray *tracks, const char *stream_id)
{
  const char *last = stream_id ? strrchr (stream_id, '/') : NULL;
  guint64 number, uid;
  char *end = NULL;

  if (last == NULL)
    return NULL;
  number = g_ascii_strtoull (last + 1, &end, 10);
  if (end == last + 1 || *end != ':')
    return NULL;
  uid = g_ascii_strtoull (end + 1, NULL, 10);
  for (guint i = 0; i < tracks->len; i++)
    {
      const ExsMatroskaTrack *t = &g_array_index (tracks, ExsMatroskaTrack, i);
      if (t->number == number && t->uid == uid)
        return t;
    }
  return NULL;
}
