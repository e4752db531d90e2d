/* exs-prefs-form-dialog.c: ExsPrefsFormDialog, what the app's forms share.
 *
 * A modal window with Cancel and Save in its header and an error label above
 * the form. Save asks the subclass (ExsPrefsChannelDialog,
 * ExsPrefsLibraryDialog) to check and send its form; the server validates,
 * and its message is shown in the form, which stays open so nothing typed is
 * lost: a 422 naming a member of the form's field table (ExsPrefsFormFields)
 * is shown under that member's row. On success the dialog emits "saved" with
 * the server's reply and closes.
 */
#include "config.h"

#include "exs-prefs-form-dialog.h"

#include <glib/gi18n.h>

#define SAVE_TIMEOUT_MS 10000

typedef struct
{
  GtkLabel *error_label;
  GtkButton *save_button;

  ExsPrefsClient *client;
  ExsPrefsFormFields *fields; /* (nullable) the rows made from field tables */
  GtkFileChooserNative *chooser; /* (nullable) while a file is being chosen */
  ExsPrefsFileChosen chosen;
  GCancellable *cancellable;
  char *method; /* where the form goes */
  char *path;
} ExsPrefsFormDialogPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (ExsPrefsFormDialog, exs_prefs_form_dialog, ADW_TYPE_WINDOW)

enum { PROP_0, PROP_CLIENT, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIGNAL_SAVED, N_SIGNALS };
static guint signals[N_SIGNALS];

ExsPrefsClient *
exs_prefs_form_dialog_get_client (ExsPrefsFormDialog *self)
{
  ExsPrefsFormDialogPrivate *priv = exs_prefs_form_dialog_get_instance_private (self);

  return priv->client;
}

GtkButton *
exs_prefs_form_dialog_get_save_button (ExsPrefsFormDialog *self)
{
  ExsPrefsFormDialogPrivate *priv = exs_prefs_form_dialog_get_instance_private (self);

  return priv->save_button;
}

void
exs_prefs_form_dialog_show_error (ExsPrefsFormDialog *self, const char *message)
{
  ExsPrefsFormDialogPrivate *priv = exs_prefs_form_dialog_get_instance_private (self);

  gtk_label_set_text (priv->error_label, message);
  gtk_widget_set_visible (GTK_WIDGET (priv->error_label), TRUE);
}

static void
on_saved_cb (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (ExsPrefsFormDialog) self = user_data;
  ExsPrefsFormDialogPrivate *priv = exs_prefs_form_dialog_get_instance_private (self);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) reply = exs_prefs_client_request_finish (EXS_PREFS_CLIENT (source), result, &error);

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  gtk_widget_set_sensitive (GTK_WIDGET (priv->save_button), TRUE);
  if (reply == NULL)
    {
      if (priv->fields == NULL
          || !exs_prefs_form_fields_show_error (priv->fields, exs_prefs_client_error_get_field (error), error->message))
        exs_prefs_form_dialog_show_error (self, error->message);
      return;
    }
  g_signal_emit (self, signals[SIGNAL_SAVED], 0, JSON_NODE_HOLDS_OBJECT (reply) ? json_node_get_object (reply) : NULL);
  gtk_window_destroy (GTK_WINDOW (self));
}

void
exs_prefs_form_dialog_set_target (ExsPrefsFormDialog *self, const char *method, const char *path)
{
  ExsPrefsFormDialogPrivate *priv = exs_prefs_form_dialog_get_instance_private (self);

  g_free (priv->method);
  priv->method = g_strdup (method);
  g_free (priv->path);
  priv->path = g_strdup (path);
}

void
exs_prefs_form_dialog_set_editing (ExsPrefsFormDialog *self, const char *title, const char *path)
{
  ExsPrefsFormDialogPrivate *priv = exs_prefs_form_dialog_get_instance_private (self);

  exs_prefs_form_dialog_set_target (self, "PATCH", path);
  gtk_window_set_title (GTK_WINDOW (self), title);
  gtk_button_set_label (priv->save_button, _("_Save"));
}

ExsPrefsFormFields *
exs_prefs_form_dialog_add_fields (ExsPrefsFormDialog *self, AdwPreferencesGroup *group, const ExsPrefsField *table,
                                  gsize n)
{
  ExsPrefsFormDialogPrivate *priv = exs_prefs_form_dialog_get_instance_private (self);

  if (priv->fields == NULL)
    priv->fields = exs_prefs_form_fields_new ();
  exs_prefs_form_fields_add (priv->fields, group, table, n);
  return priv->fields;
}

ExsPrefsFormFields *
exs_prefs_form_dialog_get_fields (ExsPrefsFormDialog *self)
{
  ExsPrefsFormDialogPrivate *priv = exs_prefs_form_dialog_get_instance_private (self);

  return priv->fields;
}

JsonNode *
exs_prefs_form_dialog_read_fields (ExsPrefsFormDialog *self)
{
  ExsPrefsFormDialogPrivate *priv = exs_prefs_form_dialog_get_instance_private (self);
  g_autoptr (JsonObject) body = json_object_new ();

  gtk_widget_set_visible (GTK_WIDGET (priv->error_label), FALSE);
  if (priv->fields)
    {
      exs_prefs_form_fields_clear_errors (priv->fields);
      if (!exs_prefs_form_fields_read (priv->fields, body))
        return NULL;
    }
  return json_node_init_object (json_node_alloc (), body);
}

void
exs_prefs_form_dialog_request (ExsPrefsFormDialog *self, const char *method, const char *path, JsonNode *body,
                               GAsyncReadyCallback callback)
{
  ExsPrefsFormDialogPrivate *priv = exs_prefs_form_dialog_get_instance_private (self);

  exs_prefs_client_request_async (priv->client, method, path, body, SAVE_TIMEOUT_MS, priv->cancellable, callback,
                                  g_object_ref (self));
}

