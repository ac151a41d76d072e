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
 * runs single-threaded for uncompressed input.
 *
 * --checks: what the loader's sanity checks of issue 11 cost on each
 * series' load, each timed alone next to the whole load (scan + load) in
 * the same run: the stored pixel length check (its file I/O), the header
 * limits, the geometry limits (with the geometry they are part of) and the
 * character set conversion of the text attributes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "ct-dicom-writer.h"
#include "ct-gdcm.h"
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

/* ---- --checks ------------------------------------------------------------ */

typedef gboolean (*CheckFunc) (const CtSeriesInfo *series, gsize *sink);

/* The stored-length check's own work per file (app/ct-gdcm.cpp,
 * read_native_pixels): open, seek to the pixel element, read its tag and
 * length, the size of the rest of the file, seek back, close. An upper
 * bound: the pixel read that follows opens and seeks the file anyway. */
static gboolean
check_stored_lengths (const CtSeriesInfo *series, gsize *sink)
{
  for (guint i = 0; i < series->headers->len; i++)
    {
      const CtGdcmHeader *h = g_ptr_array_index (series->headers, i);
      unsigned char head[12];
      FILE *f = fopen (h->path, "rb");
      off_t here, size;

      if (f == NULL || h->pixel_data_offset < 0)
        return FALSE;
      if (fseeko (f, (off_t) h->pixel_data_offset, SEEK_SET) != 0 || fread (head, 1, sizeof head, f) != sizeof head)
        {
          fclose (f);
          return FALSE;
        }
      here = ftello (f);
      size = fseeko (f, 0, SEEK_END) == 0 ? ftello (f) : -1;
      if (fseeko (f, here, SEEK_SET) != 0)
        size = -1;
      fclose (f);
      *sink += (gsize) (size - here) + head[8];
    }
  return TRUE;
}

/* The per-header limits (app/ct-series-loader.c, check_header): image
 * size, rescale, PixelSpacing 0.05-20 mm, positions within 1e5 mm. */
static gboolean
check_header_limits (const CtSeriesInfo *series, gsize *sink)
{
  for (guint i = 0; i < series->headers->len; i++)
    {
      const CtGdcmHeader *h = g_ptr_array_index (series->headers, i);
      gboolean ok = h->rows > 0 && h->columns > 0 && isfinite (h->rescale_slope) && h->rescale_slope != 0.0 &&
                    isfinite (h->rescale_intercept);

      for (int a = 0; a < 2 && h->has_pixel_spacing; a++)
        ok = ok && h->pixel_spacing[a] >= 0.05 && h->pixel_spacing[a] <= 20;
      for (int a = 0; a < 3 && h->has_position; a++)
        ok = ok && fabs (h->position[a]) < 1e5;
      *sink += ok;
    }
  return TRUE;
}

/* ct_series_compute_geometry (): slice order, gaps, tilt and the geometry
 * limits (planes, gaps 0.05-50 mm, the slab within 3000 mm). An upper
 * bound: the limits are a few comparisons in the geometry the load builds
 * anyway. */
static gboolean
check_geometry (const CtSeriesInfo *series, gsize *sink)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CtSeriesGeometry) g = ct_series_compute_geometry (series, &error);

  if (g == NULL)
    return FALSE;
  *sink += g->n_slices;
  return TRUE;
}

/* The text attributes made UTF-8 (app/ct-gdcm.cpp, dup_utf8) as for the
 * default repertoire or ISO_IR 192: validated. */
static gboolean
check_charset_ascii (const CtSeriesInfo *series, gsize *sink)
{
  for (guint i = 0; i < series->headers->len; i++)
    {
      const CtGdcmHeader *h = g_ptr_array_index (series->headers, i);
      const char *texts[] = { h->patient_id, h->patient_name, h->series_description, h->accession_number };

      for (guint t = 0; t < G_N_ELEMENTS (texts); t++)
        if (texts[t] != NULL)
          {
            g_autofree char *valid = g_utf8_make_valid (texts[t], -1);
            *sink += strlen (valid);
          }
    }
  return TRUE;
}

/* The same as for ISO_IR 100 (Latin-1): converted through iconv, then
 * validated. */
