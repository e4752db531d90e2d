/* exs-cli.h: `exstreamtv COMMAND …`, the client for a person at a terminal */
#pragma once

#include "exs-config.h"

G_BEGIN_DECLS

const char *exs_cli_usage (void);
int exs_cli_run (ExsConfig  *config,
                 const char *data_dir,
                 const char *url,
                 int         argc,
                 char      **argv);

G_END_DECLS
