/* exs-prefs-library-dialog.c: ExsPrefsLibraryDialog, the "add a library" form.
 *
 * Every kind of library the API has (docs/api/library.md), picked with a row
 * of toggle buttons: a folder (the file chooser portal inside the Flatpak),
 * web URLs of media files or an M3U, an Archive.org item
 * or collection, a page yt-dlp plays (URL libraries: POST /api/libraries with
 * "source": "url"), or a Plex, Jellyfin or Emby server (POST
 * /api/media-servers/libraries): its address and token (a password row; the
 * server never sends it back), the server's libraries to sync (asked with
 * POST /api/media-servers/remote-libraries) and path mappings. The server's
 * validation message stays in the form, under the row it names.
 */
#include "config.h"

#include "exs-prefs-library-dialog.h"

#include <glib/gi18n.h>
#include <string.h>

#define MAX_MAPPINGS 32

typedef struct
{
  const char *source;   /* the API's; "archive" and "ytdl" are URL libraries with a prefix */
  const char *label;    /* N_() marked */
  const char *location; /* (nullable) N_() marked: the location row's title */
  const char *prefix;   /* what the entry gets in "paths" when it lacks it */
} Source;

static const Source sources[] = {
  { "local", N_("Folder") },
  { "url", N_("URLs"), N_("Media or M3U URLs, separated by spaces"), "" },
  { "archive", "Archive.org", N_("Archive.org identifier or item URL"), "archive:" },
  { "ytdl", "yt-dlp", N_("A page yt-dlp plays (its URL)"), "ytdl:" },
  { "plex", "Plex" },
  { "jellyfin", "Jellyfin" },
  { "emby", "Emby" },
};
#define FIRST_SERVER 4

static const char *const kinds[] = { "movies", "shows", "music_videos", "other_videos", "music", NULL };
static const char *const kind_labels[] = { N_("Movies"), N_("TV shows"), N_("Music videos"), N_("Other videos"), N_("Music") };

static const ExsPrefsField general_fields[] = {
  { "name", EXS_PREFS_FIELD_TEXT, N_("Name") },
  { "kind", EXS_PREFS_FIELD_CHOICE, N_("Contains"), NULL, kinds, kind_labels, 0, "movies" },
};

static const ExsPrefsField server_fields[] = {
  { "url", EXS_PREFS_FIELD_TEXT, N_("Server address (http://host:port)") },
  { "token", EXS_PREFS_FIELD_PASSWORD, N_("Token or API key") },
  { "timeout_seconds", EXS_PREFS_FIELD_NUMBER, N_("Request timeout in seconds (empty: 30)"), NULL, NULL, NULL,
    EXS_PREFS_FIELD_INTEGER | EXS_PREFS_FIELD_OMIT_IF_EMPTY },
};

struct _ExsPrefsLibraryDialog
{
  ExsPrefsFormDialog parent_instance;

  GtkBox *files_box;
  GtkBox *servers_box;
  AdwPreferencesGroup *general_group;
  AdwPreferencesGroup *folder_group;
  AdwActionRow *folder_row;
  AdwPreferencesGroup *location_group;
  AdwEntryRow *location_row;
  AdwPreferencesGroup *server_group;
  AdwPreferencesGroup *remote_group;
  GtkButton *list_button;
  AdwPreferencesGroup *mappings_group;

  const Source *source;
  char *folder;
  GPtrArray *remote_rows; /* AdwActionRow of the server's libraries; "exs-check", "exs-id" */
  GPtrArray *mappings;    /* AdwEntryRow: server path, local path, server path, ... */
};

G_DEFINE_FINAL_TYPE (ExsPrefsLibraryDialog, exs_prefs_library_dialog, EXS_TYPE_PREFS_FORM_DIALOG)

static gboolean
is_server (const Source *source)
{
  return source >= &sources[FIRST_SERVER];
}

static void
show_source (ExsPrefsLibraryDialog *self, const Source *source)
{
  GtkWidget *token = exs_prefs_form_fields_get_row (exs_prefs_form_dialog_get_fields (EXS_PREFS_FORM_DIALOG (self)),
                                                    "token");

  self->source = source;
  gtk_widget_set_visible (GTK_WIDGET (self->folder_group), g_str_equal (source->source, "local"));
  gtk_widget_set_visible (GTK_WIDGET (self->location_group), source->location != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->server_group), is_server (source));
  gtk_widget_set_visible (GTK_WIDGET (self->remote_group), is_server (source));
  gtk_widget_set_visible (GTK_WIDGET (self->mappings_group), is_server (source));
  if (source->location)
    adw_preferences_row_set_title (ADW_PREFERENCES_ROW (self->location_row), _(source->location));
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (token), g_str_equal (source->source, "plex") ? _("Plex token")
                                                                                                   : _("API key"));
}

