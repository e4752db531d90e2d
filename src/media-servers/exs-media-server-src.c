/* exs-media-server-src.c: ExsMediaServerSrc (element "exsmediaserversrc"),
 * the source uridecodebin3 and urisourcebin make for an exs-media:// URI,
 * the play URI of a Plex, Jellyfin or Emby item:
 *
 *   exs-media://<library id><stream path on the server>#<file path on the server>
 *
 * The URI holds no token: the server's address, token and path mappings
 * are looked up here, at play time, in a table ExsMediaServerSync fills
 * (exs_media_server_src_set_library()). When a path mapping turns the
 * server's file path into a file that exists here, the bin holds a filesrc
 * for it; otherwise a souphttpsrc GETs the stream path from the server with
 * the token as a request header (extra-headers), never in the URL, so the
 * engine can log and show the URI.
 *
 * Registered once in-process (exs_media_server_src_register(), by
 * ExsApplication) with primary rank for the exs-media scheme.
 *
 *   gst-launch-1.0 uridecodebin3 uri='exs-media://3/Videos/abc/stream?static=true' ! fakesink
 */
#include "config.h"

#include "exs-media-server-src.h"

GST_DEBUG_CATEGORY_STATIC (exs_media_server_src_debug);
#define GST_CAT_DEFAULT exs_media_server_src_debug

struct _ExsMediaServerSrc
{
  GstBin parent_instance;

  char *uri;
  GstElement *child;     /* souphttpsrc or filesrc */
  GstPad *ghost;
  GstPadQueryFunction ghost_query; /* the ghost pad's own, for the other queries */
  gboolean local;        /* the child reads a mapped local file */
};

static void uri_handler_init (gpointer iface, gpointer data);

G_DEFINE_FINAL_TYPE_WITH_CODE (ExsMediaServerSrc, exs_media_server_src, GST_TYPE_BIN,
                               G_IMPLEMENT_INTERFACE (GST_TYPE_URI_HANDLER, uri_handler_init))

static GstStaticPadTemplate src_template = GST_STATIC_PAD_TEMPLATE ("src", GST_PAD_SRC, GST_PAD_ALWAYS,
                                                                    GST_STATIC_CAPS_ANY);

/* ---- the library table ---------------------------------------------------- */

static GMutex libraries_lock; /* protects libraries */
static GHashTable *libraries; /* gint64 id → ExsMediaServerConfig (with the token) */

/**
 * exs_media_server_src_set_library:
 * @config: the library's server, token and path mappings (copied)
 */
void
exs_media_server_src_set_library (gint64 library_id, const ExsMediaServerConfig *config)
{
  g_mutex_lock (&libraries_lock);
  if (libraries == NULL)
    libraries = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free,
                                       (GDestroyNotify) exs_media_server_config_free);
  g_hash_table_replace (libraries, g_memdup2 (&library_id, sizeof library_id),
                        exs_media_server_config_copy (config));
  g_mutex_unlock (&libraries_lock);
}

void
exs_media_server_src_forget_library (gint64 library_id)
{
  g_mutex_lock (&libraries_lock);
  if (libraries)
    g_hash_table_remove (libraries, &library_id);
  g_mutex_unlock (&libraries_lock);
}

void
exs_media_server_src_forget_all (void)
{
  g_mutex_lock (&libraries_lock);
  if (libraries)
    g_hash_table_remove_all (libraries);
  g_mutex_unlock (&libraries_lock);
}

static ExsMediaServerConfig *
dup_library (gint64 library_id)
{
  ExsMediaServerConfig *config = NULL;

  g_mutex_lock (&libraries_lock);
  if (libraries && g_hash_table_lookup (libraries, &library_id))
    config = exs_media_server_config_copy (g_hash_table_lookup (libraries, &library_id));
  g_mutex_unlock (&libraries_lock);
  return config;
}

/* ---- the element ---------------------------------------------------------- */

static void
exs_media_server_src_finalize (GObject *object)
{
  ExsMediaServerSrc *self = EXS_MEDIA_SERVER_SRC (object);

  g_free (self->uri);
  G_OBJECT_CLASS (exs_media_server_src_parent_class)->finalize (object);
}

static void
exs_media_server_src_class_init (ExsMediaServerSrcClass *klass)
{
  GstElementClass *element_class = GST_ELEMENT_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = exs_media_server_src_finalize;
  gst_element_class_add_static_pad_template (element_class, &src_template);
  gst_element_class_set_static_metadata (element_class, "EXStreamTV media server source", "Source/Network",
                                         "Plays a Plex, Jellyfin or Emby item: the local file through a path "
                                         "mapping, or the server's stream",
                                         "EXStreamTV");
  GST_DEBUG_CATEGORY_INIT (exs_media_server_src_debug, "exsmediaserversrc", 0, "EXStreamTV media server source");
}

/* Push mode only: the child may be switched before the bin starts, and a
 * ghost pad activated in pull mode through a proxy is fragile; every
 * downstream element (type finding, parsebin) works in push mode. */
static gboolean
on_ghost_query (GstPad *pad, GstObject *parent, GstQuery *query)
{
  if (GST_QUERY_TYPE (query) == GST_QUERY_SCHEDULING)
    {
      gst_query_set_scheduling (query, GST_SCHEDULING_FLAG_SEEKABLE, 1, -1, 0);
      gst_query_add_scheduling_mode (query, GST_PAD_MODE_PUSH);
      return TRUE;
    }
  return EXS_MEDIA_SERVER_SRC (parent)->ghost_query (pad, parent, query);
}

