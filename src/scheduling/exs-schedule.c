/* exs-schedule.c: parse, check and write schedule documents.
 *
 * The playout builder, the schedule API and import/export all go through
 * here, so there is one definition of what a valid schedule is. Writing always
 * gives the canonical form (every field, defaults filled in, fixed member
 * order), which is why export → import → export round-trips byte for byte.
 */
#include "config.h"

#include "exs-schedule.h"

#include "exs-json-members.h"
#include "exs-nick.h"
#include "exs-schedule-media.h"

#include "exs-json-depth.h"

#include <stdio.h>
#include <string.h>

#define MAX_ITEMS 1000
#define MAX_MEMBERS 200
#define MAX_NAME_CHARS 200
#define MAX_WEIGHT 1000
#define MAX_DURATION_S (7 * 24 * 3600)

G_DEFINE_QUARK (exs-schedule-error-quark, exs_schedule_error)

static const char *const order_names[] = { "chronological", "season_episode", "shuffle", "shuffle_in_order",
                                           "random", NULL };
static const char *const mode_names[] = { "flood", "one", "multiple", "duration", "block", NULL };
static const char *const tail_names[] = { "none", "offline", "filler", NULL };
static const guint pad_choices[] = { 0, 5, 10, 15, 20, 30, 60 };

static const char *const schedule_fields[] = { "name", "max_lateness_seconds", "keep_multi_part_episodes",
                                               "fallback_filler", "fillers", "items", NULL };
static const char *const item_fields[] = { "title", "content", "order", "mode", "count", "duration_seconds", "tail",
                                           "start_time", "pad_to_minutes", "pre_roll", "mid_roll", "post_roll",
                                           "tail_filler", "media", NULL };
static const char *const filler_fields[] = { "name", "items", "count", "every_minutes", "hide_in_guide", NULL };
static const char *const leaf_fields[] = { "collection", "show", "season", "media_item", "playlist", "weight",
                                           "cooldown_minutes", NULL };

const char *
exs_playback_order_to_string (ExsPlaybackOrder order)
{
  return order_names[order];
}

const char *
exs_schedule_mode_to_string (ExsScheduleMode mode)
{
  return mode_names[mode];
}

static gboolean
fail (GError **error, const char *field, const char *format, ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail (GError **error, const char *field, const char *format, ...)
{
  g_autofree char *msg = NULL;
  va_list args;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, EXS_SCHEDULE_ERROR, EXS_SCHEDULE_ERROR_INVALID, "%s: %s", field, msg);
  return FALSE;
}

static gboolean
check_fields (JsonObject *o, const char *path, const char *const *known, GError **error)
{
  g_autoptr (GList) members = json_object_get_members (o);

  for (GList *l = members; l; l = l->next)
    if (!g_strv_contains (known, l->data))
      {
        g_autofree char *field = g_strdup_printf ("%s%s%s", path, path[0] ? "." : "", (char *) l->data);
        g_autofree char *list = g_strjoinv (", ", (char **) known);
        return fail (error, field, "unknown field; allowed here: %s", list);
      }
  return TRUE;
}

static char *
path_join (const char *path, const char *field)
{
  return g_strdup_printf ("%s%s%s", path, path[0] ? "." : "", field);
}

/* Integer member in [lo, hi]; absent or null leaves *out alone. */
static gboolean
get_int (JsonObject *o, const char *path, const char *field, gint64 lo, gint64 hi, gint64 *out, GError **error)
{
  JsonNode *n = json_object_get_member (o, field);
  g_autofree char *p = path_join (path, field);

  if (n == NULL || JSON_NODE_HOLDS_NULL (n))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_INT64)
    return fail (error, p, "must be a whole number");
  if (json_node_get_int (n) < lo || json_node_get_int (n) > hi)
    return fail (error, p, "must be between %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT, lo, hi);
  *out = json_node_get_int (n);
  return TRUE;
}

static gboolean
get_bool (JsonObject *o, const char *path, const char *field, gboolean *out, GError **error)
{
  JsonNode *n = json_object_get_member (o, field);
  g_autofree char *p = path_join (path, field);

  if (n == NULL || JSON_NODE_HOLDS_NULL (n))
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_BOOLEAN)
    return fail (error, p, "must be true or false");
  *out = json_node_get_boolean (n);
  return TRUE;
}

