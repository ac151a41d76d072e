/* SPDX-License-Identifier: MIT */
#include "ct-dicom-writer.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "ct-error.h"
#include "ct-gdcm.h"

void
ct_dicom_write_options_init (CtDicomWriteOptions *options)
{
  g_return_if_fail (options != NULL);

  memset (options, 0, sizeof *options);
  options->rescale_intercept = -1024.0;
  options->syntax = CT_DICOM_SYNTAX_EXPLICIT_LITTLE;
}

static CtGdcmSyntax
syntax_to_gdcm (CtDicomSyntax syntax)
{
  switch (syntax)
    {
    case CT_DICOM_SYNTAX_JPEG_LS_LOSSLESS:
      return CT_GDCM_SYNTAX_JPEG_LS_LOSSLESS;
    case CT_DICOM_SYNTAX_JPEG2000_LOSSLESS:
      return CT_GDCM_SYNTAX_JPEG2000_LOSSLESS;
    case CT_DICOM_SYNTAX_RLE_LOSSLESS:
      return CT_GDCM_SYNTAX_RLE_LOSSLESS;
    case CT_DICOM_SYNTAX_EXPLICIT_LITTLE:
    default:
      return CT_GDCM_SYNTAX_EXPLICIT_LITTLE;
    }
}

/* HU -> stored int16 for intercept @intercept and slope 1. */
static gint16
hu_to_stored (float hu, double intercept)
{
  double v = rint ((double) hu - intercept);

  if (!(v >= G_MININT16)) /* also catches NaN */
    return G_MININT16;
  if (v > G_MAXINT16)
    return G_MAXINT16;
  return (gint16) v;
}

gboolean
ct_dicom_write_series (const CtVolume *volume, const char *directory, const CtDicomWriteOptions *options,
                       GError **error)
{
  CtDicomWriteOptions defaults;
  g_autofree char *study_uid = NULL;
  g_autofree char *series_uid = NULL;
  g_autofree char *frame_uid = NULL;
  g_autofree int *file_index = NULL;
  g_autofree gint16 *pixels = NULL;
  gsize slice_voxels;

  g_return_val_if_fail (volume != NULL && volume->hu != NULL, FALSE);
  g_return_val_if_fail (directory != NULL, FALSE);

  if (options == NULL)
    {
      ct_dicom_write_options_init (&defaults);
      options = &defaults;
    }

  if (g_mkdir_with_parents (directory, 0755) != 0)
    {
      int saved = errno;
      g_set_error (error, CT_ERROR, CT_ERROR_IO, "Cannot create folder %s: %s", directory, g_strerror (saved));
      return FALSE;
    }

  study_uid = volume->study_uid ? g_strdup (volume->study_uid) : ct_gdcm_generate_uid ();
  series_uid = volume->series_uid ? g_strdup (volume->series_uid) : ct_gdcm_generate_uid ();
  frame_uid = ct_gdcm_generate_uid ();
  if (study_uid == NULL || series_uid == NULL || frame_uid == NULL)
    {
      g_set_error_literal (error, CT_ERROR, CT_ERROR_FAILED, "Cannot generate DICOM UIDs");
      return FALSE;
    }

  /* file_index[k]: the number in slice k's file name. */
  file_index = g_new (int, volume->nz);
  for (int k = 0; k < volume->nz; k++)
    file_index[k] = k;
  if (options->shuffle_file_names)
    {
      g_autoptr (GRand) rand = g_rand_new_with_seed (options->seed);
      for (int k = volume->nz - 1; k > 0; k--)
        {
          int other = g_rand_int_range (rand, 0, k + 1);
          int t = file_index[k];
          file_index[k] = file_index[other];
          file_index[other] = t;
        }
    }

  slice_voxels = (gsize) volume->nx * volume->ny;
  pixels = g_new (gint16, slice_voxels);

  for (int k = 0; k < volume->nz; k++)
    {
      CtGdcmSliceSpec spec = { 0 };
      g_autofree char *name = g_strdup_printf ("IM%05d.dcm", file_index[k]);
      g_autofree char *path = g_build_filename (directory, name, NULL);
      g_autofree char *sop_uid = ct_gdcm_generate_uid ();
      const float *slice = volume->hu + (gsize) k * slice_voxels;

      for (gsize i = 0; i < slice_voxels; i++)
        pixels[i] = hu_to_stored (slice[i], options->rescale_intercept);

      spec.path = path;
      spec.rows = volume->ny;
      spec.columns = volume->nx;
      spec.pixels = pixels;
      ct_volume_voxel_to_patient (volume, 0, 0, k, spec.position);
      memcpy (spec.orientation, volume->direction, 6 * sizeof (double));
      spec.pixel_spacing[0] = volume->spacing[1];
      spec.pixel_spacing[1] = volume->spacing[0];
      spec.slice_thickness = volume->spacing[2];
      spec.rescale_slope = 1.0;
      spec.rescale_intercept = options->rescale_intercept;
      spec.instance_number = k + 1;
      spec.study_uid = study_uid;
      spec.series_uid = series_uid;
      spec.sop_instance_uid = sop_uid;
      spec.frame_of_reference_uid = frame_uid;
      spec.patient_id = volume->patient_id ? volume->patient_id : "ANONYMOUS";
      spec.patient_name = volume->patient_name;
      spec.study_date = volume->study_date;
      spec.accession_number = volume->accession_number;
      spec.patient_age = volume->patient_age;
      spec.patient_sex = volume->patient_sex;
      spec.series_number = volume->series_number;
      spec.series_description = options->series_description  ? options->series_description
                                : volume->series_description ? volume->series_description
                                                             : "ct-triage";
      spec.syntax = syntax_to_gdcm (options->syntax);

      if (sop_uid == NULL || !ct_gdcm_write_ct_slice (&spec, error))
        {
          if (sop_uid == NULL)
            g_set_error_literal (error, CT_ERROR, CT_ERROR_FAILED, "Cannot generate DICOM UIDs");
          return FALSE;
        }
    }
  return TRUE;
}