static void
on_source_toggled_cb (GtkToggleButton *button, ExsPrefsLibraryDialog *self)
{
  if (gtk_toggle_button_get_active (button))
    show_source (self, g_object_get_data (G_OBJECT (button), "exs-source"));
}

static void
on_folder_chosen (ExsPrefsFormDialog *dialog, GFile *file)
{
  ExsPrefsLibraryDialog *self = EXS_PREFS_LIBRARY_DIALOG (dialog);
  g_autofree char *base = g_file_get_basename (file);
  GtkEditable *name = GTK_EDITABLE (exs_prefs_form_fields_get_row (exs_prefs_form_dialog_get_fields (dialog), "name"));

  g_free (self->folder);
  self->folder = g_file_get_path (file);
  adw_action_row_set_subtitle (self->folder_row, self->folder ? self->folder : "");
  if (gtk_editable_get_text (name)[0] == '\0' && base)
    gtk_editable_set_text (name, base);
}

static void
on_choose_clicked_cb (GtkButton *button, ExsPrefsLibraryDialog *self)
{
  exs_prefs_form_dialog_choose_file (EXS_PREFS_FORM_DIALOG (self), _("Choose a Media Folder"),
                                     GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER, on_folder_chosen);
}

static void
on_add_mapping_clicked_cb (GtkButton *button, ExsPrefsLibraryDialog *self)
{
  guint n = self->mappings->len / 2 + 1;

  if (n > MAX_MAPPINGS)
    return;
  for (guint side = 0; side < 2; side++)
    {
      GtkWidget *row = adw_entry_row_new ();
      g_autofree char *title = g_strdup_printf (side == 0 ? _("Mapping %u: path on the server")
                                                          : _("Mapping %u: the same folder here"), n);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_preferences_group_add (self->mappings_group, row);
      g_ptr_array_add (self->mappings, row);
      if (side == 0)
        gtk_widget_grab_focus (row);
    }
}

static const char *
kind_label (const char *kind)
{
  for (guint i = 0; kind && kinds[i]; i++)
    if (g_str_equal (kinds[i], kind))
      return _(kind_labels[i]);
  return _("Neither films nor shows: not synced");
}

/* The server's settings from the form: source, url, token, timeout. */
static JsonObject *
server_body (ExsPrefsLibraryDialog *self)
{
  g_autoptr (JsonNode) fields = exs_prefs_form_dialog_read_fields (EXS_PREFS_FORM_DIALOG (self));
  JsonObject *body;

  if (fields == NULL)
    return NULL;
  body = json_object_ref (json_node_get_object (fields));
  json_object_set_string_member (body, "source", self->source->source);
  return body;
}

static void
on_remote_libraries_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ExsPrefsLibraryDialog) self = user_data;
  ExsPrefsFormDialog *form = EXS_PREFS_FORM_DIALOG (self);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) reply = exs_prefs_client_request_finish (EXS_PREFS_CLIENT (source), result, &error);
  JsonNode *list = reply && JSON_NODE_HOLDS_OBJECT (reply)
                     ? json_object_get_member (json_node_get_object (reply), "remote_libraries") : NULL;
  JsonArray *libs = list && JSON_NODE_HOLDS_ARRAY (list) ? json_node_get_array (list) : NULL;
  guint chosen = adw_combo_row_get_selected (ADW_COMBO_ROW (
    exs_prefs_form_fields_get_row (exs_prefs_form_dialog_get_fields (form), "kind")));
  const char *kind = chosen < G_N_ELEMENTS (kinds) - 1 ? kinds[chosen] : NULL;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (self->list_button), TRUE);
  if (reply == NULL)
    {
      if (!exs_prefs_form_fields_show_error (exs_prefs_form_dialog_get_fields (form),
                                             exs_prefs_client_error_get_field (error), error->message))
        exs_prefs_form_dialog_show_error (form, error->message);
      return;
    }
  for (guint i = 0; i < self->remote_rows->len; i++)
    adw_preferences_group_remove (self->remote_group, self->remote_rows->pdata[i]);
  g_ptr_array_set_size (self->remote_rows, 0);
  for (guint i = 0; libs && i < json_array_get_length (libs) && i < 200; i++)
    {
      JsonObject *lib = json_array_get_object_element (libs, i);
      const char *id = lib ? json_object_get_string_member_with_default (lib, "id", NULL) : NULL;
      const char *title = lib ? json_object_get_string_member_with_default (lib, "title", id) : NULL;
      const char *lib_kind = lib && !json_object_get_null_member (lib, "kind")
                               ? json_object_get_string_member_with_default (lib, "kind", NULL) : NULL;
      GtkWidget *row, *check;
      if (id == NULL)
        continue;
      row = adw_action_row_new ();
      check = gtk_check_button_new ();
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), kind_label (lib_kind));
      gtk_check_button_set_active (GTK_CHECK_BUTTON (check), g_strcmp0 (lib_kind, kind) == 0);
      gtk_widget_set_sensitive (row, lib_kind != NULL);
      gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL, title, -1);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
      g_object_set_data (G_OBJECT (row), "exs-check", check);
      g_object_set_data_full (G_OBJECT (row), "exs-id", g_strdup (id), g_free);
      adw_preferences_group_add (self->remote_group, row);
      g_ptr_array_add (self->remote_rows, row);
    }
}

