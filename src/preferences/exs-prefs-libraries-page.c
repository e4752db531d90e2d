/* exs-prefs-libraries-page.c: ExsPrefsLibrariesPage, the media libraries.
 *
 * One expander row per library (GET /api/libraries): its kind, item count and
 * scan progress (live counters while it scans or syncs), and inside it the
 * folders or URLs with the error the last scan met, a Plex, Jellyfin or Emby
 * library's server (address, whether its token is set — never the token — and
 * path mappings), the error the last scan or sync ended with, the files that
 * failed (media with scan_state "error") and the library's issues. Buttons
 * rescan (a sync, for a server library) or remove it; "Add Library" opens
 * ExsPrefsLibraryDialog. A scan that ends with failures or issues raises a
 * GNotification.
 * The offline page, the list request and the remove dialog are ExsPrefsListPage's.
 */
#include "config.h"

#include "exs-prefs-libraries-page.h"

#include "exs-prefs-library-dialog.h"
#include "exs-prefs-window.h"

#include <glib/gi18n.h>

#define MAX_FAILED_SHOWN 500
#define DETAILS_TIMEOUT_MS 10000

struct _ExsPrefsLibrariesPage
{
  ExsPrefsListPage parent_instance;
};

/* Rows are keyed by the library's id; a library is flagged while it scans, to
 * notice a scan's end. */

G_DEFINE_FINAL_TYPE (ExsPrefsLibrariesPage, exs_prefs_libraries_page, EXS_TYPE_PREFS_LIST_PAGE)

static const char *
kind_label (const char *kind)
{
  if (g_strcmp0 (kind, "movies") == 0)
    return _("Movies");
  if (g_strcmp0 (kind, "shows") == 0)
    return _("TV shows");
  if (g_strcmp0 (kind, "music_videos") == 0)
    return _("Music videos");
  if (g_strcmp0 (kind, "music") == 0)
    return _("Music");
  return _("Other videos");
}

static AdwExpanderRow *
row_of (ExsPrefsLibrariesPage *self, gint64 id)
{
  g_autofree char *key = g_strdup_printf ("%" G_GINT64_FORMAT, id);

  return ADW_EXPANDER_ROW (exs_prefs_list_page_lookup_row (EXS_PREFS_LIST_PAGE (self), key));
}

static JsonObject *
scan_of (JsonObject *lib)
{
  return json_object_has_member (lib, "scan") && JSON_NODE_HOLDS_OBJECT (json_object_get_member (lib, "scan"))
           ? json_object_get_object_member (lib, "scan") : NULL;
}

static JsonObject *
server_of (JsonObject *lib)
{
  JsonNode *node = json_object_get_member (lib, "media_server");

  return node && JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
}

static const char *
source_label (JsonObject *lib)
{
  const char *source = json_object_get_string_member_with_default (lib, "source", "local");

  if (g_str_equal (source, "plex"))
    return "Plex";
  if (g_str_equal (source, "jellyfin"))
    return "Jellyfin";
  if (g_str_equal (source, "emby"))
    return "Emby";
  return g_str_equal (source, "url") ? _("Web") : NULL;
}

/* the error the last scan or sync ended with */
static const char *
scan_error (JsonObject *lib)
{
  JsonObject *scan = scan_of (lib);
  JsonNode *node = scan ? json_object_get_member (scan, "error") : NULL;

  return node && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_string (node) : NULL;
}

static gboolean
is_scanning (JsonObject *lib)
{
  JsonObject *scan = scan_of (lib);
  return scan && g_strcmp0 (json_object_get_string_member_with_default (scan, "state", ""), "scanning") == 0;
}

