/* exs-prefs-profile-dialog.c: ExsPrefsProfileDialog, the add/edit profile form.
 *
 * A profile's fields as docs/api/profiles.md names them, from field tables:
 * resolution, frame rate, video codec, bit rate or constant quality,
 * keyframe interval, audio codec, channels, sample rate and bit rate. POSTs a
 * new profile or PATCHes the one being edited; what this machine cannot
 * encode (HEVC without an HEVC encoder, 5.1 AAC with a stereo-only encoder)
 * or what breaks a rule is the server's 422, shown under the row it names.
 */
#include "config.h"

#include "exs-prefs-profile-dialog.h"

#include <glib/gi18n.h>

struct _ExsPrefsProfileDialog
{
  ExsPrefsFormDialog parent_instance;

  AdwPreferencesGroup *profile_group;
  AdwPreferencesGroup *video_group;
  AdwPreferencesGroup *audio_group;
};

G_DEFINE_FINAL_TYPE (ExsPrefsProfileDialog, exs_prefs_profile_dialog, EXS_TYPE_PREFS_FORM_DIALOG)

#define WHOLE EXS_PREFS_FIELD_INTEGER

static const char *const video_codecs[] = { "h264", "hevc", NULL };
static const char *const video_codec_labels[] = { "H.264", "HEVC (H.265)" };
static const char *const audio_codecs[] = { "aac", "ac3", NULL };
static const char *const audio_codec_labels[] = { "AAC", "AC-3" };
static const char *const audio_channels[] = { "stereo", "5.1", NULL };
static const char *const audio_channel_labels[] = { N_("Stereo (5.1 downmixed)"), N_("5.1 passed through") };

static const ExsPrefsField profile_fields[] = {
  { "name", EXS_PREFS_FIELD_TEXT, N_("Profile name") },
};

static const ExsPrefsField video_fields[] = {
  { "width", EXS_PREFS_FIELD_NUMBER, N_("Width in pixels"), NULL, NULL, NULL, WHOLE, "1280" },
  { "height", EXS_PREFS_FIELD_NUMBER, N_("Height in pixels"), NULL, NULL, NULL, WHOLE, "720" },
  { "fps", EXS_PREFS_FIELD_NUMBER, N_("Frames per second"), NULL, NULL, NULL, WHOLE, "30" },
  { "video_codec", EXS_PREFS_FIELD_CHOICE, N_("Video codec"), NULL, video_codecs, video_codec_labels, 0, "h264" },
  { "video_bitrate_kbps", EXS_PREFS_FIELD_NUMBER, N_("Video bit rate in kbit/s (the cap in quality mode)"), NULL, NULL,
    NULL, WHOLE, "3000" },
  { "video_quality", EXS_PREFS_FIELD_NUMBER, N_("Constant quality, 1 to 51 (empty: bit rate mode)"), NULL, NULL, NULL,
    WHOLE | EXS_PREFS_FIELD_NULL_IF_EMPTY },
  { "keyframe_interval", EXS_PREFS_FIELD_NUMBER, N_("Keyframe every N seconds (0.5, 1 or 2)"), NULL, NULL, NULL, 0, "2" },
};

static const ExsPrefsField audio_fields[] = {
  { "audio_codec", EXS_PREFS_FIELD_CHOICE, N_("Audio codec"), NULL, audio_codecs, audio_codec_labels, 0, "aac" },
  { "audio_channels", EXS_PREFS_FIELD_CHOICE, N_("Channels"), NULL, audio_channels, audio_channel_labels, 0, "stereo" },
  { "audio_sample_rate", EXS_PREFS_FIELD_NUMBER, N_("Sample rate in Hz (32000, 44100 or 48000)"), NULL, NULL, NULL, WHOLE,
    "48000" },
  { "audio_bitrate_kbps", EXS_PREFS_FIELD_NUMBER, N_("Audio bit rate in kbit/s"), NULL, NULL, NULL, WHOLE, "192" },
};

static void
exs_prefs_profile_dialog_class_init (ExsPrefsProfileDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  exs_prefs_form_dialog_class_set_template (EXS_PREFS_FORM_DIALOG_CLASS (klass),
                                            "/io/github/exstreamtv/ExStreamTV/exs-prefs-profile-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsProfileDialog, profile_group);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsProfileDialog, video_group);
  gtk_widget_class_bind_template_child (widget_class, ExsPrefsProfileDialog, audio_group);
}

static void
exs_prefs_profile_dialog_init (ExsPrefsProfileDialog *self)
{
  ExsPrefsFormDialog *form = EXS_PREFS_FORM_DIALOG (self);

  gtk_widget_init_template (GTK_WIDGET (self));
  exs_prefs_form_dialog_add_fields (form, self->profile_group, profile_fields, G_N_ELEMENTS (profile_fields));
  exs_prefs_form_dialog_add_fields (form, self->video_group, video_fields, G_N_ELEMENTS (video_fields));
  exs_prefs_form_dialog_add_fields (form, self->audio_group, audio_fields, G_N_ELEMENTS (audio_fields));
}

/**
 * exs_prefs_profile_dialog_new:
 * @profile: (nullable): the profile to edit; %NULL adds one
 *
 * Returns: (transfer none): the dialog, owned by the toplevel list
 */
ExsPrefsProfileDialog *
exs_prefs_profile_dialog_new (GtkWindow *parent, ExsPrefsClient *client, JsonObject *profile)
{
  ExsPrefsProfileDialog *self = g_object_new (EXS_TYPE_PREFS_PROFILE_DIALOG, "transient-for", parent, "modal", TRUE,
                                              "client", client, NULL);
  ExsPrefsFormDialog *form = EXS_PREFS_FORM_DIALOG (self);

  exs_prefs_form_dialog_set_target (form, "POST", "/api/profiles");
  if (profile)
    {
      g_autofree char *name = g_uri_escape_string (json_object_get_string_member_with_default (profile, "name", ""), NULL,
                                                   FALSE);
      g_autofree char *path = g_strconcat ("/api/profiles/", name, NULL);
      exs_prefs_form_dialog_set_editing (form, _("Edit Profile"), path);
      exs_prefs_form_fields_fill (exs_prefs_form_dialog_get_fields (form), profile);
    }
  return self;
}
