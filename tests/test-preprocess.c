/* SPDX-License-Identifier: MIT */
/* Preprocessing: reorientation to the network grid, 2 mm resampling, the HU
 * window and the lung clean-up / bounding box. */
#include <math.h>
#include <string.h>

#include "ct-lung-box.h"
#include "ct-reorient.h"
#include "ct-resample.h"
#include "ct-window.h"

static const int axis_permutations[6][3] = {
  { 0, 1, 2 }, { 0, 2, 1 }, { 1, 0, 2 }, { 1, 2, 0 }, { 2, 0, 1 }, { 2, 1, 0 },
};

/* Builds a volume whose volume axis v points along sign * LPS axis
 * lps_axis[v], filled so that each voxel holds canonical[s][r][c] with s
 * counting from superior, r from anterior, c from patient right: what the
 * network must see, computed from the construction, independently of
 * ct-reorient. */
static CtVolume *
make_oriented_volume (const int lps_axis[3], const int sign[3], const int net_dims[3], const float *canonical,
                      double tilt_radians)
{
  /* Network axis of each LPS axis: x -> column (2), y -> row (1), z -> slice (0). */
  static const int net_axis_of_lps[3] = { 2, 1, 0 };
  int dims[3];
  CtVolume *v;

  for (int a = 0; a < 3; a++)
    dims[a] = net_dims[net_axis_of_lps[lps_axis[a]]];
  v = ct_volume_new (dims[0], dims[1], dims[2]);
  memset (v->direction, 0, sizeof v->direction);
  for (int a = 0; a < 3; a++)
    {
      v->direction[3 * a + lps_axis[a]] = sign[a];
      v->spacing[a] = 0.5 + a; /* distinct, to check the spacing follows */
    }
  /* A small tilt of the slice axis (gantry tilt) must not change the mapping. */
  if (tilt_radians != 0)
    {
      double *d = v->direction + 6;
      int other = (lps_axis[2] + 1) % 3;
      d[other] = sin (tilt_radians) * sign[2];
      d[lps_axis[2]] = cos (tilt_radians) * sign[2];
    }
  /* Rank of each voxel along each LPS axis, from the construction: volume
   * axis a runs along LPS axis lps_axis[a], forwards when sign[a] > 0. */
  for (int k = 0; k < dims[2]; k++)
    for (int j = 0; j < dims[1]; j++)
      for (int i = 0; i < dims[0]; i++)
        {
          int ijk[3] = { i, j, k };
          int net[3];

          for (int a = 0; a < 3; a++)
            {
              int rank = sign[a] > 0 ? ijk[a] : dims[a] - 1 - ijk[a];
              net[net_axis_of_lps[lps_axis[a]]] = rank;
            }
          /* +z is superior; network slices count from superior. */
          net[0] = net_dims[0] - 1 - net[0];
          v->hu[((gsize) k * dims[1] + j) * dims[0] + i] =
              canonical[((gsize) net[0] * net_dims[1] + net[1]) * net_dims[2] + net[2]];
        }
  return v;
}

