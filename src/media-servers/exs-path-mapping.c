/* exs-path-mapping.c: ExsPathMappings, a media-server library's list of
 * (server path prefix → local path) pairs, as ErsatzTV has them.
 *
 * The sync stores each item's path on the server; when a channel plays the
 * item, ExsMediaServerSrc asks exs_path_mappings_find_local() for a local
 * file and reads it if it exists, else streams it from the server. A prefix
 * matches whole path components only ("/media" does not match "/media2"),
 * and the longest prefix wins. A mapped path never climbs out of its local
 * folder ("..", "." components are refused).
 */
#include "config.h"

#include "exs-path-mapping.h"

#include "exs-media-server-config.h"

#include <string.h>

#define MAX_PATH_CHARS 1024

typedef struct
{
  char *server_path;     /* without a trailing slash, except "/" itself */
  char *local_path;
} Mapping;

struct _ExsPathMappings
{
  GArray *list;          /* (element-type Mapping) */
};

static void
mapping_clear (Mapping *m)
{
  g_free (m->server_path);
  g_free (m->local_path);
}

ExsPathMappings *
exs_path_mappings_new (void)
{
  ExsPathMappings *self = g_new0 (ExsPathMappings, 1);

  self->list = g_array_new (FALSE, TRUE, sizeof (Mapping));
  g_array_set_clear_func (self->list, (GDestroyNotify) mapping_clear);
  return self;
}

ExsPathMappings *
exs_path_mappings_copy (const ExsPathMappings *mappings)
{
  ExsPathMappings *copy = exs_path_mappings_new ();

  for (guint i = 0; mappings && i < mappings->list->len; i++)
    {
      const Mapping *m = &g_array_index (mappings->list, Mapping, i);
      Mapping c = { g_strdup (m->server_path), g_strdup (m->local_path) };
      g_array_append_val (copy->list, c);
    }
  return copy;
}

void
exs_path_mappings_free (ExsPathMappings *self)
{
  if (self == NULL)
    return;
  g_array_unref (self->list);
  g_free (self);
}

guint
exs_path_mappings_get_n (const ExsPathMappings *self)
{
  return self->list->len;
}

static char *
strip_slash (const char *path)
{
  gsize len = strlen (path);

  while (len > 1 && path[len - 1] == '/')
    len--;
  return g_strndup (path, len);
}

static gboolean
check_path (const char *what, const char *path, gboolean absolute, GError **error)
{
  if (path == NULL || path[0] == '\0' || strlen (path) > MAX_PATH_CHARS || !g_utf8_validate (path, -1, NULL))
    {
      g_set_error (error, EXS_MEDIA_SERVER_ERROR, EXS_MEDIA_SERVER_ERROR_INVALID,
                   "%s must be a path of 1 to %d characters", what, MAX_PATH_CHARS);
      return FALSE;
    }
  for (const char *p = path; *p; p++)
    if ((guchar) *p < 0x20)
      {
        g_set_error (error, EXS_MEDIA_SERVER_ERROR, EXS_MEDIA_SERVER_ERROR_INVALID,
                     "%s must not hold control characters", what);
        return FALSE;
      }
  if (absolute && path[0] != '/')
    {
      g_set_error (error, EXS_MEDIA_SERVER_ERROR, EXS_MEDIA_SERVER_ERROR_INVALID,
                   "%s “%s” must be an absolute path", what, path);
      return FALSE;
    }
  return TRUE;
}

/**
 * exs_path_mappings_add:
 * @server_path: a path prefix as the server names its files ("/data/tv",
 *   or "D:\\TV" for a Windows server)
 * @local_path: an absolute folder here
 */
gboolean
exs_path_mappings_add (ExsPathMappings *self, const char *server_path, const char *local_path, GError **error)
{
  Mapping m;

  if (!check_path ("server_path", server_path, FALSE, error) || !check_path ("local_path", local_path, TRUE, error))
    return FALSE;
  if (self->list->len >= EXS_PATH_MAPPINGS_MAX)
    {
      g_set_error (error, EXS_MEDIA_SERVER_ERROR, EXS_MEDIA_SERVER_ERROR_INVALID,
                   "path_mappings may hold at most %d mappings", EXS_PATH_MAPPINGS_MAX);
      return FALSE;
    }
  m.server_path = strip_slash (server_path);
  m.local_path = strip_slash (local_path);
  g_array_append_val (self->list, m);
  return TRUE;
}

