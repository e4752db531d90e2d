/* exs-config.c: ExsConfig, the validated settings of one server run.
 *
 * The application fills it in precedence order — defaults, then the key file,
 * then EXSTREAMTV_<SECTION>_<KEY> variables, then command-line options — each
 * layer overwriting the one before. Every value is checked against the settings
 * table as it arrives, and a bad one is an error naming the key, where it came
 * from and what is allowed. Read-only after start-up; main thread only.
 */
#include "config.h"

#include "exs-config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct
{
  char *value;
  char *origin;
} Entry;

struct _ExsConfig
{
  GObject parent_instance;

  GHashTable *entries; /* "section\x1fkey" → Entry, owned */
  GPtrArray *warnings; /* char*, owned */
};

G_DEFINE_TYPE (ExsConfig, exs_config, G_TYPE_OBJECT)

G_DEFINE_QUARK (exs-config-error-quark, exs_config_error)

static void
entry_free (gpointer data)
{
  Entry *e = data;

  g_free (e->value);
  g_free (e->origin);
  g_free (e);
}

static char *
make_id (const char *section, const char *key)
{
  return g_strconcat (section, "\x1f", key, NULL);
}

static void
exs_config_finalize (GObject *object)
{
  ExsConfig *self = EXS_CONFIG (object);

  g_hash_table_unref (self->entries);
  g_ptr_array_unref (self->warnings);
  G_OBJECT_CLASS (exs_config_parent_class)->finalize (object);
}

static void
exs_config_class_init (ExsConfigClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = exs_config_finalize;
}

static void
exs_config_init (ExsConfig *self)
{
  guint n;
  const ExsSetting *all = exs_settings_get_all (&n);

  self->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, entry_free);
  self->warnings = g_ptr_array_new_with_free_func (g_free);
  for (guint i = 0; i < n; i++)
    {
      Entry *e = g_new0 (Entry, 1);
      e->value = g_strdup (all[i].default_value);
      e->origin = g_strdup ("the built-in default");
      g_hash_table_insert (self->entries, make_id (all[i].section, all[i].key), e);
    }
}

/**
 * exs_config_new:
 *
 * Returns: (transfer full): a configuration holding the built-in defaults
 */
ExsConfig *
exs_config_new (void)
{
  return g_object_new (EXS_TYPE_CONFIG, NULL);
}

static gboolean
parse_int (const char *text, gint64 *out)
{
  char *end = NULL;
  gint64 v;

  errno = 0;
  v = g_ascii_strtoll (text, &end, 10);
  if (errno != 0 || end == text || *end != '\0')
    return FALSE;
  *out = v;
  return TRUE;
}

static gboolean
parse_double (const char *text, double *out)
{
  char *end = NULL;
  double v;

  errno = 0;
  v = g_ascii_strtod (text, &end);
  if (errno != 0 || end == text || *end != '\0')
    return FALSE;
  *out = v;
  return TRUE;
}

static gboolean
parse_bool (const char *text, gboolean *out)
{
  if (g_ascii_strcasecmp (text, "true") == 0 || g_str_equal (text, "1")
      || g_ascii_strcasecmp (text, "yes") == 0 || g_ascii_strcasecmp (text, "on") == 0)
    *out = TRUE;
  else if (g_ascii_strcasecmp (text, "false") == 0 || g_str_equal (text, "0")
           || g_ascii_strcasecmp (text, "no") == 0 || g_ascii_strcasecmp (text, "off") == 0)
    *out = FALSE;
  else
    return FALSE;
  return TRUE;
}

/* Returns a normalised copy of @value if it is valid for @s. */
static char *
validate (const ExsSetting *s, const char *value)
{
  g_autofree char *v = g_strstrip (g_strdup (value));
  const char *allowed = NULL;
  gint64 i;
  double d;
  gboolean b;

  switch (s->type)
    {
    case EXS_SETTING_BOOL:
      if (!parse_bool (v, &b))
        return NULL;
      return g_strdup (b ? "true" : "false");
    case EXS_SETTING_INT:
      if (!parse_int (v, &i) || (double) i < s->min || (double) i > s->max)
        return NULL;
      return g_strdup_printf ("%" G_GINT64_FORMAT, i);
    case EXS_SETTING_DOUBLE:
      if (!parse_double (v, &d) || !(d >= s->min && d <= s->max))
        return NULL;
      return g_steal_pointer (&v);
    case EXS_SETTING_ENUM:
      if (!g_strv_contains (s->choices, v))
        return NULL;
      return g_steal_pointer (&v);
    case EXS_SETTING_STRING:
    default:
      if (!g_utf8_validate (value, -1, NULL))
        return NULL;
      if (s->check && !s->check (v, &allowed))
        return NULL;
      return g_steal_pointer (&v);
    }
}

