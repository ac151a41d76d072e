/* SPDX-License-Identifier: MIT */
/* The lung clean-up (analysis/ct-lung-cleanup.h): the labelling against a
 * naive fixed-point reference, and the rules on synthetic chests (2 mm grid,
 * rows anterior to posterior, slices head to feet, HU as the image units). */
#include <math.h>
#include <string.h>

#include "ct-lung-cleanup.h"

#define BODY_HU (-500.0f)
#define AIR_HU (-950.0f)

/* Naive labelling: every voxel takes the smallest index + 1 of its 26
 * neighbourhood until nothing changes, then labels are renumbered in order
 * of first appearance, which is ct_lung_cleanup_label ()'s numbering. */
static guint
naive_label (const guint8 *mask, int n, int h, int w, guint32 *labels)
{
  gsize total = (gsize) n * h * w;
  g_autofree guint32 *map = g_new0 (guint32, total + 1);
  gboolean changed = TRUE;
  guint count = 0;

  for (gsize v = 0; v < total; v++)
    labels[v] = mask[v] ? (guint32) v + 1 : 0;
  while (changed)
    {
      changed = FALSE;
      for (int s = 0; s < n; s++)
        for (int r = 0; r < h; r++)
          for (int c = 0; c < w; c++)
            {
              gsize v = ((gsize) s * h + r) * w + c;
              if (labels[v] == 0)
                continue;
              for (int ds = -1; ds <= 1; ds++)
                for (int dr = -1; dr <= 1; dr++)
                  for (int dc = -1; dc <= 1; dc++)
                    {
                      int s2 = s + ds, r2 = r + dr, c2 = c + dc;
                      gsize u;
                      if (s2 < 0 || s2 >= n || r2 < 0 || r2 >= h || c2 < 0 || c2 >= w)
                        continue;
                      u = ((gsize) s2 * h + r2) * w + c2;
                      if (labels[u] != 0 && labels[u] < labels[v])
                        {
                          labels[v] = labels[u];
                          changed = TRUE;
                        }
                    }
            }
    }
  for (gsize v = 0; v < total; v++)
    if (labels[v] != 0)
      {
        if (map[labels[v]] == 0)
          map[labels[v]] = ++count;
        labels[v] = map[labels[v]];
      }
  return count;
}

static void
test_label_matches_naive (void)
{
  const int sizes[][3] = { { 1, 17, 23 }, { 6, 11, 13 }, { 9, 8, 7 } };
  const double densities[] = { 0.05, 0.2, 0.35, 0.6 };
  GRand *rand = g_rand_new_with_seed (12);

  for (guint z = 0; z < G_N_ELEMENTS (sizes); z++)
    for (guint d = 0; d < G_N_ELEMENTS (densities); d++)
      {
        int n = sizes[z][0], h = sizes[z][1], w = sizes[z][2];
        gsize total = (gsize) n * h * w;
        g_autofree guint8 *mask = g_new (guint8, total);
        g_autofree guint32 *labels = g_new (guint32, total), *expected = g_new (guint32, total);
        guint count, expected_count;

        for (gsize v = 0; v < total; v++)
          mask[v] = g_rand_double (rand) < densities[d];
        count = ct_lung_cleanup_label (mask, n, h, w, labels);
        expected_count = naive_label (mask, n, h, w, expected);
        g_assert_cmpuint (count, ==, expected_count);
        g_assert_cmpmem (labels, total * sizeof *labels, expected, total * sizeof *expected);
        if (densities[d] >= 0.35)
          g_assert_cmpuint (count, <, total / 4); /* corners join: not one label per voxel */
      }
  g_rand_free (rand);
}

/* A synthetic chest on [n][h][w]: image in HU, mask (what the lung network
 * marked), truth (the lungs). */
typedef struct
{
  int n, h, w;
  double spacing[3];
  float *image;
  guint8 *mask, *truth;
} Chest;

static Chest *
chest_new (int n, int h, int w)
{
  Chest *c = g_new0 (Chest, 1);
  gsize total = (gsize) n * h * w;

  c->n = n;
  c->h = h;
  c->w = w;
  c->spacing[0] = 5.0;
  c->spacing[1] = c->spacing[2] = 2.0;
  c->image = g_new (float, total);
  c->mask = g_new0 (guint8, total);
  c->truth = g_new0 (guint8, total);
  for (gsize v = 0; v < total; v++)
    c->image[v] = -1000.0f;
  return c;
}

