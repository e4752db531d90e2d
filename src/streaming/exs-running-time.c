/* exs-running-time.c: the running time of a buffer's PTS in the segment its
 * pad holds. The buffer probes that act on the channel's clock use it: the
 * encoder inputs (monotonic frames, keyframe cadence), the watermark's fade
 * and the HLS branch's first keyframe. */
#include "config.h"

#include "exs-running-time.h"

/**
 * exs_buffer_running_time:
 * @pad: the pad @buffer is passing, holding its segment as a sticky event
 *
 * Returns: the running time of @buffer's PTS, or %GST_CLOCK_TIME_NONE when it
 *   has no PTS, @pad no segment yet, or the PTS lies outside the segment
 */
GstClockTime
exs_buffer_running_time (GstPad *pad, GstBuffer *buffer)
{
  g_autoptr (GstEvent) event = gst_pad_get_sticky_event (pad, GST_EVENT_SEGMENT, 0);
  const GstSegment *segment;

  if (event == NULL || !GST_BUFFER_PTS_IS_VALID (buffer))
    return GST_CLOCK_TIME_NONE;
  gst_event_parse_segment (event, &segment);
  return gst_segment_to_running_time (segment, GST_FORMAT_TIME, GST_BUFFER_PTS (buffer));
}
