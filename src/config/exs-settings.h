/* exs-settings.h: the table of every setting: section, key, type, default, limits */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  EXS_SETTING_BOOL,
  EXS_SETTING_INT,
  EXS_SETTING_DOUBLE,
  EXS_SETTING_STRING,
  EXS_SETTING_ENUM,
} ExsSettingType;

/* Validates a string value; returns FALSE and sets *allowed to a sentence. */
typedef gboolean (*ExsSettingCheck) (const char *value, const char **allowed);

typedef struct
{
  const char *section;
  const char *key;
  ExsSettingType type;
  const char *default_value;  /* as written in the key file */
  double min;                 /* INT and DOUBLE */
  double max;
  const char *const *choices; /* ENUM, NULL-terminated */
  ExsSettingCheck check;      /* STRING, optional */
  const char *description;    /* one line, for the commented config */
  const char *seed_section;   /* the EXStreamTV 2.6 name, accepted as an alias */
  const char *seed_key;
  gboolean secret;            /* never returned by the API nor logged: shown as set / not set */
} ExsSetting;

const ExsSetting *exs_settings_get_all (guint *n_settings);
const ExsSetting *exs_settings_lookup (const char *section,
                                       const char *key);
const ExsSetting *exs_settings_lookup_alias (const char *section,
                                             const char *key);
char *exs_settings_describe_allowed (const ExsSetting *setting);
char *exs_settings_default_config (void);

G_END_DECLS