/* String member; absent or null gives NULL. Empty strings count as absent. */
static gboolean
get_string (JsonObject *o, const char *path, const char *field, gboolean required, char **out, GError **error)
{
  JsonNode *n = json_object_get_member (o, field);
  g_autofree char *p = path_join (path, field);
  const char *s;

  if (n == NULL || JSON_NODE_HOLDS_NULL (n))
    {
      if (required)
        return fail (error, p, "is required");
      return TRUE;
    }
  if (!JSON_NODE_HOLDS_VALUE (n) || json_node_get_value_type (n) != G_TYPE_STRING)
    return fail (error, p, "must be a string");
  s = json_node_get_string (n);
  if (g_utf8_strlen (s, -1) > MAX_NAME_CHARS)
    return fail (error, p, "is longer than %d characters", MAX_NAME_CHARS);
  for (const char *c = s; *c; c++)
    if ((guchar) *c < 0x20)
      return fail (error, p, "must not contain control characters");
  if (s[0] == '\0')
    {
      if (required)
        return fail (error, p, "must not be empty");
      return TRUE;
    }
  g_free (*out);
  *out = g_strdup (s);
  return TRUE;
}

static gboolean
get_choice (JsonObject *o, const char *path, const char *field, const char *const *choices, int *out,
            GError **error)
{
  g_autofree char *value = NULL;
  g_autofree char *p = path_join (path, field);

  if (!get_string (o, path, field, FALSE, &value, error))
    return FALSE;
  if (value == NULL || exs_nick_lookup (choices, value, out))
    return TRUE;
  {
    g_autofree char *list = g_strjoinv (", ", (char **) choices);
    return fail (error, p, "must be one of %s, not “%s”", list, value);
  }
}

/* "HH:MM" or "HH:MM:SS" → seconds after midnight */
static gboolean
parse_clock (const char *s, int *out)
{
  unsigned h, m, sec = 0;
  char tail;
  int n = sscanf (s, "%2u:%2u:%2u%c", &h, &m, &sec, &tail);

  if (!(n == 2 || n == 3) || h > 23 || m > 59 || sec > 59)
    return FALSE;
  if (strlen (s) != (n == 2 ? 5u : 8u))
    return FALSE;
  *out = (int) (h * 3600 + m * 60 + sec);
  return TRUE;
}

static void
content_ref_clear (ExsContentRef *r)
{
  g_free (r->ids);
}

