/* exs-prefs-channel-dialog.c: ExsPrefsChannelDialog, the add/edit channel form.
 *
 * The channel's fields as docs/api.md names them, from field tables: number,
 * name, group, profile (the picker filled from GET /api/profiles: the
 * built-ins and users' own), the upstream URL and its guide id, and the
 * per-channel media fields of ExsChannelMedia (audio and subtitle choice,
 * loudness, deinterlace, scaling, the watermark and error-screen objects).
 * POSTs a new channel or PATCHes the one being edited; the server validates
 * and ExsPrefsFormDialog shows its message under the row it names. Emits
 * "saved" with the channel's API JSON.
 */
#include "config.h"

#include "exs-prefs-channel-dialog.h"

#include <glib/gi18n.h>

#define MAX_PROFILES 200

struct _ExsPrefsChannelDialog
{
  ExsPrefsFormDialog parent_instance;

  AdwPreferencesGroup *channel_group;
  AdwPreferencesGroup *media_group;
  AdwPreferencesGroup *watermark_group;
  AdwPreferencesGroup *error_screen_group;

  char *profile; /* the channel's, chosen once the list has come */
};

G_DEFINE_FINAL_TYPE (ExsPrefsChannelDialog, exs_prefs_channel_dialog, EXS_TYPE_PREFS_FORM_DIALOG)

/* the built-ins, until /api/profiles has answered */
static const char *const builtin_profiles[] = { "480p", "720p", "1080p", NULL };

static const ExsPrefsField channel_fields[] = {
  { "number", EXS_PREFS_FIELD_TEXT, N_("Number (e.g. 5, 102 or 1984.1)") },
  { "name", EXS_PREFS_FIELD_TEXT, N_("Name") },
  { "group", EXS_PREFS_FIELD_TEXT, N_("Group (shown by IPTV players)") },
  { "profile", EXS_PREFS_FIELD_CHOICE, N_("Profile"), NULL, builtin_profiles, NULL, 0, "720p" },
  { "upstream_url", EXS_PREFS_FIELD_TEXT, N_("Upstream URL (HLS or MPEG-TS; empty for a schedule)"), NULL, NULL, NULL,
    EXS_PREFS_FIELD_NULL_IF_EMPTY },
  { "upstream_tvg_id", EXS_PREFS_FIELD_TEXT, N_("Upstream guide id (tvg-id)"), NULL, NULL, NULL,
    EXS_PREFS_FIELD_NULL_IF_EMPTY },
  { "enabled", EXS_PREFS_FIELD_SWITCH, N_("Enabled"), N_("Listed to players and tuners"), NULL, NULL, 0, "true" },
  { "always_on", EXS_PREFS_FIELD_SWITCH, N_("Always on"), N_("Keep running without viewers, for instant tuning") },
};

static const char *const audio_tracks[] = { "preferred", "all", NULL };
static const char *const audio_tracks_labels[] = { N_("One, by language"), N_("All, each with its language") };
static const char *const subtitle_modes[] = { "off", "forced", "always", NULL };
static const char *const subtitle_mode_labels[] = { N_("Off"), N_("Forced subtitles only"), N_("Always") };
static const char *const deinterlace[] = { "auto", "off", "yadif", "greedyh", "linear", "vfir", NULL };
static const char *const deinterlace_labels[] = { N_("Automatic"), N_("Off"), "yadif", "greedyh", "linear", "vfir" };
static const char *const scaling[] = { "fit", "crop", "stretch", NULL };
static const char *const scaling_labels[] = { N_("Fit (letterbox or pillarbox)"), N_("Crop to fill"),
                                              N_("Stretch to fill") };

static const ExsPrefsField media_fields[] = {
  { "audio_languages", EXS_PREFS_FIELD_TEXT, N_("Audio languages in order (e.g. jpn,eng)"), NULL, NULL, NULL,
    EXS_PREFS_FIELD_NULL_IF_EMPTY },
  { "audio_tracks", EXS_PREFS_FIELD_CHOICE, N_("Audio tracks"), NULL, audio_tracks, audio_tracks_labels, 0, "preferred" },
  { "subtitle_languages", EXS_PREFS_FIELD_TEXT, N_("Subtitle languages in order"), NULL, NULL, NULL,
    EXS_PREFS_FIELD_NULL_IF_EMPTY },
  { "subtitle_mode", EXS_PREFS_FIELD_CHOICE, N_("Burn in subtitles"), NULL, subtitle_modes, subtitle_mode_labels, 0,
    "off" },
  { "loudness_target_lufs", EXS_PREFS_FIELD_NUMBER, N_("Loudness target in LUFS (empty: off)") },
  { "deinterlace", EXS_PREFS_FIELD_CHOICE, N_("Deinterlace"), NULL, deinterlace, deinterlace_labels, 0, "auto" },
  { "scaling", EXS_PREFS_FIELD_CHOICE, N_("Scaling"), NULL, scaling, scaling_labels, 0, "fit" },
};

