/* SPDX-License-Identifier: MIT */
/* ct-nn-channel-major-winograd.c: F(2x2, 3x3) convolution (see ct-nn-channel-major-winograd.h).
 * Transforms (Lavin & Gray 2016): U = G g G^T, V = B^T d B, Y = A^T M A with
 *   G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]
 *   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
 *   A^T = [1 1 1 0; 0 1 -1 -1] */
#include "ct-nn-channel-major-winograd.h"

#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#define TB CT_WINOGRAD_TILES
G_STATIC_ASSERT (TB % CT_GEMM_NR == 0);

void
ct_winograd_weights_pack (CtWinogradWeights *self, int m, const float *w3x3, int cin)
{
  int panels = (m + CT_GEMM_MR - 1) / CT_GEMM_MR;
  size_t per_position = (size_t) panels * cin * CT_GEMM_MR;

  self->m = m;
  self->cin = cin;
  self->packed = g_new0 (float, 16 * per_position);
  for (int co = 0; co < m; co++)
    for (int ci = 0; ci < cin; ci++)
      {
        const float *g = w3x3 + ((size_t) co * cin + ci) * 9;
        float t[4][3], u[4][4];

        /* t = G g (4 x 3) */
        for (int c = 0; c < 3; c++)
          {
            t[0][c] = g[0 * 3 + c];
            t[1][c] = 0.5f * (g[0 * 3 + c] + g[1 * 3 + c] + g[2 * 3 + c]);
            t[2][c] = 0.5f * (g[0 * 3 + c] - g[1 * 3 + c] + g[2 * 3 + c]);
            t[3][c] = g[2 * 3 + c];
          }
        /* u = t G^T (4 x 4) */
        for (int r = 0; r < 4; r++)
          {
            u[r][0] = t[r][0];
            u[r][1] = 0.5f * (t[r][0] + t[r][1] + t[r][2]);
            u[r][2] = 0.5f * (t[r][0] - t[r][1] + t[r][2]);
            u[r][3] = t[r][2];
          }
        for (int xi = 0; xi < 16; xi++)
          self->packed[xi * per_position + ((size_t) (co / CT_GEMM_MR) * cin + ci) * CT_GEMM_MR + co % CT_GEMM_MR] =
              u[xi / 4][xi % 4];
      }
}

void
ct_winograd_weights_clear (CtWinogradWeights *self)
{
  g_clear_pointer (&self->packed, g_free);
}

size_t
ct_winograd_scratch_floats_per_thread (int max_channels)
{
  size_t rows = (size_t) ((max_channels + CT_GEMM_MR - 1) / CT_GEMM_MR) * CT_GEMM_MR;
  /* V [16][cin][TB], M [16][rows][TB], offsets [cin] (2 floats each) */
  return 16 * rows * TB * 2 + 2 * rows + 16;
}

/* V[xi][ci][tt] for the block's tiles from the bordered input. */
static void
input_transform (const CtConvInput *in, int cin, gint64 t_first, int n_tiles, float *restrict v)
{
  int tiles_w = (in->w + 1) / 2, tiles_h = (in->h + 1) / 2;
  size_t wp = (size_t) in->w + 2, plane = (size_t) (in->h + 2) * wp;
  size_t cstride = (size_t) in->nimg * plane;
  size_t xi_stride = (size_t) cin * TB;

  for (int tt = 0; tt < n_tiles; tt++)
    {
      gint64 t = t_first + tt;
      int img = (int) (t / ((gint64) tiles_h * tiles_w));
      int rem = (int) (t % ((gint64) tiles_h * tiles_w));
      int y0 = 2 * (rem / tiles_w), x0 = 2 * (rem % tiles_w); /* bordered coordinates */
      gboolean inside = y0 + 3 <= in->h + 1 && x0 + 3 <= in->w + 1;
      const float *base = in->padded + (size_t) img * plane + (size_t) y0 * wp + (size_t) x0;

      for (int ci = 0; ci < cin; ci++)
        {
          const float *p = base + ci * cstride;
          float d[4][4], b[4][4];

          if (inside)
            {
              for (int r = 0; r < 4; r++)
                for (int c = 0; c < 4; c++)
                  d[r][c] = p[r * wp + c];
            }
          else
            {
              /* odd sizes: the tile's last row/column lies past the border */
              for (int r = 0; r < 4; r++)
                for (int c = 0; c < 4; c++)
                  d[r][c] = y0 + r <= in->h + 1 && x0 + c <= in->w + 1 ? p[r * wp + c] : 0.0f;
            }
          for (int c = 0; c < 4; c++)
            {
              b[0][c] = d[0][c] - d[2][c];
              b[1][c] = d[1][c] + d[2][c];
              b[2][c] = d[2][c] - d[1][c];
              b[3][c] = d[1][c] - d[3][c];
            }
          for (int r = 0; r < 4; r++)
            {
              float *o = v + (size_t) (r * 4) * xi_stride + (size_t) ci * TB + tt;
              o[0 * xi_stride] = b[r][0] - b[r][2];
              o[1 * xi_stride] = b[r][1] + b[r][2];
              o[2 * xi_stride] = b[r][2] - b[r][1];
              o[3 * xi_stride] = b[r][1] - b[r][3];
            }
        }
    }
  /* columns past the block's tiles feed discarded outputs: keep them finite */
  if (n_tiles < TB)
    for (int xi = 0; xi < 16; xi++)
      for (int ci = 0; ci < cin; ci++)
        memset (v + (size_t) xi * xi_stride + (size_t) ci * TB + n_tiles, 0, sizeof (float) * (TB - n_tiles));
}

