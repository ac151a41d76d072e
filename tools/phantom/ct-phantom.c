/* SPDX-License-Identifier: MIT */
/* ct-phantom: writes synthetic chest CT studies as DICOM series (through the
 * app core's GDCM writer) or NIfTI, with their ground truth, and the bundled
 * demo set. The phantom itself comes from the C11 core in phantom.h.
 *
 *   ct-phantom study --class covid --severity 30 --seed N --slices 300 --out DIR
 *                    [--nifti] [--feet-first] [--mirror] [--masks-out DIR] ...
 *   ct-phantom demo DIR
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "ct-dicom-writer.h"
#include "ct-error.h"
#include "ct-nifti.h"
#include "ct-volume.h"
#include "phantom.h"
#include "ct-phantom-volume.h"

/* A DICOM UID under the 2.25 (UUID) root, derived from the seed so that a
 * study written twice gets the same UIDs. */
static char *
uid_from_seed (guint64 seed, const char *what)
{
  guint64 a = g_str_hash (what) * 0x9e3779b97f4a7c15ULL ^ (seed * 0xbf58476d1ce4e5b9ULL);
  guint64 b = (seed + 0x632be59bd9b4e019ULL) * 0x94d049bb133111ebULL ^ g_str_hash (what);
  a ^= a >> 29;
  b ^= b >> 31;
  /* 2.25.<a><b with 19 digits>: below 2^128 since a < 1.85e19. */
  return g_strdup_printf ("2.25.%" G_GUINT64_FORMAT "%019" G_GUINT64_FORMAT,
                          (guint64) (a % G_GUINT64_CONSTANT (18000000000000000000) + 1),
                          (guint64) (b % G_GUINT64_CONSTANT (10000000000000000000)));
}

/* A CtVolume holding a copy of the phantom's voxels and its geometry. */
static CtVolume *
volume_from_study (const PhantomStudy *study, GError **error)
{
  g_autoptr (CtVolume) volume = ct_phantom_volume_new (study);

  if (volume == NULL)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_FAILED, "Out of memory for a %d x %d x %d volume", study->nx, study->ny,
                   study->nz);
      return NULL;
    }
  volume->patient_id = g_strdup_printf ("PHANTOM-%" G_GUINT64_FORMAT, study->seed);
  /* The name does not give the class away: the demo is a triage exercise. */
  volume->patient_name = g_strdup_printf ("Phantom^%" G_GUINT64_FORMAT, study->seed);
  volume->study_uid = uid_from_seed (study->seed, "study");
  volume->series_uid = uid_from_seed (study->seed, "series");
  volume->study_date = g_strdup_printf ("2020%02d%02d", (int) (3 + study->seed % 9), (int) (1 + study->seed % 28));
  volume->series_description = g_strdup ("SYNTHETIC PHANTOM - NOT A PATIENT");
  volume->modality = g_strdup ("CT");
  return g_steal_pointer (&volume);
}

typedef struct
{
  PhantomParams params;
  gboolean nifti;
  CtDicomSyntax syntax;
  gboolean shuffle;
} WriteRequest;

/* Generates one study and writes it into @dir (DICOM files, or one NIfTI
 * file named after the series), its truth into @dir/truth.json unless
 * @truth_json is given, and the masks into @masks_dir when not NULL.
 * Returns the study for the caller's records. */
static PhantomStudy *
write_study (const WriteRequest *req, const char *dir, const char *masks_dir, gboolean write_truth_json, GError **error)
{
  char message[256] = "";
  PhantomStudy *study = phantom_generate (&req->params, message, sizeof message);
  g_autoptr (CtVolume) volume = NULL;

  if (study == NULL)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_FAILED, "Cannot generate the phantom: %s", message);
      return NULL;
    }
  volume = volume_from_study (study, error);
  if (volume == NULL)
    goto fail;
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_IO, "Cannot create folder %s", dir);
      goto fail;
    }

  if (req->nifti)
    {
      g_autofree char *name = g_strdup_printf ("phantom-%" G_GUINT64_FORMAT ".nii.gz", study->seed);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      if (!ct_nifti_write_volume (volume, path, error))
        goto fail;
    }
  else
    {
      CtDicomWriteOptions options;
      ct_dicom_write_options_init (&options);
      options.rescale_intercept = study->rescale_intercept;
      options.syntax = req->syntax;
      options.shuffle_file_names = req->shuffle;
      options.seed = (guint32) (study->seed * 2654435761u);
      options.series_description = volume->series_description;
      if (!ct_dicom_write_series (volume, dir, &options, error))
        goto fail;
    }

  if (masks_dir != NULL)
    {
      g_autofree char *lungs = g_build_filename (masks_dir, "lungs.nii.gz", NULL);
      g_autofree char *lesions = g_build_filename (masks_dir, "lesions.nii.gz", NULL);
      if (g_mkdir_with_parents (masks_dir, 0755) != 0)
        {
          g_set_error (error, CT_ERROR, CT_ERROR_IO, "Cannot create folder %s", masks_dir);
          goto fail;
        }
      if (!ct_nifti_write_mask (volume, study->lungs, lungs, error) ||
          !ct_nifti_write_mask (volume, study->lesions, lesions, error))
        goto fail;
    }

  if (write_truth_json)
    {
      g_autofree char *path = g_build_filename (dir, "truth.json", NULL);
      g_autofree char *extra = g_strdup_printf ("  \"study_uid\": \"%s\",\n  \"series_uid\": \"%s\",\n"
                                                "  \"patient_id\": \"%s\",\n",
                                                volume->study_uid, volume->series_uid, volume->patient_id);
      FILE *f = g_fopen (path, "w");
      gboolean ok = f != NULL && phantom_study_write_json (study, extra, f);
      if (f != NULL)
        ok = fclose (f) == 0 && ok;
      if (!ok)
        {
          g_set_error (error, CT_ERROR, CT_ERROR_IO, "Cannot write %s", path);
          goto fail;
        }
    }
  return study;

