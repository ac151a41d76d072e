/* SPDX-License-Identifier: MIT */
/* Reformat geometry: which voxel lands on which pixel of the axial, coronal
 * and sagittal views, their physical aspect and orientation letters, for
 * head-first, feet-first, mirrored, permuted and tilted volumes. */
#include <math.h>

#include "ct-slice-geometry.h"
#include "ct-slice-layout.h"

/* Every voxel stores its own (i, j, k), exactly representable in a float. */
static float
encode (int i, int j, int k)
{
  return (float) (i + 100 * j + 10000 * k);
}

static CtVolume *
make_encoded_volume (int nx, int ny, int nz, const double spacing[3], const double direction[9])
{
  CtVolume *v = ct_volume_new (nx, ny, nz);

  for (int c = 0; c < 3; c++)
    {
      v->spacing[c] = spacing[c];
      v->origin[c] = 10.0 * (c + 1);
    }
  for (int c = 0; c < 9; c++)
    v->direction[c] = direction[c];
  for (int k = 0; k < nz; k++)
    for (int j = 0; j < ny; j++)
      for (int i = 0; i < nx; i++)
        v->hu[((gsize) k * ny + j) * nx + i] = encode (i, j, k);
  return v;
}

static const double head_first[9] = { 1, 0, 0, 0, 1, 0, 0, 0, 1 };
static const double feet_first[9] = { 1, 0, 0, 0, 1, 0, 0, 0, -1 };
static const double mirrored[9] = { -1, 0, 0, 0, 1, 0, 0, 0, 1 }; /* columns run to the right */
/* A sagittal acquisition: columns run posterior, rows inferior, slices left. */
static const double permuted[9] = { 0, 1, 0, 0, 0, -1, 1, 0, 0 };
static const double thin_thick[3] = { 0.7, 0.7, 5.0 };

/* Patient direction each view promises (LPS): screen right, screen down,
 * increasing slice index. */
static const double view_right[CT_N_VIEW_PLANES][3] = { { 1, 0, 0 }, { 1, 0, 0 }, { 0, 1, 0 } };
static const double view_down[CT_N_VIEW_PLANES][3] = { { 0, 1, 0 }, { 0, 0, -1 }, { 0, 0, -1 } };
static const double view_next_slice[CT_N_VIEW_PLANES][3] = { { 0, 0, -1 }, { 0, 1, 0 }, { 1, 0, 0 } };

static void
assert_step (const double from[3], const double to[3], const double direction[3], double mm)
{
  for (int c = 0; c < 3; c++)
    g_assert_cmpfloat_with_epsilon (to[c] - from[c], direction[c] * mm, 1e-9);
}

static void
patient_of_pixel (const CtVolume *v, const CtSliceGeometry *g, int slice, int px, int py, double out[3])
{
  int ijk[3];

  g_assert_true (ct_slice_geometry_pixel_to_voxel (g, slice, px, py, ijk));
  ct_volume_voxel_to_patient (v, ijk[0], ijk[1], ijk[2], out);
}

/* Checks every pixel of every slice of one view against the convention in
 * patient space, plus the round trips between view and voxel. */