static char *
library_subtitle (JsonObject *lib)
{
  JsonObject *scan = scan_of (lib);
  gint64 items = json_object_get_int_member_with_default (lib, "items", 0);
  GString *s = g_string_new (NULL);

  if (source_label (lib))
    g_string_append_printf (s, "%s · ", source_label (lib));
  g_string_append (s, kind_label (json_object_get_string_member_with_default (lib, "kind", "")));

  g_string_append (s, " · ");
  g_string_append_printf (s, g_dngettext (GETTEXT_PACKAGE, "%d item", "%d items", (gulong) items), (int) items);
  if (scan && is_scanning (lib))
    {
      g_string_append (s, " · ");
      g_string_append_printf (s, server_of (lib) ? _("Syncing: %d listed, %d written, %d failed")
                                                 : _("Scanning: %d found, %d probed, %d failed"),
                              (int) json_object_get_int_member_with_default (scan, "found", 0),
                              (int) json_object_get_int_member_with_default (scan, "probed", 0),
                              (int) json_object_get_int_member_with_default (scan, "failed", 0));
    }
  else if (scan && json_object_get_int_member_with_default (scan, "failed", 0) > 0)
    {
      gint64 failed = json_object_get_int_member_with_default (scan, "failed", 0);
      g_string_append (s, " · ");
      g_string_append_printf (s, g_dngettext (GETTEXT_PACKAGE, "%d file failed", "%d files failed", (gulong) failed),
                              (int) failed);
    }
  return g_string_free (s, FALSE);
}

static char *
library_path (GObject *widget, const char *suffix)
{
  return g_strdup_printf ("/api/libraries/%" G_GINT64_FORMAT "%s",
                          (gint64) GPOINTER_TO_SIZE (g_object_get_data (widget, "exs-id")), suffix);
}

static void
on_scan_clicked_cb (GtkButton *button, ExsPrefsLibrariesPage *self)
{
  g_autofree char *path = library_path (G_OBJECT (button), "/scan");

  exs_prefs_list_page_change (EXS_PREFS_LIST_PAGE (self), "POST", path, NULL);
}

static void
on_remove_clicked_cb (GtkButton *button, ExsPrefsLibrariesPage *self)
{
  g_autofree char *heading = g_strdup_printf (_("Remove the library “%s”?"),
                                              (const char *) g_object_get_data (G_OBJECT (button), "exs-name"));
  g_autofree char *path = library_path (G_OBJECT (button), "");

  exs_prefs_list_page_confirm_remove (EXS_PREFS_LIST_PAGE (self), heading,
                                      _("Its items leave every channel's schedule. The files on disk are not touched."),
                                      path);
}

static void
exs_prefs_libraries_page_add (ExsPrefsListPage *page)
{
  ExsPrefsLibrariesPage *self = EXS_PREFS_LIBRARIES_PAGE (page);
  ExsPrefsLibraryDialog *dialog = exs_prefs_library_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                                                exs_prefs_list_page_get_client (page));

  exs_prefs_list_page_present (page, EXS_PREFS_FORM_DIALOG (dialog), _("Library added; scanning it now"), NULL);
}

static void
add_detail_row (AdwExpanderRow *row, const char *title, const char *subtitle, gboolean problem)
{
  GtkWidget *detail = adw_action_row_new ();

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (detail), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (detail), title);
  if (subtitle)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (detail), subtitle);
  if (problem)
    adw_action_row_add_prefix (ADW_ACTION_ROW (detail), gtk_image_new_from_icon_name ("dialog-warning-symbolic"));
  adw_expander_row_add_row (row, detail);
}

/* The server a library syncs with: its address, whether a token is set (the
 * API never says more) and its path mappings. */
static void
add_server_rows (AdwExpanderRow *row, JsonObject *server)
{
  JsonNode *maps = json_object_get_member (server, "path_mappings");
  JsonArray *mappings = maps && JSON_NODE_HOLDS_ARRAY (maps) ? json_node_get_array (maps) : NULL;

  add_detail_row (row, json_object_get_string_member_with_default (server, "url", "?"),
                  json_object_get_boolean_member_with_default (server, "token_set", FALSE) ? _("Server · token set")
                                                                                             : _("Server · no token set"),
                  !json_object_get_boolean_member_with_default (server, "token_set", FALSE));
  for (guint i = 0; mappings && i < json_array_get_length (mappings); i++)
    {
      JsonObject *m = json_array_get_object_element (mappings, i);
      g_autofree char *title = NULL;
      if (m == NULL)
        continue;
      title = g_strdup_printf ("%s → %s", json_object_get_string_member_with_default (m, "server_path", "?"),
                               json_object_get_string_member_with_default (m, "local_path", "?"));
      add_detail_row (row, title, _("Path mapping"), FALSE);
    }
}

