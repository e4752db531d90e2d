/* exs-prefs-form-fields.c: a form's rows made from a table of the API's fields.
 *
 * The app's forms (channel, profile, library, M3U import) are lists of the
 * API's members: each page writes a static table (member, kind, title,
 * choices) and this file makes the libadwaita rows, shows an object's values,
 * reads the rows back into a request body and puts a 422's message under the
 * row of the member it names ("watermark.opacity" under the watermark's
 * opacity). A member with a dot belongs to the object field before it, whose
 * switch turns the object on (an object) or off (null). Used through
 * ExsPrefsFormDialog.
 */
#include "config.h"

#include "exs-prefs-form-fields.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

typedef struct
{
  const ExsPrefsField *def;
  GtkWidget *row;
  GtkWidget *input;     /* the switch of SWITCH and OBJECT rows, else the row */
  GtkWidget *error_row; /* hidden until the server names this member */
  char **values;        /* CHOICE: set_choices()'s values, else NULL (def->values) */
} Field;

struct _ExsPrefsFormFields
{
  GPtrArray *fields; /* Field, in table order */
};

static void
field_free (Field *f)
{
  g_strfreev (f->values);
  g_free (f);
}

ExsPrefsFormFields *
exs_prefs_form_fields_new (void)
{
  ExsPrefsFormFields *fields = g_new0 (ExsPrefsFormFields, 1);

  fields->fields = g_ptr_array_new_with_free_func ((GDestroyNotify) field_free);
  return fields;
}

void
exs_prefs_form_fields_free (ExsPrefsFormFields *fields)
{
  g_ptr_array_unref (fields->fields);
  g_free (fields);
}

static Field *
lookup (ExsPrefsFormFields *fields, const char *member)
{
  for (guint i = 0; member && i < fields->fields->len; i++)
    {
      Field *f = fields->fields->pdata[i];
      if (g_str_equal (f->def->member, member))
        return f;
    }
  return NULL;
}

GtkWidget *
exs_prefs_form_fields_get_row (ExsPrefsFormFields *fields, const char *member)
{
  Field *f = lookup (fields, member);

  return f ? f->row : NULL;
}

static const char *const *
values_of (Field *f)
{
  return f->values ? (const char *const *) f->values : f->def->values;
}

static guint
choice_offset (Field *f)
{
  return f->def->flags & EXS_PREFS_FIELD_UNSET ? 1 : 0;
}

/* the combo position of @value, or -1 */
static int
choice_index (Field *f, const char *value)
{
  const char *const *values = values_of (f);

  for (guint i = 0; value && values && values[i]; i++)
    if (g_str_equal (values[i], value))
      return (int) (i + choice_offset (f));
  return -1;
}

static void
set_text (Field *f, const char *text)
{
  gtk_editable_set_text (GTK_EDITABLE (f->row), text ? text : "");
}

static void
set_choice (Field *f, const char *value)
{
  int i = choice_index (f, value);

  adw_combo_row_set_selected (ADW_COMBO_ROW (f->row), i >= 0 ? (guint) i : 0);
}

static GtkWidget *
switch_row (Field *f)
{
  GtkWidget *row = adw_action_row_new ();
  GtkWidget *sw = gtk_switch_new ();

  gtk_widget_set_valign (sw, GTK_ALIGN_CENTER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (sw), GTK_ACCESSIBLE_PROPERTY_LABEL, _(f->def->title), -1);
  adw_action_row_add_suffix (ADW_ACTION_ROW (row), sw);
  adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), sw);
  if (f->def->subtitle)
    adw_action_row_set_subtitle (ADW_ACTION_ROW (row), _(f->def->subtitle));
  gtk_switch_set_active (GTK_SWITCH (sw), g_strcmp0 (f->def->fallback, "true") == 0);
  f->input = sw;
  return row;
}

