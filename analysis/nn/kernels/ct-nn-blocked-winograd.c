/* SPDX-License-Identifier: MIT */
/* ct-nn-blocked-winograd.c: blocked Winograd F(2x2, 3x3) and F(4x4, 3x3) (see
 * ct-nn-blocked-winograd.h): weight transform, the driver that cuts the tile list
 * into per-thread blocks, and the portable tile-block kernel (the reference
 * of the AVX2 one). Transforms (Lavin & Gray 2016), F(2x2, 3x3):
 *   G   = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]
 *   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]
 *   A^T = [1 1 1 0; 0 1 -1 -1]
 * F(4x4, 3x3), interpolation points 0, 1, -1, 2, -2, infinity:
 *   G   = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6;
 *          1/24 -1/12 1/6; 0 0 1]
 *   B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0;
 *          0 2 -1 -2 1 0; 0 4 0 -5 0 1]
 *   A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1] */
#include "ct-nn-blocked-winograd.h"

#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* Tiles per block: the GEMM works on groups of 12 tiles (the AVX2 kernel's
 * register block); V = positions x cin x tiles floats is kept under 192 KB so
 * that it stays in the per-core L2 (512 KB on the Zen 3 of our figures)
 * while it is read once per output block. Budgets of 6 K to 96 K floats
 * measured within noise of each other at 16-128 channels; 192 K and more
 * were 10-25 % slower (tools/bench-nn/bench-conv). */
#define TILE_GROUP 12
#define V_BUDGET_FLOATS (48 * 1024)
#define MAX_BLOCK_TILES 144

static int
block_tiles (int cin, int positions)
{
  int tiles = V_BUDGET_FLOATS / (positions * cin) / TILE_GROUP * TILE_GROUP;
  return CLAMP (tiles, TILE_GROUP, MAX_BLOCK_TILES);
}

/* The transform matrices, row-major, for the portable kernel and the
 * weight transform: G [n][3], B^T [n][n], A^T [m][n] with n = m + 2. */
/* clang-format off */
static const double g2[4 * 3] = { 1, 0, 0, 0.5, 0.5, 0.5, 0.5, -0.5, 0.5, 0, 0, 1 };
static const float bt2[4 * 4] = { 1, 0, -1, 0, 0, 1, 1, 0, 0, -1, 1, 0, 0, 1, 0, -1 };
static const float at2[2 * 4] = { 1, 1, 1, 0, 0, 1, -1, -1 };
static const double g4[6 * 3] = {
  1.0 / 4, 0, 0, -1.0 / 6, -1.0 / 6, -1.0 / 6, -1.0 / 6, 1.0 / 6, -1.0 / 6,
  1.0 / 24, 1.0 / 12, 1.0 / 6, 1.0 / 24, -1.0 / 12, 1.0 / 6, 0, 0, 1,
};
static const float bt4[6 * 6] = {
  4, 0, -5, 0, 1, 0, 0, -4, -4, 1, 1, 0, 0, 4, -4, -1, 1, 0,
  0, -2, -1, 2, 1, 0, 0, 2, -1, -2, 1, 0, 0, 4, 0, -5, 0, 1,
};
static const float at4[4 * 6] = {
  1, 1, 1, 1, 1, 0, 0, 1, -1, 2, -2, 0, 0, 1, 1, 4, 4, 0, 0, 1, -1, 8, -8, 1,
};
/* clang-format on */