static gboolean
parse_leaf (JsonObject *o, const char *path, gboolean member, ExsContentRef *r, GError **error)
{
  const char *const kinds[] = { "collection", "show", "media_item", "playlist" };
  guint found = 0;
  gint64 v = 0, weight = 1, cooldown = 0;

  if (!check_fields (o, path, leaf_fields, error))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (kinds); i++)
    if (json_object_has_member (o, kinds[i]))
      found++;
  if (found != 1)
    return fail (error, path, "needs exactly one of collection, show (with an optional season), media_item, playlist");

  r->weight = 1;
  if (json_object_has_member (o, "playlist"))
    {
      JsonNode *n = json_object_get_member (o, "playlist");
      g_autofree char *p = path_join (path, "playlist");
      JsonArray *a;

      if (!JSON_NODE_HOLDS_ARRAY (n))
        return fail (error, p, "must be a list of media item ids");
      a = json_node_get_array (n);
      if (json_array_get_length (a) == 0 || json_array_get_length (a) > 10000)
        return fail (error, p, "must hold between 1 and 10000 media item ids");
      r->kind = EXS_CONTENT_PLAYLIST;
      r->n_ids = json_array_get_length (a);
      r->ids = g_new0 (gint64, r->n_ids);
      for (guint i = 0; i < r->n_ids; i++)
        {
          JsonNode *e = json_array_get_element (a, i);
          if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_INT64 || json_node_get_int (e) <= 0)
            return fail (error, p, "element %u must be a positive media item id", i);
          r->ids[i] = json_node_get_int (e);
        }
    }
  else
    {
      const char *key = json_object_has_member (o, "collection") ? "collection"
                        : json_object_has_member (o, "show")     ? "show"
                                                                 : "media_item";
      if (!get_int (o, path, key, 1, G_MAXINT64, &v, error))
        return FALSE;
      if (v == 0)
        {
          g_autofree char *p = path_join (path, key);
          return fail (error, p, "must be a positive id");
        }
      r->id = v;
      r->kind = g_str_equal (key, "collection") ? EXS_CONTENT_COLLECTION
                : g_str_equal (key, "show")     ? EXS_CONTENT_SHOW
                                                : EXS_CONTENT_MEDIA_ITEM;
      if (json_object_has_member (o, "season"))
        {
          gint64 season = -1;
          g_autofree char *p = path_join (path, "season");
          if (r->kind != EXS_CONTENT_SHOW)
            return fail (error, p, "only goes with show");
          if (!get_int (o, path, "season", 0, 10000, &season, error))
            return FALSE;
          if (season < 0)
            return fail (error, p, "must be a season number");
          r->kind = EXS_CONTENT_SEASON;
          r->season = (int) season;
        }
    }
  if (!member && (json_object_has_member (o, "weight") || json_object_has_member (o, "cooldown_minutes")))
    return fail (error, path, "weight and cooldown_minutes belong to balance, weighted and filler members");
  if (!get_int (o, path, "weight", 1, MAX_WEIGHT, &weight, error)
      || !get_int (o, path, "cooldown_minutes", 0, 7 * 24 * 60, &cooldown, error))
    return FALSE;
  r->weight = (guint) weight;
  r->cooldown_minutes = (guint) cooldown;
  return TRUE;
}

static gboolean
parse_members (JsonNode *n, const char *path, ExsContentRef **out, guint *n_out, GError **error)
{
  JsonArray *a;
  guint len;

  if (n == NULL || !JSON_NODE_HOLDS_ARRAY (n))
    return fail (error, path, "must be a list of members");
  a = json_node_get_array (n);
  len = json_array_get_length (a);
  if (len == 0 || len > MAX_MEMBERS)
    return fail (error, path, "must hold between 1 and %d members", MAX_MEMBERS);
  *out = g_new0 (ExsContentRef, len);
  *n_out = len;
  for (guint i = 0; i < len; i++)
    {
      JsonNode *e = json_array_get_element (a, i);
      g_autofree char *p = g_strdup_printf ("%s[%u]", path, i);
      if (!JSON_NODE_HOLDS_OBJECT (e))
        return fail (error, p, "must be an object such as {\"show\": 3, \"weight\": 2}");
      if (!parse_leaf (json_node_get_object (e), p, TRUE, &(*out)[i], error))
        return FALSE;
    }
  return TRUE;
}

static void
item_free (ExsScheduleItem *it)
{
  for (guint i = 0; i < it->n_contents; i++)
    content_ref_clear (&it->contents[i]);
  g_free (it->contents);
  g_free (it->title);
  g_free (it->pre_roll);
  g_free (it->mid_roll);
  g_free (it->post_roll);
  g_free (it->tail_filler);
  g_free (it->media);
  g_free (it);
}

static void
filler_free (ExsFillerPreset *f)
{
  for (guint i = 0; i < f->n_members; i++)
    content_ref_clear (&f->members[i]);
  g_free (f->members);
  g_free (f->name);
  g_free (f);
}

void
exs_schedule_free (ExsSchedule *self)
{
  if (self == NULL)
    return;
  g_free (self->name);
  g_free (self->fallback);
  g_ptr_array_unref (self->items);
  g_ptr_array_unref (self->fillers);
  g_free (self);
}

const ExsFillerPreset *
exs_schedule_find_filler (const ExsSchedule *self, const char *name)
{
  if (name == NULL)
    return NULL;
  for (guint i = 0; i < self->fillers->len; i++)
    {
      const ExsFillerPreset *f = self->fillers->pdata[i];
      if (g_str_equal (f->name, name))
        return f;
    }
  return NULL;
}

