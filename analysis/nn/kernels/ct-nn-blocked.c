/* SPDX-License-Identifier: MIT */
/* ct-nn-blocked.c: the kernels of the blocked layout
 * (ct-nn-blocked.h). Everything is OpenMP-parallel over image rows. */
#include "ct-nn-blocked.h"

#include <math.h>
#include <string.h>

#include "ct-nn-channel-major-ops.h"
#include "ct-nn-ref.h"

void
ct_blocked_conv_weights_pack (CtBlockedConvWeights *self, int cout, const float *w3x3, int cin, const float *w1x1,
                              int cin_raw)
{
  g_assert (cout % CT_BLOCK == 0 && cin % CT_BLOCK == 0 && cin_raw % CT_BLOCK == 0);
  self->cin_blocks = cin / CT_BLOCK;
  self->cout_blocks = cout / CT_BLOCK;
  self->raw_blocks = w1x1 != NULL ? cin_raw / CT_BLOCK : 0;
  self->packed3 = g_new (float, (size_t) cout * cin * 9);
  self->packed1 = self->raw_blocks > 0 ? g_new (float, (size_t) cout * cin_raw) : NULL;
  for (int co = 0; co < cout; co++)
    for (int ci = 0; ci < cin; ci++)
      for (int t = 0; t < 9; t++)
        {
          int ob = co / CT_BLOCK, ib = ci / CT_BLOCK;
          size_t at = ((((size_t) ob * self->cin_blocks + ib) * 9 + t) * CT_BLOCK + ci % CT_BLOCK) * CT_BLOCK +
                      co % CT_BLOCK;
          self->packed3[at] = w3x3[((size_t) co * cin + ci) * 9 + t];
        }
  for (int co = 0; co < cout && self->packed1 != NULL; co++)
    for (int ci = 0; ci < cin_raw; ci++)
      {
        int ob = co / CT_BLOCK, rb = ci / CT_BLOCK;
        size_t at = (((size_t) ob * self->raw_blocks + rb) * CT_BLOCK + ci % CT_BLOCK) * CT_BLOCK + co % CT_BLOCK;
        self->packed1[at] = w1x1[(size_t) co * cin_raw + ci];
      }
}

void
ct_blocked_conv_weights_clear (CtBlockedConvWeights *self)
{
  g_clear_pointer (&self->packed3, g_free);
  g_clear_pointer (&self->packed1, g_free);
}

/* One output pixel at a time, the 8 channels of the output block: sums
 * over input blocks, taps and channels, then the shortcut, then the
 * epilogue. */
void
ct_blocked_conv_row_portable (const CtBlockedRow *row, int w, float *out_row)
{
  for (int x = 0; x < w; x++)
    {
      float acc[CT_BLOCK] = { 0 };

      for (int ib = 0; ib < row->cin_blocks; ib++)
        for (int t = 0; t < 9; t++)
          {
            const float *px = row->in_row + (size_t) ib * row->in_block_stride + (size_t) (t / 3) * row->in_row_stride +
                              (size_t) (x + t % 3) * CT_BLOCK;
            const float *wt = row->w3 + ((size_t) ib * 9 + t) * CT_BLOCK * CT_BLOCK;
            for (int ci = 0; ci < CT_BLOCK; ci++)
              for (int co = 0; co < CT_BLOCK; co++)
                acc[co] += px[ci] * wt[ci * CT_BLOCK + co];
          }
      for (int rb = 0; rb < row->raw_blocks; rb++)
        {
          const float *px = row->raw_row + (size_t) rb * row->raw_block_stride + (size_t) x * CT_BLOCK;
          const float *wt = row->w1 + (size_t) rb * CT_BLOCK * CT_BLOCK;
          for (int ci = 0; ci < CT_BLOCK; ci++)
            for (int co = 0; co < CT_BLOCK; co++)
              acc[co] += px[ci] * wt[ci * CT_BLOCK + co];
        }
      for (int co = 0; co < CT_BLOCK; co++)
        {
          float v = acc[co] * (row->scale != NULL ? row->scale[co] : 1.0f) +
                    (row->shift != NULL ? row->shift[co] : 0.0f);
          if (row->residual_row != NULL)
            v += row->residual_row[(size_t) x * CT_BLOCK + co];
          if (row->relu)
            v = v > 0.0f ? v : 0.0f;
          out_row[(size_t) x * CT_BLOCK + co] = v;
        }
    }
}