static GtkWidget *
choice_row (Field *f)
{
  GtkWidget *row = adw_combo_row_new ();
  g_autoptr (GtkStringList) model = gtk_string_list_new (NULL);
  const char *const *values = values_of (f);

  if (f->def->flags & EXS_PREFS_FIELD_UNSET)
    gtk_string_list_append (model, _(f->def->fallback));
  for (guint i = 0; values && values[i]; i++)
    gtk_string_list_append (model, f->def->labels ? _(f->def->labels[i]) : values[i]);
  adw_combo_row_set_model (ADW_COMBO_ROW (row), G_LIST_MODEL (model));
  f->row = row;
  if (!(f->def->flags & EXS_PREFS_FIELD_UNSET))
    set_choice (f, f->def->fallback);
  return row;
}

static GtkWidget *
make_row (Field *f)
{
  GtkWidget *row;

  switch (f->def->kind)
    {
    case EXS_PREFS_FIELD_SWITCH:
    case EXS_PREFS_FIELD_OBJECT:
      row = switch_row (f);
      break;
    case EXS_PREFS_FIELD_CHOICE:
      row = choice_row (f);
      break;
    case EXS_PREFS_FIELD_PASSWORD:
      row = adw_password_entry_row_new ();
      break;
    default:
      row = adw_entry_row_new ();
      if (f->def->kind == EXS_PREFS_FIELD_NUMBER)
        gtk_editable_set_alignment (GTK_EDITABLE (row), 0);
      gtk_editable_set_text (GTK_EDITABLE (row), f->def->fallback ? f->def->fallback : "");
      break;
    }
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _(f->def->title));
  adw_preferences_row_set_use_underline (ADW_PREFERENCES_ROW (row), FALSE);
  if (f->input == NULL)
    f->input = row;
  return row;
}

/* the object field @member belongs to ("watermark" for "watermark.size") */
static Field *
parent_of (ExsPrefsFormFields *fields, const char *member)
{
  const char *dot = strrchr (member, '.');
  g_autofree char *prefix = dot ? g_strndup (member, dot - member) : NULL;

  return prefix ? lookup (fields, prefix) : NULL;
}

void
exs_prefs_form_fields_add (ExsPrefsFormFields *fields, AdwPreferencesGroup *group, const ExsPrefsField *table, gsize n)
{
  for (gsize i = 0; i < n; i++)
    {
      Field *f = g_new0 (Field, 1);
      Field *parent = parent_of (fields, table[i].member);

      f->def = &table[i];
      f->row = make_row (f);
      f->error_row = adw_action_row_new ();
      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (f->error_row), FALSE);
      adw_action_row_add_prefix (ADW_ACTION_ROW (f->error_row), gtk_image_new_from_icon_name ("dialog-error-symbolic"));
      gtk_widget_add_css_class (f->error_row, "error");
      gtk_widget_set_visible (f->error_row, FALSE);
      if (parent && parent->def->kind == EXS_PREFS_FIELD_OBJECT)
        g_object_bind_property (parent->input, "active", f->row, "sensitive", G_BINDING_SYNC_CREATE);
      adw_preferences_group_add (group, f->row);
      adw_preferences_group_add (group, f->error_row);
      g_ptr_array_add (fields->fields, f);
    }
}

void
exs_prefs_form_fields_set_choices (ExsPrefsFormFields *fields, const char *member, const char *const *values,
                                   const char *chosen)
{
  Field *f = lookup (fields, member);
  GtkStringList *model;
  g_autofree char *current = NULL;
  guint selected;

  g_return_if_fail (f != NULL && f->def->kind == EXS_PREFS_FIELD_CHOICE);
  selected = adw_combo_row_get_selected (ADW_COMBO_ROW (f->row));
  if (selected >= choice_offset (f) && values_of (f) && selected - choice_offset (f) < g_strv_length ((char **) values_of (f)))
    current = g_strdup (values_of (f)[selected - choice_offset (f)]);
  g_strfreev (f->values);
  f->values = g_strdupv ((char **) values);
  model = GTK_STRING_LIST (adw_combo_row_get_model (ADW_COMBO_ROW (f->row)));
  gtk_string_list_splice (model, choice_offset (f), g_list_model_get_n_items (G_LIST_MODEL (model)) - choice_offset (f),
                          values);
  set_choice (f, chosen && choice_index (f, chosen) >= 0 ? chosen : current);
}

