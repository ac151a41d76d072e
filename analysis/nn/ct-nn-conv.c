/* SPDX-License-Identifier: MIT */
/* ct-nn-conv.c: packed-GEMM convolution driver (see ct-nn-conv.h).
 * Blocking: K in chunks of KC rows, N in tiles of NC columns (a B tile of
 * KC x NC floats stays in L2), M in panels of MR rows (an A panel chunk stays
 * in L1). OpenMP tasks are (N tile, M block) pairs; each thread packs its own
 * B tile into its slice of the caller's scratch: nothing is allocated here. */
#include "ct-nn-conv.h"

#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#define KC 256
#define NC (CT_GEMM_NR * 8)

void
ct_conv_weights_pack (CtConvWeights *self, int m,
                      const float *w3x3, int cin3,
                      const float *w1x1, int cin_raw)
{
  int panels = (m + CT_GEMM_MR - 1) / CT_GEMM_MR;

  self->m = m;
  self->cin3 = cin3;
  self->cin_raw = cin_raw;
  self->k = 9 * cin3 + cin_raw;
  self->packed = g_new0 (float, (size_t) panels * self->k * CT_GEMM_MR);
  for (int row = 0; row < m; row++)
    {
      float *panel = self->packed + (size_t) (row / CT_GEMM_MR) * self->k * CT_GEMM_MR;
      int r = row % CT_GEMM_MR;
      for (int kk = 0; kk < 9 * cin3; kk++)
        panel[(size_t) kk * CT_GEMM_MR + r] = w3x3[(size_t) row * 9 * cin3 + kk];
      for (int c = 0; c < cin_raw; c++)
        panel[(size_t) (9 * cin3 + c) * CT_GEMM_MR + r] = w1x1[(size_t) row * cin_raw + c];
    }
}

void
ct_conv_weights_clear (CtConvWeights *self)
{
  g_clear_pointer (&self->packed, g_free);
}

size_t
ct_conv_scratch_floats_per_thread (void)
{
  /* B tile + column offsets (as ints, stored in float slots) + C tile, padded */
  return (size_t) KC * NC + NC + CT_GEMM_MR * CT_GEMM_NR + 64;
}

/* Packs rows k0..k0+kc of B for columns j0..j0+nc into bpack[strip][kc][NR],
 * zero-filling the columns past nc. */
static void
pack_b (const CtConvWeights *wt, const CtConvInput *in, int k0, int kc, size_t j0, int nc,
        const int *restrict colbase, float *restrict bpack)
{
  size_t n_total = (size_t) in->nimg * in->h * in->w;
  size_t wp = (size_t) in->w + 2;
  size_t cstride = (size_t) in->nimg * (in->h + 2) * wp;
  int k3 = 9 * wt->cin3;
  int strips = (nc + CT_GEMM_NR - 1) / CT_GEMM_NR;

  for (int s = 0; s < strips; s++)
    {
      int first = s * CT_GEMM_NR;
      int ns = MIN (CT_GEMM_NR, nc - first);
      gboolean contiguous = ns == CT_GEMM_NR
                            && colbase[first + CT_GEMM_NR - 1] - colbase[first] == CT_GEMM_NR - 1;
      float *restrict dst = bpack + (size_t) s * kc * CT_GEMM_NR;

      for (int kk = k0; kk < k0 + kc; kk++, dst += CT_GEMM_NR)
        {
          const float *src;
          if (kk < k3)
            {
              int ci = kk / 9, t = kk % 9;
              src = in->padded + ci * cstride + (size_t) (t / 3) * wp + (size_t) (t % 3);
              if (contiguous)
                {
                  memcpy (dst, src + colbase[first], CT_GEMM_NR * sizeof (float));
                  continue;
                }
              for (int jj = 0; jj < ns; jj++)
                dst[jj] = src[colbase[first + jj]];
            }
          else
            {
              src = in->raw + (size_t) (kk - k3) * n_total + j0 + (size_t) first;
              memcpy (dst, src, (size_t) ns * sizeof (float));
            }
          for (int jj = ns; jj < CT_GEMM_NR; jj++)
            dst[jj] = 0.0f;
        }
    }
}

