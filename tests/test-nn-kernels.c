/* SPDX-License-Identifier: MIT */
/* test-nn-kernels.c: the engine's kernels. Hand-checkable cases for the
 * reference kernels (pyramid bin rule, 2x2 ceil max pooling, bilinear against
 * values printed by PyTorch 1.13), then every optimized kernel against its
 * naive reference on seeded random tensors of odd sizes, with a mixed
 * absolute/relative tolerance, printing where they differ. */
#include <math.h>
#include <string.h>

#include "ct-nn-blocked.h"
#include "ct-nn-blocked-winograd.h"
#include "ct-nn-channel-major-conv.h"
#include "ct-nn-gemm.h"
#include "ct-nn-channel-major-ops.h"
#include "ct-nn-ref.h"
#include "ct-nn-channel-major-winograd.h"

#define ATOL 1e-5
#define RTOL 1e-5

static gboolean
have_avx2 (void)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init ();
  return __builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma");
#else
  return FALSE;
#endif
}

static float *
random_floats (GRand *rand, size_t n, double lo, double hi)
{
  float *v = g_new (float, MAX (n, 1));
  for (size_t i = 0; i < n; i++)
    v[i] = (float) g_rand_double_range (rand, lo, hi);
  return v;
}

/* Mixed tolerance comparison; prints the first and the worst mismatch. */
static void
assert_close (const char *what, const float *got, const float *want, size_t n, double atol, double rtol)
{
  size_t bad = 0, worst_i = 0;
  double worst = 0;

  for (size_t i = 0; i < n; i++)
    {
      double d = fabs ((double) got[i] - (double) want[i]);
      double limit = atol + rtol * fabs ((double) want[i]);
      if (!(d <= limit))
        {
          if (bad == 0)
            g_printerr ("%s: first difference at %zu: got %.8g, want %.8g\n", what, i, got[i], want[i]);
          bad++;
        }
      if (!(d <= worst))
        {
          worst = d;
          worst_i = i;
        }
    }
  if (bad > 0)
    g_printerr ("%s: %zu of %zu differ; worst at %zu: got %.8g, want %.8g\n", what, bad, n, worst_i, got[worst_i],
                want[worst_i]);
  g_assert_cmpuint (bad, ==, 0);
}

/* ---- hand-checkable reference cases -------------------------------------- */

static void
test_pyramid_bins (void)
{
  /* n = 10, l = 4: stride 2, window 10 - 3 * 2 = 4 (overlapping) */
  static const int want10[4][2] = { { 0, 4 }, { 2, 6 }, { 4, 8 }, { 6, 10 } };
  int b, e;

  for (int i = 0; i < 4; i++)
    {
      ct_nn_pyramid_bin (10, 4, i, &b, &e);
      g_assert_cmpint (b, ==, want10[i][0]);
      g_assert_cmpint (e, ==, want10[i][1]);
    }
  /* n = 9, l = 2: stride 4, window 5 -> [0,5) [4,9) */
  ct_nn_pyramid_bin (9, 2, 0, &b, &e);
  g_assert_cmpint (b, ==, 0);
  g_assert_cmpint (e, ==, 5);
  ct_nn_pyramid_bin (9, 2, 1, &b, &e);
  g_assert_cmpint (b, ==, 4);
  g_assert_cmpint (e, ==, 9);
  /* n = 8, l = 8: single voxels; l = 1: everything */
  ct_nn_pyramid_bin (8, 8, 7, &b, &e);
  g_assert_cmpint (b, ==, 7);
  g_assert_cmpint (e, ==, 8);
  ct_nn_pyramid_bin (13, 1, 0, &b, &e);
  g_assert_cmpint (b, ==, 0);
  g_assert_cmpint (e, ==, 13);
  g_assert_cmpuint (ct_nn_pyramid_n_features (8, (int[]){ 1, 2, 4, 8 }, 4), ==, 4680);
}

/* Accumulating slice by slice equals pooling the whole C x H x W x D block. */
static void
test_pyramid_accumulate (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (11);
  int c = 3, h = 9, w = 11, depth = 10;
  int levels[] = { 1, 2, 4, 8 };
  size_t nf = ct_nn_pyramid_n_features (c, levels, 4);
  g_autofree float *block = random_floats (rand, (size_t) depth * c * h * w, -1, 1); /* [D][C][H][W] */
  g_autofree float *acc = g_new (float, nf);
  g_autofree float *want = g_new (float, nf);
  size_t f = 0;

  ct_nn_ref_pyramid_init (acc, nf);
  for (int d = 0; d < depth; d++)
    ct_nn_ref_pyramid_accumulate (acc, levels, 4, block + (size_t) d * c * h * w, c, (size_t) h * w, h, w, d, depth);

  for (int li = 0; li < 4; li++)
    for (int ch = 0; ch < c; ch++)
      for (int bh = 0; bh < levels[li]; bh++)
        for (int bw = 0; bw < levels[li]; bw++)
          for (int bd = 0; bd < levels[li]; bd++)
            {
              int y0, y1, x0, x1, d0, d1;
              float m = -INFINITY;
              ct_nn_pyramid_bin (h, levels[li], bh, &y0, &y1);
              ct_nn_pyramid_bin (w, levels[li], bw, &x0, &x1);
              ct_nn_pyramid_bin (depth, levels[li], bd, &d0, &d1);
              for (int d = d0; d < d1; d++)
                for (int y = y0; y < y1; y++)
                  for (int x = x0; x < x1; x++)
                    m = MAX (m, block[(((size_t) d * c + ch) * h + y) * w + x]);
              want[f++] = m;
            }
  g_assert_cmpuint (f, ==, nf);
  assert_close ("pyramid", acc, want, nf, 0, 0);
}

