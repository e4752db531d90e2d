/* exs-api-lineup-profiles.c: the profiles a lineup document carries.
 *
 * GET /api/export adds "profiles": every user profile one of the exported
 * channels names (a built-in one is the same on every server and is not
 * written), in the members POST /api/profiles takes. POST /api/import reads
 * them before the channels (each checked as POST /api/profiles checks it:
 * a bad one is a 422 naming "profiles[i].field"), lets a channel name one of
 * them, and creates or updates them by name inside the import's
 * transaction, before the channels that use them.
 */
#include "config.h"

#include "exs-api-lineup-profiles.h"

#include "exs-channel-store.h"
#include "exs-channel.h"
#include "exs-http-error.h"
#include "exs-profile-store.h"

#define MAX_PROFILES 256

static const ExsProfile *
find_profile (GPtrArray *profiles, const char *name)
{
  for (guint i = 0; i < profiles->len; i++)
    if (g_strcmp0 (((ExsProfile *) profiles->pdata[i])->name, name) == 0)
      return profiles->pdata[i];
  return NULL;
}

static gint
by_name (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 ((*(ExsProfile *const *) a)->name, (*(ExsProfile *const *) b)->name);
}

/**
 * exs_api_lineup_export_profiles:
 * @channels: (element-type ExsChannelRecord): the exported channels
 *
 * Returns: (transfer full) (nullable): the user profiles @channels name, by name
 */
JsonArray *
exs_api_lineup_export_profiles (ExsDatabase *db, GPtrArray *channels, GError **error)
{
  g_autoptr (GPtrArray) profiles = g_ptr_array_new_with_free_func ((GDestroyNotify) exs_profile_free);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  JsonArray *out;

  for (guint i = 0; i < channels->len; i++)
    {
      const char *name = ((ExsChannelRecord *) channels->pdata[i])->profile;
      ExsProfile *p;

      if (name == NULL || exs_profile_is_builtin (name) || !g_hash_table_add (seen, (gpointer) name))
        continue;
      p = exs_profile_store_get (db, name, error);
      if (p == NULL && !exs_database_clear_not_found (error))
        return NULL;
      if (p)
        g_ptr_array_add (profiles, p);
    }
  g_ptr_array_sort (profiles, by_name);
  out = json_array_new ();
  for (guint i = 0; i < profiles->len; i++)
    {
      JsonObject *o = exs_profile_to_json (profiles->pdata[i]);

      json_object_remove_member (o, "builtin"); /* not a member POST /api/profiles takes */
      json_array_add_object_element (out, o);
    }
  return out;
}

/**
 * exs_api_lineup_read_profiles:
 * @document: the whole import document ("profiles" is optional)
 * @profiles: (element-type ExsProfile): gets the profiles read
 * @field: (out) (transfer full): on failure, the member at fault ("profiles[1].fps")
 *
 * Returns: whether every profile is one this machine can send
 */
gboolean
exs_api_lineup_read_profiles (JsonObject *document, GPtrArray *profiles, char **field, GError **error)
{
  JsonNode *n = json_object_get_member (document, "profiles");
  JsonArray *a;

  if (n == NULL || JSON_NODE_HOLDS_NULL (n))
    return TRUE;
  if (!JSON_NODE_HOLDS_ARRAY (n) || json_array_get_length (json_node_get_array (n)) > MAX_PROFILES)
    {
      *field = g_strdup ("profiles");
      g_set_error (error, EXS_HTTP_ERROR, EXS_HTTP_ERROR_INVALID_FIELD, "profiles must be a list of at most %d profiles",
                   MAX_PROFILES);
      return FALSE;
    }
  a = json_node_get_array (n);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      g_autoptr (ExsProfile) p = exs_profile_new ();
      g_autofree char *member = NULL;
      g_autoptr (GError) local = NULL;

      if (!JSON_NODE_HOLDS_OBJECT (e))
        {
          *field = g_strdup_printf ("profiles[%u]", i);
          g_set_error (error, EXS_HTTP_ERROR, EXS_HTTP_ERROR_INVALID_FIELD, "%s must be a profile", *field);
          return FALSE;
        }
      if (!exs_profile_update_from_json (p, json_node_get_object (e), TRUE, &member, &local)
          || !exs_channel_profile_check_support (p, &member, &local))
        {
          *field = g_strdup_printf ("profiles[%u].%s", i, member ? member : "name");
          g_set_error (error, EXS_HTTP_ERROR, EXS_HTTP_ERROR_INVALID_FIELD, "%s: %s", *field, local->message);
          return FALSE;
        }
      if (exs_profile_is_builtin (p->name) || find_profile (profiles, p->name))
        {
          *field = g_strdup_printf ("profiles[%u].name", i);
          g_set_error (error, EXS_HTTP_ERROR, EXS_HTTP_ERROR_INVALID_FIELD, "%s: “%s” is %s", *field, p->name,
                       exs_profile_is_builtin (p->name) ? "a built-in profile" : "in the document twice");
          return FALSE;
        }
      g_ptr_array_add (profiles, g_steal_pointer (&p));
    }
  return TRUE;
}

/**
 * exs_api_lineup_names_profile:
 * @profiles: (element-type ExsProfile): the document's profiles
 * @channel: a channel of the document
 *
 * Returns: whether @channel's "profile" is one of @profiles
 */
gboolean
exs_api_lineup_names_profile (GPtrArray *profiles, JsonObject *channel)
{
  JsonNode *n = json_object_get_member (channel, "profile");

  return n && JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING
         && find_profile (profiles, json_node_get_string (n)) != NULL;
}

/**
 * exs_api_lineup_save_profiles:
 * @profiles: (element-type ExsProfile): read by exs_api_lineup_read_profiles()
 *
 * Inside the import's transaction: each profile made, or changed in place
 * when one of that name is there.
 */
gboolean
exs_api_lineup_save_profiles (ExsDatabase *db, GPtrArray *profiles, GError **error)
{
  for (guint i = 0; i < profiles->len; i++)
    {
      ExsProfile *p = profiles->pdata[i];
      g_autoptr (ExsProfile) there = exs_profile_store_get (db, p->name, error);

      if (there == NULL && !exs_database_clear_not_found (error))
        return FALSE;
      if (there ? !exs_profile_store_update (db, p->name, p, error) : !exs_profile_store_insert (db, p, error))
        return FALSE;
    }
  return TRUE;
}
