/* SPDX-License-Identifier: MIT */
/* ct-nn-blocked.h: the blocked layout of the optimized path (every level but
 * the bridge): tensors [C / 8][nimg][H][W][8], blocks of 8 channels
 * interleaved per pixel. It began with level 0, whose case is described
 * here; the engine's other layout is channel-major [C][nimg][H][W].
 *
 * Level 0 of both networks (full resolution: 180 x 180 for the lungs,
 * the lung box for the multitask network) has exactly 8 channels in every
 * tensor (init conv, both ResBlock paths, the seg block, the head). In the
 * channel-major layout of the rest of the engine [C][nimg][H][W] its 3x3
 * convolutions read 24 row streams (8 channel planes x 3 rows) per output
 * strip and ran at 24-32 GFLOPS inside the network, a quarter of the
 * engine's time (docs/performance.md). Here level-0 tensors are stored
 * blocked: [nimg][H][W][8], 8 channels interleaved per pixel (NHWC with
 * C = 8; "blocked plain" below), or zero-bordered [nimg][H+2][W+2][8]. A 3x3 convolution 8 -> 8 is then a
 * direct convolution: 12 output pixels x 8 output channels in registers,
 * per tap and input channel one vector of 8 weights times 12 broadcast
 * inputs, reading only 3 contiguous input rows.
 *
 * Conversions happen inside steps that pass over the data anyway: the init
 * conv writes blocked, max pooling 0 -> 1 reads blocked and may write
 * channel-major, the upsample + add 1 -> 0 may read channel-major and
 * writes blocked, the head reads blocked.
 * Every kernel here has a channel-major reference (ct-nn-ref.h, ct-nn-channel-major-ops.h)
 * and is tested against it (tests/test-nn-kernels.c). No allocation. */
#pragma once

#include <glib.h>

#include "ct-nn-channel-major-conv.h"

G_BEGIN_DECLS

/* Channels per block of the blocked layout: the 8 float lanes of an AVX2
 * vector. */
#define CT_BLOCK 8
/* Widest level-0 row ct_blocked_bilinear_add takes (its tables are on the
 * stack); wider inputs keep level 0 channel-major. 2048 at 2 mm = 4 m. */
#define CT_BLOCKED_MAX_WIDTH 2048
/* Widest block whose convolutions are packed for this layout (every level
 * of the paper's structure, the bridge where its plane suits it). From 16
 * channels they run by Winograd (ct-nn-blocked-winograd.h), whose tiles run
 * across rows and images, so narrow deep levels lose nothing to short rows
 * (the direct row kernel, 12 pixels per block, did: level 3 was 1.65x slower
 * with it than channel-major). */
#define CT_BLOCKED_MAX_CHANNELS 512

/* Levels with more than 8 channels use the same layout per block of 8
 * channels, blocks outermost: [blocks][nimg][H][W][8] (zero-bordered:
 * [blocks][nimg][H+2][W+2][8]); with one block it is the layout above.
 *
 * A 3x3 convolution cin -> cout (multiples of 8) plus an optional fused 1x1
 * shortcut from a raw input (cin_raw, a multiple of 8), packed per output
 * block: 3x3 [ob][ib][9 taps][8 ci][8 co], 1x1 [ob][rb][8 ci][8 co]. */
typedef struct
{
  int cin_blocks, cout_blocks, raw_blocks;
  float *packed3;
  float *packed1; /* NULL without a shortcut */
} CtBlockedConvWeights;

/* w3x3: [cout][cin][3][3], w1x1: [cout][cin_raw] or NULL (PyTorch layouts);
 * channel counts multiples of 8. */
void ct_blocked_conv_weights_pack (CtBlockedConvWeights *self, int cout, const float *w3x3, int cin, const float *w1x1,
                                   int cin_raw);
void ct_blocked_conv_weights_clear (CtBlockedConvWeights *self);

/* out = epilogue(conv3x3(padded) + conv1x1(raw)): padded is blocked
 * zero-bordered, raw blocked plain (or NULL without a shortcut); the
 * epilogue is that of ct-nn-channel-major-conv.h, per output channel (scale/shift or
 * bias, then + residual (blocked plain) when non-NULL, then ReLU); out is
 * blocked plain, or blocked zero-bordered (border written) with
 * padded_output. avx2 selects the AVX2/FMA row kernel (only when the CPU
 * has it); otherwise portable C. */
