/* SPDX-License-Identifier: MIT */
/* ct-nn-gemm.h: single-precision GEMM micro-kernels. One call computes a tile
 * of CT_GEMM_MR rows x CT_GEMM_NR columns:
 *   acc[r][j] = (accumulate ? c[r][j] : 0) + sum_p a[p][r] * b[b_offsets[p] + j]
 * a is a packed A panel [k][MR]; row p of B is the NR floats at
 * b + b_offsets[p] (inside a packed strip, offsets p * NR, or straight in the
 * zero-bordered input when the strip's columns are contiguous there, offsets
 * of the 3x3 taps: no copy). Then, when ep != NULL, the
 * epilogue: v = acc * scale[r] + shift[r] (scale NULL: 1; shift NULL: 0),
 * v += residual[r * ld_residual + j] (when residual != NULL), v = max(v, 0)
 * when relu; the tile is stored to c (row stride ldc).
 * The AVX2/FMA variant is compiled for those extensions only and chosen at
 * run time; the portable one is the fallback and the reference. */
#pragma once

#include <glib.h>
#include <stddef.h>

G_BEGIN_DECLS

#define CT_GEMM_MR 4
#define CT_GEMM_NR 24

typedef struct
{
  const float *scale;    /* [MR] or NULL */
  const float *shift;    /* [MR] or NULL */
  const float *residual; /* tile-aligned, row stride ld_residual, or NULL */
  size_t ld_residual;
  int relu;
} CtGemmEpilogue;

typedef void (*CtGemmMicroKernel) (int k, const float *restrict a, const float *restrict b,
                                   const ptrdiff_t *restrict b_offsets, float *restrict c, size_t ldc, int accumulate,
                                   const CtGemmEpilogue *ep);

void ct_f32_gemm_4x24_portable (int k, const float *restrict a, const float *restrict b,
                                const ptrdiff_t *restrict b_offsets, float *restrict c, size_t ldc, int accumulate,
                                const CtGemmEpilogue *ep);
#if defined(__x86_64__) || defined(__i386__)
void ct_f32_gemm_4x24_avx2 (int k, const float *restrict a, const float *restrict b,
                            const ptrdiff_t *restrict b_offsets, float *restrict c, size_t ldc, int accumulate,
                            const CtGemmEpilogue *ep);
#endif

/* The fastest kernel this CPU runs: AVX2+FMA when the CPU has them and
 * portable_only is FALSE (CtNnOptions.portable_kernels), else portable. */
CtGemmMicroKernel ct_gemm_best_kernel (gboolean portable_only);
const char *ct_gemm_best_kernel_name (gboolean portable_only);

G_END_DECLS
