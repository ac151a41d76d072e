/* SPDX-License-Identifier: MIT */
/* ct-nn-c8.c: level-0 kernels in the pixel-major 8-channel layout
 * (ct-nn-c8.h). Everything is OpenMP-parallel over image rows. */
#include "ct-nn-c8.h"

#include <math.h>
#include <string.h>

#include "ct-nn-ops.h"
#include "ct-nn-ref.h"

void
ct_c8_conv_weights_pack (CtC8ConvWeights *self, const float *w3x3)
{
  self->packed = g_new (float, 9 * CT_C8 * CT_C8);
  for (int co = 0; co < CT_C8; co++)
    for (int ci = 0; ci < CT_C8; ci++)
      for (int t = 0; t < 9; t++)
        self->packed[(t * CT_C8 + ci) * CT_C8 + co] = w3x3[(co * CT_C8 + ci) * 9 + t];
}

void
ct_c8_conv_weights_clear (CtC8ConvWeights *self)
{
  g_clear_pointer (&self->packed, g_free);
}

/* One output pixel, all 8 channels: acc[co] = sum over taps and input
 * channels; then the epilogue. */
void
ct_c8_conv_row_portable (const float *in_row, size_t in_row_stride, int w, const float *packed,
                         const float *scale, const float *shift, const float *residual_row,
                         int relu, float *out_row)
{
  for (int x = 0; x < w; x++)
    {
      float acc[CT_C8] = { 0 };

      for (int t = 0; t < 9; t++)
        {
          const float *px = in_row + (size_t) (t / 3) * in_row_stride + (size_t) (x + t % 3) * CT_C8;
          const float *wt = packed + t * CT_C8 * CT_C8;
          for (int ci = 0; ci < CT_C8; ci++)
            for (int co = 0; co < CT_C8; co++)
              acc[co] += px[ci] * wt[ci * CT_C8 + co];
        }
      for (int co = 0; co < CT_C8; co++)
        {
          float v = acc[co] * (scale != NULL ? scale[co] : 1.0f) + (shift != NULL ? shift[co] : 0.0f);
          if (residual_row != NULL)
            v += residual_row[(size_t) x * CT_C8 + co];
          if (relu)
            v = v > 0.0f ? v : 0.0f;
          out_row[(size_t) x * CT_C8 + co] = v;
        }
    }
}

/* Zeroes the one-pixel border of nimg C8 planes [h+2][w+2][8]. */
static void
zero_border (float *out, int nimg, int h, int w)
{
  size_t row = ((size_t) w + 2) * CT_C8;

  for (int i = 0; i < nimg; i++)
    {
      float *o = out + (size_t) i * (h + 2) * row;
      memset (o, 0, row * sizeof (float));
      memset (o + (size_t) (h + 1) * row, 0, row * sizeof (float));
      for (int y = 1; y <= h; y++)
        {
          memset (o + (size_t) y * row, 0, CT_C8 * sizeof (float));
          memset (o + (size_t) y * row + row - CT_C8, 0, CT_C8 * sizeof (float));
        }
    }
}

void
ct_c8_conv3x3 (const CtC8ConvWeights *weights, const float *padded, int nimg, int h, int w,
               const CtConvEpilogue *ep, float *out, gboolean avx2, int n_threads)
{
  CtC8RowKernel row_kernel = ct_c8_conv_row_portable;
  size_t in_row = ((size_t) w + 2) * CT_C8, in_plane = (size_t) (h + 2) * in_row;
  const float *scale = ep->scale;
  const float *shift = ep->scale != NULL ? ep->shift : ep->bias;
  int rows = nimg * h;

#if defined(__x86_64__) || defined(__i386__)
  if (avx2)
    row_kernel = ct_c8_conv_row_avx2;
#else
  (void) avx2;
#endif
  g_assert (!(ep->padded_output && ep->residual != NULL));
  if (ep->padded_output)
    zero_border (out, nimg, h, w);

#pragma omp parallel for num_threads(n_threads) schedule(static) if(n_threads > 1)
  for (int r = 0; r < rows; r++)
    {
      int i = r / h, y = r % h;
      const float *src = padded + (size_t) i * in_plane + (size_t) y * in_row;
      const float *res = ep->residual != NULL
                         ? ep->residual + ((size_t) i * h + y) * (size_t) w * CT_C8 : NULL;
      float *dst = ep->padded_output
                   ? out + (size_t) i * in_plane + (size_t) (y + 1) * in_row + CT_C8
                   : out + ((size_t) i * h + y) * (size_t) w * CT_C8;

      row_kernel (src, in_row, w, weights->packed, scale, shift, res, ep->relu, dst);
    }
}