static void
chest_free (Chest *c)
{
  g_free (c->image);
  g_free (c->mask);
  g_free (c->truth);
  g_free (c);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Chest, chest_free)

/* Voxels of the ellipsoid (s, r, c centre; radii in voxels) on slices
 * [s_from, s_to]: image = hu (unless NAN); mask and truth |= the flags. */
static void
paint (Chest *chest, double s0, double r0, double c0, double rs, double rr, double rc, float hu, gboolean mask,
       gboolean truth)
{
  for (int s = 0; s < chest->n; s++)
    for (int r = 0; r < chest->h; r++)
      for (int c = 0; c < chest->w; c++)
        {
          double ds = rs > 0 ? (s - s0) / rs : 0, dr = (r - r0) / rr, dc = (c - c0) / rc;
          gsize v = ((gsize) s * chest->h + r) * chest->w + c;

          if (ds * ds + dr * dr + dc * dc > 1.0)
            continue;
          if (!isnan (hu))
            chest->image[v] = hu;
          if (mask)
            chest->mask[v] = 1;
          if (truth)
            chest->truth[v] = 1;
        }
}

/* Clears mask (and truth when asked) and sets the HU on the ellipsoid: a
 * lesion the lung network left out. */
static void
hole (Chest *chest, double s0, double r0, double c0, double radius, gboolean in_truth)
{
  for (int s = 0; s < chest->n; s++)
    for (int r = 0; r < chest->h; r++)
      for (int c = 0; c < chest->w; c++)
        {
          double ds = (s - s0) * chest->spacing[0] / chest->spacing[1], dr = r - r0, dc = c - c0;
          gsize v = ((gsize) s * chest->h + r) * chest->w + c;

          if (ds * ds + dr * dr + dc * dc > radius * radius)
            continue;
          chest->image[v] = 30.0f;
          chest->mask[v] = 0;
          if (!in_truth)
            chest->truth[v] = 0;
        }
}

static gsize
run_cleanup (Chest *chest, CtLungCleanupStats *stats)
{
  gsize total = (gsize) chest->n * chest->h * chest->w;
  g_autofree guint8 *body = g_new (guint8, total);

  ct_lung_cleanup_body (chest->image, chest->n, chest->h, chest->w, chest->spacing + 1, BODY_HU, AIR_HU, body);
  return ct_lung_cleanup_apply (chest->mask, body, chest->n, chest->h, chest->w, chest->spacing, stats);
}

static void
assert_mask_is_truth (const Chest *chest)
{
  gsize total = (gsize) chest->n * chest->h * chest->w, wrong = 0, lung = 0;

  for (gsize v = 0; v < total; v++)
    {
      wrong += chest->mask[v] != chest->truth[v];
      lung += chest->truth[v];
    }
  g_assert_cmpuint (lung, >, 0);
  g_assert_cmpuint (wrong, ==, 0);
}

/* The torso (soft tissue with a 1-voxel skin of fat) on every slice, and
 * the lungs: two ellipsoids from slice 5 to 39, or only the right one. */
static Chest *
make_chest (int n, gboolean both_lungs)
{
  Chest *chest = chest_new (n, 100, 120);
  double lung_s0 = n > 1 ? 22 : 0, lung_rs = n > 1 ? 17 : 0;

  paint (chest, 0, 50, 60, 0, 36, 46, -100.0f, FALSE, FALSE);
  paint (chest, 0, 50, 60, 0, 35, 45, 40.0f, FALSE, FALSE);
  paint (chest, lung_s0, 50, 40, lung_rs, 22, 15, -850.0f, TRUE, TRUE);
  if (both_lungs)
    paint (chest, lung_s0, 50, 80, lung_rs, 22, 15, -850.0f, TRUE, TRUE);
  return chest;
}