void
ct_blocked_winograd_weights_pack (CtBlockedWinogradWeights *self, int m, int cout, const float *w3x3, int cin,
                                  const float *w1x1, int cin_raw)
{
  int n = m + 2, positions = n * n;
  const double *g = m == 4 ? g4 : g2;

  g_assert (m == 2 || m == 4);
  g_assert (cout % CT_BLOCK == 0 && cin % CT_BLOCK == 0 && cin_raw % CT_BLOCK == 0);
  memset (self, 0, sizeof *self);
  self->m = m;
  self->cin_blocks = cin / CT_BLOCK;
  self->cout_blocks = cout / CT_BLOCK;
  self->u = g_new (float, (size_t) positions * cout * cin);
  for (int co = 0; co < cout; co++)
    for (int ci = 0; ci < cin; ci++)
      {
        const float *k = w3x3 + ((size_t) co * cin + ci) * 9;
        double t[6][3], u[6][6];

        /* t = G k (n x 3), then u = t G^T (n x n), in double */
        for (int r = 0; r < n; r++)
          for (int c = 0; c < 3; c++)
            t[r][c] = g[r * 3 + 0] * k[0 * 3 + c] + g[r * 3 + 1] * k[1 * 3 + c] + g[r * 3 + 2] * k[2 * 3 + c];
        for (int r = 0; r < n; r++)
          for (int c = 0; c < n; c++)
            u[r][c] = t[r][0] * g[c * 3 + 0] + t[r][1] * g[c * 3 + 1] + t[r][2] * g[c * 3 + 2];
        for (int xi = 0; xi < positions; xi++)
          {
            int ob = co / CT_BLOCK, ib = ci / CT_BLOCK;
            size_t at = ((((size_t) xi * self->cout_blocks + ob) * self->cin_blocks + ib) * CT_BLOCK + ci % CT_BLOCK) *
                            CT_BLOCK +
                        co % CT_BLOCK;
            self->u[at] = (float) u[xi / n][xi % n];
          }
      }
  if (w1x1 != NULL && cin_raw > 0)
    ct_blocked_conv_weights_pack (&self->shortcut, cout, NULL, 0, w1x1, cin_raw);
}

void
ct_blocked_winograd_weights_clear (CtBlockedWinogradWeights *self)
{
  g_clear_pointer (&self->u, g_free);
  ct_blocked_conv_weights_clear (&self->shortcut);
}

static size_t
scratch_floats (int cin, int positions)
{
  size_t tiles = (size_t) block_tiles (cin, positions);
  size_t tile_floats = (tiles * sizeof (CtBlockedTile) + sizeof (float) - 1) / sizeof (float);

  /* V, M, the tile list; 16 floats so that the tile list stays aligned */
  return (size_t) positions * cin * tiles + CT_BLOCKED_WINOGRAD_M_BLOCKS * (size_t) positions * CT_BLOCK * tiles +
         tile_floats + 16;
}

size_t
ct_blocked_winograd_scratch_floats_per_thread (int max_cin)
{
  size_t most = 0;

  for (int cin = CT_BLOCK; cin <= MAX (max_cin, CT_BLOCK); cin += CT_BLOCK)
    most = MAX (most, MAX (scratch_floats (cin, 16), scratch_floats (cin, 36)));
  return most;
}