/* The node at @member ("a.b" inside "a"), or NULL. */
static JsonNode *
node_at (JsonObject *object, const char *member)
{
  g_auto (GStrv) parts = g_strsplit (member, ".", -1);
  JsonNode *node = NULL;

  for (guint i = 0; parts[i]; i++)
    {
      if (object == NULL || !json_object_has_member (object, parts[i]))
        return NULL;
      node = json_object_get_member (object, parts[i]);
      object = JSON_NODE_HOLDS_OBJECT (node) ? json_node_get_object (node) : NULL;
    }
  return node;
}

static char *
node_text (JsonNode *node)
{
  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return g_strdup ("");
  if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      return g_strdup (g_ascii_formatd (buf, sizeof buf, "%g", json_node_get_double (node)));
    }
  if (json_node_get_value_type (node) == G_TYPE_INT64)
    return g_strdup_printf ("%" G_GINT64_FORMAT, json_node_get_int (node));
  return g_strdup (json_node_get_string (node));
}

void
exs_prefs_form_fields_fill (ExsPrefsFormFields *fields, JsonObject *object)
{
  for (guint i = 0; i < fields->fields->len; i++)
    {
      Field *f = fields->fields->pdata[i];
      JsonNode *node = node_at (object, f->def->member);
      g_autofree char *text = NULL;

      if (node == NULL && !(f->def->kind == EXS_PREFS_FIELD_OBJECT && object))
        continue;
      text = node_text (node);
      switch (f->def->kind)
        {
        case EXS_PREFS_FIELD_PASSWORD: /* the server never says it */
          break;
        case EXS_PREFS_FIELD_SWITCH:
          gtk_switch_set_active (GTK_SWITCH (f->input), JSON_NODE_HOLDS_VALUE (node) && json_node_get_boolean (node));
          break;
        case EXS_PREFS_FIELD_OBJECT:
          gtk_switch_set_active (GTK_SWITCH (f->input), node && JSON_NODE_HOLDS_OBJECT (node));
          break;
        case EXS_PREFS_FIELD_CHOICE:
          set_choice (f, JSON_NODE_HOLDS_NULL (node) ? NULL : text);
          break;
        default:
          set_text (f, text);
          break;
        }
    }
}

/* The object @member's last part goes into, made as needed; @leaf: that part. */
static JsonObject *
object_for (JsonObject *body, const char *member, const char **leaf)
{
  const char *dot;

  while ((dot = strchr (member, '.')) != NULL)
    {
      g_autofree char *part = g_strndup (member, dot - member);
      JsonNode *node = json_object_get_member (body, part);
      if (node == NULL || !JSON_NODE_HOLDS_OBJECT (node))
        json_object_set_object_member (body, part, json_object_new ());
      body = json_object_get_object_member (body, part);
      member = dot + 1;
    }
  *leaf = member;
  return body;
}

/* An empty value: null, left out (FALSE) or, with neither flag, @otherwise. */
static gboolean
set_empty (JsonObject *into, const char *leaf, ExsPrefsFieldFlags flags, JsonNode *otherwise)
{
  g_autoptr (JsonNode) owned = otherwise;

  if (flags & EXS_PREFS_FIELD_OMIT_IF_EMPTY)
    return FALSE;
  if (flags & EXS_PREFS_FIELD_NULL_IF_EMPTY || owned == NULL)
    json_object_set_null_member (into, leaf);
  else
    json_object_set_member (into, leaf, g_steal_pointer (&owned));
  return TRUE;
}

static gboolean
read_number (ExsPrefsFormFields *fields, Field *f, JsonObject *into, const char *leaf, const char *text)
{
  char *end = NULL;
  double d;

  if (text[0] == '\0')
    {
      set_empty (into, leaf, f->def->flags | EXS_PREFS_FIELD_NULL_IF_EMPTY, NULL);
      return TRUE;
    }
  d = g_ascii_strtod (text, &end);
  if (end == text || *end != '\0' || !isfinite (d) || (f->def->flags & EXS_PREFS_FIELD_INTEGER && d != (gint64) d))
    {
      exs_prefs_form_fields_show_error (fields, f->def->member,
                                        f->def->flags & EXS_PREFS_FIELD_INTEGER ? _("Give a whole number here.")
                                                                                : _("Give a number here."));
      return FALSE;
    }
  if (f->def->flags & EXS_PREFS_FIELD_INTEGER)
    json_object_set_int_member (into, leaf, (gint64) d);
  else
    json_object_set_double_member (into, leaf, d);
  return TRUE;
}