static void
check_orientation (const int lps_axis[3], const int sign[3], double tilt)
{
  const int net_dims[3] = { 5, 4, 3 };
  gsize n = 5 * 4 * 3;
  float canonical[60];
  g_autoptr (CtVolume) v = NULL;
  g_autofree float *net = g_new (float, n);
  g_autofree float *back = g_new (float, n);
  g_autofree guint8 *net8 = g_new (guint8, n);
  g_autofree guint8 *vol8 = g_new (guint8, n);
  g_autofree guint8 *back8 = g_new (guint8, n);
  float slice[12];
  CtReorient r;

  for (gsize q = 0; q < n; q++)
    canonical[q] = (float) q;
  v = make_oriented_volume (lps_axis, sign, net_dims, canonical, tilt);
  ct_reorient_init_from_volume (&r, v);

  for (int a = 0; a < 3; a++)
    g_assert_cmpint (r.net_dims[a], ==, net_dims[a]);
  /* The spacing of each network axis is the spacing of its volume axis. */
  for (int a = 0; a < 3; a++)
    g_assert_cmpfloat (r.net_spacing[a], ==, v->spacing[r.volume_axis[a]]);

  ct_reorient_to_net_f32 (&r, v->hu, net);
  g_assert_cmpmem (net, n * sizeof (float), canonical, n * sizeof (float));
  ct_reorient_from_net_f32 (&r, net, back);
  g_assert_cmpmem (back, n * sizeof (float), v->hu, n * sizeof (float));

  for (gsize q = 0; q < n; q++)
    vol8[q] = (guint8) v->hu[q];
  ct_reorient_to_net_u8 (&r, vol8, net8);
  ct_reorient_from_net_u8 (&r, net8, back8);
  g_assert_cmpmem (back8, n, vol8, n);

  /* Index mapping and its inverse agree on every voxel. */
  for (int s = 0; s < net_dims[0]; s++)
    for (int row = 0; row < net_dims[1]; row++)
      for (int c = 0; c < net_dims[2]; c++)
        {
          gsize index = ct_reorient_volume_index (&r, s, row, c);
          int i = (int) (index % v->nx), j = (int) (index / v->nx % v->ny), k = (int) (index / v->nx / v->ny);
          int src[3];
          ct_reorient_net_coords (&r, i, j, k, src);
          g_assert_cmpint (src[0], ==, s);
          g_assert_cmpint (src[1], ==, row);
          g_assert_cmpint (src[2], ==, c);
        }

  ct_reorient_extract_slice (&r, v->hu, 2, slice);
  g_assert_cmpmem (slice, sizeof slice, canonical + 2 * 12, sizeof slice);
}

/* Every one of the 48 axis permutations and flips reaches the same network
 * array and maps back exactly. */
static void
test_reorient_all_48 (void)
{
  int count = 0;

  for (int p = 0; p < 6; p++)
    for (int flips = 0; flips < 8; flips++)
      {
        int sign[3] = { flips & 1 ? -1 : 1, flips & 2 ? -1 : 1, flips & 4 ? -1 : 1 };
        check_orientation (axis_permutations[p], sign, 0.0);
        count++;
      }
  g_assert_cmpint (count, ==, 48);
}

/* A 12 degree gantry tilt keeps the nearest-axis mapping. */
static void
test_reorient_tilted (void)
{
  for (int p = 0; p < 6; p++)
    for (int flips = 0; flips < 8; flips++)
      {
        int sign[3] = { flips & 1 ? -1 : 1, flips & 2 ? -1 : 1, flips & 4 ? -1 : 1 };
        check_orientation (axis_permutations[p], sign, 12.0 * G_PI / 180.0);
      }
}

/* The usual cases by name: head-first axial (k towards feet) needs no flip,
 * the identity geometry (k towards head, as NIfTI RAS-flipped stacks often
 * are) flips the slices, a mirrored image (columns left -> right) flips the
 * columns. */
static void
test_reorient_named_cases (void)
{
  CtReorient r;
  const double spacing[3] = { 0.7, 0.7, 2.5 };
  const double head_first[9] = { 1, 0, 0, 0, 1, 0, 0, 0, -1 };
  const double identity[9] = { 1, 0, 0, 0, 1, 0, 0, 0, 1 };
  const double mirrored[9] = { -1, 0, 0, 0, 1, 0, 0, 0, -1 };
  const double coronal[9] = { 1, 0, 0, 0, 0, -1, 0, 1, 0 };

  ct_reorient_init_from_direction (&r, head_first, spacing, 512, 512, 100);
  g_assert_true (r.volume_axis[0] == 2 && r.volume_axis[1] == 1 && r.volume_axis[2] == 0);
  g_assert_false (r.flip[0] || r.flip[1] || r.flip[2]);
  g_assert_cmpfloat (r.net_spacing[0], ==, 2.5);

  ct_reorient_init_from_direction (&r, identity, spacing, 512, 512, 100);
  g_assert_true (r.flip[0] && !r.flip[1] && !r.flip[2]);

  ct_reorient_init_from_direction (&r, mirrored, spacing, 512, 512, 100);
  g_assert_true (!r.flip[0] && !r.flip[1] && r.flip[2]);

  /* Coronal slices (rows run superior -> inferior): the slice axis of the
   * network is the volume's row axis. */
  ct_reorient_init_from_direction (&r, coronal, spacing, 512, 400, 100);
  g_assert_cmpint (r.volume_axis[0], ==, 1);
  g_assert_false (r.flip[0]);
  g_assert_cmpint (r.volume_axis[1], ==, 2);
  g_assert_cmpint (r.net_dims[0], ==, 400);
  g_assert_cmpint (r.net_dims[1], ==, 100);
}

