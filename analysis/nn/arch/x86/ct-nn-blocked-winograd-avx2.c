/* SPDX-License-Identifier: MIT */
/* ct-nn-blocked-winograd-avx2.c: the AVX2/FMA tile-block kernel of the blocked
 * Winograd convolution (ct-nn-blocked-winograd.h), compiled for those extensions
 * through a target attribute and called only when the CPU has them.
 *
 * One ymm register = the 8 channels of one pixel (or of one position of a
 * transformed tile), so the input and output transforms are 32 and 24
 * vector adds per tile and block, on the adder ports, beside the FMAs. The
 * GEMM keeps 12 tiles x 8 output channels in registers (as the direct row
 * kernel of ct-nn-blocked-avx2.c keeps 12 pixels): per input channel one load of
 * 8 weights, 12 broadcasts, 12 FMAs. */
#include "ct-nn-blocked-winograd.h"

#if defined(__x86_64__) || defined(__i386__)

#include "ct-nn-blocked-avx2-private.h"

#define AVX2 CT_AVX2

/* V[xi] for one tile and input block: B^T d B, d the 4 x 4 bordered pixels
 * (zero where the tile reaches past the bordered plane). */
AVX2 static inline __attribute__ ((always_inline)) void
input_tile (const float *src, size_t row_stride, int rows, int cols, float *dst, size_t v_xi)
{
  __m256 b[4][4];

  for (int k = 0; k < 4; k++)
    {
      __m256 d[4];
      for (int r = 0; r < 4; r++)
        d[r] = r < rows && k < cols ? _mm256_loadu_ps (src + (size_t) r * row_stride + k * CT_BLOCK)
                                    : _mm256_setzero_ps ();
      b[0][k] = _mm256_sub_ps (d[0], d[2]);
      b[1][k] = _mm256_add_ps (d[1], d[2]);
      b[2][k] = _mm256_sub_ps (d[2], d[1]);
      b[3][k] = _mm256_sub_ps (d[1], d[3]);
    }
  for (int r = 0; r < 4; r++)
    {
      _mm256_storeu_ps (dst + (size_t) (r * 4 + 0) * v_xi, _mm256_sub_ps (b[r][0], b[r][2]));
      _mm256_storeu_ps (dst + (size_t) (r * 4 + 1) * v_xi, _mm256_add_ps (b[r][1], b[r][2]));
      _mm256_storeu_ps (dst + (size_t) (r * 4 + 2) * v_xi, _mm256_sub_ps (b[r][2], b[r][1]));
      _mm256_storeu_ps (dst + (size_t) (r * 4 + 3) * v_xi, _mm256_sub_ps (b[r][1], b[r][3]));
    }
}

/* M[tt .. tt+P) for one position: P tiles x 8 output channels. */
AVX2 static inline __attribute__ ((always_inline)) void
gemm_group (const float *vt, size_t ib_stride, int cin_blocks, const float *u, float *mt, const int P)
{
  __m256 acc[12];

  for (int p = 0; p < P; p++)
    acc[p] = _mm256_setzero_ps ();
  for (int ib = 0; ib < cin_blocks; ib++)
    ct_blocked_avx2_accumulate (acc, vt + (size_t) ib * ib_stride, u + (size_t) ib * CT_BLOCK * CT_BLOCK, P);
#pragma GCC unroll 12
  for (int p = 0; p < P; p++)
    _mm256_storeu_ps (mt + p * CT_BLOCK, acc[p]);
}

/* The same for two output blocks at once, P <= 6 tiles: per input channel
 * 2 weight loads and P broadcasts feed 2 P FMAs (8 loads for 12 FMAs, where
 * the one-block form needs 13: the broadcasts were its bottleneck). */
