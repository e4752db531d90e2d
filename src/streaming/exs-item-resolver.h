/* exs-item-resolver.h: turns a playout item's URI into one GStreamer can
 * play, at play time (yt-dlp pages), without blocking the main loop */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define EXS_TYPE_ITEM_RESOLVER (exs_item_resolver_get_type ())
G_DECLARE_FINAL_TYPE (ExsItemResolver, exs_item_resolver, EXS, ITEM_RESOLVER, GObject)

ExsItemResolver *exs_item_resolver_get_default (void);
void exs_item_resolver_configure (ExsItemResolver *self,
                                  guint            timeout_s,
                                  guint            cache_seconds);
gboolean exs_item_resolver_needs (const char *uri);
void exs_item_resolver_resolve_async (ExsItemResolver     *self,
                                      const char          *uri,
                                      GCancellable        *cancellable,
                                      GAsyncReadyCallback  callback,
                                      gpointer             user_data);
char *exs_item_resolver_resolve_finish (ExsItemResolver  *self,
                                        GAsyncResult     *result,
                                        GError          **error);
void exs_item_resolver_forget (ExsItemResolver *self);

G_END_DECLS
