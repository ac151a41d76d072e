/* SPDX-License-Identifier: MIT */
/* ct-nn-gemm-avx2.c: the 4x24 AVX2/FMA micro-kernel (see ct-nn-gemm.h),
 * compiled for AVX2+FMA through a target attribute (the equivalent of
 * -mavx2 -mfma for this kernel only) and called only when the CPU reports
 * both features. 12 accumulators (4 rows x 3 vectors of 8), 3 B vectors and
 * 1 broadcast of A: all 16 ymm registers. */
#include "ct-nn-gemm.h"

#if defined(__x86_64__) || defined(__i386__)

#include <immintrin.h>

#define AVX2 __attribute__ ((target ("avx2,fma")))

AVX2 static inline void
epilogue_row (float *restrict c, __m256 v0, __m256 v1, __m256 v2, int r, const CtGemmEpilogue *ep)
{
  if (ep != NULL)
    {
      __m256 scale = _mm256_set1_ps (ep->scale != NULL ? ep->scale[r] : 1.0f);
      __m256 shift = _mm256_set1_ps (ep->shift != NULL ? ep->shift[r] : 0.0f);

      v0 = _mm256_fmadd_ps (v0, scale, shift);
      v1 = _mm256_fmadd_ps (v1, scale, shift);
      v2 = _mm256_fmadd_ps (v2, scale, shift);
      if (ep->residual != NULL)
        {
          const float *res = ep->residual + r * ep->ld_residual;
          v0 = _mm256_add_ps (v0, _mm256_loadu_ps (res));
          v1 = _mm256_add_ps (v1, _mm256_loadu_ps (res + 8));
          v2 = _mm256_add_ps (v2, _mm256_loadu_ps (res + 16));
        }
      if (ep->relu)
        {
          __m256 zero = _mm256_setzero_ps ();
          v0 = _mm256_max_ps (v0, zero);
          v1 = _mm256_max_ps (v1, zero);
          v2 = _mm256_max_ps (v2, zero);
        }
    }
  _mm256_storeu_ps (c, v0);
  _mm256_storeu_ps (c + 8, v1);
  _mm256_storeu_ps (c + 16, v2);
}

AVX2 void
ct_f32_gemm_4x24_avx2 (int k, const float *restrict a, const float *restrict b, const ptrdiff_t *restrict b_offsets,
                       float *restrict c, size_t ldc, int accumulate, const CtGemmEpilogue *ep)
{
  __m256 c00, c01, c02, c10, c11, c12, c20, c21, c22, c30, c31, c32;

  if (accumulate)
    {
      c00 = _mm256_loadu_ps (c + 0 * ldc);
      c01 = _mm256_loadu_ps (c + 0 * ldc + 8);
      c02 = _mm256_loadu_ps (c + 0 * ldc + 16);
      c10 = _mm256_loadu_ps (c + 1 * ldc);
      c11 = _mm256_loadu_ps (c + 1 * ldc + 8);
      c12 = _mm256_loadu_ps (c + 1 * ldc + 16);
      c20 = _mm256_loadu_ps (c + 2 * ldc);
      c21 = _mm256_loadu_ps (c + 2 * ldc + 8);
      c22 = _mm256_loadu_ps (c + 2 * ldc + 16);
      c30 = _mm256_loadu_ps (c + 3 * ldc);
      c31 = _mm256_loadu_ps (c + 3 * ldc + 8);
      c32 = _mm256_loadu_ps (c + 3 * ldc + 16);
    }
  else
    {
      c00 = c01 = c02 = c10 = c11 = c12 = _mm256_setzero_ps ();
      c20 = c21 = c22 = c30 = c31 = c32 = _mm256_setzero_ps ();
    }

  for (int p = 0; p < k; p++)
    {
      const float *bp = b + b_offsets[p];
      __m256 b0 = _mm256_loadu_ps (bp);
      __m256 b1 = _mm256_loadu_ps (bp + 8);
      __m256 b2 = _mm256_loadu_ps (bp + 16);
      __m256 av;

      /* B rows read in place advance along image rows: fetch the row a few
       * strips ahead (~10 % at 8 channels, where 24 row streams outrun the
       * hardware prefetcher); never faults */
      _mm_prefetch ((const char *) (bp + 8 * CT_GEMM_NR), _MM_HINT_T0);

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
    }

  epilogue_row (c, c00, c01, c02, 0, ep);
  epilogue_row (c + ldc, c10, c11, c12, 1, ep);
  epilogue_row (c + 2 * ldc, c20, c21, c22, 2, ep);
  epilogue_row (c + 3 * ldc, c30, c31, c32, 3, ep);
}

#endif