AVX2 static inline __attribute__ ((always_inline)) void
gemm_group2 (const float *vt, size_t ib_stride, int cin_blocks, const float *u0, const float *u1, float *m0, float *m1,
             const int P)
{
  __m256 acc0[6], acc1[6];

  for (int p = 0; p < P; p++)
    {
      acc0[p] = _mm256_setzero_ps ();
      acc1[p] = _mm256_setzero_ps ();
    }
  for (int ib = 0; ib < cin_blocks; ib++)
    {
      const float *src = vt + (size_t) ib * ib_stride;
      const float *w0 = u0 + (size_t) ib * CT_BLOCK * CT_BLOCK;
      const float *w1 = u1 + (size_t) ib * CT_BLOCK * CT_BLOCK;
#pragma GCC unroll 8
      for (int ci = 0; ci < CT_BLOCK; ci++)
        {
          __m256 wv0 = _mm256_loadu_ps (w0 + ci * CT_BLOCK);
          __m256 wv1 = _mm256_loadu_ps (w1 + ci * CT_BLOCK);
#pragma GCC unroll 6
          for (int p = 0; p < P; p++)
            {
              __m256 x = _mm256_broadcast_ss (src + p * CT_BLOCK + ci);
              acc0[p] = _mm256_fmadd_ps (x, wv0, acc0[p]);
              acc1[p] = _mm256_fmadd_ps (x, wv1, acc1[p]);
            }
        }
    }
#pragma GCC unroll 6
  for (int p = 0; p < P; p++)
    {
      _mm256_storeu_ps (m0 + p * CT_BLOCK, acc0[p]);
      _mm256_storeu_ps (m1 + p * CT_BLOCK, acc1[p]);
    }
}

/* The epilogue of one output pixel (8 channels) at offset at: scale/shift,
 * + residual, ReLU (residual and relu constant after inlining). */
AVX2 static inline __attribute__ ((always_inline)) void
store_pixel (const CtBlockedWinogradJob *job, size_t at, __m256 y, __m256 vscale, __m256 vshift, const int residual,
             const int relu)
{
  __m256 v = _mm256_fmadd_ps (y, vscale, vshift);

  if (residual)
    v = _mm256_add_ps (v, _mm256_loadu_ps (job->residual + at));
  if (relu)
    v = _mm256_max_ps (v, _mm256_setzero_ps ());
  _mm256_storeu_ps (job->out + at, v);
}

/* A^T M A for one tile and output block, the epilogue, the pixels inside
 * (all 4 unless the tile reaches past the plane's last row or column).
 * residual and relu are constants after inlining (output_block's variants). */
AVX2 static inline __attribute__ ((always_inline)) void
output_tile2 (const CtBlockedWinogradJob *job, const CtBlockedTile *tile, const float *mt, size_t m_xi, size_t at0,
              __m256 vscale, __m256 vshift, const int residual, const int relu)
{
  __m256 a[2][4], y[2][2];
  size_t rs = job->out_row_stride;

  for (int k = 0; k < 4; k++)
    {
      __m256 m0 = _mm256_loadu_ps (mt + (size_t) (0 * 4 + k) * m_xi);
      __m256 m1 = _mm256_loadu_ps (mt + (size_t) (1 * 4 + k) * m_xi);
      __m256 m2 = _mm256_loadu_ps (mt + (size_t) (2 * 4 + k) * m_xi);
      __m256 m3 = _mm256_loadu_ps (mt + (size_t) (3 * 4 + k) * m_xi);
      __m256 m12 = _mm256_add_ps (m1, m2);
      a[0][k] = _mm256_add_ps (m0, m12);
      a[1][k] = _mm256_sub_ps (_mm256_sub_ps (m1, m2), m3);
    }
  for (int r = 0; r < 2; r++)
    {
      y[r][0] = _mm256_add_ps (_mm256_add_ps (a[r][0], a[r][1]), a[r][2]);
      y[r][1] = _mm256_sub_ps (_mm256_sub_ps (a[r][1], a[r][2]), a[r][3]);
    }
  if (tile->out_rows == 2 && tile->out_cols == 2)
    {
      for (int r = 0; r < 2; r++)
        for (int k = 0; k < 2; k++)
          store_pixel (job, at0 + (size_t) r * rs + (size_t) k * CT_BLOCK, y[r][k], vscale, vshift, residual, relu);
    }
  else
    {
      /* a tile reaching past the plane's last row or column */
      for (int r = 0; r < tile->out_rows; r++)
        for (int k = 0; k < tile->out_cols; k++)
          store_pixel (job, at0 + (size_t) r * rs + (size_t) k * CT_BLOCK, y[r][k], vscale, vshift, residual, relu);
    }
}

/* F(4x4, 3x3): V[xi] for one tile and input block, B^T d B with d the
 * 6 x 6 bordered pixels (zero past the bordered plane). */