static void
check_view (const CtVolume *v, CtViewPlane plane)
{
  CtSliceGeometry g;

  ct_slice_geometry_init (&g, v, plane);
  g_assert_cmpint ((gint64) g.width * g.height * g.n_slices, ==, (gint64) v->nx * v->ny * v->nz);

  for (int s = 0; s < g.n_slices; s++)
    for (int py = 0; py < g.height; py++)
      for (int px = 0; px < g.width; px++)
        {
          int ijk[3];
          double here[3], there[3], voxel[3], x, y;
          int slice;

          g_assert_true (ct_slice_geometry_pixel_to_voxel (&g, s, px, py, ijk));
          g_assert_cmpfloat (ct_volume_get (v, ijk[0], ijk[1], ijk[2]), ==, encode (ijk[0], ijk[1], ijk[2]));
          patient_of_pixel (v, &g, s, px, py, here);
          if (px + 1 < g.width)
            {
              patient_of_pixel (v, &g, s, px + 1, py, there);
              assert_step (here, there, view_right[plane], g.pixel_width_mm);
            }
          if (py + 1 < g.height)
            {
              patient_of_pixel (v, &g, s, px, py + 1, there);
              assert_step (here, there, view_down[plane], g.pixel_height_mm);
            }
          if (s + 1 < g.n_slices)
            {
              patient_of_pixel (v, &g, s + 1, px, py, there);
              assert_step (here, there, view_next_slice[plane], g.slice_spacing_mm);
            }

          ct_slice_geometry_view_to_voxel (&g, s, px + 0.5, py + 0.5, voxel);
          for (int c = 0; c < 3; c++)
            g_assert_cmpfloat_with_epsilon (voxel[c], ijk[c], 1e-9);
          g_assert_true (ct_slice_geometry_voxel_to_view (&g, voxel, &x, &y, &slice));
          g_assert_cmpfloat_with_epsilon (x, px + 0.5, 1e-9);
          g_assert_cmpfloat_with_epsilon (y, py + 0.5, 1e-9);
          g_assert_cmpint (slice, ==, s);
        }

  g_assert_false (ct_slice_geometry_pixel_to_voxel (&g, 0, g.width, 0, (int[3]){ 0 }));
  g_assert_false (ct_slice_geometry_pixel_to_voxel (&g, g.n_slices, 0, 0, (int[3]){ 0 }));
}

static void
check_all_views (const double direction[9], const double spacing[3])
{
  g_autoptr (CtVolume) v = make_encoded_volume (7, 6, 5, spacing, direction);

  for (int plane = 0; plane < CT_N_VIEW_PLANES; plane++)
    check_view (v, plane);
}

static void
test_geometry_coronal_thick_slices (void)
{
  g_autoptr (CtVolume) v = make_encoded_volume (40, 30, 12, thin_thick, head_first);
  CtSliceGeometry g;
  int ijk[3];

  ct_slice_geometry_init (&g, v, CT_VIEW_CORONAL);
  g_assert_cmpint (g.width, ==, 40);
  g_assert_cmpint (g.height, ==, 12);
  g_assert_cmpint (g.n_slices, ==, 30);
  g_assert_cmpfloat (g.pixel_width_mm, ==, 0.7);
  g_assert_cmpfloat (g.pixel_height_mm, ==, 5.0);
  g_assert_cmpfloat (g.slice_spacing_mm, ==, 0.7);

  /* Head-first: k grows superior, so the top row is the last slice. */
  g_assert_true (ct_slice_geometry_pixel_to_voxel (&g, 7, 3, 0, ijk));
  g_assert_cmpfloat (ct_volume_get (v, ijk[0], ijk[1], ijk[2]), ==, encode (3, 7, 11));
  g_assert_true (ct_slice_geometry_pixel_to_voxel (&g, 7, 3, 11, ijk));
  g_assert_cmpfloat (ct_volume_get (v, ijk[0], ijk[1], ijk[2]), ==, encode (3, 7, 0));
  /* Patient right (i = 0, LPS x smallest) on the screen left. */
  g_assert_true (ct_slice_geometry_pixel_to_voxel (&g, 0, 0, 5, ijk));
  g_assert_cmpint (ijk[0], ==, 0);
  check_view (v, CT_VIEW_CORONAL);
}