void
ct_c8_act_pad (const float *src, int nimg, int h, int w, const float *scale, const float *shift,
               int relu, float *dst, int n_threads)
{
  size_t row = ((size_t) w + 2) * CT_C8;
  int rows = nimg * h;

  zero_border (dst, nimg, h, w);
#pragma omp parallel for num_threads(n_threads) schedule(static) if(n_threads > 1)
  for (int r = 0; r < rows; r++)
    {
      int i = r / h, y = r % h;
      const float *in = src + ((size_t) i * h + y) * (size_t) w * CT_C8;
      float *o = dst + ((size_t) i * (h + 2) + y + 1) * row + CT_C8;
      size_t n = (size_t) w * CT_C8;

      if (scale == NULL && !relu)
        {
          memcpy (o, in, n * sizeof (float));
          continue;
        }
      /* channel index = element index mod 8; branch-free inner loops so
       * that the compiler vectorises them */
      if (scale != NULL && relu)
        {
          for (size_t k = 0; k < n; k += CT_C8)
            for (int c = 0; c < CT_C8; c++)
              {
                float v = in[k + c] * scale[c] + shift[c];
                o[k + c] = v > 0.0f ? v : 0.0f;
              }
        }
      else
        {
          for (size_t k = 0; k < n; k += CT_C8)
            for (int c = 0; c < CT_C8; c++)
              {
                float v = scale != NULL ? in[k + c] * scale[c] + shift[c] : in[k + c];
                o[k + c] = relu && v < 0.0f ? 0.0f : v;
              }
        }
    }
}

void
ct_c8_init_conv (const float *padded1, int nimg, int h, int w, const float *weight,
                 const float *bias, float *out, int n_threads)
{
  size_t wp = (size_t) w + 2;
  int rows = nimg * h;
  float taps[9][CT_C8];

  for (int t = 0; t < 9; t++)
    for (int co = 0; co < CT_C8; co++)
      taps[t][co] = weight[co * 9 + t];

#pragma omp parallel for num_threads(n_threads) schedule(static) if(n_threads > 1)
  for (int r = 0; r < rows; r++)
    {
      int i = r / h, y = r % h;
      const float *in = padded1 + ((size_t) i * (h + 2) + y) * wp;
      float *o = out + ((size_t) i * h + y) * (size_t) w * CT_C8;

      for (int x = 0; x < w; x++)
        {
          float acc[CT_C8];
          for (int co = 0; co < CT_C8; co++)
            acc[co] = bias[co];
          for (int t = 0; t < 9; t++)
            {
              float v = in[(size_t) (t / 3) * wp + (size_t) (x + t % 3)];
              for (int co = 0; co < CT_C8; co++)
                acc[co] += v * taps[t][co];
            }
          memcpy (o + (size_t) x * CT_C8, acc, sizeof acc);
        }
    }
}

void
ct_c8_maxpool_to_planes (const float *src, int nimg, int h, int w, float *dst, int n_threads)
{
  int oh = (h + 1) / 2, ow = (w + 1) / 2;
  size_t oplane = (size_t) oh * ow, cstride = (size_t) nimg * oplane;
  int rows = nimg * oh;

#pragma omp parallel for num_threads(n_threads) schedule(static) if(n_threads > 1)
  for (int r = 0; r < rows; r++)
    {
      int i = r / oh, y = r % oh;
      const float *r0 = src + ((size_t) i * h + 2 * y) * (size_t) w * CT_C8;
      const float *r1 = 2 * y + 1 < h ? r0 + (size_t) w * CT_C8 : r0;
      float *o = dst + (size_t) i * oplane + (size_t) y * ow;

      for (int x = 0; x < ow; x++)
        {
          size_t x0 = (size_t) 2 * x * CT_C8;
          size_t x1 = 2 * x + 1 < w ? x0 + CT_C8 : x0;
          for (int c = 0; c < CT_C8; c++)
            {
              float a = r0[x0 + c] > r0[x1 + c] ? r0[x0 + c] : r0[x1 + c];
              float b = r1[x0 + c] > r1[x1 + c] ? r1[x0 + c] : r1[x1 + c];
              o[(size_t) c * cstride + x] = a > b ? a : b;
            }
        }
    }
}

#define TABLE CT_C8_MAX_WIDTH