void
ct_blocked_zero_border (float *out, int planes, int h, int w)
{
  size_t row = ((size_t) w + 2) * CT_BLOCK;

  for (int i = 0; i < planes; i++)
    {
      float *o = out + (size_t) i * (h + 2) * row;
      memset (o, 0, row * sizeof (float));
      memset (o + (size_t) (h + 1) * row, 0, row * sizeof (float));
      for (int y = 1; y <= h; y++)
        {
          memset (o + (size_t) y * row, 0, CT_BLOCK * sizeof (float));
          memset (o + (size_t) y * row + row - CT_BLOCK, 0, CT_BLOCK * sizeof (float));
        }
    }
}

void
ct_blocked_conv3x3 (const CtBlockedConvWeights *weights, const float *padded, const float *raw, int nimg, int h, int w,
                    const CtConvEpilogue *ep, float *out, gboolean avx2, int n_threads)
{
  CtBlockedRowKernel row_kernel = ct_blocked_conv_row_portable;
  size_t in_row = ((size_t) w + 2) * CT_BLOCK, in_plane = (size_t) (h + 2) * in_row;
  size_t in_block = (size_t) nimg * in_plane;
  size_t plain_row = (size_t) w * CT_BLOCK, plain_block = (size_t) nimg * h * plain_row;
  const float *shift = ep->scale != NULL ? ep->shift : ep->bias;
  int rows = nimg * h, tasks = weights->cout_blocks * rows;

#if defined(__x86_64__) || defined(__i386__)
  if (avx2)
    row_kernel = ct_blocked_conv_row_avx2;
#else
  (void) avx2;
#endif
  g_assert (!(ep->padded_output && ep->residual != NULL));
  g_assert (weights->raw_blocks == 0 || raw != NULL);
  if (ep->padded_output)
    ct_blocked_zero_border (out, weights->cout_blocks * nimg, h, w);

    /* tasks: (output block, image row); consecutive tasks share input rows */
#pragma omp parallel for num_threads(n_threads) schedule(static) if (n_threads > 1)
  for (int task = 0; task < tasks; task++)
    {
      int ob = task / rows, r = task % rows;
      int i = r / h, y = r % h;
      size_t plain_at = (size_t) ob * plain_block + ((size_t) i * h + y) * plain_row;
      CtBlockedRow row = {
        /* a 1x1-only layer (cin_blocks 0, ct-nn-blocked-winograd.h) has no 3x3 input */
        .in_row = weights->cin_blocks > 0 ? padded + (size_t) i * in_plane + (size_t) y * in_row : NULL,
        .in_row_stride = in_row,
        .in_block_stride = in_block,
        .cin_blocks = weights->cin_blocks,
        .raw_row = raw != NULL ? raw + ((size_t) i * h + y) * plain_row : NULL,
        .raw_block_stride = plain_block,
        .raw_blocks = weights->raw_blocks,
        .w3 = weights->cin_blocks > 0 ? weights->packed3 + (size_t) ob * weights->cin_blocks * 9 * CT_BLOCK * CT_BLOCK
                                      : NULL,
        .w1 = weights->packed1 != NULL ? weights->packed1 + (size_t) ob * weights->raw_blocks * CT_BLOCK * CT_BLOCK
                                       : NULL,
        .scale = ep->scale != NULL ? ep->scale + ob * CT_BLOCK : NULL,
        .shift = shift != NULL ? shift + ob * CT_BLOCK : NULL,
        .residual_row = ep->residual != NULL ? ep->residual + plain_at : NULL,
        .relu = ep->relu,
      };
      float *dst = ep->padded_output
                       ? out + (size_t) ob * in_block + (size_t) i * in_plane + (size_t) (y + 1) * in_row + CT_BLOCK
                       : out + plain_at;

      row_kernel (&row, w, dst);
    }
}

