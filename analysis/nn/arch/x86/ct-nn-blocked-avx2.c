/* SPDX-License-Identifier: MIT */
/* ct-nn-blocked-avx2.c: the AVX2/FMA row kernel of the blocked 3x3 convolution
 * (ct-nn-blocked.h), compiled for those extensions through a target attribute
 * and called only when the CPU has them.
 *
 * A block of P output pixels keeps P accumulators of 8 output channels
 * (P = 12: 12 + 1 weight vector + 1 broadcast = 14 of the 16 ymm
 * registers). Per input block, tap (3 x 3) and input channel: one load of the 8 weights
 * [co], P broadcasts of the input value, P FMAs. The input is read from 3
 * contiguous bordered rows; nothing is packed. Rows whose width is not a
 * multiple of 12 end with one block of the remaining pixels. Measured
 * alone (4 slices of 180 x 180, best of 50): 73-74 GFLOPS on one Zen 3
 * core against 55-65 for the channel-major GEMM. */
#include "ct-nn-blocked.h"

#if defined(__x86_64__) || defined(__i386__)

#include "ct-nn-blocked-avx2-private.h"

#define AVX2 CT_AVX2

AVX2 static inline __attribute__ ((always_inline)) void
conv_block (const CtBlockedRow *row, size_t x, __m256 vscale, __m256 vshift, float *out, const int P)
{
  __m256 acc[12];

  for (int p = 0; p < P; p++)
    acc[p] = _mm256_setzero_ps ();
  for (int ib = 0; ib < row->cin_blocks; ib++)
    for (int t = 0; t < 9; t++)
      {
        const float *src = row->in_row + (size_t) ib * row->in_block_stride + (size_t) (t / 3) * row->in_row_stride +
                           (x + (size_t) (t % 3)) * CT_BLOCK;
        ct_blocked_avx2_accumulate (acc, src, row->w3 + ((size_t) ib * 9 + t) * CT_BLOCK * CT_BLOCK, P);
      }
  /* the fused 1x1 shortcut: one tap on the raw input */
  for (int rb = 0; rb < row->raw_blocks; rb++)
    ct_blocked_avx2_accumulate (acc, row->raw_row + (size_t) rb * row->raw_block_stride + x * CT_BLOCK,
                                row->w1 + (size_t) rb * CT_BLOCK * CT_BLOCK, P);
#pragma GCC unroll 12
  for (int p = 0; p < P; p++)
    {
      __m256 v = _mm256_fmadd_ps (acc[p], vscale, vshift);
      if (row->residual_row != NULL)
        v = _mm256_add_ps (v, _mm256_loadu_ps (row->residual_row + (x + (size_t) p) * CT_BLOCK));
      if (row->relu)
        v = _mm256_max_ps (v, _mm256_setzero_ps ());
      _mm256_storeu_ps (out + p * CT_BLOCK, v);
    }
}

AVX2 void
ct_blocked_conv_row_avx2 (const CtBlockedRow *row, int w, float *out_row)
{
  __m256 vscale = row->scale != NULL ? _mm256_loadu_ps (row->scale) : _mm256_set1_ps (1.0f);
  __m256 vshift = row->shift != NULL ? _mm256_loadu_ps (row->shift) : _mm256_setzero_ps ();
  int x = 0;

  for (; x + 12 <= w; x += 12)
    conv_block (row, (size_t) x, vscale, vshift, out_row + (size_t) x * CT_BLOCK, 12);
  /* the rest of the row in one block: a block of P < 8 pixels is bound by
   * the FMA latency (P dependency chains), so it costs about as much as a
   * single pixel, whatever P */
  switch (w - x)
    {
/* one case per tail length, laid out by hand */
/* clang-format off */
#define TAIL(P) \
    case P: \
      conv_block (row, (size_t) x, vscale, vshift, out_row + (size_t) x * CT_BLOCK, P); \
      break;
    TAIL (1) TAIL (2) TAIL (3) TAIL (4) TAIL (5) TAIL (6)
    TAIL (7) TAIL (8) TAIL (9) TAIL (10) TAIL (11)
#undef TAIL
    default:
      break;
      /* clang-format on */
    }
}

#endif