static void
output_transform (const CtConvInput *in, int m, int rows, gint64 t_first, int n_tiles, const float *restrict mm,
                  const CtConvEpilogue *ep, float *out)
{
  int tiles_w = (in->w + 1) / 2, tiles_h = (in->h + 1) / 2;
  size_t hw = (size_t) in->h * in->w, n_total = (size_t) in->nimg * hw;
  size_t wp = (size_t) in->w + 2, plane = (size_t) (in->h + 2) * wp;
  size_t cstride = (size_t) in->nimg * plane;
  size_t xi_stride = (size_t) rows * TB;

  for (int co = 0; co < m; co++)
    {
      float scale = ep->scale != NULL ? ep->scale[co] : 1.0f;
      float shift = ep->scale != NULL ? ep->shift[co] : (ep->bias != NULL ? ep->bias[co] : 0.0f);

      for (int tt = 0; tt < n_tiles; tt++)
        {
          gint64 t = t_first + tt;
          int img = (int) (t / ((gint64) tiles_h * tiles_w));
          int rem = (int) (t % ((gint64) tiles_h * tiles_w));
          int y0 = 2 * (rem / tiles_w), x0 = 2 * (rem % tiles_w); /* output coordinates */
          const float *p = mm + (size_t) co * TB + tt;
          float a[2][4], y[2][2];

          for (int c = 0; c < 4; c++)
            {
              float m0 = p[(0 * 4 + c) * xi_stride], m1 = p[(1 * 4 + c) * xi_stride];
              float m2 = p[(2 * 4 + c) * xi_stride], m3 = p[(3 * 4 + c) * xi_stride];
              a[0][c] = m0 + m1 + m2;
              a[1][c] = m1 - m2 - m3;
            }
          for (int r = 0; r < 2; r++)
            {
              y[r][0] = a[r][0] + a[r][1] + a[r][2];
              y[r][1] = a[r][1] - a[r][2] - a[r][3];
            }
          for (int r = 0; r < 2 && y0 + r < in->h; r++)
            for (int c = 0; c < 2 && x0 + c < in->w; c++)
              {
                size_t at = (size_t) img * hw + (size_t) (y0 + r) * in->w + (size_t) (x0 + c);
                float v = y[r][c] * scale + shift;
                if (ep->residual != NULL)
                  v += ep->residual[(size_t) co * n_total + at];
                if (ep->relu)
                  v = v > 0.0f ? v : 0.0f;
                if (ep->padded_output)
                  out[(size_t) co * cstride + (size_t) img * plane + (size_t) (y0 + r + 1) * wp +
                      (size_t) (x0 + c + 1)] = v;
                else
                  out[(size_t) co * n_total + at] = v;
              }
        }
    }
}

void
ct_winograd_run (const CtWinogradWeights *wt, const CtConvInput *in, const CtConvEpilogue *ep, float *out,
                 float *scratch, int n_threads, CtGemmMicroKernel kernel)
{
  int panels = (wt->m + CT_GEMM_MR - 1) / CT_GEMM_MR;
  int rows = panels * CT_GEMM_MR;
  gint64 n_tiles = (gint64) in->nimg * ((in->h + 1) / 2) * ((in->w + 1) / 2);
  int n_blocks = (int) ((n_tiles + TB - 1) / TB);
  size_t per_thread = ct_winograd_scratch_floats_per_thread (MAX (wt->m, wt->cin));
  size_t per_position = (size_t) panels * wt->cin * CT_GEMM_MR;

  g_assert (in->raw == NULL);
  if (n_threads < 1)
    n_threads = 1;
  if (ep->padded_output)
    ct_conv_zero_borders (out, wt->m * in->nimg, in->h, in->w, n_threads);

#pragma omp parallel for num_threads(n_threads) schedule(dynamic, 1) if (n_blocks > 1 && n_threads > 1)
  for (int blk = 0; blk < n_blocks; blk++)
    {
      int tid = 0;
      float *v, *mm;
      ptrdiff_t *offsets;
      gint64 t_first = (gint64) blk * TB;
      int count = (int) MIN ((gint64) TB, n_tiles - t_first);
      int strips = (count + CT_GEMM_NR - 1) / CT_GEMM_NR;

#ifdef _OPENMP
      tid = omp_get_thread_num ();
#endif
      v = scratch + (size_t) tid * per_thread;
      mm = v + (size_t) 16 * wt->cin * TB;
      offsets = (ptrdiff_t *) (gpointer) (mm + (size_t) 16 * rows * TB);
      for (int ci = 0; ci < wt->cin; ci++)
        offsets[ci] = (ptrdiff_t) ci * TB;

      input_transform (in, wt->cin, t_first, count, v);
      for (int xi = 0; xi < 16; xi++)
        {
          const float *vx = v + (size_t) xi * wt->cin * TB;
          float *mx = mm + (size_t) xi * rows * TB;
          for (int p = 0; p < panels; p++)
            {
              const float *a = wt->packed + xi * per_position + (size_t) p * wt->cin * CT_GEMM_MR;
              for (int s = 0; s < strips; s++)
                kernel (wt->cin, a, vx + s * CT_GEMM_NR, offsets, mx + (size_t) p * CT_GEMM_MR * TB + s * CT_GEMM_NR,
                        TB, FALSE, NULL);
            }
        }
      output_transform (in, wt->m, rows, t_first, count, mm, ep, out);
    }
}
