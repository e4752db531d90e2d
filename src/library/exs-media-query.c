/* exs-media-query.c: compiles the query language of docs/query-language.md.
 *
 *   genre:comedy  show:"The Simpsons"  year:<1990  type:episode  tag:xmas
 *   duration:>20m  (a OR b) AND NOT c  christmas  "open fire"
 *
 * into a WHERE fragment over `media_items m LEFT JOIN shows s ON s.id =
 * m.show_id`, with every value bound as a parameter — never pasted into
 * the SQL. Bare words and quoted phrases search titles (item and show)
 * through the FTS5 table media_items_fts. A syntax error says at which
 * character (1-based) it was found. Used by /api/media?q=, smart
 * collections and their preview.
 */
#include "config.h"

#include "exs-media-query.h"

#include <stdlib.h>
#include <string.h>

G_DEFINE_QUARK (exs-media-query-error-quark, exs_media_query_error)

#define MAX_DEPTH 32
#define MAX_TERMS 64

typedef struct
{
  gboolean is_text;
  char *text;
  gint64 number;
} Param;

struct _ExsMediaQuery
{
  char *sql;
  GPtrArray *params; /* (element-type Param) */
};

typedef struct
{
  const char *text;
  const char *p;
  GString *sql;
  GPtrArray *params;
  int depth;
  int terms;
  GError *error;
  int error_pos;
} Parser;

static void
param_free (Param *p)
{
  g_free (p->text);
  g_free (p);
}

void
exs_media_query_free (ExsMediaQuery *q)
{
  if (q == NULL)
    return;
  g_free (q->sql);
  g_ptr_array_unref (q->params);
  g_free (q);
}

static int
pos_of (Parser *ps, const char *at)
{
  return (int) g_utf8_pointer_to_offset (ps->text, at) + 1;
}

static gboolean
fail (Parser *ps, const char *at, const char *format, ...) G_GNUC_PRINTF (3, 4);

static gboolean
fail (Parser *ps, const char *at, const char *format, ...)
{
  g_autofree char *msg = NULL;
  va_list args;

  if (ps->error)
    return FALSE;
  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  ps->error_pos = pos_of (ps, at);
  ps->error = g_error_new (EXS_MEDIA_QUERY_ERROR, EXS_MEDIA_QUERY_ERROR_SYNTAX, "at character %d: %s", ps->error_pos,
                           msg);
  return FALSE;
}

static void
add_text (Parser *ps, const char *text)
{
  Param *p = g_new0 (Param, 1);

  p->is_text = TRUE;
  p->text = g_strdup (text);
  g_ptr_array_add (ps->params, p);
}

static void
add_number (Parser *ps, gint64 n)
{
  Param *p = g_new0 (Param, 1);

  p->number = n;
  g_ptr_array_add (ps->params, p);
}

static void
skip_space (Parser *ps)
{
  while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
    ps->p++;
}

static gboolean
is_word_char (char c)
{
  return c != '\0' && !strchr (" \t\r\n()\":<>=", c);
}

/* A bare word (stops at ':' so "genre:" is seen as a field). */
static char *
read_word (Parser *ps)
{
  const char *start = ps->p;

  while (is_word_char (*ps->p))
    ps->p++;
  return g_strndup (start, (gsize) (ps->p - start));
}

/* A value after "field:" may hold ':' and '=' (times, names). */
static char *
read_value_word (Parser *ps)
{
  const char *start = ps->p;

  while (*ps->p && !strchr (" \t\r\n()\"", *ps->p))
    ps->p++;
  return g_strndup (start, (gsize) (ps->p - start));
}

static char *
read_quoted (Parser *ps)
{
  GString *s = g_string_new (NULL);
  const char *open = ps->p;

  ps->p++; /* the opening quote */
  while (*ps->p && *ps->p != '"')
    {
      if (*ps->p == '\\' && (ps->p[1] == '"' || ps->p[1] == '\\'))
        ps->p++;
      g_string_append_c (s, *ps->p);
      ps->p++;
    }
  if (*ps->p != '"')
    {
      fail (ps, open, "the quote that starts here is never closed");
      g_string_free (s, TRUE);
      return NULL;
    }
  ps->p++;
  return g_string_free (s, FALSE);
}

static gboolean
keyword_at (Parser *ps, const char *kw)
{
  gsize n = strlen (kw);

  return g_ascii_strncasecmp (ps->p, kw, n) == 0 && !is_word_char (ps->p[n]) && ps->p[n] != ':';
}

#define MAX_DURATION_PART G_GINT64_CONSTANT (1000000)

