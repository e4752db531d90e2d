/* exs-fs.c: writing secrets with the right mode, random tokens, file extensions. */
#include "config.h"

#include "exs-fs.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

/**
 * exs_fs_write_private_file:
 *
 * Writes @contents to @path atomically (temporary file + rename) with mode 0600,
 * so a token is never readable by others, not even for an instant.
 */
gboolean
exs_fs_write_private_file (const char *path, const char *contents, GError **error)
{
  g_autofree char *tmp = g_strdup_printf ("%s.XXXXXX", path);
  gsize len = strlen (contents);
  gsize done = 0;
  int fd;

  fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "cannot create %s: %s", tmp, g_strerror (saved));
      return FALSE;
    }
  while (done < len)
    {
      ssize_t n = write (fd, contents + done, len - done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved = errno;
          close (fd);
          g_unlink (tmp);
          g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                       "cannot write %s: %s", tmp, g_strerror (saved));
          return FALSE;
        }
      done += (gsize) n;
    }
  if (fsync (fd) != 0 || close (fd) != 0 || g_rename (tmp, path) != 0)
    {
      int saved = errno;
      g_unlink (tmp);
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "cannot write %s: %s", path, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

/**
 * exs_fs_random_hex:
 *
 * Returns: (transfer full): @n_bytes of kernel randomness as lowercase hex.
 */
char *
exs_fs_random_hex (gsize n_bytes)
{
  g_autofree guint8 *buf = g_malloc (n_bytes);
  GString *out = g_string_sized_new (n_bytes * 2);
  gsize got = 0;

  while (got < n_bytes)
    {
      ssize_t n = getrandom (buf + got, n_bytes - got, 0);
      if (n < 0 && errno == EINTR)
        continue;
      g_assert (n > 0);
      got += (gsize) n;
    }
  for (gsize i = 0; i < n_bytes; i++)
    g_string_append_printf (out, "%02x", buf[i]);
  return g_string_free (out, FALSE);
}

/**
 * exs_fs_has_extension:
 * @name: a file name or path
 * @extensions: extensions without their dot ("mp4"), %NULL-terminated
 *
 * Returns: whether @name ends in a dot and one of @extensions, in any case
 */
gboolean
exs_fs_has_extension (const char *name, const char *const *extensions)
{
  const char *dot = strrchr (name, '.');

  for (guint i = 0; dot && extensions[i]; i++)
    if (g_ascii_strcasecmp (dot + 1, extensions[i]) == 0)
      return TRUE;
  return FALSE;
}
