/* exs-upstream-guide.h: the upstream channels' XMLTV, merged into our guide */
#pragma once

#include "exs-config.h"
#include "exs-database.h"
#include "exs-playout-source.h"

G_BEGIN_DECLS

#define EXS_TYPE_UPSTREAM_GUIDE (exs_upstream_guide_get_type ())
G_DECLARE_FINAL_TYPE (ExsUpstreamGuide, exs_upstream_guide, EXS, UPSTREAM_GUIDE, GObject)

#define EXS_UPSTREAM_GUIDE_MAX_BYTES (64 * 1024 * 1024)
#define EXS_UPSTREAM_GUIDE_MAX_PROGRAMMES 200000

/* @inner: (transfer none) (nullable): our own playout (the guide of every
 * other channel) */
ExsUpstreamGuide *exs_upstream_guide_new (ExsConfig        *config,
                                          ExsDatabase      *database,
                                          ExsPlayoutSource *inner);
void exs_upstream_guide_start (ExsUpstreamGuide *self);
void exs_upstream_guide_stop (ExsUpstreamGuide *self);
void exs_upstream_guide_refresh (ExsUpstreamGuide *self);
void exs_upstream_guide_set_channels (ExsUpstreamGuide *self,
                                      GPtrArray        *channels);
guint exs_upstream_guide_get_n_programmes (ExsUpstreamGuide *self);

GHashTable *exs_upstream_guide_parse (const char  *data,
                                      gsize        length,
                                      guint        max_programmes,
                                      GError     **error);

G_END_DECLS
