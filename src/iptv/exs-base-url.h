/* exs-base-url.h: the absolute http://host:port the client used to reach us */
#pragma once

#include <libsoup/soup.h>

G_BEGIN_DECLS

char *exs_base_url_for_message (SoupServerMessage *msg, const char *public_base_url);
char *exs_base_url_absolute (const char *base_url, const char *url);

G_END_DECLS