static void
on_failed_media_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ExsPrefsLibrariesPage) self = user_data;
  g_autoptr (JsonNode) reply = exs_prefs_client_request_finish (EXS_PREFS_CLIENT (source), result, NULL);
  AdwExpanderRow *row;
  JsonArray *items;

  if (reply == NULL || !JSON_NODE_HOLDS_OBJECT (reply)
      || !json_object_has_member (json_node_get_object (reply), "items"))
    return;
  items = json_object_get_array_member (json_node_get_object (reply), "items");
  for (guint i = 0; i < json_array_get_length (items); i++)
    {
      JsonObject *item = json_array_get_object_element (items, i);
      if (item == NULL || g_strcmp0 (json_object_get_string_member_with_default (item, "scan_state", ""), "error") != 0)
        continue;
      row = row_of (self, json_object_get_int_member_with_default (item, "library_id", 0));
      if (row)
        add_detail_row (row, json_object_get_string_member_with_default (item, "title", "?"),
                        json_object_get_string_member_with_default (item, "scan_message", NULL), TRUE);
    }
}

typedef struct
{
  ExsPrefsLibrariesPage *self; /* a reference */
  gint64 id;
} IssuesCall;

static void
on_issues_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  IssuesCall *call = user_data;
  g_autoptr (ExsPrefsLibrariesPage) self = call->self;
  g_autoptr (JsonNode) reply = exs_prefs_client_request_finish (EXS_PREFS_CLIENT (source), result, NULL);
  AdwExpanderRow *row = row_of (self, call->id);
  JsonArray *issues = NULL;

  g_free (call);
  if (reply && JSON_NODE_HOLDS_OBJECT (reply) && json_object_has_member (json_node_get_object (reply), "issues"))
    issues = json_object_get_array_member (json_node_get_object (reply), "issues");
  for (guint i = 0; row && issues && i < json_array_get_length (issues); i++)
    {
      JsonObject *issue = json_array_get_object_element (issues, i);
      if (issue)
        add_detail_row (row, json_object_get_string_member_with_default (issue, "path", "?"),
                        json_object_get_string_member_with_default (issue, "reason", NULL), TRUE);
    }
}