/* "20m", "1h30m", "90s", "1h", "45" (minutes), "1:30:00" → milliseconds */
static gboolean
parse_duration (const char *v, gint64 *ms)
{
  gint64 total = 0;
  const char *p = v;

  if (*v == '\0')
    return FALSE;
  if (strchr (v, ':'))
    {
      g_auto (GStrv) parts = g_strsplit (v, ":", -1);
      guint n = g_strv_length (parts);
      if (n < 2 || n > 3)
        return FALSE;
      for (guint i = 0; i < n; i++)
        {
          char *end;
          gint64 x = g_ascii_strtoll (parts[i], &end, 10);
          /* bounded like the other form, so no sum can overflow */
          if (*parts[i] == '\0' || *end || x < 0 || x > MAX_DURATION_PART)
            return FALSE;
          total = total * 60 + x;
        }
      if (n == 2)
        total *= 60; /* h:mm */
      *ms = total * 1000;
      return TRUE;
    }
  while (*p)
    {
      char *end;
      gint64 x = g_ascii_strtoll (p, &end, 10);
      if (end == p || x < 0 || x > MAX_DURATION_PART || total > MAX_DURATION_PART * 3600)
        return FALSE;
      switch (*end)
        {
        case 'h': total += x * 3600; end++; break;
        case 'm': total += x * 60; end++; break;
        case 's': total += x; end++; break;
        case '\0':
          if (p != v)
            return FALSE; /* "1h30" is ambiguous */
          total += x * 60;
          break;
        default:
          return FALSE;
        }
      p = end;
    }
  *ms = total * 1000;
  return TRUE;
}

static const char *const fields[] = { "title", "show", "genre", "tag", "year", "season", "episode", "duration",
                                      "type", "library", "studio", "rating", NULL };
static const char *const kinds[] = { "movie", "episode", "music_video", "other_video", "song", NULL };

static gboolean
parse_field (Parser *ps, const char *field, const char *field_at)
{
  const char *op_at;
  const char *op = "=";
  g_autofree char *value = NULL;
  const char *value_at;
  gboolean numeric = g_str_equal (field, "year") || g_str_equal (field, "season") || g_str_equal (field, "episode")
                     || g_str_equal (field, "duration");

  if (!g_strv_contains (fields, field))
    {
      g_autofree char *list = g_strjoinv (", ", (char **) fields);
      return fail (ps, field_at, "unknown field “%s”; the fields are %s", field, list);
    }
  ps->p++; /* ':' */
  op_at = ps->p;
  if (g_str_has_prefix (ps->p, "<="))
    op = "<=";
  else if (g_str_has_prefix (ps->p, ">="))
    op = ">=";
  else if (*ps->p == '<')
    op = "<";
  else if (*ps->p == '>')
    op = ">";
  else if (*ps->p == '=')
    op = "=";
  if (*ps->p == '<' || *ps->p == '>' || *ps->p == '=')
    ps->p += strlen (op) == 2 ? 2 : 1;
  if (!numeric && !g_str_equal (op, "=") && op_at != ps->p)
    return fail (ps, op_at, "“%s” takes no comparison; write %s:value", field, field);

  value_at = ps->p;
  if (*ps->p == '"')
    {
      value = read_quoted (ps);
      if (value == NULL)
        return FALSE;
    }
  else
    value = read_value_word (ps);
  if (value[0] == '\0')
    return fail (ps, value_at, "expected a value after “%s:”", field);

  if (numeric)
    {
      gint64 n;
      if (g_str_equal (field, "duration"))
        {
          if (!parse_duration (value, &n))
            return fail (ps, value_at, "“%s” is not a duration; write e.g. 20m, 1h30m, 90s or 1:30:00", value);
          g_string_append_printf (ps->sql, "m.duration_ms %s ?", op);
        }
      else
        {
          char *end;
          n = g_ascii_strtoll (value, &end, 10);
          if (*end || n < 0 || n > 100000)
            return fail (ps, value_at, "“%s” is not a whole number", value);
          g_string_append_printf (ps->sql, "m.%s %s ?",
                                  g_str_equal (field, "year") ? "year"
                                  : g_str_equal (field, "season") ? "season_number" : "episode_number",
                                  op);
        }
      add_number (ps, n);
      return TRUE;
    }

  if (g_str_equal (field, "title"))
    {
      GString *like = g_string_new ("%");
      for (const char *c = value; *c; c++)
        {
          if (*c == '%' || *c == '_' || *c == '\\')
            g_string_append_c (like, '\\');
          g_string_append_c (like, *c);
        }
      g_string_append_c (like, '%');
      g_string_append (ps->sql, "m.title LIKE ? ESCAPE '\\'");
      add_text (ps, like->str);
      g_string_free (like, TRUE);
    }
  else if (g_str_equal (field, "show"))
    {
      g_string_append (ps->sql, "s.title = ? COLLATE NOCASE");
      add_text (ps, value);
    }
  else if (g_str_equal (field, "genre") || g_str_equal (field, "tag"))
    {
      const char *table = g_str_equal (field, "genre") ? "media_genres" : "media_tags";
      g_string_append_printf (ps->sql,
                              "(EXISTS (SELECT 1 FROM %s x WHERE x.media_item_id = m.id AND x.%s = ? COLLATE NOCASE)"
                              " OR EXISTS (SELECT 1 FROM %s x WHERE x.show_id = m.show_id AND x.%s = ? COLLATE NOCASE))",
                              table, field, table, field);
      add_text (ps, value);
      add_text (ps, value);
    }
  else if (g_str_equal (field, "type"))
    {
      const char *kind = value;
      if (g_ascii_strcasecmp (value, "film") == 0)
        kind = "movie";
      else if (g_ascii_strcasecmp (value, "music-video") == 0 || g_ascii_strcasecmp (value, "musicvideo") == 0)
        kind = "music_video";
      else if (g_ascii_strcasecmp (value, "other") == 0)
        kind = "other_video";
      if (!g_strv_contains (kinds, kind))
        {
          g_autofree char *list = g_strjoinv (", ", (char **) kinds);
          return fail (ps, value_at, "“%s” is not a type; types are %s", value, list);
        }
      g_string_append (ps->sql, "m.kind = ?");
      add_text (ps, kind);
    }
  else if (g_str_equal (field, "library"))
    {
      char *end;
      gint64 id = g_ascii_strtoll (value, &end, 10);
      if (*end == '\0' && id > 0)
        {
          g_string_append (ps->sql, "m.library_id = ?");
          add_number (ps, id);
        }
      else
        {
          g_string_append (ps->sql, "m.library_id IN (SELECT id FROM libraries WHERE name = ? COLLATE NOCASE)");
          add_text (ps, value);
        }
    }
  else
    {
      g_string_append_printf (ps->sql, "m.%s = ? COLLATE NOCASE",
                              g_str_equal (field, "rating") ? "content_rating" : "studio");
      add_text (ps, value);
    }
  return TRUE;
}

