/* SPDX-License-Identifier: MIT */
/* Tests of the phantom generator: determinism, truth consistency, tissue
 * intensities and orientation equivalence. Small volumes keep them fast. */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "phantom.h"

static PhantomStudy *
make_study (guint64 seed, int klass, double severity, int feet_first, int mirror, int cut)
{
  PhantomParams p;
  char error[256] = "";
  PhantomStudy *s;

  phantom_params_init (&p);
  p.seed = seed;
  p.klass = klass;
  p.nx = 64;
  p.ny = 56;
  p.nz = 28;
  p.pixel_spacing_mm = 6.0;
  p.slice_spacing_mm = 11.0;
  p.slice_thickness_mm = 2.5; /* gaps between slices keep the test quick */
  p.severity_percent = severity;
  p.feet_first = feet_first;
  p.mirror_columns = mirror;
  p.cut = cut;
  s = phantom_generate (&p, error, sizeof error);
  if (s == NULL)
    g_error ("phantom_generate: %s", error);
  return s;
}

static gsize
n_voxels (const PhantomStudy *s)
{
  return (gsize) s->nx * s->ny * s->nz;
}

static void
test_phantom_deterministic (void)
{
  PhantomStudy *a = make_study (11, PHANTOM_CLASS_COVID, 25, 0, 0, 0);
  PhantomStudy *b = make_study (11, PHANTOM_CLASS_COVID, 25, 0, 0, 0);
  PhantomStudy *c = make_study (12, PHANTOM_CLASS_COVID, 25, 0, 0, 0);
  gsize n = n_voxels (a);

  g_assert_true (memcmp (a->hu, b->hu, n * sizeof (float)) == 0);
  g_assert_true (memcmp (a->lungs, b->lungs, n) == 0);
  g_assert_true (memcmp (a->lesions, b->lesions, n) == 0);
  g_assert_cmpfloat (a->severity_percent, ==, b->severity_percent);
  /* Another seed is another patient. */
  g_assert_false (memcmp (a->hu, c->hu, n * sizeof (float)) == 0);
  g_assert_false (memcmp (a->lungs, c->lungs, n) == 0);
  phantom_study_free (a);
  phantom_study_free (b);
  phantom_study_free (c);
}

/* Severity recomputed here from the masks, independently of the library. */
static void
assert_truth_consistent (const PhantomStudy *s)
{
  gsize n = n_voxels (s), plane = (gsize) s->nx * s->ny;
  gsize lung[3] = { 0 }, lesion[3] = { 0 };
  double sev[3], more, total;

  for (gsize i = 0; i < n; i++)
    {
      g_assert_cmpuint (s->lungs[i], <=, 2);
      g_assert_cmpuint (s->lesions[i], <=, 3);
      if (s->lesions[i])
        g_assert_cmpuint (s->lungs[i], !=, 0);
      lung[s->lungs[i]]++;
      if (s->lesions[i])
        lesion[s->lungs[i]]++;
    }
  g_assert_cmpuint (lung[1], >, 0);
  g_assert_cmpuint (lung[2], >, 0);
  for (int l = 1; l <= 2; l++)
    sev[l] = 100.0 * lesion[l] / lung[l];
  more = MAX (sev[1], sev[2]);
  total = 100.0 * (lesion[1] + lesion[2]) / (lung[1] + lung[2]);
  g_assert_cmpfloat_with_epsilon (s->severity_percent, more, 1e-9);
  g_assert_cmpfloat_with_epsilon (s->severity_total_percent, total, 1e-9);
  g_assert_cmpfloat_with_epsilon (s->lung_volume_ml,
                                  (lung[1] + lung[2]) * s->spacing[0] * s->spacing[1] * s->spacing[2] / 1000.0, 1e-6);
  (void) plane;
}