static GtkWidget *
make_row (ExsPrefsLibrariesPage *self, JsonObject *lib)
{
  gint64 id = json_object_get_int_member_with_default (lib, "id", 0);
  const char *name = json_object_get_string_member_with_default (lib, "name", "?");
  GtkWidget *row = adw_expander_row_new ();
  g_autofree char *subtitle = library_subtitle (lib);
  g_autofree char *scan_label = g_strdup_printf (server_of (lib) ? _("Sync the library “%s” with its server")
                                                                 : _("Scan the library “%s” again"), name);
  g_autofree char *remove_label = g_strdup_printf (_("Remove the library “%s”"), name);
  JsonObject *server = server_of (lib);
  GtkWidget *scan = exs_prefs_list_page_icon_button ("view-refresh-symbolic", server ? _("Sync with the server")
                                                                                     : _("Scan again"), scan_label);
  GtkWidget *remove = exs_prefs_list_page_icon_button ("user-trash-symbolic", _("Remove"), remove_label);
  JsonNode *paths_node = json_object_get_member (lib, "paths");
  JsonArray *paths = paths_node && JSON_NODE_HOLDS_ARRAY (paths_node) ? json_node_get_array (paths_node) : NULL;
  JsonObject *scan_state = scan_of (lib);

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
  adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), subtitle);
  if (is_scanning (lib))
    {
      GtkWidget *spinner = gtk_spinner_new ();
      gtk_spinner_start (GTK_SPINNER (spinner));
      gtk_accessible_update_property (GTK_ACCESSIBLE (spinner), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Scanning"), -1);
      adw_expander_row_add_prefix (ADW_EXPANDER_ROW (row), spinner);
    }
  for (GtkWidget *b = scan; b; b = b == scan ? remove : NULL)
    {
      g_object_set_data (G_OBJECT (b), "exs-id", GSIZE_TO_POINTER ((gsize) id));
      g_object_set_data_full (G_OBJECT (b), "exs-name", g_strdup (name), g_free);
    }
  g_signal_connect (scan, "clicked", G_CALLBACK (on_scan_clicked_cb), self);
  g_signal_connect (remove, "clicked", G_CALLBACK (on_remove_clicked_cb), self);
  adw_expander_row_add_action (ADW_EXPANDER_ROW (row), remove);
  adw_expander_row_add_action (ADW_EXPANDER_ROW (row), scan);

  for (guint i = 0; paths && i < json_array_get_length (paths); i++)
    {
      JsonObject *p = json_array_get_object_element (paths, i);
      const char *err = p && json_object_has_member (p, "error") && !json_object_get_null_member (p, "error")
                          ? json_object_get_string_member (p, "error") : NULL;
      if (p)
        add_detail_row (ADW_EXPANDER_ROW (row), json_object_get_string_member_with_default (p, "path", "?"),
                        err ? err : g_strcmp0 (source_label (lib), _("Web")) == 0 ? _("Location") : _("Folder"),
                        err != NULL);
      if (err)
        adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), TRUE);
    }
  if (server)
    add_server_rows (ADW_EXPANDER_ROW (row), server);
  if (scan_error (lib) && !is_scanning (lib))
    {
      add_detail_row (ADW_EXPANDER_ROW (row), server ? _("The last sync failed") : _("The last scan failed"),
                      scan_error (lib), TRUE);
      adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), TRUE);
    }
  if (scan_state && json_object_get_int_member_with_default (scan_state, "failed", 0) > 0 && !is_scanning (lib))
    {
      g_autofree char *path = g_strdup_printf ("/api/media?library=%" G_GINT64_FORMAT "&limit=%d", id, MAX_FAILED_SHOWN);
      /* problems are shown opened */
      adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), TRUE);
      exs_prefs_list_page_get (EXS_PREFS_LIST_PAGE (self), path, DETAILS_TIMEOUT_MS, on_failed_media_cb);
    }
  if (scan_state && json_object_get_int_member_with_default (scan_state, "issues", 0) > 0)
    {
      g_autofree char *path = g_strdup_printf ("/api/libraries/%" G_GINT64_FORMAT "/issues", id);
      IssuesCall *call = g_new0 (IssuesCall, 1);
      adw_expander_row_set_expanded (ADW_EXPANDER_ROW (row), TRUE);
      call->self = g_object_ref (self);
      call->id = id;
      exs_prefs_client_request_async (exs_prefs_list_page_get_client (EXS_PREFS_LIST_PAGE (self)), "GET", path, NULL,
                                      DETAILS_TIMEOUT_MS, exs_prefs_list_page_get_cancellable (EXS_PREFS_LIST_PAGE (self)),
                                      on_issues_cb, call);
    }
  return row;
}

static void
notify_scan_problems (JsonObject *lib)
{
  JsonObject *scan = scan_of (lib);
  gint64 failed = scan ? json_object_get_int_member_with_default (scan, "failed", 0) : 0;
  gint64 issues = scan ? json_object_get_int_member_with_default (scan, "issues", 0) : 0;
  g_autoptr (GNotification) n = NULL;
  g_autofree char *title = NULL;
  g_autofree char *body = NULL;
  g_autofree char *id = NULL;

  if (failed == 0 && issues == 0)
    return;
  title = g_strdup_printf (_("The scan of “%s” found problems"), json_object_get_string_member_with_default (lib, "name", "?"));
  body = g_strdup_printf (_("%d files cannot be played and %d folders or files had problems. See Libraries."),
                          (int) failed, (int) issues);
  id = g_strdup_printf ("scan-%" G_GINT64_FORMAT, json_object_get_int_member_with_default (lib, "id", 0));
  n = g_notification_new (title);
  g_notification_set_body (n, body);
  g_application_send_notification (g_application_get_default (), id, n);
}

