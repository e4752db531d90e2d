/* exs-hls-output.h: a channel's HLS — segments cut from its own encoders */
#pragma once

#include <gst/gst.h>
#include <libsoup/soup.h>

G_BEGIN_DECLS

#define EXS_HLS_TARGET_SECONDS 2 /* = the encoders' keyframe interval */

#define EXS_TYPE_HLS_OUTPUT (exs_hls_output_get_type ())
G_DECLARE_FINAL_TYPE (ExsHlsOutput, exs_hls_output, EXS, HLS_OUTPUT, GObject)

ExsHlsOutput *exs_hls_output_new (const char *number);
gboolean exs_hls_output_attach (ExsHlsOutput *self,
                                GstElement   *pipeline,
                                GError      **error);
void exs_hls_output_detach (ExsHlsOutput *self);
void exs_hls_output_handle_message (ExsHlsOutput *self,
                                    GstMessage   *message);
void exs_hls_output_serve (ExsHlsOutput      *self,
                           SoupServerMessage *msg,
                           const char        *file);
guint64 exs_hls_output_get_media_sequence (ExsHlsOutput *self);
char *exs_hls_output_dup_playlist (ExsHlsOutput *self);

G_END_DECLS