static void
test_geometry_coronal_feet_first (void)
{
  g_autoptr (CtVolume) v = make_encoded_volume (40, 30, 12, thin_thick, feet_first);
  CtSliceGeometry g;
  int ijk[3];

  ct_slice_geometry_init (&g, v, CT_VIEW_CORONAL);
  /* Feet-first: k grows inferior, so the top row is the first slice. */
  g_assert_true (ct_slice_geometry_pixel_to_voxel (&g, 7, 3, 0, ijk));
  g_assert_cmpfloat (ct_volume_get (v, ijk[0], ijk[1], ijk[2]), ==, encode (3, 7, 0));
  g_assert_true (ct_slice_geometry_pixel_to_voxel (&g, 7, 3, 11, ijk));
  g_assert_cmpfloat (ct_volume_get (v, ijk[0], ijk[1], ijk[2]), ==, encode (3, 7, 11));
  check_view (v, CT_VIEW_CORONAL);
}

static void
test_geometry_all_orientations (void)
{
  static const double anisotropic[3] = { 0.8, 0.9, 1.5 };

  check_all_views (head_first, thin_thick);
  check_all_views (feet_first, thin_thick);
  check_all_views (mirrored, thin_thick);
  check_all_views (permuted, anisotropic);
}

static void
test_geometry_permuted_spacing (void)
{
  static const double anisotropic[3] = { 0.8, 0.9, 1.5 };
  g_autoptr (CtVolume) v = make_encoded_volume (7, 6, 5, anisotropic, permuted);
  CtSliceGeometry g;

  /* Axial: screen x is left-right = the slice axis k here, y = columns i. */
  ct_slice_geometry_init (&g, v, CT_VIEW_AXIAL);
  g_assert_cmpint (g.axis_x, ==, 2);
  g_assert_cmpint (g.axis_y, ==, 0);
  g_assert_cmpint (g.axis_slice, ==, 1);
  g_assert_cmpint (g.width, ==, 5);
  g_assert_cmpint (g.height, ==, 7);
  g_assert_cmpfloat (g.pixel_width_mm, ==, 1.5);
  g_assert_cmpfloat (g.pixel_height_mm, ==, 0.8);
}

static void
assert_labels (const CtVolume *v, CtViewPlane plane, const char *left, const char *right, const char *top,
               const char *bottom)
{
  CtSliceGeometry g;

  ct_slice_geometry_init (&g, v, plane);
  g_assert_cmpstr (g.label_left, ==, left);
  g_assert_cmpstr (g.label_right, ==, right);
  g_assert_cmpstr (g.label_top, ==, top);
  g_assert_cmpstr (g.label_bottom, ==, bottom);
}

static void
test_geometry_labels (void)
{
  const double *directions[] = { head_first, feet_first, mirrored, permuted };

  for (guint n = 0; n < G_N_ELEMENTS (directions); n++)
    {
      g_autoptr (CtVolume) v = make_encoded_volume (4, 4, 4, thin_thick, directions[n]);

      assert_labels (v, CT_VIEW_AXIAL, "R", "L", "A", "P");
      assert_labels (v, CT_VIEW_CORONAL, "R", "L", "S", "I");
      assert_labels (v, CT_VIEW_SAGITTAL, "A", "P", "S", "I");
    }
}

static void
test_geometry_labels_tilted (void)
{
  /* Gantry tilted 20 degrees: rows run posterior and a little inferior. */
  const double c = cos (20.0 * G_PI / 180.0), s = sin (20.0 * G_PI / 180.0);
  const double tilted[9] = { 1, 0, 0, 0, c, -s, 0, s, c };
  g_autoptr (CtVolume) v = make_encoded_volume (4, 4, 4, thin_thick, tilted);
  double lps[3] = { 0, -c, s };
  char letters[4];

  assert_labels (v, CT_VIEW_AXIAL, "R", "L", "AS", "PI");
  assert_labels (v, CT_VIEW_CORONAL, "R", "L", "SP", "IA");
  assert_labels (v, CT_VIEW_SAGITTAL, "AS", "PI", "SP", "IA");

  ct_patient_direction_letters (lps, letters);
  g_assert_cmpstr (letters, ==, "AS");
}