static gboolean
slice_has_lung (const PhantomStudy *s, int k)
{
  gsize plane = (gsize) s->nx * s->ny;
  for (gsize i = 0; i < plane; i++)
    if (s->lungs[(gsize) k * plane + i])
      return TRUE;
  return FALSE;
}

static void
test_phantom_truth (void)
{
  static const double targets[] = { 3, 30, 70 };

  for (guint t = 0; t < G_N_ELEMENTS (targets); t++)
    {
      PhantomStudy *s = make_study (20 + t, PHANTOM_CLASS_COVID, targets[t], 0, 0, 0);
      assert_truth_consistent (s);
      /* The drawn severity is met within a few points on a coarse grid. */
      g_assert_cmpfloat (fabs (s->severity_percent - targets[t]), <, 3.0 + 0.1 * targets[t]);
      /* COVID-19 is bilateral once it is not trivial. */
      if (targets[t] >= 30)
        g_assert_cmpfloat (MIN (s->severity_right_percent, s->severity_left_percent), >, 2.0);
      g_assert_false (slice_has_lung (s, 0));
      g_assert_false (slice_has_lung (s, s->nz - 1));
      g_assert_false (s->lungs_touch_first_slice);
      g_assert_false (s->lungs_touch_last_slice);
      /* An adult-like lung volume (ml), however coarse the grid. */
      g_assert_cmpfloat (s->lung_volume_ml, >, 1500);
      g_assert_cmpfloat (s->lung_volume_ml, <, 9000);
      phantom_study_free (s);
    }
}

static void
test_phantom_classes (void)
{
  PhantomStudy *normal = make_study (31, PHANTOM_CLASS_NORMAL, -1, 0, 0, 0);
  PhantomStudy *nodules = make_study (32, PHANTOM_CLASS_NODULES, -1, 0, 0, 0);
  PhantomStudy *bacterial = make_study (33, PHANTOM_CLASS_BACTERIAL, 25, 0, 0, 0);
  gsize n = n_voxels (normal);
  gsize nodule_voxels = 0, consolidation = 0, bacterial_lesion = 0;

  assert_truth_consistent (normal);
  assert_truth_consistent (nodules);
  assert_truth_consistent (bacterial);
  g_assert_cmpfloat (normal->severity_percent, ==, 0.0);
  g_assert_cmpint (nodules->n_nodules, >=, 1);
  for (gsize i = 0; i < n; i++)
    {
      g_assert_true (nodules->lesions[i] == 0 || nodules->lesions[i] == PHANTOM_LESION_NODULE);
      nodule_voxels += nodules->lesions[i] != 0;
      consolidation += bacterial->lesions[i] == PHANTOM_LESION_CONSOLIDATION;
      bacterial_lesion += bacterial->lesions[i] != 0;
    }
  /* Nodules are small: well under a percent of the lungs. */
  g_assert_cmpfloat (nodules->severity_percent, <, 2.0);
  /* Lobar pneumonia is mostly consolidation. */
  g_assert_cmpuint (bacterial_lesion, >, 0);
  g_assert_cmpfloat ((double) consolidation / bacterial_lesion, >, 0.4);
  g_assert_cmpfloat (fabs (bacterial->severity_percent - 25), <, 5);
  (void) nodule_voxels;
  phantom_study_free (normal);
  phantom_study_free (nodules);
  phantom_study_free (bacterial);
}

static int
compare_floats (const void *a, const void *b)
{
  float x = *(const float *) a, y = *(const float *) b;
  return (x > y) - (x < y);
}

static double
median_where (const PhantomStudy *s, gboolean (*pick) (const PhantomStudy *, gsize))
{
  gsize n = n_voxels (s), m = 0;
  float *v = g_new (float, n);
  double med;
  for (gsize i = 0; i < n; i++)
    if (pick (s, i))
      v[m++] = s->hu[i];
  g_assert_cmpuint (m, >, 20);
  qsort (v, m, sizeof (float), compare_floats);
  med = v[m / 2];
  g_free (v);
  return med;
}