void
ct_c8_bilinear_add (const float *src, int nimg, int h, int w, const float *skip, float *dst,
                    int oh, int ow, int n_threads)
{
  size_t plane = (size_t) h * w, cstride = (size_t) nimg * plane;
  int rows = nimg * oh;
  /* column taps once per call (shared, read-only) */
  int xs0[TABLE], xs1[TABLE];
  float lxs[TABLE];

  g_assert (ow <= TABLE);
  for (int x = 0; x < ow; x++)
    ct_nn_bilinear_source (x, w, ow, &xs0[x], &xs1[x], &lxs[x]);

#pragma omp parallel for num_threads(n_threads) schedule(static) if(n_threads > 1)
  for (int r = 0; r < rows; r++)
    {
      int i = r / oh, y = r % oh;
      int y0, y1;
      float ly;
      const float *sk = skip + ((size_t) i * oh + y) * (size_t) ow * CT_C8;
      float *o = dst + ((size_t) i * oh + y) * (size_t) ow * CT_C8;
      float rows_c[CT_C8][TABLE];

      ct_nn_bilinear_source (y, h, oh, &y0, &y1, &ly);

      /* each channel's output row into rows_c (contiguous reads of the
       * source rows), then one interleaving pass with the skip */
      for (int c = 0; c < CT_C8; c++)
        {
          const float *p0 = src + (size_t) c * cstride + (size_t) i * plane + (size_t) y0 * w;
          const float *p1 = src + (size_t) c * cstride + (size_t) i * plane + (size_t) y1 * w;
          for (int x = 0; x < ow; x++)
            {
              float lx = lxs[x];
              /* the same expression, in the same order, as ct_nn_bilinear_add */
              rows_c[c][x] = (1.0f - ly) * ((1.0f - lx) * p0[xs0[x]] + lx * p0[xs1[x]])
                             + ly * ((1.0f - lx) * p1[xs0[x]] + lx * p1[xs1[x]]);
            }
        }
      for (int x = 0; x < ow; x++)
        for (int c = 0; c < CT_C8; c++)
          o[(size_t) x * CT_C8 + c] = rows_c[c][x] + sk[(size_t) x * CT_C8 + c];
    }
}

void
ct_c8_head_sigmoid (const float *x, size_t n, const float *scale, const float *shift,
                    const float *weight, float *out, int n_threads)
{
#pragma omp parallel for num_threads(n_threads) schedule(static) if(n_threads > 1)
  for (size_t i = 0; i < n; i++)
    {
      const float *px = x + i * CT_C8;
      float logit = 0.0f;
      for (int c = 0; c < CT_C8; c++)
        {
          float v = px[c] * scale[c] + shift[c];
          logit += weight[c] * (v > 0.0f ? v : 0.0f);
        }
      out[i] = 1.0f / (1.0f + expf (-logit));
    }
}

void
ct_c8_pyramid_accumulate (float *acc, const int *levels, int n_levels, const float *slice,
                          int h, int w, int d, int depth)
{
  float *level_acc = acc;

  for (int li = 0; li < n_levels; li++)
    {
      int l = levels[li];

      for (int bh = 0; bh < l; bh++)
        for (int bw = 0; bw < l; bw++)
          {
            int y0, y1, x0, x1;
            float m[CT_C8];

            ct_nn_pyramid_bin (h, l, bh, &y0, &y1);
            ct_nn_pyramid_bin (w, l, bw, &x0, &x1);
            for (int c = 0; c < CT_C8; c++)
              m[c] = -INFINITY;
            /* one pass over the bin, all 8 channels of a pixel together */
            for (int y = y0; y < y1; y++)
              {
                const float *px = slice + ((size_t) y * w + x0) * CT_C8;
                for (int x = x0; x < x1; x++, px += CT_C8)
                  for (int c = 0; c < CT_C8; c++)
                    m[c] = px[c] > m[c] ? px[c] : m[c];
              }
            for (int bd = 0; bd < l; bd++)
              {
                int d0, d1;

                ct_nn_pyramid_bin (depth, l, bd, &d0, &d1);
                if (d < d0 || d >= d1)
                  continue;
                for (int c = 0; c < CT_C8; c++)
                  {
                    /* the reference's feature order: [c][bh][bw][bd] */
                    float *a = &level_acc[(((size_t) c * l + bh) * l + bw) * l + bd];
                    *a = m[c] > *a ? m[c] : *a;
                  }
              }
          }
      level_acc += (size_t) CT_C8 * l * l * l;
    }
}

void
ct_c8_from_planes (const float *planes, int nimg, int h, int w, float *dst)
{
  size_t n = (size_t) nimg * h * w;

  for (size_t p = 0; p < n; p++)
    for (int c = 0; c < CT_C8; c++)
      dst[p * CT_C8 + c] = planes[(size_t) c * n + p];
}

void
ct_c8_to_planes (const float *src, int nimg, int h, int w, float *planes)
{
  size_t n = (size_t) nimg * h * w;

  /* one sequential read, 8 sequential write streams */
  for (size_t p = 0; p < n; p++)
    for (int c = 0; c < CT_C8; c++)
      planes[(size_t) c * n + p] = src[p * CT_C8 + c];
}