AVX2 static inline __attribute__ ((always_inline)) void
input_tile6 (const float *src, size_t row_stride, int rows, int cols, float *dst, size_t v_xi)
{
  __m256 b[6][6];
  const __m256 c2 = _mm256_set1_ps (2.0f), c4 = _mm256_set1_ps (4.0f);
  const __m256 c5 = _mm256_set1_ps (5.0f);

  /* columns: b = B^T d */
  for (int k = 0; k < 6; k++)
    {
      __m256 d[6];
      for (int r = 0; r < 6; r++)
        d[r] = r < rows && k < cols ? _mm256_loadu_ps (src + (size_t) r * row_stride + k * CT_BLOCK)
                                    : _mm256_setzero_ps ();
      __m256 d4_d2 = _mm256_sub_ps (d[4], d[2]), d3_d1 = _mm256_sub_ps (d[3], d[1]);
      __m256 t1 = _mm256_fnmadd_ps (c4, d[2], d[4]); /* d4 - 4 d2 */
      __m256 t2 = _mm256_fnmadd_ps (c4, d[1], d[3]); /* d3 - 4 d1 */
      b[0][k] = _mm256_fmadd_ps (c4, d[0], _mm256_fnmadd_ps (c5, d[2], d[4]));
      b[1][k] = _mm256_add_ps (t1, t2);
      b[2][k] = _mm256_sub_ps (t1, t2);
      b[3][k] = _mm256_fmadd_ps (c2, d3_d1, d4_d2);
      b[4][k] = _mm256_fnmadd_ps (c2, d3_d1, d4_d2);
      b[5][k] = _mm256_fmadd_ps (c4, d[1], _mm256_fnmadd_ps (c5, d[3], d[5]));
    }
  /* rows: V = b B */
  for (int r = 0; r < 6; r++)
    {
      __m256 *e = b[r];
      __m256 e4_e2 = _mm256_sub_ps (e[4], e[2]), e3_e1 = _mm256_sub_ps (e[3], e[1]);
      __m256 t1 = _mm256_fnmadd_ps (c4, e[2], e[4]);
      __m256 t2 = _mm256_fnmadd_ps (c4, e[1], e[3]);
      float *o = dst + (size_t) (r * 6) * v_xi;
      _mm256_storeu_ps (o + 0 * v_xi, _mm256_fmadd_ps (c4, e[0], _mm256_fnmadd_ps (c5, e[2], e[4])));
      _mm256_storeu_ps (o + 1 * v_xi, _mm256_add_ps (t1, t2));
      _mm256_storeu_ps (o + 2 * v_xi, _mm256_sub_ps (t1, t2));
      _mm256_storeu_ps (o + 3 * v_xi, _mm256_fmadd_ps (c2, e3_e1, e4_e2));
      _mm256_storeu_ps (o + 4 * v_xi, _mm256_fnmadd_ps (c2, e3_e1, e4_e2));
      _mm256_storeu_ps (o + 5 * v_xi, _mm256_fmadd_ps (c4, e[1], _mm256_fnmadd_ps (c5, e[3], e[5])));
    }
}

/* F(4x4, 3x3): A^T M A for one tile and output block (4 x 4 pixels), the
 * epilogue, the pixels inside. */