static void
test_maxpool_ceil (void)
{
  /* 3 x 5 -> 2 x 3; the last row and column form partial windows */
  /* clang-format off */
  static const float in[15] = { 1, 5, 2, 0, 9,
                                3, 4, 8, 1, -2,
                                7, 6, -1, 3, -5 };
  static const float want[6] = { 5, 8, 9,
                                 7, 3, -5 };
  /* clang-format on */
  float out[6], fast[6];

  ct_nn_ref_maxpool2x2_ceil (in, 1, 3, 5, out);
  assert_close ("maxpool ref", out, want, 6, 0, 0);
  ct_nn_maxpool2x2_ceil (in, 1, 3, 5, fast, 1);
  assert_close ("maxpool fast", fast, want, 6, 0, 0);
}

static void
test_bilinear_pytorch (void)
{
  /* torch.nn.functional.interpolate(x, size, mode="bilinear",
   * align_corners=False) printed by PyTorch 1.13 for this 3 x 4 input */
  static const float in[12] = { 0.0, 1.5, 1.0, 3.5, 2.0, 3.5, 3.0, 5.5, 4.0, 5.5, 5.0, 7.5 };
  /* one row of the 5 x 7 output a line */
  /* clang-format off */
  static const float up[35] = {
    0.0, 0.5357143, 1.3928572, 1.25, 1.1785717, 2.6071434, 3.5,
    0.8000001, 1.3357143, 2.1928573, 2.05, 1.9785719, 3.4071434, 4.3000002,
    2.0, 2.5357144, 3.3928573, 3.25, 3.1785719, 4.6071434, 5.5,
    3.2000003, 3.7357144, 4.5928574, 4.4500003, 4.378572, 5.8071432, 6.7000003,
    4.0, 4.5357141, 5.3928576, 5.25, 5.1785717, 6.6071434, 7.5 };
  /* clang-format on */
  static const float down[6] = { 0.75, 1.75, 3.5833335, 3.75, 4.75, 6.5833335 };
  float out[35], fast[35], zeros[35] = { 0 };

  ct_nn_ref_bilinear (in, 1, 3, 4, out, 5, 7);
  assert_close ("bilinear up", out, up, 35, 1e-6, 1e-6);
  ct_nn_bilinear_add (in, 1, 3, 4, zeros, fast, 5, 7, 1);
  assert_close ("bilinear_add up", fast, up, 35, 1e-6, 1e-6);
  ct_nn_ref_bilinear (in, 1, 3, 4, out, 2, 3);
  assert_close ("bilinear down", out, down, 6, 1e-6, 1e-6);
}

/* ---- optimized vs reference ---------------------------------------------- */

static void
test_gemm_kernels (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (7);
  static const int ks[] = { 1, 7, 37, 256 };

  if (!have_avx2 ())
    {
      g_test_skip ("this CPU has no AVX2/FMA");
      return;
    }
  for (size_t t = 0; t < G_N_ELEMENTS (ks); t++)
    for (int variant = 0; variant < 4; variant++)
      {
        int k = ks[t];
        size_t ldc = 31;
        g_autofree float *a = random_floats (rand, (size_t) k * CT_GEMM_MR, -1, 1);
        g_autofree float *b = random_floats (rand, (size_t) k * 40, -1, 1);
        g_autofree float *c0 = random_floats (rand, CT_GEMM_MR * ldc, -1, 1);
        g_autofree float *c1 = g_memdup2 (c0, sizeof (float) * CT_GEMM_MR * ldc);
        g_autofree float *res = random_floats (rand, CT_GEMM_MR * 33, -1, 1);
        g_autofree ptrdiff_t *offsets = g_new (ptrdiff_t, k);
        float scale[CT_GEMM_MR], shift[CT_GEMM_MR];
        CtGemmEpilogue ep = { scale, shift, NULL, 33, variant >= 2 };
        g_autofree char *what = g_strdup_printf ("gemm k=%d variant=%d", k, variant);

        for (int r = 0; r < CT_GEMM_MR; r++)
          {
            scale[r] = (float) g_rand_double_range (rand, 0.5, 1.5);
            shift[r] = (float) g_rand_double_range (rand, -0.5, 0.5);
          }
        if (variant == 3)
          ep.residual = res;
        /* B rows scattered at odd offsets, as when read in place */
        for (int p = 0; p < k; p++)
          offsets[p] = (ptrdiff_t) ((p * 13) % (k * 40 - CT_GEMM_NR + 1));
        ct_f32_gemm_4x24_portable (k, a, b, offsets, c0, ldc, variant == 1, variant >= 2 ? &ep : NULL);
        ct_f32_gemm_4x24_avx2 (k, a, b, offsets, c1, ldc, variant == 1, variant >= 2 ? &ep : NULL);
        assert_close (what, c1, c0, CT_GEMM_MR * ldc, 1e-5, 1e-5);
      }
}

typedef struct
{
  int h, w, nimg, cin3, cin_raw, cout;
  int epilogue; /* 0 bias, 1 scale/shift + relu, 2 identity residual */
  gboolean padded_output;
} ConvCase;

static gboolean use_winograd; /* check_conv runs ct_winograd_run (3x3 rows only) */

