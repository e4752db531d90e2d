/* exs-memory-playout.c: ExsMemoryPlayout, a real ExsPlayoutSource whose
 * items live in memory: per channel a sorted, gap-free list, searched by
 * binary search like the scheduler's. exs_memory_playout_fill() generates a
 * varied schedule (programmes of 15–90 min with awkward titles, episode
 * numbers, categories, hidden filler, offline stretches) so the guide writer
 * meets what real libraries contain. Used by the IPTV tests and bench/protocols. */
#include "config.h"

#include "exs-memory-playout.h"

#include <gio/gio.h>

struct _ExsMemoryPlayout
{
  GObject parent_instance;

  GMutex lock;          /* guards channels: list() runs in the guide's worker thread */
  GHashTable *channels; /* number → GPtrArray of ExsPlayoutItem, sorted */
};

static void exs_memory_playout_iface_init (ExsPlayoutSourceInterface *iface);

G_DEFINE_TYPE_WITH_CODE (ExsMemoryPlayout, exs_memory_playout, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (EXS_TYPE_PLAYOUT_SOURCE,
                                                exs_memory_playout_iface_init))

static void
exs_memory_playout_finalize (GObject *object)
{
  ExsMemoryPlayout *self = EXS_MEMORY_PLAYOUT (object);

  g_hash_table_unref (self->channels);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (exs_memory_playout_parent_class)->finalize (object);
}

static void
exs_memory_playout_class_init (ExsMemoryPlayoutClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = exs_memory_playout_finalize;
}

static void
exs_memory_playout_init (ExsMemoryPlayout *self)
{
  g_mutex_init (&self->lock);
  self->channels
      = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref);
}

/* First index whose item stops after @at_us. */
static guint
first_after (GPtrArray *items, gint64 at_us)
{
  guint lo = 0, hi = items->len;

  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;
      if (((ExsPlayoutItem *)items->pdata[mid])->stop_us <= at_us)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

static ExsPlayoutItem *
memory_lookup (ExsPlayoutSource *source, const char *number, gint64 at_us, GError **error)
{
  ExsMemoryPlayout *self = EXS_MEMORY_PLAYOUT (source);
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  GPtrArray *items = g_hash_table_lookup (self->channels, number);
  guint i;

  if (items == NULL || (i = first_after (items, at_us)) >= items->len
      || ((ExsPlayoutItem *)items->pdata[i])->start_us > at_us)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "nothing scheduled on %s", number);
      return NULL;
    }
  return exs_playout_item_copy (items->pdata[i]);
}

static GPtrArray *
memory_list (ExsPlayoutSource *source, const char *number, gint64 from_us, gint64 to_us,
             GError **error)
{
  ExsMemoryPlayout *self = EXS_MEMORY_PLAYOUT (source);
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  GPtrArray *items = g_hash_table_lookup (self->channels, number);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)exs_playout_item_free);

  for (guint i = items ? first_after (items, from_us) : 0; items && i < items->len; i++)
    {
      ExsPlayoutItem *item = items->pdata[i];
      if (item->start_us >= to_us)
        break;
      g_ptr_array_add (out, exs_playout_item_copy (item));
    }
  return out;
}

static void
exs_memory_playout_iface_init (ExsPlayoutSourceInterface *iface)
{
  iface->lookup = memory_lookup;
  iface->list = memory_list;
}

ExsMemoryPlayout *
exs_memory_playout_new (void)
{
  return g_object_new (EXS_TYPE_MEMORY_PLAYOUT, NULL);
}

/* Appends a copy of @item; items must be added in time order. */
void
exs_memory_playout_add (ExsMemoryPlayout *self, const char *channel_number,
                        const ExsPlayoutItem *item)
{
  g_autoptr (GMutexLocker) locker = g_mutex_locker_new (&self->lock);
  GPtrArray *items = g_hash_table_lookup (self->channels, channel_number);

  if (items == NULL)
    {
      items = g_ptr_array_new_with_free_func ((GDestroyNotify)exs_playout_item_free);
      g_hash_table_insert (self->channels, g_strdup (channel_number), items);
    }
  g_ptr_array_add (items, exs_playout_item_copy (item));
}

static const char *const titles[] = {
  "Tom & Jerry's \"Big\" Day",
  "News <at> Six",
  "Café Olé — l'été",
  "📺 Emoji Hour 🎉",
  "Line\nbreak\tand\x01 control",
  "Ampersands && more &amp; entities",
  "'Single' quotes, commas, and; semicolons",
  "日本語のタイトル",
  "Bad UTF-8 \xff\xfe here",
  "Plain Title",
};

static const char *const categories[][3] = {
  { "News", NULL, NULL },
  { "Movie", "Drama", NULL },
  { "Kids", "Animation", NULL },
  { "Sports", NULL, NULL },
};

/**
 * exs_memory_playout_fill:
 *
 * Generates a gap-free schedule for @channel_number over [@from_us, @to_us).
 */
void
exs_memory_playout_fill (ExsMemoryPlayout *self, const char *channel_number, gint64 from_us,
                         gint64 to_us, guint seed)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);
  gint64 t = from_us - 20 * 60 * G_USEC_PER_SEC; /* the first item started before the window */
  guint n = 0;

  while (t < to_us)
    {
      g_autoptr (ExsPlayoutItem) item = exs_playout_item_new ();
      guint pick = g_rand_int_range (rand, 0, 100);
      gint64 minutes = g_rand_int_range (rand, 1, 7) * 15;

      item->start_us = t;
      item->stop_us = t + minutes * 60 * G_USEC_PER_SEC;
      if (pick < 70)
        {
          item->kind = EXS_PLAYOUT_ITEM_PROGRAMME;
          item->uri = g_strdup_printf ("file:///media/show-%u.mkv", n);
          item->title = g_strdup (titles[n % G_N_ELEMENTS (titles)]);
          if (pick % 2)
            {
              item->sub_title = g_strdup_printf ("Part \"%u\" & <more>", n);
              item->season_number = 1 + (int)(n % 5);
              item->episode_number = 1 + (int)(n % 22);
            }
          else if (pick % 3 == 0)
            item->episode_number = 1 + (int)(n % 9);
          if (pick % 5 != 0)
            item->description
                = g_strdup_printf ("Episode %u of the show.\nSecond line & \"quotes\".", n);
          item->categories = g_strdupv ((char **)categories[n % G_N_ELEMENTS (categories)]);
          if (pick % 4 == 0)
            item->artwork_url = g_strdup_printf ("/api/artwork/%u.jpg", n);
        }
      else if (pick < 90)
        {
          item->kind = EXS_PLAYOUT_ITEM_FILLER;
          item->uri = g_strdup ("file:///media/filler.mkv");
          item->title = g_strdup ("Filler");
          item->hide_in_guide = pick < 85;
          item->stop_us = t + 5 * 60 * G_USEC_PER_SEC;
        }
      else
        item->kind = EXS_PLAYOUT_ITEM_OFFLINE;
      exs_memory_playout_add (self, channel_number, item);
      t = item->stop_us;
      n++;
    }
}