/* Straight from the documented convention, in double precision. */
static double
naive_sample (const float *in, int h, int w, int h_out, int w_out, int y, int x)
{
  double fy = CLAMP ((y + 0.5) * h / h_out - 0.5, 0, h - 1);
  double fx = CLAMP ((x + 0.5) * w / w_out - 0.5, 0, w - 1);
  int y0 = (int) floor (fy), x0 = (int) floor (fx);
  int y1 = MIN (y0 + 1, h - 1), x1 = MIN (x0 + 1, w - 1);
  double ty = fy - y0, tx = fx - x0;
  double top = in[y0 * w + x0] * (1 - tx) + in[y0 * w + x1] * tx;
  double bottom = in[y1 * w + x0] * (1 - tx) + in[y1 * w + x1] * tx;

  return top * (1 - ty) + bottom * ty;
}

static void
test_resample_against_naive (void)
{
  const int h = 37, w = 53;
  const double sh = 0.74, sw = 0.81;
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);
  g_autofree float *in = g_new (float, h * w);
  int h2 = ct_resample_output_size (h, sh, 2.0), w2 = ct_resample_output_size (w, sw, 2.0);
  g_autoptr (CtResampleAxis) rows = ct_resample_axis_new (h, h2);
  g_autoptr (CtResampleAxis) cols = ct_resample_axis_new (w, w2);
  g_autofree float *out = g_new (float, h2 * w2);
  double worst = 0;

  g_assert_cmpint (h2, ==, 14); /* 37 * 0.74 / 2 = 13.69 */
  g_assert_cmpint (w2, ==, 21); /* 53 * 0.81 / 2 = 21.47 */
  for (int q = 0; q < h * w; q++)
    in[q] = (float) g_rand_double_range (rand, -1000, 400);
  ct_resample_slice (in, rows, cols, out);
  for (int y = 0; y < h2; y++)
    for (int x = 0; x < w2; x++)
      {
        double expected = naive_sample (in, h, w, h2, w2, y, x);
        double diff = fabs (out[y * w2 + x] - expected);
        if (diff > 1e-3 + 1e-6 * fabs (expected))
          g_error ("resampled (%d, %d) = %g, naive %g", y, x, out[y * w2 + x], expected);
        worst = MAX (worst, diff);
      }
  g_test_message ("largest difference from the naive reference: %g HU", worst);

  /* Upsampling too (the way back to the volume grid). */
  {
    g_autoptr (CtResampleAxis) rows_up = ct_resample_axis_new (h2, h);
    g_autoptr (CtResampleAxis) cols_up = ct_resample_axis_new (w2, w);
    g_autofree float *up = g_new (float, h * w);

    ct_resample_slice (out, rows_up, cols_up, up);
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++)
        {
          double expected = naive_sample (out, h2, w2, h, w, y, x);
          g_assert_cmpfloat_with_epsilon (up[y * w + x], expected, 1e-3);
        }
  }
}

/* Bilinear interpolation reproduces a linear ramp wherever it does not
 * clamp at the edges; the round trip 0.7 mm -> 2 mm -> 0.7 mm does too.
 * Both grids span the same extent (h * sh mm). */
