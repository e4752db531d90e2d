/* exs-file-list-source.h: a playout of looping file lists, one per channel */
#pragma once

#include <gio/gio.h>

#include "exs-playout-source.h"

G_BEGIN_DECLS

#define EXS_TYPE_FILE_LIST_SOURCE (exs_file_list_source_get_type ())
G_DECLARE_FINAL_TYPE (ExsFileListSource, exs_file_list_source, EXS, FILE_LIST_SOURCE, GObject)

/* What an entry whose duration cannot be probed (missing, corrupt) occupies on
 * the channel: it stays in the loop, so the channel shows its error screen. */
#define EXS_FILE_LIST_UNKNOWN_DURATION_US (10 * G_USEC_PER_SEC)

ExsFileListSource *exs_file_list_source_new (void);
void exs_file_list_source_set_channel (ExsFileListSource  *self,
                                       const char         *channel_number,
                                       const char *const  *paths,
                                       const gint64       *durations_us,
                                       gint64              epoch_us);
void exs_file_list_source_set_media_item_ids (ExsFileListSource *self,
                                              const char        *channel_number,
                                              const gint64      *ids);
void exs_file_list_source_set_media_overrides (ExsFileListSource  *self,
                                               const char         *channel_number,
                                               const char *const  *media);
gboolean exs_file_list_source_is_ready (ExsFileListSource *self,
                                        const char        *channel_number);
void exs_file_list_source_add_demo_channels (ExsFileListSource *self,
                                             const char        *demo_dir);

G_END_DECLS