static gboolean
check_charset_latin1 (const CtSeriesInfo *series, gsize *sink)
{
  for (guint i = 0; i < series->headers->len; i++)
    {
      const CtGdcmHeader *h = g_ptr_array_index (series->headers, i);
      const char *texts[] = { h->patient_id, h->patient_name, h->series_description, h->accession_number };

      for (guint t = 0; t < G_N_ELEMENTS (texts); t++)
        if (texts[t] != NULL)
          {
            g_autofree char *converted = g_convert_with_fallback (texts[t], -1, "UTF-8", "ISO-8859-1", "\xef\xbf\xbd",
                                                                  NULL, NULL, NULL);
            g_autofree char *valid = converted != NULL ? g_utf8_make_valid (converted, -1) : NULL;
            *sink += valid != NULL ? strlen (valid) : 0;
          }
    }
  return TRUE;
}

/* Median ms of @repeat calls of @check on @series. */
static double
time_check (CheckFunc check, const CtSeriesInfo *series, int repeat, gsize *sink)
{
  g_autofree double *times = g_new (double, repeat);

  for (int r = 0; r < repeat; r++)
    {
      gint64 start = g_get_monotonic_time ();

      if (!check (series, sink))
        return NAN;
      times[r] = (g_get_monotonic_time () - start) / 1000.0;
    }
  qsort (times, repeat, sizeof *times, compare_doubles);
  return times[repeat / 2];
}

static void
time_checks (const char *dir, int repeat, int n_threads)
{
  static const struct
  {
    const char *name;
    CheckFunc func;
  } checks[] = {
    { "stored pixel length (file I/O)", check_stored_lengths },
    { "header limits", check_header_limits },
    { "geometry + its limits", check_geometry },
    { "charset: ASCII/UTF-8 text", check_charset_ascii },
    { "charset: Latin-1 text", check_charset_latin1 },
  };
  const char *paths[] = { dir, NULL };
  g_autoptr (GError) error = NULL;
  g_autoptr (CtStudyScan) scan = ct_study_scan_paths (paths, n_threads, NULL, NULL, NULL, &error);
  g_autofree char *what = NULL;
  const CtSeriesInfo *series;
  double best, load, total = 0;
  gsize sink = 0;
  /* The checks take microseconds: many more runs than the load. */
  int check_repeat = MAX (repeat * 20, 101);

  if (scan == NULL || scan->series->len != 1)
    {
      fprintf (stderr, "%s: %s\n", dir, scan == NULL ? error->message : "not exactly one series");
      return;
    }
  series = g_ptr_array_index (scan->series, 0);
  if (!time_ours (dir, repeat, n_threads, &best, &load, &what))
    return;
  printf ("\nsanity checks of %s (%s, %u files), each alone, median of %d runs, against the load's median %.1f ms:\n",
          dir, what, series->headers->len, check_repeat, load);
  printf ("%-32s %10s %10s %12s\n", "check", "ms", "% of load", "us per file");
  for (guint c = 0; c < G_N_ELEMENTS (checks); c++)
    {
      double ms = time_check (checks[c].func, series, check_repeat, &sink);

      if (isnan (ms))
        {
          printf ("%-32s %10s (cannot run on this series)\n", checks[c].name, "-");
          continue;
        }
      /* The load does one of the two charset paths, not both. */
      if (checks[c].func != check_charset_latin1)
        total += ms;
      printf ("%-32s %10.3f %9.3f%% %12.2f\n", checks[c].name, ms, 100 * ms / load, 1000 * ms / series->headers->len);
    }
  printf ("%-32s %10.3f %9.3f%%   (ASCII charset path; geometry counted whole)\n", "sum", total, 100 * total / load);
  if (sink == 0)
    printf ("(nothing computed)\n");
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
  gboolean checks = FALSE;
  g_autofree char *keep = NULL;
  g_auto (GStrv) folders = NULL;
  const GOptionEntry entries[] = {
    { "repeat", 'r', 0, G_OPTION_ARG_INT, &repeat, "Runs per series (best and median shown)", "N" },
    { "threads", 't', 0, G_OPTION_ARG_INT, &n_threads, "Loader threads (0 = all cores)", "N" },
    { "keep", 0, 0, G_OPTION_ARG_FILENAME, &keep, "Write the synthetic series here and keep it", "DIR" },
    { "checks", 0, 0, G_OPTION_ARG_NONE, &checks,
      "Also time the loader's sanity checks alone against the load (issue 11)", NULL },
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
  if (checks)
    for (guint i = 0; i < dirs->len; i++)
      time_checks (g_ptr_array_index (dirs, i), repeat, n_threads);

  if (synthetic != NULL && keep == NULL)
    remove_tree (synthetic);
  return 0;
}