/* What the rows show, apart from the counters of a running scan. */
static char *
shape_of (JsonArray *libs)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (libs); i++)
    {
      JsonObject *lib = json_array_get_object_element (libs, i);
      JsonObject *scan = lib ? scan_of (lib) : NULL;
      g_autoptr (JsonNode) paths = NULL;
      g_autofree char *paths_text = NULL;
      if (lib == NULL)
        continue;
      paths = json_object_has_member (lib, "paths") ? json_node_copy (json_object_get_member (lib, "paths")) : NULL;
      paths_text = paths ? json_to_string (paths, FALSE) : g_strdup ("");
      g_string_append_printf (s, "%" G_GINT64_FORMAT "|%s|%s|%d|%s|", json_object_get_int_member_with_default (lib, "id", 0),
                              json_object_get_string_member_with_default (lib, "name", ""),
                              json_object_get_string_member_with_default (lib, "kind", ""), is_scanning (lib), paths_text);
      if (server_of (lib))
        {
          g_autoptr (JsonNode) server = json_node_copy (json_object_get_member (lib, "media_server"));
          g_autofree char *server_text = json_to_string (server, FALSE);
          g_string_append_printf (s, "%s|", server_text);
        }
      if (!is_scanning (lib))
        g_string_append_printf (s, "%s|", scan_error (lib) ? scan_error (lib) : "");
      if (!is_scanning (lib))
        g_string_append_printf (s, "%" G_GINT64_FORMAT "|%" G_GINT64_FORMAT "|%" G_GINT64_FORMAT ";",
                                json_object_get_int_member_with_default (lib, "items", 0),
                                scan ? json_object_get_int_member_with_default (scan, "failed", 0) : 0,
                                scan ? json_object_get_int_member_with_default (scan, "issues", 0) : 0);
    }
  return g_string_free (s, FALSE);
}

static void
exs_prefs_libraries_page_update (ExsPrefsListPage *page, JsonArray *libs)
{
  ExsPrefsLibrariesPage *self = EXS_PREFS_LIBRARIES_PAGE (page);
  g_autofree char *shape = shape_of (libs);
  gboolean rebuild = exs_prefs_list_page_reshape (page, shape);

  for (guint i = 0; i < json_array_get_length (libs); i++)
    {
      JsonObject *lib = json_array_get_object_element (libs, i);
      g_autofree char *key = NULL;
      if (lib == NULL)
        continue;
      key = g_strdup_printf ("%" G_GINT64_FORMAT, json_object_get_int_member_with_default (lib, "id", 0));
      if (rebuild)
        exs_prefs_list_page_add_row (page, key, make_row (self, lib));
      else
        {
          g_autofree char *subtitle = library_subtitle (lib);
          GtkWidget *row = exs_prefs_list_page_lookup_row (page, key);
          if (row)
            adw_expander_row_set_subtitle (ADW_EXPANDER_ROW (row), subtitle);
        }
      if (exs_prefs_list_page_flag (page, key, is_scanning (lib)) && !is_scanning (lib))
        notify_scan_problems (lib);
    }
  exs_prefs_list_page_update_empty (page);
}

static void
exs_prefs_libraries_page_class_init (ExsPrefsLibrariesPageClass *klass)
{
  ExsPrefsListPageClass *page_class = EXS_PREFS_LIST_PAGE_CLASS (klass);

  page_class->list_path = "/api/libraries";
  page_class->list_member = "libraries";
  page_class->update = exs_prefs_libraries_page_update;
  page_class->add = exs_prefs_libraries_page_add;
}

static void
exs_prefs_libraries_page_init (ExsPrefsLibrariesPage *self)
{
  exs_prefs_list_page_set_texts (EXS_PREFS_LIST_PAGE (self), _("Start it to see and change your libraries."),
                                 _("Libraries"), _("_Add Library"), _("No libraries yet"),
                                 _("Add a folder of films, shows or music videos"));
}
