/* SPDX-License-Identifier: MIT */
/* ct-triage-cli: the headless command line (docs/architecture.md,
 * "Contracts").
 *
 *   ct-triage-cli info PATH... [--verbose]
 *   ct-triage-cli analyze PATH... [--json | --csv] [--sort triage|probability|severity]
 *       [--model DIR] [--threads N] [--masks-out DIR] [--report DIR] [--seg-out DIR] [--sr-out DIR] [--no-cache]
 *       [--no-analysis]
 *
 * Exit codes: 0 every study fine, 1 some study failed (the others are still
 * reported), 2 bad usage. */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "ct-analyzer.h"
#include "ct-gdcm.h"
#include "ct-install-paths.h"
#include "ct-nifti.h"
#include "ct-series-loader.h"
#include "ct-serve-cli.h"
#include "ct-study-export.h"
#include "ct-study-library.h"
#include "ct-study-report.h"
#include "ct-study-scan.h"
#include "ct-teaching-cli.h"
#include "ct-threads.h"

#define EXIT_USAGE 2

/* The documented variables (README, "Command line"), read here only: the
 * libraries take them as options. */
static const char *
nonempty_env (const char *name)
{
  const char *value = g_getenv (name);

  return value != NULL && *value != '\0' ? value : NULL;
}

static int
usage_error (GOptionContext *context, const char *message)
{
  g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);

  g_printerr ("ct-triage-cli: %s\n\n%s", message, help);
  return EXIT_USAGE;
}

/* --threads above the number of cores is capped to it, with a note:
 * thousands of threads crash the OpenMP runtime and help nothing. */
static int
cap_threads (int n_threads)
{
  int capped = ct_threads_cap (n_threads);

  if (n_threads > capped)
    {
      /* TRANSLATORS: --threads is an option name; the numbers are thread counts. */
      g_printerr (_ ("ct-triage-cli: note: --threads %d is more than the %d cores; using %d\n"), n_threads, capped,
                  capped);
      return capped;
    }
  return n_threads;
}

/* Standard output flushed; a write error (a full disk, a closed pipe) is
 * reported and makes the exit status 1. */
static int
finish_stdout (int status)
{
  if (fflush (stdout) != 0 || ferror (stdout))
    {
      g_printerr (_ ("ct-triage-cli: cannot write the output: %s\n"), g_strerror (errno));
      return 1;
    }
  return status;
}

/* ---- info --------------------------------------------------------------- */

static void
print_series (const CtSeriesInfo *s)
{
  g_print ("%s\n", s->path);
  g_print ("  %s  %s\n",
           s->kind == CT_SERIES_KIND_NIFTI ? "NIfTI"
           : s->modality                   ? s->modality
                                           : "CT",
           s->series_description ? s->series_description : "");
  if (s->kind == CT_SERIES_KIND_DICOM)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (CtSeriesGeometry) g = ct_series_compute_geometry (s, &error);

      g_print (_ ("  patient %s, study date %s\n"), s->patient_id ? s->patient_id : "-",
               s->study_date ? s->study_date : "-");
      g_print (_ ("  study  %s\n  series %s\n"), s->study_uid ? s->study_uid : "-",
               s->series_uid ? s->series_uid : "-");
      /* TRANSLATORS: "  2 files, " then "3 images, " then the transfer syntax. */
      g_print (ngettext ("  %u file, ", "  %u files, ", s->headers->len), s->headers->len);
      g_print (ngettext ("%d image, %s\n", "%d images, %s\n", s->n_images), s->n_images,
               ((const CtGdcmHeader *) g_ptr_array_index (s->headers, 0))->transfer_syntax_name);
      if (g == NULL)
        {
          g_print (_ ("  error: %s\n"), error->message);
          return;
        }
      g_print (_ ("  %d x %d x %u voxels, spacing %.6g x %.6g x %.6g mm\n"), g->columns, g->rows, g->n_slices,
               g->spacing[0], g->spacing[1], g->spacing[2]);
      g_print (_ ("  origin (LPS mm) %.6g %.6g %.6g\n"), g->origin[0], g->origin[1], g->origin[2]);
      g_print (_ ("  directions (LPS) i %.4f %.4f %.4f, j %.4f %.4f %.4f, k %.4f %.4f %.4f\n"), g->direction[0],
               g->direction[1], g->direction[2], g->direction[3], g->direction[4], g->direction[5], g->direction[6],
               g->direction[7], g->direction[8]);
      for (guint w = 0; w < g->warnings->len; w++)
        g_print (_ ("  note: %s\n"), (const char *) g_ptr_array_index (g->warnings, w));
    }
  else
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (CtVolume) v = ct_nifti_load (s->path, &error);

      if (v == NULL)
        {
          g_print (_ ("  error: %s\n"), error->message);
          return;
        }
      g_print (_ ("  %d x %d x %d voxels, spacing %.6g x %.6g x %.6g mm\n"), v->nx, v->ny, v->nz, v->spacing[0],
               v->spacing[1], v->spacing[2]);
      g_print (_ ("  origin (LPS mm) %.6g %.6g %.6g\n"), v->origin[0], v->origin[1], v->origin[2]);
      g_print (_ ("  directions (LPS) i %.4f %.4f %.4f, j %.4f %.4f %.4f, k %.4f %.4f %.4f\n"), v->direction[0],
               v->direction[1], v->direction[2], v->direction[3], v->direction[4], v->direction[5], v->direction[6],
               v->direction[7], v->direction[8]);
      for (guint w = 0; w < v->warnings->len; w++)
        g_print (_ ("  note: %s\n"), (const char *) g_ptr_array_index (v->warnings, w));
    }
}