static gboolean
pick_healthy_lung (const PhantomStudy *s, gsize i)
{
  return s->lungs[i] && !s->lesions[i];
}

static gboolean
pick_ground_glass (const PhantomStudy *s, gsize i)
{
  return s->lesions[i] == PHANTOM_LESION_GROUND_GLASS;
}

static gboolean
pick_consolidation (const PhantomStudy *s, gsize i)
{
  return s->lesions[i] == PHANTOM_LESION_CONSOLIDATION;
}

static void
test_phantom_intensities (void)
{
  PhantomStudy *s = make_study (41, PHANTOM_CLASS_COVID, 60, 0, 0, 0);
  PhantomStudy *b = make_study (42, PHANTOM_CLASS_BACTERIAL, 30, 0, 0, 0);
  gsize n = n_voxels (s), bone = 0, soft = 0, air = 0;
  double lung = median_where (s, pick_healthy_lung);
  double ggo = median_where (s, pick_ground_glass);
  double cons = median_where (b, pick_consolidation);

  g_test_message ("medians: lung %.0f, ground glass %.0f, consolidation %.0f HU", lung, ggo, cons);
  g_assert_cmpfloat (lung, >, -950);
  g_assert_cmpfloat (lung, <, -780);
  g_assert_cmpfloat (ggo, >, -780);
  g_assert_cmpfloat (ggo, <, -350);
  g_assert_cmpfloat (cons, >, -200);
  g_assert_cmpfloat (cons, <, 120);
  for (gsize i = 0; i < n; i++)
    {
      float v = s->hu[i];
      g_assert_true (isfinite (v));
      g_assert_cmpfloat (v, <, 3100);
      g_assert_true (v >= -1300 || v == s->padding_hu);
      bone += v > 400;
      soft += v > -150 && v < 100;
      air += v < -950;
    }
  /* Ribs and spine, soft tissue and air outside the body are all present. */
  g_assert_cmpuint (bone, >, n / 1000);
  g_assert_cmpuint (soft, >, n / 10);
  g_assert_cmpuint (air, >, n / 20);
  phantom_study_free (s);
  phantom_study_free (b);
}

static void
voxel_to_lps (const PhantomStudy *s, int i, int j, int k, double out[3])
{
  for (int c = 0; c < 3; c++)
    out[c] = s->origin[c] + i * s->spacing[0] * s->direction[c] + j * s->spacing[1] * s->direction[3 + c] +
             k * s->spacing[2] * s->direction[6 + c];
}

/* The same seed head first, feet first and mirrored is the same patient:
 * every voxel of one is the voxel at the same LPS point of the other. */
