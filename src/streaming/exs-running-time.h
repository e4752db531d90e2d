/* exs-running-time.h: a buffer's place on the pipeline's clock, as a pad probe sees it */
#pragma once

#include <gst/gst.h>

G_BEGIN_DECLS

GstClockTime exs_buffer_running_time (GstPad    *pad,
                                      GstBuffer *buffer);

G_END_DECLS