static const char *const positions[] = { "top-left", "top-right", "bottom-left", "bottom-right", NULL };
static const char *const position_labels[] = { N_("Top left"), N_("Top right"), N_("Bottom left"), N_("Bottom right") };

static const ExsPrefsField watermark_fields[] = {
  { "watermark", EXS_PREFS_FIELD_OBJECT, N_("Show a watermark"), N_("A PNG drawn over the picture") },
  { "watermark.image", EXS_PREFS_FIELD_TEXT, N_("Watermark image (a PNG path on the server)") },
  { "watermark.position", EXS_PREFS_FIELD_CHOICE, N_("Position"), NULL, positions, position_labels, 0, "bottom-right" },
  { "watermark.size", EXS_PREFS_FIELD_NUMBER, N_("Width as a fraction of the frame"), NULL, NULL, NULL, 0, "0.1" },
  { "watermark.opacity", EXS_PREFS_FIELD_NUMBER, N_("Opacity (0 to 1)"), NULL, NULL, NULL, 0, "1" },
  { "watermark.margin", EXS_PREFS_FIELD_NUMBER, N_("Margin as a fraction of the width"), NULL, NULL, NULL, 0, "0.02" },
  { "watermark.programmes_only", EXS_PREFS_FIELD_SWITCH, N_("Only during programmes"), N_("Hidden during filler") },
  { "watermark.every_minutes", EXS_PREFS_FIELD_NUMBER, N_("Show every N minutes (0: always)"), NULL, NULL, NULL,
    EXS_PREFS_FIELD_INTEGER, "0" },
  { "watermark.show_seconds", EXS_PREFS_FIELD_NUMBER, N_("For how many seconds"), NULL, NULL, NULL,
    EXS_PREFS_FIELD_INTEGER, "0" },
};

static const char *const visual_modes[] = { "text", "static", "test_pattern", "slate", NULL };
static const char *const visual_mode_labels[] = { N_("Text"), N_("Static"), N_("Test pattern"), N_("Slate") };
static const char *const audio_modes[] = { "silent", "sine_wave", "white_noise", "beep", NULL };
static const char *const audio_mode_labels[] = { N_("Silent"), N_("Sine wave"), N_("White noise"), N_("Beep") };

static const ExsPrefsField error_screen_fields[] = {
  { "error_screen", EXS_PREFS_FIELD_OBJECT, N_("This channel's own error screen"), N_("Else the server's") },
  { "error_screen.visual_mode", EXS_PREFS_FIELD_CHOICE, N_("Picture"), NULL, visual_modes, visual_mode_labels,
    EXS_PREFS_FIELD_UNSET | EXS_PREFS_FIELD_OMIT_IF_EMPTY, N_("The server's") },
  { "error_screen.audio_mode", EXS_PREFS_FIELD_CHOICE, N_("Sound"), NULL, audio_modes, audio_mode_labels,
    EXS_PREFS_FIELD_UNSET | EXS_PREFS_FIELD_OMIT_IF_EMPTY, N_("The server's") },
  { "error_screen.title", EXS_PREFS_FIELD_TEXT, N_("Error screen title"), NULL, NULL, NULL,
    EXS_PREFS_FIELD_NULL_IF_EMPTY },
  { "error_screen.subtitle", EXS_PREFS_FIELD_TEXT, N_("Error screen subtitle"), NULL, NULL, NULL,
    EXS_PREFS_FIELD_NULL_IF_EMPTY },
  { "error_screen.background", EXS_PREFS_FIELD_TEXT, N_("Background colour (#rrggbb)"), NULL, NULL, NULL,
    EXS_PREFS_FIELD_NULL_IF_EMPTY },
  { "error_screen.image", EXS_PREFS_FIELD_TEXT, N_("Error screen image (a path on the server)"), NULL, NULL, NULL,
    EXS_PREFS_FIELD_NULL_IF_EMPTY },
};