static void
exs_media_server_src_init (ExsMediaServerSrc *self)
{
  self->ghost = gst_ghost_pad_new_no_target_from_template ("src", gst_static_pad_template_get (&src_template));
  self->ghost_query = GST_PAD_QUERYFUNC (self->ghost);
  gst_pad_set_query_function (self->ghost, on_ghost_query);
  gst_element_add_pad (GST_ELEMENT (self), self->ghost);
}

/* Builds the child for @uri: a filesrc when a path mapping finds the file, else a souphttpsrc. */
static gboolean
make_child (ExsMediaServerSrc *self, const char *uri, GError **error)
{
  g_autoptr (GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED, NULL);
  g_autoptr (ExsMediaServerConfig) config = NULL;
  g_autofree char *server_path = NULL;
  g_autofree char *local = NULL;
  g_autoptr (GstPad) target = NULL;
  GstElement *child;
  gint64 library_id = 0;

  if (parsed == NULL || g_uri_get_host (parsed) == NULL
      || !g_ascii_string_to_signed (g_uri_get_host (parsed), 10, 1, G_MAXINT64, &library_id, NULL)
      || g_uri_get_path (parsed)[0] != '/')
    {
      g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_URI, "%s is not an exs-media://<library>/<path> URI", uri);
      return FALSE;
    }
  config = dup_library (library_id);
  if (config == NULL || config->url == NULL)
    {
      g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_REFERENCE,
                   "library %" G_GINT64_FORMAT " is not a Plex, Jellyfin or Emby library (removed?)", library_id);
      return FALSE;
    }
  if (g_uri_get_fragment (parsed))
    server_path = g_uri_unescape_string (g_uri_get_fragment (parsed), NULL);
  local = server_path ? exs_path_mappings_find_local (config->mappings, server_path) : NULL;
  if (local)
    {
      child = gst_element_factory_make ("filesrc", NULL);
      g_object_set (child, "location", local, NULL);
      GST_INFO_OBJECT (self, "%s: the local file %s", uri, local);
    }
  else
    {
      g_autofree char *location = g_strconcat (config->url, g_uri_get_path (parsed), g_uri_get_query (parsed) ? "?" : "",
                                               g_uri_get_query (parsed) ? g_uri_get_query (parsed) : "", NULL);

      child = gst_element_factory_make ("souphttpsrc", NULL);
      if (child == NULL)
        {
          g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_UNSUPPORTED_PROTOCOL,
                       "souphttpsrc is not installed (gstreamer1.0-plugins-good)");
          return FALSE;
        }
      g_object_set (child, "location", location, "timeout", (guint) MIN (config->timeout_s, 3600), "retries", 3,
                    NULL);
      if (config->token)
        {
          const char *name;
          g_autofree char *value = NULL;
          g_autoptr (GstStructure) headers = gst_structure_new_empty ("headers");

          exs_media_server_auth_header (config->kind, config->token, &name, &value);
          gst_structure_set (headers, name, G_TYPE_STRING, value, NULL);
          g_object_set (child, "extra-headers", headers, NULL);
        }
      GST_INFO_OBJECT (self, "%s: streamed from %s", uri, location);
    }
  if (self->child)
    {
      gst_ghost_pad_set_target (GST_GHOST_PAD (self->ghost), NULL);
      gst_element_set_state (self->child, GST_STATE_NULL);
      gst_bin_remove (GST_BIN (self), self->child);
    }
  self->child = child;
  self->local = local != NULL;
  gst_bin_add (GST_BIN (self), child);
  target = gst_element_get_static_pad (child, "src");
  gst_ghost_pad_set_target (GST_GHOST_PAD (self->ghost), target);
  return TRUE;
}

/**
 * exs_media_server_src_get_local:
 *
 * Returns: whether the element reads a local file (through a path mapping)
 */
gboolean
exs_media_server_src_get_local (ExsMediaServerSrc *self)
{
  return self->local;
}

static GstURIType
uri_get_type (GType type)
{
  return GST_URI_SRC;
}

static const char *const *
uri_get_protocols (GType type)
{
  static const char *const protocols[] = { "exs-media", NULL };

  return protocols;
}

static char *
uri_get_uri (GstURIHandler *handler)
{
  return g_strdup (EXS_MEDIA_SERVER_SRC (handler)->uri);
}

static gboolean
uri_set_uri (GstURIHandler *handler, const char *uri, GError **error)
{
  ExsMediaServerSrc *self = EXS_MEDIA_SERVER_SRC (handler);

  if (GST_STATE (self) > GST_STATE_READY)
    {
      g_set_error (error, GST_URI_ERROR, GST_URI_ERROR_BAD_STATE, "cannot change the URI while playing");
      return FALSE;
    }
  if (!make_child (self, uri, error))
    return FALSE;
  g_free (self->uri);
  self->uri = g_strdup (uri);
  return TRUE;
}

static void
uri_handler_init (gpointer iface, gpointer data)
{
  GstURIHandlerInterface *i = iface;

  i->get_type = uri_get_type;
  i->get_protocols = uri_get_protocols;
  i->get_uri = uri_get_uri;
  i->set_uri = uri_set_uri;
}

/**
 * exs_media_server_src_register:
 *
 * Makes exs-media:// URIs playable in this process (after gst_init()).
 */
gboolean
exs_media_server_src_register (void)
{
  return gst_element_register (NULL, "exsmediaserversrc", GST_RANK_PRIMARY, EXS_TYPE_MEDIA_SERVER_SRC);
}
