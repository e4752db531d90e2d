/* exs-engine-fixture.h: the channel engine with the real HTTP server, in the
 * test process, over a file-list playout of clips made at test time.
 *
 * Streams go through the routes users get: the IPTV service's
 * /iptv/channel/{number}.ts and HLS, and the HDHomeRun device's /auto/v and
 * /tuner{n}/v, each handing the resolved channel to the manager as its
 * ExsStreamProvider — the objects and wiring ExsApplication uses. */
#pragma once

#include "exs-channel-manager.h"
#include "exs-file-list-source.h"
#include "exs-hdhr-device.h"
#include "exs-http-server.h"
#include "exs-iptv-service.h"

G_BEGIN_DECLS

typedef struct
{
  char *dir;
  ExsConfig *config;
  ExsDatabase *db;
  ExsFileListSource *source;
  ExsChannelManager *manager;
  ExsHttpServer *http;
  ExsIptvService *iptv; /* /iptv/: the .ts stream, HLS */
  ExsHdhrDevice *hdhr;  /* /auto/v{number}, /tuner{n}/v{number} */
  guint port;
} ExsEngineFixture;

ExsEngineFixture *exs_engine_fixture_new (const char *const *config_overrides);
ExsEngineFixture *exs_engine_fixture_new_with_playout (const char *const *config_overrides,
                                                       ExsPlayoutSource  *playout);
void exs_engine_fixture_free (ExsEngineFixture *f);
void exs_engine_fixture_add_channel (ExsEngineFixture *f,
                                     const char       *number,
                                     gboolean          enabled);
char *exs_engine_fixture_url (ExsEngineFixture *f,
                              const char       *number);

void exs_test_make_media (const char *description,
                          const char *path);
char *exs_test_clip_description (const char *pattern,
                                 int         width,
                                 int         height,
                                 int         fps,
                                 int         audio_rate,
                                 int         audio_channels,
                                 double      seconds,
                                 const char *container,
                                 const char *path);
void exs_test_iterate (double seconds);
int exs_test_run_async (const char *const *argv,
                        char              **output);
GSubprocess *exs_test_spawn (const char *const *argv);
GArray *exs_test_read_packet_times (const char *ts,
                                    const char *stream,
                                    const char *field);
guint exs_test_count_decode_errors (const char *ts);
int exs_test_wait (GSubprocess *p);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExsEngineFixture, exs_engine_fixture_free)

G_END_DECLS