void
ct_blocked_winograd_conv3x3 (const CtBlockedWinogradWeights *weights, const float *padded, const float *raw, int nimg,
                             int h, int w, const CtConvEpilogue *ep, float *out, gboolean avx2, float *scratch,
                             int n_threads)
{
  CtBlockedWinogradKernel kernel = ct_blocked_winograd_tiles_portable;
  int m = weights->m, n = m + 2, positions = n * n;
  int tiles_h = (h + m - 1) / m, tiles_w = (w + m - 1) / m;
  gint64 n_tiles = (gint64) nimg * tiles_h * tiles_w;
  int tb = block_tiles (weights->cin_blocks * CT_BLOCK, positions);
  int n_blocks = (int) ((n_tiles + tb - 1) / tb);
  size_t per_thread = scratch_floats (weights->cin_blocks * CT_BLOCK, positions);
  size_t in_row = ((size_t) w + 2) * CT_BLOCK, in_plane = (size_t) (h + 2) * in_row;
  size_t plain_row = (size_t) w * CT_BLOCK, plain_plane = (size_t) h * plain_row;
  CtBlockedWinogradJob job = {
    .m = m,
    .in = padded,
    .in_block_stride = (size_t) nimg * in_plane,
    .in_row_stride = in_row,
    .cin_blocks = weights->cin_blocks,
    .u = weights->u,
    .cout_blocks = weights->cout_blocks,
    .out = ep->padded_output ? out + in_row + CT_BLOCK : out,
    .out_block_stride = (size_t) nimg * (ep->padded_output ? in_plane : plain_plane),
    .out_row_stride = ep->padded_output ? in_row : plain_row,
    .residual = ep->residual,
    .scale = ep->scale,
    .shift = ep->scale != NULL ? ep->shift : ep->bias,
    .relu = ep->relu,
  };

#if defined(__x86_64__) || defined(__i386__)
  if (avx2)
    kernel = ct_blocked_winograd_tiles_avx2;
#else
  (void) avx2;
#endif
  g_assert (!(ep->padded_output && (ep->residual != NULL || raw != NULL)));
  g_assert (!(ep->residual != NULL && weights->shortcut.packed1 != NULL));
  if (n_threads < 1)
    n_threads = 1;
  if (ep->padded_output)
    ct_blocked_zero_border (out, weights->cout_blocks * nimg, h, w);
  if (weights->shortcut.packed1 != NULL)
    {
      /* out = 1x1(raw), which the tiles then add as their residual; each
       * output pixel is read and written by the same tile, so in place */
      CtConvEpilogue plain = { NULL, NULL, NULL, NULL, FALSE, FALSE };

      g_assert (raw != NULL);
      ct_blocked_conv3x3 (&weights->shortcut, NULL, raw, nimg, h, w, &plain, out, avx2, n_threads);
      job.residual = out;
    }

#pragma omp parallel for num_threads(n_threads) schedule(static) if (n_blocks > 1 && n_threads > 1)
  for (int blk = 0; blk < n_blocks; blk++)
    {
      int tid = 0;
      gint64 first = (gint64) blk * tb;
      int count = (int) MIN ((gint64) tb, n_tiles - first);
      float *v, *mm;
      CtBlockedTile *tiles;

#ifdef _OPENMP
      tid = omp_get_thread_num ();
#endif
      v = scratch + (size_t) tid * per_thread;
      mm = v + (size_t) positions * weights->cin_blocks * CT_BLOCK * tb;
      tiles = (CtBlockedTile *) (gpointer) (mm + (size_t) CT_BLOCKED_WINOGRAD_M_BLOCKS * positions * CT_BLOCK * tb);
      /* the block's first tile, then tile by tile along rows and images */
      int img = (int) (first / ((gint64) tiles_h * tiles_w));
      int rem = (int) (first % ((gint64) tiles_h * tiles_w));
      int ty = rem / tiles_w, tx = rem % tiles_w;

      for (int k = 0; k < count; k++)
        {
          int y = m * ty, x = m * tx; /* output = bordered input origin */

          tiles[k].in_at = (size_t) img * in_plane + (size_t) y * in_row + (size_t) x * CT_BLOCK;
          tiles[k].out_at = (size_t) img * (ep->padded_output ? in_plane : plain_plane) +
                            (size_t) y * job.out_row_stride + (size_t) x * CT_BLOCK;
          tiles[k].in_rows = (guint8) MIN (n, h + 2 - y);
          tiles[k].in_cols = (guint8) MIN (n, w + 2 - x);
          tiles[k].out_rows = (guint8) MIN (m, h - y);
          tiles[k].out_cols = (guint8) MIN (m, w - x);
          if (++tx == tiles_w)
            {
              tx = 0;
              if (++ty == tiles_h)
                {
                  ty = 0;
                  img++;
                }
            }
        }
      kernel (&job, tiles, count, v, mm);
    }
}

/* y[r * y_stride] = sum over j < n of mat[r][j] * x[j * x_stride], r < rows:
 * one transform matrix (row-major [rows][n]) applied to a column or a row
 * of a tile. */
static void
apply_matrix (const float *mat, int rows, int n, const float *x, size_t x_stride, float *y, size_t y_stride)
{
  for (int r = 0; r < rows; r++)
    {
      float acc = 0.0f;
      for (int j = 0; j < n; j++)
        acc += mat[r * n + j] * x[(size_t) j * x_stride];
      y[(size_t) r * y_stride] = acc;
    }
}

/* The portable kernel: the same three steps as the AVX2 one, lane by lane,
 * through the matrices above. */