static void
on_chooser_response_cb (GtkNativeDialog *chooser, int response, ExsPrefsFormDialog *self)
{
  ExsPrefsFormDialogPrivate *priv = exs_prefs_form_dialog_get_instance_private (self);
  g_autoptr (GFile) file = response == GTK_RESPONSE_ACCEPT ? gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser)) : NULL;

  if (file)
    priv->chosen (self, file);
  g_clear_object (&priv->chooser);
}

void
exs_prefs_form_dialog_choose_file (ExsPrefsFormDialog *self, const char *title, GtkFileChooserAction action,
                                   ExsPrefsFileChosen chosen)
{
  ExsPrefsFormDialogPrivate *priv = exs_prefs_form_dialog_get_instance_private (self);

  if (priv->chooser)
    return;
  priv->chosen = chosen;
  priv->chooser = gtk_file_chooser_native_new (title, GTK_WINDOW (self), action, _("_Choose"), _("_Cancel"));
  g_signal_connect (priv->chooser, "response", G_CALLBACK (on_chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (priv->chooser));
}

static void
exs_prefs_form_dialog_real_save (ExsPrefsFormDialog *self)
{
  g_autoptr (JsonNode) body = exs_prefs_form_dialog_read_fields (self);

  if (body)
    exs_prefs_form_dialog_submit (self, body);
}

void
exs_prefs_form_dialog_submit (ExsPrefsFormDialog *self, JsonNode *body)
{
  ExsPrefsFormDialogPrivate *priv = exs_prefs_form_dialog_get_instance_private (self);

  g_return_if_fail (priv->method != NULL && priv->path != NULL);
  gtk_widget_set_visible (GTK_WIDGET (priv->error_label), FALSE);
  if (priv->fields)
    exs_prefs_form_fields_clear_errors (priv->fields);
  gtk_widget_set_sensitive (GTK_WIDGET (priv->save_button), FALSE);
  exs_prefs_client_request_async (priv->client, priv->method, priv->path, body, SAVE_TIMEOUT_MS, priv->cancellable, on_saved_cb,
                                  g_object_ref (self));
}

static void
on_save_clicked_cb (GtkButton *button, ExsPrefsFormDialog *self)
{
  EXS_PREFS_FORM_DIALOG_GET_CLASS (self)->save (self);
}

static void
on_cancel_clicked_cb (GtkButton *button, ExsPrefsFormDialog *self)
{
  gtk_window_close (GTK_WINDOW (self));
}

void
exs_prefs_form_dialog_class_set_template (ExsPrefsFormDialogClass *klass, const char *resource)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class, resource);
  gtk_widget_class_bind_template_child_full (widget_class, "error_label", FALSE,
                                             G_PRIVATE_OFFSET (ExsPrefsFormDialog, error_label));
  gtk_widget_class_bind_template_child_full (widget_class, "save_button", FALSE,
                                             G_PRIVATE_OFFSET (ExsPrefsFormDialog, save_button));
  gtk_widget_class_bind_template_callback (widget_class, on_save_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_cancel_clicked_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
exs_prefs_form_dialog_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  ExsPrefsFormDialogPrivate *priv = exs_prefs_form_dialog_get_instance_private (EXS_PREFS_FORM_DIALOG (object));

  if (prop_id == PROP_CLIENT)
    priv->client = g_value_dup_object (value);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
}

static void
exs_prefs_form_dialog_dispose (GObject *object)
{
  ExsPrefsFormDialogPrivate *priv = exs_prefs_form_dialog_get_instance_private (EXS_PREFS_FORM_DIALOG (object));

  g_cancellable_cancel (priv->cancellable);
  if (priv->chooser)
    gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (priv->chooser));
  g_clear_object (&priv->chooser);
  /* the template is the subclass's */
  gtk_widget_dispose_template (GTK_WIDGET (object), G_OBJECT_TYPE (object));
  G_OBJECT_CLASS (exs_prefs_form_dialog_parent_class)->dispose (object);
}

static void
exs_prefs_form_dialog_finalize (GObject *object)
{
  ExsPrefsFormDialogPrivate *priv = exs_prefs_form_dialog_get_instance_private (EXS_PREFS_FORM_DIALOG (object));

  g_clear_object (&priv->cancellable);
  g_clear_object (&priv->client);
  g_clear_pointer (&priv->fields, exs_prefs_form_fields_free);
  g_free (priv->method);
  g_free (priv->path);
  G_OBJECT_CLASS (exs_prefs_form_dialog_parent_class)->finalize (object);
}

static void
exs_prefs_form_dialog_class_init (ExsPrefsFormDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->set_property = exs_prefs_form_dialog_set_property;
  object_class->dispose = exs_prefs_form_dialog_dispose;
  object_class->finalize = exs_prefs_form_dialog_finalize;
  klass->save = exs_prefs_form_dialog_real_save;
  properties[PROP_CLIENT] = g_param_spec_object ("client", NULL, NULL, EXS_TYPE_PREFS_CLIENT,
                                                 G_PARAM_WRITABLE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  /* ExsPrefsFormDialog::saved: @reply (nullable): the server's answer */
  signals[SIGNAL_SAVED] = g_signal_new ("saved", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 1, JSON_TYPE_OBJECT);
}

static void
exs_prefs_form_dialog_init (ExsPrefsFormDialog *self)
{
  ExsPrefsFormDialogPrivate *priv = exs_prefs_form_dialog_get_instance_private (self);

  priv->cancellable = g_cancellable_new ();
}
