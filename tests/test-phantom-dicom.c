/* SPDX-License-Identifier: MIT */
/* The phantom written as a DICOM series (shuffled file names, feet first,
 * its drawn rescale intercept) and as NIfTI loads back voxel for voxel at
 * the same patient coordinates. */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "ct-dicom-writer.h"
#include "ct-nifti.h"
#include "ct-series-loader.h"
#include "ct-volume.h"
#include "phantom.h"
#include "ct-phantom-volume.h"

static PhantomStudy *
make_study (guint64 seed, int feet_first, int mirror)
{
  PhantomParams p;
  char error[256] = "";
  PhantomStudy *s;

  phantom_params_init (&p);
  p.seed = seed;
  p.klass = PHANTOM_CLASS_COVID;
  p.severity_percent = 30;
  p.nx = 64;
  p.ny = 56;
  p.nz = 24;
  p.pixel_spacing_mm = 6.0;
  p.slice_spacing_mm = 12.0;
  p.slice_thickness_mm = 2.5;
  p.feet_first = feet_first;
  p.mirror_columns = mirror;
  s = phantom_generate (&p, error, sizeof error);
  if (s == NULL)
    g_error ("phantom_generate: %s", error);
  return s;
}

static CtVolume *
volume_of (const PhantomStudy *s)
{
  CtVolume *v = ct_phantom_volume_new (s);
  v->modality = g_strdup ("CT");
  return v;
}

/* Index of the phantom voxel at LPS point p, or FALSE off the grid. */
static gboolean
phantom_index_at (const PhantomStudy *s, const double p[3], gsize *index)
{
  int ijk[3];
  for (int a = 0; a < 3; a++)
    {
      const double *dir = &s->direction[3 * a];
      double t = ((p[0] - s->origin[0]) * dir[0] + (p[1] - s->origin[1]) * dir[1] + (p[2] - s->origin[2]) * dir[2]) /
                 s->spacing[a];
      ijk[a] = (int) lround (t);
      if (fabs (t - ijk[a]) > 1e-3)
        return FALSE;
    }
  if (ijk[0] < 0 || ijk[0] >= s->nx || ijk[1] < 0 || ijk[1] >= s->ny || ijk[2] < 0 || ijk[2] >= s->nz)
    return FALSE;
  *index = ((gsize) ijk[2] * s->ny + ijk[1]) * s->nx + ijk[0];
  return TRUE;
}

static void
assert_same_patient (const PhantomStudy *s, const CtVolume *loaded, double tolerance)
{
  gsize checked = 0;

  g_assert_cmpint (loaded->nx * loaded->ny * loaded->nz, ==, s->nx * s->ny * s->nz);
  for (int k = 0; k < loaded->nz; k++)
    for (int j = 0; j < loaded->ny; j++)
      for (int i = 0; i < loaded->nx; i++)
        {
          double p[3];
          gsize index = 0;
          ct_volume_voxel_to_patient (loaded, i, j, k, p);
          g_assert_true (phantom_index_at (s, p, &index));
          g_assert_cmpfloat (fabs (ct_volume_get (loaded, i, j, k) - s->hu[index]), <=, tolerance);
          checked++;
        }
  g_assert_cmpuint (checked, ==, (gsize) s->nx * s->ny * s->nz);
}

static void
test_phantom_dicom_round_trip (void)
{
  static const int orientations[][2] = { { 0, 0 }, { 1, 0 }, { 0, 1 } };

  for (guint o = 0; o < G_N_ELEMENTS (orientations); o++)
    {
      PhantomStudy *s = make_study (70 + o, orientations[o][0], orientations[o][1]);
      g_autoptr (CtVolume) v = volume_of (s);
      g_autoptr (CtVolume) loaded = NULL;
      g_autoptr (GError) error = NULL;
      g_autofree char *dir = g_dir_make_tmp ("phantom-dicom-XXXXXX", &error);
      CtDicomWriteOptions options;

      g_assert_no_error (error);
      ct_dicom_write_options_init (&options);
      options.rescale_intercept = s->rescale_intercept;
      options.shuffle_file_names = TRUE;
      options.seed = 5 + o;
      g_assert_true (ct_dicom_write_series (v, dir, &options, &error));
      g_assert_no_error (error);

      loaded = ct_series_load_path (dir, NULL, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (loaded);
      /* Stored as integers: within rounding of the float phantom. */
      assert_same_patient (s, loaded, 0.5 + 1e-3);

      {
        g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
        const char *name;
        while (d != NULL && (name = g_dir_read_name (d)) != NULL)
          {
            g_autofree char *path = g_build_filename (dir, name, NULL);
            g_unlink (path);
          }
        g_rmdir (dir);
      }
      phantom_study_free (s);
    }
}

static void
test_phantom_nifti_round_trip (void)
{
  PhantomStudy *s = make_study (80, 1, 0);
  g_autoptr (CtVolume) v = volume_of (s);
  g_autoptr (CtVolume) loaded = NULL;
  g_autoptr (CtVolume) mask = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("phantom-nifti-XXXXXX", &error);
  g_autofree char *image = g_build_filename (dir, "image.nii.gz", NULL);
  g_autofree char *lungs = g_build_filename (dir, "lungs.nii.gz", NULL);

  g_assert_no_error (error);
  g_assert_true (ct_nifti_write_volume (v, image, &error));
  g_assert_no_error (error);
  g_assert_true (ct_nifti_write_mask (v, s->lungs, lungs, &error));
  g_assert_no_error (error);

  loaded = ct_nifti_load (image, &error);
  g_assert_no_error (error);
  assert_same_patient (s, loaded, 1e-3);

  mask = ct_nifti_load (lungs, &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < ct_volume_n_voxels (mask); i++)
    g_assert_cmpfloat (mask->hu[i], ==, s->lungs[i]);

  g_unlink (image);
  g_unlink (lungs);
  g_rmdir (dir);
  phantom_study_free (s);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/phantom/dicom-round-trip", test_phantom_dicom_round_trip);
  g_test_add_func ("/phantom/nifti-round-trip", test_phantom_nifti_round_trip);
  return g_test_run ();
}