static void
test_resample_linear_ramp (void)
{
  const int h = 60, w = 45;
  const double sh = 0.7, sw = 0.9;
  g_autofree float *in = g_new (float, h * w);
  int h2 = ct_resample_output_size (h, sh, 2.0), w2 = ct_resample_output_size (w, sw, 2.0);
  g_autoptr (CtResampleAxis) rows = ct_resample_axis_new (h, h2);
  g_autoptr (CtResampleAxis) cols = ct_resample_axis_new (w, w2);
  g_autoptr (CtResampleAxis) rows_up = ct_resample_axis_new (h2, h);
  g_autoptr (CtResampleAxis) cols_up = ct_resample_axis_new (w2, w);
  g_autofree float *out = g_new (float, h2 * w2);
  g_autofree float *back = g_new (float, h * w);
  double eh = h * sh / h2, ew = w * sw / w2; /* 2 mm up to the rounding of the size */
  int checked = 0;

  /* ramp in mm: 3 HU/mm along rows, -2 HU/mm along columns */
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      in[y * w + x] = (float) (3.0 * (y + 0.5) * sh - 2.0 * (x + 0.5) * sw + 5.0);
  ct_resample_slice (in, rows, cols, out);
  for (int y = 0; y < h2; y++)
    for (int x = 0; x < w2; x++)
      {
        double my = (y + 0.5) * eh, mx = (x + 0.5) * ew; /* mm from the edge */
        if (my < 0.5 * sh || my > (h - 0.5) * sh || mx < 0.5 * sw || mx > (w - 0.5) * sw)
          continue;
        g_assert_cmpfloat_with_epsilon (out[y * w2 + x], 3.0 * my - 2.0 * mx + 5.0, 1e-3);
        checked++;
      }
  g_assert_cmpint (checked, >=, (h2 - 2) * (w2 - 2));

  ct_resample_slice (out, rows_up, cols_up, back);
  checked = 0;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        double my = (y + 0.5) * sh, mx = (x + 0.5) * sw;
        if (my < 0.5 * eh || my > (h2 - 0.5) * eh || mx < 0.5 * ew || mx > (w2 - 0.5) * ew)
          continue;
        g_assert_cmpfloat_with_epsilon (back[y * w + x], in[y * w + x], 1e-3);
        checked++;
      }
  g_assert_cmpint (checked, >, h * w / 2);
}

static void
test_resample_sizes (void)
{
  g_assert_cmpint (ct_resample_output_size (512, 0.7, 2.0), ==, 179);
  g_assert_cmpint (ct_resample_output_size (512, 0.976, 2.0), ==, 250);
  g_assert_cmpint (ct_resample_output_size (1, 0.5, 2.0), ==, 1);
  g_assert_cmpint (ct_resample_output_size (3, 0.5, 2.0), ==, 1);
  /* One input voxel: every output reads it. */
  {
    float one = 42;
    float out[4];
    g_autoptr (CtResampleAxis) rows = ct_resample_axis_new (1, 2);
    g_autoptr (CtResampleAxis) cols = ct_resample_axis_new (1, 2);
    ct_resample_slice (&one, rows, cols, out);
    for (int q = 0; q < 4; q++)
      g_assert_cmpfloat (out[q], ==, 42);
  }
}

static void
test_window (void)
{
  CtWindow window;
  float values[] = { -3000, -1000, -350, 300, 2000, NAN };

  g_assert_true (ct_window_parse ("-1000,300", &window));
  g_assert_cmpfloat (window.low_hu, ==, -1000);
  g_assert_cmpfloat (window.high_hu, ==, 300);
  g_assert_false (ct_window_parse ("300,-1000", &window));
  g_assert_false (ct_window_parse ("-1000", &window));
  g_assert_false (ct_window_parse ("a,b", &window));
  g_assert_true (ct_window_parse ("-1000,300", &window));
  ct_window_apply (&window, values, G_N_ELEMENTS (values));
  g_assert_cmpfloat (values[0], ==, 0);
  g_assert_cmpfloat (values[1], ==, 0);
  g_assert_cmpfloat_with_epsilon (values[2], 0.5, 1e-6);
  g_assert_cmpfloat (values[3], ==, 1);
  g_assert_cmpfloat (values[4], ==, 1);
  g_assert_cmpfloat (values[5], ==, 0);
}

