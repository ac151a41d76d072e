/* SPDX-License-Identifier: MIT */
/* ct-nn-gemm.h: single-precision GEMM micro-kernels on packed operands.
 * A tile of C (CT_GEMM_MR rows x CT_GEMM_NR columns, row-major, contiguous)
 * is computed from a packed A panel a[k][MR] and a packed B strip b[k][NR]:
 *   c = (accumulate ? c : 0) + sum_k a[k][:]^T b[k][:]
 * The AVX2/FMA variant lives in its own file built with -mavx2 -mfma and is
 * chosen at run time; the portable one is the fallback and the reference. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CT_GEMM_MR 4
#define CT_GEMM_NR 24

typedef void (*CtGemmMicroKernel) (int k, const float *restrict a, const float *restrict b,
                                   float *restrict c, int accumulate);

void ct_f32_gemm_4x24_portable (int k, const float *restrict a, const float *restrict b,
                                float *restrict c, int accumulate);
#if defined(__x86_64__) || defined(__i386__)
void ct_f32_gemm_4x24_avx2 (int k, const float *restrict a, const float *restrict b,
                            float *restrict c, int accumulate);
#endif

/* The fastest kernel this CPU runs (AVX2+FMA when present). */
CtGemmMicroKernel ct_gemm_best_kernel (void);
const char       *ct_gemm_best_kernel_name (void);

G_END_DECLS