static void
check_conv (const ConvCase *cc, CtGemmMicroKernel kernel, int threads, GRand *rand)
{
  int h = cc->h, w = cc->w, nimg = cc->nimg;
  size_t hw = (size_t) h * w, n = (size_t) nimg * hw;
  size_t wp = (size_t) w + 2, pplane = (size_t) (h + 2) * wp;
  g_autofree float *x3 = random_floats (rand, (size_t) cc->cin3 * n, -1, 1);
  g_autofree float *xr = random_floats (rand, (size_t) cc->cin_raw * n + CT_CONV_INPUT_SLACK, -1, 1);
  g_autofree float *w3 = random_floats (rand, (size_t) cc->cout * cc->cin3 * 9 + 1, -0.5, 0.5);
  g_autofree float *w1 = random_floats (rand, (size_t) cc->cout * cc->cin_raw + 1, -0.5, 0.5);
  g_autofree float *bias = random_floats (rand, cc->cout, -0.5, 0.5);
  g_autofree float *scale = random_floats (rand, cc->cout, 0.5, 1.5);
  g_autofree float *residual = random_floats (rand, (size_t) cc->cout * n, -1, 1);
  g_autofree float *padded = g_new0 (float, (size_t) MAX (cc->cin3, 1) * nimg * pplane + CT_CONV_INPUT_SLACK);
  g_autofree float *want = g_new (float, (size_t) cc->cout * n);
  size_t out_size = cc->padded_output ? (size_t) cc->cout * nimg * pplane : (size_t) cc->cout * n;
  g_autofree float *out = random_floats (rand, out_size, 100, 200); /* garbage: all must be written */
  g_autofree float *got = g_new (float, (size_t) cc->cout * n);
  g_autofree float *scratch = g_new (float, MAX (ct_conv_scratch_floats_per_thread (),
                                                  ct_winograd_scratch_floats_per_thread (MAX (cc->cin3, cc->cout)))
                                             * threads);
  g_autofree char *what = g_strdup_printf ("conv %dx%d nimg=%d cin3=%d raw=%d cout=%d ep=%d padded=%d threads=%d %s", h,
                                           w, nimg, cc->cin3, cc->cin_raw, cc->cout, cc->epilogue, cc->padded_output,
                                           threads, kernel == ct_f32_gemm_4x24_portable ? "portable" : "avx2");
  CtConvWeights weights;
  CtConvInput input = { padded, xr, nimg, h, w };
  CtConvEpilogue ep = { NULL, NULL, NULL, NULL, FALSE, cc->padded_output };

  /* zero-bordered [cin3][nimg][h+2][w+2] copy of x3 */
  for (int c = 0; c < cc->cin3; c++)
    for (int i = 0; i < nimg; i++)
      for (int y = 0; y < h; y++)
        memcpy (padded + ((size_t) c * nimg + i) * pplane + (size_t) (y + 1) * wp + 1,
                x3 + ((size_t) c * nimg + i) * hw + (size_t) y * w, sizeof (float) * w);
  if (cc->epilogue == 0)
    ep.bias = bias;
  else if (cc->epilogue == 1)
    {
      ep.scale = scale;
      ep.shift = bias;
      ep.relu = TRUE;
    }
  else
    ep.residual = residual;

  /* reference, image by image in [C][H][W] */
  for (int i = 0; i < nimg; i++)
    {
      g_autofree float *img3 = g_new (float, (size_t) MAX (cc->cin3, 1) * hw);
      g_autofree float *imgr = g_new (float, (size_t) MAX (cc->cin_raw, 1) * hw);
      g_autofree float *o3 = g_new0 (float, (size_t) cc->cout * hw);
      g_autofree float *o1 = g_new0 (float, (size_t) cc->cout * hw);

      for (int c = 0; c < cc->cin3; c++)
        memcpy (img3 + c * hw, x3 + ((size_t) c * nimg + i) * hw, sizeof (float) * hw);
      for (int c = 0; c < cc->cin_raw; c++)
        memcpy (imgr + c * hw, xr + ((size_t) c * nimg + i) * hw, sizeof (float) * hw);
      if (cc->cin3 > 0)
        ct_nn_ref_conv2d (img3, cc->cin3, h, w, w3, NULL, cc->cout, 3, o3);
      if (cc->cin_raw > 0)
        ct_nn_ref_conv2d (imgr, cc->cin_raw, h, w, w1, NULL, cc->cout, 1, o1);
      for (int m = 0; m < cc->cout; m++)
        for (size_t p = 0; p < hw; p++)
          {
            float v = o3[m * hw + p] + o1[m * hw + p];
            size_t at = ((size_t) m * nimg + i) * hw + p;
            if (cc->epilogue == 0)
              v += bias[m];
            else if (cc->epilogue == 1)
              v = MAX (v * scale[m] + bias[m], 0.0f);
            else
              v += residual[at];
            want[at] = v;
          }
    }

  if (use_winograd)
    {
      CtWinogradWeights wino;
      g_assert_cmpint (cc->cin_raw, ==, 0);
      input.raw = NULL;
      ct_winograd_weights_pack (&wino, cc->cout, w3, cc->cin3);
      ct_winograd_run (&wino, &input, &ep, out, scratch, threads, kernel);
      ct_winograd_weights_clear (&wino);
    }
  else
    {
      ct_conv_weights_pack (&weights, cc->cout, w3, cc->cin3, w1, cc->cin_raw);
      ct_conv_run (&weights, &input, &ep, out, scratch, threads, kernel);
      ct_conv_weights_clear (&weights);
    }

  if (cc->padded_output)
    {
      for (int m = 0; m < cc->cout; m++)
        for (int i = 0; i < nimg; i++)
          {
            const float *plane = out + ((size_t) m * nimg + i) * pplane;
            for (int y = 0; y < h + 2; y++)
              for (int x = 0; x < w + 2; x++)
                {
                  float v = plane[(size_t) y * wp + x];
                  if (y == 0 || x == 0 || y == h + 1 || x == w + 1)
                    g_assert_cmpfloat (v, ==, 0.0f);
                  else
                    got[((size_t) m * nimg + i) * hw + (size_t) (y - 1) * w + (x - 1)] = v;
                }
          }
    }
  else
    {
      memcpy (got, out, sizeof (float) * cc->cout * n);
    }
  assert_close (what, got, want, (size_t) cc->cout * n, 2e-5, 2e-5);
}

