/* SPDX-License-Identifier: MIT */
/* bench-load: how long loading a CT series takes (discovery + header
 * reading + pixel decoding + HU conversion), per series, next to dcm2niix
 * converting the same folder (Debian package dcm2niix; skipped with a note
 * when it is not installed).
 *
 *   bench-load [--repeat N] [--threads N] [--keep DIR] [SERIES_DIR...]
 *
 * Without folders: a synthetic 300-slice 512x512 uncompressed series
 * (written with ct_dicom_write_series, no phantom needed) and
 * ct-series-20 from the shared data (20 slices, JPEG 2000 lossless).
 * Prints the best and median of N runs. dcm2niix also writes a NIfTI file
 * (uncompressed, to a temporary folder), so it does slightly more work; it
 * runs single-threaded for uncompressed input. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "ct-dicom-writer.h"
#include "ct-series-loader.h"
#include "ct-study-scan.h"

static int
compare_doubles (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static void
remove_tree (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        remove_tree (path);
      else
        g_remove (path);
    }
  g_rmdir (dir);
}

/* Best and median wall time (ms) of @repeat loads of @dir; FALSE on error. */
static gboolean
time_ours (const char *dir, int repeat, int n_threads, double *best, double *median, char **what)
{
  g_autofree double *times = g_new (double, repeat);

  for (int r = 0; r < repeat; r++)
    {
      const char *paths[] = { dir, NULL };
      g_autoptr (GError) error = NULL;
      gint64 start = g_get_monotonic_time ();
      g_autoptr (CtStudyScan) scan = ct_study_scan_paths (paths, n_threads, NULL, NULL, NULL, &error);
      g_autoptr (CtVolume) v = NULL;

      if (scan == NULL || scan->series->len != 1)
        {
          fprintf (stderr, "%s: %s\n", dir, scan == NULL ? error->message : "not exactly one series");
          return FALSE;
        }
      v = ct_series_load (g_ptr_array_index (scan->series, 0), n_threads, NULL, NULL, NULL, &error);
      if (v == NULL)
        {
          fprintf (stderr, "%s: %s\n", dir, error->message);
          return FALSE;
        }
      times[r] = (g_get_monotonic_time () - start) / 1000.0;
      if (r == 0)
        *what = g_strdup_printf ("%dx%dx%d", v->nx, v->ny, v->nz);
    }
  qsort (times, repeat, sizeof *times, compare_doubles);
  *best = times[0];
  *median = times[repeat / 2];
  return TRUE;
}

static gboolean
time_dcm2niix (const char *dcm2niix, const char *dir, int repeat, double *best, double *median)
{
  g_autofree double *times = g_new (double, repeat);
  g_autoptr (GError) error = NULL;
  g_autofree char *out_dir = g_dir_make_tmp ("bench-load-dcm2niix-XXXXXX", &error);

  if (out_dir == NULL)
    return FALSE;
  for (int r = 0; r < repeat; r++)
    {
      const char *argv[] = { dcm2niix, "-z", "n", "-b", "n", "-f", "bench", "-o", out_dir, dir, NULL };
      int status = 0;
      gint64 start = g_get_monotonic_time ();

      if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                         NULL, NULL, NULL, &status, &error) ||
          !g_spawn_check_wait_status (status, NULL))
        {
          fprintf (stderr, "dcm2niix failed on %s\n", dir);
          remove_tree (out_dir);
          return FALSE;
        }
      times[r] = (g_get_monotonic_time () - start) / 1000.0;
    }
  remove_tree (out_dir);
  qsort (times, repeat, sizeof *times, compare_doubles);
  *best = times[0];
  *median = times[repeat / 2];
  return TRUE;
}

/* A 512x512x300 chest-like volume: smooth, so that it is not just noise,
 * with air, soft tissue and bone values. */