gboolean
exs_schedule_has_fixed_starts (const ExsSchedule *self)
{
  for (guint i = 0; i < self->items->len; i++)
    if (((ExsScheduleItem *) self->items->pdata[i])->start_time_s >= 0)
      return TRUE;
  return FALSE;
}

static gboolean
parse_filler (JsonObject *o, const char *path, ExsFillerPreset *f, GError **error)
{
  gint64 count = 1, every = 0;
  g_autofree char *p = path_join (path, "items");

  if (!check_fields (o, path, filler_fields, error) || !get_string (o, path, "name", TRUE, &f->name, error)
      || !parse_members (json_object_get_member (o, "items"), p, &f->members, &f->n_members, error)
      || !get_int (o, path, "count", 1, 100, &count, error)
      || !get_int (o, path, "every_minutes", 0, 24 * 60, &every, error)
      || !get_bool (o, path, "hide_in_guide", &f->hide_in_guide, error))
    return FALSE;
  f->count = (guint) count;
  f->every_minutes = (guint) every;
  return TRUE;
}

static gboolean
check_filler_ref (const ExsSchedule *s, const char *path, const char *field, const char *name, GError **error)
{
  g_autofree char *p = path_join (path, field);

  if (name != NULL && exs_schedule_find_filler (s, name) == NULL)
    return fail (error, p, "no filler named “%s” in this schedule's fillers", name);
  return TRUE;
}

static gboolean
parse_item (const ExsSchedule *s, JsonObject *o, const char *path, ExsScheduleItem *it, GError **error)
{
  JsonNode *content = json_object_get_member (o, "content");
  g_autofree char *cpath = path_join (path, "content");
  g_autofree char *start = NULL;
  int order = EXS_ORDER_CHRONOLOGICAL, mode = EXS_MODE_ONE, tail = EXS_TAIL_NONE;
  gint64 count = 1, duration_s = 0, pad = 0;
  gboolean pad_ok = FALSE;

  it->start_time_s = -1;
  if (!check_fields (o, path, item_fields, error) || !get_string (o, path, "title", FALSE, &it->title, error))
    return FALSE;
  if (content == NULL || !JSON_NODE_HOLDS_OBJECT (content))
    return fail (error, cpath, "is required: an object such as {\"show\": 3} or {\"balance\": [...]}");
  {
    JsonObject *co = json_node_get_object (content);
    if (json_object_has_member (co, "balance") || json_object_has_member (co, "weighted"))
      {
        const char *key = json_object_has_member (co, "balance") ? "balance" : "weighted";
        g_autofree char *mpath = path_join (cpath, key);
        if (json_object_get_size (co) != 1)
          return fail (error, cpath, "%s stands alone in content", key);
        it->pick = g_str_equal (key, "balance") ? EXS_PICK_BALANCE : EXS_PICK_WEIGHTED;
        if (!parse_members (json_object_get_member (co, key), mpath, &it->contents, &it->n_contents, error))
          return FALSE;
      }
    else
      {
        it->pick = EXS_PICK_SINGLE;
        it->contents = g_new0 (ExsContentRef, 1);
        it->n_contents = 1;
        if (!parse_leaf (co, cpath, FALSE, it->contents, error))
          return FALSE;
      }
  }
  if (!get_choice (o, path, "order", order_names, &order, error)
      || !get_choice (o, path, "mode", mode_names, &mode, error)
      || !get_choice (o, path, "tail", tail_names, &tail, error)
      || !get_int (o, path, "count", 1, 10000, &count, error)
      || !get_int (o, path, "duration_seconds", 1, MAX_DURATION_S, &duration_s, error)
      || !get_int (o, path, "pad_to_minutes", 0, 60, &pad, error)
      || !get_string (o, path, "start_time", FALSE, &start, error)
      || !get_string (o, path, "pre_roll", FALSE, &it->pre_roll, error)
      || !get_string (o, path, "mid_roll", FALSE, &it->mid_roll, error)
      || !get_string (o, path, "post_roll", FALSE, &it->post_roll, error)
      || !get_string (o, path, "tail_filler", FALSE, &it->tail_filler, error))
    return FALSE;
  {
    g_autofree char *mpath = path_join (path, "media");
    GError *local = NULL;

    it->media = exs_schedule_media_parse (json_object_get_member (o, "media"), mpath, &local);
    if (local)
      {
        g_propagate_error (error, local);
        return FALSE;
      }
  }
  it->order = order;
  it->mode = mode;
  it->tail = tail;
  it->count = mode == EXS_MODE_MULTIPLE ? (guint) count : 1;
  if (mode == EXS_MODE_MULTIPLE && !json_object_has_member (o, "count"))
    {
      g_autofree char *p = path_join (path, "count");
      return fail (error, p, "is required when mode is multiple");
    }
  if (mode == EXS_MODE_DURATION || mode == EXS_MODE_BLOCK)
    {
      if (duration_s == 0)
        {
          g_autofree char *p = path_join (path, "duration_seconds");
          return fail (error, p, "is required when mode is %s", mode_names[mode]);
        }
      it->duration_ms = duration_s * 1000;
      if (mode == EXS_MODE_BLOCK && !json_object_has_member (o, "tail"))
        it->tail = EXS_TAIL_FILLER;
    }
  for (guint i = 0; i < G_N_ELEMENTS (pad_choices); i++)
    pad_ok |= pad == pad_choices[i];
  if (!pad_ok)
    {
      g_autofree char *p = path_join (path, "pad_to_minutes");
      return fail (error, p, "must be 0, 5, 10, 15, 20, 30 or 60");
    }
  it->pad_to_minutes = (guint) pad;
  if (start != NULL && !parse_clock (start, &it->start_time_s))
    {
      g_autofree char *p = path_join (path, "start_time");
      return fail (error, p, "must be a local time of day such as \"20:00\" or \"06:30:15\", not “%s”", start);
    }
  if (it->pick == EXS_PICK_SINGLE && it->contents[0].kind == EXS_CONTENT_MEDIA_ITEM
      && it->order == EXS_ORDER_SHUFFLE_IN_ORDER)
    it->order = EXS_ORDER_CHRONOLOGICAL;
  return check_filler_ref (s, path, "pre_roll", it->pre_roll, error)
         && check_filler_ref (s, path, "mid_roll", it->mid_roll, error)
         && check_filler_ref (s, path, "post_roll", it->post_roll, error)
         && check_filler_ref (s, path, "tail_filler", it->tail_filler, error);
}