void ct_blocked_conv3x3 (const CtBlockedConvWeights *weights, const float *padded, const float *raw, int nimg, int h,
                         int w, const CtConvEpilogue *ep, float *out, gboolean avx2, int n_threads);

/* The row kernels behind ct_blocked_conv3x3: one output block (8 channels) of
 * output row y of one image, pixels [0, w). in_row points at bordered row y
 * (the top tap row) of the image in input block 0, raw_row at row y of the
 * image in raw block 0; w3 and w1 at the output block's packed weights;
 * scale/shift at its 8 channels (either may be NULL). Exposed for the
 * kernel tests. */
typedef struct
{
  const float *in_row;
  size_t in_row_stride, in_block_stride;
  int cin_blocks;
  const float *raw_row;
  size_t raw_block_stride;
  int raw_blocks;
  const float *w3, *w1;
  const float *scale, *shift, *residual_row;
  int relu;
} CtBlockedRow;

typedef void (*CtBlockedRowKernel) (const CtBlockedRow *row, int w, float *out_row);
void ct_blocked_conv_row_portable (const CtBlockedRow *row, int w, float *out_row);
#if defined(__x86_64__) || defined(__i386__)
void ct_blocked_conv_row_avx2 (const CtBlockedRow *row, int w, float *out_row);
#endif

/* dst blocked zero-bordered = act(src blocked plain), act(x) = relu(x *
 * scale[c] + shift[c]) with scale (relu only when relu != 0), x without. */
void ct_blocked_act_pad (const float *src, int blocks, int nimg, int h, int w, const float *scale, const float *shift,
                         int relu, float *dst, int n_threads);

/* The init conv 1 -> 8 with bias: padded1 is the input slices zero-bordered
 * [nimg][h+2][w+2]; weight [8][1][3][3], bias [8]; out blocked plain. */
void ct_blocked_init_conv (const float *padded1, int nimg, int h, int w, const float *weight, const float *bias,
                           float *out, int n_threads);

/* 2x2 ceil-mode max pooling of src blocked plain [blocks][nimg][h][w][8]
 * into channel-major dst [8 * blocks][nimg][ceil(h/2)][ceil(w/2)] (the next level
 * channel-major), or into blocked plain (the next level blocked). */
void ct_blocked_maxpool_to_channel_major (const float *src, int blocks, int nimg, int h, int w, float *dst,
                                          int n_threads);
void ct_blocked_maxpool (const float *src, int blocks, int nimg, int h, int w, float *dst, int n_threads);

/* dst blocked plain [blocks][nimg][oh][ow][8] = bilinear(src -> oh x ow,
 * PyTorch align_corners=False) + skip blocked plain, with src channel-major
 * [8 * blocks][nimg][h][w] or (_from_blocked) blocked plain; ow <= CT_BLOCKED_MAX_WIDTH. */
void ct_blocked_bilinear_add (const float *src, int blocks, int nimg, int h, int w, const float *skip, float *dst,
                              int oh, int ow, int n_threads);
void ct_blocked_bilinear_add_from_blocked (const float *src, int blocks, int nimg, int h, int w, const float *skip,
                                           float *dst, int oh, int ow, int n_threads);

/* out[p] = sigmoid(sum_c weight[c] * relu(x[p][c] * scale[c] + shift[c]))
 * for the n pixels of x blocked plain. */
void ct_blocked_head_sigmoid (const float *x, size_t n, const float *scale, const float *shift, const float *weight,
                              float *out, int n_threads);

/* ct_nn_ref_pyramid_accumulate (ct-nn-ref.h) for one slice blocked
 * [h][w][8] (8 channels): the same features in the same order. */
void ct_blocked_pyramid_accumulate (float *acc, const int *levels, int n_levels, const float *slice, int h, int w,
                                    int d, int depth);

/* Zeroes the one-pixel border of `planes` blocked planes [h+2][w+2][8]. */
void ct_blocked_zero_border (float *out, int planes, int h, int w);

/* Layout conversions (blocked plain <-> channel-major [8 * blocks][nimg][h][w]),
 * for the tests. */
void ct_blocked_from_channel_major (const float *planes, int blocks, int nimg, int h, int w, float *dst);
void ct_blocked_to_channel_major (const float *src, int blocks, int nimg, int h, int w, float *planes);

G_END_DECLS