/**
 * exs_config_set:
 * @origin: where the value came from, for messages ("/etc/x.conf", "option --port")
 *
 * Returns: %FALSE with %EXS_CONFIG_ERROR_INVALID_VALUE if the value is not allowed
 */
gboolean
exs_config_set (ExsConfig  *self,
                const char *section,
                const char *key,
                const char *value,
                const char *origin,
                GError    **error)
{
  const ExsSetting *s = exs_settings_lookup (section, key);
  g_autofree char *id = NULL;
  char *normal;
  Entry *e;

  g_return_val_if_fail (EXS_IS_CONFIG (self), FALSE);
  g_return_val_if_fail (s != NULL, FALSE);

  normal = validate (s, value);
  if (normal == NULL)
    {
      g_autofree char *allowed = exs_settings_describe_allowed (s);
      g_set_error (error, EXS_CONFIG_ERROR, EXS_CONFIG_ERROR_INVALID_VALUE,
                   "invalid value “%s” for %s in section [%s] (from %s): allowed is %s", value,
                   key, section, origin, allowed);
      return FALSE;
    }
  id = make_id (section, key);
  e = g_hash_table_lookup (self->entries, id);
  g_free (e->value);
  g_free (e->origin);
  e->value = normal;
  e->origin = g_strdup (origin);
  return TRUE;
}

/**
 * exs_config_load_file:
 * @must_exist: whether a missing file is an error (an explicit --config)
 *
 * Unknown keys are kept as warnings (see exs_config_get_warnings()) so that a
 * typo is reported without refusing to start.
 */
gboolean
exs_config_load_file (ExsConfig *self, const char *path, gboolean must_exist, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GError) local = NULL;
  g_auto (GStrv) groups = NULL;

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &local))
    {
      if (!must_exist && g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      g_set_error (error, EXS_CONFIG_ERROR, EXS_CONFIG_ERROR_PARSE, "cannot read configuration file %s: %s",
                   path, local->message);
      return FALSE;
    }

  groups = g_key_file_get_groups (kf, NULL);
  for (guint g = 0; groups[g]; g++)
    {
      g_auto (GStrv) keys = g_key_file_get_keys (kf, groups[g], NULL, NULL);

      for (guint k = 0; keys && keys[k]; k++)
        {
          const ExsSetting *s = exs_settings_lookup (groups[g], keys[k]);
          g_autofree char *raw = NULL;

          if (s == NULL)
            s = exs_settings_lookup_alias (groups[g], keys[k]);
          if (s == NULL)
            {
              g_ptr_array_add (self->warnings,
                               g_strdup_printf ("%s: unknown setting %s in section [%s] (ignored)", path,
                                                keys[k], groups[g]));
              continue;
            }
          raw = g_key_file_get_value (kf, groups[g], keys[k], NULL);
          /* Allow "quoted" strings as people often write them. */
          if (raw && strlen (raw) >= 2 && raw[0] == '"' && raw[strlen (raw) - 1] == '"')
            {
              char *unq = g_strndup (raw + 1, strlen (raw) - 2);
              g_free (raw);
              raw = unq;
            }
          if (!exs_config_set (self, s->section, s->key, raw ? raw : "", path, error))
            return FALSE;
        }
    }
  return TRUE;
}

static char *
env_name (const char *section, const char *key)
{
  g_autofree char *name = g_strdup_printf ("EXSTREAMTV_%s_%s", section, key);
  return g_ascii_strup (name, -1);
}

/* The environment variables EXStreamTV 2.6 documented, under their own
 * names; the EXSTREAMTV_<SECTION>_<KEY> names win when both are set. */