static void
test_conv (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (20260127);
  static const ConvCase cases[] = {
    { 1, 1, 1, 1, 0, 4, 0, FALSE },   { 1, 1, 3, 5, 0, 7, 1, TRUE },     { 7, 5, 1, 3, 0, 5, 1, FALSE },
    { 7, 5, 2, 8, 0, 8, 2, FALSE },   { 7, 5, 3, 5, 3, 12, 0, FALSE },   { 33, 17, 1, 13, 0, 9, 1, TRUE },
    { 33, 17, 2, 6, 7, 8, 0, FALSE }, { 17, 33, 1, 37, 0, 8, 2, FALSE }, /* K = 333 > one K chunk */
    { 9, 30, 2, 29, 5, 4, 1, FALSE },                                    /* 3x3 rows in two chunks, then raw rows */
    { 5, 61, 2, 4, 0, 6, 1, TRUE },   { 3, 2, 5, 0, 11, 5, 0, FALSE },   /* pure 1x1 */
    { 40, 26, 1, 3, 0, 16, 1, TRUE },                                    /* wide rows: strips read in place */
    { 6, 53, 3, 7, 5, 6, 2, FALSE },  /* row mode, narrow last strips, shortcut rows */
    { 4, 19, 2, 30, 3, 10, 1, TRUE }, /* row mode, K chunks, partial M, bordered out */
    { 3, 200, 1, 2, 0, 4, 0, FALSE }, /* rows wider than a tile */
  };
  CtGemmMicroKernel kernels[2] = { ct_f32_gemm_4x24_portable, NULL };
  int n_kernels = 1;

#if defined(__x86_64__) || defined(__i386__)
  if (have_avx2 ())
    kernels[n_kernels++] = ct_f32_gemm_4x24_avx2;
#endif
  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    for (int k = 0; k < n_kernels; k++)
      for (int threads = 1; threads <= 2; threads++)
        check_conv (&cases[i], kernels[k], threads, rand);
}

static void
test_winograd (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (31);
  static const ConvCase cases[] = {
    { 1, 1, 1, 3, 0, 4, 0, FALSE },     { 7, 5, 2, 16, 0, 5, 1, TRUE }, /* odd sizes: partial tiles */
    { 33, 17, 1, 17, 0, 12, 2, FALSE },                                 /* residual */
    { 12, 12, 3, 32, 0, 16, 1, FALSE }, { 3, 3, 8, 20, 0, 9, 0, TRUE },
  };
  CtGemmMicroKernel kernels[2] = { ct_f32_gemm_4x24_portable, NULL };
  int n_kernels = 1;

#if defined(__x86_64__) || defined(__i386__)
  if (have_avx2 ())
    kernels[n_kernels++] = ct_f32_gemm_4x24_avx2;
#endif
  use_winograd = TRUE;
  for (size_t i = 0; i < G_N_ELEMENTS (cases); i++)
    for (int k = 0; k < n_kernels; k++)
      for (int threads = 1; threads <= 2; threads++)
        check_conv (&cases[i], kernels[k], threads, rand);
  use_winograd = FALSE;
}

static void
test_act_pad (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (3);
  int c = 3, nimg = 2, h = 7, w = 5;
  size_t hw = (size_t) h * w, wp = (size_t) w + 2, pplane = (size_t) (h + 2) * wp;
  g_autofree float *x = random_floats (rand, (size_t) c * nimg * hw, -2, 2);
  g_autofree float *scale = random_floats (rand, c, 0.5, 1.5);
  g_autofree float *shift = random_floats (rand, c, -0.5, 0.5);
  g_autofree float *got = random_floats (rand, (size_t) c * nimg * pplane, 5, 6);
  g_autofree float *want = g_new0 (float, (size_t) c * nimg * pplane);

  for (int ch = 0; ch < c; ch++)
    for (int i = 0; i < nimg; i++)
      {
        g_autofree float *plane = g_memdup2 (x + ((size_t) ch * nimg + i) * hw, sizeof (float) * hw);
        float mean = 0, var = 1, weight = scale[ch], bias = shift[ch];
        /* the reference BN with (mean 0, var 1 - eps) reduces to x * weight + bias */
        var = 1.0f - 1e-5f;
        ct_nn_ref_batch_norm (plane, 1, hw, &weight, &bias, &mean, &var, 1e-5f);
        ct_nn_ref_relu (plane, hw);
        for (int y = 0; y < h; y++)
          memcpy (want + ((size_t) ch * nimg + i) * pplane + (size_t) (y + 1) * wp + 1, plane + (size_t) y * w,
                  sizeof (float) * w);
      }
  ct_nn_act_pad (x, c, nimg, h, w, scale, shift, TRUE, got, 2);
  assert_close ("act_pad", got, want, (size_t) c * nimg * pplane, 1e-6, 1e-6);
}