AVX2 static inline __attribute__ ((always_inline)) void
output_tile4 (const CtBlockedWinogradJob *job, const CtBlockedTile *tile, const float *mt, size_t m_xi, size_t at0,
              __m256 vscale, __m256 vshift, const int residual, const int relu)
{
  __m256 a[4][6];
  size_t rs = job->out_row_stride;
  const __m256 c2 = _mm256_set1_ps (2.0f), c4 = _mm256_set1_ps (4.0f);
  const __m256 c8 = _mm256_set1_ps (8.0f);

  /* columns: a = A^T M */
  for (int k = 0; k < 6; k++)
    {
      __m256 m0 = _mm256_loadu_ps (mt + (size_t) (0 * 6 + k) * m_xi);
      __m256 m1 = _mm256_loadu_ps (mt + (size_t) (1 * 6 + k) * m_xi);
      __m256 m2 = _mm256_loadu_ps (mt + (size_t) (2 * 6 + k) * m_xi);
      __m256 m3 = _mm256_loadu_ps (mt + (size_t) (3 * 6 + k) * m_xi);
      __m256 m4 = _mm256_loadu_ps (mt + (size_t) (4 * 6 + k) * m_xi);
      __m256 m5 = _mm256_loadu_ps (mt + (size_t) (5 * 6 + k) * m_xi);
      __m256 s12 = _mm256_add_ps (m1, m2), d12 = _mm256_sub_ps (m1, m2);
      __m256 s34 = _mm256_add_ps (m3, m4), d34 = _mm256_sub_ps (m3, m4);
      a[0][k] = _mm256_add_ps (_mm256_add_ps (m0, s12), s34);
      a[1][k] = _mm256_fmadd_ps (c2, d34, d12);
      a[2][k] = _mm256_fmadd_ps (c4, s34, s12);
      a[3][k] = _mm256_add_ps (_mm256_fmadd_ps (c8, d34, d12), m5);
    }
  for (int r = 0; r < 4; r++)
    {
      __m256 *e = a[r];
      __m256 s12 = _mm256_add_ps (e[1], e[2]), d12 = _mm256_sub_ps (e[1], e[2]);
      __m256 s34 = _mm256_add_ps (e[3], e[4]), d34 = _mm256_sub_ps (e[3], e[4]);
      __m256 y[4];
      y[0] = _mm256_add_ps (_mm256_add_ps (e[0], s12), s34);
      y[1] = _mm256_fmadd_ps (c2, d34, d12);
      y[2] = _mm256_fmadd_ps (c4, s34, s12);
      y[3] = _mm256_add_ps (_mm256_fmadd_ps (c8, d34, d12), e[5]);
      if (r >= tile->out_rows)
        break;
      for (int k = 0; k < tile->out_cols; k++)
        store_pixel (job, at0 + (size_t) r * rs + (size_t) k * CT_BLOCK, y[k], vscale, vshift, residual, relu);
    }
}

AVX2 static void
gemm_one (const CtBlockedWinogradJob *job, int ob, int positions, const float *v, size_t v_xi, int n_tiles, float *m)
{
  int cinb = job->cin_blocks;
  size_t m_xi = (size_t) n_tiles * CT_BLOCK, ib_stride = (size_t) n_tiles * CT_BLOCK;

  for (int xi = 0; xi < positions; xi++)
    {
      const float *u = job->u + ((size_t) xi * job->cout_blocks + ob) * cinb * CT_BLOCK * CT_BLOCK;
      const float *vx = v + xi * v_xi;
      float *mx = m + xi * m_xi;
      int tt = 0;

      for (; tt + 12 <= n_tiles; tt += 12)
        gemm_group (vx + (size_t) tt * CT_BLOCK, ib_stride, cinb, u, mx + (size_t) tt * CT_BLOCK, 12);
      switch (n_tiles - tt)
        {
/* one case per tail length, laid out by hand */
/* clang-format off */
#define TAIL(P) \
        case P: \
          gemm_group (vx + (size_t) tt * CT_BLOCK, ib_stride, cinb, u, mx + (size_t) tt * CT_BLOCK, P); \
          break;
        TAIL (1) TAIL (2) TAIL (3) TAIL (4) TAIL (5) TAIL (6)
        TAIL (7) TAIL (8) TAIL (9) TAIL (10) TAIL (11)
#undef TAIL
        default:
          break;
          /* clang-format on */
        }
    }
}

/* M of output blocks ob and ob + 1 (m0, m1) for all tiles. */
AVX2 static void
gemm_pair (const CtBlockedWinogradJob *job, int ob, int positions, const float *v, size_t v_xi, int n_tiles, float *m0,
           float *m1)
{
  int cinb = job->cin_blocks;
  size_t m_xi = (size_t) n_tiles * CT_BLOCK, ib_stride = (size_t) n_tiles * CT_BLOCK;

  for (int xi = 0; xi < positions; xi++)
    {
      const float *u0 = job->u + ((size_t) xi * job->cout_blocks + ob) * cinb * CT_BLOCK * CT_BLOCK;
      const float *u1 = u0 + (size_t) cinb * CT_BLOCK * CT_BLOCK;
      const float *vx = v + xi * v_xi;
      size_t mo = xi * m_xi;
      int tt = 0;

      for (; tt + 6 <= n_tiles; tt += 6)
        gemm_group2 (vx + (size_t) tt * CT_BLOCK, ib_stride, cinb, u0, u1, m0 + mo + (size_t) tt * CT_BLOCK,
                     m1 + mo + (size_t) tt * CT_BLOCK, 6);
      switch (n_tiles - tt)
        {
/* one case per tail length, laid out by hand */
/* clang-format off */
#define TAIL2(P) \
        case P: \
          gemm_group2 (vx + (size_t) tt * CT_BLOCK, ib_stride, cinb, u0, u1, \
                       m0 + mo + (size_t) tt * CT_BLOCK, m1 + mo + (size_t) tt * CT_BLOCK, P); \
          break;
        TAIL2 (1) TAIL2 (2) TAIL2 (3) TAIL2 (4) TAIL2 (5)
#undef TAIL2
        default:
          break;
          /* clang-format on */
        }
    }
}

