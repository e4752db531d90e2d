/* exs-viewer.h: one connected client of a channel */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  EXS_VIEWER_CONNECTING, /* header being written */
  EXS_VIEWER_STREAMING,  /* in the channel's multisocketsink */
  EXS_VIEWER_CLOSED,
} ExsViewerState;

#define EXS_TYPE_VIEWER (exs_viewer_get_type ())
G_DECLARE_FINAL_TYPE (ExsViewer, exs_viewer, EXS, VIEWER, GObject)

ExsViewer *exs_viewer_new (const char *channel_number,
                           GSocket    *socket,
                           GIOStream  *stream);
guint64 exs_viewer_get_id (ExsViewer *self);
const char *exs_viewer_get_channel_number (ExsViewer *self);
const char *exs_viewer_get_remote_address (ExsViewer *self);
GSocket *exs_viewer_get_socket (ExsViewer *self);
GIOStream *exs_viewer_get_stream (ExsViewer *self);
gint64 exs_viewer_get_started_us (ExsViewer *self);
guint64 exs_viewer_get_bytes_sent (ExsViewer *self);
void exs_viewer_set_bytes_sent (ExsViewer *self,
                                guint64    bytes);
ExsViewerState exs_viewer_get_state (ExsViewer *self);
void exs_viewer_set_state (ExsViewer      *self,
                           ExsViewerState  state);
const char *exs_viewer_get_close_reason (ExsViewer *self);
void exs_viewer_close (ExsViewer  *self,
                       const char *reason);
void exs_viewer_set_requested_us (ExsViewer *self,
                                  gint64     monotonic_us);
gint64 exs_viewer_get_requested_us (ExsViewer *self);
void exs_viewer_set_session_id (ExsViewer *self,
                                guint64    session_id);
guint64 exs_viewer_get_session_id (ExsViewer *self);

G_END_DECLS