/* A bare word or a quoted phrase: title search. "word" matches words starting with it. */
static void
add_search (Parser *ps, const char *text, gboolean phrase)
{
  GString *fts = g_string_new ("\"");

  for (const char *c = text; *c; c++)
    {
      if (*c == '"')
        g_string_append_c (fts, '"');
      g_string_append_c (fts, *c);
    }
  g_string_append (fts, phrase ? "\"" : "\"*");
  g_string_append (ps->sql, "m.id IN (SELECT rowid FROM media_items_fts WHERE media_items_fts MATCH ?)");
  add_text (ps, fts->str);
  g_string_free (fts, TRUE);
}

static gboolean parse_or (Parser *ps);

static gboolean
parse_primary (Parser *ps)
{
  skip_space (ps);
  if (++ps->terms > MAX_TERMS)
    return fail (ps, ps->p, "too many terms (at most %d)", MAX_TERMS);
  if (*ps->p == '(')
    {
      const char *open = ps->p;
      if (++ps->depth > MAX_DEPTH)
        return fail (ps, ps->p, "parentheses nested deeper than %d", MAX_DEPTH);
      ps->p++;
      g_string_append_c (ps->sql, '(');
      if (!parse_or (ps))
        return FALSE;
      skip_space (ps);
      if (*ps->p != ')')
        return fail (ps, *ps->p ? ps->p : open, *ps->p ? "expected “)”" : "the “(” here is never closed");
      ps->p++;
      ps->depth--;
      g_string_append_c (ps->sql, ')');
      return TRUE;
    }
  if (*ps->p == '"')
    {
      g_autofree char *phrase = read_quoted (ps);
      if (phrase == NULL)
        return FALSE;
      if (phrase[0] == '\0')
        return fail (ps, ps->p - 2, "an empty phrase matches nothing");
      add_search (ps, phrase, TRUE);
      return TRUE;
    }
  if (*ps->p == '\0')
    return fail (ps, ps->p, "the query ends where a term was expected");
  if (*ps->p == ')')
    return fail (ps, ps->p, "unexpected “)”");
  if (!is_word_char (*ps->p))
    return fail (ps, ps->p, "unexpected “%c”", *ps->p);
  {
    const char *at = ps->p;
    g_autofree char *word = read_word (ps);
    if (*ps->p == ':')
      {
        g_autofree char *field = g_ascii_strdown (word, -1);
        return parse_field (ps, field, at);
      }
    if (*ps->p && strchr ("<>=", *ps->p))
      return fail (ps, ps->p, "unexpected “%c”; write field:%cvalue", *ps->p, *ps->p);
    add_search (ps, word, FALSE);
    return TRUE;
  }
}

