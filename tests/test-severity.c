/* SPDX-License-Identifier: MIT */
/* Severity: k-means lung split, lesion shares and volumes, the CT-0..CT-4
 * band table, the triage score and the quality flags. */
#include <math.h>
#include <string.h>

#include "ct-category.h"
#include "ct-quality.h"
#include "ct-reorient.h"
#include "ct-severity.h"
#include "ct-triage-score.h"
#include "phantom.h"
#include "ct-phantom-volume.h"

/* Two ellipsoids side by side in patient space, the right lung (patient x <
 * 0 in LPS) larger. Returns the geometry; mask gets 1 in both lungs, truth
 * CT_LUNG_RIGHT / CT_LUNG_LEFT. direction_x = -1 mirrors the columns. */
static CtVolume *
make_two_lungs (double direction_x, double direction_z, int scale, guint8 **mask_out, guint8 **truth_out)
{
  CtVolume *v = ct_volume_new (80 * scale, 60 * scale, 50 * scale);
  guint8 *mask = g_new0 (guint8, ct_volume_n_voxels (v));
  guint8 *truth = g_new0 (guint8, ct_volume_n_voxels (v));

  v->spacing[0] = 4.0 / scale;
  v->spacing[1] = 4.0 / scale;
  v->spacing[2] = 6.0 / scale;
  v->direction[0] = direction_x;
  v->direction[8] = direction_z;
  /* Centre the grid on the patient origin. */
  v->origin[0] = -direction_x * (v->nx - 1) * v->spacing[0] / 2;
  v->origin[1] = -(v->ny - 1) * v->spacing[1] / 2;
  v->origin[2] = -direction_z * (v->nz - 1) * v->spacing[2] / 2;
  for (int k = 0; k < v->nz; k++)
    for (int j = 0; j < v->ny; j++)
      for (int i = 0; i < v->nx; i++)
        {
          double p[3];
          gsize q = ((gsize) k * v->ny + j) * v->nx + i;
          double right, left;

          ct_volume_voxel_to_patient (v, i, j, k, p);
          /* semi-axes in mm: x 55/50, y 90, z 130/125; centres at x = -/+ 75 */
          right = pow ((p[0] + 75) / 55, 2) + pow (p[1] / 90, 2) + pow (p[2] / 130, 2);
          left = pow ((p[0] - 75) / 50, 2) + pow (p[1] / 90, 2) + pow ((p[2] - 5) / 125, 2);
          if (right <= 1)
            truth[q] = CT_LUNG_RIGHT;
          else if (left <= 1)
            truth[q] = CT_LUNG_LEFT;
          mask[q] = truth[q] != 0;
        }
  *mask_out = mask;
  *truth_out = truth;
  return v;
}

static void
check_split (double direction_x, double direction_z, int scale)
{
  g_autofree guint8 *mask = NULL, *truth = NULL;
  g_autoptr (CtVolume) v = make_two_lungs (direction_x, direction_z, scale, &mask, &truth);
  gsize n = ct_volume_n_voxels (v), wrong = 0, lung = 0;
  int iterations = ct_severity_split_lungs (v, mask, 2);

  g_assert_cmpint (iterations, >=, 1);
  for (gsize q = 0; q < n; q++)
    {
      lung += truth[q] != 0;
      wrong += mask[q] != truth[q];
    }
  g_assert_cmpuint (lung, >, 10000);
  g_assert_cmpuint (wrong, ==, 0);
}

static void
test_kmeans_two_ellipsoids (void)
{
  check_split (1, 1, 1);
  check_split (-1, 1, 1); /* columns run left -> right */
  check_split (1, -1, 1); /* feet-first stack */
  check_split (-1, -1, 1);
  /* 160 x 120 x 100 voxels: centroids from the 1/8 subsample */
  check_split (1, -1, 2);
}

static void
test_kmeans_empty_and_single (void)
{
  g_autoptr (CtVolume) v = ct_volume_new (4, 4, 4);
  guint8 mask[64] = { 0 };

  g_assert_cmpint (ct_severity_split_lungs (v, mask, 1), ==, 0);
  mask[5] = 1;
  ct_severity_split_lungs (v, mask, 1);
  g_assert_true (mask[5] == CT_LUNG_RIGHT || mask[5] == CT_LUNG_LEFT);
}