void
ct_blocked_act_pad (const float *src, int blocks, int nimg, int h, int w, const float *scale, const float *shift,
                    int relu, float *dst, int n_threads)
{
  size_t row = ((size_t) w + 2) * CT_BLOCK;
  int rows = blocks * nimg * h;

  ct_blocked_zero_border (dst, blocks * nimg, h, w);
  /* rows of all blocks and images: r = (block * nimg + image) * h + y */
#pragma omp parallel for num_threads(n_threads) schedule(static) if (n_threads > 1)
  for (int r = 0; r < rows; r++)
    {
      int plane = r / h, y = r % h, b = plane / nimg;
      const float *in = src + ((size_t) plane * h + y) * (size_t) w * CT_BLOCK;
      float *o = dst + ((size_t) plane * (h + 2) + y + 1) * row + CT_BLOCK;
      size_t n = (size_t) w * CT_BLOCK;
      const float *sc = scale != NULL ? scale + b * CT_BLOCK : NULL;
      const float *sh = scale != NULL ? shift + b * CT_BLOCK : NULL;

      if (sc == NULL && !relu)
        {
          memcpy (o, in, n * sizeof (float));
          continue;
        }
      /* channel index = element index mod 8; branch-free inner loops so
       * that the compiler vectorises them */
      if (sc != NULL && relu)
        {
          for (size_t k = 0; k < n; k += CT_BLOCK)
            for (int c = 0; c < CT_BLOCK; c++)
              {
                float v = in[k + c] * sc[c] + sh[c];
                o[k + c] = v > 0.0f ? v : 0.0f;
              }
        }
      else
        {
          for (size_t k = 0; k < n; k += CT_BLOCK)
            for (int c = 0; c < CT_BLOCK; c++)
              {
                float v = sc != NULL ? in[k + c] * sc[c] + sh[c] : in[k + c];
                o[k + c] = relu && v < 0.0f ? 0.0f : v;
              }
        }
    }
}

void
ct_blocked_init_conv (const float *padded1, int nimg, int h, int w, const float *weight, const float *bias, float *out,
                      int n_threads)
{
  size_t wp = (size_t) w + 2;
  int rows = nimg * h;
  float taps[9][CT_BLOCK];

  for (int t = 0; t < 9; t++)
    for (int co = 0; co < CT_BLOCK; co++)
      taps[t][co] = weight[co * 9 + t];

#pragma omp parallel for num_threads(n_threads) schedule(static) if (n_threads > 1)
  for (int r = 0; r < rows; r++)
    {
      int i = r / h, y = r % h;
      const float *in = padded1 + ((size_t) i * (h + 2) + y) * wp;
      float *o = out + ((size_t) i * h + y) * (size_t) w * CT_BLOCK;

      for (int x = 0; x < w; x++)
        {
          float acc[CT_BLOCK];
          for (int co = 0; co < CT_BLOCK; co++)
            acc[co] = bias[co];
          for (int t = 0; t < 9; t++)
            {
              float v = in[(size_t) (t / 3) * wp + (size_t) (x + t % 3)];
              for (int co = 0; co < CT_BLOCK; co++)
                acc[co] += v * taps[t][co];
            }
          memcpy (o + (size_t) x * CT_BLOCK, acc, sizeof acc);
        }
    }
}

/* 2x2 ceil-mode max of the 8 channels of output pixel (y, x) of one blocked
 * plane [h][w][8]. */
static inline void
pool_pixel (const float *plane, int h, int w, int y, int x, float *m)
{
  const float *r0 = plane + (size_t) 2 * y * w * CT_BLOCK;
  const float *r1 = 2 * y + 1 < h ? r0 + (size_t) w * CT_BLOCK : r0;
  size_t x0 = (size_t) 2 * x * CT_BLOCK;
  size_t x1 = 2 * x + 1 < w ? x0 + CT_BLOCK : x0;

  for (int c = 0; c < CT_BLOCK; c++)
    {
      float a = r0[x0 + c] > r0[x1 + c] ? r0[x0 + c] : r0[x1 + c];
      float b = r1[x0 + c] > r1[x1 + c] ? r1[x0 + c] : r1[x1 + c];
      m[c] = a > b ? a : b;
    }
}

void
ct_blocked_maxpool_to_channel_major (const float *src, int blocks, int nimg, int h, int w, float *dst, int n_threads)
{
  int oh = (h + 1) / 2, ow = (w + 1) / 2;
  size_t oplane = (size_t) oh * ow, cstride = (size_t) nimg * oplane;
  int rows = blocks * nimg * oh;

#pragma omp parallel for num_threads(n_threads) schedule(static) if (n_threads > 1)
  for (int r = 0; r < rows; r++)
    {
      int plane = r / oh, y = r % oh, b = plane / nimg, i = plane % nimg;
      const float *in = src + (size_t) plane * h * w * CT_BLOCK;
      float *o = dst + (size_t) b * CT_BLOCK * cstride + (size_t) i * oplane + (size_t) y * ow;

      for (int x = 0; x < ow; x++)
        {
          float m[CT_BLOCK];
          pool_pixel (in, h, w, y, x, m);
          for (int c = 0; c < CT_BLOCK; c++)
            o[(size_t) c * cstride + x] = m[c];
        }
    }
}