static void
fill_box (guint8 *mask, int h, int w, int s0, int s1, int r0, int r1, int c0, int c1)
{
  for (int s = s0; s < s1; s++)
    for (int r = r0; r < r1; r++)
      for (int c = c0; c < c1; c++)
        mask[((gsize) s * h + r) * w + c] = 1;
}

static gsize
count (const guint8 *mask, gsize n)
{
  gsize total = 0;
  for (gsize q = 0; q < n; q++)
    total += mask[q] != 0;
  return total;
}

/* Two lungs survive; a speck, a stomach bubble beside the lung bases and gas
 * in the abdomen below the lungs do not. */
static void
test_lung_box_keep_lungs (void)
{
  const int n = 40, h = 30, w = 40;
  gsize total = (gsize) n * h * w;
  g_autofree guint8 *mask = g_new0 (guint8, total);
  CtBox box;

  fill_box (mask, h, w, 2, 26, 5, 25, 3, 17);  /* right lung: 24 x 20 x 14 = 6720 */
  fill_box (mask, h, w, 4, 28, 6, 24, 22, 36); /* left lung: 24 x 18 x 14 = 6048 */
  fill_box (mask, h, w, 10, 11, 2, 3, 20, 21); /* speck */
  fill_box (mask, h, w, 24, 28, 2, 5, 30, 39); /* stomach bubble, 4 x 3 x 9 = 108 */
  fill_box (mask, h, w, 32, 40, 5, 25, 5, 35); /* bowel gas below: 8 x 20 x 30 = 4800 */

  g_assert_cmpuint (ct_lung_box_keep_lungs (mask, n, h, w), ==, 6720 + 6048);
  g_assert_cmpuint (count (mask, total), ==, 6720 + 6048);
  g_assert_true (ct_lung_box_compute (mask, n, h, w, &box));
  g_assert_cmpint (box.lower[0], ==, 2);
  g_assert_cmpint (box.upper[0], ==, 28);
  g_assert_cmpint (box.lower[1], ==, 5);
  g_assert_cmpint (box.upper[1], ==, 25);
  g_assert_cmpint (box.lower[2], ==, 3);
  g_assert_cmpint (box.upper[2], ==, 36);
  g_assert_cmpint (ct_box_size (&box, 2), ==, 33);
}

/* Consolidation the lung network left out: a lesion blob mostly inside the
 * lung joins it (all its voxels, also those outside); a blob mostly outside
 * (body wall, bowel) and a blob not touching the lung at all do not. */
static void
test_lung_box_attached_lesions (void)
{
  const int n = 10, h = 20, w = 30;
  gsize total = (gsize) n * h * w;
  g_autofree guint8 *lungs = g_new0 (guint8, total);
  g_autofree guint8 *lesions = g_new0 (guint8, total);
  g_autofree guint8 *before = NULL;

  fill_box (lungs, h, w, 0, 10, 2, 18, 2, 12); /* lung: 10 x 16 x 10 = 1600 */
  /* blob A: columns 8..13, 4 of 6 columns inside the lung -> 2/3 inside */
  fill_box (lesions, h, w, 2, 5, 4, 8, 8, 14); /* 3 x 4 x 6 = 72, 24 outside */
  /* blob B: columns 10..19, 2 of 10 inside -> 1/5 inside */
  fill_box (lesions, h, w, 6, 8, 10, 12, 10, 20); /* 2 x 2 x 10 = 40 */
  /* blob C: far from the lung */
  fill_box (lesions, h, w, 2, 4, 2, 4, 24, 28); /* 2 x 2 x 4 = 16 */
  before = g_memdup2 (lungs, total);

  g_assert_cmpuint (ct_lung_box_add_attached_lesions (lungs, lesions, n, h, w, 0.5), ==, 24);
  g_assert_cmpuint (count (lungs, total), ==, 1600 + 24);
  for (gsize q = 0; q < total; q++)
    {
      gsize c = q % w, r = q / w % h, sl = q / ((gsize) w * h);
      gboolean in_a = sl >= 2 && sl < 5 && r >= 4 && r < 8 && c >= 8 && c < 14;
      g_assert_cmpint (lungs[q], ==, before[q] || in_a ? 1 : 0);
    }
  /* A stricter share keeps blob A out too; a share of 0.1 takes B as well. */
  memcpy (lungs, before, total);
  g_assert_cmpuint (ct_lung_box_add_attached_lesions (lungs, lesions, n, h, w, 0.7), ==, 0);
  g_assert_cmpuint (ct_lung_box_add_attached_lesions (lungs, lesions, n, h, w, 0.1), ==, 24 + 32);
}