gboolean
ct_dicom_write_multiframe (const CtVolume *volume, const char *path, const CtDicomWriteOptions *options, GError **error)
{
  CtDicomWriteOptions defaults;
  CtGdcmSliceSpec spec = { 0 };
  g_autofree char *study_uid = NULL, *series_uid = NULL, *frame_uid = NULL, *sop_uid = NULL;
  g_autofree gint16 *pixels = NULL;
  const double *d = volume->direction;
  double normal[3];
  gsize n;

  g_return_val_if_fail (volume != NULL && volume->hu != NULL && path != NULL, FALSE);

  if (options == NULL)
    {
      ct_dicom_write_options_init (&defaults);
      options = &defaults;
    }
  normal[0] = d[1] * d[5] - d[2] * d[4];
  normal[1] = d[2] * d[3] - d[0] * d[5];
  normal[2] = d[0] * d[4] - d[1] * d[3];
  if (fabs (normal[0] - d[6]) + fabs (normal[1] - d[7]) + fabs (normal[2] - d[8]) > 1e-6)
    {
      g_set_error (error, CT_ERROR, CT_ERROR_FAILED, "%s: a legacy multi-frame image needs slices along the normal",
                   path);
      return FALSE;
    }

  n = ct_volume_n_voxels (volume);
  pixels = g_new (gint16, n);
  for (gsize i = 0; i < n; i++)
    pixels[i] = hu_to_stored (volume->hu[i], options->rescale_intercept);
  study_uid = volume->study_uid ? g_strdup (volume->study_uid) : ct_gdcm_generate_uid ();
  series_uid = volume->series_uid ? g_strdup (volume->series_uid) : ct_gdcm_generate_uid ();
  frame_uid = ct_gdcm_generate_uid ();
  sop_uid = ct_gdcm_generate_uid ();
  if (study_uid == NULL || series_uid == NULL || frame_uid == NULL || sop_uid == NULL)
    {
      g_set_error_literal (error, CT_ERROR, CT_ERROR_FAILED, "Cannot generate DICOM UIDs");
      return FALSE;
    }

  spec.path = path;
  spec.rows = volume->ny;
  spec.columns = volume->nx;
  spec.pixels = pixels;
  spec.n_frames = volume->nz;
  spec.spacing_between_slices = volume->spacing[2];
  memcpy (spec.position, volume->origin, sizeof spec.position);
  memcpy (spec.orientation, volume->direction, 6 * sizeof (double));
  spec.pixel_spacing[0] = volume->spacing[1];
  spec.pixel_spacing[1] = volume->spacing[0];
  spec.slice_thickness = volume->spacing[2];
  spec.rescale_slope = 1.0;
  spec.rescale_intercept = options->rescale_intercept;
  spec.instance_number = 1;
  spec.study_uid = study_uid;
  spec.series_uid = series_uid;
  spec.sop_instance_uid = sop_uid;
  spec.frame_of_reference_uid = frame_uid;
  spec.patient_id = volume->patient_id ? volume->patient_id : "ANONYMOUS";
  spec.patient_name = volume->patient_name;
  spec.study_date = volume->study_date;
  spec.accession_number = volume->accession_number;
  spec.patient_age = volume->patient_age;
  spec.patient_sex = volume->patient_sex;
  spec.series_number = volume->series_number;
  spec.series_description = options->series_description ? options->series_description : "ct-triage";
  spec.syntax = syntax_to_gdcm (options->syntax);
  return ct_gdcm_write_ct_slice (&spec, error);
}
