/* SPDX-License-Identifier: MIT */
/* The DICOM and NIfTI writers: what they write reads back with the same
 * geometry and values through GDCM and libniftiio. The loader's own round
 * trip (write -> ct_dicom_load) is in test-dicom-loader.c. */
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "ct-dicom-writer.h"
#include "ct-error.h"
#include "ct-gdcm.h"
#include "ct-nifti.h"
#include "test-util.h"

/* A small oblique, feet-first volume whose voxel values encode their index,
 * so that any reordering shows. */
static CtVolume *
make_test_volume_sized (int nx, int ny, int nz)
{
  CtVolume *v = ct_volume_new (nx, ny, nz);
  /* rows tilted 30 degrees about z; slices go to patient inferior */
  const double c = cos (G_PI / 6), s = sin (G_PI / 6);
  const double direction[9] = { c, s, 0, -s, c, 0, 0, 0, -1 };

  memcpy (v->direction, direction, sizeof direction);
  v->spacing[0] = 0.75;
  v->spacing[1] = 0.8;
  v->spacing[2] = 2.5;
  v->origin[0] = -120.25;
  v->origin[1] = 33.5;
  v->origin[2] = 410.0;
  for (int k = 0; k < v->nz; k++)
    for (int j = 0; j < v->ny; j++)
      for (int i = 0; i < v->nx; i++)
        v->hu[((gsize) k * v->ny + j) * v->nx + i] = -1000.0f + 1000 * k + 10 * j + i;
  v->patient_id = g_strdup ("PHANTOM-7");
  return v;
}

static CtVolume *
make_test_volume (void)
{
  return make_test_volume_sized (7, 5, 4);
}

static void
check_series_files (const char *dir, const CtVolume *v, double intercept, const char *syntax_uid)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  int n_files = 0;
  g_autofree gboolean *seen = g_new0 (gboolean, v->nz);
  g_autofree char *series_uid = NULL;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (CtGdcmHeader) h = ct_gdcm_read_header (path, &error);
      g_autofree float *values = NULL;
      int k;
      double expected[3];

      g_assert_no_error (error);
      g_assert_nonnull (h);
      g_assert_cmpstr (h->modality, ==, "CT");
      g_assert_cmpstr (h->sop_class_uid, ==, "1.2.840.10008.5.1.4.1.1.2");
      g_assert_cmpstr (h->image_type, ==, "ORIGINAL\\PRIMARY\\AXIAL");
      g_assert_cmpstr (h->patient_id, ==, "PHANTOM-7");
      g_assert_cmpstr (h->transfer_syntax_uid, ==, syntax_uid);
      if (series_uid == NULL)
        series_uid = g_strdup (h->series_uid);
      g_assert_cmpstr (h->series_uid, ==, series_uid);
      g_assert_cmpint (h->rows, ==, v->ny);
      g_assert_cmpint (h->columns, ==, v->nx);
      g_assert_true (h->has_position && h->has_orientation && h->has_pixel_spacing);
      g_assert_cmpfloat_with_epsilon (h->pixel_spacing[0], v->spacing[1], 1e-9);
      g_assert_cmpfloat_with_epsilon (h->pixel_spacing[1], v->spacing[0], 1e-9);
      g_assert_cmpfloat_with_epsilon (h->slice_thickness, v->spacing[2], 1e-9);
      g_assert_cmpfloat_with_epsilon (h->rescale_intercept, intercept, 1e-9);
      g_assert_cmpfloat_with_epsilon (h->rescale_slope, 1.0, 1e-12);
      for (int a = 0; a < 6; a++)
        g_assert_cmpfloat_with_epsilon (h->orientation[a], v->direction[a], 1e-9);

      k = h->instance_number - 1;
      g_assert_cmpint (k, >=, 0);
      g_assert_cmpint (k, <, v->nz);
      g_assert_false (seen[k]);
      seen[k] = TRUE;
      ct_volume_voxel_to_patient (v, 0, 0, k, expected);
      for (int a = 0; a < 3; a++)
        g_assert_cmpfloat_with_epsilon (h->position[a], expected[a], 1e-9);

      values = g_new (float, (gsize) v->nx * v->ny);
      g_assert_true (ct_gdcm_read_pixels (path, values, (gsize) v->nx * v->ny, &error));
      g_assert_no_error (error);
      for (int j = 0; j < v->ny; j++)
        for (int i = 0; i < v->nx; i++)
          g_assert_cmpfloat (values[j * v->nx + i] + intercept, ==, ct_volume_get (v, i, j, k));
      n_files++;
    }
  g_assert_cmpint (n_files, ==, v->nz);
}

