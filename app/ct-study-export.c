/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <string.h>

#include <glib/gi18n-lib.h>

#include "ct-error.h"
#include "ct-nifti.h"
#include "ct-report.h"
#include "ct-study-export.h"

char *
ct_study_export_dup_stem (CtStudy *study)
{
  const CtVolume *volume = ct_study_get_volume (study);
  const char *series_uid = ct_study_get_series_uid (study);
  g_autofree char *base = NULL;

  if (volume != NULL && volume->series_uid != NULL)
    return g_strdup (volume->series_uid);
  if (series_uid != NULL)
    return g_strdup (series_uid);
  base = g_path_get_basename (volume != NULL && volume->path != NULL ? volume->path : ct_study_get_path (study));
  if (g_str_has_suffix (base, ".gz"))
    base[strlen (base) - 3] = '\0';
  if (g_str_has_suffix (base, ".nii"))
    base[strlen (base) - 4] = '\0';
  return g_steal_pointer (&base);
}

/* The volume and analysis an export needs, or FALSE with an error. */
static gboolean
get_results (CtStudy *study, const CtVolume **out_volume, const CtAnalysis **out_analysis, GError **error)
{
  *out_volume = ct_study_get_volume (study);
  *out_analysis = ct_study_get_analysis (study);
  if (*out_volume == NULL || *out_analysis == NULL)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_FAILED, _ ("%s is not loaded and analysed"), ct_study_get_path (study));
      return FALSE;
    }
  return TRUE;
}

static gboolean
make_folder (const char *dir, GError **error)
{
  if (g_mkdir_with_parents (dir, 0755) != 0)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_IO, _ ("Cannot create %s"), dir);
      return FALSE;
    }
  return TRUE;
}

gboolean
ct_study_export_masks (CtStudy *study, const char *dir, GError **error)
{
  const CtVolume *volume;
  const CtAnalysis *analysis;
  g_autofree char *stem = NULL;
  g_autofree char *lungs_name = NULL, *lesions_name = NULL;
  g_autofree char *lungs = NULL, *lesions = NULL;

  g_return_val_if_fail (CT_IS_STUDY (study), FALSE);

  if (!get_results (study, &volume, &analysis, error))
    return FALSE;
  if (analysis->nx != volume->nx || analysis->ny != volume->ny || analysis->nz != volume->nz)
    {
      g_set_error_literal (error, CT_ERROR, CT_ERROR_FAILED, _ ("The masks are not on the volume's grid"));
      return FALSE;
    }
  if (!make_folder (dir, error))
    return FALSE;
  stem = ct_study_export_dup_stem (study);
  lungs_name = g_strconcat (stem, "_lungs.nii.gz", NULL);
  lesions_name = g_strconcat (stem, "_lesions.nii.gz", NULL);
  lungs = g_build_filename (dir, lungs_name, NULL);
  lesions = g_build_filename (dir, lesions_name, NULL);
  return ct_nifti_write_mask (volume, analysis->lung_mask, lungs, error) &&
         ct_nifti_write_mask (volume, analysis->lesion_mask, lesions, error);
}

gboolean
ct_study_export_report (CtStudy *study, const char *dir, GError **error)
{
  CtReportInfo info = { 0 };
  g_autofree char *stem = NULL;
  g_autofree char *name = NULL;
  g_autofree char *path = NULL;

  g_return_val_if_fail (CT_IS_STUDY (study), FALSE);

  if (!get_results (study, &info.volume, &info.analysis, error) || !make_folder (dir, error))
    return FALSE;
  stem = ct_study_export_dup_stem (study);
  name = g_strconcat (stem, ".pdf", NULL);
  path = g_build_filename (dir, name, NULL);
  return ct_report_write (&info, path, CT_REPORT_FORMAT_PDF, error);
}