AVX2 static inline __attribute__ ((always_inline)) void
output_block_variant (const CtBlockedWinogradJob *job, const CtBlockedTile *tiles, int n_tiles, const float *m,
                      size_t block_at, __m256 vscale, __m256 vshift, const int residual, const int relu)
{
  size_t m_xi = (size_t) n_tiles * CT_BLOCK;

  if (job->m == 4)
    for (int tt = 0; tt < n_tiles; tt++)
      output_tile4 (job, &tiles[tt], m + (size_t) tt * CT_BLOCK, m_xi, block_at + tiles[tt].out_at, vscale, vshift,
                    residual, relu);
  else
    for (int tt = 0; tt < n_tiles; tt++)
      output_tile2 (job, &tiles[tt], m + (size_t) tt * CT_BLOCK, m_xi, block_at + tiles[tt].out_at, vscale, vshift,
                    residual, relu);
}

AVX2 static void
output_block (const CtBlockedWinogradJob *job, int ob, const CtBlockedTile *tiles, int n_tiles, const float *m)
{
  size_t block_at = (size_t) ob * job->out_block_stride;
  __m256 vscale = job->scale != NULL ? _mm256_loadu_ps (job->scale + ob * CT_BLOCK) : _mm256_set1_ps (1.0f);
  __m256 vshift = job->shift != NULL ? _mm256_loadu_ps (job->shift + ob * CT_BLOCK) : _mm256_setzero_ps ();

  if (job->residual != NULL && job->relu)
    output_block_variant (job, tiles, n_tiles, m, block_at, vscale, vshift, 1, 1);
  else if (job->residual != NULL)
    output_block_variant (job, tiles, n_tiles, m, block_at, vscale, vshift, 1, 0);
  else if (job->relu)
    output_block_variant (job, tiles, n_tiles, m, block_at, vscale, vshift, 0, 1);
  else
    output_block_variant (job, tiles, n_tiles, m, block_at, vscale, vshift, 0, 0);
}

AVX2 void
ct_blocked_winograd_tiles_avx2 (const CtBlockedWinogradJob *job, const CtBlockedTile *tiles, int n_tiles, float *v,
                                float *m)
{
  int cinb = job->cin_blocks, ob = 0, n = job->m + 2, positions = n * n;
  size_t v_xi = (size_t) cinb * n_tiles * CT_BLOCK, m_size = (size_t) positions * n_tiles * CT_BLOCK;

  for (int tt = 0; tt < n_tiles; tt++)
    {
      const CtBlockedTile *tile = &tiles[tt];
      for (int ib = 0; ib < cinb; ib++)
        {
          const float *src = job->in + (size_t) ib * job->in_block_stride + tile->in_at;
          float *dst = v + ((size_t) ib * n_tiles + tt) * CT_BLOCK;
          if (job->m == 4)
            {
              if (tile->in_rows == 6 && tile->in_cols == 6)
                input_tile6 (src, job->in_row_stride, 6, 6, dst, v_xi);
              else
                input_tile6 (src, job->in_row_stride, tile->in_rows, tile->in_cols, dst, v_xi);
            }
          else if (tile->in_rows == 4 && tile->in_cols == 4)
            input_tile (src, job->in_row_stride, 4, 4, dst, v_xi);
          else
            input_tile (src, job->in_row_stride, tile->in_rows, tile->in_cols, dst, v_xi);
        }
    }
  /* output blocks by pairs (m holds two M, see CT_BLOCKED_WINOGRAD_M_BLOCKS),
   * an odd last one alone */
  for (; ob + 1 < job->cout_blocks; ob += 2)
    {
      gemm_pair (job, ob, positions, v, v_xi, n_tiles, m, m + m_size);
      output_block (job, ob, tiles, n_tiles, m);
      output_block (job, ob + 1, tiles, n_tiles, m + m_size);
    }
  if (ob < job->cout_blocks)
    {
      gemm_one (job, ob, positions, v, v_xi, n_tiles, m);
      output_block (job, ob, tiles, n_tiles, m);
    }
}

#endif