static void
on_profiles_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ExsPrefsChannelDialog) self = user_data;
  g_autoptr (JsonNode) reply = exs_prefs_client_request_finish (EXS_PREFS_CLIENT (source), result, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  JsonNode *list = reply && JSON_NODE_HOLDS_OBJECT (reply)
                     ? json_object_get_member (json_node_get_object (reply), "profiles") : NULL;
  JsonArray *profiles = list && JSON_NODE_HOLDS_ARRAY (list) ? json_node_get_array (list) : NULL;

  /* without an answer the built-ins stay */
  for (guint i = 0; profiles && i < json_array_get_length (profiles) && i < MAX_PROFILES; i++)
    {
      JsonObject *p = json_array_get_object_element (profiles, i);
      const char *name = p ? json_object_get_string_member_with_default (p, "name", NULL) : NULL;
      if (name)
        g_ptr_array_add (names, (gpointer) name);
    }
  if (names->len == 0)
    return;
  g_ptr_array_add (names, NULL);
  {
    g_autofree char *offered = g_strjoinv (", ", (char **) names->pdata);
    g_debug ("profiles offered: %s", offered);
  }
  exs_prefs_form_fields_set_choices (exs_prefs_form_dialog_get_fields (EXS_PREFS_FORM_DIALOG (self)), "profile", (const char *const *) names->pdata, self->profile);
}

static void
exs_prefs_channel_dialog_finalize (GObject *object)
{
  g_free (EXS_PREFS_CHANNEL_DIALOG (object)->profile);
  G_OBJECT_CLASS (exs_prefs_channel_dialog_parent_class)->finalize (object);
}

static void
exs_prefs_channel_dialog_class_init (ExsPrefsChannelDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  ExsPrefsFormDialogClass *form_class = EXS_PREFS_FORM_DIALOG_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = exs_prefs_channel_dialog_finalize;
  exs_prefs_form_dialog_class_set_template (form_class, "/io/github/exstreamtv/ExStreamTV/exs-prefs-channel-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsChannelDialog, channel_group);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsChannelDialog, media_group);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsChannelDialog, watermark_group);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsChannelDialog, error_screen_group);
}

static void
exs_prefs_channel_dialog_init (ExsPrefsChannelDialog *self)
{
  ExsPrefsFormDialog *form = EXS_PREFS_FORM_DIALOG (self);

  gtk_widget_init_template (GTK_WIDGET (self));
  exs_prefs_form_dialog_add_fields (form, self->channel_group, channel_fields, G_N_ELEMENTS (channel_fields));
  exs_prefs_form_dialog_add_fields (form, self->media_group, media_fields, G_N_ELEMENTS (media_fields));
  exs_prefs_form_dialog_add_fields (form, self->watermark_group, watermark_fields, G_N_ELEMENTS (watermark_fields));
  exs_prefs_form_dialog_add_fields (form, self->error_screen_group, error_screen_fields,
                                    G_N_ELEMENTS (error_screen_fields));
}

/**
 * exs_prefs_channel_dialog_new:
 * @channel: (nullable): the channel to edit; %NULL adds one
 *
 * Returns: (transfer none): the dialog, owned by the toplevel list
 */
ExsPrefsChannelDialog *
exs_prefs_channel_dialog_new (GtkWindow *parent, ExsPrefsClient *client, JsonObject *channel)
{
  ExsPrefsChannelDialog *self = g_object_new (EXS_TYPE_PREFS_CHANNEL_DIALOG, "transient-for", parent, "modal", TRUE,
                                              "client", client, NULL);
  ExsPrefsFormDialog *form = EXS_PREFS_FORM_DIALOG (self);

  exs_prefs_form_dialog_set_target (form, "POST", "/api/channels");
  self->profile = g_strdup ("720p");
  if (channel)
    {
      const char *number = json_object_get_string_member (channel, "number");
      g_autofree char *path = exs_prefs_client_channel_path (number, NULL);
      exs_prefs_form_dialog_set_editing (form, _("Edit Channel"), path);
      g_free (self->profile);
      self->profile = g_strdup (json_object_get_string_member_with_default (channel, "profile", "720p"));
      if (!g_strv_contains (builtin_profiles, self->profile))
        {
          /* a user's profile: chosen before the list comes, and kept if it never does */
          const char *initial[] = { "480p", "720p", "1080p", self->profile, NULL };
          exs_prefs_form_fields_set_choices (exs_prefs_form_dialog_get_fields (form), "profile", initial, NULL);
        }
      exs_prefs_form_fields_fill (exs_prefs_form_dialog_get_fields (form), channel);
    }
  exs_prefs_form_dialog_request (form, "GET", "/api/profiles", NULL, on_profiles_cb);
  return self;
}
