/* SPDX-License-Identifier: MIT */
/* ct-triage-cli: the headless command line (ARCHITECTURE.md, "Command
 * line").
 *
 *   ct-triage-cli info PATH... [--verbose]
 *   ct-triage-cli analyze PATH... [--json | --csv] [--sort probability|severity]
 *       [--model DIR] [--threads N] [--masks-out DIR] [--report DIR] [--no-cache]
 *       [--no-analysis]
 *
 * Exit codes: 0 every study fine, 1 some study failed (the others are still
 * reported), 2 bad usage. */
#include "config.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n.h>

#include "ct-analysis.h"
#include "ct-error.h"
#include "ct-job-queue.h"
#include "ct-model.h"
#include "ct-nifti.h"
#include "ct-report.h"
#include "ct-results-cache.h"
#include "ct-series-loader.h"
#include "ct-study-report.h"
#include "ct-study-scan.h"

#define EXIT_USAGE 2

static int
usage_error (GOptionContext *context, const char *message)
{
  g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

  g_printerr ("ct-triage-cli: %s\n\n%s", message, help);
  return EXIT_USAGE;
}

/* ---- info --------------------------------------------------------------- */

static void
print_series (const CtSeriesInfo *s)
{
  g_print ("%s\n", s->path);
  g_print ("  %s  %s\n", s->kind == CT_SERIES_KIND_NIFTI ? "NIfTI" : s->modality ? s->modality : "CT",
           s->series_description ? s->series_description : "");
  if (s->kind == CT_SERIES_KIND_DICOM)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (CtSeriesGeometry) g = ct_series_compute_geometry (s, &error);

      g_print ("  patient %s, study date %s\n", s->patient_id ? s->patient_id : "-",
               s->study_date ? s->study_date : "-");
      g_print ("  study  %s\n  series %s\n", s->study_uid ? s->study_uid : "-", s->series_uid ? s->series_uid : "-");
      g_print ("  %u files, %d images, %s\n", s->headers->len, s->n_images,
               ((const CtGdcmHeader *) g_ptr_array_index (s->headers, 0))->transfer_syntax_name);
      if (g == NULL)
        {
          g_print ("  error: %s\n", error->message);
          return;
        }
      g_print ("  %d x %d x %u voxels, spacing %.6g x %.6g x %.6g mm\n", g->columns, g->rows, g->n_slices,
               g->spacing[0], g->spacing[1], g->spacing[2]);
      g_print ("  origin (LPS mm) %.6g %.6g %.6g\n", g->origin[0], g->origin[1], g->origin[2]);
      g_print ("  directions (LPS) i %.4f %.4f %.4f, j %.4f %.4f %.4f, k %.4f %.4f %.4f\n",
               g->direction[0], g->direction[1], g->direction[2], g->direction[3], g->direction[4],
               g->direction[5], g->direction[6], g->direction[7], g->direction[8]);
      for (guint w = 0; w < g->warnings->len; w++)
        g_print ("  note: %s\n", (const char *) g_ptr_array_index (g->warnings, w));
    }
  else
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (CtVolume) v = ct_nifti_load (s->path, &error);

      if (v == NULL)
        {
          g_print ("  error: %s\n", error->message);
          return;
        }
      g_print ("  %d x %d x %d voxels, spacing %.6g x %.6g x %.6g mm\n", v->nx, v->ny, v->nz,
               v->spacing[0], v->spacing[1], v->spacing[2]);
      g_print ("  origin (LPS mm) %.6g %.6g %.6g\n", v->origin[0], v->origin[1], v->origin[2]);
      g_print ("  directions (LPS) i %.4f %.4f %.4f, j %.4f %.4f %.4f, k %.4f %.4f %.4f\n",
               v->direction[0], v->direction[1], v->direction[2], v->direction[3], v->direction[4],
               v->direction[5], v->direction[6], v->direction[7], v->direction[8]);
      for (guint w = 0; w < v->warnings->len; w++)
        g_print ("  note: %s\n", (const char *) g_ptr_array_index (v->warnings, w));
    }
}