static char *
write_synthetic_series (const char *keep)
{
  g_autoptr (CtVolume) v = ct_volume_new (512, 512, 300);
  g_autoptr (GError) error = NULL;
  char *dir = keep != NULL ? g_strdup (keep) : g_dir_make_tmp ("bench-load-XXXXXX", &error);
  CtDicomWriteOptions options;

  if (dir == NULL)
    return NULL;
  ct_volume_set_identity_geometry (v, 0.7, 0.7, 1.0);
  v->origin[0] = -179;
  v->origin[1] = -179;
  v->origin[2] = -350;
  for (int k = 0; k < v->nz; k++)
    for (int j = 0; j < v->ny; j++)
      for (int i = 0; i < v->nx; i++)
        {
          double x = (i - 256) / 230.0, y = (j - 256) / 170.0;
          float hu = -1000;
          if (x * x + y * y < 1)
            hu = (float) (40 + 30 * sin (i * 0.05 + k * 0.1) * cos (j * 0.07));
          if ((fabs (x) - 0.45) * (fabs (x) - 0.45) / 0.1 + y * y / 0.6 < 1)
            hu = (float) (-850 + 50 * sin (i * 0.2) * sin (j * 0.3 + k * 0.05));
          v->hu[((gsize) k * v->ny + j) * v->nx + i] = hu;
        }
  ct_dicom_write_options_init (&options);
  options.shuffle_file_names = TRUE;
  options.seed = 300;
  if (!ct_dicom_write_series (v, dir, &options, &error))
    {
      fprintf (stderr, "writing the synthetic series failed: %s\n", error->message);
      g_free (dir);
      return NULL;
    }
  return dir;
}

int
main (int argc, char **argv)
{
  int repeat = 5, n_threads = 0;
  g_autofree char *keep = NULL;
  g_auto (GStrv) folders = NULL;
  const GOptionEntry entries[] = {
    { "repeat", 'r', 0, G_OPTION_ARG_INT, &repeat, "Runs per series (best and median shown)", "N" },
    { "threads", 't', 0, G_OPTION_ARG_INT, &n_threads, "Loader threads (0 = all cores)", "N" },
    { "keep", 0, 0, G_OPTION_ARG_FILENAME, &keep, "Write the synthetic series here and keep it", "DIR" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &folders, NULL, NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("[SERIES_DIR...] - time series loading");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) dirs = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *synthetic = NULL;
  g_autofree char *dcm2niix = g_find_program_in_path ("dcm2niix");

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error) || repeat < 1)
    {
      fprintf (stderr, "%s\n", error ? error->message : "--repeat must be at least 1");
      return 2;
    }

  if (folders != NULL)
    for (guint i = 0; folders[i] != NULL; i++)
      g_ptr_array_add (dirs, g_strdup (folders[i]));
  else
    {
      const char *data = g_getenv ("CT_TRIAGE_TEST_DATA");
      g_autofree char *series20 = g_build_filename (data ? data : CT_TRIAGE_TEST_DATA, "ct-series-20", "dicom", NULL);

      printf ("writing a synthetic 512x512x300 uncompressed series...\n");
      synthetic = write_synthetic_series (keep);
      if (synthetic == NULL)
        return 1;
      g_ptr_array_add (dirs, g_strdup (synthetic));
      if (g_file_test (series20, G_FILE_TEST_IS_DIR))
        g_ptr_array_add (dirs, g_steal_pointer (&series20));
      else
        printf ("(ct-series-20 not found: set CT_TRIAGE_TEST_DATA)\n");
    }

  printf ("%u processors, loader threads %s, %d runs each (best / median, ms, warm page cache)\n",
          g_get_num_processors (), n_threads == 0 ? "all" : "given", repeat);
  if (dcm2niix == NULL)
    printf (
        "dcm2niix not installed (apt install dcm2niix, or build-aux/install-deps --tools): its column is skipped\n");
  printf ("%-14s %-20s %-20s %-8s %s\n", "size", "ct-triage load", "dcm2niix", "ratio", "series");
  for (guint i = 0; i < dirs->len; i++)
    {
      const char *dir = g_ptr_array_index (dirs, i);
      g_autofree char *what = NULL;
      g_autofree char *ours = NULL, *theirs = NULL, *ratio = NULL;
      double best, median, d_best, d_median;

      if (!time_ours (dir, repeat, n_threads, &best, &median, &what))
        continue;
      ours = g_strdup_printf ("%.1f / %.1f", best, median);
      if (dcm2niix != NULL && time_dcm2niix (dcm2niix, dir, repeat, &d_best, &d_median))
        {
          theirs = g_strdup_printf ("%.1f / %.1f", d_best, d_median);
          /* > 1: ct-triage is faster by this factor (medians). */
          ratio = g_strdup_printf ("%.2fx", d_median / median);
        }
      printf ("%-14s %-20s %-20s %-8s %s\n", what, ours, theirs ? theirs : "-", ratio ? ratio : "-", dir);
    }
  printf ("ratio = dcm2niix median / ct-triage median (> 1: ct-triage faster); dcm2niix also writes NIfTI.\n");

  if (synthetic != NULL && keep == NULL)
    remove_tree (synthetic);
  return 0;
}