/* Components under the minimum go, the rest stay untouched. */
static void
test_lung_box_drop_small (void)
{
  const int n = 6, h = 10, w = 10;
  gsize total = (gsize) n * h * w;
  g_autofree guint8 *mask = g_new0 (guint8, total);

  fill_box (mask, h, w, 0, 2, 0, 2, 0, 2); /* 8 voxels */
  fill_box (mask, h, w, 3, 6, 4, 8, 4, 8); /* 48 voxels */
  mask[(2 * h + 9) * w + 9] = 1;           /* 1 voxel */
  g_assert_cmpuint (ct_lung_box_drop_small_components (mask, n, h, w, 8), ==, 1);
  g_assert_cmpuint (count (mask, total), ==, 56);
  g_assert_cmpuint (ct_lung_box_drop_small_components (mask, n, h, w, 9), ==, 8);
  g_assert_cmpuint (count (mask, total), ==, 48);
  g_assert_cmpuint (ct_lung_box_drop_small_components (mask, n, h, w, 1), ==, 0);
  g_assert_cmpuint (count (mask, total), ==, 48);
}

/* Diagonal contact joins (26-connectivity); an empty mask has no box. */
static void
test_lung_box_edges (void)
{
  const int n = 4, h = 4, w = 4;
  guint8 mask[64] = { 0 };
  CtBox box;

  g_assert_cmpuint (ct_lung_box_keep_lungs (mask, n, h, w), ==, 0);
  g_assert_false (ct_lung_box_compute (mask, n, h, w, &box));
  mask[0] = 1;
  mask[(1 * h + 1) * w + 1] = 1;
  mask[(2 * h + 2) * w + 2] = 1;
  g_assert_cmpuint (ct_lung_box_keep_lungs (mask, n, h, w), ==, 3);
  g_assert_true (ct_lung_box_compute (mask, n, h, w, &box));
  for (int a = 0; a < 3; a++)
    {
      g_assert_cmpint (box.lower[a], ==, 0);
      g_assert_cmpint (box.upper[a], ==, 3);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/preprocess/reorient/all-48", test_reorient_all_48);
  g_test_add_func ("/preprocess/reorient/tilted", test_reorient_tilted);
  g_test_add_func ("/preprocess/reorient/named-cases", test_reorient_named_cases);
  g_test_add_func ("/preprocess/resample/naive", test_resample_against_naive);
  g_test_add_func ("/preprocess/resample/linear-ramp", test_resample_linear_ramp);
  g_test_add_func ("/preprocess/resample/sizes", test_resample_sizes);
  g_test_add_func ("/preprocess/window", test_window);
  g_test_add_func ("/preprocess/lung-box/keep-lungs", test_lung_box_keep_lungs);
  g_test_add_func ("/preprocess/lung-box/edges", test_lung_box_edges);
  g_test_add_func ("/preprocess/lung-box/attached-lesions", test_lung_box_attached_lesions);
  g_test_add_func ("/preprocess/lung-box/drop-small", test_lung_box_drop_small);
  return g_test_run ();
}