static void
test_ops_random (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (5);
  static const int sizes[][2] = { { 1, 1 }, { 7, 5 }, { 33, 17 }, { 2, 9 } };

  for (size_t s = 0; s < G_N_ELEMENTS (sizes); s++)
    {
      int h = sizes[s][0], w = sizes[s][1], planes = 5;
      int oh = (h + 1) / 2, ow = (w + 1) / 2;
      int bh = 2 * h + 1, bw = 2 * w - 1 > 0 ? 2 * w - 1 : 1;
      g_autofree float *x = random_floats (rand, (size_t) planes * h * w, -1, 1);
      g_autofree float *pool_ref = g_new (float, (size_t) planes * oh * ow);
      g_autofree float *pool_fast = g_new (float, (size_t) planes * oh * ow);
      g_autofree float *skip = random_floats (rand, (size_t) planes * bh * bw, -1, 1);
      g_autofree float *up_ref = g_new (float, (size_t) planes * bh * bw);
      g_autofree float *up_fast = g_new (float, (size_t) planes * bh * bw);

      ct_nn_ref_maxpool2x2_ceil (x, planes, h, w, pool_ref);
      ct_nn_maxpool2x2_ceil (x, planes, h, w, pool_fast, 2);
      assert_close ("maxpool", pool_fast, pool_ref, (size_t) planes * oh * ow, 0, 0);

      ct_nn_ref_bilinear (x, planes, h, w, up_ref, bh, bw);
      ct_nn_ref_add (up_ref, skip, (size_t) planes * bh * bw);
      ct_nn_bilinear_add (x, planes, h, w, skip, up_fast, bh, bw, 2);
      assert_close ("bilinear_add", up_fast, up_ref, (size_t) planes * bh * bw, 1e-6, 1e-6);
    }
}

static void
test_head (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (9);
  int c = 5, n = 77;
  g_autofree float *x = random_floats (rand, (size_t) c * n, -2, 2);
  g_autofree float *weight = random_floats (rand, c, -1, 1);
  g_autofree float *bnw = random_floats (rand, c, 0.5, 1.5);
  g_autofree float *bnb = random_floats (rand, c, -0.3, 0.3);
  g_autofree float *mean = random_floats (rand, c, -0.3, 0.3);
  g_autofree float *var = random_floats (rand, c, 0.5, 1.5);
  g_autofree float *scale = g_new (float, c);
  g_autofree float *shift = g_new (float, c);
  g_autofree float *t = g_memdup2 (x, sizeof (float) * c * n);
  g_autofree float *want = g_new (float, n);
  g_autofree float *got = g_new (float, n);

  for (int i = 0; i < c; i++)
    {
      scale[i] = bnw[i] / sqrtf (var[i] + 1e-5f);
      shift[i] = bnb[i] - mean[i] * scale[i];
    }
  ct_nn_ref_batch_norm (t, c, n, bnw, bnb, mean, var, 1e-5f);
  ct_nn_ref_relu (t, (size_t) c * n);
  ct_nn_ref_conv2d (t, c, 1, n, weight, NULL, 1, 1, want);
  ct_nn_ref_sigmoid (want, n);
  ct_nn_head_sigmoid (x, c, n, scale, shift, weight, got, 2);
  assert_close ("head", got, want, n, 1e-6, 1e-6);
}

/* ---- level 0 in the blocked layout (ct-nn-blocked.h) ------------ */

/* planes [8 * blocks][nimg][h][w] -> blocked zero-bordered
 * [blocks][nimg][h+2][w+2][8] */
static float *
blocked_bordered (const float *planes, int blocks, int nimg, int h, int w)
{
  size_t n = (size_t) nimg * h * w;
  g_autofree float *blocked = g_new (float, n * CT_BLOCK * blocks);
  float *bordered = g_new0 (float, (size_t) blocks * nimg * (h + 2) * (w + 2) * CT_BLOCK);

  ct_blocked_from_channel_major (planes, blocks, nimg, h, w, blocked);
  for (int bi = 0; bi < blocks * nimg; bi++)
    for (int y = 0; y < h; y++)
      memcpy (bordered + (((size_t) bi * (h + 2) + y + 1) * (w + 2) + 1) * CT_BLOCK,
              blocked + ((size_t) bi * h + y) * w * CT_BLOCK, sizeof (float) * w * CT_BLOCK);
  return bordered;
}

/* blocked zero-bordered -> planes, asserting that the border is zero */
static void
blocked_unborder (const float *bordered, int blocks, int nimg, int h, int w, float *planes)
{
  size_t n = (size_t) nimg * h * w;
  g_autofree float *blocked = g_new (float, n * CT_BLOCK * blocks);

  for (int bi = 0; bi < blocks * nimg; bi++)
    for (int y = 0; y < h + 2; y++)
      for (int x = 0; x < w + 2; x++)
        for (int c = 0; c < CT_BLOCK; c++)
          {
            float v = bordered[(((size_t) bi * (h + 2) + y) * (w + 2) + x) * CT_BLOCK + c];
            if (y == 0 || x == 0 || y == h + 1 || x == w + 1)
              g_assert_cmpfloat (v, ==, 0.0f);
            else
              blocked[(((size_t) bi * h + y - 1) * w + x - 1) * CT_BLOCK + c] = v;
          }
  ct_blocked_to_channel_major (blocked, blocks, nimg, h, w, planes);
}

static const int blocked_sizes[][3] = {
  /* h, w, nimg */
  { 1, 1, 1 }, { 7, 5, 2 }, { 33, 17, 1 }, { 13, 26, 3 }, { 4, 12, 1 }, { 9, 29, 2 },
};

