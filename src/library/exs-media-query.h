/* exs-media-query.h: the library's small query language, compiled to parameterised SQL */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

#define EXS_MEDIA_QUERY_ERROR (exs_media_query_error_quark ())

typedef enum
{
  EXS_MEDIA_QUERY_ERROR_SYNTAX,
} ExsMediaQueryError;

typedef struct _ExsMediaQuery ExsMediaQuery;

GQuark exs_media_query_error_quark (void);

ExsMediaQuery *exs_media_query_compile (const char  *text,
                                        int         *error_position,
                                        GError     **error);
const char *exs_media_query_get_sql (ExsMediaQuery *query);
int exs_media_query_bind (ExsMediaQuery *query,
                          sqlite3_stmt  *stmt,
                          int            first_index);
guint exs_media_query_get_n_params (ExsMediaQuery *query);
void exs_media_query_free (ExsMediaQuery *query);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExsMediaQuery, exs_media_query_free)

G_END_DECLS
