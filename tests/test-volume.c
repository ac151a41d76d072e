/* SPDX-License-Identifier: MIT */
#include "ct-volume.h"

static void
test_volume_geometry (void)
{
  g_autoptr (CtVolume) v = ct_volume_new (4, 3, 2);
  double p[3];

  g_assert_nonnull (v);
  g_assert_cmpuint (ct_volume_n_voxels (v), ==, 24);
  v->spacing[0] = 0.5;
  v->spacing[1] = 0.7;
  v->spacing[2] = 2.0;
  v->origin[0] = -10;
  v->origin[1] = 20;
  v->origin[2] = 30;
  /* feet-first stack: slice index runs to patient inferior */
  v->direction[8] = -1;
  ct_volume_voxel_to_patient (v, 2, 1, 1, p);
  g_assert_cmpfloat_with_epsilon (p[0], -9.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (p[1], 20.7, 1e-12);
  g_assert_cmpfloat_with_epsilon (p[2], 28.0, 1e-12);
}

static void
test_volume_refuses_overflow (void)
{
  /* 2^31 * 2^31 voxels cannot be allocated; the constructor says so. */
  g_assert_null (ct_volume_new (G_MAXINT, G_MAXINT, G_MAXINT));
}

static void
test_volume_metadata_copy (void)
{
  g_autoptr (CtVolume) a = ct_volume_new (2, 2, 2);
  g_autoptr (CtVolume) b = ct_volume_new (1, 1, 1);

  a->series_uid = g_strdup ("1.2.3");
  a->spacing[2] = 3.5;
  ct_volume_add_warning (a, "gap of %.1f mm", 7.0);
  ct_volume_copy_metadata (b, a);
  g_assert_cmpstr (b->series_uid, ==, "1.2.3");
  g_assert_cmpfloat (b->spacing[2], ==, 3.5);
  g_assert_cmpuint (b->warnings->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (b->warnings, 0), ==, "gap of 7.0 mm");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/volume/geometry", test_volume_geometry);
  g_test_add_func ("/volume/refuses-overflow", test_volume_refuses_overflow);
  g_test_add_func ("/volume/metadata-copy", test_volume_metadata_copy);
  return g_test_run ();
}
