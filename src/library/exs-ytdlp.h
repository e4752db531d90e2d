/* exs-ytdlp.h: resolving a web page to a playable media URL with yt-dlp */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define EXS_YTDLP_ERROR (exs_ytdlp_error_quark ())

typedef enum
{
  EXS_YTDLP_ERROR_NOT_INSTALLED,
  EXS_YTDLP_ERROR_TIMED_OUT,
  EXS_YTDLP_ERROR_FAILED,    /* yt-dlp ran and said no (unsupported page, 404, ...) */
  EXS_YTDLP_ERROR_BAD_OUTPUT,
} ExsYtdlpError;

/* The URI scheme prefix of a library item resolved by yt-dlp at play time. */
#define EXS_YTDLP_URI_PREFIX "ytdl:"

typedef struct
{
  char *url;           /* the media URL to play */
  char *title;         /* (nullable) every string below is nullable */
  char *description;
  int year;            /* 0: unknown */
  gint64 duration_ms;  /* 0: unknown */
  gint64 expires_at;   /* unix seconds the URL stops working (its expire= parameter); 0: not said */
} ExsYtdlpInfo;

GQuark exs_ytdlp_error_quark (void);

void exs_ytdlp_resolve_async (const char          *page_url,
                              guint                timeout_s,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data);
ExsYtdlpInfo *exs_ytdlp_resolve_finish (GAsyncResult  *result,
                                        GError       **error);
ExsYtdlpInfo *exs_ytdlp_resolve_sync (const char    *page_url,
                                      guint          timeout_s,
                                      GCancellable  *cancellable,
                                      GError       **error);
ExsYtdlpInfo *exs_ytdlp_info_parse (const char  *json,
                                    gsize        length,
                                    GError     **error);
gint64 exs_ytdlp_url_expiry (const char *url);
void exs_ytdlp_info_free (ExsYtdlpInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ExsYtdlpInfo, exs_ytdlp_info_free)

G_END_DECLS