static int
run_info (int argc, char **argv)
{
  gboolean verbose = FALSE;
  int n_threads = 0;
  g_auto (GStrv) paths = NULL;
  const GOptionEntry entries[] = {
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "List every skipped file with its reason", NULL },
    { "threads", 0, 0, G_OPTION_ARG_INT, &n_threads, "Header reading threads (0 = all cores)", "N" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &paths, NULL, NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("PATH... - list the CT studies found");
  g_autoptr (GError) error = NULL;
  int status = 0;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (context, error->message);
  if (paths == NULL || paths[0] == NULL)
    return usage_error (context, "no PATH given");
  if (n_threads < 0)
    return usage_error (context, "--threads must be 0 or more");

  for (guint p = 0; paths[p] != NULL; p++)
    {
      const char *one[] = { paths[p], NULL };
      g_autoptr (CtStudyScan) scan = ct_study_scan_paths (one, n_threads, NULL, NULL, NULL, &error);
      g_autoptr (GHashTable) reasons = g_hash_table_new (g_str_hash, g_str_equal);

      if (scan == NULL)
        {
          g_printerr ("%s: %s\n", paths[p], error->message);
          g_clear_error (&error);
          status = 1;
          continue;
        }
      g_print ("== %s: %u CT series, %u of %u files skipped\n", paths[p], scan->series->len,
               scan->skipped->len, scan->n_files);
      for (guint i = 0; i < scan->series->len; i++)
        print_series (g_ptr_array_index (scan->series, i));
      if (scan->series->len == 0)
        status = 1;

      if (scan->skipped->len > 0)
        g_print ("skipped:\n");
      for (guint i = 0; i < scan->skipped->len; i++)
        {
          const CtSkippedFile *s = g_ptr_array_index (scan->skipped, i);
          if (verbose)
            g_print ("  %s: %s\n", s->path, s->reason);
          else
            g_hash_table_insert (reasons, s->reason,
                                 GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (reasons, s->reason)) + 1));
        }
      if (!verbose && scan->skipped->len > 0)
        {
          GHashTableIter iter;
          gpointer key, value;
          g_hash_table_iter_init (&iter, reasons);
          while (g_hash_table_iter_next (&iter, &key, &value))
            g_print ("  %u x %s\n", GPOINTER_TO_UINT (value), (const char *) key);
          g_print ("  (--verbose lists each file)\n");
        }
    }
  return status;
}

/* ---- analyze ------------------------------------------------------------ */

/* --verbose: the loader's progress on standard error, in whole percent. */
static void
print_load_progress (double fraction, gpointer data)
{
  int *last_percent = data;
  int percent = (int) (fraction * 100);

  if (percent == *last_percent)
    return;
  *last_percent = percent;
  g_printerr ("\r  %3d %%%s", percent, percent == 100 ? "\n" : "");
}

typedef struct
{
  CtModel *lungs;
  CtModel *multitask;
  int n_threads;
} Analyzer;

/* Loads both networks from @dir. */
static gboolean
analyzer_load (Analyzer *self, const char *dir, GError **error)
{
  g_autofree char *lungs = g_build_filename (dir, "lungs.safetensors", NULL);
  g_autofree char *multitask = g_build_filename (dir, "multitask-spatial.safetensors", NULL);

  self->lungs = ct_model_load (lungs, error);
  if (self->lungs == NULL)
    return FALSE;
  self->multitask = ct_model_load (multitask, error);
  return self->multitask != NULL;
}

/* The analysis of @series from the results cache, when it holds one for
 * these files and these weights; a cache that cannot be read is reported and
 * then ignored. Returns the input fingerprint for storing the result. */
static char *
analyzer_lookup_cache (Analyzer *self, CtResultsCache *cache, const CtSeriesInfo *series,
                       const CtVolume *volume, CtStudyResult *result)
{
  g_autoptr (GError) error = NULL;
  gint64 start = g_get_monotonic_time ();
  g_autofree char *fingerprint = ct_results_cache_fingerprint_series (series, &error);

  if (fingerprint == NULL)
    {
      g_printerr ("ct-triage-cli: warning: %s\n", error->message);
      return NULL;
    }
  result->analysis = ct_results_cache_lookup (cache, fingerprint, ct_model_get_sha256 (self->lungs),
                                              ct_model_get_sha256 (self->multitask), &error);
  if (error != NULL)
    g_printerr ("ct-triage-cli: warning: %s; analysing anyway\n", error->message);
  if (result->analysis != NULL
      && (result->analysis->nx != volume->nx || result->analysis->ny != volume->ny
          || result->analysis->nz != volume->nz))
    {
      g_printerr ("ct-triage-cli: warning: the cached result of %s is not on its grid; analysing again\n",
                  series->path);
      g_clear_pointer (&result->analysis, ct_analysis_free);
    }
  if (result->analysis != NULL)
    {
      result->cached = TRUE;
      result->cache_ms = (g_get_monotonic_time () - start) / 1000.0;
    }
  return g_steal_pointer (&fingerprint);
}

