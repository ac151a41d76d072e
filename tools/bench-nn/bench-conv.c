/* SPDX-License-Identifier: MIT */
/* bench-conv: the blocked 3x3 convolution of each level of the two
 * networks, direct (ct-nn-blocked.h) against Winograd F(2x2, 3x3) and
 * F(4x4, 3x3) (ct-nn-blocked-winograd.h), on one thread, side by side in one
 * run: best of the rounds, rounds alternating the three, so that the
 * machine's noise falls on all.
 * Effective GFLOPS count the direct convolution's 2 x 9 x cin x cout
 * flops per pixel for both. Not a test.
 * Usage: bench-conv [--portable] [rounds [shape index]] (one shape: for
 * perf; --portable: the portable kernels, as CtNnOptions.portable_kernels) */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "ct-nn-blocked-winograd.h"

static double
now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static float *
random_floats (GRand *rand, size_t n)
{
  float *v = g_new (float, n);
  for (size_t i = 0; i < n; i++)
    v[i] = (float) g_rand_double_range (rand, -1, 1);
  return v;
}

int
main (int argc, char **argv)
{
  /* h, w, cin, cout, slices: the levels 0-3 of the lung network (180 x 180)
   * and of the multitask one (150 x 120), with the slices per batch the
   * engine uses there (4 above level 3, 16 from it) */
  static const int shapes[][5] = {
    { 180, 180, 8, 8, 4 },   { 90, 90, 16, 16, 4 },  { 45, 45, 32, 32, 4 }, { 23, 23, 64, 64, 16 },
    { 150, 120, 8, 8, 4 },   { 75, 60, 16, 16, 4 },  { 38, 30, 32, 32, 4 }, { 19, 15, 64, 64, 16 },
    { 10, 8, 128, 128, 16 }, { 5, 4, 256, 256, 16 },
  };
  gboolean portable = argc > 1 && g_str_equal (argv[1], "--portable");
  int rounds = argc > 1 + portable ? atoi (argv[1 + portable]) : 7;
  int only = argc > 2 + portable ? atoi (argv[2 + portable]) : -1;
  g_autoptr (GRand) rand = g_rand_new_with_seed (5);
  gboolean avx2 = FALSE;

#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init ();
  avx2 = !portable && __builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma");
#endif
  printf ("blocked 3x3 conv, 1 thread, %s kernels, best of %d alternating rounds\n", avx2 ? "AVX2" : "portable",
          rounds);
  printf ("%-22s %12s %12s %12s %6s %6s\n", "shape", "direct", "F(2x2)", "F(4x4)", "F2/dir", "F4/dir");
  for (size_t s = 0; s < G_N_ELEMENTS (shapes); s++)
    {
      int h = shapes[s][0], w = shapes[s][1], cin = shapes[s][2], cout = shapes[s][3];
      int nimg = shapes[s][4];
      if (only >= 0 && (size_t) only != s)
        continue;
      size_t bordered = (size_t) nimg * (h + 2) * (w + 2);
      g_autofree float *weight = random_floats (rand, (size_t) cout * cin * 9);
      g_autofree float *padded = random_floats (rand, bordered * cin);
      g_autofree float *residual = random_floats (rand, (size_t) nimg * h * w * cout);
      g_autofree float *out = g_new (float, (size_t) nimg * h * w * cout);
      g_autofree float *scratch = g_new (float, ct_blocked_winograd_scratch_floats_per_thread (cin));
      CtConvEpilogue ep = { NULL, NULL, NULL, residual, FALSE, FALSE };
      CtBlockedConvWeights direct;
      CtBlockedWinogradWeights wino2, wino4;
      double best[3] = { 1e30, 1e30, 1e30 }, flops = 2.0 * 9 * cin * cout * h * w * nimg;
      char name[64];

      ct_blocked_conv_weights_pack (&direct, cout, weight, cin, NULL, 0);
      ct_blocked_winograd_weights_pack (&wino2, 2, cout, weight, cin, NULL, 0);
      ct_blocked_winograd_weights_pack (&wino4, 4, cout, weight, cin, NULL, 0);
      for (int r = 0; r < rounds; r++)
        for (int k = 0; k < 3; k++)
          {
            double t0 = now ();
            if (k == 0)
              ct_blocked_conv3x3 (&direct, padded, NULL, nimg, h, w, &ep, out, avx2, 1);
            else
              ct_blocked_winograd_conv3x3 (k == 1 ? &wino2 : &wino4, padded, NULL, nimg, h, w, &ep, out, avx2, scratch,
                                           1);
            best[k] = MIN (best[k], now () - t0);
          }
      snprintf (name, sizeof name, "%dx%d %d->%d x%d", h, w, cin, cout, nimg);
      printf ("%-22s %6.3f ms %3.0f %6.3f ms %3.0f %6.3f ms %3.0f %6.2f %6.2f\n", name, best[0] * 1e3,
              flops / best[0] * 1e-9, best[1] * 1e3, flops / best[1] * 1e-9, best[2] * 1e3, flops / best[2] * 1e-9,
              best[1] / best[0], best[2] / best[0]);
      ct_blocked_conv_weights_clear (&direct);
      ct_blocked_winograd_weights_clear (&wino2);
      ct_blocked_winograd_weights_clear (&wino4);
    }
  return 0;
}