static void
store_tile (const float *restrict tile, int mrow0, int mr, size_t j, int ns, size_t n_total,
            const CtConvEpilogue *ep, gboolean final, float *restrict out)
{
  for (int r = 0; r < mr; r++)
    {
      int m = mrow0 + r;
      const float *t = tile + r * CT_GEMM_NR;
      float *o = out + (size_t) m * n_total + j;

      if (!final)
        {
          memcpy (o, t, (size_t) ns * sizeof (float));
          continue;
        }
      {
        float scale = ep->scale != NULL ? ep->scale[m] : 1.0f;
        float shift = ep->scale != NULL ? ep->shift[m] : (ep->bias != NULL ? ep->bias[m] : 0.0f);
        const float *res = ep->residual != NULL ? ep->residual + (size_t) m * n_total + j : NULL;

        for (int jj = 0; jj < ns; jj++)
          {
            float v = t[jj] * scale + shift;
            if (res != NULL)
              v += res[jj];
            if (ep->relu)
              v = v > 0.0f ? v : 0.0f;
            o[jj] = v;
          }
      }
    }
}

void
ct_conv_run (const CtConvWeights *wt, const CtConvInput *in,
             const CtConvEpilogue *ep, float *out,
             float *scratch, int n_threads, CtGemmMicroKernel kernel)
{
  size_t n_total = (size_t) in->nimg * in->h * in->w;
  int n_tiles = (int) ((n_total + NC - 1) / NC);
  int panels = (wt->m + CT_GEMM_MR - 1) / CT_GEMM_MR;
  int m_blocks = 1;
  int tasks;
  size_t per_thread = ct_conv_scratch_floats_per_thread ();

  if (n_threads < 1)
    n_threads = 1;
  if (n_tiles < 2 * n_threads)
    m_blocks = MIN (panels, (2 * n_threads + n_tiles - 1) / n_tiles);
  tasks = n_tiles * m_blocks;

#pragma omp parallel for num_threads(n_threads) schedule(dynamic, 1) if(tasks > 1 && n_threads > 1)
  for (int task = 0; task < tasks; task++)
    {
      int tid = 0;
      int tile_index = task / m_blocks, mb = task % m_blocks;
      size_t j0 = (size_t) tile_index * NC;
      int nc = (int) MIN ((size_t) NC, n_total - j0);
      int p0 = (int) ((gint64) panels * mb / m_blocks);
      int p1 = (int) ((gint64) panels * (mb + 1) / m_blocks);
      float *bpack, *tile;
      int *colbase;
      int strips = (nc + CT_GEMM_NR - 1) / CT_GEMM_NR;

#ifdef _OPENMP
      tid = omp_get_thread_num ();
#endif
      bpack = scratch + (size_t) tid * per_thread;
      colbase = (int *) (bpack + (size_t) KC * NC);
      tile = (float *) ((((guintptr) (bpack + (size_t) KC * NC + NC)) + 63) & ~(guintptr) 63);

      if (wt->cin3 > 0)
        {
          size_t hw = (size_t) in->h * in->w;
          size_t wp = (size_t) in->w + 2;
          size_t plane = (size_t) (in->h + 2) * wp;
          for (int jj = 0; jj < nc; jj++)
            {
              size_t j = j0 + (size_t) jj;
              size_t img = j / hw, rem = j % hw;
              size_t y = rem / (size_t) in->w, x = rem % (size_t) in->w;
              colbase[jj] = (int) (img * plane + y * wp + x);
            }
        }

      for (int k0 = 0; k0 < wt->k; k0 += KC)
        {
          int kc = MIN (KC, wt->k - k0);
          gboolean final = k0 + kc >= wt->k;

          pack_b (wt, in, k0, kc, j0, nc, colbase, bpack);
          for (int p = p0; p < p1; p++)
            {
              const float *a = wt->packed + ((size_t) p * wt->k + (size_t) k0) * CT_GEMM_MR;
              int mr = MIN (CT_GEMM_MR, wt->m - p * CT_GEMM_MR);

              for (int s = 0; s < strips; s++)
                {
                  int ns = MIN (CT_GEMM_NR, nc - s * CT_GEMM_NR);
                  size_t j = j0 + (size_t) s * CT_GEMM_NR;

                  if (k0 > 0)
                    {
                      for (int r = 0; r < mr; r++)
                        memcpy (tile + r * CT_GEMM_NR,
                                out + (size_t) (p * CT_GEMM_MR + r) * n_total + j,
                                (size_t) ns * sizeof (float));
                    }
                  kernel (kc, a, bpack + (size_t) s * kc * CT_GEMM_NR, tile, k0 > 0);
                  store_tile (tile, p * CT_GEMM_MR, mr, j, ns, n_total, ep, final, out);
                }
            }
        }
    }
}