static void
test_geometry_layout_aspect (void)
{
  g_autoptr (CtVolume) v = make_encoded_volume (40, 30, 12, thin_thick, head_first);
  CtSliceGeometry g;
  CtSliceLayout layout;
  double x, y, wx, wy;

  ct_slice_geometry_init (&g, v, CT_VIEW_CORONAL);
  ct_slice_layout_fit (&layout, &g, 800, 600, 1.0, 0, 0);
  /* 40 x 0.7 mm wide, 12 x 5 mm tall: height-limited, one mm scale. */
  g_assert_cmpfloat_with_epsilon (layout.scale_y / layout.scale_x, 5.0 / 0.7, 1e-9);
  g_assert_cmpfloat_with_epsilon (g.height * layout.scale_y, 600.0, 1e-9);
  g_assert_cmpfloat (g.width * layout.scale_x, <=, 800.0);
  g_assert_cmpfloat_with_epsilon (layout.offset_x, (800.0 - g.width * layout.scale_x) / 2.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (ct_slice_layout_mm_per_widget_pixel (&layout, &g), 60.0 / 600.0, 1e-9);

  ct_slice_layout_fit (&layout, &g, 800, 600, 2.0, 15, -7);
  ct_slice_layout_view_to_widget (&layout, 3.25, 4.5, &wx, &wy);
  ct_slice_layout_widget_to_view (&layout, wx, wy, &x, &y);
  g_assert_cmpfloat_with_epsilon (x, 3.25, 1e-9);
  g_assert_cmpfloat_with_epsilon (y, 4.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (g.height * layout.scale_y, 1200.0, 1e-9);
}

static void
test_geometry_crosshair_link (void)
{
  g_autoptr (CtVolume) v = make_encoded_volume (40, 30, 12, thin_thick, feet_first);
  CtSliceGeometry axial, coronal;
  double ijk[3], x, y;
  int slice, axial_voxel[3];

  ct_slice_geometry_init (&axial, v, CT_VIEW_AXIAL);
  ct_slice_geometry_init (&coronal, v, CT_VIEW_CORONAL);

  /* Click on axial slice 4 at pixel (12, 20) -> the coronal view shows that
   * voxel on the slice of its row j, at its column and slice position. */
  g_assert_true (ct_slice_geometry_pixel_to_voxel (&axial, 4, 12, 20, axial_voxel));
  ct_slice_geometry_view_to_voxel (&axial, 4, 12.5, 20.5, ijk);
  g_assert_true (ct_slice_geometry_voxel_to_view (&coronal, ijk, &x, &y, &slice));
  g_assert_cmpint (slice, ==, axial_voxel[1]);
  {
    int coronal_voxel[3];

    g_assert_true (ct_slice_geometry_pixel_to_voxel (&coronal, slice, (int) x, (int) y, coronal_voxel));
    for (int c = 0; c < 3; c++)
      g_assert_cmpint (coronal_voxel[c], ==, axial_voxel[c]);
  }

  ijk[2] = 12.0; /* beyond the last slice */
  g_assert_false (ct_slice_geometry_voxel_to_view (&coronal, ijk, NULL, NULL, NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/render/geometry/coronal-thick-slices", test_geometry_coronal_thick_slices);
  g_test_add_func ("/render/geometry/coronal-feet-first", test_geometry_coronal_feet_first);
  g_test_add_func ("/render/geometry/all-orientations", test_geometry_all_orientations);
  g_test_add_func ("/render/geometry/permuted-spacing", test_geometry_permuted_spacing);
  g_test_add_func ("/render/geometry/labels", test_geometry_labels);
  g_test_add_func ("/render/geometry/labels-tilted", test_geometry_labels_tilted);
  g_test_add_func ("/render/geometry/layout-aspect", test_geometry_layout_aspect);
  g_test_add_func ("/render/geometry/crosshair-link", test_geometry_crosshair_link);
  return g_test_run ();
}