static gboolean
read_field (ExsPrefsFormFields *fields, Field *f, JsonObject *body)
{
  const char *leaf;
  JsonObject *into = object_for (body, f->def->member, &leaf);
  g_autofree char *text = NULL;
  guint selected;

  switch (f->def->kind)
    {
    case EXS_PREFS_FIELD_SWITCH:
      json_object_set_boolean_member (into, leaf, gtk_switch_get_active (GTK_SWITCH (f->input)));
      return TRUE;
    case EXS_PREFS_FIELD_OBJECT:
      if (!gtk_switch_get_active (GTK_SWITCH (f->input)))
        json_object_set_null_member (into, leaf);
      else if (!json_object_has_member (into, leaf) || !JSON_NODE_HOLDS_OBJECT (json_object_get_member (into, leaf)))
        json_object_set_object_member (into, leaf, json_object_new ());
      return TRUE;
    case EXS_PREFS_FIELD_CHOICE:
      selected = adw_combo_row_get_selected (ADW_COMBO_ROW (f->row));
      if (selected < choice_offset (f) || selected == GTK_INVALID_LIST_POSITION)
        set_empty (into, leaf, f->def->flags, NULL);
      else
        json_object_set_string_member (into, leaf, values_of (f)[selected - choice_offset (f)]);
      return TRUE;
    default:
      text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (f->row))));
      if (f->def->kind == EXS_PREFS_FIELD_NUMBER)
        return read_number (fields, f, into, leaf, text);
      if (text[0] == '\0' && f->def->kind == EXS_PREFS_FIELD_PASSWORD)
        return TRUE; /* unchanged */
      if (text[0] == '\0')
        set_empty (into, leaf, f->def->flags, json_node_init_string (json_node_alloc (), ""));
      else
        json_object_set_string_member (into, leaf, text);
      return TRUE;
    }
}

gboolean
exs_prefs_form_fields_read (ExsPrefsFormFields *fields, JsonObject *body)
{
  gboolean ok = TRUE;

  for (guint i = 0; i < fields->fields->len; i++)
    {
      Field *f = fields->fields->pdata[i];
      Field *parent = parent_of (fields, f->def->member);

      /* an object switched off is null, whatever its rows say */
      if (parent && parent->def->kind == EXS_PREFS_FIELD_OBJECT && !gtk_switch_get_active (GTK_SWITCH (parent->input)))
        continue;
      if (!read_field (fields, f, body))
        ok = FALSE;
    }
  return ok;
}

gboolean
exs_prefs_form_fields_show_error (ExsPrefsFormFields *fields, const char *member, const char *message)
{
  g_autofree char *name = g_strdup (member);
  Field *f = NULL;
  char *dot;

  /* "paths[1]" is the paths row's; "watermark.x" without a row is the watermark's */
  if (name && (dot = strchr (name, '[')) != NULL)
    *dot = '\0';
  while (name && (f = lookup (fields, name)) == NULL && (dot = strrchr (name, '.')) != NULL)
    *dot = '\0';
  if (f == NULL)
    return FALSE;
  adw_preferences_row_set_title (ADW_PREFERENCES_ROW (f->error_row), message);
  gtk_widget_set_visible (f->error_row, TRUE);
  gtk_widget_add_css_class (f->row, "error");
  gtk_accessible_update_property (GTK_ACCESSIBLE (f->input), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, message, -1);
  gtk_widget_grab_focus (f->row);
  return TRUE;
}

void
exs_prefs_form_fields_clear_errors (ExsPrefsFormFields *fields)
{
  for (guint i = 0; i < fields->fields->len; i++)
    {
      Field *f = fields->fields->pdata[i];
      gtk_widget_set_visible (f->error_row, FALSE);
      gtk_widget_remove_css_class (f->row, "error");
      gtk_accessible_reset_property (GTK_ACCESSIBLE (f->input), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION);
    }
}
