/* SPDX-License-Identifier: MIT */
/* The quiet-time detector (app/ct-arrival-watch.h), with the clock passed
 * in: a folder is handed out once when quiet, again only after it changed,
 * never while its files are younger than the quiet time; hidden entries and
 * .part files do not count. */
#include <glib/gstdio.h>
#include <stdlib.h>
#include <utime.h>

#include "ct-arrival-watch.h"

#define QUIET_S 5.0
#define S G_USEC_PER_SEC

/* Writes @name under @dir with modification time @mtime_s (seconds). */
static void
write_file (const char *dir, const char *name, const char *text, gint64 mtime_s)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  struct utimbuf times = { (time_t) mtime_s, (time_t) mtime_s };

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  g_assert_cmpint (utime (path, &times), ==, 0);
}

static guint
poll_count (CtArrivalWatch *watch, gint64 now_s, const char *expect)
{
  g_autoptr (GPtrArray) ready = ct_arrival_watch_poll (watch, now_s * S);

  if (expect != NULL)
    {
      g_assert_cmpuint (ready->len, ==, 1);
      g_assert_cmpstr (g_ptr_array_index (ready, 0), ==, expect);
    }
  return ready->len;
}

static void
test_quiet (void)
{
  g_autofree char *root = g_dir_make_tmp ("ct-arrival-XXXXXX", NULL);
  g_autofree char *series = g_build_filename (root, "study", "series", NULL);
  g_autofree char *incoming = g_build_filename (root, ".incoming", NULL);
  g_autoptr (CtArrivalWatch) watch = ct_arrival_watch_new (QUIET_S);
  const gint64 t0 = 1700000000;

  g_assert_cmpint (g_mkdir_with_parents (series, 0755), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (incoming, 0755), ==, 0);
  ct_arrival_watch_add_root (watch, root);
  write_file (series, "1.dcm", "one", t0);
  write_file (incoming, "2.dcm", "staged", t0);
  write_file (series, "3.part", "partial", t0);

  /* First seen: not yet quiet; after the quiet time: handed out once. */
  g_assert_cmpuint (poll_count (watch, t0 + 1, NULL), ==, 0);
  g_assert_cmpuint (poll_count (watch, t0 + 6, series), ==, 1);
  g_assert_cmpuint (poll_count (watch, t0 + 20, NULL), ==, 0);

  /* A new file: quiet again only QUIET_S after it was seen and written. */
  write_file (series, "4.dcm", "four", t0 + 21);
  g_assert_cmpuint (poll_count (watch, t0 + 22, NULL), ==, 0);
  g_assert_cmpuint (poll_count (watch, t0 + 25, NULL), ==, 0);
  g_assert_cmpuint (poll_count (watch, t0 + 27, series), ==, 1);

  /* A file rewritten with the same size: its newer time counts as a change. */
  write_file (series, "4.dcm", "FOUR", t0 + 40);
  g_assert_cmpuint (poll_count (watch, t0 + 50, NULL), ==, 0);
  g_assert_cmpuint (poll_count (watch, t0 + 55, series), ==, 1);

  /* A file with an old time, copied in: seen now, so not quiet yet. */
  write_file (series, "5.dcm", "five", t0 - 1000);
  g_assert_cmpuint (poll_count (watch, t0 + 56, NULL), ==, 0);
  g_assert_cmpuint (poll_count (watch, t0 + 61, series), ==, 1);

  /* Hidden and .part entries never make a folder of their own. */
  write_file (incoming, "6.dcm", "staged", t0);
  g_assert_cmpuint (poll_count (watch, t0 + 100, NULL), ==, 0);

  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", root);
    g_assert_cmpint (system (cmd), ==, 0);
  }
}

/* Sets the modification time of @path to @mtime_s. */
static void
set_mtime (const char *path, gint64 mtime_s)
{
  struct utimbuf times = { (time_t) mtime_s, (time_t) mtime_s };

  g_assert_cmpint (utime (path, &times), ==, 0);
}

/* 200 series of 40 files, as the receiver lays them out (study/series/
 * SOP.dcm), all written an hour ago: once every series has been handed out,
 * a poll stats the folders, not the 8000 files; a file renamed into one
 * series is still seen at the next poll, and that series is handed out
 * again once quiet. Prints the stat count and time of a full and of a
 * settled poll. */
