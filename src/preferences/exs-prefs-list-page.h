/* exs-prefs-list-page.h: the base of the app's list pages (Channels, Libraries) */
#pragma once

#include <adwaita.h>

#include "exs-prefs-client.h"
#include "exs-prefs-form-dialog.h"

G_BEGIN_DECLS

#define EXS_TYPE_PREFS_LIST_PAGE (exs_prefs_list_page_get_type ())
G_DECLARE_DERIVABLE_TYPE (ExsPrefsListPage, exs_prefs_list_page, EXS, PREFS_LIST_PAGE, AdwBin)

struct _ExsPrefsListPageClass
{
  AdwBinClass parent_class;

  const char *list_path;   /* GET for the list, e.g. "/api/channels" */
  const char *list_member; /* the reply's array member, e.g. "channels" */

  /* the list arrived (and is an array) */
  void (*update) (ExsPrefsListPage *self,
                  JsonArray        *items);
  /* the "Add" button was clicked */
  void (*add) (ExsPrefsListPage *self);
};

/* The page's words; the subclass's init sets them (all translated). */
void exs_prefs_list_page_set_texts (ExsPrefsListPage *self,
                                    const char       *offline_description,
                                    const char       *title,
                                    const char       *add_label,
                                    const char       *empty_title,
                                    const char       *empty_subtitle);

void exs_prefs_list_page_setup (ExsPrefsListPage *self,
                                ExsPrefsClient   *client);
void exs_prefs_list_page_set_running (ExsPrefsListPage *self,
                                      gboolean          running);
void exs_prefs_list_page_refresh (ExsPrefsListPage *self);

/* Returns: (transfer none) (nullable) */
ExsPrefsClient *exs_prefs_list_page_get_client (ExsPrefsListPage *self);
/* Returns: (transfer none): cancelled when the page goes away */
GCancellable *exs_prefs_list_page_get_cancellable (ExsPrefsListPage *self);

/* Asks the server for @method @path (@body may be NULL); a failure becomes a
 * toast; either way the list is refreshed afterwards. */
void exs_prefs_list_page_change (ExsPrefsListPage *self,
                                 const char       *method,
                                 const char       *path,
                                 JsonNode         *body);
/* GETs @path; @callback gets a reference to the page as its user data. */
void exs_prefs_list_page_get (ExsPrefsListPage    *self,
                              const char          *path,
                              guint                timeout_ms,
                              GAsyncReadyCallback  callback);
/* Asks "@heading" with @body; "Remove" DELETEs @path. */
void exs_prefs_list_page_confirm_remove (ExsPrefsListPage *self,
                                         const char       *heading,
                                         const char       *body,
                                         const char       *path);

/* Puts @button before the "Add" button in the list's header. */
void exs_prefs_list_page_add_header_button (ExsPrefsListPage *self,
                                            GtkWidget        *button);
/* Returns: (transfer floating): a flat icon button for a row, with its
 * tooltip and its accessible name */
GtkWidget *exs_prefs_list_page_icon_button (const char *icon,
                                            const char *tooltip,
                                            const char *a11y_label);
/* Shows @dialog; when it saves, toasts @toast (a format whose "%s" is the
 * reply's member @member, or a plain text when @member is NULL) and
 * refreshes the list. */
void exs_prefs_list_page_present (ExsPrefsListPage   *self,
                                  ExsPrefsFormDialog *dialog,
                                  const char         *toast,
                                  const char         *member);

/* Rows are rebuilt only when what they show changed, so keyboard focus
 * survives the periodic refresh: returns TRUE (and removes every row) when
 * @shape differs from the last one given. */
gboolean exs_prefs_list_page_reshape (ExsPrefsListPage *self,
                                      const char       *shape);
/* Adds @row under @key (to the group and the list). */
void exs_prefs_list_page_add_row (ExsPrefsListPage *self,
                                  const char       *key,
                                  GtkWidget        *row);
/* Returns: (transfer none) (nullable): the row added under @key */
GtkWidget *exs_prefs_list_page_lookup_row (ExsPrefsListPage *self,
                                           const char       *key);
/* Returns: (transfer none) (element-type GtkWidget): the rows, in list order */
GPtrArray *exs_prefs_list_page_get_rows (ExsPrefsListPage *self);
/* Marks the row @key as flagged (a channel failing, a library scanning) or
 * not; returns TRUE when that changed, to notify once per change. Flags
 * outlive rebuilds. */
gboolean exs_prefs_list_page_flag (ExsPrefsListPage *self,
                                   const char       *key,
                                   gboolean          flagged);
/* Shows the "nothing yet" row when there are no rows. */
void exs_prefs_list_page_update_empty (ExsPrefsListPage *self);

G_END_DECLS