void
ct_blocked_maxpool (const float *src, int blocks, int nimg, int h, int w, float *dst, int n_threads)
{
  int oh = (h + 1) / 2, ow = (w + 1) / 2;
  int rows = blocks * nimg * oh;

#pragma omp parallel for num_threads(n_threads) schedule(static) if (n_threads > 1)
  for (int r = 0; r < rows; r++)
    {
      int plane = r / oh, y = r % oh;
      const float *in = src + (size_t) plane * h * w * CT_BLOCK;
      float *o = dst + ((size_t) plane * oh + y) * ow * CT_BLOCK;

      for (int x = 0; x < ow; x++)
        pool_pixel (in, h, w, y, x, o + (size_t) x * CT_BLOCK);
    }
}

#define TABLE CT_BLOCKED_MAX_WIDTH

/* src_channel_major: [8 * blocks][nimg][h][w]; src_blocked: blocked plain (exactly one
 * is non-NULL). */
static void
bilinear_add (const float *src_channel_major, const float *src_blocked, int blocks, int nimg, int h, int w,
              const float *skip, float *dst, int oh, int ow, int n_threads)
{
  size_t plane = (size_t) h * w, cstride = (size_t) nimg * plane;
  int rows = blocks * nimg * oh;
  /* column taps once per call (shared, read-only) */
  int xs0[TABLE], xs1[TABLE];
  float lxs[TABLE];

  g_assert (ow <= TABLE);
  for (int x = 0; x < ow; x++)
    ct_nn_bilinear_source (x, w, ow, &xs0[x], &xs1[x], &lxs[x]);

#pragma omp parallel for num_threads(n_threads) schedule(static) if (n_threads > 1)
  for (int r = 0; r < rows; r++)
    {
      int bi = r / oh, y = r % oh, b = bi / nimg, i = bi % nimg;
      int y0, y1;
      float ly;
      const float *sk = skip + ((size_t) bi * oh + y) * (size_t) ow * CT_BLOCK;
      float *o = dst + ((size_t) bi * oh + y) * (size_t) ow * CT_BLOCK;

      ct_nn_bilinear_source (y, h, oh, &y0, &y1, &ly);
      if (src_channel_major != NULL)
        {
          float rows_c[CT_BLOCK][TABLE];

          /* each channel's output row into rows_c (contiguous reads of the
           * source rows), then one interleaving pass with the skip */
          for (int c = 0; c < CT_BLOCK; c++)
            {
              const float *base = src_channel_major + (size_t) (b * CT_BLOCK + c) * cstride + (size_t) i * plane;
              const float *p0 = base + (size_t) y0 * w, *p1 = base + (size_t) y1 * w;
              for (int x = 0; x < ow; x++)
                {
                  float lx = lxs[x];
                  /* the same expression, in the same order, as ct_nn_bilinear_add */
                  rows_c[c][x] = (1.0f - ly) * ((1.0f - lx) * p0[xs0[x]] + lx * p0[xs1[x]]) +
                                 ly * ((1.0f - lx) * p1[xs0[x]] + lx * p1[xs1[x]]);
                }
            }
          for (int x = 0; x < ow; x++)
            for (int c = 0; c < CT_BLOCK; c++)
              o[(size_t) x * CT_BLOCK + c] = rows_c[c][x] + sk[(size_t) x * CT_BLOCK + c];
        }
      else
        {
          const float *base = src_blocked + (size_t) bi * plane * CT_BLOCK;
          const float *p0 = base + (size_t) y0 * w * CT_BLOCK, *p1 = base + (size_t) y1 * w * CT_BLOCK;
          for (int x = 0; x < ow; x++)
            {
              float lx = lxs[x];
              const float *a0 = p0 + (size_t) xs0[x] * CT_BLOCK, *a1 = p0 + (size_t) xs1[x] * CT_BLOCK;
              const float *c0 = p1 + (size_t) xs0[x] * CT_BLOCK, *c1 = p1 + (size_t) xs1[x] * CT_BLOCK;
              for (int c = 0; c < CT_BLOCK; c++)
                o[(size_t) x * CT_BLOCK + c] = (1.0f - ly) * ((1.0f - lx) * a0[c] + lx * a1[c]) +
                                               ly * ((1.0f - lx) * c0[c] + lx * c1[c]) + sk[(size_t) x * CT_BLOCK + c];
            }
        }
    }
}

