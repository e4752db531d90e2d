/* exs-profile-store.h: the profiles users make, and the built-ins beside them */
#pragma once

#include "exs-database.h"
#include "exs-profile.h"

G_BEGIN_DECLS

/* Errors of the store beside EXS_DATABASE_ERROR's; each becomes a 409. */
#define EXS_PROFILE_STORE_ERROR (exs_profile_store_error_quark ())
typedef enum
{
  EXS_PROFILE_STORE_ERROR_BUILTIN, /* a built-in profile cannot change */
  EXS_PROFILE_STORE_ERROR_EXISTS,  /* the name is taken */
  EXS_PROFILE_STORE_ERROR_IN_USE,  /* channels use the profile */
} ExsProfileStoreError;
GQuark exs_profile_store_error_quark (void);

GPtrArray *exs_profile_store_list (ExsDatabase  *db,
                                   GError      **error);
ExsProfile *exs_profile_store_get (ExsDatabase  *db,
                                   const char   *name,
                                   GError      **error);
gboolean exs_profile_store_insert (ExsDatabase  *db,
                                   ExsProfile   *profile,
                                   GError      **error);
gboolean exs_profile_store_update (ExsDatabase  *db,
                                   const char   *name,
                                   ExsProfile   *profile,
                                   GError      **error);
gboolean exs_profile_store_delete (ExsDatabase  *db,
                                   const char   *name,
                                   GError      **error);
GStrv exs_profile_store_dup_users (ExsDatabase  *db,
                                   const char   *name,
                                   GError      **error);

G_END_DECLS