static void
test_phantom_orientation (void)
{
  PhantomStudy *hf = make_study (51, PHANTOM_CLASS_COVID, 20, 0, 0, 0);
  PhantomStudy *ff = make_study (51, PHANTOM_CLASS_COVID, 20, 1, 0, 0);
  PhantomStudy *mi = make_study (51, PHANTOM_CLASS_COVID, 20, 0, 1, 0);
  int nx = hf->nx, ny = hf->ny, nz = hf->nz;

  g_assert_cmpfloat (hf->direction[8], ==, -1);
  g_assert_cmpfloat (ff->direction[8], ==, 1);
  g_assert_cmpfloat (mi->direction[0], ==, -1);
  g_assert_cmpfloat (hf->severity_percent, ==, ff->severity_percent);
  g_assert_cmpfloat (hf->severity_percent, ==, mi->severity_percent);
  for (int k = 0; k < nz; k++)
    for (int j = 0; j < ny; j++)
      for (int i = 0; i < nx; i++)
        {
          gsize a = ((gsize) k * ny + j) * nx + i;
          gsize f = ((gsize) (nz - 1 - k) * ny + j) * nx + i;
          gsize m = ((gsize) k * ny + j) * nx + (nx - 1 - i);
          g_assert_cmpfloat (hf->hu[a], ==, ff->hu[f]);
          g_assert_cmpuint (hf->lungs[a], ==, ff->lungs[f]);
          g_assert_cmpuint (hf->lesions[a], ==, ff->lesions[f]);
          g_assert_cmpfloat (hf->hu[a], ==, mi->hu[m]);
          g_assert_cmpuint (hf->lungs[a], ==, mi->lungs[m]);
        }
  /* Same physical points. */
  {
    double p[3], q[3], r[3];
    voxel_to_lps (hf, 3, 5, 7, p);
    voxel_to_lps (ff, 3, 5, nz - 1 - 7, q);
    voxel_to_lps (mi, nx - 1 - 3, 5, 7, r);
    for (int c = 0; c < 3; c++)
      {
        g_assert_cmpfloat_with_epsilon (p[c], q[c], 1e-6);
        g_assert_cmpfloat_with_epsilon (p[c], r[c], 1e-6);
      }
  }
  /* Head first: slice 0 is superior; the right lung is at low x (LPS). */
  {
    double right_x = 0, left_x = 0, top = 0;
    gsize nr = 0, nl = 0;
    double p[3];
    for (int k = 0; k < nz; k++)
      for (int j = 0; j < ny; j++)
        for (int i = 0; i < nx; i++)
          {
            gsize a = ((gsize) k * ny + j) * nx + i;
            voxel_to_lps (hf, i, j, k, p);
            if (hf->lungs[a] == PHANTOM_LUNG_RIGHT)
              right_x += p[0], nr++;
            else if (hf->lungs[a] == PHANTOM_LUNG_LEFT)
              left_x += p[0], nl++;
          }
    g_assert_cmpfloat (right_x / nr, <, left_x / nl);
    voxel_to_lps (hf, 0, 0, 0, p);
    top = p[2];
    voxel_to_lps (hf, 0, 0, 1, p);
    g_assert_cmpfloat (top, >, p[2]);
  }
  phantom_study_free (hf);
  phantom_study_free (ff);
  phantom_study_free (mi);
}

static void
test_phantom_cut (void)
{
  PhantomStudy *top = make_study (61, PHANTOM_CLASS_NORMAL, -1, 0, 0, PHANTOM_CUT_TOP);
  PhantomStudy *bottom = make_study (61, PHANTOM_CLASS_NORMAL, -1, 1, 0, PHANTOM_CUT_BOTTOM);

  /* Head first, apices cut: the first slice has lung, the last not. */
  g_assert_true (top->lungs_touch_first_slice);
  g_assert_false (top->lungs_touch_last_slice);
  /* Feet first, bases cut: the first slice is the most inferior one. */
  g_assert_true (bottom->lungs_touch_first_slice);
  g_assert_false (bottom->lungs_touch_last_slice);
  phantom_study_free (top);
  phantom_study_free (bottom);
}

static void
test_phantom_bad_params (void)
{
  PhantomParams p;
  char error[256] = "";

  phantom_params_init (&p);
  p.nx = 4;
  g_assert_null (phantom_generate (&p, error, sizeof error));
  g_assert_cmpstr (error, !=, "");
  phantom_params_init (&p);
  p.nz = 3;
  p.slice_spacing_mm = 1.0; /* 2 mm of range cannot hold lungs */
  error[0] = '\0';
  g_assert_null (phantom_generate (&p, error, sizeof error));
  g_assert_cmpstr (error, !=, "");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/phantom/deterministic", test_phantom_deterministic);
  g_test_add_func ("/phantom/truth", test_phantom_truth);
  g_test_add_func ("/phantom/classes", test_phantom_classes);
  g_test_add_func ("/phantom/intensities", test_phantom_intensities);
  g_test_add_func ("/phantom/orientation", test_phantom_orientation);
  g_test_add_func ("/phantom/cut", test_phantom_cut);
  g_test_add_func ("/phantom/bad-params", test_phantom_bad_params);
  return g_test_run ();
}
