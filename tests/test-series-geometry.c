/* SPDX-License-Identifier: MIT */
/* Series assembly from synthetic slice headers: sorting along the normal
 * (never by InstanceNumber or input order), feet-first and flipped-row
 * stacks, uneven gaps, duplicates, mixed sizes and gantry tilt. */
#include <math.h>
#include <string.h>

#include "ct-error.h"
#include "ct-series-geometry.h"
#include "ct-series-loader.h"

static void
axial_plane (CtSlicePlane *s, double z, int instance)
{
  static const double axial[6] = { 1, 0, 0, 0, 1, 0 };

  memset (s, 0, sizeof *s);
  s->rows = 64;
  s->columns = 80;
  s->has_position = TRUE;
  s->position[0] = -100;
  s->position[1] = -120;
  s->position[2] = z;
  s->has_orientation = TRUE;
  memcpy (s->orientation, axial, sizeof axial);
  s->has_pixel_spacing = TRUE;
  s->pixel_spacing[0] = 0.8; /* between rows */
  s->pixel_spacing[1] = 0.7; /* between columns */
  s->slice_thickness = 5.0;  /* deliberately not the spacing */
  s->instance_number = instance;
}

static void
test_shuffled (void)
{
  /* Input order and InstanceNumber both scrambled; only positions count. */
  static const int shuffled_k[10] = { 7, 2, 9, 0, 5, 1, 8, 3, 6, 4 };
  CtSlicePlane planes[10];
  g_autoptr (GError) error = NULL;
  g_autoptr (CtSeriesGeometry) g = NULL;

  for (int a = 0; a < 10; a++)
    axial_plane (&planes[a], 100.0 + 2.5 * shuffled_k[a], 100 - a);
  g = ct_series_geometry_compute (planes, 10, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g->n_slices, ==, 10);
  for (guint k = 0; k < 10; k++)
    g_assert_cmpint (shuffled_k[g->order[k]], ==, (int) k);
  g_assert_cmpfloat_with_epsilon (g->spacing[0], 0.7, 1e-12);
  g_assert_cmpfloat_with_epsilon (g->spacing[1], 0.8, 1e-12);
  g_assert_cmpfloat_with_epsilon (g->spacing[2], 2.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (g->origin[2], 100.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (g->direction[8], 1.0, 1e-12);
  g_assert_cmpfloat (g->tilt_degrees, <, 1e-6);
  g_assert_false (g->uneven);
  g_assert_cmpuint (g->warnings->len, ==, 0);
}

static void
test_feet_first (void)
{
  /* A feet-first scan numbers slices from the feet up and, for the same
   * patient axes, a flipped row direction (-1, 0, 0) turns the normal to
   * -z: k must then run to patient inferior, origin at the top slice. */
  CtSlicePlane planes[6];
  g_autoptr (GError) error = NULL;
  g_autoptr (CtSeriesGeometry) g = NULL;

  for (int a = 0; a < 6; a++)
    {
      axial_plane (&planes[a], -50.0 + 3.0 * a, a + 1);
      planes[a].orientation[0] = -1;
    }
  g = ct_series_geometry_compute (planes, 6, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g->n_slices, ==, 6);
  g_assert_cmpuint (g->order[0], ==, 5);
  g_assert_cmpuint (g->order[5], ==, 0);
  g_assert_cmpfloat_with_epsilon (g->origin[2], -35.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (g->direction[8], -1.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (g->direction[0], -1.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (g->spacing[2], 3.0, 1e-9);
}

static void
test_uneven_gaps (void)
{
  /* 0, 2, 4, 8, 10: one slice missing at 6. */
  static const double z[5] = { 8, 0, 10, 4, 2 };
  CtSlicePlane planes[5];
  g_autoptr (GError) error = NULL;
  g_autoptr (CtSeriesGeometry) g = NULL;

  for (int a = 0; a < 5; a++)
    axial_plane (&planes[a], z[a], a);
  g = ct_series_geometry_compute (planes, 5, &error);
  g_assert_no_error (error);
  g_assert_true (g->uneven);
  g_assert_cmpuint (g->n_missing, ==, 1);
  g_assert_cmpfloat_with_epsilon (g->spacing[2], 2.0, 1e-9);
  g_assert_cmpuint (g->warnings->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (g->warnings, 0), "missing"));
}

static void
test_duplicates (void)
{
  /* Two slices at z = 2: the one with the lower InstanceNumber stays. */
  static const double z[4] = { 2, 0, 2, 4 };
  static const int instance[4] = { 9, 1, 3, 4 };
  CtSlicePlane planes[4];
  g_autoptr (GError) error = NULL;
  g_autoptr (CtSeriesGeometry) g = NULL;

  for (int a = 0; a < 4; a++)
    axial_plane (&planes[a], z[a], instance[a]);
  g = ct_series_geometry_compute (planes, 4, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g->n_slices, ==, 3);
  g_assert_cmpuint (g->n_duplicates, ==, 1);
  g_assert_cmpuint (g->order[0], ==, 1);
  g_assert_cmpuint (g->order[1], ==, 2);
  g_assert_cmpuint (g->order[2], ==, 3);
  g_assert_false (g->uneven);
  g_assert_cmpuint (g->warnings->len, ==, 1);
}

static void
test_mixed_sizes (void)
{
  CtSlicePlane planes[6];
  g_autoptr (GError) error = NULL;
  g_autoptr (CtSeriesGeometry) g = NULL;
  CtSeriesGeometry *tie;

  for (int a = 0; a < 6; a++)
    axial_plane (&planes[a], a, a);
  planes[4].rows = 32;
  g = ct_series_geometry_compute (planes, 6, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g->n_slices, ==, 5);
  g_assert_cmpuint (g->n_mismatched, ==, 1);
  for (guint k = 0; k < g->n_slices; k++)
    g_assert_cmpuint (g->order[k], !=, 4);

  /* Three and three: no majority, no guess. */
  planes[3].rows = planes[5].rows = 32;
  tie = ct_series_geometry_compute (planes, 6, &error);
  g_assert_null (tie);
  g_assert_error (error, CT_ERROR, CT_ERROR_INCONSISTENT_SERIES);
}

static void
test_gantry_tilt (void)
{
  /* Each slice steps 2 mm up and 0.5 mm back: a tilt of atan (0.5 / 2). */
  CtSlicePlane planes[5];
  g_autoptr (GError) error = NULL;
  g_autoptr (CtSeriesGeometry) g = NULL;
  const double step = sqrt (0.25 + 4.0);

  for (int a = 0; a < 5; a++)
    {
      axial_plane (&planes[a], 2.0 * (4 - a), a);
      planes[a].position[1] += 0.5 * (4 - a);
    }
  g = ct_series_geometry_compute (planes, 5, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (g->tilt_degrees, atan (0.25) * 180 / G_PI, 1e-9);
  g_assert_cmpfloat_with_epsilon (g->spacing[2], step, 1e-9);
  g_assert_cmpfloat_with_epsilon (g->direction[7], 0.5 / step, 1e-9);
  g_assert_cmpfloat_with_epsilon (g->direction[8], 2.0 / step, 1e-9);
  /* Voxel (0, 0, 4) lands exactly on the last slice's position. */
  for (int a = 0; a < 3; a++)
    g_assert_cmpfloat_with_epsilon (g->origin[a] + 4 * g->spacing[2] * g->direction[6 + a], planes[0].position[a],
                                    1e-9);
  g_assert_cmpuint (g->warnings->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (g->warnings, 0), "tilt"));
}

static void
test_no_positions (void)
{
  CtSlicePlane planes[3];
  g_autoptr (GError) error = NULL;
  g_autoptr (CtSeriesGeometry) g = NULL;

  for (int a = 0; a < 3; a++)
    {
      axial_plane (&planes[a], 0, 3 - a);
      planes[a].has_position = FALSE;
    }
  g = ct_series_geometry_compute (planes, 3, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g->order[0], ==, 2);
  g_assert_cmpuint (g->order[2], ==, 0);
  g_assert_cmpfloat_with_epsilon (g->spacing[2], 5.0, 1e-12);
  g_assert_cmpuint (g->warnings->len, ==, 1);
}

static void
test_degenerate_orientation (void)
{
  CtSlicePlane plane;
  g_autoptr (GError) error = NULL;

  axial_plane (&plane, 0, 1);
  memset (plane.orientation, 0, sizeof plane.orientation);
  g_assert_null (ct_series_geometry_compute (&plane, 1, &error));
  g_assert_error (error, CT_ERROR, CT_ERROR_CORRUPT);
}

/* Findings of fuzz-series (docs/bad-input.md), on the geometry: a slice step
 * taken from the header (no positions, or one slice) gets the gap limits,
 * and a stack advancing mostly within its plane is refused. */
static void
test_fuzz_step_limits (void)
{
  CtSlicePlane planes[5];
  const double bad[] = { 1e-309, INFINITY, 400.0 };

  for (guint b = 0; b < G_N_ELEMENTS (bad); b++)
    {
      g_autoptr (GError) error = NULL;
      for (int a = 0; a < 3; a++)
        {
          axial_plane (&planes[a], 0, 3 - a);
          planes[a].has_position = FALSE;
          planes[a].spacing_between_slices = bad[b];
        }
      g_assert_null (ct_series_geometry_compute (planes, 3, &error));
      g_assert_error (error, CT_ERROR, CT_ERROR_CORRUPT);
      g_assert_nonnull (strstr (error->message, "slice gap"));
      g_clear_error (&error);
      planes[0].has_position = TRUE;
      planes[0].slice_thickness = bad[b];
      g_assert_null (ct_series_geometry_compute (planes, 1, &error));
      g_assert_error (error, CT_ERROR, CT_ERROR_CORRUPT);
    }
  {
    /* 1 mm apart along the normal, 100 mm apart within the plane. */
    g_autoptr (GError) error = NULL;
    for (int a = 0; a < 5; a++)
      {
        axial_plane (&planes[a], a, a);
        planes[a].position[0] += 100.0 * a;
      }
    g_assert_null (ct_series_geometry_compute (planes, 5, &error));
    g_assert_error (error, CT_ERROR, CT_ERROR_CORRUPT);
    g_assert_nonnull (strstr (error->message, "degrees away from their normal"));
  }
}

static CtGdcmHeader *
header (int index, double z, int frames)
{
  CtGdcmHeader *h = g_new0 (CtGdcmHeader, 1);
  static const double axial[6] = { 1, 0, 0, 0, 1, 0 };

  h->path = g_strdup_printf ("/series/IM%d", index);
  h->series_uid = g_strdup ("1.2.3");
  h->modality = g_strdup ("CT");
  h->rows = h->columns = 8;
  h->n_frames = frames;
  h->has_position = h->has_orientation = h->has_pixel_spacing = TRUE;
  h->position[2] = z;
  memcpy (h->orientation, axial, sizeof axial);
  h->pixel_spacing[0] = h->pixel_spacing[1] = 1.0;
  h->slice_thickness = 1.0;
  h->spacing_between_slices = 2.0;
  h->rescale_slope = 1.0;
  h->has_instance_number = TRUE;
  h->instance_number = index + 1;
  return h;
}

static CtSeriesGeometry *
geometry_of (GPtrArray *headers, GError **error)
{
  CtSeriesInfo *series = ct_series_info_new_dicom (headers);
  CtSeriesGeometry *g = ct_series_compute_geometry (series, error);

  ct_series_info_free (series);
  return g;
}

/* Findings of fuzz-series on the loader's way from headers to planes. */
static void
test_fuzz_headers (void)
{
  {
    /* InstanceNumber 30000 in a multi-frame file: the frame tie-breaker
     * number * 100000 + frame overflowed an int (UBSan). */
    GPtrArray *headers = g_ptr_array_new_with_free_func ((GDestroyNotify) ct_gdcm_header_free);
    g_autoptr (GError) error = NULL;
    g_autoptr (CtSeriesGeometry) g = NULL;
    g_ptr_array_add (headers, header (30000, 0.0, 2));
    g_ptr_array_add (headers, header (30001, 4.0, 2));
    g = geometry_of (headers, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (g->n_slices, ==, 4);
    for (guint k = 0; k < 4; k++)
      g_assert_cmpuint (g->order[k], ==, k);
  }
  {
    /* Direction cosines of length 2: frames step by the gap (2 mm), not by
     * the gap times the length of the cross product (8 mm). */
    GPtrArray *headers = g_ptr_array_new_with_free_func ((GDestroyNotify) ct_gdcm_header_free);
    g_autoptr (GError) error = NULL;
    g_autoptr (CtSeriesGeometry) g = NULL;
    CtGdcmHeader *h = header (0, 0.0, 3);
    h->orientation[0] = h->orientation[4] = 2.0;
    g_ptr_array_add (headers, h);
    g = geometry_of (headers, &error);
    g_assert_no_error (error);
    g_assert_cmpfloat_with_epsilon (g->spacing[2], 2.0, 1e-9);
  }
  {
    /* SpacingBetweenSlices inf on a one-frame file: the origin is its
     * position (0 x inf made it NaN). */
    GPtrArray *headers = g_ptr_array_new_with_free_func ((GDestroyNotify) ct_gdcm_header_free);
    g_autoptr (GError) error = NULL;
    g_autoptr (CtSeriesGeometry) g = NULL;
    CtGdcmHeader *h = header (0, 7.0, 1);
    h->spacing_between_slices = INFINITY;
    g_ptr_array_add (headers, h);
    g = geometry_of (headers, &error);
    g_assert_no_error (error);
    g_assert_cmpfloat (g->origin[2], ==, 7.0);
  }
  {
    /* Enhanced CT per-frame positions get the position limits too. */
    GPtrArray *headers = g_ptr_array_new_with_free_func ((GDestroyNotify) ct_gdcm_header_free);
    g_autoptr (GError) error = NULL;
    CtGdcmHeader *h = header (0, 0.0, 2);
    h->frame_positions = g_new0 (double, 6);
    h->frame_positions[2] = 1e15;
    h->frame_positions[5] = 1.0;
    g_ptr_array_add (headers, h);
    g_assert_null (geometry_of (headers, &error));
    g_assert_error (error, CT_ERROR, CT_ERROR_CORRUPT);
    g_assert_nonnull (strstr (error->message, "ImagePositionPatient 1e+15 mm in /series/IM0 is not a position"));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/series-geometry/shuffled", test_shuffled);
  g_test_add_func ("/series-geometry/feet-first", test_feet_first);
  g_test_add_func ("/series-geometry/uneven-gaps", test_uneven_gaps);
  g_test_add_func ("/series-geometry/duplicates", test_duplicates);
  g_test_add_func ("/series-geometry/mixed-sizes", test_mixed_sizes);
  g_test_add_func ("/series-geometry/gantry-tilt", test_gantry_tilt);
  g_test_add_func ("/series-geometry/no-positions", test_no_positions);
  g_test_add_func ("/series-geometry/degenerate-orientation", test_degenerate_orientation);
  g_test_add_func ("/series-geometry/fuzz-step-limits", test_fuzz_step_limits);
  g_test_add_func ("/series-geometry/fuzz-headers", test_fuzz_headers);
  return g_test_run ();
}
