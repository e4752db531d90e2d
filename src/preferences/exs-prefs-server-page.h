/* exs-prefs-server-page.h: the Server page (state, start/stop, address, player URLs) */
#pragma once

#include <adwaita.h>

#include "exs-prefs-client.h"
#include "exs-prefs-service.h"

G_BEGIN_DECLS

#define EXS_TYPE_PREFS_SERVER_PAGE (exs_prefs_server_page_get_type ())
G_DECLARE_FINAL_TYPE (ExsPrefsServerPage, exs_prefs_server_page, EXS, PREFS_SERVER_PAGE, AdwBin)

void exs_prefs_server_page_setup (ExsPrefsServerPage *self,
                                  ExsPrefsClient     *client,
                                  ExsPrefsService    *service,
                                  const char         *config_file);
/* @detail: (nullable): the status line; %NULL keeps the current one */
void exs_prefs_server_page_set_running (ExsPrefsServerPage *self,
                                        gboolean            running,
                                        const char         *detail);

G_END_DECLS