static void
set_model_fields (Analyzer *self, CtStudyResult *result)
{
  result->model_name = g_strdup (ct_model_get_name (self->multitask));
  result->model_sha256 = g_strdup (ct_model_get_sha256 (self->multitask));
  result->lungs_model_name = g_strdup (ct_model_get_name (self->lungs));
  result->lungs_model_sha256 = g_strdup (ct_model_get_sha256 (self->lungs));
}

/* The one analysis call: fills @result's analysis and model fields. */
static gboolean
analyze_volume (Analyzer *self, const CtVolume *volume, CtStudyResult *result, GError **error)
{
  CtAnalysisOptions options = { 0 };

  options.lungs = self->lungs;
  options.multitask = self->multitask;
  options.n_threads = self->n_threads;
  result->analysis = ct_analysis_run (volume, &options, error);
  return result->analysis != NULL;
}

/* The file name stem of a study's masks: its SeriesInstanceUID, or for a
 * NIfTI input the file name without .nii(.gz). */
static char *
mask_stem (const CtVolume *volume)
{
  g_autofree char *base = NULL;

  if (volume->series_uid != NULL)
    return g_strdup (volume->series_uid);
  base = g_path_get_basename (volume->path ? volume->path : "study");
  if (g_str_has_suffix (base, ".gz"))
    base[strlen (base) - 3] = '\0';
  if (g_str_has_suffix (base, ".nii"))
    base[strlen (base) - 4] = '\0';
  return g_steal_pointer (&base);
}

static gboolean
write_masks (const char *dir, const CtVolume *volume, const CtAnalysis *analysis, GError **error)
{
  g_autofree char *stem = mask_stem (volume);
  g_autofree char *lungs_name = g_strconcat (stem, "_lungs.nii.gz", NULL);
  g_autofree char *lesions_name = g_strconcat (stem, "_lesions.nii.gz", NULL);
  g_autofree char *lungs = g_build_filename (dir, lungs_name, NULL);
  g_autofree char *lesions = g_build_filename (dir, lesions_name, NULL);

  if (analysis->nx != volume->nx || analysis->ny != volume->ny || analysis->nz != volume->nz)
    {
      g_set_error_literal (error, CT_ERROR, CT_ERROR_FAILED, "The masks are not on the volume's grid");
      return FALSE;
    }
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_IO, "Cannot create %s", dir);
      return FALSE;
    }
  return ct_nifti_write_mask (volume, analysis->lung_mask, lungs, error) &&
         ct_nifti_write_mask (volume, analysis->lesion_mask, lesions, error);
}

/* --report: <stem>.pdf, the one-page summary of render/ct-report.h. */
static gboolean
write_report (const char *dir, const CtVolume *volume, const CtStudyResult *result, GError **error)
{
  g_autofree char *stem = mask_stem (volume);
  g_autofree char *name = g_strconcat (stem, ".pdf", NULL);
  g_autofree char *path = g_build_filename (dir, name, NULL);
  CtReportInfo info = { 0 };

  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_IO, "Cannot create %s", dir);
      return FALSE;
    }
  info.volume = volume;
  info.analysis = result->analysis;
  info.model_name = result->model_name;
  info.model_sha256 = result->model_sha256;
  return ct_report_write (&info, path, CT_REPORT_FORMAT_PDF, error);
}