/* Shares and volumes from labelled masks with known counts. */
static void
test_severity_shares (void)
{
  g_autoptr (CtVolume) v = ct_volume_new (10, 10, 10);
  gsize n = ct_volume_n_voxels (v);
  g_autofree guint8 *lungs = g_new0 (guint8, n);
  g_autofree guint8 *lesions = g_new0 (guint8, n);
  CtSeverity s;

  ct_volume_set_identity_geometry (v, 0.5, 0.8, 2.5); /* 1 ml per 1000 voxels */
  for (gsize q = 0; q < 400; q++)
    lungs[q] = CT_LUNG_RIGHT;
  for (gsize q = 400; q < 600; q++)
    lungs[q] = CT_LUNG_LEFT;
  for (gsize q = 0; q < 100; q++) /* 25 % of the right lung */
    lesions[q] = 1;
  for (gsize q = 400; q < 500; q++) /* 50 % of the left lung */
    lesions[q] = 1;
  for (gsize q = 900; q < 950; q++) /* outside the lungs: not counted */
    lesions[q] = 1;
  ct_severity_compute (v, lungs, lesions, &s);
  g_assert_cmpfloat_with_epsilon (ct_severity_voxel_volume_ml (v), 0.001, 1e-12);
  g_assert_cmpuint (s.lung_voxels[0], ==, 600);
  g_assert_cmpuint (s.lesion_voxels[0], ==, 200);
  g_assert_cmpfloat_with_epsilon (s.severity_right_percent, 25.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (s.severity_left_percent, 50.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (s.severity_percent, 50.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (s.severity_total_percent, 100.0 / 3.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (s.lung_volume_ml, 0.6, 1e-9);
  g_assert_cmpfloat_with_epsilon (s.lesion_volume_ml, 0.2, 1e-9);

  memset (lungs, 0, n);
  ct_severity_compute (v, lungs, lesions, &s);
  g_assert_cmpfloat (s.severity_percent, ==, 0);
  g_assert_cmpfloat (s.lung_volume_ml, ==, 0);
}

/* The band edges of the one table: lower <= severity < upper. */
static void
test_category_edges (void)
{
  static const struct
  {
    double percent;
    CtCategory expected;
  } cases[] = {
    { NAN, CT_CATEGORY_0 },
    { 0.0, CT_CATEGORY_0 },
    { CT_CATEGORY_NOISE_FLOOR_PERCENT * 0.99, CT_CATEGORY_0 },
    { CT_CATEGORY_NOISE_FLOOR_PERCENT, CT_CATEGORY_1 },
    { 24.999, CT_CATEGORY_1 },
    { 25.0, CT_CATEGORY_2 },
    { 49.999, CT_CATEGORY_2 },
    { 50.0, CT_CATEGORY_3 },
    { 74.999, CT_CATEGORY_3 },
    { 75.0, CT_CATEGORY_4 },
    { 100.0, CT_CATEGORY_4 },
    { 130.0, CT_CATEGORY_4 },
  };
  static const char *names[] = { "CT-0", "CT-1", "CT-2", "CT-3", "CT-4" };

  for (guint q = 0; q < G_N_ELEMENTS (cases); q++)
    {
      CtCategory got = ct_category_from_severity (cases[q].percent);
      if (got != cases[q].expected)
        g_error ("severity %g %%: got %s, expected %s", cases[q].percent, ct_category_to_string (got),
                 ct_category_to_string (cases[q].expected));
    }
  for (int c = CT_CATEGORY_0; c <= CT_CATEGORY_4; c++)
    {
      double lower, upper;
      g_assert_cmpstr (ct_category_to_string (c), ==, names[c]);
      ct_category_get_band (c, &lower, &upper);
      g_assert_cmpfloat (lower, <, upper);
      /* bands are contiguous */
      if (c > CT_CATEGORY_0)
        {
          double previous_upper;
          ct_category_get_band (c - 1, NULL, &previous_upper);
          g_assert_cmpfloat (previous_upper, ==, lower);
        }
    }
}

static void
test_triage_score (void)
{
  double normal = ct_triage_score (0.05, TRUE, 0.0);
  double covid_mild = ct_triage_score (0.9, TRUE, 5.0);
  double covid_severe = ct_triage_score (0.9, TRUE, 60.0);
  double unknown_cause_severe = ct_triage_score (0.3, TRUE, 60.0);
  double no_probability = ct_triage_score (NAN, FALSE, 0.0);

  g_assert_cmpfloat (normal, <, covid_mild);
  g_assert_cmpfloat (covid_mild, <, covid_severe);
  g_assert_cmpfloat (normal, <, unknown_cause_severe);
  g_assert_cmpfloat (unknown_cause_severe, <, covid_severe);
  g_assert_cmpfloat_with_epsilon (no_probability, 0.25, 1e-12);
  g_assert_cmpfloat_with_epsilon (ct_triage_score (1.0, TRUE, 100.0), 1.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (ct_triage_score (0.0, TRUE, 0.0), 0.0, 1e-12);
  /* saturation at 50 % */
  g_assert_cmpfloat (ct_triage_score (0.5, TRUE, 50.0), ==, ct_triage_score (0.5, TRUE, 90.0));
}

/* A chest-like lung mask: a block of lung over slices [first, last] of the
 * network order (0 = most superior), on a 1 x 1 mm grid, with the slice axis
 * k running superior -> inferior (head_first) or the other way. */
static CtVolume *
make_lung_block (gboolean head_first, int first, int last, double slice_mm, guint8 **mask_out)
{
  CtVolume *v = ct_volume_new (200, 160, 30);
  guint8 *mask = g_new0 (guint8, ct_volume_n_voxels (v));

  ct_volume_set_identity_geometry (v, 1.0, 1.0, slice_mm);
  if (head_first)
    v->direction[8] = -1;
  for (int s = first; s <= last; s++)
    {
      int k = head_first ? s : v->nz - 1 - s;
      for (int j = 20; j < 140; j++)
        for (int i = 20; i < 180; i++)
          {
            mask[((gsize) k * v->ny + j) * v->nx + i] = 1;
            v->hu[((gsize) k * v->ny + j) * v->nx + i] = -850;
          }
    }
  *mask_out = mask;
  return v;
}

static CtQualityFlags
assess (const CtVolume *v, const guint8 *mask, GPtrArray *notes)
{
  CtReorient r;
  CtQualityMeasures m;
  gsize lung = 0;

  for (gsize q = 0; q < ct_volume_n_voxels (v); q++)
    lung += mask[q] != 0;
  ct_reorient_init_from_volume (&r, v);
  ct_quality_measure_lungs (&r, mask, &m);
  m.noise_hu = NAN;
  m.air_share = ct_quality_air_share (v);
  return ct_quality_assess (&r, &m, lung * ct_severity_voxel_volume_ml (v), notes);
}

static void
test_quality_cut_off (void)
{
  for (int head_first = 0; head_first <= 1; head_first++)
    {
      g_autofree guint8 *inside = NULL, *top = NULL, *bottom = NULL;
      g_autoptr (CtVolume) v_inside = make_lung_block (head_first, 3, 26, 2.5, &inside);
      g_autoptr (CtVolume) v_top = make_lung_block (head_first, 0, 20, 2.5, &top);
      g_autoptr (CtVolume) v_bottom = make_lung_block (head_first, 10, 29, 2.5, &bottom);
      g_autoptr (GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);
      CtQualityFlags flags;

      g_assert_cmpint (assess (v_inside, inside, notes), ==, 0);
      g_assert_cmpuint (notes->len, ==, 0);

      flags = assess (v_top, top, notes);
      g_assert_cmpint (flags, ==, CT_QUALITY_LUNGS_CUT_TOP);
      g_assert_cmpuint (notes->len, ==, 1);
      g_assert_nonnull (strstr (g_ptr_array_index (notes, 0), "superior"));

      g_assert_cmpint (assess (v_bottom, bottom, notes), ==, CT_QUALITY_LUNGS_CUT_BOTTOM);
      g_assert_cmpuint (notes->len, ==, 2);

      /* A partial-volume fringe of a few voxels on the top slice is no cut. */
      {
        int k = head_first ? 0 : v_inside->nz - 1;
        for (int i = 0; i < 12; i++)
          inside[((gsize) k * v_inside->ny + 80) * v_inside->nx + 60 + i] = 1;
        g_assert_cmpint (assess (v_inside, inside, notes), ==, 0);
      }
    }
}

static void
test_quality_not_chest_and_thick (void)
{
  g_autofree guint8 *mask = NULL, *thick_mask = NULL;
  g_autoptr (CtVolume) v = make_lung_block (TRUE, 5, 6, 1.0, &mask);
  g_autoptr (CtVolume) thick = make_lung_block (TRUE, 3, 26, 6.0, &thick_mask);
  g_autoptr (GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);

  /* 2 slices of 1 mm: 38 ml of lung */
  g_assert_cmpint (assess (v, mask, notes), ==, CT_QUALITY_NOT_CHEST);
  memset (mask, 0, ct_volume_n_voxels (v));
  g_assert_cmpint (assess (v, mask, notes), ==, CT_QUALITY_NOT_CHEST);
  g_assert_cmpint (assess (thick, thick_mask, notes), ==, CT_QUALITY_THICK_SLICES);
  g_assert_cmpuint (notes->len, ==, 3);
}

/* Stored values without the rescale intercept (air at about 0, tissue at
 * 1064) get the not-HU flag; the same volume in HU does not. */
static void
test_quality_not_hu (void)
{
  g_autofree guint8 *mask = NULL;
  g_autoptr (CtVolume) v = make_lung_block (TRUE, 3, 26, 2.5, &mask);
  g_autoptr (GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);

  g_assert_cmpint (assess (v, mask, notes), ==, 0);
  for (gsize q = 0; q < ct_volume_n_voxels (v); q++)
    v->hu[q] += 1024;
  g_assert_cmpint (assess (v, mask, notes), ==, CT_QUALITY_NOT_HU);
  g_assert_cmpuint (notes->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (notes, 0), "Hounsfield"));
}

/* Soft tissue with Gaussian noise of known sigma, plus air and bone edges. */
static CtVolume *
make_noisy (double sigma, guint32 seed)
{
  CtVolume *v = ct_volume_new (128, 128, 20);
  g_autoptr (GRand) rand = g_rand_new_with_seed (seed);

  for (int k = 0; k < v->nz; k++)
    for (int j = 0; j < v->ny; j++)
      for (int i = 0; i < v->nx; i++)
        {
          double base = (i - 64) * (i - 64) + (j - 64) * (j - 64) < 50 * 50 ? 40.0 : -1000.0;
          double u1 = g_rand_double (rand), u2 = g_rand_double (rand);
          double gauss = sqrt (-2 * log (u1 + 1e-300)) * cos (2 * G_PI * u2);
          if (i > 60 && i < 70 && j > 60 && j < 70)
            base = 700; /* a bone edge inside */
          v->hu[((gsize) k * v->ny + j) * v->nx + i] = (float) (base + sigma * gauss);
        }
  return v;
}

static void
test_quality_noise (void)
{
  g_autoptr (CtVolume) quiet = make_noisy (15, 1);
  g_autoptr (CtVolume) noisy = make_noisy (110, 2);
  g_autoptr (CtVolume) air = ct_volume_new (64, 64, 4);
  double quiet_hu = ct_quality_estimate_noise_hu (quiet);
  double noisy_hu = ct_quality_estimate_noise_hu (noisy);

  g_test_message ("noise estimates: %.1f HU (sigma 15), %.1f HU (sigma 110)", quiet_hu, noisy_hu);
  g_assert_cmpfloat (fabs (quiet_hu - 15), <, 2.0);
  g_assert_cmpfloat (noisy_hu, >, CT_QUALITY_NOISE_LIMIT_HU);
  /* no soft tissue at all: unknown, not zero */
  for (gsize q = 0; q < ct_volume_n_voxels (air); q++)
    air->hu[q] = -1000;
  g_assert_true (isnan (ct_quality_estimate_noise_hu (air)));
}

/* A generated phantom as a CtVolume (same grid and geometry); its masks are
 * returned through study_out. */
static CtVolume *
phantom_volume (const PhantomParams *params, PhantomStudy **study_out)
{
  char message[256] = "";
  PhantomStudy *study = phantom_generate (params, message, sizeof message);

  if (study == NULL)
    g_error ("phantom_generate: %s", message);
  *study_out = study;
  return ct_phantom_volume_new (study);
}

static void
small_phantom_params (PhantomParams *params, guint64 seed)
{
  phantom_params_init (params);
  params->seed = seed;
  params->klass = PHANTOM_CLASS_COVID;
  params->nx = params->ny = 160;
  params->pixel_spacing_mm = 2.4;
  params->nz = 60;
  params->slice_spacing_mm = 5.0;
  params->severity_percent = 20;
  params->threads = 2;
}

/* k-means on the true lung mask of realistic anatomy (lungs touching at the
 * front, domes, heart) agrees with the generator's right/left labels, in
 * every orientation the generator can write. */
static void
test_phantom_kmeans_matches_truth (void)
{
  for (int variant = 0; variant < 3; variant++)
    {
      PhantomParams params;
      PhantomStudy *study = NULL;
      g_autoptr (CtVolume) v = NULL;
      g_autofree guint8 *mask = NULL;
      gsize n, lung = 0, wrong = 0;
      CtSeverity s;

      small_phantom_params (&params, 11 + variant);
      params.feet_first = variant == 1;
      params.mirror_columns = variant == 2;
      v = phantom_volume (&params, &study);
      n = ct_volume_n_voxels (v);
      mask = g_memdup2 (study->lungs, n);
      ct_severity_split_lungs (v, mask, 2);
      for (gsize q = 0; q < n; q++)
        {
          lung += study->lungs[q] != 0;
          wrong += mask[q] != study->lungs[q];
        }
      g_test_message ("variant %d: %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " lung voxels on the wrong side", variant,
                      wrong, lung);
      /* The lungs can touch at the anterior junction line: allow 1 %. */
      g_assert_cmpuint (wrong, <=, lung / 100);
      ct_severity_compute (v, mask, study->lesions, &s);
      g_assert_cmpfloat (fabs (s.severity_percent - study->severity_percent), <, 1.0);
      g_assert_cmpfloat (fabs (s.lung_volume_ml - study->lung_volume_ml), <, 0.001 * study->lung_volume_ml);
      phantom_study_free (study);
    }
}

/* Quality flags from the true lung masks of phantoms whose lungs run past
 * the scanned range, head first and feet first. */
static void
test_phantom_quality_flags (void)
{
  static const struct
  {
    int cut;
    gboolean feet_first;
    CtQualityFlags expected;
  } cases[] = {
    { 0, FALSE, 0 },
    { PHANTOM_CUT_TOP, FALSE, CT_QUALITY_LUNGS_CUT_TOP },
    { PHANTOM_CUT_TOP, TRUE, CT_QUALITY_LUNGS_CUT_TOP },
    { PHANTOM_CUT_BOTTOM, TRUE, CT_QUALITY_LUNGS_CUT_BOTTOM },
    { PHANTOM_CUT_TOP | PHANTOM_CUT_BOTTOM, FALSE, CT_QUALITY_LUNGS_CUT_TOP | CT_QUALITY_LUNGS_CUT_BOTTOM },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      PhantomParams params;
      PhantomStudy *study = NULL;
      g_autoptr (CtVolume) v = NULL;
      g_autoptr (GPtrArray) notes = g_ptr_array_new_with_free_func (g_free);
      CtQualityFlags flags;
      double noise;

      small_phantom_params (&params, 21 + c);
      params.cut = cases[c].cut;
      params.feet_first = cases[c].feet_first;
      v = phantom_volume (&params, &study);
      flags = assess (v, study->lungs, notes);
      noise = ct_quality_estimate_noise_hu (v);
      g_test_message ("cut %d feet-first %d: flags 0x%x, noise estimate %.1f HU (added %.1f HU)", cases[c].cut,
                      cases[c].feet_first, flags, noise, study->noise_hu);
      g_assert_cmpint (flags, ==, cases[c].expected);
      g_assert_true (isfinite (noise));
      g_assert_cmpfloat (noise, <, CT_QUALITY_NOISE_LIMIT_HU);
      phantom_study_free (study);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/severity/kmeans/two-ellipsoids", test_kmeans_two_ellipsoids);
  g_test_add_func ("/severity/kmeans/empty-and-single", test_kmeans_empty_and_single);
  g_test_add_func ("/severity/shares", test_severity_shares);
  g_test_add_func ("/severity/category-edges", test_category_edges);
  g_test_add_func ("/severity/triage-score", test_triage_score);
  g_test_add_func ("/severity/quality/cut-off", test_quality_cut_off);
  g_test_add_func ("/severity/quality/not-chest-and-thick", test_quality_not_chest_and_thick);
  g_test_add_func ("/severity/quality/noise", test_quality_noise);
  g_test_add_func ("/severity/quality/not-hu", test_quality_not_hu);
  g_test_add_func ("/severity/phantom/kmeans-matches-truth", test_phantom_kmeans_matches_truth);
  g_test_add_func ("/severity/phantom/quality-flags", test_phantom_quality_flags);
  return g_test_run ();
}
