/* exs-api-folders.c: GET /api/fs/folders?path=/srv, the server-side folder
 * picker for adding a library (admin only, like every /api/ route).
 *
 * Directories only, sorted by name, at most MAX_FOLDERS (then "truncated").
 * The listing runs in a worker thread: a slow or hung mount must not stall
 * the main loop. The path is made canonical (symbolic links resolved), so
 * "parent" always goes up the real tree.
 */
#include "config.h"

#include "exs-api-context.h"
#include "exs-background.h"
#include "exs-http-json.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FOLDERS 2000
#define MAX_PATH_BYTES 4096

typedef struct
{
  SoupServerMessage *msg; /* owned, paused */
  char *path;             /* canonical */
  GPtrArray *names;       /* char*, sorted */
  gboolean truncated;
  GError *error;
} Listing;

static void
listing_free (Listing *l)
{
  g_object_unref (l->msg);
  g_free (l->path);
  if (l->names)
    g_ptr_array_unref (l->names);
  g_clear_error (&l->error);
  g_free (l);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return g_utf8_collate (*(const char *const *) a, *(const char *const *) b);
}

static void
list_in_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Listing *l = data;
  g_autoptr (GDir) dir = g_dir_open (l->path, 0, &l->error);
  const char *name;

  if (dir == NULL)
    return;
  l->names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *full = g_build_filename (l->path, name, NULL);

      if (!g_file_test (full, G_FILE_TEST_IS_DIR) || !g_utf8_validate (name, -1, NULL))
        continue;
      if (l->names->len == MAX_FOLDERS)
        {
          l->truncated = TRUE;
          break;
        }
      g_ptr_array_add (l->names, g_strdup (name));
    }
  g_ptr_array_sort (l->names, compare_names);
}

static void
on_listed_cb (GObject *source, GAsyncResult *res, gpointer data)
{
  Listing *l = g_task_get_task_data (G_TASK (res));
  g_autoptr (JsonObject) root = NULL;
  g_autofree char *parent = NULL;
  JsonArray *arr;

  if (l->names == NULL)
    {
      guint status = g_error_matches (l->error, G_FILE_ERROR, G_FILE_ERROR_ACCES) ? 403 : 422;
      exs_http_reply_field_error (l->msg, status, "path", "cannot list %s: %s", l->path, l->error->message);
      soup_server_message_unpause (l->msg);
      return;
    }
  root = json_object_new ();
  json_object_set_string_member (root, "path", l->path);
  parent = g_path_get_dirname (l->path);
  if (g_str_equal (l->path, "/"))
    json_object_set_null_member (root, "parent");
  else
    json_object_set_string_member (root, "parent", parent);
  arr = json_array_new ();
  for (guint i = 0; i < l->names->len; i++)
    {
      JsonObject *o = json_object_new ();
      g_autofree char *full = g_build_filename (l->path, l->names->pdata[i], NULL);

      json_object_set_string_member (o, "name", l->names->pdata[i]);
      json_object_set_string_member (o, "path", full);
      json_array_add_object_element (arr, o);
    }
  json_object_set_array_member (root, "folders", arr);
  json_object_set_boolean_member (root, "truncated", l->truncated);
  exs_http_reply_object (l->msg, 200, root);
  soup_server_message_unpause (l->msg);
}

static void
handle_folders (ExsHttpServer *server, SoupServerMessage *msg, GHashTable *params, GHashTable *query, gpointer data)
{
  const char *path = query ? g_hash_table_lookup (query, "path") : NULL;
  g_autoptr (GTask) task = NULL;
  char *real;
  Listing *l;

  if (path == NULL || path[0] == '\0')
    path = "/";
  if (path[0] != '/' || strlen (path) > MAX_PATH_BYTES || memchr (path, '\0', strlen (path)) != NULL)
    {
      exs_http_reply_field_error (msg, 422, "path", "path must be an absolute folder path such as /srv/media");
      return;
    }
  real = realpath (path, NULL);
  if (real == NULL)
    {
      exs_http_reply_field_error (msg, errno == EACCES ? 403 : 404, "path", "there is no folder %s: %s", path,
                                  g_strerror (errno));
      return;
    }
  if (!g_file_test (real, G_FILE_TEST_IS_DIR))
    {
      exs_http_reply_field_error (msg, 422, "path", "%s is not a folder", path);
      free (real);
      return;
    }
  l = g_new0 (Listing, 1);
  l->msg = g_object_ref (msg);
  l->path = g_strdup (real);
  free (real);
  soup_server_message_pause (msg);
  task = g_task_new (NULL, NULL, on_listed_cb, NULL);
  g_task_set_task_data (task, l, (GDestroyNotify) listing_free);
  exs_task_run_in_thread (task, list_in_thread);
}

void
exs_api_folders_register (ExsHttpServer *server, ExsApiContext *context)
{
  exs_http_server_add_route (server, "GET,HEAD", "/api/fs/folders", EXS_HTTP_ROUTE_DEFAULT, handle_folders, context);
}