static void
on_list_clicked_cb (GtkButton *button, ExsPrefsLibraryDialog *self)
{
  g_autoptr (JsonObject) body = server_body (self);
  g_autoptr (JsonNode) node = NULL;

  if (body == NULL)
    return;
  json_object_remove_member (body, "name");
  json_object_remove_member (body, "kind");
  node = json_node_init_object (json_node_alloc (), body);
  gtk_widget_set_sensitive (GTK_WIDGET (self->list_button), FALSE);
  exs_prefs_form_dialog_request (EXS_PREFS_FORM_DIALOG (self), "POST", "/api/media-servers/remote-libraries", node,
                                 on_remote_libraries_cb);
}

/* "remote_libraries" (only once listed) and "path_mappings" */
static void
add_server_choices (ExsPrefsLibraryDialog *self, JsonObject *body)
{
  JsonArray *mappings = json_array_new ();

  if (self->remote_rows->len > 0)
    {
      JsonArray *chosen = json_array_new ();
      for (guint i = 0; i < self->remote_rows->len; i++)
        if (gtk_check_button_get_active (g_object_get_data (self->remote_rows->pdata[i], "exs-check")))
          json_array_add_string_element (chosen, g_object_get_data (self->remote_rows->pdata[i], "exs-id"));
      json_object_set_array_member (body, "remote_libraries", chosen);
    }
  for (guint i = 0; i + 1 < self->mappings->len; i += 2)
    {
      const char *server = gtk_editable_get_text (GTK_EDITABLE (self->mappings->pdata[i]));
      const char *local = gtk_editable_get_text (GTK_EDITABLE (self->mappings->pdata[i + 1]));
      JsonObject *m;
      if (server[0] == '\0' && local[0] == '\0')
        continue;
      m = json_object_new ();
      json_object_set_string_member (m, "server_path", server);
      json_object_set_string_member (m, "local_path", local);
      json_array_add_object_element (mappings, m);
    }
  json_object_set_array_member (body, "path_mappings", mappings);
}

/* "paths" of a folder or URL library; FALSE (and said) when there is none */
static gboolean
add_paths (ExsPrefsLibraryDialog *self, JsonObject *body)
{
  JsonArray *paths = json_array_new ();
  g_auto (GStrv) words = g_strsplit_set (gtk_editable_get_text (GTK_EDITABLE (self->location_row)), " \t\n", -1);

  if (self->source->location == NULL && self->folder)
    json_array_add_string_element (paths, self->folder);
  for (guint i = 0; self->source->location && words[i]; i++)
    {
      g_autofree char *entry = NULL;
      if (words[i][0] == '\0')
        continue;
      /* an identifier gets "archive:", a page "ytdl:"; an archive.org URL is taken as it is */
      if (g_str_has_prefix (words[i], self->source->prefix) || strstr (words[i], "archive.org/details/") != NULL)
        entry = g_strdup (words[i]);
      else
        entry = g_strconcat (self->source->prefix, words[i], NULL);
      json_array_add_string_element (paths, entry);
    }
  json_object_set_array_member (body, "paths", paths);
  if (json_array_get_length (paths) > 0)
    return TRUE;
  exs_prefs_form_dialog_show_error (EXS_PREFS_FORM_DIALOG (self), self->source->location
                                                                    ? _("Give at least one entry first.")
                                                                    : _("Choose a folder first."));
  return FALSE;
}

