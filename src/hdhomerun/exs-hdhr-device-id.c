/* exs-hdhr-device-id.c: the tuner's identity — DeviceID and DeviceAuth.
 *
 * Plex keys a tuner by its DeviceID, so it must never change: it is made once
 * at first start and kept in the database settings, unless [hdhomerun]
 * device_id sets one. libhdhomerun only addresses devices whose last hex digit
 * is the check digit of the other seven (protocols.md §2.8); generated IDs
 * start with 0x105, outside the ranges libhdhomerun treats as legacy
 * hardware. DeviceAuth is a fixed-length (24) random token sent in
 * discover.json and the discovery reply. Used by ExsHdhrDevice.
 */
#include "config.h"

#include "exs-hdhr-device-id.h"

#include <string.h>

static const guint8 lookup[16]
    = { 0xA, 0x5, 0xF, 0x6, 0x7, 0xC, 0x1, 0xB, 0x9, 0x2, 0x8, 0xD, 0x4, 0x3, 0xE, 0x0 };

static guint8
check_nibble (guint32 id)
{
  return lookup[(id >> 28) & 0xF] ^ ((id >> 24) & 0xF) ^ lookup[(id >> 20) & 0xF]
         ^ ((id >> 16) & 0xF) ^ lookup[(id >> 12) & 0xF] ^ ((id >> 8) & 0xF)
         ^ lookup[(id >> 4) & 0xF];
}

gboolean
exs_hdhr_device_id_is_valid (guint32 id)
{
  return check_nibble (id) == (id & 0xF);
}

/**
 * exs_hdhr_device_id_with_check_digit:
 *
 * Returns: @id with its last hex digit replaced by the check digit
 */
guint32
exs_hdhr_device_id_with_check_digit (guint32 id)
{
  return (id & 0xFFFFFFF0u) | check_nibble (id);
}

/* Accepts exactly 8 hex digits; says nothing about the check digit. */
gboolean
exs_hdhr_device_id_parse (const char *text, guint32 *id)
{
  if (text == NULL || strlen (text) != 8)
    return FALSE;
  for (int i = 0; i < 8; i++)
    if (!g_ascii_isxdigit (text[i]))
      return FALSE;
  *id = (guint32)g_ascii_strtoull (text, NULL, 16);
  return TRUE;
}

guint32
exs_hdhr_device_id_generate (void)
{
  return exs_hdhr_device_id_with_check_digit (0x10500000u | (g_random_int () & 0x000FFFF0u));
}

static char *
generate_device_auth (void)
{
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  char *auth = g_malloc (25);

  for (int i = 0; i < 24; i++)
    auth[i] = alphabet[g_random_int_range (0, 64)];
  auth[24] = '\0';
  return auth;
}

/**
 * exs_hdhr_device_id_ensure:
 * @device_id: (out): the ID to announce
 * @device_auth: (out) (transfer full): the DeviceAuth token
 *
 * The configured ID if set (a bad check digit is warned about, not changed:
 * the user asked for it), else the stored one, else a new one that is stored.
 */
gboolean
exs_hdhr_device_id_ensure (ExsConfig *config, ExsDatabase *database, guint32 *device_id,
                           char **device_auth, GError **error)
{
  const char *configured = exs_config_get_string (config, "hdhomerun", "device_id");
  g_autofree char *stored = exs_database_dup_setting (database, EXS_HDHR_SETTING_DEVICE_ID);
  g_autofree char *auth = exs_database_dup_setting (database, EXS_HDHR_SETTING_DEVICE_AUTH);
  guint32 id = 0;

  if (configured[0] != '\0' && exs_hdhr_device_id_parse (configured, &id))
    {
      if (!exs_hdhr_device_id_is_valid (id))
        g_warning ("[hdhomerun] device_id %s has a wrong check digit: hdhomerun_config and apps "
                   "that address "
                   "tuners by ID will not find it (the valid form is %08X)",
                   configured, exs_hdhr_device_id_with_check_digit (id));
    }
  else if (!(stored && exs_hdhr_device_id_parse (stored, &id)))
    {
      g_autofree char *text = NULL;

      id = exs_hdhr_device_id_generate ();
      text = g_strdup_printf ("%08X", id);
      if (!exs_database_set_setting (database, EXS_HDHR_SETTING_DEVICE_ID, text, error))
        return FALSE;
      g_message ("HDHomeRun device ID %s created (kept in the database)", text);
    }
  if (auth == NULL || strlen (auth) != 24)
    {
      g_free (auth);
      auth = generate_device_auth ();
      if (!exs_database_set_setting (database, EXS_HDHR_SETTING_DEVICE_AUTH, auth, error))
        return FALSE;
    }
  *device_id = id;
  *device_auth = g_steal_pointer (&auth);
  return TRUE;
}