/* Parses element @path of "fillers" into a new preset; names must differ. */
static gboolean
add_filler (ExsSchedule *s, JsonObject *o, const char *path, GError **error)
{
  ExsFillerPreset *f = g_new0 (ExsFillerPreset, 1);

  g_ptr_array_add (s->fillers, f);
  if (!parse_filler (o, path, f, error))
    return FALSE;
  for (guint j = 0; j + 1 < s->fillers->len; j++)
    if (g_str_equal (((ExsFillerPreset *) s->fillers->pdata[j])->name, f->name))
      {
        g_autofree char *np = path_join (path, "name");
        return fail (error, np, "another filler preset is named “%s”", f->name);
      }
  return TRUE;
}

/* Parses element @path of "items" into a new item. */
static gboolean
add_item (ExsSchedule *s, JsonObject *o, const char *path, GError **error)
{
  ExsScheduleItem *it = g_new0 (ExsScheduleItem, 1);

  g_ptr_array_add (s->items, it);
  return parse_item (s, o, path, it, error);
}

typedef gboolean (*AddElementFunc) (ExsSchedule *s, JsonObject *o, const char *path, GError **error);

/* The schedule's lists: at most @max objects, each handed to @add with its
 * path ("items[3]") for error messages. */
static gboolean
parse_object_list (ExsSchedule *s, JsonArray *a, const char *name, guint max, const char *what, AddElementFunc add,
                   GError **error)
{
  if (json_array_get_length (a) > max)
    return fail (error, name, "holds more than %u %s", max, what);
  for (guint i = 0; i < json_array_get_length (a); i++)
    {
      g_autofree char *p = g_strdup_printf ("%s[%u]", name, i);
      JsonNode *e = json_array_get_element (a, i);

      if (!JSON_NODE_HOLDS_OBJECT (e))
        return fail (error, p, "must be an object");
      if (!add (s, json_node_get_object (e), p, error))
        return FALSE;
    }
  return TRUE;
}