static void
test_volume_keeps_only_lungs (void)
{
  g_autoptr (Chest) chest = make_chest (60, TRUE);
  CtLungCleanupStats stats;
  gsize removed;

  /* Lesions inside both lungs that the network left out: holes in the
   * mask, which must stay as they are. */
  hole (chest, 20, 55, 40, 5, FALSE);
  hole (chest, 25, 60, 80, 4, FALSE);
  /* Bowel gas below the lungs, in front. */
  paint (chest, 50, 40, 60, 4, 6, 6, -1000.0f, TRUE, FALSE);
  /* Stomach under the left dome, inside the lungs' slice range but under
   * their floor. */
  paint (chest, 36.5, 52, 94, 1.5, 3, 3, -1000.0f, TRUE, FALSE);
  /* An arm at the image edge, with "lung" marked in it. */
  paint (chest, 0, 50, 114, 0, 12, 6, 40.0f, FALSE, FALSE);
  paint (chest, 20, 50, 114, 10, 5, 2, NAN, TRUE, FALSE);
  /* Air in front of the body marked as lung. */
  paint (chest, 15, 6, 55, 5, 3, 6, NAN, TRUE, FALSE);

  removed = run_cleanup (chest, &stats);
  assert_mask_is_truth (chest);
  g_assert_cmpuint (removed, >, 0);
  g_assert_cmpuint (stats.components, ==, 4); /* two lungs, the gas, the stomach */
  g_assert_cmpuint (stats.removed_outside, >, 0);
  g_assert_cmpuint (stats.removed_below, ==, 2);
  g_assert_cmpuint (stats.removed_anterior, ==, 0);
  /* Volumes from the spacing: 2 x 2 x 5 mm = 0.02 ml per voxel. */
  g_assert_cmpfloat_with_epsilon (stats.removed_outside_ml + stats.removed_below_ml, removed * 0.02, 1e-9);
}

static void
test_single_lung_is_kept (void)
{
  g_autoptr (Chest) chest = make_chest (60, FALSE);
  CtLungCleanupStats stats;

  /* After a pneumonectomy: bowel gas under the remaining lung, larger than
   * a tenth of it would be the "second lung" if it were not below. */
  paint (chest, 46, 50, 45, 6, 14, 14, -1000.0f, TRUE, FALSE);
  run_cleanup (chest, &stats);
  assert_mask_is_truth (chest);
  g_assert_cmpuint (stats.removed_below, ==, 1);
}

static void
test_split_lobe_is_kept (void)
{
  /* Consolidation across the right lung at slices 25-26 splits off its
   * lower part (a third of the lung, under the rest): lung, not gas. */
  g_autoptr (Chest) chest = make_chest (60, TRUE);
  CtLungCleanupStats stats;
  gsize plane = (gsize) 100 * 120;

  for (int s = 25; s <= 26; s++)
    for (gsize p = 0; p < plane; p++)
      if (p % 120 < 60 && chest->mask[s * plane + p])
        {
          chest->mask[s * plane + p] = chest->truth[s * plane + p] = 0;
          chest->image[s * plane + p] = 30.0f;
        }
  run_cleanup (chest, &stats);
  assert_mask_is_truth (chest);
  g_assert_cmpuint (stats.components, ==, 3);
  g_assert_cmpuint (stats.removed_below, ==, 0);
}

static void
test_arm_gap_under_blanket (void)
{
  g_autoptr (Chest) chest = make_chest (20, TRUE);

  /* A tall arm at the image edge, and a blanket from the top of the body
   * to the arm that joins them into one torso. */
  paint (chest, 0, 50, 114, 0, 40, 5, 40.0f, FALSE, FALSE);
  for (int s = 0; s < chest->n; s++)
    for (int c = 60; c < 114; c++)
      chest->image[((gsize) s * chest->h + 14) * chest->w + c] = 0.0f;
  /* The air between the arm and the chest wall, marked as lung. */
  paint (chest, 10, 60, 107, 6, 6, 1, NAN, TRUE, FALSE);
  run_cleanup (chest, NULL);
  assert_mask_is_truth (chest);
}

static void
test_lung_joined_to_outside_air (void)
{
  /* The network marked the right lung, the chest wall beside it and the air
   * around the body on ten slices as one region, mostly outside: the air
   * goes, the rest stays. */
  g_autoptr (Chest) chest = make_chest (20, TRUE);
  gsize total = (gsize) 20 * 100 * 120;
  g_autofree guint8 *before = NULL;
  gsize outside = 0;

  paint (chest, 10, 50, 14, 5, 4, 20, NAN, TRUE, FALSE);
  for (gsize v = (gsize) 5 * 100 * 120; v < (gsize) 16 * 100 * 120; v++)
    if (chest->image[v] < -950.0f)
      chest->mask[v] = 1;
  before = g_memdup2 (chest->mask, total);
  for (gsize v = 0; v < total; v++)
    outside += chest->mask[v] && chest->image[v] < -950.0f;
  g_assert_cmpuint (outside, >, 0);
  {
    /* One component with the lung before the clean-up. */
    g_autofree guint32 *labels = g_new (guint32, total);
    guint count = ct_lung_cleanup_label (chest->mask, 20, 100, 120, labels);
    g_assert_cmpuint (count, ==, 2);
  }
  run_cleanup (chest, NULL);
  for (gsize v = 0; v < total; v++)
    {
      if (chest->truth[v])
        g_assert_cmpuint (chest->mask[v], ==, 1);
      if (chest->image[v] < -950.0f)
        g_assert_cmpuint (chest->mask[v], ==, 0);
      else
        g_assert_cmpuint (chest->mask[v], ==, before[v]);
    }
}

