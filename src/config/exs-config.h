/* exs-config.h: settings from defaults, a key file, the environment and the command line */
#pragma once

#include <glib-object.h>

#include "exs-settings.h"

G_BEGIN_DECLS

#define EXS_CONFIG_ERROR (exs_config_error_quark ())

typedef enum
{
  EXS_CONFIG_ERROR_INVALID_VALUE,
  EXS_CONFIG_ERROR_PARSE,
} ExsConfigError;

#define EXS_TYPE_CONFIG (exs_config_get_type ())
G_DECLARE_FINAL_TYPE (ExsConfig, exs_config, EXS, CONFIG, GObject)

GQuark exs_config_error_quark (void);

ExsConfig *exs_config_new (void);
gboolean exs_config_load_file (ExsConfig   *self,
                               const char  *path,
                               gboolean     must_exist,
                               GError     **error);
gboolean exs_config_load_environment (ExsConfig          *self,
                                      const char *const *envp,
                                      GError            **error);
gboolean exs_config_set (ExsConfig   *self,
                         const char  *section,
                         const char  *key,
                         const char  *value,
                         const char  *origin,
                         GError     **error);

gboolean exs_config_get_boolean (ExsConfig  *self,
                                 const char *section,
                                 const char *key);
gint64 exs_config_get_int (ExsConfig  *self,
                           const char *section,
                           const char *key);
double exs_config_get_double (ExsConfig  *self,
                              const char *section,
                              const char *key);
const char *exs_config_get_string (ExsConfig  *self,
                                   const char *section,
                                   const char *key);
const char *exs_config_get_origin (ExsConfig  *self,
                                   const char *section,
                                   const char *key);
GPtrArray *exs_config_get_warnings (ExsConfig *self);

G_END_DECLS