/* Blocked conv3x3 (+ 1x1 shortcut), direct (row kernels, winograd 0) or
 * Winograd with 2 x 2 or 4 x 4 output tiles (tile kernels, winograd 2 or
 * 4), both kernels, both epilogue forms, 1 and 2 threads, against
 * ct_nn_ref_conv2d image by image. */
static void
check_blocked_conv (int winograd)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (21);
  gboolean avx2 = have_avx2 ();
  static const int channels[][3] = {
    /* cin, cout, cin_raw */
    { 8, 8, 0 },   { 8, 16, 0 },   { 16, 16, 8 }, { 16, 8, 16 },
    { 24, 16, 0 }, { 64, 64, 32 }, /* Winograd: several tile blocks per call (48 tiles each at 64 channels) */
  };

  for (size_t s = 0; s < G_N_ELEMENTS (blocked_sizes); s++)
    for (size_t ch = 0; ch < G_N_ELEMENTS (channels); ch++)
      for (int form = 0; form < 2; form++)
        for (int k = 0; k < (avx2 ? 2 : 1); k++)
          for (int threads = 1; threads <= 2; threads++)
            {
              int h = blocked_sizes[s][0], w = blocked_sizes[s][1], nimg = blocked_sizes[s][2];
              int cin = channels[ch][0], cout = channels[ch][1];
              /* the shortcut only with the plain output (conv2) */
              int craw = form == 1 ? channels[ch][2] : 0;
              int ib = cin / CT_BLOCK, ob = cout / CT_BLOCK, rb = craw / CT_BLOCK;
              size_t hw = (size_t) h * w, n = (size_t) nimg * hw;
              size_t bordered_n = (size_t) ob * nimg * (h + 2) * (w + 2) * CT_BLOCK;
              g_autofree float *x = random_floats (rand, cin * n, -1, 1);
              g_autofree float *xr = random_floats (rand, craw * n + 1, -1, 1);
              g_autofree float *xr_blocked = g_new (float, craw * n + 1);
              g_autofree float *weight = random_floats (rand, (size_t) cout * cin * 9, -0.5, 0.5);
              g_autofree float *w1 = random_floats (rand, (size_t) cout * craw + 1, -0.5, 0.5);
              g_autofree float *scale = random_floats (rand, cout, 0.5, 1.5);
              g_autofree float *shift = random_floats (rand, cout, -0.5, 0.5);
              g_autofree float *residual = random_floats (rand, cout * n, -1, 1);
              g_autofree float *residual_blocked = g_new (float, cout * n);
              g_autofree float *padded = blocked_bordered (x, ib, nimg, h, w);
              g_autofree float *out = random_floats (rand, bordered_n, 100, 200); /* all written */
              g_autofree float *want = g_new (float, cout * n);
              g_autofree float *got = g_new (float, cout * n);
              g_autofree char *what = g_strdup_printf ("blocked %s %dx%d nimg=%d %d->%d raw=%d form=%d %s threads=%d",
                                                       winograd == 4   ? "winograd F4"
                                                       : winograd == 2 ? "winograd F2"
                                                                       : "conv",
                                                       h, w, nimg, cin, cout, craw, form, k ? "avx2" : "portable",
                                                       threads);
              CtBlockedConvWeights packed;
              CtConvEpilogue ep = { NULL, NULL, NULL, NULL, FALSE, FALSE };

              for (int i = 0; i < nimg; i++)
                {
                  g_autofree float *img = g_new (float, cin * hw);
                  g_autofree float *imgr = g_new (float, MAX (craw, 1) * hw);
                  g_autofree float *o = g_new (float, cout * hw);
                  g_autofree float *o1 = g_new0 (float, cout * hw);
                  for (int c = 0; c < cin; c++)
                    memcpy (img + c * hw, x + ((size_t) c * nimg + i) * hw, sizeof (float) * hw);
                  for (int c = 0; c < craw; c++)
                    memcpy (imgr + c * hw, xr + ((size_t) c * nimg + i) * hw, sizeof (float) * hw);
                  ct_nn_ref_conv2d (img, cin, h, w, weight, NULL, cout, 3, o);
                  if (craw > 0)
                    ct_nn_ref_conv2d (imgr, craw, h, w, w1, NULL, cout, 1, o1);
                  for (int c = 0; c < cout; c++)
                    for (size_t p = 0; p < hw; p++)
                      {
                        size_t at = ((size_t) c * nimg + i) * hw + p;
                        float v = o[c * hw + p] + o1[c * hw + p];
                        /* form 0: BN2 + ReLU into a bordered output (conv1);
                         * form 1: bias + residual or shortcut, plain output (conv2) */
                        want[at] = form == 0 ? MAX (v * scale[c] + shift[c], 0.0f)
                                             : v + shift[c] + (craw > 0 ? 0.0f : residual[at]);
                      }
                }
              ct_blocked_from_channel_major (residual, ob, nimg, h, w, residual_blocked);
              if (craw > 0)
                ct_blocked_from_channel_major (xr, rb, nimg, h, w, xr_blocked);
              if (form == 0)
                {
                  ep.scale = scale;
                  ep.shift = shift;
                  ep.relu = TRUE;
                  ep.padded_output = TRUE;
                }
              else
                {
                  ep.bias = shift;
                  ep.residual = craw > 0 ? NULL : residual_blocked;
                }
              if (winograd)
                {
                  CtBlockedWinogradWeights wino;
                  g_autofree float *scratch = g_new (float, ct_blocked_winograd_scratch_floats_per_thread (cin) * threads);

                  ct_blocked_winograd_weights_pack (&wino, winograd, cout, weight, cin, craw > 0 ? w1 : NULL, craw);
                  ct_blocked_winograd_conv3x3 (&wino, padded, craw > 0 ? xr_blocked : NULL, nimg, h, w, &ep, out,
                                               k == 1, scratch, threads);
                  ct_blocked_winograd_weights_clear (&wino);
                }
              else
                {
                  ct_blocked_conv_weights_pack (&packed, cout, weight, cin, craw > 0 ? w1 : NULL, craw);
                  ct_blocked_conv3x3 (&packed, padded, craw > 0 ? xr_blocked : NULL, nimg, h, w, &ep, out, k == 1,
                                      threads);
                  ct_blocked_conv_weights_clear (&packed);
                }
              if (form == 0)
                blocked_unborder (out, ob, nimg, h, w, got);
              else
                ct_blocked_to_channel_major (out, ob, nimg, h, w, got);
              /* F(4x4, 3x3)'s transforms scale the input by up to 5 x 5 and
               * the output by up to 8 x 8, so its float32 rounding is about
               * 10x that of the direct sum: ~5e-5 on outputs of magnitude
               * ~1-10 here (64 channels x 9 taps) */
              assert_close (what, got, want, cout * n, winograd == 4 ? 3e-4 : 2e-5, 2e-5);
            }
}