static void
test_many_series (void)
{
  g_autofree char *root = g_dir_make_tmp ("ct-arrival-XXXXXX", NULL);
  g_autoptr (CtArrivalWatch) watch = ct_arrival_watch_new (QUIET_S);
  const gint64 now_s = g_get_real_time () / S, old_s = now_s - 3600;
  const int n_series = 200, n_files = 40;
  g_autofree char *changed = NULL;
  guint64 before;
  gint64 t;

  for (int i = 0; i < n_series; i++)
    {
      g_autofree char *study = g_strdup_printf ("%s/1.2.%d", root, i / 2);
      g_autofree char *series = g_strdup_printf ("%s/1.2.%d.%d", study, i / 2, i);

      g_assert_cmpint (g_mkdir_with_parents (series, 0755), ==, 0);
      for (int j = 0; j < n_files; j++)
        {
          /* Plain stdio: g_file_set_contents () syncs, 8000 times. */
          g_autofree char *path = g_strdup_printf ("%s/1.2.%d.%d.%d.dcm", series, i / 2, i, j);
          FILE *f = fopen (path, "w");

          g_assert_nonnull (f);
          fputc ('x', f);
          g_assert_cmpint (fclose (f), ==, 0);
          set_mtime (path, old_s);
        }
      set_mtime (series, old_s);
      set_mtime (study, old_s);
      if (i == 17)
        changed = g_strdup (series);
    }
  set_mtime (root, old_s);
  ct_arrival_watch_add_root (watch, root);

  /* First seen: every file stat'ed; quiet after QUIET_S: all handed out. */
  g_assert_cmpuint (poll_count (watch, now_s, NULL), ==, 0);
  before = ct_arrival_watch_get_stat_count (watch);
  g_assert_cmpuint (before, >=, (guint64) n_series * n_files);
  t = g_get_monotonic_time ();
  g_assert_cmpuint (poll_count (watch, now_s + 6, NULL), ==, (guint) n_series);
  g_test_message ("full poll: %" G_GUINT64_FORMAT " stats, %.2f ms", ct_arrival_watch_get_stat_count (watch) - before,
                  (g_get_monotonic_time () - t) / 1000.0);

  /* Settled: one stat per folder (root, 100 studies, 200 series). */
  before = ct_arrival_watch_get_stat_count (watch);
  t = g_get_monotonic_time ();
  g_assert_cmpuint (poll_count (watch, now_s + 7, NULL), ==, 0);
  g_test_message ("settled poll: %" G_GUINT64_FORMAT " stats, %.2f ms",
                  ct_arrival_watch_get_stat_count (watch) - before, (g_get_monotonic_time () - t) / 1000.0);
  g_assert_cmpuint (ct_arrival_watch_get_stat_count (watch) - before, ==, 1 + n_series / 2 + n_series);

  /* An instance moved into series 17 (as the receiver does: rename). */
  {
    g_autofree char *staged = g_build_filename (root, ".staged.dcm", NULL);
    g_autofree char *final = g_build_filename (changed, "new.dcm", NULL);

    g_assert_true (g_file_set_contents (staged, "new", -1, NULL));
    set_mtime (staged, old_s);
    g_assert_cmpint (g_rename (staged, final), ==, 0);
  }
  g_assert_cmpuint (poll_count (watch, now_s + 8, NULL), ==, 0);
  g_assert_cmpuint (poll_count (watch, now_s + 14, changed), ==, 1);

  /* Still read in full once a minute: a file of series 42 rewritten in
   * place (its folder's time unchanged). */
  {
    g_autofree char *series = g_strdup_printf ("%s/1.2.21/1.2.21.42", root);
    g_autofree char *path = g_strdup_printf ("%s/1.2.21.42.3.dcm", series);
    FILE *f = fopen (path, "r+");

    g_assert_nonnull (f);
    fputs ("rewritten in place", f);
    fclose (f);
    set_mtime (path, old_s + 1);
    g_assert_cmpuint (poll_count (watch, now_s + 100, NULL), ==, 0);
    g_assert_cmpuint (poll_count (watch, now_s + 106, series), ==, 1);
  }

  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", root);
    g_assert_cmpint (system (cmd), ==, 0);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/arrival-watch/quiet", test_quiet);
  g_test_add_func ("/arrival-watch/many-series", test_many_series);
  return g_test_run ();
}