/**
 * exs_path_mappings_from_json:
 * @array: [{"server_path": "...", "local_path": "..."}, ...]
 *
 * Returns: (transfer full) (nullable): the mappings, or %NULL with a message
 *   naming the bad entry
 */
ExsPathMappings *
exs_path_mappings_from_json (JsonArray *array, GError **error)
{
  g_autoptr (ExsPathMappings) self = exs_path_mappings_new ();

  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *node = json_array_get_element (array, i);
      JsonObject *o = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
      const char *from = o ? json_object_get_string_member_with_default (o, "server_path", NULL) : NULL;
      const char *to = o ? json_object_get_string_member_with_default (o, "local_path", NULL) : NULL;
      g_autoptr (GError) local = NULL;

      if (o == NULL || json_object_get_size (o) != 2 || from == NULL || to == NULL)
        {
          g_set_error (error, EXS_MEDIA_SERVER_ERROR, EXS_MEDIA_SERVER_ERROR_INVALID,
                       "path_mappings[%u] must be an object with exactly server_path and local_path (strings)", i);
          return NULL;
        }
      if (!exs_path_mappings_add (self, from, to, &local))
        {
          g_set_error (error, EXS_MEDIA_SERVER_ERROR, EXS_MEDIA_SERVER_ERROR_INVALID, "path_mappings[%u]: %s", i,
                       local->message);
          return NULL;
        }
    }
  return g_steal_pointer (&self);
}

JsonArray *
exs_path_mappings_to_json (const ExsPathMappings *self)
{
  JsonArray *a = json_array_new ();

  for (guint i = 0; i < self->list->len; i++)
    {
      const Mapping *m = &g_array_index (self->list, Mapping, i);
      JsonObject *o = json_object_new ();

      json_object_set_string_member (o, "server_path", m->server_path);
      json_object_set_string_member (o, "local_path", m->local_path);
      json_array_add_object_element (a, o);
    }
  return a;
}

/* Whether @path starts with @prefix as whole components ('/' or '\\' after it). */
static gboolean
has_component_prefix (const char *path, const char *prefix)
{
  gsize n = strlen (prefix);

  if (strncmp (path, prefix, n) != 0)
    return FALSE;
  return path[n] == '\0' || path[n] == '/' || path[n] == '\\' || (n > 0 && (prefix[n - 1] == '/'));
}

/**
 * exs_path_mappings_map:
 *
 * Returns: (transfer full) (nullable): where @server_path would be here
 *   under the longest matching prefix, or %NULL when none matches or the
 *   rest of the path climbs ("..")
 */
char *
exs_path_mappings_map (const ExsPathMappings *self, const char *server_path)
{
  const Mapping *best = NULL;
  g_auto (GStrv) parts = NULL;
  g_autoptr (GString) out = NULL;

  if (server_path == NULL)
    return NULL;
  for (guint i = 0; i < self->list->len; i++)
    {
      const Mapping *m = &g_array_index (self->list, Mapping, i);
      if (has_component_prefix (server_path, m->server_path)
          && (best == NULL || strlen (m->server_path) > strlen (best->server_path)))
        best = m;
    }
  if (best == NULL)
    return NULL;
  {
    /* a Windows server's backslashes become slashes here */
    g_autofree char *rest = g_strdup (server_path + strlen (best->server_path));
    g_strdelimit (rest, "\\", '/');
    parts = g_strsplit (rest, "/", -1);
  }
  out = g_string_new (best->local_path);
  for (guint i = 0; parts[i]; i++)
    {
      if (parts[i][0] == '\0')
        continue;
      if (g_str_equal (parts[i], "..") || g_str_equal (parts[i], "."))
        return NULL;
      if (out->len == 0 || out->str[out->len - 1] != '/')
        g_string_append_c (out, '/');
      g_string_append (out, parts[i]);
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/**
 * exs_path_mappings_find_local:
 *
 * Returns: (transfer full) (nullable): the mapped path of @server_path when
 *   a regular file is there
 */
char *
exs_path_mappings_find_local (const ExsPathMappings *self, const char *server_path)
{
  g_autofree char *local = exs_path_mappings_map (self, server_path);

  if (local == NULL || !g_file_test (local, G_FILE_TEST_IS_REGULAR))
    return NULL;
  return g_steal_pointer (&local);
}
