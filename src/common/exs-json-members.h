/* exs-json-members.h: writing JSON members whose value may be absent */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

void exs_json_set_string_or_null (JsonObject *object,
                                  const char *member,
                                  const char *value);

G_END_DECLS
