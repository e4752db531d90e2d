/* exs-prefs-form-fields.h: a form's rows made from a table of the API's fields */
#pragma once

#include <adwaita.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef enum
{
  EXS_PREFS_FIELD_TEXT,     /* AdwEntryRow: a string */
  EXS_PREFS_FIELD_PASSWORD, /* AdwPasswordEntryRow: a secret, never filled in; left out when empty */
  EXS_PREFS_FIELD_NUMBER,   /* AdwEntryRow: a number; empty is null (or left out) */
  EXS_PREFS_FIELD_CHOICE,   /* AdwComboRow: one of @values, shown as @labels */
  EXS_PREFS_FIELD_SWITCH,   /* AdwActionRow with a GtkSwitch: a boolean */
  EXS_PREFS_FIELD_OBJECT,   /* AdwActionRow with a GtkSwitch: on, an object of the "member.*" fields; off, null */
} ExsPrefsFieldKind;

typedef enum
{
  EXS_PREFS_FIELD_NULL_IF_EMPTY = 1 << 0, /* an empty text or an unset choice is null ... */
  EXS_PREFS_FIELD_OMIT_IF_EMPTY = 1 << 1, /* ... or is left out */
  EXS_PREFS_FIELD_INTEGER = 1 << 2,       /* NUMBER: whole numbers only */
  EXS_PREFS_FIELD_UNSET = 1 << 3,         /* CHOICE: a first entry "@fallback" meaning unset */
} ExsPrefsFieldFlags;

typedef struct
{
  const char *member;         /* the API's name; "watermark.opacity" is a member of "watermark" */
  ExsPrefsFieldKind kind;
  const char *title;          /* N_() marked: translated when the row is made */
  const char *subtitle;       /* (nullable) N_() marked: SWITCH and OBJECT rows */
  const char *const *values;  /* CHOICE: the API's values, NULL-terminated */
  const char *const *labels;  /* CHOICE: N_() marked, as many as @values (NULL: the values) */
  ExsPrefsFieldFlags flags;
  const char *fallback;       /* what a new form shows ("0.1", "bottom-right", "true");
                               * CHOICE with UNSET: the unset entry's N_() label */
} ExsPrefsField;

typedef struct _ExsPrefsFormFields ExsPrefsFormFields;

ExsPrefsFormFields *exs_prefs_form_fields_new (void);
void exs_prefs_form_fields_free (ExsPrefsFormFields *fields);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExsPrefsFormFields, exs_prefs_form_fields_free)

/* Adds a row (and a hidden error row below it) per entry of @table to
 * @group; @table must outlive @fields (a static table). */
void exs_prefs_form_fields_add (ExsPrefsFormFields  *fields,
                                AdwPreferencesGroup *group,
                                const ExsPrefsField *table,
                                gsize                n);
/* Returns: (transfer none) (nullable): the row of @member */
GtkWidget *exs_prefs_form_fields_get_row (ExsPrefsFormFields *fields,
                                          const char         *member);
/* Gives the CHOICE @member the choices @values (shown as they are) and
 * chooses @chosen (nullable) when it is one of them, else keeps the one
 * chosen before when it still is. */
void exs_prefs_form_fields_set_choices (ExsPrefsFormFields *fields,
                                        const char         *member,
                                        const char *const  *values,
                                        const char         *chosen);

/* Shows what @object says (a member it lacks keeps the fallback). */
void exs_prefs_form_fields_fill (ExsPrefsFormFields *fields,
                                 JsonObject         *object);
/* Sets each field's member in @body; FALSE when one cannot be read (a
 * number that is not one), whose message is then shown next to it. */
gboolean exs_prefs_form_fields_read (ExsPrefsFormFields *fields,
                                     JsonObject         *body);
/* Shows @message next to @member's row (the row of "watermark" for
 * "watermark.x" when x has none); FALSE when no row has that name. */
gboolean exs_prefs_form_fields_show_error (ExsPrefsFormFields *fields,
                                           const char         *member,
                                           const char         *message);
void exs_prefs_form_fields_clear_errors (ExsPrefsFormFields *fields);

G_END_DECLS
