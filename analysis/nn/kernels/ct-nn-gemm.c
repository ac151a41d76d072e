/* SPDX-License-Identifier: MIT */
/* ct-nn-gemm.c: portable micro-kernel and run-time kernel selection. */
#include "ct-nn-gemm.h"

void
ct_f32_gemm_4x24_portable (int k, const float *restrict a, const float *restrict b, const ptrdiff_t *restrict b_offsets,
                           float *restrict c, size_t ldc, int accumulate, const CtGemmEpilogue *ep)
{
  float acc[CT_GEMM_MR][CT_GEMM_NR];

  for (int r = 0; r < CT_GEMM_MR; r++)
    for (int j = 0; j < CT_GEMM_NR; j++)
      acc[r][j] = accumulate ? c[r * ldc + j] : 0.0f;
  for (int p = 0; p < k; p++)
    {
      const float *ap = a + (size_t) p * CT_GEMM_MR;
      const float *bp = b + b_offsets[p];
      for (int r = 0; r < CT_GEMM_MR; r++)
        for (int j = 0; j < CT_GEMM_NR; j++)
          acc[r][j] += ap[r] * bp[j];
    }
  for (int r = 0; r < CT_GEMM_MR; r++)
    {
      float scale = 1.0f, shift = 0.0f;
      const float *res = NULL;

      if (ep != NULL)
        {
          scale = ep->scale != NULL ? ep->scale[r] : 1.0f;
          shift = ep->shift != NULL ? ep->shift[r] : 0.0f;
          res = ep->residual != NULL ? ep->residual + r * ep->ld_residual : NULL;
        }
      for (int j = 0; j < CT_GEMM_NR; j++)
        {
          float v = acc[r][j] * scale + shift;
          if (res != NULL)
            v += res[j];
          if (ep != NULL && ep->relu)
            v = v > 0.0f ? v : 0.0f;
          c[r * ldc + j] = v;
        }
    }
}

static gboolean
cpu_has_avx2_fma (void)
{
#if (defined(__x86_64__) || defined(__i386__)) && defined(__GNUC__)
  __builtin_cpu_init ();
  return __builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma");
#else
  return FALSE;
#endif
}

CtGemmMicroKernel
ct_gemm_best_kernel (gboolean portable_only)
{
#if defined(__x86_64__) || defined(__i386__)
  if (!portable_only && cpu_has_avx2_fma ())
    return ct_f32_gemm_4x24_avx2;
#endif
  return ct_f32_gemm_4x24_portable;
}

const char *
ct_gemm_best_kernel_name (gboolean portable_only)
{
#if defined(__x86_64__) || defined(__i386__)
  if (ct_gemm_best_kernel (portable_only) == ct_f32_gemm_4x24_avx2)
    return "f32_gemm_4x24_avx2";
#endif
  return "f32_gemm_4x24_portable";
}
