/* SPDX-License-Identifier: MIT */
/* ct-nn-blocked-avx2-private.h: the broadcast-FMA step shared by the AVX2
 * kernels of the blocked layout (the direct row kernel, ct-nn-blocked-avx2.c,
 * and the Winograd GEMM, ct-nn-blocked-winograd-avx2.c). Include only from
 * files compiled for AVX2/FMA through the target attribute below. */
#pragma once

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#include "ct-nn-blocked.h"

#define CT_AVX2 __attribute__ ((target ("avx2,fma")))

/* acc[p] += sum over the 8 input channels ci of src[p][ci] * wt[ci][0..8):
 * P pixels (or tiles) of 8 channels at src, 8 x 8 weights [ci][co] at wt;
 * one weight vector load and P broadcasts per input channel. */
CT_AVX2 static inline __attribute__ ((always_inline)) void
ct_blocked_avx2_accumulate (__m256 *acc, const float *src, const float *wt, const int P)
{
  for (int ci = 0; ci < CT_BLOCK; ci++)
    {
      __m256 wv = _mm256_loadu_ps (wt + ci * CT_BLOCK);
#pragma GCC unroll 12
      for (int p = 0; p < P; p++)
        acc[p] = _mm256_fmadd_ps (_mm256_broadcast_ss (src + p * CT_BLOCK + ci), wv, acc[p]);
    }
}

#endif