static gboolean
parse_unary (Parser *ps)
{
  skip_space (ps);
  if (keyword_at (ps, "NOT"))
    {
      ps->p += 3;
      g_string_append (ps->sql, "NOT (");
      if (!parse_unary (ps))
        return FALSE;
      g_string_append_c (ps->sql, ')');
      return TRUE;
    }
  return parse_primary (ps);
}

static gboolean
parse_and (Parser *ps)
{
  if (!parse_unary (ps))
    return FALSE;
  while (TRUE)
    {
      skip_space (ps);
      if (*ps->p == '\0' || *ps->p == ')' || keyword_at (ps, "OR"))
        return TRUE;
      if (keyword_at (ps, "AND"))
        {
          ps->p += 3;
          skip_space (ps);
          if (*ps->p == '\0')
            return fail (ps, ps->p, "expected a term after AND");
        }
      g_string_append (ps->sql, " AND ");
      if (!parse_unary (ps))
        return FALSE;
    }
}

static gboolean
parse_or (Parser *ps)
{
  if (!parse_and (ps))
    return FALSE;
  while (TRUE)
    {
      skip_space (ps);
      if (!keyword_at (ps, "OR"))
        return TRUE;
      ps->p += 2;
      skip_space (ps);
      if (*ps->p == '\0')
        return fail (ps, ps->p, "expected a term after OR");
      g_string_append (ps->sql, " OR ");
      if (!parse_and (ps))
        return FALSE;
    }
}

/**
 * exs_media_query_compile:
 * @text: the query; empty or blank matches everything
 * @error_position: (out) (optional): the 1-based character of a syntax error
 *
 * Returns: (transfer full) (nullable): the compiled query, or %NULL with
 *   %EXS_MEDIA_QUERY_ERROR_SYNTAX saying where and what
 */
ExsMediaQuery *
exs_media_query_compile (const char *text, int *error_position, GError **error)
{
  Parser ps = { 0 };
  ExsMediaQuery *q;

  if (!g_utf8_validate (text, -1, NULL))
    {
      g_set_error (error, EXS_MEDIA_QUERY_ERROR, EXS_MEDIA_QUERY_ERROR_SYNTAX, "at character 1: not valid UTF-8");
      if (error_position)
        *error_position = 1;
      return NULL;
    }
  ps.text = text;
  ps.p = text;
  ps.sql = g_string_new ("(");
  ps.params = g_ptr_array_new_with_free_func ((GDestroyNotify) param_free);
  skip_space (&ps);
  if (*ps.p == '\0')
    g_string_append (ps.sql, "1");
  else if (parse_or (&ps))
    {
      skip_space (&ps);
      if (*ps.p == ')')
        fail (&ps, ps.p, "unexpected “)”");
      else if (*ps.p != '\0')
        fail (&ps, ps.p, "unexpected text");
    }
  if (ps.error)
    {
      if (error_position)
        *error_position = ps.error_pos;
      g_propagate_error (error, ps.error);
      g_string_free (ps.sql, TRUE);
      g_ptr_array_unref (ps.params);
      return NULL;
    }
  g_string_append_c (ps.sql, ')');
  q = g_new0 (ExsMediaQuery, 1);
  q->sql = g_string_free (ps.sql, FALSE);
  q->params = ps.params;
  return q;
}

/* Returns: (transfer none): the WHERE fragment, over `media_items m` and `shows s` */
const char *
exs_media_query_get_sql (ExsMediaQuery *q)
{
  return q->sql;
}

guint
exs_media_query_get_n_params (ExsMediaQuery *q)
{
  return q->params->len;
}

/**
 * exs_media_query_bind:
 * @first_index: the statement parameter the query's first value goes to
 *
 * Returns: the index after the last one bound
 */
int
exs_media_query_bind (ExsMediaQuery *q, sqlite3_stmt *stmt, int first_index)
{
  int i = first_index;

  for (guint k = 0; k < q->params->len; k++, i++)
    {
      Param *p = q->params->pdata[k];
      if (p->is_text)
        sqlite3_bind_text (stmt, i, p->text, -1, SQLITE_TRANSIENT);
      else
        sqlite3_bind_int64 (stmt, i, p->number);
    }
  return i;
}
