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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/arrival-watch/quiet", test_quiet);
  return g_test_run ();
}