static int
run_analyze (int argc, char **argv)
{
  gboolean json = FALSE, csv = FALSE, no_cache = FALSE, no_analysis = FALSE, verbose = FALSE;
  g_autofree char *sort = NULL;
  g_autofree char *model_dir = NULL;
  g_autofree char *masks_out = NULL;
  g_autofree char *report_dir = NULL;
  g_autoptr (CtResultsCache) cache = NULL;
  int n_threads = 0;
  g_auto (GStrv) paths = NULL;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print a JSON array", NULL },
    { "csv", 0, 0, G_OPTION_ARG_NONE, &csv, "Print CSV", NULL },
    { "sort", 0, 0, G_OPTION_ARG_STRING, &sort, "Triage order: probability (default) or severity", "KEY" },
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &model_dir,
      "Folder with lungs.safetensors and multitask-spatial.safetensors", "DIR" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &n_threads, "Threads (0 = all cores)", "N" },
    { "masks-out", 0, 0, G_OPTION_ARG_FILENAME, &masks_out,
      "Write <series_uid>_lungs.nii.gz and _lesions.nii.gz here", "DIR" },
    { "report", 0, 0, G_OPTION_ARG_FILENAME, &report_dir,
      "Write a one-page <series_uid>.pdf report per study here", "DIR" },
    { "no-cache", 0, 0, G_OPTION_ARG_NONE, &no_cache,
      "Analyse again even when the results cache holds these files analysed by these models", NULL },
    { "no-analysis", 0, 0, G_OPTION_ARG_NONE, &no_analysis, "Only load: list studies with their geometry", NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Progress and skipped files on standard error", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &paths, NULL, NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("PATH... - triage CT studies");
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) results = g_ptr_array_new_with_free_func ((GDestroyNotify) ct_study_result_free);
  g_autofree char *output = NULL;
  g_autofree char *analysis_note = NULL;
  CtReportSort sort_key = CT_REPORT_SORT_PROBABILITY;
  Analyzer analyzer = { 0 };
  gboolean any_failed = FALSE;

  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (context, error->message);
  if (paths == NULL || paths[0] == NULL)
    return usage_error (context, "no PATH given");
  if (json && csv)
    return usage_error (context, "--json and --csv exclude each other");
  if (sort != NULL && strcmp (sort, "severity") == 0)
    sort_key = CT_REPORT_SORT_SEVERITY;
  else if (sort != NULL && strcmp (sort, "probability") != 0)
    return usage_error (context, "--sort takes probability or severity");
  if (n_threads < 0)
    return usage_error (context, "--threads must be 0 or more");
  if (masks_out != NULL && no_analysis)
    return usage_error (context, "--masks-out needs the analysis (drop --no-analysis)");
  if (report_dir != NULL && no_analysis)
    return usage_error (context, "--report needs the analysis (drop --no-analysis)");
  analyzer.n_threads = n_threads;

  if (no_analysis)
    analysis_note = g_strdup ("--no-analysis: loaded only");
  else
    {
      gboolean explicit_dir = model_dir != NULL;
      if (!explicit_dir)
        model_dir = ct_job_queue_find_model_dir ();
      if (!analyzer_load (&analyzer, model_dir, &error))
        {
          if (explicit_dir)
            {
              g_printerr ("ct-triage-cli: --model %s: %s\n", model_dir, error->message);
              g_clear_pointer (&analyzer.lungs, ct_model_unref);
              return EXIT_USAGE;
            }
          /* No shipped weights yet: still list the studies, analysis null. */
          analysis_note = g_strdup_printf ("no usable model weights (%s)", error->message);
          g_printerr ("ct-triage-cli: note: %s; analysis fields are null\n", analysis_note);
          g_clear_error (&error);
          g_clear_pointer (&analyzer.lungs, ct_model_unref);
          g_clear_pointer (&analyzer.multitask, ct_model_unref);
        }
    }
  if (analyzer.multitask != NULL && !no_cache)
    {
      cache = ct_results_cache_open (NULL, &error);
      if (cache == NULL)
        {
          g_printerr ("ct-triage-cli: warning: %s; analysing without the cache\n", error->message);
          g_clear_error (&error);
        }
      else if (ct_results_cache_get_recovery_note (cache) != NULL)
        g_printerr ("ct-triage-cli: warning: %s\n", ct_results_cache_get_recovery_note (cache));
    }

  for (guint p = 0; paths[p] != NULL; p++)
    {
      const char *one[] = { paths[p], NULL };
      g_autoptr (CtStudyScan) scan = ct_study_scan_paths (one, n_threads, NULL, NULL, NULL, &error);

      if (scan == NULL)
        {
          CtStudyResult *r = ct_study_result_new (paths[p]);
          ct_study_result_set_error (r, error->message);
          g_ptr_array_add (results, r);
          g_clear_error (&error);
          continue;
        }
      if (verbose)
        for (guint i = 0; i < scan->skipped->len; i++)
          {
            const CtSkippedFile *s = g_ptr_array_index (scan->skipped, i);
            g_printerr ("skipped %s: %s\n", s->path, s->reason);
          }
      if (scan->series->len == 0)
        {
          CtStudyResult *r = ct_study_result_new (paths[p]);
          if (scan->skipped->len > 0)
            {
              const CtSkippedFile *s = g_ptr_array_index (scan->skipped, 0);
              g_autofree char *message = scan->skipped->len == 1
                ? g_strdup_printf ("%s: %s", s->path, s->reason)
                : g_strdup_printf ("no CT series (%u files skipped; first: %s: %s)",
                                   scan->skipped->len, s->path, s->reason);
              ct_study_result_set_error (r, message);
            }
          else
            ct_study_result_set_error (r, "no CT series found");
          g_ptr_array_add (results, r);
          continue;
        }

      for (guint i = 0; i < scan->series->len; i++)
        {
          const CtSeriesInfo *s = g_ptr_array_index (scan->series, i);
          CtStudyResult *r = ct_study_result_new (s->path);
          gint64 start = g_get_monotonic_time ();
          g_autoptr (CtVolume) volume = NULL;

          g_ptr_array_add (results, r);
          r->series_uid = g_strdup (s->series_uid);
          r->study_uid = g_strdup (s->study_uid);
          r->patient_id = g_strdup (s->patient_id);
          r->modality = g_strdup (s->modality);
          if (verbose)
            g_printerr ("loading %s (%s)\n", s->path, s->series_description ? s->series_description : "");
          {
            int last_percent = -1;
            volume = ct_series_load (s, n_threads, verbose ? print_load_progress : NULL, &last_percent,
                                     NULL, &error);
          }
          if (volume == NULL)
            {
              ct_study_result_set_error (r, error->message);
              g_clear_error (&error);
              continue;
            }
          r->load_ms = (g_get_monotonic_time () - start) / 1000.0;
          ct_study_result_set_volume (r, volume);

          if (analyzer.multitask == NULL)
            {
              r->analysis_note = g_strdup (analysis_note);
              continue;
            }
          {
            g_autofree char *fingerprint = NULL;

            if (cache != NULL)
              fingerprint = analyzer_lookup_cache (&analyzer, cache, s, volume, r);
            if (verbose)
              g_printerr (r->cached ? "cached result for %s\n" : "analysing %s\n", s->path);
            if (!r->cached && !analyze_volume (&analyzer, volume, r, &error))
              {
                ct_study_result_set_error (r, error->message);
                g_clear_error (&error);
                continue;
              }
            set_model_fields (&analyzer, r);
            if (!r->cached && fingerprint != NULL
                && !ct_results_cache_store (cache, fingerprint, ct_model_get_sha256 (analyzer.lungs),
                                            ct_model_get_sha256 (analyzer.multitask), r->analysis, &error))
              {
                g_printerr ("ct-triage-cli: warning: %s\n", error->message);
                g_clear_error (&error);
              }
          }
          if (masks_out != NULL && !write_masks (masks_out, volume, r->analysis, &error))
            {
              ct_study_result_set_error (r, error->message);
              g_clear_error (&error);
            }
          if (report_dir != NULL && !write_report (report_dir, volume, r, &error))
            {
              ct_study_result_set_error (r, error->message);
              g_clear_error (&error);
            }
        }
    }

  g_clear_pointer (&analyzer.lungs, ct_model_unref);
  g_clear_pointer (&analyzer.multitask, ct_model_unref);

  for (guint i = 0; i < results->len; i++)
    any_failed = any_failed || ((CtStudyResult *) g_ptr_array_index (results, i))->error != NULL;
  ct_study_report_rank (results, sort_key);
  if (json)
    output = ct_study_report_to_json (results);
  else if (csv)
    output = ct_study_report_to_csv (results);
  else
    output = ct_study_report_to_table (results);
  fputs (output, stdout);
  if (json)
    fputc ('\n', stdout);
  return any_failed ? 1 : 0;
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
    {
      FILE *out = argc < 2 ? stderr : stdout;
      fprintf (out,
               "Usage: ct-triage-cli COMMAND PATH... [OPTION...]\n\n"
               "Commands:\n"
               "  info PATH...      list the CT studies found, and skipped files with reasons\n"
               "  analyze PATH...   analyse and rank studies (--json, --csv, --sort,\n"
               "                    --model, --threads, --masks-out, --report, --no-cache,\n"
               "                    --no-analysis)\n\n"
               "'ct-triage-cli COMMAND --help' shows a command's options.\n\n%s\n",
               CT_DISCLAIMER);
      return argc < 2 ? EXIT_USAGE : 0;
    }
  if (strcmp (argv[1], "--version") == 0)
    {
      printf ("ct-triage-cli %s\n", PACKAGE_VERSION);
      return 0;
    }
  /* The command takes argv[0]'s place for GOptionContext. */
  if (strcmp (argv[1], "info") == 0)
    return run_info (argc - 1, argv + 1);
  if (strcmp (argv[1], "analyze") == 0 || strcmp (argv[1], "analyse") == 0)
    return run_analyze (argc - 1, argv + 1);
  fprintf (stderr, "ct-triage-cli: unknown command '%s' (info, analyze)\n", argv[1]);
  return EXIT_USAGE;
}
