/* SPDX-License-Identifier: MIT */
/* ct-nn-gemm-avx2.c: the 4x24 AVX2/FMA micro-kernel, compiled for AVX2+FMA
 * through a target attribute (the equivalent of -mavx2 -mfma for this kernel
 * only) and called only when the CPU reports both features.
 * 12 accumulators (4 rows x 3 vectors of 8), 3 B vectors, 1 broadcast of A. */
#include "ct-nn-gemm.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

__attribute__ ((target ("avx2,fma"))) void
ct_f32_gemm_4x24_avx2 (int k, const float *restrict a, const float *restrict b,
                       float *restrict c, int accumulate)
{
  __m256 c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32;

  if (accumulate)
    {
      c00 = _mm256_loadu_ps (c + 0);
      c01 = _mm256_loadu_ps (c + 8);
      c02 = _mm256_loadu_ps (c + 16);
      c10 = _mm256_loadu_ps (c + 24);
      c11 = _mm256_loadu_ps (c + 32);
      c12 = _mm256_loadu_ps (c + 40);
      c20 = _mm256_loadu_ps (c + 48);
      c21 = _mm256_loadu_ps (c + 56);
      c22 = _mm256_loadu_ps (c + 64);
      c30 = _mm256_loadu_ps (c + 72);
      c31 = _mm256_loadu_ps (c + 80);
      c32 = _mm256_loadu_ps (c + 88);
    }
  else
    {
      c00 = c01 = c02 = c10 = c11 = c12 = _mm256_setzero_ps ();
      c20 = c21 = c22 = c30 = c31 = c32 = _mm256_setzero_ps ();
    }

  for (int p = 0; p < k; p++)
    {
      __m256 b0 = _mm256_loadu_ps (b);
      __m256 b1 = _mm256_loadu_ps (b + 8);
      __m256 b2 = _mm256_loadu_ps (b + 16);
      __m256 av;

      av = _mm256_broadcast_ss (a + 0);
      c00 = _mm256_fmadd_ps (av, b0, c00);
      c01 = _mm256_fmadd_ps (av, b1, c01);
      c02 = _mm256_fmadd_ps (av, b2, c02);
      av = _mm256_broadcast_ss (a + 1);
      c10 = _mm256_fmadd_ps (av, b0, c10);
      c11 = _mm256_fmadd_ps (av, b1, c11);
      c12 = _mm256_fmadd_ps (av, b2, c12);
      av = _mm256_broadcast_ss (a + 2);
      c20 = _mm256_fmadd_ps (av, b0, c20);
      c21 = _mm256_fmadd_ps (av, b1, c21);
      c22 = _mm256_fmadd_ps (av, b2, c22);
      av = _mm256_broadcast_ss (a + 3);
      c30 = _mm256_fmadd_ps (av, b0, c30);
      c31 = _mm256_fmadd_ps (av, b1, c31);
      c32 = _mm256_fmadd_ps (av, b2, c32);
      a += CT_GEMM_MR;
      b += CT_GEMM_NR;
    }

  _mm256_storeu_ps (c + 0, c00);
  _mm256_storeu_ps (c + 8, c01);
  _mm256_storeu_ps (c + 16, c02);
  _mm256_storeu_ps (c + 24, c10);
  _mm256_storeu_ps (c + 32, c11);
  _mm256_storeu_ps (c + 40, c12);
  _mm256_storeu_ps (c + 48, c20);
  _mm256_storeu_ps (c + 56, c21);
  _mm256_storeu_ps (c + 64, c22);
  _mm256_storeu_ps (c + 72, c30);
  _mm256_storeu_ps (c + 80, c31);
  _mm256_storeu_ps (c + 88, c32);
}

#endif