static void
exs_prefs_library_dialog_save (ExsPrefsFormDialog *dialog)
{
  ExsPrefsLibraryDialog *self = EXS_PREFS_LIBRARY_DIALOG (dialog);
  g_autoptr (JsonObject) body = server_body (self);
  g_autoptr (JsonNode) node = NULL;

  if (body == NULL)
    return;
  if (is_server (self->source))
    {
      add_server_choices (self, body);
      exs_prefs_form_dialog_set_target (dialog, "POST", "/api/media-servers/libraries");
    }
  else
    {
      for (guint i = 0; i < G_N_ELEMENTS (server_fields); i++)
        json_object_remove_member (body, server_fields[i].member);
      json_object_set_string_member (body, "source", self->source->location ? "url" : "local");
      if (!add_paths (self, body))
        return;
      exs_prefs_form_dialog_set_target (dialog, "POST", "/api/libraries");
    }
  node = json_node_init_object (json_node_alloc (), body);
  exs_prefs_form_dialog_submit (dialog, node);
}

static void
exs_prefs_library_dialog_finalize (GObject *object)
{
  ExsPrefsLibraryDialog *self = EXS_PREFS_LIBRARY_DIALOG (object);

  g_free (self->folder);
  g_ptr_array_unref (self->remote_rows);
  g_ptr_array_unref (self->mappings);
  G_OBJECT_CLASS (exs_prefs_library_dialog_parent_class)->finalize (object);
}

static void
exs_prefs_library_dialog_class_init (ExsPrefsLibraryDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  ExsPrefsFormDialogClass *form_class = EXS_PREFS_FORM_DIALOG_CLASS (klass);

  object_class->finalize = exs_prefs_library_dialog_finalize;
  form_class->save = exs_prefs_library_dialog_save;
  exs_prefs_form_dialog_class_set_template (form_class, "/io/github/exstreamtv/ExStreamTV/exs-prefs-library-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsLibraryDialog, files_box);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsLibraryDialog, servers_box);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsLibraryDialog, general_group);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsLibraryDialog, folder_group);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsLibraryDialog, folder_row);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsLibraryDialog, location_group);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsLibraryDialog, location_row);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsLibraryDialog, server_group);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsLibraryDialog, remote_group);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsLibraryDialog, list_button);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsLibraryDialog, mappings_group);
  gtk_widget_class_bind_template_callback (widget_class, on_choose_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_list_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_add_mapping_clicked_cb);
}

static void
exs_prefs_library_dialog_init (ExsPrefsLibraryDialog *self)
{
  ExsPrefsFormDialog *form = EXS_PREFS_FORM_DIALOG (self);
  GtkToggleButton *first = NULL;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->remote_rows = g_ptr_array_new ();
  self->mappings = g_ptr_array_new ();
  exs_prefs_form_dialog_add_fields (form, self->general_group, general_fields, G_N_ELEMENTS (general_fields));
  exs_prefs_form_dialog_add_fields (form, self->server_group, server_fields, G_N_ELEMENTS (server_fields));
  for (guint i = 0; i < G_N_ELEMENTS (sources); i++)
    {
      GtkWidget *button = gtk_toggle_button_new_with_label (_(sources[i].label));
      g_object_set_data (G_OBJECT (button), "exs-source", (gpointer) &sources[i]);
      if (first)
        gtk_toggle_button_set_group (GTK_TOGGLE_BUTTON (button), first);
      else
        first = GTK_TOGGLE_BUTTON (button);
      g_signal_connect (button, "toggled", G_CALLBACK (on_source_toggled_cb), self);
      gtk_box_append (i < FIRST_SERVER ? self->files_box : self->servers_box, button);
    }
  gtk_toggle_button_set_active (first, TRUE);
  show_source (self, &sources[0]);
}

/**
 * exs_prefs_library_dialog_new:
 *
 * Returns: (transfer none): the dialog, owned by the toplevel list
 */
ExsPrefsLibraryDialog *
exs_prefs_library_dialog_new (GtkWindow *parent, ExsPrefsClient *client)
{
  ExsPrefsLibraryDialog *self = g_object_new (EXS_TYPE_PREFS_LIBRARY_DIALOG, "transient-for", parent, "modal", TRUE,
                                              "client", client, NULL);

  exs_prefs_form_dialog_set_target (EXS_PREFS_FORM_DIALOG (self), "POST", "/api/libraries");
  return self;
}
