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

/* A folder that holds files without having been handed out is stat'ed
 * file by file on every poll (its files may still grow). Any other folder
 * (handed out and unchanged, or holding only folders) is stat'ed alone
 * while its own modification time stays what it was: an entry created,
 * renamed in or removed changes it. Not trusted when that time was within
 * RACY_US of the scan that read it (a later change in the same clock tick
 * could keep it), and not for longer than FULL_SCAN_US (a file rewritten in
 * place does not change its folder). */
#define RACY_US (1 * G_USEC_PER_SEC)
#define FULL_SCAN_US (60 * G_USEC_PER_SEC)

typedef struct
{
  FolderState state;
  gint64 seen_us;   /* when this state was first seen */
  gboolean handed;  /* this state was handed out */
  gboolean present; /* seen in the current poll */
  /* The last full read of the folder. */
  gint64 dir_mtime_us; /* the folder's own modification time then */
  gint64 read_us;      /* when (the caller's clock) */
  gint64 read_real_us; /* when (g_get_real_time (), against dir_mtime_us) */
  GPtrArray *subdirs;  /* char*: names of its folders */
} Folder;

struct _CtArrivalWatch
{
  gint64 quiet_us;
  GPtrArray *roots;    /* char* */
  GHashTable *folders; /* path -> Folder* */
  guint64 n_stats;     /* stat () calls, for tests and benchmarks */
};

static void
folder_free (gpointer data)
{
  Folder *f = data;

  g_clear_pointer (&f->subdirs, g_ptr_array_unref);
  g_free (f);
}

CtArrivalWatch *
ct_arrival_watch_new (double quiet_seconds)
{
  CtArrivalWatch *self = g_new0 (CtArrivalWatch, 1);

  self->quiet_us = (gint64) (MAX (quiet_seconds, 0.0) * G_USEC_PER_SEC);
  self->roots = g_ptr_array_new_with_free_func (g_free);
  self->folders = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, folder_free);
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

guint64
ct_arrival_watch_get_stat_count (CtArrivalWatch *self)
{
  return self->n_stats;
}

static gboolean
ignored_name (const char *name)
{
  return name[0] == '.' || g_str_has_suffix (name, ".part");
}

static gint64
mtime_us (const GStatBuf *st)
{
  return (gint64) st->st_mtim.tv_sec * G_USEC_PER_SEC + st->st_mtim.tv_nsec / 1000;
}

static gboolean
stat_path (CtArrivalWatch *self, const char *path, GStatBuf *st)
{
  self->n_stats++;
  return g_stat (path, st) == 0;
}

static void scan_folder (CtArrivalWatch *self, const char *dir, const GStatBuf *dir_st, int depth, gint64 now_us);

/* Whether @f's last full read still describes the folder @dir_st. */
static gboolean
still_valid (const Folder *f, const GStatBuf *dir_st, gint64 now_us)
{
  return f != NULL && f->subdirs != NULL && (f->state.n_files == 0 || f->handed) &&
         mtime_us (dir_st) == f->dir_mtime_us && f->read_real_us - f->dir_mtime_us > RACY_US &&
         now_us - f->read_us < FULL_SCAN_US && now_us >= f->read_us;
}

/* Reads @dir: stats its files into its state and recurses into its
 * folders. */
static void
read_folder (CtArrivalWatch *self, const char *dir, const GStatBuf *dir_st, int depth, gint64 now_us)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr (GPtrArray) subdirs = g_ptr_array_new_with_free_func (g_free);
  FolderState state = { 0 };
  const char *name;
  Folder *f;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = NULL;
      GStatBuf st;

      if (ignored_name (name))
        continue;
      path = g_build_filename (dir, name, NULL);
      if (!stat_path (self, path, &st))
        continue;
      if (S_ISDIR (st.st_mode))
        {
          g_ptr_array_add (subdirs, g_strdup (name));
          scan_folder (self, path, &st, depth + 1, now_us);
        }
      else if (S_ISREG (st.st_mode))
        {
          state.n_files++;
          state.total_size += (guint64) st.st_size;
          state.newest_mtime_us = MAX (state.newest_mtime_us, mtime_us (&st));
        }
    }
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
  f->dir_mtime_us = mtime_us (dir_st);
  f->read_us = now_us;
  f->read_real_us = g_get_real_time ();
  g_clear_pointer (&f->subdirs, g_ptr_array_unref);
  f->subdirs = g_steal_pointer (&subdirs);
}

/* @dir, whose own stat is @dir_st: read again, or (still_valid ()) only its
 * folders visited. */
static void
scan_folder (CtArrivalWatch *self, const char *dir, const GStatBuf *dir_st, int depth, gint64 now_us)
{
  Folder *f;

  if (depth > MAX_DEPTH)
    return;
  f = g_hash_table_lookup (self->folders, dir);
  if (!still_valid (f, dir_st, now_us))
    {
      read_folder (self, dir, dir_st, depth, now_us);
      return;
    }
  f->present = TRUE;
  for (guint i = 0; i < f->subdirs->len; i++)
    {
      g_autofree char *path = g_build_filename (dir, g_ptr_array_index (f->subdirs, i), NULL);
      GStatBuf st;

      if (stat_path (self, path, &st) && S_ISDIR (st.st_mode))
        scan_folder (self, path, &st, depth + 1, now_us);
    }
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
    {
      const char *root = g_ptr_array_index (self->roots, i);
      GStatBuf st;

      if (stat_path (self, root, &st) && S_ISDIR (st.st_mode))
        scan_folder (self, root, &st, 0, now_us);
    }

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
      if (f->state.n_files > 0 && !f->handed && now_us - f->seen_us >= self->quiet_us &&
          now_us - f->state.newest_mtime_us >= self->quiet_us)
        {
          f->handed = TRUE;
          g_ptr_array_add (ready, g_strdup (key));
        }
    }
  g_ptr_array_sort (ready, compare_paths);
  return ready;
}
