/* SPDX-License-Identifier: MIT */
/* ct-nn-ref.c: naive reference kernels (see ct-nn-ref.h). */
#include "ct-nn-ref.h"

#include <math.h>

void
ct_nn_ref_conv2d (const float *in, int cin, int h, int w, const float *weight, const float *bias, int cout, int k,
                  float *out)
{
  int pad = k / 2;

  for (int co = 0; co < cout; co++)
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++)
        {
          float sum = bias != NULL ? bias[co] : 0.0f;
          for (int ci = 0; ci < cin; ci++)
            for (int ky = 0; ky < k; ky++)
              {
                int yy = y + ky - pad;
                if (yy < 0 || yy >= h)
                  continue;
                for (int kx = 0; kx < k; kx++)
                  {
                    int xx = x + kx - pad;
                    if (xx < 0 || xx >= w)
                      continue;
                    sum += weight[((size_t) (co * cin + ci) * k + ky) * k + kx] * in[((size_t) ci * h + yy) * w + xx];
                  }
              }
          out[((size_t) co * h + y) * w + x] = sum;
        }
}

void
ct_nn_ref_batch_norm (float *x, int c, size_t plane, const float *weight, const float *bias, const float *mean,
                      const float *var, float eps)
{
  for (int ch = 0; ch < c; ch++)
    {
      float inv_std = 1.0f / sqrtf (var[ch] + eps);
      float *p = x + (size_t) ch * plane;
      for (size_t i = 0; i < plane; i++)
        p[i] = (p[i] - mean[ch]) * inv_std * weight[ch] + bias[ch];
    }
}

void
ct_nn_ref_relu (float *x, size_t n)
{
  for (size_t i = 0; i < n; i++)
    x[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

void
ct_nn_ref_add (float *x, const float *y, size_t n)
{
  for (size_t i = 0; i < n; i++)
    x[i] += y[i];
}

void
ct_nn_ref_sigmoid (float *x, size_t n)
{
  for (size_t i = 0; i < n; i++)
    x[i] = 1.0f / (1.0f + expf (-x[i]));
}

void
ct_nn_ref_maxpool2x2_ceil (const float *in, int c, int h, int w, float *out)
{
  int oh = (h + 1) / 2, ow = (w + 1) / 2;

  for (int ch = 0; ch < c; ch++)
    for (int y = 0; y < oh; y++)
      for (int x = 0; x < ow; x++)
        {
          float m = -INFINITY;
          for (int dy = 0; dy < 2; dy++)
            for (int dx = 0; dx < 2; dx++)
              {
                int yy = 2 * y + dy, xx = 2 * x + dx;
                if (yy < h && xx < w)
                  m = fmaxf (m, in[((size_t) ch * h + yy) * w + xx]);
              }
          out[((size_t) ch * oh + y) * ow + x] = m;
        }
}

/* PyTorch's area_pixel_compute_source_index for linear modes, align_corners
 * false, in float as its CPU kernel computes it. */
static void
source_index (int dst, int in_size, int out_size, int *i0, int *i1, float *lambda)
{
  float scale = (float) in_size / (float) out_size;
  float src = scale * ((float) dst + 0.5f) - 0.5f;

  if (src < 0.0f)
    src = 0.0f;
  *i0 = (int) src;
  if (*i0 > in_size - 1)
    *i0 = in_size - 1;
  *i1 = *i0 + (*i0 < in_size - 1 ? 1 : 0);
  *lambda = src - (float) *i0;
  if (*lambda > 1.0f)
    *lambda = 1.0f;
}

void
ct_nn_ref_bilinear (const float *in, int c, int h, int w, float *out, int oh, int ow)
{
  for (int y = 0; y < oh; y++)
    {
      int y0, y1;
      float ly;

      source_index (y, h, oh, &y0, &y1, &ly);
      for (int x = 0; x < ow; x++)
        {
          int x0, x1;
          float lx;

          source_index (x, w, ow, &x0, &x1, &lx);
          for (int ch = 0; ch < c; ch++)
            {
              const float *p = in + (size_t) ch * h * w;
              float v = (1.0f - ly) * ((1.0f - lx) * p[y0 * w + x0] + lx * p[y0 * w + x1]) +
                        ly * ((1.0f - lx) * p[y1 * w + x0] + lx * p[y1 * w + x1]);
              out[((size_t) ch * oh + y) * ow + x] = v;
            }
        }
    }
}

void
ct_nn_ref_linear (const float *in, int n_in, const float *weight, const float *bias, int n_out, float *out)
{
  for (int o = 0; o < n_out; o++)
    {
      double sum = bias != NULL ? bias[o] : 0.0;
      for (int i = 0; i < n_in; i++)
        sum += (double) weight[(size_t) o * n_in + i] * in[i];
      out[o] = (float) sum;
    }
}

void
ct_nn_pyramid_bin (int n, int level, int bin, int *begin, int *end)
{
  int stride = n / level;
  int window = n - (level - 1) * stride;

  *begin = bin * stride;
  *end = bin * stride + window;
}

size_t
ct_nn_pyramid_n_features (int c, const int *levels, int n_levels)
{
  size_t n = 0;
  for (int i = 0; i < n_levels; i++)
    n += (size_t) c * levels[i] * levels[i] * levels[i];
  return n;
}

void
ct_nn_ref_pyramid_init (float *acc, size_t n_features)
{
  for (size_t i = 0; i < n_features; i++)
    acc[i] = -INFINITY;
}

void
ct_nn_ref_pyramid_accumulate (float *acc, const int *levels, int n_levels, const float *slice, int c,
                              size_t channel_stride, int h, int w, int d, int depth)
{
  float *level_acc = acc;

  for (int li = 0; li < n_levels; li++)
    {
      int l = levels[li];

      for (int ch = 0; ch < c; ch++)
        for (int bh = 0; bh < l; bh++)
          for (int bw = 0; bw < l; bw++)
            {
              int y0, y1, x0, x1;
              float m = -INFINITY;

              ct_nn_pyramid_bin (h, l, bh, &y0, &y1);
              ct_nn_pyramid_bin (w, l, bw, &x0, &x1);
              for (int y = y0; y < y1; y++)
                for (int x = x0; x < x1; x++)
                  {
                    float v = slice[(size_t) ch * channel_stride + (size_t) y * w + x];
                    m = v > m ? v : m;
                  }
              for (int bd = 0; bd < l; bd++)
                {
                  int d0, d1;
                  float *a;

                  ct_nn_pyramid_bin (depth, l, bd, &d0, &d1);
                  if (d < d0 || d >= d1)
                    continue;
                  a = &level_acc[(((size_t) ch * l + bh) * l + bw) * l + bd];
                  *a = m > *a ? m : *a;
                }
            }
      level_acc += (size_t) c * l * l * l;
    }
}
