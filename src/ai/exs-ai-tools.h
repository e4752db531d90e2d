/* exs-ai-tools.h: the standard tools: read the server's state, act through its guards */
#pragma once

#include "exs-ai-tool-registry.h"
#include "exs-channel-manager.h"
#include "exs-database.h"
#include "exs-health-monitor.h"
#include "exs-library-scanner.h"
#include "exs-long-run-monitor.h"
#include "exs-pipeline-pool.h"
#include "exs-playout-builder.h"
#include "exs-restart-guard.h"

G_BEGIN_DECLS

/**
 * ExsAiLogLinesFunc:
 *
 * Returns: (transfer full): the channel's newest log lines, oldest first
 */
typedef JsonArray *(*ExsAiLogLinesFunc) (const char *channel,
                                         guint       limit,
                                         gpointer    user_data);

/* Borrowed; each nullable except database (its tools then answer "not available"). */
typedef struct
{
  ExsDatabase *database;
  ExsChannelManager *channels;
  ExsRestartGuard *guard;
  ExsPipelinePool *pool;
  ExsHealthMonitor *health;
  ExsLongRunMonitor *long_run;
  ExsPlayoutBuilder *playout;
  ExsLibraryScanner *scanner;
  ExsAiLogLinesFunc log_lines;
  gpointer log_lines_data;
} ExsAiToolParts;

void exs_ai_tools_register (ExsAiToolRegistry    *registry,
                            const ExsAiToolParts *parts);
void exs_ai_tools_run_resolver_action (ExsAiToolRegistry *registry,
                                       const char        *action,
                                       const char        *channel,
                                       const char        *detail);

G_END_DECLS