static void
test_dicom_writer_syntax (gconstpointer data)
{
  const CtDicomSyntax syntax = GPOINTER_TO_INT (data);
  static const char *const uids[] = {
    "1.2.840.10008.1.2.1",
    "1.2.840.10008.1.2.4.80",
    "1.2.840.10008.1.2.4.90",
    "1.2.840.10008.1.2.5",
  };
  /* JPEG 2000 needs 16x16 at least (see test_dicom_writer_j2k_small). */
  g_autoptr (CtVolume) v = make_test_volume_sized (40, 33, 4);
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ct-writer-XXXXXX", &error);
  g_autofree char *dir = g_build_filename (tmp, "series", NULL);
  CtDicomWriteOptions options;

  g_assert_no_error (error);
  ct_dicom_write_options_init (&options);
  options.syntax = syntax;
  options.rescale_intercept = syntax == CT_DICOM_SYNTAX_EXPLICIT_LITTLE ? -1024 : 0;
  options.shuffle_file_names = TRUE;
  options.seed = 42;
  g_assert_true (ct_dicom_write_series (v, dir, &options, &error));
  g_assert_no_error (error);
  check_series_files (dir, v, options.rescale_intercept, uids[syntax]);
  test_util_remove_tree (dir);
  g_rmdir (tmp);
}

/* GDCM's JPEG 2000 encoder crashes on tiny images: the writer must refuse
 * them with an error instead. */
static void
test_dicom_writer_j2k_small (void)
{
  g_autoptr (CtVolume) v = make_test_volume ();
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ct-writer-XXXXXX", &error);
  CtDicomWriteOptions options;

  ct_dicom_write_options_init (&options);
  options.syntax = CT_DICOM_SYNTAX_JPEG2000_LOSSLESS;
  g_assert_false (ct_dicom_write_series (v, tmp, &options, &error));
  g_assert_error (error, CT_ERROR, CT_ERROR_UNSUPPORTED_SYNTAX);
  test_util_remove_tree (tmp);
}

static void
test_dicom_writer_shuffles_names (void)
{
  g_autoptr (CtVolume) v = make_test_volume ();
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ct-writer-XXXXXX", &error);
  CtDicomWriteOptions options;
  int in_order = 0;

  ct_dicom_write_options_init (&options);
  options.shuffle_file_names = TRUE;
  options.seed = 7;
  g_assert_true (ct_dicom_write_series (v, tmp, &options, &error));
  g_assert_no_error (error);
  for (int f = 0; f < v->nz; f++)
    {
      g_autofree char *name = g_strdup_printf ("IM%05d.dcm", f);
      g_autofree char *path = g_build_filename (tmp, name, NULL);
      g_autoptr (CtGdcmHeader) h = ct_gdcm_read_header (path, &error);
      g_assert_no_error (error);
      in_order += h->instance_number == f + 1;
    }
  /* Seed 7 gives a permutation that is not the identity. */
  g_assert_cmpint (in_order, <, v->nz);
  test_util_remove_tree (tmp);
}

