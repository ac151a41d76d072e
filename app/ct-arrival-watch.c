/* SPDX-License-Identifier: MIT */
/* ct-arrival-watch.c: see ct-arrival-watch.h. */
#include "ct-arrival-watch.h"

#include <string.h>

#include <glib/gstdio.h>

/* Deeper trees than this are not followed (a loop through links, a root
 * named at /). */
#define MAX_DEPTH 8

typedef struct
{
  guint n_files;
  guint64 total_size;
  gint64 newest_mtime_us;
} FolderState;

typedef struct
{
  FolderState state;
  gint64 seen_us;   /* when this state was first seen */
  gboolean handed;  /* this state was handed out */
  gboolean present; /* seen in the current poll */
} Folder;

struct _CtArrivalWatch
{
  gint64 quiet_us;
  GPtrArray *roots;    /* char* */
  GHashTable *folders; /* path -> Folder* */
};

CtArrivalWatch *
ct_arrival_watch_new (double quiet_seconds)
{
  CtArrivalWatch *self = g_new0 (CtArrivalWatch, 1);

  self->quiet_us = (gint64) (MAX (quiet_seconds, 0.0) * G_USEC_PER_SEC);
  self->roots = g_ptr_array_new_with_free_func (g_free);
  self->folders = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return self;
}

void
ct_arrival_watch_free (CtArrivalWatch *self)
{
  if (self == NULL)
    return;
  g_ptr_array_unref (self->roots);
  g_hash_table_unref (self->folders);
  g_free (self);
}

void
ct_arrival_watch_add_root (CtArrivalWatch *self, const char *dir)
{
  g_ptr_array_add (self->roots, g_strdup (dir));
}

static gboolean
ignored_name (const char *name)
{
  return name[0] == '.' || g_str_has_suffix (name, ".part");
}

/* Stats the files of @dir into @state and recurses into its folders. */
static void
scan_folder (CtArrivalWatch *self, const char *dir, int depth, gint64 now_us)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  FolderState state = { 0 };
  const char *name;
  Folder *f;

  if (d == NULL || depth > MAX_DEPTH)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = NULL;
      GStatBuf st;

      if (ignored_name (name))
        continue;
      path = g_build_filename (dir, name, NULL);
      if (g_stat (path, &st) != 0)
        continue;
      if (S_ISDIR (st.st_mode))
        scan_folder (self, path, depth + 1, now_us);
      else if (S_ISREG (st.st_mode))
        {
          gint64 mtime_us = (gint64) st.st_mtim.tv_sec * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000;
          state.n_files++;
          state.total_size += (guint64) st.st_size;
          state.newest_mtime_us = MAX (state.newest_mtime_us, mtime_us);
        }
    }
  if (state.n_files == 0)
    return;
  f = g_hash_table_lookup (self->folders, dir);
  if (f == NULL)
    {
      f = g_new0 (Folder, 1);
      f->state = state;
      f->seen_us = now_us;
      g_hash_table_insert (self->folders, g_strdup (dir), f);
    }
  else if (f->state.n_files != state.n_files || f->state.total_size != state.total_size ||
           f->state.newest_mtime_us != state.newest_mtime_us)
    {
      f->state = state;
      f->seen_us = now_us;
      f->handed = FALSE;
    }
  f->present = TRUE;
}

static int
compare_paths (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

GPtrArray *
ct_arrival_watch_poll (CtArrivalWatch *self, gint64 now_us)
{
  GPtrArray *ready = g_ptr_array_new_with_free_func (g_free);
  GHashTableIter iter;
  gpointer key, value;

  g_hash_table_iter_init (&iter, self->folders);
  while (g_hash_table_iter_next (&iter, &key, &value))
    ((Folder *) value)->present = FALSE;
  for (guint i = 0; i < self->roots->len; i++)
    scan_folder (self, g_ptr_array_index (self->roots, i), 0, now_us);

  g_hash_table_iter_init (&iter, self->folders);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      Folder *f = value;

      if (!f->present)
        {
          /* Emptied or removed: forgotten, so that it counts as new again. */
          g_hash_table_iter_remove (&iter);
          continue;
        }
      if (!f->handed && now_us - f->seen_us >= self->quiet_us && now_us - f->state.newest_mtime_us >= self->quiet_us)
        {
          f->handed = TRUE;
          g_ptr_array_add (ready, g_strdup (key));
        }
    }
  g_ptr_array_sort (ready, compare_paths);
  return ready;
}