/**
 * exs_schedule_new_from_json:
 *
 * Returns: (transfer full) (nullable): the schedule, or %NULL with an
 *   EXS_SCHEDULE_ERROR_INVALID error whose message starts with the field
 */
ExsSchedule *
exs_schedule_new_from_json (JsonObject *o, GError **error)
{
  g_autoptr (ExsSchedule) s = g_new0 (ExsSchedule, 1);
  gint64 lateness = 0;
  JsonNode *n;

  s->items = g_ptr_array_new_with_free_func ((GDestroyNotify) item_free);
  s->fillers = g_ptr_array_new_with_free_func ((GDestroyNotify) filler_free);
  s->keep_multi_part = TRUE;
  if (!check_fields (o, "", schedule_fields, error) || !get_string (o, "", "name", TRUE, &s->name, error)
      || !get_int (o, "", "max_lateness_seconds", 0, 24 * 3600 - 1, &lateness, error)
      || !get_bool (o, "", "keep_multi_part_episodes", &s->keep_multi_part, error)
      || !get_string (o, "", "fallback_filler", FALSE, &s->fallback, error))
    return NULL;
  s->max_lateness_ms = lateness * 1000;

  n = json_object_get_member (o, "fillers");
  if (n != NULL && !JSON_NODE_HOLDS_NULL (n))
    {
      if (!JSON_NODE_HOLDS_ARRAY (n))
        return fail (error, "fillers", "must be a list of filler presets"), NULL;
      if (!parse_object_list (s, json_node_get_array (n), "fillers", MAX_MEMBERS, "presets", add_filler, error))
        return NULL;
    }
  if (!check_filler_ref (s, "", "fallback_filler", s->fallback, error))
    return NULL;

  n = json_object_get_member (o, "items");
  if (n == NULL || !JSON_NODE_HOLDS_ARRAY (n))
    return fail (error, "items", "is required: a list of schedule items"), NULL;
  if (!parse_object_list (s, json_node_get_array (n), "items", MAX_ITEMS, "items", add_item, error))
    return NULL;
  return g_steal_pointer (&s);
}

ExsSchedule *
exs_schedule_new_from_data (const char *json, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) local = NULL;
  JsonNode *root;

  if (!exs_json_check_depth (json, -1, EXS_JSON_MAX_DEPTH, &local)
      || !json_parser_load_from_data (parser, json, -1, &local))
    {
      g_set_error (error, EXS_SCHEDULE_ERROR, EXS_SCHEDULE_ERROR_INVALID, "document: not JSON: %s", local->message);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      g_set_error (error, EXS_SCHEDULE_ERROR, EXS_SCHEDULE_ERROR_INVALID, "document: must be a JSON object");
      return NULL;
    }
  return exs_schedule_new_from_json (json_node_get_object (root), error);
}

static JsonObject *
leaf_to_json (const ExsContentRef *r, gboolean member)
{
  JsonObject *o = json_object_new ();

  switch (r->kind)
    {
    case EXS_CONTENT_COLLECTION: json_object_set_int_member (o, "collection", r->id); break;
    case EXS_CONTENT_SHOW: json_object_set_int_member (o, "show", r->id); break;
    case EXS_CONTENT_SEASON:
      json_object_set_int_member (o, "show", r->id);
      json_object_set_int_member (o, "season", r->season);
      break;
    case EXS_CONTENT_MEDIA_ITEM: json_object_set_int_member (o, "media_item", r->id); break;
    case EXS_CONTENT_PLAYLIST:
      {
        JsonArray *a = json_array_sized_new (r->n_ids);
        for (guint i = 0; i < r->n_ids; i++)
          json_array_add_int_element (a, r->ids[i]);
        json_object_set_array_member (o, "playlist", a);
      }
      break;
    }
  if (member)
    {
      json_object_set_int_member (o, "weight", r->weight);
      json_object_set_int_member (o, "cooldown_minutes", r->cooldown_minutes);
    }
  return o;
}

