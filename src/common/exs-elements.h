/* exs-elements.h: the GStreamer elements the server needs, and the Debian
 * package that ships each one */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define EXS_ELEMENTS_ERROR (exs_elements_error_quark ())

typedef enum
{
  EXS_ELEMENTS_ERROR_MISSING, /* a required element is not installed (the message names the package) */
} ExsElementsError;

GQuark exs_elements_error_quark (void);

typedef enum
{
  EXS_ELEMENT_REQUIRED, /* without it no channel can play: the server will not start */
  EXS_ELEMENT_OPTIONAL, /* without it a feature degrades (e.g. the error screen loses its clock) */
} ExsElementNeed;

typedef struct
{
  const char *name;    /* factory name */
  const char *package; /* the Debian package that ships it */
  ExsElementNeed need;
  const char *purpose; /* what it is for, in a few words */
} ExsElement;

const ExsElement *exs_elements_get_all (guint *n_elements);
gboolean exs_elements_have (const char *name);
gboolean exs_elements_check (GPtrArray **missing_optional,
                             GError    **error);
GPtrArray *exs_elements_dup_missing (void);

G_END_DECLS