static const struct
{
  const char *name, *section, *key;
} legacy_environment[] = {
  { "EXSTREAMTV_MAX_SESSIONS", "session_manager", "max_sessions_per_channel" },
  { "EXSTREAMTV_THROTTLE_BITRATE", "stream_throttler", "target_bitrate_bps" },
  { "EXSTREAMTV_THROTTLE_MODE", "stream_throttler", "mode" },
};

/**
 * exs_config_load_environment:
 * @envp: (nullable): an environment as from g_get_environ(); %NULL for the process's
 *
 * Reads EXSTREAMTV_<SECTION>_<KEY> for every setting (and the 2.6 names:
 * section aliases such as EXSTREAMTV_FFMPEG_*, and EXSTREAMTV_MAX_SESSIONS,
 * EXSTREAMTV_THROTTLE_BITRATE, EXSTREAMTV_THROTTLE_MODE), the new names
 * winning.
 */
gboolean
exs_config_load_environment (ExsConfig *self, const char *const *envp, GError **error)
{
  g_auto (GStrv) own = NULL;
  guint n;
  const ExsSetting *all = exs_settings_get_all (&n);

  if (envp == NULL)
    envp = (const char *const *) (own = g_get_environ ());

  for (guint i = 0; i < G_N_ELEMENTS (legacy_environment); i++)
    {
      const char *value = g_environ_getenv ((char **) envp, legacy_environment[i].name);
      g_autofree char *origin = NULL;

      if (value == NULL)
        continue;
      origin = g_strdup_printf ("environment variable %s", legacy_environment[i].name);
      if (!exs_config_set (self, legacy_environment[i].section, legacy_environment[i].key, value, origin, error))
        return FALSE;
    }

  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < n; i++)
      {
        const ExsSetting *s = &all[i];
        g_autofree char *name = NULL;
        g_autofree char *origin = NULL;
        const char *value;

        if (pass == 0 && s->seed_section == NULL)
          continue;
        name = pass == 0 ? env_name (s->seed_section, s->seed_key) : env_name (s->section, s->key);
        value = g_environ_getenv ((char **) envp, name);
        if (value == NULL)
          continue;
        origin = g_strdup_printf ("environment variable %s", name);
        if (!exs_config_set (self, s->section, s->key, value, origin, error))
          return FALSE;
      }
  return TRUE;
}

static Entry *
lookup (ExsConfig *self, const char *section, const char *key, ExsSettingType type)
{
  g_autofree char *id = make_id (section, key);
  const ExsSetting *s = exs_settings_lookup (section, key);
  Entry *e = g_hash_table_lookup (self->entries, id);

  g_assert (s != NULL && e != NULL);
  g_assert (s->type == type || (type == EXS_SETTING_STRING && s->type == EXS_SETTING_ENUM));
  return e;
}

gboolean
exs_config_get_boolean (ExsConfig *self, const char *section, const char *key)
{
  return g_str_equal (lookup (self, section, key, EXS_SETTING_BOOL)->value, "true");
}

gint64
exs_config_get_int (ExsConfig *self, const char *section, const char *key)
{
  return g_ascii_strtoll (lookup (self, section, key, EXS_SETTING_INT)->value, NULL, 10);
}

double
exs_config_get_double (ExsConfig *self, const char *section, const char *key)
{
  return g_ascii_strtod (lookup (self, section, key, EXS_SETTING_DOUBLE)->value, NULL);
}

/**
 * exs_config_get_string:
 *
 * Returns: (transfer none): the value of a STRING or ENUM setting
 */
const char *
exs_config_get_string (ExsConfig *self, const char *section, const char *key)
{
  return lookup (self, section, key, EXS_SETTING_STRING)->value;
}

/**
 * exs_config_get_origin:
 *
 * Returns: (transfer none): where the current value came from
 */
const char *
exs_config_get_origin (ExsConfig *self, const char *section, const char *key)
{
  g_autofree char *id = make_id (section, key);
  Entry *e = g_hash_table_lookup (self->entries, id);

  g_return_val_if_fail (e != NULL, NULL);
  return e->origin;
}

/**
 * exs_config_get_warnings:
 *
 * Returns: (transfer none) (element-type utf8): messages about ignored keys
 */
GPtrArray *
exs_config_get_warnings (ExsConfig *self)
{
  return self->warnings;
}