static int
run_info (int argc, char **argv)
{
  gboolean verbose = FALSE;
  int n_threads = 0;
  g_auto (GStrv) paths = NULL;
  const GOptionEntry entries[] = {
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, N_ ("List every skipped file with its reason"), NULL },
    { "threads", 0, 0, G_OPTION_ARG_INT, &n_threads, N_ ("Header reading threads (0 = all cores)"), "N" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &paths, NULL, NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new (N_ ("PATH... - list the CT studies found"));
  g_autoptr (GError) error = NULL;
  int status = 0;

  /* The entries' descriptions and the parameter string, in the user's language. */
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (context, error->message);
  if (paths == NULL || paths[0] == NULL)
    return usage_error (context, _ ("no PATH given"));
  if (n_threads < 0)
    return usage_error (context, _ ("--threads must be 0 or more"));
  n_threads = cap_threads (n_threads);

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
      /* TRANSLATORS: "== PATH: 2 CT series, " then "3 of 40 files skipped"
       * (the plural follows the number of files, 40). */
      g_print (ngettext ("== %s: %u CT series, ", "== %s: %u CT series, ", scan->series->len), paths[p],
               scan->series->len);
      g_print (ngettext ("%u of %u file skipped\n", "%u of %u files skipped\n", scan->n_files), scan->skipped->len,
               scan->n_files);
      for (guint i = 0; i < scan->series->len; i++)
        print_series (g_ptr_array_index (scan->series, i));
      if (scan->series->len == 0)
        status = 1;

      if (scan->skipped->len > 0)
        g_print (_ ("skipped:\n"));
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
          g_print (_ ("  (--verbose lists each file)\n"));
        }
    }
  return finish_stdout (status);
}

/* ---- analyze ------------------------------------------------------------ */

/* The analyzer's warnings (cache trouble ...), on standard error. */
static void
print_warning (const char *message, gpointer user_data)
{
  g_printerr (_ ("ct-triage-cli: warning: %s\n"), message);
}

/* One study through the analyzer (or only loaded), then its files; its
 * volume is dropped afterwards, so that memory does not grow with the
 * number of studies. */
static void
analyze_study (CtAnalyzer *analyzer, CtStudy *study, const char *analysis_note, const char *masks_out,
               const char *report_dir, const char *seg_out, const char *sr_out, const char *pdf_dicom_out,
               gboolean verbose)
{
  g_autoptr (GError) error = NULL;

  if (verbose)
    g_printerr (_ ("loading %s (%s)\n"), ct_study_get_path (study),
                ct_study_get_description (study) ? ct_study_get_description (study) : "");
  if (analysis_note != NULL)
    {
      if (ct_analyzer_load (analyzer, study, NULL, &error))
        ct_study_set_analysis_note (study, analysis_note);
      else
        ct_study_set_error (study, error);
    }
  else if (ct_analyzer_analyze (analyzer, study, NULL, &error))
    {
      if (verbose)
        g_printerr (ct_study_get_cached (study) ? _ ("cached result for %s\n") : _ ("analysed %s\n"),
                    ct_study_get_path (study));
      if ((masks_out != NULL && !ct_study_export_masks (study, masks_out, &error)) ||
          (report_dir != NULL && !ct_study_export_report (study, report_dir, &error)) ||
          ((seg_out != NULL || sr_out != NULL || pdf_dicom_out != NULL) &&
           !ct_study_export_dicom (study, seg_out, sr_out, pdf_dicom_out, &error)))
        ct_study_set_export_error (study, error);
    }
  ct_study_set_volume (study, NULL, -1.0);
}

