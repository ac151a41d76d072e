/* SPDX-License-Identifier: MIT */
/* ct-nn-channel-major-ops.h: the optimized path's memory-bound kernels on batches in
 * channel-major layout [C][nimg][H][W]; each is OpenMP-parallel over planes
 * and has a reference counterpart in ct-nn-ref.h. No allocation. */
#pragma once

#include <stddef.h>

/* dst[c][i][h+2][w+2]: zero border, interior = act(src[c][i][h][w]) with
 * act(x) = relu(x * scale[c] + shift[c]) when scale is non-NULL, x otherwise
 * (relu only when relu != 0). */
void ct_nn_act_pad (const float *src, int c, int nimg, int h, int w, const float *scale, const float *shift, int relu,
                    float *dst, int n_threads);

/* 2x2 ceil-mode max pooling of `planes` planes of h x w. */
void ct_nn_maxpool2x2_ceil (const float *src, int planes, int h, int w, float *dst, int n_threads);

/* The two source indices and the weight of i1 for output index dst when
 * resizing in_size -> out_size (PyTorch, align_corners=False). */
void ct_nn_bilinear_source (int dst, int in_size, int out_size, int *i0, int *i1, float *lambda);

/* dst[p][oh][ow] = bilinear(src[p][h][w] -> oh x ow) + skip[p][oh][ow]. */
void ct_nn_bilinear_add (const float *src, int planes, int h, int w, const float *skip, float *dst, int oh, int ow,
                         int n_threads);

/* The 1-channel logit head: out[i][p] = sigmoid(sum_c weight[c] *
 * relu(x[c][i*plane + p] * scale[c] + shift[c])), x is [c][n]. */
void ct_nn_head_sigmoid (const float *x, int c, size_t n, const float *scale, const float *shift, const float *weight,
                         float *out, int n_threads);
