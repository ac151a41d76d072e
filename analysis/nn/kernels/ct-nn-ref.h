/* SPDX-License-Identifier: MIT */
/* ct-nn-ref.h: naive reference kernels, written for clarity and PyTorch
 * semantics, not speed. One image at a time, layout [C][H][W] float32.
 * Every optimized kernel is tested against these. No allocation. */
#pragma once

#include <stddef.h>

/* out[cout][h][w] = bias + sum over cin, taps of weight[cout][cin][k][k] * in,
 * k = 1 or 3, stride 1, zero padding k / 2. bias may be NULL. */
void ct_nn_ref_conv2d (const float *in, int cin, int h, int w, const float *weight, const float *bias, int cout, int k,
                       float *out);

/* x[c][plane] = (x - mean) / sqrt(var + eps) * weight + bias, in place. */
void ct_nn_ref_batch_norm (float *x, int c, size_t plane, const float *weight, const float *bias, const float *mean,
                           const float *var, float eps);

void ct_nn_ref_relu (float *x, size_t n);
void ct_nn_ref_add (float *x, const float *y, size_t n); /* x += y */
void ct_nn_ref_sigmoid (float *x, size_t n);

/* 2x2 max pooling, stride 2, ceil mode: out [c][(h+1)/2][(w+1)/2]. */
void ct_nn_ref_maxpool2x2_ceil (const float *in, int c, int h, int w, float *out);

/* Bilinear resize to exactly oh x ow, align_corners = false, PyTorch's
 * source index rule: src = max(0, (dst + 0.5) * in / out - 0.5). */
void ct_nn_ref_bilinear (const float *in, int c, int h, int w, float *out, int oh, int ow);

/* out[o] = bias[o] + sum_i weight[o][i] * in[i]; bias may be NULL. */
void ct_nn_ref_linear (const float *in, int n_in, const float *weight, const float *bias, int n_out, float *out);

/* Overlapping pyramid bin of an axis of length n at level l (n >= l):
 * stride = n / l, window = n - (l - 1) * stride, bin i covers
 * [i * stride, i * stride + window). */
void ct_nn_pyramid_bin (int n, int level, int bin, int *begin, int *end);

/* 3-D pyramid max pooling of a C x H x W x D block, fed one slice [C][H][W]
 * at a time (slice index d of D). acc holds n_features floats, level by level,
 * then channel, then bins along H, W, D (D fastest); initialise it with
 * ct_nn_ref_pyramid_init. Channel ch of the slice starts at
 * slice + ch * channel_stride (h * w when the slice is [C][H][W]). */
size_t ct_nn_pyramid_n_features (int c, const int *levels, int n_levels);
void ct_nn_ref_pyramid_init (float *acc, size_t n_features);
void ct_nn_ref_pyramid_accumulate (float *acc, const int *levels, int n_levels, const float *slice, int c,
                                   size_t channel_stride, int h, int w, int d, int depth);