static int
run_analyze (int argc, char **argv)
{
  gboolean json = FALSE, csv = FALSE, no_cache = FALSE, no_analysis = FALSE, verbose = FALSE;
  g_autofree char *sort = NULL;
  g_autofree char *model_dir = NULL;
  g_autofree char *masks_out = NULL;
  g_autofree char *report_dir = NULL;
  g_autofree char *seg_out = NULL, *sr_out = NULL, *pdf_dicom_out = NULL;
  int n_threads = 0;
  g_auto (GStrv) paths = NULL;
  const GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, N_ ("Print a JSON array"), NULL },
    { "csv", 0, 0, G_OPTION_ARG_NONE, &csv, N_ ("Print CSV"), NULL },
    { "sort", 0, 0, G_OPTION_ARG_STRING, &sort,
      N_ ("Work-list order: triage (default: the triage score), probability or severity"), "KEY" },
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &model_dir,
      N_ ("Folder with lungs.safetensors and multitask-spatial.safetensors"), "DIR" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &n_threads, N_ ("Threads (0 = all cores)"), "N" },
    { "masks-out", 0, 0, G_OPTION_ARG_FILENAME, &masks_out,
      N_ ("Write <series_uid>_lungs.nii.gz and _lesions.nii.gz here"), "DIR" },
    { "report", 0, 0, G_OPTION_ARG_FILENAME, &report_dir,
      N_ ("Write a one-page <series_uid>.pdf report per study here"), "DIR" },
    { "seg-out", 0, 0, G_OPTION_ARG_FILENAME, &seg_out,
      N_ ("Write a DICOM SEG <series_uid>_seg.dcm of the lungs and lesions here (DICOM input only)"), "DIR" },
    { "sr-out", 0, 0, G_OPTION_ARG_FILENAME, &sr_out,
      N_ ("Write a DICOM SR (TID 1500) <series_uid>_sr.dcm here, and its SEG unless --seg-out says where"), "DIR" },
    { "pdf-dicom-out", 0, 0, G_OPTION_ARG_FILENAME, &pdf_dicom_out,
      N_ ("Write the report as DICOM Encapsulated PDF <series_uid>_pdf.dcm here (DICOM input only)"), "DIR" },
    { "no-cache", 0, 0, G_OPTION_ARG_NONE, &no_cache,
      N_ ("Analyse again even when the results cache holds these files analysed by these models"), NULL },
    { "no-analysis", 0, 0, G_OPTION_ARG_NONE, &no_analysis, N_ ("Only load: list studies with their geometry"), NULL },
    { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, N_ ("Progress and skipped files on standard error"), NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &paths, NULL, NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new (N_ ("PATH... - triage CT studies"));
  g_autoptr (GError) error = NULL;
  g_autoptr (CtAnalyzer) analyzer = NULL;
  g_autoptr (CtStudyLibrary) library = NULL;
  g_autoptr (GPtrArray) studies = NULL;
  g_autofree char *output = NULL;
  g_autofree char *analysis_note = NULL;
  CtStudySortKey sort_key = CT_STUDY_SORT_TRIAGE;
  gboolean explicit_dir;
  gboolean any_failed = FALSE;

  /* The entries' descriptions and the parameter string, in the user's language. */
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error (context, error->message);
  if (paths == NULL || paths[0] == NULL)
    return usage_error (context, _ ("no PATH given"));
  if (json && csv)
    return usage_error (context, _ ("--json and --csv exclude each other"));
  if (sort != NULL && !ct_study_sort_key_from_string (sort, &sort_key))
    return usage_error (context, _ ("--sort takes triage, probability or severity"));
  if (n_threads < 0)
    return usage_error (context, _ ("--threads must be 0 or more"));
  n_threads = cap_threads (n_threads);
  if (masks_out != NULL && no_analysis)
    return usage_error (context, _ ("--masks-out needs the analysis (drop --no-analysis)"));
  if (report_dir != NULL && no_analysis)
    return usage_error (context, _ ("--report needs the analysis (drop --no-analysis)"));
  if ((seg_out != NULL || sr_out != NULL || pdf_dicom_out != NULL) && no_analysis)
    return usage_error (context, _ ("--seg-out, --sr-out and --pdf-dicom-out need the analysis (drop --no-analysis)"));

  explicit_dir = model_dir != NULL;
  if (!explicit_dir)
    model_dir = ct_install_paths_find_model_dir (g_getenv ("CT_TRIAGE_MODEL_DIR"));
  analyzer = ct_analyzer_new (model_dir);
  ct_analyzer_set_n_threads (analyzer, n_threads);
  /* NULL or empty: the cache's default folder. */
  ct_analyzer_set_cache (analyzer, !no_cache, nonempty_env ("CT_TRIAGE_CACHE_DIR"));
  ct_analyzer_set_warning_func (analyzer, print_warning, NULL);
  if (no_analysis)
    analysis_note = g_strdup (_ ("--no-analysis: loaded only"));
  else if (!ct_analyzer_load_models (analyzer, &error))
    {
      if (explicit_dir)
        {
          g_printerr ("ct-triage-cli: --model %s: %s\n", model_dir, error->message);
          return EXIT_USAGE;
        }
      /* No shipped weights: still list the studies, analysis null. */
      analysis_note = g_strdup_printf (_ ("no usable model weights (%s)"), error->message);
      g_printerr (_ ("ct-triage-cli: note: %s; analysis fields are null\n"), analysis_note);
      g_clear_error (&error);
    }

  library = ct_study_library_new ();
  studies = ct_study_library_add_paths (library, (const char *const *) paths, n_threads, TRUE, NULL, &error);
  if (studies == NULL)
    {
      g_printerr ("ct-triage-cli: %s\n", error->message);
      return 1;
    }
  if (verbose)
    for (guint i = 0; i < ct_study_library_get_skipped (library)->len; i++)
      {
        const CtSkippedFile *s = g_ptr_array_index (ct_study_library_get_skipped (library), i);
        g_printerr (_ ("skipped %s: %s\n"), s->path, s->reason);
      }
  for (guint i = 0; i < studies->len; i++)
    {
      CtStudy *study = g_ptr_array_index (studies, i);

      if (ct_study_get_error (study) == NULL)
        analyze_study (analyzer, study, analysis_note, masks_out, report_dir, seg_out, sr_out, pdf_dicom_out, verbose);
      any_failed = any_failed || ct_study_get_error (study) != NULL;
    }

  ct_study_sort_by_priority (studies, sort_key);
  if (json)
    output = ct_study_report_to_json (studies);
  else if (csv)
    output = ct_study_report_to_csv (studies);
  else
    output = ct_study_report_to_table (studies);
  fputs (output, stdout);
  if (json)
    fputc ('\n', stdout);
  return finish_stdout (any_failed ? 1 : 0);
}

