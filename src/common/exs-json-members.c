/* exs-json-members.c: how every subsystem writes a member whose value may be
 * absent. The API, the stored schedule document and the AI sessions all
 * write a missing text as JSON null rather than leaving the member out, so
 * a reader always finds every member; this is that one rule. */
#include "config.h"

#include "exs-json-members.h"

/**
 * exs_json_set_string_or_null:
 * @value: (nullable): the text, or %NULL for none
 *
 * Sets @member of @object to @value, or to null when there is none.
 */
void
exs_json_set_string_or_null (JsonObject *object, const char *member, const char *value)
{
  if (value)
    json_object_set_string_member (object, member, value);
  else
    json_object_set_null_member (object, member);
}