static void
test_nifti_volume_round_trip (void)
{
  g_autoptr (CtVolume) v = make_test_volume ();
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ct-nifti-XXXXXX", &error);
  const char *names[] = { "v.nii.gz", "v.nii" };

  v->hu[3] = 12.25f; /* forces float32 */
  for (guint n = 0; n < G_N_ELEMENTS (names); n++)
    {
      g_autofree char *path = g_build_filename (tmp, names[n], NULL);
      g_autoptr (CtVolume) back = NULL;

      g_assert_true (ct_nifti_write_volume (v, path, &error));
      g_assert_no_error (error);
      back = ct_nifti_load (path, &error);
      g_assert_no_error (error);
      g_assert_cmpint (back->nx, ==, v->nx);
      g_assert_cmpint (back->ny, ==, v->ny);
      g_assert_cmpint (back->nz, ==, v->nz);
      /* NIfTI stores the affine in float32: about 1e-7 relative. */
      for (int a = 0; a < 3; a++)
        {
          g_assert_cmpfloat_with_epsilon (back->spacing[a], v->spacing[a], 1e-5);
          g_assert_cmpfloat_with_epsilon (back->origin[a], v->origin[a], 1e-4);
        }
      for (int a = 0; a < 9; a++)
        g_assert_cmpfloat_with_epsilon (back->direction[a], v->direction[a], 1e-6);
      g_assert_cmpmem (back->hu, ct_volume_n_voxels (v) * sizeof (float), v->hu,
                       ct_volume_n_voxels (v) * sizeof (float));
      g_remove (path);
    }
  g_rmdir (tmp);
}

static void
test_nifti_mask_round_trip (void)
{
  g_autoptr (CtVolume) v = make_test_volume ();
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ct-nifti-XXXXXX", &error);
  g_autofree char *path = g_build_filename (tmp, "mask.nii.gz", NULL);
  gsize n = ct_volume_n_voxels (v);
  g_autofree guint8 *mask = g_new (guint8, n);
  g_autoptr (CtVolume) back = NULL;

  for (gsize i = 0; i < n; i++)
    mask[i] = (guint8) (i % 3);
  g_assert_true (ct_nifti_write_mask (v, mask, path, &error));
  g_assert_no_error (error);
  back = ct_nifti_load (path, &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < n; i++)
    g_assert_cmpfloat (back->hu[i], ==, mask[i]);
  for (int a = 0; a < 9; a++)
    g_assert_cmpfloat_with_epsilon (back->direction[a], v->direction[a], 1e-6);
  g_remove (path);
  g_rmdir (tmp);
}

static void
test_nifti_refuses_garbage (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ct-nifti-XXXXXX", &error);
  g_autofree char *path = g_build_filename (tmp, "bad.nii", NULL);
  CtVolume *v;

  g_assert_true (g_file_set_contents (path, "not a nifti file at all", -1, NULL));
  v = ct_nifti_load (path, &error);
  g_assert_null (v);
  g_assert_error (error, CT_ERROR, CT_ERROR_CORRUPT);
  g_remove (path);
  g_rmdir (tmp);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/writers/dicom/explicit-little", GINT_TO_POINTER (CT_DICOM_SYNTAX_EXPLICIT_LITTLE),
                        test_dicom_writer_syntax);
  g_test_add_data_func ("/writers/dicom/jpeg-ls", GINT_TO_POINTER (CT_DICOM_SYNTAX_JPEG_LS_LOSSLESS),
                        test_dicom_writer_syntax);
  g_test_add_data_func ("/writers/dicom/jpeg2000", GINT_TO_POINTER (CT_DICOM_SYNTAX_JPEG2000_LOSSLESS),
                        test_dicom_writer_syntax);
  g_test_add_data_func ("/writers/dicom/rle", GINT_TO_POINTER (CT_DICOM_SYNTAX_RLE_LOSSLESS), test_dicom_writer_syntax);
  g_test_add_func ("/writers/dicom/jpeg2000-small", test_dicom_writer_j2k_small);
  g_test_add_func ("/writers/dicom/shuffled-names", test_dicom_writer_shuffles_names);
  g_test_add_func ("/writers/nifti/volume", test_nifti_volume_round_trip);
  g_test_add_func ("/writers/nifti/mask", test_nifti_mask_round_trip);
  g_test_add_func ("/writers/nifti/garbage", test_nifti_refuses_garbage);
  return g_test_run ();
}