int
main (int argc, char **argv)
{
  g_autofree char *locale_dir = NULL;

  setlocale (LC_ALL, "");
  /* Uninstalled runs point CT_TRIAGE_LOCALE_DIR at the build folder. */
  locale_dir = nonempty_env ("CT_TRIAGE_LOCALE_DIR") != NULL ? g_strdup (nonempty_env ("CT_TRIAGE_LOCALE_DIR"))
                                                             : ct_install_paths_get_locale_dir ();
  bindtextdomain (GETTEXT_PACKAGE, locale_dir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  /* GDCM in the decoder helper where it is installed (or named by
   * $CT_TRIAGE_DECODER): a crash in GDCM costs one file. */
  {
    g_autofree char *decoder = ct_install_paths_find_decoder (nonempty_env ("CT_TRIAGE_DECODER"));
    if (decoder != NULL)
      ct_gdcm_set_decoder (decoder);
  }

  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
    {
      FILE *out = argc < 2 ? stderr : stdout;
      /* TRANSLATORS: keep the command and option names (info, analyze,
       * --json ...) as they are; %s is the disclaimer. */
      fprintf (out,
               _ ("Usage: ct-triage-cli COMMAND PATH... [OPTION...]\n\n"
                  "Commands:\n"
                  "  info PATH...      list the CT studies found, and skipped files with reasons\n"
                  "  analyze PATH...   analyse and rank studies (--json, --csv, --sort,\n"
                  "                    --model, --threads, --masks-out, --report, --seg-out,\n"
                  "                    --sr-out, --pdf-dicom-out, --no-cache, --no-analysis)\n"
                  "  serve --storage DIR   a headless triage node: DICOM receiver (--aet, --port,\n"
                  "                    --allow-aet), --watch, --json-out, --seg-out, --sr-out,\n"
                  "                    --quiet-seconds, --send-to AET@HOST:PORT\n"
                  "  teaching-create --out SESSION.json PATH...   prepare a teaching session\n"
                  "  teaching-summary RESULTS.csv [--pdf FILE]    scores of a teaching session\n\n"
                  "'ct-triage-cli COMMAND --help' shows a command's options.\n\n%s\n"),
               _ (CT_DISCLAIMER));
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
  if (strcmp (argv[1], "serve") == 0)
    return ct_serve_cli_run (argc - 1, argv + 1);
  if (strcmp (argv[1], "teaching-create") == 0)
    return ct_teaching_cli_create (argc - 1, argv + 1);
  if (strcmp (argv[1], "teaching-summary") == 0)
    return ct_teaching_cli_summary (argc - 1, argv + 1);
  fprintf (stderr,
           _ ("ct-triage-cli: unknown command '%s' (info, analyze, serve, teaching-create, teaching-summary)\n"),
           argv[1]);
  return EXIT_USAGE;
}