fail:
  phantom_study_free (study);
  return NULL;
}

static gboolean
parse_syntax (const char *name, CtDicomSyntax *syntax)
{
  static const struct
  {
    const char *name;
    CtDicomSyntax syntax;
  } table[] = {
    { "explicit", CT_DICOM_SYNTAX_EXPLICIT_LITTLE },
    { "jpeg-ls", CT_DICOM_SYNTAX_JPEG_LS_LOSSLESS },
    { "jpeg2000", CT_DICOM_SYNTAX_JPEG2000_LOSSLESS },
    { "rle", CT_DICOM_SYNTAX_RLE_LOSSLESS },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (table); i++)
    if (g_strcmp0 (name, table[i].name) == 0)
      {
        *syntax = table[i].syntax;
        return TRUE;
      }
  return FALSE;
}

static int
command_study (int argc, char **argv)
{
  g_autofree char *klass = NULL, *out = NULL, *masks_out = NULL, *cut = NULL, *syntax = NULL;
  g_autofree char *contrast = NULL;
  gint64 seed = 1;
  double severity = -1, pixel_spacing = 0.7, slice_spacing = 1.0, thickness = 0, noise = -1;
  int slices = 300, size = 512, threads = 0;
  gboolean nifti = FALSE, feet_first = FALSE, mirror = FALSE, no_shuffle = FALSE;
  GOptionEntry entries[] = {
    { "class", 0, 0, G_OPTION_ARG_STRING, &klass, "covid, bacterial, nodules, normal or random", "CLASS" },
    { "severity", 0, 0, G_OPTION_ARG_DOUBLE, &severity, "Target severity in the more-affected lung, %", "PERCENT" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Random seed", "N" },
    { "slices", 0, 0, G_OPTION_ARG_INT, &slices, "Number of slices (300)", "N" },
    { "size", 0, 0, G_OPTION_ARG_INT, &size, "Rows and columns (512)", "N" },
    { "pixel-spacing", 0, 0, G_OPTION_ARG_DOUBLE, &pixel_spacing, "Pixel spacing, mm (0.7)", "MM" },
    { "slice-spacing", 0, 0, G_OPTION_ARG_DOUBLE, &slice_spacing, "Slice spacing, mm (1.0)", "MM" },
    { "slice-thickness", 0, 0, G_OPTION_ARG_DOUBLE, &thickness, "Slice thickness, mm (= spacing)", "MM" },
    { "noise", 0, 0, G_OPTION_ARG_DOUBLE, &noise, "Noise SD, HU (drawn)", "HU" },
    { "contrast", 0, 0, G_OPTION_ARG_STRING, &contrast, "Intravenous contrast: yes or no (drawn)", "yes|no" },
    { "cut", 0, 0, G_OPTION_ARG_STRING, &cut, "Let the lungs run past the scan: top, bottom or both", "WHERE" },
    { "out", 0, 0, G_OPTION_ARG_FILENAME, &out, "Output folder", "DIR" },
    { "nifti", 0, 0, G_OPTION_ARG_NONE, &nifti, "Write one .nii.gz instead of a DICOM series", NULL },
    { "feet-first", 0, 0, G_OPTION_ARG_NONE, &feet_first, "Slice order from the feet up", NULL },
    { "mirror", 0, 0, G_OPTION_ARG_NONE, &mirror, "Columns run patient left to right", NULL },
    { "syntax", 0, 0, G_OPTION_ARG_STRING, &syntax, "explicit, jpeg-ls, jpeg2000 or rle", "NAME" },
    { "no-shuffle", 0, 0, G_OPTION_ARG_NONE, &no_shuffle, "File names in slice order", NULL },
    { "masks-out", 0, 0, G_OPTION_ARG_FILENAME, &masks_out, "Also write lungs.nii.gz and lesions.nii.gz here", "DIR" },
    { "threads", 0, 0, G_OPTION_ARG_INT, &threads, "Threads (all)", "N" },
    { NULL }
  };
  g_autoptr (GOptionContext) context = g_option_context_new ("- write one synthetic chest CT study");
  g_autoptr (GError) error = NULL;
  WriteRequest req = { 0 };
  PhantomStudy *study;

  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
                                "Synthetic data for testing and training; not a patient, not for clinical use.");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("ct-phantom study: %s\n", error->message);
      return 2;
    }
  phantom_params_init (&req.params);
  req.params.klass = PHANTOM_CLASS_COVID;
  if (out == NULL || (klass != NULL && !phantom_class_from_name (klass, &req.params.klass)) ||
      (syntax != NULL && !parse_syntax (syntax, &req.syntax)) ||
      (contrast != NULL && g_strcmp0 (contrast, "yes") != 0 && g_strcmp0 (contrast, "no") != 0) ||
      (cut != NULL && g_strcmp0 (cut, "top") != 0 && g_strcmp0 (cut, "bottom") != 0 && g_strcmp0 (cut, "both") != 0))
    {
      g_autofree char *help = g_option_context_get_help (context, TRUE, NULL);
      g_printerr ("ct-phantom study: bad or missing option\n%s", help);
      return 2;
    }
  req.params.seed = (guint64) seed;
  req.params.severity_percent = severity;
  req.params.nx = req.params.ny = size;
  req.params.nz = slices;
  req.params.pixel_spacing_mm = pixel_spacing;
  req.params.slice_spacing_mm = slice_spacing;
  req.params.slice_thickness_mm = thickness;
  req.params.noise_hu = noise;
  req.params.contrast = contrast == NULL ? -1 : g_strcmp0 (contrast, "yes") == 0;
  req.params.feet_first = feet_first;
  req.params.mirror_columns = mirror;
  req.params.threads = threads;
  if (cut != NULL)
    req.params.cut = g_strcmp0 (cut, "top") == 0      ? PHANTOM_CUT_TOP
                     : g_strcmp0 (cut, "bottom") == 0 ? PHANTOM_CUT_BOTTOM
                                                      : PHANTOM_CUT_TOP | PHANTOM_CUT_BOTTOM;
  req.nifti = nifti;
  req.shuffle = !no_shuffle;

  study = write_study (&req, out, masks_out, TRUE, &error);
  if (study == NULL)
    {
      g_printerr ("ct-phantom study: %s\n", error->message);
      return 1;
    }
  g_print ("%s: %s, severity %.1f %% (both lungs %.1f %%), %d x %d x %d\n", out, phantom_class_name (study->klass),
           study->severity_percent, study->severity_total_percent, study->nx, study->ny, study->nz);
  phantom_study_free (study);
  return 0;
}