static void
test_blocked_conv (void)
{
  check_blocked_conv (0);
}

static void
test_blocked_winograd (void)
{
  check_blocked_conv (2);
}

static void
test_blocked_winograd_f4 (void)
{
  check_blocked_conv (4);
}

/* act_pad, init conv, pooling (to planes and blocked), upsample + add (from
 * planes and blocked), head, pyramid: each against its channel-major
 * counterpart, with 1 and 2 blocks where the operation takes blocks. */
static void
test_blocked_ops (void)
{
  g_autoptr (GRand) rand = g_rand_new_with_seed (22);

  for (size_t s = 0; s < G_N_ELEMENTS (blocked_sizes); s++)
    for (int blocks = 1; blocks <= 2; blocks++)
      {
        int h = blocked_sizes[s][0], w = blocked_sizes[s][1], nimg = blocked_sizes[s][2];
        int c = CT_BLOCK * blocks;
        int oh = (h + 1) / 2, ow = (w + 1) / 2;
        size_t hw = (size_t) h * w, n = (size_t) nimg * hw, on = (size_t) nimg * oh * ow;
        size_t pplane = (size_t) (h + 2) * (w + 2);
        g_autofree float *x = random_floats (rand, c * n, -2, 2);
        g_autofree float *x_blocked = g_new (float, c * n);
        g_autofree float *scale = random_floats (rand, c, 0.5, 1.5);
        g_autofree float *shift = random_floats (rand, c, -0.5, 0.5);
        g_autofree float *weight = random_floats (rand, CT_BLOCK, -1, 1);
        g_autofree float *want = g_new (float, c * nimg * pplane + c * n);
        g_autofree float *got = g_new (float, c * nimg * pplane + c * n);
        g_autofree float *tmp = g_new (float, c * nimg * pplane + c * n);
        g_autofree float *slices = random_floats (rand, n, -1, 1);
        g_autofree float *padded1 = g_new0 (float, (size_t) nimg * pplane);
        g_autofree float *init_w = random_floats (rand, CT_BLOCK * 9, -0.5, 0.5);
        g_autofree float *init_b = random_floats (rand, CT_BLOCK, -0.5, 0.5);
        g_autofree float *low = random_floats (rand, c * on, -1, 1);
        g_autofree float *low_blocked = g_new (float, c * on);
        g_autofree char *what = NULL;

        ct_blocked_from_channel_major (x, blocks, nimg, h, w, x_blocked);
        ct_blocked_from_channel_major (low, blocks, nimg, oh, ow, low_blocked);

        /* act_pad: bordered blocked relu(x * scale + shift) */
        ct_nn_act_pad (x, c, nimg, h, w, scale, shift, TRUE, want, 1);
        ct_blocked_act_pad (x_blocked, blocks, nimg, h, w, scale, shift, TRUE, tmp, 2);
        blocked_unborder (tmp, blocks, nimg, h, w, got);
        for (int ch = 0; ch < c; ch++) /* want is bordered planes: take interiors */
          for (int i = 0; i < nimg; i++)
            for (int y = 0; y < h; y++)
              memmove (want + ((size_t) ch * nimg + i) * hw + (size_t) y * w,
                       want + ((size_t) ch * nimg + i) * pplane + (size_t) (y + 1) * (w + 2) + 1, sizeof (float) * w);
        what = g_strdup_printf ("blocked act_pad %dx%d blocks=%d", h, w, blocks);
        assert_close (what, got, want, c * n, 0, 0);
        g_clear_pointer (&what, g_free);

        /* max pooling blocked -> planes, and blocked -> blocked */
        ct_nn_ref_maxpool2x2_ceil (x, c * nimg, h, w, want);
        ct_blocked_maxpool_to_channel_major (x_blocked, blocks, nimg, h, w, got, 2);
        what = g_strdup_printf ("blocked maxpool to channel-major %dx%d blocks=%d", h, w, blocks);
        assert_close (what, got, want, c * on, 0, 0);
        g_clear_pointer (&what, g_free);
        ct_blocked_maxpool (x_blocked, blocks, nimg, h, w, tmp, 2);
        ct_blocked_to_channel_major (tmp, blocks, nimg, oh, ow, got);
        what = g_strdup_printf ("blocked maxpool %dx%d blocks=%d", h, w, blocks);
        assert_close (what, got, want, c * on, 0, 0);
        g_clear_pointer (&what, g_free);

        /* upsample (oh x ow) -> h x w, + skip (x), from planes and from blocked */
        ct_nn_bilinear_add (low, c * nimg, oh, ow, x, want, h, w, 1);
        ct_blocked_bilinear_add (low, blocks, nimg, oh, ow, x_blocked, tmp, h, w, 2);
        ct_blocked_to_channel_major (tmp, blocks, nimg, h, w, got);
        what = g_strdup_printf ("blocked bilinear_add %dx%d blocks=%d", h, w, blocks);
        assert_close (what, got, want, c * n, 0, 0);
        g_clear_pointer (&what, g_free);
        ct_blocked_bilinear_add_from_blocked (low_blocked, blocks, nimg, oh, ow, x_blocked, tmp, h, w, 2);
        ct_blocked_to_channel_major (tmp, blocks, nimg, h, w, got);
        what = g_strdup_printf ("blocked bilinear_add_from_blocked %dx%d blocks=%d", h, w, blocks);
        assert_close (what, got, want, c * n, 0, 0);
        g_clear_pointer (&what, g_free);

        if (blocks > 1)
          continue;

        /* level 0 only (8 channels): init conv 1 -> 8 with bias, head, pyramid */
        ct_nn_act_pad (slices, 1, nimg, h, w, NULL, NULL, FALSE, padded1, 1);
        for (int i = 0; i < nimg; i++)
          {
            g_autofree float *o = g_new (float, CT_BLOCK * hw);
            ct_nn_ref_conv2d (slices + i * hw, 1, h, w, init_w, init_b, CT_BLOCK, 3, o);
            for (int ch = 0; ch < CT_BLOCK; ch++)
              memcpy (want + ((size_t) ch * nimg + i) * hw, o + ch * hw, sizeof (float) * hw);
          }
        ct_blocked_init_conv (padded1, nimg, h, w, init_w, init_b, tmp, 2);
        ct_blocked_to_channel_major (tmp, 1, nimg, h, w, got);
        what = g_strdup_printf ("blocked init conv %dx%d", h, w);
        assert_close (what, got, want, CT_BLOCK * n, 1e-6, 1e-6);
        g_clear_pointer (&what, g_free);

        ct_nn_head_sigmoid (x, CT_BLOCK, n, scale, shift, weight, want, 1);
        ct_blocked_head_sigmoid (x_blocked, n, scale, shift, weight, got, 2);
        what = g_strdup_printf ("blocked head %dx%d", h, w);
        assert_close (what, got, want, n, 0, 0);
        g_clear_pointer (&what, g_free);

        /* pyramid pooling, slice by slice of a depth-(nimg + 2) block (the
         * last slices are absent: bins along depth that they would fill keep
         * -inf in both); levels 1, 2 and 3 need h, w >= 3 */
        if (h >= 3 && w >= 3)
          {
            static const int levels[] = { 1, 2, 3 };
            size_t nf = ct_nn_pyramid_n_features (CT_BLOCK, levels, 3);
            g_autofree float *acc_ref = g_new (float, nf);
            g_autofree float *acc_blocked = g_new (float, nf);

            ct_nn_ref_pyramid_init (acc_ref, nf);
            ct_nn_ref_pyramid_init (acc_blocked, nf);
            for (int i = 0; i < nimg; i++)
              {
                ct_nn_ref_pyramid_accumulate (acc_ref, levels, 3, x + (size_t) i * hw, CT_BLOCK, n, h, w, i, nimg + 2);
                ct_blocked_pyramid_accumulate (acc_blocked, levels, 3, x_blocked + (size_t) i * hw * CT_BLOCK, h, w, i,
                                               nimg + 2);
              }
            for (size_t f = 0; f < nf; f++) /* -inf == -inf, but inf - inf is NaN */
              {
                acc_ref[f] = isinf (acc_ref[f]) ? -1e30f : acc_ref[f];
                acc_blocked[f] = isinf (acc_blocked[f]) ? -1e30f : acc_blocked[f];
              }
            what = g_strdup_printf ("blocked pyramid %dx%d", h, w);
            assert_close (what, acc_blocked, acc_ref, nf, 0, 0);
          }
      }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/nn/kernels/pyramid-bins", test_pyramid_bins);
  g_test_add_func ("/nn/kernels/pyramid-accumulate", test_pyramid_accumulate);
  g_test_add_func ("/nn/kernels/maxpool-ceil", test_maxpool_ceil);
  g_test_add_func ("/nn/kernels/bilinear-pytorch", test_bilinear_pytorch);
  g_test_add_func ("/nn/kernels/gemm-avx2-vs-portable", test_gemm_kernels);
  g_test_add_func ("/nn/kernels/conv-vs-reference", test_conv);
  g_test_add_func ("/nn/kernels/winograd-vs-reference", test_winograd);
  g_test_add_func ("/nn/kernels/act-pad", test_act_pad);
  g_test_add_func ("/nn/kernels/pool-and-upsample", test_ops_random);
  g_test_add_func ("/nn/kernels/head", test_head);
  g_test_add_func ("/nn/kernels/blocked-conv-vs-reference", test_blocked_conv);
  g_test_add_func ("/nn/kernels/blocked-winograd-vs-reference", test_blocked_winograd);
  g_test_add_func ("/nn/kernels/blocked-winograd-f4-vs-reference", test_blocked_winograd_f4);
  g_test_add_func ("/nn/kernels/blocked-ops-vs-channel-major", test_blocked_ops);
  return g_test_run ();
}
