/* fuzz-schedule.c: schedule documents (PUT /api/schedules, /api/import,
 * `exstreamtv schedule import FILE`). A document that parses must write out
 * to one that parses again. */
#include "config.h"

#include "exs-fuzz.h"
#include "exs-schedule.h"

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);
  g_autoptr (ExsSchedule) schedule = exs_schedule_new_from_data (text, NULL);
  g_autofree char *out = NULL;
  g_autoptr (ExsSchedule) again = NULL;
  g_autoptr (GError) error = NULL;

  if (schedule == NULL)
    return 0;
  out = exs_schedule_to_data (schedule);
  again = exs_schedule_new_from_data (out, &error);
  if (again == NULL)
    g_error ("a schedule written back does not parse: %s\n%s", error->message, out);
  return 0;
}