static void
test_cropped_field_of_view (void)
{
  /* A tight crop: the body fills the image and the lungs touch its left
   * and right border; nothing may be removed. */
  g_autoptr (Chest) chest = chest_new (30, 60, 80);

  for (gsize v = 0; v < (gsize) 30 * 60 * 80; v++)
    chest->image[v] = 40.0f;
  paint (chest, 15, 30, 4, 14, 25, 14, -850.0f, TRUE, TRUE);
  paint (chest, 15, 30, 76, 14, 25, 14, -850.0f, TRUE, TRUE);
  hole (chest, 15, 35, 8, 4, FALSE);
  run_cleanup (chest, NULL);
  assert_mask_is_truth (chest);
}

static void
test_single_slice (void)
{
  g_autoptr (Chest) chest = make_chest (1, TRUE);
  g_autoptr (Chest) abdomen = make_chest (1, FALSE);
  CtLungCleanupStats stats;
  gsize total = (gsize) abdomen->h * abdomen->w;

  /* A chest slice: an arm with "lung" in it and air outside the body go;
   * the lungs, with a lesion hole, stay. */
  hole (chest, 0, 55, 40, 5, FALSE);
  paint (chest, 0, 50, 114, 0, 12, 6, 40.0f, FALSE, FALSE);
  paint (chest, 0, 50, 114, 0, 5, 2, NAN, TRUE, FALSE);
  paint (chest, 0, 6, 55, 0, 3, 6, NAN, TRUE, FALSE);
  run_cleanup (chest, &stats);
  assert_mask_is_truth (chest);
  g_assert_cmpuint (stats.removed_outside, >, 0);
  g_assert_cmpuint (stats.components, ==, 2);

  /* An abdominal slice: no lung, bowel gas in front. */
  memset (abdomen->mask, 0, total);
  for (gsize v = 0; v < total; v++)
    if (abdomen->image[v] < -800.0f)
      abdomen->image[v] = 40.0f;
  paint (abdomen, 0, 30, 50, 0, 6, 8, -1000.0f, TRUE, FALSE);
  paint (abdomen, 0, 35, 75, 0, 4, 4, -1000.0f, TRUE, FALSE);
  memset (abdomen->truth, 0, total);
  run_cleanup (abdomen, &stats);
  for (gsize v = 0; v < total; v++)
    g_assert_cmpuint (abdomen->mask[v], ==, 0);
  g_assert_cmpuint (stats.removed_anterior, ==, 2);
}

static void
test_no_body (void)
{
  /* Nothing above the body threshold (a slice of air only): everything
   * marked is outside the body; an empty mask stays empty. */
  g_autoptr (Chest) chest = chest_new (3, 20, 20);
  CtLungCleanupStats stats;

  g_assert_cmpuint (run_cleanup (chest, &stats), ==, 0);
  g_assert_cmpuint (stats.components, ==, 0);
  paint (chest, 1, 10, 10, 1, 4, 4, NAN, TRUE, FALSE);
  g_assert_cmpuint (run_cleanup (chest, &stats), >, 0);
  g_assert_cmpuint (stats.components, ==, 0);
  g_assert_cmpuint (stats.removed_outside, >, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/lung-cleanup/label-matches-naive", test_label_matches_naive);
  g_test_add_func ("/lung-cleanup/volume-keeps-only-lungs", test_volume_keeps_only_lungs);
  g_test_add_func ("/lung-cleanup/single-lung-is-kept", test_single_lung_is_kept);
  g_test_add_func ("/lung-cleanup/split-lobe-is-kept", test_split_lobe_is_kept);
  g_test_add_func ("/lung-cleanup/arm-gap-under-blanket", test_arm_gap_under_blanket);
  g_test_add_func ("/lung-cleanup/lung-joined-to-outside-air", test_lung_joined_to_outside_air);
  g_test_add_func ("/lung-cleanup/cropped-field-of-view", test_cropped_field_of_view);
  g_test_add_func ("/lung-cleanup/single-slice", test_single_slice);
  g_test_add_func ("/lung-cleanup/no-body", test_no_body);
  return g_test_run ();
}