/* The bundled demo: six studies that are quick to generate and analyse,
 * in folders whose names say nothing about their content. */
static int
command_demo (int argc, char **argv)
{
  static const struct
  {
    PhantomClass klass;
    double severity;
    int slices;
    double slice_mm, pixel_mm;
    gboolean feet_first;
    CtDicomSyntax syntax;
  } demo[] = {
    { PHANTOM_CLASS_COVID, 12, 64, 5.0, 0.74, FALSE, CT_DICOM_SYNTAX_EXPLICIT_LITTLE },
    { PHANTOM_CLASS_COVID, 38, 120, 2.5, 0.70, TRUE, CT_DICOM_SYNTAX_EXPLICIT_LITTLE },
    { PHANTOM_CLASS_COVID, 68, 100, 3.0, 0.82, FALSE, CT_DICOM_SYNTAX_JPEG2000_LOSSLESS },
    { PHANTOM_CLASS_BACTERIAL, 25, 64, 5.0, 0.78, FALSE, CT_DICOM_SYNTAX_EXPLICIT_LITTLE },
    { PHANTOM_CLASS_NODULES, -1, 100, 3.0, 0.66, TRUE, CT_DICOM_SYNTAX_RLE_LOSSLESS },
    { PHANTOM_CLASS_NORMAL, -1, 80, 4.0, 0.86, FALSE, CT_DICOM_SYNTAX_EXPLICIT_LITTLE },
  };
  const char *dir;
  g_autoptr (GString) truth = g_string_new ("[\n");
  g_autofree char *truth_path = NULL;
  int order[G_N_ELEMENTS (demo)];
  g_autoptr (GRand) rand = g_rand_new_with_seed (20200311);

  if (argc != 2 || argv[1][0] == '-')
    {
      g_printerr ("usage: ct-phantom demo DIR\n");
      return 2;
    }
  dir = argv[1];
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      g_printerr ("ct-phantom demo: cannot create %s\n", dir);
      return 1;
    }

  /* Folder k holds demo[order[k]]: the listing order is not the class order. */
  for (guint i = 0; i < G_N_ELEMENTS (demo); i++)
    order[i] = (int) i;
  for (int i = G_N_ELEMENTS (demo) - 1; i > 0; i--)
    {
      int j = g_rand_int_range (rand, 0, i + 1), t = order[i];
      order[i] = order[j];
      order[j] = t;
    }

  for (guint k = 0; k < G_N_ELEMENTS (demo); k++)
    {
      int d = order[k];
      WriteRequest req = { 0 };
      g_autoptr (GError) error = NULL;
      g_autofree char *name = g_strdup_printf ("study-%c%04X", 'A' + k, g_rand_int_range (rand, 0, 0xffff));
      g_autofree char *sub = g_build_filename (dir, name, NULL);
      g_autofree char *extra = NULL;
      PhantomStudy *study;
      FILE *mem;
      char *json = NULL;
      size_t json_len = 0;

      phantom_params_init (&req.params);
      req.params.seed = 1000 + 17 * (guint64) d;
      req.params.klass = demo[d].klass;
      req.params.severity_percent = demo[d].severity;
      req.params.nx = req.params.ny = 512;
      req.params.nz = demo[d].slices;
      req.params.slice_spacing_mm = demo[d].slice_mm;
      req.params.pixel_spacing_mm = demo[d].pixel_mm;
      req.params.feet_first = demo[d].feet_first;
      req.syntax = demo[d].syntax;
      req.shuffle = TRUE;

      g_print ("  %s ...\n", name);
      study = write_study (&req, sub, NULL, FALSE, &error);
      if (study == NULL)
        {
          g_printerr ("ct-phantom demo: %s\n", error->message);
          return 1;
        }
      {
        g_autofree char *study_uid = uid_from_seed (study->seed, "study");
        g_autofree char *series_uid = uid_from_seed (study->seed, "series");
        extra = g_strdup_printf ("  \"folder\": \"%s\",\n  \"study_uid\": \"%s\",\n  \"series_uid\": \"%s\",\n", name,
                                 study_uid, series_uid);
      }
      /* Collect the JSON object through a memory stream. */
      mem = open_memstream (&json, &json_len);
      if (mem == NULL || !phantom_study_write_json (study, extra, mem) || fclose (mem) != 0)
        {
          g_printerr ("ct-phantom demo: cannot format the truth\n");
          phantom_study_free (study);
          return 1;
        }
      while (json_len > 0 && json[json_len - 1] == '\n')
        json[--json_len] = '\0';
      g_string_append (truth, json);
      g_string_append (truth, k + 1 < G_N_ELEMENTS (demo) ? ",\n" : "\n");
      free (json);
      phantom_study_free (study);
    }
  g_string_append (truth, "]\n");

  /* The truth sits beside the studies: a JSON file is not a study. */
  truth_path = g_build_filename (dir, "truth.json", NULL);
  {
    g_autoptr (GError) error = NULL;
    if (!g_file_set_contents (truth_path, truth->str, (gssize) truth->len, &error))
      {
        g_printerr ("ct-phantom demo: %s\n", error->message);
        return 1;
      }
  }
  g_print ("Wrote %u synthetic studies and %s (synthetic data, not for clinical use)\n", (unsigned) G_N_ELEMENTS (demo),
           truth_path);
  return 0;
}

int
main (int argc, char **argv)
{
  /* No setlocale: the JSON needs "." as the decimal mark. */
  if (argc >= 2 && strcmp (argv[1], "study") == 0)
    return command_study (argc - 1, argv + 1);
  if (argc >= 2 && strcmp (argv[1], "demo") == 0)
    return command_demo (argc - 1, argv + 1);
  g_printerr ("usage: ct-phantom study --out DIR [--class C] [--severity P] [--seed N] [--slices N]\n"
              "                        [--nifti] [--feet-first] [--mirror] [--masks-out DIR] ...\n"
              "       ct-phantom demo DIR\n"
              "Synthetic chest CT for testing and training; not a patient, not for clinical use.\n");
  return 2;
}
