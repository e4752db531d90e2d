/* exs-prefs-profiles-page.c: ExsPrefsProfilesPage, the formats channels send.
 *
 * One row per profile (GET /api/profiles): the three built-ins, which cannot
 * change, then users' own with buttons to edit (ExsPrefsProfileDialog) or
 * remove them (DELETE, after a confirmation; a profile channels use is the
 * server's 409, shown as a toast). "Add Profile" opens an empty dialog.
 */
#include "config.h"

#include "exs-prefs-profiles-page.h"

#include "exs-prefs-profile-dialog.h"

#include <glib/gi18n.h>

struct _ExsPrefsProfilesPage
{
  ExsPrefsListPage parent_instance;
};

G_DEFINE_FINAL_TYPE (ExsPrefsProfilesPage, exs_prefs_profiles_page, EXS_TYPE_PREFS_LIST_PAGE)

static char *
profile_path (const char *name)
{
  g_autofree char *escaped = g_uri_escape_string (name, NULL, FALSE);

  return g_strconcat ("/api/profiles/", escaped, NULL);
}

/* "1280×720 · 30 fps · H.264 3000 kbit/s · AAC stereo 48000 Hz" */
static char *
profile_subtitle (JsonObject *p)
{
  GString *s = g_string_new (NULL);
  gboolean hevc = g_strcmp0 (json_object_get_string_member_with_default (p, "video_codec", ""), "hevc") == 0;
  gboolean ac3 = g_strcmp0 (json_object_get_string_member_with_default (p, "audio_codec", ""), "ac3") == 0;
  JsonNode *quality = json_object_get_member (p, "video_quality");

  g_string_append_printf (s, "%d×%d · ", (int) json_object_get_int_member_with_default (p, "width", 0),
                          (int) json_object_get_int_member_with_default (p, "height", 0));
  g_string_append_printf (s, _("%d fps"), (int) json_object_get_int_member_with_default (p, "fps", 0));
  g_string_append_printf (s, " · %s ", hevc ? "HEVC" : "H.264");
  if (quality && JSON_NODE_HOLDS_VALUE (quality))
    g_string_append_printf (s, _("quality %d"), (int) json_node_get_int (quality));
  else
    g_string_append_printf (s, _("%d kbit/s"), (int) json_object_get_int_member_with_default (p, "video_bitrate_kbps", 0));
  g_string_append_printf (s, " · %s %s %d Hz", ac3 ? "AC-3" : "AAC",
                          json_object_get_string_member_with_default (p, "audio_channels", ""),
                          (int) json_object_get_int_member_with_default (p, "audio_sample_rate", 0));
  return g_string_free (s, FALSE);
}

static void
open_dialog (ExsPrefsProfilesPage *self, JsonObject *profile)
{
  ExsPrefsListPage *page = EXS_PREFS_LIST_PAGE (self);
  ExsPrefsProfileDialog *dialog = exs_prefs_profile_dialog_new (GTK_WINDOW (gtk_widget_get_root (GTK_WIDGET (self))),
                                                                exs_prefs_list_page_get_client (page), profile);

  exs_prefs_list_page_present (page, EXS_PREFS_FORM_DIALOG (dialog), _("Profile “%s” saved"), "name");
}

static void
exs_prefs_profiles_page_add (ExsPrefsListPage *page)
{
  open_dialog (EXS_PREFS_PROFILES_PAGE (page), NULL);
}

static void
on_edit_clicked_cb (GtkButton *button, ExsPrefsProfilesPage *self)
{
  open_dialog (self, g_object_get_data (G_OBJECT (button), "exs-profile"));
}

static void
on_remove_clicked_cb (GtkButton *button, ExsPrefsProfilesPage *self)
{
  const char *name = g_object_get_data (G_OBJECT (button), "exs-name");
  g_autofree char *heading = g_strdup_printf (_("Remove the profile “%s”?"), name);
  g_autofree char *path = profile_path (name);

  exs_prefs_list_page_confirm_remove (EXS_PREFS_LIST_PAGE (self), heading,
                                      _("Only a profile no channel uses can be removed."), path);
}

static GtkWidget *
make_row (ExsPrefsProfilesPage *self, JsonObject *p)
{
  const char *name = json_object_get_string_member (p, "name");
  GtkWidget *row = adw_action_row_new ();
  g_autofree char *subtitle = profile_subtitle (p);
  g_autofree char *edit_label = g_strdup_printf (_("Edit the profile “%s”"), name);
  g_autofree char *remove_label = g_strdup_printf (_("Remove the profile “%s”"), name);
  GtkWidget *edit, *remove;

  adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), name);
  adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
  if (json_object_get_boolean_member_with_default (p, "builtin", FALSE))
    {
      GtkWidget *label = gtk_label_new (_("Built in"));
      gtk_widget_add_css_class (label, "dim-label");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), label);
      return row;
    }
  edit = exs_prefs_list_page_icon_button ("document-edit-symbolic", _("Edit"), edit_label);
  remove = exs_prefs_list_page_icon_button ("user-trash-symbolic", _("Remove"), remove_label);
  g_object_set_data_full (G_OBJECT (edit), "exs-profile", json_object_ref (p), (GDestroyNotify) json_object_unref);
  g_object_set_data_full (G_OBJECT (remove), "exs-name", g_strdup (name), g_free);
  g_signal_connect (edit, "clicked", G_CALLBACK (on_edit_clicked_cb), self);
  g_signal_connect (remove, "clicked", G_CALLBACK (on_remove_clicked_cb), self);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), edit);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), remove);
  return row;
}

static void
exs_prefs_profiles_page_update (ExsPrefsListPage *page, JsonArray *profiles)
{
  g_autoptr (JsonNode) node = json_node_init_array (json_node_alloc (), profiles);
  g_autofree char *text = json_to_string (node, FALSE);

  if (!exs_prefs_list_page_reshape (page, text))
    return;
  for (guint i = 0; i < json_array_get_length (profiles); i++)
    {
      JsonObject *p = json_array_get_object_element (profiles, i);
      if (p && json_object_get_string_member_with_default (p, "name", NULL))
        exs_prefs_list_page_add_row (page, json_object_get_string_member (p, "name"),
                                     make_row (EXS_PREFS_PROFILES_PAGE (page), p));
    }
  exs_prefs_list_page_update_empty (page);
}

static void
exs_prefs_profiles_page_class_init (ExsPrefsProfilesPageClass *klass)
{
  ExsPrefsListPageClass *page_class = EXS_PREFS_LIST_PAGE_CLASS (klass);

  page_class->list_path = "/api/profiles";
  page_class->list_member = "profiles";
  page_class->update = exs_prefs_profiles_page_update;
  page_class->add = exs_prefs_profiles_page_add;
}

static void
exs_prefs_profiles_page_init (ExsPrefsProfilesPage *self)
{
  exs_prefs_list_page_set_texts (EXS_PREFS_LIST_PAGE (self), _("Start it to see and change the channels' formats."),
                                 _("Profiles"), _("_Add Profile"), _("No profiles"),
                                 _("The server lists its built-in profiles here"));
}