void
ct_blocked_bilinear_add (const float *src, int blocks, int nimg, int h, int w, const float *skip, float *dst, int oh,
                         int ow, int n_threads)
{
  bilinear_add (src, NULL, blocks, nimg, h, w, skip, dst, oh, ow, n_threads);
}

void
ct_blocked_bilinear_add_from_blocked (const float *src, int blocks, int nimg, int h, int w, const float *skip,
                                      float *dst, int oh, int ow, int n_threads)
{
  bilinear_add (NULL, src, blocks, nimg, h, w, skip, dst, oh, ow, n_threads);
}

void
ct_blocked_head_sigmoid (const float *x, size_t n, const float *scale, const float *shift, const float *weight,
                         float *out, int n_threads)
{
#pragma omp parallel for num_threads(n_threads) schedule(static) if (n_threads > 1)
  for (size_t i = 0; i < n; i++)
    {
      const float *px = x + i * CT_BLOCK;
      float logit = 0.0f;
      for (int c = 0; c < CT_BLOCK; c++)
        {
          float v = px[c] * scale[c] + shift[c];
          logit += weight[c] * (v > 0.0f ? v : 0.0f);
        }
      out[i] = 1.0f / (1.0f + expf (-logit));
    }
}

void
ct_blocked_pyramid_accumulate (float *acc, const int *levels, int n_levels, const float *slice, int h, int w, int d,
                               int depth)
{
  float *level_acc = acc;

  for (int li = 0; li < n_levels; li++)
    {
      int l = levels[li];

      for (int bh = 0; bh < l; bh++)
        for (int bw = 0; bw < l; bw++)
          {
            int y0, y1, x0, x1;
            float m[CT_BLOCK];

            ct_nn_pyramid_bin (h, l, bh, &y0, &y1);
            ct_nn_pyramid_bin (w, l, bw, &x0, &x1);
            for (int c = 0; c < CT_BLOCK; c++)
              m[c] = -INFINITY;
            /* one pass over the bin, all 8 channels of a pixel together */
            for (int y = y0; y < y1; y++)
              {
                const float *px = slice + ((size_t) y * w + x0) * CT_BLOCK;
                for (int x = x0; x < x1; x++, px += CT_BLOCK)
                  for (int c = 0; c < CT_BLOCK; c++)
                    m[c] = px[c] > m[c] ? px[c] : m[c];
              }
            for (int bd = 0; bd < l; bd++)
              {
                int d0, d1;

                ct_nn_pyramid_bin (depth, l, bd, &d0, &d1);
                if (d < d0 || d >= d1)
                  continue;
                for (int c = 0; c < CT_BLOCK; c++)
                  {
                    /* the reference's feature order: [c][bh][bw][bd] */
                    float *a = &level_acc[(((size_t) c * l + bh) * l + bw) * l + bd];
                    *a = m[c] > *a ? m[c] : *a;
                  }
              }
          }
      level_acc += (size_t) CT_BLOCK * l * l * l;
    }
}

void
ct_blocked_from_channel_major (const float *planes, int blocks, int nimg, int h, int w, float *dst)
{
  size_t n = (size_t) nimg * h * w;

  for (int b = 0; b < blocks; b++)
    for (size_t p = 0; p < n; p++)
      for (int c = 0; c < CT_BLOCK; c++)
        dst[((size_t) b * n + p) * CT_BLOCK + c] = planes[(size_t) (b * CT_BLOCK + c) * n + p];
}

void
ct_blocked_to_channel_major (const float *src, int blocks, int nimg, int h, int w, float *planes)
{
  size_t n = (size_t) nimg * h * w;

  /* one sequential read, 8 sequential write streams */
  for (int b = 0; b < blocks; b++)
    for (size_t p = 0; p < n; p++)
      for (int c = 0; c < CT_BLOCK; c++)
        planes[(size_t) (b * CT_BLOCK + c) * n + p] = src[((size_t) b * n + p) * CT_BLOCK + c];
}