void
ct_blocked_winograd_tiles_portable (const CtBlockedWinogradJob *job, const CtBlockedTile *tiles, int n_tiles, float *v,
                                    float *m)
{
  int cinb = job->cin_blocks, tm = job->m, n = tm + 2, positions = n * n;
  const float *bt = tm == 4 ? bt4 : bt2, *at = tm == 4 ? at4 : at2;
  size_t v_xi = (size_t) cinb * n_tiles * CT_BLOCK; /* floats between positions xi in V */

  /* V = B^T d B per tile and input block */
  for (int tt = 0; tt < n_tiles; tt++)
    for (int ib = 0; ib < cinb; ib++)
      {
        const CtBlockedTile *tile = &tiles[tt];
        const float *src = job->in + (size_t) ib * job->in_block_stride + tile->in_at;
        float *dst = v + ((size_t) ib * n_tiles + tt) * CT_BLOCK;

        for (int c = 0; c < CT_BLOCK; c++)
          {
            float d[6][6], b[6][6];

            for (int r = 0; r < n; r++)
              for (int k = 0; k < n; k++)
                d[r][k] = r < tile->in_rows && k < tile->in_cols
                              ? src[(size_t) r * job->in_row_stride + (size_t) k * CT_BLOCK + c]
                              : 0.0f;
            /* columns: b = B^T d; rows: V = b B */
            for (int k = 0; k < n; k++)
              apply_matrix (bt, n, n, &d[0][k], 6, &b[0][k], 6);
            for (int r = 0; r < n; r++)
              apply_matrix (bt, n, n, b[r], 1, dst + (size_t) (r * n) * v_xi + c, v_xi);
          }
      }

  for (int ob = 0; ob < job->cout_blocks; ob++)
    {
      /* M = U V per position */
      for (int xi = 0; xi < positions; xi++)
        {
          const float *u = job->u + ((size_t) xi * job->cout_blocks + ob) * cinb * CT_BLOCK * CT_BLOCK;
          for (int tt = 0; tt < n_tiles; tt++)
            {
              float acc[CT_BLOCK] = { 0 };
              for (int ib = 0; ib < cinb; ib++)
                {
                  const float *vt = v + xi * v_xi + ((size_t) ib * n_tiles + tt) * CT_BLOCK;
                  const float *ut = u + (size_t) ib * CT_BLOCK * CT_BLOCK;
                  for (int ci = 0; ci < CT_BLOCK; ci++)
                    for (int co = 0; co < CT_BLOCK; co++)
                      acc[co] += vt[ci] * ut[ci * CT_BLOCK + co];
                }
              memcpy (m + ((size_t) xi * n_tiles + tt) * CT_BLOCK, acc, sizeof acc);
            }
        }
      /* y = A^T M A, epilogue, the tile's pixels inside the plane */
      for (int tt = 0; tt < n_tiles; tt++)
        {
          const CtBlockedTile *tile = &tiles[tt];
          size_t at0 = (size_t) ob * job->out_block_stride + tile->out_at;

          for (int co = 0; co < CT_BLOCK; co++)
            {
              float a[4][6], y[4][4];
              int ch = ob * CT_BLOCK + co;
              float scale = job->scale != NULL ? job->scale[ch] : 1.0f;
              float shift = job->shift != NULL ? job->shift[ch] : 0.0f;

              /* columns: a = A^T M; rows: y = a A */
              for (int k = 0; k < n; k++)
                apply_matrix (at, tm, n, m + ((size_t) k * n_tiles + tt) * CT_BLOCK + co,
                              (size_t) n * n_tiles * CT_BLOCK, &a[0][k], 6);
              for (int r = 0; r < tm; r++)
                apply_matrix (at, tm, n, a[r], 1, y[r], 1);
              for (int r = 0; r < tile->out_rows; r++)
                for (int k = 0; k < tile->out_cols; k++)
                  {
                    size_t o = at0 + (size_t) r * job->out_row_stride + (size_t) k * CT_BLOCK + co;
                    float val = y[r][k] * scale + shift;
                    if (job->residual != NULL)
                      val += job->residual[o];
                    if (job->relu)
                      val = val > 0.0f ? val : 0.0f;
                    job->out[o] = val;
                  }
            }
        }
    }
}
