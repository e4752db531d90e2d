/* exs-ssdp.c: ExsSsdp, the tuner's SSDP announcements.
 *
 * One GSSDPClient and GSSDPResourceGroup per interface the HTTP server
 * listens on (the interface of its address, or every up, multicast-capable
 * IPv4 interface but loopback when it listens on all), announcing
 *   upnp:rootdevice, the bare device UDN and urn:schemas-upnp-org:device:MediaServer:1
 * with LOCATION http://<that interface's address>:<port>/device.xml and
 * max-age 1800. gssdp answers M-SEARCH and sends alive/byebye itself on the
 * main loop (protocols.md §3). Created by ExsApplication when [hdhomerun]
 * ssdp_enabled is on; stopped (byebye) at shutdown.
 */
#include "config.h"

#include "exs-ssdp.h"

#include "exs-hdhr-error.h"

#include <errno.h>
#include <ifaddrs.h>
#include <libgssdp/gssdp.h>
#include <net/if.h>

#define MEDIA_SERVER_TYPE "urn:schemas-upnp-org:device:MediaServer:1"
#define MAX_AGE_SECONDS 1800

struct _ExsSsdp
{
  GObject parent_instance;

  ExsHdhrDevice *device;
  GPtrArray *groups; /* GSSDPResourceGroup*, each holding its client */
};

G_DEFINE_TYPE (ExsSsdp, exs_ssdp, G_TYPE_OBJECT)

static void
exs_ssdp_dispose (GObject *object)
{
  ExsSsdp *self = EXS_SSDP (object);

  exs_ssdp_stop (self);
  g_clear_object (&self->device);
  G_OBJECT_CLASS (exs_ssdp_parent_class)->dispose (object);
}

static void
exs_ssdp_finalize (GObject *object)
{
  ExsSsdp *self = EXS_SSDP (object);

  g_ptr_array_unref (self->groups);
  G_OBJECT_CLASS (exs_ssdp_parent_class)->finalize (object);
}

static void
exs_ssdp_class_init (ExsSsdpClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = exs_ssdp_dispose;
  object_class->finalize = exs_ssdp_finalize;
}

static void
exs_ssdp_init (ExsSsdp *self)
{
  self->groups = g_ptr_array_new_with_free_func (g_object_unref);
}

ExsSsdp *
exs_ssdp_new (ExsHdhrDevice *device)
{
  ExsSsdp *self = g_object_new (EXS_TYPE_SSDP, NULL);

  self->device = g_object_ref (device);
  return self;
}

static void
announce_on (ExsSsdp *self, GSSDPClient *client)
{
  GSSDPResourceGroup *group = gssdp_resource_group_new (client);
  const char *udn = exs_hdhr_device_get_udn (self->device);
  g_autofree char *location
      = g_strdup_printf ("http://%s:%u/device.xml", gssdp_client_get_host_ip (client),
                         exs_hdhr_device_get_http_port (self->device));
  g_autofree char *root_usn = g_strconcat (udn, "::upnp:rootdevice", NULL);
  g_autofree char *type_usn = g_strconcat (udn, "::" MEDIA_SERVER_TYPE, NULL);

  gssdp_client_set_server_id (client, "Linux UPnP/1.0 " PACKAGE_NAME "/" PACKAGE_VERSION);
  gssdp_resource_group_set_max_age (group, MAX_AGE_SECONDS);
  gssdp_resource_group_add_resource_simple (group, "upnp:rootdevice", root_usn, location);
  gssdp_resource_group_add_resource_simple (group, udn, udn, location);
  gssdp_resource_group_add_resource_simple (group, MEDIA_SERVER_TYPE, type_usn, location);
  gssdp_resource_group_set_available (group, TRUE);
  g_debug ("SSDP: announcing %s on %s (%s)", location, gssdp_client_get_interface (client),
           gssdp_client_get_host_ip (client));
  g_ptr_array_add (self->groups, group);
}

/**
 * exs_ssdp_start:
 * @bind_address: the HTTP server's listen address
 *
 * Returns: how many interfaces announce the tuner; 0 with @error set if none
 */
guint
exs_ssdp_start (ExsSsdp *self, const char *bind_address, GError **error)
{
  g_autoptr (GInetAddress) ip = g_inet_address_new_from_string (bind_address);
  struct ifaddrs *list = NULL;
  g_autoptr (GString) failures = g_string_new (NULL);

  g_return_val_if_fail (self->groups->len == 0, 0);
  if (ip != NULL && !g_inet_address_get_is_any (ip))
    {
      g_autoptr (GError) local_error = NULL;
      g_autoptr (GSSDPClient) client
          = gssdp_client_new_for_address (ip, 0, GSSDP_UDA_VERSION_1_0, &local_error);

      if (client == NULL)
        {
          /* the socket's own error, domain and code kept */
          g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "SSDP on %s: ", bind_address);
          return 0;
        }
      announce_on (self, client);
      return self->groups->len;
    }

  if (getifaddrs (&list) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved), "cannot list the network interfaces: %s",
                   g_strerror (saved));
      return 0;
    }
  for (struct ifaddrs *ifa = list; ifa != NULL; ifa = ifa->ifa_next)
    {
      g_autoptr (GError) local_error = NULL;
      g_autoptr (GSSDPClient) client = NULL;

      if (ifa->ifa_addr == NULL || ifa->ifa_addr->sa_family != AF_INET || !(ifa->ifa_flags & IFF_UP)
          || !(ifa->ifa_flags & IFF_MULTICAST) || (ifa->ifa_flags & IFF_LOOPBACK))
        continue;
      client = gssdp_client_new_full (ifa->ifa_name, NULL, 0, GSSDP_UDA_VERSION_1_0, &local_error);
      if (client == NULL)
        {
          g_string_append_printf (failures, "%s%s: %s", failures->len ? "; " : "", ifa->ifa_name,
                                  local_error->message);
          continue;
        }
      announce_on (self, client);
    }
  freeifaddrs (list);
  if (self->groups->len == 0)
    g_set_error (error, EXS_HDHR_ERROR, EXS_HDHR_ERROR_NO_INTERFACE,
                 "no multicast-capable interface to announce on%s%s", failures->len ? ": " : "",
                 failures->str);
  return self->groups->len;
}

/* Says byebye on every interface and drops the clients. */
void
exs_ssdp_stop (ExsSsdp *self)
{
  for (guint i = 0; i < self->groups->len; i++)
    gssdp_resource_group_set_available (self->groups->pdata[i], FALSE);
  g_ptr_array_set_size (self->groups, 0);
}
