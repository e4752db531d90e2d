/* exs-remote-item.c: the plain records a media-server client fills and the
 * sync (exs-media-server-sync.c) stores. */
#include "config.h"

#include "exs-remote-item.h"

ExsRemoteLibrary *
exs_remote_library_new (const char *id, const char *title, const char *kind)
{
  ExsRemoteLibrary *l = g_new0 (ExsRemoteLibrary, 1);

  l->id = g_strdup (id);
  l->title = g_strdup (title);
  l->kind = g_strdup (kind);
  return l;
}

void
exs_remote_library_free (ExsRemoteLibrary *l)
{
  if (l == NULL)
    return;
  g_free (l->id);
  g_free (l->title);
  g_free (l->kind);
  g_free (l);
}

ExsRemoteShow *
exs_remote_show_new (void)
{
  ExsRemoteShow *s = g_new0 (ExsRemoteShow, 1);

  s->genres = g_ptr_array_new_with_free_func (g_free);
  return s;
}

void
exs_remote_show_free (ExsRemoteShow *s)
{
  if (s == NULL)
    return;
  g_free (s->id);
  g_free (s->title);
  g_free (s->sort_title);
  g_free (s->plot);
  g_free (s->content_rating);
  g_free (s->studio);
  g_free (s->path);
  g_free (s->poster);
  g_free (s->fanart);
  g_ptr_array_unref (s->genres);
  g_free (s);
}

ExsRemoteItem *
exs_remote_item_new (void)
{
  ExsRemoteItem *i = g_new0 (ExsRemoteItem, 1);

  i->season = i->episode = -1;
  i->genres = g_ptr_array_new_with_free_func (g_free);
  i->facts = exs_media_facts_new ();
  return i;
}

void
exs_remote_item_free (ExsRemoteItem *i)
{
  if (i == NULL)
    return;
  g_free (i->id);
  g_free (i->title);
  g_free (i->sort_title);
  g_free (i->plot);
  g_free (i->content_rating);
  g_free (i->studio);
  g_free (i->show_id);
  g_free (i->server_path);
  g_free (i->stream_path);
  g_free (i->poster);
  g_free (i->thumb);
  g_free (i->fanart);
  g_ptr_array_unref (i->genres);
  exs_media_facts_free (i->facts);
  g_free (i);
}

ExsRemoteCollection *
exs_remote_collection_new (const char *id, const char *title, gboolean playlist)
{
  ExsRemoteCollection *c = g_new0 (ExsRemoteCollection, 1);

  c->id = g_strdup (id);
  c->title = g_strdup (title);
  c->playlist = playlist;
  c->item_ids = g_ptr_array_new_with_free_func (g_free);
  return c;
}

void
exs_remote_collection_free (ExsRemoteCollection *c)
{
  if (c == NULL)
    return;
  g_free (c->id);
  g_free (c->title);
  g_ptr_array_unref (c->item_ids);
  g_free (c);
}

ExsRemoteCatalog *
exs_remote_catalog_new (void)
{
  ExsRemoteCatalog *c = g_new0 (ExsRemoteCatalog, 1);

  c->shows = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) exs_remote_show_free);
  c->items = g_ptr_array_new_with_free_func ((GDestroyNotify) exs_remote_item_free);
  c->collections = g_ptr_array_new_with_free_func ((GDestroyNotify) exs_remote_collection_free);
  return c;
}

void
exs_remote_catalog_free (ExsRemoteCatalog *c)
{
  if (c == NULL)
    return;
  g_hash_table_unref (c->shows);
  g_ptr_array_unref (c->items);
  g_ptr_array_unref (c->collections);
  g_free (c);
}