static JsonArray *
members_to_json (const ExsContentRef *refs, guint n)
{
  JsonArray *a = json_array_sized_new (n);

  for (guint i = 0; i < n; i++)
    json_array_add_object_element (a, leaf_to_json (&refs[i], TRUE));
  return a;
}

/**
 * exs_schedule_to_json:
 *
 * Returns: (transfer full): the canonical document
 */
JsonObject *
exs_schedule_to_json (const ExsSchedule *self)
{
  JsonObject *o = json_object_new ();
  JsonArray *fillers = json_array_new ();
  JsonArray *items = json_array_new ();

  json_object_set_string_member (o, "name", self->name);
  json_object_set_int_member (o, "max_lateness_seconds", self->max_lateness_ms / 1000);
  json_object_set_boolean_member (o, "keep_multi_part_episodes", self->keep_multi_part);
  exs_json_set_string_or_null (o, "fallback_filler", self->fallback);
  for (guint i = 0; i < self->fillers->len; i++)
    {
      const ExsFillerPreset *f = self->fillers->pdata[i];
      JsonObject *fo = json_object_new ();
      json_object_set_string_member (fo, "name", f->name);
      json_object_set_array_member (fo, "items", members_to_json (f->members, f->n_members));
      json_object_set_int_member (fo, "count", f->count);
      json_object_set_int_member (fo, "every_minutes", f->every_minutes);
      json_object_set_boolean_member (fo, "hide_in_guide", f->hide_in_guide);
      json_array_add_object_element (fillers, fo);
    }
  json_object_set_array_member (o, "fillers", fillers);
  for (guint i = 0; i < self->items->len; i++)
    {
      const ExsScheduleItem *it = self->items->pdata[i];
      JsonObject *io = json_object_new ();
      exs_json_set_string_or_null (io, "title", it->title);
      if (it->pick == EXS_PICK_SINGLE)
        json_object_set_object_member (io, "content", leaf_to_json (&it->contents[0], FALSE));
      else
        {
          JsonObject *co = json_object_new ();
          json_object_set_array_member (co, it->pick == EXS_PICK_BALANCE ? "balance" : "weighted",
                                        members_to_json (it->contents, it->n_contents));
          json_object_set_object_member (io, "content", co);
        }
      json_object_set_string_member (io, "order", order_names[it->order]);
      json_object_set_string_member (io, "mode", mode_names[it->mode]);
      if (it->mode == EXS_MODE_MULTIPLE)
        json_object_set_int_member (io, "count", it->count);
      if (it->mode == EXS_MODE_DURATION || it->mode == EXS_MODE_BLOCK)
        json_object_set_int_member (io, "duration_seconds", it->duration_ms / 1000);
      json_object_set_string_member (io, "tail", tail_names[it->tail]);
      if (it->start_time_s >= 0)
        {
          g_autofree char *clock = g_strdup_printf ("%02d:%02d:%02d", it->start_time_s / 3600,
                                                    it->start_time_s / 60 % 60, it->start_time_s % 60);
          json_object_set_string_member (io, "start_time", clock);
        }
      else
        json_object_set_null_member (io, "start_time");
      json_object_set_int_member (io, "pad_to_minutes", it->pad_to_minutes);
      exs_json_set_string_or_null (io, "pre_roll", it->pre_roll);
      exs_json_set_string_or_null (io, "mid_roll", it->mid_roll);
      exs_json_set_string_or_null (io, "post_roll", it->post_roll);
      exs_json_set_string_or_null (io, "tail_filler", it->tail_filler);
      if (it->media) /* only when set: documents without overrides stay as they were */
        json_object_set_member (io, "media", exs_schedule_media_to_json (it->media));
      json_array_add_object_element (items, io);
    }
  json_object_set_array_member (o, "items", items);
  return o;
}

/**
 * exs_schedule_to_data:
 *
 * Returns: (transfer full): the canonical document as compact JSON text
 */
char *
exs_schedule_to_data (const ExsSchedule *self)
{
  g_autoptr (JsonNode) root = json_node_new (JSON_NODE_OBJECT);

  json_node_take_object (root, exs_schedule_to_json (self));
  return json_to_string (root, FALSE);
}
