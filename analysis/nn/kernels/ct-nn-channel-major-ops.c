/* SPDX-License-Identifier: MIT */
/* ct-nn-channel-major-ops.c: memory-bound kernels of the optimized path (ct-nn-channel-major-ops.h). */
#include "ct-nn-channel-major-ops.h"

#include <math.h>
#include <string.h>

#include <glib.h>

void
ct_nn_act_pad (const float *src, int c, int nimg, int h, int w, const float *scale, const float *shift, int relu,
               float *dst, int n_threads)
{
  int planes = c * nimg;
  size_t wp = (size_t) w + 2;

#pragma omp parallel for num_threads(n_threads) schedule(static)
  for (int p = 0; p < planes; p++)
    {
      int ch = p / nimg;
      float s = scale != NULL ? scale[ch] : 1.0f;
      float t = scale != NULL ? shift[ch] : 0.0f;
      const float *in = src + (size_t) p * h * w;
      float *out = dst + (size_t) p * (h + 2) * wp;

      memset (out, 0, wp * sizeof (float));
      memset (out + (size_t) (h + 1) * wp, 0, wp * sizeof (float));
      for (int y = 0; y < h; y++)
        {
          float *o = out + (size_t) (y + 1) * wp;
          const float *i = in + (size_t) y * w;
          o[0] = 0.0f;
          o[w + 1] = 0.0f;
          if (relu)
            for (int x = 0; x < w; x++)
              {
                float v = i[x] * s + t;
                o[x + 1] = v > 0.0f ? v : 0.0f;
              }
          else
            for (int x = 0; x < w; x++)
              o[x + 1] = i[x] * s + t;
        }
    }
}

void
ct_nn_maxpool2x2_ceil (const float *src, int planes, int h, int w, float *dst, int n_threads)
{
  int oh = (h + 1) / 2, ow = (w + 1) / 2;

#pragma omp parallel for num_threads(n_threads) schedule(static)
  for (int p = 0; p < planes; p++)
    {
      const float *in = src + (size_t) p * h * w;
      float *out = dst + (size_t) p * oh * ow;
      for (int y = 0; y < oh; y++)
        {
          const float *r0 = in + (size_t) (2 * y) * w;
          const float *r1 = 2 * y + 1 < h ? r0 + w : r0;
          for (int x = 0; x < ow; x++)
            {
              int x1 = 2 * x + 1 < w ? 2 * x + 1 : 2 * x;
              float a = r0[2 * x] > r0[x1] ? r0[2 * x] : r0[x1];
              float b = r1[2 * x] > r1[x1] ? r1[2 * x] : r1[x1];
              out[(size_t) y * ow + x] = a > b ? a : b;
            }
        }
    }
}

void
ct_nn_bilinear_source (int dst, int in_size, int out_size, int *i0, int *i1, float *lambda)
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

#define BILINEAR_TABLE 2048

void
ct_nn_bilinear_add (const float *src, int planes, int h, int w, const float *skip, float *dst, int oh, int ow,
                    int n_threads)
{
#pragma omp parallel for num_threads(n_threads) schedule(static)
  for (int p = 0; p < planes; p++)
    {
      const float *in = src + (size_t) p * h * w;
      const float *sk = skip + (size_t) p * oh * ow;
      float *out = dst + (size_t) p * oh * ow;
      /* column taps, on the stack (no allocation); very wide rows recompute */
      int xs0[BILINEAR_TABLE], xs1[BILINEAR_TABLE];
      float lxs[BILINEAR_TABLE];
      gboolean table = ow <= BILINEAR_TABLE;

      if (table)
        for (int x = 0; x < ow; x++)
          ct_nn_bilinear_source (x, w, ow, &xs0[x], &xs1[x], &lxs[x]);
      for (int y = 0; y < oh; y++)
        {
          int y0, y1;
          float ly;
          const float *r0, *r1;

          ct_nn_bilinear_source (y, h, oh, &y0, &y1, &ly);
          r0 = in + (size_t) y0 * w;
          r1 = in + (size_t) y1 * w;
          for (int x = 0; x < ow; x++)
            {
              int x0, x1;
              float lx;
              float v;

              if (table)
                {
                  x0 = xs0[x];
                  x1 = xs1[x];
                  lx = lxs[x];
                }
              else
                {
                  ct_nn_bilinear_source (x, w, ow, &x0, &x1, &lx);
                }
              v = (1.0f - ly) * ((1.0f - lx) * r0[x0] + lx * r0[x1]) + ly * ((1.0f - lx) * r1[x0] + lx * r1[x1]);
              out[(size_t) y * ow + x] = v + sk[(size_t) y * ow + x];
            }
        }
    }
}

void
ct_nn_head_sigmoid (const float *x, int c, size_t n, const float *scale, const float *shift, const float *weight,
                    float *out, int n_threads)
{
#pragma omp parallel for num_threads(n_threads) schedule(static)
  for (size_t i = 0; i < n; i++)
    {
      float logit = 0.0f;
      for (int ch = 0; ch < c; ch++)
        {
          float v = x[(size_t) ch * n + i] * scale[ch] + shift[ch];
          logit += weight[ch] * (v > 0.0f ? v : 0.0f);
        }
      out[i] = 1.0f / (1.0f + expf (-logit));
    }
}
